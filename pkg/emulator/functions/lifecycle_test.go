package functions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

const counterFn = `
let count = 0;
exports.main = async (event, context) => {
  count++;
  if (event.throw) throw new Error('boom: ' + event.throw);
  if (event.sleep) await new Promise(r => setTimeout(r, event.sleep));
  if (event.gate) while (!require('fs').existsSync(event.gate)) await new Promise(r => setTimeout(r, 5));
  if (event.print) { for (let i = 0; i < event.print; i++) console.log('line ' + i + ' ' + 'x'.repeat(100)); }
  console.log('hello from VERSION');
  return { v: 'VERSION', count, event, requestId: context.request_id, env: {
    FOO: process.env.FOO, TCB_ENV: process.env.TCB_ENV, SCF_NAMESPACE: process.env.SCF_NAMESPACE,
    HOST: process.env.TCB_EMULATOR_HOST, SID: process.env.TENCENTCLOUD_SECRETID } };
};
`

type counterRet struct {
	V         string         `json:"v"`
	Count     int            `json:"count"`
	Event     map[string]any `json:"event"`
	RequestID string         `json:"requestId"`
	Env       map[string]string
}

func counterCode(t *testing.T, version string) []byte {
	return nodeFn(t, strings.ReplaceAll(counterFn, "VERSION", version))
}

var apiTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

func TestFunctionLifecycle(t *testing.T) {
	t.Parallel()
	// The clock stands still: Creating and Updating last until the test
	// moves it, however slow the machine.
	h := startClock(t, "", Options{}, emulatortest.FrozenClock(time.Now()))
	ns := h.newEnv()
	zip := counterCode(t, "v1")

	began := h.Clock.Now()
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{
		FunctionName: "counter", Namespace: ns, Runtime: "Nodejs18.15", Handler: "index.main",
		Code: &cloudapi.Code{ZipFile: b64(zip)}, Timeout: i64(5), MemorySize: i64(256), Description: "counts calls",
		Environment: &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "FOO", Value: "one"}}},
	}, &cloudapi.EmptyResponse{})
	if st := h.get(ns, "counter").Status; st != "Creating" {
		t.Fatalf("status right after CreateFunction = %s, want Creating", st)
	}
	if code := h.callErr("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "counter"}, &cloudapi.InvokeResponse{}); code != "FailedOperation.FunctionStatusError" {
		t.Fatalf("Invoke while Creating: %q", code)
	}
	got := h.waitStatus(ns, "counter", "Active")
	if d := h.Clock.Now().Sub(began); d < testLatency {
		t.Fatalf("Active after %s, before the latency", d)
	}
	if got.Runtime != "Nodejs18.15" || got.Handler != "index.main" || got.CodeSize != int64(len(zip)) ||
		got.Timeout != 5 || got.MemorySize != 256 || got.InstallDependency != "FALSE" || got.Namespace != ns ||
		got.Description != "counts calls" || got.FunctionVersion != "$LATEST" || got.Type != "Event" ||
		len(got.Environment.Variables) != 1 || got.Environment.Variables[0] != (cloudapi.Variable{Key: "FOO", Value: "one"}) ||
		!apiTime.MatchString(got.AddTime) || !apiTime.MatchString(got.ModTime) || len(got.StatusReasons) != 0 ||
		got.Triggers == nil || len(got.Triggers) != 0 || !strings.HasPrefix(got.FunctionId, "lam-") {
		t.Fatalf("GetFunction: %+v", got)
	}

	// The return value, the environment, warm reuse.
	var ret counterRet
	r1 := h.invoke(ns, "counter", `{"a":1}`)
	mustJSON(t, r1.RetMsg, &ret)
	if r1.InvokeResult != 0 || r1.ErrMsg != "" || ret.V != "v1" || ret.Count != 1 || ret.Event["a"] != float64(1) ||
		ret.RequestID != r1.FunctionRequestId || r1.Duration <= 0 || r1.BillDuration < 1 || r1.MemUsage <= 0 {
		t.Fatalf("first invoke: %+v %+v", r1, ret)
	}
	if ret.Env["FOO"] != "one" || ret.Env["TCB_ENV"] != ns || ret.Env["SCF_NAMESPACE"] != ns ||
		ret.Env["HOST"] != h.Addr() || !strings.HasPrefix(ret.Env["SID"], creds.TemporaryPrefix) {
		t.Fatalf("function env: %+v", ret.Env)
	}
	if !strings.Contains(r1.Log, "hello from v1") {
		t.Fatalf("Tail log: %q", r1.Log)
	}
	var none cloudapi.InvokeResponse
	h.call("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "counter"}, &none)
	mustJSON(t, none.Result.RetMsg, &ret)
	if ret.Count != 2 || none.Result.Log != "" {
		t.Fatalf("warm invoke without LogType: count %d log %q", ret.Count, none.Result.Log)
	}
	start := time.Now()
	const warmRuns = 20
	for i := 0; i < warmRuns; i++ {
		h.invoke(ns, "counter", `{}`)
	}
	t.Logf("warm Invoke round trip through the API: %s", time.Since(start)/warmRuns)

	// A throw: 430, the instance stays warm.
	rt := h.invoke(ns, "counter", `{"throw":"bad"}`)
	var fail struct {
		ErrorCode    int    `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		StatusCode   int    `json:"statusCode"`
		RequestID    string `json:"requestId"`
	}
	mustJSON(t, rt.ErrMsg, &fail)
	if rt.InvokeResult != -1 || rt.RetMsg != "" || fail.StatusCode != 430 || fail.ErrorCode != -1 ||
		!strings.Contains(fail.ErrorMessage, "boom: bad") || fail.RequestID != rt.FunctionRequestId {
		t.Fatalf("throw: %+v", rt)
	}
	mustJSON(t, h.invoke(ns, "counter", `{}`).RetMsg, &ret)
	if ret.Count != warmRuns+4 {
		t.Fatalf("count after a throw = %d, the instance should have stayed warm", ret.Count)
	}

	// A lot of output: Log is the last 4 KB, the stored log has it all.
	big := h.invoke(ns, "counter", `{"print":2000}`)
	if len(big.Log) > 4096 || !strings.Contains(big.Log, "line 1999 ") || strings.Contains(big.Log, "line 0 ") {
		t.Fatalf("Tail of a big log: %d bytes", len(big.Log))
	}
	bl := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", FunctionRequestId: big.FunctionRequestId})
	if bl.TotalCount != 1 || !strings.Contains(bl.Data[0].Log, "line 0 ") || !strings.Contains(bl.Data[0].Log, "line 1999 ") {
		t.Fatalf("stored big log: total %d", bl.TotalCount)
	}

	// Configuration: new env vars are visible, warm instances restart.
	h.call("UpdateFunctionConfiguration", &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "counter",
		Timeout:     i64(1),
		Environment: &cloudapi.Environment{Variables: []cloudapi.Variable{{Key: "FOO", Value: "two"}}}}, &cloudapi.EmptyResponse{})
	if st := h.get(ns, "counter").Status; st != "Updating" {
		t.Fatalf("status after UpdateFunctionConfiguration = %s", st)
	}
	h.waitStatus(ns, "counter", "Active")
	mustJSON(t, h.invoke(ns, "counter", `{}`).RetMsg, &ret)
	if ret.Env["FOO"] != "two" || ret.Count != 1 {
		t.Fatalf("after config update: %+v", ret)
	}

	// Timeout 1 s: 433.
	to := h.invoke(ns, "counter", `{"sleep":3000}`)
	mustJSON(t, to.ErrMsg, &fail)
	if to.InvokeResult != -1 || fail.StatusCode != 433 {
		t.Fatalf("timeout: %+v", to)
	}

	// New code: new result, fresh instance.
	zip2 := counterCode(t, "v2")
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "counter", ZipFile: b64(zip2)}, &cloudapi.EmptyResponse{})
	// Not Active: every change is refused.
	for action, req := range map[string]any{
		"UpdateFunctionCode":          &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "counter", ZipFile: b64(zip2)},
		"UpdateFunctionConfiguration": &cloudapi.UpdateFunctionConfigurationRequest{Namespace: ns, FunctionName: "counter", Timeout: i64(3)},
		"DeleteFunction":              &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "counter"},
		"Invoke":                      &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "counter"},
	} {
		want := "FailedOperation." + action
		if action == "Invoke" {
			want = "FailedOperation.FunctionStatusError"
		}
		if code := h.callErr(action, req, &json.RawMessage{}); code != want {
			t.Errorf("%s while Updating: %q, want %s", action, code, want)
		}
	}
	got = h.waitStatus(ns, "counter", "Active")
	if got.CodeSize != int64(len(zip2)) || got.Timeout != 1 || got.Environment.Variables[0].Value != "two" {
		t.Fatalf("after code update: %+v", got)
	}
	mustJSON(t, h.invoke(ns, "counter", `{}`).RetMsg, &ret)
	if ret.V != "v2" || ret.Count != 1 {
		t.Fatalf("after code update: %+v", ret)
	}

	// Event: answers at once, while the function still waits at its gate;
	// the log shows up once the gate opens and the function returns.
	var ev cloudapi.InvokeResponse
	gate := filepath.Join(t.TempDir(), "open")
	gateEvent, _ := json.Marshal(map[string]string{"gate": gate})
	h.call("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "counter", InvocationType: "Event", ClientContext: string(gateEvent)}, &ev)
	if ev.Result.FunctionRequestId == "" || ev.Result.RetMsg != "" || ev.Result.Duration != 0 {
		t.Fatalf("Event invoke: %+v", ev.Result)
	}
	if early := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", FunctionRequestId: ev.Result.FunctionRequestId}); early.TotalCount != 0 {
		t.Fatalf("the Event invocation finished before its gate opened: %+v", early)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var evLog cloudapi.GetFunctionLogsResponse
	emulatortest.Eventually(t, func() bool {
		evLog = h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", FunctionRequestId: ev.Result.FunctionRequestId})
		return evLog.TotalCount == 1
	}, "the Event invocation's log")
	if evLog.TotalCount != 1 || evLog.Data[0].RetCode != 0 || evLog.Data[0].Source != "Event" || !strings.Contains(evLog.Data[0].Log, "hello from v2") {
		t.Fatalf("Event log: %+v", evLog)
	}

	testLogFilters(t, h, ns)
	testAddress(t, h, ns, zip2)

	st := stateOf(t, h)
	if st.Count != 1 || st.Invocations < warmRuns+8 || st.Instances.Total < 1 {
		t.Fatalf("state: %+v", st)
	}

	// Delete: Deleting, then gone.
	h.call("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "counter"}, &cloudapi.EmptyResponse{})
	if st := h.get(ns, "counter").Status; st != "Deleting" {
		t.Fatalf("status after DeleteFunction = %s", st)
	}
	h.waitGone(ns, "counter")
	if code := h.callErr("GetFunctionLogs", &cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter"}, &cloudapi.GetFunctionLogsResponse{}); code != "ResourceNotFound.FunctionName" {
		t.Fatalf("GetFunctionLogs after delete: %q", code)
	}
	// The name is free again.
	h.create(ns, "counter", counterCode(t, "v3"), nil)
	if l := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter"}); l.TotalCount != 0 {
		t.Fatalf("a new function inherited %d logs", l.TotalCount)
	}
}

func testLogFilters(t *testing.T, h *harness, ns string) {
	all := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", Limit: i64(100)})
	if all.TotalCount < 28 || len(all.Data) != int(all.TotalCount) {
		t.Fatalf("logs: total %d, %d records", all.TotalCount, len(all.Data))
	}
	for i := 1; i < len(all.Data); i++ {
		if all.Data[i-1].StartTime < all.Data[i].StartTime {
			t.Fatalf("default order is not newest first: %s < %s", all.Data[i-1].StartTime, all.Data[i].StartTime)
		}
	}
	for _, d := range all.Data {
		if d.FunctionName != "counter" || d.InvokeFinished != 1 || !apiTime.MatchString(d.StartTime) || d.RequestId == "" {
			t.Fatalf("log record: %+v", d)
		}
	}
	def := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter"})
	if len(def.Data) != 10 || def.TotalCount != all.TotalCount {
		t.Fatalf("default page: %d of %d", len(def.Data), def.TotalCount)
	}
	count := func(retCode string) (int64, []cloudapi.FunctionLog) {
		out := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", Limit: i64(100), Filter: &cloudapi.LogFilter{RetCode: retCode}})
		return out.TotalCount, out.Data
	}
	n0, ok := count("is0")
	nNot, failed := count("not0")
	nUser, user := count("UserCodeException")
	nTime, timed := count("TimeLimitExceeded")
	nRes, _ := count("ResourceLimitExceeded")
	if n0+nNot != all.TotalCount || nUser != 1 || nTime != 1 || nNot != 2 || nRes != 0 {
		t.Fatalf("filters: is0 %d not0 %d user %d time %d res %d of %d", n0, nNot, nUser, nTime, nRes, all.TotalCount)
	}
	if ok[0].RetCode != 0 || ok[0].Level != "INFO" || user[0].RetCode != 430 || timed[0].RetCode != 433 || failed[0].Level != "ERROR" ||
		!strings.Contains(user[0].RetMsg, "boom: bad") {
		t.Fatalf("filtered records: %+v %+v %+v", ok[0], user[0], timed[0])
	}
	asc := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", Order: "asc", Limit: i64(3), Offset: i64(1)})
	if len(asc.Data) != 3 || asc.Data[0].RequestId != all.Data[len(all.Data)-2].RequestId {
		t.Fatalf("asc page")
	}
	byDur := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", OrderBy: "duration", Order: "desc", Limit: i64(1)})
	if byDur.Data[0].Duration < 900 {
		t.Fatalf("longest invocation: %+v", byDur.Data[0])
	}
	now := chinatime.In(time.Now())
	window := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter", Limit: i64(100),
		StartTime: now.Add(-time.Hour).Format(chinatime.Layout), EndTime: now.Format(chinatime.Layout)})
	past := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "counter",
		StartTime: now.Add(-5 * time.Hour).Format(chinatime.Layout), EndTime: now.Add(-4 * time.Hour).Format(chinatime.Layout)})
	if window.TotalCount != all.TotalCount || past.TotalCount != 0 {
		t.Fatalf("time windows: %d and %d", window.TotalCount, past.TotalCount)
	}
	noFn := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, Limit: i64(100)})
	if noFn.TotalCount != all.TotalCount {
		t.Fatalf("namespace-wide logs: %d", noFn.TotalCount)
	}
	for _, c := range []struct {
		req  cloudapi.GetFunctionLogsRequest
		code string
	}{
		{cloudapi.GetFunctionLogsRequest{Offset: i64(9990), Limit: i64(11)}, "LimitExceeded.Offset"},
		{cloudapi.GetFunctionLogsRequest{Offset: i64(-1)}, "InvalidParameterValue.Offset"},
		{cloudapi.GetFunctionLogsRequest{Order: "sideways"}, "InvalidParameterValue.Order"},
		{cloudapi.GetFunctionLogsRequest{OrderBy: "color"}, "InvalidParameterValue.OrderBy"},
		{cloudapi.GetFunctionLogsRequest{Filter: &cloudapi.LogFilter{RetCode: "maybe"}}, "InvalidParameterValue"},
		{cloudapi.GetFunctionLogsRequest{StartTime: "2024-01-01 00:00:00"}, "InvalidParameterValue.StartTimeOrEndTime"},
		{cloudapi.GetFunctionLogsRequest{StartTime: "2024-01-01 00:00:00", EndTime: "2024-01-03 00:00:00"}, "InvalidParameterValue.DateTime"},
		{cloudapi.GetFunctionLogsRequest{StartTime: "yesterday", EndTime: "2024-01-03 00:00:00"}, "InvalidParameterValue.DateTime"},
		{cloudapi.GetFunctionLogsRequest{FunctionName: "nope"}, "ResourceNotFound.FunctionName"},
	} {
		c.req.Namespace = ns
		if c.req.FunctionName == "" {
			c.req.FunctionName = "counter"
		}
		if code := h.callErr("GetFunctionLogs", &c.req, &cloudapi.GetFunctionLogsResponse{}); code != c.code {
			t.Errorf("GetFunctionLogs %+v: %q, want %s", c.req, code, c.code)
		}
	}
}

func testAddress(t *testing.T, h *harness, ns string, zip []byte) {
	var addr cloudapi.GetFunctionAddressResponse
	h.call("GetFunctionAddress", &cloudapi.GetFunctionAddressRequest{Namespace: ns, FunctionName: "counter"}, &addr)
	sum := sha256.Sum256(zip)
	if addr.CodeSha256 != hex.EncodeToString(sum[:]) || addr.CodeSha256 != funcpack.CodeSha256(zip) {
		t.Fatalf("CodeSha256 %s", addr.CodeSha256)
	}
	if !strings.HasPrefix(addr.Url, "http://"+h.Addr()+"/_emulator/code/"+ns+"/counter?") {
		t.Fatalf("Url %s", addr.Url)
	}
	body := download(t, addr.Url, 200)
	got := sha256.Sum256(body)
	if hex.EncodeToString(got[:]) != addr.CodeSha256 || string(body) != string(zip) {
		t.Fatalf("downloaded %d bytes, not the zip", len(body))
	}
	download(t, strings.Replace(addr.Url, "sig=", "sig=00", 1), 403)
}

func download(t *testing.T, url string, want int) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

type moduleState struct {
	Count       int   `json:"count"`
	Invocations int64 `json:"invocations"`
	Instances   struct {
		Total int `json:"total"`
		Idle  int `json:"idle"`
	} `json:"instances"`
	Timers      int                        `json:"timers"`
	ByNamespace map[string]json.RawMessage `json:"by_namespace"`
}

func stateOf(t *testing.T, h *harness) moduleState {
	t.Helper()
	var all struct {
		Functions moduleState `json:"functions"`
	}
	b := download(t, h.Endpoint()+"/_emulator/state", 200)
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	return all.Functions
}
