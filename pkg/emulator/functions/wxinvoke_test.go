package functions

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// demoToken is a stable access_token of the emulator's demo app.
func (h *harness) demoToken() string {
	h.T.Helper()
	tok, err := h.WeChat.StableToken(h.Ctx, config.EmulatorWxAppID, config.EmulatorWxSecret, false)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok.AccessToken
}

// /tcb/invokecloudfunction is the functions module's: the event is the
// raw body, resp_data the return value's JSON; the cloud's errcodes for a
// function that throws, a missing function or env, and the common /tcb/*
// checks (token, method, parameters, body).
func TestInvokeCloudFunction(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	h.create(ns, "echo", nodeFn(t, `exports.main = async (event) => ({event, env: process.env.TCB_ENV})`), nil)
	h.create(ns, "throw", nodeFn(t, `exports.main = async () => { throw new Error("boom") }`), nil)
	tok := h.demoToken()
	wx := h.WeChat

	resp, err := wx.InvokeCloudFunction(h.Ctx, tok, ns, "echo", []byte(`{"a":1}`))
	if err != nil || !strings.HasPrefix(resp, `{"event":{"a":1},"env":"`+ns+`"`) {
		t.Fatalf("%q %v", resp, err)
	}
	if resp, err := wx.InvokeCloudFunction(h.Ctx, tok, ns, "echo", nil); err != nil || !strings.Contains(resp, `"event":{}`) {
		t.Fatalf("nil event: %q %v", resp, err)
	}
	_, err = wx.InvokeCloudFunction(h.Ctx, tok, ns, "throw", nil)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != wechat.CodeFunctionFailed || !strings.HasPrefix(ae.Msg, "functions execute fail | errMsg: boom") {
		t.Fatalf("throw: %v", err)
	}
	for name, env := range map[string]string{"missing": ns, "echo": "nope-abcdef"} {
		if _, err := wx.InvokeCloudFunction(h.Ctx, tok, env, name, nil); !hasCode(err, wechat.CodeCloudParamInvalid) {
			t.Fatalf("%s in %s: %v", name, env, err)
		}
	}
	for _, c := range []struct {
		q    url.Values
		body string
		code int
	}{
		{url.Values{"name": {"echo"}}, "{}", wechat.CodeMissingParam},
		{url.Values{"env": {ns}}, "{}", wechat.CodeMissingParam},
		{url.Values{"env": {ns}, "name": {"echo"}}, "not json", wechat.CodeBadBody},
		{url.Values{"env": {ns}, "name": {"echo"}}, " ", wechat.CodeEmptyBody},
	} {
		if err := wx.Call(h.Ctx, wechat.PathInvokeCloudFunction, tok, c.q, []byte(c.body), nil); !hasCode(err, c.code) {
			t.Errorf("%v %q: %v, want %d", c.q, c.body, err, c.code)
		}
	}
	if _, err := wx.InvokeCloudFunction(h.Ctx, "not-a-token", ns, "echo", nil); !hasCode(err, wechat.CodeInvalidToken) {
		t.Fatalf("unknown token: %v", err)
	}
	get, err := http.Get(h.Endpoint() + wechat.PathInvokeCloudFunction + "?access_token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	var env wechat.Envelope
	json.NewDecoder(get.Body).Decode(&env)
	get.Body.Close()
	if env.ErrCode != wechat.CodeMethodNotAllowed {
		t.Fatalf("GET: %+v", env)
	}
	h.Clock.Advance(wxapi.DefaultTTL + time.Minute)
	if _, err := wx.InvokeCloudFunction(h.Ctx, tok, ns, "echo", nil); !hasCode(err, wechat.CodeTokenExpired) {
		t.Fatalf("expired: %v", err)
	}
}

// The 5 s limit of HTTP-triggered functions (slow: skipped with -short).
func TestInvokeCloudFunctionTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 5 s")
	}
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	h.create(ns, "slow", nodeFn(t, `exports.main = () => new Promise(r => setTimeout(r, 20000))`), func(r *cloudapi.CreateFunctionRequest) { r.Timeout = i64(30) })
	began := time.Now()
	_, err := h.WeChat.InvokeCloudFunction(h.Ctx, h.demoToken(), ns, "slow", nil)
	if !hasCode(err, wechat.CodeFunctionTimeout) {
		t.Fatalf("slow: %v", err)
	}
	if d := time.Since(began); d < HTTPAPITimeout || d > HTTPAPITimeout+3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func hasCode(err error, code int) bool {
	c, ok := wechat.ErrCode(err)
	return ok && c == code
}
