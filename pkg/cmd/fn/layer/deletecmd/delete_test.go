package deletecmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "yes", Args: []string{"--layer", "utils", "--layer-version", "2", "--yes"}, Want: &Options{Layer: "utils", Version: 2}},
		{Name: "dry run", Args: []string{"--layer", "utils", "--layer-version", "2", "--dry-run"}, Want: &Options{Layer: "utils", Version: 2, DryRun: true}},
		{Name: "no yes off a terminal", Args: []string{"--layer", "utils", "--layer-version", "2"}, WantCode: 3, WantErr: "--yes"},
		{Name: "no layer", Args: []string{"--layer-version", "2"}, WantCode: 3, WantErr: "--layer is required"},
		{Name: "no version", Args: []string{"--layer", "utils"}, WantCode: 3, WantErr: "--layer-version is required"},
	})
}
