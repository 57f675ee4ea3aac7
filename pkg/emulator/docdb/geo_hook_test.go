package docdb

import (
	"slices"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

func TestGeoHooked(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "p")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("p").add({data: [{_id: "sz", loc: db.Geo.Point(114.0579, 22.5431)}, {_id: "fs", loc: db.Geo.Point(113.1214, 23.0215)}, {_id: "bj", loc: db.Geo.Point(116.4074, 39.9042)}, {_id: "dg", loc: db.Geo.Point(113.7518, 23.0205)}]})`))
	near := `db.collection("p").where({loc: _.geoNear({geometry: db.Geo.Point(113.2644, 23.1291), maxDistance: 200000})})`
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, near+`.get()`), -501007, "unable to find index for $geoNear query")
	h.wantCode(h.stmt(wechat.PathDatabaseAggregate, env, `db.collection("p").aggregate().geoNear({near: db.Geo.Point(1, 2), distanceField: "d"}).end()`), -501007, "none were found")
	h.ok(createGeoIndex(h, env, "p", "loc_2dsphere", "loc"))
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, near+`.get()`))
	if got := ids(dataDocs(t, out)); !slices.Equal(got, []string{"fs", "dg", "sz"}) {
		t.Fatalf("near %v", got)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, near+`.skip(1).limit(1).get()`))
	if got := ids(dataDocs(t, out)); !slices.Equal(got, []string{"dg"}) {
		t.Fatalf("near window %v", got)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, near+`.orderBy("_id", "desc").get()`))
	if got := ids(dataDocs(t, out)); !slices.Equal(got, []string{"sz", "fs", "dg"}) {
		t.Fatalf("near ordered %v", got)
	}
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("p").where({loc: _.geoNear({geometry: db.Geo.Point(114.0, 22.6)})}).update({data: {hit: true}})`))
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("p").where({hit: true}).get()`))
	if got := ids(dataDocs(t, out)); len(got) != 4 {
		t.Fatalf("multi update %v", got)
	}
	agg := h.ok(h.stmt(wechat.PathDatabaseAggregate, env, `db.collection("p").aggregate().geoNear({near: db.Geo.Point(113.2644, 23.1291), distanceField: "d", maxDistance: 200000}).end()`))
	if got := ids(dataDocs(t, agg)); !slices.Equal(got, []string{"fs", "dg", "sz"}) {
		t.Fatalf("agg %v", got)
	}
}
