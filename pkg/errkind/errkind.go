// Package errkind names the kinds of failure that tcb's domain packages
// report. A domain error says what kind of failure it is (its ErrorKind
// method); the command layer turns kinds into process exit codes in one
// place, cmdutil.ExitCode, so no domain package knows an exit number.
//
// This package is a leaf: it imports nothing of tcb and every package may
// import it (it is not in DESIGN.md §1; it exists so that cloudapi, wechat,
// token, database, config, project and prompt share one vocabulary without
// importing the command layer).
package errkind

import (
	"errors"
	"fmt"
)

// Kind is a kind of failure.
type Kind int

const (
	// Failed is a general failure: the operation ran and did not succeed
	// (a function returned an error, a forced refresh was refused, ...).
	Failed Kind = iota
	// Auth: credentials are missing or were rejected.
	Auth
	// Input: a flag, argument or value is invalid, or an answer is needed
	// that cannot be asked for.
	Input
	// NotFound: the resource does not exist.
	NotFound
	// Remote: the cloud API or the network failed.
	Remote
	// Local: a local file or configuration is wrong or unreadable.
	Local
	// Interrupted: the user interrupted the operation.
	Interrupted
)

var names = [...]string{
	Failed:      "failed",
	Auth:        "auth",
	Input:       "input",
	NotFound:    "not_found",
	Remote:      "remote",
	Local:       "local",
	Interrupted: "interrupted",
}

// String returns a stable lower-case name.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Kinder is implemented by errors that know their kind.
type Kinder interface {
	ErrorKind() Kind
}

// Of returns the kind of the first error in err's tree that names one, and
// whether one did.
func Of(err error) (Kind, bool) {
	var k Kinder
	if errors.As(err, &k) {
		return k.ErrorKind(), true
	}
	return Failed, false
}

// Error is an error with a kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorKind returns e.Kind.
func (e *Error) ErrorKind() Kind { return e.Kind }

// New returns an error of kind k with message msg; each call gives a
// distinct error, so it suits sentinels compared with errors.Is.
func New(k Kind, msg string) error { return &Error{Kind: k, Err: errors.New(msg)} }

// Errorf formats an error of kind k; %w wraps as in fmt.Errorf.
func Errorf(k Kind, format string, a ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, a...)}
}

// Wrap gives err the kind k; nil stays nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}
