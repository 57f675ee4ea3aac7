package fnrun

import (
	"bytes"
	"context"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogs(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	tests := []struct {
		name    string
		src     string
		event   string
		wantLog string // exact Log, or a prefix when truncated
		check   func(t *testing.T, r *Result)
	}{
		{"stdout and stderr in order", `exports.main = async () => { console.log("one"); console.error("two"); process.stdout.write("three"); console.warn("four"); return 1; };`,
			`{}`, "one\ntwo\nthreefour\n", nil},
		{"no trailing newline", `exports.main = async () => { process.stdout.write("partial"); };`,
			`{}`, "partial", nil},
		{"async logs before settling", `exports.main = (e, c, cb) => { setTimeout(() => { console.log("tick"); cb(null, 1); }, 20); };`,
			`{}`, "tick\n", nil},
		// Output still queued in a stream when the handler returns (a corked
		// one here) is in the log: the marker waits for it.
		{"stdout queued at return", `exports.main = async () => { process.stdout.cork(); process.stdout.write("held"); setTimeout(() => process.stdout.uncork(), 50); return 1; };`,
			`{}`, "held", nil},
		{"stderr queued at return", `exports.main = async () => { process.stderr.cork(); process.stderr.write("held"); setTimeout(() => process.stderr.uncork(), 50); return 1; };`,
			`{}`, "held", nil},
		{"logs of a failed invocation", `exports.main = async () => { console.log("before"); throw new Error("x"); };`,
			`{}`, "before\n", nil},
		{"ten megabytes", `exports.main = async () => { const line = "y".repeat(1023); for (let i = 0; i < 10240; i++) console.log(line); return "done"; };`,
			`{}`, strings.Repeat(strings.Repeat("y", 1023)+"\n", 1024), func(t *testing.T, r *Result) {
				if r.RetMsg != `"done"` {
					t.Errorf("RetMsg %s", r.RetMsg)
				}
				if !strings.HasSuffix(r.Log, "\n... [truncated 9437184 bytes]\n") {
					t.Errorf("Log ends with %q", r.Log[len(r.Log)-60:])
				}
				if len(r.Log) > DefaultMaxLogBytes+100 {
					t.Errorf("Log is %d bytes", len(r.Log))
				}
				if len(r.LogTail) != LogTailBytes || !strings.HasSuffix(r.LogTail, "y\n") {
					t.Errorf("LogTail %d bytes", len(r.LogTail))
				}
			}},
		{"utf8 cut", `exports.main = async () => { process.stdout.write("中".repeat(400000)); };`,
			`{}`, "", func(t *testing.T, r *Result) {
				head := strings.TrimSuffix(r.Log, r.Log[strings.LastIndex(r.Log, "\n... [truncated"):])
				if !strings.HasPrefix(r.Log, "中中中") || strings.Trim(head, "中\n") != "" {
					t.Errorf("Log is not whole runes: %q", r.Log[len(r.Log)-80:])
				}
				if !strings.HasPrefix(r.LogTail, "中") {
					t.Errorf("LogTail starts with %q", r.LogTail[:6])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := jsFunc(t, "log-"+strings.ReplaceAll(tt.name, " ", "-"), tt.src)
			fn.Timeout = 10 * time.Second
			r, err := p.Invoke(context.Background(), fn, []byte(tt.event), InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantLog != "" && !strings.HasPrefix(r.Log, tt.wantLog) {
				t.Errorf("Log = %q, want %q", r.Log[:min(len(r.Log), 200)], tt.wantLog[:min(len(tt.wantLog), 200)])
			}
			if tt.check != nil {
				tt.check(t, r)
			} else if r.Log != tt.wantLog || r.LogTail != tt.wantLog {
				t.Errorf("Log = %q, LogTail = %q, want %q", r.Log, r.LogTail, tt.wantLog)
			}
		})
	}
}

func TestLogsPerInvocation(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "perinv", `console.log("loading"); exports.main = async (e) => { console.log("event", e.i); return e.i; };`)
	for i := 0; i < 20; i++ {
		var buf bytes.Buffer
		ev := []byte(`{"i":` + strconv.Itoa(i) + `}`)
		r, err := p.Invoke(context.Background(), fn, ev, InvokeOptions{LogWriter: &buf})
		if err != nil {
			t.Fatal(err)
		}
		want := "event " + strconv.Itoa(i) + "\n"
		if i == 0 {
			want = "loading\n" + want
		}
		if r.Log != want || buf.String() != want {
			t.Fatalf("invocation %d: Log %q streamed %q, want %q", i, r.Log, buf.String(), want)
		}
	}
}

// slowWriter records writes and when they happened.
type slowWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first time.Time
}

func (w *slowWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first.IsZero() {
		w.first = time.Now()
	}
	return w.buf.Write(p)
}

func TestRunOnce(t *testing.T) {
	needNode(t)
	t.Setenv("TENCENTCLOUD_SECRETKEY", "parent-secret")
	dir := writeFunc(t, map[string]string{"index.js": `
exports.main = async (event, context) => {
  console.log("started", event.name);
  await new Promise((r) => setTimeout(r, 300));
  console.log("finished");
  return {hello: event.name, key: process.env.TENCENTCLOUD_SECRETKEY || null, pid: process.pid};
};`})
	fn := Function{Name: "local", Namespace: "env-1", CodeDir: dir, Timeout: 3 * time.Second}
	w := &slowWriter{}
	start := time.Now()
	r, err := RunOnce(context.Background(), fn, []byte(`{"name":"tcb"}`), RunOptions{
		InvokeOptions: InvokeOptions{LogWriter: w, Credentials: &Credentials{SecretKey: "mine"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Hello string
		Key   *string
		Pid   int
	}
	retJSON(t, r, &o)
	if o.Hello != "tcb" || o.Key == nil || *o.Key != "mine" || !r.ColdStart {
		t.Errorf("result %+v cold=%v", o, r.ColdStart)
	}
	if r.Log != "started tcb\nfinished\n" || w.buf.String() != r.Log {
		t.Errorf("Log %q streamed %q", r.Log, w.buf.String())
	}
	if got := w.first.Sub(start); got > time.Since(start)-250*time.Millisecond {
		t.Errorf("first log line streamed after %v: not live", got)
	}
	waitDead(t, o.Pid)

	// Failures are results too.
	bad := fn
	bad.Handler = "index.nope"
	r, err = RunOnce(context.Background(), bad, nil, RunOptions{})
	if err != nil || r.StatusCode != StatusHandlerNotFound {
		t.Errorf("missing export: %v %+v", err, r)
	}
	if _, err := RunOnce(context.Background(), Function{Runtime: "Java8"}, nil, RunOptions{}); err == nil {
		t.Error("java ran")
	}
	// A node that does not start is an error with its output.
	_, err = RunOnce(context.Background(), fn, nil, RunOptions{NodeArgs: []string{"--no-such-node-flag"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-node-flag") {
		t.Errorf("bad node flag: %v", err)
	}
}

func TestMarkerScanner(t *testing.T) {
	marker := newMarker()
	parts := []string{"hello ", string(marker), "world\x00tcb", string(marker), "", "\x00", "tail", string(marker)}
	stream := []byte(strings.Join(parts, ""))
	wantOut := "hello world\x00tcb\x00tail"
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 500; round++ {
		sc := markerScanner{marker: marker}
		var out bytes.Buffer
		var marks []int // output length at each marker
		rest := stream
		for len(rest) > 0 {
			n := 1 + rng.Intn(min(len(rest), 40))
			sc.feed(rest[:n], func(p []byte) { out.Write(p) }, func() { marks = append(marks, out.Len()) })
			rest = rest[n:]
		}
		sc.flush(func(p []byte) { out.Write(p) })
		if out.String() != wantOut {
			t.Fatalf("round %d: out %q", round, out.String())
		}
		if len(marks) != 3 || marks[0] != 6 || marks[1] != 15 || marks[2] != len(wantOut) {
			t.Fatalf("round %d: markers at %v", round, marks)
		}
	}
	// A partial marker at the end of the stream is output.
	sc := markerScanner{marker: marker}
	var out bytes.Buffer
	sc.feed(marker[:5], func(p []byte) { out.Write(p) }, func() { t.Error("false marker") })
	sc.flush(func(p []byte) { out.Write(p) })
	if !bytes.Equal(out.Bytes(), marker[:5]) {
		t.Errorf("flushed %q", out.Bytes())
	}
}

func TestLogSink(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		writes   []string
		wantLog  string
		wantTail string
	}{
		{"empty", 10, nil, "", ""},
		{"under cap", 10, []string{"ab", "cd\n"}, "abcd\n", "abcd\n"},
		{"exactly cap", 4, []string{"abcd"}, "abcd", "abcd"},
		{"over cap", 4, []string{"ab", "cdef\n"}, "abcd\n... [truncated 3 bytes]\n", "abcdef\n"},
		{"over cap at newline", 3, []string{"ab\ncd"}, "ab\n... [truncated 2 bytes]\n", "ab\ncd"},
		{"cut rune", 4, []string{"ab中"}, "ab\n... [truncated 3 bytes]\n", "ab中"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newLogSink(tt.max, nil)
			for _, w := range tt.writes {
				s.write([]byte(w))
			}
			if got := s.log(); got != tt.wantLog {
				t.Errorf("log %q, want %q", got, tt.wantLog)
			}
			if got := s.logTail(); got != tt.wantTail {
				t.Errorf("tail %q, want %q", got, tt.wantTail)
			}
		})
	}
	s := newLogSink(10, nil)
	big := strings.Repeat("z", 3*tailKeep)
	for i := 0; i < 5; i++ {
		s.write([]byte(big[:tailKeep/3]))
	}
	s.write([]byte("END"))
	if tail := s.logTail(); len(tail) != LogTailBytes || !strings.HasSuffix(tail, "zEND") {
		t.Errorf("tail %d bytes", len(tail))
	}
	if len(s.tail) > 2*tailKeep {
		t.Errorf("tail buffer grew to %d", len(s.tail))
	}
}

func TestEnvironString(t *testing.T) {
	id, tok := "AKID", "t;k"
	got := environString(newEnviron(map[string]string{"B": "2", "A": "1", envSecretKey: "fn-key"}),
		varsOf(map[string]*string{envSecretID: &id, envSecretKey: nil, envSessionToken: &tok}))
	if want := "A=1;B=2;TENCENTCLOUD_SECRETID=AKID;TENCENTCLOUD_SESSIONTOKEN=t;k"; got != want {
		t.Errorf("environ %q, want %q", got, want)
	}
	// Variables before, between and after the function's, unset ones that
	// the function does not have, and no function variables at all.
	a, z, m := "first", "last", "mid"
	got = environString(newEnviron(map[string]string{"B": "2", "D": "4"}),
		varsOf(map[string]*string{"A": &a, "C": &m, "Z": &z, "Y": nil, "D": nil}))
	if want := "A=first;B=2;C=mid;Z=last"; got != want {
		t.Errorf("environ %q, want %q", got, want)
	}
	if got = environString(newEnviron(nil), varsOf(map[string]*string{"B": &z, "A": &a})); got != "A=first;B=last" {
		t.Errorf("environ %q", got)
	}
	if got = environString(newEnviron(map[string]string{"A": "1"}), nil); got != "A=1" {
		t.Errorf("environ %q", got)
	}
}
