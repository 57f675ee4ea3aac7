package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What the token server load tests (TestTokenReplicas, runTokenHA) share:
// three `tcb token serve` replicas read by failover clients, live checks
// of the newest token served, and the check of every token served.

// replicaSet is three `tcb token serve` replicas of one app behind the
// bearer key; dead marks the ones clients found gone.
type replicaSet struct {
	procs []*serveProcess
	logs  []string // each replica's JSON log
	dead  [3]atomic.Bool
	hc    *http.Client
	key   string
	appid string
}

// startReplicas starts the three replicas with env (their logs in dir) and
// `--auth-key-file keyFile --log-format json` plus args.
func startReplicas(t *testing.T, env []string, dir, keyFile, key, appid string, args ...string) *replicaSet {
	t.Helper()
	rs := &replicaSet{procs: make([]*serveProcess, 3), key: key, appid: appid,
		hc: &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := range rs.procs {
		logPath := filepath.Join(dir, fmt.Sprintf("replica%d.log", i))
		rs.logs = append(rs.logs, logPath)
		rs.procs[i] = startServe(t, env, logPath, append([]string{"--auth-key-file", keyFile, "--log-format", "json"}, args...)...)
	}
	// A failed scenario shows what the replicas logged (the last lines).
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range rs.logs {
			b, _ := os.ReadFile(p)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("%s (last %d lines):\n%s", filepath.Base(p), min(40, len(lines)), strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	return rs
}

// fetch reads the app's token from replica r.
func (rs *replicaSet) fetch(ctx context.Context, r int) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rs.procs[r].URL()+"/v1/token?appid="+rs.appid, nil)
	req.Header.Set("Authorization", "Bearer "+rs.key)
	resp, err := rs.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("replica %d: HTTP %d: %s", r, resp.StatusCode, b)
	}
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("replica %d: bad body %q", r, b)
	}
	return body.AccessToken, nil
}

// liveChecks counts the checks of the newest token a client got, made at
// once, and those that found it invalid when it was asked for.
type liveChecks struct{ checks, bad atomic.Int64 }

// run checks every 150 ms until ctx ends (wg is done then).
func (lc *liveChecks) run(ctx context.Context, wg *sync.WaitGroup, emu *emuProcess, log *tokenLog) {
	defer wg.Done()
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s := log.latest.Load()
		if s == nil {
			continue
		}
		c, err := emu.tryCheck(s.tok)
		if err != nil {
			continue
		}
		lc.checks.Add(1)
		if !c.Valid && !c.ValidUntil.After(s.send) {
			lc.bad.Add(1)
		}
	}
}

// servedSummary is what checkServed found.
type servedSummary struct {
	total     int         // answers
	expired   int         // tokens expired by end
	inFlight  int         // tokens valid when served that expired before their last answer arrived
	byReplica map[int]int // answers by replica
}

// checkServed checks every token in log (the clients have stopped) with
// the emulator: one of appid's, still valid when it was last asked for.
func checkServed(t *testing.T, emu *emuProcess, log *tokenLog, appid string, end time.Time) servedSummary {
	t.Helper()
	sum := servedSummary{byReplica: map[int]int{}}
	for _, tok := range log.order {
		s := log.tokens[tok]
		sum.total += s.count
		for r, n := range s.replicas {
			sum.byReplica[r] += n
		}
		c := emu.check(t, tok)
		if c.AppID != appid || c.ValidUntil.IsZero() {
			t.Errorf("a served token is unknown to the emulator: %+v", c)
			continue
		}
		if !c.ValidUntil.After(s.lastSend) {
			t.Errorf("a token was served after it stopped working: valid until %s, last requested %s",
				c.ValidUntil.Format(time.StampMilli), s.lastSend.Format(time.StampMilli))
		}
		if c.ValidUntil.Before(s.lastRecv) {
			sum.inFlight++
		}
		if c.ValidUntil.Before(end) {
			sum.expired++
		}
	}
	return sum
}
