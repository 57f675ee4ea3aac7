package token

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/internal/testenv"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// The shared stores (PostgreSQL, MySQL/MariaDB, the env's own database,
// Redis behind Sentinel) on real servers: one contract every store meets,
// then what is particular to each (schema migrations, corrupt data,
// rejected credentials, restarts and failovers, a lock holder paused past
// its lease).

// storeBackend opens stores on one running server. Stores opened with the
// same namespace share their data, as replicas of the token server do;
// each namespace starts empty.
type storeBackend struct {
	name string
	open func(t testing.TB, ns string) Store
	// spec is the --store value of a namespace (for child processes), ""
	// when the backend cannot be opened from a spec alone.
	spec func(ns string) string
}

var stSeq atomic.Int64

// stNS is a fresh namespace: a valid table, collection and key prefix.
func stNS() string { return fmt.Sprintf("t%d_%d", os.Getpid()%100000, stSeq.Add(1)) }

func stCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func stRecord(appid, tok string, life time.Duration) *Record {
	now := time.Now().Truncate(time.Millisecond)
	return &Record{AppID: appid, Token: tok, ExpiresAt: now.Add(life), ObtainedAt: now, CheckedAt: now, Source: SourceStable}
}

func closeOnCleanup(t testing.TB, s Store) Store {
	t.Cleanup(func() { s.Close() })
	return s
}

func fileBackend(t testing.TB) storeBackend {
	base := t.TempDir()
	return storeBackend{name: "file", open: func(t testing.TB, ns string) Store {
		s, err := NewFileStore(filepath.Join(base, ns, "tokens.json"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}}
}

func redisBackend(t testing.TB, url string) storeBackend {
	return storeBackend{name: "redis", open: func(t testing.TB, ns string) Store {
		s, err := NewRedisStore(RedisOptions{URL: url, Prefix: ns + ":"})
		if err != nil {
			t.Fatal(err)
		}
		return closeOnCleanup(t, s)
	}}
}

func sentinelBackend(t testing.TB, url string) storeBackend {
	return storeBackend{name: "sentinel", open: func(t testing.TB, ns string) Store {
		s, err := NewRedisSentinelStore(RedisSentinelOptions{URL: url, Prefix: ns + ":"})
		if err != nil {
			t.Fatal(err)
		}
		return closeOnCleanup(t, s)
	}}
}

func sqlBackend(name, baseURL string) storeBackend {
	spec := func(ns string) string {
		sep := "?"
		if strings.Contains(baseURL, "?") {
			sep = "&"
		}
		return baseURL + sep + "table=" + ns
	}
	return storeBackend{name: name, spec: spec, open: func(t testing.TB, ns string) Store {
		var s *SQLStore
		var err error
		if name == "postgres" {
			s, err = NewPostgresStore(stCtx(t), SQLOptions{URL: spec(ns)})
		} else {
			s, err = NewMySQLStore(stCtx(t), SQLOptions{URL: spec(ns)})
		}
		if err != nil {
			t.Fatal(err)
		}
		return closeOnCleanup(t, s)
	}}
}

func tcbBackend(t testing.TB, e *emulatortest.Emulator, env string) storeBackend {
	return storeBackend{name: "tcb", spec: func(ns string) string { return "tcb://" + env + "/" + ns },
		open: func(t testing.TB, ns string) Store {
			s, err := NewTCBStore(TCBOptions{URL: "tcb://" + env + "/" + ns, API: e.Client})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}}
}

// runStoreContract checks what every Store promises.
func runStoreContract(t *testing.T, b storeBackend) {
	t.Run("empty", func(t *testing.T) {
		ctx := stCtx(t)
		s := b.open(t, stNS())
		if _, err := s.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get on an empty store: %v, want ErrNotFound", err)
		}
		if st, err := s.ForceState(ctx, testApp); err != nil || st != (ForceState{}) {
			t.Errorf("ForceState on an empty store: %+v %v", st, err)
		}
		if ids, err := s.(AppLister).AppIDs(ctx); err != nil || len(ids) != 0 {
			t.Errorf("AppIDs on an empty store: %v %v", ids, err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		ctx := stCtx(t)
		ns := stNS()
		s := b.open(t, ns)
		l, err := s.Lock(ctx, testApp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		rec := stRecord(testApp, "tok-round-trip-0123456789", time.Hour)
		fs := ForceState{Day: "2026-03-01", Count: 3, Last: time.Now().Truncate(time.Millisecond)}
		if err := s.Put(ctx, rec, l); err != nil {
			t.Fatal(err)
		}
		if err := s.PutForceState(ctx, testApp, fs, l); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		other := b.open(t, ns) // another replica's connection
		got, err := other.Get(ctx, testApp)
		if err != nil {
			t.Fatal(err)
		}
		if got.Token != rec.Token || !got.ExpiresAt.Equal(rec.ExpiresAt) || !got.ObtainedAt.Equal(rec.ObtainedAt) ||
			!got.CheckedAt.Equal(rec.CheckedAt) || got.Source != rec.Source || got.AppID != testApp {
			t.Errorf("read back %v, wrote %v", got, rec)
		}
		if st, err := other.ForceState(ctx, testApp); err != nil || st.Day != fs.Day || st.Count != fs.Count || !st.Last.Equal(fs.Last) {
			t.Errorf("force state read back %+v %v, wrote %+v", st, err, fs)
		}
		if ids, err := other.(AppLister).AppIDs(ctx); err != nil || len(ids) != 1 || ids[0] != testApp {
			t.Errorf("AppIDs: %v %v", ids, err)
		}
		if _, err := other.Get(ctx, testApp2); !errors.Is(err, ErrNotFound) {
			t.Errorf("another app: %v", err)
		}
	})

	t.Run("exclusive", func(t *testing.T) {
		ctx := stCtx(t)
		ns := stNS()
		const holders, rounds = 5, 4
		stores := make([]Store, holders)
		for i := range stores {
			stores[i] = b.open(t, ns)
		}
		var inside, maxInside, entered atomic.Int32
		var fences sync.Map
		var wg sync.WaitGroup
		for _, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					l, err := s.Lock(ctx, testApp, 20*time.Second)
					if err != nil {
						t.Error(err)
						return
					}
					if _, dup := fences.LoadOrStore(l.Fence(), true); dup {
						t.Errorf("fence %d handed out twice", l.Fence())
					}
					n := inside.Add(1)
					for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
					}
					entered.Add(1)
					if !l.Valid(ctx) {
						t.Error("a fresh lock is not valid")
					}
					_, _ = s.Get(ctx, testApp) // work inside the lock: a store round trip
					inside.Add(-1)
					if err := l.Release(ctx); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if maxInside.Load() != 1 || entered.Load() != holders*rounds {
			t.Errorf("holders at once: %d (want 1); entries %d (want %d)", maxInside.Load(), entered.Load(), holders*rounds)
		}
	})

	t.Run("lease and fencing", func(t *testing.T) {
		if b.name == "file" {
			t.Skip("a file lock has no lease: it dies with its process")
		}
		ctx := stCtx(t)
		ns := stNS()
		sa, sb := b.open(t, ns), b.open(t, ns)
		// A stalls past its lease without releasing.
		a, err := sa.Lock(ctx, testApp, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		bl, err := sb.Lock(ctx, testApp, 20*time.Second) // waits for A's lease to run out
		if err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < 150*time.Millisecond {
			t.Errorf("B got the lock after %v, before A's 300 ms lease ran out", waited)
		}
		if bl.Fence() <= a.Fence() {
			t.Fatalf("fences not increasing: A %d, B %d", a.Fence(), bl.Fence())
		}
		if a.Valid(ctx) || !bl.Valid(ctx) {
			t.Fatalf("validity: A %v (want false), B %v (want true)", a.Valid(ctx), bl.Valid(ctx))
		}
		if err := sa.Put(ctx, stRecord(testApp, "tok-stale-A", time.Hour), a); !errors.Is(err, ErrFenced) {
			t.Errorf("stale A's write while B holds the lock: %v, want ErrFenced", err)
		}
		if err := sb.Put(ctx, stRecord(testApp, "tok-B", time.Hour), bl); err != nil {
			t.Fatalf("B's write: %v", err)
		}
		_ = a.Release(ctx) // must not drop B's lock
		if !bl.Valid(ctx) {
			t.Fatal("A's release removed B's lock")
		}
		_ = bl.Release(ctx)
		// The lock is free, and B (a newer fence) wrote: A is still refused.
		if err := sa.Put(ctx, stRecord(testApp, "tok-late-A", time.Hour), a); !errors.Is(err, ErrFenced) {
			t.Errorf("late stale write: %v, want ErrFenced", err)
		}
		if err := sa.PutForceState(ctx, testApp, ForceState{Day: "x", Count: 9}, a); !errors.Is(err, ErrFenced) {
			t.Errorf("stale force-state write: %v, want ErrFenced", err)
		}
		if got, err := sa.Get(ctx, testApp); err != nil || got.Token != "tok-B" {
			t.Errorf("stored %v %v, want B's token", got, err)
		}
		// A lease of another store or app is refused.
		c, err := sb.Lock(ctx, testApp2, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release(ctx)
		if err := sb.Put(ctx, stRecord(testApp, "tok-wrong-app", time.Hour), c); err == nil || errors.Is(err, ErrFenced) {
			t.Errorf("a lease of another app: %v", err)
		}
	})

	t.Run("replicas share one refresher", func(t *testing.T) {
		ctx := stCtx(t)
		ns := stNS()
		clock := emulatortest.FrozenClock(time.Now().Truncate(time.Second))
		wx := wxapi.New(wxapi.Options{Apps: map[string]string{testApp: testSecret},
			LegacyDailyQuota: -1, StableDailyQuota: -1, StableMinuteQuota: -1})
		up := emulatortest.Start(t, emulatortest.Options{Clock: clock}, wx)
		fetches := func() int64 { return wx.State().(wxapi.State).Apps[testApp].Fetches.StableToken }
		fetcher := &WeChatFetcher{Client: &wechat.Client{BaseURL: up.Endpoint(), Retry: wechat.RetryPolicy{Attempts: 1}, Now: clock.Now},
			Secrets: SecretMap{testApp: testSecret}, Mode: ModeStable}
		var ms []*Manager
		for range 2 {
			m, err := NewManager(ManagerOptions{Store: b.open(t, ns), Fetcher: fetcher, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		var wg sync.WaitGroup
		toks := make([]string, 16)
		for i := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := ms[i%2].Get(ctx, testApp)
				if err != nil {
					t.Error(err)
					return
				}
				toks[i] = r.Token
			}()
		}
		wg.Wait()
		for _, tok := range toks[1:] {
			if tok != toks[0] {
				t.Fatal("replicas handed out different tokens")
			}
		}
		if n := fetches(); n != 1 {
			t.Errorf("16 concurrent Gets on 2 replicas: %d upstream fetches, want 1", n)
		}
		// Compare-and-refresh: a storm of reports of the current token
		// makes one fetch; a report of an old token makes none.
		clock.Advance(5 * time.Second)
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stale := toks[0]
				if i%4 == 0 {
					stale = "an-old-token-0123456789"
				}
				if _, err := ms[i%2].Refresh(ctx, testApp, stale); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := fetches(); n != 2 {
			t.Errorf("12 concurrent reports on 2 replicas: %d fetches in all, want 2", n)
		}
		// The force-refresh budget is shared: the second replica's forced
		// refresh right after the first one's is refused.
		if _, err := ms[0].ForceRefresh(ctx, testApp); err != nil {
			t.Fatal(err)
		}
		var fl *ForceLimitError
		if _, err := ms[1].ForceRefresh(ctx, testApp); !errors.As(err, &fl) || fl.Daily {
			t.Errorf("a forced refresh on the other replica 0 s later: %v, want the 30 s spacing refusal", err)
		}
		if st, err := ms[1].Store().ForceState(ctx, testApp); err != nil || st.Count != 1 {
			t.Errorf("shared force count %+v %v, want 1", st, err)
		}
	})

	t.Run("migrate", func(t *testing.T) {
		ctx := stCtx(t)
		src := b.open(t, stNS())
		dst := fileBackend(t).open(t, "dst")
		l, err := src.Lock(ctx, testApp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		rec := stRecord(testApp, "tok-to-move-0123456789", time.Hour)
		fs := ForceState{Day: "2026-03-01", Count: 4, Last: time.Now().Truncate(time.Millisecond)}
		if err := src.Put(ctx, rec, l); err != nil {
			t.Fatal(err)
		}
		if err := src.PutForceState(ctx, testApp, fs, l); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)

		res, err := MigrateApp(ctx, src, dst, testApp, MigrateOptions{DryRun: true})
		if err != nil || res.Token != MigrateWouldAdd || res.Force != MigrateWouldAdd {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if _, err := dst.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a dry run wrote: %v", err)
		}
		res, err = MigrateApp(ctx, src, dst, testApp, MigrateOptions{})
		if err != nil || res.Token != MigrateCopied || res.Force != MigrateCopied || !res.ExpiresAt.Equal(rec.ExpiresAt) {
			t.Fatalf("migrate: %+v %v", res, err)
		}
		got, err := dst.Get(ctx, testApp)
		if err != nil || got.Token != rec.Token || !got.ExpiresAt.Equal(rec.ExpiresAt) {
			t.Fatalf("destination holds %v %v", got, err)
		}
		if st, _ := dst.ForceState(ctx, testApp); st.Count != 4 || st.Day != fs.Day {
			t.Errorf("destination force state %+v", st)
		}
		if res, err := MigrateApp(ctx, src, dst, testApp, MigrateOptions{}); err != nil || res.Token != MigrateSame || res.Force != MigrateSame {
			t.Errorf("second migrate: %+v %v", res, err)
		}
		// And back into a new namespace of this store.
		back := b.open(t, stNS())
		if res, err := MigrateApp(ctx, dst, back, testApp, MigrateOptions{}); err != nil || res.Token != MigrateCopied {
			t.Fatalf("migrate back: %+v %v", res, err)
		}
		if got, err := back.Get(ctx, testApp); err != nil || got.Token != rec.Token {
			t.Fatalf("migrated back %v %v", got, err)
		}
		// A newer token in the destination is kept.
		l, err = dst.Lock(ctx, testApp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		newer := stRecord(testApp, "tok-newer-0123456789", 2*time.Hour)
		newer.ObtainedAt = newer.ObtainedAt.Add(time.Minute)
		if err := dst.Put(ctx, newer, l); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)
		if res, err := MigrateApp(ctx, src, dst, testApp, MigrateOptions{}); err != nil || res.Token != MigrateKept {
			t.Errorf("migrate over a newer token: %+v %v", res, err)
		}
		if got, _ := dst.Get(ctx, testApp); got.Token != newer.Token {
			t.Error("the newer token was overwritten")
		}
	})
}

func TestStoreContractFileAndRedis(t *testing.T) {
	url, _ := testenv.StartRedis(t)
	for _, b := range []storeBackend{fileBackend(t), redisBackend(t, url)} {
		t.Run(b.name, func(t *testing.T) { runStoreContract(t, b) })
	}
}

func TestPostgresStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	pg := testenv.StartPostgres(t)
	b := sqlBackend("postgres", pg.URL)
	runStoreContract(t, b)
	t.Run("schema", func(t *testing.T) { testSQLSchema(t, b) })
	t.Run("corrupt row", func(t *testing.T) { testSQLCorrupt(t, b) })
	t.Run("wrong password", func(t *testing.T) {
		testWrongPassword(t, strings.Replace(pg.URL, pg.Password, "wrong-"+pg.Password, 1), pg.Password)
	})
	t.Run("paused holder", func(t *testing.T) { testPausedHolder(t, b, nil) })
	t.Run("restart", func(t *testing.T) { testSQLRestart(t, b, pg.Restart) })
	t.Run("lost lock in an outage", func(t *testing.T) { testSQLLostLock(t, b, pg.Stop, pg.Start) })
}

func TestMySQLStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a MariaDB server")
	}
	my := testenv.StartMariaDB(t)
	b := sqlBackend("mysql", my.URL)
	runStoreContract(t, b)
	t.Run("schema", func(t *testing.T) { testSQLSchema(t, b) })
	t.Run("corrupt row", func(t *testing.T) { testSQLCorrupt(t, b) })
	t.Run("wrong password", func(t *testing.T) {
		testWrongPassword(t, strings.Replace(my.URL, my.Password, "wrong-"+my.Password, 1), my.Password)
	})
	t.Run("paused holder", func(t *testing.T) { testPausedHolder(t, b, nil) })
	t.Run("restart", func(t *testing.T) { testSQLRestart(t, b, my.Restart) })
	t.Run("lost lock in an outage", func(t *testing.T) { testSQLLostLock(t, b, my.Stop, my.Start) })
}

// testSQLSchema: the table is created on first use by a logged, versioned
// migration, once however many replicas start together; a newer schema is
// refused.
func testSQLSchema(t *testing.T, b storeBackend) {
	ctx := stCtx(t)
	ns := stNS()
	logs := &syncBuffer{}
	var s *SQLStore
	var err error
	o := SQLOptions{URL: b.spec(ns), Logger: debugLogger(logs)}
	if b.name == "postgres" {
		s, err = NewPostgresStore(ctx, o)
	} else {
		s, err = NewMySQLStore(ctx, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending, err := s.PendingMigrations(ctx)
	if err != nil || len(pending) != 1 || !strings.Contains(pending[0], "create table "+ns) {
		t.Fatalf("pending migrations of a new table: %q %v", pending, err)
	}
	// Four replicas start at once.
	var wg sync.WaitGroup
	for range 4 {
		r := b.open(t, ns)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
				t.Errorf("first use: %v", err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "applying schema migration") {
		t.Error("a store migrated a table another replica had migrated")
	}
	if p, err := s.PendingMigrations(ctx); err != nil || len(p) != 0 {
		t.Errorf("pending after first use: %q %v", p, err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ns+"_schema").Scan(&n); err != nil || n != 1 {
		t.Errorf("schema versions recorded: %d %v, want 1", n, err)
	}
	// The migration says what it does.
	fresh := stNS()
	o.URL = b.spec(fresh)
	var s2 *SQLStore
	if b.name == "postgres" {
		s2, err = NewPostgresStore(ctx, o)
	} else {
		s2, err = NewMySQLStore(ctx, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "applying schema migration") || !strings.Contains(l, "create table "+fresh) {
		t.Errorf("migration not logged: %s", l)
	}
	// A table from a newer tcb is refused.
	if _, err := s.DB().ExecContext(ctx, s.ph("INSERT INTO "+ns+"_schema (version, description, applied_ms) VALUES (99, 'future', 0)")); err != nil {
		t.Fatal(err)
	}
	newer := b.open(t, ns)
	if _, err := newer.Get(ctx, testApp); err == nil || !strings.Contains(err.Error(), "upgrade tcb") {
		t.Errorf("a newer schema: %v", err)
	}
}

// testSQLCorrupt: a row that is not a token record gives an error that
// says which row, why, and how to recover, with no token in it.
func testSQLCorrupt(t *testing.T, b storeBackend) {
	ctx := stCtx(t)
	ns := stNS()
	s := b.open(t, ns).(*SQLStore)
	l, err := s.Lock(ctx, testApp, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, stRecord(testApp, "tok-corrupt-0123456789", time.Hour), l); err != nil {
		t.Fatal(err)
	}
	_ = l.Release(ctx)
	for _, bad := range []string{`{"appid":"` + testApp + `","access_token":"tok-corrupt-0123456789","expires_at":`, `{"access_token":42}`, `{"appid":"wxother","access_token":"x","expires_at":"2030-01-01T00:00:00Z"}`} {
		if _, err := s.DB().ExecContext(ctx, s.ph("UPDATE "+ns+" SET record = ?, force_state = ? WHERE appid = ?"), bad, "[", testApp); err != nil {
			t.Fatal(err)
		}
		_, err := s.Get(ctx, testApp)
		if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), "row "+testApp) ||
			!strings.Contains(err.Error(), "DELETE FROM "+ns) || strings.Contains(err.Error(), "tok-corrupt") {
			t.Errorf("record %q: %v", bad, err)
		}
		if k, _ := errkind.Of(err); k != errkind.Failed {
			t.Errorf("kind %v", k)
		}
		t.Log(err)
		if _, err := s.ForceState(ctx, testApp); err == nil || !strings.Contains(err.Error(), "force_state") {
			t.Errorf("corrupt force state: %v", err)
		}
	}
	// Deleting the row, as the message says, recovers.
	if _, err := s.DB().ExecContext(ctx, s.ph("DELETE FROM "+ns+" WHERE appid = ?"), testApp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
		t.Errorf("after the delete: %v", err)
	}
}

// testWrongPassword: rejected credentials are an auth error at open, and
// no message holds the password (right or wrong).
func testWrongPassword(t *testing.T, badURL, goodPassword string) {
	ctx := stCtx(t)
	_, info, err := OpenURLStore(ctx, badURL, OpenOptions{})
	if err == nil {
		t.Fatal("opened with a wrong password")
	}
	if k, _ := errkind.Of(err); k != errkind.Auth {
		t.Errorf("kind %v, want auth: %v", k, err)
	}
	t.Logf("%s: %v", info.Desc, err)
	msg := err.Error() + " " + info.Desc
	if strings.Contains(msg, goodPassword) || !strings.Contains(msg, "xxxxx") {
		t.Errorf("password not masked: %s", msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("multi-line message: %q", msg)
	}
}

// testSQLRestart: the store recovers by itself after the database
// restarts, and a lease taken before the restart still holds after it.
func testSQLRestart(t *testing.T, b storeBackend, restart func() error) {
	ctx := stCtx(t)
	ns := stNS()
	s := b.open(t, ns)
	l, err := s.Lock(ctx, testApp, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, stRecord(testApp, "tok-before-restart", time.Hour), l); err != nil {
		t.Fatal(err)
	}
	if err := restart(); err != nil {
		t.Fatal(err)
	}
	emulatortest.Eventually(t, func() bool {
		got, err := s.Get(ctx, testApp)
		return err == nil && got.Token == "tok-before-restart"
	}, "reading the token after the restart")
	if !l.Valid(ctx) {
		t.Error("the lease did not survive the restart")
	}
	if err := s.Put(ctx, stRecord(testApp, "tok-after-restart", time.Hour), l); err != nil {
		t.Errorf("write after the restart: %v", err)
	}
	_ = l.Release(ctx)
}

// testSQLLostLock: a lock attempt whose answer was lost may have taken
// the lock; when the database is down its release fails too. The store
// keeps the attempt and releases it before the next lock, so the lock is
// free as soon as the database is back, not when the (hour-long) lease
// runs out.
func testSQLLostLock(t *testing.T, b storeBackend, stop func(), start func() error) {
	ctx := stCtx(t)
	s := b.open(t, stNS()).(*SQLStore)
	if err := s.ready(ctx); err != nil {
		t.Fatal(err)
	}
	// The attempt's UPDATE committed; its answer never arrived.
	if fence, err := s.tryLock(ctx, testApp, "lost-attempt", time.Hour); err != nil || fence == 0 {
		t.Fatalf("lock: fence %d, %v", fence, err)
	}
	stop()
	s.dropUnknownLock(ctx, testApp, "lost-attempt") // the database is down: kept
	if err := start(); err != nil {
		t.Fatal(err)
	}
	var l Lease
	emulatortest.Eventually(t, func() bool {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var err error
		l, err = s.Lock(lctx, testApp, 30*time.Second)
		return err == nil
	}, "the lock, once the database is back")
	_ = l.Release(ctx)
}

func TestTCBStore(t *testing.T) {
	e := emulatortest.Start(t, emulatortest.Options{}, docdb.New(docdb.Options{}))
	env := e.NewEnv("tokens")
	b := tcbBackend(t, e, env)
	runStoreContract(t, b)

	t.Run("corrupt document", func(t *testing.T) {
		ctx := stCtx(t)
		ns := stNS()
		s := b.open(t, ns).(*TCBStore)
		l, err := s.Lock(ctx, testApp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, stRecord(testApp, "tok-corrupt-0123456789", time.Hour), l); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)
		if _, err := s.update(ctx, "corrupt", map[string]any{"_id": testApp}, map[string]any{"$set": map[string]any{"expires_at": "soon"}}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(ctx, testApp)
		if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), testApp) ||
			strings.Contains(err.Error(), "tok-corrupt") {
			t.Errorf("corrupt document: %v", err)
		}
	})
	t.Run("collection created on first use", func(t *testing.T) {
		ctx := stCtx(t)
		logs := &syncBuffer{}
		ns := stNS()
		s, err := NewTCBStore(TCBOptions{URL: "tcb://" + env + "/" + ns, API: e.Client, Logger: debugLogger(logs)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, testApp); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "creating the collection") {
			t.Errorf("not logged: %s", logs)
		}
	})
	t.Run("unknown environment", func(t *testing.T) {
		s, err := NewTCBStore(TCBOptions{URL: "tcb://no-such-env/tokens", API: e.Client})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(stCtx(t), testApp)
		if k, _ := errkind.Of(err); k != errkind.NotFound || !strings.Contains(err.Error(), "tcb://no-such-env/tokens") {
			t.Errorf("unknown env: %v (kind %v)", err, k)
		}
	})
	t.Run("paused holder", func(t *testing.T) {
		testPausedHolder(t, b, []string{storeChildEnv + "_EMULATOR=" + e.Endpoint()})
	})
}

func TestSentinelStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis with three Sentinels")
	}
	ss := testenv.StartSentinel(t)
	b := sentinelBackend(t, ss.URL)
	runStoreContract(t, b)
	t.Run("failover", func(t *testing.T) {
		ctx := stCtx(t)
		s := b.open(t, stNS())
		l, err := s.Lock(ctx, testApp, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, stRecord(testApp, "tok-before-failover", time.Hour), l); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)
		before, _ := ss.Master(ctx)
		after, err := ss.Failover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("master %s -> %s", before, after)
		// The write may have replicated or not (asynchronous replication);
		// the store works again, and later fences still outrank earlier ones.
		var l2 Lease
		emulatortest.Eventually(t, func() bool {
			lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			l2, err = s.Lock(lctx, testApp, 5*time.Second)
			return err == nil
		}, "locking after the failover")
		if l2.Fence() <= l.Fence() {
			t.Errorf("fence after the failover %d <= before %d", l2.Fence(), l.Fence())
		}
		if err := s.Put(ctx, stRecord(testApp, "tok-after-failover", time.Hour), l2); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, testApp); err != nil || got.Token != "tok-after-failover" {
			t.Errorf("after the failover: %v %v", got, err)
		}
	})
}

// storeChildEnv holds the store spec of testPausedHolder's child process
// (and, with suffixes, its Redis key prefix and emulator endpoint).
const storeChildEnv = "TCB_TOKEN_STORE_CHILD_SPEC"

func TestStoreURLs(t *testing.T) {
	ctx := context.Background()
	const pw = "hunter2secret"
	bad := []string{
		"postgres://u:" + pw + "@127.0.0.1:1/db?table=Bad-Name",
		"postgres://u:" + pw + "@127.0.0.1:1/db?sslmode=nonsense",
		"mysql://u:" + pw + "@127.0.0.1:1/db?table=1x",
		"mysql://u:" + pw + "@127.0.0.1:1/db?unknown=1",
		"mysql://u:" + pw + "@127.0.0.1:1/",
		"mysql://:" + pw + "@127.0.0.1:1/db",
		"mysql://u:" + pw + "@127.0.0.1:1/db?tls=maybe",
		"redis+sentinel://:" + pw + "@/master",
		"redis+sentinel://:" + pw + "@127.0.0.1:26379",
		"redis+sentinel://:" + pw + "@127.0.0.1:26379/m/notadb",
		"redis+sentinel://127.0.0.1:26379/m?sentinel_password=" + pw + "&bogus=1",
		"rediss+sentinel://:" + pw + "@127.0.0.1:26379/m/0/1",
		"tcb://env-1",
		"tcb://env-1/coll/extra",
		"tcb://u:" + pw + "@env-1/coll",
		"tcb://env 1/coll",
		"ftp://u:" + pw + "@host/x",
	}
	for _, spec := range bad {
		_, info, err := OpenURLStore(ctx, spec, OpenOptions{CloudAPI: func() (TCBDocAPI, error) { return nil, errors.New("no") }})
		if err == nil {
			t.Errorf("%s: accepted", spec)
			continue
		}
		if k, _ := errkind.Of(err); k != errkind.Input {
			t.Errorf("%s: kind %v (%v), want input", spec, k, err)
		}
		if strings.Contains(err.Error()+info.Desc, pw) {
			t.Errorf("%s: the password shows: %v / %s", spec, err, info.Desc)
		}
	}
	good := []struct{ spec, kind string }{
		{"postgresql://u@h/db", StoreKindPostgres},
		{"MySQL://u@h/db", StoreKindMySQL},
		{"tcb://env-1/tcb_tokens", StoreKindTCB},
		{"rediss+sentinel://h1:1,h2:2/m/3?addr=[::1]:26379", StoreKindRedis},
		{"redis://h/0", ""},
		{"file:/x", ""},
	}
	for _, g := range good {
		if k := URLStoreKind(g.spec); k != g.kind {
			t.Errorf("%s: kind %q, want %q", g.spec, k, g.kind)
		}
	}
	fo, err := parseSentinelURL("redis+sentinel://user:" + pw + "@h1:1,h2:2/mymaster/3?addr=[::1]:26379&sentinel_password=sp")
	if err != nil || fo.MasterName != "mymaster" || fo.DB != 3 || len(fo.SentinelAddrs) != 3 || fo.Password != pw ||
		fo.Username != "user" || fo.SentinelPassword != "sp" {
		t.Errorf("sentinel options %+v %v", fo, err)
	}
	if d := RedactStoreSpec("redis+sentinel://:" + pw + "@h1:1,h2:2/m?sentinel_password=" + pw); strings.Contains(d, pw) {
		t.Errorf("redacted: %s", d)
	}
	if d := RedactStoreSpec("postgres://u:" + pw + "@h/db?password=" + pw + "&sslmode=require"); strings.Contains(d, pw) || !strings.Contains(d, "sslmode=require") {
		t.Errorf("redacted: %s", d)
	}
	// The MySQL client variables fill what the URL leaves out.
	env := map[string]string{"MYSQL_PWD": pw, "MYSQL_HOST": "127.0.0.1", "MYSQL_TCP_PORT": "1"}
	ms, err := NewMySQLStore(ctx, SQLOptions{URL: "mysql://tcb@/db", Getenv: func(k string) string { return env[k] }, Timeout: time.Second})
	if err != nil {
		t.Fatalf("unreachable server with the password from MYSQL_PWD: %v (open must not fail)", err)
	}
	defer ms.Close()
	if _, err := ms.Get(ctx, testApp); err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("unreachable: %v", err)
	} else if k, _ := errkind.Of(err); k != errkind.Remote {
		t.Errorf("unreachable: kind %v", k)
	}
}
