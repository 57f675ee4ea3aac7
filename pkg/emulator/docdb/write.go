package docdb

import (
	"context"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// change is one document write: old nil inserts, doc nil deletes, both set
// replaces old's document.
type change struct {
	old *record
	doc *dbquery.Document

	// computed by commit
	rec   *record
	enc   []byte
	keys  [][][]dbquery.Value // per index
	multi []bool
}

// commit applies changes atomically: index keys are computed and unique
// indexes checked first, then one bbolt transaction writes everything, and
// only then the in-memory collection changes. Any error leaves both
// untouched. ctx is checked between documents and once more inside the
// store transaction after everything is written, right before it commits:
// a caller that has gone by then gets nothing written. The caller holds
// the collection's lock exclusively.
func (m *Module) commit(ctx context.Context, c *collection, changes []*change, op string) error {
	return m.commitAll(ctx, []collChanges{{c: c, changes: changes}}, op)
}

// collChanges are the changes to one collection.
type collChanges struct {
	c       *collection
	changes []*change
}

// commitAll is commit over several collections, in one store transaction
// (a database transaction's commit).
func (m *Module) commitAll(ctx context.Context, groups []collChanges, op string) error {
	pending := false
	for _, g := range groups {
		if len(g.changes) == 0 {
			continue
		}
		pending = true
		if err := m.prepare(ctx, g.c, g.changes, op); err != nil {
			return err
		}
	}
	if !pending {
		return nil
	}
	// Assign sequence numbers to inserts (gaps after a failed commit are
	// harmless).
	for _, g := range groups {
		for _, ch := range g.changes {
			switch {
			case ch.old == nil:
				id, _ := ch.doc.Get("_id")
				ch.rec = &record{seq: g.c.nextSeq, id: id}
				g.c.nextSeq++
			default:
				ch.rec = ch.old
			}
		}
	}
	err := m.bolt().Update(func(tx *bolt.Tx) error {
		for _, g := range groups {
			if err := writeChanges(tx, g.c, g.changes); err != nil {
				return err
			}
		}
		if len(groups) > 0 {
			m.hook(ctx, "commit", groups[0].c.env, groups[0].c.name)
		}
		// The last point of no return: an error here rolls back.
		return cancelled(ctx, op)
	})
	if err != nil {
		return asDBError(err)
	}
	for _, g := range groups {
		applyChanges(g.c, g.changes)
	}
	return nil
}

// prepare computes the index keys and encodings of changes and checks the
// unique indexes.
func (m *Module) prepare(ctx context.Context, c *collection, changes []*change, op string) error {
	replaced := map[*record]bool{}
	for i, ch := range changes {
		if i&255 == 0 {
			if err := cancelled(ctx, op); err != nil {
				return err
			}
		}
		if ch.old != nil {
			replaced[ch.old] = true
		}
		if ch.doc == nil {
			continue
		}
		ch.keys = make([][][]dbquery.Value, len(c.indexes))
		ch.multi = make([]bool, len(c.indexes))
		for i, ix := range c.indexes {
			k, multi, err := ix.keys(ch.doc)
			if err != nil {
				return err
			}
			ch.keys[i], ch.multi[i] = k, multi
		}
		enc, err := dbquery.EncodeDocument(ch.doc)
		if err != nil {
			return errFailed(op, "%v", err)
		}
		if len(enc) > maxDocumentBytes {
			return errFailed(op, "document is %d bytes, over the 16 MB limit", len(enc))
		}
		ch.enc = enc
	}
	for i, ix := range c.indexes {
		if ix.spec.Unique {
			if err := m.checkUnique(c, i, ix, changes, replaced); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeChanges stores prepared changes of c in tx.
func writeChanges(tx *bolt.Tx, c *collection, changes []*change) error {
	b := collBucket(tx, c.env, c.name)
	if b == nil {
		return errCollectionMissing(c.name)
	}
	docs, err := b.CreateBucketIfNotExists(bucketDocs)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.doc == nil {
			if err := docs.Delete(seqKey(ch.rec.seq)); err != nil {
				return err
			}
			continue
		}
		if err := docs.Put(seqKey(ch.rec.seq), ch.enc); err != nil {
			return err
		}
	}
	return nil
}

// applyChanges makes stored changes visible in memory.
func applyChanges(c *collection, changes []*change) {
	for _, ch := range changes {
		r := ch.rec
		if ch.old != nil {
			for _, ix := range c.indexes {
				keys, multi, _ := ix.keys(r.doc)
				ix.drop(r, keys, multi)
			}
			c.size -= int64(r.size)
		}
		if ch.doc == nil {
			r.dead = true
			c.dead++
			continue
		}
		r.doc, r.size = ch.doc, len(ch.enc)
		c.size += int64(r.size)
		if ch.old == nil {
			c.natural = append(c.natural, r)
		}
		for i, ix := range c.indexes {
			ix.add(r, ch.keys[i], ch.multi[i])
		}
	}
	c.compact()
	c.publish()
}

// maxDocumentBytes is MongoDB's document size limit.
const maxDocumentBytes = 16 << 20

// checkUnique rejects changes that would give two documents the same key
// in a unique index: against stored documents that are not being replaced,
// and among the new documents themselves.
func (m *Module) checkUnique(c *collection, i int, ix *index, changes []*change, replaced map[*record]bool) error {
	type pending struct {
		key []dbquery.Value
		n   int
	}
	var news []pending
	for n, ch := range changes {
		if ch.doc == nil {
			continue
		}
		for _, k := range ch.keys[i] {
			lo, hi := ix.equalRange(k)
			dup := false
			ix.list.each(lo, hi, func(e entry) bool {
				if !replaced[e.rec] {
					dup = true
					return false
				}
				return true
			})
			if dup {
				return errFailed(op(ch), "%s", dupKeyMessage(c.env, c.name, ix, k))
			}
			news = append(news, pending{k, n})
		}
	}
	if len(news) < 2 {
		return nil
	}
	slices.SortFunc(news, func(a, b pending) int { return cmpTuple(a.key, b.key) })
	for j := 1; j < len(news); j++ {
		if news[j].n != news[j-1].n && cmpTuple(news[j].key, news[j-1].key) == 0 {
			return errFailed(op(changes[news[j].n]), "%s", dupKeyMessage(c.env, c.name, ix, news[j].key))
		}
	}
	return nil
}

func op(ch *change) string {
	if ch.old == nil {
		return "Insert"
	}
	return "Update"
}
