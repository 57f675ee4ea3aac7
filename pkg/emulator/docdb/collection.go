package docdb

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// record is one stored document. seq is its key in the store and its
// position in natural (insertion) order; doc is never modified in place (an
// update swaps the pointer), so readers may keep it after unlocking.
type record struct {
	seq  uint64
	id   dbquery.Value
	doc  *dbquery.Document
	size int // bytes of the stored Extended JSON
	dead bool
}

// collection is a loaded collection: its documents in natural order and its
// indexes (indexes[0] is the unique _id index).
type collection struct {
	env, name string
	created   time.Time
	natural   []*record // seq order; may hold dead records until compaction
	dead      int
	size      int64
	nextSeq   uint64
	indexes   []*index

	// stats are the numbers listings show, published after every change
	// so that they are read without the collection's lock.
	stats atomic.Pointer[collStats]
}

type collStats struct {
	count, size, indexes, entries int64
}

// publish records the collection's numbers for listings. The caller holds
// the collection's lock exclusively (or owns it, while loading).
func (c *collection) publish() {
	c.stats.Store(&collStats{count: int64(c.live()), size: c.size,
		indexes: int64(len(c.indexes)), entries: int64(c.indexEntries())})
}

func (c *collection) published() collStats {
	if st := c.stats.Load(); st != nil {
		return *st
	}
	return collStats{}
}

func (c *collection) live() int { return len(c.natural) - c.dead }

func (c *collection) idIndex() *index { return c.indexes[0] }

func idSpec(created time.Time) indexSpec {
	return indexSpec{Name: idIndexName, Unique: true, Keys: []indexKey{{Name: "_id", Direction: "1"}}, Created: created}
}

// newCollection returns an empty collection with the _id index.
func newCollection(env, name string, created time.Time, specs []indexSpec) *collection {
	c := &collection{env: env, name: name, created: created, nextSeq: 1}
	c.indexes = append(c.indexes, newIndex(idSpec(created), created))
	for _, s := range specs {
		c.indexes = append(c.indexes, newIndex(s, s.Created))
	}
	return c
}

// buildIndex fills ix from the collection's records in one sort.
func (c *collection) buildIndex(ix *index) error {
	var entries []entry
	ix.multikey = 0
	for _, r := range c.natural {
		if r.dead {
			continue
		}
		keys, multi, err := ix.keys(r.doc)
		if err != nil {
			return err
		}
		if multi {
			ix.multikey++
		}
		for _, k := range keys {
			entries = append(entries, entry{key: k, rec: r})
		}
	}
	slices.SortFunc(entries, cmpEntry)
	if ix.spec.Unique {
		for i := 1; i < len(entries); i++ {
			if cmpTuple(entries[i-1].key, entries[i].key) == 0 && entries[i-1].rec != entries[i].rec {
				return errFailed("", "%s", dupKeyMessage(c.env, c.name, ix, entries[i].key))
			}
		}
	}
	ix.list.build(entries)
	return nil
}

// compact drops dead records from the natural order when they pile up.
func (c *collection) compact() {
	if c.dead < 1024 || c.dead < len(c.natural)/4 {
		return
	}
	out := c.natural[:0]
	for _, r := range c.natural {
		if !r.dead {
			out = append(out, r)
		}
	}
	clear(c.natural[len(out):])
	c.natural = out
	c.dead = 0
}

// tick checks the request context every few thousand steps.
type tick struct {
	ctx context.Context
	n   int
}

func (t *tick) step() error {
	t.n++
	if t.n&4095 == 0 {
		if err := t.ctx.Err(); err != nil {
			return errDeadline
		}
	}
	return nil
}

// planInfo describes how candidates were selected (for tests and State).
type planInfo struct {
	Index      string // "" for a collection scan
	Candidates int    // records examined
}

// candidates returns the records that may match f, in natural order, and
// how they were found. An index is used when one of its leading paths has
// a constraint; the narrowest wins. The caller still runs f.Match.
func (c *collection) candidates(ctx context.Context, f *dbquery.Filter) ([]*record, planInfo, error) {
	var best *index
	var bestRanges []keyRange
	bestCount := -1
	cons := f.Constraints()
	if len(cons) > 0 {
		for _, ix := range c.indexes {
			con, ok := cons[ix.paths[0]]
			if !ok {
				continue
			}
			rs, ok := ix.ranges(con)
			if !ok {
				continue
			}
			n := ix.count(rs)
			if bestCount < 0 || n < bestCount {
				best, bestRanges, bestCount = ix, rs, n
			}
		}
	}
	if best == nil || bestCount >= c.live() {
		out := make([]*record, 0, c.live())
		t := tick{ctx: ctx}
		for _, r := range c.natural {
			if err := t.step(); err != nil {
				return nil, planInfo{}, err
			}
			if !r.dead {
				out = append(out, r)
			}
		}
		return out, planInfo{Candidates: len(out)}, nil
	}
	best.ops.Add(1)
	out := make([]*record, 0, bestCount)
	for _, r := range bestRanges {
		best.list.each(r.lo, r.hi, func(e entry) bool {
			out = append(out, e.rec)
			return true
		})
	}
	info := planInfo{Index: best.spec.Name, Candidates: len(out)}
	if !slices.IsSortedFunc(out, bySeq) {
		slices.SortFunc(out, bySeq)
	}
	if len(bestRanges) > 1 || best.list.len() != c.live() {
		out = slices.CompactFunc(out, func(a, b *record) bool { return a == b })
	}
	return out, info, nil
}

func bySeq(a, b *record) int {
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// matching returns the records matching f in natural order.
func (c *collection) matching(ctx context.Context, f *dbquery.Filter, limit int) ([]*record, planInfo, error) {
	cands, info, err := c.candidates(ctx, f)
	if err != nil {
		return nil, info, err
	}
	out := cands[:0]
	t := tick{ctx: ctx}
	for _, r := range cands {
		if err := t.step(); err != nil {
			return nil, info, err
		}
		if f.Match(r.doc) {
			out = append(out, r)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
	}
	return out, info, nil
}

// docs returns the live documents in natural order.
func (c *collection) docs() []*dbquery.Document {
	out := make([]*dbquery.Document, 0, c.live())
	for _, r := range c.natural {
		if !r.dead {
			out = append(out, r.doc)
		}
	}
	return out
}

func (c *collection) indexEntries() int {
	n := 0
	for _, ix := range c.indexes {
		n += ix.list.len()
	}
	return n
}
