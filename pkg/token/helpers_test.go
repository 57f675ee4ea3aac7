package token

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/internal/testenv"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

const (
	testApp    = "wx0123456789abcdef"
	testApp2   = "wxfedcba9876543210"
	testSecret = "app-secret-0123456789-abcdef"
	testKey    = "server-key-0123456789-abcdef"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// upstream is WeChat for these tests: an in-process emulator with the
// WeChat token module (pkg/emulator/wxapi), testApp and testApp2
// registered, daily quotas off.
type upstream struct {
	*emulatortest.Emulator
	wx   *wxapi.Module
	URL  string
	opts upstreamOptions
}

// upstreamOptions: zero values mean WeChat's real numbers.
type upstreamOptions struct {
	TTL     time.Duration
	Overlap time.Duration // legacy overlap and stable pre-rotation window
	// Clock is WeChat's clock (nil: the real time).
	Clock *emulatortest.Clock
	// Latency is added to every token call.
	Latency time.Duration
	// App2Secret is testApp2's secret upstream ("" = the fetcher's).
	App2Secret string
	// Database adds the database module (/tcb/database*: business calls).
	Database bool
	// Listen and DataDir restart an upstream in place.
	Listen, DataDir string
}

func newUpstream(t testing.TB, o upstreamOptions) *upstream {
	t.Helper()
	secret2 := o.App2Secret
	if secret2 == "" {
		secret2 = testSecret + "2"
	}
	wx := wxapi.New(wxapi.Options{
		Apps: map[string]string{testApp: testSecret, testApp2: secret2},
		TTL:  o.TTL, Overlap: o.Overlap, LegacyDailyQuota: -1, StableDailyQuota: -1, StableMinuteQuota: -1,
	})
	modules := []emulator.Module{wx}
	if o.Database {
		modules = append(modules, docdb.New(docdb.Options{Tokens: wx}))
	}
	e := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{Listen: o.Listen, DataDir: o.DataDir}, Clock: o.Clock}, modules...)
	u := &upstream{Emulator: e, wx: wx, URL: e.Endpoint(), opts: o}
	if o.Latency > 0 {
		e.Faults(faults.Rule{Action: "*", Count: 1_000_000, Latency: faults.Duration(o.Latency)})
	}
	return u
}

// restart stops the upstream and starts a new one on the same address and
// clock with testApp2's secret set to secret2 ("" = the fetcher's): the
// app's secret was reset on the WeChat side.
func (u *upstream) restart(t testing.TB, secret2 string) *upstream {
	t.Helper()
	u.Stop()
	o := u.opts
	o.Listen, o.Clock, o.App2Secret = u.Addr(), u.Clock, secret2
	return newUpstream(t, o)
}

// upstreamStats counts the token calls WeChat answered.
type upstreamStats struct {
	Legacy, Stable int64 // answers carrying a token
	Errors         int64 // errcode answers (injected ones included)
	ForcedToday    int   // forced refreshes of testApp today (China time)
}

func (u *upstream) Stats() upstreamStats {
	st := u.wx.State().(wxapi.State)
	var s upstreamStats
	for _, a := range st.Apps {
		s.Legacy += a.Fetches.Token
		s.Stable += a.Fetches.StableToken
	}
	for _, n := range st.Errors {
		s.Errors += n
	}
	s.ForcedToday = st.Apps[testApp].ForceRefreshToday
	return s
}

// Valid reports whether WeChat accepts tok now.
func (u *upstream) Valid(tok string) bool { return u.wx.Check(tok).Valid }

// FailNext makes the next n token calls answer errcode code.
func (u *upstream) FailNext(n, code int) {
	u.Faults(faults.Rule{Action: "*", Count: n, Errcode: code})
}

func newFetcher(url string, mode Mode) *WeChatFetcher {
	return &WeChatFetcher{
		Client:  &wechat.Client{BaseURL: url, Retry: wechat.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}},
		Secrets: SecretMap{testApp: testSecret, testApp2: testSecret + "2"},
		Mode:    mode,
	}
}

func newFileStore(t testing.TB) *FileStore {
	t.Helper()
	s, err := NewFileStore(filepath.Join(t.TempDir(), "cfg", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	sharedRedisOnce sync.Once
	sharedRedisURL  string
)

// newRedisStore returns a store on a per-test key prefix of a real Redis
// (one redis-server per test binary unless own is set).
func newRedisStore(t testing.TB) *RedisStore {
	t.Helper()
	sharedRedisOnce.Do(func() {
		// A process-wide server: started under the first test, but stopped
		// only when the binary exits (Pdeathsig), so later tests can use it.
		sharedRedisURL = startDetachedRedis(t)
	})
	return redisStoreAt(t, sharedRedisURL)
}

func redisStoreAt(t testing.TB, url string) *RedisStore {
	t.Helper()
	s, err := NewRedisStore(RedisOptions{URL: url, Prefix: "test:" + t.Name() + ":" + time.Now().Format("150405.000000") + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startDetachedRedis starts a redis-server that outlives the calling test.
func startDetachedRedis(t testing.TB) string {
	dt := &detachedTB{TB: t}
	url, _ := testenv.StartRedis(dt)
	return url
}

// detachedTB drops Cleanup registrations so the server lives until exit.
type detachedTB struct{ testing.TB }

func (d *detachedTB) Cleanup(func()) {}
func (d *detachedTB) TempDir() string {
	dir, err := os.MkdirTemp("", "tcb-redis-")
	if err != nil {
		d.TB.Fatal(err)
	}
	return dir
}

type storeKind struct {
	name string
	new  func(t testing.TB) Store
}

var storeKinds = []storeKind{
	{"file", func(t testing.TB) Store { return newFileStore(t) }},
	{"redis", func(t testing.TB) Store { return newRedisStore(t) }},
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustManager(t testing.TB, o ManagerOptions) *Manager {
	t.Helper()
	m, err := NewManager(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
