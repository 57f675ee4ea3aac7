package token

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/internal/testenv"
)

// logRecords decodes the JSON log lines captured by a serverEnv.
func logRecords(t *testing.T, e *serverEnv) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// countLogs counts the records at level whose message has msg.
func countLogs(t *testing.T, e *serverEnv, level, msg string) int {
	n := 0
	for _, r := range logRecords(t, e) {
		if r["level"] == level && strings.Contains(r["msg"].(string), msg) {
			n++
		}
	}
	return n
}

// With Redis down, failing requests and refresher rounds log at most one
// WARN per app per backoff period, and neither the answers nor the
// unauthenticated /readyz show Redis's address; the log has the detail
// (issue 11).
func TestServerRedisDownQuietAndOpaque(t *testing.T) {
	redisURL, ctl := testenv.StartRedis(t)
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host // host:port
	store := redisStoreAt(t, redisURL)
	ctl.Stop()

	// The refresher's real timers run rounds every few milliseconds while
	// the manager clock stands still: all of them are one backoff period.
	e := newServerEnv(t, serverEnvOpts{clock: emulatortest.FrozenClock(time.Now()), manager: ManagerOptions{Store: store, LockWait: 200 * time.Millisecond},
		server: ServerOptions{RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, ReadyTimeout: 500 * time.Millisecond}})
	auth := "Bearer " + testKey
	leaks := func(what string, body []byte) {
		t.Helper()
		if strings.Contains(string(body), addr) || strings.Contains(string(body), "127.0.0.1") || strings.Contains(string(body), "redis") ||
			strings.Contains(string(body), "dial") {
			t.Fatalf("%s shows an internal address or detail: %s", what, body)
		}
	}
	for i := 0; i < 40; i++ {
		status, body := e.do(t, "GET", "/v1/token?appid="+testApp, auth, "")
		if status != 503 || !strings.Contains(string(body), "store unavailable") {
			t.Fatalf("token with Redis down: %d %s", status, body)
		}
		leaks("/v1/token", body)
	}
	for i := 0; i < 10; i++ {
		status, body := e.do(t, "POST", "/v1/token/refresh", auth, `{"appid":"`+testApp+`","stale_token":"x"}`)
		if status != 503 || !strings.Contains(string(body), "store unavailable") {
			t.Fatalf("refresh with Redis down: %d %s", status, body)
		}
		leaks("/v1/token/refresh", body)
	}
	status, body := e.do(t, "GET", "/readyz", "", "")
	var rb ReadyBody
	if status != 503 || json.Unmarshal(body, &rb) != nil || rb.Store != "store unavailable" ||
		len(rb.Apps) != 1 || rb.Apps[0].LastError != "store unavailable" {
		t.Fatalf("readyz with Redis down: %d %s", status, body)
	}
	leaks("/readyz", body)
	// Several refresher rounds have run meanwhile.
	waitFor(t, "refresher rounds", func() bool {
		return countLogs(t, e, "DEBUG", "token refresher: no token") >= 3
	})
	warns := func() int {
		return countLogs(t, e, "WARN", "no token to serve") + countLogs(t, e, "WARN", "token refresher: no token")
	}
	if n := warns(); n != 1 {
		t.Fatalf("%d WARN lines about the app in one backoff period, want 1:\n%s", n, e.logs.String())
	}
	// The detail is in the log, once.
	if !strings.Contains(e.logs.String(), addr) {
		t.Fatalf("the log does not say which store failed:\n%s", e.logs.String())
	}
	if n := countLogs(t, e, "WARN", "readiness: token store unavailable"); n != 1 {
		t.Fatalf("%d readiness WARN lines, want 1", n)
	}
	// The next backoff period allows one more.
	e.clock.Advance(time.Second)
	for i := 0; i < 10; i++ {
		e.do(t, "GET", "/v1/token?appid="+testApp, auth, "")
	}
	waitFor(t, "the refresher to go on", func() bool {
		return countLogs(t, e, "DEBUG", "token refresher: no token") >= 6
	})
	if n := warns(); n != 2 {
		t.Fatalf("%d WARN lines after a second backoff period, want 2", n)
	}
	// Redis back: ready again, and the app's WARN budget starts afresh.
	ctl.Restart()
	waitFor(t, "ready", func() bool {
		status, _ := e.do(t, "GET", "/readyz", "", "")
		return status == 200
	})
	e.assertNoSecrets(t)
}
