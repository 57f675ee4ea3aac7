package unbind

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUnbind(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdUnbind, []cmdtest.Case[Options]{
		{Name: "all", Args: []string{"hello", "--layer", "utils", "--layer-version", "2"}, Want: &Options{Function: "hello", Layer: "utils", Version: 2}},
		{Name: "no layer", Args: []string{"hello", "--layer-version", "2"}, WantCode: 3, WantErr: "--layer is required"},
		{Name: "no version", Args: []string{"hello", "--layer", "utils"}, WantCode: 3, WantErr: "--layer-version is required"},
		{Name: "no function", Args: []string{"--layer", "utils", "--layer-version", "2"}, WantCode: 3, WantErr: "which function?"},
	})
}
