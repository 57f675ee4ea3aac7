package switchcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdSwitch(t *testing.T) {
	on, off := true, false
	cmdtest.RunCases(t, "service", NewCmdSwitch, []cmdtest.Case[Options]{
		{Name: "enable", Args: []string{"--enable"}, Want: &Options{On: &on}},
		{Name: "disable", Args: []string{"--disable"}, Want: &Options{On: &off}},
		{Name: "prompt on a terminal", TTY: true, Want: &Options{}},
		{Name: "no flag without a terminal", WantCode: 3, WantErr: "--enable or --disable"},
		{Name: "both", Args: []string{"--enable", "--disable"}, WantCode: 3},
	})
}
