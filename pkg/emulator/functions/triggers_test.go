package functions

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
)

const echoFn = `exports.main = async (event) => { console.log('fired', event.TriggerName); return event; };`

func TestTimerTriggers(t *testing.T) {
	t.Parallel()
	h := start(t, "", Options{})
	ns := h.newEnv()
	h.create(ns, "ticker", nodeFn(t, echoFn), nil)

	var created cloudapi.CreateTriggerResponse
	h.call("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: "every-second",
		Type: "timer", TriggerDesc: "*/1 * * * * * *", CustomArgument: "tick"}, &created)
	ti := created.TriggerInfo
	if ti.TriggerName != "every-second" || ti.Type != "timer" || ti.TriggerDesc != `{"cron":"*/1 * * * * * *"}` || ti.Enable != 1 ||
		ti.CustomArgument != "tick" || ti.Qualifier != "$LATEST" || !apiTime.MatchString(ti.AddTime) {
		t.Fatalf("TriggerInfo: %+v", ti)
	}
	began := time.Now()

	// Errors while it runs.
	for _, c := range []struct {
		req  cloudapi.CreateTriggerRequest
		code string
	}{
		{cloudapi.CreateTriggerRequest{TriggerName: "every-second", Type: "timer", TriggerDesc: "0 0 * * * * *"}, "ResourceInUse.Trigger"},
		{cloudapi.CreateTriggerRequest{TriggerName: "bad-cron", Type: "timer", TriggerDesc: "* * * * *"}, "InvalidParameterValue.TriggerDesc"},
		{cloudapi.CreateTriggerRequest{TriggerName: "bad-json", Type: "timer", TriggerDesc: `{"cron":`}, "InvalidParameterValue.TriggerDesc"},
		{cloudapi.CreateTriggerRequest{TriggerName: "cos", Type: "cos", TriggerDesc: "{}"}, "UnsupportedOperation.Trigger"},
		{cloudapi.CreateTriggerRequest{TriggerName: "weird", Type: "carrier-pigeon", TriggerDesc: "{}"}, "InvalidParameterValue.Type"},
		{cloudapi.CreateTriggerRequest{TriggerName: "1bad", Type: "timer", TriggerDesc: "0 0 * * * * *"}, "InvalidParameterValue.TriggerName"},
		{cloudapi.CreateTriggerRequest{TriggerName: "en", Type: "timer", TriggerDesc: "0 0 * * * * *", Enable: "ON"}, "InvalidParameterValue.Enable"},
		{cloudapi.CreateTriggerRequest{TriggerName: "ghost", Type: "timer", TriggerDesc: "0 0 * * * * *", FunctionName: "ghost"}, "ResourceNotFound.FunctionName"},
	} {
		c.req.Namespace = ns
		if c.req.FunctionName == "" {
			c.req.FunctionName = "ticker"
		}
		if code := h.callErr("CreateTrigger", &c.req, &cloudapi.CreateTriggerResponse{}); code != c.code {
			t.Errorf("CreateTrigger %s: %q, want %s", c.req.TriggerName, code, c.code)
		}
	}
	// The JSON form is accepted; a closed trigger never fires.
	h.call("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: "closed",
		Type: "timer", TriggerDesc: `{"cron":"*/1 * * * * * *"}`, Enable: "CLOSE"}, &cloudapi.CreateTriggerResponse{})
	for i := 2; i < 10; i++ {
		h.call("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: fmt.Sprintf("t%d", i),
			Type: "timer", TriggerDesc: "0 0 3 1 1 * 2099"}, &cloudapi.CreateTriggerResponse{})
	}
	if code := h.callErr("CreateTrigger", &cloudapi.CreateTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: "t10",
		Type: "timer", TriggerDesc: "0 0 3 * * * *"}, &cloudapi.CreateTriggerResponse{}); code != "LimitExceeded.Trigger" {
		t.Errorf("11th timer: %q", code)
	}
	var lt cloudapi.ListTriggersResponse
	h.call("ListTriggers", &cloudapi.ListTriggersRequest{Namespace: ns, FunctionName: "ticker", Limit: i64(4), OrderBy: "add_time", Order: "ASC"}, &lt)
	if lt.TotalCount != 10 || len(lt.Triggers) != 4 || lt.Triggers[0].TriggerName != "every-second" || lt.Triggers[1].Enable != 0 {
		t.Fatalf("ListTriggers: %+v", lt)
	}
	if g := h.get(ns, "ticker"); len(g.Triggers) != 10 || g.Triggers[0].TriggerDesc != `{"cron":"*/1 * * * * * *"}` {
		t.Fatalf("GetFunction Triggers: %+v", g.Triggers)
	}

	// It fires every second.
	var fired cloudapi.GetFunctionLogsResponse
	emulatortest.Eventually(t, func() bool {
		fired = h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "ticker", Limit: i64(100)})
		return fired.TotalCount >= 2
	}, "two firings")
	t.Logf("2 firings after %s", time.Since(began))
	var ev struct {
		Type, TriggerName, Time, Message string
	}
	d := fired.Data[0]
	mustJSON(t, d.RetMsg, &ev)
	if ev.Type != "Timer" || ev.TriggerName != "every-second" || ev.Message != "tick" || d.Source != "Timer" || d.RetCode != 0 ||
		!strings.Contains(d.Log, "fired every-second") {
		t.Fatalf("timer log: %+v event %+v", d, ev)
	}
	// Each firing names its own whole second, after the trigger was made.
	seen := map[string]bool{}
	for _, d := range fired.Data[:2] {
		mustJSON(t, d.RetMsg, &ev)
		at, err := time.Parse(time.RFC3339, ev.Time)
		if err != nil || at.Nanosecond() != 0 || at.Before(began.Truncate(time.Second)) || seen[ev.Time] {
			t.Fatalf("event Time %q (trigger made at %v; times seen %v)", ev.Time, began, seen)
		}
		seen[ev.Time] = true
	}

	// Deleting stops it.
	if code := h.callErr("DeleteTrigger", &cloudapi.DeleteTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: "nope", Type: "timer"}, &cloudapi.EmptyResponse{}); code != "ResourceNotFound.Trigger" {
		t.Fatalf("DeleteTrigger unknown: %q", code)
	}
	s := h.m.sched
	key := timerKey(ns, "ticker", "every-second")
	s.mu.Lock()
	entry := s.timers[key]
	s.mu.Unlock()
	h.call("DeleteTrigger", &cloudapi.DeleteTriggerRequest{Namespace: ns, FunctionName: "ticker", TriggerName: "every-second", Type: "timer"}, &cloudapi.EmptyResponse{})
	running := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return entry.running
	}
	// A firing in flight may still land; wait for it.
	emulatortest.Eventually(t, func() bool { return running() == 0 }, "the firings in flight")
	n := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "ticker"}).TotalCount
	// Two seconds later the scheduler finds nothing due: a firing would
	// have been counted as running when it was dispatched.
	h.Clock.Advance(2 * time.Second)
	s.runDue()
	s.mu.Lock()
	_, scheduled := s.timers[key]
	s.mu.Unlock()
	if scheduled || running() != 0 {
		t.Fatalf("the deleted trigger is still scheduled (%v) or fired (%d running)", scheduled, running())
	}
	if m := h.logs(&cloudapi.GetFunctionLogsRequest{Namespace: ns, FunctionName: "ticker"}).TotalCount; m != n {
		t.Fatalf("the deleted trigger fired again: %d -> %d logs", n, m)
	}
	if st := stateOf(t, h); st.Timers != 8 {
		t.Fatalf("scheduled timers: %d, want 8 (the closed one is not scheduled)", st.Timers)
	}
}
