package wechat

import (
	"strings"
	"testing"
)

// FuzzErrmsg: any errmsg WeChat (or a proxy) sends is turned into an error
// string without panicking and without leaking the secret of the call.
func FuzzErrmsg(f *testing.F) {
	f.Add(40013, "invalid appid rid: 63477975-0f09049d-2f87403e")
	f.Add(-1, "system error")
	f.Add(40164, "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: x")
	f.Add(0, "secret=S3CRET-VALUE-XYZ&x")
	f.Fuzz(func(t *testing.T, code int, msg string) {
		const secret = "S3CRET-VALUE-XYZ"
		e := newAPIError(code, msg, PathToken, []string{secret})
		s := e.Error()
		if strings.Contains(s, secret) || strings.Contains(e.Msg, secret) {
			t.Fatalf("secret leaked: %q", s)
		}
		_ = e.Info()
	})
}
