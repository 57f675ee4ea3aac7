package docdb

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func createGeoIndex(h *harness, env, coll, name, path string) map[string]any {
	return h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": coll,
		"create_indexes": []any{map[string]any{"name": name, "keys": []any{map[string]string{"name": path, "direction": "2dsphere"}}}}})
}

// A 2dsphere index: created, listed, enforced on writes, used by geo
// queries, and persisted across a restart.
func TestGeoIndexWeChat(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{})
	env, tag := h.newEnv()
	h.createColl(env, "places")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: [`+
		`{_id: "gz", name: "Guangzhou", loc: db.Geo.Point(113.2644, 23.1291)}, `+
		`{_id: "sz", name: "Shenzhen", loc: db.Geo.Point(114.0579, 22.5431)}, `+
		`{_id: "fs", name: "Foshan", loc: db.Geo.Point(113.1214, 23.0215)}, `+
		`{_id: "bj", name: "Beijing", loc: db.Geo.Point(116.4074, 39.9042)}, `+
		`{_id: "none", name: "no location"}]})`))
	h.ok(createGeoIndex(h, env, "places", "loc_2dsphere", "loc"))

	// Listed with its direction.
	desc := h.ok(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env}))
	if cs := desc["collections"].([]any); num(cs[0].(map[string]any)["index_count"]) != 2 {
		t.Fatalf("collections %v", cs)
	}
	infos, err := h.m.describeIndexes(env, "places")
	if err != nil || len(infos) != 2 || infos[1].spec.Keys[0] != (indexKey{"loc", "2dsphere"}) || infos[1].entries != 5 {
		t.Fatalf("indexes %+v %v", infos, err)
	}
	_ = tag

	// Writes of values that are not geometries are refused, as MongoDB does.
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: {loc: "somewhere"}})`),
		-502001, "Can't extract geo keys", "geo element must be an array or object")
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: {loc: {type: "Point", coordinates: [200, 0]}}})`),
		-502001, "Can't extract geo keys", "out of bounds")
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("places").doc("gz").update({data: {loc: [1, 2, 3]}})`),
		-502001, "Can't extract geo keys")
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: [{_id: "ok1", loc: db.Geo.Point(1, 2)}, {_id: "bad", loc: {type: "Polygon", coordinates: [[[0, 0], [1, 1], [0, 0]]]}}]})`),
		-502001, "at least 4 positions")
	if out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("places").doc("ok1").get()`)); len(out["data"].([]any)) != 0 {
		t.Fatal("a batch with a bad document was partly written")
	}
	// Legacy pairs, null and a missing field are fine.
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: [{_id: "pair", loc: [113.3, 23.2]}, {_id: "null", loc: null}]})`))

	// Geo queries go through the index; the answer is the scan's.
	within := `db.collection("places").where({loc: _.geoWithin({geometry: db.Geo.Polygon([db.Geo.LineString([` +
		`db.Geo.Point(112.5, 22), db.Geo.Point(114.5, 22), db.Geo.Point(114.5, 24), db.Geo.Point(112.5, 24), db.Geo.Point(112.5, 22)])])})}).get()`
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, within))
	if got := ids(dataDocs(t, out)); !slices.Equal(got, []string{"gz", "sz", "fs", "pair"}) {
		t.Fatalf("within: %v", got)
	}
	if p := h.lastPlan(); p.Index != "loc_2dsphere" || p.Candidates > 5 {
		t.Fatalf("within plan %+v", p)
	}
	// Documents come back as the GeoJSON the SDK turns into Geo objects.
	if s := out["data"].([]any)[0].(string); !strings.Contains(s, `"loc":{"type":"Point","coordinates":[113.2644,23.1291]}`) {
		t.Fatalf("stored form %s", s)
	}
	cnt := h.ok(h.stmt(wechat.PathDatabaseCount, env,
		`db.collection("places").where({loc: _.geoWithin({centerSphere: [db.Geo.Point(113.2644, 23.1291), 50 / 6378.1]})}).count()`))
	if num(cnt["count"]) != 3 || h.lastPlan().Index != "loc_2dsphere" {
		t.Fatalf("centerSphere count %v %+v", cnt, h.lastPlan())
	}
	near := h.ok(h.stmt(wechat.PathDatabaseQuery, env,
		`db.collection("places").where({loc: _.geoNear({geometry: db.Geo.Point(113.2644, 23.1291), maxDistance: 120000, minDistance: 1})}).orderBy("_id", "asc").get()`))
	if got := ids(dataDocs(t, near)); !slices.Equal(got, []string{"fs", "pair", "sz"}) {
		t.Fatalf("near: %v", got)
	}
	inter := h.ok(h.stmt(wechat.PathDatabaseQuery, env,
		`db.collection("places").where({loc: _.geoIntersects({geometry: db.Geo.LineString([db.Geo.Point(113.2644, 20), db.Geo.Point(113.2644, 30)])})}).get()`))
	if got := ids(dataDocs(t, inter)); !slices.Equal(got, []string{"gz"}) {
		t.Fatalf("intersects: %v", got)
	}
	// The aggregate geoNear stage (with key) runs with the index present.
	agg := h.ok(h.stmt(wechat.PathDatabaseAggregate, env, `db.collection("places").aggregate().geoNear({distanceField: "d", spherical: true, `+
		`near: db.Geo.Point(113.2644, 23.1291), key: "loc", maxDistance: 200000, query: {name: _.neq("Foshan")}}).project({d: 1}).end()`))
	docs := dataDocs(t, agg)
	if got := ids(docs); !slices.Equal(got, []string{"gz", "pair", "sz"}) {
		t.Fatalf("geoNear stage: %v", got)
	}
	if d, _ := docs[2].Get("d"); math.Abs(d.(float64)-104319.1) > 1 {
		t.Fatalf("Guangzhou-Shenzhen %v m", d)
	}

	// A new 2dsphere index over documents that are not geometries fails.
	h.createColl(env, "junk")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("junk").add({data: {pos: 5}})`))
	h.wantCode(createGeoIndex(h, env, "junk", "pos_2dsphere", "pos"), -502001, "Can't extract geo keys")

	// The index survives a restart and is used again.
	h.Stop()
	h = h.restart(Options{})
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, within))
	if got := ids(dataDocs(t, out)); !slices.Equal(got, []string{"gz", "sz", "fs", "pair"}) || h.lastPlan().Index != "loc_2dsphere" {
		t.Fatalf("after restart: %v %+v", got, h.lastPlan())
	}
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("places").add({data: {loc: true}})`), -502001, "Can't extract geo keys")
	// Dropping it makes geo queries scans again.
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "places",
		"drop_indexes": []any{map[string]string{"name": "loc_2dsphere"}}}))
	h.ok(h.stmt(wechat.PathDatabaseQuery, env, within))
	if p := h.lastPlan(); p.Index != "" {
		t.Fatalf("after drop %+v", p)
	}
}

// randomGeoValue returns a random location value: mostly points, some
// lines, polygons and coordinate pairs, some near the antimeridian and the
// poles, some missing or null.
func randomGeoValue(r *rand.Rand) (dbquery.Value, bool) {
	lng := func() float64 { return math.Round((r.Float64()*360-180)*1e4) / 1e4 }
	lat := func() float64 { return math.Round((r.Float64()*170-85)*1e4) / 1e4 }
	pt := func(x, y float64) []any { return []any{x, y} }
	x, y := lng(), lat()
	switch k := r.IntN(20); {
	case k == 0:
		return nil, false
	case k == 1:
		return nil, true
	case k == 2:
		return pt(x, y), true
	case k == 3:
		x = []float64{180, -180, 179.99, -179.99}[r.IntN(4)]
	case k == 4:
		y = []float64{89.9, -89.9, 90, -90}[r.IntN(4)]
	case k == 5:
		x2 := math.Max(-180, math.Min(180, x+r.Float64()*4-2))
		y2 := math.Max(-89, math.Min(89, y+r.Float64()*4-2))
		return dbquery.D("type", "LineString", "coordinates", []any{pt(x, y), pt(x2, y2)}), true
	case k == 6:
		s := r.Float64()*3 + 0.01
		x = math.Max(-170, math.Min(170, x))
		y = math.Max(-80, math.Min(80, y))
		ring := []any{pt(x, y), pt(x+s, y), pt(x+s, y+s), pt(x, y+s), pt(x, y)}
		return dbquery.D("type", "Polygon", "coordinates", []any{ring}), true
	}
	return dbquery.D("type", "Point", "coordinates", []any{x, y}), true
}

// randomGeoFilter returns a random geo condition on "loc".
func randomGeoFilter(r *rand.Rand) *dbquery.Document {
	x := math.Round((r.Float64()*360-180)*100) / 100
	y := math.Round((r.Float64()*170-85)*100) / 100
	center := dbquery.D("type", "Point", "coordinates", []any{x, y})
	s := []float64{0.5, 5, 30, 100}[r.IntN(4)]
	switch r.IntN(4) {
	case 0:
		return dbquery.D("loc", dbquery.D("$nearSphere", dbquery.D("$geometry", center, "$maxDistance", s*50000, "$minDistance", r.Float64()*s*10000)))
	case 1:
		return dbquery.D("loc", dbquery.D("$geoWithin", dbquery.D("$centerSphere", []any{[]any{x, y}, s / 100})))
	case 2:
		w := math.Min(s, 60)
		y = math.Max(-85+w, math.Min(85-w, y))
		ring := []any{[]any{x, y - w}, []any{x + w, y}, []any{x, y + w}, []any{x - w, y}, []any{x, y - w}}
		for _, p := range ring {
			q := p.([]any)
			for q[0].(float64) > 180 {
				q[0] = q[0].(float64) - 360
			}
			for q[0].(float64) < -180 {
				q[0] = q[0].(float64) + 360
			}
		}
		return dbquery.D("loc", dbquery.D("$geoWithin", dbquery.D("$geometry", dbquery.D("type", "Polygon", "coordinates", []any{ring}))))
	}
	x2 := math.Max(-180, math.Min(180, x+s))
	return dbquery.D("loc", dbquery.D("$geoIntersects", dbquery.D("$geometry",
		dbquery.D("type", "LineString", "coordinates", []any{[]any{x, y}, []any{x2, math.Max(-89, math.Min(89, y+s/3))}}))))
}

// The candidates a 2dsphere index selects always hold every match of a
// full scan (random data and conditions, the antimeridian and poles
// included), and usually far fewer documents.
func TestGeoIndexCandidatesEqualScan(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "g")
	r := rand.New(rand.NewPCG(17, 4))
	var batch []*dbquery.Document
	for i := 0; i < 3000; i++ {
		d := dbquery.D("_id", fmt.Sprintf("d%04d", i), "n", int64(i))
		if v, ok := randomGeoValue(r); ok {
			d.Set("loc", v)
		}
		batch = append(batch, d)
	}
	if _, err := h.m.insert(context.Background(), env, "g", batch); err != nil {
		t.Fatal(err)
	}
	h.ok(createGeoIndex(h, env, "g", "loc_2dsphere", "loc"))
	h.m.mu.RLock()
	defer h.m.mu.RUnlock()
	c, err := h.m.mustCollection(env, "g")
	if err != nil {
		t.Fatal(err)
	}
	all := c.docs()
	used, total, totalCands := 0, 0, 0
	for i := 0; i < 400; i++ {
		filter := randomGeoFilter(r)
		f, err := dbquery.CompileFilter(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		var want []string
		for _, d := range all {
			if f.Match(d) {
				id, _ := d.Get("_id")
				want = append(want, id.(string))
			}
		}
		recs, plan, err := c.matching(context.Background(), f, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range recs {
			got = append(got, rec.id.(string))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: index gives %d docs, scan %d\nindex %v\nscan  %v", filter, len(got), len(want), got, want)
		}
		if plan.Index == "loc_2dsphere" {
			used++
			totalCands += plan.Candidates
		}
		total += len(want)
	}
	if used < 300 || total == 0 {
		t.Fatalf("index used %d times, %d matches", used, total)
	}
	if avg := totalCands / used; avg > len(all)/4 {
		t.Fatalf("the index selects %d of %d documents on average", avg, len(all))
	}
}

// The cell keys of a document cover its geometry at one level, at most
// geoMaxCells of them; a point far from the query is not a candidate.
func TestGeoCells(t *testing.T) {
	pt := func(x, y float64) []dbquery.GeoRect {
		rs, err := dbquery.GeoIndexRects(dbquery.D("l", dbquery.D("type", "Point", "coordinates", []any{x, y})), "l")
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if ks := geoCells(pt(113.3, 23.1)); len(ks) != 1 || geoKeyLevel(ks[0]) != geoMaxLevel {
		t.Fatalf("point cells %v", ks)
	}
	// On the antimeridian: both edge columns.
	ks := geoCells(pt(180, 1))
	if len(ks) != 2 {
		t.Fatalf("antimeridian cells %v", ks)
	}
	// Near the pole: a full row.
	if ks := geoCells(pt(10, 90)); len(ks) > geoMaxCells {
		t.Fatalf("pole cells %v", ks)
	}
	if ks := geoCells(nil); !slices.Equal(ks, []int64{geoNoKey}) {
		t.Fatalf("no geometry %v", ks)
	}
	big := []dbquery.GeoRect{{MinLng: -100, MinLat: -40, MaxLng: 100, MaxLat: 40}}
	if ks := geoCells(big); len(ks) > geoMaxCells || len(ks) == 0 {
		t.Fatalf("big cells %v", ks)
	}
	for _, k := range geoCells(big) {
		if lvl := geoKeyLevel(k); lvl > 2 {
			t.Fatalf("big geometry at level %d", lvl)
		}
	}
}

// The rules the find/aggregate hooks apply: $nearSphere needs a 2dsphere
// index on its path; a leading $geoNear takes its key from the only one.
func TestGeoIndexRules(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "p")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("p").add({data: [{_id: "a", loc: db.Geo.Point(1, 1)}, {_id: "b", loc: db.Geo.Point(1, 3)}, {_id: "c", loc: db.Geo.Point(1, 2)}]})`))
	q, err := dbquery.Parse(`db.collection("p").where({loc: _.geoNear({geometry: db.Geo.Point(1, 0), maxDistance: 1000000})}).get()`)
	if err != nil {
		t.Fatal(err)
	}
	f, err := q.Matcher()
	if err != nil {
		t.Fatal(err)
	}
	pipeline := []dbquery.Stage{{Name: "$geoNear", Arg: dbquery.D("near", dbquery.D("type", "Point", "coordinates", []any{int64(1), int64(0)}), "distanceField", "d")}}
	check := func(wantNear, wantAgg string) {
		t.Helper()
		h.m.mu.RLock()
		defer h.m.mu.RUnlock()
		c, err := h.m.mustCollection(env, "p")
		if err != nil {
			t.Fatal(err)
		}
		err = c.requireGeoIndex(f)
		if (wantNear == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantNear)) {
			t.Fatalf("near: %v, want %q", err, wantNear)
		}
		if err != nil && err.(*dbError).wxCode != wechat.CodeCloudInvalidParams {
			t.Fatalf("near error code %+v", err)
		}
		p, err := c.prepareGeoPipeline(pipeline)
		if (wantAgg == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantAgg)) {
			t.Fatalf("geoNear: %v, want %q", err, wantAgg)
		}
		if err == nil {
			out, err := dbquery.RunPipeline(context.Background(), c.docs(), p, nil)
			if err != nil || !slices.Equal(ids(out), []string{"a", "c", "b"}) {
				t.Fatalf("geoNear run: %v %v", ids(out), err)
			}
			// The finds and single-document writes the hooks order by
			// distance.
			for limit, want := range map[int][]string{0: {"a", "c", "b"}, 1: {"a"}, 2: {"a", "c"}} {
				recs, _, err := c.matchingNear(context.Background(), f, limit)
				if err != nil {
					t.Fatal(err)
				}
				var docs []*dbquery.Document
				for _, r := range recs {
					docs = append(docs, r.doc)
				}
				if !slices.Equal(ids(docs), want) {
					t.Fatalf("near order (limit %d) %v", limit, ids(docs))
				}
				f.SortResults(docs, []dbquery.SortKey{{Field: "_id", Desc: true}})
				if limit == 0 && !slices.Equal(ids(docs), []string{"c", "b", "a"}) {
					t.Fatalf("orderBy after near %v", ids(docs))
				}
			}
			// Without a near condition it is matching.
			plain, _ := dbquery.CompileFilter(dbquery.D("_id", dbquery.D("$in", []any{"b", "a"})))
			recs, _, err := c.matchingNear(context.Background(), plain, 0)
			if err != nil || len(recs) != 2 || recs[0].id != "a" {
				t.Fatalf("plain %v %v", recs, err)
			}
		}
	}
	check("unable to find index for $geoNear query", "requires a 2d or 2dsphere index, but none were found")
	h.ok(createGeoIndex(h, env, "p", "loc_2dsphere", "loc"))
	check("", "")
	h.ok(createGeoIndex(h, env, "p", "pos_2dsphere", "pos"))
	check("", "more than one 2dsphere index")
}

// Over dense points, a small geo query examines a few cells' worth of
// documents, not the collection.
func TestGeoIndexNarrows(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "dense")
	h.ok(createGeoIndex(h, env, "dense", "loc_2dsphere", "loc"))
	r := rand.New(rand.NewPCG(5, 5))
	var batch []*dbquery.Document
	for i := 0; i < 2000; i++ {
		batch = append(batch, dbquery.D("loc", dbquery.D("type", "Point", "coordinates", []any{113 + r.Float64(), 23 + r.Float64()})))
	}
	if _, err := h.m.insert(context.Background(), env, "dense", batch); err != nil {
		t.Fatal(err)
	}
	out := h.ok(h.stmt(wechat.PathDatabaseCount, env,
		`db.collection("dense").where({loc: _.geoNear({geometry: db.Geo.Point(113.5, 23.5), maxDistance: 3000})}).count()`))
	p := h.lastPlan()
	if p.Index != "loc_2dsphere" || p.Candidates > 60 || p.Candidates < int(num(out["count"])) {
		t.Fatalf("plan %+v for %v matches", p, out["count"])
	}
}
