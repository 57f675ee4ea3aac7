package dbquery

import (
	"errors"
	"fmt"
	"strings"
)

// Documents to insert, field() projections and aggregate() stages.

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
