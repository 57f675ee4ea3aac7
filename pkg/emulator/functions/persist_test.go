package functions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Everything survives a restart on the same data dir: functions, code
// (re-extracted when the files are gone), logs, triggers, download URLs.
func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, dir, Options{})
	ns := h.newEnv()
	zip := counterCode(t, "persisted")
	h.create(ns, "keeper", zip, nil)
	first := h.invoke(ns, "keeper", `{"n":1}`)
	h.call("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "keeper", TriggerName: "yearly",
		Type: "timer", TriggerDesc: "0 0 0 1 1 * *"}, &cloudapi.CreateTriggerResponse{})
	var addr cloudapi.GetFunctionAddressResponse
	h.call("GetFunctionAddress", &cloudapi.GetFunctionAddressRequest{Namespace: ns, FunctionName: "keeper"}, &addr)
	// A function whose build was interrupted by a stop is built on the
	// next start.
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "late", Namespace: ns, Runtime: "Nodejs18.15",
		Handler: "index.main", Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "late", "Active")
	h.Stop()

	// Pretend the emulator stopped in the middle of late's build.
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error {
		rec, err := getRecordTx(tx, ns, "late")
		if err != nil || rec == nil {
			t.Fatalf("late: %v %v", rec, err)
		}
		rec.State, rec.Building, rec.BuildID, rec.Live = stateCreating, true, "interrupted", nil
		return putRecordTx(tx, rec)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The extracted code goes away; the store has the zip.
	if err := os.RemoveAll(filepath.Join(dir, "functions", "code")); err != nil {
		t.Fatal(err)
	}
	h2 := h.restart(Options{})
	got := h2.waitStatus(ns, "keeper", "Active")
	if got.CodeSize != int64(len(zip)) || len(got.Triggers) != 1 || got.Triggers[0].TriggerName != "yearly" {
		t.Fatalf("after restart: %+v", got)
	}
	var ret counterRet
	mustJSON(t, h2.invoke(ns, "keeper", `{"n":2}`).RetMsg, &ret)
	if ret.V != "persisted" || ret.Count != 1 {
		t.Fatalf("invoke after restart: %+v", ret)
	}
	logs := h2.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "keeper", Order: "asc"})
	if logs.TotalCount != 2 || logs.Data[0].RequestId != first.FunctionRequestId {
		t.Fatalf("logs after restart: %+v", logs)
	}
	// The old URL still works (on the new port): the signing key is stored.
	oldURL := strings.Replace(addr.Url, h.Addr(), h2.Addr(), 1)
	if string(download(t, oldURL, 200)) != string(zip) {
		t.Fatal("download after restart differs")
	}
	h2.waitStatus(ns, "late", "Active")
	if h2.invoke(ns, "late", `{}`).InvokeResult != 0 {
		t.Fatal("late does not run after its build resumed")
	}
	if st := stateOf(t, h2); st.Count != 2 || st.Timers != 1 {
		t.Fatalf("state after restart: %+v", st)
	}
}

// Destroying the env drops its functions, triggers, logs and instances.
func TestEnvDestroyDropsFunctions(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	other := h.newEnv()
	zip := nodeFn(t, echoFn)
	h.create(ns, "doomed", zip, nil)
	h.create(other, "survivor", zip, nil)
	h.invoke(ns, "doomed", `{}`)
	h.call("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "doomed", TriggerName: "often",
		Type: "timer", TriggerDesc: "*/1 * * * * * *"}, &cloudapi.CreateTriggerResponse{})
	if st := stateOf(t, h); st.Count != 2 || st.Instances.Total != 1 || st.Timers != 1 {
		t.Fatalf("state before destroy: %+v", st)
	}
	if err := h.Client.DestroyEnv(h.Ctx, ns); err != nil {
		t.Fatal(err)
	}
	if code := h.callErr("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: "doomed"}, &cloudapi.GetFunctionResponse{}); code != "ResourceNotFound.Namespace" {
		t.Fatalf("GetFunction after destroy: %q", code)
	}
	var st moduleState
	emulatortest.Eventually(t, func() bool {
		st = stateOf(t, h)
		return st.Count == 1 && st.Instances.Total == 0 && st.Timers == 0 && st.ByNamespace[ns] == nil
	}, "the env's functions, instances and timers to go")
	if h.invoke(other, "survivor", `{"x":1}`).RetMsg != `{"x":1}` {
		t.Fatal("the other env's function broke")
	}
}
