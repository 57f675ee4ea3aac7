package dbquery

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNoForbiddenImports: a domain package shared by the CLI and the
// emulator imports neither (DESIGN.md §1).
func TestNoForbiddenImports(t *testing.T) {
	forbidden := []string{"/pkg/cmd", "/pkg/cmdutil", "/pkg/iostreams", "/pkg/prompt", "/pkg/emulator"}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if strings.Contains(path, "github.com/tcb-go/tcb"+bad) {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{"fmt.Print", "log.", "os.Stdout", "os.Stderr", "os.Exit"} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s uses %s: the package must never print", name, call)
			}
		}
	}
}
