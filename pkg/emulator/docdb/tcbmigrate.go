package docdb

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// tcb DatabaseMigrateImport, DatabaseMigrateExport and
// DatabaseMigrateQueryInfo: the migration jobs of the WeChat API
// (migrate_*.go) with the Cloud API's parameters. FilePath is an object key
// in the environment's storage bucket, read and written through the
// storage module's COS door in-process (signed with temporary credentials
// of the environment), so a file uploaded with `tcb storage upload` or any
// COS client can be imported, and an export lands in the bucket as on the
// cloud. FileUrl is the emulator's download address of the exported file.

// maxImportObject bounds the object an import reads.
const maxImportObject = 1 << 30

type migrateImportRequest struct {
	EnvId          string `json:"EnvId"`
	CollectionName string `json:"CollectionName"`
	FilePath       string `json:"FilePath"`
	FileType       string `json:"FileType"`
	StopOnError    *bool  `json:"StopOnError"`
	ConflictMode   string `json:"ConflictMode"`
}

type migrateExportRequest struct {
	EnvId          string `json:"EnvId"`
	CollectionName string `json:"CollectionName"`
	FilePath       string `json:"FilePath"`
	FileType       string `json:"FileType"`
	Query          string `json:"Query"`
	Skip           *int64 `json:"Skip"`
	Limit          *int64 `json:"Limit"`
	Sort           string `json:"Sort"`
	Fields         string `json:"Fields"`
}

type migrateJobResponse struct {
	JobId int64 `json:"JobId"`
}

type migrateQueryInfoResponse struct {
	Status        string `json:"Status"`
	RecordSuccess int64  `json:"RecordSuccess"`
	RecordFail    int64  `json:"RecordFail"`
	ErrorMsg      string `json:"ErrorMsg"`
	FileUrl       string `json:"FileUrl"`
}

// fileType maps "json" / "csv" to the job's type.
func fileType(s string) (int, error) {
	switch strings.ToLower(s) {
	case "json":
		return wechat.FileTypeJSON, nil
	case "csv":
		return wechat.FileTypeCSV, nil
	}
	return 0, capi.Errorf("InvalidParameterValue", "FileType must be json or csv, got %q.", s)
}

// objectKey checks FilePath as a key of the environment's bucket.
func objectKey(p string) (string, error) {
	key := strings.TrimPrefix(p, "/")
	if key == "" {
		return "", capi.Errorf("MissingParameter", "The parameter `FilePath` is required.")
	}
	if len(key) > 850 || strings.ContainsAny(key, "\x00\r\n") {
		return "", capi.Errorf("InvalidParameterValue", "FilePath %q is not a valid object key.", p)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return "", capi.Errorf("InvalidParameterValue", "FilePath %q must not contain . or .. segments.", p)
		}
	}
	return key, nil
}

// bucketClient is a COS client of the environment's storage bucket whose
// requests the host serves in-process.
func (m *Module) bucketClient(rec *envs.Record) *cossdk.Client {
	p := m.h.Credentials.Issue(rec.EnvID, creds.Caller{}, 0)
	addr := m.h.Addr()
	host := rec.Bucket + ".cos." + orDefault(rec.Region, "ap-shanghai") + ".localhost"
	if _, port, err := net.SplitHostPort(addr); err == nil {
		host = net.JoinHostPort(host, port)
	}
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: &url.URL{Scheme: "http", Host: addr}}, &http.Client{
		Transport: &cossdk.AuthorizationTransport{SecretID: p.SecretID, SecretKey: p.SecretKey, SessionToken: p.SessionToken,
			Transport: hostTransport{m.h.Handler}}})
	c.Host = host
	c.Conf.RetryOpt.Count = 1
	return c
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// hostTransport serves requests with the emulator's own handler.
type hostTransport struct{ h http.Handler }

func (t hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.h == nil {
		return nil, fmt.Errorf("the emulator's storage is not available in-process")
	}
	req := r.Clone(r.Context())
	// Over a socket, header names arrive canonical whatever the client
	// wrote; make them so here too.
	req.Header = make(http.Header, len(r.Header))
	for k, v := range r.Header {
		ck := http.CanonicalHeaderKey(k)
		req.Header[ck] = append(req.Header[ck], v...)
	}
	if req.Host == "" {
		req.Host = r.URL.Host
	}
	req.RemoteAddr, req.RequestURI = "127.0.0.1:0", r.URL.RequestURI()
	if req.Body == nil {
		req.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	rw := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	go func() {
		t.h.ServeHTTP(rw, req)
		rw.WriteHeader(http.StatusOK)
		pw.Close()
	}()
	<-rw.ready
	return &http.Response{StatusCode: rw.status, Status: fmt.Sprintf("%d %s", rw.status, http.StatusText(rw.status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: rw.sent, Body: pr, ContentLength: -1, Request: r}, nil
}

// pipeWriter streams a handler's response body (exports and imports may
// be large: nothing is buffered whole).
type pipeWriter struct {
	header http.Header
	sent   http.Header // the header as of WriteHeader
	status int
	pw     *io.PipeWriter
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }
func (w *pipeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	}
}
func (w *pipeWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(p)
}

// migrateTarget checks what an import and an export both name: the
// environment (ready), the collection, the object (FilePath, returned as
// its key) and the file type.
func (m *Module) migrateTarget(envID, collection, filePath, fileTypeName string) (*envs.Record, string, int, error) {
	if envID == "" {
		return nil, "", 0, capi.Errorf("MissingParameter", "The parameter `EnvId` is required.")
	}
	rec, err := m.h.Envs.Ready(envID, "ResourceNotFound")
	if err != nil {
		return nil, "", 0, err
	}
	if collection == "" {
		return nil, "", 0, capi.Errorf("MissingParameter", "The parameter `CollectionName` is required.")
	}
	key, err := objectKey(filePath)
	if err != nil {
		return nil, "", 0, err
	}
	ft, err := fileType(fileTypeName)
	if err != nil {
		return nil, "", 0, err
	}
	return rec, key, ft, nil
}

// requireCollection is the Cloud API error for a collection that does not exist.
func (m *Module) requireCollection(envID, collection string) error {
	ok, err := m.collectionExists(envID, collection)
	if err != nil {
		return err
	}
	if !ok {
		return tc3Error(errCollectionMissing(collection))
	}
	return nil
}

func (m *Module) databaseMigrateImport(ctx context.Context, c *capi.Call) (any, error) {
	var req migrateImportRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, key, ft, err := m.migrateTarget(req.EnvId, req.CollectionName, req.FilePath, req.FileType)
	if err != nil {
		return nil, err
	}
	upsert := false
	switch strings.ToLower(req.ConflictMode) {
	case "", "insert":
	case "upsert":
		upsert = true
	default:
		return nil, capi.Errorf("InvalidParameterValue", "ConflictMode must be insert or upsert, got %q.", req.ConflictMode)
	}
	if err := m.requireCollection(req.EnvId, req.CollectionName); err != nil {
		return nil, err
	}
	// The object must exist now: a wrong path fails the call, not the job.
	cos := m.bucketClient(rec)
	head, err := cos.Object.Head(ctx, key, nil)
	if err != nil {
		if cossdk.IsNotFoundError(err) {
			return nil, capi.Errorf("ResourceNotFound", "FilePath %s: no such object in the storage bucket of %s.", key, req.EnvId)
		}
		return nil, capi.Errorf("FailedOperation", "Reading %s from storage: %v.", key, err)
	}
	if head.ContentLength > maxImportObject {
		return nil, capi.Errorf("LimitExceeded", "FilePath %s is %d bytes; the emulator imports at most %d.", key, head.ContentLength, maxImportObject)
	}
	stop := req.StopOnError != nil && *req.StopOnError
	j := &job{Env: req.EnvId, Kind: "import", Collection: req.CollectionName, FilePath: key, FileType: ft,
		Status: jobWaiting, Created: m.now()}
	if err := m.newJob(j); err != nil {
		return nil, err
	}
	m.startJob(j, func(ctx context.Context, j *job) error {
		path, err := m.fetchObject(ctx, cos, key, j.ID)
		if err != nil {
			return err
		}
		defer os.Remove(path)
		return m.runImport(ctx, j, path, upsert, stop)
	})
	return migrateJobResponse{JobId: j.ID}, nil
}

// fetchObject copies an object into the imports directory.
func (m *Module) fetchObject(ctx context.Context, cos *cossdk.Client, key string, id int64) (string, error) {
	dir := filepath.Join(m.importDir(), ".tcb")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	resp, err := cos.Object.Get(ctx, key, nil)
	if err != nil {
		return "", fmt.Errorf("reading %s from storage: %w", key, err)
	}
	defer resp.Body.Close()
	path := filepath.Join(dir, fmt.Sprintf("job-%d", id))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, io.LimitReader(resp.Body, maxImportObject+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

func (m *Module) databaseMigrateExport(ctx context.Context, c *capi.Call) (any, error) {
	var req migrateExportRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, key, ft, err := m.migrateTarget(req.EnvId, req.CollectionName, req.FilePath, req.FileType)
	if err != nil {
		return nil, err
	}
	op := findOp{limit: 1 << 50}
	if strings.TrimSpace(req.Query) != "" {
		if op.filter, err = dbquery.DecodeDocument([]byte(req.Query)); err != nil {
			return nil, capi.Errorf("InvalidParameterValue", "Query must be a JSON object (a MongoDB filter): %v.", err)
		}
	}
	if strings.TrimSpace(req.Sort) != "" {
		d, err := dbquery.DecodeDocument([]byte(req.Sort))
		if err != nil {
			return nil, capi.Errorf("InvalidParameterValue", "Sort must be a JSON object such as {\"age\": -1}: %v.", err)
		}
		if op.sort, err = sortKeys(d); err != nil {
			return nil, err
		}
	}
	if req.Skip != nil {
		if *req.Skip < 0 {
			return nil, capi.Errorf("InvalidParameterValue", "Skip must not be negative.")
		}
		op.skip = min(*req.Skip, maxSkip)
	}
	if req.Limit != nil {
		if *req.Limit < 0 {
			return nil, capi.Errorf("InvalidParameterValue", "Limit must not be negative.")
		}
		if *req.Limit > 0 {
			op.limit = *req.Limit
		}
	}
	if req.Fields != "" {
		var fs []dbquery.Field
		for _, name := range strings.Split(req.Fields, ",") {
			if name = strings.TrimSpace(name); name != "" {
				fs = append(fs, dbquery.Field{Key: name, Value: int64(1)})
			}
		}
		op.projection = dbquery.NewDocument(fs...)
	} else if ft == wechat.FileTypeCSV {
		return nil, capi.Errorf("MissingParameter", "Fields is required for a csv export.")
	}
	if err := m.requireCollection(req.EnvId, req.CollectionName); err != nil {
		return nil, err
	}
	j := &job{Env: req.EnvId, Kind: "export", Collection: req.CollectionName, FilePath: key, FileType: ft,
		Token: newID(), Status: jobWaiting, Created: m.now()}
	if err := m.newJob(j); err != nil {
		return nil, err
	}
	j.File = filepath.Join(m.exportDir(req.EnvId), fmt.Sprintf("%d-%s", j.ID, filepath.Base(filepath.Clean("/"+key))))
	j.URL = fmt.Sprintf("http://%s%s%s/%d?token=%s", c.Host, exportRoute, req.EnvId, j.ID, j.Token)
	if err := m.saveJob(j); err != nil {
		return nil, err
	}
	cos := m.bucketClient(rec)
	m.startJob(j, func(ctx context.Context, j *job) error {
		res, err := m.find(ctx, j.Env, j.Collection, op)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if ft == wechat.FileTypeCSV {
			err = writeCSV(bw, res.docs, op.projection)
		} else {
			err = writeJSONLines(ctx, bw, res.docs)
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(j.File), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(j.File, buf.Bytes(), 0o600); err != nil {
			return err
		}
		if _, err := cos.Object.Put(ctx, key, bytes.NewReader(buf.Bytes()), &cossdk.ObjectPutOptions{
			ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentLength: int64(buf.Len())}}); err != nil {
			return fmt.Errorf("writing %s to storage: %w", key, err)
		}
		j.RecordSuccess = int64(len(res.docs))
		return nil
	})
	return migrateJobResponse{JobId: j.ID}, nil
}

func (m *Module) databaseMigrateQueryInfo(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId string `json:"EnvId"`
		JobId int64  `json:"JobId"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter `EnvId` is required.")
	}
	if _, err := m.h.Envs.Ready(req.EnvId, "ResourceNotFound"); err != nil {
		return nil, err
	}
	if req.JobId == 0 {
		return nil, capi.Errorf("MissingParameter", "The parameter `JobId` is required.")
	}
	j, err := m.getJob(req.EnvId, req.JobId)
	if err != nil {
		return nil, err
	}
	if j == nil {
		return nil, capi.Errorf("ResourceNotFound", "The migration job %d does not exist.", req.JobId)
	}
	if j.Status == jobWaiting && !m.isRunning(j.ID) {
		j.Status, j.ErrMsg, j.Finished = jobFail, "the job was interrupted by an emulator restart", m.now()
		if err := m.saveJob(j); err != nil {
			return nil, err
		}
	}
	out := migrateQueryInfoResponse{Status: j.Status, RecordSuccess: j.RecordSuccess, RecordFail: j.RecordFail, ErrorMsg: j.ErrMsg}
	if j.Kind == "export" && j.Status == jobSuccess {
		out.FileUrl = j.URL
	}
	return out, nil
}
