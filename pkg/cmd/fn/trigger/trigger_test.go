package trigger

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdCreate(t *testing.T) {
	cmdtest.RunCases(t, "fn trigger", NewCmdCreate, []cmdtest.Case[CreateOptions]{
		{Name: "from the config", Args: []string{"hello"}, Want: &CreateOptions{Function: "hello"}},
		{Name: "one trigger", Args: []string{"hello", "--name", "every5min", "--cron", "0 */5 * * * * *", "--description", "poll"},
			Want: &CreateOptions{Function: "hello", Name: "every5min", Cron: "0 */5 * * * * *", Description: "poll"}},
		{Name: "name without cron", Args: []string{"hello", "--name", "x"}, WantCode: 3, WantErr: "--name and --cron go together"},
		{Name: "cron without name", Args: []string{"hello", "--cron", "0 */5 * * * * *"}, WantCode: 3, WantErr: "--name and --cron go together"},
		{Name: "five-field cron", Args: []string{"hello", "--name", "x", "--cron", "*/5 * * * *"}, WantCode: 3, WantErr: "--cron: "},
		{Name: "no function", WantCode: 3, WantErr: "which function? tcb fn trigger create FUNCTION"},
	})
}

func TestNewCmdDelete(t *testing.T) {
	cmdtest.RunCases(t, "fn trigger", NewCmdDelete, []cmdtest.Case[DeleteOptions]{
		{Name: "yes", Args: []string{"hello", "every5min", "--yes"}, Want: &DeleteOptions{Function: "hello", Trigger: "every5min"}},
		{Name: "terminal asks", TTY: true, Args: []string{"hello", "every5min"}, Want: &DeleteOptions{Function: "hello", Trigger: "every5min"}},
		{Name: "no yes without a terminal", Args: []string{"hello", "every5min"}, WantCode: 3, WantErr: "fn trigger delete: not running interactively, pass --yes"},
		{Name: "no trigger", Args: []string{"hello", "--yes"}, WantCode: 3, WantErr: "usage: tcb fn trigger delete FUNCTION TRIGGER"},
	})
}

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "fn trigger", NewCmdList, []cmdtest.Case[ListOptions]{
		{Name: "function", Args: []string{"hello"}, Want: &ListOptions{Function: "hello"}},
		{Name: "no function", WantCode: 3, WantErr: "which function? tcb fn trigger list FUNCTION"},
		{Name: "two", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
