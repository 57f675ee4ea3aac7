package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdList, []cmdtest.Case[Options]{
		{Name: "all", Want: &Options{}},
		{Name: "versions", Args: []string{"--layer", "utils"}, Want: &Options{Layer: "utils"}},
		{Name: "bound", Args: []string{"--name", "hello"}, Want: &Options{Function: "hello"}},
		{Name: "both", Args: []string{"--name", "hello", "--layer", "utils"}, WantCode: 3, WantErr: "not both"},
		{Name: "arg", Args: []string{"x"}, WantCode: 3, WantErr: "unexpected argument"},
	})
}
