package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/internal/testenv"
	"github.com/tcb-go/tcb/pkg/config"
)

// Replica test timing: tokens live 6 s, WeChat pre-rotates in the last 3 s,
// servers refresh with 2 s left, so a new token every ~4 s.
const (
	replicaTTL     = 6 * time.Second
	replicaOverlap = 3 * time.Second
	replicaMargin  = 2 * time.Second
	replicaRun     = 32 * time.Second
	replicaClients = 50
)

// served is what clients saw of one token.
type served struct {
	count    int
	lastSend time.Time // latest request start that got this token
	lastRecv time.Time // latest answer carrying it
	replicas map[int]int
}

// tokenLog collects every answer of the load phase.
type tokenLog struct {
	mu     sync.Mutex
	tokens map[string]*served
	order  []string // by first sight
	latest atomic.Pointer[sample]
}

type sample struct {
	tok  string
	send time.Time
}

func (l *tokenLog) add(tok string, replica int, send, recv time.Time) {
	l.mu.Lock()
	s := l.tokens[tok]
	if s == nil {
		s = &served{replicas: map[int]int{}}
		l.tokens[tok] = s
		l.order = append(l.order, tok)
	}
	s.count++
	s.replicas[replica]++
	if send.After(s.lastSend) {
		s.lastSend = send
	}
	if recv.After(s.lastRecv) {
		s.lastRecv = recv
	}
	l.mu.Unlock()
	l.latest.Store(&sample{tok, send})
}

// Three `tcb token serve` replicas share one real Redis in front of the
// emulator with a 6 s token lifetime; 50 clients read tokens for 32 s
// through a failover client (like a load balancer). Midway: three -1
// answers from upstream, one replica crashes (SIGKILL), Redis restarts
// empty. Every token served must have been valid when served (per the
// emulator), upstream fetches stay at one per expiry (+1 for the Redis
// restart), no client request fails, and no log holds a token, key or
// secret. Then 100 concurrent compare-and-refresh calls cause one fetch.
func TestTokenReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("32 s load test")
	}
	redisURL, redisProc := testenv.StartRedis(t)
	emu := startEmulatorProcess(t, "--token-ttl", replicaTTL.String(), "--token-overlap", replicaOverlap.String())
	dir := t.TempDir()
	const key = "replica-test-key-0123456789abcdef"
	keyFile := filepath.Join(dir, "keys")
	if err := os.WriteFile(keyFile, []byte("# test key\n"+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := tokenEnv("TCB_CONFIG_DIR="+filepath.Join(dir, "cfg"), "TCB_EMULATOR_HOST="+emu.Host, "HOME="+dir)
	appid := config.EmulatorWxAppID

	rs := startReplicas(t, env, dir, keyFile, key, appid, "--store", redisURL, "--refresh-margin", replicaMargin.String())

	// Wait until every replica serves.
	for r := range rs.procs {
		var err error
		if !emulatortest.Wait(10*time.Second, func() bool { _, err = rs.fetch(context.Background(), r); return err == nil }) {
			t.Fatalf("replica %d never served: %v", r, err)
		}
	}
	before := emu.state(t).Wechat.Apps[appid].Fetches.StableToken

	log := &tokenLog{tokens: map[string]*served{}}
	var requests, failovers, clientErrors atomic.Int64
	var errMu sync.Mutex
	var firstErrs []string
	ctx, cancel := context.WithTimeout(context.Background(), replicaRun)
	defer cancel()
	begin := time.Now()

	var wg sync.WaitGroup
	// The clients together send at most one request every 400 µs.
	pace := time.NewTicker(400 * time.Microsecond)
	defer pace.Stop()
	for c := range replicaClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := c; ctx.Err() == nil; n++ {
				select {
				case <-ctx.Done():
					return
				case <-pace.C:
				}
				send := time.Now()
				var tok string
				var err error
				for try := range 3 { // failover across replicas, like a load balancer
					r := (n + try) % 3
					if rs.dead[r].Load() {
						continue
					}
					tok, err = rs.fetch(ctx, r)
					if err == nil {
						log.add(tok, r, send, time.Now())
						break
					}
					if ctx.Err() != nil {
						return
					}
					failovers.Add(1)
					if strings.Contains(err.Error(), "connection refused") {
						rs.dead[r].Store(true) // passive health check, like a load balancer
					}
				}
				requests.Add(1)
				if err != nil || tok == "" {
					clientErrors.Add(1)
					errMu.Lock()
					if len(firstErrs) < 5 {
						firstErrs = append(firstErrs, fmt.Sprint(err))
					}
					errMu.Unlock()
				}
			}
		}()
	}

	// Live checks: the newest token a client got, checked at once.
	var live liveChecks
	wg.Add(1)
	go live.run(ctx, &wg, emu, log)

	// waitRotation blocks until clients see a token they had not seen.
	waitRotation := func() {
		log.mu.Lock()
		n := len(log.order)
		log.mu.Unlock()
		if !emulatortest.Wait(10*time.Second, func() bool {
			log.mu.Lock()
			defer log.mu.Unlock()
			return len(log.order) > n
		}) {
			t.Error("no token rotation within 10 s")
		}
	}
	at := func(d time.Duration) { time.Sleep(time.Until(begin.Add(d))) }
	// waitLockFree: until no replica holds the app's refresh lock (the
	// key RedisStore documents), so that the fault below hits a store at
	// rest rather than one refresh mid-way.
	rdb := redis.NewClient(mustParseRedisURL(t, redisURL))
	defer rdb.Close()
	waitLockFree := func() {
		if !emulatortest.Wait(10*time.Second, func() bool {
			n, err := rdb.Exists(context.Background(), "tcb:lock:{"+appid+"}").Result()
			return err == nil && n == 0
		}) {
			t.Fatal("the refresh lock stayed held for 10 s")
		}
	}

	at(7 * time.Second)
	emu.fault(t, `{"action":"/cgi-bin/stable_token","count":3,"errcode":-1}`)
	t.Logf("t=%.1fs: injected three -1 answers", time.Since(begin).Seconds())

	at(14 * time.Second)
	waitRotation()
	waitLockFree() // not while a replica holds the refresh lock
	rs.procs[0].Kill()
	t.Logf("t=%.1fs: replica 0 killed", time.Since(begin).Seconds())

	at(21 * time.Second)
	waitRotation()
	waitLockFree()
	redisProc.Restart()
	t.Logf("t=%.1fs: redis restarted (empty)", time.Since(begin).Seconds())

	wg.Wait()
	elapsed := time.Since(begin)
	end := time.Now()
	st := emu.state(t)
	fetches := st.Wechat.Apps[appid].Fetches.StableToken - before

	// Every token was valid when served. (All clients have stopped: the
	// log is ours alone now.)
	sum := checkServed(t, emu, log, appid, end)
	t.Logf("%.1fs, %d clients: %d requests, %d answers, %d failovers, %d client errors; %d distinct tokens (%d expired during the run), %d upstream fetches; answers by replica %v; %d live checks (%d bad); %d tokens expired in flight",
		elapsed.Seconds(), replicaClients, requests.Load(), sum.total, failovers.Load(), clientErrors.Load(),
		len(log.order), sum.expired, fetches, sum.byReplica, live.checks.Load(), live.bad.Load(), sum.inFlight)

	if n := clientErrors.Load(); n != 0 {
		t.Errorf("%d client requests failed, e.g. %v", n, firstErrs)
	}
	if live.bad.Load() != 0 {
		t.Errorf("%d live checks found an invalid token", live.bad.Load())
	}
	// One fetch per expiry (each replaced token), +1: the idempotent
	// re-fetch after Redis came back empty.
	if rotations := len(log.order) - 1; fetches > rotations+1 {
		t.Errorf("%d upstream fetches for %d expiries (tokens replaced); want <= expiries + 1", fetches, rotations)
	}
	if maxWindows := int(elapsed/(replicaTTL-replicaMargin)) + 2; fetches > maxWindows {
		t.Errorf("%d upstream fetches in %v, want at most %d", fetches, elapsed, maxWindows)
	}
	if sum.expired < 5 {
		t.Errorf("only %d expiries during the run", sum.expired)
	}
	if st.Wechat.Errors["-1"] != 3 || len(st.Faults) != 0 {
		t.Errorf("injected faults: errors %v, pending %d (want three -1 answers consumed)", st.Wechat.Errors, len(st.Faults))
	}
	if sum.byReplica[1] == 0 || sum.byReplica[2] == 0 {
		t.Errorf("surviving replicas served nothing: %v", sum.byReplica)
	}

	// Compare-and-refresh storm: 100 concurrent reports of the current token
	// (more than 2 s after its fetch) across the two live replicas make one
	// upstream call; a report of an old token makes none.
	cur, err := rs.fetch(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !emulatortest.Wait(10*time.Second, func() bool {
		next, err := rs.fetch(context.Background(), 1)
		if err != nil {
			t.Fatalf("waiting for a rotation: %v", err)
		}
		changed := next != cur
		cur = next
		return changed
	}) {
		t.Fatal("no rotation within 10 s")
	}
	time.Sleep(2100 * time.Millisecond)
	f0 := emu.state(t).Wechat.Apps[appid].Fetches.StableToken
	var sw sync.WaitGroup
	var refreshErrs atomic.Int64
	for i := range 100 {
		sw.Add(1)
		go func() {
			defer sw.Done()
			stale := cur
			if i%10 == 0 {
				stale = "89_an-old-token"
			}
			body := fmt.Sprintf(`{"appid":%q,"stale_token":%q}`, appid, stale)
			req, _ := http.NewRequest(http.MethodPost, rs.procs[1+i%2].URL()+"/v1/token/refresh", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := rs.hc.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				refreshErrs.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}()
	}
	sw.Wait()
	if d := emu.state(t).Wechat.Apps[appid].Fetches.StableToken - f0; d > 1 || refreshErrs.Load() != 0 {
		t.Errorf("100 concurrent compare-and-refresh calls: %d fetches (want <= 1), %d errors", d, refreshErrs.Load())
	} else {
		t.Logf("100 concurrent compare-and-refresh calls: %d upstream fetch", d)
	}

	// Graceful shutdown of the survivors, then no secrets in any log.
	for _, r := range rs.procs[1:] {
		if err := r.Stop(); err != nil {
			t.Errorf("replica exit after SIGTERM: %v", err)
		}
	}
	secrets := map[string]string{"the bearer key": key, "the AppSecret": config.EmulatorWxSecret}
	for i, tok := range log.order {
		secrets[fmt.Sprintf("token #%d", i)] = tok
	}
	scanForLeaks(t, rs.logs, secrets)
	for _, l := range rs.logs[1:] {
		if b, _ := os.ReadFile(l); !strings.Contains(string(b), `"msg":"token server stopped"`) {
			t.Errorf("%s: no clean shutdown logged", filepath.Base(l))
		}
	}
}

func mustParseRedisURL(t *testing.T, u string) *redis.Options {
	t.Helper()
	o, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
