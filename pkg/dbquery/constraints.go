package dbquery

import (
	"math"
	"strings"
)

// Constraint is what every document matching a Filter must satisfy on one
// path, for index-assisted candidate selection. It is derived only from
// top-level AND-ed conditions ($and included, $or/$nor/$not/$ne/$nin/$expr
// ignored) and is always a NECESSARY condition, never a sufficient one: the
// emulator selects candidates from its index and still runs Filter.Match.
//
// Index keys: index a path multikey, exactly as IndexKeys(doc, path) returns —
// every value the path reaches (through arrays of documents) plus, for each
// reached array, each of its elements. Documents with no key (path missing)
// need no entry: no constraint is ever reported for conditions that a
// missing field or null could satisfy.
//
//   - HasEq: some index key k of the document has Compare(k, e) == 0 and
//     TypeClass(k) == TypeClass(e) for some e in Eq. HasEq with an empty Eq
//     means no document can match. (From plain values, $eq, $in and the
//     first plain value of $all; regex and null values never give Eq.)
//   - HasLower: some index key k has TypeClass(k) == TypeClass(Lower) and
//     k > Lower (k >= Lower when LowerInclusive). HasUpper likewise with <.
//     The lower and upper bound may be satisfied by DIFFERENT keys of the
//     same document (array fields): scan one bound's range, or intersect
//     both only for paths known to hold no arrays.
//   - HasGeo (from $nearSphere with $maxDistance, $geoWithin and
//     $geoIntersects): the document holds at Path a geometry (a GeoJSON
//     object or coordinate pair, reached like an index key; for matching,
//     also an element of an array) whose bounding rect (as GeoIndexRects
//     computes it) intersects one of the rects in Geo. These constraints
//     are for 2dsphere indexes, whose keys are not values: the value
//     constraints above never describe GeoJSON.
type Constraint struct {
	Path           string
	Eq             []Value
	HasEq          bool
	Lower, Upper   Value
	HasLower       bool
	HasUpper       bool
	LowerInclusive bool
	UpperInclusive bool
	Geo            []GeoRect
	HasGeo         bool
}

// Constraints returns the per-path constraints of the filter (see
// Constraint). The map is empty when nothing useful is known.
func (f *Filter) Constraints() map[string]Constraint {
	out := map[string]Constraint{}
	collectConstraints(f.src, out, 0)
	return out
}

func collectConstraints(d *Document, out map[string]Constraint, depth int) {
	if depth > maxFilterDepth {
		return
	}
	for _, fl := range d.Fields() {
		if fl.Key == "$and" {
			if arr, ok := fl.Value.([]any); ok {
				for _, e := range arr {
					if sub, ok := e.(*Document); ok {
						collectConstraints(sub, out, depth+1)
					}
				}
			}
			continue
		}
		if strings.HasPrefix(fl.Key, "$") {
			continue
		}
		path := fl.Key
		ops, isDoc := fl.Value.(*Document)
		if !isDoc || ops.Len() == 0 || !strings.HasPrefix(ops.fields[0].Key, "$") {
			addEq(out, path, []Value{fl.Value})
			continue
		}
		for _, op := range ops.Fields() {
			switch op.Key {
			case "$eq":
				addEq(out, path, []Value{op.Value})
			case "$in":
				if arr, ok := op.Value.([]any); ok {
					addEq(out, path, arr)
				}
			case "$all":
				if arr, ok := op.Value.([]any); ok && len(arr) > 0 {
					if d, isDoc := arr[0].(*Document); !isDoc || !d.Has("$elemMatch") {
						addEq(out, path, arr[:1])
					}
				}
			case "$gt", "$gte":
				addBound(out, path, op.Value, true, op.Key == "$gte")
			case "$lt", "$lte":
				addBound(out, path, op.Value, false, op.Key == "$lte")
			case "$nearSphere", "$geoWithin", "$geoIntersects":
				if s, err := parseGeoOp(op.Key, op.Value); err == nil {
					if rects := s.rects(); rects != nil {
						addGeo(out, path, rects)
					}
				}
			}
		}
	}
}

func usableKey(v Value) bool {
	switch t := v.(type) {
	case nil, *Regex, ServerDate:
		return false
	case float64:
		return !math.IsNaN(t)
	case *Document:
		return t.Len() == 0 || !strings.HasPrefix(t.fields[0].Key, "$")
	}
	return true
}

func addEq(out map[string]Constraint, path string, vals []Value) {
	for _, v := range vals {
		if !usableKey(v) {
			return
		}
	}
	c := out[path]
	c.Path = path
	if !c.HasEq || len(vals) < len(c.Eq) {
		c.Eq = append([]Value{}, vals...)
		c.HasEq = true
	}
	out[path] = c
}

func addBound(out map[string]Constraint, path string, v Value, lower, inclusive bool) {
	if !usableKey(v) {
		return
	}
	c := out[path]
	c.Path = path
	if lower {
		if !c.HasLower || tighter(v, inclusive, c.Lower, c.LowerInclusive, true) {
			c.Lower, c.LowerInclusive, c.HasLower = v, inclusive, true
		}
	} else {
		if !c.HasUpper || tighter(v, inclusive, c.Upper, c.UpperInclusive, false) {
			c.Upper, c.UpperInclusive, c.HasUpper = v, inclusive, true
		}
	}
	out[path] = c
}

// tighter reports whether bound a is at least as restrictive as bound b.
func tighter(a Value, aIncl bool, b Value, bIncl bool, lower bool) bool {
	c := Compare(a, b)
	if c == 0 {
		return !aIncl && bIncl
	}
	if lower {
		return c > 0
	}
	return c < 0
}

// addGeo records a geo constraint, keeping the smaller region when a path
// has several.
func addGeo(out map[string]Constraint, path string, rects []GeoRect) {
	c := out[path]
	c.Path = path
	if !c.HasGeo || rectsArea(rects) < rectsArea(c.Geo) {
		c.Geo, c.HasGeo = rects, true
	}
	out[path] = c
}

func rectsArea(rs []GeoRect) float64 {
	a := 0.0
	for _, r := range rs {
		a += (r.MaxLng - r.MinLng) * (r.MaxLat - r.MinLat)
	}
	return a
}
