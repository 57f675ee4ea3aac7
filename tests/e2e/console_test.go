package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
)

// The console tests are not parallel: a browser is heavy on a 2-core
// machine, and running alone keeps it from slowing the functions other
// tests time.

// chromiumPath finds Debian's chromium (.ci/run installs it, and
// scripts/test.sh refuses to run without it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: apt-get install chromium (.ci/run does)")
	return ""
}

// browser starts headless Chromium for the test.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// shooter saves full-page screenshots under the test's temp dir and, when
// TCB_CONSOLE_SCREENSHOTS names a directory, there too (docs/images).
type shooter struct {
	t     *testing.T
	dir   string
	extra string
}

func newShooter(t *testing.T) *shooter {
	s := &shooter{t: t, dir: filepath.Join(t.TempDir(), "screenshots"), extra: os.Getenv("TCB_CONSOLE_SCREENSHOTS")}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("console screenshots: %s", s.dir)
	return s
}

func (s *shooter) shot(ctx context.Context, name string) {
	s.t.Helper()
	// Toasts of earlier steps would cover the page.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('.toast').forEach((t) => t.remove()) || true`)); err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, dir := range []string{s.dir, s.extra} {
		if dir == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// until polls a JavaScript expression in the page until it is truthy.
func until(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, text)
	}
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into a T.
func eval[T any](t *testing.T, ctx context.Context, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

const consoleHello = `exports.main = async (event) => {
  console.log("hello from the console test", JSON.stringify(event));
  return { greeting: "你好, " + (event.name || "world") };
};
`

const consoleChatty = `exports.main = async (event) => {
  const n = event.lines || 10000;
  for (let i = 1; i <= n; i++) console.log("line " + i + " of the chatty function 日志");
  return { lines: n };
};
`

func writeFunction(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConsoleInChromium(t *testing.T) {
	ctx := browser(t, 4*time.Minute)
	emu := startEmulatorProcess(t, "--latency", "0s")
	c := newCLI(t, emu)
	env := c.createEnv("console")
	c.run("fn", "deploy", "hello", "--dir", writeFunction(t, consoleHello), "--runtime", "Nodejs18.15", "-e", env)
	c.run("fn", "deploy", "chatty", "--dir", writeFunction(t, consoleChatty), "--runtime", "Nodejs18.15", "--timeout", "30", "-e", env)
	c.run("db", "collection", "create", "todos", "-e", env)
	c.run("db", "add", "todos", "-e", env, "--data", `[{"_id":"t1","title":"买牛奶 buy milk","done":false,"tags":["home"]},`+
		`{"_id":"t2","title":"写文档 write docs","done":true,"due":{"$date":"2026-12-01T00:00:00Z"}},{"_id":"t3","title":"Ship the console","done":false}]`)
	accessToken := strings.TrimSpace(c.run("token", "get"))
	shots := newShooter(t)
	ui := emu.Endpoint + "/_emulator/ui/"

	// Overview: the env the CLI created, with its counts.
	run(t, ctx, "open the console", chromedp.Navigate(ui+"#/overview"))
	until(t, ctx, "the overview lists the env", `window.__tcb && window.__tcb.ready.overview && !!document.querySelector('#env-table tr[data-env=`+js(env)+`]')`, 20*time.Second)
	timings := eval[map[string]float64](t, ctx, "timings", `window.__tcb.timings`)
	t.Logf("overview: rendered in %.0f ms, first overview %.0f ms after the script started", timings["overview"], timings["firstOverview"])
	docsCount := eval[string](t, ctx, "counts", `document.querySelector('#count-documents .v').textContent`)
	if docsCount != "3" {
		t.Errorf("the overview counts %q documents, want 3", docsCount)
	}
	shots.shot(ctx, "overview")
	// The dark theme (auto -> light -> dark with the theme button), then
	// back to the system's.
	run(t, ctx, "dark theme", chromedp.Click("#theme-btn"), chromedp.Click("#theme-btn"))
	until(t, ctx, "the dark theme", `document.documentElement.dataset.theme === 'dark'`, 5*time.Second)
	shots.shot(ctx, "overview-dark")
	run(t, ctx, "system theme", chromedp.Click("#theme-btn"))

	// Functions: invoke from the page; its log line arrives live, and so
	// does the log of an invocation made by the CLI meanwhile.
	run(t, ctx, "open hello", chromedp.Navigate(ui+"#/functions/hello"))
	until(t, ctx, "the invoke editor and the log history", `!!document.querySelector('#invoke-event') && window.__tcb.ready.logs`, 20*time.Second)
	run(t, ctx, "invoke from the page", chromedp.SetValue("#invoke-event", `{"name": "Chromium 浏览器"}`), chromedp.Click("#invoke-btn"))
	until(t, ctx, "the result", `document.querySelector('#invoke-result').textContent.includes('你好, Chromium 浏览器')`, 30*time.Second)
	until(t, ctx, "the log line of the page's invocation", `document.querySelector('#log-list').textContent.includes('hello from the console test {"name":"Chromium 浏览器"}')`, 20*time.Second)
	c.run("fn", "invoke", "hello", "-e", env, "--params", `{"name":"from the CLI"}`)
	until(t, ctx, "the log line of the CLI's invocation, live", `document.querySelector('#log-list').textContent.includes('"name":"from the CLI"')`, 20*time.Second)
	shots.shot(ctx, "functions")
	run(t, ctx, "code tab", chromedp.Click("#fn-tab-code"))
	until(t, ctx, "the code view", `document.querySelector('#code-view') && document.querySelector('#code-view').textContent.includes('hello from the console test')`, 20*time.Second)
	shots.shot(ctx, "functions-code")

	// Database: browse, run a statement with its explain form, edit and
	// delete documents; the CLI sees the changes.
	run(t, ctx, "open todos", chromedp.Navigate(ui+"#/database/todos"))
	until(t, ctx, "the documents table", `!!document.querySelector('#docs-table tr[data-id="t1"]')`, 20*time.Second)
	shots.shot(ctx, "database")
	run(t, ctx, "query tab", chromedp.Click("#db-tab-query"))
	until(t, ctx, "the statement editor", `!!document.querySelector('#stmt')`, 10*time.Second)
	run(t, ctx, "run a statement", chromedp.SetValue("#stmt", `db.collection("todos").where({done: false}).orderBy("_id", "asc").get()`), chromedp.Click("#stmt-run"))
	until(t, ctx, "the statement's result", `(document.querySelector('#stmt-summary') || {textContent: ''}).textContent.includes('2 documents')`, 20*time.Second)
	until(t, ctx, "the explain form", `document.querySelector('#stmt-explain').textContent.includes('"done": false')`, 10*time.Second)
	shots.shot(ctx, "database-query")
	run(t, ctx, "documents tab", chromedp.Click("#db-tab-docs"))
	until(t, ctx, "the edit button", `!!document.querySelector('button[data-edit="t1"]')`, 10*time.Second)
	run(t, ctx, "edit t1", chromedp.Click(`button[data-edit="t1"]`))
	until(t, ctx, "the editor", `!!document.querySelector('#doc-editor')`, 10*time.Second)
	run(t, ctx, "save t1", chromedp.SetValue("#doc-editor", `{"title": "买牛奶 (edited in Chromium)", "done": true, "tags": ["home", "浏览器"]}`), chromedp.Click("#doc-save"))
	until(t, ctx, "the confirmation", `!!document.querySelector('#confirm-yes')`, 10*time.Second)
	run(t, ctx, "confirm", chromedp.Click("#confirm-yes"))
	until(t, ctx, "the edited row", `document.querySelector('#docs-table') && document.querySelector('#docs-table').textContent.includes('edited in Chromium')`, 20*time.Second)
	out := c.run("db", "query", `db.collection("todos").doc("t1").get()`, "--json", "-e", env)
	var docs []struct {
		ID    string   `json:"_id"`
		Title string   `json:"title"`
		Done  bool     `json:"done"`
		Tags  []string `json:"tags"`
	}
	if err := json.Unmarshal([]byte(out), &docs); err != nil || len(docs) != 1 || docs[0].Title != "买牛奶 (edited in Chromium)" || !docs[0].Done || len(docs[0].Tags) != 2 {
		t.Fatalf("tcb db query after the edit: %v\n%s", err, out)
	}
	run(t, ctx, "delete t3", chromedp.Click(`button[data-del="t3"]`))
	until(t, ctx, "the confirmation", `!!document.querySelector('#confirm-yes')`, 10*time.Second)
	run(t, ctx, "confirm", chromedp.Click("#confirm-yes"))
	until(t, ctx, "t3 gone", `document.querySelector('#docs-table') && !document.querySelector('#docs-table tr[data-id="t3"]')`, 20*time.Second)
	if n := strings.TrimSpace(c.run("db", "count", "todos", "-e", env)); n != "2" {
		t.Fatalf("tcb db count after the delete: %q, want 2", n)
	}

	// Storage and hosting: upload from the page, preview, and the hosted
	// site serves what was uploaded.
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(logo, tinyPNG(), 0o644); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, []byte("<!doctype html><title>站点</title><h1>Hello from the console 你好</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open storage", chromedp.Navigate(ui+"#/storage/storage"))
	until(t, ctx, "the storage view", `window.__tcb.ready.storage && !!document.querySelector('#st-file')`, 20*time.Second)
	run(t, ctx, "upload a file", chromedp.SetUploadFiles("#st-file", []string{logo}))
	until(t, ctx, "the uploaded file", `!!document.querySelector('#st-table tr[data-key="logo.png"]')`, 20*time.Second)
	run(t, ctx, "preview it", chromedp.Click(`button[data-preview="logo.png"]`))
	until(t, ctx, "the preview", `(() => { const i = document.querySelector('#st-preview'); return i && i.complete && i.naturalWidth === 320; })()`, 20*time.Second)
	shots.shot(ctx, "storage")
	run(t, ctx, "close the preview", chromedp.KeyEvent("\x1b"))
	var st struct {
		Storage struct {
			Buckets map[string]struct {
				Env     string `json:"env"`
				Objects int    `json:"objects"`
			} `json:"buckets"`
		} `json:"storage"`
	}
	getJSON(t, emu.Endpoint+"/_emulator/state", &st)
	objects := 0
	for _, b := range st.Storage.Buckets {
		if b.Env == env {
			objects += b.Objects
		}
	}
	if objects != 1 {
		t.Errorf("the emulator holds %d objects of %s after the upload, want 1", objects, env)
	}
	run(t, ctx, "hosting", chromedp.Navigate(ui+"#/storage/hosting"))
	until(t, ctx, "the hosting view", `!!document.querySelector('#st-file') && !!document.querySelector('#site-link')`, 20*time.Second)
	run(t, ctx, "upload the site", chromedp.SetUploadFiles("#st-file", []string{index}))
	until(t, ctx, "index.html", `!!document.querySelector('#st-table tr[data-key="index.html"]')`, 20*time.Second)
	shots.shot(ctx, "hosting")
	resp, err := http.Get(emu.Endpoint + "/site/" + env + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Hello from the console 你好") {
		t.Errorf("the hosted site answers %d: %s", resp.StatusCode, body)
	}

	// WeChat: the token the CLI fetched on the timeline, and two
	// cgi-bin/token tokens whose lives overlap.
	for i := 0; i < 2; i++ {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		getJSON(t, emu.Endpoint+"/cgi-bin/token?grant_type=client_credential&appid="+config.EmulatorWxAppID+"&secret="+config.EmulatorWxSecret, &tok)
		if tok.AccessToken == "" {
			t.Fatal("cgi-bin/token gave no token")
		}
	}
	run(t, ctx, "open wechat", chromedp.Navigate(ui+"#/wechat"))
	until(t, ctx, "the token timeline", `document.querySelectorAll('#token-timeline .tl-bar').length === 3 && !!document.querySelector('#token-timeline .tl-overlap')`, 20*time.Second)
	shots.shot(ctx, "wechat")
	run(t, ctx, "inject a fault from the page", chromedp.SetValue("#fault-action", "DescribeEnvs"), chromedp.SetValue("#fault-code", "FailedOperation"), chromedp.Click("#fault-add"))
	until(t, ctx, "the pending fault", `!!document.querySelector('#faults-panel') && document.querySelector('#faults-panel').textContent.includes('DescribeEnvs')`, 20*time.Second)
	if _, errs, code := c.try("env", "list"); code == 0 || !strings.Contains(errs, "FailedOperation") {
		t.Errorf("tcb env list after the fault from the page: exit %d\n%s", code, errs)
	}

	// Requests: the live log, a detail with its secrets masked.
	run(t, ctx, "open requests", chromedp.Navigate(ui+"#/requests"))
	until(t, ctx, "the request rows", `window.__tcb.ready.requests && document.querySelectorAll('#req-list .vrow').length > 5`, 20*time.Second)
	run(t, ctx, "filter", chromedp.SetValue("#req-filter", "stable_token"))
	eval[bool](t, ctx, "filter", `document.querySelector('#req-filter').dispatchEvent(new Event('input'))`)
	until(t, ctx, "the stable_token row", `!!document.querySelector('#req-list .vrow')`, 10*time.Second)
	run(t, ctx, "open it", chromedp.Click("#req-list .vrow"))
	until(t, ctx, "its detail", `document.querySelector('#req-response') && document.querySelector('#req-response').textContent.includes('access_token')`, 10*time.Second)
	shots.shot(ctx, "requests")

	// No secret in any page or answer the page's calls get.
	traffic := eval[string](t, ctx, "read every console answer", fmt.Sprintf(`(async () => {
		const tok = document.querySelector('meta[name="tcb-console-token"]').content;
		const get = (p) => fetch('api/' + p, {headers: {'X-TCB-Console-Token': tok}}).then((r) => r.text());
		const env = %s;
		let all = document.documentElement.outerHTML;
		for (const p of ['overview', 'envs/' + env + '/functions', 'envs/' + env + '/functions/hello', 'envs/' + env + '/logs?limit=50',
			'envs/' + env + '/collections', 'envs/' + env + '/collections/todos/docs', 'wechat', 'faults', 'requests?limit=2000']) all += await get(p);
		const reqs = JSON.parse(await get('requests?limit=2000')).requests;
		for (const r of reqs) all += await get('requests/' + r.seq);
		return all;
	})()`, js(env)))
	for name, secret := range map[string]string{"the access_token": accessToken, "the dev SecretKey": "tcbEmulatorLocalDevSecretKey000",
		"the WeChat AppSecret": "0e0a0b0c0d0e0f000102030405060708"} {
		if secret != "" && strings.Contains(traffic, secret) {
			t.Errorf("the console shows %s", name)
		}
	}
	if !strings.Contains(traffic, accessToken[:4]+"…"+accessToken[len(accessToken)-4:]) {
		t.Errorf("the console does not show the shortened access_token")
	}

	// 10,000 log lines stay responsive: the list is virtualised.
	run(t, ctx, "open chatty", chromedp.Navigate(ui+"#/functions/chatty"))
	until(t, ctx, "the log history", `!!document.querySelector('#log-list') && window.__tcb.ready.logs`, 20*time.Second)
	started := time.Now()
	c.run("fn", "invoke", "chatty", "-e", env)
	until(t, ctx, "10,000 lines", `document.querySelector('#log-count').textContent === '10,001 lines'`, 60*time.Second)
	t.Logf("10,000 log lines: on the page %.0f ms after the CLI started the invocation", float64(time.Since(started).Milliseconds()))
	shots.shot(ctx, "logs-10k")
	perf := eval[struct {
		Rows   int     `json:"rows"`
		Scroll float64 `json:"scroll"`
		Filter float64 `json:"filter"`
	}](t, ctx, "measure", `(async () => {
		const list = document.querySelector('#log-list');
		const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		let t = performance.now();
		list.scrollTop = list.scrollHeight / 2; list.dispatchEvent(new Event('scroll')); await frame();
		const scroll = performance.now() - t;
		const rows = document.querySelectorAll('#log-list .vrow').length;
		const f = document.querySelector('#log-text'); f.value = 'line 5000 '; f.dispatchEvent(new Event('input')); await frame();
		return {rows, scroll, filter: window.__tcb.timings.logFilter};
	})()`)
	t.Logf("10,000 log lines: %d rows in the DOM, scroll to the middle painted in %.1f ms, filter in %.1f ms", perf.Rows, perf.Scroll, perf.Filter)
	if perf.Rows > 200 {
		t.Errorf("the log list has %d rows in the DOM: it is not virtualised", perf.Rows)
	}
	until(t, ctx, "the filtered line", `document.querySelector('#log-count').textContent === '1 lines'`, 10*time.Second)
}

// tinyPNG is a 320x160 PNG: a gradient with a disc.
func tinyPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 320, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 320; x++ {
			c := color.NRGBA{R: uint8(37 + x/4), G: uint8(99 + y/2), B: 235, A: 255}
			if dx, dy := x-160, y-80; dx*dx+dy*dy < 50*50 {
				c = color.NRGBA{R: 255, G: 255, B: 255, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// TestConsoleRefusesOtherOrigins: a page served from another origin (a
// loopback port the host check allows) can neither read nor change
// anything through the console, and neither can a request without the
// page's token.
func TestConsoleRefusesOtherOrigins(t *testing.T) {
	ctx := browser(t, 2*time.Minute)
	emu := startEmulatorProcess(t, "--latency", "0s")
	c := newCLI(t, emu)
	env := c.createEnv("xorigin")
	c.run("db", "collection", "create", "todos", "-e", env)
	c.run("db", "add", "todos", "-e", env, "--data", `{"_id":"keep","title":"untouched"}`)
	target := emu.Endpoint
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>evil</title><body><script>
(async () => {
  const target = %s, env = %s, out = {};
  const api = target + '/_emulator/ui/api/';
  try { const r = await fetch(api + 'overview'); out.read = 'read ' + r.status + ' ' + (await r.text()).slice(0, 80); } catch (e) { out.read = 'blocked'; }
  try { const r = await fetch(target + '/_emulator/ui/'); out.index = 'read ' + (await r.text()).slice(0, 80); } catch (e) { out.index = 'blocked'; }
  try { const r = await fetch(api + 'overview', {mode: 'no-cors'}); out.opaque = r.type + ' ' + (await r.text()).length; } catch (e) { out.opaque = 'blocked'; }
  for (const [k, path, body] of [['add', 'envs/' + env + '/collections/todos/docs', {doc: {_id: 'evil', title: 'pwned'}}],
                                 ['statement', 'envs/' + env + '/statement', {statement: 'db.collection("todos").doc("keep").remove()'}],
                                 ['fault', 'faults', {action: '*', count: 5, code: 'InternalError'}]]) {
    try { const r = await fetch(api + path, {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: JSON.stringify(body)}); out[k] = r.type; } catch (e) { out[k] = 'blocked'; }
  }
  await new Promise((resolve) => {
    const f = document.createElement('iframe'); f.src = target + '/_emulator/ui/';
    f.onload = () => { try { out.frame = 'read ' + f.contentDocument.documentElement.outerHTML.slice(0, 80); } catch (e) { out.frame = 'blocked'; } resolve(); };
    document.body.append(f);
  });
  document.title = 'done ' + JSON.stringify(out);
})();
</script>`, js(target), js(env))
	}))
	defer evil.Close()

	run(t, ctx, "open the other origin's page", chromedp.Navigate(evil.URL))
	until(t, ctx, "the page's attempts", `document.title.startsWith('done ')`, 30*time.Second)
	title := eval[string](t, ctx, "title", `document.title`)
	var got map[string]string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(title, "done ")), &got); err != nil {
		t.Fatalf("%s: %v", title, err)
	}
	t.Logf("the other origin's page got: %v", got)
	for _, k := range []string{"read", "index", "frame"} {
		if got[k] != "blocked" {
			t.Errorf("the other origin's page could %s: %q", k, got[k])
		}
	}
	if got["opaque"] != "opaque 0" && got["opaque"] != "blocked" {
		t.Errorf("a no-cors read gave %q", got["opaque"])
	}
	out := c.run("db", "query", `db.collection("todos").get()`, "--json", "-e", env)
	if strings.Contains(out, "evil") || !strings.Contains(out, "untouched") {
		t.Errorf("the other origin changed the database:\n%s", out)
	}
	var faults struct {
		Faults []json.RawMessage `json:"faults"`
	}
	getJSON(t, emu.Endpoint+"/_emulator/faults", &faults)
	if len(faults.Faults) != 0 {
		t.Errorf("the other origin injected faults: %d", len(faults.Faults))
	}

	// Outside a browser: no token, a wrong token, or the right token
	// with a foreign Origin are all refused.
	var page string
	resp, err := http.Get(emu.Endpoint + "/_emulator/ui/")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	resp.Body.Close()
	page = sb.String()
	i := strings.Index(page, `name="tcb-console-token" content="`)
	if i < 0 {
		t.Fatal("the index page carries no token")
	}
	tok := page[i+len(`name="tcb-console-token" content="`):]
	tok = tok[:strings.IndexByte(tok, '"')]
	for _, tc := range []struct {
		name, token, origin string
		want                int
	}{
		{"no token", "", "", http.StatusForbidden},
		{"a wrong token", "0000", "", http.StatusForbidden},
		{"the token from another loopback origin", tok, evil.URL, http.StatusForbidden},
		{"the token from a foreign origin", tok, "http://evil.example", http.StatusForbidden},
		{"the token, same origin", tok, emu.Endpoint, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, emu.Endpoint+"/_emulator/ui/api/overview", nil)
		if tc.token != "" {
			req.Header.Set("X-TCB-Console-Token", tc.token)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", tc.name, acao)
		}
	}
}

// TestConsoleOverviewBudget loads the overview in Chromium on an emulator
// holding 100,000 documents and 100 functions and reports how long it took
// (the budget is 300 ms; reported, not asserted).
func TestConsoleOverviewBudget(t *testing.T) {
	ctx := browser(t, 4*time.Minute)
	emu := startEmulatorProcess(t, "--latency", "0s", "--skip-install-deps")
	c := newCLI(t, emu)
	api, err := cloudapi.New(cloudapi.Options{Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region: "ap-shanghai", Endpoint: emu.Endpoint, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("index.js")
	w.Write([]byte("exports.main = async () => 1\n"))
	zw.Close()
	code := base64.StdEncoding.EncodeToString(zb.Bytes())
	// 50 functions per environment (the limit), 100,000 documents in the first.
	envs := []string{c.createEnv("budget1"), c.createEnv("budget2")}
	for i := 0; i < 100; i++ {
		if err := api.CreateFunction(bg, &cloudapi.CreateFunctionRequest{FunctionName: fmt.Sprintf("fn%03d", i), Namespace: envs[i/50],
			Runtime: "Nodejs18.15", Handler: "index.main", Code: &cloudapi.Code{ZipFile: code}}); err != nil {
			t.Fatal(err)
		}
	}
	c.run("db", "collection", "create", "items", "-e", envs[0])
	info, err := api.DescribeEnv(bg, envs[0])
	if err != nil {
		t.Fatal(err)
	}
	for batch := 0; batch < 10; batch++ {
		var cmds []cloudapi.MgoCommand
		for k := 0; k < 10; k++ {
			var sb strings.Builder
			sb.WriteString(`{"documents":[`)
			for i := 0; i < 1000; i++ {
				if i > 0 {
					sb.WriteByte(',')
				}
				n := (batch*10+k)*1000 + i
				fmt.Fprintf(&sb, `{"_id":"d%06d","n":%d,"title":"文档 %d"}`, n, n, n)
			}
			sb.WriteString(`]}`)
			cmds = append(cmds, cloudapi.MgoCommand{TableName: "items", CommandType: "INSERT", Command: sb.String()})
		}
		if _, err := api.RunCommands(bg, &cloudapi.RunCommandsRequest{EnvId: envs[0], Tag: info.Databases[0].InstanceId, MgoCommands: cmds}); err != nil {
			t.Fatal(err)
		}
	}
	ui := emu.Endpoint + "/_emulator/ui/"
	for i, label := range []string{"first load", "reload"} {
		run(t, ctx, "open the overview", chromedp.Navigate(fmt.Sprintf("%s?load=%d#/overview", ui, i)))
		until(t, ctx, "the overview", `window.__tcb && window.__tcb.ready.overview && document.querySelector('#count-documents .v').textContent === '100,000'`, 60*time.Second)
		tm := eval[map[string]float64](t, ctx, "timings", `(() => { const nav = performance.getEntriesByType('navigation')[0];
			return Object.assign({}, window.__tcb.timings, {navStart: performance.timeOrigin, domContentLoaded: nav ? nav.domContentLoadedEventEnd : 0}); })()`)
		t.Logf("overview with 100,000 documents and 100 functions, %s: shown %.0f ms after navigation (page loaded at %.0f ms, overview call %.0f ms, call and render %.0f ms)",
			label, tm["overviewShownAt"], tm["domContentLoaded"], tm["overviewFetch"], tm["overview"])
		if i == 0 {
			continue
		}
		fns := eval[string](t, ctx, "functions", `document.querySelector('#count-functions .v').textContent`)
		if fns != "100" {
			t.Errorf("the overview counts %s functions, want 100", fns)
		}
	}
}
