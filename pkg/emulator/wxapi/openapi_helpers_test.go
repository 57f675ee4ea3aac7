package wxapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Another app, for the "token of another app" cases.
const (
	otherID     = "wx1111222233334444"
	otherSecret = "other-app-secret-0123456789"
)

func twoApps() Options { return Options{Apps: map[string]string{otherID: otherSecret}} }

// apiAnswer is the common part of the server APIs' answers plus the
// fields the tests read.
type apiAnswer struct {
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid"`
	MsgID      int64  `json:"msgid"`
	Result     struct {
		Suggest string `json:"suggest"`
		Label   int    `json:"label"`
	} `json:"result"`
	Detail []struct {
		Strategy string `json:"strategy"`
		Suggest  string `json:"suggest"`
		Label    int    `json:"label"`
		Keyword  string `json:"keyword"`
	} `json:"detail"`
	TraceID   string `json:"trace_id"`
	PhoneInfo struct {
		PhoneNumber     string `json:"phoneNumber"`
		PurePhoneNumber string `json:"purePhoneNumber"`
		CountryCode     string `json:"countryCode"`
		Watermark       struct {
			Timestamp int64  `json:"timestamp"`
			AppID     string `json:"appid"`
		} `json:"watermark"`
	} `json:"phone_info"`
}

// raw sends a request and returns the status, content type and body.
func (h *harness) raw(method, path, query, body string) (int, string, []byte) {
	h.t.Helper()
	u := h.e.Endpoint() + path
	if query != "" {
		u += "?" + query
	}
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rdr)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// api calls a WeChat API and decodes its JSON answer (HTTP 200 required).
func (h *harness) api(method, path, query, body string) apiAnswer {
	h.t.Helper()
	status, ct, b := h.raw(method, path, query, body)
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		h.t.Fatalf("%s %s: HTTP %d %s: %s", method, path, status, ct, b)
	}
	var a apiAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		h.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return a
}

// post calls a token API with tok.
func (h *harness) post(path, tok, body string) apiAnswer {
	h.t.Helper()
	return h.api(http.MethodPost, path, "access_token="+url.QueryEscape(tok), body)
}

// mint asks /_emulator/wechat/code for a code; it fails the test unless
// the answer has status want.
func (h *harness) mint(query string, want int) MintedCode {
	h.t.Helper()
	status, _, b := h.raw(http.MethodPost, PathMintCode, query, "")
	if status != want {
		h.t.Fatalf("mint %s: HTTP %d, want %d: %s", query, status, want, b)
	}
	var c MintedCode
	if err := json.Unmarshal(b, &c); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func sessionQuery(appid, secret, code string) string {
	return url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}.Encode()
}

// login makes openid a user of the demo app (mint + jscode2session).
func (h *harness) login(openid string) apiAnswer {
	h.t.Helper()
	c := h.mint("openid="+openid, http.StatusOK)
	a := h.api(http.MethodGet, PathJSCode2Session, sessionQuery(demoID, demoSecret, c.Code), "")
	if a.ErrCode != 0 || a.OpenID != openid {
		h.t.Fatalf("jscode2session for %s: %+v", openid, a)
	}
	return a
}

// otherToken is a token of the other app.
func (h *harness) otherToken() string {
	h.t.Helper()
	a := h.do(http.MethodPost, "/cgi-bin/stable_token", "", stableBody(otherID, otherSecret, false))
	if a.AccessToken == "" {
		h.t.Fatalf("other app's token: %+v", a)
	}
	return a.AccessToken
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
