package functions

import (
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
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
