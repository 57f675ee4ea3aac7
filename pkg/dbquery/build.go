package dbquery

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// This file turns "intermediate" values — model values that may still hold
// *command nodes from db.command / _ — into the canonical MongoDB forms stored
// in a Query. It is shared by the statement parser and FromFlags, so that a
// statement and its flag/JSON equivalent produce identical Queries.

type cmdKind int

const (
	cmdQuery  cmdKind = iota // _.eq, _.gt, _.in, ... (field conditions)
	cmdLogic                 // _.and, _.or, _.nor, _.not
	cmdUpdate                // _.set, _.inc, _.push, ...
	cmdExpr                  // _.expr
)

// command is an unevaluated db.command call. args are intermediate values.
type command struct {
	kind cmdKind
	op   string
	args []any
}

func (c *command) String() string { return "db.command." + c.op + "()" }

// queryOps maps the DSL query command names to MongoDB operators.
var queryOps = map[string]string{
	"eq": "$eq", "neq": "$ne", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte",
	"in": "$in", "nin": "$nin", "exists": "$exists", "size": "$size", "mod": "$mod",
	"all": "$all", "elemMatch": "$elemMatch",
	"geoNear": "$nearSphere", "geoWithin": "$geoWithin", "geoIntersects": "$geoIntersects",
}

var updateOps = map[string]bool{
	"set": true, "remove": true, "inc": true, "mul": true, "min": true, "max": true,
	"rename": true, "push": true, "pop": true, "shift": true, "unshift": true,
	"addToSet": true, "pull": true, "pullAll": true,
}

// ---------- filters ----------

type clause struct {
	key string
	val Value
}

// buildFilter converts a where()/match() argument into a canonical filter.
func buildFilter(v any) (*Document, error) {
	switch t := v.(type) {
	case *Document:
		if t.geo {
			return nil, errors.New("condition must be an object, got a db.Geo value")
		}
		var cl []clause
		if err := collectFilterDoc(t, "", &cl); err != nil {
			return nil, err
		}
		return mergeClauses(cl), nil
	case *command:
		switch t.kind {
		case cmdLogic:
			if t.op == "not" {
				return nil, errors.New("_.not() applies to a field: use {field: _.not(...)}")
			}
			subs, err := logicOperands(t)
			if err != nil {
				return nil, err
			}
			arr := make([]any, 0, len(subs))
			for _, s := range subs {
				f, err := buildFilter(s)
				if err != nil {
					return nil, err
				}
				arr = append(arr, f)
			}
			return D("$"+t.op, arr), nil
		case cmdExpr:
			e, err := plainValue(t.args[0], "_.expr")
			if err != nil {
				return nil, err
			}
			return D("$expr", e), nil
		}
		return nil, fmt.Errorf("%s cannot be a whole condition: use {field: %s}", t, t)
	case nil:
		return nil, errors.New("condition must be an object, got null")
	}
	return nil, fmt.Errorf("condition must be an object, got %s", typeName(v))
}

func logicOperands(c *command) ([]any, error) {
	args := c.args
	if len(args) == 1 {
		if arr, ok := args[0].([]any); ok {
			args = arr
		}
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("_.%s() needs at least one condition", c.op)
	}
	return args, nil
}

func joinPath(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func allDollar(d *Document) bool {
	for _, f := range d.Fields() {
		if !strings.HasPrefix(f.Key, "$") {
			return false
		}
	}
	return d.Len() > 0
}

func anyDollar(d *Document) bool {
	for _, f := range d.Fields() {
		if strings.HasPrefix(f.Key, "$") {
			return true
		}
	}
	return false
}

func collectFilterDoc(d *Document, prefix string, out *[]clause) error {
	for _, f := range d.Fields() {
		k, v := f.Key, f.Value
		if prefix == "" && strings.HasPrefix(k, "$") {
			switch k {
			case "$and", "$or", "$nor":
				arr, ok := v.([]any)
				if !ok || len(arr) == 0 {
					return fmt.Errorf("%s needs a non-empty array of conditions", k)
				}
				subs := make([]any, len(arr))
				for i, s := range arr {
					fd, err := buildFilter(s)
					if err != nil {
						return err
					}
					subs[i] = fd
				}
				*out = append(*out, clause{k, subs})
			case "$expr":
				e, err := plainValue(v, "$expr")
				if err != nil {
					return err
				}
				*out = append(*out, clause{k, e})
			default:
				return unsupportedOp(k)
			}
			continue
		}
		if k == "" {
			return errors.New("empty field name in condition")
		}
		if strings.HasPrefix(k, "$") {
			return fmt.Errorf("cannot mix operators and fields in the condition on %q", prefix)
		}
		if err := collectField(joinPath(prefix, k), v, out); err != nil {
			return err
		}
	}
	return nil
}

func collectField(path string, v any, out *[]clause) error {
	switch t := v.(type) {
	case *command:
		cl, err := fieldClauses(path, t)
		if err != nil {
			return err
		}
		*out = append(*out, cl...)
		return nil
	case *Document:
		switch {
		case t.geo:
			// A Geo object is one value, compared whole (the SDK keeps it
			// whole too).
			pv, err := plainValue(t, "condition on "+path)
			if err != nil {
				return err
			}
			*out = append(*out, clause{path, pv})
		case t.Len() == 0:
			*out = append(*out, clause{path, &Document{}})
		case allDollar(t):
			ops, err := operatorDoc(t)
			if err != nil {
				return fmt.Errorf("condition on %q: %w", path, err)
			}
			*out = append(*out, clause{path, ops})
		case anyDollar(t):
			return fmt.Errorf("cannot mix operators and fields in the condition on %q", path)
		default:
			return collectFilterDoc(t, path, out)
		}
		return nil
	}
	pv, err := plainValue(v, "condition on "+path)
	if err != nil {
		return err
	}
	*out = append(*out, clause{path, pv})
	return nil
}

// fieldClauses converts a command used as the value of field path.
func fieldClauses(path string, c *command) ([]clause, error) {
	switch c.kind {
	case cmdQuery:
		ops, err := queryCommandDoc(c)
		if err != nil {
			return nil, err
		}
		return []clause{{path, ops}}, nil
	case cmdLogic:
		switch c.op {
		case "and":
			ops, err := logicOperands(c)
			if err != nil {
				return nil, err
			}
			var out []clause
			for _, o := range ops {
				cl, err := operandClauses(path, o)
				if err != nil {
					return nil, err
				}
				out = append(out, cl...)
			}
			return out, nil
		case "or", "nor":
			ops, err := logicOperands(c)
			if err != nil {
				return nil, err
			}
			arr := make([]any, len(ops))
			for i, o := range ops {
				cl, err := operandClauses(path, o)
				if err != nil {
					return nil, err
				}
				arr[i] = mergeClauses(cl)
			}
			return []clause{{"$" + c.op, arr}}, nil
		case "not":
			if len(c.args) != 1 {
				return nil, errors.New("_.not() takes exactly one condition")
			}
			switch a := c.args[0].(type) {
			case *Regex:
				return []clause{{path, D("$not", a)}}, nil
			case *command:
				cl, err := fieldClauses(path, a)
				if err != nil {
					return nil, err
				}
				if len(cl) == 1 && cl[0].key == path {
					if ops, ok := cl[0].val.(*Document); ok && allDollar(ops) {
						return []clause{{path, D("$not", ops)}}, nil
					}
				}
				return []clause{{"$nor", []any{mergeClauses(cl)}}}, nil
			}
			return nil, errors.New("_.not() expects a command such as _.gt(1) or a regular expression")
		}
	case cmdUpdate:
		return nil, fmt.Errorf("update command _.%s() cannot be used in a condition", c.op)
	case cmdExpr:
		return nil, errors.New("_.expr() must be the whole condition: where(_.expr(...))")
	}
	return nil, fmt.Errorf("unsupported command %s", c)
}

// operandClauses converts one operand of a field-level and/or/nor: a command
// or a plain value (equality).
func operandClauses(path string, o any) ([]clause, error) {
	if c, ok := o.(*command); ok {
		return fieldClauses(path, c)
	}
	pv, err := plainValue(o, "condition on "+path)
	if err != nil {
		return nil, err
	}
	return []clause{{path, D("$eq", pv)}}, nil
}

// mergeClauses builds a filter document; operator documents on the same path
// with distinct operators are merged, any other collision turns the whole
// filter into {$and: [...]}.
func mergeClauses(cl []clause) *Document {
	out := &Document{}
	conflict := false
	index := make(map[string]int, len(cl))
	for _, c := range cl {
		i, exists := index[c.key]
		if !exists {
			index[c.key] = len(out.fields)
			out.fields = append(out.fields, Field{Key: c.key, Value: c.val})
			continue
		}
		prev := out.fields[i].Value
		pd, ok1 := prev.(*Document)
		cd, ok2 := c.val.(*Document)
		if ok1 && ok2 && !strings.HasPrefix(c.key, "$") && allDollar(pd) && allDollar(cd) && !sharesKey(pd, cd) {
			merged := &Document{fields: append(append([]Field{}, pd.Fields()...), cd.Fields()...)}
			out.fields[i].Value = merged
			continue
		}
		conflict = true
		break
	}
	if !conflict {
		jsKeyOrder(out)
		return out
	}
	arr := make([]any, len(cl))
	for i, c := range cl {
		arr[i] = D(c.key, c.val)
	}
	return D("$and", arr)
}

func sharesKey(a, b *Document) bool {
	for _, f := range b.Fields() {
		if a.Has(f.Key) {
			return true
		}
	}
	return false
}

// queryCommandDoc turns _.gt(5) etc. into an operator document.
func queryCommandDoc(c *command) (Value, error) {
	op := queryOps[c.op]
	var arg any
	if _, isGeo := geoCommandOps[c.op]; isGeo {
		a, err := geoCommandArg(c)
		if err != nil {
			return nil, err
		}
		return operatorDoc(D(op, a))
	}
	switch {
	case c.op == "mod" && len(c.args) == 2:
		arg = []any{c.args[0], c.args[1]}
	case c.op == "in" || c.op == "nin" || c.op == "all":
		if len(c.args) != 1 {
			return nil, fmt.Errorf("_.%s() takes one array argument", c.op)
		}
		arg = c.args[0]
	case len(c.args) == 1:
		arg = c.args[0]
	default:
		return nil, fmt.Errorf("_.%s() takes exactly one argument", c.op)
	}
	return operatorDoc(D(op, arg))
}

// operatorDoc validates and canonicalises a field operator document such as
// {"$gt": 1, "$lt": 5}. A document consisting only of $regex (+$options)
// becomes a *Regex value.
func operatorDoc(d *Document) (Value, error) {
	if rx, ok := d.Get("$regex"); ok && (d.Len() == 1 || (d.Len() == 2 && d.Has("$options"))) {
		return regexFromOp(rx, d)
	}
	out := &Document{}
	for _, f := range d.Fields() {
		op, v := f.Key, f.Value
		var nv Value
		var err error
		switch op {
		case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte":
			nv, err = plainValue(v, op)
		case "$in", "$nin":
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s needs an array", op)
			}
			nv, err = plainValue(arr, op)
		case "$exists":
			nv = truthy(v)
		case "$size":
			n, ok := toInt64(v)
			if !ok || n < 0 {
				return nil, errors.New("$size needs a non-negative integer")
			}
			nv = n
		case "$mod":
			arr, ok := v.([]any)
			if !ok || len(arr) != 2 {
				return nil, errors.New("$mod needs [divisor, remainder]")
			}
			dv, ok1 := toInt64(arr[0])
			rv, ok2 := toInt64(arr[1])
			if !ok1 || !ok2 {
				if !isNumber(arr[0]) || !isNumber(arr[1]) {
					return nil, errors.New("$mod needs numeric divisor and remainder")
				}
				f0, _ := toFloat(arr[0])
				f1, _ := toFloat(arr[1])
				dv, rv = int64(math.Trunc(f0)), int64(math.Trunc(f1))
			}
			if dv == 0 {
				return nil, errors.New("$mod divisor cannot be 0")
			}
			nv = []any{dv, rv}
		case "$all":
			arr, ok := v.([]any)
			if !ok {
				return nil, errors.New("$all needs an array")
			}
			vals := make([]any, len(arr))
			for i, e := range arr {
				if em := elemMatchOperand(e); em != nil {
					m, err := elemMatchArg(em)
					if err != nil {
						return nil, err
					}
					vals[i] = D("$elemMatch", m)
					continue
				}
				if vals[i], err = plainValue(e, "$all"); err != nil {
					return nil, err
				}
			}
			nv = vals
		case "$elemMatch":
			nv, err = elemMatchArg(v)
		case "$nearSphere", "$geoWithin", "$geoIntersects":
			if nv, err = plainValue(v, op); err == nil {
				_, err = parseGeoOp(op, nv)
			}
		case "$regex":
			// $regex with siblings other than $options (e.g. {$regex, $ne}).
			switch r := v.(type) {
			case string:
				nv = r
			case *Regex:
				nv = r.Pattern
				if r.Options != "" && !d.Has("$options") {
					out.Set("$regex", r.Pattern)
					out.Set("$options", r.Options)
					continue
				}
			default:
				return nil, errors.New("$regex needs a string")
			}
		case "$options":
			s, ok := v.(string)
			if !ok {
				return nil, errors.New("$options needs a string")
			}
			if !d.Has("$regex") {
				return nil, errors.New("$options without $regex")
			}
			nv, err = canonicalRegexOptions(s)
		case "$not":
			switch n := v.(type) {
			case *Regex:
				nv = n
			case *command:
				ops, err2 := queryCommandValue(n)
				if err2 != nil {
					return nil, err2
				}
				nv = ops
			case *Document:
				if !allDollar(n) {
					return nil, errors.New("$not needs an operator document or a regular expression")
				}
				nv, err = operatorDoc(n)
			default:
				return nil, errors.New("$not needs an operator document or a regular expression")
			}
		default:
			return nil, unsupportedOp(op)
		}
		if err != nil {
			return nil, err
		}
		out.Set(op, nv)
	}
	return out, nil
}

func regexFromOp(rx Value, d *Document) (Value, error) {
	o, _ := d.Get("$options")
	os, ok := o.(string)
	if o != nil && !ok {
		return nil, errors.New("$options needs a string")
	}
	switch r := rx.(type) {
	case string:
		return NewRegex(r, os)
	case *Regex:
		return NewRegex(r.Pattern, r.Options+os)
	}
	return nil, errors.New("$regex needs a string")
}

// queryCommandValue converts a (possibly chained) query command to a single
// operator document, as needed inside $not and $elemMatch.
func queryCommandValue(c *command) (Value, error) {
	cl, err := fieldClauses("\x00", c)
	if err != nil {
		return nil, err
	}
	m := mergeClauses(cl)
	if m.Len() == 1 && m.fields[0].Key == "\x00" {
		return m.fields[0].Value, nil
	}
	return nil, fmt.Errorf("%s cannot be used here: only field conditions combined with and are allowed", c)
}

func elemMatchOperand(e any) any {
	if c, ok := e.(*command); ok && c.kind == cmdQuery && c.op == "elemMatch" && len(c.args) == 1 {
		return c.args[0]
	}
	if d, ok := e.(*Document); ok && d.Len() == 1 && d.fields[0].Key == "$elemMatch" {
		return d.fields[0].Value
	}
	return nil
}

// elemMatchArg canonicalises the argument of $elemMatch: an operator document
// (conditions on scalar elements) or a filter (on document elements).
func elemMatchArg(v any) (Value, error) {
	switch t := v.(type) {
	case *command:
		if t.kind == cmdQuery || (t.kind == cmdLogic && t.op == "and") {
			return queryCommandValue(t)
		}
		return buildFilter(t)
	case *Document:
		if allDollar(t) && !t.Has("$and") && !t.Has("$or") && !t.Has("$nor") && !t.Has("$expr") {
			return operatorDoc(t)
		}
		return buildFilter(t)
	}
	return nil, errors.New("$elemMatch needs an object")
}

func unsupportedOp(op string) error {
	return fmt.Errorf("unsupported operator %s", op)
}

// truthy is JavaScript truthiness on model values.
func truthy(v Value) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0 && !math.IsNaN(t)
	case string:
		return t != ""
	}
	return true
}

// plainValue verifies that v holds no commands (they only make sense in
// conditions and update data) and returns it.
func plainValue(v any, where string) (Value, error) {
	switch t := v.(type) {
	case *command:
		return nil, fmt.Errorf("%s cannot be used as a value (in %s)", t, where)
	case []any:
		for _, e := range t {
			if _, err := plainValue(e, where); err != nil {
				return nil, err
			}
		}
	case *Document:
		for _, f := range t.Fields() {
			if _, err := plainValue(f.Value, where); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// ---------- updates ----------

// buildUpdate converts update({data}) into an operator document.
func buildUpdate(data any) (*Document, error) {
	d, ok := data.(*Document)
	if !ok {
		return nil, errors.New("update data must be an object")
	}
	u := &updateBuilder{}
	if err := u.collect(d, ""); err != nil {
		return nil, err
	}
	if len(u.entries) == 0 {
		return nil, errors.New("update data is empty")
	}
	return u.document(), nil
}

type updateBuilder struct {
	entries []updateEntry
	paths   pathSet
}

type updateEntry struct {
	op   string
	path string
	v    Value
}

// pathSet detects update paths that are equal or where one is a prefix of
// another, in time linear in the path length.
type pathSet struct {
	full     map[string]bool
	prefixes map[string]bool
}

// add returns the conflicting shorter path ("" when there is none).
func (ps *pathSet) add(path string) (string, bool) {
	if ps.full == nil {
		ps.full, ps.prefixes = map[string]bool{}, map[string]bool{}
	}
	if ps.full[path] || ps.prefixes[path] {
		return path, false
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '.' && ps.full[path[:i]] {
			return path[:i], false
		}
	}
	ps.full[path] = true
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			ps.prefixes[path[:i]] = true
		}
	}
	return "", true
}

func (u *updateBuilder) add(op, path string, v Value) error {
	if short, ok := u.paths.add(path); !ok {
		return fmt.Errorf("updating the path '%s' would create a conflict at '%s'", path, short)
	}
	u.entries = append(u.entries, updateEntry{op, path, v})
	return nil
}

// document groups the entries by operator. Entries are first put in
// JavaScript key order (array-index paths first): the statement language can
// express no other order, so this is the canonical form.
func (u *updateBuilder) document() *Document {
	sort.SliceStable(u.entries, func(i, j int) bool {
		return jsKeyLess(u.entries[i].path, u.entries[j].path)
	})
	out := &Document{}
	for _, e := range u.entries {
		opDoc, ok := out.Get(e.op)
		if !ok {
			opDoc = &Document{}
			out.Set(e.op, opDoc)
		}
		d := opDoc.(*Document)
		d.fields = append(d.fields, Field{Key: e.path, Value: e.v}) // paths are unique
	}
	return out
}

// jsArrayIndex reports whether k is an array-index property name in
// JavaScript ("0" ... "4294967294", no leading zeros), and its value.
func jsArrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(k[i]-'0')
	}
	return n, n < 1<<32-1
}

// jsKeyLess orders keys like a JavaScript object: array indexes first, in
// numeric order; other keys keep their relative order (use a stable sort).
func jsKeyLess(a, b string) bool {
	x, aok := jsArrayIndex(a)
	y, bok := jsArrayIndex(b)
	switch {
	case aok && bok:
		return x < y
	case aok:
		return true
	}
	return false
}

// jsKeyOrder reorders a document's keys the way a JavaScript object literal
// orders them.
func jsKeyOrder(d *Document) {
	for _, f := range d.fields {
		if _, ok := jsArrayIndex(f.Key); ok {
			sort.SliceStable(d.fields, func(i, j int) bool { return jsKeyLess(d.fields[i].Key, d.fields[j].Key) })
			return
		}
	}
}

func (u *updateBuilder) collect(d *Document, prefix string) error {
	for _, f := range d.Fields() {
		k, v := f.Key, f.Value
		if k == "" {
			return errors.New("empty field name in update data")
		}
		if strings.HasPrefix(k, "$") {
			return fmt.Errorf("update data field %q starts with '$': use update commands such as _.set() or _.inc() instead of operators", k)
		}
		path := joinPath(prefix, k)
		switch t := v.(type) {
		case *command:
			if t.kind != cmdUpdate {
				return fmt.Errorf("%s is a query command and cannot be used in update data (field %q)", t, path)
			}
			op, val, err := updateCommand(t)
			if err != nil {
				return fmt.Errorf("field %q: %w", path, err)
			}
			if err := u.add(op, path, val); err != nil {
				return err
			}
		case *Document:
			if t.Len() == 0 || t.geo {
				// An empty object or a Geo object is set whole.
				if err := u.add("$set", path, t); err != nil {
					return err
				}
				continue
			}
			if err := u.collect(t, path); err != nil {
				return err
			}
		default:
			pv, err := plainValue(v, "update data")
			if err != nil {
				return err
			}
			if err := u.add("$set", path, pv); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateCommand maps an update command to its MongoDB operator and value.
func updateCommand(c *command) (string, Value, error) {
	one := func() (any, error) {
		if len(c.args) != 1 {
			return nil, fmt.Errorf("_.%s() takes exactly one argument", c.op)
		}
		return c.args[0], nil
	}
	none := func() error {
		if len(c.args) != 0 {
			return fmt.Errorf("_.%s() takes no arguments", c.op)
		}
		return nil
	}
	switch c.op {
	case "set":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		v, err := plainValue(a, "_.set")
		return "$set", v, err
	case "remove":
		return "$unset", "", none()
	case "inc", "mul":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		if !isNumber(a) {
			return "", nil, fmt.Errorf("_.%s() needs a number", c.op)
		}
		return "$" + c.op, a, nil
	case "min", "max":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		v, err := plainValue(a, "_."+c.op)
		return "$" + c.op, v, err
	case "rename":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		s, ok := a.(string)
		if !ok || s == "" {
			return "", nil, errors.New("_.rename() needs a non-empty field name")
		}
		return "$rename", s, nil
	case "pop":
		return "$pop", int64(1), none()
	case "shift":
		return "$pop", int64(-1), none()
	case "push", "unshift":
		spec, err := pushSpec(c)
		return "$push", spec, err
	case "addToSet":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		if d, ok := a.(*Document); ok && d.Len() == 1 {
			if each, ok := d.Get("each"); ok {
				arr, ok := each.([]any)
				if !ok {
					return "", nil, errors.New("_.addToSet({each}) needs an array")
				}
				v, err := plainValue(arr, "_.addToSet")
				return "$addToSet", D("$each", v), err
			}
		}
		v, err := plainValue(a, "_.addToSet")
		return "$addToSet", v, err
	case "pull":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		v, err := pullCondition(a)
		return "$pull", v, err
	case "pullAll":
		a, err := one()
		if err != nil {
			return "", nil, err
		}
		arr, ok := a.([]any)
		if !ok {
			return "", nil, errors.New("_.pullAll() needs an array")
		}
		v, err := plainValue(arr, "_.pullAll")
		return "$pullAll", v, err
	}
	return "", nil, fmt.Errorf("unsupported update command _.%s()", c.op)
}

func pullCondition(a any) (Value, error) {
	switch t := a.(type) {
	case *command:
		if t.kind == cmdQuery || t.kind == cmdLogic {
			return queryCommandValue(t)
		}
		return nil, fmt.Errorf("%s cannot be used in _.pull()", t)
	case *Document:
		if allDollar(t) && !t.Has("$and") && !t.Has("$or") && !t.Has("$nor") && !t.Has("$expr") {
			return operatorDoc(t)
		}
		return buildFilter(t)
	}
	return plainValue(a, "_.pull")
}

var pushModifierKeys = map[string]string{"each": "$each", "position": "$position", "slice": "$slice", "sort": "$sort"}

func pushSpec(c *command) (*Document, error) {
	var each []any
	var mods *Document
	switch {
	case len(c.args) == 0:
		return nil, fmt.Errorf("_.%s() needs at least one value", c.op)
	case len(c.args) > 1:
		each = c.args
	default:
		switch a := c.args[0].(type) {
		case []any:
			each = a
		case *Document:
			if a.Has("each") && c.op == "push" {
				for _, f := range a.Fields() {
					if _, ok := pushModifierKeys[f.Key]; !ok {
						return nil, fmt.Errorf("_.push({each, ...}): unknown option %q (allowed: each, position, slice, sort)", f.Key)
					}
				}
				ev, _ := a.Get("each")
				arr, ok := ev.([]any)
				if !ok {
					return nil, errors.New("_.push({each}) needs an array")
				}
				each, mods = arr, a
			} else {
				each = []any{a}
			}
		default:
			each = []any{a}
		}
	}
	ev, err := plainValue(each, "_."+c.op)
	if err != nil {
		return nil, err
	}
	spec := D("$each", ev)
	if c.op == "unshift" {
		spec.Set("$position", int64(0))
		return spec, nil
	}
	if mods != nil {
		for _, k := range []string{"position", "slice"} {
			if v, ok := mods.Get(k); ok {
				n, ok := toInt64(v)
				if !ok {
					return nil, fmt.Errorf("_.push({%s}) needs an integer", k)
				}
				spec.Set(pushModifierKeys[k], n)
			}
		}
		if v, ok := mods.Get("sort"); ok {
			s, err := pushSortSpec(v)
			if err != nil {
				return nil, err
			}
			spec.Set("$sort", s)
		}
	}
	return spec, nil
}

func pushSortSpec(v Value) (Value, error) {
	if n, ok := toInt64(v); ok && (n == 1 || n == -1) {
		return n, nil
	}
	if d, ok := v.(*Document); ok && d.Len() > 0 {
		out := &Document{}
		for _, f := range d.Fields() {
			n, ok := toInt64(f.Value)
			if !ok || (n != 1 && n != -1) {
				return nil, errors.New("push sort directions must be 1 or -1")
			}
			out.Set(f.Key, n)
		}
		return out, nil
	}
	return nil, errors.New("push sort must be 1, -1 or {field: 1|-1}")
}

// ---------- documents, projection, stages ----------

// buildDataDoc validates a document to insert or a set() replacement.
func buildDataDoc(v any, what string) (*Document, error) {
	d, ok := v.(*Document)
	if !ok {
		return nil, fmt.Errorf("%s must be an object, got %s", what, typeName(v))
	}
	if _, err := plainValue(d, what); err != nil {
		return nil, err
	}
	for _, f := range d.Fields() {
		if strings.HasPrefix(f.Key, "$") {
			return nil, fmt.Errorf("%s: field %q must not start with '$'", what, f.Key)
		}
		if f.Key == "" {
			return nil, fmt.Errorf("%s: empty field name", what)
		}
	}
	return d, nil
}

// buildProjection converts field({a: true, b: false}) into {a: 1, b: 0}.
func buildProjection(v any) (*Document, error) {
	d, ok := v.(*Document)
	if !ok {
		return nil, errors.New("field() needs an object such as {name: true}")
	}
	out := &Document{}
	incl, excl := false, false
	for _, f := range d.Fields() {
		if f.Key == "" || strings.HasPrefix(f.Key, "$") {
			return nil, fmt.Errorf("field(): invalid field name %q", f.Key)
		}
		if _, isCmd := f.Value.(*command); isCmd {
			return nil, fmt.Errorf("field(): projection operators are not supported (field %q)", f.Key)
		}
		n := int64(0)
		if truthy(f.Value) {
			n = 1
		}
		if f.Key != "_id" {
			if n == 1 {
				incl = true
			} else {
				excl = true
			}
		}
		out.Set(f.Key, n)
	}
	if incl && excl {
		return nil, errors.New("field(): cannot mix included (true) and excluded (false) fields, except _id")
	}
	return out, nil
}

// stageNames are the aggregate() stage methods known to the SDK; they all
// parse, and the evaluator reports the ones it does not implement.
var stageNames = []string{
	"addFields", "bucket", "bucketAuto", "count", "geoNear", "group", "limit", "lookup", "match",
	"project", "replaceRoot", "sample", "skip", "sort", "sortByCount", "unwind",
}

func buildStage(name string, args []any) (Stage, error) {
	st := Stage{Name: "$" + name}
	if len(args) != 1 {
		return st, fmt.Errorf("aggregate .%s() takes exactly one argument", name)
	}
	a := args[0]
	var err error
	switch name {
	case "match":
		st.Arg, err = buildFilter(a)
	case "skip", "limit":
		n, ok := toInt64(a)
		if !ok || n < 0 || (name == "limit" && n == 0) {
			return st, fmt.Errorf("aggregate .%s() needs a %s integer", name, map[bool]string{true: "positive", false: "non-negative"}[name == "limit"])
		}
		st.Arg = n
	case "count":
		s, ok := a.(string)
		if !ok || s == "" || strings.HasPrefix(s, "$") || strings.Contains(s, ".") {
			return st, errors.New("aggregate .count() needs a field name (not empty, no '$' prefix, no '.')")
		}
		st.Arg = s
	case "sort":
		d, ok := a.(*Document)
		if !ok || d.Len() == 0 {
			return st, errors.New("aggregate .sort() needs an object such as {field: 1}")
		}
		out := &Document{}
		for _, f := range d.Fields() {
			n, ok := toInt64(f.Value)
			if !ok || (n != 1 && n != -1) {
				return st, fmt.Errorf("aggregate .sort(): direction of %q must be 1 or -1", f.Key)
			}
			out.Set(f.Key, n)
		}
		st.Arg = out
	case "geoNear":
		st.Arg, err = buildGeoNearStage(a)
	case "unwind":
		switch t := a.(type) {
		case string:
			if !strings.HasPrefix(t, "$") || len(t) < 2 {
				return st, errors.New("aggregate .unwind() path must start with '$'")
			}
			st.Arg = t
		case *Document:
			p, _ := t.Get("path")
			if s, ok := p.(string); !ok || !strings.HasPrefix(s, "$") || len(s) < 2 {
				return st, errors.New("aggregate .unwind() needs {path: '$field', ...}")
			}
			st.Arg, err = plainValue(t, "unwind")
		default:
			return st, errors.New("aggregate .unwind() needs '$field' or {path: '$field'}")
		}
	default:
		if name != "sortByCount" {
			if _, ok := a.(*Document); !ok {
				return st, fmt.Errorf("aggregate .%s() needs an object", name)
			}
		}
		st.Arg, err = plainValue(a, "aggregate ."+name+"()")
	}
	return st, err
}
