package info

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdInfo(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdInfo, []cmdtest.Case[Options]{
		{Name: "argument", Args: []string{"demo-a1b2c3"}, Want: &Options{EnvID: "demo-a1b2c3"}},
		{Name: "the official CLI's name", As: "detail", Args: []string{"demo-a1b2c3"}, Want: &Options{EnvID: "demo-a1b2c3"}},
		{Name: "none: the selected environment", Want: &Options{}},
		{Name: "two ids", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
