package functions

import (
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

// BenchmarkInvokeWarm measures a synchronous Invoke of a warm Node.js
// function through the API: TC3 signing and verification, dispatch, the
// node round trip and the stored log record.
func BenchmarkInvokeWarm(b *testing.B) {
	h := start(b, "", Options{})
	ns := h.newEnv()
	zip := nodeFn(b, `exports.main = async (e) => e;`)
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "bench", Namespace: ns, Runtime: "Nodejs18.15",
		Handler: "index.main", Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "bench", "Active")
	h.invoke(ns, "bench", `{"warm":true}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := h.invoke(ns, "bench", `{"n":1}`); r.InvokeResult != 0 {
			b.Fatal(r.ErrMsg)
		}
	}
}
