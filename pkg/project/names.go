package project

import (
	"strings"

	"github.com/tcb-go/tcb/internal/ascii"
)

// The shapes of names in a project config, as the cloud checks them. They
// are plain byte checks (no regular expression compiled at start-up); the
// comment on each gives the equivalent pattern, and names_test.go holds
// every one to it. The emulator checks the same names with the same
// functions.

// nameByte is [A-Za-z0-9_-].
func nameByte(c byte) bool { return ascii.Alnum(c) || c == '_' || c == '-' }

// jsIdentStart is [A-Za-z_$]; jsIdentByte is [A-Za-z0-9_$].
func jsIdentStart(c byte) bool { return ascii.Letter(c) || c == '_' || c == '$' }
func jsIdentByte(c byte) bool  { return ascii.Word(c) || c == '$' }

// fileByte is [A-Za-z0-9_.-], a byte of a handler's file name.
func fileByte(c byte) bool { return nameByte(c) || c == '.' }

// IsFunctionName reports whether s is a valid cloud function name, 2-60
// letters, digits, '-' and '_', starting with a letter and ending with a
// letter or digit: ^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$.
func IsFunctionName(s string) bool {
	n := len(s)
	return n >= 2 && n <= 60 && ascii.Letter(s[0]) && ascii.Alnum(s[n-1]) && ascii.Only(s[1:n-1], nameByte)
}

// IsTriggerName reports whether s is a valid trigger name, 1-100 letters,
// digits, '-' and '_', starting with a letter: ^[A-Za-z][A-Za-z0-9_-]{0,99}$.
func IsTriggerName(s string) bool { return letterThenName(s, 100) }

// isLayerName: ^[A-Za-z][A-Za-z0-9_-]{0,63}$.
func isLayerName(s string) bool { return letterThenName(s, 64) }

func letterThenName(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && ascii.Letter(s[0]) && ascii.Only(s[1:], nameByte)
}

// IsEnvVarName reports whether s is a valid function environment variable
// name, letters, digits and '_', not starting with a digit:
// ^[A-Za-z_][A-Za-z0-9_]*$.
func IsEnvVarName(s string) bool {
	return s != "" && (ascii.Letter(s[0]) || s[0] == '_') && ascii.Only(s[1:], ascii.Word)
}

// IsExportName reports whether s is a name a handler may export (and a key
// a JSON path can write without brackets): ^[A-Za-z_$][A-Za-z0-9_$-]*$.
func IsExportName(s string) bool {
	return s != "" && jsIdentStart(s[0]) && ascii.Only(s[1:], func(c byte) bool { return jsIdentByte(c) || c == '-' })
}

// isDotEnvKey: ^[A-Za-z_][A-Za-z0-9_.-]*$.
func isDotEnvKey(s string) bool {
	return s != "" && (ascii.Letter(s[0]) || s[0] == '_') && ascii.Only(s[1:], fileByte)
}

// isCodeSecret: ^[A-Za-z0-9]{36}$.
func isCodeSecret(s string) bool { return len(s) == 36 && ascii.Only(s, ascii.Alnum) }

// isGoHandler: ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$.
func isGoHandler(s string) bool {
	return len(s) >= 1 && len(s) <= 60 && ascii.Word(s[0]) && ascii.Only(s[1:], fileByte)
}

// isFileSegment: ^[A-Za-z0-9_-][A-Za-z0-9_.-]*$.
func isFileSegment(s string) bool { return s != "" && nameByte(s[0]) && ascii.Only(s[1:], fileByte) }

// isJSIdent: ^[A-Za-z_$][A-Za-z0-9_$]*$.
func isJSIdent(s string) bool { return s != "" && jsIdentStart(s[0]) && ascii.Only(s[1:], jsIdentByte) }

// isHandler checks FILE.FUNCTION:
// ^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.[A-Za-z_$][A-Za-z0-9_$]*$.
// The function holds neither '.' nor '/', so it follows the last dot, and
// the path before it is segments separated by '/'.
func isHandler(s string) bool {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 || !isJSIdent(s[dot+1:]) {
		return false
	}
	for seg := range strings.SplitSeq(s[:dot], "/") {
		if !isFileSegment(seg) {
			return false
		}
	}
	return true
}

// isJavaHandler checks package.Class::method:
// ^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*::[A-Za-z_$][A-Za-z0-9_$]*$.
func isJavaHandler(s string) bool {
	class, method, ok := strings.Cut(s, "::")
	if !ok || !isJSIdent(method) {
		return false
	}
	for part := range strings.SplitSeq(class, ".") {
		if !isJSIdent(part) {
			return false
		}
	}
	return true
}

// isRegion checks the shape of a full region name ("ap-guangzhou",
// "na-siliconvalley", "ap-shanghai-fsi", "eu-frankfurt-1"):
// ^[a-z]{2,}(-[a-z]+)+(-[0-9]+)?$.
func isRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 2 || len(parts[0]) < 2 {
		return false
	}
	if last := parts[len(parts)-1]; len(parts) >= 3 && last != "" && ascii.Only(last, ascii.Digit) {
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		if p == "" || !ascii.Only(p, ascii.Lower) {
			return false
		}
	}
	return true
}

// placeholderBody returns the expression of a string that is one whole
// placeholder, "{{ env.X }}" -> "env.X":
// ^\{\{\s*([^{}]*?)\s*\}\}$ (\s being the regexp's [\t\n\f\r ]).
func placeholderBody(s string) (string, bool) {
	if len(s) < 4 || !strings.HasPrefix(s, "{{") || !strings.HasSuffix(s, "}}") {
		return "", false
	}
	inner := s[2 : len(s)-2]
	if strings.ContainsAny(inner, "{}") {
		return "", false
	}
	return strings.Trim(inner, "\t\n\f\r "), true
}

// lineNumber finds the first "line N" in a YAML error message: line (\d+).
func lineNumber(msg string) (string, bool) {
	for rest := msg; ; {
		i := strings.Index(rest, "line ")
		if i < 0 {
			return "", false
		}
		rest = rest[i+len("line "):]
		n := 0
		for n < len(rest) && ascii.Digit(rest[n]) {
			n++
		}
		if n > 0 {
			return rest[:n], true
		}
	}
}
