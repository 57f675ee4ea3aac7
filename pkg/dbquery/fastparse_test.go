package dbquery

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkFast fails when parseFast accepts s but Parse disagrees.
func checkFast(t testing.TB, s string) bool {
	t.Helper()
	q, ok := parseFast(s)
	if !ok {
		return false
	}
	want, err := Parse(s)
	if err != nil {
		t.Fatalf("parseFast accepted %q, Parse rejects it: %v", s, err)
	}
	if !q.Equal(want) {
		a, _ := q.Explain()
		b, _ := want.Explain()
		t.Fatalf("%q:\nfast  %s\nparse %s", s, a, b)
	}
	return true
}

func TestParseFastMatchesParse(t *testing.T) {
	accepted := []string{
		`db.collection("todos").doc("abc").get()`,
		`db.collection('todos').doc(12).get()`,
		`db.collection("t").doc(1.5).remove()`,
		`db.collection("t").doc("x").field({a: true, _id: false}).get()`,
		`db.collection("t").get()`,
		`db.collection("t").where({}).get()`,
		`db.collection("t").where({a: 1, "b.c": "x", d: true, e: null, f: -2.50, g: 0}).orderBy("a", "asc").orderBy("b", "desc").skip(3).limit(7).get()`,
		`db.collection("t").limit(5).where({status: 'active'}).field({name: true}).get()`,
		`db.collection("t").where({done: false}).count()`,
		`db.collection("t").where({done: false}).orderBy("a", "asc").limit(3).count()`,
		`db.collection("t").where({done: false}).remove()`,
		"  db . collection ( \"t\" )\n\t.where( { a : 1 } )\n.get( )  ",
		`db.collection("t").where({n: 1.0}).get()`,
		`db.collection("t").where({n: -0}).get()`,
		`db.collection("t").where({n: 123456789012345}).get()`,
		`db.collection("t").where({null: 1, true: 2}).get()`,
	}
	for _, s := range accepted {
		if !checkFast(t, s) {
			t.Errorf("parseFast rejected %q", s)
		}
	}
	// Shapes the fast path leaves to the sandbox (some valid, some not).
	rejected := []string{
		`db.collection("t").where({a: {b: 1}}).get()`,
		`db.collection("t").where({a: _.gt(1)}).get()`,
		`db.collection("t").where({a: 1, a: 2}).get()`,
		`db.collection("t").where({a: 1,}).get()`,
		`db.collection("t").where({"0": 1}).get()`,
		`db.collection("t").where({$or: 1}).get()`,
		`db.collection("t").where({a: "x\ny"}).get()`,
		`db.collection("t").where({a: "x\\y"}).get()`,
		`db.collection("t").where({a: 1e3}).get()`,
		`db.collection("t").where({a: 0x10}).get()`,
		`db.collection("t").where({a: 01}).get()`,
		`db.collection("t").where({a: 1}).where({b: 1}).get()`,
		`db.collection("t").limit(0).get()`,
		`db.collection("t").limit(1.5).get()`,
		`db.collection("t").skip(-1).get()`,
		`db.collection("t").skip(1).skip(2).get()`,
		`db.collection("t").orderBy("a", "up").get()`,
		`db.collection("t").orderBy("$a", "asc").get()`,
		`db.collection("t").doc("").get()`,
		`db.collection("t").doc("x").where({a: 1}).get()`,
		`db.collection("t").doc("x").count()`,
		`db.collection("t").where({a: 1}).doc("x").get()`,
		`db.collection("t").field({a: true, b: false}).get()`,
		`db.collection("t").get();`,
		`db.collection("t").get() // c`,
		`db.collection("").get()`,
		`db.collection("a$b").get()`,
		`db.collection("t").add({data: {a: 1}})`,
		`db.collection("t").get().get()`,
		`db.collection("t").where({a: 'x"}).get()`,
	}
	for _, s := range rejected {
		if _, ok := parseFast(s); ok {
			t.Errorf("parseFast accepted %q", s)
		}
	}

	// Random statements from the fast grammar and near it.
	r := rand.New(rand.NewPCG(3, 4))
	n := 0
	for i := 0; i < 3000; i++ {
		s := randomStatement(r)
		if checkFast(t, s) {
			n++
		}
	}
	if n < 1000 {
		t.Errorf("only %d of 3000 random statements took the fast path", n)
	}
}

func randomStatement(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	value := func() string {
		return pick(`"s"`, `'x y'`, "1", "-3", "2.5", "0", "true", "false", "null", `"日本"`, "12.0", "-0.25", "007", "1e2", `"a'b"`)
	}
	key := func() string {
		return pick("a", "b_c", "_id", `"x.y"`, `'deep.path.z'`, "null", `"1a"`, `"a..b"`, "$a", "a1")
	}
	var b strings.Builder
	b.WriteString(pick(`db.collection("c")`, `db.collection('c')`, ` db.collection( "c" ) `))
	if r.IntN(5) == 0 {
		fmt.Fprintf(&b, ".doc(%s)", pick(`"id1"`, "5", "2.5", `''`, "-1"))
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, ".field({%s: %s})", key(), pick("true", "false"))
		}
		b.WriteString(pick(".get()", ".remove()", ".count()"))
		return b.String()
	}
	for j, n := 0, r.IntN(4); j < n; j++ {
		switch r.IntN(5) {
		case 0:
			var kv []string
			for k := 0; k < r.IntN(4); k++ {
				kv = append(kv, key()+": "+value())
			}
			fmt.Fprintf(&b, ".where({%s})", strings.Join(kv, ", "))
		case 1:
			fmt.Fprintf(&b, ".orderBy(%s, %s)", pick(`"a"`, `"b.c"`, `""`), pick(`"asc"`, `'desc'`, `"up"`))
		case 2:
			fmt.Fprintf(&b, ".skip(%s)", pick("0", "3", "-1", "1.5", "100"))
		case 3:
			fmt.Fprintf(&b, ".limit(%s)", pick("1", "10", "0", "1000"))
		default:
			fmt.Fprintf(&b, ".field({%s: %s, %s: %s})", key(), pick("true", "false"), key(), pick("true", "false"))
		}
	}
	b.WriteString(pick(".get()", ".count()", ".remove()", ".get()"))
	return b.String()
}

// FuzzFastParse: whatever parseFast accepts, Parse accepts with an equal
// Query.
func FuzzParseFast(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 50; i++ {
		f.Add(randomStatement(r))
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFast(t, s)
	})
}
