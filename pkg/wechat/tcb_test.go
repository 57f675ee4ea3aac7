package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

const accessToken = "ACCESS-TOKEN-abcdefghijklmnopqrstuvwxyz"

// tcbServer answers each path with a canned body and records what it got.
type tcbServer struct {
	srv   *httptest.Server
	calls atomic.Int32
	last  atomic.Pointer[recorded]
	reply map[string]string
}

type recorded struct {
	path, token, env, name, body, ctype string
}

func newTCBServer(t *testing.T, reply map[string]string) *tcbServer {
	s := &tcbServer{reply: reply}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		s.last.Store(&recorded{r.URL.Path, q.Get("access_token"), q.Get("env"), q.Get("name"), string(b), r.Header.Get("Content-Type")})
		if r.Method != http.MethodPost {
			_, _ = w.Write([]byte(`{"errcode":43002,"errmsg":"require POST method"}`))
			return
		}
		body, ok := s.reply[r.URL.Path]
		if !ok {
			body = `{"errcode":0,"errmsg":"ok"}`
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func TestTypedHelpers(t *testing.T) {
	s := newTCBServer(t, map[string]string{
		wechat.PathDatabaseQuery:            `{"errcode":0,"errmsg":"ok","pager":{"Offset":1,"Limit":10,"Total":3},"data":["{\"_id\":\"a\",\"done\":true}","{\"_id\":\"b\"}"]}`,
		wechat.PathDatabaseAggregate:        `{"errcode":0,"errmsg":"ok","data":["{\"n\":1}"]}`,
		wechat.PathDatabaseCount:            `{"errcode":0,"errmsg":"ok","count":42}`,
		wechat.PathDatabaseAdd:              `{"errcode":0,"errmsg":"ok","id_list":["x","y"]}`,
		wechat.PathDatabaseUpdate:           `{"errcode":0,"errmsg":"ok","matched":2,"modified":1,"id":""}`,
		wechat.PathDatabaseDelete:           `{"errcode":0,"errmsg":"ok","deleted":5}`,
		wechat.PathDatabaseCollectionGet:    `{"errcode":0,"errmsg":"ok","pager":{"Offset":0,"Limit":10,"Total":1},"collections":[{"name":"todos","count":3,"size":120,"index_count":1,"index_size":4096}]}`,
		wechat.PathDatabaseMigrateImport:    `{"errcode":0,"errmsg":"ok","job_id":100093275}`,
		wechat.PathDatabaseMigrateExport:    `{"errcode":0,"errmsg":"ok","job_id":7}`,
		wechat.PathDatabaseMigrateQueryInfo: `{"errcode":0,"errmsg":"ok","status":"fail","record_success":9,"record_fail":1,"error_msg":"bad row","file_url":"https://x/y"}`,
		wechat.PathInvokeCloudFunction:      `{"errcode":0,"errmsg":"ok","resp_data":"{\"sum\":3}"}`,
	})
	c := newClient(s.srv.URL)
	ctx := context.Background()
	q := wechat.QueryRequest{Env: "env-1", Query: `db.collection("todos").get()`}

	checkBody := func(path string, want any) {
		t.Helper()
		rec := s.last.Load()
		if rec.path != path || rec.token != accessToken || rec.ctype != "application/json" {
			t.Errorf("%s: got path=%s token-ok=%v ctype=%s", path, rec.path, rec.token == accessToken, rec.ctype)
		}
		wantJSON, _ := json.Marshal(want)
		if rec.body != string(wantJSON) {
			t.Errorf("%s: body %s, want %s", path, rec.body, wantJSON)
		}
	}

	qr, err := c.DatabaseQuery(ctx, accessToken, q)
	if err != nil {
		t.Fatal(err)
	}
	checkBody(wechat.PathDatabaseQuery, q)
	if qr.Pager != (wechat.Pager{Offset: 1, Limit: 10, Total: 3}) || len(qr.Data) != 2 || qr.Data[0] != `{"_id":"a","done":true}` {
		t.Errorf("query response %+v", qr)
	}
	ar, err := c.DatabaseAggregate(ctx, accessToken, q)
	if err != nil || !reflect.DeepEqual(ar.Data, []string{`{"n":1}`}) {
		t.Errorf("aggregate %+v %v", ar, err)
	}
	cr, err := c.DatabaseCount(ctx, accessToken, q)
	if err != nil || cr.Count != 42 {
		t.Errorf("count %+v %v", cr, err)
	}
	ad, err := c.DatabaseAdd(ctx, accessToken, q)
	if err != nil || !reflect.DeepEqual(ad.IDList, []string{"x", "y"}) {
		t.Errorf("add %+v %v", ad, err)
	}
	up, err := c.DatabaseUpdate(ctx, accessToken, q)
	if err != nil || up.Matched != 2 || up.Modified != 1 {
		t.Errorf("update %+v %v", up, err)
	}
	de, err := c.DatabaseDelete(ctx, accessToken, q)
	if err != nil || de.Deleted != 5 {
		t.Errorf("delete %+v %v", de, err)
	}
	colReq := wechat.CollectionRequest{Env: "env-1", CollectionName: "todos"}
	if err := c.CollectionAdd(ctx, accessToken, colReq); err != nil {
		t.Error(err)
	}
	checkBody(wechat.PathDatabaseCollectionAdd, colReq)
	if err := c.CollectionDelete(ctx, accessToken, colReq); err != nil {
		t.Error(err)
	}
	checkBody(wechat.PathDatabaseCollectionDelete, colReq)
	cg, err := c.CollectionGet(ctx, accessToken, wechat.CollectionGetRequest{Env: "env-1", Limit: 10})
	if err != nil || len(cg.Collections) != 1 || cg.Collections[0] != (wechat.CollectionInfo{Name: "todos", Count: 3, Size: 120, IndexCount: 1, IndexSize: 4096}) || cg.Pager.Total != 1 {
		t.Errorf("collection get %+v %v", cg, err)
	}
	idx := wechat.UpdateIndexRequest{Env: "env-1", CollectionName: "todos",
		CreateIndexes: []wechat.CreateIndex{{Name: "by_due", Unique: false, Keys: []wechat.IndexKey{{Name: "due", Direction: "-1"}}}},
		DropIndexes:   []wechat.DropIndex{{Name: "old"}}}
	if err := c.UpdateIndex(ctx, accessToken, idx); err != nil {
		t.Error(err)
	}
	if !strings.Contains(s.last.Load().body, `"create_indexes":[{"name":"by_due","unique":false,"keys":[{"name":"due","direction":"-1"}]}]`) {
		t.Errorf("updateindex body %s", s.last.Load().body)
	}
	imp, err := c.MigrateImport(ctx, accessToken, wechat.MigrateImportRequest{Env: "env-1", CollectionName: "todos", FilePath: "a.json", FileType: wechat.FileTypeJSON, ConflictMode: wechat.ConflictModeUpsert})
	if err != nil || imp.JobID != 100093275 {
		t.Errorf("import %+v %v", imp, err)
	}
	if !strings.Contains(s.last.Load().body, `"file_type":1,"stop_on_error":false,"conflict_mode":2`) {
		t.Errorf("import body %s", s.last.Load().body)
	}
	exp, err := c.MigrateExport(ctx, accessToken, wechat.MigrateExportRequest{Env: "env-1", FilePath: "out.json", FileType: wechat.FileTypeJSON, Query: q.Query})
	if err != nil || exp.JobID != 7 {
		t.Errorf("export %+v %v", exp, err)
	}
	info, err := c.MigrateQueryInfo(ctx, accessToken, wechat.MigrateQueryInfoRequest{Env: "env-1", JobID: 7})
	if err != nil || info.Status != "fail" || info.RecordSuccess != 9 || info.RecordFail != 1 || info.ErrMsg != "bad row" || info.FileURL != "https://x/y" {
		t.Errorf("query info %+v %v", info, err)
	}
	resp, err := c.InvokeCloudFunction(ctx, accessToken, "env-1", "sum", []byte(`{"a":1,"b":2}`))
	if err != nil || resp != `{"sum":3}` {
		t.Errorf("invoke %q %v", resp, err)
	}
	if rec := s.last.Load(); rec.env != "env-1" || rec.name != "sum" || rec.body != `{"a":1,"b":2}` {
		t.Errorf("invoke request %+v", rec)
	}
}

func TestMigrateQueryInfoAcceptsBothSpellings(t *testing.T) {
	for _, in := range []string{`{"err_msg":"x"}`, `{"error_msg":"x"}`} {
		var r wechat.MigrateQueryInfoResponse
		if err := json.Unmarshal([]byte(in), &r); err != nil || r.ErrMsg != "x" {
			t.Errorf("%s: %+v %v", in, r, err)
		}
	}
	b, _ := json.Marshal(wechat.MigrateQueryInfoResponse{Envelope: wechat.Envelope{ErrMsg: "ok"}, ErrMsg: "x"})
	if !strings.Contains(string(b), `"errcode":0,"errmsg":"ok"`) || !strings.Contains(string(b), `"err_msg":"x"`) {
		t.Errorf("encoding %s", b)
	}
}

func TestCallErrorsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		reply     string
		wantCode  int
		wantCalls int32
	}{
		{"stale token", wechat.PathDatabaseQuery, `{"errcode":40014,"errmsg":"invalid access_token rid: 1-2"}`, 40014, 1},
		{"read retried on -1", wechat.PathDatabaseQuery, `{"errcode":-1,"errmsg":"system error"}`, -1, 3},
		{"write not retried on -1", wechat.PathDatabaseAdd, `{"errcode":-1,"errmsg":"system error"}`, -1, 1},
		{"cloud code passed through", wechat.PathDatabaseCount, `{"errcode":-502005,"errmsg":"database collection not exists"}`, -502005, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTCBServer(t, map[string]string{tt.path: tt.reply})
			c := newClient(s.srv.URL)
			err := c.Call(context.Background(), tt.path, accessToken, nil, wechat.QueryRequest{Env: "e"}, nil)
			code, ok := wechat.ErrCode(err)
			if !ok || code != tt.wantCode {
				t.Fatalf("err %v, want errcode %d", err, tt.wantCode)
			}
			if s.calls.Load() != tt.wantCalls {
				t.Errorf("calls %d, want %d", s.calls.Load(), tt.wantCalls)
			}
			if strings.Contains(err.Error(), accessToken) {
				t.Errorf("token leaked: %v", err)
			}
		})
	}
	// Transport failure: the token (in the URL) must not leak.
	c := newClient("http://127.0.0.1:1")
	err := c.Call(context.Background(), wechat.PathDatabaseQuery, accessToken, nil, nil, nil)
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), accessToken) {
			t.Fatalf("token leaked: %v", e)
		}
	}
}

type fakeSource struct {
	cur       string
	refreshed []string
	next      string
}

func (f *fakeSource) Token(context.Context) (string, error) { return f.cur, nil }
func (f *fakeSource) Refresh(_ context.Context, stale string) (string, error) {
	f.refreshed = append(f.refreshed, stale)
	f.cur = f.next
	return f.cur, nil
}

func TestWithStaleTokenRetry(t *testing.T) {
	fake := newUpstream(t, true)
	c := newClient(fake.Endpoint())
	ctx := context.Background()
	good, err := c.StableToken(ctx, appID, secret, false)
	if err != nil {
		t.Fatal(err)
	}
	env := fake.NewEnv("stale")
	if err := c.CollectionAdd(ctx, good.AccessToken, wechat.CollectionRequest{Env: env, CollectionName: "c"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		cur, next string
		wantErr   bool
		refreshes int
		calls     int
	}{
		{"valid token: no refresh", good.AccessToken, "", false, 0, 1},
		{"stale token: refresh once and retry", "stale-token-xyz", good.AccessToken, false, 1, 2},
		{"still stale after refresh: retry only once", "stale-token-xyz", "other-stale", true, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{cur: tt.cur, next: tt.next}
			calls := 0
			err := wechat.WithStaleTokenRetry(ctx, src, func(ctx context.Context, tok string) error {
				calls++
				_, err := c.DatabaseCount(ctx, tok, wechat.QueryRequest{Env: env, Query: `db.collection("c").count()`})
				return err
			})
			if (err != nil) != tt.wantErr || len(src.refreshed) != tt.refreshes || calls != tt.calls {
				t.Errorf("err=%v refreshes=%v calls=%d", err, src.refreshed, calls)
			}
			if tt.refreshes > 0 && src.refreshed[0] != tt.cur {
				t.Errorf("Refresh must receive the failing token")
			}
		})
	}
}
