package collection

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "db collection", NewCmdList, []cmdtest.Case[ListOptions]{
		{Name: "no arguments", Want: &ListOptions{Via: "auto"}},
		{Name: "ls via api", As: "ls", Args: []string{"--via", "api"}, Want: &ListOptions{Via: "api"}},
		{Name: "an argument", Args: []string{"todos"}, WantCode: 3, WantErr: `unexpected argument "todos"`},
	})
}

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "db collection", NewCmdCreate, []cmdtest.Case[CreateOptions]{
		{Name: "name", Args: []string{"todos"}, Want: &CreateOptions{Name: "todos", Via: "auto"}},
		{Name: "via wechat", Args: []string{"todos", "--via", "wechat"}, Want: &CreateOptions{Name: "todos", Via: "wechat"}},
		{Name: "no name", WantCode: 3, WantErr: "give the collection name"},
		{Name: "two names", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "db collection", NewCmdDelete, []cmdtest.Case[DeleteOptions]{
		{Name: "yes", Args: []string{"scratch", "--yes"}, Want: &DeleteOptions{Name: "scratch", Via: "auto"}},
		{Name: "terminal asks", TTY: true, Args: []string{"scratch"}, Want: &DeleteOptions{Name: "scratch", Via: "auto"}},
		{Name: "no yes without a terminal", Args: []string{"scratch"}, WantCode: 3, WantErr: "db collection delete: not running interactively, pass --yes"},
		{Name: "no name", Args: []string{"--yes"}, WantCode: 3, WantErr: "give the collection name"},
	})
}
