package dbquery

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

type stmtCase struct {
	name   string
	stmt   string
	expect []string // "=> ..." lines without the arrow
	line   int
}

func loadCases(t testing.TB) []stmtCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []stmtCase
	var cur *stmtCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### "):
			cases = append(cases, stmtCase{name: strings.TrimSpace(line[4:]), line: n})
			cur = &cases[len(cases)-1]
		case cur == nil || strings.TrimSpace(line) == "" || (strings.HasPrefix(line, "#") && cur.stmt == ""):
		case strings.HasPrefix(line, "=> ") || line == "=> ids" || line == "=>":
			cur.expect = append(cur.expect, strings.TrimSpace(strings.TrimPrefix(line, "=>")))
		default:
			if cur.stmt != "" {
				cur.stmt += "\n"
			}
			cur.stmt += line
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func loadCollection(t testing.TB, name string) []*Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeValue(data)
	if err != nil {
		t.Fatal(err)
	}
	arr := v.([]any)
	docs := make([]*Document, len(arr))
	for i, e := range arr {
		docs[i] = e.(*Document)
	}
	return docs
}

var fixedNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func execOptions() *ExecOptions {
	n := 0
	skus := func(string) ([]*Document, error) { return nil, nil }
	return &ExecOptions{
		Now:    fixedNow,
		NewID:  func() string { n++; return "new" + strconv.Itoa(n) },
		Lookup: skus,
	}
}

func ids(docs []*Document) []string {
	out := []string{}
	for _, d := range docs {
		id, _ := d.Get("_id")
		out = append(out, fmt.Sprint(id))
	}
	return out
}

func findByID(docs []*Document, id string) *Document {
	for _, d := range docs {
		if v, _ := d.Get("_id"); v == id {
			return d
		}
	}
	return nil
}

func TestStatementCases(t *testing.T) {
	fixture := loadCollection(t, "fixture.json")
	skus := loadCollection(t, "skus.json")
	cases := loadCases(t)
	if len(cases) < 80 {
		t.Fatalf("only %d cases", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if len(c.expect) == 0 {
				t.Fatalf("case at line %d has no expectation", c.line)
			}
			fixtureBefore := mustEncodeAll(t, fixture)
			opts := execOptions()
			opts.Lookup = func(name string) ([]*Document, error) {
				if name == "skus" {
					return skus, nil
				}
				return nil, fmt.Errorf("no collection %q", name)
			}
			q, err := Parse(c.stmt)
			var res *Result
			if err == nil {
				res, err = Execute(context.Background(), q, fixture, opts)
			}
			if after := mustEncodeAll(t, fixture); !bytes.Equal(after, fixtureBefore) {
				t.Fatal("Execute modified its input documents")
			}
			for _, exp := range c.expect {
				kind, arg, _ := strings.Cut(exp, " ")
				if kind == "error" {
					if err == nil {
						t.Fatalf("expected error containing %q, got none", arg)
					}
					if !strings.Contains(err.Error(), arg) {
						t.Fatalf("expected error containing %q, got %v", arg, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				checkExpectation(t, kind, arg, res)
			}
		})
	}
}

func mustEncodeAll(t testing.TB, docs []*Document) []byte {
	var b bytes.Buffer
	for _, d := range docs {
		e, err := EncodeDocument(d)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(e)
	}
	return b.Bytes()
}

func checkExpectation(t *testing.T, kind, arg string, res *Result) {
	t.Helper()
	switch kind {
	case "ids":
		want := strings.Fields(arg)
		if want == nil {
			want = []string{}
		}
		if got := ids(res.Docs); !slices.Equal(got, want) {
			t.Fatalf("ids:\n got  %v\n want %v", got, want)
		}
	case "count":
		n, _ := strconv.ParseInt(arg, 10, 64)
		if res.Count != n {
			t.Fatalf("count = %d, want %d", res.Count, n)
		}
	case "len":
		n, _ := strconv.Atoi(arg)
		if len(res.Docs) != n {
			t.Fatalf("len = %d, want %d", len(res.Docs), n)
		}
	case "docs":
		want, err := DecodeValue([]byte(arg))
		if err != nil {
			t.Fatalf("bad expectation: %v", err)
		}
		got := make([]any, len(res.Docs))
		for i, d := range res.Docs {
			got[i] = d
		}
		if !EqualValues(got, want) {
			gb, _ := EncodeValue(got)
			wb, _ := EncodeValue(want)
			t.Fatalf("docs:\n got  %s\n want %s", gb, wb)
		}
	case "matched":
		f := strings.Fields(arg)
		m, _ := strconv.ParseInt(f[0], 10, 64)
		if res.Matched != m {
			t.Fatalf("matched = %d, want %d", res.Matched, m)
		}
		if len(f) == 3 && f[1] == "modified" {
			mod, _ := strconv.ParseInt(f[2], 10, 64)
			if res.Modified != mod {
				t.Fatalf("modified = %d, want %d", res.Modified, mod)
			}
		}
	case "deleted":
		n, _ := strconv.ParseInt(arg, 10, 64)
		if res.Deleted != n {
			t.Fatalf("deleted = %d, want %d", res.Deleted, n)
		}
		if int64(len(res.DeletedIDs)) != n {
			t.Fatalf("DeletedIDs has %d entries, want %d", len(res.DeletedIDs), n)
		}
	case "inserted":
		want := strings.Fields(arg)
		var got []string
		for _, id := range res.InsertedIDs {
			got = append(got, fmt.Sprint(id))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("inserted %v, want %v", got, want)
		}
	case "upserted":
		if fmt.Sprint(res.UpsertedID) != arg {
			t.Fatalf("upserted %v, want %s", res.UpsertedID, arg)
		}
	case "doc":
		want, err := DecodeDocument([]byte(arg))
		if err != nil {
			t.Fatalf("bad expectation: %v", err)
		}
		id, _ := want.Get("_id")
		got := findByID(res.Collection, id.(string))
		if got == nil {
			t.Fatalf("document %v not in the collection after the write", id)
		}
		if !EqualValues(got, want) {
			t.Fatalf("doc %v:\n got  %s\n want %s", id, got, want)
		}
	case "absent":
		if res.Collection == nil {
			t.Fatal("no collection in the result")
		}
		if findByID(res.Collection, arg) != nil {
			t.Fatalf("document %s still present", arg)
		}
	default:
		t.Fatalf("unknown expectation %q", kind)
	}
}

// TestExplainGolden checks the MongoDB form of every parsable case against
// testdata/explain.golden (regenerate with go test -run TestExplainGolden -update
// and review the diff by hand).
func TestExplainGolden(t *testing.T) {
	var b bytes.Buffer
	for _, c := range loadCases(t) {
		q, err := Parse(c.stmt)
		if err != nil {
			continue
		}
		out, err := q.Explain()
		if err != nil {
			t.Fatalf("%s: explain: %v", c.name, err)
		}
		fmt.Fprintf(&b, "### %s\n%s\n%s\n", c.name, c.stmt, out)
	}
	path := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		gotLines := strings.Split(b.String(), "\n")
		wantLines := strings.Split(string(want), "\n")
		for i := 0; i < len(gotLines) && i < len(wantLines); i++ {
			if gotLines[i] != wantLines[i] {
				t.Fatalf("explain output differs from %s at line %d:\n got  %q\n want %q", path, i+1, gotLines[i], wantLines[i])
			}
		}
		t.Fatalf("explain output differs from %s in length (%d vs %d lines)", path, len(gotLines), len(wantLines))
	}
}

// TestStatementRoundTripCases: Parse(q.Statement()) gives back q for every
// parsable case.
func TestStatementRoundTripCases(t *testing.T) {
	for _, c := range loadCases(t) {
		q, err := Parse(c.stmt)
		if err != nil {
			continue
		}
		s := q.Statement()
		q2, err := Parse(s)
		if err != nil {
			t.Errorf("%s: reparse of %s: %v", c.name, s, err)
			continue
		}
		if !q.Equal(q2) {
			e1, _ := q.Explain()
			e2, _ := q2.Explain()
			t.Errorf("%s: round trip differs\nstatement: %s\nfirst:  %s\nsecond: %s", c.name, s, e1, e2)
		}
	}
}
