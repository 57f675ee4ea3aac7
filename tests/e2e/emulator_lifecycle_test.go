package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/discovery"
)

// newUserCLI is a user on a fresh machine: an empty working directory, a
// clean HOME and config dir, no TCB_*/TENCENTCLOUD_* variables.
func newUserCLI(t *testing.T, extra ...string) (*cli, string) {
	t.Helper()
	work := t.TempDir()
	env := tokenEnv(append([]string{"HOME=" + filepath.Join(work, "home"), "TCB_CONFIG_DIR=" + filepath.Join(work, "home", ".config", "tcb")}, extra...)...)
	c := &cli{t: t, env: env, dir: work}
	t.Cleanup(func() { c.try("emulator", "stop", "--all") })
	return c, work
}

// startInfo is what `emulator start --json` (and --detach --json) prints.
type startInfo struct {
	Host           string `json:"host"`
	Endpoint       string `json:"endpoint"`
	PID            int    `json:"pid"`
	DataDir        string `json:"data_dir"`
	Ephemeral      bool   `json:"ephemeral"`
	LogFile        string `json:"log_file"`
	Detached       bool   `json:"detached"`
	AlreadyRunning bool   `json:"already_running"`
}

func (c *cli) startDetached(args ...string) startInfo {
	c.t.Helper()
	out := c.run(append([]string{"emulator", "start", "--detach", "--json", "--latency", "100ms"}, args...)...)
	var info startInfo
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.PID == 0 || !info.Detached {
		c.t.Fatalf("emulator start --detach: %q: %v", out, err)
	}
	return info
}

func sameDir(t *testing.T, a, b string) bool {
	t.Helper()
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := discovery.WaitExit(ctx, discovery.Instance{Record: discovery.Record{PID: pid}}, 10*time.Millisecond); err != nil {
		t.Fatalf("pid %d still running: %v", pid, err)
	}
}

// --detach, a second --detach, status, env and stop without flags, from
// a fresh working directory with the default relative data dir.
func TestEmulatorDetachedLifecycle(t *testing.T) {
	t.Parallel()
	c, work := newUserCLI(t)
	info := c.startDetached("--listen", "127.0.0.1:0")
	if !filepath.IsAbs(info.DataDir) || !sameDir(t, info.DataDir, filepath.Join(work, ".tcb-emulator")) {
		t.Fatalf("data dir %q, want the absolute path of ./.tcb-emulator", info.DataDir)
	}
	if !sameDir(t, info.LogFile, filepath.Join(info.DataDir, "emulator.log")) {
		t.Errorf("log file %q", info.LogFile)
	}

	// A second --detach on the same address reports the running one.
	out := c.run("emulator", "start", "-d", "--listen", info.Host)
	if !strings.Contains(out, "already running") || !strings.Contains(out, info.Endpoint) {
		t.Errorf("second --detach:\n%s", out)
	}
	var again startInfo
	json.Unmarshal([]byte(c.run("emulator", "start", "-d", "--json", "--listen", info.Host)), &again)
	if !again.AlreadyRunning || again.PID != info.PID {
		t.Errorf("second --detach --json: %+v", again)
	}

	var st []struct {
		Listen  string `json:"listen"`
		PID     int    `json:"pid"`
		DataDir string `json:"data_dir"`
		Healthy bool   `json:"healthy"`
		LogFile string `json:"log_file"`
	}
	if err := json.Unmarshal([]byte(c.run("emulator", "status", "--json")), &st); err != nil || len(st) != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	if st[0].PID != info.PID || st[0].Listen != info.Host || !st[0].Healthy || st[0].DataDir != info.DataDir {
		t.Errorf("status entry %+v, want %+v", st[0], info)
	}
	if out := c.run("emulator", "env"); !strings.Contains(out, "export TCB_EMULATOR_HOST="+info.Host+"\n") {
		t.Errorf("env did not find the emulator:\n%s", out)
	}

	var res struct {
		PID         int  `json:"pid"`
		DataRemoved bool `json:"data_removed"`
	}
	if err := json.Unmarshal([]byte(c.run("emulator", "stop", "--json")), &res); err != nil || res.PID != info.PID || res.DataRemoved {
		t.Fatalf("stop: %+v %v", res, err)
	}
	if discovery.Running(info.PID) {
		t.Fatal("stop returned before the emulator exited")
	}
	if _, err := os.Stat(filepath.Join(info.DataDir, "emulator.db")); err != nil {
		t.Errorf("the data must stay: %v", err)
	}
	if _, err := os.Stat(filepath.Join(info.DataDir, discovery.FileName)); err == nil {
		t.Error("the data dir's record outlived the emulator")
	}
	if log, _ := os.ReadFile(info.LogFile); !strings.Contains(string(log), "emulator stopped; data kept in "+info.DataDir) {
		t.Errorf("log:\n%s", log)
	}
	if _, _, code := c.try("emulator", "status"); code != 4 {
		t.Errorf("status with none running: exit %d, want 4", code)
	}
	if _, _, code := c.try("emulator", "stop"); code != 4 {
		t.Errorf("stop with none running: exit %d, want 4", code)
	}
}

// Several emulators: status lists them, env and stop want --listen (exit
// 3), an ephemeral one says its data is gone, and a killed one's records
// are found stale and removed.
func TestEmulatorSeveralAndStale(t *testing.T) {
	t.Parallel()
	c, _ := newUserCLI(t)
	a := c.startDetached("--listen", "127.0.0.1:0", "--ephemeral")
	b := c.startDetached("--listen", "127.0.0.1:0", "--ephemeral")
	t.Cleanup(func() { os.RemoveAll(b.DataDir) })
	if !a.Ephemeral || a.DataDir == b.DataDir {
		t.Fatalf("a %+v b %+v", a, b)
	}

	var st []json.RawMessage
	if err := json.Unmarshal([]byte(c.run("emulator", "status", "--json")), &st); err != nil || len(st) != 2 {
		t.Fatalf("status lists %d: %v", len(st), err)
	}
	for _, verb := range []string{"env", "stop"} {
		out, errs, code := c.try("emulator", verb)
		if code != 3 || !strings.Contains(errs, "--listen") || !strings.Contains(errs, a.Host) || strings.Contains(out, "export") {
			t.Errorf("%s with two running: exit %d\n%s%s", verb, code, out, errs)
		}
	}
	if out := c.run("emulator", "env", "--listen", b.Host); !strings.Contains(out, "TCB_EMULATOR_HOST="+b.Host+"\n") {
		t.Errorf("env --listen:\n%s", out)
	}
	pointed := &cli{t: t, env: append(append([]string{}, c.env...), "TCB_EMULATOR_HOST="+b.Host), dir: c.dir}
	if out := pointed.run("emulator", "env"); !strings.Contains(out, "TCB_EMULATOR_HOST="+b.Host+"\n") {
		t.Errorf("env with TCB_EMULATOR_HOST naming one:\n%s", out)
	}

	out := c.run("emulator", "stop", "--listen", a.Host)
	if !strings.Contains(out, "ephemeral data dir was removed") || strings.Contains(out, "kept") {
		t.Errorf("stop of an ephemeral emulator says:\n%s", out)
	}
	if _, err := os.Stat(a.DataDir); err == nil {
		t.Errorf("ephemeral data dir %s still there", a.DataDir)
	}
	if a.LogFile != "" {
		if _, err := os.Stat(a.LogFile); err == nil {
			t.Errorf("ephemeral emulator's log %s left behind", a.LogFile)
		}
	}

	// kill -9: no clean exit, the records stay until someone looks.
	if err := syscall.Kill(b.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, b.PID)
	_, errs, code := c.try("emulator", "status")
	if code != 4 || !strings.Contains(errs, b.Host) || !strings.Contains(errs, "gone") {
		t.Errorf("status after kill -9: exit %d\n%s", code, errs)
	}
	left, _ := os.ReadDir(filepath.Join(c.dir, "home", ".config", "tcb", "emulators"))
	if len(left) != 0 {
		t.Errorf("stale records left: %v", left)
	}
}

// The default data dir is relative (.tcb-emulator); the emulator resolves
// it at start, so the node_modules link of a function with an npm
// dependency points somewhere real and the function works.
func TestRelativeDataDirRunsNpmDependencies(t *testing.T) {
	t.Parallel()
	c, work := newUserCLI(t)
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "emulator", "start", "--listen", "127.0.0.1:0", "--json", "--latency", "100ms")
	cmd.Env, cmd.Dir = c.env, work
	logf, err := os.Create(filepath.Join(t.TempDir(), "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
	})
	var info startInfo
	select {
	case line := <-lines:
		if err := json.Unmarshal([]byte(line), &info); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
	case err := <-done:
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("emulator exited: %v\n%s", err, b)
	case <-time.After(30 * time.Second):
		t.Fatal("emulator did not start")
	}
	if !filepath.IsAbs(info.DataDir) || !sameDir(t, info.DataDir, filepath.Join(work, ".tcb-emulator")) {
		t.Fatalf("data dir %q", info.DataDir)
	}

	c.env = append(c.env, "TCB_EMULATOR_HOST="+info.Host)
	env := c.createEnv("npm")
	proj := filepath.Join(work, "proj")
	files := map[string]string{
		"cloudbaserc.json": `{"version": "2.0", "envId": "` + env + `", "functionRoot": "functions",
			"functions": [{"name": "isnum", "handler": "index.main", "runtime": "Nodejs18.15", "installDependency": true}]}`,
		"functions/isnum/package.json": `{"name": "isnum", "version": "1.0.0", "private": true, "dependencies": {"is-number": "7.0.0"}}`,
		"functions/isnum/index.js":     "const isNumber = require('is-number');\nexports.main = async (event) => ({ checked: [1, '2', 'x'].map(isNumber) });\n",
	}
	for name, body := range files {
		p := filepath.Join(proj, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.dir = proj
	c.run("fn", "deploy", "--all", "--yes")
	var got struct{ Checked []bool }
	c.invokeJSON(&got, "isnum")
	if len(got.Checked) != 3 || !got.Checked[0] || !got.Checked[1] || got.Checked[2] {
		t.Fatalf("function result %+v", got)
	}
}

// After `eval "$(tcb emulator env)"`, unsetting TCB_EMULATOR_HOST alone
// leaves the development keys set: the next command must refuse (exit 2)
// before any connection, and say how to clean up.
func TestDevKeysNeverLeaveForTheCloud(t *testing.T) {
	t.Parallel()
	// Every outgoing HTTPS connection goes through this proxy, which
	// counts and drops them.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			conn.Close()
		}
	}()
	proxy := "http://" + ln.Addr().String()
	c, _ := newUserCLI(t, "HTTPS_PROXY="+proxy, "https_proxy="+proxy, "HTTP_PROXY="+proxy, "http_proxy="+proxy, "NO_PROXY=", "no_proxy=")

	sh := func(script string) (string, int) {
		t.Helper()
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = append(append([]string{}, c.env...), "PATH="+BinDir()+string(os.PathListSeparator)+os.Getenv("PATH"))
		cmd.Dir = c.dir
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	for _, script := range []string{
		`eval "$(tcb emulator env)"; unset TCB_EMULATOR_HOST; tcb env list`,
		`eval "$(tcb emulator env)"; unset TCB_EMULATOR_HOST TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY; tcb token get`,
		`eval "$(tcb emulator env)"; unset TCB_EMULATOR_HOST; tcb login --secret-id "$TENCENTCLOUD_SECRETID" --secret-key "$TENCENTCLOUD_SECRETKEY"`,
	} {
		out, code := sh(script)
		if code != 2 || !strings.Contains(out, "refusing") {
			t.Errorf("%s: exit %d\n%s", script, code, out)
		}
		if !strings.Contains(script, "login") && (!strings.Contains(out, "`unset ") || !strings.Contains(out, `tcb emulator env --unset`)) {
			t.Errorf("%s: the fix is not named:\n%s", script, out)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections left for the cloud with the development keys", n)
	}
	// The fix the message names works: with the variables unset nothing
	// development is left (and no keys at all means exit 2, not logged in).
	out, code := sh(`eval "$(tcb emulator env)"; eval "$(tcb emulator env --unset)"; env | grep -E '^(TCB_EMULATOR_HOST|TENCENTCLOUD_|TCB_WX_)' ; tcb env list`)
	if code != 2 || strings.Contains(out, config.EmulatorSecretID) || strings.Contains(out, "refusing") {
		t.Errorf("after --unset: exit %d\n%s", code, out)
	}
	// Control: the proxy does see a real key's call, so a leak would show.
	if _, code := sh(`TENCENTCLOUD_SECRETID=AKIDnotTheDevKey TENCENTCLOUD_SECRETKEY=x tcb env list`); code == 0 || conns.Load() == 0 {
		t.Fatalf("control call: exit %d, %d connections: the proxy does not see calls", code, conns.Load())
	}
}
