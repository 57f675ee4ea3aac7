package count

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdCount(t *testing.T) {
	const stmt = `db.collection("todos").where({done: true}).count()`
	cmdtest.RunCases(t, "db", NewCmdCount, []cmdtest.Case[Options]{
		{Name: "collection", Args: []string{"todos"}, Want: &Options{Arg: "todos", Via: "auto"}},
		{Name: "where", Args: []string{"todos", "--where", `{"done": true}`, "--explain"}, Want: &Options{Arg: "todos", Where: `{"done": true}`, Explain: true, Via: "auto"}},
		{Name: "statement", Args: []string{stmt, "--via", "wechat"}, Want: &Options{Arg: stmt, Via: "wechat"}},
		{Name: "statement with where", Args: []string{stmt, "--where", "{}"}, WantCode: 3, WantErr: "--where applies to a collection name, not to a statement"},
		{Name: "statement with an empty where", Args: []string{stmt, "--where", ""}, WantCode: 3, WantErr: "--where applies to a collection name"},
		{Name: "nothing", WantCode: 3, WantErr: "give a statement or a collection name"},
	})
}
