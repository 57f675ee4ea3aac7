package wxcode

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/iostreams"
)

func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	return emulatortest.Start(t, emulatortest.Options{},
		wxapi.New(wxapi.Options{Apps: map[string]string{"wx1111222233334444": "other-secret"}})).Emulator
}

func run(t *testing.T, env map[string]string, jsonOut bool, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := cmdutil.New("test", ios)
	f.Getenv = func(k string) string { return env[k] }
	f.Globals.JSON = jsonOut
	cmd := NewCmdWechatCode(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func exitCode(err error) int {
	var ce *cmdutil.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// exchange calls jscode2session with the demo app.
func exchange(t *testing.T, e *emulator.Emulator, appid, secret, code string) map[string]any {
	t.Helper()
	q := url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	resp, err := http.Get(e.Endpoint() + wxapi.PathJSCode2Session + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWechatCode(t *testing.T) {
	e := startEmulator(t)
	env := map[string]string{"TCB_EMULATOR_HOST": e.Addr()}

	out, err := run(t, env, false, "--openid", "oAlice", "--unionid", "uAlice")
	if err != nil {
		t.Fatal(err)
	}
	code := strings.TrimSpace(out)
	if code == "" || strings.Contains(code, " ") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("output %q", out)
	}
	if a := exchange(t, e, config.EmulatorWxAppID, config.EmulatorWxSecret, code); a["openid"] != "oAlice" || a["unionid"] != "uAlice" {
		t.Fatalf("jscode2session: %v", a)
	}

	// TCB_WX_APPID picks the app; --appid overrides it.
	env["TCB_WX_APPID"] = "wx1111222233334444"
	out, err = run(t, env, true, "--openid", "oBob")
	var res Result
	if err != nil || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("--json: %v %q", err, out)
	}
	if res.AppID != "wx1111222233334444" || res.Kind != "login" || res.OpenID != "oBob" || res.ExpiresIn != 300 {
		t.Fatalf("--json: %+v", res)
	}
	if a := exchange(t, e, "wx1111222233334444", "other-secret", res.Code); a["openid"] != "oBob" {
		t.Fatalf("other app: %v", a)
	}
	out, err = run(t, env, true, "--phone", "+1 4155552671", "--appid", config.EmulatorWxAppID)
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Kind != "phone" || res.AppID != config.EmulatorWxAppID || res.Phone != "+14155552671" {
		t.Fatalf("--phone: %v %q", err, out)
	}
}

func TestWechatCodeErrors(t *testing.T) {
	e := startEmulator(t)
	env := map[string]string{"TCB_EMULATOR_HOST": e.Addr()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"no flag", env, nil, cmdutil.ExitInput},
		{"both", env, []string{"--openid", "o", "--phone", "13800138000"}, cmdutil.ExitInput},
		{"unionid alone", env, []string{"--phone", "13800138000", "--unionid", "u"}, cmdutil.ExitInput},
		{"bad phone", env, []string{"--phone", "call me"}, cmdutil.ExitInput},
		{"bad openid", env, []string{"--openid", "a b"}, cmdutil.ExitInput},
		{"unknown app", env, []string{"--openid", "o", "--appid", "wxnope"}, cmdutil.ExitInput},
		{"no emulator", map[string]string{"TCB_EMULATOR_HOST": closed}, []string{"--openid", "o"}, cmdutil.ExitAPI},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, c.env, false, c.args...)
			if got := exitCode(err); got != c.want {
				t.Fatalf("exit %d (%v), want %d", got, err, c.want)
			}
			if strings.TrimSpace(out) != "" && !strings.Contains(out, "Usage") {
				t.Fatalf("printed %q", out)
			}
		})
	}
	_, err = run(t, map[string]string{"TCB_EMULATOR_HOST": closed}, false, "--openid", "o")
	var ce *cmdutil.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Hint, closed) {
		t.Fatalf("hint: %+v", ce)
	}
	_, err = run(t, env, false, "--openid", "o", "--appid", "wxnope")
	if err == nil || !strings.Contains(err.Error(), `unknown appid "wxnope"`) {
		t.Fatalf("unknown app: %v", err)
	}
}
