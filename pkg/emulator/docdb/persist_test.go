package docdb

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Documents, collections and indexes survive a restart on the same data
// directory; a destroyed environment takes its documents along.
func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{})
	env, tag := h.newEnv()
	h.createColl(env, "keep")
	h.createColl(env, "empty")
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "keep",
		"create_indexes": []any{map[string]any{"name": "code_u", "unique": true,
			"keys": []any{map[string]string{"name": "code", "direction": "1"}}}}}))
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("keep").add({data: [{_id: "a", code: 1}, {_id: "b", code: 2}, {_id: "c", code: 3}]})`))
	h.ok(h.stmt(wechat.PathDatabaseUpdate, env, `db.collection("keep").doc("b").update({data: {code: 20, note: "changed"}})`))
	h.ok(h.stmt(wechat.PathDatabaseDelete, env, `db.collection("keep").doc("c").remove()`))
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("keep").add({data: {_id: "d", code: 4}})`))
	before := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("keep").get()`))["data"]
	h.Stop()

	h = h.restart(Options{})
	after := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("keep").get()`))
	if !equalJSON(before, after["data"]) {
		t.Fatalf("after restart:\n%v\n%v", before, after["data"])
	}
	// Natural order survives: a, b, d.
	if got := strings.Join(ids(dataDocs(t, after)), ","); got != "a,b,d" {
		t.Fatalf("order %s", got)
	}
	// The unique index is back and enforced; the query uses it.
	h.wantCode(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("keep").add({data: {code: 20}})`), -502001, "code_u")
	h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("keep").where({code: 4}).get()`))
	if p := h.lastPlan(); p.Index != "code_u" || p.Candidates != 1 {
		t.Fatalf("plan %+v", p)
	}
	out := h.ok(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env}))
	if cs := out["collections"].([]any); len(cs) != 2 || cs[0].(map[string]any)["name"] != "empty" {
		t.Fatalf("collections %v", cs)
	}
	// State counts without loading.
	st := h.m.State().(map[string]any)["envs"].(map[string]map[string]collectionState)
	if st[env]["keep"].Count != 3 || st[env]["empty"].Count != 0 {
		t.Fatalf("state %+v", st)
	}
	// A new document after restart gets a fresh sequence (appended).
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("keep").add({data: {_id: "e", code: 5}})`))
	h.Stop()
	h = h.restart(Options{})
	if got := strings.Join(ids(dataDocs(t, h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("keep").get()`)))), ","); got != "a,b,d,e" {
		t.Fatalf("order after second restart %s", got)
	}

	// DestroyEnv drops the documents.
	if err := h.Client.DestroyEnv(h.Ctx, env); err != nil {
		t.Fatal(err)
	}
	if st := h.m.State().(map[string]any)["envs"].(map[string]map[string]collectionState); len(st[env]) != 0 {
		t.Fatalf("state after destroy %+v", st)
	}
	h.wantCode(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("keep").get()`), -501000)
	_ = tag

	// Reset wipes everything.
	env2, _ := h.newEnv()
	h.createColl(env2, "x")
	resp, err := http.Post(h.Endpoint()+"/_emulator/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if st := h.m.State().(map[string]any)["envs"].(map[string]map[string]collectionState); len(st) != 0 {
		t.Fatalf("state after reset %+v", st)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
