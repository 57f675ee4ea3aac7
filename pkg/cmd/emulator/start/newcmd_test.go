package start

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

func TestNewCmdStart(t *testing.T) {
	// defaults are the options of a bare `tcb emulator start`, changed by
	// edit.
	defaults := func(edit func(*Options)) *Options {
		o := &Options{
			Listen: emulator.DefaultListen, DataDir: emulator.DefaultDataDir, Auth: "strict",
			Latency: 500 * time.Millisecond, MaxEnvs: 10, WebIdleTimeout: functions.DefaultWebIdleTimeout,
			TokenTTL: wxapi.DefaultTTL, TokenOverlap: wxapi.DefaultOverlap, TokenDailyQuota: wxapi.DefaultLegacyDailyQuota,
			wxApps: map[string]string{},
		}
		if edit != nil {
			edit(o)
		}
		return o
	}
	cmdtest.RunCases(t, "emulator", NewCmdStart, []cmdtest.Case[Options]{
		{Name: "defaults", Want: defaults(nil)},
		{Name: "a local TCB_EMULATOR_HOST names the address", Env: map[string]string{"TCB_EMULATOR_HOST": "http://localhost:9900/"},
			Want: defaults(func(o *Options) { o.Listen = "localhost:9900" })},
		{Name: "a remote TCB_EMULATOR_HOST does not", Env: map[string]string{"TCB_EMULATOR_HOST": "10.0.0.8:9900"}, Want: defaults(nil)},
		{Name: "--listen wins over TCB_EMULATOR_HOST", Env: map[string]string{"TCB_EMULATOR_HOST": "127.0.0.1:9900"}, Args: []string{"--listen", "127.0.0.1:0"},
			Want: defaults(func(o *Options) { o.Listen = "127.0.0.1:0" })},
		{Name: "every flag", Args: []string{"--listen", "0.0.0.0:9801", "--data-dir", "/tmp/cb", "--auth", "lenient", "--latency", "2s", "--max-envs", "3",
			"--allow-host", "emu.test", "--allow-host", "*.lan", "--wx-app", "wx0123456789abcdef:APPSECRET", "--token-ttl", "60s", "--token-overlap", "10s",
			"--token-daily-quota", "-1", "--node", "/usr/bin/node", "--skip-install-deps", "--web-idle-timeout", "90s", "-d"},
			Want: &Options{Listen: "0.0.0.0:9801", DataDir: "/tmp/cb", Auth: "lenient", Latency: 2 * time.Second, MaxEnvs: 3,
				AllowHosts: []string{"emu.test", "*.lan"}, WxApps: []string{"wx0123456789abcdef:APPSECRET"}, TokenTTL: time.Minute, TokenOverlap: 10 * time.Second,
				TokenDailyQuota: -1, NodePath: "/usr/bin/node", SkipInstallDeps: true, WebIdleTimeout: 90 * time.Second, Detach: true,
				wxApps: map[string]string{"wx0123456789abcdef": "APPSECRET"}}},
		{Name: "ephemeral", Args: []string{"--ephemeral"}, Want: defaults(func(o *Options) { o.Ephemeral = true })},
		{Name: "the overlap follows a short ttl", Args: []string{"--token-ttl", "6s"},
			Want: defaults(func(o *Options) { o.TokenTTL, o.TokenOverlap = 6*time.Second, 3*time.Second })},
		{Name: "hidden flags of a detached child", Args: []string{"--ready-file", "/tmp/r", "--log-file", "/tmp/l"},
			Want: defaults(func(o *Options) { o.ReadyFile, o.LogFile = "/tmp/r", "/tmp/l" })},
		{Name: "data dir and ephemeral", Args: []string{"--ephemeral", "--data-dir", "x"}, WantCode: 3, WantErr: "--data-dir and --ephemeral are mutually exclusive"},
		{Name: "bad auth", Args: []string{"--auth", "none"}, WantCode: 3, WantErr: `--auth must be strict or lenient, not "none"`},
		{Name: "web servers kept", Args: []string{"--web-idle-timeout", "0"}, Want: defaults(func(o *Options) { o.WebIdleTimeout = 0 })},
		{Name: "negative web idle timeout", Args: []string{"--web-idle-timeout", "-1s"}, WantCode: 3, WantErr: "--web-idle-timeout must not be negative"},
		{Name: "negative latency", Args: []string{"--latency", "-1s"}, WantCode: 3, WantErr: "--latency must be between 0 and 10m"},
		{Name: "latency too long", Args: []string{"--latency", "11m"}, WantCode: 3, WantErr: "--latency must be between 0 and 10m"},
		{Name: "listen without port", Args: []string{"--listen", "localhost"}, WantCode: 3, WantErr: `--listen "localhost": expected host:port`},
		{Name: "bad wx app", Args: []string{"--wx-app", "wx0123456789abcdef"}, WantCode: 3, WantErr: "--wx-app: expected APPID:SECRET"},
		{Name: "ttl below a second", Args: []string{"--token-ttl", "500ms"}, WantCode: 3, WantErr: "--token-ttl must be at least 1s"},
		{Name: "overlap not below ttl", Args: []string{"--token-ttl", "10s", "--token-overlap", "10s"}, WantCode: 3, WantErr: "--token-overlap must be positive and below --token-ttl (10s)"},
		{Name: "zero quota", Args: []string{"--token-daily-quota", "0"}, WantCode: 3, WantErr: "--token-daily-quota must be positive, or -1 for unlimited"},
		{Name: "an argument", Args: []string{"now"}, WantCode: 3, WantErr: `unexpected argument "now"`},
	})
}
