package cmdutil

import (
	"errors"
	"fmt"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// Error is an error of the command layer with its exit code and an
// optional hint for the user. Commands return it through the constructors
// below, which take the code from the error's kind (ExitCodeFor); pkg/app
// prints it and exits with Code.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode reports the process exit code for this error.
func (e *Error) ExitCode() int { return e.Code }

// WithHint returns a copy of e with a hint line.
func (e *Error) WithHint(format string, a ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, a...)
	return &c
}

func newErr(k errkind.Kind, format string, a ...any) *Error {
	return &Error{Code: ExitCodeFor(k), Err: fmt.Errorf(format, a...)}
}

// FlagErrorf reports invalid input.
func FlagErrorf(format string, a ...any) *Error { return newErr(errkind.Input, format, a...) }

// AuthErrorf reports missing or rejected credentials.
func AuthErrorf(format string, a ...any) *Error { return newErr(errkind.Auth, format, a...) }

// NotFoundErrorf reports a missing resource.
func NotFoundErrorf(format string, a ...any) *Error { return newErr(errkind.NotFound, format, a...) }

// LocalErrorf reports a local file or configuration problem.
func LocalErrorf(format string, a ...any) *Error { return newErr(errkind.Local, format, a...) }

// APIErrorf reports a cloud or network failure.
func APIErrorf(format string, a ...any) *Error { return newErr(errkind.Remote, format, a...) }

// Errorf reports a general failure.
func Errorf(format string, a ...any) *Error { return newErr(errkind.Failed, format, a...) }

// WithCode wraps err so that it exits with code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Wrap prefixes err with what ("what: err") and keeps the exit code that
// err's kind maps to; nil stays nil.
func Wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(what, err)
}

func wrap(what string, err error) *Error {
	return &Error{Code: ExitCode(err), Err: fmt.Errorf("%s: %w", what, err)}
}

// NoTTYError is the error for a run that needs an answer it cannot prompt
// for; flag names the flag that answers the question.
func NoTTYError(what, flag string) *Error {
	return FlagErrorf("%s: not running interactively, pass %s", what, flag)
}

// ErrSilent exits with code 1 and prints nothing more: the command has
// already told the user what went wrong.
var ErrSilent = errors.New("silent error")

// SilentExit exits with the given code and prints nothing more.
type SilentExit struct{ Code int }

func (e SilentExit) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode reports the exit code.
func (e SilentExit) ExitCode() int { return e.Code }

// RequestIDer is implemented by API errors that carry a request id, which is
// always shown to the user.
type RequestIDer interface{ RequestID() string }

// Hinter is implemented by errors that know what the user should do next.
type Hinter interface{ Hint() string }
