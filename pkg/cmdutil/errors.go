package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, the same table as the official CLI v3. Main maps every error to
// one of these in a single place (pkg/app).
const (
	ExitOK          = 0
	ExitError       = 1
	ExitAuth        = 2
	ExitInput       = 3
	ExitNotFound    = 4
	ExitAPI         = 5
	ExitLocal       = 6
	ExitInterrupted = 130
)

// ExitCodeTable documents the exit codes for `tcb help exit-codes`.
var ExitCodeTable = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "success"},
	{ExitError, "general failure (a function returned an error, a deploy failed, ...)"},
	{ExitAuth, "authentication missing or rejected (run `tcb login`)"},
	{ExitInput, "invalid input: a bad flag, argument or value, or a prompt that is impossible without a terminal"},
	{ExitNotFound, "the resource does not exist (environment, function, document, ...)"},
	{ExitAPI, "cloud API or network error (the API answered with an error, or could not be reached)"},
	{ExitLocal, "local file or configuration error (cloudbaserc.json, credentials file, ...)"},
	{ExitInterrupted, "interrupted (Ctrl-C)"},
}

// Error is an error that knows its exit code and may carry a hint for the
// user. Commands return it (usually through the constructors below); pkg/app
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

func newErr(code int, format string, a ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, a...)}
}

// FlagErrorf reports invalid input (exit 3).
func FlagErrorf(format string, a ...any) *Error { return newErr(ExitInput, format, a...) }

// AuthErrorf reports missing or rejected credentials (exit 2).
func AuthErrorf(format string, a ...any) *Error { return newErr(ExitAuth, format, a...) }

// NotFoundErrorf reports a missing resource (exit 4).
func NotFoundErrorf(format string, a ...any) *Error { return newErr(ExitNotFound, format, a...) }

// LocalErrorf reports a local file or configuration problem (exit 6).
func LocalErrorf(format string, a ...any) *Error { return newErr(ExitLocal, format, a...) }

// APIErrorf reports a cloud or network failure (exit 5).
func APIErrorf(format string, a ...any) *Error { return newErr(ExitAPI, format, a...) }

// Errorf reports a general failure (exit 1).
func Errorf(format string, a ...any) *Error { return newErr(ExitError, format, a...) }

// WithCode wraps err so that it exits with code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// NoTTYError is the error for a run that needs an answer it cannot prompt
// for; flag names the flag that answers the question.
func NoTTYError(what, flag string) *Error {
	return FlagErrorf("%s: not running interactively, pass %s", what, flag)
}

// SilentError exits with code 1 and prints nothing more: the command has
// already told the user what went wrong.
var SilentError = errors.New("SilentError")

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
