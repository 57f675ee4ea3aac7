package functions

import (
	"regexp"
	"strings"
	"testing"
)

// The handler shape checks must agree with the patterns they replace.
func TestHandlerChecksMatchTheirPatterns(t *testing.T) {
	checks := []struct {
		name  string
		check func(string) bool
		re    *regexp.Regexp
	}{
		{"isHandlerFile", isHandlerFile, regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$`)},
		{"isJavaHandler", isJavaHandler, regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]*::[A-Za-z_$][A-Za-z0-9_$]*$`)},
		{"isGoHandler", isGoHandler, regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)},
	}
	inputs := []string{
		"", "a", "index", "src/index", "src/app.v2", "a//b", "/a", "a/", ".a", "a/.b", "a/b.c/d", "a-b_c.d", "a b", "aé",
		"com.example.App::handle", "App::handle", "a..b::c", ".a::b", "a:b::c", "a::b::c", "a:::b", "::a", "a::", "$a::_b", "a::1b",
		"main", "main.exe", "_main", "-main", strings.Repeat("x", 200),
	}
	for _, c := range checks {
		for _, s := range inputs {
			if got, want := c.check(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the pattern says %v", c.name, s, got, want)
			}
		}
	}
}
