package docdb

import (
	"context"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// 2dsphere indexes.
//
// A 2dsphere index keys each document by grid cells covering the bounding
// rects of the geometries it holds at the indexed path
// (dbquery.GeoIndexRects: GeoJSON objects and legacy coordinate pairs).
// The grid has levels 0..geoMaxLevel; at level L a cell is 180/2^L degrees
// square (2^L rows of latitude, 2^(L+1) columns of longitude) and a
// document uses the finest level at which its rects need at most
// geoMaxCells cells. A key is the int64 level<<50 | row<<25 | column, so
// the cells of one row are contiguous in the index order. A document
// without a geometry (missing field, null, empty array: 2dsphere indexes
// are sparse) gets the single key geoNoKey, which no query range includes.
//
// A geo condition's constraint (dbquery.Constraint.Geo: rects the matching
// geometries must meet) is covered at every level that has entries, one key
// range per row (or one range over all the rows when there are many), so
// the candidates are a superset of the matches; Filter.Match still decides.
//
// MongoDB's rules for near queries are applied where the operations run
// (ops.go, find.go):
//
//   - find, count, update, remove: after mustCollection,
//     c.requireGeoIndex(f) (a $nearSphere needs a 2dsphere index on its
//     path, -501007 "unable to find index for $geoNear query");
//   - aggregate: after mustCollection, pipeline = c.prepareGeoPipeline(
//     pipeline) (a leading $geoNear gets its key from the only 2dsphere
//     index; none or several without key is -501007);
//   - findGeneral, update, remove, findAndModify: c.matchingNear in place
//     of c.matching, so that with a $nearSphere filter the matches come
//     nearest first (MongoDB's order; a find's orderBy then re-sorts them,
//     stably) and a single-document update or remove takes the nearest.

const (
	geoMaxLevel = 14 // cells of 0.011° (about 1.2 km)
	geoMaxCells = 8
	geoNoKey    = int64(-1)
	geoMaxRows  = 256 // per level and rect, beyond which one range covers all rows
)

func geoCellKey(level, row, col int) int64 {
	return int64(level)<<50 | int64(row)<<25 | int64(col)
}

func geoKeyLevel(k int64) int { return int(k >> 50) }

// geoCellRange returns the rows and columns a rect covers at a level.
func geoCellRange(r dbquery.GeoRect, level int) (r0, r1, c0, c1 int) {
	size := 180 / math.Exp2(float64(level))
	rows, cols := 1<<level, 1<<(level+1)
	clamp := func(v, n int) int { return max(0, min(n-1, v)) }
	r0 = clamp(int(math.Floor((r.MinLat+90)/size)), rows)
	r1 = clamp(int(math.Floor((r.MaxLat+90)/size)), rows)
	c0 = clamp(int(math.Floor((r.MinLng+180)/size)), cols)
	c1 = clamp(int(math.Floor((r.MaxLng+180)/size)), cols)
	return
}

// geoCells returns the index keys of a document whose geometries have the
// given bounding rects.
func geoCells(rects []dbquery.GeoRect) []int64 {
	if len(rects) == 0 {
		return []int64{geoNoKey}
	}
	for level := geoMaxLevel; ; level-- {
		n := 0
		for _, r := range rects {
			r0, r1, c0, c1 := geoCellRange(r, level)
			n += (r1 - r0 + 1) * (c1 - c0 + 1)
		}
		if n > geoMaxCells*4 && level > 0 {
			continue
		}
		seen := map[int64]bool{}
		var out []int64
		for _, r := range rects {
			r0, r1, c0, c1 := geoCellRange(r, level)
			for row := r0; row <= r1; row++ {
				for col := c0; col <= c1; col++ {
					k := geoCellKey(level, row, col)
					if !seen[k] {
						seen[k] = true
						out = append(out, k)
					}
				}
			}
		}
		if len(out) <= geoMaxCells || level == 0 {
			return out
		}
	}
}

// geoKeys computes the key tuples of a document for a 2dsphere index, or
// MongoDB's error for a value that is not a geometry.
func (ix *index) geoKeys(doc *dbquery.Document) ([][]dbquery.Value, bool, error) {
	rects, err := dbquery.GeoIndexRects(doc, ix.paths[0])
	if err != nil {
		return nil, false, errFailed("", "Can't extract geo keys: %s  %v", shortDocument(doc), err)
	}
	cells := geoCells(rects)
	out := make([][]dbquery.Value, len(cells))
	for i, k := range cells {
		out[i] = []dbquery.Value{k}
	}
	return out, len(cells) > 1, nil
}

// shortDocument renders a document for an error message, cut at 512 bytes.
func shortDocument(doc *dbquery.Document) string {
	b, err := dbquery.EncodeDocument(doc)
	if err != nil {
		return "{...}"
	}
	if len(b) > 512 {
		n := 512
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		return string(b[:n]) + "..."
	}
	return string(b)
}

// geoRanges returns the ranges of entries whose cells can hold a geometry
// meeting the constraint's rects (ok=false when c has no geo constraint).
func (ix *index) geoRanges(c dbquery.Constraint) ([]keyRange, bool) {
	if !c.HasGeo {
		return nil, false
	}
	l := ix.list
	keyOf := func(e entry) int64 { v, _ := e.key[0].(int64); return v }
	var out []keyRange
	add := func(lo, hi int64) {
		p := l.search(func(e entry) bool { return keyOf(e) >= lo })
		q := l.search(func(e entry) bool { return keyOf(e) > hi })
		if before(p, q) {
			out = append(out, keyRange{p, q})
		}
	}
	for level := 0; level <= geoMaxLevel; level++ {
		// Levels without entries are skipped (keys sort by level first).
		p := l.search(func(e entry) bool { return keyOf(e) >= geoCellKey(level, 0, 0) })
		if p == l.end() || geoKeyLevel(keyOf(l.get(p))) != level {
			continue
		}
		for _, r := range c.Geo {
			r0, r1, c0, c1 := geoCellRange(r, level)
			if r1-r0+1 > geoMaxRows {
				add(geoCellKey(level, r0, 0), geoCellKey(level, r1, (1<<(level+1))-1))
				continue
			}
			for row := r0; row <= r1; row++ {
				add(geoCellKey(level, row, c0), geoCellKey(level, row, c1))
			}
		}
	}
	return mergeRanges(out), true
}

// isGeoSpec reports whether an index spec has a 2dsphere key.
func isGeoSpec(s *indexSpec) bool {
	for _, k := range s.Keys {
		if k.Direction == geoDirection {
			return true
		}
	}
	return false
}

const geoDirection = "2dsphere"

// geoPaths returns the paths of the collection's 2dsphere indexes.
func (c *collection) geoPaths() []string {
	out := []string{}
	for _, ix := range c.indexes {
		if ix.geo {
			out = append(out, ix.paths[0])
		}
	}
	return out
}

// requireGeoIndex applies MongoDB's planner rule to a find, count, update
// or remove: a _.geoNear ($nearSphere) condition needs a 2dsphere index on
// its path (-501007 "unable to find index for $geoNear query").
func (c *collection) requireGeoIndex(f *dbquery.Filter) error {
	if err := f.CheckGeoIndex(c.geoPaths()); err != nil {
		return errInvalid("%v", err)
	}
	return nil
}

// prepareGeoPipeline resolves the key of a leading $geoNear stage from the
// collection's 2dsphere indexes (-501007 when there is none, or several and
// no key names one).
func (c *collection) prepareGeoPipeline(p []dbquery.Stage) ([]dbquery.Stage, error) {
	out, err := dbquery.ResolveGeoNear(p, c.geoPaths())
	if err != nil {
		return nil, errInvalid("%v", err)
	}
	return out, nil
}

// matchingNear is matching, except that with a $nearSphere filter every
// match is found and they come nearest first (equal distances in natural
// order), cut to limit afterwards.
func (c *collection) matchingNear(ctx context.Context, f *dbquery.Filter, limit int) ([]*record, planInfo, error) {
	n := f.Near()
	if n == nil {
		return c.matching(ctx, f, limit)
	}
	recs, plan, err := c.matching(ctx, f, 0)
	if err != nil {
		return nil, plan, err
	}
	dist := make(map[*record]float64, len(recs))
	for _, r := range recs {
		d, ok := n.Distance(r.doc)
		if !ok {
			d = math.Inf(1)
		}
		dist[r] = d
	}
	slices.SortStableFunc(recs, func(a, b *record) int {
		switch da, db := dist[a], dist[b]; {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	if limit > 0 && len(recs) > limit {
		recs = recs[:limit]
	}
	return recs, plan, nil
}
