package docdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Hostile statements get a clean errcode quickly and the emulator keeps
// serving.
func TestHostileStatements(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("c").add({data: [{a: [1,2,3]}, {a: [4]}]})`))
	deep := strings.Repeat("{a:", 5000) + "1" + strings.Repeat("}", 5000)
	hostile := []struct{ path, stmt string }{
		{wechat.PathDatabaseQuery, `while(true){}`},
		{wechat.PathDatabaseQuery, `for(;;){}; db.collection("c").get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: "x".repeat(1e9)}).get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: Array(1e9).fill(1)}).get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: new Array(1e8)}).get()`},
		{wechat.PathDatabaseQuery, `this.constructor.constructor("return process")()`},
		{wechat.PathDatabaseQuery, `Function("while(1){}")()`},
		{wechat.PathDatabaseQuery, `require("fs").readFileSync("/etc/passwd")`},
		{wechat.PathDatabaseQuery, `globalThis.db.collection("c").get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: db.constructor}).get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where(` + deep + `).get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}).get()`},
		{wechat.PathDatabaseQuery, `db.collection("c").where({a: /(a+)+$/}).get()`},
		{wechat.PathDatabaseAdd, `db.collection("c").add({data: [` + strings.Repeat(`{x: "`+strings.Repeat("y", 1000)+`"},`, 1100) + `]})`},
		{wechat.PathDatabaseAggregate, `db.collection("c").aggregate().unwind("$a").unwind("$a").end()`},
		{wechat.PathDatabaseAggregate, `db.collection("c").aggregate().geoNear({}).end()`},
		{wechat.PathDatabaseUpdate, `db.collection("c").where({}).update({data: {a: _.push({each: [1], slice: 1e12})}})`},
	}
	for _, c := range hostile {
		start := time.Now()
		out := h.stmt(c.path, env, c.stmt)
		d := time.Since(start)
		code := errcode(out)
		t.Logf("%.50s -> %d %.120v (%v)", c.stmt, code, out["errmsg"], d)
		if d > 3*time.Second {
			t.Errorf("%.60s: took %v", c.stmt, d)
		}
		if code == 0 && c.path != wechat.PathDatabaseAggregate && c.path != wechat.PathDatabaseUpdate && c.path != wechat.PathDatabaseQuery {
			t.Errorf("%.60s: accepted", c.stmt)
		}
		if code != 0 && code != -501007 && code != -502001 {
			t.Errorf("%.60s: errcode %d %v", c.stmt, code, out["errmsg"])
		}
	}
	// A statement over the length cap.
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("c").where({a: "`+strings.Repeat("x", DefaultMaxStatementLength)+`"}).get()`),
		-501007, "too long")
	// A body over the body cap.
	h.wantCode(h.post(wechat.PathDatabaseQuery, h.tok, `{"env":"`+strings.Repeat("x", DefaultMaxBodyBytes)+`"}`), 40097)
	// Still serving.
	out := h.ok(h.stmt(wechat.PathDatabaseCount, env, `db.collection("c").count()`))
	if num(out["count"]) != 2 {
		t.Fatalf("count %v", out)
	}
}

// A request that runs past the deadline is stopped.
func TestRequestDeadline(t *testing.T) {
	h := start(t, "", Options{RequestTimeout: time.Nanosecond})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	if _, err := h.m.insert(context.Background(), env, "c", nil); err != nil {
		t.Fatal(err)
	}
	out := h.stmt(wechat.PathDatabaseAggregate, env, `db.collection("c").aggregate().match({a: 1}).end()`)
	if code := errcode(out); code != 0 && code != -502001 {
		t.Fatalf("deadline: %v", out)
	}
}

// FuzzStatementHandler sends arbitrary statements to every statement
// endpoint: never a panic, never a hang, always a JSON answer.
func FuzzStatementHandler(f *testing.F) {
	h := start(f, "", Options{RequestTimeout: 2 * time.Second})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("c").add({data: [{_id: "a", n: 1, t: ["x"]}, {_id: "b", n: "s", o: {p: 2}}]})`))
	handler := h.Handler()
	paths := []string{wechat.PathDatabaseQuery, wechat.PathDatabaseCount, wechat.PathDatabaseAggregate,
		wechat.PathDatabaseAdd, wechat.PathDatabaseUpdate, wechat.PathDatabaseDelete}
	for _, s := range []string{
		`db.collection("c").where({n: _.gt(0)}).orderBy("n", "desc").get()`,
		`db.collection("c").doc("a").get()`,
		`db.collection("c").where({t: _.all(["x"])}).count()`,
		`db.collection("c").aggregate().group({_id: "$n", k: $.sum(1)}).sort({k: -1}).end()`,
		`db.collection("c").add({data: {_id: "z", v: new Date(0)}})`,
		`db.collection("c").where({o: {p: 2}}).update({data: {o: _.set({q: 1})}})`,
		`db.collection("c").doc("b").set({data: {n: db.serverDate()}})`,
		`db.collection("c").where({n: /s/i}).remove()`,
		`while(1){}`,
		`db.collection("c").where({$where: "1"}).get()`,
	} {
		f.Add(uint8(0), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, stmt string) {
		path := paths[int(which)%len(paths)]
		body, _ := json.Marshal(map[string]string{"env": env, "query": stmt})
		req := httptest.NewRequest(http.MethodPost, path+"?access_token="+h.tok, bytes.NewReader(body))
		rec := httptest.NewRecorder()
		start := time.Now()
		handler.ServeHTTP(rec, req)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q took %v", stmt, d)
		}
		var out struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.ErrCode == nil {
			t.Fatalf("%q: HTTP %d %s", stmt, rec.Code, rec.Body.String())
		}
		if *out.ErrCode == -1 {
			t.Fatalf("%q: system error %s", stmt, out.ErrMsg)
		}
	})
}

// A large add() batch (beyond dbquery's default 64 KiB) parses and inserts.
func TestLargeAdd(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	var b strings.Builder
	b.WriteString(`db.collection("c").add({data: [`)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, `{i: %d, name: "name %d", tags: ["a", "b"], nested: {x: %d}},`, i, i, i%10)
	}
	b.WriteString(`]})`)
	start := time.Now()
	out := h.ok(h.stmt(wechat.PathDatabaseAdd, env, b.String()))
	t.Logf("%d bytes, %d documents in %v", b.Len(), len(out["id_list"].([]any)), time.Since(start))
	if len(out["id_list"].([]any)) != 5000 {
		t.Fatal("not all inserted")
	}
}
