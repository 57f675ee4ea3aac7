package detail

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDetail(t *testing.T) {
	cmdtest.RunCases(t, "hosting", NewCmdDetail, []cmdtest.Case[Options]{
		{Name: "plain", Want: &Options{}},
		{Name: "argument", Args: []string{"x"}, WantCode: 3},
	})
}
