package dbquery

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// stmtGen generates random (mostly valid) statements in JavaScript syntax.
type stmtGen struct{ r *rand.Rand }

func (g *stmtGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *stmtGen) key() string {
	return g.pick("a", "b", "c", "name", "'x.y'", "\"tags\"", "_id", "'a b'", "n1", "\"中文\"", "\"0\"", "1", "\"10\"", "\"01\"")
}

func (g *stmtGen) scalar() string {
	switch g.r.IntN(14) {
	case 0:
		return strconv.Itoa(g.r.IntN(200) - 100)
	case 1:
		return g.pick("1.5", "-0.25", "1e21", "3e-7", "0.1", "-0", "Infinity", "-Infinity", "NaN", "9007199254740993")
	case 2:
		return g.pick(`"a"`, `'b'`, `"it's"`, `"q\"uote"`, `"line\nbreak"`, `"\u2028"`, `"中文"`, `""`, `'$notField'`, "`tpl`")
	case 3:
		return g.pick("true", "false", "null")
	case 4:
		return g.pick(`new Date("2024-01-01")`, `new Date(0)`, `new Date(-86400000)`, `new Date(2020, 1, 29, 12)`, `new Date("2024-06-01T08:00:00+08:00")`)
	case 5:
		return g.pick(`/ab+c/i`, `/^x\/y$/`, `db.RegExp({regexp: "a.c", options: "is"})`, `db.RegExp({regexp: "\\d+"})`)
	case 6:
		return g.pick(`db.serverDate()`, `db.serverDate({offset: 60000})`, `db.serverDate({offset: -5})`)
	case 7:
		return fmt.Sprintf("%d + %d", g.r.IntN(10), g.r.IntN(10))
	case 8:
		return fmt.Sprintf("%d * 1.5", g.r.IntN(10))
	case 9:
		return g.pick(`db.Geo.Point(113.3, 23.1)`, `new db.Geo.Point(-1, 0.5)`, `db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 1)])`,
			`db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 0), db.Geo.Point(1, 1), db.Geo.Point(0, 0)])])`,
			`db.Geo.MultiPoint([db.Geo.Point(1, 2)])`, `{type: "Point", coordinates: [1, 2]}`, `{coordinates: [1, 2], type: "Point"}`)
	}
	return strconv.Itoa(g.r.IntN(10))
}

func (g *stmtGen) value(depth int) string {
	if depth <= 0 || g.r.IntN(3) > 0 {
		return g.scalar()
	}
	if g.r.IntN(2) == 0 {
		n := g.r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = g.value(depth - 1)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return g.object(depth-1, g.value)
}

func (g *stmtGen) object(depth int, val func(int) string) string {
	n := g.r.IntN(3)
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		parts = append(parts, g.key()+": "+val(depth))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (g *stmtGen) command(depth int) string {
	v := func() string { return g.value(1) }
	var c string
	switch g.r.IntN(16) {
	case 0:
		c = fmt.Sprintf("_.%s(%s)", g.pick("eq", "neq", "gt", "gte", "lt", "lte"), v())
	case 1:
		c = fmt.Sprintf("_.%s([%s, %s])", g.pick("in", "nin"), v(), v())
	case 2:
		c = fmt.Sprintf("_.exists(%s)", g.pick("true", "false", "1", "0"))
	case 3:
		c = fmt.Sprintf("_.size(%d)", g.r.IntN(3))
	case 4:
		c = g.pick("_.mod(3, 1)", "_.mod([2, 0])", "_.mod(4.5, 1)")
	case 5:
		c = fmt.Sprintf("_.all([%s, %s])", v(), v())
	case 6:
		c = fmt.Sprintf("_.all([_.elemMatch(%s)])", g.where(depth-1))
	case 7:
		c = fmt.Sprintf("_.elemMatch(%s)", g.where(depth-1))
	case 8:
		c = fmt.Sprintf("_.elemMatch(_.gt(%s).lt(%s))", v(), v())
	case 9:
		c = fmt.Sprintf("_.not(_.%s(%s))", g.pick("gt", "eq", "in"), g.pick("1", "[1, 2]", `"x"`))
	case 10:
		c = g.pick("_.not(/x/i)", `_.not(_.gt(1).lt(5))`, `_.not(_.or(_.gt(1), _.lt(0)))`)
	case 11:
		c = fmt.Sprintf("_.%s(_.gt(%s), %s)", g.pick("and", "or", "nor"), v(), v())
	case 12:
		c = fmt.Sprintf("_.%s([_.lt(%s), _.gt(%s)])", g.pick("and", "or"), v(), v())
	case 13:
		c = fmt.Sprintf(`{"$gt": %s, "$lt": %s}`, v(), v())
	case 14:
		c = g.pick(`{"$regex": "a", "$options": "i"}`, `{"$regex": "a", "$ne": "b"}`, `{"$not": {"$size": 1}}`, `{"$elemMatch": {"$in": [1, 2]}}`)
	case 15:
		c = g.pick(`_.geoNear({geometry: db.Geo.Point(1, 2), maxDistance: 10})`, `_.geoWithin({centerSphere: [[1, 2], 0.5]})`,
			`_.geoWithin({geometry: db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 0), db.Geo.Point(1, 1), db.Geo.Point(0, 0)])])})`,
			`_.geoIntersects({geometry: db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 1)])})`,
			`{"$geoWithin": {"$centerSphere": [[1, 2], 1]}}`, `{"$nearSphere": {"$maxDistance": 1, "$geometry": {"type": "Point", "coordinates": [1, 2]}}}`)
	default:
		c = fmt.Sprintf("_.gt(%s)", v())
	}
	for g.r.IntN(3) == 0 {
		c += fmt.Sprintf(".%s(%s)", g.pick("gt", "lt", "neq", "eq", "in", "and", "or"), g.pick("1", `"s"`, "[1]", "_.lt(9)", "_.eq(null)"))
	}
	return c
}

func (g *stmtGen) cond(depth int) string {
	switch g.r.IntN(4) {
	case 0:
		return g.value(1)
	case 1:
		if depth > 0 {
			return g.where(depth - 1)
		}
	}
	return g.command(depth)
}

func (g *stmtGen) where(depth int) string {
	switch g.r.IntN(8) {
	case 0:
		if depth > 0 {
			return fmt.Sprintf("_.%s([%s, %s])", g.pick("or", "and", "nor"), g.where(depth-1), g.where(depth-1))
		}
	case 1:
		return g.pick(`_.expr($.gt(["$a", 1]))`, `_.expr($.eq(["$a", "$b"]))`)
	case 2:
		if depth > 0 {
			return fmt.Sprintf(`{"$or": [%s], %s: %s}`, g.where(depth-1), g.key(), g.cond(depth-1))
		}
	}
	return g.object(depth, g.cond)
}

func (g *stmtGen) updateValue(depth int) string {
	v := func() string { return g.value(1) }
	switch g.r.IntN(16) {
	case 0:
		return fmt.Sprintf("_.set(%s)", g.value(2))
	case 1:
		return "_.remove()"
	case 2:
		return fmt.Sprintf("_.%s(%s)", g.pick("inc", "mul"), g.pick("1", "-2", "0.5"))
	case 3:
		return fmt.Sprintf("_.%s(%s)", g.pick("min", "max"), v())
	case 4:
		return fmt.Sprintf("_.rename(%s)", g.pick(`"z"`, `"q.r"`))
	case 5:
		return fmt.Sprintf("_.push(%s)", g.pick("1", "1, 2", "[1, 2]", "{each: [3], position: 1, slice: -2, sort: 1}", "{each: [{k: 1}], sort: {k: -1}}", "{x: 1}"))
	case 6:
		return g.pick("_.pop()", "_.shift()", "_.unshift(0)", "_.unshift([1, 2])")
	case 7:
		return fmt.Sprintf("_.addToSet(%s)", g.pick("1", "{each: [1, 2]}", "[1]", `{"each": 5}`))
	case 8:
		return fmt.Sprintf("_.pull(%s)", g.pick("1", "_.gt(5)", "{k: 1}", "{k: _.gt(1)}", "/x/", "_.in([1, 2])", `{"$gte": 2}`, "{a: {b: 1}}"))
	case 9:
		return "_.pullAll([1, 2])"
	case 10:
		if depth > 0 {
			return g.object(depth-1, g.updateValue)
		}
	}
	return g.value(2)
}

func (g *stmtGen) statement() string {
	s := `db.collection("c")`
	switch g.r.IntN(8) {
	case 0:
		s += fmt.Sprintf(".doc(%s)", g.pick(`"id1"`, "7", `'x'`))
		switch g.r.IntN(4) {
		case 0:
			return s + ".get()"
		case 1:
			return s + fmt.Sprintf(".update({data: %s})", g.object(2, g.updateValue))
		case 2:
			return s + fmt.Sprintf(".set({data: %s})", g.object(2, g.value))
		}
		return s + ".remove()"
	case 1:
		if g.r.IntN(2) == 0 {
			return s + fmt.Sprintf(".add({data: %s})", g.object(2, g.value))
		}
		return s + fmt.Sprintf(".add({data: [%s, %s]})", g.object(2, g.value), g.object(2, g.value))
	case 2:
		s += ".aggregate()"
		for n := g.r.IntN(4); n > 0; n-- {
			s += g.pick(
				".match("+g.where(2)+")",
				".project({a: 1, b: $.add([\"$a\", 1]), c: {d: true}})",
				".group({_id: \"$a\", n: $.sum(1), m: $.max(\"$b\")})",
				".sort({a: -1, b: 1})", ".skip(2)", ".limit(5)",
				".unwind(\"$tags\")", ".unwind({path: \"$t\", preserveNullAndEmptyArrays: true})",
				".count(\"n\")", ".sortByCount(\"$a\")", ".sample({size: 2})",
				".lookup({from: \"o\", localField: \"a\", foreignField: \"b\", as: \"j\"})",
				".replaceRoot({newRoot: \"$a\"})", ".addFields({x: $.concat([\"$a\", \"-\"])})",
				".geoNear({near: db.Geo.Point(1, 2), distanceField: \"d\", query: "+g.where(1)+", key: \"loc\"})",
			)
		}
		return s + ".end()"
	}
	if g.r.IntN(4) > 0 {
		s += ".where(" + g.where(2) + ")"
	}
	if g.r.IntN(3) == 0 {
		s += g.pick(".field({a: true, b: 1})", ".field({a: false, _id: 0})", ".field({'x.y': 'yes'})")
	}
	for n := g.r.IntN(3); n > 0; n-- {
		s += fmt.Sprintf(".orderBy(%s, %s)", g.pick(`"a"`, `"b.c"`), g.pick(`"asc"`, `"desc"`))
	}
	if g.r.IntN(3) == 0 {
		s += fmt.Sprintf(".skip(%d)", g.r.IntN(5))
	}
	if g.r.IntN(3) == 0 {
		s += fmt.Sprintf(".limit(%d)", 1+g.r.IntN(5))
	}
	switch g.r.IntN(5) {
	case 0:
		return s + ".count()"
	case 1:
		return s + ".remove()"
	case 2:
		return s + fmt.Sprintf(".update({data: %s})", g.object(2, g.updateValue))
	}
	return s + ".get()"
}

func checkRoundTrip(t testing.TB, q *Query, origin string) {
	t.Helper()
	s := q.Statement()
	q2, err := Parse(s)
	if err != nil {
		t.Fatalf("%s\nrendered %s\ndoes not parse: %v", origin, s, err)
	}
	if !q.Equal(q2) {
		e1, _ := q.Explain()
		e2, _ := q2.Explain()
		t.Fatalf("%s\nrendered %s\nround trip differs:\nfirst  %s\nsecond %s", origin, s, e1, e2)
	}
	if _, err := q.Explain(); err != nil {
		t.Fatalf("%s: explain: %v", origin, err)
	}
}

// TestStatementRoundTripProperty: for random statements that parse,
// Parse(q.Statement()) == q.
func TestStatementRoundTripProperty(t *testing.T) {
	g := &stmtGen{r: rand.New(rand.NewPCG(42, 4242))}
	ok := 0
	n := 1500
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		stmt := g.statement()
		q, err := Parse(stmt)
		if err != nil {
			continue
		}
		ok++
		checkRoundTrip(t, q, stmt)
	}
	if ok < n/3 {
		t.Fatalf("only %d of %d generated statements parsed: generator too weak", ok, n)
	}
}

func TestFromFlags(t *testing.T) {
	skip, limit := int64(5), int64(20)
	q, err := FromFlags("todos", `{"done": false, "due": {"$lt": {"$date": "2024-01-01T00:00:00Z"}}, "stat": {"year": 2018.0},
		"name": {"$regex": "^a", "$options": "i"}, "$or": [{"p": {"$gt": 80}}, {"p": {"$lt": 20}}], "e": {"$eq": {"x": 1}}}`,
		[]string{"due:asc", "name:desc", "age"}, &skip, &limit, []string{"name", "due", "-_id"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse(`db.collection("todos").where({done: false, due: _.lt(new Date("2024-01-01")), stat: {year: 2018},
		name: /^a/i, $or: [{p: _.gt(80)}, {p: _.lt(20)}], e: _.eq({x: 1})}).field({name: true, due: true, _id: false})
		.orderBy("due", "asc").orderBy("name", "desc").orderBy("age", "asc").skip(5).limit(20).get()`)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Equal(want) {
		e1, _ := q.Explain()
		e2, _ := want.Explain()
		t.Fatalf("FromFlags:\n%s\nwant\n%s", e1, e2)
	}
	checkRoundTrip(t, q, "FromFlags")

	empty, err := FromFlags("c", "", nil, nil, nil, nil)
	if err != nil || empty.Filter != nil || empty.Statement() != `db.collection("c").get()` {
		t.Fatalf("empty flags: %v %v", empty, err)
	}

	bad := []struct {
		where   string
		order   []string
		fields  []string
		skip    int64
		limit   int64
		wantErr string
	}{
		{`{"a": `, nil, nil, 0, 1, "invalid extended JSON"},
		{`[1]`, nil, nil, 0, 1, "expected a JSON object"},
		{`{"a": {"$where": "x"}}`, nil, nil, 0, 1, "unsupported operator $where"},
		{`{"$where": "x"}`, nil, nil, 0, 1, "unsupported operator $where"},
		{`{"a": {"$gt": 1, "b": 1}}`, nil, nil, 0, 1, "cannot mix operators and fields"},
		{`{"__proto__": {"x": 1}}`, nil, nil, 0, 1, "__proto__"},
		{`{"a": 9007199254740993}`, nil, nil, 0, 1, "beyond"},
		{``, []string{"a:sideways"}, nil, 0, 1, "direction"},
		{``, []string{":asc"}, nil, 0, 1, "missing field name"},
		{``, nil, []string{"a", "-b"}, 0, 1, "cannot mix"},
		{``, nil, nil, -1, 1, "skip"},
		{``, nil, nil, 0, 0, "limit"},
	}
	for _, b := range bad {
		_, err := FromFlags("c", b.where, b.order, &b.skip, &b.limit, b.fields)
		if err == nil || !strings.Contains(err.Error(), b.wantErr) {
			t.Errorf("FromFlags(%q, %v, %v, %d, %d) = %v, want error containing %q", b.where, b.order, b.fields, b.skip, b.limit, err, b.wantErr)
		}
	}
	if _, err := FromFlags("", "", nil, nil, nil, nil); err == nil {
		t.Error("empty collection must be rejected")
	}
}

// TestFromFlagsRoundTripProperty: random JSON conditions through FromFlags
// render to statements that parse back to the same query.
func TestFromFlagsRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	docs := loadCollection(t, "fixture.json")
	ok := 0
	for i := 0; i < 1000; i++ {
		f := randomFilter(r, docs, 2)
		b, err := EncodeDocument(f)
		if err != nil {
			t.Fatal(err)
		}
		q, err := FromFlags("c", string(b), []string{"a:desc"}, nil, nil, nil)
		if err != nil {
			continue
		}
		ok++
		checkRoundTrip(t, q, string(b))
	}
	if ok < 300 {
		t.Fatalf("only %d filters accepted", ok)
	}
}
