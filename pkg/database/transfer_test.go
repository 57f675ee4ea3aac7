package database

import (
	"bytes"
	"context"
	"errors"
	"io"
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

func FuzzImportReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":[1,2,{\"c\":null}]}\n"))
	f.Add([]byte("[{\"a\":{\"$date\":1}}, {}]"))
	f.Add([]byte("\xef\xbb\xbf["))
	f.Fuzz(func(t *testing.T, data []byte) {
		next, err := documentReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			d, _, err := next()
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			if d == nil {
				t.Fatal("nil document without an error")
			}
		}
	})
}
