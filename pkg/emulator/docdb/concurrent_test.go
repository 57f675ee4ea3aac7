package docdb

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Readers and writers in parallel (run with -race): every answer is clean
// and the indexes match the documents afterwards.
func TestConcurrentClients(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	h.createColl(env, "c")
	h.ok(h.post(wechat.PathUpdateIndex, h.tok, map[string]any{"env": env, "collection_name": "c",
		"create_indexes": []any{map[string]any{"name": "k_1", "keys": []any{map[string]string{"name": "k", "direction": "1"}}}}}))
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < 60; i++ {
				var path, q string
				switch r.IntN(6) {
				case 0:
					path, q = wechat.PathDatabaseAdd, fmt.Sprintf(`db.collection("c").add({data: [{k: %d, w: %d}, {k: %d}]})`, r.IntN(20), w, r.IntN(20))
				case 1:
					path, q = wechat.PathDatabaseUpdate, fmt.Sprintf(`db.collection("c").where({k: %d}).update({data: {k: _.inc(1)}})`, r.IntN(20))
				case 2:
					path, q = wechat.PathDatabaseDelete, fmt.Sprintf(`db.collection("c").where({k: %d}).remove()`, r.IntN(20))
				case 3:
					path, q = wechat.PathDatabaseCount, fmt.Sprintf(`db.collection("c").where({k: _.gte(%d)}).count()`, r.IntN(20))
				case 4:
					path, q = wechat.PathDatabaseAggregate, `db.collection("c").aggregate().match({k: _.lt(10)}).group({_id: "$k", n: $.sum(1)}).end()`
				default:
					path, q = wechat.PathDatabaseQuery, fmt.Sprintf(`db.collection("c").where({k: %d}).orderBy("_id", "desc").get()`, r.IntN(20))
				}
				if out := h.stmt(path, env, q); errcode(out) != 0 {
					errs <- fmt.Sprintf("%s: %v", q, out["errmsg"])
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	c, _ := h.m.collection(env, "c")
	checkIndexes(t, c)
}
