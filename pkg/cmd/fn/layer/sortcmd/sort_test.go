package sortcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdSort(t *testing.T) {
	cmdtest.RunCases(t, "fn layer", NewCmdSort, []cmdtest.Case[Options]{
		{Name: "order", Args: []string{"hello", "b:1", "a:2"}, Want: &Options{Function: "hello", Order: []string{"b:1", "a:2"}}},
		{Name: "no layers", Args: []string{"hello"}, WantCode: 3, WantErr: "every bound layer"},
	})
}
