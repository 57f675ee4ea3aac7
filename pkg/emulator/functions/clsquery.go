package functions

import (
	"fmt"
	"strings"
	"unicode"
)

// A subset of the CLS search syntax, enough for the queries `tcb logs
// search` and manager-node's searchClsLog are documented with:
//
//	*                                  everything
//	function_name:"myFunc"             a field equals a value (value* is a prefix)
//	request_id:abc AND NOT src:system  AND, OR, NOT, parentheses; juxtaposition is AND
//	"timeout" / timeout                full text: the log line contains the word
//
// SQL analysis (`... | select ...`) is refused with a clear error rather
// than answered wrongly.

// clsExpr is a parsed query: nil matches everything.
type clsExpr interface {
	match(fields map[string]string, text string) bool
}

type clsAnd struct{ l, r clsExpr }
type clsOr struct{ l, r clsExpr }
type clsNot struct{ e clsExpr }
type clsTerm struct {
	field, value string
	prefix       bool
}

func (e clsAnd) match(f map[string]string, t string) bool { return e.l.match(f, t) && e.r.match(f, t) }
func (e clsOr) match(f map[string]string, t string) bool  { return e.l.match(f, t) || e.r.match(f, t) }
func (e clsNot) match(f map[string]string, t string) bool { return !e.e.match(f, t) }

func (e clsTerm) match(f map[string]string, t string) bool {
	if e.field == "" {
		if e.value == "" {
			return true
		}
		return strings.Contains(strings.ToLower(t), strings.ToLower(e.value))
	}
	v, ok := f[e.field]
	if !ok {
		return false
	}
	if e.prefix {
		return strings.HasPrefix(v, e.value)
	}
	return v == e.value
}

// maxCLSQuery bounds a query's length; maxCLSDepth its nesting.
const (
	maxCLSQuery = 4096
	maxCLSDepth = 32
)

type clsToken struct {
	kind  byte // 'w' word, 'q' quoted, '(' ')' ':'
	text  string
	start int
}

func lexCLS(s string) ([]clsToken, error) {
	var out []clsToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ':':
			out = append(out, clsToken{kind: c, text: string(c), start: i})
			i++
		case c == '|':
			return nil, fmt.Errorf("SQL analysis (`| select ...`) is not supported by the emulator")
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote at position %d", i)
			}
			out = append(out, clsToken{kind: 'q', text: b.String(), start: i})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n():\"|", rune(s[j])) {
				j++
			}
			out = append(out, clsToken{kind: 'w', text: s[i:j], start: i})
			i = j
		}
	}
	return out, nil
}

// parseCLSQuery parses a query; "" and "*" match everything (nil).
func parseCLSQuery(s string) (clsExpr, error) {
	if len(s) > maxCLSQuery {
		return nil, fmt.Errorf("the query is longer than %d bytes", maxCLSQuery)
	}
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "*" {
		return nil, nil
	}
	toks, err := lexCLS(s)
	if err != nil {
		return nil, err
	}
	p := &clsParser{toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at position %d", p.toks[p.i].text, p.toks[p.i].start)
	}
	return e, nil
}

type clsParser struct {
	toks []clsToken
	i    int
}

func (p *clsParser) peekWord(w string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind == 'w' && p.toks[p.i].text == w
}

func (p *clsParser) or(depth int) (clsExpr, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peekWord("OR") {
		p.i++
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = clsOr{l, r}
	}
	return l, nil
}

func (p *clsParser) and(depth int) (clsExpr, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.i < len(p.toks) && p.toks[p.i].kind != ')' && !p.peekWord("OR") {
		if p.peekWord("AND") {
			p.i++
		}
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = clsAnd{l, r}
	}
	return l, nil
}

func (p *clsParser) unary(depth int) (clsExpr, error) {
	if depth > maxCLSDepth {
		return nil, fmt.Errorf("the query nests deeper than %d", maxCLSDepth)
	}
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("the query ends where a term was expected")
	}
	t := p.toks[p.i]
	switch {
	case t.kind == 'w' && t.text == "NOT":
		p.i++
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return clsNot{e}, nil
	case t.kind == '(':
		p.i++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i].kind != ')' {
			return nil, fmt.Errorf("missing ')' for '(' at position %d", t.start)
		}
		p.i++
		return e, nil
	case t.kind == 'w' && (t.text == "AND" || t.text == "OR"):
		return nil, fmt.Errorf("unexpected %s at position %d", t.text, t.start)
	case t.kind == 'w' || t.kind == 'q':
		p.i++
		if t.kind == 'w' && p.i < len(p.toks) && p.toks[p.i].kind == ':' {
			if !validFieldName(t.text) {
				return nil, fmt.Errorf("invalid field name %q at position %d", t.text, t.start)
			}
			p.i++
			if p.i >= len(p.toks) || (p.toks[p.i].kind != 'w' && p.toks[p.i].kind != 'q') {
				return nil, fmt.Errorf("a value must follow %q", t.text+":")
			}
			v := p.toks[p.i]
			p.i++
			if v.kind == 'q' {
				return clsTerm{field: t.text, value: v.text}, nil
			}
			if v.text == "*" {
				return clsTerm{field: t.text, value: "", prefix: true}, nil
			}
			if strings.HasSuffix(v.text, "*") {
				return clsTerm{field: t.text, value: strings.TrimSuffix(v.text, "*"), prefix: true}, nil
			}
			return clsTerm{field: t.text, value: v.text}, nil
		}
		if t.kind == 'w' && t.text == "*" {
			return clsTerm{}, nil
		}
		return clsTerm{value: strings.TrimSuffix(t.text, "*")}, nil
	}
	return nil, fmt.Errorf("unexpected %q at position %d", t.text, t.start)
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
