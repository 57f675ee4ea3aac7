package status

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

func runStatus(t *testing.T, cfg string, json bool, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errb := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Globals.JSON = json
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return cfg
		}
		return ""
	}
	cmd := NewCmdStatus(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func code(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// healthOf answers /_emulator/health as the emulator with pid.
func healthOf(t *testing.T, pid int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": pid, "version": "v9", "uptime_seconds": 42, "data_dir": "/elsewhere"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestStatus(t *testing.T) {
	cfg := t.TempDir()
	out, _, err := runStatus(t, cfg, true)
	if code(err) != cmdutil.ExitNotFound || strings.TrimSpace(out) != "[]" {
		t.Fatalf("none running: %q %v", out, err)
	}

	srv := healthOf(t, os.Getpid())
	dataDir := t.TempDir()
	rec := discovery.Record{PID: os.Getpid(), Listen: strings.TrimPrefix(srv.URL, "http://"), Endpoint: srv.URL,
		DataDir: dataDir, StartedAt: time.Now().Add(-time.Minute).UTC(), LogFile: dataDir + "/emulator.log"}
	if _, err := discovery.Publish(discovery.UserDir(cfg), rec); err != nil {
		t.Fatal(err)
	}
	// A crashed emulator's record is cleaned up and mentioned.
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := discovery.Publish(discovery.UserDir(cfg), discovery.Record{PID: gone.Process.Pid, Listen: "127.0.0.1:1", Endpoint: "http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}

	out, errOut, err := runStatus(t, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "127.0.0.1:1") || !strings.Contains(errOut, "gone") {
		t.Errorf("stale record not reported: %q", errOut)
	}
	var entries []Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if len(entries) != 1 {
		t.Fatalf("entries %+v", entries)
	}
	e := entries[0]
	if e.PID != os.Getpid() || e.Listen != rec.Listen || !e.Healthy || e.Health != "ok" || e.UptimeSeconds != 42 ||
		e.Version != "v9" || e.DataDir != dataDir || e.LogFile != rec.LogFile || !e.Recorded || e.StartedAt == nil {
		t.Errorf("entry %+v", e)
	}

	out, _, err = runStatus(t, cfg, false)
	if err != nil || !strings.Contains(out, srv.URL+"\t") || !strings.Contains(out, "\tok\t") || !strings.Contains(out, dataDir) {
		t.Errorf("table: %q %v", out, err)
	}
	if _, _, err := runStatus(t, cfg, false, "--listen", "127.0.0.1:2"); code(err) != cmdutil.ExitNotFound {
		t.Errorf("--listen elsewhere: %v", err)
	}
}

// --listen also finds an emulator that answers there but was started with
// another config dir.
func TestStatusProbesAnUnrecordedAddress(t *testing.T) {
	srv := healthOf(t, 4242)
	addr := strings.TrimPrefix(srv.URL, "http://")
	out, _, err := runStatus(t, t.TempDir(), true, "--listen", addr)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("%q: %v", out, err)
	}
	if e := entries[0]; e.PID != 4242 || e.Recorded || !e.Healthy || e.DataDir != "/elsewhere" {
		t.Errorf("entry %+v", e)
	}
}
