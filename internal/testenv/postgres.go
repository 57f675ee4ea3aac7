package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresProc controls a PostgreSQL server started by NewPostgres: a
// throwaway cluster (initdb) in a scratch directory, listening on a free
// loopback port (TCP only), with a user and database "tcb" whose password
// is random.
type PostgresProc struct {
	dbProc
	URL string // postgres://tcb:PASSWORD@127.0.0.1:PORT/tcb?sslmode=disable
}

// postgresBin finds a PostgreSQL program: Debian keeps them in
// /usr/lib/postgresql/<major>/bin (newest first), elsewhere they are on
// PATH.
func postgresBin(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: install PostgreSQL (apt-get install postgresql, brew install postgresql); these tests need a real server", name)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// StartPostgres is NewPostgres for one test: it fails the test when the
// server cannot start and removes it when the test ends.
func StartPostgres(t testing.TB) *PostgresProc {
	t.Helper()
	p, err := NewPostgres()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// NewPostgres creates and starts a server; Close stops it and removes its
// files. As root, the server runs as the postgres account (PostgreSQL
// refuses root).
func NewPostgres() (*PostgresProc, error) {
	initdb, err := postgresBin("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := postgresBin("postgres")
	if err != nil {
		return nil, err
	}
	owner, err := serverUser("postgres", "nobody")
	if err != nil {
		return nil, err
	}
	dir, err := scratchDir("tcb-postgres-", owner)
	if err != nil {
		return nil, err
	}
	p := &PostgresProc{dbProc: dbProc{dir: dir, Password: randomHex(12), grace: 30 * time.Second}}
	ok := false
	defer func() {
		if !ok {
			p.Close()
		}
	}()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(p.Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := chownTree(dir, owner); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := runCmd(owner, 2*time.Minute, initdb, "-D", data, "-U", "tcb", "--pwfile", pwFile,
		"-A", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"); err != nil {
		return nil, err
	}
	var lastErr error
	for try := 0; try < 5; try++ {
		port, err := restartablePort()
		if err != nil {
			return nil, err
		}
		p.Port = port
		p.URL = fmt.Sprintf("postgres://tcb:%s@127.0.0.1:%d/tcb?sslmode=disable", p.Password, port)
		admin := fmt.Sprintf("postgres://tcb:%s@127.0.0.1:%d/postgres?sslmode=disable", p.Password, port)
		p.srv = &server{
			name:  "postgres",
			owner: owner,
			stop:  syscall.SIGINT, // fast shutdown
			argv: []string{postgres, "-D", data, "-p", strconv.Itoa(port),
				"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
				"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
				"-c", "shared_buffers=16MB", "-c", "max_connections=60", "-c", "log_min_messages=warning"},
			ready: func(ctx context.Context) error { return pgPing(ctx, admin) },
		}
		if lastErr = p.srv.start(time.Minute); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://tcb:%s@127.0.0.1:%d/postgres?sslmode=disable", p.Password, p.Port))
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE tcb"); err != nil {
		return nil, err
	}
	ok = true
	return p, nil
}

func pgPing(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.Ping(ctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
