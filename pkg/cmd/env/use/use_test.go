package use

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUse(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdUse, []cmdtest.Case[Options]{
		{Name: "env id", Args: []string{"demo-a1b2c3"}, Want: &Options{EnvID: "demo-a1b2c3"}},
		{Name: "unset", Args: []string{"--unset"}, Want: &Options{Unset: true}},
		{Name: "neither", WantCode: 3, WantErr: "give either an environment id or --unset"},
		{Name: "both", Args: []string{"demo-a1b2c3", "--unset"}, WantCode: 3, WantErr: "give either an environment id or --unset"},
		{Name: "invalid id", Args: []string{"Demo"}, WantCode: 3, WantErr: `invalid environment id "Demo"`},
		{Name: "two ids", Args: []string{"a1", "b1"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
