package query

import (
	"reflect"
	"slices"
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdQuery(t *testing.T) {
	const stmt = `db.collection("todos").where({done: false}).get()`
	// want compares the options but for the record of which flags were
	// given, and checks that record: exactly the flags in set.
	want := func(w Options, set ...string) func(*testing.T, *Options) {
		return func(t *testing.T, o *Options) {
			for _, name := range []string{"where", "order-by", "skip", "limit", "field", "all", "explain", "jsonl", "via"} {
				if got, want := o.set(name), slices.Contains(set, name); got != want {
					t.Errorf("--%s recorded as given: %v, want %v", name, got, want)
				}
			}
			got := cmdtest.Comparable(o)
			got.set = nil
			if !reflect.DeepEqual(got, w) {
				t.Errorf("options\n got: %+v\nwant: %+v", got, w)
			}
		}
	}
	cmdtest.RunCases(t, "db", NewCmdQuery, []cmdtest.Case[Options]{
		{Name: "statement", Args: []string{stmt}, Check: want(Options{Arg: stmt, Via: "auto"})},
		{Name: "statement from stdin", Args: []string{"-", "--explain"}, Check: want(Options{Arg: "-", Explain: true, Via: "auto"}, "explain")},
		{Name: "flags", Args: []string{"todos", "--where", `{"done": false}`, "--order-by", "due:asc", "--order-by", "title",
			"--skip", "5", "--limit", "20", "--field", "title,due", "--field", "-_id", "--jsonl", "--via", "wechat"},
			Check: want(Options{Arg: "todos", Where: `{"done": false}`, OrderBy: []string{"due:asc", "title"}, Skip: 5, Limit: 20,
				Fields: []string{"title", "due", "-_id"}, JSONL: true, Via: "wechat"}, "where", "order-by", "skip", "limit", "field", "jsonl", "via")},
		{Name: "explicit zero limit is recorded", Args: []string{"todos", "--limit", "0", "--all"},
			Check: want(Options{Arg: "todos", All: true, Via: "auto"}, "limit", "all")},
		{Name: "bad skip", Args: []string{"todos", "--skip", "x"}, WantCode: 3, WantErr: `invalid argument "x" for "--skip"`},
		{Name: "nothing", WantCode: 3, WantErr: "give a statement or a collection name"},
		{Name: "two", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
