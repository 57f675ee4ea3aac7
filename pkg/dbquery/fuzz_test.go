package dbquery

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func seedStatements(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "cases.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "db.") {
			f.Add(line)
		}
	}
	for _, s := range []string{
		`while(true){}`, `"x".repeat(1e9)`, `this.constructor.constructor("return process")()`,
		`db.collection("x").where({a: [[[[1]]]]}).get()`, "db.collection(`x`).get()",
		`db.collection("x").where({a: "\uD800"}).get()`, `db.collection("x").doc(NaN).get()`,
		`db.collection("x").where({a: new Date(8.64e15)}).get()`,
	} {
		f.Add(s)
	}
}

// FuzzParse: parsing never panics or hangs, and whatever parses explains and
// survives the Statement round trip.
func FuzzParse(f *testing.F) {
	seedStatements(f)
	p := &Parser{Timeout: 100 * time.Millisecond}
	f.Fuzz(func(t *testing.T, stmt string) {
		start := time.Now()
		q, err := p.Parse(stmt)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Parse took %s", d)
		}
		if err != nil {
			return
		}
		checkRoundTrip(t, q, stmt)
	})
}

// FuzzEvaluate: arbitrary JSON used as a filter, an update and pipeline
// stages never panics; compiled filters keep their index constraints sound.
func FuzzEvaluate(f *testing.F) {
	for _, s := range []string{
		`{"a": 1}`, `{"tags": {"$all": ["red", "blue"]}}`, `{"$or": [{"age": {"$gt": 30}}, {"name": {"$regex": "^a", "$options": "i"}}]}`,
		`{"items": {"$elemMatch": {"sku": "A1", "qty": {"$gte": 3}}}}`, `{"$expr": {"$gt": ["$stats.likes", 10]}}`,
		`{"$set": {"a.b": 1}, "$inc": {"age": 1}}`, `{"$push": {"tags": {"$each": [1], "$sort": -1, "$slice": 2}}}`,
		`{"_id": "$group", "n": {"$sum": 1}}`, `{"scores.1": {"$mod": [3, 1]}}`, `{"address": {"$exists": false}}`,
		`{"loc": {"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}}}}`,
		`{"loc": {"$nearSphere": {"$geometry": {"type": "Point", "coordinates": [1, 2]}, "$maxDistance": 5000}}}`,
		`{"loc": {"$geoIntersects": {"$geometry": {"type": "LineString", "coordinates": [[179, 0], [-179, 1]]}}}}`,
		`{"near": {"type": "Point", "coordinates": [1, 2]}, "distanceField": "d", "key": "loc", "includeLocs": "l"}`,
	} {
		f.Add([]byte(s))
	}
	docs := loadCollection(f, "fixture.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDocument(data)
		if err != nil {
			return
		}
		if flt, err := CompileFilter(d); err == nil {
			cons := flt.Constraints()
			for _, doc := range docs {
				if !flt.Match(doc) {
					continue
				}
				for _, c := range cons {
					if !satisfies(doc, c) {
						t.Fatalf("filter %s matches %s but violates %+v", d, doc, c)
					}
				}
			}
		}
		for _, doc := range docs[:4] {
			_, _, _ = ApplyUpdate(doc, d)
		}
		_, _ = ApplyProjection(docs[0], d)
		ctx := context.Background()
		for _, st := range []string{"$project", "$addFields", "$group", "$match", "$sort", "$unwind", "$lookup", "$replaceRoot", "$geoNear"} {
			_, _ = RunPipeline(ctx, docs, []Stage{{Name: st, Arg: d}}, func(string) ([]*Document, error) { return docs, nil })
		}
	})
}

// FuzzFromFlagsRoundTrip: conditions given as JSON flags render to
// statements that parse back to the same query.
func FuzzFromFlagsRoundTrip(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, `{"a": {"b": {"$in": [1, "x", null]}}}`, `{"$or": [{"a": {"$date": 0}}, {"b": {"$regex": "x"}}]}`,
		`{"a": {"$not": {"$gt": 1}}, "b": {"$elemMatch": {"c": 1}}}`, `{"a": {"$numberDouble": "NaN"}}`,
		`{"loc": {"$geoWithin": {"$centerSphere": [[1, 2], 0.1]}}, "p": {"type": "Point", "coordinates": [1, 2]}}`} {
		f.Add(s, "a:desc")
	}
	f.Fuzz(func(t *testing.T, where, order string) {
		q, err := FromFlags("c", where, strings.Split(order, ","), nil, nil, nil)
		if err != nil {
			return
		}
		checkRoundTrip(t, q, where)
	})
}

// FuzzDecodeEncode: decode(encode(decode(x))) == decode(x).
func FuzzDecodeEncode(f *testing.F) {
	for _, s := range []string{`{"a": 1.0, "b": {"$date": "2024-01-01T00:00:00.5Z"}, "c": [null, {"$regex": "x", "$options": "mi"}]}`,
		`{"d": {"$date": {"offset": 5}}, "e": {"$numberDouble": "-Infinity"}, "f": "\u2028"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValue(data)
		if err != nil {
			return
		}
		b, err := EncodeValue(v)
		if err != nil {
			t.Fatalf("encode %v: %v", v, err)
		}
		w, err := DecodeValue(b)
		if err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		if !EqualValues(v, w) {
			t.Fatalf("round trip differs: %s", b)
		}
	})
}
