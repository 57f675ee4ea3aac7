package cmdutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func wechatFactory(t *testing.T, env map[string]string) (*Factory, *bytes.Buffer) {
	t.Helper()
	ios, in, _, _ := iostreams.Test()
	f := New("test", ios)
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

func TestBaseURL(t *testing.T) {
	env := map[string]string{}
	f, _ := wechatFactory(t, env)
	for _, c := range []struct {
		api, emu, want string
		code           int
	}{
		{"", "", wechat.DefaultBaseURL, 0},
		{"", "127.0.0.1:9800", "http://127.0.0.1:9800", 0},
		{"https://proxy.example.com/wx/", "127.0.0.1:9800", "https://proxy.example.com/wx", 0},
		{"ftp://x", "", "", ExitInput},
		{"https://user:pw@x", "", "", ExitInput},
	} {
		env[EnvWeChatAPI], env["TCB_EMULATOR_HOST"] = c.api, c.emu
		got, err := f.WeChatBaseURL()
		if got != c.want || ExitCode(err) != c.code && !(err == nil && c.code == 0) {
			t.Errorf("api=%q emu=%q: %q %v", c.api, c.emu, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error echoes the URL's password: %v", err)
		}
	}
}

func TestOpenStore(t *testing.T) {
	env := map[string]string{}
	f, _ := wechatFactory(t, env)
	st, err := f.OpenTokenStore("")
	if err != nil || st.Kind != "file" || filepath.Base(st.Desc) != token.DefaultFileName {
		t.Fatalf("default: %+v %v", st, err)
	}
	p := filepath.Join(t.TempDir(), "t.json")
	if st, err := f.OpenTokenStore("file:" + p); err != nil || st.Desc != p {
		t.Fatalf("file:PATH: %+v %v", st, err)
	}
	env[EnvTokenStore] = "redis://user:hunter2@127.0.0.1:6379/3"
	st, err = f.OpenTokenStore("")
	if err != nil || st.Kind != "redis" || strings.Contains(st.Desc, "hunter2") || !strings.Contains(st.Desc, "127.0.0.1:6379/3") {
		t.Fatalf("redis from env: %+v %v", st, err)
	}
	st.Close()
	for _, bad := range []string{"redis//user:hunter2@x", "mysql://root:hunter2@db", "file:", "redis://user:hunter2@local host:1"} {
		_, err := f.OpenTokenStore(bad)
		if ExitCode(err) != ExitInput || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestResolveApp(t *testing.T) {
	env := map[string]string{}
	f, _ := wechatFactory(t, env)
	if _, err := f.ResolveWeChatApp(""); ExitCode(err) != ExitInput {
		t.Fatalf("nothing configured: %v", err)
	}
	env["TCB_EMULATOR_HOST"] = "127.0.0.1:1"
	app, err := f.ResolveWeChatApp("")
	if err != nil || app.ID != config.EmulatorWxAppID || app.Secret != config.EmulatorWxSecret {
		t.Fatalf("emulator demo app: %+v %v", app, err)
	}
	// --appid with only TCB_WX_SECRET: the secret applies.
	env["TCB_WX_SECRET"] = "s-env"
	app, _ = f.ResolveWeChatApp("wx1111111111111111")
	if app.Secret != "s-env" || app.Source != config.SourceEnv {
		t.Fatalf("--appid + TCB_WX_SECRET: %+v", app)
	}
	// TCB_WX_APPID names another app: its secret does not apply.
	env["TCB_WX_APPID"] = "wx2222222222222222"
	if app, _ := f.ResolveWeChatApp("wx1111111111111111"); app.Secret != "" {
		t.Fatalf("secret of another app leaked over: %+v", app)
	}
	if app, _ := f.ResolveWeChatApp(""); app.ID != "wx2222222222222222" || app.Secret != "s-env" {
		t.Fatalf("TCB_WX_APPID: %+v", app)
	}
	if _, err := f.ResolveWeChatApp("../etc/passwd"); ExitCode(err) != ExitInput {
		t.Fatalf("bad appid: %v", err)
	}
}

func TestResolveSecret(t *testing.T) {
	f, in := wechatFactory(t, map[string]string{})
	app := WeChatApp{ID: "wx1111111111111111"}
	err := f.ResolveWeChatSecret(&app, "")
	if ExitCode(err) != ExitAuth || !strings.Contains(err.Error(), "--secret-file") || !strings.Contains(err.Error(), "TCB_WX_SECRET") {
		t.Fatalf("no TTY: %v", err)
	}
	p := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(p, []byte("  from-file\n"), 0o600)
	if err := f.ResolveWeChatSecret(&app, p); err != nil || app.Secret != "from-file" {
		t.Fatalf("file: %q %v", app.Secret, err)
	}
	in.WriteString("from-stdin\n")
	if err := f.ResolveWeChatSecret(&app, "-"); err != nil || app.Secret != "from-stdin" {
		t.Fatalf("stdin: %q %v", app.Secret, err)
	}
	os.WriteFile(p, []byte("two words"), 0o600)
	if err := f.ResolveWeChatSecret(&app, p); ExitCode(err) != ExitInput {
		t.Fatalf("bad file: %v", err)
	}
	if err := f.ResolveWeChatSecret(&app, filepath.Join(t.TempDir(), "missing")); ExitCode(err) != ExitLocal {
		t.Fatalf("missing file: %v", err)
	}
	// On a terminal: a hidden prompt.
	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStdoutTTY(true)
	fake := (&prompt.Fake{}).Answer("AppSecret of wx3333333333333333", "typed")
	f.Prompter = fake
	app = WeChatApp{ID: "wx3333333333333333"}
	if err := f.ResolveWeChatSecret(&app, ""); err != nil || app.Secret != "typed" {
		t.Fatalf("prompt: %q %v", app.Secret, err)
	}
	if err := fake.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TCB_WX_APPID without TCB_WX_SECRET names the app; the secret saved for
// that same app still applies, and no other app's secret does.
func TestEnvAppIDKeepsSavedSecret(t *testing.T) {
	env := map[string]string{}
	f, _ := wechatFactory(t, env)
	st, _ := f.Config()
	if err := st.UpdateCredentials("default", func(c *config.Credentials) error {
		c.WxAppID, c.WxSecret = "wx3333333333333333", "s-saved"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	env["TCB_WX_APPID"] = "wx3333333333333333"
	app, err := f.ResolveWeChatApp("")
	if err != nil || app.ID != "wx3333333333333333" || app.Secret != "s-saved" || app.Source != config.SourceProfile {
		t.Fatalf("TCB_WX_APPID of the saved app: %+v %v", app, err)
	}
	env["TCB_WX_APPID"] = "wx4444444444444444"
	if app, _ := f.ResolveWeChatApp(""); app.ID != "wx4444444444444444" || app.Secret != "" {
		t.Fatalf("another app's saved secret applied: %+v", app)
	}
	// The emulator's demo app named alone gets the demo secret.
	env["TCB_EMULATOR_HOST"], env["TCB_WX_APPID"] = "127.0.0.1:1", config.EmulatorWxAppID
	if app, _ := f.ResolveWeChatApp(""); app.Secret != config.EmulatorWxSecret {
		t.Fatalf("the demo app by TCB_WX_APPID: %+v", app)
	}
}
