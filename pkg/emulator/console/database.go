package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

func (m *Module) handleCollections(w http.ResponseWriter, r *http.Request) {
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	var all []database.Collection
	var total int64
	for offset := int64(0); ; {
		page, t, err := b.ListCollections(ctx, 1000, offset)
		if err != nil {
			fail(w, err)
			return
		}
		all, total = append(all, page...), t
		offset += int64(len(page))
		if len(page) == 0 || offset >= total {
			break
		}
	}
	if all == nil {
		all = []database.Collection{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": all, "total": total})
}

func (m *Module) handleCreateCollection(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeBody(r, &req); err != nil {
		fail(w, err)
		return
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	if err := b.CreateCollection(ctx, req.Name); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"created": req.Name})
}

func (m *Module) handleDropCollection(w http.ResponseWriter, r *http.Request) {
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	if err := b.DeleteCollection(ctx, r.PathValue("coll")); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("coll")})
}

func (m *Module) handleIndexes(w http.ResponseWriter, r *http.Request) {
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	ix, err := b.ListIndexes(ctx, r.PathValue("coll"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"indexes": ix})
}

// encodeDocs renders documents as relaxed Extended JSON.
func encodeDocs(docs []*dbquery.Document) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(docs))
	for _, d := range docs {
		b, err := dbquery.EncodeDocument(d)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// handleDocs is one page of a collection in _id order: QUERY skip/limit,
// the engine's pagination, plus its count.
func (m *Module) handleDocs(w http.ResponseWriter, r *http.Request) {
	coll := r.PathValue("coll")
	q := r.URL.Query()
	skip, _ := strconv.ParseInt(q.Get("skip"), 10, 64)
	limit, _ := strconv.ParseInt(q.Get("limit"), 10, 64)
	if skip < 0 {
		skip = 0
	}
	if limit <= 0 || limit > maxPage {
		limit = 50
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	started := time.Now()
	docs, _, err := b.Find(ctx, &dbquery.Query{Collection: coll, Action: dbquery.ActionFind,
		Sort: []dbquery.SortKey{{Field: "_id"}}, Skip: &skip, Limit: &limit})
	if err != nil {
		fail(w, err)
		return
	}
	total, err := b.Count(ctx, &dbquery.Query{Collection: coll, Action: dbquery.ActionCount})
	if err != nil {
		fail(w, err)
		return
	}
	enc, err := encodeDocs(docs)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"docs": enc, "skip": skip, "limit": limit, "total": total,
		"ms": time.Since(started).Milliseconds()})
}

// docBody is the body of add, replace and delete: id is the document's _id
// as Extended JSON, doc the document.
type docBody struct {
	ID  json.RawMessage `json:"id"`
	Doc json.RawMessage `json:"doc"`
}

func (d *docBody) id() (dbquery.Value, error) {
	if len(d.ID) == 0 {
		return nil, badRequest("the document's id is missing")
	}
	v, err := dbquery.DecodeValue(d.ID)
	if err != nil {
		return nil, badRequest("id: %v", err)
	}
	return v, nil
}

func (d *docBody) doc() (*dbquery.Document, error) {
	if len(d.Doc) == 0 {
		return nil, badRequest("the document is missing")
	}
	doc, err := dbquery.DecodeDocument(d.Doc)
	if err != nil {
		return nil, badRequest("the document is not a JSON object in Extended JSON: %v", err)
	}
	return doc, nil
}

func (m *Module) handleAddDoc(w http.ResponseWriter, r *http.Request) {
	var body docBody
	if err := decodeBody(r, &body); err != nil {
		fail(w, err)
		return
	}
	doc, err := body.doc()
	if err != nil {
		fail(w, err)
		return
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	ids, err := b.Insert(ctx, &dbquery.Query{Collection: r.PathValue("coll"), Action: dbquery.ActionInsert, Data: []*dbquery.Document{doc}})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ids": ids})
}

// handleReplaceDoc replaces the document with the given _id (set()).
func (m *Module) handleReplaceDoc(w http.ResponseWriter, r *http.Request) {
	var body docBody
	if err := decodeBody(r, &body); err != nil {
		fail(w, err)
		return
	}
	id, err := body.id()
	if err != nil {
		fail(w, err)
		return
	}
	doc, err := body.doc()
	if err != nil {
		fail(w, err)
		return
	}
	if v, ok := doc.Get("_id"); ok {
		same, _ := dbquery.EncodeValue(v)
		want, _ := dbquery.EncodeValue(id)
		if string(same) != string(want) {
			fail(w, badRequest("_id cannot change (%s to %s): add a new document instead", want, same))
			return
		}
		doc.Delete("_id")
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	res, err := b.Update(ctx, &dbquery.Query{Collection: r.PathValue("coll"), Action: dbquery.ActionSet, HasDocID: true, DocID: id, Update: doc})
	if err != nil {
		fail(w, err)
		return
	}
	if res.Matched == 0 {
		apiError(w, http.StatusNotFound, "no document has this _id any more")
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (m *Module) handleDeleteDoc(w http.ResponseWriter, r *http.Request) {
	var body docBody
	if err := decodeBody(r, &body); err != nil {
		fail(w, err)
		return
	}
	id, err := body.id()
	if err != nil {
		fail(w, err)
		return
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	n, err := b.Remove(ctx, &dbquery.Query{Collection: r.PathValue("coll"), Action: dbquery.ActionRemove, HasDocID: true, DocID: id})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"deleted": n})
}

func (m *Module) handleExport(w http.ResponseWriter, r *http.Request) {
	coll := r.PathValue("coll")
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	// Check the collection first, so that a missing one is an error
	// answer rather than an empty download.
	if _, err := b.Count(r.Context(), &dbquery.Query{Collection: coll, Action: dbquery.ActionCount}); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", coll+".jsonl"))
	if _, err := database.Export(r.Context(), b, coll, w, database.ExportOptions{}); err != nil {
		m.opts.Logger.Warn("console: export failed", "collection", coll, "err", err)
	}
}

func (m *Module) handleImport(w http.ResponseWriter, r *http.Request) {
	mode := database.ImportMode(r.URL.Query().Get("mode"))
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	st, err := database.Import(r.Context(), b, r.PathValue("coll"), io.LimitReader(r.Body, maxBody), database.ImportOptions{Mode: mode})
	if err != nil {
		var ie *database.ImportError
		status := http.StatusInternalServerError
		if errors.As(err, &ie) || errors.Is(err, database.ErrCollectionMissing) {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, map[string]any{"error": err.Error(), "stats": st})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stats": st})
}

// handleStatement runs a mini-program statement and shows its explain
// form; with explain_only it sends nothing.
func (m *Module) handleStatement(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Statement   string `json:"statement"`
		ExplainOnly bool   `json:"explain_only"`
	}
	if err := decodeBody(r, &req); err != nil {
		fail(w, err)
		return
	}
	q, err := dbquery.Parse(req.Statement)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	explain, err := q.Explain()
	if err != nil {
		fail(w, err)
		return
	}
	out := map[string]any{"action": q.Action, "collection": q.Collection, "explain": json.RawMessage(explain)}
	if req.ExplainOnly {
		writeJSON(w, http.StatusOK, out)
		return
	}
	b, err := m.db(r.PathValue("env"))
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := callCtx(r)
	defer cancel()
	started := time.Now()
	res, err := database.Run(ctx, b, q)
	out["ms"] = time.Since(started).Milliseconds()
	if err != nil {
		out["error"] = err.Error()
		writeJSON(w, http.StatusBadRequest, out)
		return
	}
	if res.Docs != nil {
		enc, err := encodeDocs(res.Docs)
		if err != nil {
			fail(w, err)
			return
		}
		out["docs"] = enc
	}
	switch q.Action {
	case dbquery.ActionCount:
		out["count"] = res.Count
	case dbquery.ActionInsert:
		out["ids"] = res.IDs
	case dbquery.ActionUpdate, dbquery.ActionSet:
		out["update"] = res.Update
	case dbquery.ActionRemove:
		out["deleted"] = res.Deleted
	}
	writeJSON(w, http.StatusOK, out)
}
