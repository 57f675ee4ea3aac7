package docdb

import (
	"context"
	"slices"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// findSpec is a find: filter, projection, order and window.
type findSpec struct {
	filter     *dbquery.Filter
	projection *dbquery.Document
	sort       []dbquery.SortKey
	skip       int64
	limit      int64 // > 0
	// total asks for the number of matches regardless of skip/limit (the
	// HTTP API's pager.Total); without it scans stop at the window's end.
	total bool
}

type findResult struct {
	docs  []*dbquery.Document
	total int64
	plan  planInfo
}

func isEmptyFilter(f *dbquery.Filter) bool {
	src := f.Source()
	return src == nil || src.Len() == 0
}

// find runs a find over the collection.
func (c *collection) find(ctx context.Context, s findSpec) (*findResult, error) {
	var res *findResult
	var err error
	if len(s.sort) == 1 && s.sort[0].Field == "_id" {
		res, err = c.findByID(ctx, s, s.sort[0].Desc)
	} else {
		res, err = c.findGeneral(ctx, s)
	}
	if err != nil {
		return nil, err
	}
	if s.projection != nil {
		for i, d := range res.docs {
			p, err := dbquery.ApplyProjection(d, s.projection)
			if err != nil {
				return nil, errInvalid("%v", err)
			}
			res.docs[i] = p
		}
	}
	return res, nil
}

// window returns docs[skip:skip+limit].
func window[T any](all []T, skip, limit int64) []T {
	if skip >= int64(len(all)) {
		return nil
	}
	all = all[skip:]
	if limit < int64(len(all)) {
		all = all[:limit]
	}
	return all
}

func (c *collection) findGeneral(ctx context.Context, s findSpec) (*findResult, error) {
	stop := 0
	if len(s.sort) == 0 && !s.total {
		stop = int(min(s.skip+s.limit, int64(c.live())+1))
	}
	recs, plan, err := c.matchingNear(ctx, s.filter, stop)
	if err != nil {
		return nil, err
	}
	res := &findResult{total: int64(len(recs)), plan: plan}
	if len(s.sort) == 0 {
		for _, r := range window(recs, s.skip, s.limit) {
			res.docs = append(res.docs, r.doc)
		}
		return res, nil
	}
	docs := make([]*dbquery.Document, len(recs))
	for i, r := range recs {
		docs[i] = r.doc
	}
	dbquery.SortDocuments(docs, s.sort)
	res.docs = slices.Clone(window(docs, s.skip, s.limit))
	return res, nil
}

// findByID serves orderBy("_id") from the _id index: no sort, and with no
// filter the window is found by position (export paging).
func (c *collection) findByID(ctx context.Context, s findSpec, desc bool) (*findResult, error) {
	ix := c.idIndex()
	l := ix.list
	res := &findResult{}
	if isEmptyFilter(s.filter) {
		n := int64(l.len())
		res.total = n
		res.plan = planInfo{Index: idIndexName}
		if s.skip >= n {
			return res, nil
		}
		if !desc {
			p := l.at(int(s.skip))
			l.each(p, l.end(), func(e entry) bool {
				res.docs = append(res.docs, e.rec.doc)
				return int64(len(res.docs)) < s.limit
			})
		} else {
			p, ok := l.at(int(n-1-s.skip)), true
			for ok && int64(len(res.docs)) < s.limit {
				res.docs = append(res.docs, l.get(p).rec.doc)
				p, ok = l.prev(p)
			}
		}
		res.plan.Candidates = len(res.docs)
		ix.ops.Add(1)
		return res, nil
	}
	cands, plan, err := c.candidates(ctx, s.filter)
	if err != nil {
		return nil, err
	}
	if plan.Index != "" {
		// An index narrowed the set: match, then order the few by _id.
		var recs []*record
		for _, r := range cands {
			if s.filter.Match(r.doc) {
				recs = append(recs, r)
			}
		}
		slices.SortFunc(recs, func(a, b *record) int {
			if desc {
				return dbquery.Compare(b.id, a.id)
			}
			return dbquery.Compare(a.id, b.id)
		})
		res.total = int64(len(recs))
		res.plan = plan
		for _, r := range window(recs, s.skip, s.limit) {
			res.docs = append(res.docs, r.doc)
		}
		return res, nil
	}
	// Walk the _id index in order, matching as we go.
	res.plan = planInfo{Index: idIndexName}
	t := tick{ctx: ctx}
	var matched int64
	visit := func(e entry) (bool, error) {
		if err := t.step(); err != nil {
			return false, err
		}
		res.plan.Candidates++
		if !s.filter.Match(e.rec.doc) {
			return true, nil
		}
		matched++
		if matched > s.skip && int64(len(res.docs)) < s.limit {
			res.docs = append(res.docs, e.rec.doc)
		}
		return s.total || int64(len(res.docs)) < s.limit, nil
	}
	var verr error
	if !desc {
		l.each(pos{}, l.end(), func(e entry) bool {
			more, err := visit(e)
			verr = err
			return more && err == nil
		})
	} else if l.len() > 0 {
		p, ok := l.at(l.len()-1), true
		for ok {
			more, err := visit(l.get(p))
			if err != nil {
				verr = err
				break
			}
			if !more {
				break
			}
			p, ok = l.prev(p)
		}
	}
	if verr != nil {
		return nil, verr
	}
	res.total = matched
	return res, nil
}

// count counts the matches of f.
func (c *collection) count(ctx context.Context, f *dbquery.Filter) (int64, planInfo, error) {
	if isEmptyFilter(f) {
		return int64(c.live()), planInfo{}, nil
	}
	recs, plan, err := c.matching(ctx, f, 0)
	if err != nil {
		return 0, plan, err
	}
	return int64(len(recs)), plan, nil
}
