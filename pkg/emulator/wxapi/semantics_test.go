package wxapi

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// cgi-bin/token: every call mints a token; the previous one works for the
// overlap, anything older stops at once; tokens expire after the TTL.
func TestLegacyOverlapInvalidation(t *testing.T) {
	h := start(t, "", Options{}, nil)
	t1 := h.legacy()
	if t1.ExpiresIn != 7200 {
		t.Fatalf("expires_in = %d, want 7200", t1.ExpiresIn)
	}
	h.wantCode(t1.AccessToken, 0, "t1 fresh")
	t2 := h.legacy()
	if t2.AccessToken == t1.AccessToken {
		t.Fatal("cgi-bin/token returned the same token twice")
	}
	h.wantCode(t1.AccessToken, 0, "t1 inside the overlap")
	h.clock.Advance(5*time.Minute - time.Second)
	h.wantCode(t1.AccessToken, 0, "t1 at the end of the overlap")
	h.clock.Advance(time.Second)
	h.wantCode(t1.AccessToken, wechat.CodeInvalidCredential, "t1 after the overlap")
	h.wantCode(t2.AccessToken, 0, "t2")

	// Two quick calls: t2 gets the overlap from t3, then dies with t4.
	t3 := h.legacy()
	h.wantCode(t2.AccessToken, 0, "t2 inside t3's overlap")
	t4 := h.legacy()
	h.wantCode(t2.AccessToken, wechat.CodeInvalidCredential, "t2 once two newer tokens exist")
	h.wantCode(t3.AccessToken, 0, "t3 inside t4's overlap")
	h.wantCode(t4.AccessToken, 0, "t4")

	// Natural expiry.
	h.clock.Advance(7200 * time.Second)
	h.wantCode(t4.AccessToken, wechat.CodeTokenExpired, "t4 after its TTL")
	h.wantCode(t3.AccessToken, wechat.CodeInvalidCredential, "t3 superseded")
	h.wantCode("89_never-issued", wechat.CodeInvalidToken, "unknown token")
	h.wantCode("", wechat.CodeMissingToken, "no token")

	st := h.state().Apps[demoID]
	if st.Fetches.Token != 4 || st.Fetches.StableToken != 0 || st.ValidTokens != 0 {
		t.Fatalf("state = %+v", st)
	}
}

// stable_token normal mode: the same token while more than the overlap is
// left, a new one inside the pre-rotation window, expires_in never below
// the overlap, and the old token keeps working until its own expiry.
func TestStableIdempotentAndPreRotation(t *testing.T) {
	h := start(t, "", Options{}, nil)
	s1 := h.stable(false)
	if s1.ExpiresIn != 7200 {
		t.Fatalf("expires_in = %d", s1.ExpiresIn)
	}
	h.clock.Advance(100 * time.Second)
	again := h.stable(false)
	if again.AccessToken != s1.AccessToken || again.ExpiresIn != 7100 {
		t.Fatalf("second call: same=%v expires_in=%d, want same token and 7100", again.AccessToken == s1.AccessToken, again.ExpiresIn)
	}
	// Just outside the window: still the same.
	h.clock.Advance(7100*time.Second - 5*time.Minute - time.Second)
	if a := h.stable(false); a.AccessToken != s1.AccessToken || a.ExpiresIn != 301 {
		t.Fatalf("before the window: same=%v expires_in=%d", a.AccessToken == s1.AccessToken, a.ExpiresIn)
	}
	// Inside the window: the next token, with a full lifetime.
	h.clock.Advance(2 * time.Second)
	s2 := h.stable(false)
	if s2.AccessToken == s1.AccessToken || s2.ExpiresIn != 7200 {
		t.Fatalf("inside the window: new=%v expires_in=%d", s2.AccessToken != s1.AccessToken, s2.ExpiresIn)
	}
	h.wantCode(s1.AccessToken, 0, "s1 until its own expiry")
	if a := h.stable(false); a.AccessToken != s2.AccessToken {
		t.Fatal("after pre-rotation the new token must be returned")
	}
	h.clock.Advance(299 * time.Second)
	h.wantCode(s1.AccessToken, wechat.CodeTokenExpired, "s1 after its expiry")
	h.wantCode(s2.AccessToken, 0, "s2")

	// Invariant over a long walk: expires_in >= overlap, and one new token
	// per (TTL - overlap).
	seen := map[string]bool{}
	for i := 0; i < 24*60; i++ { // one day in 1-minute steps
		h.clock.Advance(time.Minute)
		a := h.stable(false)
		if a.ExpiresIn < 300 {
			t.Fatalf("step %d: expires_in %d < 300", i, a.ExpiresIn)
		}
		h.wantCode(a.AccessToken, 0, "fresh answer")
		seen[a.AccessToken] = true
	}
	if n := len(seen); n < 12 || n > 14 {
		t.Fatalf("%d distinct tokens in a day, want ~13 (one per 115 min)", n)
	}
	st := h.state().Apps[demoID]
	if st.ValidTokens < 1 || st.ValidTokens > 2 {
		t.Fatalf("valid_tokens = %d, want 1 or 2", st.ValidTokens)
	}
}

// force_refresh invalidates at once, at most 20 a day and 30 s apart;
// otherwise it answers the current token without refreshing.
func TestStableForceRefreshLimits(t *testing.T) {
	h := start(t, "", Options{}, nil)
	s1 := h.stable(false)
	s2 := h.stable(true)
	if s2.AccessToken == s1.AccessToken || s2.ExpiresIn != 7200 {
		t.Fatal("force_refresh must mint a new token")
	}
	h.wantCode(s1.AccessToken, wechat.CodeInvalidCredential, "s1 after force_refresh")
	// Within 30 s: no refresh, the current token.
	h.clock.Advance(29 * time.Second)
	if a := h.stable(true); a.AccessToken != s2.AccessToken || a.ExpiresIn != 7171 {
		t.Fatalf("force within 30 s: same=%v expires_in=%d", a.AccessToken == s2.AccessToken, a.ExpiresIn)
	}
	h.wantCode(s2.AccessToken, 0, "s2 survives a refused force")
	h.clock.Advance(time.Second)
	s3 := h.stable(true)
	if s3.AccessToken == s2.AccessToken {
		t.Fatal("force after 30 s must refresh")
	}
	h.wantCode(s2.AccessToken, wechat.CodeInvalidCredential, "s2")

	// Use up the day (2 used so far).
	cur := s3.AccessToken
	for i := 3; i <= 20; i++ {
		h.clock.Advance(31 * time.Second)
		a := h.stable(true)
		if a.AccessToken == cur {
			t.Fatalf("force %d refused early", i)
		}
		cur = a.AccessToken
	}
	h.clock.Advance(time.Minute)
	if a := h.stable(true); a.AccessToken != cur {
		t.Fatal("the 21st force of the day must not refresh")
	}
	if n := h.state().Apps[demoID].ForceRefreshToday; n != 20 {
		t.Fatalf("force_refreshes_today = %d", n)
	}
	// China midnight resets the count (10:00 + 14 h = 00:00 next day).
	h.clock.Advance(14 * time.Hour)
	if a := h.stable(true); a.AccessToken == cur {
		t.Fatal("force after midnight must refresh")
	}
}

// Pre-rotation keeps at most two stable tokens alive, also when TTL is
// shorter than twice the overlap.
func TestStableShortTTL(t *testing.T) {
	h := start(t, "", Options{TTL: 3 * time.Second, Overlap: 2 * time.Second}, nil)
	s1 := h.stable(false)
	h.clock.Advance(1500 * time.Millisecond) // 1.5 s left: inside the window
	s2 := h.stable(false)
	if s2.AccessToken == s1.AccessToken || s2.ExpiresIn != 3 {
		t.Fatalf("rotation: %+v", s2)
	}
	h.clock.Advance(1500 * time.Millisecond) // s1 expired, s2 has 1.5 s
	h.wantCode(s1.AccessToken, wechat.CodeTokenExpired, "s1")
	s3 := h.stable(false)
	if s3.AccessToken == s2.AccessToken {
		t.Fatal("want a third token")
	}
	if got := h.m.Check(s2.AccessToken); !got.Valid || !got.ValidUntil.Equal(h.clock.Now().Add(1500*time.Millisecond)) {
		t.Fatalf("s2 = %+v", got)
	}
}

// The two families never affect each other.
func TestFamiliesIsolated(t *testing.T) {
	h := start(t, "", Options{}, nil)
	s := h.stable(false)
	l1 := h.legacy()
	h.legacy()
	h.legacy()
	h.wantCode(s.AccessToken, 0, "stable after three cgi-bin/token calls")
	if a := h.stable(false); a.AccessToken != s.AccessToken {
		t.Fatal("cgi-bin/token must not rotate the stable token")
	}
	h.wantCode(l1.AccessToken, wechat.CodeInvalidCredential, "l1")
	l4 := h.legacy()
	h.stable(true)
	h.wantCode(l4.AccessToken, 0, "legacy after a forced stable refresh")
	h.wantCode(s.AccessToken, wechat.CodeInvalidCredential, "stable after force")
	if got := h.m.Check(s.AccessToken); got.Family != familyStable || got.AppID != demoID {
		t.Fatalf("check = %+v", got)
	}
	if got := h.m.Check(l4.AccessToken); got.Family != familyLegacy {
		t.Fatalf("check = %+v", got)
	}
}

// Apps are isolated too, and each has its own quota.
func TestAppsAndQuota(t *testing.T) {
	h := start(t, "", Options{Apps: map[string]string{"wx1111111111111111": "secret-one"}, LegacyDailyQuota: 3}, nil)
	for i := 0; i < 3; i++ {
		h.legacy()
	}
	a := h.do("GET", "/cgi-bin/token", legacyQuery(demoID, demoSecret), "")
	if a.ErrCode != wechat.CodeDailyQuota || a.AccessToken != "" {
		t.Fatalf("4th call: %+v", a)
	}
	other := h.do("GET", "/cgi-bin/token", legacyQuery("wx1111111111111111", "secret-one"), "")
	if other.ErrCode != 0 {
		t.Fatalf("other app: %+v", other)
	}
	// stable_token has its own (much larger) quota.
	h.stable(false)
	// The next China day resets the count.
	h.clock.Advance(14 * time.Hour)
	h.legacy()
	st := h.state()
	if st.Apps[demoID].Fetches.Token != 4 || st.Apps["wx1111111111111111"].Fetches.Token != 1 {
		t.Fatalf("state = %+v", st.Apps)
	}
	if st.Errors["45009"] != 1 {
		t.Fatalf("errors = %v", st.Errors)
	}
}

func TestStableMinuteAndDailyQuota(t *testing.T) {
	h := start(t, "", Options{StableMinuteQuota: 2, StableDailyQuota: 3}, nil)
	h.stable(false)
	h.stable(false)
	if a := h.do("POST", "/cgi-bin/stable_token", "", stableBody(demoID, demoSecret, false)); a.ErrCode != wechat.CodeMinuteQuota {
		t.Fatalf("3rd call in a minute: %+v", a)
	}
	h.clock.Advance(time.Minute)
	h.stable(false)
	h.clock.Advance(time.Minute)
	if a := h.do("POST", "/cgi-bin/stable_token", "", stableBody(demoID, demoSecret, false)); a.ErrCode != wechat.CodeDailyQuota {
		t.Fatalf("4th call of the day: %+v", a)
	}
}
