package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// seenPrompter is a prompt.Fake that also keeps the options and the
// default of every select it is asked.
type seenPrompter struct {
	*prompt.Fake
	options  map[string][]string
	defaults map[string]int
}

func newSeenPrompter() *seenPrompter {
	return &seenPrompter{Fake: &prompt.Fake{}, options: map[string][]string{}, defaults: map[string]int{}}
}

func (p *seenPrompter) Select(message string, options []string, def int) (int, error) {
	p.options[message] = options
	p.defaults[message] = def
	return p.Fake.Select(message, options, def)
}

// chooserFactory is a Factory pointed at the emulator at host, with no
// environment named anywhere, on a terminal when tty.
func chooserFactory(t *testing.T, host string, tty bool, p prompt.Prompter) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	f := New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": host}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = p
	return f, out, errOut
}

// hintIn is the hint of the first *Error in err's chain.
func hintIn(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// With nothing naming an environment, a terminal offers the account's
// environments (alias, EnvId, status; the first preselected), the one
// picked is the env of the rest of the run, and a hint says how to make it
// the default.
func TestEnvSelectOffersTheAccountsEnvs(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{})
	shop := e.NewEnvAlias("shop")
	blog := e.NewEnvAlias("blog")

	p := newSeenPrompter()
	p.Answer("Environment", "blog")
	f, out, errOut := chooserFactory(t, e.Addr(), true, p)
	id, err := f.RequireEnvID()
	if err != nil {
		t.Fatal(err)
	}
	if id != blog {
		t.Fatalf("chose %s, want blog's %s", id, blog)
	}
	want := []string{"shop  " + shop + "  NORMAL", "blog  " + blog + "  NORMAL"}
	if got := p.options["Environment"]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("options:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.defaults["Environment"] != 0 {
		t.Errorf("preselected %d, want the first", p.defaults["Environment"])
	}
	hint := "hint: run `tcb env use " + blog + "` to make it the default, or pass -e " + blog + "\n"
	if errOut.String() != hint {
		t.Errorf("stderr %q, want the hint %q", errOut.String(), hint)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q: the chooser writes data to stdout", out.String())
	}

	// The choice holds for the run: asked once, listed once.
	e.Faults(faults.Rule{Action: "DescribeEnvs", Count: 1, Code: "FailedOperation"})
	for range 2 {
		if id, err := f.RequireEnvID(); err != nil || id != blog {
			t.Fatalf("again: %q, %v", id, err)
		}
		if id, err := f.EnvID(); err != nil || id != blog {
			t.Fatalf("EnvID after the choice: %q, %v", id, err)
		}
	}
	if len(p.Asked) != 1 || len(e.PendingFaults(t)) != 1 {
		t.Fatalf("asked %q; the environments were listed again: %v", p.Asked, e.PendingFaults(t))
	}
	if err := p.Verify(); err != nil {
		t.Fatal(err)
	}
}

// An environment without an alias shows "-" in the alias column.
func TestEnvOptionsColumns(t *testing.T) {
	got := EnvOptions([]cloudapi.EnvInfo{
		{EnvId: "a-1", Alias: "", Status: "NORMAL"},
		{EnvId: "longer-alias-2", Alias: "longer-alias", Status: "INITIALIZING"},
	})
	want := []string{
		"-             a-1             NORMAL",
		"longer-alias  longer-alias-2  INITIALIZING",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Off a terminal nothing is listed: exit 3 naming -e. An account without
// environments has nothing to offer: exit 3 with a hint to create one.
func TestEnvSelectWithoutTerminalOrEnvs(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{})

	e.Faults(faults.Rule{Action: "DescribeEnvs", Count: 1, Code: "FailedOperation"})
	p := newSeenPrompter()
	f, _, _ := chooserFactory(t, e.Addr(), false, p)
	_, err := f.RequireEnvID()
	if ExitCode(err) != ExitInput || !strings.Contains(err.Error(), "no environment selected") || !strings.Contains(hintIn(err), "-e ENV_ID") {
		t.Fatalf("no terminal: exit %d, %v (hint %q)", ExitCode(err), err, hintIn(err))
	}
	if len(p.Asked) != 0 || len(e.PendingFaults(t)) != 1 {
		t.Fatalf("no terminal: asked %q, listed the environments: %v", p.Asked, e.PendingFaults(t))
	}

	e.Reset()
	f, _, _ = chooserFactory(t, e.Addr(), true, p)
	_, err = f.RequireEnvID()
	if ExitCode(err) != ExitInput || !strings.Contains(err.Error(), "the account has none") || !strings.Contains(hintIn(err), "tcb env create") {
		t.Fatalf("no envs: exit %d, %v (hint %q)", ExitCode(err), err, hintIn(err))
	}
	if len(p.Asked) != 0 {
		t.Fatalf("no envs: asked %q", p.Asked)
	}
}

// A failed listing is reported as such, with the exit code of its kind
// and the request id; nothing is asked.
func TestEnvSelectListErrorsExitCodes(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{})
	e.NewEnvAlias("shop")
	for _, tc := range []struct {
		code string
		exit int
	}{
		{"AuthFailure.SignatureFailure", ExitAuth},
		{"UnauthorizedOperation", ExitAuth},
		{"InvalidParameterValue", ExitInput},
		{"ResourceNotFound", ExitNotFound},
		{"FailedOperation", ExitAPI},
		{"InternalError", ExitAPI}, // retried, then given up
	} {
		e.Faults(faults.Rule{Action: "DescribeEnvs", Count: 3, Code: tc.code})
		p := newSeenPrompter()
		f, out, _ := chooserFactory(t, e.Addr(), true, p)
		_, err := f.RequireEnvID()
		if got := ExitCode(err); got != tc.exit {
			t.Errorf("%s: exit %d, want %d (%v)", tc.code, got, tc.exit, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "listing environments: ") || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("%s: %v", tc.code, err)
		}
		var rid RequestIDer
		if !errors.As(err, &rid) || rid.RequestID() == "" {
			t.Errorf("%s: no request id in %v", tc.code, err)
		}
		if len(p.Asked) != 0 || out.Len() != 0 {
			t.Errorf("%s: asked %q, wrote %q", tc.code, p.Asked, out.String())
		}
		e.ClearFaults(t)
	}

	// Nothing listening: a network error (exit 5) that says where.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f, _, _ := chooserFactory(t, addr, true, newSeenPrompter())
	_, err = f.RequireEnvID()
	if ExitCode(err) != ExitAPI || !strings.Contains(err.Error(), "listing environments") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("no emulator: exit %d, %v", ExitCode(err), err)
	}
}

// The listing stops with the Factory's context: a cancelled run (Ctrl-C)
// ends at once with exit 130 while the emulator is still holding the call,
// and nothing is asked.
func TestEnvSelectStopsWithTheContext(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{})
	e.NewEnvAlias("shop")
	e.Faults(faults.Rule{Action: "DescribeEnvs", Count: 1, Latency: faults.Duration(5 * time.Minute)})

	p := newSeenPrompter()
	f, out, errOut := chooserFactory(t, e.Addr(), true, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Context = ctx
	done := make(chan error, 1)
	go func() {
		_, err := f.RequireEnvID()
		done <- err
	}()
	// The call is in the emulator once its fault is used up.
	emulatortest.Eventually(t, func() bool { return len(e.PendingFaults(t)) == 0 }, "DescribeEnvs held by the emulator")
	cancel()
	var err error
	if !emulatortest.Wait(time.Minute, func() bool {
		select {
		case err = <-done:
			return true
		default:
			return false
		}
	}) {
		t.Fatal("RequireEnvID did not return after its context was cancelled")
	}
	if ExitCode(err) != ExitInterrupted {
		t.Fatalf("exit %d, want 130: %v", ExitCode(err), err)
	}
	if len(p.Asked) != 0 || out.Len() != 0 || errOut.Len() != 0 {
		t.Fatalf("asked %q, wrote %q / %q", p.Asked, out.String(), errOut.String())
	}
	if id, _ := f.EnvID(); id != "" {
		t.Fatalf("an interrupted choice left %q as the env", id)
	}
}
