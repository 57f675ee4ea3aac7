package cmdutil

import (
	"os"
	"testing"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/iostreams"
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
	// Only one of the pair in the environment does not count.
	delete(env, "TENCENTCLOUD_SECRETKEY")
	c, _ = f.Credentials()
	if c.SecretID != "AKIDprofile" {
		t.Fatalf("half an env pair: %+v", c)
	}
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
	project := &ProjectInfo{Path: "cloudbaserc.json"}
	f.Project = func() (*ProjectInfo, error) { return project, nil }

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
	project.EnvID, project.Region = "project-env", "gz"
	check("project-env", "ap-guangzhou")
	env["TCB_ENV_ID"], env["TCB_REGION"] = "envvar-env", "ap-chengdu"
	check("envvar-env", "ap-chengdu")
	f.Globals.EnvID, f.Globals.Region = "flag-env", "sh"
	check("flag-env", "ap-shanghai")

	f.Globals.Region = "bogus region"
	if _, err := f.Region(); err == nil || exitCodeOf(err) != ExitInput {
		t.Fatalf("bad region: %v", err)
	}
}

// exitCodeOf mirrors pkg/app's mapping for *Error.
func exitCodeOf(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return -1
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
	f.Project = func() (*ProjectInfo, error) { return nil, LocalErrorf("cloudbaserc.json: broken") }
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
