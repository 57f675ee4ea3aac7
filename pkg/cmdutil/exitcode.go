package cmdutil

import (
	"context"
	"errors"
	"strings"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// This file is the one place that decides exit codes: domain errors say
// what kind of failure they are (pkg/errkind), and kindExit turns the kind
// into the exit code.

// Exit codes, the same table as the official CLI v3.
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

var kindExit = [...]int{
	errkind.Failed:      ExitError,
	errkind.Auth:        ExitAuth,
	errkind.Input:       ExitInput,
	errkind.NotFound:    ExitNotFound,
	errkind.Remote:      ExitAPI,
	errkind.Local:       ExitLocal,
	errkind.Interrupted: ExitInterrupted,
}

// ExitCodeFor is the exit code of a kind of failure.
func ExitCodeFor(k errkind.Kind) int {
	if k >= 0 && int(k) < len(kindExit) {
		return kindExit[k]
	}
	return ExitError
}

// ExitCode maps an error to the process exit code: 130 for an
// interruption anywhere in it; else the first error in its tree that has an
// exit code of its own (*Error, SilentExit) or a kind; else 3 for cobra's
// usage errors; else 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if interrupted(err) {
		return ExitInterrupted
	}
	if code, ok := codeOf(err); ok {
		return code
	}
	if IsUsageError(err) {
		return ExitInput
	}
	return ExitError
}

// HasExitCode reports whether err's tree holds an error with an exit code
// or a kind, which ExitCode honours.
func HasExitCode(err error) bool {
	_, ok := codeOf(err)
	return ok
}

func interrupted(err error) bool {
	if errors.Is(err, context.Canceled) {
		return true
	}
	k, ok := errkind.Of(err)
	return ok && k == errkind.Interrupted
}

// codeOf walks err's tree in the order of errors.As.
func codeOf(err error) (int, bool) {
	for err != nil {
		switch e := err.(type) {
		case interface{ ExitCode() int }:
			return e.ExitCode(), true
		case errkind.Kinder:
			return ExitCodeFor(e.ErrorKind()), true
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if code, ok := codeOf(inner); ok {
					return code, true
				}
			}
			return 0, false
		}
		err = errors.Unwrap(err)
	}
	return 0, false
}

// IsUsageError recognises cobra's own argument errors.
func IsUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "accepts ", "requires at least", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
