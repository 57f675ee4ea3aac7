package initcmd

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdInit(t *testing.T) {
	cmdtest.RunCases(t, "", NewCmdInit, []cmdtest.Case[Options]{
		{Name: "interactive", TTY: true, Want: &Options{Dir: "."}},
		{Name: "dir and template", Args: []string{"app", "--template", "cloudbaserc"}, Want: &Options{Dir: "app", Template: "cloudbaserc"}},
		{Name: "short template", Args: []string{"-t", "miniprogram", "--appid", "wx0123456789abcdef"},
			Want: &Options{Dir: ".", Template: "miniprogram", AppID: "wx0123456789abcdef"}},
		{Name: "runtime normalized", Args: []string{"--template", "cloudbaserc", "--runtime", "nodejs20.19", "--force"},
			Want: &Options{Dir: ".", Template: "cloudbaserc", Runtime: "Nodejs20.19", Force: true}},
		{Name: "env id", Args: []string{"--template", "cloudbaserc", "-e", "demo-1a2b3c"}, Want: &Options{Dir: ".", Template: "cloudbaserc"}},
		{Name: "no template off a terminal", WantCode: 3, WantErr: "pass --template"},
		{Name: "unknown template", Args: []string{"--template", "rails"}, WantCode: 3, WantErr: `--template "rails": want one of miniprogram, cloudbaserc, token-server`},
		{Name: "not a node runtime", Args: []string{"--template", "cloudbaserc", "--runtime", "Python3.9"}, WantCode: 3, WantErr: "want a Node.js runtime"},
		{Name: "unknown runtime", Args: []string{"--template", "cloudbaserc", "--runtime", "Nodejs99"}, WantCode: 3, WantErr: "want a Node.js runtime"},
		{Name: "bad appid", Args: []string{"--template", "token-server", "--appid", "wx 1"}, WantCode: 3, WantErr: "--appid"},
		{Name: "bad env id", Args: []string{"--template", "cloudbaserc", "-e", "Bad Env"}, WantCode: 3, WantErr: "--env-id"},
		{Name: "two dirs", Args: []string{"a", "b", "--template", "cloudbaserc"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
