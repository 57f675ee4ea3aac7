package testenv

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStartRedisRestartStop(t *testing.T) {
	u, ctl := StartRedis(t)
	if !strings.HasPrefix(u, "redis://127.0.0.1:") || ping(ctl.Addr) != nil {
		t.Fatalf("not running: %s", u)
	}
	ctl.Stop()
	if ping(ctl.Addr) == nil || ctl.Running() {
		t.Fatal("still answering after Stop")
	}
	ctl.Restart()
	if err := ping(ctl.Addr); err != nil {
		t.Fatalf("not answering after Restart: %v", err)
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func get(t *testing.T, f *WxToken, path string, q url.Values) map[string]any {
	t.Helper()
	resp, err := http.Get(f.URL + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func stable(t *testing.T, f *WxToken, force bool) map[string]any {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"wx1","secret":"s1"` + map[bool]string{true: `,"force_refresh":true}`, false: `}`}[force]
	resp, err := http.Post(f.URL+"/cgi-bin/stable_token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func TestWxTokenSemantics(t *testing.T) {
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := NewWxToken(t, WxTokenOptions{Now: c.Now})
	f.AddApp("wx1", "s1")
	q := url.Values{"grant_type": {"client_credential"}, "appid": {"wx1"}, "secret": {"s1"}}

	// Legacy: a new token cuts the previous one's life to 5 minutes.
	a := get(t, f, "/cgi-bin/token", q)["access_token"].(string)
	c.Advance(time.Hour)
	b := get(t, f, "/cgi-bin/token", q)["access_token"].(string)
	if a == b || !f.Valid(a) || !f.Valid(b) {
		t.Fatal("overlap broken")
	}
	c.Advance(5*time.Minute + time.Second)
	if f.Valid(a) || !f.Valid(b) {
		t.Fatal("old legacy token should be dead after the overlap")
	}
	// Stable: idempotent, isolated from legacy, rotates in the last 5 min.
	s1 := stable(t, f, false)
	s2 := stable(t, f, false)
	if s1["access_token"] != s2["access_token"] || !f.Valid(b) {
		t.Fatal("stable not idempotent or not isolated")
	}
	c.Advance(7200*time.Second - 4*time.Minute)
	s3 := stable(t, f, false)
	if s3["access_token"] == s1["access_token"] || !f.Valid(s1["access_token"].(string)) {
		t.Fatal("pre-rotation broken")
	}
	// Force: immediate invalidation, 30 s spacing.
	f1 := stable(t, f, true)
	if f.Valid(s3["access_token"].(string)) {
		t.Fatal("force did not invalidate")
	}
	c.Advance(10 * time.Second)
	if f2 := stable(t, f, true); f2["access_token"] != f1["access_token"] {
		t.Fatal("force within 30 s must not refresh")
	}
	// Errors and injected faults.
	if e := get(t, f, "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wx1"}, "secret": {"bad"}}); e["errcode"] != float64(40001) {
		t.Errorf("bad secret: %v", e)
	}
	f.FailNext(2, -1)
	if e := stable(t, f, false); e["errcode"] != float64(-1) || !strings.Contains(e["errmsg"].(string), "rid: ") {
		t.Errorf("fault: %v", e)
	}
	if st := f.Stats(); st.Faults != 1 || st.Legacy != 3 || st.Force != 2 {
		t.Errorf("stats %+v", st)
	}
}
