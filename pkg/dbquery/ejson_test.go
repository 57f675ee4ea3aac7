package dbquery

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestDecodeDocument(t *testing.T) {
	date := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339Nano, s); return tm.UTC() }
	tests := []struct {
		name string
		in   string
		want *Document
	}{
		{"ints and floats", `{"a": 1, "b": 1.0, "c": -2.5e3, "d": 12345678901234567890}`,
			D("a", int64(1), "b", 1.0, "c", -2500.0, "d", 12345678901234567890.0)},
		{"key order kept", `{"z": 1, "a": 2, "m": 3}`, D("z", int64(1), "a", int64(2), "m", int64(3))},
		{"numberInt/Long/Double", `{"i": {"$numberInt": "7"}, "l": {"$numberLong": "-9007199254740993"}, "d": {"$numberDouble": "2"}}`,
			D("i", int64(7), "l", int64(-9007199254740993), "d", 2.0)},
		{"dates", `{"iso": {"$date": "2024-01-01T08:30:00.250+08:00"}, "ms": {"$date": 86400000}, "long": {"$date": {"$numberLong": "-1000"}}}`,
			D("iso", date("2024-01-01T00:30:00.25Z"), "ms", date("1970-01-02T00:00:00Z"), "long", date("1969-12-31T23:59:59Z"))},
		{"server date", `{"at": {"$date": {"offset": -5000}}}`, D("at", ServerDate{OffsetMillis: -5000})},
		{"oid is a string", `{"_id": {"$oid": "5f1f5b3e9d1e8a0001a1b2c3"}}`, D("_id", "5f1f5b3e9d1e8a0001a1b2c3")},
		{"legacy regex", `{"r": {"$options": "mi", "$regex": "^a"}}`, D("r", &Regex{Pattern: "^a", Options: "im"})},
		{"canonical regex", `{"r": {"$regularExpression": {"pattern": "x+", "options": "s"}}}`, D("r", &Regex{Pattern: "x+", Options: "s"})},
		{"operators stay", `{"age": {"$gt": 3, "$lt": {"$numberLong": "9"}}}`, D("age", D("$gt", int64(3), "$lt", int64(9)))},
		{"regex operator with sibling stays", `{"n": {"$regex": "a", "$ne": "b"}}`, D("n", D("$regex", "a", "$ne", "b"))},
		{"nested arrays", `{"a": [1, [2, {"b": null}], true, "s"]}`, D("a", []any{int64(1), []any{int64(2), D("b", nil)}, true, "s"})},
		{"empty", `{}`, D()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeDocument([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !EqualValues(got, tc.want) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDecodeDocumentNonFinite(t *testing.T) {
	d, err := DecodeDocument([]byte(`{"n": {"$numberDouble": "NaN"}, "p": {"$numberDouble": "Infinity"}, "m": {"$numberDouble": "-Infinity"}}`))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := d.Get("n")
	p, _ := d.Get("p")
	m, _ := d.Get("m")
	if !math.IsNaN(n.(float64)) || !math.IsInf(p.(float64), 1) || !math.IsInf(m.(float64), -1) {
		t.Fatalf("got %v %v %v", n, p, m)
	}
}

func TestDecodeDocumentErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[1]`, "expected a JSON object"},
		{`{"a": 1} x`, "trailing data"},
		{`{"a": 1, "a": 2}`, "duplicate key"},
		{`{"a": {"$binary": {"base64": "", "subType": "00"}}}`, "unsupported extended JSON type $binary"},
		{`{"a": {"$numberDecimal": "1.5"}}`, "unsupported extended JSON type $numberDecimal"},
		{`{"a": {"$numberInt": "99999999999"}}`, "invalid $numberInt"},
		{`{"a": {"$date": "yesterday"}}`, "invalid date"},
		{`{"a": {"$date": true}}`, "invalid $date"},
		{`{"a": {"$regex": "x", "$options": "q"}}`, "unsupported regular expression option"},
		{`{"a": ` + strings.Repeat("[", 150) + strings.Repeat("]", 150) + `}`, "nested deeper"},
		{`{"a": }`, "invalid"},
		{``, "unexpected end"},
	}
	for _, tc := range tests {
		_, err := DecodeDocument([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeDocument(%.40q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestEncodeDocument(t *testing.T) {
	d := D(
		"i", int64(-3),
		"f", 2.0,
		"g", 0.1,
		"big", 1e21,
		"nan", math.NaN(),
		"inf", math.Inf(-1),
		"s", "a\"b\\c\n\u2028<>&\x01",
		"bad", "\xff",
		"t", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"tms", time.Date(2024, 1, 1, 0, 0, 0, 5e6, time.UTC),
		"old", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		"sd", ServerDate{OffsetMillis: 10},
		"re", &Regex{Pattern: "^a/b", Options: "i"},
		"arr", []any{nil, true, D()},
		"empty", []any{},
	)
	got, err := EncodeDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"i":-3,"f":2.0,"g":0.1,"big":1e+21,"nan":{"$numberDouble":"NaN"},"inf":{"$numberDouble":"-Infinity"},` +
		`"s":"a\"b\\c\n\u2028<>&\u0001","bad":"\ufffd","t":{"$date":"2024-01-01T00:00:00Z"},"tms":{"$date":"2024-01-01T00:00:00.005Z"},` +
		`"old":{"$date":{"$numberLong":"-1000"}},"sd":{"$date":{"offset":10}},"re":{"$regex":"^a/b","$options":"i"},` +
		`"arr":[null,true,{}],"empty":[]}`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	back, err := DecodeDocument(got)
	if err != nil {
		t.Fatal(err)
	}
	// Everything but NaN (never equal) and the replaced invalid UTF-8 survives.
	for _, f := range d.Fields() {
		if f.Key == "nan" || f.Key == "bad" {
			continue
		}
		v, _ := back.Get(f.Key)
		if !EqualValues(v, f.Value) {
			t.Errorf("%s: got %v want %v", f.Key, v, f.Value)
		}
	}
}

func TestEncodeRejectsForeignTypes(t *testing.T) {
	if _, err := EncodeValue(NewDocument(Field{"a", 5})); err == nil {
		t.Fatal("a Go int must be rejected (the model uses int64)")
	}
	if _, err := EncodeValue(map[string]any{}); err == nil {
		t.Fatal("maps are not model values")
	}
}

func TestDocumentMethods(t *testing.T) {
	d := NewDocument(Field{"a", int64(1)}, Field{"b", D("c", []any{D("x", "y")})}, Field{"a", int64(2)})
	if d.Len() != 2 || len(d.Keys()) != 2 || d.Keys()[0] != "a" {
		t.Fatalf("keys %v", d.Keys())
	}
	if v, _ := d.Get("a"); v != int64(2) {
		t.Fatalf("duplicate key must replace in place, got %v", v)
	}
	if v, ok := d.Lookup("b.c.0.x"); !ok || v != "y" {
		t.Fatalf("Lookup = %v %v", v, ok)
	}
	if _, ok := d.Lookup("b.c.x"); ok {
		t.Fatal("Lookup must not fan out over arrays")
	}
	c := d.Clone()
	c.Set("a", int64(3))
	inner, _ := c.Lookup("b.c.0")
	inner.(*Document).Set("x", "z")
	if v, _ := d.Lookup("b.c.0.x"); v != "y" {
		t.Fatal("Clone must be deep")
	}
	if !d.Delete("a") || d.Delete("a") || d.Len() != 1 {
		t.Fatal("Delete")
	}
	var nilDoc *Document
	if nilDoc.Len() != 0 || nilDoc.Has("x") {
		t.Fatal("nil document must read as empty")
	}
}
