package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "hosting", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "file", Args: []string{"old.html", "--yes"}, Want: &Options{Cloud: "old.html"}},
		{Name: "whole site", Args: []string{"-d", "--yes"}, Want: &Options{Dir: true}},
		{Name: "dry run", Args: []string{"assets", "-d", "--dry-run"}, Want: &Options{Cloud: "assets", Dir: true, DryRun: true}},
		{Name: "no yes without a terminal", Args: []string{"a"}, WantCode: 3, WantErr: "hosting delete: not running interactively"},
		{Name: "nothing named", Args: []string{"--yes"}, WantCode: 3, WantErr: "which file?"},
	})
}
