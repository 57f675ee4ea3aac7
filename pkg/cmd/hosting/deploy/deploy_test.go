package deploy

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDeploy(t *testing.T) {
	cmdtest.RunCases(t, "hosting", NewCmdDeploy, []cmdtest.Case[Options]{
		{Name: "current dir", Want: &Options{Local: ".", Parallel: 16}},
		{Name: "dist under docs", Args: []string{"./dist", "docs/", "--force"}, Want: &Options{Local: "./dist", Cloud: "docs/", Force: true, Parallel: 16}},
		{Name: "prune with yes", Args: []string{"dist", "--prune", "--yes"}, Want: &Options{Local: "dist", Prune: true, Parallel: 16}},
		{Name: "prune dry run", Args: []string{"dist", "--prune", "--dry-run"}, Want: &Options{Local: "dist", Prune: true, DryRun: true, Parallel: 16}},
		{Name: "prune asks on a terminal", Args: []string{"dist", "--prune"}, TTY: true, Want: &Options{Local: "dist", Prune: true, Parallel: 16}},
		{Name: "prune without a terminal", Args: []string{"dist", "--prune"}, WantCode: 3, WantErr: "hosting deploy --prune: not running interactively, pass --yes"},
		{Name: "absolute cloud path", Args: []string{"dist", "/x"}, WantCode: 3, WantErr: "absolute"},
		{Name: "three args", Args: []string{"a", "b", "c"}, WantCode: 3},
	})
}
