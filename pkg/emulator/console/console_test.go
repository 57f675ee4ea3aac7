package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/console"
	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

type fixture struct {
	*emulatortest.Emulator
	token string
}

func start(t testing.TB, extra ...emulator.Module) *fixture {
	t.Helper()
	wx := wxapi.New(wxapi.Options{})
	mods := append([]emulator.Module{wx, docdb.New(docdb.Options{Tokens: wx})}, extra...)
	mods = append(mods, console.New(console.Options{WeChat: wx}))
	e := emulatortest.Start(t, emulatortest.Options{}, mods...)
	resp, err := http.Get(e.Endpoint() + console.Path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	const marker = `name="tcb-console-token" content="`
	i := bytes.Index(page, []byte(marker))
	if i < 0 {
		t.Fatalf("the index page has no token:\n%s", page)
	}
	tok := string(page[i+len(marker):])
	return &fixture{Emulator: e, token: tok[:strings.IndexByte(tok, '"')]}
}

// call sends a console API call with the page's token and decodes the
// answer; it returns the status.
func (f *fixture) call(t testing.TB, method, path string, body, out any, header ...string) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.Endpoint()+console.Path+"api/"+path, rd)
	req.Header.Set(console.TokenHeader, f.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func TestPageAndGuard(t *testing.T) {
	f := start(t)
	resp, err := http.Get(f.Endpoint() + console.Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for _, asset := range []string{"app.js", "app.css", "icon.svg"} {
		resp, err := http.Get(f.Endpoint() + console.Path + "assets/" + asset)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("asset %s: %v %v", asset, err, resp.Status)
		}
		resp.Body.Close()
	}
	cases := []struct {
		name   string
		header []string
		want   int
	}{
		{"the token", nil, http.StatusOK},
		{"the token, same origin", []string{"Origin", f.Endpoint(), "Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"another loopback origin", []string{"Origin", "http://127.0.0.1:1"}, http.StatusForbidden},
		{"a cross-site fetch", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"a wrong token", []string{console.TokenHeader, "x"}, http.StatusForbidden},
	}
	for _, c := range cases {
		if got := f.call(t, http.MethodGet, "overview", nil, nil, c.header...); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", c.name, got, c.want)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.Endpoint()+console.Path+"api/envs", strings.NewReader(`{"alias":"x"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a POST without the token: HTTP %d, ACAO %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestStreamSendsDeltas: the event stream carries what was published after
// ?since=, nothing before it, and a request published while it is open.
func TestStreamSendsDeltas(t *testing.T) {
	f := start(t)
	f.NewEnv("before")
	var o struct{ Seq int64 }
	f.call(t, http.MethodGet, "overview", nil, &o)
	if o.Seq == 0 {
		t.Fatal("no sequence number after an API call")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%sapi/events?since=%d", f.Endpoint(), console.Path, o.Seq), nil)
	req.Header.Set(console.TokenHeader, f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || sc.Text() != "event: hello" {
		t.Fatalf("stream starts with %q", sc.Text())
	}
	env := f.NewEnv("after")
	var ids []string
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			ids = append(ids, id)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"tcb.CreateEnv"`) {
			break
		}
	}
	if len(ids) == 0 || ids[0] != fmt.Sprint(o.Seq+1) {
		t.Fatalf("stream ids %v, want them to start after %d", ids, o.Seq)
	}
	var envs struct {
		Envs []struct {
			EnvID string `json:"env_id"`
		}
	}
	f.call(t, http.MethodGet, "overview", nil, &envs)
	if len(envs.Envs) != 2 || envs.Envs[1].EnvID != env && envs.Envs[0].EnvID != env {
		t.Errorf("overview envs %+v", envs.Envs)
	}
}

// TestDocumentsPageByPage: browsing asks the engine for one page at a time;
// replace and delete act on one _id.
func TestDocumentsPageByPage(t *testing.T) {
	f := start(t)
	env := f.NewEnv("docs")
	if st := f.call(t, http.MethodPost, "envs/"+env+"/collections", map[string]string{"name": "items"}, nil); st != http.StatusOK {
		t.Fatalf("create collection: %d", st)
	}
	for i := 0; i < 250; i++ {
		doc := map[string]any{"_id": fmt.Sprintf("d%03d", i), "n": i, "name": "名字 " + fmt.Sprint(i)}
		if st := f.call(t, http.MethodPost, "envs/"+env+"/collections/items/docs", map[string]any{"doc": doc}, nil); st != http.StatusOK {
			t.Fatalf("add %d: %d", i, st)
		}
	}
	var page struct {
		Docs  []map[string]any
		Total int64
	}
	f.call(t, http.MethodGet, "envs/"+env+"/collections/items/docs?skip=200&limit=40", nil, &page)
	if page.Total != 250 || len(page.Docs) != 40 || page.Docs[0]["_id"] != "d200" || page.Docs[39]["_id"] != "d239" {
		t.Fatalf("page: total %d, %d docs, first %v", page.Total, len(page.Docs), page.Docs[0]["_id"])
	}
	if st := f.call(t, http.MethodPut, "envs/"+env+"/collections/items/docs", map[string]any{"id": "d200", "doc": map[string]any{"name": "改过 edited"}}, nil); st != http.StatusOK {
		t.Fatalf("replace: %d", st)
	}
	if st := f.call(t, http.MethodPut, "envs/"+env+"/collections/items/docs", map[string]any{"id": "d201", "doc": map[string]any{"_id": "other"}}, nil); st != http.StatusBadRequest {
		t.Errorf("changing _id: %d, want 400", st)
	}
	if st := f.call(t, http.MethodDelete, "envs/"+env+"/collections/items/docs", map[string]any{"id": "d202"}, nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	var res struct {
		Docs    []map[string]any
		Explain map[string]any
		Error   string
	}
	f.call(t, http.MethodPost, "envs/"+env+"/statement", map[string]any{"statement": `db.collection("items").where({_id: _.in(["d200", "d202"])}).get()`}, &res)
	if res.Error != "" || len(res.Docs) != 1 || res.Docs[0]["name"] != "改过 edited" || res.Docs[0]["n"] != nil {
		t.Fatalf("after replace and delete: %+v", res)
	}
	if res.Explain["collection"] != "items" {
		t.Errorf("explain %+v", res.Explain)
	}
}

// TestRequestDetailsAreMasked: the request log shows WeChat and Cloud API
// calls with their secrets masked and tokens shortened.
func TestRequestDetailsAreMasked(t *testing.T) {
	f := start(t)
	tok, err := f.WeChat.StableToken(f.Ctx, config.EmulatorWxAppID, config.EmulatorWxSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Client.DescribeEnvs(f.Ctx); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Requests []struct {
			Seq  int64
			Name string
		}
	}
	f.call(t, http.MethodGet, "requests", nil, &list)
	seen := map[string]bool{}
	for _, r := range list.Requests {
		seen[r.Name] = true
		var raw json.RawMessage
		f.call(t, http.MethodGet, fmt.Sprint("requests/", r.Seq), nil, &raw)
		for _, secret := range []string{tok.AccessToken, config.EmulatorWxSecret, config.EmulatorSecretKey} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("request %s shows a secret: %s", r.Name, raw)
			}
		}
	}
	if !seen["POST /cgi-bin/stable_token"] || !seen["tcb.DescribeEnvs"] {
		t.Errorf("requests %v", seen)
	}
}

// TestImportExport: a JSON Lines file in, the same documents out.
func TestImportExport(t *testing.T) {
	f := start(t)
	env := f.NewEnv("io")
	f.call(t, http.MethodPost, "envs/"+env+"/collections", map[string]string{"name": "things"}, nil)
	var lines strings.Builder
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&lines, `{"_id":"k%04d","v":%d,"s":"行 %d"}`+"\n", i, i, i)
	}
	req, _ := http.NewRequest(http.MethodPost, f.Endpoint()+console.Path+"api/envs/"+env+"/collections/things/import?mode=insert", strings.NewReader(lines.String()))
	req.Header.Set(console.TokenHeader, f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"inserted":1500`) {
		t.Fatalf("import: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest(http.MethodGet, f.Endpoint()+console.Path+"api/envs/"+env+"/collections/things/export", nil)
	req.Header.Set(console.TokenHeader, f.token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != 1500 || !strings.Contains(got[1499], `"s":"行 1499"`) {
		t.Fatalf("export: %d lines, last %q", len(got), got[len(got)-1])
	}
}

// TestStreamEndsOnClose: an open event stream does not hold the
// emulator's shutdown.
func TestStreamEndsOnClose(t *testing.T) {
	f := start(t)
	req, _ := http.NewRequest(http.MethodGet, f.Endpoint()+console.Path+"api/events", nil)
	req.Header.Set(console.TokenHeader, f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Shutdown waits for open requests until its context ends: a stream
	// that held it would make Close take the whole 10 s.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	started := time.Now()
	if err := f.Close(ctx); err != nil {
		t.Fatalf("close with a stream open: %v", err)
	}
	if d := time.Since(started); d > 8*time.Second {
		t.Errorf("close took %v with a stream open", d)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Logf("stream ended: %v", err)
	}
}
