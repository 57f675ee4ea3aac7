package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDBProc controls a MariaDB (or MySQL) server started by NewMariaDB:
// a throwaway data directory (mariadb-install-db) on a free loopback port,
// with a user and database "tcb" whose password is random.
type MariaDBProc struct {
	dbProc
	URL string // mysql://tcb:PASSWORD@127.0.0.1:PORT/tcb
}

func mariadbBin(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, d := range []string{"/usr/sbin", "/usr/local/sbin"} {
			if p := filepath.Join(d, n); fileExists(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s not found: install MariaDB (apt-get install mariadb-server, brew install mariadb); these tests need a real server", names[0])
}

// StartMariaDB is NewMariaDB for one test: it fails the test when the
// server cannot start and removes it when the test ends.
func StartMariaDB(t testing.TB) *MariaDBProc {
	t.Helper()
	p, err := NewMariaDB()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// NewMariaDB creates and starts a server; Close stops it and removes its
// files. As root, the server runs as root (mariadbd --user=root).
func NewMariaDB() (*MariaDBProc, error) {
	install, err := mariadbBin("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, err
	}
	mariadbd, err := mariadbBin("mariadbd", "mysqld")
	if err != nil {
		return nil, err
	}
	dir, err := scratchDir("tcb-mariadb-", nil)
	if err != nil {
		return nil, err
	}
	p := &MariaDBProc{dbProc: dbProc{dir: dir, Password: randomHex(12), grace: 60 * time.Second}}
	ok := false
	defer func() {
		if !ok {
			p.Close()
		}
	}()
	data := filepath.Join(dir, "data")
	userArgs := []string{}
	if os.Geteuid() == 0 {
		userArgs = []string{"--user=root"}
	}
	args := append([]string{install, "--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}, userArgs...)
	if err := runCmd(nil, 2*time.Minute, args...); err != nil {
		return nil, err
	}
	initFile := filepath.Join(dir, "init.sql")
	initSQL := fmt.Sprintf("CREATE DATABASE IF NOT EXISTS tcb;\n"+
		"CREATE USER IF NOT EXISTS 'tcb'@'127.0.0.1' IDENTIFIED BY '%s';\n"+
		"GRANT ALL ON tcb.* TO 'tcb'@'127.0.0.1';\n", p.Password)
	if err := os.WriteFile(initFile, []byte(initSQL), 0o600); err != nil {
		return nil, err
	}
	var lastErr error
	for try := 0; try < 5; try++ {
		port, err := restartablePort()
		if err != nil {
			return nil, err
		}
		p.Port = port
		p.URL = fmt.Sprintf("mysql://tcb:%s@127.0.0.1:%d/tcb", p.Password, port)
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = "tcb", p.Password, "tcp", p.Addr(), "tcb"
		cfg.Timeout = 2 * time.Second
		cfg.Logger = &mysql.NopLogger{}
		p.srv = &server{
			name: "mariadbd",
			stop: syscall.SIGTERM,
			argv: append([]string{mariadbd, "--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(port),
				"--bind-address=127.0.0.1", "--socket=" + filepath.Join(dir, "sock"), "--pid-file=" + filepath.Join(dir, "pid"),
				"--skip-name-resolve", "--init-file=" + initFile, "--skip-log-bin", "--performance-schema=OFF",
				"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--innodb-flush-log-at-trx-commit=0",
				"--max-connections=100"}, userArgs...),
			ready: func(ctx context.Context) error { return mysqlPing(ctx, cfg) },
		}
		if lastErr = p.srv.start(time.Minute); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	ok = true
	return p, nil
}

func mysqlPing(ctx context.Context, cfg *mysql.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx)
}
