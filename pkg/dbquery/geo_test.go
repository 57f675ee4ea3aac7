package dbquery

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// haversineMeters is an independent great-circle distance (haversine
// formula) on MongoDB's earth radius.
func haversineMeters(lng1, lat1, lng2, lat2 float64) float64 {
	rad := math.Pi / 180
	dphi := (lat2 - lat1) * rad
	dlam := (lng2 - lng1) * rad
	a := math.Sin(dphi/2)*math.Sin(dphi/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlam/2)*math.Sin(dlam/2)
	return 2 * 6378100 * math.Asin(math.Min(1, math.Sqrt(a)))
}

func pointDoc(lng, lat float64) *Document {
	return D("type", "Point", "coordinates", []any{NormalizeNumber(lng), NormalizeNumber(lat)})
}

func ringOf(pts ...[2]float64) []any {
	out := make([]any, len(pts))
	for i, p := range pts {
		out[i] = []any{NormalizeNumber(p[0]), NormalizeNumber(p[1])}
	}
	return out
}

func polygonDoc(rings ...[]any) *Document {
	arr := make([]any, len(rings))
	for i, r := range rings {
		arr[i] = r
	}
	return D("type", "Polygon", "coordinates", arr)
}

func box(x0, y0, x1, y1 float64) []any {
	return ringOf([2]float64{x0, y0}, [2]float64{x1, y0}, [2]float64{x1, y1}, [2]float64{x0, y1}, [2]float64{x0, y0})
}

func reversed(r []any) []any {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

func lineDoc(pts ...[2]float64) *Document {
	return D("type", "LineString", "coordinates", ringOf(pts...))
}

func TestGeoDistance(t *testing.T) {
	tests := []struct {
		name                   string
		lng1, lat1, lng2, lat2 float64
		approxKm               float64
	}{
		{"Guangzhou-Shenzhen", 113.2644, 23.1291, 114.0579, 22.5431, 104.3},
		{"Beijing-Shanghai", 116.4074, 39.9042, 121.4737, 31.2304, 1068.8},
		{"across the antimeridian", 179.5, 0, -179.5, 0, 111.3},
		{"pole to pole", 0, 90, 180, -90, math.Pi * 6378.1},
		{"antipodes", 30, 10, -150, -10, math.Pi * 6378.1},
		{"one meter", 0, 0, 0.0000089831, 0, 0.001},
		{"same point", 113.3, 23.1, 113.3, 23.1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := angle(lngLatVec(tc.lng1, tc.lat1), lngLatVec(tc.lng2, tc.lat2)) * EarthRadiusMeters
			want := haversineMeters(tc.lng1, tc.lat1, tc.lng2, tc.lat2)
			if math.Abs(got-want) > 1e-6*math.Max(1, want) {
				t.Fatalf("distance %.6f m, haversine %.6f m", got, want)
			}
			if math.Abs(got/1000-tc.approxKm) > 0.01*math.Max(tc.approxKm, 0.001) {
				t.Fatalf("distance %.3f km, expected about %.3f km", got/1000, tc.approxKm)
			}
		})
	}
}

// matchGeo runs one filter over one document.
func matchGeo(t *testing.T, filter, doc *Document) bool {
	t.Helper()
	f, err := CompileFilter(filter)
	if err != nil {
		t.Fatalf("compile %s: %v", filter, err)
	}
	return f.Match(doc)
}

func TestGeoPointInPolygon(t *testing.T) {
	square := box(0, 0, 10, 10)
	antimeridian := ringOf([2]float64{170, -10}, [2]float64{-170, -10}, [2]float64{-170, 10}, [2]float64{170, 10}, [2]float64{170, -10})
	hole := box(4, 4, 6, 6)
	polar := ringOf([2]float64{0, 80}, [2]float64{90, 80}, [2]float64{180, 80}, [2]float64{-90, 80}, [2]float64{0, 80})
	tests := []struct {
		name     string
		poly     *Document
		lng, lat float64
		want     bool
	}{
		{"square centre", polygonDoc(square), 5, 5, true},
		{"square: the top edge is a great circle bulging north", polygonDoc(square), 5, 10.03, true},
		{"square: just above the bulge", polygonDoc(square), 5, 10.05, false},
		{"square: on an edge", polygonDoc(square), 0, 5, true},
		{"square: a vertex", polygonDoc(square), 10, 10, true},
		{"square: east of it", polygonDoc(square), 15, 5, false},
		{"square: south of the equator edge", polygonDoc(square), 5, -0.001, false},
		{"square clockwise: same region", polygonDoc(reversed(square)), 5, 5, true},
		{"square clockwise: outside stays outside", polygonDoc(reversed(square)), 50, 50, false},
		{"antimeridian: on it", polygonDoc(antimeridian), 180, 0, true},
		{"antimeridian: -180 is 180", polygonDoc(antimeridian), -180, 0, true},
		{"antimeridian: east side", polygonDoc(antimeridian), -175, 5, true},
		{"antimeridian: west side", polygonDoc(antimeridian), 175, -5, true},
		{"antimeridian: far away", polygonDoc(antimeridian), 0, 0, false},
		{"antimeridian: just west", polygonDoc(antimeridian), 160, 0, false},
		{"antimeridian: just east", polygonDoc(antimeridian), -160, 0, false},
		{"hole: inside the hole", polygonDoc(square, hole), 5, 5, false},
		{"hole: in the ring", polygonDoc(square, hole), 2, 2, true},
		{"hole: on the hole's edge", polygonDoc(square, hole), 4, 5, true},
		{"hole: near its corner", polygonDoc(square, hole), 5.9, 5.9, false},
		{"hole: beyond it", polygonDoc(square, hole), 8, 8, true},
		{"polar cap: the pole", polygonDoc(polar), 0, 90, true},
		{"polar cap: the pole, any longitude", polygonDoc(polar), 123, 90, true},
		{"polar cap: between vertices, inside", polygonDoc(polar), 45, 84, true},
		{"polar cap: below the bulging edge", polygonDoc(polar), 45, 82, false},
		{"polar cap: near a vertex", polygonDoc(polar), 0, 81, true},
		{"polar cap: far south", polygonDoc(polar), 0, 70, false},
		{"polar cap: south pole", polygonDoc(polar), 180, -90, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := D("loc", pointDoc(tc.lng, tc.lat))
			within := D("loc", D("$geoWithin", D("$geometry", tc.poly)))
			if got := matchGeo(t, within, doc); got != tc.want {
				t.Fatalf("$geoWithin = %v, want %v", got, tc.want)
			}
			inter := D("loc", D("$geoIntersects", D("$geometry", tc.poly)))
			if got := matchGeo(t, inter, doc); got != tc.want {
				t.Fatalf("$geoIntersects = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGeoWithinShapes(t *testing.T) {
	// A "C": the notch between latitudes 3 and 7 is open to the east.
	c := polygonDoc(ringOf([2]float64{0, 0}, [2]float64{10, 0}, [2]float64{10, 3}, [2]float64{3, 3}, [2]float64{3, 7},
		[2]float64{10, 7}, [2]float64{10, 10}, [2]float64{0, 10}, [2]float64{0, 0}))
	holed := polygonDoc(box(0, 0, 10, 10), box(4, 4, 6, 6))
	twoBoxes := D("type", "MultiPolygon", "coordinates", []any{[]any{box(0, 0, 1, 1)}, []any{box(5, 5, 6, 6)}})
	multi := func(pts ...[2]float64) *Document { return D("type", "MultiPoint", "coordinates", ringOf(pts...)) }
	cs := func(lng, lat, r float64) *Document {
		return D("$centerSphere", []any{[]any{NormalizeNumber(lng), NormalizeNumber(lat)}, r})
	}
	geom := func(g *Document) *Document { return D("$geometry", g) }
	tests := []struct {
		name  string
		shape *Document // the $geoWithin argument
		doc   Value
		want  bool
	}{
		{"line crossing the notch", geom(c), lineDoc([2]float64{5, 1}, [2]float64{5, 9}), false},
		{"line along the spine", geom(c), lineDoc([2]float64{1, 1}, [2]float64{1, 9}), true},
		{"line in the lower arm", geom(c), lineDoc([2]float64{5, 1}, [2]float64{8, 2}), true},
		{"small polygon", geom(c), polygonDoc(box(1, 1, 2, 2)), true},
		{"polygon over the notch", geom(c), polygonDoc(box(1, 1, 8, 9)), false},
		{"polygon around the hole", geom(holed), polygonDoc(box(3, 3, 7, 7)), false},
		{"polygon beside the hole", geom(holed), polygonDoc(box(1, 1, 3, 3)), true},
		{"line across the hole", geom(holed), lineDoc([2]float64{2, 5}, [2]float64{8, 5}), false},
		{"line beside the hole", geom(holed), lineDoc([2]float64{1, 1}, [2]float64{3, 3}), true},
		{"multipoint in both boxes", geom(twoBoxes), multi([2]float64{0.5, 0.5}, [2]float64{5.5, 5.5}), true},
		{"multipoint with one point between", geom(twoBoxes), multi([2]float64{0.5, 0.5}, [2]float64{3, 3}), false},
		{"legacy pair", geom(c), []any{int64(1), int64(1)}, true},
		{"legacy pair outside", geom(c), []any{int64(5), int64(5)}, false},
		{"geometry collection", geom(holed), D("type", "GeometryCollection", "geometries", []any{pointDoc(1, 1), lineDoc([2]float64{2, 2}, [2]float64{3, 3})}), true},
		{"array of points: any element", geom(c), []any{pointDoc(50, 50), pointDoc(1, 1)}, true},
		{"point", geom(c), pointDoc(1, 1), true},
		{"out of range point is skipped", geom(c), D("type", "Point", "coordinates", []any{int64(1), int64(100)}), false},
		{"centerSphere: point inside", cs(0, 0, 0.1), pointDoc(5, 0), true},
		{"centerSphere: point outside", cs(0, 0, 0.1), pointDoc(6, 0), false},
		{"centerSphere: line inside", cs(0, 0, 0.1), lineDoc([2]float64{-3, 0}, [2]float64{3, 0}), true},
		{"centerSphere: line leaving", cs(0, 0, 0.1), lineDoc([2]float64{-3, 0}, [2]float64{7, 0}), false},
		{"centerSphere: polygon inside", cs(0, 0, 0.1), polygonDoc(box(-2, -2, 2, 2)), true},
		{"centerSphere: polygon corners outside", cs(0, 0, 0.1), polygonDoc(box(-5, -5, 5, 5)), false},
		{"centerSphere: big cap, polygon at 90°", cs(0, 0, 2.5), polygonDoc(box(89, -1, 91, 1)), true},
		{"centerSphere: big cap, polygon at the antipode", cs(0, 0, 2.5), polygonDoc(ringOf([2]float64{179, -1}, [2]float64{-179, -1}, [2]float64{-179, 1}, [2]float64{179, 1}, [2]float64{179, -1})), false},
		{"centerSphere: radius π holds everything", cs(0, 0, math.Pi), pointDoc(180, 0), true},
		{"centerSphere: zero radius, the centre itself", cs(10, 10, 0), pointDoc(10, 10), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := matchGeo(t, D("loc", D("$geoWithin", tc.shape)), D("loc", tc.doc))
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGeoIntersects(t *testing.T) {
	square := polygonDoc(box(0, 0, 10, 10))
	holed := polygonDoc(box(0, 0, 10, 10), box(4, 4, 6, 6))
	tests := []struct {
		name  string
		query *Document
		doc   Value
		want  bool
	}{
		{"line through, no vertex inside", square, lineDoc([2]float64{-5, 5}, [2]float64{15, 5}), true},
		{"line touching a vertex", square, lineDoc([2]float64{-5, -5}, [2]float64{0, 0}), true},
		{"line far away", square, lineDoc([2]float64{20, 20}, [2]float64{30, 30}), false},
		{"short line above latitude 10, under the bulging edge", square, lineDoc([2]float64{4.9, 10.02}, [2]float64{5.1, 10.02}), true},
		{"long line at latitude 10.1 bulges further north", square, lineDoc([2]float64{-5, 10.1}, [2]float64{15, 10.1}), false},
		{"band crossing, no vertex of either inside the other", square, polygonDoc(box(-5, 4, 15, 6)), true},
		{"polygon inside the hole", holed, polygonDoc(box(4.5, 4.5, 5.5, 5.5)), false},
		{"polygon around everything", holed, polygonDoc(box(-1, -1, 11, 11)), true},
		{"point on an edge", square, pointDoc(5, 0), true},
		{"point outside", square, pointDoc(5, -1), false},
		{"crossing lines", lineDoc([2]float64{0, 0}, [2]float64{10, 10}), lineDoc([2]float64{0, 10}, [2]float64{10, 0}), true},
		{"parallel lines", lineDoc([2]float64{0, 0}, [2]float64{10, 0}), lineDoc([2]float64{0, 1}, [2]float64{10, 1}), false},
		{"point on a line", lineDoc([2]float64{0, 0}, [2]float64{10, 0}), pointDoc(3, 0), true},
		{"point beside a line", lineDoc([2]float64{0, 0}, [2]float64{10, 0}), pointDoc(3, 0.001), false},
		{"point query, polygon document", pointDoc(5, 5), square, true},
		{"equal points", pointDoc(5, 5), pointDoc(5, 5), true},
		{"multipoint with one inside", square, D("type", "MultiPoint", "coordinates", ringOf([2]float64{50, 50}, [2]float64{5, 5})), true},
		{"multilinestring", square, D("type", "MultiLineString", "coordinates", []any{ringOf([2]float64{50, 50}, [2]float64{60, 60}), ringOf([2]float64{-1, 5}, [2]float64{1, 5})}), true},
		{"multipolygon query", D("type", "MultiPolygon", "coordinates", []any{[]any{box(20, 20, 21, 21)}, []any{box(0, 0, 1, 1)}}), pointDoc(0.5, 0.5), true},
		{"collection document", square, D("type", "GeometryCollection", "geometries", []any{pointDoc(50, 50), lineDoc([2]float64{-1, 5}, [2]float64{1, 5})}), true},
		{"legacy pair", square, []any{int64(5), int64(5)}, true},
		{"legacy object", square, D("lng", int64(5), "lat", int64(5)), true},
		{"array of points", square, []any{pointDoc(50, 50), pointDoc(5, 5)}, true},
		{"invalid geometry is skipped", square, D("type", "Point", "coordinates", []any{int64(5), int64(100)}), false},
		{"not a geometry", square, "here", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := matchGeo(t, D("loc", D("$geoIntersects", D("$geometry", tc.query))), D("loc", tc.doc))
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// cities around Guangzhou.
var geoCities = []struct {
	id       string
	lng, lat float64
}{
	{"shenzhen", 114.0579, 22.5431},
	{"foshan", 113.1214, 23.0215},
	{"dongguan", 113.7518, 23.0205},
	{"zhuhai", 113.5767, 22.2707},
	{"beijing", 116.4074, 39.9042},
	{"qingyuan", 113.0560, 23.6820},
}

const gzLng, gzLat = 113.2644, 23.1291

func geoFixture() []*Document {
	var docs []*Document
	for _, c := range geoCities {
		docs = append(docs, D("_id", c.id, "kind", "city", "loc", pointDoc(c.lng, c.lat)))
	}
	docs = append(docs,
		D("_id", "nowhere", "kind", "city"),
		D("_id", "bad", "kind", "city", "loc", "somewhere"),
		D("_id", "legacy", "kind", "poi", "loc", []any{113.3, 23.2}),
		D("_id", "district", "kind", "area", "loc", polygonDoc(box(113.2, 23.0, 113.4, 23.2))),
	)
	return docs
}

// expectedNear lists the ids of the fixture's points within [min, max]
// meters of Guangzhou by the independent haversine distance, nearest first.
func expectedNear(min, max float64) []string {
	type hit struct {
		id string
		d  float64
	}
	var hits []hit
	for _, c := range geoCities {
		if d := haversineMeters(gzLng, gzLat, c.lng, c.lat); d >= min && d <= max {
			hits = append(hits, hit{c.id, d})
		}
	}
	if d := haversineMeters(gzLng, gzLat, 113.3, 23.2); d >= min && d <= max {
		hits = append(hits, hit{"legacy", d})
	}
	if min == 0 {
		hits = append(hits, hit{"district", 0})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	out := []string{}
	for _, h := range hits {
		out = append(out, h.id)
	}
	return out
}

func execIDs(t *testing.T, stmt string, opts *ExecOptions) ([]string, *Result) {
	t.Helper()
	q, err := Parse(stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	checkRoundTrip(t, q, stmt)
	res, err := Execute(context.Background(), q, geoFixture(), opts)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return ids(res.Docs), res
}

func TestGeoNearQuery(t *testing.T) {
	near := func(opts string) string {
		return `db.collection("c").where({loc: _.geoNear({geometry: db.Geo.Point(113.2644, 23.1291)` + opts + `})})`
	}
	tests := []struct {
		name, stmt string
		want       []string
	}{
		{"all, nearest first", near("") + `.get()`, expectedNear(0, math.Inf(1))},
		{"max distance", near(", maxDistance: 60000") + `.get()`, expectedNear(0, 60000)},
		{"min and max", near(", maxDistance: 120000, minDistance: 20000") + `.get()`, expectedNear(20000, 120000)},
		{"min only", near(", minDistance: 1000000") + `.get()`, expectedNear(1000000, math.Inf(1))},
		{"skip and limit after ordering", near("") + `.skip(1).limit(3).get()`, expectedNear(0, math.Inf(1))[1:4]},
		{"orderBy overrides the distance order", near(", maxDistance: 120000") + `.orderBy("_id", "asc").get()`, sorted(expectedNear(0, 120000))},
		{"orderBy ties keep the distance order", near(", maxDistance: 120000") + `.orderBy("kind", "desc").get()`, kindThenDistance(expectedNear(0, 120000))},
		{"with another condition", `db.collection("c").where({kind: "city", loc: _.geoNear({geometry: db.Geo.Point(113.2644, 23.1291), maxDistance: 200000})}).get()`, without(expectedNear(0, 200000), "legacy", "district")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := execIDs(t, tc.stmt, nil)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("count", func(t *testing.T) {
		_, res := execIDs(t, near(", maxDistance: 60000")+`.count()`, nil)
		if res.Count != int64(len(expectedNear(0, 60000))) {
			t.Fatalf("count %d", res.Count)
		}
	})
	t.Run("distances", func(t *testing.T) {
		q, _ := Parse(near("") + `.get()`)
		f, err := q.Matcher()
		if err != nil {
			t.Fatal(err)
		}
		n := f.Near()
		if n == nil || n.Path != "loc" || n.Longitude != gzLng || n.Latitude != gzLat || !math.IsInf(n.MaxDistance, 1) {
			t.Fatalf("near %+v", n)
		}
		for _, doc := range geoFixture() {
			d, ok := n.Distance(doc)
			loc, _ := doc.Get("loc")
			pd, isPoint := loc.(*Document)
			if !isPoint || !pd.Has("coordinates") || ParseGeoJSONType(pd) != "Point" {
				continue
			}
			c, _ := pd.Get("coordinates")
			lng, _ := toFloat(c.([]any)[0])
			lat, _ := toFloat(c.([]any)[1])
			if want := haversineMeters(gzLng, gzLat, lng, lat); !ok || math.Abs(d-want) > 1e-6*want {
				t.Fatalf("%v: distance %v, haversine %v", doc, d, want)
			}
		}
	})
	t.Run("index rules", func(t *testing.T) {
		q, _ := Parse(near("") + `.get()`)
		if _, err := Execute(context.Background(), q, geoFixture(), &ExecOptions{GeoIndexes: []string{}}); err == nil ||
			!strings.Contains(err.Error(), "unable to find index for $geoNear query") {
			t.Fatalf("without index: %v", err)
		}
		if _, err := Execute(context.Background(), q, geoFixture(), &ExecOptions{GeoIndexes: []string{"loc"}}); err != nil {
			t.Fatalf("with index: %v", err)
		}
	})
}

// ParseGeoJSONType returns the GeoJSON type of a valid object ("" else).
func ParseGeoJSONType(d *Document) string {
	t, err := ParseGeoJSON(d)
	if err != nil {
		return ""
	}
	return t
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func without(ids []string, drop ...string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

// kindThenDistance orders near results by kind descending, keeping the
// distance order within a kind.
func kindThenDistance(ids []string) []string {
	kind := map[string]string{"legacy": "poi", "district": "area"}
	out := slices.Clone(ids)
	sort.SliceStable(out, func(i, j int) bool {
		ki, kj := kind[out[i]], kind[out[j]]
		if ki == "" {
			ki = "city"
		}
		if kj == "" {
			kj = "city"
		}
		return ki > kj
	})
	return out
}

func TestGeoNearPlacement(t *testing.T) {
	p := `{"$geometry": {"type": "Point", "coordinates": [1, 2]}}`
	tests := []struct{ filter, want string }{
		{`{"$or": [{"loc": {"$nearSphere": ` + p + `}}, {"a": 1}]}`, "not allowed in this context"},
		{`{"$nor": [{"loc": {"$nearSphere": ` + p + `}}]}`, "not allowed in this context"},
		{`{"loc": {"$not": {"$nearSphere": ` + p + `}}}`, "not allowed in this context"},
		{`{"a": {"$elemMatch": {"loc": {"$nearSphere": ` + p + `}}}}`, "not allowed in this context"},
		{`{"loc": {"$nearSphere": ` + p + `}, "$and": [{"pos": {"$nearSphere": ` + p + `}}]}`, "Too many geoNear expressions"},
		{`{"$and": [{"loc": {"$nearSphere": ` + p + `}}]}`, ""},
		{`{"loc": {"$nearSphere": {"$geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}}}`, "needs a GeoJSON Point"},
		{`{"loc": {"$nearSphere": {"$geometry": {"type": "Point", "coordinates": [1, 2]}, "$maxDistance": -1}}}`, "$maxDistance must be a non-negative number"},
		{`{"loc": {"$nearSphere": {"$geometry": {"type": "Point", "coordinates": [1, 2]}, "$radius": 1}}}`, "unknown option $radius"},
		{`{"loc": {"$geoWithin": {"$geometry": {"type": "Point", "coordinates": [1, 2]}}}}`, "$geoWithin not supported with provided geometry: Point"},
		{`{"loc": {"$geoWithin": {"$centerSphere": [[1, 2], -1]}}}`, "radius must be a non-negative number"},
		{`{"loc": {"$geoWithin": {"$centerSphere": [[1, 200], 1]}}}`, "out of bounds"},
		{`{"loc": {"$near": {"$geometry": {"type": "Point", "coordinates": [1, 2]}}}}`, "unsupported operator $near"},
	}
	for _, tc := range tests {
		_, err := CompileFilter(mustDoc(t, tc.filter))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.filter, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.filter, err, tc.want)
		}
	}
}

func TestGeoNearStage(t *testing.T) {
	stmt := `db.collection("c").aggregate().geoNear({distanceField: "dist.calculated", spherical: true, near: db.Geo.Point(113.2644, 23.1291), ` +
		`query: {kind: _.in(["city", "poi"])}, includeLocs: "dist.location", maxDistance: 120000, minDistance: 10, distanceMultiplier: 0.001, key: "loc"}).end()`
	q, err := Parse(stmt)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, q, stmt)
	res, err := Execute(context.Background(), q, geoFixture(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := without(expectedNear(10, 120000), "district")
	if got := ids(res.Docs); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, d := range res.Docs {
		id, _ := d.Get("_id")
		km, _ := d.Lookup("dist.calculated")
		loc, _ := d.Lookup("dist.location")
		orig, _ := d.Get("loc")
		if !EqualValues(loc, orig) {
			t.Fatalf("%s: includeLocs %v, want %v", id, loc, orig)
		}
		g, _ := storedGeometry(orig)
		lng, lat := vecLngLat(g.points[0])
		if want := haversineMeters(gzLng, gzLat, lng, lat) / 1000; math.Abs(km.(float64)-want) > 1e-6 {
			t.Fatalf("%s: distance %v km, want %v", id, km, want)
		}
	}
	// Inputs are not modified.
	if d := geoFixture()[0]; d.Has("dist") {
		t.Fatal("fixture modified")
	}

	// key comes from the collection's 2dsphere index when there is one.
	noKey := `db.collection("c").aggregate().geoNear({distanceField: "d", near: db.Geo.Point(113.2644, 23.1291)}).limit(2).end()`
	q, err = Parse(noKey)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, q, noKey)
	for _, tc := range []struct {
		geo  []string
		want string
	}{
		{nil, "needs 'key'"},
		{[]string{}, "requires a 2d or 2dsphere index, but none were found"},
		{[]string{"loc", "other"}, "more than one 2dsphere index"},
		{[]string{"loc"}, ""},
	} {
		res, err := Execute(context.Background(), q, geoFixture(), &ExecOptions{GeoIndexes: tc.geo})
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%v: %v", tc.geo, err)
			}
			if got := ids(res.Docs); !slices.Equal(got, []string{"district", "legacy"}) {
				t.Fatalf("%v: %v", tc.geo, got)
			}
			if d, _ := res.Docs[0].Get("d"); d != 0.0 {
				t.Fatalf("distance inside the polygon: %v", d)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%v: got %v, want %q", tc.geo, err, tc.want)
		}
	}
	if q.Pipeline[0].Arg.(*Document).Has("key") {
		t.Fatal("ResolveGeoNear modified the query")
	}
	// A key that is not indexed.
	q, _ = Parse(`db.collection("c").aggregate().geoNear({distanceField: "d", near: db.Geo.Point(1, 2), key: "pos"}).end()`)
	if _, err := Execute(context.Background(), q, geoFixture(), &ExecOptions{GeoIndexes: []string{"loc"}}); err == nil || !strings.Contains(err.Error(), "on key 'pos'") {
		t.Fatalf("unindexed key: %v", err)
	}
	// geoNear must come first.
	q, _ = Parse(`db.collection("c").aggregate().match({kind: "city"}).geoNear({distanceField: "d", near: db.Geo.Point(1, 2), key: "loc"}).end()`)
	if _, err := Execute(context.Background(), q, geoFixture(), nil); err == nil || !strings.Contains(err.Error(), "only valid as the first stage") {
		t.Fatalf("not first: %v", err)
	}
}

func TestGeoStatements(t *testing.T) {
	p := `db.Geo.Point(113.3, 23.1)`
	ls := `db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(3, 2)])`
	poly := `db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(3, 2), db.Geo.Point(2, 3), db.Geo.Point(0, 0)])])`
	tests := []struct {
		stmt    string
		explain string // a fragment of the compact explain output
	}{
		{`db.collection("c").add({data: {loc: ` + p + `}})`, `"loc":{"type":"Point","coordinates":[113.3,23.1]}`},
		{`db.collection("c").add({data: {loc: new db.Geo.Point(-73.97, 40.77)}})`, `"coordinates":[-73.97,40.77]`},
		{`db.collection("c").add({data: {route: ` + ls + `}})`, `{"type":"LineString","coordinates":[[0,0],[3,2]]}`},
		{`db.collection("c").add({data: {area: ` + poly + `}})`, `{"type":"Polygon","coordinates":[[[0,0],[3,2],[2,3],[0,0]]]}`},
		{`db.collection("c").add({data: {pts: db.Geo.MultiPoint([db.Geo.Point(1, 2), db.Geo.Point(3, 4)])}})`, `{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`},
		{`db.collection("c").add({data: {routes: db.Geo.MultiLineString([` + ls + `, ` + ls + `])}})`, `{"type":"MultiLineString","coordinates":[[[0,0],[3,2]],[[0,0],[3,2]]]}`},
		{`db.collection("c").add({data: {areas: new db.Geo.MultiPolygon([` + poly + `])}})`, `{"type":"MultiPolygon","coordinates":[[[[0,0],[3,2],[2,3],[0,0]]]]}`},
		{`db.collection("c").add({data: [{loc: ` + p + `}, {loc: {type: "Point", coordinates: [1, 2]}}]})`, `{"loc":{"type":"Point","coordinates":[1,2]}}`},
		{`db.collection("c").where({loc: ` + p + `}).get()`, `"filter":{"loc":{"type":"Point","coordinates":[113.3,23.1]}}`},
		{`db.collection("c").where({loc: {type: "Point", coordinates: [1, 2]}}).get()`, `"filter":{"loc.type":"Point","loc.coordinates":[1,2]}`},
		{`db.collection("c").where({loc: _.eq(` + p + `)}).get()`, `{"$eq":{"type":"Point"`},
		{`db.collection("c").where({loc: _.in([` + p + `])}).get()`, `{"$in":[{"type":"Point"`},
		{`db.collection("c").where({loc: _.geoNear({geometry: ` + p + `})}).get()`, `{"loc":{"$nearSphere":{"$geometry":{"type":"Point","coordinates":[113.3,23.1]}}}}`},
		{`db.collection("c").where({loc: _.geoNear({minDistance: 5, geometry: ` + p + `, maxDistance: 1000.5})}).get()`, `{"$nearSphere":{"$geometry":{"type":"Point","coordinates":[113.3,23.1]},"$maxDistance":1000.5,"$minDistance":5}}`},
		{`db.collection("c").where({loc: _.geoWithin({geometry: ` + poly + `})}).get()`, `{"$geoWithin":{"$geometry":{"type":"Polygon"`},
		{`db.collection("c").where({loc: _.geoWithin({geometry: db.Geo.MultiPolygon([` + poly + `])})}).count()`, `{"$geoWithin":{"$geometry":{"type":"MultiPolygon"`},
		{`db.collection("c").where({loc: _.geoWithin({centerSphere: [db.Geo.Point(113, 23), 0.1]})}).get()`, `{"$geoWithin":{"$centerSphere":[[113,23],0.1]}}`},
		{`db.collection("c").where({loc: _.geoWithin({centerSphere: [[-73.9, 40.7], 10 / 6378.1]})}).get()`, `{"$centerSphere":[[-73.9,40.7],0.0015678`},
		{`db.collection("c").where({loc: _.geoIntersects({geometry: ` + ls + `})}).get()`, `{"$geoIntersects":{"$geometry":{"type":"LineString"`},
		{`db.collection("c").where({loc: _.geoIntersects({geometry: ` + p + `})}).remove()`, `{"$geoIntersects":{"$geometry":{"type":"Point"`},
		{`db.collection("c").where({loc: _.geoIntersects({geometry: db.Geo.MultiLineString([` + ls + `])})}).get()`, `"MultiLineString"`},
		{`db.collection("c").where({loc: _.geoIntersects({geometry: db.Geo.MultiPoint([` + p + `])})}).get()`, `"MultiPoint"`},
		{`db.collection("c").where({loc: _.geoWithin({geometry: ` + poly + `}).and(_.exists(true))}).get()`, `"$geoWithin":{"$geometry"`},
		{`db.collection("c").where({loc: _.exists(true).geoNear({geometry: ` + p + `, maxDistance: 10})}).get()`, `{"$exists":true,"$nearSphere"`},
		{`db.collection("c").where({loc: _.not(_.geoWithin({geometry: ` + poly + `}))}).get()`, `{"$not":{"$geoWithin"`},
		{`db.collection("c").where(_.or([{loc: _.geoIntersects({geometry: ` + poly + `})}, {a: 1}])).get()`, `{"$or":[{"loc":{"$geoIntersects"`},
		{`db.collection("c").where({loc: {$nearSphere: {$geometry: {type: "Point", coordinates: [1, 2]}, $maxDistance: 5}}}).get()`, `{"$nearSphere":{"$geometry":{"type":"Point","coordinates":[1,2]},"$maxDistance":5}}`},
		{`db.collection("c").where({loc: {$nearSphere: {$maxDistance: 5, $geometry: {type: "Point", coordinates: [1, 2]}}}}).get()`, `{"$nearSphere":{"$maxDistance":5,"$geometry"`},
		{`db.collection("c").where({loc: {$geoWithin: {$geometry: {type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]], extra: 1}}}}).get()`, `"extra":1`},
		{`db.collection("c").where({loc: {$geoIntersects: {$geometry: {type: "GeometryCollection", geometries: [{type: "Point", coordinates: [1, 2]}]}}}}).get()`, `"GeometryCollection"`},
		{`db.collection("c").doc("x").update({data: {loc: ` + p + `, "a.b": db.Geo.MultiPoint([` + p + `])}})`, `"$set":{"loc":{"type":"Point","coordinates":[113.3,23.1]},"a.b":{"type":"MultiPoint"`},
		{`db.collection("c").doc("x").set({data: {loc: ` + poly + `}})`, `"update":{"loc":{"type":"Polygon"`},
		{`db.collection("c").doc("x").update({data: {locs: _.push(` + p + `)}})`, `{"$push":{"locs":{"$each":[{"type":"Point"`},
		{`db.collection("c").aggregate().geoNear({distanceField: "distance", spherical: true, near: ` + p + `, query: {docType: "geoNear", n: _.gt(1)}, key: "location", includeLocs: "location"}).end()`,
			`{"$geoNear":{"distanceField":"distance","spherical":true,"near":{"type":"Point","coordinates":[113.3,23.1]},"query":{"docType":"geoNear","n":{"$gt":1}},"key":"location","includeLocs":"location"}}`},
		{`db.collection("c").aggregate().geoNear({near: new db.Geo.Point(1, 2), distanceField: "d", query: _.or([{a: 1}, {b: 2}]), maxDistance: 10, minDistance: 1, distanceMultiplier: 2}).project({d: 1}).end()`, `"query":{"$or":[{"a":1},{"b":2}]}`},
		{`db.collection("c").aggregate().project({p: ` + p + `}).end()`, `{"$project":{"p":{"type":"Point"`},
	}
	for _, tc := range tests {
		q, err := Parse(tc.stmt)
		if err != nil {
			t.Errorf("%s: %v", tc.stmt, err)
			continue
		}
		checkRoundTrip(t, q, tc.stmt)
		e, err := q.Explain()
		if err != nil {
			t.Fatal(err)
		}
		compact := strings.Join(strings.Fields(string(e)), "")
		if !strings.Contains(compact, strings.ReplaceAll(tc.explain, " ", "")) {
			t.Errorf("%s\nexplain %s\nlacks %s", tc.stmt, compact, tc.explain)
		}
	}
	// Geo values render as db.Geo calls and commands as db.command calls.
	q, _ := Parse(`db.collection("c").where({loc: {$geoWithin: {$geometry: {type: "Polygon", coordinates: [[[0, 0], [3, 2], [2, 3], [0, 0]]]}}}}).get()`)
	if s := q.Statement(); s != `db.collection("c").where({"loc": _.geoWithin({"geometry": db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(3, 2), db.Geo.Point(2, 3), db.Geo.Point(0, 0)])])})}).get()` {
		t.Fatalf("statement %s", s)
	}
	// FromFlags accepts the MongoDB form and round-trips.
	fq, err := FromFlags("c", `{"loc": {"$nearSphere": {"$geometry": {"type": "Point", "coordinates": [113.3, 23.1]}, "$maxDistance": 500}}}`, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, fq, "flags")
	if s := fq.Statement(); !strings.Contains(s, `_.geoNear({"geometry": db.Geo.Point(113.3, 23.1), "maxDistance": 500})`) {
		t.Fatalf("flags statement %s", s)
	}
}

func TestGeoParseErrors(t *testing.T) {
	p := `db.Geo.Point(1, 2)`
	tests := []struct{ name, stmt, want string }{
		{"longitude range", `db.collection("c").add({data: {loc: db.Geo.Point(200, 0)}})`, "longitude should be a number ranges from -180 to 180"},
		{"latitude range", `db.collection("c").add({data: {loc: db.Geo.Point(0, -91)}})`, "latitude should be a number ranges from -90 to 90"},
		{"point type", `db.collection("c").add({data: {loc: db.Geo.Point("1", 2)}})`, "Geo Point must be number type"},
		{"point NaN", `db.collection("c").add({data: {loc: db.Geo.Point(NaN, 2)}})`, "Geo Point must be number type"},
		{"point arity", `db.collection("c").add({data: {loc: db.Geo.Point(1)}})`, "takes (longitude, latitude)"},
		{"linestring too short", `db.collection("c").add({data: {loc: db.Geo.LineString([` + p + `])}})`, `"points" must contain 2 points at least`},
		{"linestring of arrays", `db.collection("c").add({data: {loc: db.Geo.LineString([[1, 2], [3, 4]])}})`, `"points" must be of type Point[]`},
		{"polygon not closed", `db.collection("c").add({data: {loc: db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 0), db.Geo.Point(1, 1)])])}})`, "not a closed cycle"},
		{"polygon empty", `db.collection("c").add({data: {loc: db.Geo.Polygon([])}})`, "must contain 1 element at least"},
		{"polygon of points", `db.collection("c").add({data: {loc: db.Geo.Polygon([` + p + `])}})`, "LineString[]"},
		{"multipolygon of points", `db.collection("c").add({data: {loc: db.Geo.MultiPolygon([` + p + `])}})`, "Polygon[]"},
		{"multipoint not an array", `db.collection("c").add({data: {loc: db.Geo.MultiPoint(` + p + `)}})`, "Point[]"},
		{"unknown geo type", `db.collection("c").add({data: {loc: db.Geo.Circle(1)}})`, "unsupported: .Circle"},
		{"new on an unknown geo type", `db.collection("c").add({data: {loc: new db.Geo.Circle(1)}})`, "unsupported: .Circle"},
		{"new on a command", `db.collection("c").where({a: new _.eq(1)}).get()`, "new is only allowed"},
		{"geoNear needs a Point", `db.collection("c").where({loc: _.geoNear({geometry: db.Geo.LineString([` + p + `, db.Geo.Point(3, 4)])})}).get()`, `"geometry" must be a db.Geo.Point`},
		{"geoNear needs a Geo object", `db.collection("c").where({loc: _.geoNear({geometry: {type: "Point", coordinates: [1, 2]}})}).get()`, `"geometry" must be a db.Geo.Point`},
		{"geoNear distance type", `db.collection("c").where({loc: _.geoNear({geometry: ` + p + `, maxDistance: "far"})}).get()`, `"maxDistance" must be a number`},
		{"geoNear negative distance", `db.collection("c").where({loc: _.geoNear({geometry: ` + p + `, minDistance: -1})}).get()`, "$minDistance must be a non-negative number"},
		{"geoNear unknown option", `db.collection("c").where({loc: _.geoNear({geometry: ` + p + `, radius: 5})}).get()`, `unknown option "radius"`},
		{"geoNear on a Geo object", `db.collection("c").where({loc: _.geoNear(` + p + `)}).get()`, "takes an object such as"},
		{"geoWithin needs a polygon", `db.collection("c").where({loc: _.geoWithin({geometry: ` + p + `})}).get()`, "must be a db.Geo.Polygon or db.Geo.MultiPolygon"},
		{"geoWithin both shapes", `db.collection("c").where({loc: _.geoWithin({geometry: db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 0), db.Geo.Point(1, 1), db.Geo.Point(0, 0)])]), centerSphere: [[1, 2], 1]})}).get()`, "either geometry or centerSphere"},
		{"centerSphere center", `db.collection("c").where({loc: _.geoWithin({centerSphere: [[200, 2], 1]})}).get()`, "centerSphere center"},
		{"centerSphere shape", `db.collection("c").where({loc: _.geoWithin({centerSphere: [1, 2, 3]})}).get()`, "centerSphere must be"},
		{"ring of 3 positions (MongoDB refuses it)", `db.collection("c").where({loc: _.geoWithin({geometry: db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(1, 1), db.Geo.Point(0, 0)])])})}).get()`, "at least 4 positions"},
		{"bow tie", `db.collection("c").where({loc: _.geoIntersects({geometry: db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(0, 0), db.Geo.Point(2, 2), db.Geo.Point(2, 0), db.Geo.Point(0, 2), db.Geo.Point(0, 0)])])})}).get()`, "cross"},
		{"geoIntersects needs a Geo object", `db.collection("c").where({loc: _.geoIntersects({geometry: [1, 2]})}).get()`, `"geometry" must be a db.Geo value`},
		{"Geo object as a whole condition", `db.collection("c").where(` + p + `).get()`, "got a db.Geo value"},
		{"geoNear stage near", `db.collection("c").aggregate().geoNear({near: [1, 2], distanceField: "d"}).end()`, `"near" must be a db.Geo.Point`},
		{"geoNear stage distanceField", `db.collection("c").aggregate().geoNear({near: ` + p + `}).end()`, "requires a 'distanceField'"},
		{"geoNear stage option", `db.collection("c").aggregate().geoNear({near: ` + p + `, distanceField: "d", num: 10}).end()`, "unsupported $geoNear option 'num'"},
		{"geoNear stage near in query", `db.collection("c").aggregate().geoNear({near: ` + p + `, distanceField: "d", query: {loc: _.geoNear({geometry: ` + p + `})}}).end()`, "not allowed in this context"},
		{"geoNear stage spherical", `db.collection("c").aggregate().geoNear({near: ` + p + `, distanceField: "d", spherical: 1}).end()`, "'spherical' must be a boolean"},
		{"geoNear outside aggregate", `db.collection("c").geoNear({near: ` + p + `}).get()`, "only available after .aggregate()"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.stmt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestGeoJSONValidation(t *testing.T) {
	tests := []struct{ json, want string }{
		{`{"type": "Point", "coordinates": [113.3, 23.1]}`, ""},
		{`{"type": "Point", "coordinates": [-180, -90]}`, ""},
		{`{"type": "Point", "coordinates": [1]}`, "exactly 2 numbers"},
		{`{"type": "Point", "coordinates": [1, 2, 3]}`, "exactly 2 numbers"},
		{`{"type": "Point", "coordinates": ["1", 2]}`, "finite numbers"},
		{`{"type": "Point", "coordinates": [181, 0]}`, "longitude/latitude is out of bounds, lng: 181 lat: 0"},
		{`{"type": "Point", "coordinates": [0, -90.5]}`, "out of bounds"},
		{`{"type": "Point"}`, "needs 'coordinates'"},
		{`{"type": "Circle", "coordinates": [0, 0]}`, "unknown GeoJSON type"},
		{`{"type": 5}`, "needs a string 'type'"},
		{`{"type": "LineString", "coordinates": [[0, 0]]}`, "at least 2 distinct vertices"},
		{`{"type": "LineString", "coordinates": [[0, 0], [0, 0]]}`, "at least 2 distinct vertices"},
		{`{"type": "LineString", "coordinates": [[0, 0], [180, 0]]}`, "antipodal"},
		{`{"type": "LineString", "coordinates": [[0, 0], [1, 1], [1, 1], [2, 0]]}`, ""},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}`, "is not closed"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}`, "at least 4 positions"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 1], [0, 0]]]}`, "at least 3 distinct vertices"},
		{`{"type": "Polygon", "coordinates": [[0, 0], [1, 0], [1, 1], [0, 0]]}`, "wrong nesting"},
		{`{"type": "Polygon", "coordinates": []}`, "non-empty array of rings"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}`, "cross"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [1, 0], [1, 1], [0, 0]]]}`, "overlap"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [1, 1], [2, 2], [0, 2], [0, 0]]]}`, "overlap"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[20, 20], [21, 20], [21, 21], [20, 20]]]}`, "not contained by the first"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[5, 5], [15, 5], [15, 6], [5, 5]]]}`, "not contained by the first"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [5, 2], [5, 5], [2, 2]], [[3, 2.5], [6, 2.5], [6, 6], [3, 2.5]]]}`, "overlap"},
		{`{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [5, 2], [5, 5], [2, 2]]]}`, ""},
		{`{"type": "MultiPoint", "coordinates": []}`, "non-empty array"},
		{`{"type": "MultiPolygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}`, "wrong nesting"},
		{`{"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2]]]}`, "at least 2 distinct"},
		{`{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}`, ""},
		{`{"type": "GeometryCollection", "geometries": []}`, "non-empty 'geometries'"},
		{`{"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection", "geometries": []}]}`, "unsupported: nested GeometryCollection"},
		{`{"type": "Point", "coordinates": [1, 2], "crs": {"type": "name", "properties": {"name": "urn:x-mongodb:crs:strictwinding:EPSG:4326"}}}`, "unsupported: GeoJSON crs"},
	}
	for _, tc := range tests {
		_, err := ParseGeoJSON(mustDoc(t, tc.json))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.json, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.json, err, tc.want)
		}
	}
}

func TestGeoEJSON(t *testing.T) {
	src := `{"_id": "a", "loc": {"type": "Point", "coordinates": [113.3, 23.1]}, ` +
		`"area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, ` +
		`"pts": {"type": "MultiPoint", "coordinates": [[1.5, -2.25]]}}`
	d, err := DecodeDocument([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := EncodeDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeDocument(out)
	if err != nil || !EqualValues(d, back) {
		t.Fatalf("round trip %s: %v", out, err)
	}
	want := `"loc":{"type":"Point","coordinates":[113.3,23.1]}`
	if !strings.Contains(strings.ReplaceAll(string(out), " ", ""), want) {
		t.Fatalf("encoded %s", out)
	}
	for _, k := range []string{"loc", "area", "pts"} {
		v, _ := d.Get(k)
		if _, err := ParseGeoJSON(v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	// Canonical Extended JSON numbers decode to a valid Point.
	c, err := DecodeDocument([]byte(`{"loc": {"type": "Point", "coordinates": [{"$numberDouble": "113.5"}, {"$numberInt": "23"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := c.Get("loc")
	if typ, err := ParseGeoJSON(loc); err != nil || typ != "Point" {
		t.Fatalf("canonical: %v %v", typ, err)
	}
	if !matchGeo(t, D("loc", D("$geoWithin", D("$centerSphere", []any{[]any{113.5, int64(23)}, 0.0001}))), c) {
		t.Fatal("canonical point does not match itself")
	}
	// A document written through a statement reads back as the same GeoJSON.
	q, err := Parse(`db.collection("c").add({data: {_id: "g", loc: db.Geo.Point(113.3, 23.1)}})`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Execute(context.Background(), q, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := EncodeDocument(res.Collection[0])
	if string(enc) != `{"_id":"g","loc":{"type":"Point","coordinates":[113.3,23.1]}}` {
		t.Fatalf("stored %s", enc)
	}
}

// randomGeometry returns a random valid GeoJSON object (points, lines,
// polygons anywhere on the globe, the antimeridian and the poles
// included).
func randomGeometry(r *rand.Rand) *Document {
	lng := func() float64 { return math.Round((r.Float64()*360-180)*1000) / 1000 }
	lat := func() float64 { return math.Round((r.Float64()*180-90)*1000) / 1000 }
	around := func(x, y, s float64) [2]float64 {
		nx := x + (r.Float64()*2-1)*s
		for nx > 180 {
			nx -= 360
		}
		for nx < -180 {
			nx += 360
		}
		ny := math.Max(-90, math.Min(90, y+(r.Float64()*2-1)*s))
		return [2]float64{math.Round(nx*1000) / 1000, math.Round(ny*1000) / 1000}
	}
	x, y := lng(), lat()
	if r.IntN(8) == 0 {
		x = []float64{179.9, -179.9, 180, -180}[r.IntN(4)]
	}
	s := []float64{0.01, 0.5, 5, 30}[r.IntN(4)]
	switch r.IntN(4) {
	case 0:
		return pointDoc(x, y)
	case 1:
		return lineDoc(around(x, y, s), around(x, y, s), around(x, y, s))
	case 2:
		return D("type", "MultiPoint", "coordinates", ringOf(around(x, y, s), around(x, y, s)))
	}
	// A star-shaped polygon around (x, y), kept clear of the poles.
	y = math.Max(-80+s, math.Min(80-s, y))
	n := 3 + r.IntN(5)
	var pts [][2]float64
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		rad := s * (0.3 + 0.7*r.Float64())
		px := x + rad*math.Cos(a)
		for px > 180 {
			px -= 360
		}
		for px < -180 {
			px += 360
		}
		pts = append(pts, [2]float64{math.Round(px*1e6) / 1e6, math.Round((y+rad*math.Sin(a))*1e6) / 1e6})
	}
	pts = append(pts, pts[0])
	return polygonDoc(ringOf(pts...))
}

// TestGeoBounds: the bounding rects of random geometries contain points
// sampled along their edges and inside their polygons.
func TestGeoBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	in := func(rs []GeoRect, p vec3) bool {
		lng, lat := vecLngLat(p)
		pr := GeoRect{lng, lat, lng, lat}
		for _, q := range rs {
			if q.Intersects(pr) || (lng == -180 && q.Intersects(GeoRect{180, lat, 180, lat})) || (lng == 180 && q.Intersects(GeoRect{-180, lat, -180, lat})) {
				return true
			}
		}
		return math.Abs(lat) > 90-1e-9 && len(rs) > 0
	}
	checked := 0
	for i := 0; i < 400; i++ {
		d := randomGeometry(r)
		g, err := parseGeoJSON(d, 0)
		if err != nil {
			continue
		}
		rs := geometryRects(g)
		var samples []vec3
		samples = append(samples, g.points...)
		edges := func(es []edge) {
			for _, e := range es {
				for k := 0; k <= 16; k++ {
					samples = append(samples, pointOnArc(e.a, e.b, angle(e.a, e.b)*float64(k)/16))
				}
			}
		}
		for _, ln := range g.lines {
			edges(ln)
		}
		for _, pg := range g.polys {
			edges(pg.outer.e)
			for k := 0; k < 50; k++ {
				c := pg.outer.v[r.IntN(len(pg.outer.v))]
				q := c.add(vec3{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}.scale(0.2)).normalize()
				if pg.locate(q) != locOutside {
					samples = append(samples, q)
				}
			}
		}
		for _, p := range samples {
			if !in(rs, p) {
				lng, lat := vecLngLat(p)
				t.Fatalf("%s: point (%v, %v) outside its bounds %v", d, lng, lat, rs)
			}
		}
		checked++
	}
	if checked < 300 {
		t.Fatalf("only %d geometries checked", checked)
	}
	// Caps.
	for i := 0; i < 300; i++ {
		c := lngLatVec(r.Float64()*360-180, r.Float64()*180-90)
		rad := []float64{1e-6, 0.01, 0.3, 1.5, 2}[r.IntN(5)]
		rs := capRects(c, rad)
		for k := 0; k < 30; k++ {
			p := c.add(vec3{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}.scale(rad)).normalize()
			if angle(c, p) <= rad && !in(rs, p) {
				t.Fatalf("cap %v r=%v: point outside bounds %v", c, rad, rs)
			}
		}
	}
}

// TestGeoLoopReferences: every ring gets several reference points, and the
// containment each one gives (area-derived, then crossing parity) agrees
// with the others, for random rings and points (antimeridian and poles
// included) and for rings given in either winding.
func TestGeoLoopReferences(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 8))
	checked := 0
	for i := 0; i < 300; i++ {
		d := randomGeometry(r)
		g, err := parseGeoJSON(d, 0)
		if err != nil || len(g.polys) == 0 {
			continue
		}
		l := g.polys[0].outer
		rev := newLoop(reversed3(l.v))
		for _, lp := range []*loop{l, rev} {
			if len(lp.refs) < 3 {
				t.Fatalf("%s: only %d reference points", d, len(lp.refs))
			}
		}
		for k := 0; k < 40; k++ {
			c := l.v[r.IntN(len(l.v))]
			p := c.add(vec3{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}.scale(r.Float64() * 0.3)).normalize()
			if nearEdges(l.e, p) {
				continue
			}
			want := l.crossParity(l.refs[0], p)
			for _, lp := range []*loop{l, rev} {
				for _, ref := range lp.refs {
					if angle(ref.p, p) > math.Pi-1e-6 {
						continue
					}
					if got := lp.crossParity(ref, p); got != want {
						t.Fatalf("%s: point %v: reference %v says %v, first says %v", d, p, ref.p, got, want)
					}
				}
			}
			if l.containsOff(p) != want || rev.containsOff(p) != want {
				t.Fatalf("%s: containsOff disagrees at %v", d, p)
			}
			checked++
		}
	}
	if checked < 2000 {
		t.Fatalf("only %d points checked", checked)
	}
}

func reversed3(v []vec3) []vec3 {
	out := slices.Clone(v)
	slices.Reverse(out)
	return out
}

// TestGeoConstraintsSound: every document a random geo filter matches
// satisfies the filter's geo constraint, so a 2dsphere index scan using it
// never loses a result.
func TestGeoConstraintsSound(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	var docs []*Document
	for i := 0; i < 300; i++ {
		docs = append(docs, D("_id", int64(i), "loc", randomGeometry(r)))
	}
	matched := 0
	for i := 0; i < 300; i++ {
		q := randomGeometry(r)
		g, err := parseGeoJSON(q, 0)
		if err != nil {
			continue
		}
		var filter *Document
		c, _ := q.Get("coordinates")
		switch t, _ := q.Get("type"); {
		case t == "Point" && r.IntN(2) == 0:
			filter = D("loc", D("$nearSphere", D("$geometry", q, "$maxDistance", r.Float64()*3e6)))
		case t == "Point":
			filter = D("loc", D("$geoWithin", D("$centerSphere", []any{c, r.Float64() * 0.5})))
		case t == "Polygon" && r.IntN(2) == 0:
			filter = D("loc", D("$geoWithin", D("$geometry", q)))
		default:
			filter = D("loc", D("$geoIntersects", D("$geometry", q)))
		}
		_ = g
		f, err := CompileFilter(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		cons := f.Constraints()
		con, ok := cons["loc"]
		if !ok || !con.HasGeo {
			t.Fatalf("%s: no geo constraint", filter)
		}
		for _, d := range docs {
			if f.Match(d) {
				matched++
				if !satisfies(d, con) {
					t.Fatalf("filter %s matches %s but violates %+v", filter, d, con)
				}
			}
		}
	}
	if matched < 50 {
		t.Fatalf("only %d matches: generator too weak", matched)
	}
	// A near query without maxDistance gives no constraint.
	f, _ := CompileFilter(D("loc", D("$nearSphere", D("$geometry", pointDoc(1, 2)))))
	if c, ok := f.Constraints()["loc"]; ok && c.HasGeo {
		t.Fatalf("unbounded near: %+v", c)
	}
}

func TestGeoIndexRects(t *testing.T) {
	tests := []struct {
		doc   *Document
		rects int
		err   string
	}{
		{D("a", int64(1)), 0, ""},
		{D("loc", nil), 0, ""},
		{D("loc", []any{}), 0, ""},
		{D("loc", pointDoc(1, 2)), 1, ""},
		{D("loc", []any{int64(1), int64(2)}), 1, ""},
		{D("loc", D("x", int64(1), "y", int64(2))), 1, ""},
		{D("loc", pointDoc(180, 2)), 2, ""},
		{D("sub", []any{D("loc", pointDoc(1, 2)), D("loc", pointDoc(3, 4))}), 2, ""},
		{D("loc", "here"), 0, "geo element must be an array or object"},
		{D("loc", []any{pointDoc(1, 2), pointDoc(3, 4)}), 0, "legacy coordinate pair"},
		{D("loc", D("type", "Point", "coordinates", []any{int64(1), int64(91)})), 0, "out of bounds"},
		{D("loc", D("type", "Feature")), 0, "not a GeoJSON object or a legacy coordinate pair"},
	}
	for _, tc := range tests {
		path := "loc"
		if tc.doc.Has("sub") {
			path = "sub.loc"
		}
		rs, err := GeoIndexRects(tc.doc, path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want %q", tc.doc, err, tc.err)
			}
			continue
		}
		if err != nil || len(rs) != tc.rects {
			t.Errorf("%s: %v %v, want %d rects", tc.doc, rs, err, tc.rects)
		}
	}
}

// FuzzGeoJSON: validating arbitrary GeoJSON never panics; a valid geometry
// lies within its bounds, and a value the SDK's constructors could build
// renders as db.Geo calls that parse back to it.
func FuzzGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type": "Point", "coordinates": [113.3, 23.1]}`,
		`{"type": "LineString", "coordinates": [[179, 0], [-179, 1]]}`,
		`{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[4, 4], [6, 4], [6, 6], [4, 4]]]}`,
		`{"type": "Polygon", "coordinates": [[[0, 80], [90, 80], [180, 80], [-90, 80], [0, 80]]]}`,
		`{"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}`,
		`{"type": "GeometryCollection", "geometries": [{"type": "MultiPoint", "coordinates": [[1, 2]]}]}`,
		`{"type": "MultiLineString", "coordinates": [[[0, 0], [0, 0], [1, 1]]]}`,
		`[1, 2]`, `{"x": 1, "y": 2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValue(data)
		if err != nil {
			return
		}
		g, err := storedGeometry(v)
		if d, ok := v.(*Document); ok {
			_, _ = ParseGeoJSON(d)
		}
		if err != nil {
			return
		}
		rs := geometryRects(g)
		if len(rs) == 0 {
			t.Fatalf("%s: no bounds", data)
		}
		for _, p := range g.points {
			lng, lat := vecLngLat(p)
			found := math.Abs(lat) > 90-1e-9 || math.Abs(lng) > 180-1e-9
			for _, r := range rs {
				found = found || r.Intersects(GeoRect{lng, lat, lng, lat})
			}
			if !found {
				t.Fatalf("%s: point (%v, %v) outside %v", data, lng, lat, rs)
			}
		}
		_ = g.intersects(g)
		_ = g.distance(lngLatVec(1, 2))
		if d, ok := v.(*Document); ok && sdkGeoValid(d) {
			q := &Query{Collection: "c", Action: ActionInsert, Data: []*Document{D("g", d)}}
			q2, err := Parse(q.Statement())
			if err != nil || !q.Equal(q2) {
				t.Fatalf("%s: statement %s: %v", data, q.Statement(), err)
			}
		}
	})
}

// BenchmarkGeoNear measures a near query over 10,000 points.
func BenchmarkGeoNear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]*Document, 10000)
	for i := range docs {
		docs[i] = D("_id", int64(i), "loc", pointDoc(113+r.Float64(), 23+r.Float64()))
	}
	q, err := Parse(`db.collection("c").where({loc: _.geoNear({geometry: db.Geo.Point(113.5, 23.5), maxDistance: 20000})}).limit(20).get()`)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Execute(context.Background(), q, docs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseGeoJSON() {
	d, _ := DecodeDocument([]byte(`{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}`))
	t, err := ParseGeoJSON(d)
	fmt.Println(t, err)
	// Output: Polygon <nil>
}
