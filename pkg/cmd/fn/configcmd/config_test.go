package configcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUpdate(t *testing.T) {
	cmdtest.RunCases(t, "fn config", NewCmdUpdate, []cmdtest.Case[UpdateOptions]{
		{Name: "names", Args: []string{"hello", "world", "--dry-run"}, Want: &UpdateOptions{Names: []string{"hello", "world"}, DryRun: true}},
		{Name: "all", Args: []string{"--all"}, Want: &UpdateOptions{Names: []string{}, All: true}},
		{Name: "neither", WantCode: 3, WantErr: "give function names or --all"},
		{Name: "both", Args: []string{"hello", "--all"}, WantCode: 3, WantErr: "give function names or --all"},
	})
}
