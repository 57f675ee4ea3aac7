package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/gateway"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// webServerJS is a web function's own server: it reports which code, which
// version and which server (boot, a random id per process) answered.
// /hold/<id> answers its headers at once and the rest when /release/<id>
// comes.
const webServerJS = `
const http = require('http');
const boot = Math.random().toString(36).slice(2);
const held = {};
http.createServer((req, res) => {
  const m = req.url.match(/\/(hold|release)\/(\w+)/);
  if (m && m[1] === 'hold') {
    res.writeHead(200, {'content-type': 'text/plain'});
    res.write('held\n');
    held[m[2]] = () => res.end('released\n');
    return;
  }
  if (m && m[1] === 'release') { held[m[2]](); res.end('ok'); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({code: CODE, version: process.env.SCF_FUNCTIONVERSION || '', port: process.env.PORT, boot, url: req.url}));
}).listen(process.env.PORT);
`

type webAnswer struct {
	Code, Version, Port, Boot, URL string
}

type webHarness struct {
	*emulatortest.Emulator
	env string
}

func startWeb(t *testing.T, fo functions.Options) *webHarness {
	t.Helper()
	fns := functions.New(fo)
	e := emulatortest.Start(t, emulatortest.Options{}, fns, gateway.New(gateway.Options{Functions: fns}))
	return &webHarness{Emulator: e, env: e.NewEnv("web")}
}

func (h *webHarness) webZip(code string) string {
	h.T.Helper()
	dir := h.T.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(strings.Replace(webServerJS, "CODE", `"`+code+`"`, 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "scf_bootstrap"), []byte("#!/bin/bash\nexec /var/lang/node18/bin/node index.js\n"), 0o755)
	pkg, err := funcpack.PackBytes(context.Background(), dir, funcpack.Options{})
	if err != nil {
		h.T.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(pkg.Zip)
}

func (h *webHarness) waitActive(name string) {
	h.T.Helper()
	h.Clock.Advance(h.Latency)
	emulatortest.Eventually(h.T, func() bool {
		f, err := h.Client.GetFunction(h.Ctx, h.env, name)
		return err == nil && f.Status == cloudapi.StatusActive
	}, "%s Active", name)
}

// deploy creates the web function name answering code at /<name>.
func (h *webHarness) deploy(name, code string) {
	h.T.Helper()
	timeout, mem := int64(30), int64(256)
	if err := h.Client.CreateFunction(h.Ctx, &cloudapi.CreateFunctionRequest{FunctionName: name, Namespace: h.env, Runtime: "Nodejs18.15",
		Type: "HTTP", Handler: "index.main", Code: &cloudapi.Code{ZipFile: h.webZip(code)}, Timeout: &timeout, MemorySize: &mem}); err != nil {
		h.T.Fatal(err)
	}
	h.waitActive(name)
	if _, err := h.Client.CreateGWAPI(h.Ctx, h.env, "/"+name, name); err != nil {
		h.T.Fatal(err)
	}
}

func (h *webHarness) get(p string, hdr ...string) webAnswer {
	h.T.Helper()
	req, _ := http.NewRequest("GET", h.Endpoint()+"/_service/"+h.env+p, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a webAnswer
	if resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
		h.T.Fatalf("GET %s: HTTP %d %s", p, resp.StatusCode, body)
	}
	return a
}

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// A web function behind the service runs the version $DEFAULT routes the
// request to, as an event function does: published versions keep their
// code, UpdateAlias moves the traffic, X-Tcb-Route-Key picks a side of a
// split; each request is a line in the function's logs.
func TestWebFunctionVersionsAliasesAndLogs(t *testing.T) {
	t.Parallel()
	h := startWeb(t, functions.Options{})
	h.deploy("web", "one")
	if a := h.get("/web/x"); a.Code != "one" || a.Version != "$LATEST" || a.URL != "/web/x" {
		t.Fatalf("first answer %+v", a)
	}
	if _, err := h.Client.PublishVersion(h.Ctx, h.env, "web", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := h.Client.UpdateFunctionCode(h.Ctx, &cloudapi.UpdateFunctionCodeRequest{Namespace: h.env, FunctionName: "web",
		Handler: "index.main", ZipFile: h.webZip("two")}); err != nil {
		t.Fatal(err)
	}
	h.waitActive("web")
	if a := h.get("/web/x"); a.Code != "two" || a.Version != "$LATEST" {
		t.Fatalf("after the update: %+v", a)
	}

	// $DEFAULT on version 1: the old code answers, from its own server.
	if err := h.Client.UpdateAlias(h.Ctx, &cloudapi.UpdateAliasRequest{Namespace: h.env, FunctionName: "web", Name: "$DEFAULT", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	v1 := h.get("/web/x")
	if v1.Code != "one" || v1.Version != "1" {
		t.Fatalf("$DEFAULT -> 1: %+v", v1)
	}
	// A split as tcb fn config-route writes it: keys 0-49 stay on 1,
	// 50-99 go to $LATEST.
	if err := h.Client.UpdateAlias(h.Ctx, &cloudapi.UpdateAliasRequest{Namespace: h.env, FunctionName: "web", Name: "$DEFAULT", FunctionVersion: "1",
		RoutingConfig: &cloudapi.RoutingConfig{AddtionVersionMatchs: []cloudapi.VersionMatch{
			{Version: "$LATEST", Key: "invoke.headers.X-Tcb-Route-Key", Method: "range", Expression: "[50,100)"}}}}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"10": "one", "49": "one", "50": "two", "99": "two"} {
		if a := h.get("/web/k", "X-Tcb-Route-Key", key); a.Code != want {
			t.Errorf("X-Tcb-Route-Key %s: code %s, want %s", key, a.Code, want)
		}
	}
	if a := h.get("/web/x", "X-Tcb-Route-Key", "1"); a.Boot != v1.Boot {
		t.Errorf("version 1 was served by a new server (%s, then %s)", v1.Boot, a.Boot)
	}

	// Deleting version 1 (after the alias leaves it) stops its server.
	if err := h.Client.UpdateAlias(h.Ctx, &cloudapi.UpdateAliasRequest{Namespace: h.env, FunctionName: "web", Name: "$DEFAULT", FunctionVersion: "$LATEST"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Client.Call(h.Ctx, "scf", "DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: h.env, FunctionName: "web", Qualifier: "1"}, &cloudapi.EmptyResponse{}); err != nil {
		t.Fatal(err)
	}
	emulatortest.Eventually(t, func() bool { return !listening("127.0.0.1:" + v1.Port) }, "version 1's server stopped")

	// The requests are in the function's logs, one line each (the last
	// one is written once its response is out: wait for it).
	limit := int64(100)
	var logs *cloudapi.GetFunctionLogsResponse
	emulatortest.Eventually(t, func() bool {
		var err error
		logs, err = h.Client.GetFunctionLogs(h.Ctx, &cloudapi.GetFunctionLogsRequest{Namespace: h.env, FunctionName: "web", Limit: &limit})
		return err == nil && len(logs.Data) >= 8
	}, "8 log records")
	var lines []string
	for _, l := range logs.Data {
		if l.Source != "HTTP" || l.RetCode != 0 || l.RequestId == "" {
			t.Errorf("log record %+v", l)
		}
		lines = append(lines, strings.TrimSpace(l.Log))
	}
	if len(lines) != 8 {
		t.Errorf("%d log records, want 8: %q", len(lines), lines)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 4 || f[0] != "GET" || !strings.HasPrefix(f[1], "/web/") || f[2] != "200" || !strings.HasSuffix(f[3], "ms") {
			t.Errorf("log line %q, want GET /web/... 200 N.NNNms", l)
		}
	}
}

// An idle web function server is stopped once WebIdleTimeout has passed on
// the emulator's clock; one serving a request is not; the next request
// starts a new server.
func TestWebFunctionIdleStop(t *testing.T) {
	t.Parallel()
	h := startWeb(t, functions.Options{WebIdleTimeout: time.Minute})
	h.deploy("busy", "busy")
	h.deploy("idle", "idle")
	idle := h.get("/idle/a")
	if again := h.get("/idle/b"); again.Boot != idle.Boot {
		t.Fatalf("the second request started a new server: %+v then %+v", idle, again)
	}
	busy := h.get("/busy/a")

	// A request held open on busy.
	resp, err := http.Get(h.Endpoint() + "/_service/" + h.env + "/busy/hold/r1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "held\n" {
		t.Fatalf("held request: %q %v", first, err)
	}

	// Both have been idle for 30 s: nothing stops (the reaper reads the
	// clock; a request now still lands on the same server).
	h.Clock.Advance(30 * time.Second)
	if a := h.get("/idle/c"); a.Boot != idle.Boot {
		t.Fatalf("stopped before its idle timeout: %+v then %+v", idle, a)
	}
	// Past the timeout: idle's server goes. busy's is examined in the same
	// pass and kept, as a request is using it.
	h.Clock.Advance(2 * time.Minute)
	emulatortest.Eventually(t, func() bool { return !listening("127.0.0.1:" + idle.Port) }, "the idle server stopped")
	if !listening("127.0.0.1:" + busy.Port) {
		t.Fatal("the server with a request in flight was stopped")
	}
	rel, err := http.Get(h.Endpoint() + "/_service/" + h.env + "/busy/release/r1")
	if err != nil {
		t.Fatal(err)
	}
	rel.Body.Close()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "released\n" {
		t.Fatalf("held request ended with %q, %v", rest, err)
	}
	// The next request starts a new server.
	if a := h.get("/idle/d"); a.Boot == idle.Boot || a.Code != "idle" {
		t.Fatalf("after the idle stop: %+v (before %+v)", a, idle)
	}
}
