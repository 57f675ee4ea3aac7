package stop

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

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

// TestHelperProcess is a process to record as an "emulator": it blocks
// until its stdin closes.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("TCB_STOP_HELPER") != "1" {
		return
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

func helper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "TCB_STOP_HELPER=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	return cmd
}

func runStop(t *testing.T, cfg string, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errb := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return cfg
		}
		return ""
	}
	cmd := NewCmdStop(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// record publishes an emulator record for pid whose health endpoint
// answers with answerPID (0: nothing answers).
func record(t *testing.T, cfg string, pid, answerPID int) discovery.Record {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": answerPID})
	}))
	t.Cleanup(srv.Close)
	rec := discovery.Record{PID: pid, Listen: strings.TrimPrefix(srv.URL, "http://"), Endpoint: srv.URL}
	if answerPID == 0 {
		srv.Close()
	}
	if _, err := discovery.Publish(discovery.UserDir(cfg), rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestStopNothingRunning(t *testing.T) {
	cfg := t.TempDir()
	if _, _, err := runStop(t, cfg); exitCode(err) != cmdutil.ExitNotFound {
		t.Fatalf("no emulator: %v", err)
	}
	if _, _, err := runStop(t, cfg, "--all"); exitCode(err) != cmdutil.ExitNotFound {
		t.Fatalf("--all, no emulator: %v", err)
	}
	if _, _, err := runStop(t, cfg, "--listen", "127.0.0.1:1"); exitCode(err) != cmdutil.ExitNotFound {
		t.Fatalf("--listen, no emulator: %v", err)
	}
	if _, _, err := runStop(t, cfg, "--listen", "nonsense"); exitCode(err) != cmdutil.ExitInput {
		t.Fatalf("bad --listen: %v", err)
	}
}

// With several running, stop needs to be told which (exit 3) and stops
// none of them.
func TestStopSeveralNeedsListen(t *testing.T) {
	cfg := t.TempDir()
	a, b := helper(t), helper(t)
	ra := record(t, cfg, a.Process.Pid, 0)
	record(t, cfg, b.Process.Pid, 0)
	_, _, err := runStop(t, cfg)
	if exitCode(err) != cmdutil.ExitInput || !strings.Contains(err.Error(), "--listen") || !strings.Contains(err.Error(), ra.Listen) {
		t.Fatalf("two running: %v", err)
	}
	for _, c := range []*exec.Cmd{a, b} {
		if !discovery.Running(c.Process.Pid) {
			t.Fatal("a process was stopped")
		}
	}
}

// A recorded process whose health endpoint does not answer with its pid
// is never signalled: the pid may belong to something else by now.
func TestStopRefusesAnUnverifiedProcess(t *testing.T) {
	cfg := t.TempDir()
	p := helper(t)
	rec := record(t, cfg, p.Process.Pid, 0)
	_, _, err := runStop(t, cfg, "--listen", rec.Listen)
	if exitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "not signalling") {
		t.Fatalf("unverified: %v", err)
	}
	if !discovery.Running(p.Process.Pid) {
		t.Fatal("the unverified process was signalled")
	}
}
