package app

import (
	"context"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(string) string { return "" }
	f.Prompter = prompt.NoTTY{}
	root := NewRoot(f)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	cmd, err := root.ExecuteContextC(context.Background())
	if err == nil {
		return cmdutil.ExitOK, out.String(), errOut.String()
	}
	code = PrintError(errOut, ios.ColorScheme(), cmd, err)
	return code, out.String(), errOut.String()
}

// A typo in a subcommand must fail (exit 3), not print the group's help and
// exit 0: `tcb env delet ID --yes` in a CI script must not look like success.
func TestUnknownSubcommandOfAGroup(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		unknown string
	}{
		{[]string{"env", "frobnicate"}, "frobnicate"},
		{[]string{"env", "delet", "demo-a1b2c3", "--yes"}, "delet"},
		{[]string{"fn", "code", "downlaod", "hello"}, "downlaod"},
		{[]string{"db", "collection", "lsit"}, "lsit"},
		{[]string{"emulator", "envv"}, "envv"},
		{[]string{"config", "sett", "region", "gz"}, "sett"},
	} {
		code, stdout, stderr := run(t, tt.args...)
		if code != cmdutil.ExitInput {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tt.args, code, cmdutil.ExitInput, stderr)
		}
		if !strings.Contains(stderr, "unknown command \""+tt.unknown+"\"") {
			t.Errorf("%q: stderr %q does not name the unknown command", tt.args, stderr)
		}
		if stdout != "" {
			t.Errorf("%q: printed %q on stdout", tt.args, stdout)
		}
	}
	if _, _, stderr := run(t, "env", "delet", "x"); !strings.Contains(stderr, "did you mean delete?") {
		t.Errorf("no suggestion: %q", stderr)
	}
}

// A group without arguments still prints its help and succeeds.
func TestGroupWithoutArgumentsPrintsHelp(t *testing.T) {
	code, stdout, _ := run(t, "env")
	if code != cmdutil.ExitOK || !strings.Contains(stdout, "Available Commands") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
}

// The NoTTY prompter is the safety net for a prompt without a terminal: it
// must exit 3 like the flag-naming errors, not 1.
func TestNoTTYPrompterExitsWithInputError(t *testing.T) {
	_, err := prompt.NoTTY{}.Confirm("Delete everything?", false)
	if code := ExitCode(err); code != cmdutil.ExitInput {
		t.Fatalf("exit %d, want %d (%v)", code, cmdutil.ExitInput, err)
	}
	if !strings.Contains(err.Error(), "Delete everything?") {
		t.Fatalf("error does not name the question: %v", err)
	}
}
