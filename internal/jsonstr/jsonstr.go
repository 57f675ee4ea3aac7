// Package jsonstr writes JSON strings without reflection, escaped exactly
// as encoding/json escapes them, for the hot paths that build JSON by hand
// (fnrun's invoke frames, the HTTP access service's integration requests).
package jsonstr

import (
	"unicode/utf8"
	"unsafe"
)

// Append appends s as a JSON string, escaped as encoding/json escapes
// it: quotes, backslashes and control characters, <, > and &, the
// line and paragraph separators, and invalid UTF-8 as U+FFFD.
func Append(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendBytes is Append for the text in p, without copying it to a string
// first (a request body can be megabytes).
func AppendBytes(b []byte, p []byte) []byte {
	if len(p) == 0 {
		return Append(b, "")
	}
	// Append only reads the string and does not keep it.
	return Append(b, unsafe.String(&p[0], len(p)))
}
