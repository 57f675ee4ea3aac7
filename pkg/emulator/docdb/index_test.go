package docdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// olist behaves like a sorted slice under random inserts and removes.
func TestOListRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	l := newOList(func(a, b int) int { return a - b })
	var ref []int
	for i := 0; i < 20000; i++ {
		x := r.IntN(5000)
		j, found := slices.BinarySearch(ref, x)
		if r.IntN(3) > 0 {
			if !found {
				ref = slices.Insert(ref, j, x)
				l.insert(x)
			}
		} else {
			if l.remove(x) != found {
				t.Fatalf("remove(%d): found mismatch", x)
			}
			if found {
				ref = slices.Delete(ref, j, j+1)
			}
		}
	}
	if l.len() != len(ref) {
		t.Fatalf("len %d want %d", l.len(), len(ref))
	}
	var got []int
	l.each(pos{}, l.end(), func(x int) bool { got = append(got, x); return true })
	if !slices.Equal(got, ref) {
		t.Fatal("contents differ")
	}
	for k := 0; k < len(ref); k += 97 {
		p := l.at(k)
		if l.get(p) != ref[k] || l.rank(p) != k {
			t.Fatalf("at/rank %d", k)
		}
		lb := l.lowerBound(ref[k])
		if l.rank(lb) != k {
			t.Fatalf("lowerBound %d", k)
		}
	}
	// Walking backwards from the end gives the reverse.
	p, ok := l.at(l.len()-1), l.len() > 0
	var back []int
	for ok {
		back = append(back, l.get(p))
		p, ok = l.prev(p)
	}
	slices.Reverse(back)
	if !slices.Equal(back, ref) {
		t.Fatal("prev walk differs")
	}
	// build gives the same list.
	l2 := newOList(func(a, b int) int { return a - b })
	l2.build(ref)
	if l2.len() != len(ref) || l2.rank(l2.lowerBound(ref[len(ref)/2])) != len(ref)/2 {
		t.Fatal("build")
	}
}

// randomDoc makes documents with mixed types, arrays and nesting.
func randomDoc(r *rand.Rand, i int) *dbquery.Document {
	d := dbquery.NewDocument(dbquery.Field{Key: "_id", Value: fmt.Sprintf("d%04d", i)})
	switch r.IntN(7) {
	case 0:
	case 1:
		d.Set("a", nil)
	case 2:
		d.Set("a", fmt.Sprintf("s%d", r.IntN(5)))
	case 3:
		d.Set("a", []any{int64(r.IntN(10)), int64(r.IntN(10))})
	case 4:
		d.Set("a", float64(r.IntN(20))/2)
	default:
		d.Set("a", int64(r.IntN(10)))
	}
	d.Set("b", []string{"apple", "banana", "cherry", "date", "fig"}[r.IntN(5)])
	if r.IntN(4) > 0 {
		d.Set("c", dbquery.D("d", int64(r.IntN(6))))
	}
	if r.IntN(2) == 0 {
		d.Set("arr", []any{dbquery.D("x", int64(r.IntN(4))), dbquery.D("x", int64(r.IntN(4)))})
	}
	d.Set("tags", []any{fmt.Sprintf("t%d", r.IntN(4))})
	return d
}

func randomFilter(r *rand.Rand) *dbquery.Document {
	v := func() dbquery.Value {
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("s%d", r.IntN(5))
		case 1:
			return float64(r.IntN(20)) / 2
		}
		return int64(r.IntN(10))
	}
	one := func() *dbquery.Document {
		switch r.IntN(14) {
		case 0:
			return dbquery.D("a", v())
		case 1:
			return dbquery.D("a", dbquery.D("$gt", v()))
		case 2:
			return dbquery.D("a", dbquery.D("$gte", v(), "$lt", v()))
		case 3:
			return dbquery.D("a", dbquery.D("$in", []any{v(), v(), v()}))
		case 4:
			return dbquery.D("c.d", int64(r.IntN(6)))
		case 5:
			return dbquery.D("arr.x", dbquery.D("$lte", int64(r.IntN(4))))
		case 6:
			return dbquery.D("tags", fmt.Sprintf("t%d", r.IntN(4)))
		case 7:
			return dbquery.D("b", dbquery.D("$lt", []string{"b", "c", "d"}[r.IntN(3)]))
		case 8:
			return dbquery.D("_id", fmt.Sprintf("d%04d", r.IntN(300)))
		case 9:
			return dbquery.D("$or", []any{dbquery.D("a", v()), dbquery.D("b", "fig")})
		case 10:
			return dbquery.D("a", dbquery.D("$lt", v(), "$gt", v()))
		case 11:
			return dbquery.D("b", "apple", "a", dbquery.D("$gte", v()))
		case 12:
			return dbquery.D("a", dbquery.D("$exists", false))
		}
		return dbquery.D("c.d", dbquery.D("$gt", int64(2)), "b", dbquery.D("$in", []any{"apple", "fig"}))
	}
	if r.IntN(3) == 0 {
		return dbquery.D("$and", []any{one(), one()})
	}
	return one()
}

// checkIndexes rebuilds every index from the documents and compares.
func checkIndexes(t *testing.T, c *collection) {
	t.Helper()
	for _, ix := range c.indexes {
		fresh := newIndex(ix.spec, ix.since)
		if err := c.buildIndex(fresh); err != nil {
			t.Fatalf("rebuild %s: %v", ix.spec.Name, err)
		}
		var a, b []entry
		ix.list.each(pos{}, ix.list.end(), func(e entry) bool { a = append(a, e); return true })
		fresh.list.each(pos{}, fresh.list.end(), func(e entry) bool { b = append(b, e); return true })
		if len(a) != len(b) || fresh.multikey != ix.multikey {
			t.Fatalf("index %s: %d entries (multikey %d), rebuilt %d (multikey %d)", ix.spec.Name, len(a), ix.multikey, len(b), fresh.multikey)
		}
		for i := range a {
			if cmpEntry(a[i], b[i]) != 0 || a[i].rec != b[i].rec {
				t.Fatalf("index %s: entry %d differs", ix.spec.Name, i)
			}
		}
	}
}

// Index-assisted finds and counts give exactly what the reference executor
// gives on the same documents, through random writes.
func TestIndexesMatchReference(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	h.createColl(env, "p")
	m := h.m
	specs := []indexSpec{
		{Name: "a_1", Keys: []indexKey{{"a", "1"}}},
		{Name: "b_a", Keys: []indexKey{{"b", "1"}, {"a", "-1"}}},
		{Name: "cd", Keys: []indexKey{{"c.d", "1"}}},
		{Name: "arrx", Keys: []indexKey{{"arr.x", "1"}}},
		{Name: "tags", Keys: []indexKey{{"tags", "1"}}},
	}
	if err := m.updateIndexes(env, "p", specs, nil); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 9))
	var docs []*dbquery.Document
	for i := 0; i < 300; i++ {
		docs = append(docs, randomDoc(r, i))
	}
	if _, err := m.insert(ctx, env, "p", docs); err != nil {
		t.Fatal(err)
	}
	usedIndex := map[string]bool{}
	for round := 0; round < 6; round++ {
		c, _ := m.collection(env, "p")
		checkIndexes(t, c)
		all := c.docs()
		for i := 0; i < 150; i++ {
			filter := randomFilter(r)
			q := &dbquery.Query{Collection: "p", Action: dbquery.ActionFind, Filter: filter}
			want, err := dbquery.Execute(ctx, q, all, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.find(ctx, env, "p", findOp{filter: filter, limit: 1 << 40, total: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got.docs), ids(want.Docs)) || got.total != int64(len(want.Docs)) {
				t.Fatalf("filter %v:\n got %v\nwant %v", filter, ids(got.docs), ids(want.Docs))
			}
			usedIndex[got.plan.Index] = true
			n, err := m.count(ctx, env, "p", filter)
			if err != nil || n != int64(len(want.Docs)) {
				t.Fatalf("count %v: %d %v", filter, n, err)
			}
			// Ordered by _id, both directions, with a window.
			for _, desc := range []bool{false, true} {
				sorted := append([]*dbquery.Document{}, want.Docs...)
				dbquery.SortDocuments(sorted, []dbquery.SortKey{{Field: "_id", Desc: desc}})
				got, err := m.find(ctx, env, "p", findOp{filter: filter, sort: []dbquery.SortKey{{Field: "_id", Desc: desc}},
					skip: 2, limit: 5, total: true})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got.docs), ids(window(sorted, 2, 5))) || got.total != int64(len(sorted)) {
					t.Fatalf("filter %v by _id desc=%v: got %v want %v", filter, desc, ids(got.docs), ids(window(sorted, 2, 5)))
				}
			}
		}
		// Random writes between rounds.
		for i := 0; i < 40; i++ {
			filter := randomFilter(r)
			switch r.IntN(4) {
			case 0:
				_, err := m.update(ctx, env, "p", updateOp{filter: filter, multi: true,
					update: dbquery.D("$set", dbquery.D("a", int64(r.IntN(10))))})
				if err != nil {
					t.Fatal(err)
				}
			case 1:
				_, err := m.update(ctx, env, "p", updateOp{filter: filter, multi: r.IntN(2) == 0,
					update: dbquery.D("$push", dbquery.D("tags", fmt.Sprintf("t%d", r.IntN(6))))})
				if err != nil && !strings.Contains(err.Error(), "array") {
					t.Fatal(err)
				}
			case 2:
				if _, err := m.remove(ctx, env, "p", filter, r.IntN(2) == 0); err != nil {
					t.Fatal(err)
				}
			default:
				var more []*dbquery.Document
				for j := 0; j < 10; j++ {
					more = append(more, randomDoc(r, 1000+round*100+i*10+j))
				}
				m.insert(ctx, env, "p", more) // may collide on _id: then nothing
			}
		}
	}
	for _, name := range []string{"", "_id_", "a_1", "b_a", "cd", "arrx", "tags"} {
		if !usedIndex[name] {
			t.Errorf("plan %q never used", name)
		}
	}
}

// Candidate counts show index use (no timings).
func TestIndexUse(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "u")
	var rows []string
	for i := 0; i < 500; i++ {
		rows = append(rows, fmt.Sprintf(`{_id: "u%03d", group: %d, name: "n%d", score: %d, tags: ["g%d", "all"]}`, i, i%50, i, i, i%5))
	}
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("u").add({data: [`+strings.Join(rows, ",")+`]})`))

	// _id lookups use the _id index.
	h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("u").doc("u123").get()`))
	if p := h.lastPlan(); p.Index != "_id_" || p.Candidates != 1 {
		t.Fatalf("doc(): %+v", p)
	}
	// Unindexed: a scan of all 500.
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("u").where({group: 7}).get()`))
	if p := h.lastPlan(); p.Index != "" || p.Candidates != 500 || len(dataDocs(t, out)) != 10 {
		t.Fatalf("scan: %+v", h.lastPlan())
	}
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{
			map[string]any{"name": "group_1", "unique": false, "keys": []any{map[string]string{"name": "group", "direction": "1"}}},
			map[string]any{"name": "score_-1", "unique": true, "keys": []any{map[string]string{"name": "score", "direction": "-1"}}},
			map[string]any{"name": "tags_name", "keys": []any{map[string]string{"name": "tags", "direction": "1"}, map[string]string{"name": "name", "direction": "1"}}},
		}}))
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("u").where({group: 7}).get()`))
	if p := h.lastPlan(); p.Index != "group_1" || p.Candidates != 10 || len(dataDocs(t, out)) != 10 {
		t.Fatalf("indexed equality: %+v", p)
	}
	h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("u").where({group: _.in([1, 2, 3])}).count()`))
	if p := h.lastPlan(); p.Index != "group_1" || p.Candidates != 30 {
		t.Fatalf("$in: %+v", p)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("u").where({score: _.gte(100).and(_.lt(120))}).count()`))
	if p := h.lastPlan(); p.Index != "score_-1" || p.Candidates != 20 || num(out["count"]) != 20 {
		t.Fatalf("range: %+v %v", p, out)
	}
	// The leading key of a compound (multikey) index.
	out = h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("u").where({tags: "g3"}).count()`))
	if p := h.lastPlan(); p.Index != "tags_name" || p.Candidates != 100 || num(out["count"]) != 100 {
		t.Fatalf("compound: %+v %v", p, out)
	}
	// The narrowest index wins.
	h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("u").where({tags: "all", group: 3}).count()`))
	if p := h.lastPlan(); p.Index != "group_1" {
		t.Fatalf("narrowest: %+v", p)
	}
	// Updates and removes select through indexes too.
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("u").where({group: 9}).update({data: {hit: true}})`))
	if p := h.lastPlan(); p.Index != "group_1" || p.Candidates != 10 {
		t.Fatalf("update: %+v", p)
	}
	h.ok(h.stmt(wechat.PathDatabaseAggregate, env, `db.collection("u").aggregate().match({group: 9}).count("n").end()`))
	if p := h.lastPlan(); p.Index != "group_1" || p.Candidates != 10 {
		t.Fatalf("aggregate: %+v", p)
	}

	// Index errors.
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{map[string]any{"name": "geo", "keys": []any{map[string]string{"name": "loc", "direction": "2dsphere"}, map[string]string{"name": "group", "direction": "1"}}}}}),
		-501007, "UnsupportedOperation", "2dsphere")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{map[string]any{"name": "geo", "unique": true, "keys": []any{map[string]string{"name": "loc", "direction": "2dsphere"}}}}}),
		-501007, "UnsupportedOperation", "2dsphere")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{map[string]any{"name": "flat", "keys": []any{map[string]string{"name": "loc", "direction": "2d"}}}}}),
		-501007, "direction")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"drop_indexes": []any{map[string]string{"name": "_id_"}}}), -501007)
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"drop_indexes": []any{map[string]string{"name": "nope"}}}), -501007, "index not found")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{map[string]any{"name": "group_1", "keys": []any{map[string]string{"name": "name", "direction": "1"}}}}}),
		-501007, "already exists")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"create_indexes": []any{map[string]any{"name": "g_unique", "unique": true, "keys": []any{map[string]string{"name": "group", "direction": "1"}, map[string]string{"name": "nothing", "direction": "1"}}}}}),
		-502001, "E11000")
	h.wantCode(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "nope"}), -502005)
	// Dropping makes the query a scan again.
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "u",
		"drop_indexes": []any{map[string]string{"name": "group_1"}}}))
	h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("u").where({group: 7}).count()`))
	if p := h.lastPlan(); p.Index != "" || p.Candidates != 500 {
		t.Fatalf("after drop: %+v", p)
	}
}

// Unique indexes are enforced on insert, update and set, with no partial
// write.
func TestUniqueIndexes(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "users")
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "users",
		"create_indexes": []any{map[string]any{"name": "email_unique", "unique": true,
			"keys": []any{map[string]string{"name": "email", "direction": "1"}}}}}))
	count := func() int64 {
		return num(h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("users").count()`))["count"])
	}
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: [{_id: "u1", email: "a@x"}, {_id: "u2", email: "b@x"}]})`))

	// A batch with one duplicate inserts nothing.
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: [{_id: "u3", email: "c@x"}, {_id: "u4", email: "a@x"}]})`),
		-502001, "E11000 duplicate key error", "index: email_unique", `email: "a@x"`, "[FailedOperation.Insert]")
	// Duplicates inside the batch, and on _id.
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: [{email: "d@x"}, {email: "d@x"}]})`), -502001, "E11000")
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: [{_id: "u5", email: "e@x"}, {_id: "u1", email: "f@x"}]})`),
		-502001, "index: _id_")
	if n := count(); n != 2 {
		t.Fatalf("count %d after failed batches", n)
	}
	// A missing field indexes as null: one document may lack it.
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: {_id: "n1"}})`))
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: {_id: "n2"}})`), -502001, "email: null")

	// update and set.
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("users").doc("u2").update({data: {email: "a@x"}})`), -502001, "E11000")
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("users").doc("u2").set({data: {email: "a@x"}})`), -502001, "E11000")
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("users").where({_id: _.in(["u1", "u2"])}).update({data: {email: "same@x"}})`), -502001, "E11000")
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("users").orderBy("_id", "asc").get()`))
	if got := out["data"].([]any); len(got) != 3 || !strings.Contains(got[2].(string), `"b@x"`) {
		t.Fatalf("after failed updates: %v", got)
	}
	// Swapping values inside one multi update is fine when the end state
	// is unique; setting a document to its own value too.
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("users").doc("u1").update({data: {email: "a@x"}})`))
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("users").doc("u1").update({data: {email: "z@x"}})`))
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: {_id: "u6", email: "a@x"}})`))
	// Removing frees the key.
	h.ok(h.stmt(wechat.PathDatabaseDelete, env, `db.collection("users").doc("u6").remove()`))
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("users").add({data: {_id: "u7", email: "a@x"}})`))
	c, _ := h.m.collection(env, "users")
	checkIndexes(t, c)
}

// Compound unique indexes compare the whole tuple; parallel arrays are
// rejected as MongoDB does.
func TestCompoundUnique(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	h.createColl(env, "s")
	err := h.m.updateIndexes(env, "s", []indexSpec{{Name: "uc", Unique: true, Keys: []indexKey{{"user", "1"}, {"day", "1"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.insert(ctx, env, "s", []*dbquery.Document{dbquery.D("user", "a", "day", int64(1)), dbquery.D("user", "a", "day", int64(2))}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.insert(ctx, env, "s", []*dbquery.Document{dbquery.D("user", "a", "day", 1.0)}); err == nil || !strings.Contains(err.Error(), "E11000") {
		t.Fatalf("dup tuple (1 == 1.0): %v", err)
	}
	if _, err := h.m.insert(ctx, env, "s", []*dbquery.Document{dbquery.D("user", []any{"x", "y"}, "day", []any{int64(1), int64(2)})}); err == nil || !strings.Contains(err.Error(), "parallel arrays") {
		t.Fatalf("parallel arrays: %v", err)
	}
}

// Paging through a collection in _id order finds the window by position.
func TestIDOrderPaging(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	h.createColl(env, "big")
	var docs []*dbquery.Document
	for i := 0; i < 3000; i++ {
		docs = append(docs, dbquery.D("i", int64(i)))
	}
	idsIn, err := h.m.insert(ctx, env, "big", docs)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(idsIn))
	for i, id := range idsIn {
		want[i] = id.(string)
	}
	sort.Strings(want)
	var got []string
	for skip := 0; ; skip += 1000 {
		out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, fmt.Sprintf(`db.collection("big").orderBy("_id", "asc").skip(%d).limit(1000).get()`, skip)))
		page := ids(dataDocs(t, out))
		if p := h.lastPlan(); p.Index != "_id_" || p.Candidates != len(page) {
			t.Fatalf("page at %d: %+v", skip, p)
		}
		got = append(got, page...)
		if len(page) < 1000 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatal("paged ids differ")
	}
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("big").orderBy("_id", "desc").skip(10).limit(3).get()`))
	if g := ids(dataDocs(t, out)); !slices.Equal(g, []string{want[2989], want[2988], want[2987]}) {
		t.Fatalf("desc page %v", g)
	}
}
