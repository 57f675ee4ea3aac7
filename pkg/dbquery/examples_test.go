package dbquery

import (
	"strings"
	"testing"
	"time"
)

// TestOfficialExamples parses the HTTP API examples of the WeChat
// documentation and a few statements in the style users write.
func TestOfficialExamples(t *testing.T) {
	ok := []struct {
		stmt   string
		action Action
	}{
		{`db.collection("geo").where({done:true}).limit(10).skip(1).get()`, ActionFind},
		{`db.collection("geo").where({done:true}).count()`, ActionCount},
		{`db.collection("geo").where({age:14}).update({data:{age: _.inc(1)}})`, ActionUpdate},
		{`db.collection("geo").doc("56abd6d5-9daf-4e5b-a4e3-0a7e7dc7d1f2").update({data:{age: 10}})`, ActionUpdate},
		{`db.collection("geo").doc("be62d9c4-43ec-4dc6-8ca1-30b1a8b2a8e0").set({data: {description: "set", done: true}})`, ActionSet},
		{`db.collection("geo").where({done:false}).remove()`, ActionRemove},
		{`db.collection("geo").doc("be62d9c4-43ec-4dc6-8ca1-30b1a8b2a8e0").remove()`, ActionRemove},
		{`db.collection("test_collection").aggregate().match({tags:"cloud"}).limit(10).end()`, ActionAggregate},
		{`db.collection("geo").add({data: [{description: "item1", due: new Date("2019-09-09"), tags: ["cloud","database"], done: false}]})`, ActionInsert},
		{"db.collection('todos')\n  .where({createdAt: _.gte(new Date(Date.now() - 7 * 24 * 3600 * 1000))}) // last week\n  .count();", ActionCount},
		{`db.collection("books").where({"stat.publishYear": 2018, tags: db.command.in(["a"])}).field({title: true}).get()`, ActionFind},
		{`db.collection("t").where({progress: _.gt(50).and(_.lt(100))}).update({data: {done: true, updatedAt: db.serverDate()}})`, ActionUpdate},
		{`db.collection("t").aggregate().group({_id: "$cat", total: db.command.aggregate.sum("$price"), n: _.aggregate.sum(1)}).end()`, ActionAggregate},
	}
	p := &Parser{Now: func() time.Time { return fixedNow }}
	for _, tc := range ok {
		q, err := p.Parse(tc.stmt)
		if err != nil {
			t.Errorf("%s: %v", tc.stmt, err)
			continue
		}
		if q.Action != tc.action {
			t.Errorf("%s: action %s, want %s", tc.stmt, q.Action, tc.action)
		}
		checkRoundTrip(t, q, tc.stmt)
	}
	q, err := p.Parse(ok[9].stmt)
	if err != nil {
		t.Fatal(err)
	}
	cond, _ := q.Filter.Lookup("createdAt.$gte")
	if want := fixedNow.Add(-7 * 24 * time.Hour); !EqualValues(cond, want) {
		t.Fatalf("Date.now() arithmetic gave %v, want %v", cond, want)
	}
	q, err = Parse(`db.collection("geo").add({data: [{location: new db.Geo.Point(113, 23)}]})`)
	if err != nil {
		t.Fatalf("geo: %v", err)
	}
	if loc, _ := q.Data[0].Get("location"); !EqualValues(loc, D("type", "Point", "coordinates", []any{int64(113), int64(23)})) {
		t.Fatalf("geo: %v", loc)
	}
	if _, err = Parse(`db.collection("geo").where({a: _.bit({and: 1})}).get()`); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("bit: %v", err)
	}
}
