package configroute

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/fnversion"
)

func TestNewCmdConfigRoute(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdConfigRoute, []cmdtest.Case[Options]{
		{Name: "two", Args: []string{"hello", "1", "80", "$LATEST", "20"},
			Want: &Options{Name: "hello", Shares: []fnversion.Share{{Version: "1", Percent: 80}, {Version: "$LATEST", Percent: 20}}}},
		{Name: "one", Args: []string{"hello", "2", "30%"}, Want: &Options{Name: "hello", Shares: []fnversion.Share{{Version: "2", Percent: 30}}}},
		{Name: "sum", Args: []string{"hello", "1", "80", "2", "30"}, WantCode: 3, WantErr: "must add up to 100"},
		{Name: "bad traffic", Args: []string{"hello", "1", "eighty"}, WantCode: 3, WantErr: "whole percentage"},
		{Name: "bad version", Args: []string{"hello", "v1", "50"}, WantCode: 3, WantErr: "published version number"},
		{Name: "four args", Args: []string{"hello", "1", "80", "2"}, WantCode: 3, WantErr: "one or two VERSION TRAFFIC pairs"},
		{Name: "no args", WantCode: 3, WantErr: "one or two VERSION TRAFFIC pairs"},
	})
}
