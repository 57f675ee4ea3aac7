package gateway_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/gateway"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// BenchmarkServiceRequest is a warm request through the HTTP access
// service to a trivial event function (scripts/bench-service.sh measures
// the same over the network with latency percentiles); BenchmarkConstant
// is a constant net/http handler on the same loopback, the ceiling. Both
// report CPU per request beside wall time (the machine may be shared):
// go-cpu-µs/op is this process (the HTTP client included), node-cpu-µs/op
// the function's node processes.
func BenchmarkServiceRequest(b *testing.B) {
	fns := functions.New(functions.Options{})
	e := emulatortest.Start(b, emulatortest.Options{}, fns, gateway.New(gateway.Options{Functions: fns}))
	env := e.NewEnv("bench")
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte("exports.main = async (e) => ({ok: true, path: e.path})\n"), 0o644)
	pkg, err := funcpack.PackBytes(context.Background(), dir, funcpack.Options{})
	if err != nil {
		b.Fatal(err)
	}
	timeout, mem := int64(10), int64(256)
	if err := e.Client.CreateFunction(e.Ctx, &cloudapi.CreateFunctionRequest{FunctionName: "hello", Namespace: env, Runtime: "Nodejs18.15",
		Handler: "index.main", Code: &cloudapi.Code{ZipFile: base64.StdEncoding.EncodeToString(pkg.Zip)}, Timeout: &timeout, MemorySize: &mem}); err != nil {
		b.Fatal(err)
	}
	e.Clock.Advance(e.Latency)
	emulatortest.Eventually(b, func() bool {
		f, err := e.Client.GetFunction(e.Ctx, env, "hello")
		return err == nil && f.Status == cloudapi.StatusActive
	}, "function Active")
	if _, err := e.Client.CreateGWAPI(e.Ctx, env, "/hello", "hello"); err != nil {
		b.Fatal(err)
	}
	benchGet(b, e.Endpoint()+"/_service/"+env+"/hello")
}

// BenchmarkConstant is the ceiling BenchmarkServiceRequest is compared
// with: a constant JSON answer from a plain net/http server.
func BenchmarkConstant(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`{"ok":true,"path":"/hello"}`))
	}))
	b.Cleanup(srv.Close)
	benchGet(b, srv.URL+"/hello")
}

func benchGet(b *testing.B, url string) {
	get := func(c *http.Client) {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("HTTP %d", resp.StatusCode)
		}
	}
	get(http.DefaultClient)
	b.ReportAllocs()
	goCPU, nodeCPU := selfCPU(), childrenCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			get(c)
		}
	})
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
