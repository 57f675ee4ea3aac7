package fnrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// needNode skips the test when no node binary is on PATH.
func needNode(t testing.TB) {
	t.Helper()
	if _, err := LookNode(""); err != nil {
		t.Skip("node not on PATH:", err)
	}
}

// writeFunc creates a function code dir with the given files.
func writeFunc(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// jsFunc is a Function whose index.js is src.
func jsFunc(t testing.TB, name, src string) Function {
	t.Helper()
	return Function{
		Name:      name,
		Namespace: "test-env-1",
		Handler:   "index.main",
		Runtime:   "Nodejs20.19",
		CodeDir:   writeFunc(t, map[string]string{"index.js": src}),
		Timeout:   2 * time.Second,
		MemoryMB:  128,
		Revision:  "r1",
	}
}

func newTestPool(t testing.TB, opts PoolOptions) *Pool {
	t.Helper()
	needNode(t)
	p := NewPool(opts)
	t.Cleanup(func() { p.Close() })
	return p
}

// errPayloadOf decodes Result.ErrMsg.
func errPayloadOf(t testing.TB, r *Result) errorPayload {
	t.Helper()
	var e errorPayload
	if err := json.Unmarshal([]byte(r.ErrMsg), &e); err != nil {
		t.Fatalf("ErrMsg %q is not JSON: %v", r.ErrMsg, err)
	}
	return e
}

// retJSON decodes Result.RetMsg into v.
func retJSON(t testing.TB, r *Result, v any) {
	t.Helper()
	if r.StatusCode != StatusOK {
		t.Fatalf("status %d, ErrMsg %s, Log %q", r.StatusCode, r.ErrMsg, r.Log)
	}
	if err := json.Unmarshal([]byte(r.RetMsg), v); err != nil {
		t.Fatalf("RetMsg %q: %v", r.RetMsg, err)
	}
}
