package docdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Every /tcb/* endpoint makes the same checks in the same order.
func TestWeChatCommonErrors(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "todos")
	q := map[string]string{"env": env, "query": `db.collection("todos").get()`}

	paths := []string{wechat.PathDatabaseQuery, wechat.PathDatabaseAggregate, wechat.PathDatabaseCount,
		wechat.PathDatabaseAdd, wechat.PathDatabaseUpdate, wechat.PathDatabaseDelete,
		wechat.PathDatabaseCollectionAdd, wechat.PathDatabaseCollectionDelete, wechat.PathDatabaseCollectionGet,
		wechat.PathUpdateIndex, wechat.PathDatabaseMigrateImport, wechat.PathDatabaseMigrateExport,
		wechat.PathDatabaseMigrateQueryInfo}
	expired := h.expiredToken() // first: it moves the clock past the stale token's retention
	stale := h.staleToken()
	for _, p := range paths {
		func() {
			resp, err := http.Get(h.Endpoint() + p + "?access_token=" + h.tok)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			dec := json.NewDecoder(resp.Body)
			dec.UseNumber()
			dec.Decode(&out)
			resp.Body.Close()
			h.wantCode(out, 43002)
			h.wantCode(h.post(p, "", q), 41001, "access_token missing")
			h.wantCode(h.post(p, stale, q), 40001, "not latest")
			h.wantCode(h.post(p, expired, q), 42001, "expired")
			h.wantCode(h.post(p, "nonsense", q), 40014, "invalid access_token")
			h.wantCode(h.post(p, h.tok, ""), 44002)
			h.wantCode(h.post(p, h.tok, "  \n"), 44002)
		}()
	}
	for _, p := range paths[:len(paths)-1] {
		h.wantCode(h.post(p, h.tok, "{not json"), 47001)
		h.wantCode(h.post(p, h.tok, `["array"]`), 47001)
		h.wantCode(h.post(p, h.tok, `{"env": 5}`), 47001)
		h.wantCode(h.post(p, h.tok, `{}`), 40101, "env")
		h.wantCode(h.post(p, h.tok, map[string]any{"env": "nope-123", "query": "x", "collection_name": "x",
			"job_id": 1, "file_path": "x", "file_type": 1}), -501000, "env check invalid")
	}
	for _, p := range paths[:6] {
		h.wantCode(h.post(p, h.tok, map[string]string{"env": env}), 40101, "query")
	}
	h.wantCode(h.post(wechat.PathDatabaseQuery, h.tok, map[string]string{"env": env, "query": "db.collection("}), -501007, "syntax error")
	h.wantCode(h.post(wechat.PathDatabaseCollectionAdd, h.tok, map[string]string{"env": env}), 40101, "collection_name")

	// The module's TokenChecker decides.
	h2 := start(t, "", Options{Tokens: wxhttp.TokenCheckerFunc(func(string) (string, int) { return "", 40014 })})
	h2.wantCode(h2.post(wechat.PathDatabaseQuery, h2.tok, q), 40014)
}

// A statement whose action is not the endpoint's is 40097; a missing
// collection is -502005 everywhere.
func TestWeChatActionMismatchAndMissingCollection(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	stmts := map[string]string{
		wechat.PathDatabaseQuery:     `db.collection("%s").get()`,
		wechat.PathDatabaseAggregate: `db.collection("%s").aggregate().match({a: 1}).end()`,
		wechat.PathDatabaseCount:     `db.collection("%s").count()`,
		wechat.PathDatabaseAdd:       `db.collection("%s").add({data: {a: 1}})`,
		wechat.PathDatabaseUpdate:    `db.collection("%s").where({a: 1}).update({data: {b: 2}})`,
		wechat.PathDatabaseDelete:    `db.collection("%s").where({a: 1}).remove()`,
	}
	for path, tmpl := range stmts {
		for other, otmpl := range stmts {
			if other == path {
				continue
			}
			h.wantCode(h.stmt(path, env, fmt.Sprintf(otmpl, "c")), 40097, "invalid query")
		}
		h.wantCode(h.stmt(path, env, fmt.Sprintf(tmpl, "missing")), -502005, "collection not exists", "missing")
	}
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("c").doc("x").set({data: {a: 1}})`))
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("nope").doc("x").set({data: {a: 1}})`), -502005)
}

func TestWeChatCRUD(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "todos")
	h.wantCode(h.post(wechat.PathDatabaseCollectionAdd, h.tok, map[string]string{"env": env, "collection_name": "todos"}),
		-501001, "Table exist")
	h.wantCode(h.post(wechat.PathDatabaseCollectionAdd, h.tok, map[string]string{"env": env, "collection_name": "a$b"}), -501007)

	// add: one document, then a batch with given ids (string and number).
	out := h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("todos").add({data: {title: "first", done: false, n: 0}})`))
	idList := out["id_list"].([]any)
	if len(idList) != 1 || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(idList[0].(string)) {
		t.Fatalf("id_list %v", idList)
	}
	var batch []string
	for i := 1; i <= 14; i++ {
		batch = append(batch, fmt.Sprintf(`{_id: "t%02d", title: "task %d", done: %v, n: %d, tags: ["x%d"]}`, i, i, i%2 == 0, i, i%3))
	}
	batch = append(batch, `{_id: 99, title: "numeric id", n: 99}`)
	out = h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("todos").add({data: [`+strings.Join(batch, ",")+`]})`))
	if got := out["id_list"].([]any); len(got) != 15 || got[0] != "t01" || got[14] != "99" {
		t.Fatalf("id_list %v", got)
	}

	// query: default limit 10, pager with capitalised keys, natural order.
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").get()`))
	pager := out["pager"].(map[string]any)
	if num(pager["Offset"]) != 0 || num(pager["Limit"]) != 10 || num(pager["Total"]) != 16 {
		t.Fatalf("pager %v", pager)
	}
	docs := dataDocs(t, out)
	if len(docs) != 10 || ids(docs)[1] != "t01" {
		t.Fatalf("docs %v", ids(docs))
	}
	// where + orderBy + skip + limit + field.
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env,
		`db.collection("todos").where({done: true}).orderBy("n", "desc").skip(1).limit(3).field({title: true}).get()`))
	docs = dataDocs(t, out)
	if got := ids(docs); !slices.Equal(got, []string{"t12", "t10", "t08"}) {
		t.Fatalf("ids %v", got)
	}
	if docs[0].Len() != 2 || !docs[0].Has("title") {
		t.Fatalf("projection: %v", docs[0])
	}
	if p := out["pager"].(map[string]any); num(p["Offset"]) != 1 || num(p["Limit"]) != 3 || num(p["Total"]) != 7 {
		t.Fatalf("pager %v", p)
	}
	// limit above 1000 is clamped.
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").limit(5000).get()`))
	if p := out["pager"].(map[string]any); num(p["Limit"]) != 1000 || len(dataDocs(t, out)) != 16 {
		t.Fatalf("pager %v", p)
	}
	// doc(id) with a number id.
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").doc(99).get()`))
	if docs := dataDocs(t, out); len(docs) != 1 || ids(docs)[0] != "99" {
		t.Fatalf("doc(99): %v", out)
	}
	// data strings are relaxed Extended JSON.
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("todos").add({data: {_id: "dated", at: new Date("2024-01-02T03:04:05Z"), f: 1.5}})`))
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").doc("dated").get()`))
	if s := out["data"].([]any)[0].(string); s != `{"_id":"dated","at":{"$date":"2024-01-02T03:04:05Z"},"f":1.5}` {
		t.Fatalf("data %s", s)
	}

	// count.
	out = h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("todos").where({done: false}).count()`))
	if num(out["count"]) != 8 {
		t.Fatalf("count %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("todos").count()`))
	if num(out["count"]) != 17 {
		t.Fatalf("count %v", out)
	}

	// update: multi, doc(), set() replacing and set() inserting.
	out = h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").where({done: true}).update({data: {n: _.inc(100)}})`))
	if num(out["matched"]) != 7 || num(out["modified"]) != 7 || out["id"] != "" {
		t.Fatalf("update %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("t01").update({data: {done: false}})`))
	if num(out["matched"]) != 1 || num(out["modified"]) != 0 {
		t.Fatalf("no-op update %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("t01").set({data: {title: "replaced"}})`))
	if num(out["matched"]) != 1 || num(out["modified"]) != 1 || out["id"] != "" {
		t.Fatalf("set %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").doc("t01").get()`))
	if s := out["data"].([]any)[0].(string); s != `{"_id":"t01","title":"replaced"}` {
		t.Fatalf("after set: %s", s)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("new1").set({data: {title: "upserted"}})`))
	if num(out["matched"]) != 0 || num(out["modified"]) != 0 || out["id"] != "new1" {
		t.Fatalf("set upsert %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("absent").update({data: {a: 1}})`))
	if num(out["matched"]) != 0 {
		t.Fatalf("update absent %v", out)
	}
	// Statement errors: a type error in an update, an unsupported operator.
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("t02").update({data: {title: _.inc(1)}})`),
		-502001, "FailedOperation")
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").where({loc: _.geoNear({})}).get()`), -501007)
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("t02").update({data: {_id: "other"}})`), -501007, "_id")
	h.wantCode(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("todos").doc("t02").set({data: {_id: "other"}})`), -501007, "_id")

	// aggregate.
	out = h.ok(h.stmt(wechat.PathDatabaseAggregate, env,
		`db.collection("todos").aggregate().match({done: true}).group({_id: null, total: $.sum("$n")}).end()`))
	if s := out["data"].([]any); len(s) != 1 || s[0] != `{"_id":null,"total":756}` {
		t.Fatalf("aggregate %v", s)
	}

	// delete.
	out = h.ok(h.stmt(wechat.PathDatabaseDelete, env, `db.collection("todos").where({done: true}).remove()`))
	if num(out["deleted"]) != 7 {
		t.Fatalf("delete %v", out)
	}
	out = h.ok(h.stmt(wechat.PathDatabaseDelete, env, `db.collection("todos").doc("new1").remove()`))
	if num(out["deleted"]) != 1 {
		t.Fatalf("delete doc %v", out)
	}

	// collections: get with paging and sizes, delete.
	h.createColl(env, "alpha")
	h.createColl(env, "zeta")
	out = h.ok(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env, "limit": 2, "offset": 1}))
	colls := out["collections"].([]any)
	if p := out["pager"].(map[string]any); num(p["Total"]) != 3 || num(p["Limit"]) != 2 || num(p["Offset"]) != 1 || len(colls) != 2 {
		t.Fatalf("collectionget %v", out)
	}
	todos := colls[0].(map[string]any)
	if todos["name"] != "todos" || num(todos["count"]) != 10 || num(todos["size"]) <= 0 || num(todos["index_count"]) != 1 || num(todos["index_size"]) <= 0 {
		t.Fatalf("todos %v", todos)
	}
	out = h.ok(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env}))
	if p := out["pager"].(map[string]any); num(p["Limit"]) != 10 || len(out["collections"].([]any)) != 3 {
		t.Fatalf("default page %v", out)
	}
	h.wantCode(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env, "limit": -1}), 40097)
	h.ok(h.post(wechat.PathDatabaseCollectionDelete, h.tok, map[string]string{"env": env, "collection_name": "todos"}))
	h.wantCode(h.post(wechat.PathDatabaseCollectionDelete, h.tok, map[string]string{"env": env, "collection_name": "todos"}), -502005)
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("todos").get()`), -502005)
	// Re-created, it is empty.
	h.createColl(env, "todos")
	out = h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("todos").count()`))
	if num(out["count"]) != 0 {
		t.Fatalf("recreated count %v", out)
	}
}

// Injected faults answer the rule's errcode; latency delays.
func TestWeChatFaults(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	b, _ := json.Marshal(faults.Rule{Action: wechat.PathDatabaseQuery, Count: 1, Errcode: -1, Latency: faults.Duration(50 * time.Millisecond)})
	resp, err := http.Post(h.Endpoint()+"/_emulator/faults", "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	start := time.Now()
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("c").get()`), -1)
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("latency not applied")
	}
	h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("c").get()`))
}

// The WeChat client of pkg/wechat decodes every answer.
func TestWeChatClient(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := h.Ctx
	if err := h.WeChat.CollectionAdd(ctx, h.tok, wechat.CollectionRequest{Env: env, CollectionName: "c"}); err != nil {
		t.Fatal(err)
	}
	add, err := h.WeChat.DatabaseAdd(ctx, h.tok, wechat.QueryRequest{Env: env, Query: `db.collection("c").add({data: [{a: 1}, {a: 2}]})`})
	if err != nil || len(add.IDList) != 2 {
		t.Fatalf("%v %v", add, err)
	}
	q, err := h.WeChat.DatabaseQuery(ctx, h.tok, wechat.QueryRequest{Env: env, Query: `db.collection("c").orderBy("a", "desc").get()`})
	if err != nil || q.Pager.Total != 2 || len(q.Data) != 2 || !strings.Contains(q.Data[0], `"a":2`) {
		t.Fatalf("%+v %v", q, err)
	}
	_, err = h.WeChat.DatabaseQuery(ctx, h.staleToken(), wechat.QueryRequest{Env: env, Query: `db.collection("c").get()`})
	if !wechat.IsStaleToken(err) {
		t.Fatalf("stale: %v", err)
	}
	if code, _ := wechat.ErrCode(err); code != 40001 {
		t.Fatalf("code %d", code)
	}
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.RID == "" {
		t.Fatalf("no rid parsed: %v", err)
	}
	if err := h.WeChat.UpdateIndex(ctx, h.tok, wechat.UpdateIndexRequest{Env: env, CollectionName: "c",
		CreateIndexes: []wechat.CreateIndex{{Name: "a_1", Keys: []wechat.IndexKey{{Name: "a", Direction: "1"}}}}}); err != nil {
		t.Fatal(err)
	}
	cg, err := h.WeChat.CollectionGet(ctx, h.tok, wechat.CollectionGetRequest{Env: env})
	if err != nil || len(cg.Collections) != 1 || cg.Collections[0].IndexCount != 2 || cg.Collections[0].Count != 2 {
		t.Fatalf("%+v %v", cg, err)
	}
	_ = dbquery.DefaultHTTPLimit
}
