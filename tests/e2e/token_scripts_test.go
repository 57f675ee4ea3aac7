package e2e

import (
	"bufio"
	"io"
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

// TestTokenScripts runs testdata/token/*.txtar: the shared setup plus
// commands to run `tcb token serve` in the background.
//
//	token-serve [flags...]   start `tcb token serve --listen 127.0.0.1:0 flags...`
//	                         with the script's TCB_* variables; wait until it
//	                         listens; export TOKEN_SERVER=http://host:port; its
//	                         stderr goes to $WORK/serve.log
//	token-serve-stop         SIGTERM it and require exit status 0
//	serve-http METHOD PATH [KEY [BODY]]
//	                         call the server (bearer KEY unless "-"); stdout
//	                         is "HTTP <status>" and the body; BODY "bytes:N"
//	                         is a refresh request with an N-byte stale_token
func TestTokenScripts(t *testing.T) {
	p := Params(t, filepath.Join("testdata", "token"))
	p.Cmds["token-serve"] = cmdTokenServe
	p.Cmds["token-serve-stop"] = cmdTokenServeStop
	p.Cmds["serve-http"] = cmdServeHTTP
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		env.Values[serveKey{}] = &serveHolder{}
		return setup(env)
	}
	testscript.Run(t, p)
}

type serveKey struct{}

type serveHolder struct {
	cmd  *exec.Cmd
	done chan error
}

// scriptEnvKeys are passed from the script to the server process.
var scriptEnvKeys = []string{"HOME", "TCB_CONFIG_DIR", "TCB_EMULATOR_HOST", "TCB_WX_APPID", "TCB_WX_SECRET",
	"TCB_TOKEN_SERVER_KEY", "TCB_TOKEN_STORE", "TCB_WECHAT_API", "TCB_PROFILE"}

func cmdTokenServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! token-serve (use exitcode N tcb token serve ...)")
	}
	h := ts.Value(serveKey{}).(*serveHolder)
	if h.cmd != nil {
		ts.Fatalf("a token server is already running")
	}
	var extra []string
	for _, k := range scriptEnvKeys {
		extra = append(extra, k+"="+ts.Getenv(k))
	}
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), append([]string{"token", "serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = tokenEnv(extra...)
	logf, err := os.OpenFile(filepath.Join(ts.Getenv("WORK"), "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	stderr, err := cmd.StderrPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	h.cmd, h.done = cmd, make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			io.WriteString(logf, line+"\n")
			if m := listenRe.FindStringSubmatch(line); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
		err := cmd.Wait()
		logf.Close()
		h.done <- err
	}()
	ts.Defer(func() { stopServe(h) })
	select {
	case a, ok := <-addr:
		if !ok {
			err := <-h.done
			h.cmd = nil
			b, _ := os.ReadFile(filepath.Join(ts.Getenv("WORK"), "serve.log"))
			ts.Fatalf("token serve exited before listening (%v):\n%s", err, b)
		}
		ts.Setenv("TOKEN_SERVER", "http://"+a)
	case <-time.After(15 * time.Second):
		ts.Fatalf("token serve did not start within 15s")
	}
}

func stopServe(h *serveHolder) error {
	if h.cmd == nil {
		return nil
	}
	cmd := h.cmd
	h.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.done:
		return err
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		return <-h.done
	}
}

func cmdTokenServeStop(ts *testscript.TestScript, neg bool, args []string) {
	h := ts.Value(serveKey{}).(*serveHolder)
	if h.cmd == nil {
		ts.Fatalf("no token server running")
	}
	if err := stopServe(h); err != nil {
		ts.Fatalf("token serve exit after SIGTERM: %v", err)
	}
}

func cmdServeHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 4 {
		ts.Fatalf("usage: serve-http METHOD PATH [KEY [BODY]]")
	}
	var body io.Reader
	if len(args) == 4 {
		b := args[3]
		if n, ok := strings.CutPrefix(b, "bytes:"); ok {
			size, err := strconv.Atoi(n)
			ts.Check(err)
			b = `{"appid":"wx0e1a2b3c4d5e6f70","stale_token":"` + strings.Repeat("a", size) + `"}`
		}
		body = strings.NewReader(b)
	}
	req, err := http.NewRequest(args[0], ts.Getenv("TOKEN_SERVER")+args[1], body)
	ts.Check(err)
	if len(args) >= 3 && args[2] != "-" {
		req.Header.Set("Authorization", "Bearer "+args[2])
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := ts.Stdout()
	io.WriteString(out, "HTTP "+resp.Status[:3]+"\n")
	out.Write(b)
	if neg {
		ts.Fatalf("unsupported: ! serve-http (match the status in stdout)")
	}
}
