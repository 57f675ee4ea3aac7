package wechat

import (
	"regexp"
	"testing"
)

func TestParseRIDMatchesItsPattern(t *testing.T) {
	re := regexp.MustCompile(`rid:\s*([0-9A-Za-z_-]+)`)
	for _, msg := range []string{
		"", "invalid credential rid: 6583a1b2-0c3d4e5f-1a2b3c4d", "rid:abc", "rid:   x_y-z, more", "rid:\t\nq",
		"rid: ,rid: second", "rid:", "rid: ", "no id here", "grid:abc", "rid:é rid:ok", "rid:\vx",
	} {
		want := ""
		if m := re.FindStringSubmatch(msg); m != nil {
			want = m[1]
		}
		if got := parseRID(msg); got != want {
			t.Errorf("parseRID(%q) = %q, the pattern finds %q", msg, got, want)
		}
	}
}
