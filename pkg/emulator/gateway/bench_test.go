package gateway_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
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
// is a constant net/http handler on the same loopback, the ceiling.
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
	url := e.Endpoint() + "/_service/" + env + "/hello"
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
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			get(c)
		}
	})
}
