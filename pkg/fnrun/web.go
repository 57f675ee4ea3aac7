package fnrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Web functions (SCF "Web 函数", Type HTTP): the function's own web server,
// started by the executable scf_bootstrap in its code directory, listening
// on the port the platform gives. SCF gives 9000; here each server gets a
// free loopback port, passed as PORT (and SCF_RUNTIME_PORT), so several web
// functions run side by side: the code must listen on process.env.PORT
// (`app.listen(process.env.PORT || 9000)`).
//
// scf_bootstrap runs with the interpreter of its #! line when that is
// /bin/bash or /bin/sh (else /bin/sh), in the code directory, with the
// function's environment (as event functions get it, see the package
// documentation) plus PORT. The node binary of the platform
// (/var/lang/node<version>/bin/node, and npm and npx beside it) is
// replaced by the local one in the script as it is run; the code directory
// is not changed.

// WebBootstrap is the start script of a web function.
const WebBootstrap = "scf_bootstrap"

// ErrWebStart means a web function's server did not come up: scf_bootstrap
// is missing, exited, or did not accept connections on its port in time.
var ErrWebStart = errors.New("web function did not start")

// WebOptions configure StartWeb.
type WebOptions struct {
	// NodePath is the local node binary ("node" on PATH when empty).
	NodePath string
	BaseEnv  []string
	// StartTimeout bounds the start: scf_bootstrap must have a server
	// accepting connections on PORT within it (default
	// DefaultStartTimeout).
	StartTimeout time.Duration
	// Credentials and Env are set in the server's environment.
	Credentials *Credentials
	Env         map[string]string
	// Output receives the server's stdout and stderr (besides the tail
	// kept for error messages).
	Output io.Writer
}

// WebServer is a running web function server.
type WebServer struct {
	// Addr is the loopback host:port it listens on.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	tail *tailWriter
	once sync.Once
}

// platformNode matches the node, npm and npx paths of the SCF images.
var platformNode = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`/var/lang/node[0-9.]*/bin/(node|npm|npx)\b`)
})

// StartWeb starts fn's scf_bootstrap and returns once its server accepts
// connections on its port. ctx bounds the start only; Stop ends the server.
func StartWeb(ctx context.Context, fn Function, opts WebOptions) (*WebServer, error) {
	script, err := os.ReadFile(filepath.Join(fn.CodeDir, WebBootstrap))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v (a web function starts its server with an executable %s in the code's root)", ErrWebStart, WebBootstrap, err, WebBootstrap)
	}
	node, err := LookNode(opts.NodePath)
	if err != nil {
		return nil, err
	}
	nodeDir := filepath.Dir(node)
	text := platformNode().ReplaceAllStringFunc(string(script), func(s string) string {
		return filepath.Join(nodeDir, s[strings.LastIndexByte(s, '/')+1:])
	})
	shell := "/bin/sh"
	if first, _, _ := strings.Cut(text, "\n"); strings.HasPrefix(first, "#!") {
		if f := strings.Fields(strings.TrimPrefix(first, "#!")); len(f) > 0 && (f[0] == "/bin/bash" || f[0] == "/usr/bin/env" && len(f) > 1 && f[1] == "bash") {
			if _, err := os.Stat("/bin/bash"); err == nil {
				shell = "/bin/bash"
			}
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("%w: no free port: %v", ErrWebStart, err)
	}
	env, _ := functionEnv(&fn, opts.BaseEnv)
	path := nodeDir
	for i, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == "PATH" {
			path = nodeDir + string(os.PathListSeparator) + v
			env = append(env[:i], env[i+1:]...)
			break
		}
	}
	extra := map[string]string{"PATH": path, "PORT": strconv.Itoa(port), "SCF_RUNTIME_PORT": strconv.Itoa(port)}
	for k, v := range opts.Env {
		extra[k] = v
	}
	if c := opts.Credentials; c != nil {
		extra[envSecretID], extra[envSecretKey], extra[envSessionToken] = c.SecretID, c.SecretKey, c.SessionToken
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	// The script is passed on stdin's place as a -c argument, so the code
	// directory stays as deployed.
	cmd := exec.Command(shell, "-c", text, WebBootstrap)
	cmd.Dir = fn.CodeDir
	cmd.Env = env
	tail := &tailWriter{max: LogTailBytes}
	var out io.Writer = tail
	if opts.Output != nil {
		out = io.MultiWriter(tail, opts.Output)
	}
	cmd.Stdout, cmd.Stderr = out, out
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebStart, err)
	}
	afterStart(cmd.Process.Pid)
	s := &WebServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, done: make(chan struct{}), tail: tail}
	go func() {
		s.err = cmd.Wait()
		killGroupOnly(cmd.Process.Pid)
		close(s.done)
	}()
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	if err := s.waitReady(ctx, timeout); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls the port until it accepts a connection, the script
// exits, ctx ends or timeout passes.
func (s *WebServer) waitReady(ctx context.Context, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var d net.Dialer
	for {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := d.DialContext(dctx, "tcp", s.Addr)
		cancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%w: %s exited (%v) before listening on PORT %s; its output ends with:\n%s", ErrWebStart, WebBootstrap, s.err, s.port(), s.Output())
		case <-timer.C:
			return fmt.Errorf("%w: nothing accepted connections on PORT %s within %s (the function's init timeout); listen on process.env.PORT; output:\n%s", ErrWebStart, s.port(), timeout, s.Output())
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *WebServer) port() string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}

// Done is closed when the server's process has exited.
func (s *WebServer) Done() <-chan struct{} { return s.done }

// Output is the end of what the server wrote.
func (s *WebServer) Output() string { return s.tail.String() }

// Stop kills the server's process group and waits for it.
func (s *WebServer) Stop() {
	s.once.Do(func() {
		killTree(s.cmd.Process)
		<-s.done
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.mu.Unlock()
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
