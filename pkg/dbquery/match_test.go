package dbquery

import (
	"math"
	"strings"
	"testing"
)

func mustDoc(t testing.TB, s string) *Document {
	t.Helper()
	d, err := DecodeDocument([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return d
}

// TestMatchSemantics checks MongoDB edge cases one document at a time.
func TestMatchSemantics(t *testing.T) {
	tests := []struct {
		name, filter, doc string
		want              bool
	}{
		{"null matches missing", `{"a": null}`, `{}`, true},
		{"null matches null", `{"a": null}`, `{"a": null}`, true},
		{"null matches array containing null", `{"a": null}`, `{"a": [1, null]}`, true},
		{"null does not match value", `{"a": null}`, `{"a": 0}`, false},
		{"ne null excludes missing", `{"a": {"$ne": null}}`, `{}`, false},
		{"exists true on null", `{"a": {"$exists": true}}`, `{"a": null}`, true},
		{"dotted null through array of docs", `{"a.b": null}`, `{"a": [{"b": 1}, {"c": 2}]}`, true},
		{"dotted exists false through array", `{"a.b": {"$exists": false}}`, `{"a": [{"b": 1}, {"c": 2}]}`, false},
		{"dotted missing through scalar", `{"a.b": {"$exists": false}}`, `{"a": 5}`, true},
		{"ne on array means no element equal", `{"a": {"$ne": 2}}`, `{"a": [1, 2]}`, false},
		{"nin with missing", `{"a": {"$nin": [1]}}`, `{}`, true},
		{"nin with null in list and missing", `{"a": {"$nin": [null]}}`, `{}`, false},
		{"all empty matches nothing", `{"a": {"$all": []}}`, `{"a": [1]}`, false},
		{"numeric component indexes array", `{"a.1": "y"}`, `{"a": ["x", "y"]}`, true},
		{"numeric component also matches field named 1", `{"a.1": "y"}`, `{"a": [{"1": "y"}]}`, true},
		{"numeric component out of range", `{"a.5": {"$exists": false}}`, `{"a": [1]}`, true},
		{"nested array not traversed twice", `{"a": 1}`, `{"a": [[1]]}`, false},
		{"array equality whole", `{"a": [1, 2]}`, `{"a": [1, 2]}`, true},
		{"array equality order matters", `{"a": [2, 1]}`, `{"a": [1, 2]}`, false},
		{"array equality as element", `{"a": [1]}`, `{"a": [[1], 2]}`, true},
		{"embedded doc equality is order sensitive", `{"a": {"x": 1, "y": 2}}`, `{"a": {"y": 2, "x": 1}}`, false},
		{"int equals float", `{"a": 1}`, `{"a": 1.0}`, true},
		{"gt is type bracketed", `{"a": {"$gt": 1}}`, `{"a": "2"}`, false},
		{"gte null matches missing", `{"a": {"$gte": null}}`, `{}`, true},
		{"lt on dates", `{"a": {"$lt": {"$date": "2024-01-01T00:00:00Z"}}}`, `{"a": {"$date": "2023-12-31T23:59:59Z"}}`, true},
		{"NaN equals NaN", `{"a": {"$numberDouble": "NaN"}}`, `{"a": {"$numberDouble": "NaN"}}`, true},
		{"NaN not greater", `{"a": {"$gt": 0}}`, `{"a": {"$numberDouble": "NaN"}}`, false},
		{"regex option i", `{"a": {"$regex": "^AB", "$options": "i"}}`, `{"a": "abc"}`, true},
		{"regex option m", `{"a": {"$regex": "^b", "$options": "m"}}`, `{"a": "a\nb"}`, true},
		{"regex without m", `{"a": {"$regex": "^b"}}`, `{"a": "a\nb"}`, false},
		{"regex option s", `{"a": {"$regex": "a.b", "$options": "s"}}`, `{"a": "a\nb"}`, true},
		{"regex does not match numbers", `{"a": {"$regex": "1"}}`, `{"a": 1}`, false},
		{"regex with sibling operator", `{"a": {"$regex": "^a", "$ne": "ab"}}`, `{"a": "ac"}`, true},
		{"in with regex", `{"a": {"$in": [{"$regex": "^x"}, 5]}}`, `{"a": "xyz"}`, true},
		{"not regex on missing", `{"a": {"$not": {"$regex": "x"}}}`, `{}`, true},
		{"size on non-array", `{"a": {"$size": 1}}`, `{"a": "x"}`, false},
		{"elemMatch value conditions same element", `{"a": {"$elemMatch": {"$gt": 1, "$lt": 3}}}`, `{"a": [0, 5]}`, false},
		{"plain range across elements", `{"a": {"$gt": 1, "$lt": 3}}`, `{"a": [0, 5]}`, true},
		{"elemMatch documents", `{"a": {"$elemMatch": {"x": 1, "y": {"$gt": 1}}}}`, `{"a": [{"x": 1, "y": 0}, {"x": 1, "y": 2}]}`, true},
		{"elemMatch with or", `{"a": {"$elemMatch": {"$or": [{"x": 1}, {"y": 1}]}}}`, `{"a": [{"y": 1}]}`, true},
		{"mod negative", `{"a": {"$mod": [4, -1]}}`, `{"a": -5}`, true},
		{"nor", `{"$nor": [{"a": 1}, {"b": 1}]}`, `{"a": 2}`, true},
		{"expr compares fields", `{"$expr": {"$gt": ["$a", "$b"]}}`, `{"a": 3, "b": 2}`, true},
		{"expr empty string is true", `{"$expr": ""}`, `{}`, true},
		{"comment ignored", `{"$comment": "x", "a": 1}`, `{"a": 1}`, true},
		{"empty filter", `{}`, `{"a": 1}`, true},
		{"empty object equality", `{"a": {}}`, `{"a": {}}`, true},
		{"deep path", `{"a.b.c.d": 1}`, `{"a": {"b": [{"c": {"d": [0, 1]}}]}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := CompileFilter(mustDoc(t, tc.filter))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(mustDoc(t, tc.doc)); got != tc.want {
				t.Fatalf("Match(%s, %s) = %v, want %v", tc.filter, tc.doc, got, tc.want)
			}
		})
	}
}

func TestCompileFilterErrors(t *testing.T) {
	tests := []struct{ filter, want string }{
		{`{"$where": "this.a > 1"}`, "unsupported operator $where"},
		{`{"$text": {"$search": "x"}}`, "unsupported operator $text"},
		{`{"a": {"$type": "string"}}`, "unsupported operator $type"},
		{`{"loc": {"$near": [1, 2]}}`, "unsupported operator $near"},
		{`{"loc": {"$geoWithin": {}}}`, "$geoWithin needs exactly one shape"},
		{`{"loc": {"$geoWithin": {"$box": [[0, 0], [1, 1]]}}}`, "unsupported: $geoWithin $box"},
		{`{"loc": {"$geoWithin": {"$center": [[0, 0], 1]}}}`, "unsupported: $geoWithin $center"},
		{`{"loc": {"$geoWithin": {"$polygon": [[0, 0], [1, 1], [0, 1]]}}}`, "unsupported: $geoWithin $polygon"},
		{`{"loc": {"$nearSphere": [1, 2], "$maxDistance": 0.1}}`, "unsupported: $nearSphere with legacy coordinate pairs"},
		{`{"loc": {"$geoNear": {"$geometry": {"type": "Point", "coordinates": [1, 2]}}}}`, "unsupported operator $geoNear"},
		{`{"loc": {"$geoIntersects": {"$geometry": {"type": "Point", "coordinates": [1, 2], "crs": {"type": "name"}}}}}`, "unsupported: GeoJSON crs"},
		{`{"a": {"$bitsAllSet": 1}}`, "unsupported operator $bitsAllSet"},
		{`{"a": {"$regex": "(?=x)"}}`, "unsupported regular expression"},
		{`{"a": {"$regex": "x", "$options": "x"}}`, "unsupported regular expression option x"},
		{`{"a": {"$options": "i"}}`, "$options without $regex"},
		{`{"a": {"$mod": [0, 1]}}`, "divisor cannot be 0"},
		{`{"a": {"$in": 5}}`, "$in needs an array"},
		{`{"$or": []}`, "non-empty array"},
		{`{"$and": [1]}`, "must be objects"},
		{`{"a": {"$gt": 1, "b": 2}}`, "mixes operators and fields"},
		{`{"$expr": {"$foo": 1}}`, "unsupported operator $foo"},
		{`{"a": {"$not": 5}}`, "$not needs"},
	}
	for _, tc := range tests {
		_, err := CompileFilter(mustDoc(t, tc.filter))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CompileFilter(%s) = %v, want error containing %q", tc.filter, err, tc.want)
		}
	}
	if _, err := CompileFilter(NewDocument(Field{"a", 1})); err == nil {
		t.Error("a Go int in a filter must be rejected")
	}
}

func TestQueryMatcher(t *testing.T) {
	q, err := Parse(`db.collection("x").doc(7).get()`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Matcher()
	if err != nil {
		t.Fatal(err)
	}
	var _ Matcher = m
	if !m.Match(D("_id", 7.0)) || m.Match(D("_id", "7")) {
		t.Fatal("doc(7) must match the number 7 only")
	}
	if _, ok := q.DocID.(int64); !ok {
		t.Fatalf("numeric doc id should be int64, got %T", q.DocID)
	}
}

func TestIndexKeys(t *testing.T) {
	doc := mustDoc(t, `{"a": [{"b": [1, 2]}, {"b": 3}, {"c": 4}], "t": ["x", ["y"]], "s": 5}`)
	tests := []struct {
		path string
		want []Value
	}{
		{"a.b", []Value{[]any{int64(1), int64(2)}, int64(1), int64(2), int64(3)}},
		{"t", []Value{[]any{"x", []any{"y"}}, "x", []any{"y"}}},
		{"s", []Value{int64(5)}},
		{"missing", nil},
		{"a.0.b", []Value{[]any{int64(1), int64(2)}, int64(1), int64(2)}},
	}
	for _, tc := range tests {
		got := IndexKeys(doc, tc.path)
		if !EqualValues(anySlice(got), anySlice(tc.want)) {
			t.Errorf("IndexKeys(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func anySlice(v []Value) []any {
	out := make([]any, len(v))
	copy(out, v)
	return out
}

var _ = math.NaN
