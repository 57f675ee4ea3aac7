package database

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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

// ImportError locates a bad input document.
type ImportError struct {
	Record int // 1-based record number (line for JSON Lines)
	Err    error
}

func (e *ImportError) Error() string { return fmt.Sprintf("record %d: %v", e.Record, e.Err) }
func (e *ImportError) Unwrap() error { return e.Err }

// Import reads documents from r — a JSON array or JSON Lines (one object
// per line), detected from the first character — and writes them to the
// collection in batches. It stops at the first bad record or failed write
// and reports how far it got; every document before that point is stored.
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
	next, err := documentReader(r)
	if err != nil {
		return st, err
	}
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
		doc, rec, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return st, ferr
			}
			return st, &ImportError{Record: rec, Err: err}
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

// documentReader returns an iterator over the documents of a JSON array or
// JSON Lines stream; it yields io.EOF at the end.
func documentReader(r io.Reader) (func() (*dbquery.Document, int, error), error) {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := peekNonSpace(br)
	if errors.Is(err, io.EOF) {
		return func() (*dbquery.Document, int, error) { return nil, 0, io.EOF }, nil
	}
	if err != nil {
		return nil, err
	}
	rec := 0
	if first == '[' {
		dec := json.NewDecoder(br)
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return func() (*dbquery.Document, int, error) {
			if !dec.More() {
				return nil, rec, io.EOF
			}
			rec++
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, rec, fmt.Errorf("not valid JSON: %w", err)
			}
			return decodeRecord(raw, rec)
		}, nil
	}
	const maxLine = 16 << 20
	return func() (*dbquery.Document, int, error) {
		for {
			line, err := readLine(br, maxLine)
			if len(line) == 0 && errors.Is(err, io.EOF) {
				return nil, rec, io.EOF
			}
			rec++
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, rec, err
			}
			if len(bytes.TrimSpace(line)) == 0 {
				if errors.Is(err, io.EOF) {
					return nil, rec, io.EOF
				}
				continue
			}
			return decodeRecord(line, rec)
		}
	}, nil
}

func decodeRecord(raw []byte, rec int) (*dbquery.Document, int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, rec, errors.New("expected a JSON object")
	}
	d, err := dbquery.DecodeDocument(raw)
	if err != nil {
		return nil, rec, err
	}
	return d, rec, nil
}

func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("line longer than %d bytes", max)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			br.ReadByte()
			br.ReadByte()
			continue
		}
		return b, br.UnreadByte()
	}
}
