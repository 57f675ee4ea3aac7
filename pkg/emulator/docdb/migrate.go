package docdb

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Migration jobs (databasemigrateimport / databasemigrateexport /
// databasemigratequeryinfo).
//
// The emulator has no cloud storage, so file_path means a file in the data
// directory: imports read <data dir>/imports/<file_path> (a relative path
// that stays inside imports/), exports write under <data dir>/database/
// exports/<env>/ and file_url downloads the file from the emulator
// (/_emulator/database/exports/<env>/<job>?token=..., valid while the job
// record exists). Jobs run in the background: status "waiting" while
// running, then "success" or "fail" (a job interrupted by a restart is
// reported as failed).

const exportRoute = "/_emulator/database/exports/"

const (
	jobWaiting = "waiting"
	jobSuccess = "success"
	jobFail    = "fail"
)

type job struct {
	ID            int64     `json:"id"`
	Env           string    `json:"env"`
	Kind          string    `json:"kind"` // import or export
	Collection    string    `json:"collection"`
	FilePath      string    `json:"file_path"`
	FileType      int       `json:"file_type"`
	File          string    `json:"file,omitempty"` // export: absolute path of the written file
	URL           string    `json:"url,omitempty"`
	Token         string    `json:"token,omitempty"`
	Status        string    `json:"status"`
	RecordSuccess int64     `json:"record_success"`
	RecordFail    int64     `json:"record_fail"`
	ErrMsg        string    `json:"err_msg,omitempty"`
	Created       time.Time `json:"created"`
	Finished      time.Time `json:"finished,omitzero"`
}

func jobKey(id int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b[:]
}

// newJob stores a new waiting job with the next id.
func (m *Module) newJob(j *job) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(bucketTop)
		if err != nil {
			return err
		}
		n, _ := strconv.ParseInt(string(top.Get(keyNextJob)), 10, 64)
		n++
		if err := top.Put(keyNextJob, []byte(strconv.FormatInt(n, 10))); err != nil {
			return err
		}
		j.ID = n
		return putJob(tx, j)
	})
}

func putJob(tx *bolt.Tx, j *job) error {
	eb, err := envBucket(tx, j.Env, true)
	if err != nil {
		return err
	}
	jb, err := eb.CreateBucketIfNotExists(bucketJobs)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return jb.Put(jobKey(j.ID), raw)
}

func (m *Module) saveJob(j *job) error {
	return m.bolt().Update(func(tx *bolt.Tx) error { return putJob(tx, j) })
}

func (m *Module) getJob(env string, id int64) (*job, error) {
	var j *job
	err := m.bolt().View(func(tx *bolt.Tx) error {
		eb, _ := envBucket(tx, env, false)
		if eb == nil {
			return nil
		}
		jb := eb.Bucket(bucketJobs)
		if jb == nil {
			return nil
		}
		raw := jb.Get(jobKey(id))
		if raw == nil {
			return nil
		}
		j = &job{}
		return json.Unmarshal(raw, j)
	})
	return j, err
}

// startJob runs fn in the background and records its outcome.
func (m *Module) startJob(j *job, fn func(ctx context.Context, j *job) error) {
	m.jobsMu.Lock()
	m.running[j.ID] = true
	ctx := m.bgCtx
	m.bg.Add(1)
	m.jobsMu.Unlock()
	go func() {
		defer m.bg.Done()
		err := fn(ctx, j)
		j.Finished = m.now()
		j.Status = jobSuccess
		if err != nil {
			j.Status, j.ErrMsg = jobFail, err.Error()
		}
		// Nothing is kept for an environment destroyed meanwhile.
		if _, gerr := m.h.Envs.Get(j.Env); !errors.Is(gerr, envs.ErrNotFound) {
			if serr := m.saveJob(j); serr != nil {
				m.log().Error("saving a migration job", "job", j.ID, "err", serr)
			}
		}
		m.jobsMu.Lock()
		delete(m.running, j.ID)
		m.jobsMu.Unlock()
	}()
}

func (m *Module) isRunning(id int64) bool {
	m.jobsMu.Lock()
	defer m.jobsMu.Unlock()
	return m.running[id]
}

func (m *Module) exportDir(env string) string {
	return filepath.Join(m.h.Options.DataDir, "database", "exports", env)
}

func (m *Module) removeExports(env string) {
	if m.h != nil && m.h.Options != nil && m.h.Options.DataDir != "" {
		os.RemoveAll(m.exportDir(env))
	}
}

func checkFileType(t int) error {
	if t != wechat.FileTypeJSON && t != wechat.FileTypeCSV {
		return wxErr(codeBadParams, "invalid args: file_type must be 1 (JSON) or 2 (CSV), got %d", t)
	}
	return nil
}

func (m *Module) wxMigrateExport(ctx context.Context, r *wxRequest) (any, error) {
	var req wechat.MigrateExportRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	switch {
	case req.FilePath == "":
		return nil, wxErr(codeMissingParam, "missing required parameter: file_path")
	case req.Query == "":
		return nil, wxErr(codeMissingParam, "missing required parameter: query")
	}
	if err := checkFileType(req.FileType); err != nil {
		return nil, err
	}
	q, err := m.parse(req.Query)
	if err != nil {
		return nil, err
	}
	if q.Action != dbquery.ActionFind {
		return nil, wxErr(codeBadParams, "invalid query: an export runs a .get() statement, got %s", terminals[q.Action])
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
	j.URL = fmt.Sprintf("http://%s%s%s/%d?token=%s", r.r.Host, exportRoute, req.Env, j.ID, j.Token)
	if err := m.saveJob(j); err != nil {
		return nil, errSystem(err)
	}
	m.startJob(j, func(ctx context.Context, j *job) error { return m.runExport(ctx, j, q, f) })
	return wechat.MigrateJobResponse{Envelope: okEnvelope, JobID: j.ID}, nil
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
	m.mu.RLock()
	c, err := m.mustCollection(j.Env, j.Collection)
	var res *findResult
	if err == nil {
		res, err = c.find(ctx, findSpec{filter: f, projection: q.Projection, sort: q.Sort, skip: skip, limit: limit})
	}
	m.mu.RUnlock()
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

func (m *Module) wxMigrateQueryInfo(ctx context.Context, r *wxRequest) (any, error) {
	var req wechat.MigrateQueryInfoRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	if req.JobID == 0 {
		return nil, wxErr(codeMissingParam, "missing required parameter: job_id")
	}
	j, err := m.getJob(req.Env, req.JobID)
	if err != nil {
		return nil, errSystem(err)
	}
	if j == nil {
		return nil, wxErr(codeResource, "resource system error. [ResourceNotFound] job %d not found", req.JobID)
	}
	if j.Status == jobWaiting && !m.isRunning(j.ID) {
		j.Status, j.ErrMsg, j.Finished = jobFail, "the job was interrupted by an emulator restart", m.now()
		if err := m.saveJob(j); err != nil {
			return nil, errSystem(err)
		}
	}
	out := wechat.MigrateQueryInfoResponse{Envelope: okEnvelope, Status: j.Status,
		RecordSuccess: j.RecordSuccess, RecordFail: j.RecordFail, ErrMsg: j.ErrMsg}
	if j.Kind == "export" && j.Status == jobSuccess {
		out.FileURL = j.URL
	}
	return out, nil
}

func (m *Module) importDir() string { return filepath.Join(m.h.Options.DataDir, "imports") }

func (m *Module) wxMigrateImport(ctx context.Context, r *wxRequest) (any, error) {
	var req wechat.MigrateImportRequest
	if err := r.decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	switch {
	case req.CollectionName == "":
		return nil, wxErr(codeMissingParam, "missing required parameter: collection_name")
	case req.FilePath == "":
		return nil, wxErr(codeMissingParam, "missing required parameter: file_path")
	}
	if err := checkFileType(req.FileType); err != nil {
		return nil, err
	}
	mode := req.ConflictMode
	if mode == 0 {
		mode = wechat.ConflictModeInsert
	}
	if mode != wechat.ConflictModeInsert && mode != wechat.ConflictModeUpsert {
		return nil, wxErr(codeBadParams, "invalid args: conflict_mode must be 1 (insert) or 2 (upsert), got %d", req.ConflictMode)
	}
	rel := filepath.FromSlash(strings.TrimPrefix(req.FilePath, "/"))
	if !filepath.IsLocal(rel) {
		return nil, wxErr(codeBadParams, "invalid args: file_path %q must be a relative path inside the emulator's imports directory (the emulator has no cloud storage)", req.FilePath)
	}
	path := filepath.Join(m.importDir(), rel)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, wxErr(codeBadParams, "invalid args: file_path %q: no such file in %s (the emulator has no cloud storage: put the file there)", req.FilePath, m.importDir())
	}
	if ok, err := m.collectionExists(req.Env, req.CollectionName); err != nil {
		return nil, errSystem(err)
	} else if !ok {
		return nil, errCollectionMissing(req.CollectionName)
	}
	j := &job{Env: req.Env, Kind: "import", Collection: req.CollectionName, FilePath: req.FilePath,
		FileType: req.FileType, Status: jobWaiting, Created: m.now()}
	if err := m.newJob(j); err != nil {
		return nil, errSystem(err)
	}
	m.startJob(j, func(ctx context.Context, j *job) error {
		return m.runImport(ctx, j, path, mode == wechat.ConflictModeUpsert, req.StopOnError)
	})
	return wechat.MigrateJobResponse{Envelope: okEnvelope, JobID: j.ID}, nil
}

const importBatch = 500

// runImport reads the file and writes its records in batches; a batch that
// fails is retried record by record so that every failure is counted (and
// stop_on_error stops at the first).
func (m *Module) runImport(ctx context.Context, j *job, path string, upsert, stopOnError bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	next, err := recordReader(f, j.FileType)
	if err != nil {
		return err
	}
	var batch []*dbquery.Document
	var firstErr error
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		if err := m.importBatch(ctx, j.Env, j.Collection, batch, upsert); err == nil {
			j.RecordSuccess += int64(len(batch))
			return nil
		}
		for _, d := range batch {
			if err := m.importBatch(ctx, j.Env, j.Collection, []*dbquery.Document{d}, upsert); err != nil {
				j.RecordFail++
				if firstErr == nil {
					firstErr = err
				}
				if stopOnError {
					return err
				}
				continue
			}
			j.RecordSuccess++
		}
		return nil
	}
	for n := 1; ; n++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			j.RecordFail++
			rerr := fmt.Errorf("record %d: %w", n, err)
			if firstErr == nil {
				firstErr = rerr
			}
			if stopOnError || errors.Is(err, errFatalRead) {
				return rerr
			}
			continue
		}
		batch = append(batch, d)
		if len(batch) >= importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if firstErr != nil && j.RecordSuccess == 0 {
		return firstErr
	}
	if firstErr != nil {
		j.ErrMsg = firstErr.Error()
	}
	return nil
}

// importBatch writes documents in one commit: inserts, or for upsert
// replacements of the documents with the same _id (inserts otherwise).
func (m *Module) importBatch(ctx context.Context, env, coll string, docs []*dbquery.Document, upsert bool) error {
	now := m.now()
	prepared := make([]*dbquery.Document, len(docs))
	for i, d := range docs {
		nd, err := prepareInsert(d, now)
		if err != nil {
			return err
		}
		prepared[i] = nd
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.mustCollection(env, coll)
	if err != nil {
		return err
	}
	changes := make([]*change, len(prepared))
	taken := map[*record]bool{}
	for i, d := range prepared {
		ch := &change{doc: d}
		if upsert {
			id, _ := d.Get("_id")
			lo, hi := c.idIndex().equalRange([]dbquery.Value{id})
			if before(lo, hi) {
				old := c.idIndex().list.get(lo).rec
				if taken[old] {
					return errFailed("Insert", "the batch repeats _id %s", idString(id))
				}
				taken[old] = true
				ch.old = old
			}
		}
		changes[i] = ch
	}
	return m.commit(c, changes, "Insert")
}

var errFatalRead = errors.New("unreadable input")

// recordReader iterates the documents of a JSON file (JSON Lines or one
// array) or a CSV file (header row of field names; values are strings,
// empty cells are left out).
func recordReader(r io.Reader, fileType int) (func() (*dbquery.Document, error), error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if fileType == wechat.FileTypeCSV {
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return func() (*dbquery.Document, error) { return nil, io.EOF }, nil
		}
		if err != nil {
			return nil, fmt.Errorf("CSV header: %w", err)
		}
		if len(header) > 0 {
			header[0] = strings.TrimPrefix(header[0], "\ufeff")
		}
		return func() (*dbquery.Document, error) {
			row, err := cr.Read()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil, err
				}
				return nil, fmt.Errorf("%w: %v", errFatalRead, err)
			}
			d := dbquery.NewDocument()
			for i, v := range row {
				if i < len(header) && header[i] != "" && v != "" {
					d.Set(header[i], v)
				}
			}
			return d, nil
		}, nil
	}
	// JSON: an array, or one object per line.
	for {
		b, err := br.Peek(1)
		if err != nil {
			return func() (*dbquery.Document, error) { return nil, io.EOF }, nil
		}
		if bytes.ContainsAny(b, " \t\r\n") {
			br.ReadByte()
			continue
		}
		if b[0] == 0xEF {
			br.Discard(3) // byte order mark
			continue
		}
		if b[0] == '[' {
			dec := json.NewDecoder(br)
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return func() (*dbquery.Document, error) {
				if !dec.More() {
					return nil, io.EOF
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, fmt.Errorf("%w: %v", errFatalRead, err)
				}
				return dbquery.DecodeDocument(raw)
			}, nil
		}
		break
	}
	return func() (*dbquery.Document, error) {
		for {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) == 0 {
				if err != nil {
					return nil, io.EOF
				}
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: %v", errFatalRead, err)
			}
			return dbquery.DecodeDocument(bytes.TrimSpace(line))
		}
	}, nil
}
