package dbquery

import (
	"fmt"
)

// Action is what a statement does.
type Action string

// Actions, one per terminal call.
const (
	ActionFind      Action = "find"      // .get()
	ActionCount     Action = "count"     // .count()
	ActionInsert    Action = "insert"    // .add({data})
	ActionUpdate    Action = "update"    // .update({data})
	ActionSet       Action = "set"       // .doc(id).set({data})
	ActionRemove    Action = "remove"    // .remove()
	ActionAggregate Action = "aggregate" // .aggregate()...end()
)

// DefaultHTTPLimit is the page size the WeChat HTTP API (databasequery) uses
// for .get() without .limit(). Parse never injects it into a Query: callers
// that emulate the HTTP API apply it themselves (ExecOptions.DefaultLimit).
const DefaultHTTPLimit = 10

// SortKey is one orderBy() key.
type SortKey struct {
	Field string
	Desc  bool
}

// Stage is one aggregation stage: Name is the MongoDB stage name with its "$"
// ("$match", "$group", ...) and Arg its argument (a filter document for
// $match, otherwise the argument as written).
type Stage struct {
	Name string
	Arg  Value
}

// Query is the AST of one statement, already in MongoDB form.
//
//   - Filter: the where() condition as a MongoDB filter (nested plain objects
//     flattened to dot paths, commands turned into operators); nil when the
//     statement has no where(). A .doc(id) is NOT folded into Filter: use
//     EffectiveFilter.
//   - Projection: field() as {path: 1|0}; nil when absent.
//   - Update: for ActionUpdate an operator document ({"$set": {...},
//     "$inc": {...}} in first-use order); for ActionSet the replacement document.
//   - Data: documents to insert (ActionInsert).
//   - Multi: ActionUpdate/ActionRemove without .doc(id). Upsert: ActionSet.
type Query struct {
	Collection string
	Action     Action
	// DocID is the .doc(id) argument (string or number); HasDocID says
	// whether the statement has .doc().
	DocID      Value
	HasDocID   bool
	Filter     *Document
	Projection *Document
	Sort       []SortKey
	Skip       *int64
	Limit      *int64
	Update     *Document
	Data       []*Document
	Pipeline   []Stage
	Multi      bool
	Upsert     bool
}

// EffectiveFilter returns the filter to run: Filter combined with
// {_id: DocID} when the statement has .doc(id); an empty document when there
// is neither.
func (q *Query) EffectiveFilter() *Document {
	switch {
	case q.HasDocID && q.Filter != nil && q.Filter.Len() > 0:
		return D("$and", []any{D("_id", q.DocID), q.Filter})
	case q.HasDocID:
		return D("_id", q.DocID)
	case q.Filter != nil:
		return q.Filter
	}
	return &Document{}
}

// Explain returns the MongoDB form of the query as one indented JSON object
// in relaxed Extended JSON. Only the parts the statement has appear, in this
// key order: collection, action, docId, filter, projection, sort (object,
// 1/-1), skip, limit, update, data, pipeline (array of {"$stage": arg}),
// multi (update and remove), upsert (set). The output is deterministic.
func (q *Query) Explain() ([]byte, error) {
	out := &Document{}
	out.Set("collection", q.Collection)
	out.Set("action", string(q.Action))
	if q.HasDocID {
		out.Set("docId", q.DocID)
	}
	if q.Filter != nil {
		out.Set("filter", q.Filter)
	}
	if q.Projection != nil {
		out.Set("projection", q.Projection)
	}
	if len(q.Sort) > 0 {
		out.Set("sort", sortDoc(q.Sort))
	}
	if q.Skip != nil {
		out.Set("skip", *q.Skip)
	}
	if q.Limit != nil {
		out.Set("limit", *q.Limit)
	}
	if q.Update != nil {
		out.Set("update", q.Update)
	}
	if q.Data != nil {
		arr := make([]any, len(q.Data))
		for i, d := range q.Data {
			arr[i] = d
		}
		out.Set("data", arr)
	}
	if q.Pipeline != nil {
		out.Set("pipeline", pipelineValue(q.Pipeline))
	}
	switch q.Action {
	case ActionUpdate, ActionRemove:
		out.Set("multi", q.Multi)
	case ActionSet:
		out.Set("upsert", q.Upsert)
	}
	b, err := encodeIndent(out)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return b, nil
}

func sortDoc(keys []SortKey) *Document {
	d := &Document{}
	for _, k := range keys {
		dir := int64(1)
		if k.Desc {
			dir = -1
		}
		d.Set(k.Field, dir)
	}
	return d
}

func pipelineValue(p []Stage) []any {
	arr := make([]any, len(p))
	for i, s := range p {
		arr[i] = D(s.Name, s.Arg)
	}
	return arr
}

// Equal reports whether two queries are identical (EqualValues on every
// value: int64(1) differs from float64(1)).
func (q *Query) Equal(o *Query) bool {
	if q == nil || o == nil {
		return q == o
	}
	if q.Collection != o.Collection || q.Action != o.Action || q.HasDocID != o.HasDocID ||
		!EqualValues(q.DocID, o.DocID) || q.Multi != o.Multi || q.Upsert != o.Upsert {
		return false
	}
	if !eqDocPtr(q.Filter, o.Filter) || !eqDocPtr(q.Projection, o.Projection) || !eqDocPtr(q.Update, o.Update) {
		return false
	}
	if !eqInt64Ptr(q.Skip, o.Skip) || !eqInt64Ptr(q.Limit, o.Limit) {
		return false
	}
	if len(q.Sort) != len(o.Sort) || len(q.Data) != len(o.Data) || len(q.Pipeline) != len(o.Pipeline) {
		return false
	}
	if (q.Data == nil) != (o.Data == nil) || (q.Pipeline == nil) != (o.Pipeline == nil) {
		return false
	}
	for i := range q.Sort {
		if q.Sort[i] != o.Sort[i] {
			return false
		}
	}
	for i := range q.Data {
		if !EqualValues(q.Data[i], o.Data[i]) {
			return false
		}
	}
	for i := range q.Pipeline {
		if q.Pipeline[i].Name != o.Pipeline[i].Name || !EqualValues(q.Pipeline[i].Arg, o.Pipeline[i].Arg) {
			return false
		}
	}
	return true
}

func eqDocPtr(a, b *Document) bool {
	if a == nil || b == nil {
		return a == b
	}
	return EqualValues(a, b)
}

func eqInt64Ptr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// CountQuery returns a copy of q as a count() statement: the condition (and
// .doc(id)) is kept, orderBy/skip/limit/field are dropped because count()
// ignores them (so the copy renders and round-trips like a parsed count).
func (q *Query) CountQuery() *Query {
	c := *q
	c.Action = ActionCount
	stripPaging(&c)
	c.Update, c.Data, c.Pipeline, c.Multi, c.Upsert = nil, nil, nil, false, false
	return &c
}
