package token

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidAppIDMatchesItsPattern(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, id := range []string{
		"", "wx0123456789abcdef", "a", "-", "_", "a.b", "a/b", "a b", "wxé", strings.Repeat("a", 64), strings.Repeat("a", 65),
	} {
		if got, want := ValidAppID(id) == nil, re.MatchString(id); got != want {
			t.Errorf("ValidAppID(%q) ok = %v, the pattern says %v", id, got, want)
		}
	}
}
