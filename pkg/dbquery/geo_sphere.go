package dbquery

import (
	"math"
	"sort"
)

// Spherical geometry for the geo operators. Points are unit vectors; edges
// are minor great-circle arcs; every predicate is computed in 3D, so shapes
// crossing the antimeridian or surrounding a pole need no special case.
// Edges carry a bounding cap and a z (latitude) range, so point tests are
// linear with a cheap test per edge, and edge-pair tests sweep by latitude.

// EarthRadiusMeters is the radius MongoDB uses to convert radians to meters
// for GeoJSON queries ($nearSphere, $geoNear).
const EarthRadiusMeters = 6378100.0

// geoEps is the angular tolerance (radians, about 6 µm on the earth) under
// which a point counts as lying on an edge or on another point.
const geoEps = 1e-12

type vec3 [3]float64

func (a vec3) dot(b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func (a vec3) cross(b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func (a vec3) add(b vec3) vec3      { return vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec3) sub(b vec3) vec3      { return vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec3) scale(k float64) vec3 { return vec3{a[0] * k, a[1] * k, a[2] * k} }
func (a vec3) neg() vec3            { return vec3{-a[0], -a[1], -a[2]} }
func (a vec3) norm() float64        { return math.Sqrt(a.dot(a)) }
func (a vec3) normalize() vec3      { return a.scale(1 / a.norm()) }
func isZero(a vec3) bool            { return a[0] == 0 && a[1] == 0 && a[2] == 0 }
func det(a, b, c vec3) float64      { return a.dot(b.cross(c)) }

// angle is the angle between two unit vectors, accurate for tiny and large
// angles alike.
func angle(a, b vec3) float64      { return math.Atan2(a.cross(b).norm(), a.dot(b)) }
func sameDirection(a, b vec3) bool { return angle(a, b) <= geoEps }
func antipodal(a, b vec3) bool     { return angle(a, b) >= math.Pi-geoEps }
func degToRad(d float64) float64   { return d * math.Pi / 180 }
func radToDeg(r float64) float64   { return r * 180 / math.Pi }

// lngLatVec converts degrees to a unit vector.
func lngLatVec(lng, lat float64) vec3 {
	phi, lam := degToRad(lat), degToRad(lng)
	return vec3{math.Cos(phi) * math.Cos(lam), math.Cos(phi) * math.Sin(lam), math.Sin(phi)}
}

// vecLngLat converts a unit vector back to degrees.
func vecLngLat(v vec3) (lng, lat float64) {
	lat = radToDeg(math.Atan2(v[2], math.Hypot(v[0], v[1])))
	lng = radToDeg(math.Atan2(v[1], v[0]))
	return lng, lat
}

// distToEdge is the angular distance from p to the arc a-b.
func distToEdge(p, a, b vec3) float64 {
	n := a.cross(b)
	nn := n.dot(n)
	if nn == 0 {
		return math.Min(angle(p, a), angle(p, b))
	}
	if a.cross(p).dot(n) >= 0 && p.cross(b).dot(n) >= 0 {
		k := p.dot(n)
		c := p.sub(n.scale(k / nn)).norm()
		return math.Atan2(math.Abs(k)/math.Sqrt(nn), c)
	}
	return math.Min(angle(p, a), angle(p, b))
}

// edgesCross reports whether the arcs a-b and c-d cross at a point
// interior to both (a proper crossing; touching is not crossing).
func edgesCross(a, b, c, d vec3) bool {
	o1, o2 := det(a, b, c), det(a, b, d)
	if o1 == 0 || o2 == 0 || (o1 > 0) == (o2 > 0) {
		return false
	}
	o3, o4 := det(c, d, a), det(c, d, b)
	if o3 == 0 || o4 == 0 || (o3 > 0) == (o4 > 0) {
		return false
	}
	// Of the two antipodal intersections of the great circles, the one on
	// both minor arcs has o1 and o4 of the same sign.
	return (o1 > 0) == (o4 > 0)
}

// edgesTouch reports whether the closed arcs a-b and c-d share a point.
func edgesTouch(a, b, c, d vec3) bool {
	return edgesCross(a, b, c, d) || distToEdge(a, c, d) <= geoEps || distToEdge(b, c, d) <= geoEps ||
		distToEdge(c, a, b) <= geoEps || distToEdge(d, a, b) <= geoEps
}

// crossingPoint is the intersection of two arcs known to cross.
func crossingPoint(a, b, c, d vec3) vec3 {
	x := a.cross(b).cross(c.cross(d))
	if isZero(x) {
		return a
	}
	x = x.normalize()
	if x.dot(a.add(b)) < 0 {
		x = x.neg()
	}
	return x
}

// pointOnArc returns the point at angle t from a towards b.
func pointOnArc(a, b vec3, t float64) vec3 {
	u := a.cross(b).cross(a)
	if isZero(u) {
		return a
	}
	u = u.normalize()
	return a.scale(math.Cos(t)).add(u.scale(math.Sin(t))).normalize()
}

// ---------- edges ----------

// edge is an arc with its bounds: a cap (centre mid, angular radius half)
// holding the whole arc, and the range of z (sine of the latitude) it
// spans.
type edge struct {
	a, b     vec3
	mid      vec3
	half     float64 // half the arc length, plus a margin
	cosH     float64
	sinH     float64
	zlo, zhi float64
}

const edgeMargin = 1e-9

func newEdge(a, b vec3) edge {
	e := edge{a: a, b: b}
	m := a.add(b)
	if isZero(m) || m.norm() < 1e-12 {
		e.mid, e.half = a, math.Pi
	} else {
		e.mid = m.normalize()
		e.half = angle(a, b)/2 + edgeMargin
	}
	e.cosH, e.sinH = math.Cos(e.half), math.Sin(e.half)
	e.zlo, e.zhi = math.Min(a[2], b[2]), math.Max(a[2], b[2])
	n := a.cross(b)
	if !isZero(n) {
		// The highest and lowest points of the great circle, when on the arc.
		z := vec3{0, 0, 1}
		nn := n.normalize()
		top := z.sub(nn.scale(nn[2]))
		if top.norm() > 1e-15 {
			top = top.normalize()
			for _, x := range [2]vec3{top, top.neg()} {
				if a.cross(x).dot(n) >= 0 && x.cross(b).dot(n) >= 0 {
					e.zlo, e.zhi = math.Min(e.zlo, x[2]), math.Max(e.zhi, x[2])
				}
			}
		}
	}
	e.zlo -= edgeMargin
	e.zhi += edgeMargin
	return e
}

// edgesOf returns the edges of a polyline (closed: a ring).
func edgesOf(v []vec3, closed bool) []edge {
	n := len(v) - 1
	if closed {
		n = len(v)
	}
	out := make([]edge, 0, max(n, 0))
	for i := 0; i < n; i++ {
		out = append(out, newEdge(v[i], v[(i+1)%len(v)]))
	}
	return out
}

// mayBeWithin reports whether p may lie within angle tol of the edge.
func (e *edge) mayBeWithin(p vec3, tol float64) bool {
	r := e.half + tol
	return r >= math.Pi || p.dot(e.mid) >= math.Cos(r)-1e-15
}

// mayBeOn is mayBeWithin(p, geoEps) without the cosine.
func (e *edge) mayBeOn(p vec3) bool {
	return e.half >= math.Pi/2 || p.dot(e.mid) >= e.cosH-1e-12
}

// mayMeet reports whether two edges may share a point.
func mayMeet(e, f *edge) bool {
	if e.zhi < f.zlo || f.zhi < e.zlo {
		return false
	}
	if e.half+f.half >= math.Pi {
		return true
	}
	return e.mid.dot(f.mid) >= e.cosH*f.cosH-e.sinH*f.sinH-1e-12
}

// pairBudget bounds the edge pairs a validation examines (quadratic
// worst cases of adversarial shapes); beyond it validation stops.
const pairBudget = 20_000_000

// forPairs calls fn for every pair (i of x, j of y) of edges that may meet,
// until fn returns false. With x and y the same slice (self), each
// unordered pair i < j is visited once. It sweeps the edges by z.
func forPairs(x, y []edge, self bool, fn func(i, j int) bool) {
	byLow := func(es []edge) []int {
		idx := make([]int, len(es))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return es[idx[a]].zlo < es[idx[b]].zlo })
		return idx
	}
	prune := func(active []int, es []edge, z float64) []int {
		out := active[:0]
		for _, i := range active {
			if es[i].zhi >= z {
				out = append(out, i)
			}
		}
		return out
	}
	if self {
		var active []int
		for _, i := range byLow(x) {
			active = prune(active, x, x[i].zlo)
			for _, j := range active {
				if mayMeet(&x[i], &x[j]) {
					a, b := min(i, j), max(i, j)
					if !fn(a, b) {
						return
					}
				}
			}
			active = append(active, i)
		}
		return
	}
	xs, ys := byLow(x), byLow(y)
	var ax, ay []int
	for len(xs) > 0 || len(ys) > 0 {
		if len(ys) == 0 || (len(xs) > 0 && x[xs[0]].zlo <= y[ys[0]].zlo) {
			i := xs[0]
			xs = xs[1:]
			ay = prune(ay, y, x[i].zlo)
			for _, j := range ay {
				if mayMeet(&x[i], &y[j]) && !fn(i, j) {
					return
				}
			}
			ax = append(ax, i)
			continue
		}
		j := ys[0]
		ys = ys[1:]
		ax = prune(ax, x, y[j].zlo)
		for _, i := range ax {
			if mayMeet(&x[i], &y[j]) && !fn(i, j) {
				return
			}
		}
		ay = append(ay, j)
	}
}

// nearEdges reports whether p lies on one of the edges.
func nearEdges(es []edge, p vec3) bool {
	for i := range es {
		e := &es[i]
		if e.mayBeOn(p) && distToEdge(p, e.a, e.b) <= geoEps {
			return true
		}
	}
	return false
}

// edgesDistance is the distance from p to the nearest edge, at most best.
func edgesDistance(es []edge, p vec3, best float64) float64 {
	for i := range es {
		e := &es[i]
		if best < math.Pi && !e.mayBeWithin(p, best) {
			continue
		}
		best = math.Min(best, distToEdge(p, e.a, e.b))
	}
	return best
}

// edgeSetsTouch reports whether two sets of edges share a point.
func edgeSetsTouch(x, y []edge) bool {
	found := false
	forPairs(x, y, false, func(i, j int) bool {
		found = edgesTouch(x[i].a, x[i].b, y[j].a, y[j].b)
		return !found
	})
	return found
}

// ---------- loops ----------

// Locations of a point relative to a region.
const (
	locOutside = iota
	locBoundary
	locInside
)

// loop is one closed ring: at least 3 distinct vertices (the closing vertex
// not repeated), oriented so that its interior (always the smaller of the
// two regions it bounds, as MongoDB reads GeoJSON polygons) is on the left.
type loop struct {
	v    []vec3
	e    []edge
	refs []loopRef
}

// loopRef is a reference point whose containment is known: a point's
// containment follows from the parity of the edges crossed on the way.
type loopRef struct {
	p      vec3
	inside bool
}

// referenceOrigins are fixed directions unlikely to be degenerate for any
// real-world loop; each gives a reference point (its antipode) whose
// containment is computed from areas.
var referenceOrigins = [...]vec3{
	{0.0045676207723, 0.9994757908345, 0.0319802016479},
	{-0.7071067811865, 0.3015113445778, 0.6396021490668},
	{0.2672612419124, -0.8017837257373, -0.5345224838248},
	{0.5773502691896, 0.5773502691896, -0.5773502691896},
	{-0.3713906763541, -0.5570860145312, 0.7427813527082},
}

// turningSum is the sum of the signed turning angles of a closed ring
// (positive for left turns).
func turningSum(v []vec3) float64 {
	n := len(v)
	sum := 0.0
	for i := 0; i < n; i++ {
		a, b, c := v[(i+n-1)%n], v[i], v[(i+1)%n]
		din := a.cross(b).cross(b)
		dout := b.cross(c).cross(b)
		sum += math.Atan2(din.cross(dout).dot(b), din.dot(dout))
	}
	return sum
}

// triangleArea is the signed area of the spherical triangle a, b, c
// (positive when counter-clockwise seen from outside the sphere).
func triangleArea(a, b, c vec3) float64 {
	return 2 * math.Atan2(det(a, b, c), 1+a.dot(b)+b.dot(c)+c.dot(a))
}

// newLoop orients the ring and computes its reference points. v holds the
// distinct vertices without the closing repeat.
func newLoop(v []vec3) *loop {
	v = append([]vec3(nil), v...)
	area := 2*math.Pi - turningSum(v)
	if area > 2*math.Pi {
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
		area = 4*math.Pi - area
	}
	l := &loop{v: v, e: edgesOf(v, true)}
	for _, o := range referenceOrigins {
		o = o.normalize()
		ref := o.neg()
		ok := true
		fan := 0.0
		for i := range l.e {
			e := &l.e[i]
			if (e.mayBeWithin(ref, 1e-9) && distToEdge(ref, e.a, e.b) <= 1e-9) ||
				(e.mayBeWithin(o, 1e-9) && distToEdge(o, e.a, e.b) <= 1e-9) {
				ok = false
				break
			}
			fan += triangleArea(o, e.a, e.b)
		}
		if !ok {
			continue
		}
		// The fan of triangles from o sums to the left area, less 4π when
		// the antipode of o (the reference) lies inside.
		x := (area - fan) / (4 * math.Pi)
		r := math.Round(x)
		if math.Abs(x-r) > 0.05 || (r != 0 && r != 1) {
			continue
		}
		l.refs = append(l.refs, loopRef{p: ref, inside: r == 1})
	}
	return l
}

// locate tells whether p is outside, on the boundary of or inside the loop.
func (l *loop) locate(p vec3) int {
	if nearEdges(l.e, p) {
		return locBoundary
	}
	if l.containsOff(p) {
		return locInside
	}
	return locOutside
}

// containsOff decides containment for a point known to be off the boundary:
// the reference point's containment flipped once per edge crossed by the
// arc from it to p. Only edges whose vertices lie on opposite sides of that
// arc's great circle can cross it. A reference whose arc passes (nearly)
// through a vertex is skipped for the next one.
func (l *loop) containsOff(p vec3) bool {
	fallback, have := false, false
	side := make([]float64, len(l.v))
	for _, r := range l.refs {
		if angle(r.p, p) > math.Pi-1e-6 {
			continue
		}
		n := r.p.cross(p)
		scale := n.norm()
		clean := true
		for i, v := range l.v {
			side[i] = n.dot(v)
			if math.Abs(side[i]) <= 1e-13*scale+1e-300 && distToEdge(v, r.p, p) <= 1e-13 {
				clean = false
				break
			}
		}
		if !clean {
			if !have {
				fallback, have = l.crossParity(r, p), true
			}
			continue
		}
		inside := r.inside
		k := len(l.v)
		for i := 0; i < k; i++ {
			j := (i + 1) % k
			if (side[i] > 0) != (side[j] > 0) && side[i] != 0 && side[j] != 0 && edgesCross(r.p, p, l.v[i], l.v[j]) {
				inside = !inside
			}
		}
		return inside
	}
	return fallback
}

func (l *loop) crossParity(r loopRef, p vec3) bool {
	inside := r.inside
	for i := range l.e {
		if edgesCross(r.p, p, l.e[i].a, l.e[i].b) {
			inside = !inside
		}
	}
	return inside
}

// interiorPoint returns a point strictly inside the loop (next to the
// middle of one of its edges).
func (l *loop) interiorPoint() (vec3, bool) {
	for i := range l.e {
		a, b := l.e[i].a, l.e[i].b
		n := a.cross(b)
		if isZero(n) {
			continue
		}
		m := a.add(b).normalize()
		for _, d := range []float64{1e-3, 1e-5, 1e-7, 1e-9} {
			step := d * math.Max(angle(a, b), 1e-9)
			p := m.add(n.normalize().scale(step)).normalize()
			if l.locate(p) == locInside {
				return p, true
			}
		}
	}
	return vec3{}, false
}

// polygon is an outer loop with holes.
type polygon struct {
	outer *loop
	holes []*loop
	all   []edge // the edges of every ring
}

func newPolygon(outer *loop, holes []*loop) *polygon {
	pg := &polygon{outer: outer, holes: holes}
	for _, l := range pg.loops() {
		pg.all = append(pg.all, l.e...)
	}
	return pg
}

func (pg *polygon) loops() []*loop { return append([]*loop{pg.outer}, pg.holes...) }

// locate: the polygon is closed (the boundaries of holes belong to it).
func (pg *polygon) locate(p vec3) int {
	switch pg.outer.locate(p) {
	case locOutside:
		return locOutside
	case locBoundary:
		return locBoundary
	}
	for _, h := range pg.holes {
		switch h.locate(p) {
		case locInside:
			return locOutside
		case locBoundary:
			return locBoundary
		}
	}
	return locInside
}

// distance from p to the polygon (0 inside or on the boundary).
func (pg *polygon) distance(p vec3, best float64) float64 {
	if pg.locate(p) != locOutside {
		return 0
	}
	return edgesDistance(pg.all, p, best)
}

// geometry is a parsed GeoJSON object flattened into its parts (a
// GeometryCollection's members included).
type geometry struct {
	points []vec3
	lines  [][]edge // polylines, at least one edge each
	polys  []*polygon
}

func (g *geometry) empty() bool { return len(g.points) == 0 && len(g.lines) == 0 && len(g.polys) == 0 }

func (g *geometry) merge(o *geometry) {
	g.points = append(g.points, o.points...)
	g.lines = append(g.lines, o.lines...)
	g.polys = append(g.polys, o.polys...)
}

// distance is the angular distance from p to the nearest point of g.
func (g *geometry) distance(p vec3) float64 {
	best := math.Inf(1)
	for _, q := range g.points {
		best = math.Min(best, angle(p, q))
	}
	for _, ln := range g.lines {
		best = edgesDistance(ln, p, best)
	}
	for _, pg := range g.polys {
		best = math.Min(best, pg.distance(p, best))
	}
	return best
}

// ---------- intersects ----------

func (g *geometry) intersects(q *geometry) bool {
	for _, p := range g.points {
		if q.touchesPoint(p) {
			return true
		}
	}
	for _, ln := range g.lines {
		if q.touchesLine(ln) {
			return true
		}
	}
	for _, pg := range g.polys {
		if q.touchesPolygon(pg) {
			return true
		}
	}
	return false
}

func (g *geometry) touchesPoint(p vec3) bool {
	for _, q := range g.points {
		if sameDirection(p, q) {
			return true
		}
	}
	for _, ln := range g.lines {
		if nearEdges(ln, p) {
			return true
		}
	}
	for _, pg := range g.polys {
		if pg.locate(p) != locOutside {
			return true
		}
	}
	return false
}

func (g *geometry) touchesLine(ln []edge) bool {
	for _, p := range g.points {
		if nearEdges(ln, p) {
			return true
		}
	}
	for _, o := range g.lines {
		if edgeSetsTouch(ln, o) {
			return true
		}
	}
	for _, pg := range g.polys {
		if lineTouchesPolygon(ln, pg) {
			return true
		}
	}
	return false
}

func (g *geometry) touchesPolygon(pg *polygon) bool {
	for _, p := range g.points {
		if pg.locate(p) != locOutside {
			return true
		}
	}
	for _, ln := range g.lines {
		if lineTouchesPolygon(ln, pg) {
			return true
		}
	}
	for _, o := range g.polys {
		if polygonsTouch(pg, o) {
			return true
		}
	}
	return false
}

func lineTouchesPolygon(ln []edge, pg *polygon) bool {
	return pg.locate(ln[0].a) != locOutside || edgeSetsTouch(ln, pg.all)
}

// polygonsTouch: boundaries meet, or (boundaries disjoint) a ring of one
// lies in the other.
func polygonsTouch(x, y *polygon) bool {
	if edgeSetsTouch(x.all, y.all) {
		return true
	}
	for _, l := range x.loops() {
		if y.locate(l.v[0]) != locOutside {
			return true
		}
	}
	for _, l := range y.loops() {
		if x.locate(l.v[0]) != locOutside {
			return true
		}
	}
	return false
}

// ---------- within ----------

// withinPolygons: every part of g lies in one of the polygons.
func (g *geometry) withinPolygons(qs []*polygon) bool {
	if g.empty() {
		return false
	}
	for _, p := range g.points {
		if !anyPolygon(qs, func(q *polygon) bool { return q.locate(p) != locOutside }) {
			return false
		}
	}
	for _, ln := range g.lines {
		if !anyPolygon(qs, func(q *polygon) bool { return edgesWithinPolygon(ln, q) }) {
			return false
		}
	}
	for _, pg := range g.polys {
		if !anyPolygon(qs, func(q *polygon) bool { return polygonWithinPolygon(pg, q) }) {
			return false
		}
	}
	return true
}

func anyPolygon(qs []*polygon, f func(*polygon) bool) bool {
	for _, q := range qs {
		if f(q) {
			return true
		}
	}
	return false
}

// edgesWithinPolygon: every point of the edges lies in q. Each edge is cut
// where it meets q's boundary and the middle of every piece is tested, so
// edges leaving q between two vertices are caught.
func edgesWithinPolygon(es []edge, q *polygon) bool {
	for i := range es {
		if q.locate(es[i].a) == locOutside || q.locate(es[i].b) == locOutside {
			return false
		}
	}
	cuts := make([][]float64, len(es))
	forPairs(es, q.all, false, func(i, j int) bool {
		a, b := es[i].a, es[i].b
		c, d := q.all[j].a, q.all[j].b
		if edgesCross(a, b, c, d) {
			cuts[i] = append(cuts[i], angle(a, crossingPoint(a, b, c, d)))
		}
		for _, x := range [2]vec3{c, d} {
			if distToEdge(x, a, b) <= geoEps {
				cuts[i] = append(cuts[i], angle(a, x))
			}
		}
		return true
	})
	for i := range es {
		if len(cuts[i]) == 0 {
			// The edge does not meet q's boundary: its ends decide.
			continue
		}
		a, b := es[i].a, es[i].b
		total := angle(a, b)
		ts := append(cuts[i], 0, total)
		sort.Float64s(ts)
		for k := 0; k+1 < len(ts); k++ {
			if ts[k+1]-ts[k] <= 1e-12 {
				continue
			}
			if q.locate(pointOnArc(a, b, (ts[k]+ts[k+1])/2)) == locOutside {
				return false
			}
		}
	}
	return true
}

// polygonWithinPolygon: g's region lies in q's. g's rings must lie in q;
// then each hole of q is either wholly inside or wholly outside g, which
// one interior point decides. (q's outside cannot lie in g: both outer
// rings bound less than a hemisphere.)
func polygonWithinPolygon(g, q *polygon) bool {
	if !edgesWithinPolygon(g.all, q) {
		return false
	}
	for _, h := range q.holes {
		if p, ok := h.interiorPoint(); ok && g.locate(p) == locInside {
			return false
		}
	}
	return true
}

// withinCap: every point of g is within angle r of c. An arc's farthest
// point from c is its nearest point to the antipode of c.
func (g *geometry) withinCap(c vec3, r float64) bool {
	if g.empty() {
		return false
	}
	if r >= math.Pi {
		return true
	}
	anti := c.neg()
	edgesIn := func(es []edge) bool {
		for i := range es {
			if math.Pi-distToEdge(anti, es[i].a, es[i].b) > r+geoEps {
				return false
			}
		}
		return true
	}
	for _, p := range g.points {
		if angle(c, p) > r+geoEps {
			return false
		}
	}
	for _, ln := range g.lines {
		if !edgesIn(ln) {
			return false
		}
	}
	for _, pg := range g.polys {
		if !edgesIn(pg.all) {
			return false
		}
		// The region outside the cap does not meet the boundary: it is
		// wholly inside the polygon or wholly outside.
		if pg.locate(anti) == locInside {
			return false
		}
	}
	return true
}
