package docdb

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// fakeFunctions stands in for the functions module: "echo" returns its
// event, "throw" fails like a throwing function, "slow" waits for the
// deadline, "broken" fails inside the emulator.
type fakeFunctions struct{}

func (fakeFunctions) InvokeHTTP(ctx context.Context, env, name string, event []byte, appid string, timeout time.Duration) (string, int, string, error) {
	switch name {
	case "echo":
		return `{"event":` + string(event) + `,"env":"` + env + `"}`, 0, "", nil
	case "throw":
		return "", wechat.CodeFunctionFailed, FunctionFailedMessage("Error: boom"), nil
	case "slow":
		if timeout != FunctionTimeout {
			return "", -1, "bad timeout", nil
		}
		<-ctx.Done()
		return "", wechat.CodeFunctionTimeout, "Invoking task timed out after 5 seconds", nil
	case "broken":
		return "", 0, "", errors.New("node exploded")
	}
	return "", wechat.CodeCloudParamInvalid, "[ResourceNotFound] FunctionName parameter could not be found", nil
}

func TestInvokeCloudFunction(t *testing.T) {
	h := start(t, "", Options{Functions: fakeFunctions{}})
	env, _ := h.newEnv()
	ctx := context.Background()
	resp, err := h.wx.InvokeCloudFunction(ctx, h.tok, env, "echo", []byte(`{"a":1}`))
	if err != nil || resp != `{"event":{"a":1},"env":"`+env+`"}` {
		t.Fatalf("%q %v", resp, err)
	}
	if resp, err := h.wx.InvokeCloudFunction(ctx, h.tok, env, "echo", nil); err != nil || !strings.Contains(resp, `"event":{}`) {
		t.Fatalf("nil event: %q %v", resp, err)
	}
	_, err = h.wx.InvokeCloudFunction(ctx, h.tok, env, "throw", nil)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != -504002 || !strings.HasPrefix(ae.Msg, "functions execute fail | errMsg: Error: boom") {
		t.Fatalf("throw: %v", err)
	}
	_, err = h.wx.InvokeCloudFunction(ctx, h.tok, env, "missing", nil)
	if code, _ := wechat.ErrCode(err); code != -501000 {
		t.Fatalf("missing: %v", err)
	}
	_, err = h.wx.InvokeCloudFunction(ctx, h.tok, env, "broken", nil)
	if code, _ := wechat.ErrCode(err); code != -1 {
		t.Fatalf("broken: %v", err)
	}
	_, err = h.wx.InvokeCloudFunction(ctx, h.tok, "nope", "echo", nil)
	if code, _ := wechat.ErrCode(err); code != -501000 {
		t.Fatalf("bad env: %v", err)
	}
	_, err = h.wx.InvokeCloudFunction(ctx, h.expiredToken(), env, "echo", nil)
	if code, _ := wechat.ErrCode(err); code != 42001 {
		t.Fatalf("expired: %v", err)
	}
	// Missing query parameters, a body that is not JSON.
	for _, c := range []struct {
		q    url.Values
		body string
		code int
	}{
		{url.Values{"name": {"echo"}}, "{}", 40101},
		{url.Values{"env": {env}}, "{}", 40101},
		{url.Values{"env": {env}, "name": {"echo"}}, "not json", 47001},
	} {
		err := h.wx.Call(ctx, wechat.PathInvokeCloudFunction, h.tok, c.q, []byte(c.body), nil)
		if code, _ := wechat.ErrCode(err); code != c.code {
			t.Errorf("%v %q: %v, want %d", c.q, c.body, err, c.code)
		}
	}
	// Without an invoker the endpoint answers a clear error.
	h2 := start(t, "", Options{})
	env2, _ := h2.newEnv()
	_, err = h2.wx.InvokeCloudFunction(ctx, h2.tok, env2, "echo", nil)
	if code, _ := wechat.ErrCode(err); code != -501001 {
		t.Fatalf("no invoker: %v", err)
	}
}

// The 5 s limit of HTTP-triggered functions (slow test: skipped with -short).
func TestInvokeTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 5 s")
	}
	h := start(t, "", Options{Functions: fakeFunctions{}})
	env, _ := h.newEnv()
	start := time.Now()
	_, err := h.wx.InvokeCloudFunction(context.Background(), h.tok, env, "slow", nil)
	if code, _ := wechat.ErrCode(err); code != wechat.CodeFunctionTimeout {
		t.Fatalf("slow: %v", err)
	}
	if d := time.Since(start); d < FunctionTimeout || d > FunctionTimeout+2*time.Second {
		t.Fatalf("took %v", d)
	}
}
