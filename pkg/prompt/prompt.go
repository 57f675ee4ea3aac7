// Package prompt asks the user questions on a terminal. Commands depend on
// the Prompter interface only; the implementation uses survey/v2 with the
// command's own stdio, and tests use Fake.
package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/core"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// Prompter asks questions.
type Prompter interface {
	// Input asks for a line of text; def is offered as the default.
	Input(message, def string) (string, error)
	// EditLine asks for a line of text that starts out as text, which
	// the user edits in place (Input only offers its default).
	EditLine(message, text string) (string, error)
	// Password asks for a secret without echoing it.
	Password(message string) (string, error)
	// Confirm asks a yes/no question.
	Confirm(message string, def bool) (bool, error)
	// Select asks to pick one of options and returns its index. Typing
	// filters the options; arrow keys move; Enter picks.
	Select(message string, options []string, def int) (int, error)
	// MultiSelect asks to pick any of options (Space toggles, Enter
	// accepts) and returns the indexes picked, in order; defaults are
	// the indexes picked to begin with.
	MultiSelect(message string, options []string, defaults []int) ([]int, error)
	// Editor opens $EDITOR (else vi) on a temporary file holding def,
	// named *ext (".json" say), and returns what was saved.
	Editor(message, def, ext string) (string, error)
}

// ErrInterrupted is returned when the user presses Ctrl-C at a prompt.
var ErrInterrupted = errkind.New(errkind.Interrupted, "interrupted")

// Survey is the terminal implementation.
type Survey struct {
	in   *os.File
	term *termReader // in, for every prompt but Editor
	out  *os.File
	err  io.Writer
}

// NewSurvey returns a prompter bound to the given terminal files. When
// color is false, survey's own colors are turned off.
func NewSurvey(in, out *os.File, errOut io.Writer, color bool) *Survey {
	if !color {
		core.DisableColor = true
	}
	return &Survey{in: in, term: &termReader{f: in}, out: out, err: errOut}
}

func (s *Survey) ask(p survey.Prompt, v any, opts ...survey.AskOpt) error {
	return s.askWith(s.term, p, v, opts...)
}

func (s *Survey) askWith(in terminal.FileReader, p survey.Prompt, v any, opts ...survey.AskOpt) error {
	opts = append(opts, survey.WithStdio(in, s.out, s.err))
	err := survey.AskOne(p, v, opts...)
	if errors.Is(err, terminal.InterruptErr) {
		return ErrInterrupted
	}
	return err
}

// termReader is the terminal as survey reads it. survey reads the answer
// to its cursor-position query (ESC [ row ; col R, asked as a line prompt
// starts) through a bufio.Reader that it then drops, so whatever else that
// read returned was lost: keys typed or pasted right after the prompt
// showed up. termReader hands out what it read only up to and including
// the first 'R', and keeps the rest for the next Read, so the answer
// comes alone and the keys after it reach the prompt. Everything before
// an 'R' still comes in one piece: survey tells an Escape key from an
// arrow key's ESC [ A by whether more bytes came with the ESC.
type termReader struct {
	f       *os.File
	buf     [4096]byte
	pending []byte
}

func (r *termReader) Fd() uintptr { return r.f.Fd() }

func (r *termReader) Read(p []byte) (int, error) {
	if len(r.pending) == 0 {
		n, err := r.f.Read(r.buf[:])
		if n == 0 {
			return 0, err
		}
		r.pending = r.buf[:n]
	}
	chunk := r.pending
	if i := bytes.IndexByte(chunk, 'R'); i >= 0 {
		chunk = chunk[:i+1]
	}
	n := copy(p, chunk)
	r.pending = r.pending[n:]
	return n, nil
}

func (s *Survey) Input(message, def string) (string, error) {
	var v string
	err := s.ask(&survey.Input{Message: message, Default: def}, &v)
	return v, err
}

func (s *Survey) EditLine(message, text string) (string, error) {
	var v string
	err := s.ask(&editLine{message: message, text: text}, &v)
	return v, err
}

// editLine is a survey prompt whose line starts out holding text.
type editLine struct {
	survey.Renderer
	message, text string
}

type editLineData struct {
	Message    string
	Answer     string
	ShowAnswer bool
	Config     *survey.PromptConfig
}

const editLineTemplate = `{{- color .Config.Icons.Question.Format }}{{ .Config.Icons.Question.Text }} {{color "reset"}}` +
	`{{- color "default+hb"}}{{ .Message }} {{color "reset"}}` +
	`{{- if .ShowAnswer}}{{color "cyan"}}{{.Answer}}{{color "reset"}}{{"\n"}}{{end}}`

func (e *editLine) Prompt(config *survey.PromptConfig) (any, error) {
	if err := e.Render(editLineTemplate, editLineData{Message: e.message, Config: config}); err != nil {
		return "", err
	}
	rr := e.NewRuneReader()
	_ = rr.SetTermMode()
	defer func() { _ = rr.RestoreTermMode() }()
	line, err := rr.ReadLineWithDefault(0, []rune(e.text))
	if err != nil {
		return "", err
	}
	e.NewCursor().Up(1)
	e.AppendRenderedText(string(line))
	return string(line), nil
}

func (e *editLine) Cleanup(config *survey.PromptConfig, val any) error {
	return e.Render(editLineTemplate, editLineData{Message: e.message, Answer: val.(string), ShowAnswer: true, Config: config})
}

func (s *Survey) Password(message string) (string, error) {
	var v string
	err := s.ask(&survey.Password{Message: message}, &v)
	return v, err
}

func (s *Survey) Confirm(message string, def bool) (bool, error) {
	var v bool
	err := s.ask(&survey.Confirm{Message: message, Default: def}, &v)
	return v, err
}

func (s *Survey) Select(message string, options []string, def int) (int, error) {
	if len(options) == 0 {
		return -1, errors.New("nothing to choose from")
	}
	var v int
	p := &survey.Select{Message: message, Options: options, PageSize: pageSize}
	if def >= 0 && def < len(options) {
		p.Default = options[def]
	}
	err := s.ask(p, &v)
	return v, err
}

// pageSize is how many options a select shows at once.
const pageSize = 12

func (s *Survey) MultiSelect(message string, options []string, defaults []int) ([]int, error) {
	if len(options) == 0 {
		return nil, errors.New("nothing to choose from")
	}
	p := &survey.MultiSelect{Message: message, Options: options, PageSize: pageSize}
	var def []string
	for _, i := range defaults {
		if i >= 0 && i < len(options) {
			def = append(def, options[i])
		}
	}
	if len(def) > 0 {
		p.Default = def
	}
	var v []int
	err := s.ask(p, &v)
	return v, err
}

func (s *Survey) Editor(message, def, ext string) (string, error) {
	p := &survey.Editor{Message: message, Default: def, AppendDefault: true, HideDefault: true, FileName: "*" + ext}
	var v string
	// The editor runs with survey's stdin as its own: it has to be the
	// terminal file itself (a wrapper would reach it through a pipe).
	err := s.askWith(s.in, p, &v)
	return v, err
}

// NoTTY is the prompter used when prompting is impossible: every question
// fails, naming what was asked. Commands check CanPrompt first and return a
// flag-naming error; this is the safety net.
type NoTTY struct{}

func (NoTTY) Input(m, _ string) (string, error)      { return "", noTTY(m) }
func (NoTTY) EditLine(m, _ string) (string, error)   { return "", noTTY(m) }
func (NoTTY) Password(m string) (string, error)      { return "", noTTY(m) }
func (NoTTY) Confirm(m string, _ bool) (bool, error) { return false, noTTY(m) }
func (NoTTY) Select(m string, _ []string, _ int) (int, error) {
	return -1, noTTY(m)
}
func (NoTTY) MultiSelect(m string, _ []string, _ []int) ([]int, error) {
	return nil, noTTY(m)
}
func (NoTTY) Editor(m, _, _ string) (string, error) { return "", noTTY(m) }

func noTTY(m string) error { return &NoTTYError{Question: m} }

// NoTTYError is what NoTTY answers: invalid input, like the flag-naming
// errors commands return before prompting.
type NoTTYError struct{ Question string }

func (e *NoTTYError) Error() string {
	return fmt.Sprintf("cannot ask %q: not running interactively", e.Question)
}

// ErrorKind is errkind.Input: the run needs an answer it cannot prompt for.
func (e *NoTTYError) ErrorKind() errkind.Kind { return errkind.Input }
