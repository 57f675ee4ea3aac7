package dbquery

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// Filter is a compiled MongoDB filter. It is immutable and safe for
// concurrent use.
type Filter struct {
	src  *Document
	root cond
	near *GeoNear // the $nearSphere condition, if any
}

// Matcher is anything that decides whether a document matches.
type Matcher interface {
	Match(doc *Document) bool
}

// CompileFilter compiles a MongoDB filter (as produced by Parse, FromFlags or
// DecodeDocument). A nil or empty filter matches every document. Unknown or
// unsupported operators ($where, $text, $near, $type, ...) are errors
// "unsupported operator $X". The geo operators $nearSphere, $geoWithin and
// $geoIntersects are supported (see geo_ops.go); at most one $nearSphere,
// at the top level or under $and. ServerDates in the filter are resolved
// with the current time; call ResolveServerDates first to control the
// clock.
func CompileFilter(filter *Document) (*Filter, error) {
	if filter == nil {
		filter = &Document{}
	}
	if err := checkValue(filter, 0); err != nil {
		return nil, err
	}
	filter = ResolveServerDates(filter, time.Now()).(*Document)
	var nf nearFound
	if err := nearScan(filter, true, 0, &nf); err != nil {
		return nil, err
	}
	c, err := compileDoc(filter, 0)
	if err != nil {
		return nil, err
	}
	f := &Filter{src: filter, root: c}
	if nf.n == 1 {
		s, err := parseGeoOp("$nearSphere", nf.v)
		if err != nil {
			return nil, err
		}
		f.near = &GeoNear{Path: nf.path, Longitude: s.lng, Latitude: s.lat, MinDistance: s.min, MaxDistance: s.max,
			c: newNearCond(newPath(nf.path), s)}
	}
	return f, nil
}

// Matcher compiles q.EffectiveFilter().
func (q *Query) Matcher() (*Filter, error) {
	return CompileFilter(q.EffectiveFilter())
}

// Match reports whether doc matches the filter.
func (f *Filter) Match(doc *Document) bool {
	if doc == nil {
		doc = &Document{}
	}
	return f.root.eval(doc)
}

// Source returns the filter document the Filter was compiled from.
func (f *Filter) Source() *Document { return f.src }

type cond interface {
	eval(doc *Document) bool
}

type andCond []cond

func (a andCond) eval(d *Document) bool {
	for _, c := range a {
		if !c.eval(d) {
			return false
		}
	}
	return true
}

type orCond []cond

func (o orCond) eval(d *Document) bool {
	for _, c := range o {
		if c.eval(d) {
			return true
		}
	}
	return false
}

type notCond struct{ c cond }

func (n notCond) eval(d *Document) bool { return !n.c.eval(d) }

type constCond bool

func (c constCond) eval(*Document) bool { return bool(c) }

type leafCond struct {
	p fieldPath
	t leafTest
}

func (l *leafCond) eval(d *Document) bool { return walkAny(d, l.p.parts, l.p.idx, l.t) }

// topLevelEqString is the fast path for {field: "string"} on a top-level field.
type topLevelEqString struct {
	key string
	val string
	eq  *eqTest
}

func (t *topLevelEqString) eval(d *Document) bool {
	for i := range d.fields {
		if d.fields[i].Key == t.key {
			if s, ok := d.fields[i].Value.(string); ok {
				return s == t.val
			}
			return t.eq.test(d.fields[i].Value, false)
		}
	}
	return false
}

type exprCond struct{ e *compiledExpr }

func (x exprCond) eval(d *Document) bool {
	v, err := x.e.eval(d)
	return err == nil && aggTruthy(v)
}

const maxFilterDepth = 100

func compileDoc(d *Document, depth int) (cond, error) {
	if depth > maxFilterDepth {
		return nil, errors.New("filter nested too deeply")
	}
	var conds andCond
	for _, f := range d.Fields() {
		k, v := f.Key, f.Value
		if strings.HasPrefix(k, "$") {
			c, err := compileTopOperator(k, v, depth)
			if err != nil {
				return nil, err
			}
			if c != nil {
				conds = append(conds, c)
			}
			continue
		}
		if k == "" {
			return nil, errors.New("empty field name in filter")
		}
		c, err := compileField(k, v, depth)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	if len(conds) == 1 {
		return conds[0], nil
	}
	return conds, nil
}

func compileTopOperator(k string, v Value, depth int) (cond, error) {
	switch k {
	case "$and", "$or", "$nor":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return nil, fmt.Errorf("%s needs a non-empty array", k)
		}
		subs := make([]cond, len(arr))
		for i, e := range arr {
			d, ok := e.(*Document)
			if !ok {
				return nil, fmt.Errorf("%s entries must be objects", k)
			}
			c, err := compileDoc(d, depth+1)
			if err != nil {
				return nil, err
			}
			subs[i] = c
		}
		switch k {
		case "$and":
			return andCond(subs), nil
		case "$or":
			return orCond(subs), nil
		}
		return notCond{orCond(subs)}, nil
	case "$expr":
		e, err := compileExpr(v)
		if err != nil {
			return nil, err
		}
		return exprCond{e}, nil
	case "$comment":
		return nil, nil
	}
	return nil, unsupportedOp(k)
}

func compileField(path string, v Value, depth int) (cond, error) {
	p := newPath(path)
	switch t := v.(type) {
	case *Regex:
		rt, err := newRegexTest(t)
		if err != nil {
			return nil, err
		}
		return &leafCond{p, rt}, nil
	case *Document:
		if t.Len() > 0 && strings.HasPrefix(t.fields[0].Key, "$") {
			return compileOps(p, t, depth)
		}
		if anyDollar(t) {
			return nil, fmt.Errorf("filter on %q mixes operators and fields", path)
		}
	}
	eq := &eqTest{val: v}
	if s, ok := v.(string); ok && len(p.parts) == 1 {
		return &topLevelEqString{key: path, val: s, eq: eq}, nil
	}
	return &leafCond{p, eq}, nil
}

func compileOps(p fieldPath, ops *Document, depth int) (cond, error) {
	if depth > maxFilterDepth {
		return nil, errors.New("filter nested too deeply")
	}
	var conds andCond
	add := func(t leafTest) { conds = append(conds, &leafCond{p, t}) }
	for _, f := range ops.Fields() {
		op, v := f.Key, f.Value
		if !strings.HasPrefix(op, "$") {
			return nil, fmt.Errorf("filter on %q mixes operators and fields", p.raw)
		}
		switch op {
		case "$eq":
			add(&eqTest{val: v})
		case "$ne":
			conds = append(conds, notCond{&leafCond{p, &eqTest{val: v}}})
		case "$gt", "$gte", "$lt", "$lte":
			add(&cmpTest{op: op, val: v})
		case "$in", "$nin":
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s needs an array", op)
			}
			it, err := newInTest(arr)
			if err != nil {
				return nil, err
			}
			if op == "$in" {
				add(it)
			} else {
				conds = append(conds, notCond{&leafCond{p, it}})
			}
		case "$exists":
			if truthy(v) {
				add(existsTest{})
			} else {
				conds = append(conds, notCond{&leafCond{p, existsTest{}}})
			}
		case "$size":
			n, ok := toInt64(v)
			if !ok {
				return nil, errors.New("$size needs an integer")
			}
			add(sizeTest(n))
		case "$mod":
			arr, ok := v.([]any)
			if !ok || len(arr) != 2 || !isNumber(arr[0]) || !isNumber(arr[1]) {
				return nil, errors.New("$mod needs [divisor, remainder]")
			}
			d, _ := toFloat(arr[0])
			r, _ := toFloat(arr[1])
			if math.IsNaN(d) || math.IsInf(d, 0) || math.IsNaN(r) || math.IsInf(r, 0) {
				return nil, errors.New("$mod needs finite numbers")
			}
			if int64(d) == 0 {
				return nil, errors.New("$mod divisor cannot be 0")
			}
			add(modTest{d: int64(d), r: int64(r)})
		case "$all":
			arr, ok := v.([]any)
			if !ok {
				return nil, errors.New("$all needs an array")
			}
			if len(arr) == 0 {
				conds = append(conds, constCond(false))
			}
			for _, e := range arr {
				if d, ok := e.(*Document); ok && d.Len() == 1 && d.fields[0].Key == "$elemMatch" {
					em, err := newElemMatchTest(d.fields[0].Value, depth)
					if err != nil {
						return nil, err
					}
					add(em)
					continue
				}
				if rx, ok := e.(*Regex); ok {
					rt, err := newRegexTest(rx)
					if err != nil {
						return nil, err
					}
					add(rt)
					continue
				}
				add(&eqTest{val: e})
			}
		case "$elemMatch":
			em, err := newElemMatchTest(v, depth)
			if err != nil {
				return nil, err
			}
			add(em)
		case "$regex":
			var rx *Regex
			switch r := v.(type) {
			case string:
				o, _ := ops.Get("$options")
				os, _ := o.(string)
				var err error
				if rx, err = NewRegex(r, os); err != nil {
					return nil, err
				}
			case *Regex:
				rx = r
			default:
				return nil, errors.New("$regex needs a string")
			}
			rt, err := newRegexTest(rx)
			if err != nil {
				return nil, err
			}
			add(rt)
		case "$options":
			if !ops.Has("$regex") {
				return nil, errors.New("$options without $regex")
			}
		case "$nearSphere":
			s, err := parseGeoOp(op, v)
			if err != nil {
				return nil, err
			}
			conds = append(conds, newNearCond(p, s))
		case "$geoWithin", "$geoIntersects":
			s, err := parseGeoOp(op, v)
			if err != nil {
				return nil, err
			}
			add(&geoTest{s: s})
		case "$not":
			switch n := v.(type) {
			case *Regex:
				rt, err := newRegexTest(n)
				if err != nil {
					return nil, err
				}
				conds = append(conds, notCond{&leafCond{p, rt}})
			case *Document:
				if n.Len() == 0 || !allDollar(n) {
					return nil, errors.New("$not needs an operator document or a regular expression")
				}
				inner, err := compileOps(p, n, depth+1)
				if err != nil {
					return nil, err
				}
				conds = append(conds, notCond{inner})
			default:
				return nil, errors.New("$not needs an operator document or a regular expression")
			}
		default:
			return nil, unsupportedOp(op)
		}
	}
	if len(conds) == 1 {
		return conds[0], nil
	}
	return conds, nil
}

// ---------- leaf tests ----------

// eqTest is MongoDB equality: the value itself or, for arrays, any element;
// null also matches a missing field.
type eqTest struct{ val Value }

func (e *eqTest) test(v Value, missing bool) bool {
	if missing {
		return e.val == nil
	}
	if valuesEqual(v, e.val) {
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if valuesEqual(el, e.val) {
				return true
			}
		}
	}
	return false
}

type cmpTest struct {
	op  string
	val Value
}

func (c *cmpTest) one(v Value) bool {
	if TypeClass(v) != TypeClass(c.val) {
		return false
	}
	if f, ok := v.(float64); ok && math.IsNaN(f) {
		// NaN only equals NaN.
		g, ok := c.val.(float64)
		return ok && math.IsNaN(g) && (c.op == "$gte" || c.op == "$lte")
	}
	if g, ok := c.val.(float64); ok && math.IsNaN(g) {
		return false
	}
	r := Compare(v, c.val)
	switch c.op {
	case "$gt":
		return r > 0
	case "$gte":
		return r >= 0
	case "$lt":
		return r < 0
	}
	return r <= 0
}

func (c *cmpTest) test(v Value, missing bool) bool {
	if missing {
		return c.val == nil && (c.op == "$gte" || c.op == "$lte")
	}
	if c.one(v) {
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if c.one(el) {
				return true
			}
		}
	}
	return false
}

type inTest struct {
	vals    []Value
	regexes []*regexTest
	hasNull bool
}

func newInTest(arr []any) (*inTest, error) {
	it := &inTest{}
	for _, e := range arr {
		switch t := e.(type) {
		case *Regex:
			rt, err := newRegexTest(t)
			if err != nil {
				return nil, err
			}
			it.regexes = append(it.regexes, rt)
		case *Document:
			if t.Len() > 0 && strings.HasPrefix(t.fields[0].Key, "$") {
				return nil, errors.New("$in/$nin cannot contain operators")
			}
			it.vals = append(it.vals, e)
		default:
			if e == nil {
				it.hasNull = true
			}
			it.vals = append(it.vals, e)
		}
	}
	return it, nil
}

func (it *inTest) one(v Value) bool {
	for _, x := range it.vals {
		if valuesEqual(v, x) {
			return true
		}
	}
	for _, r := range it.regexes {
		if r.one(v) {
			return true
		}
	}
	return false
}

func (it *inTest) test(v Value, missing bool) bool {
	if missing {
		return it.hasNull
	}
	if it.one(v) {
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if it.one(el) {
				return true
			}
		}
	}
	return false
}

type existsTest struct{}

func (existsTest) test(_ Value, missing bool) bool { return !missing }

type sizeTest int64

func (s sizeTest) test(v Value, missing bool) bool {
	arr, ok := v.([]any)
	return !missing && ok && int64(len(arr)) == int64(s)
}

type modTest struct{ d, r int64 }

func (m modTest) one(v Value) bool {
	switch t := v.(type) {
	case int64:
		return t%m.d == m.r
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return false
		}
		return int64(t)%m.d == m.r
	}
	return false
}

func (m modTest) test(v Value, missing bool) bool {
	if missing {
		return false
	}
	if m.one(v) {
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if m.one(el) {
				return true
			}
		}
	}
	return false
}

type regexTest struct {
	src *Regex
	re  *regexp.Regexp
}

// compileRegex compiles a model regex with Go's RE2 engine (linear time).
// Patterns that need backtracking features (look-around, back-references)
// are reported as unsupported rather than evaluated differently.
func compileRegex(r *Regex) (*regexp.Regexp, error) {
	flags := ""
	for _, c := range r.Options {
		switch c {
		case 'i', 'm', 's':
			flags += string(c)
		case 'u':
		case 'x':
			return nil, errors.New("unsupported regular expression option x")
		default:
			return nil, fmt.Errorf("unsupported regular expression option %q", string(c))
		}
	}
	pat := r.Pattern
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("unsupported regular expression /%s/: %v", r.Pattern, err)
	}
	return re, nil
}

func newRegexTest(r *Regex) (*regexTest, error) {
	re, err := compileRegex(r)
	if err != nil {
		return nil, err
	}
	return &regexTest{src: r, re: re}, nil
}

func (r *regexTest) one(v Value) bool {
	switch t := v.(type) {
	case string:
		return r.re.MatchString(t)
	case *Regex:
		return t.Pattern == r.src.Pattern && t.Options == r.src.Options
	}
	return false
}

func (r *regexTest) test(v Value, missing bool) bool {
	if missing {
		return false
	}
	if r.one(v) {
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if r.one(el) {
				return true
			}
		}
	}
	return false
}

// elemMatchTest: the value is an array with at least one element matching
// either a filter (document elements) or operator conditions (any element).
type elemMatchTest struct {
	doc   cond // for filters
	value cond // for operator conditions, evaluated on {"": element}
}

func newElemMatchTest(v Value, depth int) (*elemMatchTest, error) {
	d, ok := v.(*Document)
	if !ok {
		return nil, errors.New("$elemMatch needs an object")
	}
	if allDollar(d) && !d.Has("$and") && !d.Has("$or") && !d.Has("$nor") && !d.Has("$expr") {
		c, err := compileOps(fieldPath{raw: "", parts: []string{""}, idx: []int{-1}}, d, depth+1)
		if err != nil {
			return nil, err
		}
		return &elemMatchTest{value: c}, nil
	}
	c, err := compileDoc(d, depth+1)
	if err != nil {
		return nil, err
	}
	return &elemMatchTest{doc: c}, nil
}

func (e *elemMatchTest) test(v Value, missing bool) bool {
	arr, ok := v.([]any)
	if missing || !ok {
		return false
	}
	for _, el := range arr {
		if e.doc != nil {
			if d, ok := el.(*Document); ok && e.doc.eval(d) {
				return true
			}
			continue
		}
		wrapper := &Document{fields: []Field{{Key: "", Value: el}}}
		if e.value.eval(wrapper) {
			return true
		}
	}
	return false
}
