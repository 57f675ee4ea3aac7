package wxapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

var ridRe = regexp.MustCompile(` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestErrcodes(t *testing.T) {
	h := start(t, "", Options{}, nil)
	q := func(kv ...string) string {
		var b strings.Builder
		for i := 0; i < len(kv); i += 2 {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(kv[i] + "=" + kv[i+1])
		}
		return b.String()
	}
	huge := `{"grant_type":"client_credential","appid":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	cases := []struct {
		name             string
		method, path, qs string
		body             string
		want             int
	}{
		{"token POST", "POST", wechat.PathToken, legacyQuery(demoID, demoSecret), "", wechat.CodeMethodNotAllowed},
		{"token bad grant", "GET", wechat.PathToken, q("grant_type", "password", "appid", demoID, "secret", demoSecret), "", wechat.CodeInvalidGrantType},
		{"token no grant", "GET", wechat.PathToken, q("appid", demoID, "secret", demoSecret), "", wechat.CodeInvalidGrantType},
		{"token no appid", "GET", wechat.PathToken, q("grant_type", "client_credential", "secret", demoSecret), "", wechat.CodeMissingAppID},
		{"token no secret", "GET", wechat.PathToken, q("grant_type", "client_credential", "appid", demoID), "", wechat.CodeMissingSecret},
		{"token bad appid", "GET", wechat.PathToken, legacyQuery("wxdoesnotexist0000", demoSecret), "", wechat.CodeInvalidAppID},
		{"token appid case", "GET", wechat.PathToken, legacyQuery(strings.ToUpper(demoID), demoSecret), "", wechat.CodeInvalidAppID},
		{"token bad secret", "GET", wechat.PathToken, legacyQuery(demoID, "wrong-secret-value"), "", wechat.CodeInvalidCredential},
		{"stable GET", "GET", wechat.PathStableToken, "", "", wechat.CodeMethodNotAllowed},
		{"stable empty", "POST", wechat.PathStableToken, "", "", wechat.CodeEmptyBody},
		{"stable malformed", "POST", wechat.PathStableToken, "", `{"appid":`, wechat.CodeBadBody},
		{"stable not an object", "POST", wechat.PathStableToken, "", `[1,2]`, wechat.CodeBadBody},
		{"stable huge", "POST", wechat.PathStableToken, "", huge, wechat.CodeBadBody},
		{"stable query only", "POST", wechat.PathStableToken, legacyQuery(demoID, demoSecret), " ", wechat.CodeEmptyBody},
		{"stable bad grant", "POST", wechat.PathStableToken, "", `{"grant_type":"x","appid":"` + demoID + `","secret":"` + demoSecret + `"}`, wechat.CodeInvalidGrantType},
		{"stable no appid", "POST", wechat.PathStableToken, "", `{"grant_type":"client_credential","secret":"s"}`, wechat.CodeMissingAppID},
		{"stable no secret", "POST", wechat.PathStableToken, "", `{"grant_type":"client_credential","appid":"` + demoID + `"}`, wechat.CodeMissingSecret},
		{"stable bad appid", "POST", wechat.PathStableToken, "", stableBody("wxdoesnotexist0000", demoSecret, false), wechat.CodeInvalidAppID},
		{"stable bad secret", "POST", wechat.PathStableToken, "", stableBody(demoID, "wrong-secret-value", false), wechat.CodeInvalidSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.do(c.method, c.path, c.qs, c.body)
			if a.ErrCode != c.want || a.AccessToken != "" {
				t.Fatalf("got %+v, want errcode %d", a, c.want)
			}
			if !ridRe.MatchString(a.ErrMsg) {
				t.Fatalf("errmsg %q lacks a trailing rid", a.ErrMsg)
			}
			if strings.Contains(a.ErrMsg, demoSecret) || strings.Contains(a.ErrMsg, "wrong-secret-value") {
				t.Fatalf("errmsg leaks the secret: %q", a.ErrMsg)
			}
		})
	}
	st := h.state()
	if st.Apps[demoID].Fetches != (Fetches{}) {
		t.Fatalf("failed calls counted as fetches: %+v", st.Apps[demoID])
	}
	if st.Errors["43002"] != 2 || st.Errors["40013"] != 3 {
		t.Fatalf("errors = %v", st.Errors)
	}
}

// The pkg/wechat client sees the errors as classified APIErrors with rid.
func TestClientSeesRealErrors(t *testing.T) {
	h := start(t, "", Options{}, nil)
	ctx := context.Background()
	_, err := h.wx.StableToken(ctx, demoID, "wrong-secret-value", false)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != wechat.CodeInvalidSecret || ae.RID == "" || ae.Kind() != wechat.KindConfig {
		t.Fatalf("stable bad secret: %v", err)
	}
	_, err = h.wx.LegacyToken(ctx, demoID, "wrong-secret-value")
	if !errors.As(err, &ae) || ae.Code != wechat.CodeInvalidCredential || ae.Kind() != wechat.KindConfig {
		t.Fatalf("legacy bad secret: %v (kind %v)", err, ae.Kind())
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatal("client error leaks the secret")
	}
	tok, err := h.wx.StableToken(ctx, demoID, demoSecret, false)
	if err != nil || tok.ExpiresIn != 7200 {
		t.Fatalf("stable: %v %+v", err, tok)
	}
	if appid, code := h.m.CheckToken(tok.AccessToken); appid != demoID || code != 0 {
		t.Fatalf("check: %s %d", appid, code)
	}
}

func TestFaults(t *testing.T) {
	h := start(t, "", Options{}, nil)
	post := func(body string) {
		resp, err := http.Post(h.e.Endpoint()+"/_emulator/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("faults: HTTP %d", resp.StatusCode)
		}
	}
	post(`{"action":"/cgi-bin/stable_token","count":3,"errcode":-1}`)
	for i := 0; i < 3; i++ {
		a := h.do("POST", wechat.PathStableToken, "", stableBody(demoID, demoSecret, false))
		if a.ErrCode != -1 || !strings.HasPrefix(a.ErrMsg, "system error rid: ") {
			t.Fatalf("fault %d: %+v", i, a)
		}
	}
	s := h.stable(false)
	// The client retries -1: three faults then success within 4 attempts.
	post(`{"action":"/cgi-bin/stable_token","count":3,"errcode":-1}`)
	c := &wechat.Client{BaseURL: h.e.Endpoint(), Retry: wechat.RetryPolicy{Attempts: 4, BaseDelay: time.Millisecond}}
	tok, err := c.StableToken(context.Background(), demoID, demoSecret, false)
	if err != nil || tok.AccessToken != s.AccessToken {
		t.Fatalf("after retries: %v", err)
	}

	post(`{"action":"/cgi-bin/token","count":1,"errcode":45009}`)
	a := h.do("GET", wechat.PathToken, legacyQuery(demoID, demoSecret), "")
	if a.ErrCode != wechat.CodeDailyQuota || !strings.HasPrefix(a.ErrMsg, "reach max api daily quota limit rid: ") {
		t.Fatalf("45009 fault: %+v", a)
	}
	post(`{"action":"/cgi-bin/token","count":1,"errcode":40164,"message":"invalid ip 1.2.3.4"}`)
	if a := h.do("GET", wechat.PathToken, legacyQuery(demoID, demoSecret), ""); a.ErrCode != 40164 || !strings.HasPrefix(a.ErrMsg, "invalid ip 1.2.3.4 rid:") {
		t.Fatalf("custom fault: %+v", a)
	}
	// Latency only: the call succeeds, late.
	post(`{"action":"/cgi-bin/stable_token","count":1,"latency":"150ms"}`)
	t0 := time.Now()
	if a := h.stable(false); a.AccessToken != s.AccessToken {
		t.Fatal("latency fault changed the answer")
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Fatalf("latency fault: answered in %v", d)
	}
	if st := h.state(); st.Errors["-1"] != 6 || st.Apps[demoID].Fetches.StableToken != 3 {
		t.Fatalf("state = %+v", st)
	}
}

func TestCheckAndRequireToken(t *testing.T) {
	h := start(t, "", Options{}, nil)
	s := h.stable(false)
	get := func(tok string) CheckResult {
		var res CheckResult
		resp, err := http.Get(h.e.Endpoint() + "/_emulator/wechat/check?access_token=" + tok)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := decodeJSON(resp.Body, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := get(s.AccessToken); !r.Valid || r.AppID != demoID || r.ErrCode != 0 || !r.ValidUntil.Equal(h.clock.Now().Add(7200*time.Second)) {
		t.Fatalf("valid: %+v", r)
	}
	if r := get("nope"); r.Valid || r.ErrCode != wechat.CodeInvalidToken {
		t.Fatalf("unknown: %+v", r)
	}
	if r := get(""); r.Valid || r.ErrCode != wechat.CodeMissingToken {
		t.Fatalf("missing: %+v", r)
	}

	for _, c := range []struct {
		tok  string
		want int
	}{{s.AccessToken, 0}, {"", wechat.CodeMissingToken}, {"bogus", wechat.CodeInvalidToken}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/tcb/databasequery?access_token="+c.tok, nil)
		appid, ok := h.m.RequireToken(rec, req)
		if ok != (c.want == 0) || (ok && appid != demoID) {
			t.Fatalf("RequireToken(%q) = %q %v", c.tok, appid, ok)
		}
		if !ok {
			var a answer
			if err := decodeJSON(rec.Body, &a); err != nil || a.ErrCode != c.want || !ridRe.MatchString(a.ErrMsg) {
				t.Fatalf("RequireToken answer: %+v %v", a, err)
			}
		}
	}
	h.clock.Advance(7200 * time.Second)
	if r := get(s.AccessToken); r.Valid || r.ErrCode != wechat.CodeTokenExpired {
		t.Fatalf("expired: %+v", r)
	}
}
