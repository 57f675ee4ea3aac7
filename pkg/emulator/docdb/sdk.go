package docdb

import (
	"context"
	"errors"
	"strings"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// The server SDKs' door (POST /admin, database.* actions): the same engine
// as the WeChat HTTP API and RunCommands, with the SDKs' wire format.
// Queries, orders, projections, update specs and documents arrive as
// canonical Extended JSON strings ({"$numberInt":"1"}, {"$date":...},
// {"$tcb_server_date":{"offset":...}}); documents go back as relaxed
// Extended JSON strings, which the SDKs parse with EJSON.parse.

func (m *Module) registerSDK(r *sdkapi.Router) {
	for action, h := range map[string]func(context.Context, *sdkapi.Request) (sdkapi.Reply, error){
		"database.insertDocument":     m.sdkInsert,
		"database.getDocument":        m.sdkGet,
		"database.calculateDocument":  m.sdkCount,
		"database.modifyDocument":     m.sdkModify,
		"database.removeDocument":     m.sdkRemove,
		"database.aggregateDocuments": m.sdkAggregate,
		"database.addCollection":      m.sdkAddCollection,
		"database.modifyAndReturnDoc": m.sdkModifyAndReturn,
		"database.startTransaction":   m.sdkStartTransaction,
		"database.commitTransaction":  m.sdkCommitTransaction,
		"database.abortTransaction":   m.sdkAbortTransaction,
	} {
		r.Register(action, sdkHandler(h))
	}
}

// sdkHandler renders database errors as the SDKs expect them.
func sdkHandler(h func(context.Context, *sdkapi.Request) (sdkapi.Reply, error)) sdkapi.Handler {
	return func(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
		reply, err := h(ctx, r)
		if err != nil {
			return nil, sdkError(err)
		}
		return reply, nil
	}
}

// sdkCodes maps the WeChat errcodes of dbError to the SDKs' string codes and
// the text the SDK puts in front of the message itself.
var sdkCodes = map[int]struct{ code, text string }{
	wechat.CodeCollectionMissing:  {sdkapi.CodeCollectionNotExist, "database collection not exists. "},
	wechat.CodeDatabaseFailed:     {sdkapi.CodeDatabaseRequest, "database request fail. "},
	wechat.CodeCloudInvalidParams: {sdkapi.CodeInvalidParam, "invalid parameters. "},
	wechat.CodeCloudResource:      {sdkapi.CodeSystem, "resource system error. "},
}

func sdkError(err error) error {
	var se *sdkapi.Error
	if errors.As(err, &se) {
		return se
	}
	de := asDBError(err)
	if c, ok := sdkCodes[de.wxCode]; ok {
		return &sdkapi.Error{Code: c.code, Message: strings.TrimPrefix(de.wxMsg, c.text)}
	}
	return &sdkapi.Error{Code: sdkapi.CodeSystem, Message: de.wxMsg}
}

// sdkDoc decodes an Extended JSON string parameter (nil when absent).
func sdkDoc(r *sdkapi.Request, name string) (*dbquery.Document, error) {
	s, err := r.String(name)
	if err != nil || s == "" {
		return nil, err
	}
	d, err := dbquery.DecodeDocument([]byte(s))
	if err != nil {
		return nil, errInvalid("%s is not an object in Extended JSON: %v", name, err)
	}
	return d, nil
}

func sdkCollection(r *sdkapi.Request) (string, error) {
	name, err := r.String("collectionName")
	if err != nil {
		return "", err
	}
	if err := validateCollectionName(name); err != nil {
		return "", err
	}
	return name, nil
}

// sdkQuery reads collectionName, query and queryType. A DOC query must
// pin _id.
func sdkQuery(r *sdkapi.Request) (coll string, filter *dbquery.Document, docID dbquery.Value, err error) {
	if coll, err = sdkCollection(r); err != nil {
		return
	}
	if filter, err = sdkDoc(r, "query"); err != nil {
		return
	}
	qt, err := r.String("queryType")
	if err != nil {
		return
	}
	switch qt {
	case "", "WHERE":
	case "DOC":
		var ok bool
		if filter != nil && filter.Len() == 1 {
			docID, ok = filter.Get("_id")
		}
		if !ok {
			err = errInvalid(`a DOC query must be {"_id": <id>}`)
		}
	default:
		err = errInvalid("queryType must be WHERE or DOC, got %q", qt)
	}
	return
}

func sdkOrder(r *sdkapi.Request) ([]dbquery.SortKey, error) {
	d, err := sdkDoc(r, "order")
	if err != nil || d == nil {
		return nil, err
	}
	var out []dbquery.SortKey
	for _, f := range d.Fields() {
		var dir float64
		switch v := f.Value.(type) {
		case int64:
			dir = float64(v)
		case float64:
			dir = v
		}
		if (dir != 1 && dir != -1) || f.Key == "" || strings.HasPrefix(f.Key, "$") {
			return nil, errInvalid("order must map field names to 1 or -1 (field %q)", f.Key)
		}
		out = append(out, dbquery.SortKey{Field: f.Key, Desc: dir == -1})
	}
	return out, nil
}

// sdkDefaultLimit is what the SDKs ask for when user code sets no limit.
const sdkDefaultLimit = 100

func (m *Module) sdkPaging(r *sdkapi.Request) (skip, limit int64, err error) {
	skip, _, err = r.Int("offset")
	if err != nil {
		return
	}
	limit, given, err := r.Int("limit")
	if err != nil {
		return
	}
	if !given {
		limit = sdkDefaultLimit
	}
	if skip < 0 || limit < 0 {
		return 0, 0, errInvalid("offset and limit must not be negative")
	}
	if limit == 0 || limit > m.opts.MaxLimit {
		limit = m.opts.MaxLimit
	}
	return min(skip, maxSkip), limit, nil
}

func (m *Module) sdkList(docs []*dbquery.Document) (sdkapi.Reply, error) {
	list, err := m.encodeDocs(docs)
	if err != nil {
		return nil, err
	}
	return sdkapi.Data(map[string]any{"list": list}), nil
}

func (m *Module) sdkGet(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, filter, docID, err := sdkQuery(r)
	if err != nil {
		return nil, err
	}
	order, err := sdkOrder(r)
	if err != nil {
		return nil, err
	}
	projection, err := sdkDoc(r, "projection")
	if err != nil {
		return nil, err
	}
	skip, limit, err := m.sdkPaging(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	if t, err := m.sdkTxn(r); err != nil || t != nil {
		if err != nil {
			return nil, err
		}
		docs, err := m.txnFind(ctx, t, coll, filter, docID, order, skip, limit, projection)
		if err != nil {
			return nil, err
		}
		return m.sdkList(docs)
	}
	res, err := m.find(ctx, r.Env, coll, findOp{filter: filter, projection: projection, sort: order, skip: skip, limit: limit})
	if err != nil {
		return nil, err
	}
	reply, err := m.sdkList(res.docs)
	if err != nil {
		return nil, err
	}
	reply["limit"], reply["offset"] = limit, skip
	return reply, nil
}

func (m *Module) sdkCount(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, filter, _, err := sdkQuery(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	n, err := m.count(ctx, r.Env, coll, filter)
	if err != nil {
		return nil, err
	}
	return sdkapi.Data(map[string]any{"total": n}), nil
}

func (m *Module) sdkInsert(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, err := sdkCollection(r)
	if err != nil {
		return nil, err
	}
	var raw []string
	if err := r.Decode("data", &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, errInvalid("data must be a non-empty array of documents")
	}
	docs := make([]*dbquery.Document, len(raw))
	for i, s := range raw {
		d, err := dbquery.DecodeDocument([]byte(s))
		if err != nil {
			return nil, errInvalid("data[%d] is not an object in Extended JSON: %v", i, err)
		}
		docs[i] = d
	}
	var ids []dbquery.Value
	if t, err := m.sdkTxn(r); err != nil {
		return nil, err
	} else if t != nil {
		ids, err = m.txnInsert(t, coll, docs)
		if err != nil {
			return nil, err
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
		defer cancel()
		if ids, err = m.insert(ctx, r.Env, coll, docs); err != nil {
			return nil, err
		}
	}
	return sdkapi.Data(map[string]any{"insertedIds": ids}), nil
}

func (m *Module) sdkModify(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, filter, docID, err := sdkQuery(r)
	if err != nil {
		return nil, err
	}
	upd, err := sdkDoc(r, "data")
	if err != nil {
		return nil, err
	}
	if upd == nil {
		return nil, errInvalid("data (the update) is required")
	}
	multi, err := r.Bool("multi")
	if err != nil {
		return nil, err
	}
	upsert, err := r.Bool("upsert")
	if err != nil {
		return nil, err
	}
	merge := true
	if _, given := r.Params["merge"]; given {
		if merge, err = r.Bool("merge"); err != nil {
			return nil, err
		}
	}
	op := updateOp{filter: filter, update: upd, multi: multi, upsert: upsert, replace: !merge}
	var res *updateResult
	if t, err := m.sdkTxn(r); err != nil {
		return nil, err
	} else if t != nil {
		if docID == nil {
			return nil, errInvalid("inside a transaction only doc(id).update()/set() can be used")
		}
		res, err = m.txnUpdate(t, coll, docID, op)
		if err != nil {
			return nil, err
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
		defer cancel()
		if res, err = m.update(ctx, r.Env, coll, op); err != nil {
			return nil, err
		}
	}
	data := map[string]any{"updated": res.modified}
	if res.upserted != nil {
		data["upsert_id"] = res.upserted
	}
	return sdkapi.Data(data), nil
}

func (m *Module) sdkRemove(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, filter, docID, err := sdkQuery(r)
	if err != nil {
		return nil, err
	}
	multi, err := r.Bool("multi")
	if err != nil {
		return nil, err
	}
	var n int64
	if t, err := m.sdkTxn(r); err != nil {
		return nil, err
	} else if t != nil {
		if docID == nil {
			return nil, errInvalid("inside a transaction only doc(id).remove() can be used")
		}
		if n, err = m.txnRemove(t, coll, docID); err != nil {
			return nil, err
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
		defer cancel()
		if n, err = m.remove(ctx, r.Env, coll, filter, multi); err != nil {
			return nil, err
		}
	}
	return sdkapi.Data(map[string]any{"deleted": n}), nil
}

func (m *Module) sdkAggregate(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, err := sdkCollection(r)
	if err != nil {
		return nil, err
	}
	var stages []struct {
		StageKey   string `json:"stageKey"`
		StageValue string `json:"stageValue"`
	}
	if err := r.Decode("stages", &stages); err != nil {
		return nil, err
	}
	pipeline := make([]dbquery.Stage, 0, len(stages))
	for i, s := range stages {
		if !strings.HasPrefix(s.StageKey, "$") {
			return nil, errInvalid("stages[%d].stageKey %q is not a stage name ($match, $group, ...)", i, s.StageKey)
		}
		v, err := dbquery.DecodeValue([]byte(s.StageValue))
		if err != nil {
			return nil, errInvalid("stages[%d].stageValue is not Extended JSON: %v", i, err)
		}
		pipeline = append(pipeline, dbquery.Stage{Name: s.StageKey, Arg: v})
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	docs, err := m.aggregate(ctx, r.Env, coll, pipeline)
	if err != nil {
		return nil, err
	}
	return m.sdkList(docs)
}

func (m *Module) sdkAddCollection(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, err := sdkCollection(r)
	if err != nil {
		return nil, err
	}
	if err := m.createCollection(r.Env, coll); err != nil {
		return nil, err
	}
	return sdkapi.Reply{}, nil
}

// sdkModifyAndReturn is node-sdk's updateAndReturn: the first match is
// updated and returned as it is afterwards.
func (m *Module) sdkModifyAndReturn(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	coll, filter, _, err := sdkQuery(r)
	if err != nil {
		return nil, err
	}
	upd, err := sdkDoc(r, "data")
	if err != nil {
		return nil, err
	}
	if upd == nil {
		return nil, errInvalid("data (the update) is required")
	}
	var doc *dbquery.Document
	if t, err := m.sdkTxn(r); err != nil {
		return nil, err
	} else if t != nil {
		if doc, err = m.txnFindAndModify(ctx, t, coll, filter, upd); err != nil {
			return nil, err
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
		defer cancel()
		if doc, err = m.findAndModify(ctx, r.Env, coll, filter, upd); err != nil {
			return nil, err
		}
	}
	data := map[string]any{"updated": 0, "doc": nil}
	if doc != nil {
		b, err := dbquery.EncodeDocument(doc)
		if err != nil {
			return nil, errFailed("Update", "encoding the document: %v", err)
		}
		data["updated"], data["doc"] = 1, string(b)
	}
	return sdkapi.Data(data), nil
}
