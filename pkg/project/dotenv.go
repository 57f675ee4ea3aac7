package project

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseDotEnv parses the contents of a .env file:
//
//   - KEY=VALUE lines, optionally prefixed by "export "; spaces around the
//     key and "=" are ignored;
//   - blank lines and lines starting with "#" are skipped;
//   - an unquoted value ends at " #" (a comment) and is trimmed;
//   - 'single' and `backtick` quoted values are literal; "double" quoted
//     values understand \n, \r, \t, \", \\ and \$; quoted values may span
//     several lines; only a comment may follow the closing quote;
//   - no ${VAR} expansion; a later definition of a key wins.
//
// file is used in error messages, which are *ConfigError with the line.
func ParseDotEnv(data []byte, file string) (map[string]string, error) {
	out := map[string]string{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	fail := func(line int, format string, args ...any) error {
		return &ConfigError{File: file, Line: line, Problem: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fail(lineNo, "expected KEY=VALUE, got %s", quoteShort(line))
		}
		key = strings.TrimSpace(key)
		if !isDotEnvKey(key) {
			return nil, fail(lineNo, "invalid variable name %s (letters, digits, _ . -, not starting with a digit)", quoteShort(key))
		}
		value = strings.TrimLeft(value, " \t")
		if value == "" {
			out[key] = ""
			continue
		}
		switch q := value[0]; q {
		case '"', '\'', '`':
			// Gather lines until the closing quote.
			body := value[1:]
			start := lineNo
			for {
				end := closingQuote(body, q)
				if end >= 0 {
					rest := strings.TrimSpace(body[end+1:])
					if rest != "" && !strings.HasPrefix(rest, "#") {
						return nil, fail(lineNo, "unexpected %s after the closing quote", quoteShort(rest))
					}
					body = body[:end]
					break
				}
				i++
				lineNo = i + 1
				if i >= len(lines) {
					return nil, fail(start, "unterminated %c-quoted value", q)
				}
				body += "\n" + lines[i]
			}
			if q == '"' {
				body = unescapeDouble(body)
			}
			out[key] = body
		default:
			if j := strings.Index(value, " #"); j >= 0 {
				value = value[:j]
			}
			if j := strings.Index(value, "\t#"); j >= 0 {
				value = value[:j]
			}
			out[key] = strings.TrimSpace(value)
		}
	}
	return out, nil
}

// closingQuote finds the closing quote q in s; in double quotes a backslash
// escapes the next character.
func closingQuote(s string, q byte) int {
	for i := 0; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			return i
		}
	}
	return -1
}

func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\', '$', '\'', '`':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// envSet is the merged environment placeholders see.
type envSet struct {
	vars  map[string]string
	files []string // .env files that were read, lowest precedence first
}

// loadEnv merges dir/.env < dir/.env.local < dir/.env.<mode> < environ, then
// applies the env id injection (see Load). display maps a path to how it is
// shown in errors.
func loadEnv(dir, mode string, environ []string, display func(string) string) (*envSet, error) {
	names := []string{".env", ".env.local"}
	if mode != "" {
		if strings.ContainsAny(mode, `/\`) || mode == "." || mode == ".." {
			return nil, &ConfigError{Field: "--mode", Problem: fmt.Sprintf("invalid mode %q: it selects .env.<mode> and cannot contain path separators", mode)}
		}
		names = append(names, ".env."+mode)
	}
	es := &envSet{vars: map[string]string{}}
	for _, name := range names {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if fi, serr := os.Stat(p); serr == nil && fi.IsDir() {
				continue
			}
			return nil, &ConfigError{File: display(p), Problem: "cannot read: " + err.Error(), Err: err}
		}
		vars, err := ParseDotEnv(data, display(p))
		if err != nil {
			return nil, err
		}
		for k, v := range vars {
			es.vars[k] = v
		}
		es.files = append(es.files, p)
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			es.vars[k] = v
		}
	}
	return es, nil
}
