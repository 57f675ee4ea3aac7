// Package ascii holds the byte classes tcb checks names and keys with
// (function names, environment ids, app ids, variable names, ...). They
// replace regular expressions compiled at package init: a check such as
// `^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$` is a length test and a loop
// over the bytes, and costs nothing until it runs. Every class is ASCII,
// so a byte of a multi-byte UTF-8 sequence is never in one.
package ascii

// Letter reports whether c is in [A-Za-z].
func Letter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// Lower reports whether c is in [a-z].
func Lower(c byte) bool { return 'a' <= c && c <= 'z' }

// Digit reports whether c is in [0-9].
func Digit(c byte) bool { return '0' <= c && c <= '9' }

// Alnum reports whether c is in [A-Za-z0-9].
func Alnum(c byte) bool { return Letter(c) || Digit(c) }

// Word reports whether c is in [A-Za-z0-9_].
func Word(c byte) bool { return Alnum(c) || c == '_' }

// Only reports whether every byte of s satisfies class (true for "").
func Only(s string, class func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !class(s[i]) {
			return false
		}
	}
	return true
}
