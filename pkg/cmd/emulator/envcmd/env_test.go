package envcmd

import (
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

func runEnv(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(string) string { return "" }
	cmd := NewCmdEnv(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(out)
	err := cmd.Execute()
	return out.String(), err
}

// The output is meant for eval: --listen must not smuggle shell syntax
// into it.
func TestListenIsValidatedBeforeItReachesEval(t *testing.T) {
	for _, bad := range []string{
		"127.0.0.1:1;touch /tmp/pwned",
		"127.0.0.1:$(id)",
		"127.0.0.1:0",
		"127.0.0.1:70000",
		"127.0.0.1:+80",
		"a b:9800",
		"$(id):9800",
		"host`id`:9800",
		":9800",
		"127.0.0.1",
	} {
		out, err := runEnv(t, "--listen", bad)
		var ce *cmdutil.Error
		if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput {
			t.Errorf("--listen %q: err %v, want exit 3", bad, err)
		}
		if strings.Contains(out, "export") {
			t.Errorf("--listen %q printed %q", bad, out)
		}
	}
	for _, good := range []string{"127.0.0.1:9800", "localhost:9900", "[::1]:9800", "emulator.internal:9800"} {
		out, err := runEnv(t, "--listen", good)
		if err != nil {
			t.Errorf("--listen %q: %v", good, err)
		}
		if !strings.Contains(out, "export TCB_EMULATOR_HOST="+good+"\n") {
			t.Errorf("--listen %q: output %q", good, out)
		}
	}
}
