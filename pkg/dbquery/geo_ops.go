package dbquery

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The geo query operators, in the MongoDB form the SDK sends:
//
//	_.geoNear({geometry, maxDistance, minDistance})
//	    {$nearSphere: {$geometry: <Point>, $maxDistance: m, $minDistance: m}}
//	_.geoWithin({geometry})      {$geoWithin: {$geometry: <Polygon|MultiPolygon>}}
//	_.geoWithin({centerSphere})  {$geoWithin: {$centerSphere: [[lng, lat], radians]}}
//	_.geoIntersects({geometry})  {$geoIntersects: {$geometry: <any GeoJSON>}}

// geoCommandOps maps the db.command geo methods to their operators.
var geoCommandOps = map[string]string{
	"geoNear": "$nearSphere", "geoWithin": "$geoWithin", "geoIntersects": "$geoIntersects",
}

// errNearContext is MongoDB's error for $nearSphere where it cannot run.
var errNearContext = errors.New("$geoNear, $near, and $nearSphere are not allowed in this context")

// geoSpec is a validated geo operator.
type geoSpec struct {
	op string
	// $geometry
	geom *geometry
	// $centerSphere
	isCap  bool
	center vec3
	radius float64 // radians
	// $nearSphere
	lng, lat float64
	min, max float64 // meters; max is +Inf when absent
}

// parseGeoOp validates the value of a geo operator.
func parseGeoOp(op string, v Value) (*geoSpec, error) {
	s := &geoSpec{op: op, max: math.Inf(1)}
	d, ok := v.(*Document)
	if !ok {
		if _, isArr := v.([]any); isArr {
			return nil, fmt.Errorf("unsupported: %s with legacy coordinate pairs (use {$geometry: {type: \"Point\", coordinates: [lng, lat]}})", op)
		}
		return nil, fmt.Errorf("%s needs an object", op)
	}
	switch op {
	case "$nearSphere":
		if !d.Has("$geometry") {
			return nil, fmt.Errorf("unsupported: %s without $geometry (legacy coordinate pairs); use {$geometry: {type: \"Point\", coordinates: [lng, lat]}}", op)
		}
		for _, f := range d.Fields() {
			switch f.Key {
			case "$geometry":
				g, t, err := queryGeometry(op, f.Value)
				if err != nil {
					return nil, err
				}
				if t != "Point" {
					return nil, fmt.Errorf("%s needs a GeoJSON Point as $geometry, got %s", op, t)
				}
				s.geom = g
				pos, _ := f.Value.(*Document).Get("coordinates")
				s.lng, s.lat, _ = positionOf(pos)
			case "$maxDistance", "$minDistance":
				n, ok := finiteNumber(f.Value)
				if !ok || n < 0 {
					return nil, fmt.Errorf("%s must be a non-negative number", f.Key)
				}
				if f.Key == "$maxDistance" {
					s.max = n
				} else {
					s.min = n
				}
			default:
				return nil, fmt.Errorf("%s: unknown option %s (allowed: $geometry, $maxDistance, $minDistance)", op, f.Key)
			}
		}
		return s, nil
	case "$geoWithin", "$geoIntersects":
		if d.Len() != 1 {
			return nil, fmt.Errorf("%s needs exactly one shape ($geometry%s)", op, map[bool]string{true: " or $centerSphere", false: ""}[op == "$geoWithin"])
		}
		f := d.fields[0]
		switch {
		case f.Key == "$geometry":
			g, t, err := queryGeometry(op, f.Value)
			if err != nil {
				return nil, err
			}
			if op == "$geoWithin" && t != "Polygon" && t != "MultiPolygon" {
				return nil, fmt.Errorf("$geoWithin not supported with provided geometry: %s (only Polygon and MultiPolygon)", t)
			}
			s.geom = g
			return s, nil
		case f.Key == "$centerSphere" && op == "$geoWithin":
			arr, ok := f.Value.([]any)
			if !ok || len(arr) != 2 {
				return nil, errors.New("$centerSphere needs [[longitude, latitude], radius in radians]")
			}
			c, err := parsePosition(arr[0])
			if err != nil {
				return nil, fmt.Errorf("$centerSphere center: %w", err)
			}
			r, ok := finiteNumber(arr[1])
			if !ok || r < 0 {
				return nil, errors.New("$centerSphere radius must be a non-negative number (radians)")
			}
			s.isCap, s.center, s.radius = true, c, r
			return s, nil
		case op == "$geoWithin" && (f.Key == "$box" || f.Key == "$polygon" || f.Key == "$center" || f.Key == "$uniqueDocs"):
			return nil, fmt.Errorf("unsupported: $geoWithin %s (flat legacy shapes; use $geometry or $centerSphere)", f.Key)
		}
		return nil, fmt.Errorf("%s: unknown shape %s", op, f.Key)
	}
	return nil, unsupportedOp(op)
}

// queryGeometry parses the $geometry of an operator.
func queryGeometry(op string, v Value) (*geometry, string, error) {
	d, ok := v.(*Document)
	if !ok {
		return nil, "", fmt.Errorf("%s: $geometry must be a GeoJSON object", op)
	}
	g, err := parseGeoJSON(d, 0)
	if err != nil {
		return nil, "", fmt.Errorf("%s: invalid $geometry: %w", op, err)
	}
	t, _ := d.Get("type")
	return g, t.(string), nil
}

// rects bounds the region a matching document's geometry must meet (nil
// when the operator does not restrict it).
func (s *geoSpec) rects() []GeoRect {
	switch {
	case s.op == "$nearSphere":
		if math.IsInf(s.max, 1) {
			return nil
		}
		return capRects(lngLatVec(s.lng, s.lat), s.max/EarthRadiusMeters)
	case s.isCap:
		return capRects(s.center, s.radius)
	}
	return geometryRects(s.geom)
}

// geoTest is a compiled $geoWithin or $geoIntersects on one path. A value
// is tested as a geometry; an array that is not a coordinate pair also by
// its elements. Values that are not valid geometries never match.
type geoTest struct{ s *geoSpec }

func (t *geoTest) one(g *geometry) bool {
	switch {
	case t.s.op == "$geoIntersects":
		return g.intersects(t.s.geom)
	case t.s.isCap:
		return g.withinCap(t.s.center, t.s.radius)
	}
	return g.withinPolygons(t.s.geom.polys)
}

func (t *geoTest) test(v Value, missing bool) bool {
	if missing {
		return false
	}
	if g, err := storedGeometry(v); err == nil {
		return t.one(g)
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if g, err := storedGeometry(e); err == nil && t.one(g) {
				return true
			}
		}
	}
	return false
}

// nearCond is a compiled $nearSphere: the distance from the point to the
// nearest geometry the document holds at the path is within [min, max].
type nearCond struct {
	p      fieldPath
	center vec3
	s      *geoSpec
}

func newNearCond(p fieldPath, s *geoSpec) *nearCond {
	return &nearCond{p: p, center: lngLatVec(s.lng, s.lat), s: s}
}

// nearest returns the distance in meters to the closest geometry of doc and
// the value holding it.
func (n *nearCond) nearest(doc *Document) (float64, Value, bool) {
	best, ok := math.Inf(1), false
	var at Value
	for _, l := range docGeometries(doc, n.p) {
		if d := l.g.distance(n.center) * EarthRadiusMeters; !ok || d < best {
			best, at, ok = d, l.v, true
		}
	}
	return best, at, ok
}

func (n *nearCond) eval(doc *Document) bool {
	d, _, ok := n.nearest(doc)
	return ok && d >= n.s.min && d <= n.s.max
}

// GeoNear describes the $nearSphere condition of a filter
// (_.geoNear(...)): Path holds the locations, Longitude/Latitude the point,
// distances are meters (MaxDistance is +Inf when absent).
type GeoNear struct {
	Path                     string
	Longitude, Latitude      float64
	MinDistance, MaxDistance float64
	c                        *nearCond
}

// Near returns the filter's $nearSphere condition, nil when it has none.
// MongoDB answers such a query in order of distance (nearest first) and
// needs a 2dsphere index on Path ("unable to find index for $geoNear
// query").
func (f *Filter) Near() *GeoNear { return f.near }

// Distance returns the distance in meters from the point to the nearest
// geometry doc holds at Path, and false when it holds none.
func (n *GeoNear) Distance(doc *Document) (float64, bool) {
	d, _, ok := n.c.nearest(doc)
	return d, ok
}

// Sort orders docs by distance, nearest first (stable: equal distances keep
// their order; documents without a geometry go last).
func (n *GeoNear) Sort(docs []*Document) {
	if len(docs) < 2 {
		return
	}
	type item struct {
		d   float64
		doc *Document
	}
	items := make([]item, len(docs))
	for i, doc := range docs {
		d, ok := n.Distance(doc)
		if !ok {
			d = math.Inf(1)
		}
		items[i] = item{d, doc}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].d < items[j].d })
	for i := range items {
		docs[i] = items[i].doc
	}
}

// SortResults orders the matches of a find as MongoDB does: by distance when
// the filter has a $nearSphere condition, then by keys (an explicit orderBy
// re-orders the matches, overriding the distance order; equal keys keep
// it).
func (f *Filter) SortResults(docs []*Document, keys []SortKey) {
	if f.near != nil {
		f.near.Sort(docs)
	}
	SortDocuments(docs, keys)
}

// nearScan validates where $nearSphere appears (at most once, at the top
// level or under $and; never under $or, $nor, $not or $elemMatch, as
// MongoDB requires) and returns its path and operand.
type nearFound struct {
	path string
	v    Value
	n    int
}

func nearScan(d *Document, allowed bool, depth int, found *nearFound) error {
	if depth > maxFilterDepth {
		return nil
	}
	for _, f := range d.Fields() {
		switch f.Key {
		case "$and", "$or", "$nor":
			arr, _ := f.Value.([]any)
			for _, e := range arr {
				if sub, ok := e.(*Document); ok {
					if err := nearScan(sub, allowed && f.Key == "$and", depth+1, found); err != nil {
						return err
					}
				}
			}
			continue
		}
		if strings.HasPrefix(f.Key, "$") {
			continue
		}
		ops, ok := f.Value.(*Document)
		if !ok || ops.Len() == 0 || !strings.HasPrefix(ops.fields[0].Key, "$") {
			continue
		}
		if err := nearScanOps(f.Key, ops, allowed, depth+1, found); err != nil {
			return err
		}
	}
	return nil
}

func nearScanOps(path string, ops *Document, allowed bool, depth int, found *nearFound) error {
	if depth > maxFilterDepth {
		return nil
	}
	for _, f := range ops.Fields() {
		switch f.Key {
		case "$nearSphere":
			if !allowed {
				return errNearContext
			}
			found.n++
			if found.n > 1 {
				//lint:ignore ST1005 the database's own wording, which clients match
				return errors.New("Too many geoNear expressions")
			}
			found.path, found.v = path, f.Value
		case "$not":
			if inner, ok := f.Value.(*Document); ok {
				if err := nearScanOps(path, inner, false, depth+1, found); err != nil {
					return err
				}
			}
		case "$elemMatch", "$all":
			if err := nearScanValue(f.Value, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// nearScanValue rejects any $nearSphere inside v.
func nearScanValue(v Value, depth int) error {
	if depth > maxFilterDepth {
		return nil
	}
	switch t := v.(type) {
	case *Document:
		for _, f := range t.Fields() {
			if f.Key == "$nearSphere" {
				return errNearContext
			}
			if err := nearScanValue(f.Value, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			if err := nearScanValue(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---------- db.command geo methods ----------

// geoCommandArg converts the options of _.geoNear / _.geoWithin /
// _.geoIntersects into the operator value, as the SDK serialises them.
func geoCommandArg(c *command) (Value, error) {
	name := "_." + c.op + "()"
	if len(c.args) != 1 {
		return nil, fmt.Errorf("%s takes one object {geometry: ...}", name)
	}
	opts, ok := c.args[0].(*Document)
	if !ok || opts.geo {
		return nil, fmt.Errorf("%s takes an object such as {geometry: db.Geo.Point(lng, lat)}", name)
	}
	allowed := map[string][]string{
		"geoNear":       {"geometry", "maxDistance", "minDistance"},
		"geoWithin":     {"geometry", "centerSphere"},
		"geoIntersects": {"geometry"},
	}[c.op]
	for _, f := range opts.Fields() {
		known := false
		for _, a := range allowed {
			known = known || a == f.Key
		}
		if !known {
			return nil, fmt.Errorf("%s: unknown option %q (allowed: %s)", name, f.Key, strings.Join(allowed, ", "))
		}
	}
	geom, hasGeom := opts.Get("geometry")
	switch c.op {
	case "geoNear":
		if geoType(geom) != "Point" {
			return nil, fmt.Errorf("%s: \"geometry\" must be a db.Geo.Point", name)
		}
		out := D("$geometry", geom)
		for _, k := range []string{"maxDistance", "minDistance"} {
			if v, ok := opts.Get(k); ok {
				if !isNumber(v) {
					return nil, fmt.Errorf("%s: %q must be a number", name, k)
				}
				out.Set("$"+k, v)
			}
		}
		return out, nil
	case "geoWithin":
		cs, hasCS := opts.Get("centerSphere")
		switch {
		case hasGeom && hasCS:
			return nil, fmt.Errorf("%s takes either geometry or centerSphere, not both", name)
		case hasCS:
			arr, ok := cs.([]any)
			if !ok || len(arr) != 2 || !isNumber(arr[1]) {
				return nil, fmt.Errorf("%s: centerSphere must be [db.Geo.Point or [longitude, latitude], radius in radians]", name)
			}
			center := arr[0]
			if geoType(center) == "Point" {
				center, _ = center.(*Document).Get("coordinates")
			} else if _, isDoc := center.(*Document); isDoc || !sdkPoint(center) {
				return nil, fmt.Errorf("%s: the centerSphere center must be a db.Geo.Point or [longitude, latitude] within range", name)
			}
			return D("$centerSphere", []any{CloneValue(center), arr[1]}), nil
		}
		if t := geoType(geom); t != "Polygon" && t != "MultiPolygon" {
			return nil, fmt.Errorf("%s: \"geometry\" must be a db.Geo.Polygon or db.Geo.MultiPolygon (or use centerSphere)", name)
		}
		return D("$geometry", geom), nil
	}
	if geoType(geom) == "" {
		return nil, fmt.Errorf("%s: \"geometry\" must be a db.Geo value (Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon)", name)
	}
	return D("$geometry", geom), nil
}

// geoDSLForm returns the options of the db.command call that builds the
// operator value v, or nil when v has no such form (it then renders as a
// literal operator document).
func geoDSLForm(op string, v Value) *Document {
	d, ok := v.(*Document)
	if !ok || d.Len() == 0 {
		return nil
	}
	geomOK := func(g Value, types ...string) bool {
		gd, ok := g.(*Document)
		if !ok || !sdkGeoValid(gd) {
			return false
		}
		if len(types) == 0 {
			return true
		}
		t, _ := gd.Get("type")
		for _, x := range types {
			if t == x {
				return true
			}
		}
		return false
	}
	f := d.Fields()
	switch op {
	case "$nearSphere":
		if f[0].Key != "$geometry" || !geomOK(f[0].Value, "Point") {
			return nil
		}
		out := D("geometry", f[0].Value)
		rest := f[1:]
		for _, k := range []string{"$maxDistance", "$minDistance"} {
			if len(rest) > 0 && rest[0].Key == k {
				if !isNumber(rest[0].Value) {
					return nil
				}
				out.Set(k[1:], rest[0].Value)
				rest = rest[1:]
			}
		}
		if len(rest) > 0 {
			return nil
		}
		return out
	case "$geoWithin":
		if len(f) != 1 {
			return nil
		}
		switch f[0].Key {
		case "$geometry":
			if geomOK(f[0].Value, "Polygon", "MultiPolygon") {
				return D("geometry", f[0].Value)
			}
		case "$centerSphere":
			arr, ok := f[0].Value.([]any)
			if ok && len(arr) == 2 && sdkPoint(arr[0]) && isNumber(arr[1]) {
				return D("centerSphere", f[0].Value)
			}
		}
	case "$geoIntersects":
		if len(f) == 1 && f[0].Key == "$geometry" && geomOK(f[0].Value) {
			return D("geometry", f[0].Value)
		}
	}
	return nil
}

// ---------- the $geoNear stage ----------

// geoNearSpec is a validated $geoNear stage.
type geoNearSpec struct {
	center        vec3
	distanceField []string
	includeLocs   []string
	key           string
	query         *Document
	min, max      float64 // meters
	multiplier    float64
}

// parseGeoNearStage validates a $geoNear stage argument: near (a GeoJSON
// Point), distanceField (required), spherical, maxDistance, minDistance
// (meters), query, distanceMultiplier, includeLocs and key.
func parseGeoNearStage(arg Value) (*geoNearSpec, error) {
	d, ok := arg.(*Document)
	if !ok {
		return nil, errors.New("$geoNear needs an object")
	}
	s := &geoNearSpec{max: math.Inf(1), multiplier: 1}
	str := func(f Field) (string, error) {
		v, ok := f.Value.(string)
		if !ok || v == "" || strings.HasPrefix(v, "$") {
			return "", fmt.Errorf("$geoNear option '%s' must be a field path (a non-empty string not starting with '$')", f.Key)
		}
		return v, nil
	}
	nonNeg := func(f Field) (float64, error) {
		n, ok := finiteNumber(f.Value)
		if !ok || n < 0 {
			return 0, fmt.Errorf("$geoNear option '%s' must be a non-negative number", f.Key)
		}
		return n, nil
	}
	hasNear := false
	for _, f := range d.Fields() {
		var err error
		switch f.Key {
		case "near":
			nd, ok := f.Value.(*Document)
			if !ok {
				if _, isArr := f.Value.([]any); isArr {
					return nil, errors.New("unsupported: $geoNear 'near' as a legacy coordinate pair (use a GeoJSON Point: db.Geo.Point(lng, lat))")
				}
				return nil, errors.New("$geoNear 'near' must be a GeoJSON Point")
			}
			t, perr := ParseGeoJSON(nd)
			if perr != nil {
				return nil, fmt.Errorf("$geoNear 'near': %w", perr)
			}
			if t != "Point" {
				return nil, fmt.Errorf("$geoNear 'near' must be a GeoJSON Point, got %s", t)
			}
			pos, _ := nd.Get("coordinates")
			s.center, _ = parsePosition(pos)
			hasNear = true
		case "distanceField", "includeLocs", "key":
			var p string
			if p, err = str(f); err == nil {
				switch f.Key {
				case "distanceField":
					s.distanceField = strings.Split(p, ".")
				case "includeLocs":
					s.includeLocs = strings.Split(p, ".")
				default:
					s.key = p
				}
			}
		case "spherical":
			if _, ok := f.Value.(bool); !ok {
				err = errors.New("$geoNear option 'spherical' must be a boolean")
			}
		case "maxDistance":
			s.max, err = nonNeg(f)
		case "minDistance":
			s.min, err = nonNeg(f)
		case "distanceMultiplier":
			s.multiplier, err = nonNeg(f)
		case "query":
			q, ok := f.Value.(*Document)
			if !ok {
				return nil, errors.New("$geoNear option 'query' must be an object")
			}
			s.query = q
		default:
			return nil, fmt.Errorf("unsupported $geoNear option '%s'", f.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasNear {
		return nil, errors.New("$geoNear requires a 'near' option (a GeoJSON Point)")
	}
	if s.distanceField == nil {
		return nil, errors.New("$geoNear requires a 'distanceField' option as a String")
	}
	return s, nil
}

// runGeoNear runs a $geoNear stage: documents matching query that hold a
// geometry at key, within [minDistance, maxDistance] of near, nearest
// first, with the distance (times distanceMultiplier) at distanceField and
// the nearest location at includeLocs.
func runGeoNear(tk *ticker, docs []*Document, arg Value) ([]*Document, error) {
	s, err := parseGeoNearStage(arg)
	if err != nil {
		return nil, err
	}
	if s.key == "" {
		return nil, errors.New("$geoNear needs 'key' (the field with the 2dsphere index) when the collection's geo indexes are unknown")
	}
	var f *Filter
	if s.query != nil {
		if f, err = CompileFilter(s.query); err != nil {
			return nil, err
		}
		if f.near != nil {
			return nil, errNearContext
		}
	}
	nc := &nearCond{p: newPath(s.key), center: s.center, s: &geoSpec{min: s.min, max: s.max}}
	type hit struct {
		doc *Document
		d   float64
		loc Value
	}
	var hits []hit
	for _, doc := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		if f != nil && !f.Match(doc) {
			continue
		}
		d, loc, ok := nc.nearest(doc)
		if !ok || d < s.min || d > s.max {
			continue
		}
		hits = append(hits, hit{doc, d, loc})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	out := make([]*Document, len(hits))
	for i, h := range hits {
		nd := h.doc.Clone()
		if err := addFieldPath(nd, s.distanceField, h.d*s.multiplier); err != nil {
			return nil, err
		}
		if s.includeLocs != nil {
			if err := addFieldPath(nd, s.includeLocs, CloneValue(h.loc)); err != nil {
				return nil, err
			}
		}
		out[i] = nd
	}
	return out, nil
}

// ResolveGeoNear applies MongoDB's index rules to a pipeline starting with
// $geoNear, given the paths of the collection's 2dsphere indexes: without
// key the stage uses the only one ("$geoNear requires a 2d or 2dsphere
// index, but none were found"; "There is more than one 2dsphere index ...;
// unsure which to use for $geoNear"), and a key must name one of them. It
// returns the pipeline with key filled in (the input is not modified).
func ResolveGeoNear(pipeline []Stage, geoPaths []string) ([]Stage, error) {
	if len(pipeline) == 0 || pipeline[0].Name != "$geoNear" {
		return pipeline, nil
	}
	d, ok := pipeline[0].Arg.(*Document)
	if !ok {
		return pipeline, nil
	}
	if k, has := d.Get("key"); has {
		key, _ := k.(string)
		for _, p := range geoPaths {
			if p == key {
				return pipeline, nil
			}
		}
		if len(geoPaths) == 0 {
			return nil, errors.New("$geoNear requires a 2d or 2dsphere index, but none were found")
		}
		return nil, fmt.Errorf("$geoNear requires a 2dsphere index on key '%s', but none was found", key)
	}
	switch len(geoPaths) {
	case 0:
		return nil, errors.New("$geoNear requires a 2d or 2dsphere index, but none were found")
	case 1:
	default:
		//lint:ignore ST1005 the database's own wording, which clients match
		return nil, errors.New("There is more than one 2dsphere index on the collection; unsure which to use for $geoNear (name it with key)")
	}
	nd := d.Clone()
	nd.Set("key", geoPaths[0])
	out := append([]Stage{{Name: "$geoNear", Arg: nd}}, pipeline[1:]...)
	return out, nil
}

// CheckGeoIndex applies MongoDB's rule for find, count, update and remove:
// a $nearSphere condition needs a 2dsphere index on its path ("unable to
// find index for $geoNear query"). geoPaths are the paths of the
// collection's 2dsphere indexes.
func (f *Filter) CheckGeoIndex(geoPaths []string) error {
	if f.near == nil {
		return nil
	}
	for _, p := range geoPaths {
		if p == f.near.Path {
			return nil
		}
	}
	return errors.New("unable to find index for $geoNear query")
}

// buildGeoNearStage converts aggregate().geoNear({...}) as the SDK does:
// near must be a db.Geo.Point (sent as GeoJSON), query is a condition built
// like where()'s, the other options pass as written (key order kept).
func buildGeoNearStage(a any) (Value, error) {
	d, ok := a.(*Document)
	if !ok || d.geo {
		return nil, errors.New(`aggregate .geoNear() needs an object such as {near: db.Geo.Point(lng, lat), distanceField: "distance", spherical: true}`)
	}
	out := &Document{fields: make([]Field, 0, d.Len())}
	for _, f := range d.Fields() {
		v := f.Value
		switch f.Key {
		case "near":
			if geoType(v) != "Point" {
				return nil, errors.New(`aggregate .geoNear(): "near" must be a db.Geo.Point`)
			}
		case "query":
			q, err := buildFilter(v)
			if err != nil {
				return nil, fmt.Errorf("aggregate .geoNear() query: %w", err)
			}
			var nf nearFound
			if err := nearScan(q, false, 0, &nf); err != nil {
				return nil, fmt.Errorf("aggregate .geoNear() query: %w", err)
			}
			v = q
		default:
			pv, err := plainValue(v, "aggregate .geoNear()")
			if err != nil {
				return nil, err
			}
			v = pv
		}
		out.fields = append(out.fields, Field{Key: f.Key, Value: v})
	}
	if _, err := parseGeoNearStage(out); err != nil {
		return nil, fmt.Errorf("aggregate .geoNear(): %w", err)
	}
	return out, nil
}
