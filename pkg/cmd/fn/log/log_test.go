package log

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/fndeploy"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/project"
	"github.com/tcb-go/tcb/pkg/prompt"
)

// SCF's error JSON as a failed record's RetMsg carries it.
const failureJSON = `{"errorCode":-1,"errorMessage":"kaboom\nline two","requestId":"r-2","stackTrace":"Error: kaboom\nline two\n    at exports.main (/var/user/index.js:3:27)\n    at new Promise (<anonymous>)","statusCode":430}`

func testFactory(tty bool) (*cmdutil.Factory, *bytes.Buffer) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetColorEnabled(tty)
	f := cmdutil.New("test", ios)
	f.Getenv = func(k string) string {
		if k == "TZ" {
			return "UTC"
		}
		return ""
	}
	return f, out
}

// --error showed SCF's error JSON as one line with literal \n; it reads as
// lines now, on a terminal and piped alike.
func TestFailedRecordShowsTheErrorAsLines(t *testing.T) {
	rec := cloudapi.FunctionLog{RequestId: "r-2", StartTime: "2026-12-05 11:02:03", RetCode: 430,
		Duration: 2.5, BillDuration: 3, Log: "starting\n", RetMsg: failureJSON}
	for _, tty := range []bool{true, false} {
		f, out := testFactory(tty)
		if err := printRecord(f, rec); err != nil {
			t.Fatal(err)
		}
		got := iostreams.StripANSI(out.String())
		when := "2026-12-05T03:02:03Z"
		if tty {
			when = "2026-12-05 03:02:03 UTC"
		}
		want := when + " r-2 failed (RetCode 430) · 2.50 ms · billed 3 ms · 0.0 MiB\n" +
			"    starting\n" +
			"    error: kaboom line two (user code exception, status 430)\n" +
			"    Error: kaboom\n" +
			"    line two\n" +
			"        at exports.main (/var/user/index.js:3:27)\n" +
			"        at new Promise (<anonymous>)\n"
		if got != want {
			t.Errorf("tty=%v:\n%s\nwant:\n%s", tty, got, want)
		}
		if strings.Contains(got, `\n`) || strings.Contains(got, `"errorMessage"`) {
			t.Errorf("tty=%v: raw JSON left in %q", tty, got)
		}
	}

	// The stack is not repeated when the log already shows it.
	rec.Log = "starting\nuncaughtException: Error: kaboom\n    at exports.main (/var/user/index.js:3:27)\n    at runtime (bootstrap.js:1:1)\n"
	f, out := testFactory(false)
	if err := printRecord(f, rec); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "at exports.main"); n != 1 {
		t.Errorf("stack shown %d times:\n%s", n, out.String())
	}

	// Anything that is not SCF's JSON is shown as it is.
	rec.RetMsg, rec.Log = "plain failure", ""
	f, out = testFactory(false)
	if err := printRecord(f, rec); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\n    plain failure\n") {
		t.Errorf("plain RetMsg: %q", out.String())
	}
}

// --json prints the API's records unchanged.
func TestJSONRecordIsUnchanged(t *testing.T) {
	f, out := testFactory(false)
	f.Globals.JSON = true
	rec := cloudapi.FunctionLog{RequestId: "r-2", StartTime: "2026-12-05 11:02:03", RetCode: 430, RetMsg: failureJSON}
	if err := printJSONRecord(f, rec); err != nil {
		t.Fatal(err)
	}
	var back cloudapi.FunctionLog
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back != rec || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("%q: %v", out.String(), err)
	}
}

func TestFollowRejectsWindowFlags(t *testing.T) {
	f, _ := testFactory(false)
	for _, args := range [][]string{
		{"hello", "-f", "--end-time", "2026-12-05 11:00:00"},
		{"hello", "--follow", "--request-id", "x"},
		{"hello", "-f", "--offset", "5"},
	} {
		cmd := NewCmdLog(f, func(context.Context, *Options) error { return nil })
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		var ce *cmdutil.Error
		if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput || !strings.Contains(err.Error(), "--follow") {
			t.Errorf("%q: %v", args, err)
		}
	}
	var got *Options
	cmd := NewCmdLog(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"hello", "-f", "--error", "-l", "5"})
	if err := cmd.Execute(); err != nil || !got.Follow || !got.Errors || got.Limit != 5 {
		t.Fatalf("%+v %v", got, err)
	}
}

// lines collects what is written, one complete line at a time; it is
// written by the command's goroutine and read by the test's.
type lines struct {
	mu   sync.Mutex
	part []byte
	all  []string
	more chan struct{}
}

func newLines() *lines { return &lines{more: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.part[:i]))
		l.part = l.part[i+1:]
	}
	l.mu.Unlock()
	select {
	case l.more <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// waitFor waits until every one of subs appears in some line, or fails
// the test after a generous deadline (a busy machine is slow, never
// wrong).
func (l *lines) waitFor(t *testing.T, done <-chan error, subs ...string) {
	t.Helper()
	deadline := time.NewTimer(90 * time.Second)
	defer deadline.Stop()
	for {
		all := strings.Join(l.snapshot(), "\n")
		missing := ""
		for _, s := range subs {
			if !strings.Contains(all, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-l.more:
		case err := <-done:
			t.Fatalf("follow ended (%v) before %q appeared; output:\n%s", err, missing, all)
		case <-deadline.C:
			t.Fatalf("%q never appeared; output:\n%s", missing, all)
		}
	}
}

// emulatorFunction starts an in-process emulator, deploys a function that
// fails when asked to, and returns a client, the environment and the
// emulator's host.
func emulatorFunction(t *testing.T, name string) (*cloudapi.Client, string, string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	e := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{Latency: 20 * time.Millisecond}}, functions.New(functions.Options{}))
	c, envID, ctx := e.Client, e.NewEnv("logs"), e.Ctx
	dir := t.TempDir()
	code := "exports.main = async (event) => {\n" +
		"  console.log('event ' + event.n);\n" +
		"  if (event.fail) throw new Error('kaboom ' + event.n + '\\nline two');\n" +
		"  return event.n;\n" +
		"};\n"
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &fndeploy.Deployer{API: c, Namespace: envID, PollInterval: 20 * time.Millisecond, WaitTimeout: time.Minute}
	noDeps := false
	spec, err := fndeploy.NewSpec(project.Function{Name: name, Dir: dir, Timeout: 3, InstallDependency: &noDeps}, fndeploy.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Deploy(ctx, spec); r.Err != nil {
		t.Fatalf("deploy: %+v", r)
	}
	return c, envID, e.Addr()
}

// invoke runs the function with event {"n": n, "fail": fail} and returns
// the request id.
func invokeFn(t *testing.T, c *cloudapi.Client, envID, name string, n int, fail bool) string {
	t.Helper()
	ev, _ := json.Marshal(map[string]any{"n": n, "fail": fail})
	resp, err := c.Invoke(context.Background(), &cloudapi.InvokeRequest{FunctionName: name, Namespace: envID,
		ClientContext: string(ev), LogType: "Tail"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Result.InvokeResult != 0; got != fail {
		t.Fatalf("invocation %d: failed=%v, want %v (%s)", n, got, fail, resp.Result.ErrMsg)
	}
	return resp.Result.FunctionRequestId
}

// startFollow runs `fn log NAME --follow` with output into out until the
// returned cancel is called; done receives Run's result.
func startFollow(t *testing.T, host, envID, name string, out *lines, configure func(*Options)) (cancel func(), done chan error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ios.Out = out
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TCB_EMULATOR_HOST": host, "TCB_ENV_ID": envID, "TZ": "UTC"}
	f.Getenv = func(k string) string { return vars[k] }
	f.Prompter = prompt.NoTTY{}
	opts := &Options{F: f, Name: name, Limit: 20, Order: "desc", OrderBy: "start_time", Follow: true,
		PollInterval: 20 * time.Millisecond, MaxPollInterval: 200 * time.Millisecond}
	if configure != nil {
		configure(opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	t.Cleanup(cancel)
	return cancel, done
}

// stop cancels following (Ctrl-C) and checks it ends with exit 130 and no
// message.
func stop(t *testing.T, cancel func(), done chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		var se cmdutil.SilentExit
		if !errors.As(err, &se) || se.Code != cmdutil.ExitInterrupted {
			t.Fatalf("follow ended with %v, want a silent exit 130", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("follow did not stop on cancel")
	}
}

func TestFollowPrintsNewInvocations(t *testing.T) {
	c, envID, host := emulatorFunction(t, "hello")
	older := invokeFn(t, c, envID, "hello", 0, false)
	before := invokeFn(t, c, envID, "hello", 1, false)

	out := newLines()
	cancel, done := startFollow(t, host, envID, "hello", out, func(o *Options) { o.Limit = 1 })
	// The latest record from before is shown first: following has begun.
	out.waitFor(t, done, before)

	second := invokeFn(t, c, envID, "hello", 2, false)
	third := invokeFn(t, c, envID, "hello", 3, true)
	out.waitFor(t, done, second, third, "event 3", "error: kaboom 3 line two (user code exception, status 430)")
	stop(t, cancel, done)

	all := strings.Join(out.snapshot(), "\n")
	if strings.Contains(all, older) {
		t.Errorf("a record older than the --limit latest showed up while following:\n%s", all)
	}
	for _, id := range []string{before, second, third} {
		if n := strings.Count(all, id); n != 1 {
			t.Errorf("%s shown %d times:\n%s", id, n, all)
		}
	}
	if strings.Index(all, before) > strings.Index(all, second) || strings.Index(all, second) > strings.Index(all, third) {
		t.Errorf("records out of order:\n%s", all)
	}
	if strings.Contains(all, `\n`) {
		t.Errorf("literal \\n in:\n%s", all)
	}
}

func TestFollowJSONErrorsOnly(t *testing.T) {
	c, envID, host := emulatorFunction(t, "hello")
	out := newLines()
	cancel, done := startFollow(t, host, envID, "hello", out, func(o *Options) {
		o.Errors = true
		o.F.Globals.JSON = true
	})
	first := invokeFn(t, c, envID, "hello", 1, true)
	ok := invokeFn(t, c, envID, "hello", 2, false)
	second := invokeFn(t, c, envID, "hello", 3, true)
	out.waitFor(t, done, first, second)
	stop(t, cancel, done)

	var ids []string
	for _, l := range out.snapshot() {
		var rec cloudapi.FunctionLog
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", l, err)
		}
		if rec.RetCode == 0 || !strings.Contains(rec.RetMsg, `"errorMessage":"kaboom`) {
			t.Errorf("unexpected record %+v", rec)
		}
		ids = append(ids, rec.RequestId)
	}
	if strings.Join(ids, ",") != first+","+second {
		t.Fatalf("records %v, want %s then %s (and not %s)", ids, first, second, ok)
	}
}

func TestFollowUnknownFunctionFails(t *testing.T) {
	_, envID, host := emulatorFunction(t, "hello")
	out := newLines()
	_, done := startFollow(t, host, envID, "nope", out, nil)
	select {
	case err := <-done:
		if cmdutil.ExitCode(err) != cmdutil.ExitNotFound {
			t.Fatalf("got %v, want exit 4", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("follow of a missing function did not fail")
	}
}
