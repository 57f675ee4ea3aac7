package listversions

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdListVersions(t *testing.T) {
	cmdtest.RunCases(t, "fn", NewCmdListVersions, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"hello"}, Want: &Options{Name: "hello", Limit: 20}},
		{Name: "page", Args: []string{"hello", "-l", "5", "-o", "10"}, Want: &Options{Name: "hello", Limit: 5, Offset: 10}},
		{Name: "bad limit", Args: []string{"hello", "--limit", "0"}, WantCode: 3, WantErr: "--limit must be between 1 and 100"},
		{Name: "bad offset", Args: []string{"hello", "--offset", "-1"}, WantCode: 3, WantErr: "--offset must not be negative"},
		{Name: "no name", WantCode: 3, WantErr: "which function?"},
	})
}
