// Package iostreams owns the process's standard streams for every command:
// which of them are terminals, whether color is on, whether prompting is
// allowed, and the progress indicators (spinner, progress bar) that write to
// stderr only when a human is watching.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams carries stdin, stdout and stderr plus their terminal state.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inFile  *os.File // set when In is a real file, for prompts and raw mode
	outFile *os.File

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool

	colorEnabled    bool // stdout may carry colors
	errColorEnabled bool // stderr may carry colors
	neverPrompt     bool
	termWidth       int

	mu       sync.Mutex
	progress *spinner
}

// System returns streams bound to the process's stdin, stdout and stderr,
// honouring NO_COLOR, CLICOLOR_FORCE, TERM=dumb, TCB_FORCE_TTY and
// TCB_PROMPT_DISABLED.
func System() *IOStreams {
	s := &IOStreams{
		In:      os.Stdin,
		Out:     os.Stdout,
		ErrOut:  os.Stderr,
		inFile:  os.Stdin,
		outFile: os.Stdout,
	}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	if v := os.Getenv("TCB_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		s.stdoutTTY = true
		s.stderrTTY = true
		if w, err := strconv.Atoi(v); err == nil && w > 0 {
			s.termWidth = w
		}
	}
	s.colorEnabled = colorWanted(s.stdoutTTY)
	s.errColorEnabled = colorWanted(s.stderrTTY)
	if s.colorEnabled && !s.errColorEnabled {
		// Messages for stderr styled with ColorScheme (stdout's) lose
		// their escapes when stderr is a file: `tcb ... 2>log` stays
		// plain text whatever stdout is.
		s.ErrOut = &ansiStripper{w: os.Stderr}
	}
	if v := os.Getenv("TCB_PROMPT_DISABLED"); v != "" && v != "0" && v != "false" {
		s.neverPrompt = true
	}
	return s
}

func colorWanted(stdoutTTY bool) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	return stdoutTTY
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers, all of them non-terminals.
func Test() (s *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	s = &IOStreams{In: in, Out: out, ErrOut: errOut}
	return s, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY and friends let tests pretend to be on a terminal.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetColorEnabled forces color on or off on both stdout and stderr (the
// --no-color flag turns it off).
func (s *IOStreams) SetColorEnabled(v bool) {
	s.colorEnabled, s.errColorEnabled = v, v
	if st, ok := s.ErrOut.(*ansiStripper); ok && v {
		s.ErrOut = st.w
	}
}

// ColorEnabled reports whether stdout may carry ANSI colors.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// ErrColorEnabled reports whether stderr may carry ANSI colors: it is a
// terminal (or CLICOLOR_FORCE is set) and NO_COLOR is not.
func (s *IOStreams) ErrColorEnabled() bool { return s.errColorEnabled }

// SetNeverPrompt disables prompting even on a terminal.
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// CanPrompt reports whether the user can answer questions: stdin and stdout
// are both terminals and prompting has not been disabled.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stdoutTTY
}

// StdinFile and StdoutFile return the underlying files when the streams are
// real terminals (the prompt library needs them), else nil.
func (s *IOStreams) StdinFile() *os.File  { return s.inFile }
func (s *IOStreams) StdoutFile() *os.File { return s.outFile }

// TerminalWidth returns the width of the terminal behind stdout, or 80.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth > 0 {
		return s.termWidth
	}
	if s.outFile != nil && s.stdoutTTY {
		if w, _, err := term.GetSize(int(s.outFile.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if v, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && v > 0 {
		return v
	}
	return 80
}

// ProgressEnabled reports whether animated progress may be drawn: only when
// both stdout and stderr are terminals, so piped output stays clean.
func (s *IOStreams) ProgressEnabled() bool {
	return s.stdoutTTY && s.stderrTTY
}
