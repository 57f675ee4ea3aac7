package token

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// SQLStore keeps tokens in one table of a PostgreSQL (NewPostgresStore) or
// MySQL/MariaDB (NewMySQLStore) database, shared by any number of
// machines. It gives the guarantees of RedisStore: one refresh lock per app
// with a lease and a fencing counter, fenced writes, and the force-refresh
// bookkeeping shared by every replica.
//
// Table (default name tcb_tokens; ?table=NAME in the URL), one row per app:
//
//	appid        VARCHAR(64) PRIMARY KEY
//	record       TEXT     JSON Record, NULL until the first write
//	force_state  TEXT     JSON ForceState, NULL until the first forced refresh
//	fence        BIGINT   fencing counter: raised on every lock acquisition,
//	                      never below the database clock in ms
//	lock_owner   VARCHAR  random id of the lock holder, NULL when free
//	lock_until   BIGINT   end of the holder's lease, database clock in ms
//	updated_ms   BIGINT   database clock of the last write
//
// and <table>_schema, the applied schema versions. Both are created on
// first use by versioned migrations that log what they do before they run
// (under a migration lock: pg_advisory_xact_lock in a transaction, or
// MySQL's GET_LOCK, so replicas starting together migrate once). A table
// whose schema is newer than this tcb knows is refused.
//
// Every step is one atomic statement, a transaction of its own, so no
// client ever holds a row lock across a network round trip (a paused
// process blocks nobody beyond its lease):
//
//   - Lock: UPDATE ... SET fence = GREATEST(fence + 1, now_ms), lock_owner =
//     me, lock_until = now_ms + lease WHERE appid = ? AND (lock_owner IS
//     NULL OR lock_until <= now_ms), returning the new fence (RETURNING on
//     PostgreSQL, LAST_INSERT_ID(expr) on MySQL). No row updated: another
//     holder's lease is running; poll. Leases are measured on the database
//     clock, so the replicas' clocks do not matter.
//   - Put / PutForceState: UPDATE ... WHERE appid = ? AND fence = my fence.
//     Any later acquisition raised the fence, so a holder that stalled past
//     its lease (and was replaced) writes nothing: ErrFenced.
//   - Release: clear the owner if it is still mine (compare-and-clear).
//
// Credentials come from the URL or the usual client variables (PG*, read by
// pgx as libpq does; MYSQL_PWD and friends, see NewMySQLStore); no error,
// log or description ever shows the password.
type SQLStore struct {
	db      *sql.DB
	d       *sqlDialect
	table   string
	desc    string   // the URL without its password
	secrets []string // never shown: scrubbed from driver messages
	timeout time.Duration
	poll    time.Duration
	log     atomic.Pointer[slog.Logger]
	q       sqlQueries

	schemaMu sync.Mutex
	schemaOK atomic.Bool

	lost lostLocks
}

// DefaultSQLTable is the default table name of the SQL stores.
const DefaultSQLTable = "tcb_tokens"

// sqlDialect is what differs between PostgreSQL and MySQL.
type sqlDialect struct {
	name   string // "postgres" or "mysql"
	nowMS  string // SQL expression: the database clock in ms since the epoch
	dollar bool   // $1 placeholders instead of ?
	// returning: the lock statement returns the fence (PostgreSQL);
	// otherwise it is read with LAST_INSERT_ID (MySQL).
	returning bool
	// insertRow inserts (appid) unless it exists; %s is the table.
	insertRow string
	// tableExists: one placeholder, the table name; returns one boolean-ish
	// number.
	tableExists string
	migrations  []sqlMigration
	// migrationLock runs fn while holding the database-wide migration lock
	// named key, on one connection or transaction.
	migrationLock func(ctx context.Context, db *sql.DB, key string, fn func(sqlExec) error) error
	// kind classifies a driver error.
	kind func(err error) errkind.Kind
}

// sqlExec is what *sql.Tx and *sql.Conn have in common.
type sqlExec interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlMigration is one schema version.
type sqlMigration struct {
	version int
	what    string   // logged before the statements run; %s is the table
	stmts   []string // %[1]s is the table
}

type sqlQueries struct {
	get, getForce, insertRow, lock, valid, release, releaseOwner, put, putForce, apps string
	schemaTable, schemaVersion, schemaInsert                                          string
}

// sqlStoreConfig is what the dialect constructors hand to newSQLStore.
type sqlStoreConfig struct {
	db      *sql.DB
	dialect *sqlDialect
	table   string
	desc    string
	secrets []string
	timeout time.Duration
	logger  *slog.Logger
}

func newSQLStore(c sqlStoreConfig) *SQLStore {
	s := &SQLStore{db: c.db, d: c.dialect, table: c.table, desc: c.desc, secrets: c.secrets,
		timeout: c.timeout, poll: 25 * time.Millisecond}
	if s.timeout <= 0 {
		s.timeout = 5 * time.Second
	}
	s.SetLogger(c.logger)
	c.db.SetMaxOpenConns(8)
	c.db.SetMaxIdleConns(4)
	c.db.SetConnMaxIdleTime(5 * time.Minute)
	c.db.SetConnMaxLifetime(30 * time.Minute)
	t, now := s.table, s.d.nowMS
	s.q = sqlQueries{
		get:          s.ph("SELECT record FROM " + t + " WHERE appid = ?"),
		getForce:     s.ph("SELECT force_state FROM " + t + " WHERE appid = ?"),
		insertRow:    s.ph(fmt.Sprintf(s.d.insertRow, t)),
		valid:        s.ph("SELECT COUNT(*) FROM " + t + " WHERE appid = ? AND lock_owner = ? AND fence = ? AND lock_until > " + now),
		release:      s.ph("UPDATE " + t + " SET lock_owner = NULL, lock_until = 0 WHERE appid = ? AND lock_owner = ? AND fence = ?"),
		releaseOwner: s.ph("UPDATE " + t + " SET lock_owner = NULL, lock_until = 0 WHERE appid = ? AND lock_owner = ?"),
		put:          s.ph("UPDATE " + t + " SET record = ?, updated_ms = " + now + " WHERE appid = ? AND fence = ?"),
		putForce:     s.ph("UPDATE " + t + " SET force_state = ?, updated_ms = " + now + " WHERE appid = ? AND fence = ?"),
		apps:         "SELECT appid FROM " + t + " WHERE record IS NOT NULL OR force_state IS NOT NULL ORDER BY appid",
		schemaTable: "CREATE TABLE IF NOT EXISTS " + t + "_schema (version INT NOT NULL PRIMARY KEY, " +
			"description VARCHAR(255) NOT NULL, applied_ms BIGINT NOT NULL)",
		schemaVersion: "SELECT COALESCE(MAX(version), 0) FROM " + t + "_schema",
		schemaInsert:  s.ph("INSERT INTO " + t + "_schema (version, description, applied_ms) VALUES (?, ?, " + now + ")"),
	}
	if s.d.returning {
		s.q.lock = s.ph("UPDATE " + t + " SET fence = GREATEST(fence + 1, " + now + "), lock_owner = ?, lock_until = " + now + " + ? " +
			"WHERE appid = ? AND (lock_owner IS NULL OR lock_until <= " + now + ") RETURNING fence")
	} else {
		s.q.lock = s.ph("UPDATE " + t + " SET fence = LAST_INSERT_ID(GREATEST(fence + 1, " + now + ")), lock_owner = ?, lock_until = " + now + " + ? " +
			"WHERE appid = ? AND (lock_owner IS NULL OR lock_until <= " + now + ")")
	}
	return s
}

// ph rewrites ? placeholders to $n for PostgreSQL (the queries above hold
// no other question mark).
func (s *SQLStore) ph(q string) string {
	if !s.d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// validSQLTable checks a table name: a lower-case identifier that needs no
// quoting in either database and leaves room for the _schema suffix.
func validSQLTable(name string) error {
	if name == "" || len(name) > 48 || ascii.Digit(name[0]) ||
		!ascii.Only(name, func(c byte) bool { return ascii.Lower(c) || ascii.Digit(c) || c == '_' }) {
		return fmt.Errorf("invalid table name %q: use lower-case letters, digits and '_' (at most 48, not starting with a digit)", name)
	}
	return nil
}

// Desc is the store's URL without its password.
func (s *SQLStore) Desc() string { return s.desc }

// Table is the store's table.
func (s *SQLStore) Table() string { return s.table }

// DB exposes the connection pool (tests and diagnostics).
func (s *SQLStore) DB() *sql.DB { return s.db }

// SetLogger sets where schema migrations and driver notices are logged
// (nil discards).
func (s *SQLStore) SetLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	s.log.Store(l)
}

// sqlError is a store failure: its message names the store without its
// password and never holds a driver message that could (they are
// scrubbed); its kind says whether the credentials were rejected.
type sqlError struct {
	kind errkind.Kind
	msg  string
	err  error
}

func (e *sqlError) Error() string           { return e.msg }
func (e *sqlError) Unwrap() error           { return e.err }
func (e *sqlError) ErrorKind() errkind.Kind { return e.kind }

// fail wraps a driver error of operation op.
func (s *SQLStore) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlError
	if errors.As(err, &se) || errors.Is(err, ErrFenced) || errors.Is(err, ErrNotFound) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("token: %s %s: %w", s.desc, op, err)
	}
	kind := s.d.kind(err)
	msg := fmt.Sprintf("token: %s %s: %s", s.desc, op, s.scrub(err.Error()))
	switch kind {
	case errkind.Auth:
		msg += " (check the user and password in the store URL or the client variables)"
	case errkind.NotFound:
		msg += " (create the database first, or name another in the store URL)"
	}
	return &sqlError{kind: kind, msg: msg, err: err}
}

// scrub removes the store's secrets from a driver message and keeps it on
// one line.
func (s *SQLStore) scrub(msg string) string {
	for _, sec := range s.secrets {
		if sec != "" {
			msg = strings.ReplaceAll(msg, sec, "xxxxx")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// corrupt is the error for a row this store cannot read.
func (s *SQLStore) corrupt(appid, column, why string) error {
	return &sqlError{kind: errkind.Failed, msg: fmt.Sprintf(
		"token: %s table %s, row %s: column %s is corrupt (%s); fix it, or delete the row to start over (DELETE FROM %s WHERE appid = '%s'): the next refresh stores a new token",
		s.desc, s.table, appid, column, why, s.table, appid)}
}

func (s *SQLStore) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// ready makes sure the schema is current, migrating it on first use.
func (s *SQLStore) ready(ctx context.Context) error {
	if s.schemaOK.Load() {
		return nil
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if s.schemaOK.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 6*s.timeout)
	defer cancel()
	v, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return s.fail("read schema version", err)
	}
	latest := s.d.migrations[len(s.d.migrations)-1].version
	if v > latest {
		return &sqlError{kind: errkind.Failed, msg: fmt.Sprintf(
			"token: %s table %s has schema version %d, newer than this tcb knows (%d): upgrade tcb", s.desc, s.table, v, latest)}
	}
	if v < latest {
		if err := s.migrate(ctx); err != nil {
			return err
		}
	}
	s.schemaOK.Store(true)
	return nil
}

// schemaVersion is the applied version, 0 when the schema table is
// missing.
func (s *SQLStore) schemaVersion(ctx context.Context, ex sqlExec) (int, error) {
	var exists int
	if err := ex.QueryRowContext(ctx, s.ph(s.d.tableExists), s.table+"_schema").Scan(&exists); err != nil {
		return 0, err
	}
	if exists == 0 {
		return 0, nil
	}
	var v int
	err := ex.QueryRowContext(ctx, s.q.schemaVersion).Scan(&v)
	return v, err
}

// SchemaVersion is the table's applied schema version, 0 when it does not
// exist yet.
func (s *SQLStore) SchemaVersion(ctx context.Context) (int, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	v, err := s.schemaVersion(ctx, s.db)
	return v, s.fail("read schema version", err)
}

// PendingMigrations lists the schema migrations the next use will apply,
// with what each does (for `tcb token store migrate --dry-run`).
func (s *SQLStore) PendingMigrations(ctx context.Context) ([]string, error) {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range s.d.migrations {
		if m.version > v {
			out = append(out, fmt.Sprintf("schema v%d: %s", m.version, fmt.Sprintf(m.what, s.table)))
		}
	}
	return out, nil
}

func (s *SQLStore) migrate(ctx context.Context) error {
	h := fnv.New64a()
	h.Write([]byte("tcb token store schema " + s.table))
	key := fmt.Sprintf("tcb:%s:%x", s.table, h.Sum64())
	err := s.d.migrationLock(ctx, s.db, key, func(ex sqlExec) error {
		if _, err := ex.ExecContext(ctx, s.q.schemaTable); err != nil {
			return err
		}
		v, err := s.schemaVersion(ctx, ex)
		if err != nil {
			return err
		}
		for _, m := range s.d.migrations {
			if m.version <= v {
				continue
			}
			what := fmt.Sprintf(m.what, s.table)
			s.log.Load().LogAttrs(ctx, slog.LevelWarn, "token store: applying schema migration",
				slog.String("store", s.desc), slog.Int("version", m.version), slog.String("what", what))
			for _, st := range m.stmts {
				if _, err := ex.ExecContext(ctx, fmt.Sprintf(st, s.table)); err != nil {
					return fmt.Errorf("schema v%d: %w", m.version, err)
				}
			}
			if _, err := ex.ExecContext(ctx, s.q.schemaInsert, m.version, clip(what, 255)); err != nil {
				return fmt.Errorf("schema v%d: %w", m.version, err)
			}
		}
		return nil
	})
	return s.fail("migrate schema", err)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Get implements Store.
func (s *SQLStore) Get(ctx context.Context, appid string) (*Record, error) {
	b, err := s.column(ctx, s.q.get, appid)
	if err != nil || b == nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, s.corrupt(appid, "record", "not a JSON token record: "+jsonWhy(err))
	}
	if r.Token == "" {
		return nil, ErrNotFound
	}
	if r.AppID != appid || r.ExpiresAt.IsZero() {
		return nil, s.corrupt(appid, "record", "the record names another app or has no expiry")
	}
	return &r, nil
}

// ForceState implements Store.
func (s *SQLStore) ForceState(ctx context.Context, appid string) (ForceState, error) {
	b, err := s.column(ctx, s.q.getForce, appid)
	if errors.Is(err, ErrNotFound) || (err == nil && b == nil) {
		return ForceState{}, nil
	}
	if err != nil {
		return ForceState{}, err
	}
	var st ForceState
	if err := json.Unmarshal(b, &st); err != nil {
		return ForceState{}, s.corrupt(appid, "force_state", "not JSON force-refresh bookkeeping: "+jsonWhy(err))
	}
	return st, nil
}

// jsonWhy describes a JSON error without quoting the data.
func jsonWhy(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	return "invalid JSON"
}

// column reads one nullable text column of an app's row: ErrNotFound
// without a row, nil for NULL.
func (s *SQLStore) column(ctx context.Context, q, appid string) ([]byte, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	var v sql.NullString
	err := s.db.QueryRowContext(ctx, q, appid).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read "+appid, err)
	}
	if !v.Valid {
		return nil, nil
	}
	return []byte(v.String), nil
}

// Lock implements Store: polls the conditional UPDATE until it takes the
// lock or ctx ends.
func (s *SQLStore) Lock(ctx context.Context, appid string, lease time.Duration) (Lease, error) {
	if err := ValidAppID(appid); err != nil {
		return nil, err
	}
	if lease < time.Millisecond {
		return nil, errors.New("token: lock lease must be positive")
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.dropLostLocks(ctx, appid)
	owner := uuid.NewString()
	for {
		fence, err := s.tryLock(ctx, appid, owner, lease)
		if err != nil {
			s.dropUnknownLock(ctx, appid, owner)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("token: %s lock %s: %w", s.desc, appid, context.Cause(ctx))
			}
			return nil, s.fail("lock "+appid, err)
		}
		if fence > 0 {
			return &sqlLease{s: s, appid: appid, owner: owner, fence: fence}, nil
		}
		d := s.poll/2 + rand.N(s.poll)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("token: %s lock %s: %w", s.desc, appid, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// dropUnknownLock releases the lock of owner if it was taken after all: a
// lock UPDATE whose answer was lost (the operation's deadline passed, the
// connection broke) may have committed, and nobody would then refresh
// until its lease ran out. The owner id is this attempt's alone, so the
// release can only undo that attempt. With its own deadline; when the
// database does not answer, the owner is kept for dropLostLocks.
func (s *SQLStore) dropUnknownLock(ctx context.Context, appid, owner string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.q.releaseOwner, appid, owner); err != nil {
		s.lost.add(appid, owner)
	}
}

// dropLostLocks releases the app's lost lock attempts, keeping those the
// database still does not answer for.
func (s *SQLStore) dropLostLocks(ctx context.Context, appid string) {
	for _, owner := range s.lost.take(appid) {
		s.dropUnknownLock(ctx, appid, owner)
	}
}

// tryLock returns the new fence, or 0 when another holder's lease runs.
func (s *SQLStore) tryLock(ctx context.Context, appid, owner string, lease time.Duration) (int64, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	for inserted := false; ; {
		fence, err := s.lockOnce(ctx, appid, owner, lease)
		if err != nil || fence > 0 || inserted {
			return fence, err
		}
		// No row updated: held by another, or no row yet.
		res, err := s.db.ExecContext(ctx, s.q.insertRow, appid)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, nil
		}
		inserted = true
	}
}

func (s *SQLStore) lockOnce(ctx context.Context, appid, owner string, lease time.Duration) (int64, error) {
	if s.d.returning {
		var fence int64
		err := s.db.QueryRowContext(ctx, s.q.lock, owner, lease.Milliseconds(), appid).Scan(&fence)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return fence, err
	}
	res, err := s.db.ExecContext(ctx, s.q.lock, owner, lease.Milliseconds(), appid)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, err
	}
	return res.LastInsertId()
}

type sqlLease struct {
	s     *SQLStore
	appid string
	owner string
	fence int64

	rel releaser
}

func (l *sqlLease) Fence() int64 { return l.fence }

func (l *sqlLease) Valid(ctx context.Context) bool {
	ctx, cancel := l.s.opCtx(ctx)
	defer cancel()
	var n int
	err := l.s.db.QueryRowContext(ctx, l.s.q.valid, l.appid, l.owner, l.fence).Scan(&n)
	return err == nil && n == 1
}

func (l *sqlLease) Release(ctx context.Context) error {
	err := l.rel.do(func() error {
		ctx, cancel := l.s.opCtx(ctx)
		defer cancel()
		_, err := l.s.db.ExecContext(ctx, l.s.q.release, l.appid, l.owner, l.fence)
		return err
	})
	return l.s.fail("unlock "+l.appid, err)
}

// write runs a fenced UPDATE of one column.
func (s *SQLStore) write(ctx context.Context, q, appid string, value []byte, l Lease) error {
	sl, ok := l.(*sqlLease)
	if !ok || sl.s != s || sl.appid != appid {
		return fmt.Errorf("token: write to %s needs a lock of this store for that app", appid)
	}
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx, q, string(value), appid, sl.fence)
	if err != nil {
		return s.fail("write "+appid, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail("write "+appid, err)
	}
	if n == 0 {
		return fmt.Errorf("token: write %s: a newer lock was granted: %w", appid, ErrFenced)
	}
	return nil
}

// Put implements Store.
func (s *SQLStore) Put(ctx context.Context, rec *Record, l Lease) error {
	if rec == nil || rec.AppID == "" {
		return errors.New("token: Put needs a record with an appid")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.write(ctx, s.q.put, rec.AppID, b, l)
}

// PutForceState implements Store.
func (s *SQLStore) PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.write(ctx, s.q.putForce, appid, b, l)
}

// AppIDs lists the apps with a stored token or force-refresh bookkeeping.
func (s *SQLStore) AppIDs(ctx context.Context) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.q.apps)
	if err != nil {
		return nil, s.fail("list apps", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.fail("list apps", err)
		}
		out = append(out, id)
	}
	return out, s.fail("list apps", rows.Err())
}

// Ping implements Store: the database answers and the schema is current.
func (s *SQLStore) Ping(ctx context.Context) error {
	pctx, cancel := s.opCtx(ctx)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		return s.fail("ping", err)
	}
	return s.ready(ctx)
}

// Close implements Store.
func (s *SQLStore) Close() error { return s.db.Close() }

// checkAuth connects once: rejected credentials or a missing database are
// reported at once (so a server with a wrong password exits instead of
// retrying forever); an unreachable database is not an error here, the
// store retries on use.
func (s *SQLStore) checkAuth(ctx context.Context) error {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	err := s.fail("connect", s.db.PingContext(ctx))
	if k, ok := errkind.Of(err); ok && (k == errkind.Auth || k == errkind.NotFound) {
		return err
	}
	if err != nil {
		s.log.Load().LogAttrs(ctx, slog.LevelWarn, "token store unreachable; retrying on use",
			slog.String("store", s.desc), slog.String("error", err.Error()))
	}
	return nil
}

// sqlURL is a parsed postgres:// or mysql:// store URL.
type sqlURL struct {
	u       *url.URL
	table   string
	desc    string
	secrets []string
}

// parseSQLURL splits tcb's own parameter (table) off a store URL. Errors
// never hold the password.
func parseSQLURL(raw, want string) (*sqlURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errkind.Errorf(errkind.Input, "token: invalid %s store URL %s", want, RedactStoreSpec(raw))
	}
	out := &sqlURL{u: u, table: DefaultSQLTable}
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			out.secrets = append(out.secrets, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if v := q.Get(k); v != "" {
			out.secrets = append(out.secrets, v, url.QueryEscape(v))
		}
	}
	if t, ok := q["table"]; ok {
		out.table = t[len(t)-1]
		q.Del("table")
		u.RawQuery = q.Encode()
	}
	out.desc = redactStoreURL(u)
	if err := validSQLTable(out.table); err != nil {
		return nil, errkind.Errorf(errkind.Input, "token: %s: %v", out.desc, err)
	}
	return out, nil
}

// RedactStoreSpec shows a store spec (a URL, a file path) without its
// passwords, whether or not it parses.
func RedactStoreSpec(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return redactURL(raw)
	}
	return redactStoreURL(u)
}

// redactStoreURL shows a URL without its password, password query
// parameters or other query values that may hold a secret.
func redactStoreURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") || strings.Contains(strings.ToLower(k), "secret") {
				q.Set(k, "xxxxx")
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}
