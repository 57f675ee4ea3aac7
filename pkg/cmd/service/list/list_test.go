package list

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "service", NewCmdList, []cmdtest.Case[Options]{
		{Name: "plain", Want: &Options{}},
		{Name: "filters", Args: []string{"-p", "api", "-d", "api.example.com", "-i", "abc"}, Want: &Options{Path: "/api", Domain: "api.example.com", ServiceID: "abc"}},
		{Name: "argument", Args: []string{"x"}, WantCode: 3},
	})
}
