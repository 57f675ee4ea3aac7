package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdList, []cmdtest.Case[Options]{
		{Name: "no arguments", Want: &Options{}},
		{Name: "ls", As: "ls", Want: &Options{}},
		{Name: "global flags", Args: []string{"--json", "--utc", "-r", "ap-guangzhou"}, Check: func(t *testing.T, o *Options) {
			if g := o.F.Globals; !g.JSON || !g.UTC || g.Region != "ap-guangzhou" {
				t.Errorf("globals %+v", g)
			}
		}},
		{Name: "an argument", Args: []string{"demo"}, WantCode: 3, WantErr: `unexpected argument "demo"`},
		{Name: "unknown flag", Args: []string{"--all"}, WantCode: 3, WantErr: "unknown flag --all"},
	})
}
