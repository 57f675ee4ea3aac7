package dbquery

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// MaxArrayLength caps arrays grown by $push/$addToSet updates.
const MaxArrayLength = 1_000_000

// ApplyUpdate applies a MongoDB update to a copy of doc and returns the new
// document and whether it differs from doc; doc itself is never modified.
//
// update is either an operator document ({"$set": {...}, "$inc": {...}}, as in
// Query.Update for ActionUpdate) or, when it has no "$" keys, a replacement
// document (ActionSet) which keeps doc's _id. Supported operators: $set
// $unset $inc $mul $min $max $rename $push ($each, $position, $slice, $sort)
// $pop $addToSet ($each) $pull (value or condition) $pullAll; anything else is
// "unsupported operator $X". Errors follow MongoDB's messages and name the
// field (e.g. $inc on a string). _id is immutable. ServerDates are resolved
// with the current time.
func ApplyUpdate(doc *Document, update *Document) (*Document, bool, error) {
	return applyUpdate(doc, update, time.Now())
}

func applyUpdate(doc *Document, update *Document, now time.Time) (*Document, bool, error) {
	if doc == nil {
		doc = &Document{}
	}
	if update == nil {
		return nil, false, errors.New("update is nil")
	}
	if err := checkValue(update, 0); err != nil {
		return nil, false, err
	}
	update = ResolveServerDates(update, now).(*Document)
	if !anyDollar(update) {
		return replaceDocument(doc, update)
	}
	if !allDollar(update) {
		return nil, false, errors.New("update document mixes operators and plain fields")
	}
	if err := checkUpdatePaths(update); err != nil {
		return nil, false, err
	}
	out := doc.Clone()
	u := &updater{doc: out}
	for _, opf := range update.Fields() {
		fields, ok := opf.Value.(*Document)
		if !ok {
			return nil, false, fmt.Errorf("modifiers for %s must be an object", opf.Key)
		}
		for _, f := range fields.Fields() {
			if err := u.apply(opf.Key, f.Key, f.Value); err != nil {
				return nil, false, err
			}
		}
	}
	origID, hadID := doc.Get("_id")
	newID, hasID := out.Get("_id")
	if hadID && (!hasID || !EqualValues(origID, newID)) {
		return nil, false, errors.New("performing an update on the path '_id' would modify the immutable field '_id'")
	}
	return out, !EqualValues(doc, out), nil
}

func replaceDocument(doc, repl *Document) (*Document, bool, error) {
	for _, f := range repl.Fields() {
		if f.Key == "" {
			return nil, false, errors.New("empty field name in replacement document")
		}
	}
	origID, hadID := doc.Get("_id")
	out := &Document{}
	if hadID {
		out.Set("_id", origID)
	}
	for _, f := range repl.Fields() {
		if f.Key == "_id" && hadID {
			if !valuesEqual(f.Value, origID) {
				return nil, false, errors.New("the _id field cannot be changed by a replacement (set)")
			}
			continue
		}
		out.fields = append(out.fields, Field{Key: f.Key, Value: CloneValue(f.Value)})
	}
	return out, !EqualValues(doc, out), nil
}

// checkUpdatePaths rejects updates that touch the same path twice or a path
// and its prefix (MongoDB: "would create a conflict").
func checkUpdatePaths(update *Document) error {
	var paths pathSet
	for _, opf := range update.Fields() {
		fields, ok := opf.Value.(*Document)
		if !ok {
			continue
		}
		for _, f := range fields.Fields() {
			ps := []string{f.Key}
			if opf.Key == "$rename" {
				if s, ok := f.Value.(string); ok {
					if s == f.Key {
						return fmt.Errorf("the source and target field for $rename must differ: %s", s)
					}
					ps = append(ps, s)
				}
			}
			for _, p := range ps {
				if p == "" || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
					return fmt.Errorf("invalid update path %q", p)
				}
				for _, part := range strings.Split(p, ".") {
					switch {
					case part == "$" || strings.HasPrefix(part, "$["):
						return fmt.Errorf("unsupported: the positional operator %s in update path %q", part, p)
					case strings.HasPrefix(part, "$"):
						return fmt.Errorf("the dollar ($) prefixed field '%s' in '%s' is not valid for storage", part, p)
					}
				}
				if short, ok := paths.add(p); !ok {
					return fmt.Errorf("updating the path '%s' would create a conflict at '%s'", p, short)
				}
			}
		}
	}
	return nil
}

type updater struct {
	doc *Document
}

func (u *updater) idString() string {
	id, ok := u.doc.Get("_id")
	if !ok {
		return "{}"
	}
	b, err := EncodeValue(id)
	if err != nil {
		return "{}"
	}
	return "{_id: " + string(b) + "}"
}

func (u *updater) apply(op, path string, arg Value) error {
	if path == "_id" || strings.HasPrefix(path, "_id.") {
		switch op {
		case "$set":
			if id, ok := u.doc.Get("_id"); ok && path == "_id" && valuesEqual(id, arg) {
				return nil
			}
		}
		return errors.New("performing an update on the path '_id' would modify the immutable field '_id'")
	}
	parts := strings.Split(path, ".")
	cur, exists, err := getUpdatePath(u.doc, parts)
	if err != nil {
		return err
	}
	switch op {
	case "$set":
		return setUpdatePath(u.doc, parts, CloneValue(arg))
	case "$unset":
		return unsetUpdatePath(u.doc, parts)
	case "$inc", "$mul":
		if !isNumber(arg) {
			return fmt.Errorf("cannot %s with non-numeric argument: {%s: %s}", op[1:], path, typeName(arg))
		}
		if !exists {
			if op == "$mul" {
				if _, isInt := arg.(int64); isInt {
					return setUpdatePath(u.doc, parts, int64(0))
				}
				return setUpdatePath(u.doc, parts, 0.0)
			}
			return setUpdatePath(u.doc, parts, arg)
		}
		if !isNumber(cur) {
			return fmt.Errorf("cannot apply %s to a value of non-numeric type. %s has the field '%s' of non-numeric type %s", op, u.idString(), parts[len(parts)-1], typeName(cur))
		}
		var r Value
		if op == "$inc" {
			r = addNumbers(cur, arg)
		} else {
			r = mulNumbers(cur, arg)
		}
		return setUpdatePath(u.doc, parts, r)
	case "$min", "$max":
		if !exists {
			return setUpdatePath(u.doc, parts, CloneValue(arg))
		}
		c := Compare(arg, cur)
		if (op == "$min" && c < 0) || (op == "$max" && c > 0) {
			return setUpdatePath(u.doc, parts, CloneValue(arg))
		}
		return nil
	case "$rename":
		to, ok := arg.(string)
		if !ok || to == "" {
			return fmt.Errorf("the 'to' field for $rename must be a string: %s", path)
		}
		if to == path {
			return fmt.Errorf("the source and target field for $rename must differ: %s", path)
		}
		if strings.HasPrefix(to, "_id.") || to == "_id" {
			return errors.New("performing an update on the path '_id' would modify the immutable field '_id'")
		}
		if !exists {
			return nil
		}
		if err := noArrayOnPath(u.doc, parts); err != nil {
			return fmt.Errorf("the source field cannot be an array element: %s", path)
		}
		toParts := strings.Split(to, ".")
		if err := noArrayOnPath(u.doc, toParts); err != nil {
			return fmt.Errorf("the destination field cannot be an array element: %s", to)
		}
		if err := unsetUpdatePath(u.doc, parts); err != nil {
			return err
		}
		return setUpdatePath(u.doc, toParts, cur)
	case "$push", "$addToSet", "$pop", "$pull", "$pullAll":
		var arr []any
		if exists {
			a, ok := cur.([]any)
			if !ok {
				return fmt.Errorf("the field '%s' must be an array but is of type %s in document %s", path, typeName(cur), u.idString())
			}
			arr = a
		} else if op != "$push" && op != "$addToSet" {
			return nil
		}
		res, err := arrayUpdate(op, arr, arg)
		if err != nil {
			return fmt.Errorf("%s on field '%s': %w", op, path, err)
		}
		return setUpdatePath(u.doc, parts, res)
	}
	return unsupportedOp(op)
}

// getUpdatePath looks a path up without array fan-out.
func getUpdatePath(d *Document, parts []string) (Value, bool, error) {
	var cur Value = d
	for _, p := range parts {
		switch t := cur.(type) {
		case *Document:
			v, ok := t.Get(p)
			if !ok {
				return nil, false, nil
			}
			cur = v
		case []any:
			i, ok := arrayIndex(p)
			if !ok || i >= len(t) {
				return nil, false, nil
			}
			cur = t[i]
		default:
			return nil, false, nil
		}
	}
	return cur, true, nil
}

func noArrayOnPath(d *Document, parts []string) error {
	var cur Value = d
	for _, p := range parts {
		switch t := cur.(type) {
		case *Document:
			v, ok := t.Get(p)
			if !ok {
				return nil
			}
			cur = v
		case []any:
			return errors.New("array on path")
		default:
			return nil
		}
	}
	return nil
}

// setUpdatePath sets a value, creating embedded documents as needed; numeric
// components index arrays (padding with null).
func setUpdatePath(d *Document, parts []string, v Value) error {
	_, err := setIn(d, parts, v, parts)
	return err
}

func setIn(container Value, parts []string, v Value, full []string) (Value, error) {
	p := parts[0]
	last := len(parts) == 1
	switch t := container.(type) {
	case *Document:
		if last {
			t.Set(p, v)
			return t, nil
		}
		child, ok := t.Get(p)
		if !ok || child == nil {
			child = &Document{}
			t.Set(p, child)
		}
		switch child.(type) {
		case *Document, []any:
		default:
			return nil, fmt.Errorf("cannot create field '%s' in element {%s: %s}", parts[1], p, shortValue(child))
		}
		nc, err := setIn(child, parts[1:], v, full)
		if err != nil {
			return nil, err
		}
		t.Set(p, nc)
		return t, nil
	case []any:
		i, ok := arrayIndex(p)
		if !ok {
			return nil, fmt.Errorf("cannot create field '%s' in element {%s}", p, shortValue(t))
		}
		if i >= MaxArrayLength {
			return nil, fmt.Errorf("array index %d too large", i)
		}
		for len(t) <= i {
			t = append(t, nil)
		}
		if last {
			t[i] = v
			return t, nil
		}
		child := t[i]
		if child == nil {
			child = &Document{}
		}
		switch child.(type) {
		case *Document, []any:
		default:
			return nil, fmt.Errorf("cannot create field '%s' in element {%s: %s}", parts[1], p, shortValue(child))
		}
		nc, err := setIn(child, parts[1:], v, full)
		if err != nil {
			return nil, err
		}
		t[i] = nc
		return t, nil
	}
	return nil, fmt.Errorf("cannot set %s", strings.Join(full, "."))
}

func shortValue(v Value) string {
	b, err := EncodeValue(v)
	if err != nil {
		return typeName(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// unsetUpdatePath removes a field; an array element is set to null.
func unsetUpdatePath(d *Document, parts []string) error {
	var cur Value = d
	for i, p := range parts {
		last := i == len(parts)-1
		switch t := cur.(type) {
		case *Document:
			if last {
				t.Delete(p)
				return nil
			}
			v, ok := t.Get(p)
			if !ok {
				return nil
			}
			cur = v
		case []any:
			idx, ok := arrayIndex(p)
			if !ok || idx >= len(t) {
				return nil
			}
			if last {
				t[idx] = nil
				return nil
			}
			cur = t[idx]
		default:
			return nil
		}
	}
	return nil
}

// arrayUpdate computes the new array for the array operators.
func arrayUpdate(op string, arr []any, arg Value) ([]any, error) {
	switch op {
	case "$push":
		return pushValues(arr, arg)
	case "$addToSet":
		vals := []any{arg}
		if d, ok := arg.(*Document); ok && d.Len() > 0 && d.fields[0].Key == "$each" {
			each, ok := d.fields[0].Value.([]any)
			if !ok || d.Len() != 1 {
				return nil, errors.New("$addToSet {$each} needs an array and no other modifiers")
			}
			vals = each
		}
		out := append([]any{}, arr...)
		for _, v := range vals {
			found := false
			for _, e := range out {
				if valuesEqual(e, v) {
					found = true
					break
				}
			}
			if !found {
				out = append(out, CloneValue(v))
			}
		}
		if len(out) > MaxArrayLength {
			return nil, fmt.Errorf("array would exceed %d elements", MaxArrayLength)
		}
		return out, nil
	case "$pop":
		n, ok := toInt64(arg)
		if !ok || (n != 1 && n != -1) {
			return nil, errors.New("$pop expects 1 or -1")
		}
		if len(arr) == 0 {
			return arr, nil
		}
		if n == 1 {
			return append([]any{}, arr[:len(arr)-1]...), nil
		}
		return append([]any{}, arr[1:]...), nil
	case "$pull":
		pred, err := pullPredicate(arg)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			if !pred(e) {
				out = append(out, e)
			}
		}
		return out, nil
	case "$pullAll":
		vals, ok := arg.([]any)
		if !ok {
			return nil, errors.New("$pullAll requires an array argument")
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			drop := false
			for _, v := range vals {
				if valuesEqual(e, v) {
					drop = true
					break
				}
			}
			if !drop {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return nil, unsupportedOp(op)
}

// pullPredicate: an operator document applies to each element's value, a
// filter to document elements, a regex to strings, anything else is equality.
func pullPredicate(arg Value) (func(Value) bool, error) {
	switch t := arg.(type) {
	case *Document:
		if err := nearScanValue(t, 0); err != nil {
			return nil, err
		}
		if allDollar(t) && !t.Has("$and") && !t.Has("$or") && !t.Has("$nor") && !t.Has("$expr") {
			c, err := compileOps(fieldPath{raw: "", parts: []string{""}, idx: []int{-1}}, t, 0)
			if err != nil {
				return nil, err
			}
			return func(v Value) bool {
				return c.eval(&Document{fields: []Field{{Key: "", Value: v}}})
			}, nil
		}
		c, err := compileDoc(t, 0)
		if err != nil {
			return nil, err
		}
		return func(v Value) bool {
			d, ok := v.(*Document)
			return ok && c.eval(d)
		}, nil
	case *Regex:
		rt, err := newRegexTest(t)
		if err != nil {
			return nil, err
		}
		return rt.one, nil
	}
	return func(v Value) bool { return valuesEqual(v, arg) }, nil
}

func pushValues(arr []any, arg Value) ([]any, error) {
	spec, ok := arg.(*Document)
	if !ok || spec.Len() == 0 || spec.fields[0].Key != "$each" {
		if ok && spec.Has("$each") {
			return nil, errors.New("$each must be the first modifier of $push")
		}
		if len(arr)+1 > MaxArrayLength {
			return nil, fmt.Errorf("array would exceed %d elements", MaxArrayLength)
		}
		return append(append([]any{}, arr...), CloneValue(arg)), nil
	}
	each, ok := spec.fields[0].Value.([]any)
	if !ok {
		return nil, errors.New("$each requires an array")
	}
	if len(arr)+len(each) > MaxArrayLength {
		return nil, fmt.Errorf("array would exceed %d elements", MaxArrayLength)
	}
	pos := int64(len(arr))
	var slice *int64
	var sortSpec Value
	for _, f := range spec.Fields()[1:] {
		switch f.Key {
		case "$position":
			n, ok := toInt64(f.Value)
			if !ok {
				return nil, errors.New("$position must be an integer")
			}
			if n < 0 {
				n += int64(len(arr))
				if n < 0 {
					n = 0
				}
			}
			if n < pos {
				pos = n
			}
		case "$slice":
			n, ok := toInt64(f.Value)
			if !ok {
				return nil, errors.New("$slice must be an integer")
			}
			slice = &n
		case "$sort":
			sortSpec = f.Value
		default:
			return nil, fmt.Errorf("unrecognized $push modifier %s", f.Key)
		}
	}
	out := make([]any, 0, len(arr)+len(each))
	out = append(out, arr[:pos]...)
	for _, e := range each {
		out = append(out, CloneValue(e))
	}
	out = append(out, arr[pos:]...)
	if sortSpec != nil {
		if err := sortArray(out, sortSpec); err != nil {
			return nil, err
		}
	}
	if slice != nil {
		n := *slice
		switch {
		case n >= 0 && n < int64(len(out)):
			out = out[:n]
		case n < 0 && -n < int64(len(out)):
			out = out[int64(len(out))+n:]
		}
	}
	return out, nil
}

func sortArray(arr []any, spec Value) error {
	if n, ok := toInt64(spec); ok && (n == 1 || n == -1) {
		sort.SliceStable(arr, func(i, j int) bool {
			c := Compare(arr[i], arr[j])
			if n == 1 {
				return c < 0
			}
			return c > 0
		})
		return nil
	}
	d, ok := spec.(*Document)
	if !ok {
		return errors.New("$sort must be 1, -1 or {field: 1|-1}")
	}
	keys, err := sortKeysFromDoc(d)
	if err != nil {
		return err
	}
	sortValues(len(arr), keys, func(i int) Value {
		if doc, ok := arr[i].(*Document); ok {
			return doc
		}
		return &Document{}
	}, func(perm []int) {
		out := make([]any, len(arr))
		for i, j := range perm {
			out[i] = arr[j]
		}
		copy(arr, out)
	})
	return nil
}
