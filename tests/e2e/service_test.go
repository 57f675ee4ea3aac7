package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

// curlResult is what one curl run gave: the status, the headers (lower
// case names) and the body.
type curlResult struct {
	Status int
	Header http.Header
	Body   []byte
	Exit   int
}

// curl runs the real curl (as a user would), resolving the service's
// *.localhost origin to loopback.
func curl(t *testing.T, resolve string, args ...string) curlResult {
	t.Helper()
	dir := t.TempDir()
	hdr, body := filepath.Join(dir, "h"), filepath.Join(dir, "b")
	argv := append([]string{"-sS", "-o", body, "-D", hdr, "-w", "%{http_code}"}, args...)
	if resolve != "" {
		argv = append([]string{"--resolve", resolve}, argv...)
	}
	cmd := exec.Command("curl", argv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := curlResult{Header: http.Header{}}
	if ee, ok := err.(*exec.ExitError); ok {
		res.Exit = ee.ExitCode()
		return res
	} else if err != nil {
		t.Fatalf("curl: %v", err)
	}
	if _, err := fmtSscan(out.String(), &res.Status); err != nil {
		t.Fatalf("curl status %q: %v (%s)", out.String(), err, errb.String())
	}
	raw, _ := os.ReadFile(hdr)
	for _, line := range strings.Split(string(raw), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			res.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	res.Body, _ = os.ReadFile(body)
	return res
}

// The HTTP access service end to end: `tcb service create` and `tcb fn
// deploy --path/--httpFn` against the emulator, then curl and Node's fetch
// as clients: methods, query strings, headers, binary up and down, a 5 MB
// body, a function that throws (502), one that times out (504), an unknown
// path (404), a koa app as a web function, and hostile input.
func TestHTTPAccessService(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed (install it: the test drives the service with a client nobody here wrote)")
	}
	koa := npmPackages(t, map[string]string{"koa": "2.15.3"})
	emu := startEmulatorProcess(t, "--latency", "50ms", "--no-ui")
	c := newCLI(t, emu)
	env := c.createEnv("svc")

	proj := t.TempDir()
	if err := os.CopyFS(filepath.Join(proj, "functions"), os.DirFS(filepath.Join("testdata", "service", "functions"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(proj, "functions", "web", "scf_bootstrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(proj, "functions", "web", "node_modules"), os.DirFS(filepath.Join(koa, "node_modules"))); err != nil {
		t.Fatal(err)
	}
	rc, _ := json.Marshal(map[string]any{"version": "2.0", "envId": env, "functionRoot": "functions",
		"functions": []map[string]any{
			{"name": "echo", "runtime": "Nodejs18.15", "handler": "index.main", "timeout": 2},
			{"name": "web", "runtime": "Nodejs18.15", "type": "HTTP", "path": "/koa", "timeout": 10, "installDependency": false},
		}})
	if err := os.WriteFile(filepath.Join(proj, "cloudbaserc.json"), rc, 0o644); err != nil {
		t.Fatal(err)
	}
	c.dir = proj
	c.run("fn", "deploy", "echo", "--force")
	c.run("fn", "deploy", "web", "--force") // "path": "/koa" binds it
	url := strings.TrimSpace(c.run("service", "create", "-p", "/api", "-f", "echo"))
	_, port, _ := net.SplitHostPort(emu.Host)
	host := env + ".service.localhost"
	origin := "http://" + host + ":" + port
	if url != origin+"/api" {
		t.Fatalf("service create printed %q, want %s/api", url, origin)
	}
	var list []struct{ Path, Function, URL string }
	if err := json.Unmarshal([]byte(c.run("service", "list", "--json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("service list: %v %+v", err, list)
	}
	resolve := host + ":" + port + ":127.0.0.1"

	// Methods, query strings and headers reach the event function.
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		r := curl(t, resolve, "-X", m, "-H", "X-Custom: v1", "-H", "Content-Type: application/json", "--data-binary", `{"a":1}`,
			origin+"/api/users/7?x=1&x=2&y=%E4%BD%A0")
		var got struct {
			Path, Method string
			Query        map[string]string
			Headers      map[string]string
			Length       int
			EnvID        string `json:"envId"`
			IsBase64     bool   `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
			t.Fatalf("%s: HTTP %d %s: %v", m, r.Status, r.Body, err)
		}
		if got.Path != "/api/users/7" || got.Method != m || got.Query["x"] != "1,2" || got.Query["y"] != "你" ||
			got.Headers["x-custom"] != "v1" || got.Length != 7 || got.IsBase64 || got.EnvID != env {
			t.Errorf("%s: the function saw %+v", m, got)
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", m, r.Header)
		}
	}
	// A string is text/plain; an integration response sets status and headers.
	if r := curl(t, resolve, origin+"/api/text"); r.Status != 200 || string(r.Body) != "hello gateway" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("text: %d %q %v", r.Status, r.Body, r.Header)
	}
	if r := curl(t, resolve, origin+"/api/status"); r.Status != 418 || string(r.Body) != "short and stout" || r.Header.Get("X-Teapot") != "yes" || len(r.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("integration response: %d %q %v", r.Status, r.Body, r.Header)
	}

	// Binary upload and download: 1 MB of random bytes, back byte for byte.
	bin := make([]byte, 1<<20)
	rand.Read(bin)
	binFile := filepath.Join(t.TempDir(), "bin")
	os.WriteFile(binFile, bin, 0o644)
	sum := sha256.Sum256(bin)
	if r := curl(t, resolve, "-H", "Content-Type: application/octet-stream", "--data-binary", "@"+binFile, origin+"/api/mirror"); r.Status != 200 || !bytes.Equal(r.Body, bin) || r.Header.Get("X-Sha256") != hex.EncodeToString(sum[:]) {
		t.Errorf("binary round trip: HTTP %d, %d bytes back, sha %s", r.Status, len(r.Body), r.Header.Get("X-Sha256"))
	}
	// A 5 MB body (text: passed as it is).
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
	bigFile := filepath.Join(t.TempDir(), "big")
	os.WriteFile(bigFile, big, 0o644)
	bigSum := sha256.Sum256(big)
	if r := curl(t, resolve, "-H", "Content-Type: text/plain", "--data-binary", "@"+bigFile, origin+"/api/big"); r.Status != 200 ||
		!bytes.Contains(r.Body, []byte(hex.EncodeToString(bigSum[:]))) {
		t.Errorf("5 MB body: HTTP %d %.200s", r.Status, r.Body)
	}
	// A 5 MB binary body is over SCF's 6 MB event once base64: 413.
	big[0] = 0xff
	os.WriteFile(bigFile, big, 0o644)
	if r := curl(t, resolve, "-H", "Content-Type: application/octet-stream", "--data-binary", "@"+bigFile, origin+"/api/big"); r.Status != 413 || !bytes.Contains(r.Body, []byte("EXCEED_MAX_PAYLOAD_SIZE")) {
		t.Errorf("5 MB binary body: HTTP %d %.200s", r.Status, r.Body)
	}

	// Failures: throw -> 502, timeout -> 504, unknown path -> 404, a
	// return value over 6 MB -> 502, header injection -> 502.
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/throw", 502, `"code":"FUNCTIONS_EXECUTE_FAIL","message":"functions execute fail | errMsg: boom from echo"`},
		{"/api/sleep", 504, `"code":"FUNCTIONS_TIME_LIMIT_EXCEEDED","message":"Invoking task timed out after 2 seconds"`},
		{"/nothing/here", 404, `"code":"INVALID_PATH"`},
		{"/apix", 404, `"code":"INVALID_PATH"`},
		{"/api/huge", 502, `"code":"EXCEED_MAX_RESPONSE_SIZE"`},
		{"/api/inject", 502, `"code":"BAD_GATEWAY"`},
	} {
		r := curl(t, resolve, origin+tc.path)
		if r.Status != tc.status || !bytes.Contains(r.Body, []byte(tc.want)) {
			t.Errorf("%s: HTTP %d %s, want %d with %s", tc.path, r.Status, r.Body, tc.status, tc.want)
		}
		if r.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a header was injected: %v", tc.path, r.Header)
		}
	}
	// Path traversal in a request resolves as a browser would: /api/../koa
	// is /koa, never /api with a ".." in it.
	if r := curl(t, resolve, "--path-as-is", origin+"/api/../koa/x"); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"koa":true`)) || !bytes.Contains(r.Body, []byte(`"url":"/koa/x"`)) {
		t.Errorf("/api/../koa/x: HTTP %d %s", r.Status, r.Body)
	}
	// Paths that are not clean cannot be created (exit 3).
	for _, p := range []string{"/../etc", "/a/./b", "/a//b", "/a b", "/a%2F..", `/a\b`} {
		if _, errs, code := c.try("service", "create", "-p", p, "-f", "echo"); code != 3 {
			t.Errorf("service create -p %q: exit %d, want 3: %s", p, code, errs)
		}
	}
	if _, errs, code := c.try("service", "create", "-p", "/api", "-f", "echo"); code != 3 || !strings.Contains(errs, "already exists") {
		t.Errorf("a second /api: exit %d: %s", code, errs)
	}
	if _, errs, code := c.try("service", "create", "-p", "/nofn", "-f", "missing"); code != 4 {
		t.Errorf("a missing function: exit %d, want 4: %s", code, errs)
	}

	// A client that goes away: the service keeps answering.
	if r := curl(t, resolve, "--max-time", "0.5", origin+"/api/sleep"); r.Exit != 28 {
		t.Errorf("curl --max-time on a slow function: exit %d, want 28 (timeout)", r.Exit)
	}
	if r := curl(t, resolve, origin+"/api/text"); r.Status != 200 {
		t.Errorf("after a client went away: HTTP %d", r.Status)
	}

	// The koa app behind the gateway, streaming included.
	if r := curl(t, resolve, "-X", "POST", "--data-binary", "hello", origin+"/koa/a?b=1"); r.Status != 200 || r.Header.Get("X-Powered-By-Koa") != "yes" ||
		!bytes.Contains(r.Body, []byte(`"url":"/koa/a?b=1"`)) || !bytes.Contains(r.Body, []byte(`"received":5`)) || !bytes.Contains(r.Body, []byte(`"env":"`+env+`"`)) {
		t.Errorf("koa: HTTP %d %s %v", r.Status, r.Body, r.Header)
	}
	if r := curl(t, resolve, "-N", origin+"/koa/stream"); r.Status != 200 || string(r.Body) != "line 0\nline 1\nline 2\nline 3\nline 4\n" {
		t.Errorf("koa stream: HTTP %d %q", r.Status, r.Body)
	}
	// Each request to the web function is a line in its logs (written
	// once the response is out: wait for them).
	var logOut string
	if !emulatortest.Wait(30*time.Second, func() bool {
		logOut = c.run("fn", "log", "web")
		return strings.Contains(logOut, "POST /koa/a 200 ") && strings.Contains(logOut, "GET /koa/stream 200 ")
	}) {
		t.Errorf("tcb fn log web does not show the requests:\n%s", logOut)
	}

	// Node's fetch, through the path form of the service.
	node := exec.Command("node", filepath.Join("testdata", "service", "fetch.mjs"), emu.Endpoint+"/_service/"+env)
	out, err := node.CombinedOutput()
	if err != nil {
		t.Fatalf("node fetch: %v\n%s", err, out)
	}
	var fetched struct {
		Put struct {
			Status int
			JSON   struct {
				Method  string
				Query   map[string]string
				Headers map[string]string
			}
		}
		Mirror struct {
			Status int
			Same   bool
		}
		Throw struct {
			Status int
			JSON   struct{ Code string }
		}
		Koa struct {
			Status    int
			KoaHeader string
			JSON      struct{ Koa bool }
		}
	}
	if err := json.Unmarshal(out, &fetched); err != nil {
		t.Fatalf("node fetch: %v\n%s", err, out)
	}
	if fetched.Put.Status != 200 || fetched.Put.JSON.Method != "PUT" || fetched.Put.JSON.Query["y"] != "two" || fetched.Put.JSON.Headers["x-custom"] != "v1" ||
		fetched.Mirror.Status != 200 || !fetched.Mirror.Same || fetched.Throw.Status != 502 || fetched.Throw.JSON.Code != "FUNCTIONS_EXECUTE_FAIL" ||
		fetched.Koa.Status != 200 || fetched.Koa.KoaHeader != "yes" || !fetched.Koa.JSON.Koa {
		t.Errorf("node fetch: %s", out)
	}

	// Switched off: 403; deleted: 404.
	c.run("service", "switch", "--disable")
	if r := curl(t, resolve, origin+"/api/text"); r.Status != 403 || !bytes.Contains(r.Body, []byte("HTTPSERVICE_NONACTIVATED")) {
		t.Errorf("switched off: HTTP %d %s", r.Status, r.Body)
	}
	c.run("service", "switch", "--enable")
	c.run("service", "delete", "-p", "/api", "--yes")
	if r := curl(t, resolve, origin+"/api/text"); r.Status != 404 {
		t.Errorf("deleted: HTTP %d %s", r.Status, r.Body)
	}
}

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscan(s, v) }
