package functions

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

const testLatency = 100 * time.Millisecond

func requireNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
}

func requireNpm(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed")
	}
}

// harness is an emulator with the functions module and a client.
type harness struct {
	t   testing.TB
	e   *emulator.Emulator
	m   *Module
	c   *cloudapi.Client
	ctx context.Context
}

// start runs an emulator on dataDir ("" for an ephemeral one).
func start(t testing.TB, dataDir string, opts Options) *harness {
	t.Helper()
	requireNode(t)
	m := New(opts)
	eo := emulator.Options{Listen: "127.0.0.1:0", Latency: testLatency, DataDir: dataDir, Ephemeral: dataDir == ""}
	e, err := emulator.New(eo, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: e, m: m, ctx: context.Background()}
	t.Cleanup(func() { e.Close(context.Background()) }) // a second Close is harmless
	h.c, err = cloudapi.New(cloudapi.Options{
		Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region:     "ap-shanghai", Endpoint: e.Endpoint(), MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// stop closes the emulator (for restart tests).
func (h *harness) stop() {
	h.t.Helper()
	if err := h.e.Close(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

var envSeq atomic.Int64

// newEnv creates a CloudBase environment and waits until it is NORMAL.
func (h *harness) newEnv() string {
	h.t.Helper()
	alias := "fn" + time.Now().Format("150405") + string(rune('a'+envSeq.Add(1)%26))
	out, err := h.c.CreateEnv(h.ctx, &cloudapi.CreateEnvRequest{Alias: alias})
	if err != nil {
		h.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var resp cloudapi.DescribeEnvsResponse
		if err := h.c.Call(h.ctx, "tcb", "DescribeEnvs", map[string]any{"EnvId": out.EnvId}, &resp); err != nil {
			h.t.Fatal(err)
		}
		if len(resp.EnvList) == 1 && resp.EnvList[0].Status == "NORMAL" {
			return out.EnvId
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("env %s never became NORMAL", out.EnvId)
	return ""
}

// call invokes an scf action and fails the test on error.
func (h *harness) call(action string, req, resp any) {
	h.t.Helper()
	if err := h.c.Call(h.ctx, "scf", action, req, resp, cloudapi.CallOptions{Timeout: 30 * time.Second}); err != nil {
		h.t.Fatalf("%s: %v", action, err)
	}
}

// callErr invokes an scf action and returns the API error code ("" on
// success).
func (h *harness) callErr(action string, req, resp any) string {
	h.t.Helper()
	err := h.c.Call(h.ctx, "scf", action, req, resp, cloudapi.CallOptions{Timeout: 30 * time.Second})
	if err == nil {
		return ""
	}
	var ae *cloudapi.APIError
	if !errors.As(err, &ae) {
		h.t.Fatalf("%s: not an API error: %v", action, err)
	}
	return ae.Code
}

// zipOf packages files (name -> content) with funcpack.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkg, err := funcpack.PackBytes(context.Background(), dir, funcpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return pkg.Zip
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func i64(v int64) *int64 { return &v }

// nodeFn is the code of a simple function.
func nodeFn(t testing.TB, body string) []byte {
	return zipOf(t, map[string]string{"index.js": body})
}

// create creates a Node.js function and waits until it is Active.
func (h *harness) create(ns, name string, zip []byte, mod func(*cloudapi.CreateFunctionRequest)) {
	h.t.Helper()
	req := &cloudapi.CreateFunctionRequest{
		FunctionName: name, Namespace: ns, Runtime: "Nodejs18.15", Handler: "index.main",
		Code: &cloudapi.Code{ZipFile: b64(zip)}, Timeout: i64(5), MemorySize: i64(256),
	}
	if mod != nil {
		mod(req)
	}
	h.call("CreateFunction", req, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, name, "Active")
}

func (h *harness) get(ns, name string) cloudapi.GetFunctionResponse {
	h.t.Helper()
	var out cloudapi.GetFunctionResponse
	h.call("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: name}, &out)
	return out
}

// waitStatus polls GetFunction until Status is want (a Creating/Updating
// status that ends elsewhere fails the test).
func (h *harness) waitStatus(ns, name, want string) cloudapi.GetFunctionResponse {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := h.get(ns, name)
		if out.Status == want {
			return out
		}
		if out.Status != "Creating" && out.Status != "Updating" || time.Now().After(deadline) {
			h.t.Fatalf("%s: status %s (want %s): %s %+v", name, out.Status, want, out.StatusDesc, out.StatusReasons)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (h *harness) invoke(ns, name, event string) cloudapi.Result {
	h.t.Helper()
	var out cloudapi.InvokeResponse
	h.call("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: name, ClientContext: event, LogType: "Tail"}, &out)
	return out.Result
}

func (h *harness) logs(req *cloudapi.GetFunctionLogsRequest) cloudapi.GetFunctionLogsResponse {
	h.t.Helper()
	var out cloudapi.GetFunctionLogsResponse
	h.call("GetFunctionLogs", req, &out)
	return out
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON %q: %v", s, err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// rawZip builds a zip by hand, for names funcpack would never write.
func rawZip(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
