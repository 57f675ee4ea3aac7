package functions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
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

// TestInvocationCredentialsReused: invocations of the same caller share
// temporary credentials while they stay valid for the function's timeout
// plus ten minutes; another caller gets its own, and so does an
// invocation after that point.
func TestInvocationCredentialsReused(t *testing.T) {
	h := start(t, t.TempDir(), Options{})
	ns := h.newEnv()
	h.create(ns, "fn", nodeFn(t, `exports.main = async () => process.env.TENCENTCLOUD_SECRETID + " " + process.env.WX_API_TOKEN`), nil)
	run := func(caller creds.Caller) string {
		t.Helper()
		res, err := h.m.Run(context.Background(), RunRequest{Env: ns, Name: "fn", Caller: caller})
		if err != nil || !res.OK() {
			t.Fatalf("Run: %v %v", res, err)
		}
		var s string
		mustJSON(t, res.RetMsg, &s)
		id, tok, _ := strings.Cut(s, " ")
		if !strings.HasPrefix(id, creds.TemporaryPrefix) || tok != "emulator-"+id {
			t.Fatalf("credentials %q", s)
		}
		return id
	}
	a := run(creds.Caller{ClientIP: "127.0.0.1"})
	if b := run(creds.Caller{ClientIP: "127.0.0.1"}); b != a {
		t.Errorf("the same caller got new credentials: %s, then %s", a, b)
	}
	if o := run(creds.Caller{OpenID: "o1", ClientIP: "127.0.0.1"}); o == a {
		t.Error("another caller got the same credentials")
	}
	h.Clock.Advance(45 * time.Minute) // 15 min left: more than 5 s + 10 min
	if b := run(creds.Caller{ClientIP: "127.0.0.1"}); b != a {
		t.Errorf("credentials valid for 15 more minutes were not reused: %s, then %s", a, b)
	}
	h.Clock.Advance(10 * time.Minute) // 5 min left
	if b := run(creds.Caller{ClientIP: "127.0.0.1"}); b == a {
		t.Error("credentials valid for 5 more minutes were reused")
	}
}
