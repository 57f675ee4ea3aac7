package importcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdImport(t *testing.T) {
	cmdtest.RunCases(t, "db", NewCmdImport, []cmdtest.Case[Options]{
		{Name: "insert", Args: []string{"todos.jsonl", "--collection", "todos"}, Want: &Options{File: "todos.jsonl", Collection: "todos", Mode: "insert", Via: "auto"}},
		{Name: "upsert from stdin, created", Args: []string{"-", "-c", "copy", "--mode", "upsert", "--create", "--via", "api"},
			Want: &Options{File: "-", Collection: "copy", Mode: "upsert", Create: true, Via: "api"}},
		{Name: "atomic", Args: []string{"todos.json", "-c", "todos", "--atomic"}, Want: &Options{File: "todos.json", Collection: "todos", Mode: "insert", Atomic: true, Via: "auto"}},
		{Name: "no collection", Args: []string{"todos.jsonl"}, WantCode: 3, WantErr: "--collection is required"},
		{Name: "bad mode", Args: []string{"todos.jsonl", "-c", "todos", "--mode", "replace"}, WantCode: 3, WantErr: "--mode must be insert or upsert"},
		{Name: "no file", Args: []string{"-c", "todos"}, WantCode: 3, WantErr: "give the file to import (- for stdin)"},
		{Name: "two files", Args: []string{"a.json", "b.json", "-c", "todos"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
