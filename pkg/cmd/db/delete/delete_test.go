package delete

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdDelete(t *testing.T) {
	const stmt = `db.collection("todos").where({done: true}).remove()`
	cmdtest.RunCases(t, "db", NewCmdDelete, []cmdtest.Case[Options]{
		{Name: "statement with yes", Args: []string{stmt, "--yes"}, Want: &Options{Arg: stmt, Via: "auto"}},
		{Name: "where with dry run", Args: []string{"todos", "--where", `{"done": true}`, "--dry-run"}, Want: &Options{Arg: "todos", Where: `{"done": true}`, DryRun: true, Via: "auto"}},
		{Name: "every document", Args: []string{"todos", "--where", "{}", "-y", "--via", "api"}, Want: &Options{Arg: "todos", Where: "{}", Via: "api"}},
		{Name: "explain needs no yes", Args: []string{stmt, "--explain"}, Want: &Options{Arg: stmt, Explain: true, Via: "auto"}},
		{Name: "terminal asks", TTY: true, Args: []string{stmt}, Want: &Options{Arg: stmt, Via: "auto"}},
		{Name: "statement with where", Args: []string{stmt, "--where", "{}", "--yes"}, WantCode: 3, WantErr: "--where applies to a collection name, not to a statement"},
		{Name: "collection without where", Args: []string{"todos", "--yes"}, WantCode: 3, WantErr: "--where is required (use --where '{}' to delete every document)"},
		{Name: "no yes without a terminal", Args: []string{stmt}, WantCode: 3, WantErr: "db delete: not running interactively, pass --yes (or --dry-run to count first)"},
		{Name: "nothing", WantCode: 3, WantErr: "give a statement or a collection name"},
	})
}
