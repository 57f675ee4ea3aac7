package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/project"
)

func testFactory(t *testing.T, env map[string]string) *Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := New("test", ios)
	dir := t.TempDir()
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return dir
		}
		return env[k]
	}
	return f
}

func TestCredentialPrecedence(t *testing.T) {
	env := map[string]string{}
	f := testFactory(t, env)
	st, _ := f.Config()
	st.UpdateCredentials("default", func(c *config.Credentials) error {
		c.SecretID, c.SecretKey, c.WxAppID, c.WxSecret = "AKIDprofile", "kp", "wxprofile", "sp"
		return nil
	})
	st.UpdateCredentials("other", func(c *config.Credentials) error {
		c.SecretID, c.SecretKey = "AKIDother", "ko"
		return nil
	})

	c, err := f.Credentials()
	if err != nil || c.SecretID != "AKIDprofile" || c.CloudSource != config.SourceProfile || c.WxAppID != "wxprofile" {
		t.Fatalf("profile: %+v %v", c, err)
	}
	env["TENCENTCLOUD_SECRETID"], env["TENCENTCLOUD_SECRETKEY"] = "AKIDenv", "ke"
	c, _ = f.Credentials()
	if c.SecretID != "AKIDenv" || c.CloudSource != config.SourceEnv || c.WxAppID != "wxprofile" {
		t.Fatalf("env over profile: %+v", c)
	}
	// Half a pair in the environment is an error naming the missing
	// variable, not a silent fallback to the profile's keys.
	delete(env, "TENCENTCLOUD_SECRETKEY")
	_, err = f.Credentials()
	if err == nil || !strings.Contains(err.Error(), "TENCENTCLOUD_SECRETID is set but TENCENTCLOUD_SECRETKEY is not") || ExitCode(err) != ExitAuth {
		t.Fatalf("half an env pair: %v (exit %d)", err, ExitCode(err))
	}
	env["TENCENTCLOUD_SECRET_KEY"] = "ke"
	delete(env, "TENCENTCLOUD_SECRETID")
	if _, err = f.Credentials(); err == nil || !strings.Contains(err.Error(), "TENCENTCLOUD_SECRETKEY is set but TENCENTCLOUD_SECRETID is not") {
		t.Fatalf("the key alone: %v", err)
	}
	delete(env, "TENCENTCLOUD_SECRET_KEY")
	env["TENCENTCLOUD_SESSIONTOKEN"] = "tok"
	if _, err = f.Credentials(); err == nil || !strings.Contains(err.Error(), "SESSIONTOKEN is set without") {
		t.Fatalf("a token alone: %v", err)
	}
	delete(env, "TENCENTCLOUD_SESSIONTOKEN")
	// --profile beats TCB_PROFILE.
	env["TCB_PROFILE"] = "other"
	c, _ = f.Credentials()
	if c.SecretID != "AKIDother" {
		t.Fatalf("TCB_PROFILE: %+v", c)
	}
	f.Globals.Profile = "default"
	c, _ = f.Credentials()
	if c.SecretID != "AKIDprofile" {
		t.Fatalf("--profile: %+v", c)
	}
	// The emulator's dev keys only fill in when nothing is configured.
	env["TCB_EMULATOR_HOST"] = "127.0.0.1:9800"
	c, _ = f.Credentials()
	if c.SecretID != "AKIDprofile" {
		t.Fatalf("emulator must not override configured keys: %+v", c)
	}
	f.Globals.Profile = "empty"
	c, _ = f.Credentials()
	if c.SecretID != config.EmulatorSecretID || c.CloudSource != config.SourceEmulator || c.WxAppID != config.EmulatorWxAppID {
		t.Fatalf("emulator default: %+v", c)
	}
	if f.Endpoint() != "http://127.0.0.1:9800" {
		t.Fatalf("endpoint %q", f.Endpoint())
	}
	f.Globals.Endpoint = "http://10.0.0.1:1"
	if f.Endpoint() != "http://10.0.0.1:1" {
		t.Fatalf("--endpoint must win: %q", f.Endpoint())
	}
}

func TestEnvIDAndRegionPrecedence(t *testing.T) {
	env := map[string]string{}
	f := testFactory(t, env)
	st, _ := f.Config()
	st.UpdateSettings("default", func(s *config.Settings) error { s.EnvID, s.Region = "profile-env", "ap-beijing"; return nil })
	proj := &project.Project{ConfigPath: "cloudbaserc.json"}
	f.ProjectConfig = func() (*project.Project, error) { return proj, nil }

	check := func(wantEnv, wantRegion string) {
		t.Helper()
		id, err := f.EnvID()
		if err != nil || id != wantEnv {
			t.Fatalf("env id %q (%v), want %q", id, err, wantEnv)
		}
		r, err := f.Region()
		if err != nil || r != wantRegion {
			t.Fatalf("region %q (%v), want %q", r, err, wantRegion)
		}
	}
	check("profile-env", "ap-beijing")
	proj.EnvID, proj.Region = "project-env", "gz"
	check("project-env", "ap-guangzhou")
	env["TCB_ENV_ID"], env["TCB_REGION"] = "envvar-env", "ap-chengdu"
	check("envvar-env", "ap-chengdu")
	f.Globals.EnvID, f.Globals.Region = "flag-env", "sh"
	check("flag-env", "ap-shanghai")

	f.Globals.Region = "bogus region"
	if _, err := f.Region(); err == nil || ExitCode(err) != ExitInput {
		t.Fatalf("bad region: %v", err)
	}
}

// -r and TCB_REGION win without reading the lower sources, so a broken
// config.json or project config does not get in their way.
func TestRegionFlagDoesNotNeedLowerSources(t *testing.T) {
	env := map[string]string{}
	f := testFactory(t, env)
	st, _ := f.Config()
	if err := os.WriteFile(st.SettingsPath(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.ProjectConfig = func() (*project.Project, error) { return nil, LocalErrorf("cloudbaserc.json: broken") }
	if _, err := f.Region(); err == nil {
		t.Fatal("no source names a region and two are broken: want an error")
	}
	env["TCB_REGION"] = "gz"
	if r, err := f.Region(); err != nil || r != "ap-guangzhou" {
		t.Fatalf("TCB_REGION: %q %v", r, err)
	}
	f.Globals.Region = "sh"
	if r, err := f.Region(); err != nil || r != "ap-shanghai" {
		t.Fatalf("--region: %q %v", r, err)
	}
}

// A Factory from New reads the project config of the working directory:
// its envId and region count without any wiring by pkg/app.
func TestNewLoadsTheProjectConfig(t *testing.T) {
	dir := t.TempDir()
	rc := `{"version": "2.0", "envId": "rc-env-1a2b3c", "region": "ap-guangzhou"}`
	if err := os.WriteFile(filepath.Join(dir, "cloudbaserc.json"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f := testFactory(t, map[string]string{})
	if id, err := f.EnvID(); err != nil || id != "rc-env-1a2b3c" {
		t.Fatalf("env id %q (%v), want the project's", id, err)
	}
	if r, err := f.Region(); err != nil || r != "ap-guangzhou" {
		t.Fatalf("region %q (%v), want the project's", r, err)
	}
	p, err := f.ProjectConfig()
	if err != nil || p == nil || p.ConfigPath != filepath.Join(dir, "cloudbaserc.json") {
		t.Fatalf("project %+v (%v)", p, err)
	}

	// A broken project config is a local error, whoever asks.
	if err := os.WriteFile(filepath.Join(dir, "cloudbaserc.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	f = testFactory(t, map[string]string{})
	if _, err := f.EnvID(); ExitCode(err) != ExitLocal {
		t.Fatalf("broken cloudbaserc.json: %v (exit %d)", err, ExitCode(err))
	}
}

// What one `tcb db query` asks of the Factory reads config.json and
// credentials.json once each.
func TestSettingsAndCredentialsAreReadOnce(t *testing.T) {
	f := testFactory(t, map[string]string{})
	st, _ := f.Config()
	st.UpdateSettings("default", func(s *config.Settings) error { s.EnvID, s.Region = "env-1", "gz"; return nil })
	st.UpdateCredentials("default", func(c *config.Credentials) error {
		c.SecretID, c.SecretKey, c.WxAppID, c.WxSecret = "AKIDx", "k", "wx0123456789abcdef", "s"
		return nil
	})
	reads := map[string]int{}
	st.OnRead = func(path string) { reads[filepath.Base(path)]++ }

	for range 3 {
		if _, err := f.Credentials(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Settings(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.RequireEnvID(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Region(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ResolveWeChatApp(""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.TokenServer("", false); err != nil {
			t.Fatal(err)
		}
		f.WantsJSON()
	}
	if reads["config.json"] != 1 || reads["credentials.json"] != 1 {
		t.Fatalf("reads %v, want config.json and credentials.json once each", reads)
	}

	// A write through the store is seen by the next read.
	st.UpdateSettings("default", func(s *config.Settings) error { s.EnvID = "env-2"; return nil })
	if id, _ := f.EnvID(); id != "env-2" {
		t.Fatalf("env id %q after the update, want env-2", id)
	}
}
