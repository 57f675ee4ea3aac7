package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "service", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "path", Args: []string{"-p", "api"}, Want: &Options{Path: "/api"}},
		{Name: "id", Args: []string{"--service-id", "x1"}, Want: &Options{ServiceID: "x1"}},
		{Name: "function, dry run", Args: []string{"-n", "fn", "--dry-run"}, Want: &Options{Name: "fn", DryRun: true}},
		{Name: "nothing named", WantCode: 3, WantErr: "--service-path, --service-id or --name"},
		{Name: "argument", Args: []string{"x", "-p", "/a"}, WantCode: 3},
	})
}
