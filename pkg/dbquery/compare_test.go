package dbquery

import (
	"cmp"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// ascending lists values in strictly increasing BSON order.
var ascending = []Value{
	nil,
	math.Inf(-1),
	int64(math.MinInt64),
	-1.5,
	int64(-1),
	int64(0),
	0.5,
	int64(1 << 53),
	float64(1<<53) + 2,
	int64(1<<53 + 3),
	int64(math.MaxInt64),
	math.Inf(1),
	"",
	"A",
	"B",
	"a",
	"ab",
	"\u4e2d",
	D(),
	D("a", nil),
	D("a", int64(1)),
	D("a", int64(1), "b", int64(0)),
	D("a", int64(2)),
	D("b", int64(0)), // value type class is compared before the key
	D("a", "x"),
	[]any{},
	[]any{int64(1)},
	[]any{int64(1), int64(2)},
	[]any{int64(2)},
	[]any{"a"},
	false,
	true,
	time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	&Regex{Pattern: "a"},
	&Regex{Pattern: "a", Options: "i"},
	&Regex{Pattern: "b"},
}

func TestCompareOrder(t *testing.T) {
	for i, a := range ascending {
		for j, b := range ascending {
			got := Compare(a, b)
			want := cmp.Compare(i, j)
			if got != want {
				t.Errorf("Compare(%#v, %#v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b Value
		want int
	}{
		{int64(1), 1.0, 0},
		{int64(1), 1.5, -1},
		{2.5, int64(2), 1},
		{math.NaN(), math.NaN(), 0},
		{math.NaN(), math.Inf(-1), -1},
		{math.NaN(), int64(math.MinInt64), -1},
		{int64(9007199254740993), 9007199254740992.0, 1},
		{9.3e18, int64(math.MaxInt64), 1},
		{-9.3e18, int64(math.MinInt64), -1},
		{math.Copysign(0, -1), int64(0), 0},
	}
	for _, tc := range tests {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Compare(tc.b, tc.a); got != -tc.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

// TestCompareProperties checks antisymmetry and transitivity on random values.
func TestCompareProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]Value, 300)
	for i := range vals {
		vals[i] = randomValue(r, 2)
	}
	for _, a := range vals {
		for _, b := range vals {
			if Compare(a, b) != -Compare(b, a) {
				t.Fatalf("not antisymmetric: %v %v", a, b)
			}
		}
	}
	for i := 0; i < 20000; i++ {
		a, b, c := vals[r.IntN(len(vals))], vals[r.IntN(len(vals))], vals[r.IntN(len(vals))]
		if Compare(a, b) <= 0 && Compare(b, c) <= 0 && Compare(a, c) > 0 {
			t.Fatalf("not transitive: %v <= %v <= %v but a > c", a, b, c)
		}
	}
}

// randomValue generates a model value (used by several property tests).
func randomValue(r *rand.Rand, depth int) Value {
	k := r.IntN(12)
	if depth <= 0 && k >= 9 {
		k = r.IntN(9)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return int64(r.IntN(7) - 3)
	case 3:
		return float64(r.IntN(13)-6) / 2
	case 4:
		return []string{"", "a", "b", "ab", "B", "中"}[r.IntN(6)]
	case 5:
		return time.UnixMilli(int64(r.IntN(5)-2) * 1000).UTC()
	case 6:
		return &Regex{Pattern: []string{"a", "^b"}[r.IntN(2)], Options: []string{"", "i"}[r.IntN(2)]}
	case 7:
		return int64(r.IntN(3)) * (1 << 53)
	case 8:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[r.IntN(3)]
	case 9, 10:
		n := r.IntN(3)
		arr := make([]any, n)
		for i := range arr {
			arr[i] = randomValue(r, depth-1)
		}
		return arr
	}
	d := &Document{}
	for i := r.IntN(3); i > 0; i-- {
		d.Set([]string{"a", "b", "c"}[r.IntN(3)], randomValue(r, depth-1))
	}
	return d
}

func TestSortKeyValue(t *testing.T) {
	doc := D("a", []any{int64(3), int64(1), "x"}, "e", []any{}, "n", []any{D("v", int64(5)), D("v", int64(2)), D("w", int64(0))})
	tests := []struct {
		path string
		desc bool
		want Value
	}{
		{"a", false, int64(1)},
		{"a", true, "x"},
		{"missing", false, nil},
		{"n.v", false, nil}, // one element lacks v: null is the smallest
		{"n.v", true, int64(5)},
	}
	for _, tc := range tests {
		if got := SortKeyValue(doc, tc.path, tc.desc); !EqualValues(got, tc.want) {
			t.Errorf("SortKeyValue(%s, desc=%v) = %v, want %v", tc.path, tc.desc, got, tc.want)
		}
	}
	if _, ok := SortKeyValue(doc, "e", false).(emptyArrayKey); !ok {
		t.Error("an empty array must sort before null")
	}
}
