package dbquery

import (
	"errors"
	"fmt"
	"math"
)

// GeoJSON values. The SDK's Geo objects (db.Geo.Point, LineString, Polygon,
// MultiPoint, MultiLineString, MultiPolygon) serialise to plain GeoJSON
// documents {"type": "...", "coordinates": [...]}, which is how they are
// stored, sent and returned: the SDK turns such documents read back into
// Geo objects again. This file parses and validates GeoJSON with MongoDB's
// rules (2dsphere: spherical geometry, edges are great-circle arcs).

// geoTypes are the GeoJSON types MongoDB supports.
var geoTypes = map[string]bool{
	"Point": true, "LineString": true, "Polygon": true, "MultiPoint": true,
	"MultiLineString": true, "MultiPolygon": true, "GeometryCollection": true,
}

// maxPositions bounds the positions of one GeoJSON object (an emulator
// limit: larger objects are unsupported).
const maxPositions = 100_000

// ParseGeoJSON validates a GeoJSON object with MongoDB's rules: coordinates
// are [longitude, latitude] within [-180, 180] and [-90, 90]; a LineString
// has at least two distinct positions; a Polygon ring has at least four
// positions, is closed, has three distinct vertices and does not cross
// itself, and holes lie inside the first ring without crossing each other.
// It returns the GeoJSON type. Custom coordinate reference systems (crs,
// MongoDB's "big polygons") are unsupported.
func ParseGeoJSON(v Value) (string, error) {
	d, ok := v.(*Document)
	if !ok {
		return "", fmt.Errorf("a GeoJSON object must be an object, got %s", typeName(v))
	}
	t, _ := d.Get("type")
	_, err := parseGeoJSON(d, 0)
	if err != nil {
		return "", err
	}
	return t.(string), nil
}

// parseGeoJSON parses a GeoJSON object into a geometry.
func parseGeoJSON(d *Document, depth int) (*geometry, error) {
	tv, ok := d.Get("type")
	t, isStr := tv.(string)
	if !ok || !isStr {
		return nil, errors.New("GeoJSON object needs a string 'type'")
	}
	if !geoTypes[t] {
		return nil, fmt.Errorf("unknown GeoJSON type: %s", shortValue(tv))
	}
	if d.Has("crs") {
		return nil, errors.New("unsupported: GeoJSON crs (custom coordinate reference systems, big polygons)")
	}
	if t == "GeometryCollection" {
		if depth > 0 {
			return nil, errors.New("unsupported: nested GeometryCollection")
		}
		gv, _ := d.Get("geometries")
		arr, ok := gv.([]any)
		if !ok || len(arr) == 0 {
			return nil, errors.New("GeometryCollection needs a non-empty 'geometries' array")
		}
		out := &geometry{}
		for i, e := range arr {
			sub, ok := e.(*Document)
			if !ok {
				return nil, fmt.Errorf("GeometryCollection member %d is not an object", i)
			}
			g, err := parseGeoJSON(sub, depth+1)
			if err != nil {
				return nil, fmt.Errorf("GeometryCollection member %d: %w", i, err)
			}
			out.merge(g)
		}
		return out, nil
	}
	cv, ok := d.Get("coordinates")
	if !ok {
		return nil, fmt.Errorf("%s needs 'coordinates'", t)
	}
	g := &geometry{}
	budget := maxPositions
	switch t {
	case "Point":
		p, err := parsePosition(cv)
		if err != nil {
			return nil, err
		}
		g.points = []vec3{p}
	case "MultiPoint":
		arr, err := coordArray(cv, t)
		if err != nil {
			return nil, err
		}
		for _, e := range arr {
			p, err := parsePosition(e)
			if err != nil {
				return nil, err
			}
			g.points = append(g.points, p)
		}
	case "LineString":
		ln, err := parseLineString(cv, &budget)
		if err != nil {
			return nil, err
		}
		g.lines = [][]edge{edgesOf(ln, false)}
	case "MultiLineString":
		arr, err := coordArray(cv, t)
		if err != nil {
			return nil, err
		}
		for _, e := range arr {
			ln, err := parseLineString(e, &budget)
			if err != nil {
				return nil, err
			}
			g.lines = append(g.lines, edgesOf(ln, false))
		}
	case "Polygon":
		pg, err := parsePolygon(cv, &budget)
		if err != nil {
			return nil, err
		}
		g.polys = []*polygon{pg}
	case "MultiPolygon":
		arr, err := coordArray(cv, t)
		if err != nil {
			return nil, err
		}
		for i, e := range arr {
			pg, err := parsePolygon(e, &budget)
			if err != nil {
				return nil, fmt.Errorf("MultiPolygon polygon %d: %w", i, err)
			}
			g.polys = append(g.polys, pg)
		}
	}
	return g, nil
}

func coordArray(v Value, what string) ([]any, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("%s coordinates must be a non-empty array", what)
	}
	return arr, nil
}

// positionOf reads [longitude, latitude].
func positionOf(v Value) (lng, lat float64, err error) {
	arr, ok := v.([]any)
	if !ok {
		return 0, 0, fmt.Errorf("a position must be an array [longitude, latitude], got %s", typeName(v))
	}
	if len(arr) != 2 {
		return 0, 0, fmt.Errorf("a position must have exactly 2 numbers [longitude, latitude], got %d elements", len(arr))
	}
	lng, ok1 := finiteNumber(arr[0])
	lat, ok2 := finiteNumber(arr[1])
	if !ok1 || !ok2 {
		return 0, 0, errors.New("a position must only contain finite numbers")
	}
	if lng < -180 || lng > 180 || lat < -90 || lat > 90 {
		return 0, 0, fmt.Errorf("longitude/latitude is out of bounds, lng: %s lat: %s", formatCoord(lng), formatCoord(lat))
	}
	return lng, lat, nil
}

func formatCoord(f float64) string {
	b, err := EncodeValue(NormalizeNumber(f))
	if err != nil {
		return fmt.Sprint(f)
	}
	return string(b)
}

func finiteNumber(v Value) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, !math.IsNaN(t) && !math.IsInf(t, 0)
	}
	return 0, false
}

func parsePosition(v Value) (vec3, error) {
	lng, lat, err := positionOf(v)
	if err != nil {
		return vec3{}, err
	}
	return lngLatVec(lng, lat), nil
}

// parsePositions reads an array of positions, dropping consecutive
// duplicates (as MongoDB does).
func parsePositions(v Value, what string, budget *int) ([]vec3, [][2]float64, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, nil, fmt.Errorf("%s coordinates must be an array of positions", what)
	}
	var out []vec3
	var raw [][2]float64
	for _, e := range arr {
		if *budget--; *budget < 0 {
			return nil, nil, fmt.Errorf("unsupported: GeoJSON objects of more than %d positions", maxPositions)
		}
		lng, lat, err := positionOf(e)
		if err != nil {
			return nil, nil, err
		}
		raw = append(raw, [2]float64{lng, lat})
		p := lngLatVec(lng, lat)
		if len(out) > 0 && sameDirection(out[len(out)-1], p) {
			continue
		}
		out = append(out, p)
	}
	return out, raw, nil
}

func parseLineString(v Value, budget *int) ([]vec3, error) {
	ln, _, err := parsePositions(v, "LineString", budget)
	if err != nil {
		return nil, err
	}
	if len(ln) < 2 {
		return nil, errors.New("GeoJSON LineString must have at least 2 distinct vertices")
	}
	for i := 0; i+1 < len(ln); i++ {
		if antipodal(ln[i], ln[i+1]) {
			return nil, errors.New("GeoJSON LineString has antipodal consecutive vertices (the edge between them is undefined)")
		}
	}
	return ln, nil
}

// parseRing validates one polygon ring and returns its distinct vertices.
func parseRing(v Value, i int, budget *int) ([]vec3, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("polygon ring %d must be an array of positions", i)
	}
	for _, e := range arr {
		if _, ok := e.([]any); !ok {
			return nil, fmt.Errorf("polygon ring %d must be an array of positions [lng, lat], got an element of type %s (wrong nesting?)", i, typeName(e))
		}
	}
	if len(arr) < 4 {
		return nil, fmt.Errorf("polygon ring %d must have at least 4 positions (a closed ring of 3 vertices), got %d", i, len(arr))
	}
	pts, raw, err := parsePositions(arr, "Polygon", budget)
	if err != nil {
		return nil, fmt.Errorf("polygon ring %d: %w", i, err)
	}
	if raw[0] != raw[len(raw)-1] {
		return nil, fmt.Errorf("polygon ring %d is not closed: its first and last positions must be equal", i)
	}
	if len(pts) > 1 && sameDirection(pts[0], pts[len(pts)-1]) {
		pts = pts[:len(pts)-1]
	}
	if len(pts) < 3 {
		return nil, fmt.Errorf("polygon ring %d must have at least 3 distinct vertices", i)
	}
	if err := checkRing(pts); err != nil {
		return nil, fmt.Errorf("polygon ring %d is not valid: %w", i, err)
	}
	return pts, nil
}

// checkRing rejects duplicate vertices, antipodal neighbours, spikes and
// crossing edges (non-adjacent edges must not meet).
func checkRing(v []vec3) error {
	n := len(v)
	for i := 0; i < n; i++ {
		a, b, c := v[i], v[(i+1)%n], v[(i+2)%n]
		if antipodal(a, b) {
			return fmt.Errorf("vertices %d and %d are antipodal", i, (i+1)%n)
		}
		if distToEdge(c, a, b) <= geoEps || distToEdge(a, b, c) <= geoEps {
			return fmt.Errorf("edges %d and %d overlap", i, (i+1)%n)
		}
	}
	es := edgesOf(v, true)
	var bad error
	budget := pairBudget
	forPairs(es, es, true, func(i, j int) bool {
		if budget--; budget < 0 {
			return false
		}
		if j == i+1 || (i == 0 && j == n-1) {
			return true // adjacent: they share a vertex
		}
		if sameDirection(v[i], v[j]) {
			bad = fmt.Errorf("duplicate vertices %d and %d", i, j)
		} else if edgesTouch(es[i].a, es[i].b, es[j].a, es[j].b) {
			bad = fmt.Errorf("edges %d and %d cross", i, j)
		}
		return bad == nil
	})
	return bad
}

func parsePolygon(v Value, budget *int) (*polygon, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, errors.New("polygon coordinates must be a non-empty array of rings (arrays of positions)")
	}
	var loops []*loop
	for i, r := range arr {
		pts, err := parseRing(r, i, budget)
		if err != nil {
			return nil, err
		}
		loops = append(loops, newLoop(pts))
	}
	pg := newPolygon(loops[0], loops[1:])
	for i, h := range pg.holes {
		for _, p := range h.v {
			if pg.outer.locate(p) == locOutside {
				return nil, fmt.Errorf("polygon ring %d is not contained by the first (exterior) ring: secondary rings must be holes", i+1)
			}
		}
		if loopsCross(h, pg.outer) {
			return nil, fmt.Errorf("polygon ring %d crosses the exterior ring", i+1)
		}
		for j, o := range pg.holes[:i] {
			if loopsCross(h, o) || o.locate(h.v[0]) == locInside || h.locate(o.v[0]) == locInside {
				return nil, fmt.Errorf("polygon holes %d and %d overlap", j+1, i+1)
			}
		}
	}
	return pg, nil
}

func loopsCross(x, y *loop) bool {
	found := false
	forPairs(x.e, y.e, false, func(i, j int) bool {
		found = edgesCross(x.e[i].a, x.e[i].b, y.e[j].a, y.e[j].b)
		return !found
	})
	return found
}

// ---------- geometries held by documents ----------

// storedGeometry parses a value found in a document: a GeoJSON object, or a
// legacy coordinate pair ([lng, lat] or an object of two numbers), which
// MongoDB's 2dsphere index reads as a Point.
func storedGeometry(v Value) (*geometry, error) {
	switch t := v.(type) {
	case *Document:
		if tv, ok := t.Get("type"); ok {
			if s, ok := tv.(string); ok && geoTypes[s] {
				return parseGeoJSON(t, 0)
			}
		}
		f := t.Fields()
		if len(f) != 2 {
			return nil, errors.New("not a GeoJSON object or a legacy coordinate pair")
		}
		return legacyPoint([]any{f[0].Value, f[1].Value})
	case []any:
		return legacyPoint(t)
	}
	return nil, fmt.Errorf("geo element must be an array or object, got %s", typeName(v))
}

func legacyPoint(arr []any) (*geometry, error) {
	if len(arr) != 2 || !isNumber(arr[0]) || !isNumber(arr[1]) {
		return nil, errors.New("a legacy coordinate pair must only contain two numbers")
	}
	p, err := parsePosition(arr)
	if err != nil {
		return nil, err
	}
	return &geometry{points: []vec3{p}}, nil
}

// located is one geometry a document holds, with the value it came from.
type located struct {
	v Value
	g *geometry
}

// docGeometries returns the geometries at path as the query matcher sees
// them: every value the path reaches that is a geometry, and the geometry
// elements of arrays that are not themselves coordinate pairs.
// Non-geometries are skipped.
func docGeometries(doc *Document, p fieldPath) []located {
	c := &collector{}
	walkAny(doc, p.parts, p.idx, c)
	var out []located
	for _, v := range c.vals {
		if g, err := storedGeometry(v); err == nil {
			out = append(out, located{v, g})
			continue
		}
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if g, err := storedGeometry(e); err == nil {
					out = append(out, located{e, g})
				}
			}
		}
	}
	return out
}

// indexGeometries returns the geometries a 2dsphere index on path extracts
// from doc, with MongoDB's rules: a missing field, null or an empty array
// gives none; any other value that is not a GeoJSON object or a coordinate
// pair is an error (arrays are not searched element-wise).
func indexGeometries(doc *Document, path string) ([]*geometry, error) {
	p := newPath(path)
	c := &collector{}
	walkAny(doc, p.parts, p.idx, c)
	var out []*geometry
	for _, v := range c.vals {
		if v == nil {
			continue
		}
		if arr, ok := v.([]any); ok && len(arr) == 0 {
			continue
		}
		g, err := storedGeometry(v)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// GeoIndexRects returns the bounding rects of the geometries a 2dsphere
// index on path extracts from doc (none for a missing field, null or an
// empty array), or MongoDB's reason why the document cannot be indexed.
func GeoIndexRects(doc *Document, path string) ([]GeoRect, error) {
	gs, err := indexGeometries(doc, path)
	if err != nil {
		return nil, err
	}
	var out []GeoRect
	for _, g := range gs {
		out = append(out, geometryRects(g)...)
	}
	return out, nil
}

// ---------- the SDK's Geo objects ----------

// sdkGeoValid reports whether d is exactly what one of the SDK's Geo
// constructors produces: keys "type" then "coordinates", finite numbers in
// range, at least two points per LineString, at least one element in
// Multi*, closed Polygon rings. Such documents render as db.Geo.X(...).
func sdkGeoValid(d *Document) bool {
	if d.Len() != 2 || d.fields[0].Key != "type" || d.fields[1].Key != "coordinates" {
		return false
	}
	t, _ := d.fields[0].Value.(string)
	c := d.fields[1].Value
	switch t {
	case "Point":
		return sdkPoint(c)
	case "LineString":
		return sdkLine(c)
	case "Polygon":
		return sdkPolygon(c)
	case "MultiPoint":
		arr, ok := c.([]any)
		return ok && len(arr) > 0 && allValues(arr, sdkPoint)
	case "MultiLineString":
		arr, ok := c.([]any)
		return ok && len(arr) > 0 && allValues(arr, sdkLine)
	case "MultiPolygon":
		arr, ok := c.([]any)
		return ok && len(arr) > 0 && allValues(arr, sdkPolygon)
	}
	return false
}

func allValues(arr []any, f func(Value) bool) bool {
	for _, e := range arr {
		if !f(e) {
			return false
		}
	}
	return true
}

func sdkPoint(v Value) bool {
	_, _, err := positionOf(v)
	return err == nil
}

func sdkLine(v Value) bool {
	arr, ok := v.([]any)
	return ok && len(arr) >= 2 && allValues(arr, sdkPoint)
}

func sdkPolygon(v Value) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return false
	}
	for _, r := range arr {
		if !sdkLine(r) || !sdkClosed(r.([]any)) {
			return false
		}
	}
	return true
}

func sdkClosed(ring []any) bool {
	a, b := ring[0].([]any), ring[len(ring)-1].([]any)
	return Compare(a[0], b[0]) == 0 && Compare(a[1], b[1]) == 0
}

// geoType returns the type of an SDK Geo value ("" for anything else).
func geoType(v any) string {
	d, ok := v.(*Document)
	if !ok || !d.geo {
		return ""
	}
	t, _ := d.Get("type")
	s, _ := t.(string)
	return s
}
