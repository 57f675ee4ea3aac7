// Command benchstores starts the database servers scripts/bench-token.sh
// compares the token stores on: Redis, PostgreSQL, MariaDB and Redis with
// three Sentinels, each throwaway, on free loopback ports (internal/testenv, as
// the tests start them). It writes one "KIND URL" line per server to the
// file named by -out (mode 0600: the URLs hold passwords), then "ready",
// and stops everything, removing the data, on SIGTERM or SIGINT.
//
//	benchstores -out FILE [-skip redis,postgres,mysql,sentinel]
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tcb-go/tcb/internal/testenv"
)

func main() {
	out := flag.String("out", "", "file to write the store URLs to")
	skip := flag.String("skip", "", "comma-separated kinds not to start")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: benchstores -out FILE [-skip KINDS]")
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	var lines []string
	var closers []func()
	stop := func() {
		for _, c := range closers {
			c()
		}
	}
	skipped := func(kind string) bool { return strings.Contains(","+*skip+",", ","+kind+",") }
	fail := func(kind string, err error) {
		fmt.Fprintf(os.Stderr, "benchstores: %s: %v (skipped)\n", kind, err)
	}
	if !skipped("redis") {
		if r, err := startRedis(); err != nil {
			fail("redis", err)
		} else {
			closers = append(closers, r.stop)
			lines = append(lines, "redis "+r.url)
		}
	}
	if !skipped("postgres") {
		if p, err := testenv.NewPostgres(); err != nil {
			fail("postgres", err)
		} else {
			closers = append(closers, p.Close)
			lines = append(lines, "postgres "+p.URL)
		}
	}
	if !skipped("mysql") {
		if m, err := testenv.NewMariaDB(); err != nil {
			fail("mysql", err)
		} else {
			closers = append(closers, m.Close)
			lines = append(lines, "mysql "+m.URL)
		}
	}
	if !skipped("sentinel") {
		if s, err := testenv.NewSentinel(); err != nil {
			fail("sentinel", err)
		} else {
			closers = append(closers, s.Close)
			lines = append(lines, "sentinel "+s.URL)
		}
	}
	lines = append(lines, "ready")
	if err := os.WriteFile(*out, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "benchstores:", err)
		os.Exit(1)
	}
	<-sig
	stop()
}

type redisProc struct {
	url  string
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

// startRedis runs a plain redis-server (no persistence) on a free port.
func startRedis() (*redisProc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "tcb-bench-redis-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", "", "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r := &redisProc{url: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.done) }()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
		if err == nil {
			c.Close()
			return r, nil
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("redis-server did not listen: %v", err)
		}
		select {
		case <-r.done:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server exited")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *redisProc) stop() {
	_ = r.cmd.Process.Kill()
	<-r.done
	os.RemoveAll(r.dir)
}
