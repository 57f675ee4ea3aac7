package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// healthServer answers /_emulator/health as the emulator with pid would.
func healthServer(t *testing.T, pid int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_emulator/health" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "version": "test", "pid": pid, "uptime_seconds": 3})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func recordFor(srv *httptest.Server, pid int, dataDir string) Record {
	addr := strings.TrimPrefix(srv.URL, "http://")
	return Record{PID: pid, Listen: addr, Endpoint: srv.URL, DataDir: dataDir, Version: "test", StartedAt: time.Now().UTC()}
}

// gonePID is the pid of a process that has exited and been reaped.
func gonePID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestPublishWritesPrivateFilesAndUnpublishRemovesThem(t *testing.T) {
	userDir := filepath.Join(t.TempDir(), "emulators")
	dataDir := t.TempDir()
	srv := healthServer(t, os.Getpid())
	rec := recordFor(srv, os.Getpid(), dataDir)
	unpublish, err := Publish(userDir, rec)
	if err != nil {
		t.Fatal(err)
	}
	userFile := filepath.Join(userDir, fileKey(rec.Listen))
	for _, p := range []string{userFile, filepath.Join(dataDir, FileName)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	if got, err := ReadDataDir(dataDir); err != nil || got.PID != rec.PID || got.Listen != rec.Listen {
		t.Fatalf("ReadDataDir: %+v %v", got, err)
	}
	live, stale, err := Scan(context.Background(), userDir)
	if err != nil || len(stale) != 0 || len(live) != 1 {
		t.Fatalf("Scan: live %+v stale %+v err %v", live, stale, err)
	}
	if !live[0].Verified() || live[0].Health.Version != "test" || live[0].Path != userFile {
		t.Fatalf("instance %+v health %+v", live[0], live[0].Health)
	}
	unpublish()
	for _, p := range []string{userFile, filepath.Join(dataDir, FileName)} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after unpublish: %v", p, err)
		}
	}
}

// Unpublishing never removes a record another emulator has written since.
func TestUnpublishLeavesAnotherEmulatorsRecord(t *testing.T) {
	userDir := t.TempDir()
	dataDir := t.TempDir()
	rec := Record{PID: 1000001, Listen: "127.0.0.1:9800", Endpoint: "http://127.0.0.1:9800", DataDir: dataDir}
	unpublish, err := Publish(userDir, rec)
	if err != nil {
		t.Fatal(err)
	}
	other := rec
	other.PID = 1000002
	if _, err := Publish(userDir, other); err != nil {
		t.Fatal(err)
	}
	unpublish()
	got, err := ReadDataDir(dataDir)
	if err != nil || got.PID != other.PID {
		t.Fatalf("data dir record: %+v %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(userDir, fileKey(rec.Listen))); err != nil {
		t.Fatalf("user record removed: %v", err)
	}
}

func TestScanRemovesStaleRecords(t *testing.T) {
	userDir := t.TempDir()
	dataDir := t.TempDir()
	srv := healthServer(t, os.Getpid())

	// The process is gone (crash, kill -9).
	dead := recordFor(srv, gonePID(t), dataDir)
	dead.Listen = "127.0.0.1:1"
	if _, err := Publish(userDir, dead); err != nil {
		t.Fatal(err)
	}
	// The process lives, but another emulator answers on the address:
	// the pid was recycled.
	recycled := recordFor(srv, os.Getppid(), "")
	if _, err := Publish(userDir, recycled); err != nil {
		t.Fatal(err)
	}
	// Garbage is dropped too.
	if err := os.WriteFile(filepath.Join(userDir, "junk.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}

	live, stale, err := Scan(context.Background(), userDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 0 || len(stale) != 2 {
		t.Fatalf("live %+v, stale %+v", live, stale)
	}
	left, _ := os.ReadDir(userDir)
	if len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
	if _, err := ReadDataDir(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the data dir's copy of a stale record must go too: %v", err)
	}
	if live, stale, err := Scan(context.Background(), filepath.Join(userDir, "none")); err != nil || live != nil || stale != nil {
		t.Fatalf("missing dir: %v %v %v", live, stale, err)
	}
}

// A live process that does not answer stays listed, unverified: it may be
// a hung emulator, and nothing may signal it on a guess.
func TestScanKeepsUnansweringLiveProcessUnverified(t *testing.T) {
	userDir := t.TempDir()
	srv := healthServer(t, os.Getpid())
	rec := recordFor(srv, os.Getpid(), "")
	srv.Close()
	if _, err := Publish(userDir, rec); err != nil {
		t.Fatal(err)
	}
	live, _, err := Scan(context.Background(), userDir)
	if err != nil || len(live) != 1 {
		t.Fatalf("live %+v err %v", live, err)
	}
	if live[0].Verified() || live[0].ProbeErr == nil {
		t.Fatalf("an unanswering emulator must not be verified: %+v", live[0])
	}
}

func TestChoose(t *testing.T) {
	a := Instance{Record: Record{Listen: "127.0.0.1:9800"}}
	b := Instance{Record: Record{Listen: "127.0.0.1:9900"}}
	if _, err := Choose(nil, "", ""); !errors.Is(err, ErrNotRunning) {
		t.Errorf("none: %v", err)
	}
	if in, err := Choose([]Instance{a}, "", ""); err != nil || in.Listen != a.Listen {
		t.Errorf("one: %+v %v", in, err)
	}
	var amb *AmbiguousError
	if _, err := Choose([]Instance{a, b}, "", ""); !errors.As(err, &amb) || len(amb.Instances) != 2 {
		t.Errorf("two: %v", err)
	}
	if in, err := Choose([]Instance{a, b}, "localhost:9900", ""); err != nil || in.Listen != b.Listen {
		t.Errorf("--listen: %+v %v", in, err)
	}
	if in, err := Choose([]Instance{a, b}, "", "http://127.0.0.1:9900/"); err != nil || in.Listen != b.Listen {
		t.Errorf("TCB_EMULATOR_HOST: %+v %v", in, err)
	}
	if _, err := Choose([]Instance{a}, "127.0.0.1:9901", ""); !errors.Is(err, ErrNotRunning) {
		t.Errorf("--listen elsewhere: %v", err)
	}
}

func TestAddresses(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"127.0.0.1:9800", "127.0.0.1:9800", true},
		{"localhost:9800", "127.0.0.1:9800", true},
		{"[::1]:9800", "127.0.0.1:9800", true},
		{"0.0.0.0:9800", "127.0.0.1:9800", true},
		{"127.0.0.1:9800", "127.0.0.1:9801", false},
		{"10.1.2.3:9800", "127.0.0.1:9800", false},
		{"bad", "127.0.0.1:9800", false},
	} {
		if got := SameAddr(c.a, c.b); got != c.same {
			t.Errorf("SameAddr(%q, %q) = %v", c.a, c.b, got)
		}
	}
	for in, want := range map[string]string{
		"127.0.0.1:9800":          "127.0.0.1:9800",
		"http://localhost:9900/":  "localhost:9900",
		" [::1]:9800 ":            "[::1]:9800",
		"emulator.internal:9800":  "",
		"127.0.0.1:0":             "",
		"127.0.0.1:x":             "",
		"http://10.0.0.1:9800":    "",
		"127.0.0.1:9800;rm -rf /": "",
	} {
		got, ok := LocalHostPort(in)
		if got != want || ok != (want != "") {
			t.Errorf("LocalHostPort(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := ClientAddr("0.0.0.0:9800"); got != "127.0.0.1:9800" {
		t.Errorf("ClientAddr: %q", got)
	}
	if got := ClientAddr("[::]:9800"); got != "[::1]:9800" {
		t.Errorf("ClientAddr v6: %q", got)
	}
}

func TestWaitExitOfAGoneProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := WaitExit(ctx, Instance{Record: Record{PID: gonePID(t)}}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

// An exited child nobody has waited for yet is not running.
func TestZombieIsNotRunning(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("zombies are recognised through /proc")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := WaitExit(ctx, Instance{Record: Record{PID: cmd.Process.Pid}}, 5*time.Millisecond); err != nil {
		t.Fatalf("an exited, unreaped child still counts as running: %v", err)
	}
}
