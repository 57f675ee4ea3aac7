package database

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// memBackend records inserts for Import tests; other calls are unused.
type memBackend struct {
	Backend
	batches [][]*dbquery.Document
	fail    int // fail the nth insert (1-based), 0 = never
}

func (m *memBackend) Insert(ctx context.Context, q *dbquery.Query) ([]string, error) {
	if m.fail > 0 && len(m.batches)+1 == m.fail {
		return nil, errors.New("duplicate key")
	}
	m.batches = append(m.batches, q.Data)
	ids := make([]string, len(q.Data))
	for i := range ids {
		ids[i] = "id"
	}
	return ids, nil
}

func TestImportFormatsAndErrors(t *testing.T) {
	cases := []struct {
		name, in  string
		wantRead  int64
		wantErrAt int // record number of the error, 0 = none
	}{
		{"jsonl", "{\"a\":1}\n\n{\"a\":2}\n", 2, 0},
		{"array", " [ {\"a\":1}, {\"b\":{\"$date\":\"2024-01-01T00:00:00Z\"}} ] ", 2, 0},
		{"bom and crlf", "\xef\xbb\xbf{\"a\":1}\r\n{\"a\":2}\r\n", 2, 0},
		{"empty", "   \n", 0, 0},
		{"not an object", "{\"a\":1}\n[1,2]\n", 1, 2},
		{"broken json", "{\"a\":1}\n{\"a\":\n", 1, 2},
		{"bad element", "[{\"a\":1}, 5]", 1, 2},
		{"truncated array", "[{\"a\":1},{\"a\":2}", 2, 2},
		{"trailing garbage", "[{\"a\":1},{\"a\":2}] x", 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &memBackend{}
			st, err := Import(context.Background(), b, "c", strings.NewReader(c.in), ImportOptions{})
			if st.Read != c.wantRead {
				t.Fatalf("read %d, want %d (err %v)", st.Read, c.wantRead, err)
			}
			var ie *ImportError
			if c.wantErrAt == 0 && err != nil || c.wantErrAt != 0 && (!errors.As(err, &ie) || ie.Record != c.wantErrAt) {
				t.Fatalf("error %v, want one at record %d", err, c.wantErrAt)
			}
			// Everything before the bad record is stored.
			if st.Inserted != st.Read {
				t.Fatalf("inserted %d of %d good records", st.Inserted, st.Read)
			}
		})
	}
}

func TestImportBatchesBySize(t *testing.T) {
	var in bytes.Buffer
	for i := 0; i < 300; i++ {
		in.WriteString(`{"title":"` + strings.Repeat("x", 200) + `"}` + "\n")
	}
	b := &memBackend{}
	var ids []string
	st, err := Import(context.Background(), b, "c", &in, ImportOptions{BatchBytes: 10 << 10, OnIDs: func(x []string) { ids = append(ids, x...) }})
	if err != nil || st.Inserted != 300 || len(ids) != 300 {
		t.Fatalf("st %+v ids %d err %v", st, len(ids), err)
	}
	if len(b.batches) < 5 {
		t.Fatalf("%d batches for ~65 KB with a 10 KB limit", len(b.batches))
	}
	// A failed write stops the import and reports what was stored before.
	in.Reset()
	for i := 0; i < 300; i++ {
		in.WriteString(`{"title":"` + strings.Repeat("x", 200) + `"}` + "\n")
	}
	b = &memBackend{fail: 3}
	st, err = Import(context.Background(), b, "c", &in, ImportOptions{BatchBytes: 10 << 10})
	if err == nil || st.Inserted == 0 || st.Inserted >= 300 {
		t.Fatalf("st %+v err %v", st, err)
	}
}

// oneByteReader hides Seek: Import must spool it for Atomic.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestImportAtomic(t *testing.T) {
	good := "{\"_id\":\"a\",\"n\":1}\n{\"_id\":\"b\",\"n\":2}\n{\"n\":3}\n"
	bad := map[string]string{
		"truncated array":  `[{"a":1},{"a":2}`,
		"trailing garbage": `[{"a":1},{"a":2}]]`,
		"bad line":         "{\"a\":1}\n{\"a\":2}\n{\"a\" 3}\n",
		"repeated _id":     "{\"_id\":1}\n{\"_id\":2}\n{\"_id\":1}\n",
	}
	dir := t.TempDir()
	for name, in := range bad {
		for _, src := range []string{"file", "stream"} {
			t.Run(name+"/"+src, func(t *testing.T) {
				var r io.Reader = oneByteReader{strings.NewReader(in)}
				if src == "file" {
					p := filepath.Join(dir, "in")
					os.WriteFile(p, []byte(in), 0o600)
					f, err := os.Open(p)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					r = f
				}
				b := &memBackend{}
				st, err := Import(context.Background(), b, "c", r, ImportOptions{Atomic: true, BatchBytes: 10})
				var ie *ImportError
				if !errors.As(err, &ie) || len(b.batches) != 0 || st.Written() != 0 {
					t.Fatalf("err %v, %d batches written (%+v)", err, len(b.batches), st)
				}
				if name == "repeated _id" {
					return // without Atomic the server refuses the duplicate (memBackend does not)
				}
				// Without Atomic the same input writes what comes first.
				b = &memBackend{}
				st, err = Import(context.Background(), b, "c", strings.NewReader(in), ImportOptions{BatchBytes: 10})
				if err == nil || st.Written() != 2 {
					t.Fatalf("non-atomic: err %v, %+v", err, st)
				}
			})
		}
	}
	for _, src := range []string{"file", "stream"} {
		var r io.Reader = oneByteReader{strings.NewReader(good)}
		if src == "file" {
			p := filepath.Join(dir, "good")
			os.WriteFile(p, []byte(good), 0o600)
			f, _ := os.Open(p)
			defer f.Close()
			r = f
		}
		b := &memBackend{}
		st, err := Import(context.Background(), b, "c", r, ImportOptions{Atomic: true, BatchBytes: 10})
		if err != nil || st.Inserted != 3 || len(b.batches) != 3 {
			t.Fatalf("%s: %+v %d batches, err %v", src, st, len(b.batches), err)
		}
	}
}
