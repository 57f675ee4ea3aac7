package add

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdAdd(t *testing.T) {
	const stmt = `db.collection("todos").add({data: {title: "x"}})`
	cmdtest.RunCases(t, "db", NewCmdAdd, []cmdtest.Case[Options]{
		{Name: "data", Args: []string{"todos", "--data", `{"title":"x"}`}, Want: &Options{Collection: "todos", Data: `{"title":"x"}`, Via: "auto"}},
		{Name: "file", Args: []string{"todos", "--file", "todos.jsonl", "--via", "api"}, Want: &Options{Collection: "todos", File: "todos.jsonl", Via: "api"}},
		{Name: "stdin", Args: []string{"todos", "--file", "-"}, Want: &Options{Collection: "todos", File: "-", Via: "auto"}},
		{Name: "statement", Args: []string{stmt, "--explain"}, Want: &Options{Collection: stmt, Explain: true, Via: "auto"}},
		{Name: "statement from stdin", Args: []string{"-", "--via", "wechat"}, Want: &Options{Collection: "-", Via: "wechat"}},
		{Name: "collection without data", Args: []string{"todos"}, WantCode: 3, WantErr: "give a collection with exactly one of --data or --file, or an add() statement"},
		{Name: "data and file", Args: []string{"todos", "--data", "{}", "--file", "x.json"}, WantCode: 3, WantErr: "exactly one of --data or --file"},
		{Name: "statement and data", Args: []string{stmt, "--data", "{}"}, WantCode: 3, WantErr: "exactly one of --data or --file"},
		{Name: "statement and file", Args: []string{stmt, "--file", "x.json"}, WantCode: 3, WantErr: "exactly one of --data or --file"},
		{Name: "nothing", WantCode: 3, WantErr: "give a collection name (or an add() statement)"},
		{Name: "two collections", Args: []string{"a", "b", "--data", "{}"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
