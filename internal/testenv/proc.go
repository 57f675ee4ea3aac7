package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one database process a helper started: a command line that
// can be started again (after Stop) on the same port and data directory.
type server struct {
	name  string
	argv  []string
	env   []string
	owner *osUser // run as this user (root dropping privileges), or nil
	ready func(ctx context.Context) error
	stop  syscall.Signal // graceful shutdown signal

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
}

// start runs the command and waits (up to within) until ready answers.
func (s *server) start(within time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = append(os.Environ(), s.env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	setDeathSignal(cmd) // replaces SysProcAttr: first
	runAs(cmd, s.owner)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := poll(ctx, func() error {
		select {
		case <-done:
			return errExited
		default:
		}
		return s.ready(ctx)
	})
	if err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not become ready within %v (%v):\n%s", s.name, within, err, out.String())
	}
	s.cmd, s.done, s.out = cmd, done, out
	return nil
}

var errExited = fmt.Errorf("the process exited")

// halt stops the process: sig first, SIGKILL after grace.
func (s *server) halt(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	t := time.NewTimer(grace)
	select {
	case <-s.done:
		t.Stop()
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func (s *server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// poll calls f until it succeeds or ctx ends, backing off from 10 ms to
// 200 ms; it returns f's last error.
func poll(ctx context.Context, f func() error) error {
	d := 10 * time.Millisecond
	for {
		err := f()
		if err == nil || err == errExited {
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		d = min(2*d, 200*time.Millisecond)
	}
}

// scratchDir makes a directory for a server's data outside the test's
// TempDir (whose parents are private to root), owned by owner when set.
func scratchDir(prefix string, owner *osUser) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if owner != nil {
		if err := os.Chown(dir, owner.uid, owner.gid); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// runCmd runs a setup command (initdb, ...) as owner and returns its
// output with the error.
func runCmd(owner *osUser, within time.Duration, argv ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	setDeathSignal(cmd) // replaces SysProcAttr: first
	runAs(cmd, owner)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", argv[0], err, out)
	}
	return nil
}

// restartablePort picks a free loopback port for a server that will be
// restarted on it: below the kernel's ephemeral range, so that no
// outgoing connection (nor any ":0" listener) takes it while the server is
// down. It falls back to freePort when the range leaves no room.
func restartablePort() (int, error) {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	const base = 20000
	if low-base < 1000 {
		return freePort()
	}
	for range 50 {
		port := base + rand.N(low-base)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return freePort()
}

// dbProc is a throwaway database server started by a test (PostgresProc,
// MariaDBProc): its port and password, its files and its process.
type dbProc struct {
	Port     int
	Password string

	dir   string
	srv   *server
	grace time.Duration // how long Stop waits for a clean shutdown
}

// Addr is 127.0.0.1:PORT.
func (p *dbProc) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

// Stop shuts the server down cleanly (SIGTERM; sessions end, data stays).
func (p *dbProc) Stop() {
	if p.srv != nil {
		p.srv.halt(p.srv.stop, p.grace)
	}
}

// Start starts a stopped server again on the same port and data.
func (p *dbProc) Start() error { return p.srv.start(time.Minute) }

// Restart is Stop then Start, as after a database restart.
func (p *dbProc) Restart() error {
	p.Stop()
	return p.Start()
}

// Running reports whether the server runs.
func (p *dbProc) Running() bool { return p.srv != nil && p.srv.running() }

// Output is what the server printed since it last started.
func (p *dbProc) Output() string {
	if p.srv == nil {
		return ""
	}
	return p.srv.output()
}

// Close stops the server and removes its files.
func (p *dbProc) Close() {
	p.Stop()
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}
