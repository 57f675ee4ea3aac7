package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// fakeCloud answers the WeChat API and the Tencent Cloud API with the
// configured failures: tokenErr from /cgi-bin/stable_token, callErr from
// every /tcb/* path, apiErr from every Cloud API action.
type fakeCloud struct {
	tokenErr, callErr int
	apiErr            string
}

func (c fakeCloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/cgi-bin/stable_token" && c.tokenErr != 0:
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":"injected"}`, c.tokenErr)
	case r.URL.Path == "/cgi-bin/stable_token":
		fmt.Fprint(w, `{"access_token":"tok-fake","expires_in":7200}`)
	case strings.HasPrefix(r.URL.Path, "/tcb/"):
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":"injected"}`, c.callErr)
	default:
		fmt.Fprintf(w, `{"Response":{"Error":{"Code":%q,"Message":"injected"},"RequestId":"req-fake"}}`, c.apiErr)
	}
}

// runAgainst runs tcb with args against srv, in a fresh configuration
// directory, and returns the exit code and stderr.
func runAgainst(t *testing.T, srv *httptest.Server, args ...string) (int, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	env := map[string]string{
		"TCB_CONFIG_DIR":         t.TempDir(),
		"TCB_WECHAT_API":         srv.URL,
		"TCB_WX_APPID":           "wx0123456789abcdef",
		"TCB_WX_SECRET":          "not-a-real-secret",
		"TENCENTCLOUD_SECRETID":  "AKIDnotreal",
		"TENCENTCLOUD_SECRETKEY": "not-a-real-key",
	}
	f.Getenv = func(k string) string { return env[k] }
	f.Prompter = prompt.NoTTY{}
	root := NewRoot(f)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	cmd, err := root.ExecuteContextC(context.Background())
	if err == nil {
		return cmdutil.ExitOK, errOut.String()
	}
	return PrintError(errOut, ios.ColorScheme(), cmd, err), errOut.String()
}

// One kind of failure gives one exit code, whichever way the command got
// there: the database over WeChat or over the Cloud API, a function invoked
// over WeChat, the token commands.
func TestExitCodeOfEachKindOnEveryPath(t *testing.T) {
	dbWeChat := []string{"db", "query", `db.collection("todos").get()`, "--via", "wechat", "-e", "env-1"}
	dbAPI := func(srv string) []string {
		return []string{"db", "query", `db.collection("todos").get()`, "--via", "api", "-e", "env-1", "--endpoint", srv}
	}
	fnWeChat := []string{"fn", "invoke", "hello", "--via", "wechat", "-e", "env-1"}
	tokenGet := []string{"token", "get"}

	cases := []struct {
		kind string
		want int
		fake fakeCloud
		args []string // nil: dbAPI
	}{
		{"auth: stale token on the business call", cmdutil.ExitAuth, fakeCloud{callErr: 40001}, dbWeChat},
		{"auth: access_token missing", cmdutil.ExitAuth, fakeCloud{callErr: 41001}, dbWeChat},
		{"auth: expired token", cmdutil.ExitAuth, fakeCloud{callErr: 42001}, fnWeChat},
		{"auth: wrong AppSecret while getting the token", cmdutil.ExitAuth, fakeCloud{tokenErr: 40125}, dbWeChat},
		{"auth: wrong AppID while getting the token", cmdutil.ExitAuth, fakeCloud{tokenErr: 40013}, fnWeChat},
		{"auth: wrong AppSecret", cmdutil.ExitAuth, fakeCloud{tokenErr: 40125}, tokenGet},
		{"auth: Cloud API keys rejected", cmdutil.ExitAuth, fakeCloud{apiErr: "AuthFailure.SignatureFailure"}, nil},

		{"input: statement rejected", cmdutil.ExitInput, fakeCloud{callErr: -501007}, dbWeChat},
		{"input: malformed body", cmdutil.ExitInput, fakeCloud{callErr: 47001}, dbWeChat},
		{"input: invalid arguments", cmdutil.ExitInput, fakeCloud{callErr: 40097}, fnWeChat},
		{"input: malformed token request", cmdutil.ExitInput, fakeCloud{tokenErr: 47001}, tokenGet},
		{"input: Cloud API parameter", cmdutil.ExitInput, fakeCloud{apiErr: "InvalidParameter"}, nil},

		{"not found: collection", cmdutil.ExitNotFound, fakeCloud{callErr: -502005}, dbWeChat},
		{"not found: environment", cmdutil.ExitNotFound, fakeCloud{callErr: -501000}, dbWeChat},
		{"not found: function", cmdutil.ExitNotFound, fakeCloud{callErr: -501000}, fnWeChat},
		{"not found: Cloud API resource", cmdutil.ExitNotFound, fakeCloud{apiErr: "ResourceNotFound"}, nil},

		{"remote: database failure", cmdutil.ExitAPI, fakeCloud{callErr: -502001}, dbWeChat},
		{"remote: quota", cmdutil.ExitAPI, fakeCloud{callErr: 45009}, dbWeChat},
		{"remote: per-minute quota", cmdutil.ExitAPI, fakeCloud{callErr: 45011}, fnWeChat},
		{"remote: daily quota of the token", cmdutil.ExitAPI, fakeCloud{tokenErr: 45009}, tokenGet},
		{"remote: IP not whitelisted", cmdutil.ExitAPI, fakeCloud{tokenErr: 40164}, tokenGet},
		{"remote: IP not whitelisted while getting the token", cmdutil.ExitAPI, fakeCloud{tokenErr: 40164}, dbWeChat},
		{"remote: Cloud API failure", cmdutil.ExitAPI, fakeCloud{apiErr: "FailedOperation"}, nil},

		{"failed: the function threw", cmdutil.ExitError, fakeCloud{callErr: -504002}, fnWeChat},
		{"failed: the function timed out", cmdutil.ExitError, fakeCloud{callErr: -504003}, fnWeChat},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			srv := httptest.NewServer(tc.fake)
			defer srv.Close()
			args := tc.args
			if args == nil {
				args = dbAPI(srv.URL)
			}
			code, stderr := runAgainst(t, srv, args...)
			if code != tc.want {
				t.Fatalf("tcb %s: exit %d, want %d\n%s", strings.Join(args, " "), code, tc.want, stderr)
			}
			if strings.Contains(stderr, "not-a-real-secret") || strings.Contains(stderr, "tok-fake") {
				t.Fatalf("a secret or token in the output:\n%s", stderr)
			}
		})
	}
}
