package domain

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdBind(t *testing.T) {
	cmdtest.RunCases(t, "service domain", NewCmdBind, []cmdtest.Case[Options]{
		{Name: "domain", Args: []string{"API.Example.com."}, Want: &Options{Domain: "api.example.com"}},
		{Name: "no domain", WantCode: 3},
		{Name: "a URL", Args: []string{"https://api.example.com"}, WantCode: 3, WantErr: "is not a domain name"},
	})
}

func TestNewCmdUnbind(t *testing.T) {
	cmdtest.RunCases(t, "service domain", NewCmdUnbind, []cmdtest.Case[Options]{
		{Name: "domain", Args: []string{"api.example.com"}, Want: &Options{Domain: "api.example.com"}},
		{Name: "two", Args: []string{"a.example.com", "b.example.com"}, WantCode: 3},
	})
}

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "service domain", NewCmdList, []cmdtest.Case[ListOptions]{
		{Name: "plain", Want: &ListOptions{}},
		{Name: "filter", Args: []string{"-d", "api.example.com"}, Want: &ListOptions{Domain: "api.example.com"}},
	})
}
