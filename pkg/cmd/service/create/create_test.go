package create

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "service", NewCmdCreate, []cmdtest.Case[Options]{
		{Name: "flags", Args: []string{"-p", "/api", "-f", "fn"}, Want: &Options{Path: "/api", Function: "fn"}},
		{Name: "long flags, slash added", Args: []string{"--service-path", "api", "--function", "fn"}, Want: &Options{Path: "/api", Function: "fn"}},
		{Name: "prompts on a terminal", TTY: true, Want: &Options{}},
		{Name: "no function without a terminal", Args: []string{"-p", "/api"}, WantCode: 3, WantErr: "--service-path and --function"},
		{Name: "argument", Args: []string{"x"}, WantCode: 3},
	})
}
