package docdb

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func checkFileType(t int) error {
	if t != wechat.FileTypeJSON && t != wechat.FileTypeCSV {
		return wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: file_type must be 1 (JSON) or 2 (CSV), got %d", t)
	}
	return nil
}

func (m *Module) wxMigrateExport(ctx context.Context, r *wxhttp.Request) (any, error) {
	var req wechat.MigrateExportRequest
	if err := r.Decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	switch {
	case req.FilePath == "":
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: file_path")
	case req.Query == "":
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: query")
	}
	if err := checkFileType(req.FileType); err != nil {
		return nil, err
	}
	q, err := m.parse(req.Query)
	if err != nil {
		return nil, err
	}
	if q.Action != dbquery.ActionFind {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid query: an export runs a .get() statement, got %s", terminals[q.Action])
	}
	f, err := m.compile(q.EffectiveFilter(), m.now())
	if err != nil {
		return nil, err
	}
	if ok, err := m.collectionExists(req.Env, q.Collection); err != nil {
		return nil, errSystem(err)
	} else if !ok {
		return nil, errCollectionMissing(q.Collection)
	}
	base := filepath.Base(filepath.Clean("/" + req.FilePath))
	if base == "/" || base == "." {
		base = "export"
	}
	j := &job{Env: req.Env, Kind: "export", Collection: q.Collection, FilePath: req.FilePath, FileType: req.FileType,
		Token: newID(), Status: jobWaiting, Created: m.now()}
	if err := m.newJob(j); err != nil {
		return nil, errSystem(err)
	}
	j.File = filepath.Join(m.exportDir(req.Env), fmt.Sprintf("%d-%s", j.ID, base))
	j.URL = fmt.Sprintf("http://%s%s%s/%d?token=%s", r.HTTP.Host, exportRoute, req.Env, j.ID, j.Token)
	if err := m.saveJob(j); err != nil {
		return nil, errSystem(err)
	}
	m.startJob(j, func(ctx context.Context, j *job) error { return m.runExport(ctx, j, q, f) })
	return wechat.MigrateJobResponse{Envelope: wxhttp.OK, JobID: j.ID}, nil
}

// runExport writes the statement's documents (all of them unless it has
// .limit()) as JSON Lines or CSV.
func (m *Module) runExport(ctx context.Context, j *job, q *dbquery.Query, f *dbquery.Filter) error {
	skip := int64(0)
	if q.Skip != nil {
		skip = min(*q.Skip, maxSkip)
	}
	limit := int64(1 << 50)
	if q.Limit != nil {
		limit = *q.Limit
	}
	unlock := m.lock(j.Env, false, j.Collection)
	c, err := m.mustCollection(j.Env, j.Collection)
	var res *findResult
	if err == nil {
		res, err = c.find(ctx, findSpec{filter: f, projection: q.Projection, sort: q.Sort, skip: skip, limit: limit})
	}
	unlock()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(j.File), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(j.File, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 256<<10)
	if j.FileType == wechat.FileTypeCSV {
		err = writeCSV(bw, res.docs, q.Projection)
	} else {
		err = writeJSONLines(ctx, bw, res.docs)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	j.RecordSuccess = int64(len(res.docs))
	return nil
}

func writeJSONLines(ctx context.Context, w io.Writer, docs []*dbquery.Document) error {
	for i, d := range docs {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := dbquery.EncodeDocument(d)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// writeCSV writes one column per field: the included fields of the
// projection, else every top-level field in first-seen order. Strings are
// written as they are, other values as Extended JSON.
func writeCSV(w io.Writer, docs []*dbquery.Document, projection *dbquery.Document) error {
	var cols []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			cols = append(cols, k)
		}
	}
	add("_id")
	included := false
	if projection != nil {
		for _, f := range projection.Fields() {
			if n, _ := f.Value.(int64); n == 1 && f.Key != "_id" {
				included = true
				add(f.Key)
			}
		}
	}
	if !included {
		for _, d := range docs {
			for _, k := range d.Keys() {
				add(k)
			}
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	row := make([]string, len(cols))
	for _, d := range docs {
		for i, k := range cols {
			row[i] = ""
			v, ok := d.Lookup(k)
			if !ok {
				continue
			}
			if s, isStr := v.(string); isStr {
				row[i] = s
				continue
			}
			b, err := dbquery.EncodeValue(v)
			if err != nil {
				return err
			}
			row[i] = string(b)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// serveExport downloads an export file.
func (m *Module) serveExport(w http.ResponseWriter, r *http.Request) {
	// The emulator dispatches with ServeMux.Handler, which sets no path
	// values: split the path by hand (<env>/<job>).
	env, jobID, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, exportRoute), "/")
	id, err := strconv.ParseInt(jobID, 10, 64)
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	if err != nil {
		fail(http.StatusNotFound, "no such export")
		return
	}
	j, err := m.getJob(env, id)
	if err != nil || j == nil || j.Kind != "export" {
		fail(http.StatusNotFound, "no such export")
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(j.Token)) != 1 {
		fail(http.StatusForbidden, "bad or missing token")
		return
	}
	if j.Status != jobSuccess {
		fail(http.StatusConflict, "the export is "+j.Status)
		return
	}
	ct := "application/x-ndjson"
	if j.FileType == wechat.FileTypeCSV {
		ct = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filepath.Base(j.FilePath)))
	http.ServeFile(w, r, j.File)
}
