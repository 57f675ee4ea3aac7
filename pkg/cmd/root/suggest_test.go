package root

import (
	"slices"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"list", "list", 0},
		{"lsit", "list", 1}, // a swap is one edit
		{"josn", "json", 1},
		{"delet", "delete", 1},
		{"envv", "env", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"环境", "环境s", 1},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	flags := []candidate{
		{show: "--json", names: []string{"json"}},
		{show: "--jq", names: []string{"jq"}},
		{show: "--env-id", names: []string{"env-id"}},
		{show: "--limit", names: []string{"limit"}},
		{show: "--yes", names: []string{"yes"}},
	}
	cmds := []candidate{
		{show: "list", names: []string{"list", "ls"}},
		{show: "delete", names: []string{"delete", "rm"}},
		{show: "deploy", names: []string{"deploy"}},
		{show: "env", names: []string{"env"}, exact: []string{"environment"}},
	}
	for _, tt := range []struct {
		typed string
		cands []candidate
		want  []string
	}{
		{"josn", flags, []string{"--json"}},
		{"JSON2", flags, []string{"--json"}},
		{"jso", flags, []string{"--json"}},
		{"envid", flags, []string{"--env-id"}},
		{"env", flags, []string{"--env-id"}},
		{"limt", flags, []string{"--limit"}},
		{"frobnicate", flags, nil},
		{"x", flags, nil},
		{"lsit", cmds, []string{"list"}},
		{"lss", cmds, []string{"list"}}, // by alias, shown by name
		{"delpoy", cmds, []string{"deploy"}},
		{"del", cmds, []string{"delete"}},
		{"de", cmds, []string{"delete", "deploy"}},
		{"environment", cmds, []string{"env"}},
		{"", cmds, nil},
	} {
		if got := suggest(tt.typed, tt.cands); !slices.Equal(got, tt.want) {
			t.Errorf("suggest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}
