package docdb

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// fill inserts n documents {i, v: 0} into coll.
func (h *harness) fill(env, coll string, n int) {
	h.T.Helper()
	docs := make([]*dbquery.Document, n)
	for i := range docs {
		docs[i] = dbquery.NewDocument(dbquery.Field{Key: "i", Value: int64(i)}, dbquery.Field{Key: "v", Value: int64(0)})
	}
	if _, err := h.m.insert(context.Background(), env, coll, docs); err != nil {
		h.T.Fatal(err)
	}
}

func (h *harness) countWhere(env, coll, where string) int64 {
	h.T.Helper()
	out := h.ok(h.stmt(wechat.PathDatabaseCount, env, fmt.Sprintf(`db.collection(%q).where(%s).count()`, coll, where)))
	return num(out["count"])
}

func (h *harness) setHook(fn func(ctx context.Context, point, env, coll string)) {
	h.m.testHook.Store(&fn)
	h.T.Cleanup(func() { h.m.testHook.Store(nil) })
}

// A multi-document update whose caller gives up (the client's context is
// cancelled, so its connection closes) stops before it commits: nothing is
// applied, in memory or in the store, and the retry applies it once. Both
// between documents and at the last check inside the store transaction
// (issue 11).
func TestCancelledUpdateWritesNothing(t *testing.T) {
	const n = 3000
	for _, point := range []string{"update", "commit"} {
		t.Run(point, func(t *testing.T) {
			h := start(t, "", Options{})
			env, _ := h.newEnv()
			h.createColl(env, "big")
			h.fill(env, "big", n)
			ctx, cancel := context.WithCancel(h.Ctx)
			defer cancel()
			var seen atomic.Int64
			h.setHook(func(sctx context.Context, p, _, coll string) {
				if p != point || coll != "big" {
					return
				}
				// Half-way through the documents, or inside the store
				// transaction: the client gives up, and the server sees
				// its connection close.
				if k := seen.Add(1); point == "commit" || k == n/2 {
					cancel()
					<-sctx.Done()
				}
			})
			const stmt = `db.collection("big").where({v: 0}).update({data: {v: _.inc(1)}})`
			if _, err := h.WeChat.DatabaseUpdate(ctx, h.tok, wechat.QueryRequest{Env: env, Query: stmt}); err == nil {
				t.Fatal("the update answered although its caller had gone")
			}
			if point == "update" && seen.Load() != n/2 {
				t.Fatalf("the update went on for %d documents after its caller went at %d", seen.Load()-n/2, n/2)
			}
			h.m.testHook.Store(nil)
			// Nothing applied: in memory, then in the store (reloaded).
			for _, reload := range []bool{false, true} {
				if reload {
					h.m.forget(env, "big")
				}
				if got := h.countWhere(env, "big", "{v: 0}"); got != n {
					t.Fatalf("reload=%v: %d documents untouched, want all %d", reload, got, n)
				}
			}
			// The retry applies it exactly once.
			out := h.ok(h.stmt(wechat.PathDatabaseUpdate, env, stmt))
			if got := num(out["modified"]); got != n {
				t.Fatalf("retry updated %d, want %d (%v)", got, n, out)
			}
			if got := h.countWhere(env, "big", "{v: 1}"); got != n {
				t.Fatalf("%d documents at v=1 after the retry, want %d", got, n)
			}
			c, _ := h.m.collection(env, "big")
			checkIndexes(t, c)
		})
	}
}

// While a long update holds its collection (held mid-way by the hook), a
// count, a query and a listing of another collection answer; a count of
// the same collection waits for the update and sees all of it (issue 11:
// locks per collection, not per module).
func TestOtherCollectionNotBlockedByLongUpdate(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "big")
	h.createColl(env, "small")
	const n = 2000
	h.fill(env, "big", n)
	h.fill(env, "small", 3)
	// Load both before the update (the listing reads loaded stats).
	h.countWhere(env, "small", "{}")
	reached, hold := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.setHook(func(_ context.Context, p, _, coll string) {
		if p == "update" && coll == "big" {
			once.Do(func() {
				close(reached)
				<-hold
			})
		}
	})
	type result struct {
		res *wechat.DatabaseUpdateResponse
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := h.WeChat.DatabaseUpdate(h.Ctx, h.tok, wechat.QueryRequest{Env: env,
			Query: `db.collection("big").where({v: 0}).update({data: {v: _.inc(1)}})`})
		done <- result{res, err}
	}()
	<-reached
	// big is locked by the update, mid-way.
	if got := h.countWhere(env, "small", "{v: 0}"); got != 3 {
		t.Fatalf("count of small: %d", got)
	}
	out := h.ok(h.stmt(wechat.PathDatabaseQuery, env, `db.collection("small").where({i: 1}).get()`))
	if docs := dataDocs(t, out); len(docs) != 1 {
		t.Fatalf("query of small: %d documents", len(docs))
	}
	h.ok(h.stmt(wechat.PathDatabaseAdd, env, `db.collection("small").add({data: {i: 3, v: 0}})`))
	list := h.ok(h.post(wechat.PathDatabaseCollectionGet, h.tok, map[string]any{"env": env, "limit": 10}))
	if got := num(list["pager"].(map[string]any)["Total"]); got != 2 {
		t.Fatalf("collection list: %v", list)
	}
	select {
	case r := <-done:
		t.Fatalf("the update finished while held: %+v %v", r.res, r.err)
	default:
	}
	// A count of big started now waits for the update: it sees it whole.
	bigCount := make(chan int64, 1)
	go func() {
		out := h.post(wechat.PathDatabaseCount, h.tok, map[string]string{"env": env, "query": `db.collection("big").where({v: 1}).count()`})
		bigCount <- num(out["count"])
	}()
	close(hold)
	r := <-done
	if r.err != nil || r.res.Modified != n {
		t.Fatalf("update: %+v %v", r.res, r.err)
	}
	if got := <-bigCount; got != n {
		t.Fatalf("a count of big during the update saw %d of %d updated documents", got, n)
	}
}
