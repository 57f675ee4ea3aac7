package login

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdLogin(t *testing.T) {
	cmdtest.RunCases(t, "", NewCmdLogin, []cmdtest.Case[Options]{
		{Name: "interactive", TTY: true, Want: &Options{}},
		{Name: "keys", Args: []string{"--secret-id", "AKIDx", "--secret-key", "k", "--session-token", "tok"},
			Want: &Options{SecretID: "AKIDx", SecretKey: "k", SessionToken: "tok"}},
		{Name: "key from stdin later", Args: []string{"--secret-id", "AKIDx"}, Want: &Options{SecretID: "AKIDx"}},
		{Name: "official spellings", Args: []string{"--apiKeyId", "AKIDx", "--apiKey", "k", "--token", "tok"},
			Want: &Options{SecretID: "AKIDx", SecretKey: "k", SessionToken: "tok"}},
		{Name: "wechat", Args: []string{"--wx-appid", "wx0123456789abcdef", "--wx-secret", "s", "--no-verify"},
			Want: &Options{WxAppID: "wx0123456789abcdef", WxSecret: "s", NoVerify: true}},
		{Name: "from official", Args: []string{"--from-official"}, Want: &Options{FromOfficial: true}},
		{Name: "from official with keys", Args: []string{"--from-official", "--secret-id", "AKIDx"},
			WantCode: 3, WantErr: "--from-official cannot be combined with --secret-id/--secret-key"},
		{Name: "from official with a key", Args: []string{"--from-official", "--apiKey", "k"},
			WantCode: 3, WantErr: "--from-official cannot be combined"},
		{Name: "appid without secret", Args: []string{"--wx-appid", "wx0123456789abcdef"}, WantCode: 3, WantErr: "--wx-appid and --wx-secret go together"},
		{Name: "secret without appid", Args: []string{"--wx-secret", "s"}, WantCode: 3, WantErr: "--wx-appid and --wx-secret go together"},
		{Name: "an argument", Args: []string{"AKIDx"}, WantCode: 3, WantErr: `unexpected argument "AKIDx"`},
		{Name: "flag without value", Args: []string{"--secret-id"}, WantCode: 3, WantErr: "flag needs an argument: --secret-id"},
	})
}
