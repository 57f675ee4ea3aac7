package domain

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/create"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/delete"
	"github.com/tcb-go/tcb/pkg/cmd/env/domain/list"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "env domain", list.NewCmdList, []cmdtest.Case[list.Options]{
		{Name: "no arguments", Want: &list.Options{}},
		{Name: "ls", As: "ls", Want: &list.Options{}},
		{Name: "an argument", Args: []string{"x"}, WantCode: 3},
	})
}

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "env domain", create.NewCmdCreate, []cmdtest.Case[create.Options]{
		{Name: "one", Args: []string{"Example.com"}, Want: &create.Options{Domains: []string{"example.com"}}},
		{Name: "slashes, commas, args, dups", Args: []string{"a.com/b.com", "c.com,a.com", "localhost:8080"},
			Want: &create.Options{Domains: []string{"a.com", "b.com", "c.com", "localhost:8080"}}},
		{Name: "add", As: "add", Args: []string{"*.a.com"}, Want: &create.Options{Domains: []string{"*.a.com"}}},
		{Name: "none", WantCode: 3, WantErr: "at least one domain"},
		{Name: "scheme", Args: []string{"https://a.com"}, WantCode: 3, WantErr: "scheme"},
		{Name: "path", Args: []string{"a.com?x"}, WantCode: 3},
		{Name: "bad label", Args: []string{"-a.com"}, WantCode: 3},
		{Name: "bad port", Args: []string{"a.com:99999"}, WantCode: 3, WantErr: "port"},
		{Name: "only separators", Args: []string{"/,"}, WantCode: 3, WantErr: "no domain"},
	})
}

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "env domain", delete.NewCmdDelete, []cmdtest.Case[delete.Options]{
		{Name: "yes", Args: []string{"a.com", "--yes"}, Want: &delete.Options{Domains: []string{"a.com"}}},
		{Name: "dry run", Args: []string{"a.com/b.com", "--dry-run"}, Want: &delete.Options{Domains: []string{"a.com", "b.com"}, DryRun: true}},
		{Name: "rm on a terminal", As: "rm", TTY: true, Args: []string{"a.com"}, Want: &delete.Options{Domains: []string{"a.com"}}},
		{Name: "chooser on a terminal", TTY: true, Want: &delete.Options{}},
		{Name: "no --yes off a terminal", Args: []string{"a.com"}, WantCode: 3, WantErr: "--yes"},
		{Name: "no domain off a terminal", Args: []string{"--yes"}, WantCode: 3, WantErr: "domains to delete"},
		{Name: "invalid", Args: []string{"a..com", "--yes"}, WantCode: 3},
	})
}
