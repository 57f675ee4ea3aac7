package docdb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func (m *Module) importDir() string { return filepath.Join(m.h.Options.DataDir, "imports") }

func (m *Module) wxMigrateImport(ctx context.Context, r *wxhttp.Request) (any, error) {
	var req wechat.MigrateImportRequest
	if err := r.Decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	switch {
	case req.CollectionName == "":
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: collection_name")
	case req.FilePath == "":
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: file_path")
	}
	if err := checkFileType(req.FileType); err != nil {
		return nil, err
	}
	mode := req.ConflictMode
	if mode == 0 {
		mode = wechat.ConflictModeInsert
	}
	if mode != wechat.ConflictModeInsert && mode != wechat.ConflictModeUpsert {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: conflict_mode must be 1 (insert) or 2 (upsert), got %d", req.ConflictMode)
	}
	rel := filepath.FromSlash(strings.TrimPrefix(req.FilePath, "/"))
	if !filepath.IsLocal(rel) {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: file_path %q must be a relative path inside the emulator's imports directory (the emulator has no cloud storage)", req.FilePath)
	}
	path := filepath.Join(m.importDir(), rel)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: file_path %q: no such file in %s (the emulator has no cloud storage: put the file there)", req.FilePath, m.importDir())
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
	return wechat.MigrateJobResponse{Envelope: wxhttp.OK, JobID: j.ID}, nil
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
