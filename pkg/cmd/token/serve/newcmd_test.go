package serve

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdServe(t *testing.T) {
	defaults := func(edit func(*Options)) *Options {
		o := &Options{Listen: DefaultListen, RefreshMargin: 5 * time.Minute, LogFormat: "text", ShutdownGrace: 10 * time.Second}
		if edit != nil {
			edit(o)
		}
		return o
	}
	cmdtest.RunCases(t, "token", NewCmdServe, []cmdtest.Case[Options]{
		{Name: "defaults", Want: defaults(nil)},
		{Name: "replicas", Args: []string{"--listen", "0.0.0.0:8081", "--store", "redis://redis:6379/0", "--auth-key-file", "/etc/tcb/keys",
			"--apps", "/etc/tcb/apps.json", "--tls-cert", "tls.crt", "--tls-key", "tls.key", "--log-format", "json", "--refresh-margin", "2m",
			"--shutdown-grace", "30s", "--allow-host", "token.internal", "--allow-host", "10.0.0.5"},
			Want: &Options{Listen: "0.0.0.0:8081", Store: "redis://redis:6379/0", AuthKeyFile: "/etc/tcb/keys", AppsFile: "/etc/tcb/apps.json",
				TLSCert: "tls.crt", TLSKey: "tls.key", LogFormat: "json", RefreshMargin: 2 * time.Minute, ShutdownGrace: 30 * time.Second,
				AllowHosts: []string{"token.internal", "10.0.0.5"}}},
		{Name: "one app, local", Args: []string{"--appid", "wx0123456789abcdef", "--secret-file", "/run/secrets/wx", "--insecure-no-auth"},
			Want: defaults(func(o *Options) {
				o.AppID, o.SecretFile, o.InsecureNoAuth = "wx0123456789abcdef", "/run/secrets/wx", true
			})},
		{Name: "cert without key", Args: []string{"--tls-cert", "tls.crt"}, WantCode: 3, WantErr: "--tls-cert and --tls-key go together"},
		{Name: "key without cert", Args: []string{"--tls-key", "tls.key"}, WantCode: 3, WantErr: "--tls-cert and --tls-key go together"},
		{Name: "margin too small", Args: []string{"--refresh-margin", "0s"}, WantCode: 3, WantErr: "--refresh-margin must be between 1s and 1h"},
		{Name: "bad log format", Args: []string{"--log-format", "logfmt"}, WantCode: 3, WantErr: "--log-format must be text or json"},
		{Name: "apps and appid", Args: []string{"--apps", "a.json", "--appid", "wx0123456789abcdef"}, WantCode: 3, WantErr: "--apps cannot be combined with --appid/--secret-file"},
		{Name: "apps and secret file", Args: []string{"--apps", "a.json", "--secret-file", "s"}, WantCode: 3, WantErr: "--apps cannot be combined with --appid/--secret-file"},
		{Name: "an argument", Args: []string{"now"}, WantCode: 3, WantErr: `unexpected argument "now"`},
	})
}
