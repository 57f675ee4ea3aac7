package iostreams

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// StripANSI removes terminal escape sequences from s: CSI sequences such as
// the SGR colors "\x1b[31m", OSC sequences such as hyperlinks (ended by BEL
// or ESC \), and short escapes such as ESC ( B.
func StripANSI(s string) string {
	if !strings.ContainsRune(s, 0x1b) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			i++
			continue
		}
		i += escapeLen(s[i:])
	}
	return b.String()
}

// escapeLen is the length of the escape sequence at the start of s (which
// begins with ESC); an unterminated sequence runs to the end of s.
func escapeLen(s string) int {
	n, _ := escapeEnd(s)
	return n
}

// escapeEnd is escapeLen that also reports whether the sequence ends
// within s (false: more bytes could still belong to it).
func escapeEnd[T string | []byte](s T) (n int, complete bool) {
	if len(s) < 2 {
		return len(s), false
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40-0x7e
		for j := 2; j < len(s); j++ {
			if s[j] >= 0x40 && s[j] <= 0x7e {
				return j + 1, true
			}
		}
		return len(s), false
	case ']', 'P', '_', '^': // OSC, DCS, APC, PM: up to BEL or ST (ESC \)
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1, true
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2, true
			}
		}
		return len(s), false
	}
	// Other escapes: intermediate bytes 0x20-0x2f (ESC ( B selects a
	// character set), then one final byte.
	j := 1
	for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
		j++
	}
	if j < len(s) && s[j] < utf8.RuneSelf {
		return j + 1, true
	}
	return j, j < len(s)
}

// ansiStripper writes through to w without terminal escape sequences,
// also when a sequence is split across writes.
type ansiStripper struct {
	w       io.Writer
	pending []byte // the start of an escape sequence not yet complete
}

func (a *ansiStripper) Write(p []byte) (int, error) {
	data := p
	if len(a.pending) > 0 {
		data = append(a.pending, p...)
		a.pending = nil
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		if data[i] != 0x1b {
			out = append(out, data[i])
			i++
			continue
		}
		n, complete := escapeEnd(data[i:])
		if !complete {
			a.pending = append([]byte(nil), data[i:]...)
			break
		}
		i += n
	}
	if _, err := a.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RuneWidth is the number of terminal columns r takes: 0 for control
// characters, combining marks and other zero-width characters, 2 for East
// Asian wide and fullwidth characters (CJK ideographs, kana, Hangul
// syllables, fullwidth forms, most emoji), 1 otherwise. Ambiguous-width
// characters count as 1, as in a terminal outside a CJK locale.
func RuneWidth(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return 0
	case r < 0x300: // Latin-1 and Latin Extended: never wide, never combining
		return 1
	case r >= 0x1160 && r <= 0x11ff: // Hangul medial vowels and final consonants join the syllable
		return 0
	case r == 0x200b: // zero width space (Cf would cover it, spelt out for clarity)
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// DisplayWidth is the number of terminal columns s takes once printed:
// escape sequences take none, and each rune counts RuneWidth columns.
func DisplayWidth(s string) int {
	s = StripANSI(s)
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// PadRight appends spaces to s until it takes w columns on a terminal;
// s is returned unchanged when it is already as wide.
func PadRight(s string, w int) string {
	if d := w - DisplayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}
