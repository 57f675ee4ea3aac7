package shared

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func testFactory(t *testing.T, env map[string]string) (*cmdutil.Factory, *bytes.Buffer) {
	t.Helper()
	ios, in, _, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	dir := t.TempDir()
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return dir
		}
		return env[k]
	}
	f.Prompter = prompt.NoTTY{}
	return f, in
}

func exitCode(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

func TestBaseURL(t *testing.T) {
	env := map[string]string{}
	f, _ := testFactory(t, env)
	for _, c := range []struct {
		api, emu, want string
		code           int
	}{
		{"", "", wechat.DefaultBaseURL, 0},
		{"", "127.0.0.1:9800", "http://127.0.0.1:9800", 0},
		{"https://proxy.example.com/wx/", "127.0.0.1:9800", "https://proxy.example.com/wx", 0},
		{"ftp://x", "", "", cmdutil.ExitInput},
		{"https://user:pw@x", "", "", cmdutil.ExitInput},
	} {
		env[EnvWeChatAPI], env["TCB_EMULATOR_HOST"] = c.api, c.emu
		got, err := BaseURL(f)
		if got != c.want || exitCode(err) != c.code && !(err == nil && c.code == 0) {
			t.Errorf("api=%q emu=%q: %q %v", c.api, c.emu, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error echoes the URL's password: %v", err)
		}
	}
}

func TestOpenStore(t *testing.T) {
	env := map[string]string{}
	f, _ := testFactory(t, env)
	st, err := OpenStore(f, "")
	if err != nil || st.Kind != "file" || filepath.Base(st.Desc) != TokenFile {
		t.Fatalf("default: %+v %v", st, err)
	}
	p := filepath.Join(t.TempDir(), "t.json")
	if st, err := OpenStore(f, "file:"+p); err != nil || st.Desc != p {
		t.Fatalf("file:PATH: %+v %v", st, err)
	}
	env[EnvStore] = "redis://user:hunter2@127.0.0.1:6379/3"
	st, err = OpenStore(f, "")
	if err != nil || st.Kind != "redis" || strings.Contains(st.Desc, "hunter2") || !strings.Contains(st.Desc, "127.0.0.1:6379/3") {
		t.Fatalf("redis from env: %+v %v", st, err)
	}
	st.Close()
	for _, bad := range []string{"redis//user:hunter2@x", "mysql://root:hunter2@db", "file:", "redis://user:hunter2@local host:1"} {
		_, err := OpenStore(f, bad)
		if exitCode(err) != cmdutil.ExitInput || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestResolveApp(t *testing.T) {
	env := map[string]string{}
	f, _ := testFactory(t, env)
	if _, err := ResolveApp(f, ""); exitCode(err) != cmdutil.ExitInput {
		t.Fatalf("nothing configured: %v", err)
	}
	env["TCB_EMULATOR_HOST"] = "127.0.0.1:1"
	app, err := ResolveApp(f, "")
	if err != nil || app.ID != config.EmulatorWxAppID || app.Secret != config.EmulatorWxSecret {
		t.Fatalf("emulator demo app: %+v %v", app, err)
	}
	// --appid with only TCB_WX_SECRET: the secret applies.
	env["TCB_WX_SECRET"] = "s-env"
	app, _ = ResolveApp(f, "wx1111111111111111")
	if app.Secret != "s-env" || app.Source != config.SourceEnv {
		t.Fatalf("--appid + TCB_WX_SECRET: %+v", app)
	}
	// TCB_WX_APPID names another app: its secret does not apply.
	env["TCB_WX_APPID"] = "wx2222222222222222"
	if app, _ := ResolveApp(f, "wx1111111111111111"); app.Secret != "" {
		t.Fatalf("secret of another app leaked over: %+v", app)
	}
	if app, _ := ResolveApp(f, ""); app.ID != "wx2222222222222222" || app.Secret != "s-env" {
		t.Fatalf("TCB_WX_APPID: %+v", app)
	}
	if _, err := ResolveApp(f, "../etc/passwd"); exitCode(err) != cmdutil.ExitInput {
		t.Fatalf("bad appid: %v", err)
	}
}

func TestResolveSecret(t *testing.T) {
	f, in := testFactory(t, map[string]string{})
	app := App{ID: "wx1111111111111111"}
	err := ResolveSecret(f, &app, "")
	if exitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "--secret-file") || !strings.Contains(err.Error(), "TCB_WX_SECRET") {
		t.Fatalf("no TTY: %v", err)
	}
	p := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(p, []byte("  from-file\n"), 0o600)
	if err := ResolveSecret(f, &app, p); err != nil || app.Secret != "from-file" {
		t.Fatalf("file: %q %v", app.Secret, err)
	}
	in.WriteString("from-stdin\n")
	if err := ResolveSecret(f, &app, "-"); err != nil || app.Secret != "from-stdin" {
		t.Fatalf("stdin: %q %v", app.Secret, err)
	}
	os.WriteFile(p, []byte("two words"), 0o600)
	if err := ResolveSecret(f, &app, p); exitCode(err) != cmdutil.ExitInput {
		t.Fatalf("bad file: %v", err)
	}
	if err := ResolveSecret(f, &app, filepath.Join(t.TempDir(), "missing")); exitCode(err) != cmdutil.ExitLocal {
		t.Fatalf("missing file: %v", err)
	}
	// On a terminal: a hidden prompt.
	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStdoutTTY(true)
	fake := (&prompt.Fake{}).Answer("AppSecret of wx3333333333333333", "typed")
	f.Prompter = fake
	app = App{ID: "wx3333333333333333"}
	if err := ResolveSecret(f, &app, ""); err != nil || app.Secret != "typed" {
		t.Fatalf("prompt: %q %v", app.Secret, err)
	}
	if err := fake.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestMapError(t *testing.T) {
	file := &Store{Kind: "file", Desc: "/x/tokens.json"}
	redis := &Store{Kind: "redis", Desc: "redis://127.0.0.1:1/0"}
	cases := []struct {
		name string
		st   *Store
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
	if err := MapServerError("token get", &Server{URL: "http://x"}, errors.New("token server GET /v1/token: connection refused")); exitCode(err) != cmdutil.ExitAPI {
		t.Errorf("server transport: %v", err)
	}
	if MapError("x", nil, nil) != nil {
		t.Error("nil must stay nil")
	}
}
