// Package cmdtest runs one command the way tcb runs it, for the flag and
// argument tests of the command packages (TestNewCmd*): the command under
// test hangs below the real root command, so the global flags (-e, --json,
// --yes, ...) and the flag-error handling are tcb's own, and the test
// captures the parsed options through the command's runF.
package cmdtest

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmd/root"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// Env is a Factory over test streams with an empty environment.
type Env struct {
	F        *cmdutil.Factory
	IO       *iostreams.IOStreams
	In       *bytes.Buffer
	Out, Err *bytes.Buffer
	Prompter *prompt.Fake
	env      map[string]string
}

// New returns an Env whose streams are not terminals, whose only
// environment variable is TCB_CONFIG_DIR (a temporary directory) and whose
// prompter is a prompt.Fake.
func New(t testing.TB) *Env {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	e := &Env{IO: ios, In: in, Out: out, Err: errOut, Prompter: &prompt.Fake{},
		env: map[string]string{"TCB_CONFIG_DIR": t.TempDir()}}
	e.F = cmdutil.New("test", ios)
	e.F.Getenv = func(k string) string { return e.env[k] }
	e.F.Prompter = e.Prompter
	return e
}

// TTY makes stdin, stdout and stderr terminals (or not), so the command
// may prompt.
func (e *Env) TTY(on bool) *Env {
	e.IO.SetStdinTTY(on)
	e.IO.SetStdoutTTY(on)
	e.IO.SetStderrTTY(on)
	return e
}

// Setenv sets an environment variable the Factory sees.
func (e *Env) Setenv(k, v string) *Env {
	e.env[k] = v
	return e
}

// Run executes `tcb PATH... ARGS...`: path names the parents of cmd
// ("fn config" for `tcb fn config update`, "" for a top-level command)
// and args are the words after cmd's name.
func (e *Env) Run(path string, cmd *cobra.Command, args ...string) error {
	return e.RunAs(path, cmd.Name(), cmd, args...)
}

// RunAs is Run with cmd called by name, one of its aliases.
func (e *Env) RunAs(path, name string, cmd *cobra.Command, args ...string) error {
	parent := root.NewCmdRoot(e.F)
	argv := strings.Fields(path)
	for _, name := range argv {
		group := &cobra.Command{Use: name}
		parent.AddCommand(group)
		parent = group
	}
	parent.AddCommand(cmd)
	top := parent.Root()
	top.SetArgs(append(append(argv, name), args...))
	top.SetIn(e.In)
	top.SetOut(e.Out)
	top.SetErr(e.Err)
	_, err := top.ExecuteContextC(context.Background())
	return err
}

// Case is one row of a TestNewCmd* table.
type Case[O any] struct {
	Name  string
	As    string // call the command by this alias
	Args  []string
	TTY   bool              // stdin, stdout and stderr are terminals
	Env   map[string]string // environment variables besides TCB_CONFIG_DIR
	Stdin string

	// Want is what runF must receive; the Factory, the streams and func
	// fields are left out of the comparison. Nil: not compared.
	Want *O
	// Check, when set, looks at the options runF received.
	Check func(t *testing.T, o *O)

	// WantCode, when not 0, is the exit code of the expected failure (runF
	// must not run); WantErr is a part of its message.
	WantCode int
	WantErr  string
}

// NewCmd is the shape of every command constructor with a runF.
type NewCmd[O any] func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command

// RunCases runs each case through a fresh command built by newCmd below
// the parents named by path, and checks the options runF receives or the
// failure's exit code and message.
func RunCases[O any](t *testing.T, path string, newCmd NewCmd[O], cases []Case[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			e := New(t).TTY(tc.TTY)
			for k, v := range tc.Env {
				e.Setenv(k, v)
			}
			e.In.WriteString(tc.Stdin)
			var got *O
			cmd := newCmd(e.F, func(_ context.Context, o *O) error {
				got = o
				return nil
			})
			name := cmd.Name()
			if tc.As != "" {
				name = tc.As
			}
			err := e.RunAs(path, name, cmd, tc.Args...)
			if tc.WantCode != 0 {
				Failure(t, err, tc.WantCode, tc.WantErr)
				if got != nil {
					t.Errorf("runF ran with %+v, want a failure before it", Comparable(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (exit %d)", err, cmdutil.ExitCode(err))
			}
			if got == nil {
				t.Fatal("runF did not run")
			}
			if tc.Want != nil {
				if g, w := Comparable(got), Comparable(tc.Want); !reflect.DeepEqual(g, w) {
					t.Errorf("options\n got: %+v\nwant: %+v", g, w)
				}
			}
			if tc.Check != nil {
				tc.Check(t, got)
			}
		})
	}
}

// Failure checks that err is a failure with exit code code whose message
// contains msg.
func Failure(t testing.TB, err error, code int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want exit %d (%q)", code, msg)
	}
	if got := cmdutil.ExitCode(err); got != code {
		t.Errorf("exit code %d, want %d (error: %v)", got, code, err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err.Error(), msg)
	}
}

var (
	factoryType = reflect.TypeFor[*cmdutil.Factory]()
	streamsType = reflect.TypeFor[*iostreams.IOStreams]()
)

// Comparable returns a copy of the options struct o points to without its
// Factory, streams and func fields, which tests do not compare.
func Comparable[O any](o *O) O {
	c := *o
	v := reflect.ValueOf(&c).Elem()
	if v.Kind() != reflect.Struct {
		return c
	}
	for i := 0; i < v.NumField(); i++ {
		fv := v.Field(i)
		if !fv.CanSet() {
			continue
		}
		if ft := fv.Type(); ft == factoryType || ft == streamsType || ft.Kind() == reflect.Func {
			fv.SetZero()
		}
	}
	return c
}
