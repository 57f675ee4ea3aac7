package update

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdUpdate(t *testing.T) {
	const stmt = `db.collection("todos").where({done: false}).update({data: {priority: _.inc(1)}})`
	cmdtest.RunCases(t, "db", NewCmdUpdate, []cmdtest.Case[Options]{
		{Name: "statement", Args: []string{stmt, "--dry-run"}, Want: &Options{Arg: stmt, DryRun: true, Via: "auto"}},
		{Name: "flags", Args: []string{"todos", "--where", `{"owner": "ann"}`, "--set", `{"done": true}`, "--unset", "draft,old", "--unset", "x", "--explain", "--via", "api"},
			Want: &Options{Arg: "todos", Where: `{"owner": "ann"}`, Set: `{"done": true}`, Unset: []string{"draft", "old", "x"}, Explain: true, Via: "api"}},
		{Name: "every document", Args: []string{"todos", "--where", "{}", "--set", `{"n": 1}`}, Want: &Options{Arg: "todos", Where: "{}", Set: `{"n": 1}`, Via: "auto"}},
		{Name: "statement with set", Args: []string{stmt, "--set", "{}"}, WantCode: 3, WantErr: "--where/--set/--unset apply to a collection name, not to a statement"},
		{Name: "statement with unset", Args: []string{stmt, "--unset", "a"}, WantCode: 3, WantErr: "--where/--set/--unset apply to a collection name"},
		{Name: "statement with where", Args: []string{stmt, "--where", "{}"}, WantCode: 3, WantErr: "--where/--set/--unset apply to a collection name"},
		{Name: "collection without where", Args: []string{"todos", "--set", `{"done": true}`}, WantCode: 3, WantErr: "--where is required (use --where '{}' to update every document)"},
		{Name: "nothing", WantCode: 3, WantErr: "give a statement or a collection name"},
	})
}
