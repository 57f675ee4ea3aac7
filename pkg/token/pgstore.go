package token

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// SQLOptions configures NewPostgresStore and NewMySQLStore.
type SQLOptions struct {
	// URL is postgres://[user[:password]@]host[:port]/db[?...] (or
	// postgresql://), or mysql://[user[:password]@]host[:port]/db[?...].
	// ?table=NAME picks the table (default tcb_tokens).
	URL string
	// Timeout bounds connecting and each statement; default 5 s.
	Timeout time.Duration
	// Logger receives schema migrations (warning level) and driver
	// notices (debug); nil discards them.
	Logger *slog.Logger
	// Getenv reads the MySQL client variables (MYSQL_PWD, ...); nil reads
	// none. PostgreSQL's PG* variables are applied by pgx itself.
	Getenv func(string) string
}

var pgDialect = &sqlDialect{
	name:        "postgres",
	nowMS:       "(floor(extract(epoch from now()) * 1000))::bigint",
	dollar:      true,
	returning:   true,
	insertRow:   "INSERT INTO %s (appid) VALUES (?) ON CONFLICT (appid) DO NOTHING",
	tableExists: "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
	migrations: []sqlMigration{{
		version: 1,
		what:    "create table %s: one row per app with its access_token record, force-refresh bookkeeping, refresh lock (owner and lease end) and fencing counter",
		stmts: []string{`CREATE TABLE IF NOT EXISTS %[1]s (
	appid       VARCHAR(64) NOT NULL PRIMARY KEY,
	record      TEXT,
	force_state TEXT,
	fence       BIGINT NOT NULL DEFAULT 0,
	lock_owner  VARCHAR(64),
	lock_until  BIGINT NOT NULL DEFAULT 0,
	updated_ms  BIGINT NOT NULL DEFAULT 0
)`},
	}},
	migrationLock: func(ctx context.Context, db *sql.DB, key string, fn func(sqlExec) error) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit()
	},
	kind: func(err error) errkind.Kind {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			switch pe.Code {
			case "28P01", "28000", "42501": // invalid password, invalid authorization, insufficient privilege
				return errkind.Auth
			case "3D000": // invalid catalog name: no such database
				return errkind.NotFound
			}
		}
		return errkind.Remote
	},
}

// NewPostgresStore opens a PostgreSQL store (pgx). It checks the
// credentials at once: a rejected password or a missing database is an
// error (of kind errkind.Auth or errkind.NotFound), an unreachable server
// is not (the store retries on use). The table is created on first use.
func NewPostgresStore(ctx context.Context, o SQLOptions) (*SQLStore, error) {
	pu, err := parseSQLURL(o.URL, "PostgreSQL")
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(pu.u.String())
	if err != nil {
		s := &SQLStore{desc: pu.desc, secrets: pu.secrets}
		return nil, errkind.Errorf(errkind.Input, "token: invalid PostgreSQL store URL %s: %s (want postgres://[user[:password]@]host[:port]/db[?sslmode=...&table=NAME])",
			pu.desc, s.scrub(unwrapAll(err).Error()))
	}
	if cfg.Password != "" {
		pu.secrets = append(pu.secrets, cfg.Password)
	}
	t := o.Timeout
	if t <= 0 {
		t = 5 * time.Second
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > t {
		cfg.ConnectTimeout = t
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "tcb-token"
	}
	s := newSQLStore(sqlStoreConfig{db: stdlib.OpenDB(*cfg), dialect: pgDialect, table: pu.table,
		desc: pu.desc, secrets: pu.secrets, timeout: t, logger: o.Logger})
	if err := s.checkAuth(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// unwrapAll returns the innermost error (pgx's parse errors wrap the
// reason in an error that repeats the connection string).
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
