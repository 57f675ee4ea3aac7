package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "config", NewCmdList, []cmdtest.Case[Options]{
		{Name: "no arguments", Want: &Options{}},
		{Name: "profile", Args: []string{"--profile", "staging"}, Check: func(t *testing.T, o *Options) {
			if p := o.F.Globals.Profile; p != "staging" {
				t.Errorf("profile %q", p)
			}
		}},
		{Name: "an argument", Args: []string{"region"}, WantCode: 3, WantErr: `unexpected argument "region"`},
	})
}
