package config

import (
	"regexp"
	"strings"
	"testing"
)

func TestIsEnvIDMatchesItsPattern(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}[a-z0-9]$`)
	for _, id := range []string{
		"", "a", "ab", "a1", "a-", "a-b", "1a", "-a", "Ab", "aB", "demo-1abc", "demo_1", "démo",
		"a" + strings.Repeat("b", 63), "a" + strings.Repeat("b", 64), "a" + strings.Repeat("-", 62) + "b",
	} {
		if got, want := isEnvID(id), re.MatchString(id); got != want {
			t.Errorf("isEnvID(%q) = %v, the pattern says %v", id, got, want)
		}
	}
}
