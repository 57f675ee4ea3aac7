package database

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// ExportOptions tune Export.
type ExportOptions struct {
	// PageSize is the number of documents per request (default 1000).
	PageSize int64
	// Progress is called after each page with the running total.
	Progress func(done int64)
}

// Export streams every document of collection to w as JSON Lines (relaxed
// Extended JSON), paging in _id order, so memory stays flat whatever the
// collection's size. It returns the number of documents written.
func Export(ctx context.Context, b Backend, collection string, w io.Writer, opts ExportOptions) (int64, error) {
	page := opts.PageSize
	if page <= 0 {
		page = 1000
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var n int64
	for {
		skip, limit := n, page
		q := &dbquery.Query{Collection: collection, Action: dbquery.ActionFind,
			Sort: []dbquery.SortKey{{Field: "_id"}}, Skip: &skip, Limit: &limit}
		docs, _, err := b.Find(ctx, q)
		if err != nil {
			return n, fmt.Errorf("export %s after %d documents: %w", collection, n, err)
		}
		for _, d := range docs {
			line, err := dbquery.EncodeDocument(d)
			if err != nil {
				return n, err
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return n, err
			}
			n++
		}
		if opts.Progress != nil {
			opts.Progress(n)
		}
		if int64(len(docs)) < page {
			return n, bw.Flush()
		}
	}
}

// ImportMode is how Import writes documents.
type ImportMode string

const (
	// ImportInsert adds every document; an existing _id is an error.
	ImportInsert ImportMode = "insert"
	// ImportUpsert replaces the document with the same _id, or inserts it.
	ImportUpsert ImportMode = "upsert"
)

// ImportOptions tune Import.
type ImportOptions struct {
	Mode ImportMode
	// BatchBytes bounds the encoded size of one insert request (default
	// 40 KiB, which keeps statements under common server limits).
	BatchBytes int
	// Atomic reads and checks the whole input before writing anything: a
	// malformed file, a record that cannot be encoded, an upsert record
	// without _id or an _id repeated in the file writes nothing. (The
	// input is spooled to a temporary file unless it is an io.ReadSeeker.)
	// It does not make the writes one transaction: a write the server
	// refuses (a duplicate of a stored _id) still stops the import after
	// the batches before it, as without Atomic.
	Atomic bool
	// Progress is called after each write with the running total.
	Progress func(done int64)
	// OnIDs receives the _id of each inserted batch, in order.
	OnIDs func(ids []string)
}

// ImportStats counts what Import did.
type ImportStats struct {
	Read     int64 `json:"read"`
	Inserted int64 `json:"inserted"`
	Upserted int64 `json:"upserted"`
	Replaced int64 `json:"replaced"`
}

// Written is the number of documents stored.
func (s ImportStats) Written() int64 { return s.Inserted + s.Upserted + s.Replaced }

// ImportError locates a bad input record: the input is malformed there
// (the cause is then a *dbquery.DocReadError naming the line or byte
// offset), or the record cannot be imported.
type ImportError struct {
	Record int // 1-based record number
	Err    error
}

func (e *ImportError) Error() string {
	var de *dbquery.DocReadError
	if errors.As(e.Err, &de) {
		return de.Error()
	}
	return fmt.Sprintf("record %d: %v", e.Record, e.Err)
}
func (e *ImportError) Unwrap() error { return e.Err }

// Import reads documents from r — a JSON array or JSON Lines (one object
// per line), detected from the first character, read strictly by
// dbquery.DocReader — and writes them to the collection in batches. It
// stops at the first bad record or failed write and reports how far it
// got (ImportStats.Written): every document before that point is stored,
// unless opts.Atomic, which checks the whole input before the first write.
func Import(ctx context.Context, b Backend, collection string, r io.Reader, opts ImportOptions) (ImportStats, error) {
	var st ImportStats
	if opts.Mode == "" {
		opts.Mode = ImportInsert
	}
	if opts.Mode != ImportInsert && opts.Mode != ImportUpsert {
		return st, fmt.Errorf("unknown import mode %q (insert or upsert)", opts.Mode)
	}
	limit := opts.BatchBytes
	if limit <= 0 {
		limit = 40 << 10
	}
	if opts.Atomic {
		rs, cleanup, err := validateImport(r, opts.Mode)
		if err != nil {
			return st, err
		}
		defer cleanup()
		r = rs
	}
	dr := dbquery.NewDocReader(r)
	var batch []*dbquery.Document
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids, err := b.Insert(ctx, &dbquery.Query{Collection: collection, Action: dbquery.ActionInsert, Data: batch})
		if err != nil {
			return fmt.Errorf("inserting records %d-%d: %w", st.Inserted+1, st.Inserted+int64(len(batch)), err)
		}
		if len(ids) != len(batch) {
			return fmt.Errorf("inserted %d of a batch of %d", len(ids), len(batch))
		}
		st.Inserted += int64(len(batch))
		if opts.OnIDs != nil {
			opts.OnIDs(ids)
		}
		batch, size = batch[:0], 0
		if opts.Progress != nil {
			opts.Progress(st.Inserted)
		}
		return nil
	}
	for {
		doc, err := dr.Next()
		rec := dr.Records()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return st, ferr
			}
			return st, readError(rec, err)
		}
		st.Read++
		if opts.Mode == ImportUpsert {
			if err := upsertOne(ctx, b, collection, doc, &st); err != nil {
				return st, &ImportError{Record: rec, Err: err}
			}
			if opts.Progress != nil {
				opts.Progress(st.Upserted + st.Replaced)
			}
			continue
		}
		enc, err := dbquery.EncodeDocument(doc)
		if err != nil {
			if ferr := flush(); ferr != nil {
				return st, ferr
			}
			return st, &ImportError{Record: rec, Err: err}
		}
		if size+len(enc) > limit && len(batch) > 0 {
			if err := flush(); err != nil {
				return st, err
			}
		}
		batch = append(batch, doc)
		size += len(enc)
	}
	return st, flush()
}

// readError is the ImportError of a DocReader error after rec records.
func readError(rec int, err error) *ImportError {
	var de *dbquery.DocReadError
	if errors.As(err, &de) {
		return &ImportError{Record: de.Record, Err: err}
	}
	return &ImportError{Record: rec + 1, Err: err}
}

// validateImport reads the whole input once and checks what can be
// checked before writing; it returns a reader positioned at the start of
// the same bytes.
func validateImport(r io.Reader, mode ImportMode) (io.Reader, func(), error) {
	cleanup := func() {}
	rs, seekable := r.(io.ReadSeeker)
	var start int64
	if seekable {
		var err error
		if start, err = rs.Seek(0, io.SeekCurrent); err != nil {
			seekable = false
		}
	}
	src := r
	var spool *os.File
	var spoolW *bufio.Writer
	if !seekable {
		f, err := os.CreateTemp("", "tcb-import-*")
		if err != nil {
			return nil, cleanup, fmt.Errorf("spooling the input for --atomic: %w", err)
		}
		os.Remove(f.Name()) // unlinked: gone when closed, whatever happens
		spool, spoolW = f, bufio.NewWriterSize(f, 256<<10)
		cleanup = func() { f.Close() }
		src = io.TeeReader(r, spoolW)
	}
	dr := dbquery.NewDocReader(src)
	ids := map[string]int{}
	for {
		doc, err := dr.Next()
		rec := dr.Records()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			cleanup()
			return nil, func() {}, readError(rec, err)
		}
		if _, err := dbquery.EncodeDocument(doc); err != nil {
			cleanup()
			return nil, func() {}, &ImportError{Record: rec, Err: err}
		}
		id, ok := doc.Get("_id")
		if !ok {
			if mode == ImportUpsert {
				cleanup()
				return nil, func() {}, &ImportError{Record: rec, Err: errors.New("upsert needs an _id in every document")}
			}
			continue
		}
		key, err := dbquery.EncodeValue(id)
		if err != nil {
			cleanup()
			return nil, func() {}, &ImportError{Record: rec, Err: err}
		}
		if prev, dup := ids[string(key)]; dup {
			cleanup()
			return nil, func() {}, &ImportError{Record: rec, Err: fmt.Errorf("_id %s repeats record %d", key, prev)}
		}
		ids[string(key)] = rec
	}
	if seekable {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, cleanup, fmt.Errorf("rewinding the input: %w", err)
		}
		return rs, cleanup, nil
	}
	if err := spoolW.Flush(); err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("spooling the input for --atomic: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("spooling the input for --atomic: %w", err)
	}
	return spool, cleanup, nil
}

func upsertOne(ctx context.Context, b Backend, collection string, doc *dbquery.Document, st *ImportStats) error {
	id, ok := doc.ID()
	if !ok {
		return errors.New("upsert needs an _id in every document")
	}
	body := doc.Clone()
	body.Delete("_id")
	res, err := b.Update(ctx, &dbquery.Query{Collection: collection, Action: dbquery.ActionSet,
		DocID: id, HasDocID: true, Update: body, Upsert: true})
	if err != nil {
		return err
	}
	if res.UpsertedID != "" || res.Matched == 0 {
		st.Upserted++
	} else {
		st.Replaced++
	}
	return nil
}
