package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
)

// wxDo sends a request and returns the status and body.
func wxDo(t *testing.T, method, u, body string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// wxAnswer is what the tests read of a WeChat API answer.
type wxAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	OpenID  string `json:"openid"`
	MsgID   int64  `json:"msgid"`
	Result  struct {
		Suggest string `json:"suggest"`
	} `json:"result"`
	PhoneInfo struct {
		PurePhoneNumber string `json:"purePhoneNumber"`
	} `json:"phone_info"`
}

// wxCall calls a WeChat API on the emulator (HTTP 200 and JSON required).
func wxCall(t *testing.T, emu *emuProcess, method, path, query, body string) wxAnswer {
	t.Helper()
	u := emu.Endpoint + path
	if query != "" {
		u += "?" + query
	}
	status, b := wxDo(t, method, u, body, nil)
	var a wxAnswer
	if err := json.Unmarshal(b, &a); status != http.StatusOK || err != nil {
		t.Fatalf("%s %s: HTTP %d %v: %.300s", method, path, status, err, b)
	}
	return a
}

// legacyToken fetches a cgi-bin/token token.
func legacyToken(t *testing.T, emu *emuProcess, appid, secret string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {appid}, "secret": {secret}}
	getJSON(t, emu.Endpoint+"/cgi-bin/token?"+q.Encode(), &tok)
	if tok.AccessToken == "" {
		t.Fatalf("no token for %s", appid)
	}
	return tok.AccessToken
}

func code2SessionQuery(appid, secret, code string) string {
	return url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}.Encode()
}

// sentMessages reads /_emulator/wechat/messages.
func sentMessages(t *testing.T, emu *emuProcess, query string) []struct {
	ToUser     string `json:"touser"`
	TemplateID string `json:"template_id"`
	Data       map[string]struct{ Value string }
} {
	t.Helper()
	var out struct {
		Messages []struct {
			ToUser     string `json:"touser"`
			TemplateID string `json:"template_id"`
			Data       map[string]struct{ Value string }
		}
	}
	getJSON(t, emu.Endpoint+"/_emulator/wechat/messages?"+query, &out)
	return out.Messages
}

// The koa backend of examples/koa-backend, with its token from tcb token
// serve, logs a user in with a code from `tcb emulator wechat-code`,
// checks a todo's title with msg_sec_check, adds it and sends the user a
// subscribe message; blocked content gets HTTP 422 and adds nothing.
func TestWeChatOpenAPIBackend(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "100ms")
	c := newCLI(t, emu)
	env := c.createEnv("todo")
	c.run("env", "use", env)
	for _, coll := range []string{"todos", "notifications", "audit"} {
		c.run("db", "collection", "create", coll)
	}
	c.dir = filepath.Join(t.TempDir(), "wechat-miniprogram")
	if err := os.CopyFS(c.dir, os.DirFS(filepath.Join(repoRoot, "examples", "wechat-miniprogram"))); err != nil {
		t.Fatal(err)
	}
	c.run("fn", "deploy", "--all", "--yes")
	// Start the todo -> notify -> audit chain once through the Cloud API:
	// invokecloudfunction allows 5 s, less than three cold starts take on
	// a busy machine.
	var warm struct{ OK bool }
	c.invokeJSON(&warm, "todo", "--openid", "oWarmUp", "--params", `{"$url":"add","title":"warm up"}`)
	if !warm.OK {
		t.Fatal("warm-up add failed")
	}

	mods := npmPackages(t, map[string]string{"koa": "2.15.3"})
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte("openapi-backend-key-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, c.env, filepath.Join(t.TempDir(), "serve.log"), "--auth-key-file", keyFile)
	backend := startNode(t, filepath.Join(repoRoot, "examples", "koa-backend", "server.js"), mods,
		"PORT=0", "TOKEN_SERVER="+srv.URL(), "TOKEN_SERVER_KEY=openapi-backend-key-0123456789",
		"WX_APPID="+config.EmulatorWxAppID, "WX_SECRET="+config.EmulatorWxSecret, "ENV_ID="+env,
		"WECHAT_API=http://"+emu.Host, "WX_MINIPROGRAM_STATE=developer")

	type reply struct {
		Session string `json:"session"`
		OpenID  string `json:"openid"`
		OK      bool   `json:"ok"`
		ID      string `json:"_id"`
		Error   string `json:"error"`
		ErrCode int    `json:"errcode"`
		Suggest string `json:"suggest"`
		Label   int    `json:"label"`
		Message struct {
			Sent  bool  `json:"sent"`
			MsgID int64 `json:"msgid"`
		} `json:"message"`
		PhoneNumber string `json:"phoneNumber"`
		CountryCode string `json:"countryCode"`
	}
	call := func(method, path, body, session string, want int) reply {
		t.Helper()
		var hdr map[string]string
		if session != "" {
			hdr = map[string]string{"X-Session": session}
		}
		status, b := wxDo(t, method, backend+path, body, hdr)
		var r reply
		if err := json.Unmarshal(b, &r); status != want || err != nil {
			t.Fatalf("%s %s: HTTP %d, want %d: %v %s", method, path, status, want, err, b)
		}
		return r
	}

	// Log in with a wx.login code minted by the CLI; the code works once.
	code := strings.TrimSpace(c.run("emulator", "wechat-code", "--openid", "oAlice"))
	login := call("POST", "/api/login", `{"code":"`+code+`"}`, "", 200)
	if login.Session == "" || login.OpenID != "oAlice" {
		t.Fatalf("login: %+v", login)
	}
	if r := call("POST", "/api/login", `{"code":"`+code+`"}`, "", 401); r.ErrCode != 40163 {
		t.Fatalf("second login with the same code: %+v", r)
	}

	added := call("POST", "/api/todos", `{"title":"buy oat milk"}`, login.Session, 200)
	if !added.OK || added.ID == "" || !added.Message.Sent || added.Message.MsgID == 0 {
		t.Fatalf("add: %+v", added)
	}
	msgs := sentMessages(t, emu, "touser=oAlice")
	if len(msgs) != 1 || msgs[0].ToUser != "oAlice" || msgs[0].TemplateID != "todo_added" || msgs[0].Data["thing1"].Value != "buy oat milk" || msgs[0].Data["time2"].Value == "" {
		t.Fatalf("messages: %+v", msgs)
	}

	// Blocked content: 422, nothing added, nothing sent.
	blocked := call("POST", "/api/todos", `{"title":"buy cocaine"}`, login.Session, 422)
	if blocked.Suggest != "risky" || blocked.Label != 20006 {
		t.Fatalf("blocked: %+v", blocked)
	}
	if n := strings.TrimSpace(c.run("db", "count", "todos", "--where", `{"title":"buy cocaine"}`)); n != "0" {
		t.Fatalf("the blocked todo was added: %s", n)
	}
	if n := len(sentMessages(t, emu, "")); n != 1 {
		t.Fatalf("%d messages after the blocked todo", n)
	}
	call("POST", "/api/todos", `{"title":"x"}`, "not-a-session", 401)

	// The phone number behind a getPhoneNumber code.
	phone := strings.TrimSpace(c.run("emulator", "wechat-code", "--phone", "13800138000"))
	if r := call("POST", "/api/phone", `{"code":"`+phone+`"}`, login.Session, 200); r.PhoneNumber != "13800138000" || r.CountryCode != "86" {
		t.Fatalf("phone: %+v", r)
	}
	if r := call("POST", "/api/phone", `{"code":"`+phone+`"}`, login.Session, 400); r.ErrCode != 40029 {
		t.Fatalf("phone code reused: %+v", r)
	}

	// A mini program code as a PNG.
	status, b := wxDo(t, "GET", backend+"/api/wxacode?scene=todo%3D"+added.ID[:8], "", nil)
	if status != 200 {
		t.Fatalf("wxacode: HTTP %d %s", status, b)
	}
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds() != image.Rect(0, 0, 430, 430) {
		t.Fatalf("wxacode: %v", err)
	}

	// The backend's calls in the emulator's state.
	var st struct {
		Wechat struct {
			OpenAPI struct {
				Users        int   `json:"users"`
				MessagesSent int64 `json:"messages_sent"`
				Messages     []struct {
					ToUser           string `json:"touser"`
					MiniprogramState string `json:"miniprogram_state"`
				} `json:"messages"`
			} `json:"openapi"`
		} `json:"wechat"`
	}
	getJSON(t, emu.Endpoint+"/_emulator/state", &st)
	if o := st.Wechat.OpenAPI; o.Users != 1 || o.MessagesSent != 1 || len(o.Messages) != 1 || o.Messages[0].ToUser != "oAlice" || o.Messages[0].MiniprogramState != "developer" {
		t.Fatalf("state: %+v", st.Wechat.OpenAPI)
	}
}

// Each server API's errcodes against the built emulator: codes that are
// reused, unknown or of another app; the token of another app; missing,
// superseded and expired tokens (short lifetimes with --token-ttl); and
// the answer for a path the emulator does not implement.
func TestWeChatOpenAPIErrcodes(t *testing.T) {
	t.Parallel()
	const otherID, otherSecret = "wx1111222233334444", "other-app-secret-0123456789"
	emu := startEmulatorProcess(t, "--wx-app", otherID+":"+otherSecret)
	c := newCLI(t, emu)
	demoID, demoSecret := config.EmulatorWxAppID, config.EmulatorWxSecret

	// jscode2session.
	code := strings.TrimSpace(c.run("emulator", "wechat-code", "--openid", "oAlice"))
	for _, k := range []struct {
		name, query string
		want        int
	}{
		{"wrong secret", code2SessionQuery(demoID, "wrong-secret", code), 40125},
		{"unknown appid", code2SessionQuery("wx9999999999999999", demoSecret, code), 40013},
		{"another app", code2SessionQuery(otherID, otherSecret, code), 40029},
		{"unknown code", code2SessionQuery(demoID, demoSecret, "0a1b2c3d"), 40029},
		{"no code", code2SessionQuery(demoID, demoSecret, ""), 41008},
	} {
		if a := wxCall(t, emu, "GET", "/sns/jscode2session", k.query, ""); a.ErrCode != k.want || !strings.Contains(a.ErrMsg, " rid: ") {
			t.Errorf("jscode2session %s: %+v, want %d", k.name, a, k.want)
		}
	}
	if a := wxCall(t, emu, "GET", "/sns/jscode2session", code2SessionQuery(demoID, demoSecret, code), ""); a.ErrCode != 0 || a.OpenID != "oAlice" {
		t.Fatalf("jscode2session: %+v", a)
	}
	if a := wxCall(t, emu, "GET", "/sns/jscode2session", code2SessionQuery(demoID, demoSecret, code), ""); a.ErrCode != 40163 {
		t.Fatalf("reused code: %+v", a)
	}

	// The token of another app: oAlice and the phone code belong to the demo app.
	demo := legacyToken(t, emu, demoID, demoSecret)
	other := legacyToken(t, emu, otherID, otherSecret)
	phone := strings.TrimSpace(c.run("emulator", "wechat-code", "--phone", "13800138000"))
	sec := `{"content":"hello","version":2,"scene":1,"openid":"oAlice"}`
	send := `{"touser":"oAlice","template_id":"T1","data":{"thing1":{"value":"hi"}}}`
	for _, k := range []struct {
		path, body string
		want       int
	}{
		{"/wxa/msg_sec_check", sec, 40003},
		{"/cgi-bin/message/subscribe/send", send, 40003},
		{"/wxa/business/getuserphonenumber", `{"code":"` + phone + `"}`, 40029},
	} {
		if a := wxCall(t, emu, "POST", k.path, "access_token="+other, k.body); a.ErrCode != k.want {
			t.Errorf("%s with another app's token: %+v, want %d", k.path, a, k.want)
		}
	}
	// ... and with the app's own token they work.
	if a := wxCall(t, emu, "POST", "/wxa/msg_sec_check", "access_token="+demo, sec); a.ErrCode != 0 || a.Result.Suggest != "pass" {
		t.Errorf("msg_sec_check: %+v", a)
	}
	if a := wxCall(t, emu, "POST", "/cgi-bin/message/subscribe/send", "access_token="+demo, send); a.ErrCode != 0 || a.MsgID == 0 {
		t.Errorf("subscribe send: %+v", a)
	}
	if a := wxCall(t, emu, "POST", "/wxa/business/getuserphonenumber", "access_token="+demo, `{"code":"`+phone+`"}`); a.PhoneInfo.PurePhoneNumber != "13800138000" {
		t.Errorf("getuserphonenumber: %+v", a)
	}
	if a := wxCall(t, emu, "POST", "/cgi-bin/message/subscribe/send", "access_token="+demo, `{"touser":"oAlice","template_id":"","data":{}}`); a.ErrCode != 40037 {
		t.Errorf("empty template_id: %+v", a)
	}
	if a := wxCall(t, emu, "POST", "/wxa/getwxacodeunlimit", "access_token="+demo, `{"scene":"x","page":"/pages/index"}`); a.ErrCode != 41030 {
		t.Errorf("getwxacodeunlimit invalid page: %+v", a)
	}
	apis := map[string]string{
		"/wxa/msg_sec_check":               sec,
		"/cgi-bin/message/subscribe/send":  send,
		"/wxa/getwxacodeunlimit":           `{"scene":"a=1"}`,
		"/wxa/business/getuserphonenumber": `{"code":"x"}`,
	}
	for path, body := range apis {
		if a := wxCall(t, emu, "POST", path, "", body); a.ErrCode != 41001 {
			t.Errorf("%s without a token: %+v", path, a)
		}
		if a := wxCall(t, emu, "POST", path, "access_token=89_forged", body); a.ErrCode != 40014 {
			t.Errorf("%s with a forged token: %+v", path, a)
		}
	}

	// Unknown paths: 40066, recorded as unimplemented.
	if a := wxCall(t, emu, "GET", "/sns/userinfo", "access_token="+demo, ""); a.ErrCode != 40066 || !strings.HasPrefix(a.ErrMsg, "invalid url rid: ") {
		t.Errorf("unknown path: %+v", a)
	}
	var st struct {
		Unimplemented []struct{ Kind, Name string }
	}
	getJSON(t, emu.Endpoint+"/_emulator/state", &st)
	found := false
	for _, e := range st.Unimplemented {
		found = found || e.Kind == "path" && e.Name == "GET /sns/userinfo"
	}
	if !found {
		t.Errorf("/sns/userinfo not in unimplemented: %+v", st.Unimplemented)
	}

	// Superseded and expired tokens, on an emulator with short lifetimes.
	short := startEmulatorProcess(t, "--token-ttl", "2s", "--token-overlap", "1s")
	t1 := legacyToken(t, short, demoID, demoSecret)
	t2 := legacyToken(t, short, demoID, demoSecret)
	waitForCheck(t, short, t1, 40001)
	waitForCheck(t, short, t2, 42001)
	for path, body := range apis {
		if a := wxCall(t, short, "POST", path, "access_token="+t1, body); a.ErrCode != 40001 {
			t.Errorf("%s with a superseded token: %+v", path, a)
		}
		if a := wxCall(t, short, "POST", path, "access_token="+t2, body); a.ErrCode != 42001 {
			t.Errorf("%s with an expired token: %+v", path, a)
		}
	}
}

// waitForCheck polls /_emulator/wechat/check until tok's errcode is want.
func waitForCheck(t *testing.T, emu *emuProcess, tok string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if r := emu.check(t, tok); r.ErrCode == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("token never reached errcode %d: %+v", want, emu.check(t, tok))
		}
		<-tick.C
	}
}
