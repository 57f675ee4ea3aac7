package dbquery

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAllDocs(in string) (int, error) {
	r := NewDocReader(strings.NewReader(in))
	for {
		if _, err := r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return r.Records(), err
		}
	}
}

func TestDocReader(t *testing.T) {
	cases := []struct {
		name, in string
		records  int
		line     int   // 0: an array error (or none)
		offset   int64 // -1: no error
		errHas   string
	}{
		{"jsonl", "{\"a\":1}\n\n{\"a\":2}\n", 2, 0, -1, ""},
		{"jsonl without final newline", "{\"a\":1}\n{\"a\":2}", 2, 0, -1, ""},
		{"array", " [ {\"a\":1}, {\"b\":{\"$date\":\"2024-01-01T00:00:00Z\"}} ]\n\n", 2, 0, -1, ""},
		{"bom and crlf", "\xef\xbb\xbf{\"a\":1}\r\n{\"a\":2}\r\n", 2, 0, -1, ""},
		{"empty", "  \n", 0, 0, -1, ""},
		{"empty array", "[]", 0, 0, -1, ""},
		{"truncated array", `[{"a":1},{"a":2}`, 2, 0, 16, "closing ]"},
		{"truncated element", `[{"a":1},{"a":`, 1, 0, 8, "ends before it is complete"},
		{"trailing garbage", `[{"a":1},{"a":2}] x`, 2, 0, 18, "data after"},
		{"second array", "[{\"a\":1}]\n[{\"a\":2}]", 1, 0, 10, "data after"},
		{"missing comma", `[{"a":1} {"a":2}]`, 1, 0, 9, "record 2"},
		{"not an object in array", `[{"a":1},5]`, 1, 0, 8, "expected a JSON object"},
		{"bad line", "{\"a\":1}\n\n{\"a\" 2}\n{\"a\":3}\n", 1, 3, 9, "invalid"},
		{"truncated last line", "{\"a\":1}\n{\"a\":", 1, 2, 8, "truncated"},
		{"two objects on a line", "{\"a\":1}{\"b\":2}\n", 0, 1, 0, "trailing data"},
		{"array on a line", "{\"a\":1}\n[1,2]\n", 1, 2, 8, "expected a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := readAllDocs(c.in)
			if n != c.records {
				t.Errorf("records %d, want %d (err %v)", n, c.records, err)
			}
			if c.offset < 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var de *DocReadError
			if !errors.As(err, &de) {
				t.Fatalf("error %v, want a *DocReadError", err)
			}
			if de.Line != c.line || de.Offset != c.offset || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("error %q (line %d, offset %d), want line %d offset %d containing %q", err, de.Line, de.Offset, c.line, c.offset, c.errHas)
			}
			if c.line > 0 && !strings.HasPrefix(err.Error(), "line ") || c.line == 0 && !strings.HasPrefix(err.Error(), "byte ") {
				t.Fatalf("error %q does not start with its position", err)
			}
			// The error is sticky.
			r := NewDocReader(strings.NewReader(c.in))
			for range c.records + 3 {
				r.Next()
			}
			if _, err2 := r.Next(); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("after the error Next returned %v", err2)
			}
		})
	}
}

func TestDocReaderLongLine(t *testing.T) {
	r := NewDocReader(strings.NewReader(`{"a":"` + strings.Repeat("x", 100) + "\"}\n"))
	r.MaxLine = 50
	_, err := r.Next()
	var de *DocReadError
	if !errors.As(err, &de) || de.Line != 1 || !strings.Contains(err.Error(), "longer than 50") {
		t.Fatalf("err %v", err)
	}
}

// FuzzDocReader: the reader never panics and terminates, and whatever it
// reads to a clean end is well formed: an array input is valid JSON, every
// non-blank line of JSON Lines input is.
func FuzzDocReader(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1}\n{\"b\":[1,2,{\"c\":null}]}\n", "[{\"a\":{\"$date\":1}}, {}]", "\xef\xbb\xbf[", `[{"a":1},{"a":2}`,
		`[{"a":1}] x`, "{\"a\":1}\n{\"a\":", "[]\n\n", "\n\n  {}\r\n", `[{"a":1},]`, `[{}]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewDocReader(bytes.NewReader(data))
		r.MaxLine = 1 << 16
		var err error
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatalf("%d records from %d bytes", i, len(data))
			}
			var d *Document
			d, err = r.Next()
			if err != nil {
				break
			}
			if d == nil {
				t.Fatal("nil document without an error")
			}
		}
		if !errors.Is(err, io.EOF) {
			var de *DocReadError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DocReadError", err, err)
			}
			if de.Offset < 0 || de.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside the %d bytes", de.Offset, len(data))
			}
			return
		}
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		if len(trimmed) > 0 && trimmed[0] == '[' {
			if !json.Valid(body) {
				t.Fatalf("read %q to the end, but it is not valid JSON", data)
			}
			return
		}
		for _, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 && !json.Valid(line) {
				t.Fatalf("read %q to the end, but line %q is not valid JSON", data, line)
			}
		}
	})
}
