package docdb

import (
	"context"
	"net/http"
	"strconv"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// registerWeChat adds the database's /tcb/* routes.
func (m *Module) registerWeChat(mux *http.ServeMux) {
	wx := m.wxServer()
	handle := func(path string, fn wxhttp.Handler) { mux.HandleFunc(path, wx.Handle(path, fn)) }
	stmt := func(path string, want []dbquery.Action, run func(context.Context, string, *dbquery.Query) (any, error)) {
		handle(path, m.statementHandler(path, want, run))
	}
	stmt(wechat.PathDatabaseQuery, []dbquery.Action{dbquery.ActionFind}, m.wxQuery)
	stmt(wechat.PathDatabaseAggregate, []dbquery.Action{dbquery.ActionAggregate}, m.wxAggregate)
	stmt(wechat.PathDatabaseCount, []dbquery.Action{dbquery.ActionCount}, m.wxCount)
	stmt(wechat.PathDatabaseAdd, []dbquery.Action{dbquery.ActionInsert}, m.wxAdd)
	stmt(wechat.PathDatabaseUpdate, []dbquery.Action{dbquery.ActionUpdate, dbquery.ActionSet}, m.wxUpdate)
	stmt(wechat.PathDatabaseDelete, []dbquery.Action{dbquery.ActionRemove}, m.wxDelete)
	handle(wechat.PathDatabaseCollectionAdd, m.wxCollectionAdd)
	handle(wechat.PathDatabaseCollectionDelete, m.wxCollectionDelete)
	handle(wechat.PathDatabaseCollectionGet, m.wxCollectionGet)
	handle(wechat.PathUpdateIndex, m.wxUpdateIndex)
	handle(wechat.PathDatabaseMigrateImport, m.wxMigrateImport)
	handle(wechat.PathDatabaseMigrateExport, m.wxMigrateExport)
	handle(wechat.PathDatabaseMigrateQueryInfo, m.wxMigrateQueryInfo)
	mux.HandleFunc("GET "+exportRoute, m.serveExport)
}

// terminals names the statement ending of each action, for messages.
var terminals = map[dbquery.Action]string{
	dbquery.ActionFind: ".get()", dbquery.ActionCount: ".count()", dbquery.ActionInsert: ".add()",
	dbquery.ActionUpdate: ".update()", dbquery.ActionSet: ".set()", dbquery.ActionRemove: ".remove()",
	dbquery.ActionAggregate: ".aggregate()...end()",
}

// statementHandler decodes {env, query}, checks the env, parses the
// statement (-501007 when it does not parse), checks that its action is the
// endpoint's (40097) and runs it.
func (m *Module) statementHandler(path string, want []dbquery.Action, run func(context.Context, string, *dbquery.Query) (any, error)) wxhttp.Handler {
	return func(ctx context.Context, r *wxhttp.Request) (any, error) {
		var req wechat.QueryRequest
		if err := r.Decode(&req); err != nil {
			return nil, err
		}
		if err := m.checkEnv(req.Env); err != nil {
			return nil, err
		}
		if req.Query == "" {
			return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: query")
		}
		q, err := m.parse(req.Query)
		if err != nil {
			return nil, err
		}
		ok := false
		for _, a := range want {
			ok = ok || q.Action == a
		}
		if !ok {
			return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid query: %s runs %s statements, got %s", path, terminals[want[0]], terminals[q.Action])
		}
		return run(ctx, req.Env, q)
	}
}

// encodeDocs renders documents as the JSON strings of data[], within
// MaxResultBytes.
func (m *Module) encodeDocs(docs []*dbquery.Document) ([]string, error) {
	out := make([]string, 0, len(docs))
	total := 0
	for _, d := range docs {
		b, err := dbquery.EncodeDocument(d)
		if err != nil {
			return nil, errFailed("Query", "encoding a result: %v", err)
		}
		total += len(b)
		if total > m.opts.MaxResultBytes {
			return nil, errFailed("Query", "the result exceeds %d bytes; use limit() or field()", m.opts.MaxResultBytes)
		}
		out = append(out, string(b))
	}
	return out, nil
}

// window returns the skip and limit a find uses: limit defaults to the
// HTTP API's 10 and is clamped to MaxLimit.
func (m *Module) paging(q *dbquery.Query, defLimit int64) (skip, limit int64) {
	limit = defLimit
	if q.Limit != nil {
		limit = *q.Limit
	}
	limit = min(max(limit, 1), m.opts.MaxLimit)
	if q.Skip != nil {
		skip = min(*q.Skip, maxSkip)
	}
	return skip, limit
}

// maxSkip bounds skip (well beyond any collection the emulator holds).
const maxSkip = 1 << 40

func (m *Module) wxQuery(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	skip, limit := m.paging(q, dbquery.DefaultHTTPLimit)
	res, err := m.find(ctx, env, q.Collection, findOp{filter: q.EffectiveFilter(), projection: q.Projection,
		sort: q.Sort, skip: skip, limit: limit, total: true})
	if err != nil {
		return nil, err
	}
	data, err := m.encodeDocs(res.docs)
	if err != nil {
		return nil, err
	}
	return wechat.DatabaseQueryResponse{Envelope: wxhttp.OK,
		Pager: wechat.Pager{Offset: skip, Limit: limit, Total: res.total}, Data: data}, nil
}

func (m *Module) wxAggregate(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	docs, err := m.aggregate(ctx, env, q.Collection, q.Pipeline)
	if err != nil {
		return nil, err
	}
	data, err := m.encodeDocs(docs)
	if err != nil {
		return nil, err
	}
	return wechat.DatabaseAggregateResponse{Envelope: wxhttp.OK, Data: data}, nil
}

func (m *Module) wxCount(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	n, err := m.count(ctx, env, q.Collection, q.EffectiveFilter())
	if err != nil {
		return nil, err
	}
	return wechat.DatabaseCountResponse{Envelope: wxhttp.OK, Count: n}, nil
}

func (m *Module) wxAdd(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	ids, err := m.insert(ctx, env, q.Collection, q.Data)
	if err != nil {
		return nil, err
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = idString(id)
	}
	return wechat.DatabaseAddResponse{Envelope: wxhttp.OK, IDList: list}, nil
}

func (m *Module) wxUpdate(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	op := updateOp{filter: q.EffectiveFilter(), update: q.Update, multi: q.Multi}
	if q.Action == dbquery.ActionSet {
		op = updateOp{filter: dbquery.NewDocument(dbquery.Field{Key: "_id", Value: q.DocID}),
			update: q.Update, upsert: true, replace: true}
	}
	res, err := m.update(ctx, env, q.Collection, op)
	if err != nil {
		return nil, err
	}
	out := wechat.DatabaseUpdateResponse{Envelope: wxhttp.OK, Matched: res.matched, Modified: res.modified}
	if res.upserted != nil {
		out.ID = idString(res.upserted)
	}
	return out, nil
}

func (m *Module) wxDelete(ctx context.Context, env string, q *dbquery.Query) (any, error) {
	n, err := m.remove(ctx, env, q.Collection, q.EffectiveFilter(), q.Multi)
	if err != nil {
		return nil, err
	}
	return wechat.DatabaseDeleteResponse{Envelope: wxhttp.OK, Deleted: n}, nil
}

// idString renders an _id for id_list and id: strings as they are, other
// values as their Extended JSON.
func idString(v dbquery.Value) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	}
	b, err := dbquery.EncodeValue(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// parse turns a statement into a Query through the statement cache (the
// Query is shared: do not modify it). Errors are *dbError (-501007 invalid
// parameters).
func (m *Module) parse(text string) (*dbquery.Query, error) {
	if len(text) > m.opts.MaxStatementLength {
		return nil, errInvalid("statement is too long (%d bytes, limit %d)", len(text), m.opts.MaxStatementLength)
	}
	q, err := m.stmts.Parse(dbquery.Parser{
		MaxLength: m.opts.MaxStatementLength,
		MaxNodes:  max(dbquery.DefaultMaxNodes, m.opts.MaxStatementLength/4),
		// A large add() batch builds a value per date: calls grow with size.
		MaxCalls: max(dbquery.DefaultMaxCalls, m.opts.MaxStatementLength/16),
		Now:      m.now,
	}, text)
	if err != nil {
		return nil, errInvalid("%v", err)
	}
	return q, nil
}
