package docdb

import (
	"bufio"
	"context"
	"encoding/csv"
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

// runImport checks the whole file first: a malformed one (a truncated
// array, data after it, a line that is not one object, a broken CSV row)
// fails the job with nothing written, and the error names the line or
// byte offset in the words of `tcb db import` (both read with
// dbquery.DocReader). Then it writes the records in batches; a batch that
// fails is retried record by record so that every failure is counted
// (and stop_on_error stops at the first).
func (m *Module) runImport(ctx context.Context, j *job, path string, upsert, stopOnError bool) error {
	if err := checkImportFile(ctx, path, j.FileType); err != nil {
		return fmt.Errorf("%v (nothing written: the file is checked before the first write)", err)
	}
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
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The file changed since it was checked.
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("%v (%d documents written before it)", err, j.RecordSuccess)
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

// checkImportFile reads the whole file: nil, or the first reason it
// cannot be imported.
func checkImportFile(ctx context.Context, path string, fileType int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	next, err := recordReader(f, fileType)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
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
	defer m.lock(env, true, coll)()
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
	return m.commit(ctx, c, changes, "Insert")
}

// recordReader iterates the documents of a JSON file (JSON Lines or one
// array, dbquery.DocReader) or a CSV file (header row of field names;
// values are strings, empty cells are left out); it returns io.EOF after
// the last of a well-formed file, any other error for a malformed one.
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
				return nil, fmt.Errorf("CSV: %v", err)
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
	// JSON: an array, or one object per line, read strictly.
	dr := dbquery.NewDocReader(br)
	return dr.Next, nil
}
