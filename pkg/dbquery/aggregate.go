package dbquery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// LookupFunc returns the documents of another collection (for $lookup).
type LookupFunc func(collection string) ([]*Document, error)

// MaxPipelineDocs caps the number of documents any stage may produce
// (e.g. an exploding $unwind).
const MaxPipelineDocs = 1_000_000

// RunPipeline runs an aggregation pipeline over docs, which are not modified
// (output documents may share nested values with them: clone before
// mutating). Stages: $match $project $addFields $group $sort $skip $limit
// $unwind $count $sortByCount $lookup (equality form) $sample $replaceRoot
// $geoNear (first stage only, with key: see ResolveGeoNear). Any other
// stage or expression operator is an error "unsupported operator $X". The
// context is checked while looping; lookup may be nil when the pipeline has
// no $lookup.
func RunPipeline(ctx context.Context, docs []*Document, pipeline []Stage, lookup LookupFunc) ([]*Document, error) {
	return runPipeline(ctx, docs, pipeline, lookup, time.Now())
}

func runPipeline(ctx context.Context, docs []*Document, pipeline []Stage, lookup LookupFunc, now time.Time) ([]*Document, error) {
	cur := docs
	for i, st := range pipeline {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		arg := ResolveServerDates(st.Arg, now)
		if err := checkValue(arg, 0); err != nil {
			return nil, fmt.Errorf("stage %d (%s): %w", i+1, st.Name, err)
		}
		if st.Name == "$geoNear" && i > 0 {
			return nil, fmt.Errorf("stage %d ($geoNear): $geoNear is only valid as the first stage in a pipeline", i+1)
		}
		next, err := runStage(ctx, cur, st.Name, arg, lookup)
		if err != nil {
			return nil, fmt.Errorf("stage %d (%s): %w", i+1, st.Name, err)
		}
		if len(next) > MaxPipelineDocs {
			return nil, fmt.Errorf("stage %d (%s): more than %d documents", i+1, st.Name, MaxPipelineDocs)
		}
		cur = next
	}
	if cur == nil {
		cur = []*Document{}
	}
	return cur, nil
}

type ticker struct {
	ctx context.Context
	n   int
}

func (t *ticker) tick() error {
	t.n++
	if t.n&1023 == 0 {
		return t.ctx.Err()
	}
	return nil
}

func runStage(ctx context.Context, docs []*Document, name string, arg Value, lookup LookupFunc) ([]*Document, error) {
	tk := &ticker{ctx: ctx}
	switch name {
	case "$match":
		d, ok := arg.(*Document)
		if !ok {
			return nil, errors.New("$match needs an object")
		}
		f, err := CompileFilter(d)
		if err != nil {
			return nil, err
		}
		if f.near != nil {
			return nil, errNearContext
		}
		out := make([]*Document, 0, len(docs))
		for _, doc := range docs {
			if err := tk.tick(); err != nil {
				return nil, err
			}
			if f.Match(doc) {
				out = append(out, doc)
			}
		}
		return out, nil
	case "$project":
		d, ok := arg.(*Document)
		if !ok || d.Len() == 0 {
			return nil, errors.New("$project needs a non-empty object")
		}
		p, err := compileProjection(d, true)
		if err != nil {
			return nil, err
		}
		return mapDocs(tk, docs, p.apply)
	case "$addFields":
		d, ok := arg.(*Document)
		if !ok {
			return nil, errors.New("$addFields needs an object")
		}
		af, err := compileAddFields(d)
		if err != nil {
			return nil, err
		}
		return mapDocs(tk, docs, af)
	case "$replaceRoot":
		d, ok := arg.(*Document)
		nr, has := d.Get("newRoot")
		if !ok || !has || d.Len() != 1 {
			return nil, errors.New("$replaceRoot needs {newRoot: expression}")
		}
		e, err := compileExpr(nr)
		if err != nil {
			return nil, err
		}
		return mapDocs(tk, docs, func(doc *Document) (*Document, error) {
			v, err := e.eval(doc)
			if err != nil {
				return nil, err
			}
			nd, ok := v.(*Document)
			if !ok {
				return nil, fmt.Errorf("'newRoot' expression must evaluate to an object, but resulting value was of type %s", typeName(nullIfMissing(v)))
			}
			return nd, nil
		})
	case "$group":
		d, ok := arg.(*Document)
		if !ok {
			return nil, errors.New("$group needs an object")
		}
		return runGroup(tk, docs, d)
	case "$sort":
		d, ok := arg.(*Document)
		if !ok || d.Len() == 0 {
			return nil, errors.New("$sort needs an object such as {field: 1}")
		}
		keys, err := sortKeysFromDoc(d)
		if err != nil {
			return nil, err
		}
		out := append([]*Document{}, docs...)
		SortDocuments(out, keys)
		return out, nil
	case "$skip", "$limit":
		n, ok := toInt64(arg)
		if !ok || n < 0 || (name == "$limit" && n == 0) {
			return nil, fmt.Errorf("%s needs a %s integer", name, map[bool]string{true: "positive", false: "non-negative"}[name == "$limit"])
		}
		if name == "$skip" {
			if n >= int64(len(docs)) {
				return []*Document{}, nil
			}
			return docs[n:], nil
		}
		if n < int64(len(docs)) {
			return docs[:n], nil
		}
		return docs, nil
	case "$unwind":
		return runUnwind(tk, docs, arg)
	case "$count":
		s, ok := arg.(string)
		if !ok || s == "" || strings.HasPrefix(s, "$") || strings.Contains(s, ".") {
			return nil, errors.New("$count needs a field name (not empty, no '$' prefix, no '.')")
		}
		if len(docs) == 0 {
			return []*Document{}, nil
		}
		return []*Document{D(s, int64(len(docs)))}, nil
	case "$sortByCount":
		grouped, err := runGroup(tk, docs, D("_id", arg, "count", D("$sum", int64(1))))
		if err != nil {
			return nil, err
		}
		SortDocuments(grouped, []SortKey{{Field: "count", Desc: true}})
		return grouped, nil
	case "$lookup":
		return runLookup(tk, docs, arg, lookup)
	case "$geoNear":
		return runGeoNear(tk, docs, arg)
	case "$sample":
		d, ok := arg.(*Document)
		sz, has := d.Get("size")
		n, isInt := toInt64(sz)
		if !ok || !has || !isInt || n < 0 || d.Len() != 1 {
			return nil, errors.New("$sample needs {size: non-negative integer}")
		}
		perm := rand.Perm(len(docs))
		if n > int64(len(docs)) {
			n = int64(len(docs))
		}
		out := make([]*Document, n)
		for i := range out {
			out[i] = docs[perm[i]]
		}
		return out, nil
	}
	return nil, unsupportedOp(name)
}

func mapDocs(tk *ticker, docs []*Document, f func(*Document) (*Document, error)) ([]*Document, error) {
	out := make([]*Document, 0, len(docs))
	for _, doc := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		nd, err := f(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, nd)
	}
	return out, nil
}

// compileAddFields: each key (a dotted path) gets the value of its
// expression, evaluated on the input document; a missing result leaves the
// document unchanged ($$REMOVE removes the field).
func compileAddFields(spec *Document) (func(*Document) (*Document, error), error) {
	type field struct {
		parts []string
		e     *compiledExpr
		rm    bool
	}
	var fields []field
	for _, f := range spec.Fields() {
		if f.Key == "" || strings.HasPrefix(f.Key, "$") {
			return nil, fmt.Errorf("invalid $addFields field name %q", f.Key)
		}
		if s, ok := f.Value.(string); ok && s == "$$REMOVE" {
			fields = append(fields, field{parts: strings.Split(f.Key, "."), rm: true})
			continue
		}
		e, err := compileExpr(f.Value)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{parts: strings.Split(f.Key, "."), e: e})
	}
	return func(doc *Document) (*Document, error) {
		vals := make([]Value, len(fields))
		for i, f := range fields {
			if f.rm {
				continue
			}
			v, err := f.e.eval(doc)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		out := doc.Clone()
		for i, f := range fields {
			if f.rm {
				if err := unsetUpdatePath(out, f.parts); err != nil {
					return nil, err
				}
				continue
			}
			if isMissing(vals[i]) {
				continue
			}
			if err := addFieldPath(out, f.parts, vals[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}, nil
}

// addFieldPath sets a dotted path, replacing non-document intermediates by
// embedded documents (as $addFields does).
func addFieldPath(d *Document, parts []string, v Value) error {
	cur := d
	for _, p := range parts[:len(parts)-1] {
		child, ok := cur.Get(p)
		cd, isDoc := child.(*Document)
		if !ok || !isDoc {
			cd = &Document{}
			cur.Set(p, cd)
		}
		cur = cd
	}
	cur.Set(parts[len(parts)-1], v)
	return nil
}

// ---------- $group ----------

type accumulator interface {
	add(v Value)
	result() Value
}

func newAccumulator(op string) accumulator {
	switch op {
	case "$sum":
		return &sumAcc{sum: int64(0)}
	case "$avg":
		return &avgAcc{}
	case "$min":
		return &minMaxAcc{max: false}
	case "$max":
		return &minMaxAcc{max: true}
	case "$first":
		return &firstAcc{}
	case "$last":
		return &lastAcc{}
	case "$push":
		return &pushAcc{vals: []any{}}
	case "$addToSet":
		return &setAcc{vals: []any{}, keys: map[string]bool{}}
	}
	return nil
}

type sumAcc struct{ sum Value }

func (s *sumAcc) add(v Value) {
	if isNumber(v) {
		s.sum = addNumbers(s.sum, v)
	}
}
func (s *sumAcc) result() Value { return s.sum }

type avgAcc struct {
	sum float64
	n   int64
}

func (a *avgAcc) add(v Value) {
	if f, ok := toFloat(v); ok {
		a.sum += f
		a.n++
	}
}
func (a *avgAcc) result() Value {
	if a.n == 0 {
		return nil
	}
	return a.sum / float64(a.n)
}

type minMaxAcc struct {
	max  bool
	best Value
	have bool
}

func (m *minMaxAcc) add(v Value) {
	if isNullish(v) {
		return
	}
	if !m.have {
		m.best, m.have = v, true
		return
	}
	c := Compare(v, m.best)
	if (m.max && c > 0) || (!m.max && c < 0) {
		m.best = v
	}
}
func (m *minMaxAcc) result() Value {
	if !m.have {
		return nil
	}
	return m.best
}

type firstAcc struct {
	v    Value
	have bool
}

func (f *firstAcc) add(v Value) {
	if !f.have {
		f.v, f.have = nullIfMissing(v), true
	}
}
func (f *firstAcc) result() Value { return f.v }

type lastAcc struct{ v Value }

func (l *lastAcc) add(v Value)   { l.v = nullIfMissing(v) }
func (l *lastAcc) result() Value { return l.v }

type pushAcc struct {
	vals     []any
	overflow bool
}

func (p *pushAcc) add(v Value) {
	if isMissing(v) {
		return
	}
	if len(p.vals) >= MaxArrayLength {
		p.overflow = true
		return
	}
	p.vals = append(p.vals, v)
}
func (p *pushAcc) result() Value { return p.vals }

type setAcc struct {
	vals     []any
	keys     map[string]bool
	overflow bool
}

func (s *setAcc) add(v Value) {
	if isMissing(v) {
		return
	}
	k := groupKey(v)
	if s.keys[k] {
		return
	}
	if len(s.vals) >= MaxArrayLength {
		s.overflow = true
		return
	}
	s.keys[k] = true
	s.vals = append(s.vals, v)
}
func (s *setAcc) result() Value { return s.vals }

func overflowed(a accumulator) bool {
	switch t := a.(type) {
	case *pushAcc:
		return t.overflow
	case *setAcc:
		return t.overflow
	}
	return false
}

var groupAccumulators = map[string]bool{
	"$sum": true, "$avg": true, "$min": true, "$max": true, "$first": true, "$last": true, "$push": true, "$addToSet": true,
}

type groupState struct {
	id   Value
	accs []accumulator
}

func runGroup(tk *ticker, docs []*Document, spec *Document) ([]*Document, error) {
	idSpec, ok := spec.Get("_id")
	if !ok {
		return nil, errors.New("$group needs an _id (use null for a single group)")
	}
	idExpr, err := compileExpr(idSpec)
	if err != nil {
		return nil, err
	}
	type accSpec struct {
		name string
		op   string
		e    *compiledExpr
	}
	var specs []accSpec
	for _, f := range spec.Fields() {
		if f.Key == "_id" {
			continue
		}
		if f.Key == "" || strings.HasPrefix(f.Key, "$") || strings.Contains(f.Key, ".") {
			return nil, fmt.Errorf("invalid $group field name %q", f.Key)
		}
		d, ok := f.Value.(*Document)
		if !ok || d.Len() != 1 {
			return nil, fmt.Errorf("$group field %q must be an accumulator such as {$sum: 1}", f.Key)
		}
		op := d.fields[0].Key
		if !groupAccumulators[op] {
			return nil, unsupportedOp(op)
		}
		e, err := compileExpr(d.fields[0].Value)
		if err != nil {
			return nil, err
		}
		specs = append(specs, accSpec{name: f.Key, op: op, e: e})
	}
	groups := map[string]*groupState{}
	var order []*groupState
	for _, doc := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		id, err := idExpr.eval(doc)
		if err != nil {
			return nil, err
		}
		id = nullIfMissing(id)
		k := groupKey(id)
		g, ok := groups[k]
		if !ok {
			g = &groupState{id: id, accs: make([]accumulator, len(specs))}
			for i, s := range specs {
				g.accs[i] = newAccumulator(s.op)
			}
			groups[k] = g
			order = append(order, g)
		}
		for i, s := range specs {
			v, err := s.e.eval(doc)
			if err != nil {
				return nil, err
			}
			g.accs[i].add(v)
			if overflowed(g.accs[i]) {
				return nil, fmt.Errorf("%s for %q exceeds %d values", s.op, s.name, MaxArrayLength)
			}
		}
	}
	out := make([]*Document, 0, len(order))
	for _, g := range order {
		d := &Document{fields: make([]Field, 0, len(specs)+1)}
		d.fields = append(d.fields, Field{Key: "_id", Value: g.id})
		for i, s := range specs {
			d.fields = append(d.fields, Field{Key: s.name, Value: g.accs[i].result()})
		}
		out = append(out, d)
	}
	return out, nil
}

// groupKey is a canonical string for MongoDB equality of group keys (1 and
// 1.0 are the same group; documents are order-sensitive).
func groupKey(v Value) string {
	var b strings.Builder
	writeGroupKey(&b, v)
	return b.String()
}

func writeGroupKey(b *strings.Builder, v Value) {
	switch t := v.(type) {
	case nil, missingT:
		b.WriteString("N")
	case bool:
		if t {
			b.WriteString("T")
		} else {
			b.WriteString("F")
		}
	case int64:
		if t >= -maxSafeInt && t <= maxSafeInt {
			b.WriteString("n" + strconv.FormatFloat(float64(t), 'g', -1, 64))
		} else {
			b.WriteString("l" + strconv.FormatInt(t, 10))
		}
	case float64:
		switch {
		case math.IsNaN(t):
			b.WriteString("nNaN")
		case t == math.Trunc(t) && math.Abs(t) < 9.2e18 && (t < -maxSafeInt || t > maxSafeInt):
			b.WriteString("l" + strconv.FormatInt(int64(t), 10))
		case t == 0:
			b.WriteString("n0")
		default:
			b.WriteString("n" + strconv.FormatFloat(t, 'g', -1, 64))
		}
	case string:
		b.WriteString("s" + strconv.Quote(t))
	case time.Time:
		b.WriteString("d" + strconv.FormatInt(t.UnixMilli(), 10))
	case ServerDate:
		b.WriteString("o" + strconv.FormatInt(t.OffsetMillis, 10))
	case *Regex:
		b.WriteString("r" + strconv.Quote(t.Pattern) + t.Options)
	case []any:
		b.WriteString("[")
		for _, e := range t {
			writeGroupKey(b, e)
			b.WriteString(",")
		}
		b.WriteString("]")
	case *Document:
		b.WriteString("{")
		for _, f := range t.Fields() {
			b.WriteString(strconv.Quote(f.Key) + ":")
			writeGroupKey(b, f.Value)
			b.WriteString(",")
		}
		b.WriteString("}")
	}
}

// ---------- $unwind ----------

func runUnwind(tk *ticker, docs []*Document, arg Value) ([]*Document, error) {
	var path, indexField string
	preserve := false
	switch t := arg.(type) {
	case string:
		path = t
	case *Document:
		for _, f := range t.Fields() {
			switch f.Key {
			case "path":
				s, _ := f.Value.(string)
				path = s
			case "includeArrayIndex":
				s, ok := f.Value.(string)
				if !ok || s == "" || strings.HasPrefix(s, "$") {
					return nil, errors.New("$unwind includeArrayIndex must be a field name")
				}
				indexField = s
			case "preserveNullAndEmptyArrays":
				b, ok := f.Value.(bool)
				if !ok {
					return nil, errors.New("$unwind preserveNullAndEmptyArrays must be a boolean")
				}
				preserve = b
			default:
				return nil, fmt.Errorf("unsupported $unwind option %q", f.Key)
			}
		}
	default:
		return nil, errors.New("$unwind needs '$field' or {path: '$field'}")
	}
	if !strings.HasPrefix(path, "$") || len(path) < 2 || strings.HasPrefix(path, "$$") {
		return nil, errors.New("$unwind path must be a field path starting with '$'")
	}
	parts := strings.Split(path[1:], ".")
	idxParts := strings.Split(indexField, ".")
	out := make([]*Document, 0, len(docs))
	for _, doc := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		v, exists, _ := getUpdatePath(doc, parts)
		arr, isArr := v.([]any)
		switch {
		case isArr && len(arr) > 0:
			if len(out)+len(arr) > MaxPipelineDocs {
				return nil, fmt.Errorf("$unwind produces more than %d documents", MaxPipelineDocs)
			}
			for i, e := range arr {
				nd := doc.Clone()
				if err := addFieldPath(nd, parts, e); err != nil {
					return nil, err
				}
				if indexField != "" {
					_ = addFieldPath(nd, idxParts, int64(i))
				}
				out = append(out, nd)
				if err := tk.tick(); err != nil {
					return nil, err
				}
			}
		case exists && v != nil && !isArr:
			// A non-array value is unwound as a single element.
			nd := doc
			if indexField != "" {
				nd = doc.Clone()
				_ = addFieldPath(nd, idxParts, nil)
			}
			out = append(out, nd)
		default: // missing, null or empty array
			if preserve {
				nd := doc
				if isArr || indexField != "" {
					nd = doc.Clone()
				}
				if isArr {
					// An empty array is removed from the output document.
					_ = unsetUpdatePath(nd, parts)
				}
				if indexField != "" {
					_ = addFieldPath(nd, idxParts, nil)
				}
				out = append(out, nd)
			}
		}
	}
	return out, nil
}

// ---------- $lookup ----------

func runLookup(tk *ticker, docs []*Document, arg Value, lookup LookupFunc) ([]*Document, error) {
	spec, ok := arg.(*Document)
	if !ok {
		return nil, errors.New("$lookup needs an object")
	}
	var from, local, foreign, as string
	for _, f := range spec.Fields() {
		s, isStr := f.Value.(string)
		switch f.Key {
		case "from":
			from = s
		case "localField":
			local = s
		case "foreignField":
			foreign = s
		case "as":
			as = s
		case "let", "pipeline":
			return nil, unsupportedOp("$lookup with " + f.Key)
		default:
			return nil, fmt.Errorf("unsupported $lookup option %q", f.Key)
		}
		if !isStr || s == "" {
			return nil, fmt.Errorf("$lookup %s must be a non-empty string", f.Key)
		}
	}
	if from == "" || local == "" || foreign == "" || as == "" {
		return nil, errors.New("$lookup needs from, localField, foreignField and as")
	}
	if lookup == nil {
		return nil, errors.New("$lookup is not available here (no collection lookup)")
	}
	foreignDocs, err := lookup(from)
	if err != nil {
		return nil, fmt.Errorf("$lookup from %q: %w", from, err)
	}
	localPath := newPath(local)
	asParts := strings.Split(as, ".")
	out := make([]*Document, 0, len(docs))
	for _, doc := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		c := &collector{}
		walkAny(doc, localPath.parts, localPath.idx, c)
		var keys []any
		for _, v := range c.vals {
			if arr, ok := v.([]any); ok {
				keys = append(keys, arr...)
			} else {
				keys = append(keys, v)
			}
		}
		if len(keys) == 0 {
			keys = []any{nil}
		}
		f, err := CompileFilter(D(foreign, D("$in", keys)))
		if err != nil {
			return nil, err
		}
		matched := []any{}
		for _, fd := range foreignDocs {
			if err := tk.tick(); err != nil {
				return nil, err
			}
			if f.Match(fd) {
				matched = append(matched, fd)
			}
		}
		nd := doc.Clone()
		if err := addFieldPath(nd, asParts, matched); err != nil {
			return nil, err
		}
		out = append(out, nd)
	}
	return out, nil
}
