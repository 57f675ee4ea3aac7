package shared

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func exitCode(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

func TestMapError(t *testing.T) {
	file := &cmdutil.TokenStore{Kind: "file", Desc: "/x/tokens.json"}
	redis := &cmdutil.TokenStore{Kind: "redis", Desc: "redis://127.0.0.1:1/0"}
	cases := []struct {
		name string
		st   *cmdutil.TokenStore
		err  error
		code int
	}{
		{"wrong secret", nil, &wechat.APIError{Code: 40125, Path: wechat.PathStableToken}, cmdutil.ExitAuth},
		{"legacy 40001", nil, &wechat.APIError{Code: 40001, Path: wechat.PathToken}, cmdutil.ExitAuth},
		{"quota", nil, &wechat.APIError{Code: 45009, Path: wechat.PathStableToken}, cmdutil.ExitAPI},
		{"ip whitelist", nil, &wechat.APIError{Code: 40164, Path: wechat.PathStableToken}, cmdutil.ExitAPI},
		{"system error", nil, fmt.Errorf("wrapped: %w", &wechat.APIError{Code: -1, Path: wechat.PathStableToken}), cmdutil.ExitAPI},
		{"server 401", nil, &token.ServerError{StatusCode: 401, Code: "unauthorized"}, cmdutil.ExitAuth},
		{"server unknown app", nil, &token.ServerError{StatusCode: 404, Code: "unknown_app"}, cmdutil.ExitNotFound},
		{"server 400", nil, &token.ServerError{StatusCode: 400, Code: "bad_request"}, cmdutil.ExitInput},
		{"server 503", nil, &token.ServerError{StatusCode: 503, Code: "upstream_error"}, cmdutil.ExitAPI},
		{"force limit", file, &token.ForceLimitError{AppID: "wx1", RetryAfter: 10 * time.Second, Spacing: 30 * time.Second}, cmdutil.ExitError},
		{"force daily", file, &token.ForceLimitError{AppID: "wx1", Daily: true, Count: 20, Limit: 20}, cmdutil.ExitError},
		{"transport", nil, &wechat.TransportError{Method: "POST", Path: "/cgi-bin/stable_token"}, cmdutil.ExitAPI},
		{"redis down", redis, errors.New("dial tcp: connection refused"), cmdutil.ExitAPI},
		{"file store", file, errors.New("permission denied"), cmdutil.ExitLocal},
		{"unknown app", nil, fmt.Errorf("%w wx1", token.ErrUnknownApp), cmdutil.ExitInput},
		{"already typed", file, cmdutil.FlagErrorf("x"), cmdutil.ExitInput},
	}
	for _, c := range cases {
		got := MapError("token get", c.st, c.err)
		if exitCode(got) != c.code {
			t.Errorf("%s: exit %d (%v), want %d", c.name, exitCode(got), got, c.code)
		}
	}
	if err := MapServerError("token get", &token.ServerClient{BaseURL: "http://x"}, errors.New("token server GET /v1/token: connection refused")); exitCode(err) != cmdutil.ExitAPI {
		t.Errorf("server transport: %v", err)
	}
	if MapError("x", nil, nil) != nil {
		t.Error("nil must stay nil")
	}
}
