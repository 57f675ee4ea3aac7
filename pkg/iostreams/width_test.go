package iostreams

import (
	"strings"
	"testing"
)

func TestStripANSI(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[32mActive\x1b[0m", "Active"},
		{"\x1b[1;38;5;196mred\x1b[22m!", "red!"},
		{"\x1b]8;;https://example.com\x07link\x1b]8;;\x07", "link"},
		{"\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"a\x1b(Bb", "ab"},
		{"\x1b[31m测试\x1b[0m环境", "测试环境"},
		{"dangling\x1b[", "dangling"},
		{"\x1b", ""},
	} {
		if got := StripANSI(tt.in); got != tt.want {
			t.Errorf("StripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"NORMAL", 6},
		{"\x1b[32mNORMAL\x1b[0m", 6},
		{"测试环境", 8},
		{"\x1b[1m测试\x1b[22m env", 8},
		{"个人版", 6},
		{"ｆｕｌｌ", 8},               // fullwidth Latin
		{"ｶﾀｶﾅ", 4},               // halfwidth katakana
		{"テスト", 6},                // katakana
		{"한국어", 6},                // precomposed Hangul syllables
		{"\u1100\u1161\u11a8", 2}, // the same syllable from conjoining jamo
		{"e\u0301", 1},            // e + combining acute accent
		{"a\u200bb", 2},           // zero width space
		{"x\u200dy", 2},           // zero width joiner
		{"✓ ok", 4},
		{"😀", 2},
		{"·", 1}, // ambiguous width counts 1
		{"tab\tnl\n", 5},
	} {
		if got := DisplayWidth(tt.in); got != tt.want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestPadRight(t *testing.T) {
	if got := PadRight("测试", 6); got != "测试  " {
		t.Fatalf("%q", got)
	}
	if got := PadRight("\x1b[32mok\x1b[0m", 4); got != "\x1b[32mok\x1b[0m  " {
		t.Fatalf("%q", got)
	}
	if got := PadRight("toolong", 3); got != "toolong" {
		t.Fatalf("%q", got)
	}
}

func TestANSIStripperAcrossWrites(t *testing.T) {
	var b strings.Builder
	w := &ansiStripper{w: &b}
	for _, p := range []string{"\x1b[3", "1mred\x1b", "[0m plain ", "\x1b]8;;https://x.test\x07link", "\x1b]8;;\x1b", "\\ done\n"} {
		if n, err := w.Write([]byte(p)); err != nil || n != len(p) {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	if got, want := b.String(), "red plain link done\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
