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
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
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

// harness is an emulator with the functions module (and the WeChat module,
// whose tokens it checks) and a client.
type harness struct {
	*emulatortest.Emulator
	m  *Module
	wx *wxapi.Module
}

// start runs an emulator on dataDir ("" for an ephemeral one).
func start(t testing.TB, dataDir string, opts Options) *harness {
	t.Helper()
	return startClock(t, dataDir, opts, nil)
}

// restart runs a new emulator on h's data dir and clock (h stopped).
func (h *harness) restart(opts Options) *harness {
	h.T.Helper()
	return startClock(h.T, h.DataDir(), opts, h.Clock)
}

func startClock(t testing.TB, dataDir string, opts Options, clock *emulatortest.Clock) *harness {
	t.Helper()
	requireNode(t)
	wx := wxapi.New(wxapi.Options{})
	if opts.Tokens == nil {
		opts.Tokens = wx
	}
	m := New(opts)
	e := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{Latency: testLatency, DataDir: dataDir}, Clock: clock}, wx, m)
	return &harness{Emulator: e, m: m, wx: wx}
}

// newEnv creates a CloudBase environment that is NORMAL.
func (h *harness) newEnv() string {
	h.T.Helper()
	return h.NewEnv("fn")
}

// call invokes an scf action and fails the test on error.
func (h *harness) call(action string, req, resp any) {
	h.T.Helper()
	if err := h.Client.Call(h.Ctx, "scf", action, req, resp, cloudapi.CallOptions{Timeout: 30 * time.Second}); err != nil {
		h.T.Fatalf("%s: %v", action, err)
	}
}

// callErr invokes an scf action and returns the API error code ("" on
// success).
func (h *harness) callErr(action string, req, resp any) string {
	h.T.Helper()
	err := h.Client.Call(h.Ctx, "scf", action, req, resp, cloudapi.CallOptions{Timeout: 30 * time.Second})
	if err == nil {
		return ""
	}
	var ae *cloudapi.APIError
	if !errors.As(err, &ae) {
		h.T.Fatalf("%s: not an API error: %v", action, err)
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
	h.T.Helper()
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
	h.T.Helper()
	var out cloudapi.GetFunctionResponse
	h.call("GetFunction", &cloudapi.GetFunctionRequest{Namespace: ns, FunctionName: name}, &out)
	return out
}

// waitStatus polls GetFunction until Status is want (a Creating/Updating
// status that ends elsewhere fails the test). The clock is moved past the
// emulator's latency first, so only real work (unpacking, npm) is waited
// for.
func (h *harness) waitStatus(ns, name, want string) cloudapi.GetFunctionResponse {
	h.T.Helper()
	var out cloudapi.GetFunctionResponse
	if out = h.get(ns, name); out.Status == want {
		return out
	}
	h.Clock.Advance(h.Latency)
	emulatortest.EventuallyWithin(h.T, 60*time.Second, func() bool {
		out = h.get(ns, name)
		if out.Status != want && out.Status != "Creating" && out.Status != "Updating" {
			h.T.Fatalf("%s: status %s (want %s): %s %+v", name, out.Status, want, out.StatusDesc, out.StatusReasons)
		}
		return out.Status == want
	}, "%s to become %s", name, want)
	return out
}

func (h *harness) invoke(ns, name, event string) cloudapi.Result {
	h.T.Helper()
	var out cloudapi.InvokeResponse
	h.call("Invoke", &cloudapi.InvokeRequest{Namespace: ns, FunctionName: name, ClientContext: event, LogType: "Tail"}, &out)
	return out.Result
}

func (h *harness) logs(req *cloudapi.GetFunctionLogsRequest) cloudapi.GetFunctionLogsResponse {
	h.T.Helper()
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
