package wxapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Tokens, counters and force bookkeeping survive a restart.
func TestRestartPersistence(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	h := start(t, dir, Options{}, clock)
	l1 := h.legacy()
	l2 := h.legacy()
	s1 := h.stable(false)
	s2 := h.stable(true) // forced: s1 dead
	h.stop()

	clock.Advance(time.Second)
	h = start(t, dir, Options{}, clock)
	h.wantCode(l1.AccessToken, 0, "l1 inside its overlap after restart")
	h.wantCode(l2.AccessToken, 0, "l2 after restart")
	h.wantCode(s1.AccessToken, wechat.CodeInvalidCredential, "s1 after restart")
	h.wantCode(s2.AccessToken, 0, "s2 after restart")
	if a := h.stable(false); a.AccessToken != s2.AccessToken || a.ExpiresIn != 7199 {
		t.Fatalf("stable after restart: same=%v expires_in=%d", a.AccessToken == s2.AccessToken, a.ExpiresIn)
	}
	// The force spacing is remembered: no refresh within 30 s.
	if a := h.stable(true); a.AccessToken != s2.AccessToken {
		t.Fatal("force within 30 s of a pre-restart force must not refresh")
	}
	// The overlap keeps running across the restart.
	clock.Advance(5 * time.Minute)
	h.wantCode(l1.AccessToken, wechat.CodeInvalidCredential, "l1 after the overlap")
	l3 := h.legacy()
	h.wantCode(l2.AccessToken, 0, "l2 in l3's overlap")
	h.wantCode(l3.AccessToken, 0, "l3")
	st := h.state().Apps[demoID]
	if st.Fetches.Token != 3 || st.Fetches.StableToken != 4 || st.LegacyToday != 3 || st.ForceRefreshToday != 1 {
		t.Fatalf("state after restart = %+v", st)
	}
}

// /_emulator/state has wechat.apps.<appid>.fetches.{token,stable_token}
// and valid_tokens; /_emulator/reset forgets everything.
func TestStateShapeAndReset(t *testing.T) {
	h := start(t, "", Options{Apps: map[string]string{"wx2222222222222222": "two"}}, nil)
	s := h.stable(false)
	h.legacy()
	get := func() map[string]any {
		resp, err := http.Get(h.e.Endpoint() + "/_emulator/state")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	path := func(v any, keys ...string) any {
		for _, k := range keys {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	v := get()
	if n := path(v, "wechat", "apps", demoID, "fetches", "token"); n != 1.0 {
		t.Fatalf("fetches.token = %v", n)
	}
	if n := path(v, "wechat", "apps", demoID, "fetches", "stable_token"); n != 1.0 {
		t.Fatalf("fetches.stable_token = %v", n)
	}
	if n := path(v, "wechat", "apps", demoID, "valid_tokens"); n != 2.0 {
		t.Fatalf("valid_tokens = %v", n)
	}
	if n := path(v, "wechat", "apps", "wx2222222222222222", "fetches", "token"); n != 0.0 {
		t.Fatalf("configured app without fetches = %v", n)
	}
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), s.AccessToken) || strings.Contains(string(b), "\"two\"") {
		t.Fatal("state leaks a token or a secret")
	}

	resp, err := http.Post(h.e.Endpoint()+"/_emulator/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h.wantCode(s.AccessToken, wechat.CodeInvalidToken, "after reset")
	if n := path(get(), "wechat", "apps", demoID, "fetches", "stable_token"); n != 0.0 {
		t.Fatalf("after reset fetches = %v", n)
	}
	if a := h.stable(false); a.AccessToken == s.AccessToken {
		t.Fatal("after reset a new token is expected")
	}
}

// Old tokens are forgotten after the retention.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	h := start(t, dir, Options{TTL: 10 * time.Second, Overlap: 2 * time.Second}, clock)
	old := h.legacy()
	clock.Advance(10*time.Second + DefaultRetention + time.Minute)
	h.wantCode(old.AccessToken, wechat.CodeTokenExpired, "before pruning")
	h.legacy() // prunes
	h.wantCode(old.AccessToken, wechat.CodeInvalidToken, "after pruning")
	h.stop()
	h = start(t, dir, Options{TTL: 10 * time.Second, Overlap: 2 * time.Second}, clock)
	h.wantCode(old.AccessToken, wechat.CodeInvalidToken, "pruned token after restart")
}

func TestOptionsAndParseApp(t *testing.T) {
	for _, o := range []Options{
		{TTL: 500 * time.Millisecond},
		{TTL: 10 * time.Second, Overlap: 10 * time.Second},
		{TTL: 10 * time.Second, Overlap: -time.Second},
	} {
		_, err := emulator.New(emulator.Options{Ephemeral: true}, New(o))
		if err == nil {
			t.Fatalf("options %+v accepted", o)
		}
	}
	for in, want := range map[string][2]string{
		"wx1:s3cret":  {"wx1", "s3cret"},
		" wx1:a:b ":   {"wx1", "a:b"},
		"wx1":         {},
		":secret":     {},
		"wx1:":        {},
		"wx 1:secret": {},
		"wx1:sec ret": {},
	} {
		id, sec, err := ParseApp(in)
		if (err == nil) != (want[0] != "") || id != want[0] || sec != want[1] {
			t.Errorf("ParseApp(%q) = %q %q %v", in, id, sec, err)
		}
		if _, secret, _ := strings.Cut(in, ":"); err != nil && secret != "" && strings.Contains(err.Error(), strings.TrimSpace(secret)) {
			t.Errorf("ParseApp error leaks the secret: %v", err)
		}
	}
	m := New(Options{Apps: map[string]string{config.EmulatorWxAppID: "override"}})
	if m.secrets[config.EmulatorWxAppID] != "override" {
		t.Fatal("an explicit app must override the demo app's secret")
	}
	if ids := New(Options{NoDemoApp: true}).AppIDs(); len(ids) != 0 {
		t.Fatalf("NoDemoApp: %v", ids)
	}
}
