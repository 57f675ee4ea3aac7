package wxhttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Every /tcb/* request passes the same checks in the same order, and every
// failure is answered {"errcode","errmsg"} with a rid, HTTP 200.
func TestServerChecks(t *testing.T) {
	reg := &faults.Registry{}
	mine := errors.New("module error")
	s := &Server{
		Tokens: TokenCheckerFunc(func(tok string) (string, int) {
			if tok == "good" {
				return "wxapp", 0
			}
			return "", wechat.CodeTokenExpired
		}),
		Faults: reg, MaxBodyBytes: 16, RequestTimeout: 1e9,
		ErrorOf: func(err error) (int, string, bool) {
			if errors.Is(err, mine) {
				return -502001, "module failure", true
			}
			return 0, "", false
		},
	}
	h := s.Handle("/tcb/x", func(ctx context.Context, q *Request) (any, error) {
		var req struct{ Do string }
		if err := q.Decode(&req); err != nil {
			return nil, err
		}
		switch req.Do {
		case "panic":
			panic("boom")
		case "mine":
			return nil, mine
		case "other":
			return nil, errors.New("unknown")
		case "param":
			return nil, Errorf(wechat.CodeMissingParam, "missing %s", "env")
		}
		return map[string]any{"errcode": 0, "appid": q.AppID}, nil
	})
	call := func(method, query, body string) map[string]any {
		t.Helper()
		r := httptest.NewRequest(method, "/tcb/x?"+query, strings.NewReader(body))
		w := httptest.NewRecorder()
		h(w, r)
		if w.Code != 200 {
			t.Fatalf("HTTP %d", w.Code)
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := func(out map[string]any, code int, msg string) {
		t.Helper()
		got, _ := out["errcode"].(float64)
		m, _ := out["errmsg"].(string)
		if int(got) != code || !strings.Contains(m, msg) || (code != 0 && !strings.Contains(m, " rid: ")) {
			t.Errorf("%v, want %d %q", out, code, msg)
		}
	}
	want(call("POST", "access_token=good", `{}`), 0, "")
	if out := call("POST", "access_token=good", `{}`); out["appid"] != "wxapp" {
		t.Errorf("appid: %v", out)
	}
	want(call("GET", "access_token=good", `{}`), wechat.CodeMethodNotAllowed, "require POST")
	want(call("POST", "", `{}`), wechat.CodeMissingToken, "access_token missing")
	want(call("POST", "access_token=old", `{}`), wechat.CodeTokenExpired, "access_token expired")
	want(call("POST", "access_token=good", ` `), wechat.CodeEmptyBody, "empty post data")
	want(call("POST", "access_token=good", `{"Do":"xxxxxxxxxxxxxxxxxxxxxxx"}`), wechat.CodeInvalidArgs, "exceeds 16 bytes")
	want(call("POST", "access_token=good", `[1]`), wechat.CodeBadBody, "data format error")
	want(call("POST", "access_token=good", `{} {}`), wechat.CodeBadBody, "trailing data")
	want(call("POST", "access_token=good", `{"Do":"panic"}`), wechat.CodeSystemBusy, "system error")
	want(call("POST", "access_token=good", `{"Do":"mine"}`), -502001, "module failure")
	want(call("POST", "access_token=good", `{"Do":"other"}`), wechat.CodeSystemBusy, "system error")
	want(call("POST", "access_token=good", `{"Do":"param"}`), wechat.CodeMissingParam, "missing env")

	// An injected fault comes before the token check.
	reg.Add(faults.Rule{Action: "/tcb/x", Count: 1, Errcode: -1, Message: "injected"})
	want(call("POST", "", `{}`), -1, "injected")
	want(call("POST", "", `{}`), wechat.CodeMissingToken, "")

	// Without a TokenChecker every token is refused.
	s.Tokens = nil
	want(call("POST", "access_token=good", `{}`), wechat.CodeInvalidToken, "invalid access_token")
}
