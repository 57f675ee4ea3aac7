package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/config"
)

// After `eval "$(tcb emulator env)"` and `unset TCB_EMULATOR_HOST`, the
// emulator's public development keys are still in the environment: they
// must never be sent to the real cloud.
func TestDevKeysOutsideTheEmulatorAreRefused(t *testing.T) {
	devCloud := map[string]string{"TENCENTCLOUD_SECRETID": config.EmulatorSecretID, "TENCENTCLOUD_SECRETKEY": config.EmulatorSecretKey}
	devWx := map[string]string{"TCB_WX_APPID": config.EmulatorWxAppID, "TCB_WX_SECRET": config.EmulatorWxSecret}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	for _, c := range []struct {
		name     string
		env      map[string]string
		endpoint string
		refused  string // "" when allowed; else a piece of the hint
	}{
		{"cloud keys, no emulator", devCloud, "", "unset TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY"},
		{"wechat secret, no emulator", devWx, "", "unset TCB_WX_APPID TCB_WX_SECRET"},
		{"wechat secret alone", map[string]string{"TCB_WX_SECRET": config.EmulatorWxSecret}, "", "unset TCB_WX_APPID TCB_WX_SECRET"},
		{"all of them", merge(devCloud, devWx), "", "tcb emulator env --unset"},
		{"with TCB_EMULATOR_HOST", merge(devCloud, devWx, map[string]string{"TCB_EMULATOR_HOST": "127.0.0.1:9800"}), "", ""},
		{"cloud keys with --endpoint", devCloud, "http://127.0.0.1:9800", ""},
		{"wechat secret with TCB_WECHAT_API", merge(devWx, map[string]string{"TCB_WECHAT_API": "http://127.0.0.1:9800"}), "", ""},
		{"real keys", map[string]string{"TENCENTCLOUD_SECRETID": "AKIDreal", "TENCENTCLOUD_SECRETKEY": "k", "TCB_WX_APPID": "wx1", "TCB_WX_SECRET": "s"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := testFactory(t, c.env)
			f.Globals.Endpoint = c.endpoint
			_, err := f.Credentials()
			_, apiErr := f.CloudAPI()
			if c.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Code != ExitAuth {
				t.Fatalf("Credentials: %v, want exit 2", err)
			}
			if !strings.Contains(ce.Error(), "TCB_EMULATOR_HOST") || !strings.Contains(ce.Hint, c.refused) {
				t.Errorf("message %q, hint %q", ce.Error(), ce.Hint)
			}
			if !errors.As(apiErr, &ce) || ce.Code != ExitAuth {
				t.Errorf("CloudAPI: %v, want exit 2", apiErr)
			}
		})
	}
}

// Keys saved in a profile (tcb login against the emulator) are refused
// the same way, and so are keys handed straight to NewCloudAPI (tcb login).
func TestDevKeysInProfileOrLoginAreRefused(t *testing.T) {
	f := testFactory(t, map[string]string{})
	st, _ := f.Config()
	if err := st.UpdateCredentials("default", func(c *config.Credentials) error {
		c.SecretID, c.SecretKey = config.EmulatorSecretID, config.EmulatorSecretKey
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var ce *Error
	if _, err := f.Credentials(); !errors.As(err, &ce) || ce.Code != ExitAuth || !strings.Contains(ce.Hint, "tcb login") {
		t.Fatalf("profile: %v", err)
	}
	f = testFactory(t, map[string]string{})
	_, err := f.NewCloudAPI(config.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey}, "ap-shanghai")
	if !errors.As(err, &ce) || ce.Code != ExitAuth {
		t.Fatalf("NewCloudAPI: %v", err)
	}
	f.Globals.Endpoint = "http://127.0.0.1:9800"
	if _, err := f.NewCloudAPI(config.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey}, "ap-shanghai"); err != nil {
		t.Fatalf("NewCloudAPI with --endpoint: %v", err)
	}
}
