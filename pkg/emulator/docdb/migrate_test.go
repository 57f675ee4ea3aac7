package docdb

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// waitJob polls databasemigratequeryinfo until the job is done.
func (h *harness) waitJob(env string, id int64) *wechat.MigrateQueryInfoResponse {
	h.T.Helper()
	var info *wechat.MigrateQueryInfoResponse
	emulatortest.Eventually(h.T, func() bool {
		var err error
		if info, err = h.WeChat.MigrateQueryInfo(h.Ctx, h.tok, wechat.MigrateQueryInfoRequest{Env: env, JobID: id}); err != nil {
			h.T.Fatal(err)
		}
		return info.Status != jobWaiting
	}, "job %d to finish", id)
	return info
}

func download(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b), resp.Header
}

// Exporting a 10,000-document collection gives exactly its documents, both
// through databasemigrateexport and through the CLI's paging Export.
func TestExport10k(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	h.createColl(env, "big")
	var docs []*dbquery.Document
	for i := 0; i < 10_000; i++ {
		docs = append(docs, dbquery.D("i", int64(i), "name", fmt.Sprintf("n%d", i), "tags", []any{"a", int64(i % 7)}))
	}
	if _, err := h.m.insert(ctx, env, "big", docs); err != nil {
		t.Fatal(err)
	}
	c, _ := h.m.collection(env, "big")
	var want []string
	for _, d := range c.docs() {
		b, _ := dbquery.EncodeDocument(d)
		want = append(want, string(b))
	}

	job, err := h.WeChat.MigrateExport(ctx, h.tok, wechat.MigrateExportRequest{Env: env, FilePath: "exports/big.json",
		FileType: wechat.FileTypeJSON, Query: `db.collection("big").get()`})
	if err != nil {
		t.Fatal(err)
	}
	info := h.waitJob(env, job.JobID)
	if info.Status != jobSuccess || info.RecordSuccess != 10_000 || info.FileURL == "" {
		t.Fatalf("job %+v", info)
	}
	body, hdr := download(t, info.FileURL)
	if got := strings.Split(strings.TrimSuffix(body, "\n"), "\n"); !slices.Equal(got, want) {
		t.Fatalf("export differs (%d lines)", len(got))
	}
	if !strings.Contains(hdr.Get("Content-Disposition"), "big.json") {
		t.Errorf("disposition %q", hdr.Get("Content-Disposition"))
	}
	// A bad token is refused.
	resp, err := http.Get(strings.Replace(info.FileURL, "token=", "token=x", 1))
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bad token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	// The CLI's Export pages through the same documents (in _id order).
	var buf bytes.Buffer
	wx := &database.WeChat{Client: h.WeChat, Tokens: &fixedTokens{token: h.tok}, Env: env}
	n, err := database.Export(ctx, wx, "big", &buf, database.ExportOptions{})
	if err != nil || n != 10_000 {
		t.Fatalf("export %d %v", n, err)
	}
	sorted := append([]*dbquery.Document{}, c.docs()...)
	dbquery.SortDocuments(sorted, []dbquery.SortKey{{Field: "_id"}})
	sc := bufio.NewScanner(&buf)
	for i := 0; sc.Scan(); i++ {
		b, _ := dbquery.EncodeDocument(sorted[i])
		if sc.Text() != string(b) {
			t.Fatalf("line %d: %s want %s", i, sc.Text(), b)
		}
	}

	// A filtered CSV export with field().
	job, err = h.WeChat.MigrateExport(ctx, h.tok, wechat.MigrateExportRequest{Env: env, FilePath: "small.csv",
		FileType: wechat.FileTypeCSV, Query: `db.collection("big").where({i: _.lt(3)}).field({name: true, i: true}).orderBy("i", "desc").get()`})
	if err != nil {
		t.Fatal(err)
	}
	info = h.waitJob(env, job.JobID)
	body, _ = download(t, info.FileURL)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if info.RecordSuccess != 3 || len(lines) != 4 || lines[0] != "_id,name,i" || !strings.HasSuffix(lines[1], ",n2,2") {
		t.Fatalf("csv %+v\n%s", info, body)
	}

	// Export errors.
	_, err = h.WeChat.MigrateExport(ctx, h.tok, wechat.MigrateExportRequest{Env: env, FilePath: "x", FileType: 3, Query: `db.collection("big").get()`})
	if code, _ := wechat.ErrCode(err); code != 40097 {
		t.Fatalf("file_type: %v", err)
	}
	_, err = h.WeChat.MigrateExport(ctx, h.tok, wechat.MigrateExportRequest{Env: env, FilePath: "x", FileType: 1, Query: `db.collection("big").count()`})
	if code, _ := wechat.ErrCode(err); code != 40097 {
		t.Fatalf("count statement: %v", err)
	}
	_, err = h.WeChat.MigrateExport(ctx, h.tok, wechat.MigrateExportRequest{Env: env, FilePath: "x", FileType: 1, Query: `db.collection("none").get()`})
	if code, _ := wechat.ErrCode(err); code != -502005 {
		t.Fatalf("missing collection: %v", err)
	}
	_, err = h.WeChat.MigrateQueryInfo(ctx, h.tok, wechat.MigrateQueryInfoRequest{Env: env, JobID: 999})
	if code, _ := wechat.ErrCode(err); code != -501001 {
		t.Fatalf("unknown job: %v", err)
	}
}

func TestImport(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	h.createColl(env, "in")
	dir := filepath.Join(h.DataDir(), "imports", "sub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	imp := func(req wechat.MigrateImportRequest) *wechat.MigrateQueryInfoResponse {
		t.Helper()
		req.Env = env
		job, err := h.WeChat.MigrateImport(ctx, h.tok, req)
		if err != nil {
			t.Fatal(err)
		}
		return h.waitJob(env, job.JobID)
	}
	write("a.json", "{\"_id\":\"x1\",\"n\":1}\n\n{\"_id\":\"x2\",\"at\":{\"$date\":\"2024-01-01T00:00:00Z\"}}\n{\"n\":3}\n")
	info := imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "sub/a.json", FileType: 1})
	if info.Status != jobSuccess || info.RecordSuccess != 3 || info.RecordFail != 0 {
		t.Fatalf("json lines %+v", info)
	}
	// Conflicts: insert mode counts failures, stop_on_error stops.
	write("b.json", `[{"_id":"x1","n":10},{"_id":"x9","n":9},{"_id":"x2","n":20}]`)
	info = imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "/sub/b.json", FileType: 1, ConflictMode: 1})
	if info.Status != jobSuccess || info.RecordSuccess != 1 || info.RecordFail != 2 || !strings.Contains(info.ErrMsg, "E11000") {
		t.Fatalf("insert conflicts %+v", info)
	}
	info = imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "sub/b.json", FileType: 1, StopOnError: true})
	if info.Status != jobFail || info.RecordFail != 1 {
		t.Fatalf("stop_on_error %+v", info)
	}
	info = imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "sub/b.json", FileType: 1, ConflictMode: 2})
	if info.Status != jobSuccess || info.RecordSuccess != 3 {
		t.Fatalf("upsert %+v", info)
	}
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("in").doc("x2").get()`))
	if s := out["data"].([]any)[0].(string); s != `{"_id":"x2","n":20}` {
		t.Fatalf("upserted %s", s)
	}
	// CSV: a header row, string values.
	write("c.csv", "\ufeff_id,name,city\nc1,Ann,Paris\nc2,Bob,\n")
	info = imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "sub/c.csv", FileType: 2})
	if info.Status != jobSuccess || info.RecordSuccess != 2 {
		t.Fatalf("csv %+v", info)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("in").doc("c2").get()`))
	if s := out["data"].([]any)[0].(string); s != `{"_id":"c2","name":"Bob"}` {
		t.Fatalf("csv doc %s", s)
	}
	// A malformed file fails the job and writes nothing; the message names
	// the line or byte offset in the CLI's words (issue 11).
	count := func() int64 {
		out := h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("in").count()`))
		n, _ := out["count"].(float64)
		return int64(n)
	}
	before := count()
	for _, c := range []struct{ name, content, want string }{
		{"d.json", "{\"_id\":\"d1\"}\nnot json\n{\"_id\":\"d2\"}\n", "line 2: expected a JSON object"},
		{"e.json", `[{"_id":"e1"},{"_id":"e2"}`, "byte 26: the input ends before the array's closing ] (truncated after record 2?)"},
		{"f.json", `[{"_id":"f1"},{"_id":"f2"}] garbage`, "byte 28: data after the array's closing ] (2 records before it)"},
		{"g.json", "{\"_id\":\"g1\"}\n{\"_id\":", "line 2: invalid extended JSON: unexpected end of input (the last line, without a newline: truncated file?)"},
		{"h.csv", "_id,name\nh1,\"Ann\nh2,Bob\n", "CSV: "},
	} {
		write(c.name, c.content)
		ft := 1
		if strings.HasSuffix(c.name, ".csv") {
			ft = 2
		}
		for _, stop := range []bool{false, true} {
			info = imp(wechat.MigrateImportRequest{CollectionName: "in", FilePath: "sub/" + c.name, FileType: ft, StopOnError: stop})
			if info.Status != jobFail || info.RecordSuccess != 0 || !strings.Contains(info.ErrMsg, c.want) ||
				!strings.Contains(info.ErrMsg, "nothing written") {
				t.Fatalf("%s: %+v, want a failure saying %q and nothing written", c.name, info, c.want)
			}
			if n := count(); n != before {
				t.Fatalf("%s: %d documents, %d before the import", c.name, n, before)
			}
		}
		if ft == 1 {
			// The CLI reads the same file with the same words.
			b := &memWriter{}
			_, err := database.Import(ctx, b, "in", strings.NewReader(c.content), database.ImportOptions{Atomic: true})
			if err == nil || !strings.Contains(err.Error(), c.want) || b.n != 0 {
				t.Fatalf("%s: database.Import: %v (wrote %d), want %q", c.name, err, b.n, c.want)
			}
		}
	}
	// Request errors.
	for _, c := range []struct {
		req  wechat.MigrateImportRequest
		code int
	}{
		{wechat.MigrateImportRequest{Env: env, CollectionName: "in", FilePath: "../x.json", FileType: 1}, 40097},
		{wechat.MigrateImportRequest{Env: env, CollectionName: "in", FilePath: "sub/none.json", FileType: 1}, 40097},
		{wechat.MigrateImportRequest{Env: env, CollectionName: "in", FilePath: "sub/a.json", FileType: 7}, 40097},
		{wechat.MigrateImportRequest{Env: env, CollectionName: "in", FilePath: "sub/a.json", FileType: 1, ConflictMode: 3}, 40097},
		{wechat.MigrateImportRequest{Env: env, CollectionName: "none", FilePath: "sub/a.json", FileType: 1}, -502005},
		{wechat.MigrateImportRequest{Env: env, FilePath: "sub/a.json", FileType: 1}, 40101},
	} {
		_, err := h.WeChat.MigrateImport(ctx, h.tok, c.req)
		if code, _ := wechat.ErrCode(err); code != c.code {
			t.Errorf("%+v: %v, want %d", c.req, err, c.code)
		}
	}
}

// memWriter counts the documents database.Import writes.
type memWriter struct {
	database.Backend
	n int
}

func (m *memWriter) Insert(ctx context.Context, q *dbquery.Query) ([]string, error) {
	m.n += len(q.Data)
	return make([]string, len(q.Data)), nil
}
