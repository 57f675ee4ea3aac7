package dbquery

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Updates: update({data}) with plain values and update commands.

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
