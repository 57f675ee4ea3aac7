package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// load writes files into a fresh directory and loads it with no process
// environment unless opts says otherwise.
func load(t testing.TB, files map[string]string, opts LoadOptions) (*Project, string, error) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	opts.Dir = dir
	if opts.Environ == nil {
		opts.Environ = []string{}
	}
	p, err := Load(opts)
	return p, dir, err
}

func mustLoad(t testing.TB, files map[string]string, opts LoadOptions) (*Project, string) {
	t.Helper()
	p, dir, err := load(t, files, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, dir
}

// wantConfigError checks err is a *ConfigError with the given file, field
// and a problem containing each fragment.
func wantConfigError(t testing.TB, err error, file, field string, frags ...string) *ConfigError {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want *ConfigError, got %T %v", err, err)
	}
	if ce.File != file || ce.Field != field {
		t.Errorf("error %q: file %q field %q, want %q %q", err, ce.File, ce.Field, file, field)
	}
	for _, f := range frags {
		if !strings.Contains(ce.Error(), f) {
			t.Errorf("error %q lacks %q", ce.Error(), f)
		}
	}
	return ce
}

// loadAll is load followed by Project.Resolved(): the error of a command
// that reads the whole configuration (fn deploy --all).
func loadAll(t testing.TB, files map[string]string, opts LoadOptions) error {
	t.Helper()
	p, _, err := load(t, files, opts)
	if err != nil {
		return err
	}
	return p.Resolved()
}
