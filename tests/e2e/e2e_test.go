// Package e2e drives the built tcb binary against a started emulator, the
// way a user or a CI script does. Scripts live in testdata/*.txtar
// (github.com/rogpeppe/go-internal/testscript).
package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var binDir string

// repoRoot is the checkout, for scripts that copy examples/.
var repoRoot, _ = filepath.Abs(filepath.Join("..", ".."))

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tcb-e2e-bin-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "tcb"), "github.com/tcb-go/tcb/cmd/tcb")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tcb:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// BinDir is where the freshly built tcb lives.
func BinDir() string { return binDir }

func TestScripts(t *testing.T) {
	testscript.Run(t, Params(t, "testdata"))
}

// Params is the shared testscript setup: a clean config dir and home, no
// inherited credentials, tcb on PATH, and the emulator commands.
func Params(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("TCB_CONFIG_DIR", filepath.Join(env.WorkDir, "home", ".config", "tcb"))
			env.Setenv("NO_COLOR", "1")
			for _, k := range []string{"TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN",
				"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN",
				"TCB_ENV_ID", "TCB_REGION", "TCB_PROFILE", "TCB_EMULATOR_HOST", "TCB_WX_APPID", "TCB_WX_SECRET",
				"TCB_TOKEN_SERVER", "TCB_TOKEN_SERVER_KEY"} {
				env.Setenv(k, "")
			}
			env.Values[emuKey{}] = &emuHolder{}
			env.Setenv("REPO", repoRoot)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emulator-start": cmdEmulatorStart,
			"emulator-stop":  cmdEmulatorStop,
			"exitcode":       cmdExitCode,
			"emu-post":       cmdEmuPost,
			"emu-get":        cmdEmuGet,
			"wait-token":     cmdWaitToken,
			"envfile":        cmdEnvFile,
			"cpdir":          cmdCpDir,
			"cmpdir":         cmdCmpDir,
		},
	}
}

type emuProc struct {
	cmd  *exec.Cmd
	done chan error
}

// emulator-start [flags...]: start `tcb emulator start --listen 127.0.0.1:0
// --json` (ephemeral unless --data-dir is given), wait for its JSON line,
// export TCB_EMULATOR_HOST and EMU_* variables, stop it at the end.
func cmdEmulatorStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emulator-start")
	}
	argv := []string{"emulator", "start", "--listen", "127.0.0.1:0", "--json", "--latency", "200ms"}
	hasDir := false
	for _, a := range args {
		if strings.HasPrefix(a, "--data-dir") {
			hasDir = true
		}
	}
	if !hasDir {
		argv = append(argv, "--ephemeral")
	}
	argv = append(argv, args...)
	cmd := exec.Command(filepath.Join(binDir, "tcb"), argv...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ(), "TCB_CONFIG_DIR="+ts.Getenv("TCB_CONFIG_DIR"), "NO_COLOR=1")
	logPath := filepath.Join(ts.Getenv("WORK"), "emulator.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	p := &emuProc{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
		p.done <- cmd.Wait()
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		ts.Fatalf("emulator did not start within 10s")
	}
	var info struct {
		Host, Endpoint, SecretId, SecretKey, DataDir string
		WxAppid, WxSecret                            string
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		b, _ := os.ReadFile(logPath)
		ts.Fatalf("emulator start: %q: %v\n%s", line, err, b)
	}
	info.Host, _ = raw["host"].(string)
	info.Endpoint, _ = raw["endpoint"].(string)
	info.SecretId, _ = raw["secret_id"].(string)
	info.SecretKey, _ = raw["secret_key"].(string)
	info.DataDir, _ = raw["data_dir"].(string)
	info.WxAppid, _ = raw["wx_appid"].(string)
	info.WxSecret, _ = raw["wx_secret"].(string)
	ts.Setenv("TCB_EMULATOR_HOST", info.Host)
	ts.Setenv("EMU_HOST", info.Host)
	ts.Setenv("EMU_ENDPOINT", info.Endpoint)
	ts.Setenv("EMU_SECRET_ID", info.SecretId)
	ts.Setenv("EMU_SECRET_KEY", info.SecretKey)
	ts.Setenv("EMU_DATA_DIR", info.DataDir)
	ts.Setenv("EMU_WX_APPID", info.WxAppid)
	ts.Setenv("EMU_WX_SECRET", info.WxSecret)
	ts.Setenv("EMU_PID", strconv.Itoa(cmd.Process.Pid))
	ts.Value(emuKey{}).(*emuHolder).p = p
	ts.Defer(func() { stopEmu(p) })
}

type emuKey struct{}

type emuHolder struct{ p *emuProc }

func stopEmu(p *emuProc) error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		return errors.New("emulator did not stop on SIGTERM within 10s")
	}
}

// emulator-stop: SIGTERM the emulator and require a clean exit (status 0).
func cmdEmulatorStop(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.Value(emuKey{}).(*emuHolder).p
	if p == nil {
		ts.Fatalf("no emulator running")
	}
	if err := stopEmu(p); err != nil {
		ts.Fatalf("emulator exit: %v", err)
	}
}

// exitcode N cmd args...: run cmd (like exec) and require exit status N.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// emu-post PATH JSON: POST to the emulator; the response body becomes stdout.
func cmdEmuPost(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-post PATH JSON")
	}
	resp, err := http.Post(ts.Getenv("EMU_ENDPOINT")+args[0], "application/json", strings.NewReader(args[1]))
	ts.Check(err)
	defer resp.Body.Close()
	b := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(b)
	ts.Logf("%s -> %d %s", args[0], resp.StatusCode, b.String())
	if (resp.StatusCode >= 300) != neg {
		ts.Fatalf("POST %s: HTTP %d", args[0], resp.StatusCode)
	}
}

// emu-get PATH: GET from the emulator; the body is printed to the log and
// written to the file named by the second argument when given.
func cmdEmuGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: emu-get PATH [FILE]")
	}
	resp, err := http.Get(ts.Getenv("EMU_ENDPOINT") + args[0])
	ts.Check(err)
	defer resp.Body.Close()
	b := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(b)
	if len(args) == 2 {
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644))
	} else {
		ts.Logf("%s", b.String())
	}
	if (resp.StatusCode >= 300) != neg {
		ts.Fatalf("GET %s: HTTP %d", args[0], resp.StatusCode)
	}
}

// wait-token FILE left|age DURATION: wait until the token described by
// FILE (the output of `tcb token status --json`) has DURATION left before
// its expires_at (negative: that long past it), or is DURATION old since
// its obtained_at. Token lifetimes run on real time in the emulator and
// token-server processes; anchoring each step on the token's own times, not
// on how long the script's earlier commands took, keeps a slow machine from
// changing the outcome. A point already passed returns at once.
func cmdWaitToken(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 || args[1] != "left" && args[1] != "age" {
		ts.Fatalf("usage: wait-token FILE left|age DURATION")
	}
	var st struct {
		ExpiresAt  time.Time `json:"expires_at"`
		ObtainedAt time.Time `json:"obtained_at"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &st))
	d, err := time.ParseDuration(args[2])
	ts.Check(err)
	at := st.ExpiresAt.Add(-d)
	if args[1] == "age" {
		at = st.ObtainedAt.Add(d)
	}
	if st.ExpiresAt.IsZero() || st.ObtainedAt.IsZero() {
		ts.Fatalf("%s holds no expires_at/obtained_at", args[0])
	}
	if wait := time.Until(at); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		<-t.C
	}
}

// envfile VAR FILE: set VAR to the trimmed content of FILE (the way a shell
// script uses $(...)).
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cpdir SRC DST: copy a directory tree.
func cmdCpDir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cpdir SRC DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	ts.Check(err)
}

// cmpdir A B: the two trees hold the same files with the same contents.
func cmdCmpDir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpdir A B")
	}
	list := func(root string) map[string]string {
		m := map[string]string{}
		ts.Check(filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			m[filepath.ToSlash(rel)] = string(b)
			return nil
		}))
		return m
	}
	a, b := list(ts.MkAbs(args[0])), list(ts.MkAbs(args[1]))
	same := len(a) == len(b)
	for k, v := range a {
		if b[k] != v {
			same = false
			ts.Logf("differs: %s", k)
		}
	}
	if same == neg {
		ts.Fatalf("cmpdir %s %s: same=%v", args[0], args[1], same)
	}
}
