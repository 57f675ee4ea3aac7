package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hostingSite is a small site whose script fetches a JSON asset by a
// root-relative path and renders it: it works only when the site is
// served at its own origin.
var hostingSite = map[string]string{
	"index.html": `<!doctype html>
<html><head><meta charset="utf-8"><title>tcb hosting</title><link rel="stylesheet" href="/css/site.css"></head>
<body><h1 id="title">loading…</h1><ul id="items"></ul><script src="/js/app.js"></script></body></html>
`,
	"css/site.css": "body { font-family: sans-serif; background: #f4f7fb; } #title { color: #0052d9; }\n",
	"js/app.js": `fetch('/data/items.json')
  .then((r) => r.json())
  .then((d) => {
    document.getElementById('title').textContent = d.title;
    for (const it of d.items) {
      const li = document.createElement('li');
      li.textContent = it;
      document.getElementById('items').appendChild(li);
    }
    document.body.dataset.ready = 'yes';
  })
  .catch((e) => { document.getElementById('title').textContent = 'failed: ' + e; });
`,
	"data/items.json": `{"title":"Deployed with tcb hosting deploy","items":["root-relative fetch","served by the emulator","rendered in Chromium"]}`,
	"404.html":        "<h1>custom not found</h1>",
}

// A site deployed with `tcb hosting deploy` loads in real headless
// Chromium at its own origin (<envId>.site.localhost, which Chromium
// resolves to loopback itself): the page renders what its script fetched
// by a root-relative path, and a screenshot is saved.
func TestHostingSiteInChromium(t *testing.T) {
	t.Parallel()
	chrome := chromiumPath(t)
	emu := startEmulatorProcess(t, "--latency", "50ms")
	c := newCLI(t, emu)
	env := c.createEnv("site")
	dist := t.TempDir()
	for name, body := range hostingSite {
		p := filepath.Join(dist, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := c.run("hosting", "deploy", dist, "-e", env, "--yes")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	site := lines[len(lines)-1]
	_, port, _ := strings.Cut(emu.Host, ":")
	if site != "http://"+env+".site.localhost:"+port+"/" {
		t.Fatalf("the last line of hosting deploy is %q", site)
	}
	if detail := c.run("hosting", "detail", "-e", env); !strings.Contains(detail, site) {
		t.Errorf("hosting detail does not show %s:\n%s", site, detail)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1024, 700),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(site), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="yes"]`))); err != nil {
		t.Fatalf("loading %s in Chromium: %v", site, err)
	}
	title, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#title")))
	if err != nil {
		t.Fatal(err)
	}
	items, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#items")))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "hosting-site.png")
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", png, len(shot))
	if len(shot) < 1000 {
		t.Errorf("the screenshot has only %d bytes", len(shot))
	}
	if title != "Deployed with tcb hosting deploy" || !strings.Contains(items, "root-relative fetch") {
		t.Errorf("the page rendered title %q, items %q", title, items)
	}
	color, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById('title')).color`))
	if err != nil || color != "rgb(0, 82, 217)" {
		t.Errorf("the stylesheet did not apply: %q %v", color, err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(site+"no/such/page")); err != nil {
		t.Fatal(err)
	}
	if notFound, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || notFound != "custom not found" {
		t.Errorf("a missing page shows %q (%v), want the error document", notFound, err)
	}

	// Re-deploying the unchanged site sends nothing; --prune removes what
	// is gone locally.
	os.Remove(filepath.Join(dist, "css", "site.css"))
	out = c.run("hosting", "deploy", dist, "-e", env, "--prune", "--yes", "--json", "--jq", "[.uploaded, .unchanged, (.deleted|length)] | @csv")
	if strings.TrimSpace(out) != "0,4,1" {
		t.Errorf("re-deploy with --prune: uploaded,unchanged,deleted = %s", out)
	}
}
