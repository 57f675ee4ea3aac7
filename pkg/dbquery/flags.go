package dbquery

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// FromFlags builds a find Query from command-line style inputs, without
// JavaScript:
//
//   - whereJSON: a condition in Extended JSON with the semantics of the
//     statement's where(): nested plain objects are dot paths ({"a":{"b":1}}
//     means "a.b" == 1), objects whose keys start with "$" are operators
//     ({"age":{"$gt":3}}, {"$or":[...]}), {"$date": ...} is a date and
//     {"$regex": ..., "$options": ...} a regular expression. Use
//     {"$eq": {...}} to compare a whole embedded object. Empty means no
//     condition. Numbers are JavaScript numbers: integral values within
//     ±2^53 become int64.
//   - orderBy: "field", "field:asc" or "field:desc" (also "field:1"/"field:-1").
//   - skip (>= 0) and limit (> 0): nil when absent.
//   - fields: "name" includes a field, "-name" excludes it (field()).
//
// Set Action to ActionCount (and clear the paging) for a count; the result
// renders with Statement and explains with Explain like a parsed statement.
func FromFlags(collection string, whereJSON string, orderBy []string, skip, limit *int64, fields []string) (*Query, error) {
	if collection == "" || strings.ContainsAny(collection, "$\x00") || len(collection) > 255 {
		return nil, errors.New("collection name must be a non-empty string without '$'")
	}
	for _, in := range append(append([]string{collection, whereJSON}, orderBy...), fields...) {
		if !utf8.ValidString(in) {
			return nil, fmt.Errorf("%q is not valid UTF-8", in)
		}
	}
	q := &Query{Collection: collection, Action: ActionFind}
	if strings.TrimSpace(whereJSON) != "" {
		d, err := DecodeDocument([]byte(whereJSON))
		if err != nil {
			return nil, fmt.Errorf("where: %w", err)
		}
		nd, err := jsNumbers(d, 0)
		if err != nil {
			return nil, fmt.Errorf("where: %w", err)
		}
		f, err := buildFilter(nd)
		if err != nil {
			return nil, fmt.Errorf("where: %w", err)
		}
		q.Filter = f
	}
	for _, o := range orderBy {
		field, dir, _ := strings.Cut(o, ":")
		field = strings.TrimSpace(field)
		if field == "" || strings.HasPrefix(field, "$") {
			return nil, fmt.Errorf("order by %q: missing field name", o)
		}
		key := SortKey{Field: field}
		switch strings.ToLower(strings.TrimSpace(dir)) {
		case "", "asc", "1":
		case "desc", "-1":
			key.Desc = true
		default:
			return nil, fmt.Errorf(`order by %q: direction must be "asc" or "desc"`, o)
		}
		q.Sort = append(q.Sort, key)
	}
	if skip != nil {
		if *skip < 0 {
			return nil, errors.New("skip must be a non-negative integer")
		}
		n := *skip
		q.Skip = &n
	}
	if limit != nil {
		if *limit <= 0 {
			return nil, errors.New("limit must be a positive integer")
		}
		n := *limit
		q.Limit = &n
	}
	if len(fields) > 0 {
		spec := &Document{}
		for _, f := range fields {
			f = strings.TrimSpace(f)
			include := true
			if strings.HasPrefix(f, "-") || strings.HasPrefix(f, "!") {
				include, f = false, f[1:]
			}
			if f == "" || f == "__proto__" {
				return nil, fmt.Errorf("invalid field name %q", f)
			}
			spec.Set(f, include)
		}
		jsKeyOrder(spec)
		p, err := buildProjection(spec)
		if err != nil {
			return nil, err
		}
		q.Projection = p
	}
	return q, nil
}

// jsNumbers converts a decoded JSON value to what the same literal gives in
// a statement: integral floats within ±2^53 become int64; __proto__ keys
// (which a statement cannot express) are rejected.
func jsNumbers(v Value, depth int) (Value, error) {
	switch t := v.(type) {
	case float64:
		if !math.IsNaN(t) && !math.IsInf(t, 0) {
			return NormalizeNumber(t), nil
		}
	case int64:
		if t > maxSafeInt || t < -maxSafeInt {
			return nil, fmt.Errorf("integer %d cannot be represented exactly in a statement (beyond ±2^53)", t)
		}
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			n, err := jsNumbers(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case *Document:
		out := &Document{fields: make([]Field, len(t.fields))}
		for i, f := range t.fields {
			if f.Key == "__proto__" {
				return nil, errors.New("__proto__ is not allowed as a field name")
			}
			n, err := jsNumbers(f.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out.fields[i] = Field{Key: f.Key, Value: n}
		}
		jsKeyOrder(out)
		return out, nil
	}
	return v, nil
}
