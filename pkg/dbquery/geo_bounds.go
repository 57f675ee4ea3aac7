package dbquery

import (
	"math"
	"sort"
)

// GeoRect is a longitude/latitude rectangle in degrees that never wraps:
// MinLng <= MaxLng within [-180, 180] and MinLat <= MaxLat within
// [-90, 90]. A region crossing the antimeridian is described by two rects.
type GeoRect struct {
	MinLng, MinLat, MaxLng, MaxLat float64
}

// Intersects reports whether two rects share a point.
func (r GeoRect) Intersects(o GeoRect) bool {
	return r.MinLng <= o.MaxLng && o.MinLng <= r.MaxLng && r.MinLat <= o.MaxLat && o.MinLat <= r.MaxLat
}

// rectMargin widens every bound (degrees, about 1 cm) so that rounding never
// separates shapes that touch.
const rectMargin = 1e-7

// boundsBuilder accumulates a latitude range and longitude intervals.
type boundsBuilder struct {
	minLat, maxLat float64
	fullLng        bool
	lngs           [][2]float64 // [start, end] in degrees, end may exceed 180 (wrapping)
	any            bool
}

func newBounds() *boundsBuilder { return &boundsBuilder{minLat: 90, maxLat: -90} }

func (b *boundsBuilder) lat(v float64) {
	b.any = true
	b.minLat = math.Min(b.minLat, v)
	b.maxLat = math.Max(b.maxLat, v)
}

func nearPole(lat float64) bool { return math.Abs(lat) >= 90-1e-9 }

func (b *boundsBuilder) point(p vec3) {
	lng, lat := vecLngLat(p)
	b.lat(lat)
	if nearPole(lat) {
		b.fullLng = true
		return
	}
	b.lngs = append(b.lngs, [2]float64{lng, lng})
}

// edge adds the arc a-b: its latitude extremes (which may lie between the
// vertices) and the longitudes it sweeps (the short way round).
func (b *boundsBuilder) edge(a, c vec3) {
	b.point(a)
	b.point(c)
	n := a.cross(c)
	if !isZero(n) {
		z := vec3{0, 0, 1}
		nn := n.normalize()
		top := z.sub(nn.scale(z.dot(nn)))
		if !isZero(top) && top.norm() > 1e-15 {
			top = top.normalize()
			for _, e := range [2]vec3{top, top.neg()} {
				if a.cross(e).dot(n) >= 0 && e.cross(c).dot(n) >= 0 {
					_, lat := vecLngLat(e)
					b.lat(lat)
					if nearPole(lat) {
						b.fullLng = true
					}
				}
			}
		}
	}
	la, lata := vecLngLat(a)
	lc, latc := vecLngLat(c)
	if nearPole(lata) || nearPole(latc) {
		b.fullLng = true
		return
	}
	d := lc - la
	for d > 180 {
		d -= 360
	}
	for d <= -180 {
		d += 360
	}
	if math.Abs(d) >= 180-1e-9 {
		b.fullLng = true
		return
	}
	if d >= 0 {
		b.lngs = append(b.lngs, [2]float64{la, la + d})
	} else {
		b.lngs = append(b.lngs, [2]float64{la + d, la})
	}
}

func (b *boundsBuilder) geometry(g *geometry) {
	for _, p := range g.points {
		b.point(p)
	}
	for _, ln := range g.lines {
		for _, e := range ln {
			b.edge(e.a, e.b)
		}
	}
	for _, pg := range g.polys {
		for _, e := range pg.outer.e {
			b.edge(e.a, e.b)
		}
		if pg.locate(vec3{0, 0, 1}) != locOutside {
			b.lat(90)
			b.fullLng = true
		}
		if pg.locate(vec3{0, 0, -1}) != locOutside {
			b.lat(-90)
			b.fullLng = true
		}
	}
}

// capBounds adds the cap of angular radius r around c.
func (b *boundsBuilder) capBounds(c vec3, r float64) {
	lng, lat := vecLngLat(c)
	rd := radToDeg(r)
	b.lat(math.Max(-90, lat-rd))
	b.lat(math.Min(90, lat+rd))
	if lat+rd >= 90-1e-9 || lat-rd <= -90+1e-9 || rd >= 90 {
		b.fullLng = true
		return
	}
	s := math.Sin(r) / math.Cos(degToRad(lat))
	if s >= 1 {
		b.fullLng = true
		return
	}
	half := radToDeg(math.Asin(s))
	b.lngs = append(b.lngs, [2]float64{lng - half, lng + half})
}

// rects returns the bounding rects (with the margin), nil when nothing was
// added.
func (b *boundsBuilder) rects() []GeoRect {
	if !b.any {
		return nil
	}
	minLat := math.Max(-90, b.minLat-rectMargin)
	maxLat := math.Min(90, b.maxLat+rectMargin)
	if b.fullLng || nearPole(minLat) || nearPole(maxLat) {
		return []GeoRect{{-180, minLat, 180, maxLat}}
	}
	// Normalise the intervals to [-180, 180], splitting wrapped ones.
	var segs [][2]float64
	for _, iv := range b.lngs {
		lo, hi := iv[0]-rectMargin, iv[1]+rectMargin
		for lo < -180 {
			lo += 360
			hi += 360
		}
		for lo >= 180 {
			lo -= 360
			hi -= 360
		}
		if hi-lo >= 360 {
			return []GeoRect{{-180, minLat, 180, maxLat}}
		}
		if hi > 180 {
			segs = append(segs, [2]float64{lo, 180}, [2]float64{-180, hi - 360})
		} else {
			segs = append(segs, [2]float64{lo, hi})
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i][0] < segs[j][0] })
	merged := [][2]float64{segs[0]}
	for _, s := range segs[1:] {
		last := &merged[len(merged)-1]
		if s[0] <= last[1] {
			last[1] = math.Max(last[1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	// The covering interval is the complement of the largest gap (the gap
	// across the antimeridian included).
	gapStart, gapLen := merged[len(merged)-1][1], merged[0][0]+360-merged[len(merged)-1][1]
	for i := 1; i < len(merged); i++ {
		if g := merged[i][0] - merged[i-1][1]; g > gapLen {
			gapStart, gapLen = merged[i-1][1], g
		}
	}
	if gapLen <= 0 {
		return []GeoRect{{-180, minLat, 180, maxLat}}
	}
	start := gapStart + gapLen // first covered longitude
	end := gapStart            // last covered longitude
	for start > 180 {
		start -= 360
	}
	if start <= end {
		return []GeoRect{{start, minLat, end, maxLat}}
	}
	return []GeoRect{{start, minLat, 180, maxLat}, {-180, minLat, end, maxLat}}
}

// geometryRects bounds a geometry.
func geometryRects(g *geometry) []GeoRect {
	b := newBounds()
	b.geometry(g)
	return b.rects()
}

// capRects bounds a spherical cap.
func capRects(c vec3, r float64) []GeoRect {
	b := newBounds()
	b.capBounds(c, r)
	return b.rects()
}
