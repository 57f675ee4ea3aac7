package prompt

import (
	"fmt"
	"strings"
	"sync"
)

// Fake answers questions from a script, for tests. Each answer is matched
// by a substring of the question; unanswered questions fail the call.
type Fake struct {
	mu      sync.Mutex
	answers []fakeAnswer
	// Asked records every question in order.
	Asked []string
}

type fakeAnswer struct {
	match string
	value any // string, bool, int or []int (MultiSelect)
}

// Answer queues value (string, bool or option index) for the next question
// containing match.
func (f *Fake) Answer(match string, value any) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, fakeAnswer{match, value})
	return f
}

// Verify reports answers that were never used.
func (f *Fake) Verify() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.answers) > 0 {
		var left []string
		for _, a := range f.answers {
			left = append(left, a.match)
		}
		return fmt.Errorf("unused prompt answers: %s", strings.Join(left, ", "))
	}
	return nil
}

func (f *Fake) take(message string) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Asked = append(f.Asked, message)
	for i, a := range f.answers {
		if strings.Contains(message, a.match) {
			f.answers = append(f.answers[:i], f.answers[i+1:]...)
			return a.value, nil
		}
	}
	return nil, fmt.Errorf("unexpected prompt %q", message)
}

func (f *Fake) Input(message, def string) (string, error) {
	v, err := f.take(message)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("prompt %q: answer %v is not a string", message, v)
	}
	if s == "" {
		return def, nil
	}
	return s, nil
}

func (f *Fake) Password(message string) (string, error) {
	v, err := f.take(message)
	if err != nil {
		return "", err
	}
	s, _ := v.(string)
	return s, nil
}

func (f *Fake) Confirm(message string, def bool) (bool, error) {
	v, err := f.take(message)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("prompt %q: answer %v is not a bool", message, v)
	}
	return b, nil
}

func (f *Fake) Select(message string, options []string, def int) (int, error) {
	v, err := f.take(message)
	if err != nil {
		return -1, err
	}
	switch x := v.(type) {
	case int:
		if x < 0 || x >= len(options) {
			return -1, fmt.Errorf("prompt %q: index %d out of range", message, x)
		}
		return x, nil
	case string:
		for i, o := range options {
			if o == x || strings.HasPrefix(o, x) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("prompt %q: no option %q in %v", message, x, options)
	}
	return -1, fmt.Errorf("prompt %q: bad answer %v", message, v)
}

// MultiSelect takes an []int of indexes, or nil for the defaults.
func (f *Fake) MultiSelect(message string, options []string, defaults []int) ([]int, error) {
	v, err := f.take(message)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return defaults, nil
	case []int:
		for _, i := range x {
			if i < 0 || i >= len(options) {
				return nil, fmt.Errorf("prompt %q: index %d out of range", message, i)
			}
		}
		return x, nil
	}
	return nil, fmt.Errorf("prompt %q: bad answer %v", message, v)
}

// Editor takes the saved text as a string; "" keeps def.
func (f *Fake) Editor(message, def, _ string) (string, error) {
	s, err := f.Input(message, def)
	return s, err
}

// EditLine takes the edited line as a string; "" keeps text.
func (f *Fake) EditLine(message, text string) (string, error) {
	return f.Input(message, text)
}
