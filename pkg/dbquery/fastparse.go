package dbquery

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseFast recognises the simplest statements without JavaScript:
//
//	db.collection(S) [.doc(ID) [.field(P)]] .get() | .remove()
//	db.collection(S) { .where(W) | .orderBy(S, "asc"|"desc") | .skip(N) | .limit(N) | .field(P) } .get() | .count() | .remove()
//
// where S is a string literal without escapes, ID a string or a number,
// W a flat object of identifier or dotted keys with string, number,
// boolean or null values, P an object of keys with boolean values, N a
// small non-negative integer. It builds exactly the Query Parse
// returns (tests compare the two) and reports ok=false for anything else,
// including statements Parse would reject, which then take the slow path.
func parseFast(s string) (*Query, bool) {
	if len(s) > 4096 || !utf8.ValidString(s) {
		return nil, false
	}
	p := &fastParser{s: s}
	q, ok := p.statement()
	if !ok {
		return nil, false
	}
	p.space()
	if p.i != len(p.s) {
		return nil, false
	}
	return q, true
}

type fastParser struct {
	s string
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// lit consumes tok after optional space.
func (p *fastParser) lit(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func isFastIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isFastIdentPart(c byte) bool { return isFastIdentStart(c) || (c >= '0' && c <= '9') }

// ident reads an identifier (ASCII letters, digits, _; no $).
func (p *fastParser) ident() (string, bool) {
	p.space()
	start := p.i
	if p.i >= len(p.s) || !isFastIdentStart(p.s[p.i]) {
		return "", false
	}
	for p.i < len(p.s) && isFastIdentPart(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], true
}

// str reads a '...' or "..." literal without escapes or line breaks.
func (p *fastParser) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) {
		return "", false
	}
	q := p.s[p.i]
	if q != '"' && q != '\'' {
		return "", false
	}
	for j := p.i + 1; j < len(p.s); j++ {
		c := p.s[j]
		switch {
		case c == q:
			v := p.s[p.i+1 : j]
			p.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c == 0xE2 && strings.HasPrefix(p.s[j:], "\u2028"), c == 0xE2 && strings.HasPrefix(p.s[j:], "\u2029"):
			return "", false
		}
	}
	return "", false
}

// number reads -?(0|[1-9]\d{0,14})(\.\d{1,15})? as a JavaScript number.
func (p *fastParser) number() (Value, bool) {
	p.space()
	start := p.i
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	digits := j
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	n := j - digits
	if n == 0 || n > 15 || (n > 1 && p.s[digits] == '0') {
		return nil, false
	}
	if j < len(p.s) && p.s[j] == '.' {
		k := j + 1
		for k < len(p.s) && p.s[k] >= '0' && p.s[k] <= '9' {
			k++
		}
		if k-j-1 == 0 || k-j-1 > 15 {
			return nil, false
		}
		j = k
	}
	if j < len(p.s) && (isFastIdentPart(p.s[j]) || p.s[j] == '.' || p.s[j] == '$') {
		return nil, false
	}
	f, err := strconv.ParseFloat(p.s[start:j], 64)
	if err != nil {
		return nil, false
	}
	p.i = j
	return NormalizeNumber(f), true
}

// uint reads a small non-negative integer.
func (p *fastParser) uint() (int64, bool) {
	v, ok := p.number()
	if !ok {
		return 0, false
	}
	n, isInt := v.(int64)
	if !isInt || n < 0 {
		return 0, false
	}
	return n, true
}

// scalar reads a string, number, true, false or null.
func (p *fastParser) scalar() (Value, bool) {
	p.space()
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '"' || c == '\'':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	save := p.i
	id, ok := p.ident()
	if ok {
		switch id {
		case "true":
			return true, true
		case "false":
			return false, true
		case "null":
			return nil, true
		}
	}
	p.i = save
	return nil, false
}

// key reads an object key: an identifier or a quoted dotted path of
// identifier-like segments.
func (p *fastParser) key() (string, bool) {
	p.space()
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		k, ok := p.str()
		if !ok || !validFastPath(k) {
			return "", false
		}
		return k, true
	}
	return p.ident()
}

func validFastPath(k string) bool {
	for _, seg := range strings.Split(k, ".") {
		if seg == "" || !isFastIdentStart(seg[0]) {
			return false
		}
		for i := 1; i < len(seg); i++ {
			if !isFastIdentPart(seg[i]) {
				return false
			}
		}
	}
	return true
}

// object reads {k: v, ...} with distinct keys, values read by val.
func (p *fastParser) object(val func() (Value, bool)) (*Document, bool) {
	if !p.lit("{") {
		return nil, false
	}
	d := NewDocument()
	if p.lit("}") {
		return d, true
	}
	for {
		k, ok := p.key()
		if !ok || d.Has(k) || !p.lit(":") {
			return nil, false
		}
		v, ok := val()
		if !ok {
			return nil, false
		}
		d.Set(k, v)
		if p.lit("}") {
			return d, true
		}
		if !p.lit(",") {
			return nil, false
		}
	}
}

func (p *fastParser) statement() (*Query, bool) {
	if !p.lit("db") || !p.lit(".") || !p.lit("collection") || !p.lit("(") {
		return nil, false
	}
	name, ok := p.str()
	if !ok || name == "" || strings.ContainsAny(name, "$\x00") || len(name) > 255 || !p.lit(")") {
		return nil, false
	}
	q := &Query{Collection: name}
	var where, field bool
	isDoc := false
	for {
		if !p.lit(".") {
			return nil, false
		}
		m, ok := p.ident()
		if !ok || !p.lit("(") {
			return nil, false
		}
		switch m {
		case "doc":
			if isDoc || where || field || q.Sort != nil || q.Skip != nil || q.Limit != nil {
				return nil, false
			}
			p.space()
			if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
				id, ok := p.str()
				if !ok || id == "" {
					return nil, false
				}
				q.DocID = id
			} else {
				id, ok := p.number()
				if !ok {
					return nil, false
				}
				q.DocID = id
			}
			q.HasDocID, isDoc = true, true
		case "where":
			if isDoc || where {
				return nil, false
			}
			f, ok := p.object(p.scalar)
			if !ok {
				return nil, false
			}
			q.Filter, where = f, true
		case "field":
			if field {
				return nil, false
			}
			proj, ok := p.object(func() (Value, bool) {
				switch {
				case p.lit("true"):
					return int64(1), true
				case p.lit("false"):
					return int64(0), true
				}
				return nil, false
			})
			if !ok || !validFastProjection(proj) {
				return nil, false
			}
			q.Projection, field = proj, true
		case "orderBy":
			if isDoc {
				return nil, false
			}
			f, ok := p.str()
			if !ok || f == "" || strings.HasPrefix(f, "$") || !p.lit(",") {
				return nil, false
			}
			dir, ok := p.str()
			if !ok || (dir != "asc" && dir != "desc") {
				return nil, false
			}
			q.Sort = append(q.Sort, SortKey{Field: f, Desc: dir == "desc"})
		case "skip", "limit":
			if isDoc {
				return nil, false
			}
			n, ok := p.uint()
			if !ok {
				return nil, false
			}
			if m == "skip" {
				if q.Skip != nil {
					return nil, false
				}
				q.Skip = &n
			} else {
				if q.Limit != nil || n == 0 {
					return nil, false
				}
				q.Limit = &n
			}
		case "get", "count", "remove":
			if !p.lit(")") {
				return nil, false
			}
			switch m {
			case "get":
				q.Action = ActionFind
			case "count":
				if isDoc {
					return nil, false
				}
				q.Action = ActionCount
				q.Sort, q.Skip, q.Limit, q.Projection = nil, nil, nil, nil
			case "remove":
				q.Action, q.Multi = ActionRemove, !q.HasDocID
				q.Sort, q.Skip, q.Limit, q.Projection = nil, nil, nil, nil
			}
			return q, true
		default:
			return nil, false
		}
		if !p.lit(")") {
			return nil, false
		}
	}
}

// validProjection mirrors field()'s rule: no mixing of included and
// excluded fields except _id.
func validFastProjection(d *Document) bool {
	incl, excl := false, false
	for _, f := range d.Fields() {
		if f.Key == "_id" {
			continue
		}
		if f.Value.(int64) == 1 {
			incl = true
		} else {
			excl = true
		}
	}
	return !(incl && excl)
}
