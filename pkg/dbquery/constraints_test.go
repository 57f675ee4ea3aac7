package dbquery

import (
	"math/rand/v2"
	"testing"
)

func TestConstraints(t *testing.T) {
	tests := []struct {
		filter string
		want   map[string]Constraint
	}{
		{`{"a": 1, "b": {"$in": ["x", "y"]}}`, map[string]Constraint{
			"a": {Path: "a", Eq: []Value{int64(1)}, HasEq: true},
			"b": {Path: "b", Eq: []Value{"x", "y"}, HasEq: true},
		}},
		{`{"a": {"$gt": 1, "$lte": 9}, "$and": [{"a": {"$gte": 3}}, {"c.d": {"$eq": "z"}}]}`, map[string]Constraint{
			"a":   {Path: "a", Lower: int64(3), HasLower: true, LowerInclusive: true, Upper: int64(9), HasUpper: true, UpperInclusive: true},
			"c.d": {Path: "c.d", Eq: []Value{"z"}, HasEq: true},
		}},
		{`{"a": null, "b": {"$in": [1, null]}, "c": {"$regex": "x"}, "d": {"$gte": null}}`, map[string]Constraint{}},
		{`{"$or": [{"a": 1}, {"b": 2}], "c": {"$ne": 1}, "d": {"$nin": [1]}, "e": {"$not": {"$gt": 1}}}`, map[string]Constraint{}},
		{`{"a": {"$in": []}}`, map[string]Constraint{"a": {Path: "a", Eq: []Value{}, HasEq: true}}},
		{`{"t": {"$all": ["x", "y"]}, "a": 1, "$and": [{"a": {"$in": [1, 2]}}]}`, map[string]Constraint{
			"t": {Path: "t", Eq: []Value{"x"}, HasEq: true},
			"a": {Path: "a", Eq: []Value{int64(1)}, HasEq: true},
		}},
	}
	for _, tc := range tests {
		f, err := CompileFilter(mustDoc(t, tc.filter))
		if err != nil {
			t.Fatal(err)
		}
		got := f.Constraints()
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d constraints %+v, want %+v", tc.filter, len(got), got, tc.want)
			continue
		}
		for k, w := range tc.want {
			g := got[k]
			if g.Path != w.Path || g.HasEq != w.HasEq || !EqualValues(anySlice(g.Eq), anySlice(w.Eq)) ||
				g.HasLower != w.HasLower || g.HasUpper != w.HasUpper || !EqualValues(g.Lower, w.Lower) || !EqualValues(g.Upper, w.Upper) ||
				g.LowerInclusive != w.LowerInclusive || g.UpperInclusive != w.UpperInclusive {
				t.Errorf("%s: constraint %s = %+v, want %+v", tc.filter, k, g, w)
			}
		}
	}
}

// satisfies reports whether doc meets constraint c through its index keys.
func satisfies(doc *Document, c Constraint) bool {
	keys := IndexKeys(doc, c.Path)
	if c.HasEq {
		ok := false
		for _, k := range keys {
			for _, e := range c.Eq {
				if TypeClass(k) == TypeClass(e) && Compare(k, e) == 0 {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	if c.HasLower {
		ok := false
		for _, k := range keys {
			if TypeClass(k) == TypeClass(c.Lower) {
				r := Compare(k, c.Lower)
				if r > 0 || (r == 0 && c.LowerInclusive) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	if c.HasUpper {
		ok := false
		for _, k := range keys {
			if TypeClass(k) == TypeClass(c.Upper) {
				r := Compare(k, c.Upper)
				if r < 0 || (r == 0 && c.UpperInclusive) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	if c.HasGeo && !geoSatisfies(doc, c) {
		return false
	}
	return true
}

// geoSatisfies: some geometry doc holds at c.Path (as the matcher reads
// them) has a bounding rect meeting one of c.Geo.
func geoSatisfies(doc *Document, c Constraint) bool {
	for _, l := range docGeometries(doc, newPath(c.Path)) {
		for _, r := range geometryRects(l.g) {
			for _, q := range c.Geo {
				if r.Intersects(q) {
					return true
				}
			}
		}
	}
	return false
}

// TestConstraintsSound: on the fixture, every document a random filter
// matches satisfies every constraint of that filter (so an index scan that
// uses the constraints never loses a result).
func TestConstraintsSound(t *testing.T) {
	docs := loadCollection(t, "fixture.json")
	r := rand.New(rand.NewPCG(7, 11))
	checked := 0
	for i := 0; i < 3000; i++ {
		filter := randomFilter(r, docs, 2)
		f, err := CompileFilter(filter)
		if err != nil {
			continue
		}
		cons := f.Constraints()
		for _, d := range docs {
			if !f.Match(d) {
				continue
			}
			for _, c := range cons {
				checked++
				if !satisfies(d, c) {
					t.Fatalf("filter %s matches %v but violates constraint %+v", filter, d, c)
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d constraint checks: generator too weak", checked)
	}
}

var fixturePaths = []string{"_id", "name", "age", "group", "done", "tags", "tags.0", "address", "address.city", "address.zip",
	"address.street.no", "scores", "scores.1", "items", "items.sku", "items.qty", "items.0.price", "created", "rating", "stats.views", "nope"}

// randomFilter builds filters from values that occur in the fixture, so that
// they actually match something.
func randomFilter(r *rand.Rand, docs []*Document, depth int) *Document {
	f := &Document{}
	for n := 1 + r.IntN(2); n > 0; n-- {
		if depth > 0 && r.IntN(6) == 0 {
			op := []string{"$and", "$or", "$nor"}[r.IntN(3)]
			f.Set(op, []any{randomFilter(r, docs, depth-1), randomFilter(r, docs, depth-1)})
			continue
		}
		path := fixturePaths[r.IntN(len(fixturePaths))]
		f.Set(path, randomCondition(r, docs, path))
	}
	return f
}

func sampleValue(r *rand.Rand, docs []*Document, path string) Value {
	keys := IndexKeys(docs[r.IntN(len(docs))], path)
	if len(keys) == 0 || r.IntN(8) == 0 {
		return randomValue(r, 1)
	}
	return keys[r.IntN(len(keys))]
}

func randomCondition(r *rand.Rand, docs []*Document, path string) Value {
	v := func() Value { return sampleValue(r, docs, path) }
	switch r.IntN(12) {
	case 0:
		return v()
	case 1:
		return D("$eq", v())
	case 2:
		return D("$in", []any{v(), v()})
	case 3:
		return D("$gt", v())
	case 4:
		return D("$gte", v(), "$lt", v())
	case 5:
		return D("$lte", v())
	case 6:
		return D("$ne", v())
	case 7:
		return D("$exists", r.IntN(2) == 0)
	case 8:
		return D("$all", []any{v()})
	case 9:
		return D("$nin", []any{v()})
	case 10:
		return D("$not", D("$gt", v()))
	}
	return D("$size", int64(r.IntN(3)))
}
