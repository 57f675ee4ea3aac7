package invoke

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdInvoke(t *testing.T) {
	emu := map[string]string{"TCB_EMULATOR_HOST": "127.0.0.1:9800"}
	cmdtest.RunCases(t, "fn", NewCmdInvoke, []cmdtest.Case[Options]{
		{Name: "name", Args: []string{"hello"}, Want: &Options{Name: "hello", Via: "api"}},
		{Name: "params async", Args: []string{"hello", "--params", `{"a":1}`, "--async"}, Want: &Options{Name: "hello", Params: `{"a":1}`, Async: true, Via: "api"}},
		{Name: "params file via wechat", Args: []string{"hello", "--params", "@event.json", "--via", "wechat"}, Want: &Options{Name: "hello", Params: "@event.json", Via: "wechat"}},
		{Name: "a user on the emulator", Env: emu, Args: []string{"todo", "--openid", "oUser", "--appid", "wx0123456789abcdef", "--unionid", "u1"},
			Want: &Options{Name: "todo", Via: "api", OpenID: "oUser", AppID: "wx0123456789abcdef", UnionID: "u1"}},
		{Name: "a user on --endpoint", Args: []string{"todo", "--openid", "oUser", "--endpoint", "http://127.0.0.1:9800"}, Want: &Options{Name: "todo", Via: "api", OpenID: "oUser"}},
		{Name: "qualifier", Args: []string{"hello", "--qualifier", "$DEFAULT"}, Want: &Options{Name: "hello", Via: "api", Qualifier: "$DEFAULT"}},
		{Name: "qualifier via wechat", Args: []string{"hello", "--qualifier", "1", "--via", "wechat"}, WantCode: 3, WantErr: "--qualifier needs --via api"},
		{Name: "bad via", Args: []string{"hello", "--via", "http"}, WantCode: 3, WantErr: "--via must be api or wechat"},
		{Name: "async via wechat", Args: []string{"hello", "--via", "wechat", "--async"}, WantCode: 3, WantErr: "--async needs --via api"},
		{Name: "appid without openid", Args: []string{"hello", "--appid", "wx0123456789abcdef"}, WantCode: 3, WantErr: "--appid and --unionid describe the user of --openid: give --openid too"},
		{Name: "unionid without openid", Args: []string{"hello", "--unionid", "u1"}, WantCode: 3, WantErr: "give --openid too"},
		{Name: "openid via wechat", Env: emu, Args: []string{"hello", "--openid", "o", "--via", "wechat"}, WantCode: 3, WantErr: "--openid simulates a mini-program call; --via wechat is a server's call"},
		{Name: "openid on the cloud", Args: []string{"hello", "--openid", "o"}, WantCode: 3, WantErr: "--openid works only against the emulator"},
		{Name: "no name", WantCode: 3, WantErr: "which function? tcb fn invoke NAME"},
		{Name: "two names", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
