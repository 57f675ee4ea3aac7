package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tcb-go/tcb/internal/docgen"
	"github.com/tcb-go/tcb/pkg/app"
)

// The committed reference must match the command tree: run
// `go run ./cmd/gen-docs` after changing commands or flags.
func TestDocsAreFresh(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "commands")
	want := docgen.Render(app.DocRoot())
	have, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	var stale []string
	for name, content := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(b, content) {
			stale = append(stale, name)
		}
	}
	for _, p := range have {
		if _, ok := want[filepath.Base(p)]; !ok {
			stale = append(stale, filepath.Base(p)+" (no such command)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Fatalf("docs/commands is stale (run `go run ./cmd/gen-docs`): %v", stale)
	}
}
