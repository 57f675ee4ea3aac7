package dbquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ExecOptions tunes Execute.
type ExecOptions struct {
	// Now is the time db.serverDate() resolves to (default time.Now()).
	Now time.Time
	// NewID generates _id for inserted documents without one (default: 32
	// random hex characters).
	NewID func() string
	// Lookup returns other collections for $lookup.
	Lookup LookupFunc
	// DefaultLimit applies to find queries without .limit() (use
	// DefaultHTTPLimit to behave like the WeChat HTTP API); 0 means no limit.
	DefaultLimit int64
	// GeoIndexes lists the paths of the collection's 2dsphere indexes.
	// When non-nil, MongoDB's index rules apply: a _.geoNear ($nearSphere)
	// condition needs an index on its path, and an aggregate geoNear stage
	// without key uses the only one (see ResolveGeoNear). When nil, near
	// conditions are evaluated without an index and geoNear needs key.
	GeoIndexes []string
}

// Result is the outcome of Execute.
type Result struct {
	// Docs: find (after sort/skip/limit/projection) and aggregate results.
	Docs []*Document
	// Count: count() result.
	Count int64
	// InsertedIDs: _id of every inserted document (insert), in order.
	InsertedIDs []Value
	// Matched/Modified: update and set (a set that inserted counts neither).
	Matched, Modified int64
	// UpsertedID: the _id a set() inserted, nil otherwise.
	UpsertedID Value
	// Deleted: remove.
	Deleted int64
	// Collection: for writes, the complete collection after the write (same
	// order; inserted documents appended); nil for reads.
	Collection []*Document
	// Changed: for writes, the documents inserted, modified or upserted (new
	// versions); DeletedIDs the _id of removed documents.
	Changed    []*Document
	DeletedIDs []Value
}

// Execute runs q over the documents of its collection, held in memory. It is
// the reference executor: the input slice and documents are never modified
// (writes return the new collection in Result.Collection). For .doc(id)
// statements the document is looked up by _id. update and remove change every
// match when q.Multi (where().update()/remove()) and the first match
// otherwise (.doc(id)); set() replaces its document or inserts it (upsert).
// A find with a _.geoNear condition returns its matches nearest first, then
// re-ordered by orderBy when the statement has one (as MongoDB does:
// sort() overrides the distance order), then skip and limit.
func Execute(ctx context.Context, q *Query, docs []*Document, opts *ExecOptions) (*Result, error) {
	if opts == nil {
		opts = &ExecOptions{}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	newID := opts.NewID
	if newID == nil {
		newID = randomID
	}
	res := &Result{}
	if q.Action == ActionAggregate {
		pipeline := q.Pipeline
		if opts.GeoIndexes != nil {
			var err error
			if pipeline, err = ResolveGeoNear(pipeline, opts.GeoIndexes); err != nil {
				return nil, err
			}
		}
		out, err := runPipeline(ctx, docs, pipeline, opts.Lookup, now)
		if err != nil {
			return nil, err
		}
		res.Docs = out
		return res, nil
	}
	if q.Action == ActionInsert {
		return execInsert(q, docs, now, newID)
	}
	filter := ResolveServerDates(q.EffectiveFilter(), now).(*Document)
	f, err := CompileFilter(filter)
	if err != nil {
		return nil, err
	}
	if opts.GeoIndexes != nil {
		if err := f.CheckGeoIndex(opts.GeoIndexes); err != nil {
			return nil, err
		}
	}
	tk := &ticker{ctx: ctx}
	// update/remove touch one document unless Multi; set targets its .doc(id).
	single := ((q.Action == ActionUpdate || q.Action == ActionRemove) && !q.Multi) || q.Action == ActionSet
	var matched []int
	for i, d := range docs {
		if err := tk.tick(); err != nil {
			return nil, err
		}
		if f.Match(d) {
			matched = append(matched, i)
			if single {
				break
			}
		}
	}
	switch q.Action {
	case ActionCount:
		res.Count = int64(len(matched))
		return res, nil
	case ActionFind:
		out := make([]*Document, len(matched))
		for i, idx := range matched {
			out[i] = docs[idx]
		}
		f.SortResults(out, q.Sort)
		if q.Skip != nil {
			if *q.Skip >= int64(len(out)) {
				out = out[:0]
			} else {
				out = out[*q.Skip:]
			}
		}
		limit := opts.DefaultLimit
		if q.Limit != nil {
			limit = *q.Limit
		}
		if limit > 0 && limit < int64(len(out)) {
			out = out[:limit]
		}
		if q.Projection != nil {
			p, err := compileProjection(q.Projection, false)
			if err != nil {
				return nil, err
			}
			for i, d := range out {
				if out[i], err = p.apply(d); err != nil {
					return nil, err
				}
			}
		}
		res.Docs = append([]*Document{}, out...)
		return res, nil
	case ActionRemove:
		drop := map[int]bool{}
		for _, i := range matched {
			drop[i] = true
			id, _ := docs[i].Get("_id")
			res.DeletedIDs = append(res.DeletedIDs, id)
		}
		res.Deleted = int64(len(matched))
		res.Collection = make([]*Document, 0, len(docs)-len(matched))
		for i, d := range docs {
			if !drop[i] {
				res.Collection = append(res.Collection, d)
			}
		}
		return res, nil
	case ActionUpdate, ActionSet:
		if q.Update == nil {
			return nil, errors.New("update has no data")
		}
		if q.Action == ActionUpdate && !allDollar(q.Update) {
			return nil, errors.New("update() needs an operator document")
		}
		update := ResolveServerDates(q.Update, now).(*Document)
		coll := append([]*Document{}, docs...)
		for _, i := range matched {
			nd, modified, err := applyUpdate(docs[i], update, now)
			if err != nil {
				return nil, err
			}
			res.Matched++
			if modified {
				res.Modified++
				coll[i] = nd
				res.Changed = append(res.Changed, nd)
			}
		}
		if q.Action == ActionSet && len(matched) == 0 {
			if !q.HasDocID {
				return nil, errors.New("set() needs .doc(id)")
			}
			nd, _, err := replaceDocument(D("_id", q.DocID), update)
			if err != nil {
				return nil, err
			}
			coll = append(coll, nd)
			res.UpsertedID = q.DocID
			res.Changed = append(res.Changed, nd)
		}
		res.Collection = coll
		return res, nil
	}
	return nil, fmt.Errorf("unknown action %q", q.Action)
}

func execInsert(q *Query, docs []*Document, now time.Time, newID func() string) (*Result, error) {
	res := &Result{}
	seen := map[string]bool{}
	for _, d := range docs {
		if id, ok := d.Get("_id"); ok {
			seen[groupKey(id)] = true
		}
	}
	coll := append([]*Document{}, docs...)
	for _, d := range q.Data {
		if err := checkValue(d, 0); err != nil {
			return nil, err
		}
		nd := ResolveServerDates(d, now).(*Document).Clone()
		id, ok := nd.Get("_id")
		if !ok {
			id = newID()
			nd = NewDocument(append([]Field{{Key: "_id", Value: id}}, nd.Fields()...)...)
		}
		switch id.(type) {
		case []any, *Regex:
			return nil, fmt.Errorf("_id cannot be of type %s", typeName(id))
		}
		k := groupKey(id)
		if seen[k] {
			return nil, fmt.Errorf("duplicate key: _id %s already exists", shortValue(id))
		}
		seen[k] = true
		coll = append(coll, nd)
		res.InsertedIDs = append(res.InsertedIDs, id)
		res.Changed = append(res.Changed, nd)
	}
	res.Collection = coll
	return res, nil
}

func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
