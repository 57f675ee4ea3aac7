package dbquery

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestExpressions evaluates {$project: {_id: 0, v: <expr>}} over one document.
func TestExpressions(t *testing.T) {
	doc := `{"_id": 1, "a": 7, "b": 2, "f": 2.5, "s": "Hello", "n": null, "arr": [3, 1, 2], "objs": [{"x": 1}, {"x": 2}, {"y": 3}],
		"d": {"$date": "2024-03-05T06:07:08.009Z"}, "d2": {"$date": "2024-03-04T06:07:08.009Z"}, "o": {"p": 1}}`
	tests := []struct{ expr, want string }{
		{`"$a"`, `7`},
		{`"$o.p"`, `1`},
		{`"$objs.x"`, `[1, 2]`},
		{`"$$ROOT.s"`, `"Hello"`},
		{`{"$literal": "$a"}`, `"$a"`},
		{`{"$add": ["$a", "$f", 1]}`, `10.5`},
		{`{"$add": ["$d", 1000]}`, `{"$date": "2024-03-05T06:07:09.009Z"}`},
		{`{"$add": ["$a", "$n"]}`, `null`},
		{`{"$subtract": ["$d", "$d2"]}`, `86400000`},
		{`{"$subtract": ["$d", 9]}`, `{"$date": "2024-03-05T06:07:08Z"}`},
		{`{"$multiply": ["$a", "$b", 3]}`, `42`},
		{`{"$divide": ["$a", "$b"]}`, `3.5`},
		{`{"$mod": ["$a", "$b"]}`, `1`},
		{`{"$mod": [7.5, 2]}`, `1.5`},
		{`{"$abs": -3}`, `3`},
		{`{"$floor": "$f"}`, `2.0`},
		{`{"$ceil": "$f"}`, `3.0`},
		{`{"$pow": ["$b", 10]}`, `1024`},
		{`{"$sqrt": 16}`, `4.0`},
		{`{"$concat": ["$s", " ", "world"]}`, `"Hello world"`},
		{`{"$concat": ["$s", "$n"]}`, `null`},
		{`{"$toLower": "$s"}`, `"hello"`},
		{`{"$toUpper": "$missing"}`, `""`},
		{`{"$strLenCP": "héllo"}`, `5`},
		{`{"$substrCP": ["héllo", 1, 3]}`, `"éll"`},
		{`{"$split": ["a,b,,c", ","]}`, `["a", "b", "", "c"]`},
		{`{"$size": "$arr"}`, `3`},
		{`{"$arrayElemAt": ["$arr", -1]}`, `2`},
		{`{"$in": [2, "$arr"]}`, `true`},
		{`{"$concatArrays": ["$arr", [4]]}`, `[3, 1, 2, 4]`},
		{`{"$isArray": ["$arr"]}`, `true`},
		{`{"$reverseArray": "$arr"}`, `[2, 1, 3]`},
		{`{"$slice": ["$arr", -2]}`, `[1, 2]`},
		{`{"$slice": ["$arr", 1, 1]}`, `[1]`},
		{`{"$and": [1, "x", []]}`, `true`},
		{`{"$or": [0, null, false]}`, `false`},
		{`{"$not": [""]}`, `false`},
		{`{"$eq": ["$a", 7.0]}`, `true`},
		{`{"$ne": ["$missing", null]}`, `true`},
		{`{"$gt": ["$s", "$a"]}`, `true`},
		{`{"$lte": ["$n", "$missing"]}`, `false`},
		{`{"$cmp": ["$b", "$a"]}`, `-1`},
		{`{"$cond": [{"$gt": ["$a", 5]}, "big", "small"]}`, `"big"`},
		{`{"$ifNull": ["$missing", "$n", "fallback"]}`, `"fallback"`},
		{`{"$sum": "$arr"}`, `6`},
		{`{"$sum": ["$a", "$f", "$s"]}`, `9.5`},
		{`{"$avg": "$arr"}`, `2.0`},
		{`{"$min": "$arr"}`, `1`},
		{`{"$max": ["$a", "$b", "$n"]}`, `7`},
		{`{"$mergeObjects": ["$o", {"q": 2}, null]}`, `{"p": 1, "q": 2}`},
		{`{"$year": "$d"}`, `2024`},
		{`{"$month": "$d"}`, `3`},
		{`{"$dayOfMonth": "$d"}`, `5`},
		{`{"$hour": "$d"}`, `6`},
		{`{"$minute": "$d"}`, `7`},
		{`{"$second": "$d"}`, `8`},
		{`{"$millisecond": "$d"}`, `9`},
		{`{"$dayOfWeek": "$d"}`, `3`},
		{`{"$dayOfYear": "$d"}`, `65`},
		{`{"k": "$a", "m": "$missing"}`, `{"k": 7}`},
		{`["$a", "$missing"]`, `[7, null]`},
	}
	src := mustDoc(t, doc)
	for _, tc := range tests {
		stage := Stage{Name: "$project", Arg: D("_id", int64(0), "v", mustValue(t, tc.expr))}
		out, err := RunPipeline(context.Background(), []*Document{src}, []Stage{stage}, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		got, _ := out[0].Get("v")
		if want := mustValue(t, tc.want); !EqualValues(got, want) {
			t.Errorf("%s = %v (%T), want %v (%T)", tc.expr, got, got, want, want)
		}
	}
}

func mustValue(t testing.TB, s string) Value {
	t.Helper()
	v, err := DecodeValue([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`{"$divide": [1, 0]}`, "divide by zero"},
		{`{"$mod": [1, 0]}`, "mod by zero"},
		{`{"$size": "$s"}`, "must be an array"},
		{`{"$add": ["$s", 1]}`, "only numbers and dates"},
		{`{"$concat": ["a", 1]}`, "only strings"},
		{`{"$in": [1, "$s"]}`, "second argument must be an array"},
		{`{"$switch": {"branches": []}}`, "unsupported operator $switch"},
		{`{"$dateToString": {"date": "$d"}}`, "unsupported operator $dateToString"},
		{`{"$map": {"input": [], "in": 1}}`, "unsupported operator $map"},
		{`{"$subtract": [1]}`, "takes exactly 2"},
		{`{"$cond": {"if": true}}`, "$cond needs"},
		{`"$$NOW"`, "unsupported variable"},
		{`{"$a": 1, "b": 2}`, "unsupported operator $a"},
		{`"$a..b"`, "invalid field path"},
	}
	src := mustDoc(t, `{"s": "x", "d": {"$date": "2024-01-01T00:00:00Z"}}`)
	for _, tc := range tests {
		stage := Stage{Name: "$project", Arg: D("v", mustValue(t, tc.expr))}
		_, err := RunPipeline(context.Background(), []*Document{src}, []Stage{stage}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", tc.expr, err, tc.want)
		}
	}
}

func TestRunPipelineStages(t *testing.T) {
	docs := []*Document{
		mustDoc(t, `{"_id": 1, "a": {"b": 1}, "t": ["x", "y"]}`),
		mustDoc(t, `{"_id": 2, "a": 5, "t": "z"}`),
	}
	tests := []struct {
		name     string
		pipeline []Stage
		want     string
	}{
		{"addFields nested and replace scalar", []Stage{{"$addFields", D("a.c", int64(2), "k", "$_id")}},
			`[{"_id": 1, "a": {"b": 1, "c": 2}, "t": ["x", "y"], "k": 1}, {"_id": 2, "a": {"c": 2}, "t": "z", "k": 2}]`},
		{"addFields remove", []Stage{{"$addFields", D("t", "$$REMOVE")}},
			`[{"_id": 1, "a": {"b": 1}}, {"_id": 2, "a": 5}]`},
		{"project exclusion", []Stage{{"$project", D("t", int64(0), "a.b", false)}},
			`[{"_id": 1, "a": {}}, {"_id": 2, "a": 5}]`},
		{"project nested spec and computed", []Stage{{"$project", D("_id", false, "a", D("b", true, "n", "$_id"))}},
			`[{"a": {"b": 1, "n": 1}}, {"a": {"n": 2}}]`},
		{"unwind scalar kept", []Stage{{"$unwind", "$t"}, {"$project", D("t", int64(1))}},
			`[{"_id": 1, "t": "x"}, {"_id": 1, "t": "y"}, {"_id": 2, "t": "z"}]`},
		{"count on empty input", []Stage{{"$match", D("_id", int64(9))}, {"$count", "n"}}, `[]`},
		{"sortByCount", []Stage{{"$sortByCount", D("$isArray", "$t")}}, `[{"_id": true, "count": 1}, {"_id": false, "count": 1}]`},
		{"group null key for missing", []Stage{{"$group", D("_id", "$nope", "s", D("$sum", "$_id"))}}, `[{"_id": null, "s": 3}]`},
		{"skip all", []Stage{{"$skip", int64(5)}}, `[]`},
		{"sample more than available", []Stage{{"$sample", D("size", int64(10))}, {"$count", "n"}}, `[{"n": 2}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := RunPipeline(context.Background(), docs, tc.pipeline, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]any, len(out))
			for i, d := range out {
				got[i] = d
			}
			if want := mustValue(t, tc.want); !EqualValues(got, want) {
				b, _ := EncodeValue(got)
				t.Fatalf("got %s, want %s", b, tc.want)
			}
		})
	}
	if docs[0].String() != `{"_id":1,"a":{"b":1},"t":["x","y"]}` {
		t.Fatalf("input modified: %s", docs[0])
	}
}

func TestRunPipelineErrors(t *testing.T) {
	docs := []*Document{D("_id", int64(1), "a", int64(1))}
	tests := []struct {
		name     string
		pipeline []Stage
		want     string
	}{
		{"unknown stage", []Stage{{"$facet", D()}}, "unsupported operator $facet"},
		{"out", []Stage{{"$out", "x"}}, "unsupported operator $out"},
		{"bucketAuto", []Stage{{"$bucketAuto", D()}}, "unsupported operator $bucketAuto"},
		{"geoNear without near", []Stage{{"$geoNear", D("distanceField", "d")}}, "requires a 'near'"},
		{"geoNear legacy near", []Stage{{"$geoNear", D("near", []any{1, 2}, "distanceField", "d", "key", "loc")}}, "unsupported: $geoNear 'near' as a legacy coordinate pair"},
		{"geoNear old option", []Stage{{"$geoNear", D("near", D("type", "Point", "coordinates", []any{1, 2}), "distanceField", "d", "num", 5)}}, "unsupported $geoNear option 'num'"},
		{"geoNear not first", []Stage{{"$match", D()}, {"$geoNear", D("near", D("type", "Point", "coordinates", []any{1, 2}), "distanceField", "d", "key", "loc")}}, "only valid as the first stage"},
		{"match with near", []Stage{{"$match", D("loc", D("$nearSphere", D("$geometry", D("type", "Point", "coordinates", []any{1, 2}))))}}, "not allowed in this context"},
		{"lookup without lookup func", []Stage{{"$lookup", D("from", "b", "localField", "a", "foreignField", "a", "as", "x")}}, "no collection lookup"},
		{"group without _id", []Stage{{"$group", D("n", D("$sum", int64(1)))}}, "needs an _id"},
		{"group bad accumulator", []Stage{{"$group", D("_id", nil, "n", D("$mergeObjects", "$a"))}}, "unsupported operator $mergeObjects"},
		{"replaceRoot non-document", []Stage{{"$replaceRoot", D("newRoot", "$a")}}, "must evaluate to an object"},
		{"project mix", []Stage{{"$project", D("a", int64(1), "b", int64(0))}}, "cannot mix"},
		{"match unsupported", []Stage{{"$match", D("$where", "1")}}, "unsupported operator $where"},
		{"limit zero", []Stage{{"$limit", int64(0)}}, "positive"},
		{"unwind bad path", []Stage{{"$unwind", "a"}}, "must be a field path"},
		{"count bad name", []Stage{{"$count", "$n"}}, "$count needs a field name"},
		{"sort bad direction", []Stage{{"$sort", D("a", int64(2))}}, "must be 1 or -1"},
	}
	for _, tc := range tests {
		_, err := RunPipeline(context.Background(), docs, tc.pipeline, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestRunPipelineCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := RunPipeline(ctx, benchDocs(5000), []Stage{{"$match", D("done", true)}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	_, err = Execute(ctx, &Query{Collection: "x", Action: ActionFind}, benchDocs(5000), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute: got %v, want context.Canceled", err)
	}
}

func TestLookupMultikey(t *testing.T) {
	orders := []*Document{D("_id", "o1", "skus", []any{"a", "b"}), D("_id", "o2")}
	products := []*Document{D("_id", "p1", "sku", "a"), D("_id", "p2", "sku", []any{"b", "c"}), D("_id", "p3")}
	out, err := RunPipeline(context.Background(), orders, []Stage{{"$lookup", D("from", "products", "localField", "skus", "foreignField", "sku", "as", "p")}},
		func(name string) ([]*Document, error) {
			if name != "products" {
				return nil, errors.New("unknown")
			}
			return products, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := out[0].Get("p")
	p1, _ := out[1].Get("p")
	if got := ids(toDocs(p0)); strings.Join(got, ",") != "p1,p2" {
		t.Fatalf("o1 joined %v", got)
	}
	// A missing localField matches foreign documents whose field is missing or null.
	if got := ids(toDocs(p1)); strings.Join(got, ",") != "p3" {
		t.Fatalf("o2 joined %v", got)
	}
}

func toDocs(v Value) []*Document {
	var out []*Document
	for _, e := range v.([]any) {
		out = append(out, e.(*Document))
	}
	return out
}
