package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "hosting", NewCmdList, []cmdtest.Case[Options]{
		{Name: "all", Want: &Options{}},
		{Name: "prefix", Args: []string{"assets/"}, Want: &Options{Cloud: "assets/"}},
		{Name: "bad", Args: []string{"a//b"}, WantCode: 3, WantErr: "empty path segment"},
	})
}
