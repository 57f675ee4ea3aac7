package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "yes", Args: []string{"a", "b", "c", "--yes"}, Want: &Options{Names: []string{"a", "b", "c"}}},
		{Name: "dry run", Args: []string{"hello", "--dry-run"}, Want: &Options{Names: []string{"hello"}, DryRun: true}},
		{Name: "terminal asks", TTY: true, Args: []string{"hello"}, Want: &Options{Names: []string{"hello"}}},
		{Name: "no yes without a terminal", Args: []string{"hello"}, WantCode: 3, WantErr: "fn delete: not running interactively, pass --yes (or --dry-run to preview)"},
		{Name: "no name", Args: []string{"--yes"}, WantCode: 3, WantErr: "which functions? tcb fn delete NAME..."},
	})
}
