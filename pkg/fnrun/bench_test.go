package fnrun

import (
	"context"
	"strconv"
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
