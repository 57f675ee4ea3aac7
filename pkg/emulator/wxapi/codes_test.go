package wxapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

func TestOpenAPIMintCode(t *testing.T) {
	h := start(t, "", twoApps(), nil)
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"neither", "", http.StatusBadRequest},
		{"both", "openid=oA&phone=13800138000", http.StatusBadRequest},
		{"bad openid", "openid=o%20A", http.StatusBadRequest},
		{"long openid", "openid=" + strings.Repeat("o", 129), http.StatusBadRequest},
		{"bad unionid", "openid=oA&unionid=u%20x", http.StatusBadRequest},
		{"unknown appid", "openid=oA&appid=wxnope", http.StatusBadRequest},
		{"bad phone", "phone=12ab", http.StatusBadRequest},
		{"short phone", "phone=123", http.StatusBadRequest},
		{"login", "openid=oA", http.StatusOK},
		{"login other app", "openid=oA&appid=" + otherID, http.StatusOK},
		{"phone", "phone=13800138000", http.StatusOK},
		{"phone with country", "phone=%2B1%204155552671", http.StatusOK},
		{"phone with unencoded plus", "phone=+44-7700900123", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := h.mint(c.query, c.want)
			if c.want != http.StatusOK {
				return
			}
			if got.Code == "" || got.ExpiresIn != 300 || !got.ExpiresAt.Equal(h.clock.Now().Add(CodeTTL)) {
				t.Fatalf("minted %+v", got)
			}
			if strings.Contains(c.query, otherID) != (got.AppID == otherID) {
				t.Fatalf("appid %s", got.AppID)
			}
		})
	}
	// GET mints too.
	if status, _, b := h.raw(http.MethodGet, PathMintCode, "openid=oB", ""); status != http.StatusOK || !strings.Contains(string(b), `"code"`) {
		t.Fatalf("GET: %d %s", status, b)
	}
	if st := h.state().OpenAPI; st.PendingCodes != 6 {
		t.Fatalf("pending codes = %d, want 6", st.PendingCodes)
	}
}

func TestOpenAPIParsePhone(t *testing.T) {
	for _, c := range []struct{ in, cc, pure, formatted string }{
		{"13800138000", "86", "13800138000", "13800138000"},
		{"+86 13800138000", "86", "13800138000", "13800138000"},
		{" 1 4155552671", "1", "4155552671", "+14155552671"},
		{"+44-7700900123", "44", "7700900123", "+447700900123"},
	} {
		cc, pure, err := ParsePhone(c.in)
		if err != nil || cc != c.cc || pure != c.pure || formatPhone(cc, pure) != c.formatted {
			t.Errorf("ParsePhone(%q) = %q %q %v", c.in, cc, pure, err)
		}
	}
	for _, bad := range []string{"", "abc", "+12345 678901", "+1 12", "1380013800012345678901"} {
		if _, _, err := ParsePhone(bad); err == nil {
			t.Errorf("ParsePhone(%q) accepted", bad)
		}
	}
}

func TestOpenAPIJSCode2SessionErrcodes(t *testing.T) {
	h := start(t, "", twoApps(), nil)
	login := h.mint("openid=oAlice&unionid=uAlice", http.StatusOK).Code
	phone := h.mint("phone=13800138000", http.StatusOK).Code
	otherApps := h.mint("openid=oAlice&appid="+otherID, http.StatusOK).Code
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
	for _, c := range []struct {
		name, method, query string
		want                int
	}{
		{"POST", "POST", sessionQuery(demoID, demoSecret, login), wechat.CodeGETRequired},
		{"no appid", "GET", q("secret", demoSecret, "js_code", login), wechat.CodeMissingAppID},
		{"no secret", "GET", q("appid", demoID, "js_code", login), wechat.CodeMissingSecret},
		{"bad grant", "GET", q("appid", demoID, "secret", demoSecret, "js_code", login, "grant_type", "client_credential"), wechat.CodeInvalidGrantType},
		{"unknown appid", "GET", sessionQuery("wxnope00000000000", demoSecret, login), wechat.CodeInvalidAppID},
		{"wrong secret", "GET", sessionQuery(demoID, "wrong-secret-value", login), wechat.CodeInvalidSecret},
		{"other app's secret", "GET", sessionQuery(demoID, otherSecret, login), wechat.CodeInvalidSecret},
		{"no code", "GET", q("appid", demoID, "secret", demoSecret), wechat.CodeMissingCode},
		{"unknown code", "GET", sessionQuery(demoID, demoSecret, "0a1b2c3d4e5f"), wechat.CodeInvalidCode},
		{"phone code", "GET", sessionQuery(demoID, demoSecret, phone), wechat.CodeInvalidCode},
		{"another app's code", "GET", sessionQuery(demoID, demoSecret, otherApps), wechat.CodeInvalidCode},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := h.api(c.method, PathJSCode2Session, c.query, "")
			if a.ErrCode != c.want || a.OpenID != "" || a.SessionKey != "" {
				t.Fatalf("got %+v, want errcode %d", a, c.want)
			}
			if !ridRe.MatchString(a.ErrMsg) || strings.Contains(a.ErrMsg, demoSecret) {
				t.Fatalf("errmsg %q", a.ErrMsg)
			}
		})
	}
	// None of the failures used the code up; no grant_type is tolerated.
	a := h.api("GET", PathJSCode2Session, q("appid", demoID, "secret", demoSecret, "js_code", login), "")
	if a.ErrCode != 0 || a.OpenID != "oAlice" || a.UnionID != "uAlice" || len(a.SessionKey) != 24 {
		t.Fatalf("exchange: %+v", a)
	}
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, login), ""); a.ErrCode != wechat.CodeCodeUsed || !strings.HasPrefix(a.ErrMsg, "code been used rid: ") {
		t.Fatalf("reuse: %+v", a)
	}
	// The other app exchanges its own code with its own secret.
	if a := h.api("GET", PathJSCode2Session, sessionQuery(otherID, otherSecret, otherApps), ""); a.ErrCode != 0 || a.OpenID != "oAlice" || a.UnionID != "" {
		t.Fatalf("other app: %+v", a)
	}
	st := h.state()
	if st.OpenAPI.Users != 2 || st.Errors["40029"] != 3 || st.Errors["40163"] != 1 {
		t.Fatalf("state: users %d errors %v", st.OpenAPI.Users, st.Errors)
	}
}

// Codes live CodeTTL on the module's clock, used or not.
func TestOpenAPICodeExpiry(t *testing.T) {
	h := start(t, "", Options{}, nil)
	early := h.mint("openid=oA", http.StatusOK).Code
	late := h.mint("openid=oA", http.StatusOK).Code
	used := h.mint("openid=oA", http.StatusOK).Code
	phone := h.mint("phone=13800138000", http.StatusOK).Code
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, used), ""); a.ErrCode != 0 {
		t.Fatalf("used: %+v", a)
	}
	h.clock.Advance(CodeTTL - time.Second)
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, early), ""); a.ErrCode != 0 {
		t.Fatalf("a second before expiry: %+v", a)
	}
	h.clock.Advance(time.Second)
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, late), ""); a.ErrCode != wechat.CodeInvalidCode {
		t.Fatalf("expired: %+v", a)
	}
	tok := h.stable(false).AccessToken
	if a := h.post(PathGetUserPhoneNumber, tok, `{"code":"`+phone+`"}`); a.ErrCode != wechat.CodeInvalidCode {
		t.Fatalf("expired phone code: %+v", a)
	}
	// A used code still says "used" after its expiry, until it is pruned.
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, used), ""); a.ErrCode != wechat.CodeCodeUsed {
		t.Fatalf("used, after expiry: %+v", a)
	}
	h.clock.Advance(codeRetention + time.Minute)
	h.mint("openid=oA", http.StatusOK) // prunes
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, used), ""); a.ErrCode != wechat.CodeInvalidCode {
		t.Fatalf("pruned: %+v", a)
	}
	if st := h.state().OpenAPI; st.PendingCodes != 1 {
		t.Fatalf("pending = %d", st.PendingCodes)
	}
}

func TestOpenAPIGetUserPhoneNumber(t *testing.T) {
	h := start(t, "", twoApps(), nil)
	tok := h.stable(false).AccessToken
	cn := h.mint("phone=13800138000", http.StatusOK).Code
	us := h.mint("phone=%2B1%204155552671", http.StatusOK).Code
	otherApps := h.mint("phone=13900139000&appid="+otherID, http.StatusOK).Code
	login := h.mint("openid=oA", http.StatusOK).Code
	for _, c := range []struct {
		name, tok, body string
		want            int
	}{
		{"no code", tok, `{}`, wechat.CodeMissingCode},
		{"empty body", tok, ``, wechat.CodeEmptyBody},
		{"malformed", tok, `{"code":`, wechat.CodeBadBody},
		{"unknown code", tok, `{"code":"nope"}`, wechat.CodeInvalidCode},
		{"login code", tok, `{"code":"` + login + `"}`, wechat.CodeInvalidCode},
		{"another app's code", tok, `{"code":"` + otherApps + `"}`, wechat.CodeInvalidCode},
		{"code of this app with another app's token", h.otherToken(), `{"code":"` + cn + `"}`, wechat.CodeInvalidCode},
	} {
		t.Run(c.name, func(t *testing.T) {
			if a := h.post(PathGetUserPhoneNumber, c.tok, c.body); a.ErrCode != c.want || a.PhoneInfo.PurePhoneNumber != "" {
				t.Fatalf("got %+v, want %d", a, c.want)
			}
		})
	}
	a := h.post(PathGetUserPhoneNumber, tok, `{"code":"`+cn+`"}`)
	p := a.PhoneInfo
	if a.ErrCode != 0 || a.ErrMsg != "ok" || p.PhoneNumber != "13800138000" || p.PurePhoneNumber != "13800138000" || p.CountryCode != "86" ||
		p.Watermark.AppID != demoID || p.Watermark.Timestamp != h.clock.Now().Unix() {
		t.Fatalf("phone: %+v", a)
	}
	if a := h.post(PathGetUserPhoneNumber, tok, `{"code":"`+cn+`"}`); a.ErrCode != wechat.CodeInvalidCode {
		t.Fatalf("reuse: %+v", a)
	}
	if a := h.post(PathGetUserPhoneNumber, tok, `{"code":"`+us+`"}`); a.PhoneInfo.PhoneNumber != "+14155552671" || a.PhoneInfo.CountryCode != "1" {
		t.Fatalf("+1: %+v", a)
	}
}
