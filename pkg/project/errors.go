package project

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// ConfigError is the error for anything wrong in a project file: unreadable
// or malformed files, wrong types, invalid values, unresolvable placeholders,
// .env syntax.
type ConfigError struct {
	File    string // the file, relative to LoadOptions.Dir when inside it
	Line    int    // 1-based line when known (syntax errors, .env files), else 0
	Field   string // JSON path of the offending value, e.g. "functions[1].timeout"
	Problem string // what is wrong and what is allowed
	Err     error  // underlying error, if any (I/O, syntax)
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// ErrorKind is errkind.Local.
func (e *ConfigError) ErrorKind() errkind.Kind { return errkind.Local }

// ErrUnresolved is wrapped by the *ConfigError of a placeholder that could
// not be rendered: a variable that is not set, an env id that is not known,
// an unknown placeholder. Load does not fail on one; the value's readers
// do (Project.Resolved, Function.Resolved, Project.Lookup).
var ErrUnresolved = errors.New("unresolved placeholder")

// ErrNoConfig is wrapped by the error Load returns when the directory holds
// no project configuration at all (see NotFoundError). Commands that can work
// without one (tcb fn deploy NAME --dir DIR) check for it with errors.Is.
var ErrNoConfig = errors.New("no project configuration found")

// NotFoundError lists where Load looked. It wraps ErrNoConfig.
type NotFoundError struct {
	Dir   string
	Tried []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no project configuration in %s (looked for %s)", e.Dir, strings.Join(e.Tried, ", "))
}

// Unwrap returns ErrNoConfig.
func (e *NotFoundError) Unwrap() error { return ErrNoConfig }

// ErrorKind is errkind.Local: the project configuration is missing.
func (e *NotFoundError) ErrorKind() errkind.Kind { return errkind.Local }
