package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "yes", Args: []string{"demo-a1b2c3", "--yes"}, Want: &Options{EnvID: "demo-a1b2c3"}},
		{Name: "dry run needs no yes", Args: []string{"demo-a1b2c3", "--dry-run"}, Want: &Options{EnvID: "demo-a1b2c3", DryRun: true}},
		{Name: "terminal asks", Args: []string{"demo-a1b2c3"}, TTY: true, Want: &Options{EnvID: "demo-a1b2c3"}},
		{Name: "env from -e", Args: []string{"-e", "demo-a1b2c3", "-y"}, Want: &Options{}},
		{Name: "no yes without a terminal", Args: []string{"demo-a1b2c3"}, WantCode: 3, WantErr: "env delete: not running interactively, pass --yes (or --dry-run to preview)"},
		{Name: "two ids", Args: []string{"a", "b", "--yes"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
