package fnrun

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkInvokeWarm measures a trivial invocation on a warm instance: the
// runtime's whole overhead (protocol, JSON, pipes, log marker). The
// "handler-ms" metric is the time spent in the handler as seen by the child.
func BenchmarkInvokeWarm(b *testing.B) {
	p := newTestPool(b, PoolOptions{})
	fn := jsFunc(b, "warm", `exports.main = async (event, context) => ({ok: true, n: event.n});`)
	ctx := context.Background()
	event := []byte(`{"n":1,"payload":"some small event"}`)
	if r, err := p.Invoke(ctx, fn, event, InvokeOptions{}); err != nil || !r.OK() {
		b.Fatal(err, r)
	}
	var handler float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := p.Invoke(ctx, fn, event, InvokeOptions{})
		if err != nil || !r.OK() {
			b.Fatal(err, r)
		}
		handler += r.Duration
	}
	b.ReportMetric(handler/float64(b.N), "handler-ms")
}

// BenchmarkInvokeWarmService is a warm invocation shaped like one from
// the HTTP access service: a function with a few variables of its own,
// per-invocation variables and credentials, an integration request event.
// It reports CPU per invocation beside wall time: go-cpu-µs/op is this
// process, node-cpu-µs/op the node instance.
func BenchmarkInvokeWarmService(b *testing.B) {
	p := newTestPool(b, PoolOptions{})
	fn := jsFunc(b, "svc", `exports.main = async (e) => ({ok: true, path: e.path});`)
	fn.Env = map[string]string{"TCB_EMULATOR_HOST": "127.0.0.1:9800", "TCB_EMULATOR": "true",
		"TCB_CONTEXT_CNFG": `{"URL":"http://127.0.0.1:9800/admin"}`, "TENCENTCLOUD_REGION": "ap-shanghai",
		"TCB_CONTEXT_KEYS": "TCB_ENV,TCB_SEQID,TCB_SOURCE"}
	event := []byte(`{"path":"/hello","httpMethod":"GET","headers":{"accept-encoding":"gzip","host":"127.0.0.1:9800","user-agent":"Go-http-client/1.1"},` +
		`"queryStringParameters":{},"body":"","isBase64Encoded":false,"requestContext":{"requestId":"0b5e0a4e-3f7e-4a49-9f6e-8f2f7d1c2b3a",` +
		`"envId":"bench-1a2b3c","appId":1250000000,"uin":100000000001,"sourceIp":"127.0.0.1"}}`)
	opts := func() InvokeOptions {
		id := NewRequestID()
		return InvokeOptions{RequestID: id,
			Credentials: &Credentials{SecretID: "AKIDemulator0123456789abcdef", SecretKey: "0123456789abcdef0123456789abcdef",
				SessionToken: strings.Repeat("t", 400)},
			Env: map[string]string{"WX_OPENID": "", "WX_APPID": "", "WX_UNIONID": "", "WX_CLIENTIP": "127.0.0.1",
				"WX_API_TOKEN": "emulator-AKIDemulator0123456789abcdef", "TCB_SOURCE": "", "TCB_SEQID": id,
				"WX_CONTEXT_KEYS": "WX_CLIENTIP,WX_API_TOKEN"}}
	}
	ctx := context.Background()
	if r, err := p.Invoke(ctx, fn, event, opts()); err != nil || !r.OK() {
		b.Fatal(err, r)
	}
	b.ReportAllocs()
	goCPU, nodeCPU := selfCPU(), childrenCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := p.Invoke(ctx, fn, event, opts())
		if err != nil || !r.OK() {
			b.Fatal(err, r)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(selfCPU()-goCPU)/1e3/float64(b.N), "go-cpu-µs/op")
	b.ReportMetric(float64(childrenCPU()-nodeCPU)/1e3/float64(b.N), "node-cpu-µs/op")
}

// selfCPU is this process's user+system CPU time in nanoseconds.
func selfCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// childrenCPU is the CPU time in nanoseconds of this process's live
// children and their descendants (Linux /proc; 0 elsewhere).
func childrenCPU() int64 {
	var total int64
	var walk func(pid string)
	walk = func(pid string) {
		tasks, _ := filepath.Glob("/proc/" + pid + "/task/*/children")
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, c := range strings.Fields(string(b)) {
				total += procCPU(c)
				walk(c)
			}
		}
	}
	walk(strconv.Itoa(os.Getpid()))
	return total
}

// procCPU is utime+stime of a process in nanoseconds (clock ticks of 10 ms).
func procCPU(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return (ut + st) * 10e6
}

// BenchmarkInvokeWarmLogging is a warm invocation that logs a line.
func BenchmarkInvokeWarmLogging(b *testing.B) {
	p := newTestPool(b, PoolOptions{})
	fn := jsFunc(b, "warmlog", `exports.main = async (event) => { console.log("hello", event.n); return 1; };`)
	ctx := context.Background()
	if _, err := p.Invoke(ctx, fn, nil, InvokeOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := p.Invoke(ctx, fn, []byte(`{"n":2}`), InvokeOptions{})
		if err != nil || r.Log != "hello 2\n" {
			b.Fatal(err, r)
		}
	}
}

// BenchmarkInvokeCold measures an invocation that starts a new node
// instance (a new Revision each time; the previous instance is killed).
func BenchmarkInvokeCold(b *testing.B) {
	p := newTestPool(b, PoolOptions{})
	fn := jsFunc(b, "cold", `exports.main = async () => 1;`)
	ctx := context.Background()
	var wall time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fn.Revision = strconv.Itoa(i)
		r, err := p.Invoke(ctx, fn, nil, InvokeOptions{})
		if err != nil || !r.OK() || !r.ColdStart {
			b.Fatal(err, r)
		}
		wall += r.WallTime
	}
	b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "wall-ms")
}

// BenchmarkRunOnce measures `tcb fn run`: start, invoke, stop.
func BenchmarkRunOnce(b *testing.B) {
	needNode(b)
	fn := jsFunc(b, "once", `exports.main = async () => 1;`)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		r, err := RunOnce(ctx, fn, nil, RunOptions{})
		if err != nil || !r.OK() {
			b.Fatal(err, r)
		}
	}
}
