package iostreams

import (
	"fmt"
	"strings"
	"time"
)

// spinner draws a small animation with a label on stderr until stopped.
type spinner struct {
	label string
	stop  chan struct{}
	done  chan struct{}
	set   chan string
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// StartProgressIndicator shows a spinner with label on stderr when a human is
// watching; otherwise it does nothing. Calling it again changes the label.
func (s *IOStreams) StartProgressIndicator(label string) {
	if !s.ProgressEnabled() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.progress != nil {
		select {
		case s.progress.set <- label:
		default:
		}
		return
	}
	sp := &spinner{label: label, stop: make(chan struct{}), done: make(chan struct{}), set: make(chan string, 1)}
	s.progress = sp
	go func() {
		defer close(sp.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		i := 0
		for {
			fmt.Fprintf(s.ErrOut, "\r\033[K%s %s", spinnerFrames[i%len(spinnerFrames)], sp.label)
			i++
			select {
			case <-sp.stop:
				fmt.Fprint(s.ErrOut, "\r\033[K")
				return
			case l := <-sp.set:
				sp.label = l
			case <-t.C:
			}
		}
	}()
}

// StopProgressIndicator removes the spinner, if any.
func (s *IOStreams) StopProgressIndicator() {
	s.mu.Lock()
	sp := s.progress
	s.progress = nil
	s.mu.Unlock()
	if sp == nil {
		return
	}
	close(sp.stop)
	<-sp.done
}

// RunWithProgress runs fn with a spinner labelled label.
func (s *IOStreams) RunWithProgress(label string, fn func() error) error {
	s.StartProgressIndicator(label)
	defer s.StopProgressIndicator()
	return fn()
}

// ProgressBar draws a determinate bar on stderr (terminal only).
type ProgressBar struct {
	io      *IOStreams
	label   string
	total   int64
	last    time.Time
	enabled bool
}

// NewProgressBar returns a bar for total units; it draws nothing when progress
// is disabled.
func (s *IOStreams) NewProgressBar(label string, total int64) *ProgressBar {
	return &ProgressBar{io: s, label: label, total: total, enabled: s.ProgressEnabled()}
}

// Set updates the bar to done units, redrawing at most every 50 ms.
func (p *ProgressBar) Set(done int64) {
	if !p.enabled || p.total <= 0 {
		return
	}
	now := time.Now()
	if done < p.total && now.Sub(p.last) < 50*time.Millisecond {
		return
	}
	p.last = now
	width := 30
	filled := int(float64(width) * float64(done) / float64(p.total))
	if filled > width {
		filled = width
	}
	pct := 100 * float64(done) / float64(p.total)
	fmt.Fprintf(p.io.ErrOut, "\r\033[K%s [%s%s] %3.0f%%", p.label,
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), pct)
}

// Done clears the bar.
func (p *ProgressBar) Done() {
	if !p.enabled {
		return
	}
	fmt.Fprint(p.io.ErrOut, "\r\033[K")
}
