package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdList, []cmdtest.Case[Options]{
		{Name: "no arguments", Want: &Options{}},
		{Name: "ls", As: "ls", Args: []string{"-e", "demo-a1b2c3"}, Check: func(t *testing.T, o *Options) {
			if id := o.F.Globals.EnvID; id != "demo-a1b2c3" {
				t.Errorf("env id %q", id)
			}
		}},
		{Name: "an argument", Args: []string{"hello"}, WantCode: 3, WantErr: `unexpected argument "hello"`},
	})
}
