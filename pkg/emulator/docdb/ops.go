package docdb

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// The operations below are shared by the WeChat handlers and RunCommands.
// Reads hold their collection's lock shared, writes exclusively (locks.go);
// results hold document pointers that stay valid after unlocking
// (documents are never modified in place). Writes stop without writing
// anything when their context ends before they commit.

// compile resolves server dates and compiles a filter.
func (m *Module) compile(filter *dbquery.Document, now time.Time) (*dbquery.Filter, error) {
	if filter == nil {
		filter = dbquery.NewDocument()
	}
	resolved, _ := dbquery.ResolveServerDates(filter, now).(*dbquery.Document)
	f, err := dbquery.CompileFilter(resolved)
	if err != nil {
		return nil, errInvalid("%v", err)
	}
	return f, nil
}

func (m *Module) observe(c *collection, p planInfo) {
	if m.planHook != nil {
		m.planHook(c.env, c.name, p)
	}
}

// findOp is a find request.
type findOp struct {
	filter     *dbquery.Document
	projection *dbquery.Document
	sort       []dbquery.SortKey
	skip       int64
	limit      int64
	total      bool
}

func (m *Module) find(ctx context.Context, env, coll string, op findOp) (*findResult, error) {
	f, err := m.compile(op.filter, m.now())
	if err != nil {
		return nil, err
	}
	if op.projection != nil {
		// Validate the projection once, even when nothing matches.
		if _, err := dbquery.ApplyProjection(dbquery.NewDocument(), op.projection); err != nil {
			return nil, errInvalid("%v", err)
		}
	}
	defer m.lock(env, false, coll)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return nil, err
	}
	if err := c.requireGeoIndex(f); err != nil {
		return nil, err
	}
	res, err := c.find(ctx, findSpec{filter: f, projection: op.projection, sort: op.sort,
		skip: op.skip, limit: op.limit, total: op.total})
	if err != nil {
		return nil, statementError("Query", err)
	}
	m.observe(c, res.plan)
	return res, nil
}

func (m *Module) count(ctx context.Context, env, coll string, filter *dbquery.Document) (int64, error) {
	f, err := m.compile(filter, m.now())
	if err != nil {
		return 0, err
	}
	defer m.lock(env, false, coll)()
	m.hook(ctx, "count", env, coll)
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return 0, err
	}
	if err := c.requireGeoIndex(f); err != nil {
		return 0, err
	}
	n, plan, err := c.count(ctx, f)
	if err != nil {
		return 0, statementError("Count", err)
	}
	m.observe(c, plan)
	return n, nil
}

// aggregate runs a pipeline. A leading $match selects candidates through
// the indexes; the pipeline still runs it.
func (m *Module) aggregate(ctx context.Context, env, coll string, pipeline []dbquery.Stage) ([]*dbquery.Document, error) {
	now := m.now()
	var first *dbquery.Filter
	if len(pipeline) > 0 && pipeline[0].Name == "$match" {
		if d, ok := pipeline[0].Arg.(*dbquery.Document); ok {
			f, err := m.compile(d, now)
			if err != nil {
				return nil, err
			}
			first = f
		}
	}
	others := lookupCollections(pipeline)
	defer m.lock(env, false, append([]string{coll}, others...)...)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return nil, err
	}
	if pipeline, err = c.prepareGeoPipeline(pipeline); err != nil {
		return nil, err
	}
	var docs []*dbquery.Document
	if first != nil {
		recs, plan, err := c.candidates(ctx, first)
		if err != nil {
			return nil, statementError("Aggregate", err)
		}
		m.observe(c, plan)
		docs = make([]*dbquery.Document, len(recs))
		for i, r := range recs {
			docs[i] = r.doc
		}
	} else {
		docs = c.docs()
	}
	lookup := func(name string) ([]*dbquery.Document, error) {
		if name != coll && !slices.Contains(others, name) {
			return nil, errInvalid("$lookup from %q: the collection was not locked", name) // cannot happen
		}
		other, err := m.collection(env, name)
		if err != nil {
			return nil, err
		}
		if other == nil {
			return nil, nil
		}
		return other.docs(), nil
	}
	out, err := dbquery.RunPipeline(ctx, docs, pipeline, lookup)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errFailed("Aggregate", "%v", errDeadline)
		}
		return nil, statementError("Aggregate", err)
	}
	return out, nil
}

// lookupCollections lists the collections a pipeline's $lookup stages
// read.
func lookupCollections(pipeline []dbquery.Stage) []string {
	var out []string
	for _, st := range pipeline {
		if st.Name != "$lookup" {
			continue
		}
		if spec, ok := st.Arg.(*dbquery.Document); ok {
			if from, ok := spec.Get("from"); ok {
				if s, ok := from.(string); ok && s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// insert adds documents (generating _id where absent) atomically: one
// duplicate key and nothing is written. It returns the _id of each.
func (m *Module) insert(ctx context.Context, env, coll string, data []*dbquery.Document) ([]dbquery.Value, error) {
	now := m.now()
	changes := make([]*change, 0, len(data))
	ids := make([]dbquery.Value, 0, len(data))
	for _, d := range data {
		nd, err := prepareInsert(d, now)
		if err != nil {
			return nil, err
		}
		id, _ := nd.Get("_id")
		ids = append(ids, id)
		changes = append(changes, &change{doc: nd})
	}
	defer m.lock(env, true, coll)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return nil, err
	}
	if err := m.commit(ctx, c, changes, "Insert"); err != nil {
		return nil, err
	}
	return ids, nil
}

// prepareInsert returns the document to store: server dates resolved, _id
// first (generated when absent).
func prepareInsert(d *dbquery.Document, now time.Time) (*dbquery.Document, error) {
	if d == nil {
		return nil, errInvalid("a document to insert is null")
	}
	nd, _ := dbquery.ResolveServerDates(d, now).(*dbquery.Document)
	nd = nd.Clone()
	for _, f := range nd.Fields() {
		if strings.HasPrefix(f.Key, "$") {
			return nil, errFailed("Insert", "document field names must not start with '$' (%s)", f.Key)
		}
	}
	id, ok := nd.Get("_id")
	if !ok {
		return dbquery.NewDocument(append([]dbquery.Field{{Key: "_id", Value: newID()}}, nd.Fields()...)...), nil
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	return nd, nil
}

func checkID(id dbquery.Value) error {
	switch id.(type) {
	case []any:
		return errFailed("Insert", "_id cannot be an array")
	case *dbquery.Regex:
		return errFailed("Insert", "_id cannot be a regular expression")
	}
	return nil
}

// updateOp is an update request.
type updateOp struct {
	filter *dbquery.Document
	update *dbquery.Document // operators, or the replacement when replace
	multi  bool
	upsert bool
	// replace: update is a whole document (set()).
	replace bool
}

type updateResult struct {
	matched, modified int64
	upserted          dbquery.Value // nil unless an upsert inserted
}

func (m *Module) update(ctx context.Context, env, coll string, op updateOp) (*updateResult, error) {
	now := m.now()
	if op.update == nil {
		return nil, errInvalid("update has no data")
	}
	upd, _ := dbquery.ResolveServerDates(op.update, now).(*dbquery.Document)
	ops := hasOperators(upd)
	switch {
	case op.replace && ops:
		return nil, errInvalid("a replacement document must not contain update operators")
	case !op.replace && !ops:
		return nil, errInvalid("update() needs update operators ($set, $inc, ...)")
	case !op.replace && !allOperators(upd):
		return nil, errInvalid("cannot mix update operators and plain fields")
	}
	if !op.replace && touchesID(upd) {
		// The cloud: "-501007 invalid parameters. 不能更新_id的值".
		return nil, errInvalid("cannot update the value of _id")
	}
	f, err := m.compile(op.filter, now)
	if err != nil {
		return nil, err
	}
	defer m.lock(env, true, coll)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return nil, err
	}
	if err := c.requireGeoIndex(f); err != nil {
		return nil, err
	}
	limit := 1
	if op.multi {
		limit = 0
	}
	recs, plan, err := c.matchingNear(ctx, f, limit)
	if err != nil {
		return nil, statementError("Update", err)
	}
	m.observe(c, plan)
	res := &updateResult{}
	var changes []*change
	for _, r := range recs {
		// Between documents: a caller that has gone gets nothing applied.
		if err := cancelled(ctx, "Update"); err != nil {
			return nil, err
		}
		m.hook(ctx, "update", env, coll)
		nd, changed, err := dbquery.ApplyUpdate(r.doc, upd)
		if err != nil {
			return nil, errFailed("Update", "%v", err)
		}
		res.matched++
		if changed {
			res.modified++
			changes = append(changes, &change{old: r, doc: nd})
		}
	}
	if res.matched == 0 && op.upsert {
		nd, id, err := upsertDocument(op.filter, upd, op.replace)
		if err != nil {
			return nil, err
		}
		res.upserted = id
		changes = append(changes, &change{doc: nd})
	}
	if err := m.commit(ctx, c, changes, "Update"); err != nil {
		return nil, err
	}
	return res, nil
}

// findAndModify applies an operator update to the first match and returns
// the document as it is afterwards (nil when nothing matched).
func (m *Module) findAndModify(ctx context.Context, env, coll string, filter, update *dbquery.Document) (*dbquery.Document, error) {
	now := m.now()
	upd, err := checkOperatorUpdate(update, now)
	if err != nil {
		return nil, err
	}
	f, err := m.compile(filter, now)
	if err != nil {
		return nil, err
	}
	defer m.lock(env, true, coll)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return nil, err
	}
	if err := c.requireGeoIndex(f); err != nil {
		return nil, err
	}
	recs, plan, err := c.matchingNear(ctx, f, 1)
	if err != nil {
		return nil, statementError("Update", err)
	}
	m.observe(c, plan)
	if len(recs) == 0 {
		return nil, nil
	}
	nd, changed, err := dbquery.ApplyUpdate(recs[0].doc, upd)
	if err != nil {
		return nil, errFailed("Update", "%v", err)
	}
	if changed {
		if err := m.commit(ctx, c, []*change{{old: recs[0], doc: nd}}, "Update"); err != nil {
			return nil, err
		}
	}
	return nd, nil
}

// checkOperatorUpdate resolves server dates in an operator update and
// checks it is one: operators only, _id untouched.
func checkOperatorUpdate(update *dbquery.Document, now time.Time) (*dbquery.Document, error) {
	if update == nil {
		return nil, errInvalid("update has no data")
	}
	upd, _ := dbquery.ResolveServerDates(update, now).(*dbquery.Document)
	switch {
	case !hasOperators(upd):
		return nil, errInvalid("update() needs update operators ($set, $inc, ...)")
	case !allOperators(upd):
		return nil, errInvalid("cannot mix update operators and plain fields")
	case touchesID(upd):
		return nil, errInvalid("cannot update the value of _id")
	}
	return upd, nil
}

// touchesID reports whether an operator update writes _id (or a path
// under it).
func touchesID(upd *dbquery.Document) bool {
	for _, op := range upd.Fields() {
		args, ok := op.Value.(*dbquery.Document)
		if !ok {
			continue
		}
		for _, f := range args.Fields() {
			if f.Key == "_id" || strings.HasPrefix(f.Key, "_id.") {
				return true
			}
			if op.Key == "$rename" {
				if to, ok := f.Value.(string); ok && (to == "_id" || strings.HasPrefix(to, "_id.")) {
					return true
				}
			}
		}
	}
	return false
}

func hasOperators(d *dbquery.Document) bool {
	for _, f := range d.Fields() {
		if strings.HasPrefix(f.Key, "$") {
			return true
		}
	}
	return false
}

func allOperators(d *dbquery.Document) bool {
	for _, f := range d.Fields() {
		if !strings.HasPrefix(f.Key, "$") {
			return false
		}
	}
	return true
}

// upsertDocument builds the document an upsert inserts: _id from the
// filter's _id equality (else generated), the filter's other top-level
// equalities as fields (operator updates only), then the update.
func upsertDocument(filter, upd *dbquery.Document, replace bool) (*dbquery.Document, dbquery.Value, error) {
	var id dbquery.Value = newID()
	seed := dbquery.NewDocument()
	eqs := dbquery.NewDocument()
	if filter != nil {
		for _, fl := range filter.Fields() {
			v, ok := equalityValue(fl)
			if !ok {
				continue
			}
			if fl.Key == "_id" {
				id = v
				continue
			}
			eqs.Set(fl.Key, v)
		}
	}
	if err := checkID(id); err != nil {
		return nil, nil, err
	}
	seed.Set("_id", id)
	if !replace && eqs.Len() > 0 {
		s, _, err := dbquery.ApplyUpdate(seed, dbquery.NewDocument(dbquery.Field{Key: "$set", Value: eqs}))
		if err != nil {
			return nil, nil, errFailed("Update", "%v", err)
		}
		seed = s
	}
	nd, _, err := dbquery.ApplyUpdate(seed, upd)
	if err != nil {
		return nil, nil, errFailed("Update", "%v", err)
	}
	return nd, id, nil
}

// equalityValue returns the value a filter field pins (plain value or
// {$eq: v}).
func equalityValue(fl dbquery.Field) (dbquery.Value, bool) {
	if strings.HasPrefix(fl.Key, "$") {
		return nil, false
	}
	switch v := fl.Value.(type) {
	case *dbquery.Regex:
		return nil, false
	case *dbquery.Document:
		if v.Len() > 0 && strings.HasPrefix(v.Fields()[0].Key, "$") {
			if v.Len() == 1 {
				if e, ok := v.Get("$eq"); ok {
					return e, true
				}
			}
			return nil, false
		}
	}
	return fl.Value, true
}

// remove deletes the first match, or every match when multi.
func (m *Module) remove(ctx context.Context, env, coll string, filter *dbquery.Document, multi bool) (int64, error) {
	f, err := m.compile(filter, m.now())
	if err != nil {
		return 0, err
	}
	defer m.lock(env, true, coll)()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return 0, err
	}
	if err := c.requireGeoIndex(f); err != nil {
		return 0, err
	}
	limit := 1
	if multi {
		limit = 0
	}
	recs, plan, err := c.matchingNear(ctx, f, limit)
	if err != nil {
		return 0, statementError("Delete", err)
	}
	m.observe(c, plan)
	changes := make([]*change, len(recs))
	for i, r := range recs {
		changes[i] = &change{old: r}
	}
	if err := m.commit(ctx, c, changes, "Delete"); err != nil {
		return 0, err
	}
	return int64(len(recs)), nil
}
