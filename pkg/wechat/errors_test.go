package wechat

import (
	"strings"
	"testing"
)

func TestClassifyTable(t *testing.T) {
	tests := []struct {
		code int
		kind Kind
	}{
		{-1, KindRetryable}, {40001, KindStaleToken}, {40014, KindStaleToken}, {42001, KindStaleToken},
		{40002, KindConfig}, {40013, KindConfig}, {40125, KindConfig}, {40243, KindConfig},
		{41002, KindConfig}, {41004, KindConfig}, {50004, KindConfig}, {85088, KindConfig},
		{40164, KindIPWhitelist}, {61004, KindIPWhitelist}, {89503, KindIPWhitelist}, {89507, KindIPWhitelist},
		{45009, KindQuota}, {45011, KindQuota}, {48006, KindQuota},
		{41001, KindStaleToken}, {43002, KindInput}, {44002, KindInput}, {47001, KindInput}, {40097, KindInput}, {40101, KindInput},
		{-501007, KindInput}, {-502005, KindNotFound}, {-501000, KindNotFound},
		{-504002, KindFunction}, {-504003, KindFunction}, {-1000, KindOther}, {12345, KindOther}, {-999999, KindOther},
	}
	for _, tt := range tests {
		info := Classify(tt.code)
		if info.Kind != tt.kind || info.Meaning == "" || info.Code != tt.code {
			t.Errorf("Classify(%d) = %+v, want kind %v", tt.code, info, tt.kind)
		}
	}
	for _, info := range KnownCodes() {
		if info.Code != 0 && info.Meaning == "" {
			t.Errorf("code %d has no meaning", info.Code)
		}
	}
	// 40001 means a wrong secret on the token endpoints.
	if k := (&APIError{Code: 40001, Path: PathToken}).Kind(); k != KindConfig {
		t.Errorf("40001 on token path: %v", k)
	}
}

func TestAPIErrorFormat(t *testing.T) {
	e := newAPIError(40164, "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: 63477975-0f09049d-2f87403e", PathStableToken, nil)
	got := e.Error()
	for _, want := range []string{"/cgi-bin/stable_token", "errcode 40164", "whitelist", "1.2.3.4", "(rid: 63477975-0f09049d-2f87403e)"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q misses %q", got, want)
		}
	}
	if e.RID != "63477975-0f09049d-2f87403e" {
		t.Errorf("rid %q", e.RID)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Get "https://h/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=abc%2Fdef": EOF`, `Get "https://h/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=****": EOF`},
		{`Post "https://h/tcb/x?access_token=TOKEN123": timeout`, `Post "https://h/tcb/x?access_token=****": timeout`},
		{`the value s3cr3t-value shows up`, `the value **** shows up`},
	}
	for _, tt := range tests {
		if got := scrub(tt.in, []string{"s3cr3t-value"}); got != tt.want {
			t.Errorf("scrub(%q) = %q", tt.in, got)
		}
	}
}
