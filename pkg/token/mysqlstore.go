package token

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tcb-go/tcb/pkg/errkind"
)

var mysqlDialect = &sqlDialect{
	name: "mysql",
	// The session time zone is UTC (see NewMySQLStore), so UNIX_TIMESTAMP
	// reads NOW(3) right whatever the server's zone.
	nowMS:       "CAST(FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)",
	insertRow:   "INSERT IGNORE INTO %s (appid) VALUES (?)",
	tableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
	migrations: []sqlMigration{{
		version: 1,
		what:    "create table %s: one row per app with its access_token record, force-refresh bookkeeping, refresh lock (owner and lease end) and fencing counter",
		stmts: []string{`CREATE TABLE IF NOT EXISTS %[1]s (
	appid       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
	record      TEXT,
	force_state TEXT,
	fence       BIGINT NOT NULL DEFAULT 0,
	lock_owner  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
	lock_until  BIGINT NOT NULL DEFAULT 0,
	updated_ms  BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`},
	}},
	migrationLock: func(ctx context.Context, db *sql.DB, key string, fn func(sqlExec) error) error {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 30)", key).Scan(&got); err != nil {
			return err
		}
		if got.Int64 != 1 {
			return errors.New("another process holds the schema migration lock (GET_LOCK timed out after 30 s)")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", key)
		return fn(conn)
	},
	kind: func(err error) errkind.Kind {
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			switch me.Number {
			case 1044, 1045, 1142, 1143, 1227, 1698: // access denied (database, user, table, column, privilege)
				return errkind.Auth
			case 1049: // unknown database
				return errkind.NotFound
			}
		}
		return errkind.Remote
	},
}

// NewMySQLStore opens a MySQL or MariaDB store (go-sql-driver/mysql). The
// URL is mysql://user[:password]@host[:port]/db with the parameters table,
// tls (true, false, skip-verify or preferred) and socket (a Unix socket
// path instead of host:port). Missing parts come from the MySQL client
// variables, when Getenv is set: MYSQL_PWD (or MYSQL_PASSWORD), MYSQL_HOST,
// MYSQL_TCP_PORT, MYSQL_USER and MYSQL_DATABASE. Credentials are checked
// at once, as NewPostgresStore does.
func NewMySQLStore(ctx context.Context, o SQLOptions) (*SQLStore, error) {
	pu, err := parseSQLURL(o.URL, "MySQL")
	if err != nil {
		return nil, err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	env := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(getenv(k)); v != "" {
				return v
			}
		}
		return ""
	}
	bad := func(format string, a ...any) error {
		return errkind.Errorf(errkind.Input, "token: invalid MySQL store URL %s: %s (want mysql://user[:password]@host[:port]/db[?table=NAME&tls=true])",
			pu.desc, fmt.Sprintf(format, a...))
	}
	u := pu.u
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	if cfg.User == "" {
		cfg.User = env("MYSQL_USER")
	}
	if cfg.Passwd == "" {
		cfg.Passwd = getenv("MYSQL_PWD")
		if cfg.Passwd == "" {
			cfg.Passwd = getenv("MYSQL_PASSWORD")
		}
		pu.secrets = append(pu.secrets, cfg.Passwd)
	}
	if cfg.User == "" {
		return nil, bad("no user (put one in the URL or MYSQL_USER)")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		cfg.DBName = env("MYSQL_DATABASE")
	}
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, bad("name one database as the path")
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "tls", "socket":
		default:
			return nil, bad("unknown parameter %q (known: table, tls, socket)", k)
		}
	}
	if sock := q.Get("socket"); sock != "" {
		cfg.Net, cfg.Addr = "unix", sock
	} else {
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = env("MYSQL_HOST")
		}
		if host == "" {
			host = "127.0.0.1"
		}
		if port == "" {
			port = env("MYSQL_TCP_PORT")
		}
		if port == "" {
			port = "3306"
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
	}
	switch v := q.Get("tls"); v {
	case "", "false":
	case "true", "skip-verify", "preferred":
		cfg.TLSConfig = v
	default:
		return nil, bad("tls must be true, false, skip-verify or preferred")
	}
	t := o.Timeout
	if t <= 0 {
		t = 5 * time.Second
	}
	cfg.Timeout = t
	cfg.ClientFoundRows = true // RowsAffected counts matched rows: a fenced write that changes nothing still succeeds
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	cfg.Logger = mysqlLog{o.Logger}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		s := &SQLStore{secrets: pu.secrets}
		return nil, bad("%s", s.scrub(err.Error()))
	}
	s := newSQLStore(sqlStoreConfig{db: sql.OpenDB(conn), dialect: mysqlDialect, table: pu.table,
		desc: pu.desc, secrets: pu.secrets, timeout: t, logger: o.Logger})
	if err := s.checkAuth(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// mysqlLog routes the driver's messages (broken connections, printed to
// stderr by default) to the store's logger at debug level.
type mysqlLog struct{ l *slog.Logger }

func (m mysqlLog) Print(v ...any) {
	if m.l != nil {
		m.l.Debug("mysql: " + strings.TrimSpace(fmt.Sprint(v...)))
	}
}
