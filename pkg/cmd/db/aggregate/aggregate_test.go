package aggregate

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdAggregate(t *testing.T) {
	const stmt = `db.collection("orders").aggregate().match({paid: true}).end()`
	const pipeline = `[{"$match":{"paid":true}}]`
	cmdtest.RunCases(t, "db", NewCmdAggregate, []cmdtest.Case[Options]{
		{Name: "statement", Args: []string{stmt}, Want: &Options{Arg: stmt, Via: "auto"}},
		{Name: "pipeline", Args: []string{"orders", "--pipeline", pipeline, "--jsonl", "--explain", "--via", "api"},
			Want: &Options{Arg: "orders", Pipeline: pipeline, JSONL: true, Explain: true, Via: "api"}},
		{Name: "collection without pipeline", Args: []string{"orders"}, WantCode: 3, WantErr: "give a statement, or a collection name with --pipeline"},
		{Name: "statement with pipeline", Args: []string{stmt, "--pipeline", pipeline}, WantCode: 3, WantErr: "give a statement, or a collection name with --pipeline"},
		{Name: "nothing", WantCode: 3, WantErr: "give a statement or a collection name"},
		{Name: "two", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
