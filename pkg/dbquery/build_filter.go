package dbquery

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Filters: where(), match() and the conditions inside them.

// queryOps maps the DSL query command names to MongoDB operators.
var queryOps = map[string]string{
	"eq": "$eq", "neq": "$ne", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte",
	"in": "$in", "nin": "$nin", "exists": "$exists", "size": "$size", "mod": "$mod",
	"all": "$all", "elemMatch": "$elemMatch",
	"geoNear": "$nearSphere", "geoWithin": "$geoWithin", "geoIntersects": "$geoIntersects",
}

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
