package token

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/testenv"
)

// replica is one token server process sharing the Redis store.
type replica struct {
	srv    *Server
	url    string
	alive  atomic.Bool
	cancel context.CancelFunc
	done   chan error
}

// startReplica starts a Server on a loopback port with its own Manager and
// Redis connection pool, as a separate process would.
func startReplica(t *testing.T, redisURL, prefix string, fetcher Fetcher, mo ManagerOptions, so ServerOptions, log *syncBuffer) *replica {
	t.Helper()
	store, err := NewRedisStore(RedisOptions{URL: redisURL, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	mo.Store, mo.Fetcher, mo.Logger = store, fetcher, debugLogger(log)
	m := mustManager(t, mo)
	so.Manager, so.Logger, so.Apps, so.Keys = m, debugLogger(log), []string{testApp}, []string{testKey}
	srv, err := NewServer(so)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{srv: srv, url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	r.alive.Store(true)
	go func() { r.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// TestReplicasShareOneRefresher: three servers share one real Redis; 50
// clients read tokens for several seconds while tokens live 2 s (margin
// 1 s). Every served token is valid upstream at serve time, the upstream
// sees one fetch per refresh window (not one per replica), no client ever
// gets an error, and killing a replica midway changes nothing.
func TestReplicasShareOneRefresher(t *testing.T) {
	redisURL, _ := testenv.StartRedis(t)
	const (
		ttl      = 2 * time.Second
		margin   = 1 * time.Second
		runFor   = 6 * time.Second
		clients  = 50
		replicas = 3
	)
	// Legacy mode: each fetch mints a new token (and cuts the previous
	// one's life to the overlap), so duplicate fetches would show.
	fake := newUpstream(t, upstreamOptions{TTL: ttl, Overlap: 1500 * time.Millisecond})
	logs := &syncBuffer{}
	mo := ManagerOptions{Margin: margin, FetchTimeout: 500 * time.Millisecond, LockLease: 2 * time.Second}
	so := ServerOptions{Poll: 100 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond}
	var reps []*replica
	for i := 0; i < replicas; i++ {
		reps = append(reps, startReplica(t, redisURL, "replicas:", newFetcher(fake.URL, ModeLegacy), mo, so, logs))
	}

	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		served, invalid, failed atomic.Int64
		rerouted                atomic.Int64
		distinct                sync.Map
		wg                      sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(runFor)
	// The clients together send at most one request every 200 µs.
	pace := time.NewTicker(200 * time.Microsecond)
	defer pace.Stop()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				<-pace.C
				r := reps[rand.N(len(reps))]
				if !r.alive.Load() {
					continue
				}
				req, _ := http.NewRequest("GET", r.url+"/v1/token?appid="+testApp, nil)
				req.Header.Set("Authorization", "Bearer "+testKey)
				resp, err := hc.Do(req)
				if err != nil && !r.alive.Load() {
					// The replica was killed while we picked it; a load
					// balancer would send the request elsewhere.
					rerouted.Add(1)
					continue
				}
				if err != nil {
					failed.Add(1)
					t.Errorf("client: %v", err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var tb TokenBody
				if resp.StatusCode != 200 || json.Unmarshal(body, &tb) != nil {
					failed.Add(1)
					t.Errorf("client: HTTP %d %s", resp.StatusCode, body)
					return
				}
				if !fake.Valid(tb.AccessToken) {
					invalid.Add(1)
				}
				distinct.Store(tb.AccessToken, true)
				served.Add(1)
			}
		}()
	}
	// Kill one replica midway, once the tokens were refreshed twice.
	waitFor(t, "two refreshes", func() bool { return fake.Stats().Legacy >= 3 })
	reps[0].alive.Store(false)
	reps[0].cancel()
	if err := <-reps[0].done; err != nil {
		t.Errorf("replica shutdown: %v", err)
	}
	reps[0].done <- nil // for the cleanup
	wg.Wait()
	elapsed := time.Since(start)
	hc.CloseIdleConnections()

	fetches := int(fake.Stats().Legacy)
	// A token is due for refresh ttl-margin after it was obtained: that is
	// one refresh window; +1 for the very first fetch.
	windows := int(math.Ceil(float64(elapsed) / float64(ttl-margin)))
	ntok := 0
	distinct.Range(func(_, _ any) bool { ntok++; return true })
	t.Logf("served %d tokens in %v (%d distinct), %d upstream fetches for %d refresh windows, %d requests rerouted from the killed replica",
		served.Load(), elapsed.Round(time.Millisecond), ntok, fetches, windows, rerouted.Load())
	if invalid.Load() != 0 || failed.Load() != 0 {
		t.Errorf("%d invalid tokens served, %d client errors", invalid.Load(), failed.Load())
	}
	if fetches > windows+1 {
		t.Errorf("upstream fetches %d > refresh windows %d + 1: replicas did not coordinate", fetches, windows)
	}
	if fetches < windows-2 {
		t.Errorf("only %d fetches for %d windows: tokens were not refreshed ahead of expiry", fetches, windows)
	}
	if served.Load() < 1000 {
		t.Errorf("only %d requests served", served.Load())
	}
	var toks []string
	distinct.Range(func(k, _ any) bool { toks = append(toks, k.(string)); return true })
	e := &serverEnv{logs: logs}
	e.assertNoSecrets(t, toks...)
}
