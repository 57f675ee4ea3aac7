package wxcode

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdWechatCode(t *testing.T) {
	cmdtest.RunCases(t, "emulator", NewCmdWechatCode, []cmdtest.Case[Options]{
		{Name: "login code", Args: []string{"--openid", "o-user", "--unionid", "u-user", "--appid", "wx0123456789abcdef"},
			Want: &Options{OpenID: "o-user", UnionID: "u-user", AppID: "wx0123456789abcdef"}},
		{Name: "phone code", Args: []string{"--phone", "+1 4155552671"}, Want: &Options{Phone: "+1 4155552671"}},
		{Name: "neither", WantCode: 3, WantErr: "give --openid (a login code) or --phone (a phone number code)"},
		{Name: "both", Args: []string{"--openid", "o", "--phone", "13800138000"}, WantCode: 3, WantErr: "give --openid (a login code) or --phone"},
		{Name: "unionid with phone", Args: []string{"--phone", "13800138000", "--unionid", "u"}, WantCode: 3, WantErr: "--unionid goes with --openid"},
		{Name: "unionid alone", Args: []string{"--unionid", "u"}, WantCode: 3, WantErr: "give --openid (a login code) or --phone"},
		{Name: "bad phone", Args: []string{"--phone", "call me"}, WantCode: 3, WantErr: "--phone: phone"},
		{Name: "an argument", Args: []string{"--openid", "o", "x"}, WantCode: 3, WantErr: `unexpected argument "x"`},
	})
}
