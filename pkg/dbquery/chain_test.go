package dbquery

import (
	"strings"
	"testing"
)

// The builder methods' own errors: where each may appear, its arguments,
// and the methods that may be used once.
func TestChainMethodErrors(t *testing.T) {
	for _, tt := range []struct{ stmt, want string }{
		{`db.collection("a").doc("x").where({}).get()`, `.where() is not available on .doc(id)`},
		{`db.collection("a").where({}).doc("x").get()`, `.doc() is not available on a query`},
		{`db.collection("a").aggregate().end().get()`, `.get() cannot follow the end of the statement (.end())`},
		{`db.collection("a").end()`, `.end() is not available on db.collection()`},
		{`db.collection("a").doc("x").set({data: {}}).count()`, `.count() cannot follow the end of the statement (.set())`},
		{`db.collection("a").where({}).set({data: {}})`, `.set() is not available on a query`},
		{`db.collection("a").doc("x").add({data: {}})`, `.add() is not available on .doc(id)`},
		{`db.collection("a").doc("x").count()`, `.count() is not available on .doc(id)`},
		{`db.collection("a").where({}).aggregate()`, `.aggregate() is not available on a query`},
		{`db.collection("a").match({})`, `.match() is only available after .aggregate()`},
		{`db.collection("a").geoNear({})`, `.geoNear() is only available after .aggregate()`},
		{`db.collection("a").aggregate().where({})`, `.where() is not an aggregate stage`},
		{`db.collection("a").get(1)`, `.get() takes no arguments`},
		{`db.collection("a").where()`, `.where() takes 1 argument(s)`},
		{`db.collection("a").orderBy("x")`, `.orderBy() takes 2 argument(s)`},
		{`db.collection("a").where({}).where({}).get()`, `.where() may be used only once`},
		{`db.collection("a").field({a: true}).field({b: true}).get()`, `.field() may be used only once`},
		{`db.collection("a").skip(1).skip(2).get()`, `.skip() may be used only once`},
		{`db.collection("a").limit(1).limit(2).get()`, `.limit() may be used only once`},
		{`db.collection("a").skip(-1).get()`, `.skip() needs a non-negative integer`},
		{`db.collection("a").limit(0).get()`, `.limit() needs a positive integer`},
		{`db.collection("a").limit("x").get()`, `.limit() needs a positive integer`},
		{`db.collection("a").orderBy("$x", "asc").get()`, `.orderBy() needs a field name`},
		{`db.collection("a").orderBy("x", "up").get()`, `.orderBy() direction must be "asc" or "desc"`},
		{`db.collection("a").doc("").get()`, `.doc() needs a non-empty id`},
		{`db.collection("a").doc(true).get()`, `.doc() needs a string or number id`},
		{`db.collection("a").add({data: []})`, `.add() needs at least one document`},
		{`db.collection("a").add({})`, `.add() takes exactly {data: ...}`},
		{`db.collection("a").add({data: {}}, 1)`, `.add() takes one argument {data: ...}`},
		{`db.collection("a").doc("x").set({data: {_id: "y"}})`, `set() data has an _id different from .doc(id)`},
	} {
		_, err := Parse(tt.stmt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\n got: %v\nwant: %s", tt.stmt, err, tt.want)
		}
	}
}

// Each builder method sets its part of the query; the methods that end
// the statement set the action, and count(), update() and remove() drop
// the paging that does not apply to them.
func TestChainMethodsBuildTheQuery(t *testing.T) {
	q := func(stmt string) *Query {
		t.Helper()
		q, err := Parse(stmt)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return q
	}
	find := q(`db.collection("a").where({x: 1}).orderBy("x", "desc").skip(2).limit(3).field({x: true}).get()`)
	if find.Action != ActionFind || find.Filter == nil || len(find.Sort) != 1 || !find.Sort[0].Desc ||
		find.Skip == nil || *find.Skip != 2 || find.Limit == nil || *find.Limit != 3 || find.Projection == nil {
		t.Errorf("find: %+v", find)
	}
	if doc := q(`db.collection("a").doc(7).get()`); !doc.HasDocID || doc.DocID != int64(7) || doc.Action != ActionFind {
		t.Errorf("doc: %+v", doc)
	}
	if c := q(`db.collection("a").where({x: 1}).orderBy("x", "desc").limit(3).count()`); c.Action != ActionCount || c.Sort != nil || c.Limit != nil {
		t.Errorf("count: %+v", c)
	}
	if add := q(`db.collection("a").add({data: [{x: 1}, {x: 2}]})`); add.Action != ActionInsert || len(add.Data) != 2 {
		t.Errorf("add: %+v", add)
	}
	if u := q(`db.collection("a").where({x: 1}).limit(1).update({data: {y: 2}})`); u.Action != ActionUpdate || !u.Multi || u.Update == nil || u.Limit != nil {
		t.Errorf("update: %+v", u)
	}
	if u := q(`db.collection("a").doc("k").update({data: {y: 2}})`); u.Action != ActionUpdate || u.Multi {
		t.Errorf("update of a document: %+v", u)
	}
	if set := q(`db.collection("a").doc("k").set({data: {y: 2}})`); set.Action != ActionSet || !set.Upsert || set.Update == nil {
		t.Errorf("set: %+v", set)
	}
	if r := q(`db.collection("a").where({x: 1}).limit(1).remove()`); r.Action != ActionRemove || !r.Multi || r.Limit != nil {
		t.Errorf("remove: %+v", r)
	}
	if a := q(`db.collection("a").aggregate().match({x: 1}).limit(2).end()`); a.Action != ActionAggregate || len(a.Pipeline) != 2 {
		t.Errorf("aggregate: %+v", a)
	}
}
