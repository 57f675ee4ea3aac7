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

	"github.com/tcb-go/tcb/internal/testenv"
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

// newFake starts the token double with testApp (and testApp2) registered.
func newFake(t testing.TB, o testenv.WxTokenOptions) *testenv.WxToken {
	t.Helper()
	f := testenv.NewWxToken(t, o)
	f.AddApp(testApp, testSecret)
	f.AddApp(testApp2, testSecret+"2")
	return f
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

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{now: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
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
