package fnrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

func TestInstanceDeath(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	tests := []struct {
		name    string
		src     string
		timeout time.Duration
		memMB   int
		status  int
		msg     string
		log     string // expected in Log
	}{
		{"timeout pending promise", `exports.main = async () => { console.log("waiting"); await new Promise(() => setTimeout(() => {}, 60000)); };`,
			500 * time.Millisecond, 0, 433, "Invoking task timed out after 0.5 seconds", "waiting"},
		{"timeout infinite loop", `exports.main = () => { console.log("spinning"); for (;;) {} };`,
			500 * time.Millisecond, 0, 433, "timed out after 0.5 seconds", "spinning"},
		{"timeout callback never called", `exports.main = (e, c, cb) => {};`,
			300 * time.Millisecond, 0, 433, "timed out", ""},
		{"heap blow-up", `exports.main = () => { const a = []; for (;;) a.push(new Array(100000).fill({x: a.length})); };`,
			20 * time.Second, 64, 434, "Memory limit reached", "heap out of memory"},
		{"process.exit", `exports.main = async () => { console.log("bye"); process.exit(1); };`,
			2 * time.Second, 0, 439, "exit code 1", "bye"},
		{"process.exit(0)", `exports.main = async () => { process.exit(0); };`,
			2 * time.Second, 0, 439, "exit", ""},
		{"uncaught exception in timer", `exports.main = () => new Promise(() => setTimeout(() => { throw new Error("late boom"); }, 10));`,
			2 * time.Second, 0, 439, "late boom", "late boom"},
		{"unhandled rejection", `exports.main = () => { Promise.reject(new Error("forgotten")); return new Promise(() => setTimeout(() => {}, 60000)); };`,
			2 * time.Second, 0, 439, "forgotten", ""},
		{"killed by signal", `exports.main = () => { process.kill(process.pid, "SIGKILL"); return new Promise(() => {}); };`,
			2 * time.Second, 0, 439, "killed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := jsFunc(t, "die-"+strings.NewReplacer(" ", "-", "(", "", ")", "", ".", "").Replace(tt.name), tt.src)
			fn.Timeout = tt.timeout
			fn.MemoryMB = tt.memMB
			start := time.Now()
			r, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tt.status || r.InvokeResult != -1 {
				t.Fatalf("status %d ErrMsg %s Log %q", r.StatusCode, r.ErrMsg, r.Log)
			}
			e := errPayloadOf(t, r)
			if e.StatusCode != tt.status || !strings.Contains(e.ErrorMessage, tt.msg) {
				t.Errorf("payload %+v, want message containing %q", e, tt.msg)
			}
			if !strings.Contains(r.Log, tt.log) {
				t.Errorf("Log %q lacks %q", r.Log, tt.log)
			}
			if tt.status == 433 {
				if want := float64(tt.timeout.Milliseconds()); r.Duration != want || r.BillDuration != int64(want) {
					t.Errorf("Duration %v BillDuration %d, want %v", r.Duration, r.BillDuration, want)
				}
				if el := time.Since(start); el > tt.timeout+1500*time.Millisecond {
					t.Errorf("took %v for a %v timeout", el, tt.timeout)
				}
			}
			waitDead(t, r.PID)
			// The next invocation gets a fresh, working instance.
			fixed := fn
			fixed.Revision = fn.Revision // same revision: the pool must notice the death itself
			fixed.CodeDir = writeFunc(t, map[string]string{"index.js": `exports.main = async () => process.pid;`})
			r2, err := p.Invoke(context.Background(), fixed, nil, InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r2.StatusCode != StatusOK || !r2.ColdStart || r2.PID == r.PID || r2.RetMsg != strconv.Itoa(r2.PID) {
				t.Errorf("after death: status %d cold %v pid %d (old %d) ret %s", r2.StatusCode, r2.ColdStart, r2.PID, r.PID, r2.RetMsg)
			}
		})
	}
}

func TestWarmReuseAndRevision(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	src := `let n = 0; exports.main = async () => ({n: ++n, pid: process.pid});`
	fn := jsFunc(t, "counter", src)
	type out struct{ N, Pid int }
	call := func(f Function) (out, *Result) {
		t.Helper()
		r, err := p.Invoke(context.Background(), f, nil, InvokeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var o out
		retJSON(t, r, &o)
		return o, r
	}
	var firstPID int
	for i := 1; i <= 3; i++ {
		o, r := call(fn)
		if o.N != i || r.ColdStart != (i == 1) {
			t.Fatalf("invoke %d: n=%d cold=%v", i, o.N, r.ColdStart)
		}
		if i == 1 {
			firstPID = o.Pid
		} else if o.Pid != firstPID {
			t.Fatalf("invoke %d ran in pid %d, want %d", i, o.Pid, firstPID)
		}
	}
	// Another function with the same name in another namespace is separate.
	other := fn
	other.Namespace = "other-env"
	if o, _ := call(other); o.N != 1 {
		t.Errorf("other namespace shares the instance: n=%d", o.N)
	}
	// A new revision: fresh instance, counter reset, the old one killed.
	fn2 := fn
	fn2.Revision = "r2"
	o, r := call(fn2)
	if o.N != 1 || !r.ColdStart || o.Pid == firstPID {
		t.Fatalf("new revision: n=%d cold=%v pid=%d", o.N, r.ColdStart, o.Pid)
	}
	waitDead(t, firstPID)
	if o, _ := call(fn2); o.N != 2 {
		t.Errorf("new revision not warm: n=%d", o.N)
	}
	// Stop kills the function's instances.
	p.Stop(fn2.Namespace, fn2.Name)
	waitDead(t, o.Pid)
	if o, _ := call(fn2); o.N != 1 {
		t.Errorf("after Stop: n=%d", o.N)
	}
}

// span is one invocation's run time as seen by the function.
type span struct {
	Start, End float64
	Pid        int
}

const sleeperSrc = `exports.main = async (e) => { const start = Date.now(); await new Promise((r) => setTimeout(r, e.ms)); return {start, end: Date.now(), pid: process.pid}; };`

func runParallel(t *testing.T, p *Pool, fn Function, n int, ms int) ([]span, []error) {
	t.Helper()
	spans := make([]span, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r, err := p.Invoke(ctx, fn, []byte(`{"ms":`+strconv.Itoa(ms)+`}`), InvokeOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			retJSON(t, r, &spans[i])
		}(i)
	}
	wg.Wait()
	return spans, errs
}

// maxOverlap is the largest number of spans running at the same moment.
func maxOverlap(spans []span) int {
	best := 0
	for _, s := range spans {
		n := 0
		for _, o := range spans {
			if o.Start <= s.Start && s.Start < o.End {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func TestParallelInstances(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	g := newGate(t, "parallel")
	// Both invocations are held at the gate until both are busy at once:
	// serial instances would never get there.
	results := g.invoke(p, 2)
	g.waitStarted(2)
	g.open()
	var spans []span
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		spans = append(spans, r.span)
	}
	if spans[0].Pid == spans[1].Pid {
		t.Errorf("both ran in pid %d", spans[0].Pid)
	}
	if maxOverlap(spans) != 2 {
		t.Errorf("invocations did not overlap: %+v", spans)
	}
	if s := p.Stats(); s.Instances != 2 || s.Idle != 2 {
		t.Errorf("stats %+v", s)
	}
}

// gate is a function whose invocations say they started (a marker file)
// and then wait until the test opens the gate (another file appears), so a
// test can hold invocations running for as long as it needs instead of
// guessing how long a busy machine takes.
type gate struct {
	t    *testing.T
	fn   Function
	path string
}

type gateResult struct {
	span span
	err  error
}

const gateSrc = `const fs = require('fs');
exports.main = async (e) => {
  const start = Date.now();
  fs.writeFileSync(e.gate + '.started-' + process.pid + '-' + start, '');
  while (!fs.existsSync(e.gate)) await new Promise((r) => setTimeout(r, 5));
  return {start, end: Date.now(), pid: process.pid};
};`

func newGate(t *testing.T, name string) *gate {
	fn := jsFunc(t, name, gateSrc)
	fn.Timeout = time.Minute
	return &gate{t: t, fn: fn, path: filepath.Join(t.TempDir(), "open")}
}

// invoke starts n invocations held at the gate; each result arrives on the
// channel when it returns.
func (g *gate) invoke(p *Pool, n int) <-chan gateResult {
	out := make(chan gateResult, n)
	event, _ := json.Marshal(map[string]string{"gate": g.path})
	for range n {
		go func() {
			r, err := p.Invoke(context.Background(), g.fn, event, InvokeOptions{})
			var res gateResult
			switch {
			case err != nil:
				res.err = err
			case r.StatusCode != StatusOK:
				res.err = fmt.Errorf("status %d: %s", r.StatusCode, r.ErrMsg)
			default:
				res.err = json.Unmarshal([]byte(r.RetMsg), &res.span)
			}
			out <- res
		}()
	}
	return out
}

// waitStarted waits until n invocations have started running the code.
func (g *gate) waitStarted(n int) {
	g.t.Helper()
	emulatortest.Eventually(g.t, func() bool {
		m, _ := filepath.Glob(g.path + ".started-*")
		return len(m) >= n
	}, "%d invocations running", n)
}

func (g *gate) open() {
	if err := os.WriteFile(g.path, nil, 0o600); err != nil {
		g.t.Fatal(err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	t.Run("wait", func(t *testing.T) {
		p := newTestPool(t, PoolOptions{MaxInstancesPerFunction: 2})
		fn := jsFunc(t, "capped", sleeperSrc)
		spans, errs := runParallel(t, p, fn, 5, 150)
		pids := map[int]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
			pids[spans[i].Pid] = true
		}
		if len(pids) > 2 {
			t.Errorf("%d instances, cap 2", len(pids))
		}
		if n := maxOverlap(spans); n > 2 {
			t.Errorf("%d ran at once, cap 2: %+v", n, spans)
		}
	})
	t.Run("no wait", func(t *testing.T) {
		p := newTestPool(t, PoolOptions{MaxInstancesPerFunction: 1, NoWait: true})
		g := newGate(t, "nowait")
		held := g.invoke(p, 1)
		g.waitStarted(1)
		refused := g.invoke(p, 2)
		for range 2 {
			r := <-refused
			if !errors.Is(r.err, ErrConcurrencyLimit) {
				t.Fatalf("an invocation beyond the cap: %v, want ErrConcurrencyLimit", r.err)
			}
			if ErrorStatus(r.err) != StatusConcurrencyLimit {
				t.Errorf("ErrorStatus = %d", ErrorStatus(r.err))
			}
		}
		g.open()
		if r := <-held; r.err != nil {
			t.Fatal(r.err)
		}
	})
	t.Run("wait bounded by ctx", func(t *testing.T) {
		p := newTestPool(t, PoolOptions{MaxInstancesPerFunction: 1})
		g := newGate(t, "ctxwait")
		held := g.invoke(p, 1)
		g.waitStarted(1)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := p.Invoke(ctx, g.fn, []byte(`{"gate":"/nonexistent"}`), InvokeOptions{}); !errors.Is(err, ErrConcurrencyLimit) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		g.open()
		if r := <-held; r.err != nil {
			t.Fatal(r.err)
		}
	})
	t.Run("global cap evicts idle", func(t *testing.T) {
		p := newTestPool(t, PoolOptions{MaxInstancesPerFunction: 2, MaxInstances: 2})
		var pids []int
		for i := 0; i < 3; i++ {
			r, err := p.Invoke(context.Background(), jsFunc(t, "g"+strconv.Itoa(i), sleeperSrc), []byte(`{"ms":1}`), InvokeOptions{})
			if err != nil || !r.OK() {
				t.Fatal(err, r)
			}
			pids = append(pids, r.PID)
		}
		if s := p.Stats(); s.Instances != 2 {
			t.Errorf("stats %+v", s)
		}
		waitDead(t, pids[0]) // least recently used
	})
}

func TestCancelKillsInstance(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "cancel", `exports.main = async () => { const fs = require("fs"); fs.writeFileSync("pid", String(process.pid)); await new Promise(() => setTimeout(() => {}, 60000)); };`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := p.Invoke(ctx, fn, nil, InvokeOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || r != nil {
		t.Fatalf("r=%+v err=%v", r, err)
	}
	// The function would wait 60 s: returning well before that shows the
	// cancellation ended it (a loose bound, so a busy machine cannot fail it).
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("cancel took %v", el)
	}
	if s := p.Stats(); s.Instances != 0 {
		t.Errorf("stats after cancel %+v", s)
	}
	if _, err := p.Invoke(ctx, fn, nil, InvokeOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("done ctx: %v", err)
	}
}

func TestCloseKillsEverything(t *testing.T) {
	needNode(t)
	p := NewPool(PoolOptions{})
	// Each invocation starts a child; one invocation stays busy.
	fn := jsFunc(t, "spawner", `
const { spawn } = require("child_process");
exports.main = async (e) => {
  const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  if (e.hang) await new Promise(() => setTimeout(() => {}, 60000));
  return {pid: process.pid, child: c.pid};
};`)
	var pids, children []int
	for i := 0; i < 2; i++ {
		var o struct{ Pid, Child int }
		r, err := p.Invoke(context.Background(), fn, []byte(`{}`), InvokeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		retJSON(t, r, &o)
		pids = append(pids, o.Pid)
		children = append(children, o.Child)
	}
	if containment() == "cgroup" {
		// What a finished invocation started ended with it.
		for _, pid := range children {
			waitDead(t, pid)
		}
	} else {
		pids = append(pids, children...)
	}
	other := jsFunc(t, "other", sleeperSrc)
	done := make(chan error, 2)
	go func() {
		_, err := p.Invoke(context.Background(), fn, []byte(`{"hang":true}`), InvokeOptions{})
		done <- err
	}()
	go func() {
		_, err := p.Invoke(context.Background(), other, []byte(`{"ms":60000}`), InvokeOptions{})
		done <- err
	}()
	emulatortest.Eventually(t, func() bool {
		if s := p.Stats(); s.Instances-s.Idle < 2 {
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		for in := range p.all {
			if !alive(in.pid) {
				return false
			}
		}
		return true
	}, "two busy instances running")
	p.mu.Lock()
	for in := range p.all {
		pids = append(pids, in.pid)
	}
	p.mu.Unlock()
	if len(pids) < 3 {
		t.Fatalf("pids %v", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("pid %d not running before Close", pid)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := <-done; !errors.Is(err, ErrPoolClosed) {
			t.Errorf("busy invocation: %v", err)
		}
	}
	for _, pid := range pids {
		waitDead(t, pid)
	}
	if _, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{}); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestIdleTimeout(t *testing.T) {
	p := newTestPool(t, PoolOptions{IdleTimeout: 200 * time.Millisecond})
	fn := jsFunc(t, "idle", `exports.main = async () => process.pid;`)
	r, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
	if err != nil || !r.OK() {
		t.Fatal(err, r)
	}
	waitDead(t, r.PID)
	emulatortest.Eventually(t, func() bool { return p.Stats().Instances == 0 }, "no instances")
}

func TestCrashWhileIdle(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "idlecrash", `
exports.main = async (e) => {
  if (e.arm) setTimeout(() => { throw new Error("after return"); }, 30);
  return process.pid;
};`)
	r, err := p.Invoke(context.Background(), fn, []byte(`{"arm":true}`), InvokeOptions{})
	if err != nil || !r.OK() {
		t.Fatal(err, r)
	}
	waitDead(t, r.PID)
	r2, err := p.Invoke(context.Background(), fn, []byte(`{}`), InvokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r2.OK() || !r2.ColdStart || r2.PID == r.PID {
		t.Errorf("after an idle crash: status %d cold %v pid %d (old %d)", r2.StatusCode, r2.ColdStart, r2.PID, r.PID)
	}
	// The dead instance's output does not leak into the new one's log.
	if strings.Contains(r2.Log, "after return") {
		t.Errorf("Log %q", r2.Log)
	}
}
