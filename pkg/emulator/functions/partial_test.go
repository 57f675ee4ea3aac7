package functions

import (
	"os"
	"path/filepath"
	"testing"
)

// An extract interrupted by a crash leaves only a *.partial-* directory,
// which the next start removes; complete code directories stay.
func TestRemovePartials(t *testing.T) {
	m := &Module{dir: t.TempDir()}
	for _, d := range []string{"abc", "abc.partial-123", "abc.deps-k.partial-9", "abc.deps-k"} {
		if err := os.MkdirAll(filepath.Join(m.codeRoot(), d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m.removePartials()
	entries, err := os.ReadDir(m.codeRoot())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != 2 || got[0] != "abc" || got[1] != "abc.deps-k" {
		t.Errorf("left %v, want [abc abc.deps-k]", got)
	}
}
