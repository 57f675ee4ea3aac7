package wxapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Every server API checks the access_token like the platform: missing
// 41001, never issued 40014, superseded after the overlap 40001, expired
// 42001; and wants POST (43002). A failed check changes nothing.
func TestOpenAPIChecksTheToken(t *testing.T) {
	h := start(t, "", Options{}, nil)
	h.login("oAlice")
	legacy1 := h.legacy().AccessToken
	h.legacy() // legacy1 now lives for the overlap only
	stable := h.stable(false).AccessToken
	h.clock.Advance(DefaultOverlap)
	h.mint("phone=13800138000", http.StatusOK)
	bodies := map[string]string{
		PathMsgSecCheck:        `{"content":"hello","version":2,"scene":1,"openid":"oAlice"}`,
		PathSubscribeSend:      `{"touser":"oAlice","template_id":"tmpl_1","data":{"thing1":{"value":"x"}}}`,
		PathWxaCodeUnlimit:     `{"scene":"a=1"}`,
		PathGetUserPhoneNumber: `{"code":"whatever"}`,
	}
	for _, path := range slices.Sorted(maps.Keys(bodies)) {
		for _, c := range []struct {
			name, method, tok string
			want              int
		}{
			{"missing", "POST", "", wechat.CodeMissingToken},
			{"never issued", "POST", "89_not-a-token", wechat.CodeInvalidToken},
			{"superseded", "POST", legacy1, wechat.CodeInvalidCredential},
			{"GET", "GET", stable, wechat.CodeMethodNotAllowed},
		} {
			t.Run(path+"/"+c.name, func(t *testing.T) {
				a := h.api(c.method, path, "access_token="+c.tok, bodies[path])
				if a.ErrCode != c.want || !ridRe.MatchString(a.ErrMsg) {
					t.Fatalf("got %+v, want %d", a, c.want)
				}
			})
		}
	}
	h.clock.Advance(DefaultTTL)
	for _, path := range slices.Sorted(maps.Keys(bodies)) {
		if a := h.post(path, stable, bodies[path]); a.ErrCode != wechat.CodeTokenExpired {
			t.Fatalf("%s with an expired token: %+v", path, a)
		}
	}
	if st := h.state().OpenAPI; st.MessagesSent != 0 || st.PendingCodes != 0 {
		t.Fatalf("state after refused calls: %+v", st)
	}
}

// Unknown paths under /cgi-bin, /sns and /wxa answer like the platform
// (HTTP 200, errcode 40066 with a rid) and are counted as unimplemented;
// other unknown paths keep the emulator's 404.
func TestOpenAPIUnknownWeChatPaths(t *testing.T) {
	h := start(t, "", Options{}, nil)
	for _, c := range []struct{ method, path string }{
		{"GET", "/sns/userinfo"},
		{"POST", "/wxa/img_sec_check"},
		{"POST", "/wxa/img_sec_check"},
		{"GET", "/cgi-bin/message/custom/send"},
		{"POST", "/cgi-bin/"},
	} {
		a := h.api(c.method, c.path, "access_token=x", "{}")
		if a.ErrCode != wechat.CodeInvalidURL || !strings.HasPrefix(a.ErrMsg, "invalid url rid: ") || !ridRe.MatchString(a.ErrMsg) {
			t.Fatalf("%s %s: %+v", c.method, c.path, a)
		}
	}
	if status, _, _ := h.raw("GET", "/nothing/here", "", ""); status != http.StatusNotFound {
		t.Fatalf("/nothing/here: HTTP %d", status)
	}
	// The known paths still win over the catch-all.
	if a := h.do("GET", "/cgi-bin/token", legacyQuery(demoID, demoSecret), ""); a.AccessToken == "" {
		t.Fatalf("cgi-bin/token: %+v", a)
	}
	resp, err := http.Get(h.e.Endpoint() + "/_emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Unimplemented []struct {
			Kind, Name string
			Count      int
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range st.Unimplemented {
		got[e.Kind+" "+e.Name] = e.Count
	}
	for name, n := range map[string]int{
		"path GET /sns/userinfo": 1, "path POST /wxa/img_sec_check": 2, "path GET /cgi-bin/message/custom/send": 1, "path GET /nothing/here": 1,
	} {
		if got[name] != n {
			t.Errorf("unimplemented %q = %d, want %d (all: %v)", name, got[name], n, got)
		}
	}
	if n := h.state().Errors["40066"]; n != 5 {
		t.Errorf("errors[40066] = %d", n)
	}
}

// Injected faults apply to the server APIs by path, before the token check.
func TestOpenAPIFaults(t *testing.T) {
	h := start(t, "", Options{}, nil)
	resp, err := http.Post(h.e.Endpoint()+"/_emulator/faults", "application/json",
		strings.NewReader(`[{"action":"/sns/jscode2session","count":1,"errcode":45011},{"action":"/wxa/msg_sec_check","count":1,"errcode":-1}]`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := h.mint("openid=oA", http.StatusOK).Code
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, c), ""); a.ErrCode != wechat.CodeMinuteQuota {
		t.Fatalf("fault: %+v", a)
	}
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, c), ""); a.ErrCode != 0 {
		t.Fatalf("after the fault: %+v", a)
	}
	if a := h.post(PathMsgSecCheck, "", `{}`); a.ErrCode != wechat.CodeSystemBusy {
		t.Fatalf("fault before the token check: %+v", a)
	}
}

// Users, codes and messages survive a restart; /_emulator/reset forgets
// them.
func TestOpenAPIStatePersists(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	h := start(t, dir, Options{}, clock)
	h.login("oAlice")
	used := h.mint("openid=oBob", http.StatusOK).Code
	h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, used), "")
	pending := h.mint("openid=oCarol", http.StatusOK).Code
	tok := h.stable(false).AccessToken
	for i := 0; i < 3; i++ {
		if a := h.post(PathSubscribeSend, tok, `{"touser":"oAlice","template_id":"T1","data":{"thing1":{"value":"n`+string(rune('0'+i))+`"}}}`); a.ErrCode != 0 || a.MsgID != int64(i+1) {
			t.Fatalf("send %d: %+v", i, a)
		}
	}
	h.stop()

	h = start(t, dir, Options{}, clock)
	st := h.state().OpenAPI
	if st.Users != 2 || st.MessagesSent != 3 || len(st.Messages) != 3 || st.Messages[2].Data["thing1"].Value != "n2" || st.PendingCodes != 1 {
		t.Fatalf("after restart: %+v", st)
	}
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, used), ""); a.ErrCode != wechat.CodeCodeUsed {
		t.Fatalf("used code after restart: %+v", a)
	}
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, pending), ""); a.ErrCode != 0 {
		t.Fatalf("pending code after restart: %+v", a)
	}
	if a := h.post(PathSubscribeSend, tok, `{"touser":"oBob","template_id":"T1","data":{"thing1":{"value":"x"}}}`); a.MsgID != 4 {
		t.Fatalf("msgid after restart: %+v", a)
	}

	resp, err := http.Post(h.e.Endpoint()+"/_emulator/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := h.state().OpenAPI; st.Users != 0 || st.MessagesSent != 0 || len(st.Messages) != 0 || st.PendingCodes != 0 {
		t.Fatalf("after reset: %+v", st)
	}
	if a := h.api("GET", PathJSCode2Session, sessionQuery(demoID, demoSecret, pending), ""); a.ErrCode != wechat.CodeInvalidCode {
		t.Fatalf("code after reset: %+v", a)
	}
}
