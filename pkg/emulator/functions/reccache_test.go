package functions

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

// TestRunSeesEveryChange: the doors that reuse decoded records and what
// they run (reccache.go) see every change to a function at once — its
// configuration, its code, its deletion and a new function of the same
// name — and the logs of the new function are kept.
func TestRunSeesEveryChange(t *testing.T) {
	h := start(t, t.TempDir(), Options{})
	ns := h.newEnv()
	const src = `exports.main = async () => ({code: "%s", greeting: process.env.GREETING || null})`
	code := func(c string) []byte { return nodeFn(t, strings.Replace(src, "%s", c, 1)) }
	run := func() string {
		t.Helper()
		res, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn"})
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() {
			t.Fatalf("Run: %s", res.ErrMsg)
		}
		return res.RetMsg
	}
	h.create(ns, "fn", code("one"), func(r *cloudapi.CreateFunctionRequest) {
		r.Environment = &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "GREETING", Value: "hello"}}}
	})
	for range 2 {
		if got, want := run(), `{"code":"one","greeting":"hello"}`; got != want {
			t.Fatalf("Run = %s, want %s", got, want)
		}
	}
	if a, _ := h.m.lookupShared(ns, "fn"); a == nil || !h.m.recs.isShared(a) {
		t.Fatal("the record is not shared")
	} else if b, _ := h.m.lookupShared(ns, "fn"); b != a {
		t.Error("an unchanged record was decoded again")
	}

	h.updateConfig(&cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "fn",
		Environment: &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "GREETING", Value: "bye"}}}})
	if got, want := run(), `{"code":"one","greeting":"bye"}`; got != want {
		t.Errorf("after a configuration change, Run = %s, want %s", got, want)
	}
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "fn", ZipFile: b64(code("two"))}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "fn", "Active")
	if got, want := run(), `{"code":"two","greeting":"bye"}`; got != want {
		t.Errorf("after a code change, Run = %s, want %s", got, want)
	}

	h.call("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "fn"}, &cloudapi.EmptyResponse{})
	h.waitGone(ns, "fn")
	if _, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn"}); !errors.Is(err, ErrNoSuchFunction) {
		t.Errorf("Run of a deleted function: %v", err)
	}
	if _, err := h.m.Web(ns, "fn"); !errors.Is(err, ErrNoSuchFunction) {
		t.Errorf("Web of a deleted function: %v", err)
	}
	h.create(ns, "fn", code("three"), nil)
	res, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn"})
	if err != nil || res.RetMsg != `{"code":"three","greeting":null}` {
		t.Fatalf("Run of the new function = %v, %v", res, err)
	}
	if l := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "fn", FunctionRequestId: res.RequestID}); l.TotalCount != 1 {
		t.Errorf("logs of the new function's invocation: %d", l.TotalCount)
	}
}
