package functions

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Only the newest MaxLogRecords logs of a function are kept.
func TestLogRetention(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{MaxLogRecords: 3})
	ns := h.newEnv()
	h.create(ns, "chatty", nodeFn(t, `exports.main = async (e) => e.n;`), nil)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, h.invoke(ns, "chatty", `{"n":1}`).FunctionRequestId)
	}
	got := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "chatty", Order: "asc"})
	if got.TotalCount != 3 || got.Data[0].RequestId != ids[2] || got.Data[2].RequestId != ids[4] {
		t.Fatalf("kept %d logs: %+v", got.TotalCount, got.Data)
	}
}

// A batch of log records is stored as storing them one by one stores them:
// the same records kept (the newest by start time, within the count and
// byte limits) and the same counts, whatever the order in the batch, and
// records of a function deleted meanwhile dropped.
func TestLogBatchAsOneByOne(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{MaxLogRecords: 4}, {MaxLogBytes: 900}} {
		h := start(t, "", opts)
		ns := h.newEnv()
		h.create(ns, "batch", nodeFn(t, `exports.main = async () => 1;`), nil)
		h.create(ns, "single", nodeFn(t, `exports.main = async () => 1;`), nil)
		recs := map[string]*record{}
		h.m.h.DB.View(func(tx *store.Tx) error {
			for _, name := range []string{"batch", "single"} {
				recs[name], _ = getRecordTx(tx, ns, name)
			}
			return nil
		})
		base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		var batch, single []pendingLog
		for i, minute := range []int{5, 1, 9, 3, 7, 2, 8} {
			lr := logRecord{RequestID: fmt.Sprintf("req-%d", i), Start: base.Add(time.Duration(minute) * time.Minute),
				Status: 200, RetMsg: "1", Log: strings.Repeat("x", 100+10*i), Source: sourceSync}
			batch = append(batch, pendingLog{ns: ns, name: "batch", functionID: recs["batch"].FunctionID, lr: lr})
			single = append(single, pendingLog{ns: ns, name: "single", functionID: recs["single"].FunctionID, lr: lr})
		}
		// A record of a function that no longer exists under this id.
		batch = append(batch, pendingLog{ns: ns, name: "batch", functionID: "gone", lr: logRecord{RequestID: "gone", Start: base}})
		if err := h.m.h.DB.Update(func(tx *store.Tx) error { return h.m.writeLogsTx(tx, batch) }); err != nil {
			t.Fatal(err)
		}
		for i := range single {
			if err := h.m.h.DB.Update(func(tx *store.Tx) error { return h.m.writeLogsTx(tx, single[i:i+1]) }); err != nil {
				t.Fatal(err)
			}
		}
		stored := func(name string) (keys []string, meta logMeta) {
			h.m.h.DB.View(func(tx *store.Tx) error {
				id := recs[name].FunctionID
				tx.ForEach(logsPath(ns, id), func(k string, _ []byte) error {
					keys = append(keys, k)
					return nil
				})
				tx.Get(logMetaPath(ns), id, &meta)
				return nil
			})
			return keys, meta
		}
		bk, bm := stored("batch")
		sk, sm := stored("single")
		if !slices.Equal(bk, sk) || bm != sm || len(bk) == 0 || len(bk) == len(single) {
			t.Errorf("%+v: batch kept %q %+v, one by one %q %+v", opts, bk, bm, sk, sm)
		}
	}
}
