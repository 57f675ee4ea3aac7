package project

import (
	"regexp"
	"strings"
	"testing"
)

// The patterns the name checks replace; every check must agree with its
// pattern on every input.
var namePatterns = []struct {
	name  string
	check func(string) bool
	re    string
}{
	{"IsFunctionName", IsFunctionName, `^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`},
	{"IsTriggerName", IsTriggerName, `^[A-Za-z][A-Za-z0-9_-]{0,99}$`},
	{"isLayerName", isLayerName, `^[A-Za-z][A-Za-z0-9_-]{0,63}$`},
	{"IsEnvVarName", IsEnvVarName, `^[A-Za-z_][A-Za-z0-9_]*$`},
	{"IsExportName", IsExportName, `^[A-Za-z_$][A-Za-z0-9_$-]*$`},
	{"isDotEnvKey", isDotEnvKey, `^[A-Za-z_][A-Za-z0-9_.-]*$`},
	{"isCodeSecret", isCodeSecret, `^[A-Za-z0-9]{36}$`},
	{"isGoHandler", isGoHandler, `^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$`},
	{"isHandler", isHandler, `^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.[A-Za-z_$][A-Za-z0-9_$]*$`},
	{"isJavaHandler", isJavaHandler, `^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*::[A-Za-z_$][A-Za-z0-9_$]*$`},
	{"isRegion", isRegion, `^[a-z]{2,}(-[a-z]+)+(-[0-9]+)?$`},
	{"placeholderBody", func(s string) bool { _, ok := placeholderBody(s); return ok }, `^\{\{\s*([^{}]*?)\s*\}\}$`},
	{"lineNumber", func(s string) bool { _, ok := lineNumber(s); return ok }, `line (\d+)`},
}

var nameSeeds = []string{
	"", "a", "ab", "a1", "1a", "_a", "$a", "-a", "a-", "a_", "a-b", "a.b", "a$b", "a b", "aé", "é",
	"index.main", "index.main_handler", "src/index.main", "src/app.v2.handler", "a/b/c.d", "/a.b", "a//b.c",
	".a", "a.", "a..b", "a/.b", "a/.x.b", "a.b/c", "index.1main", "index.$main",
	"com.example.App::handle", "App::handle", "a.b::c", "a..b::c", "a:b::c", "a::b::c", "a:::b", "::a", "a::",
	"main", "main.exe", "_main", ".main", strings.Repeat("a", 60), strings.Repeat("a", 61),
	strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 100), strings.Repeat("a", 101),
	strings.Repeat("a", 59) + "-", strings.Repeat("A1", 18), strings.Repeat("A1", 18) + "x",
	"ap-shanghai", "ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi", "eu-frankfurt-1", "ap-1", "ap-sh-1-2",
	"a-shanghai", "ap--sh", "ap-sh-", "-ap-sh", "ap-Shanghai", "ap-sh-12", "ap-sh1",
	"{{env.X}}", "{{ env.X }}", "{{\tenv.X\n}}", "{{}}", "{{ }}", "{{}", "{{}}}", "{{{x}}", "x{{a}}", "{{a}}x",
	"{{ a b }}", "{{\va\v}}", "{{a}}{{b}}",
	"yaml: line 3: did not find", "line 12", "line x line 7", "online 5", "line ", "line -1", "deadline 9",
}

func TestNameChecksMatchTheirPatterns(t *testing.T) {
	for _, p := range namePatterns {
		re := regexp.MustCompile(p.re)
		for _, s := range nameSeeds {
			if got, want := p.check(s), re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the pattern says %v", p.name, s, got, want)
			}
		}
	}
}

func TestPlaceholderBodyAndLineNumberMatchTheirPatterns(t *testing.T) {
	placeholder := regexp.MustCompile(`^\{\{\s*([^{}]*?)\s*\}\}$`)
	line := regexp.MustCompile(`line (\d+)`)
	for _, s := range nameSeeds {
		checkSubmatch(t, "placeholderBody", placeholderBody, placeholder, s)
		checkSubmatch(t, "lineNumber", lineNumber, line, s)
	}
}

func checkSubmatch(t *testing.T, name string, f func(string) (string, bool), re *regexp.Regexp, s string) {
	t.Helper()
	got, ok := f(s)
	m := re.FindStringSubmatch(s)
	if ok != (m != nil) || (ok && got != m[1]) {
		t.Errorf("%s(%q) = %q, %v; the pattern finds %q", name, s, got, ok, m)
	}
}

func FuzzNameChecks(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	res := make([]*regexp.Regexp, len(namePatterns))
	for i, p := range namePatterns {
		res[i] = regexp.MustCompile(p.re)
	}
	placeholder := regexp.MustCompile(`^\{\{\s*([^{}]*?)\s*\}\}$`)
	line := regexp.MustCompile(`line (\d+)`)
	f.Fuzz(func(t *testing.T, s string) {
		for i, p := range namePatterns {
			if got, want := p.check(s), res[i].MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the pattern says %v", p.name, s, got, want)
			}
		}
		checkSubmatch(t, "placeholderBody", placeholderBody, placeholder, s)
		checkSubmatch(t, "lineNumber", lineNumber, line, s)
	})
}
