package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tokenEnv is a clean environment for tcb child processes: the caller's,
// minus every TCB_*/TENCENTCLOUD_* variable, plus extra ("K=V").
func tokenEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TCB_") || strings.HasPrefix(kv, "TENCENTCLOUD_") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "NO_COLOR=1"), extra...)
}

// emuProcess is a `tcb emulator start` child process.
type emuProcess struct {
	cmd      *exec.Cmd
	Host     string
	Endpoint string
	done     chan struct{} // closed when the process has exited
}

// startEmulatorProcess runs the built emulator (ephemeral, free port) with
// extra flags and stops it when the test ends.
func startEmulatorProcess(t *testing.T, args ...string) *emuProcess {
	t.Helper()
	argv := append([]string{"emulator", "start", "--listen", "127.0.0.1:0", "--json", "--ephemeral"}, args...)
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), argv...)
	cmd.Env = tokenEnv("TCB_CONFIG_DIR=" + t.TempDir())
	logf, err := os.Create(filepath.Join(t.TempDir(), "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &emuProcess{cmd: cmd, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop() })
	select {
	case line := <-lines:
		var info struct{ Host, Endpoint string }
		if err := json.Unmarshal([]byte(line), &info); err != nil || info.Host == "" {
			t.Fatalf("emulator start: %q: %v", line, err)
		}
		p.Host, p.Endpoint = info.Host, info.Endpoint
	case <-time.After(15 * time.Second):
		t.Fatal("emulator did not start within 15s")
	}
	return p
}

func (p *emuProcess) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// wechatState is the part of /_emulator/state the token tests read.
type wechatState struct {
	Wechat struct {
		Apps map[string]struct {
			Fetches struct {
				Token       int `json:"token"`
				StableToken int `json:"stable_token"`
			} `json:"fetches"`
			ValidTokens int `json:"valid_tokens"`
		} `json:"apps"`
		Errors map[string]int `json:"errors"`
	} `json:"wechat"`
	Faults []json.RawMessage `json:"faults"`
}

func (p *emuProcess) state(t testing.TB) wechatState {
	t.Helper()
	var st wechatState
	getJSON(t, p.Endpoint+"/_emulator/state", &st)
	return st
}

// checkResult is /_emulator/wechat/check's answer.
type checkResult struct {
	Valid      bool      `json:"valid"`
	ErrCode    int       `json:"errcode"`
	AppID      string    `json:"appid"`
	IssuedAt   time.Time `json:"issued_at"`
	ValidUntil time.Time `json:"valid_until"`
}

func (p *emuProcess) check(t testing.TB, tok string) checkResult {
	t.Helper()
	var r checkResult
	getJSON(t, p.Endpoint+"/_emulator/wechat/check?access_token="+tok, &r)
	return r
}

func (p *emuProcess) fault(t testing.TB, body string) {
	t.Helper()
	resp, err := http.Post(p.Endpoint+"/_emulator/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("faults: HTTP %d", resp.StatusCode)
	}
}

// tryCheck is check for goroutines other than the test's.
func (p *emuProcess) tryCheck(tok string) (checkResult, error) {
	var r checkResult
	resp, err := http.Get(p.Endpoint + "/_emulator/wechat/check?access_token=" + tok)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	return r, json.NewDecoder(resp.Body).Decode(&r)
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// serveProcess is a `tcb token serve` child process.
type serveProcess struct {
	cmd     *exec.Cmd
	Addr    string
	LogPath string
	done    chan struct{}
	err     error
}

// listenRe finds the bound address in the text or JSON log line.
var listenRe = regexp.MustCompile(`"?msg"?[=:]"token server listening".*?"?addr"?[=:]"?([0-9a-f.:\[\]]+)`)

// startServe runs `tcb token serve --listen 127.0.0.1:0 args...` with env,
// waits for its "listening" log line and stops it (SIGTERM) when the test
// ends. Its stderr goes to LogPath.
func startServe(t *testing.T, env []string, logPath string, args ...string) *serveProcess {
	t.Helper()
	argv := append([]string{"token", "serve", "--listen", "127.0.0.1:0"}, args...)
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), argv...)
	cmd.Env = env
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, LogPath: logPath, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := listenRe.FindStringSubmatch(line); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		p.err = cmd.Wait()
		logf.Close()
		if !sent {
			close(addr)
		}
	}()
	t.Cleanup(func() { p.Stop() })
	select {
	case a, ok := <-addr:
		if !ok {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("token serve exited before listening: %v\n%s", p.err, b)
		}
		p.Addr = a
	case <-time.After(15 * time.Second):
		t.Fatal("token serve did not start within 15s")
	}
	return p
}

// URL is the server's base URL.
func (p *serveProcess) URL() string { return "http://" + p.Addr }

// Stop sends SIGTERM and waits; it reports the exit error.
func (p *serveProcess) Stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// Kill crashes the process (SIGKILL).
func (p *serveProcess) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// scanForLeaks fails the test if any of secrets appears in any of files.
func scanForLeaks(t *testing.T, files []string, secrets map[string]string) {
	t.Helper()
	var mu sync.Mutex
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("reading %s: %v", f, err)
			continue
		}
		for what, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				mu.Lock()
				t.Errorf("%s leaks %s", filepath.Base(f), what)
				mu.Unlock()
			}
		}
	}
}
