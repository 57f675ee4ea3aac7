package auth

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdSwitch(t *testing.T) {
	on := true
	cmdtest.RunCases(t, "service auth", NewCmdSwitch, []cmdtest.Case[Options]{
		{Name: "enable", Args: []string{"--enable"}, Want: &Options{On: &on}},
		{Name: "no flag without a terminal", WantCode: 3, WantErr: "--enable or --disable"},
	})
}
