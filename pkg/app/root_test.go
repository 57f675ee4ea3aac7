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
	if _, _, stderr := run(t, "env", "delet", "x"); !strings.Contains(stderr, "Did you mean this?\n\tdelete\n") {
		t.Errorf("no suggestion: %q", stderr)
	}
}

// An unknown top-level command, an unknown subcommand and an unknown flag
// read the same: the error, the suggestions in one format, the usage hint,
// exit 3.
func TestOneSuggestionStyle(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"evn", "list"}, "error: unknown command \"evn\" for \"tcb\"\n" +
			"Did you mean this?\n\tenv\n" +
			"hint: run `tcb --help` for usage\n"},
		{[]string{"env", "lsit"}, "error: unknown command \"lsit\" for \"tcb env\"\n" +
			"Did you mean this?\n\tlist\n" +
			"hint: run `tcb env --help` for usage\n"},
		{[]string{"env", "list", "--josn"}, "error: unknown flag --josn\n" +
			"Did you mean this?\n\t--json\n" +
			"hint: run `tcb env list --help` for usage\n"},
		// local flags and inherited (global) ones alike; a prefix counts
		{[]string{"fn", "log", "hello", "--limt", "3"}, "error: unknown flag --limt\n" +
			"Did you mean this?\n\t--limit\n" +
			"hint: run `tcb fn log --help` for usage\n"},
		{[]string{"fn", "list", "--env", "x"}, "error: unknown flag --env\n" +
			"Did you mean this?\n\t--env-id\n" +
			"hint: run `tcb fn list --help` for usage\n"},
		{[]string{"--josn", "env", "list"}, "error: unknown flag --josn\n" +
			"Did you mean this?\n\t--json\n" +
			"hint: run `tcb --help` for usage\n"},
		// nothing close: no suggestion block, the same error and hint
		{[]string{"frobnicate"}, "error: unknown command \"frobnicate\" for \"tcb\"\n" +
			"hint: run `tcb --help` for usage\n"},
		{[]string{"env", "list", "--frobnicate"}, "error: unknown flag --frobnicate\n" +
			"hint: run `tcb env list --help` for usage\n"},
		{[]string{"env", "list", "-Z"}, "error: unknown shorthand flag -Z in -Z\n" +
			"hint: run `tcb env list --help` for usage\n"},
	} {
		code, stdout, stderr := run(t, tt.args...)
		if code != cmdutil.ExitInput || stdout != "" || stderr != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit 3 and:\n%s", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// tcb without arguments still prints its help and succeeds.
func TestRootWithoutArgumentsPrintsHelp(t *testing.T) {
	code, stdout, _ := run(t)
	if code != cmdutil.ExitOK || !strings.Contains(stdout, "Available Commands") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
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
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitInput {
		t.Fatalf("exit %d, want %d (%v)", code, cmdutil.ExitInput, err)
	}
	if !strings.Contains(err.Error(), "Delete everything?") {
		t.Fatalf("error does not name the question: %v", err)
	}
}
