package cmdtest

import (
	"context"
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

type opts struct {
	F     *cmdutil.Factory
	Name  string
	Now   func() int
	Yes   bool
	Depth int
}

func newCmd(f *cmdutil.Factory, runF func(context.Context, *opts) error) *cobra.Command {
	o := &opts{F: f, Now: func() int { return 1 }}
	cmd := &cobra.Command{
		Use:     "leaf <name>",
		Aliases: []string{"lf"},
		Args:    cmdutil.ExactArgs(1, "which name?"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name, o.Yes, o.Depth = args[0], f.Globals.Yes, len(cmd.CommandPath())
			if o.Name == "bad" {
				return cmdutil.NotFoundErrorf("no %s", o.Name)
			}
			return runF(cmd.Context(), o)
		},
	}
	return cmd
}

func TestRunCasesBelowParents(t *testing.T) {
	path := "tcb group sub leaf"
	RunCases(t, "group sub", newCmd, []Case[opts]{
		{Name: "options without factory and funcs", Args: []string{"x", "--yes"}, Want: &opts{Name: "x", Yes: true, Depth: len(path)}},
		{Name: "alias", As: "lf", Args: []string{"y"}, Want: &opts{Name: "y", Depth: len(path)}},
		{Name: "check sees the factory", Args: []string{"z"}, Check: func(t *testing.T, o *opts) {
			if o.F == nil || o.Now == nil {
				t.Error("the options runF got lost their factory or clock")
			}
		}},
		{Name: "the command's error and exit code", Args: []string{"bad"}, WantCode: cmdutil.ExitNotFound, WantErr: "no bad"},
		{Name: "arguments", WantCode: cmdutil.ExitInput, WantErr: "which name?"},
		{Name: "flags", Args: []string{"x", "--nope"}, WantCode: cmdutil.ExitInput, WantErr: "unknown flag --nope"},
	})
}

func TestEnv(t *testing.T) {
	e := New(t).Setenv("TCB_ENV_ID", "demo-a1b2c3")
	if e.F.Getenv("TCB_ENV_ID") != "demo-a1b2c3" || e.F.Getenv("HOME") != "" || e.F.Getenv("TCB_CONFIG_DIR") == "" {
		t.Error("the factory sees more or less than its own environment")
	}
	if e.IO.CanPrompt() || !e.TTY(true).IO.CanPrompt() {
		t.Error("TTY does not decide whether the command may prompt")
	}
	err := e.Run("", &cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { return errors.New("boom") }})
	if err == nil || err.Error() != "boom" {
		t.Errorf("Run returned %v", err)
	}
}
