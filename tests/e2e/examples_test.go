package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// examples/wechat-miniprogram as its README runs it: a WeChat DevTools
// project whose functions use wx-server-sdk and tcb-router deploys with
// `tcb fn deploy --all`; every route works for mini-program users (each
// sees only their own todos) and through the WeChat HTTP API; the chain
// todo -> notify -> audit passes the user on; tcb db shows what the
// functions wrote. Then examples/koa-backend, with its token from
// `tcb token serve`, serves the same data over HTTP.
func TestWeChatMiniProgramExample(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "100ms")
	c := newCLI(t, emu)
	env := c.createEnv("todo")
	c.run("env", "use", env)
	for _, coll := range []string{"todos", "notifications", "audit"} {
		c.run("db", "collection", "create", coll)
	}
	c.dir = filepath.Join(t.TempDir(), "wechat-miniprogram")
	if err := os.CopyFS(c.dir, os.DirFS(filepath.Join(repoRoot, "examples", "wechat-miniprogram"))); err != nil {
		t.Fatal(err)
	}
	c.run("fn", "deploy", "--all", "--yes")

	type todo struct {
		ID    string `json:"_id"`
		Title string `json:"title"`
		Done  bool   `json:"done"`
		Owner string `json:"owner"`
	}
	type reply struct {
		OK      bool            `json:"ok"`
		ID      string          `json:"_id"`
		Todos   []todo          `json:"todos"`
		Stats   json.RawMessage `json:"stats"`
		Context wxContext       `json:"context"`
		Error   string          `json:"error"`
		Updated int             `json:"updated"`
	}
	as := func(openid string, event string) reply {
		t.Helper()
		var r reply
		c.invokeJSON(&r, "todo", "--openid", openid, "--params", event)
		return r
	}
	milk := as("oAlice", `{"$url":"add","title":"buy milk"}`)
	as("oAlice", `{"$url":"add","title":"call mum"}`)
	as("oBob", `{"$url":"add","title":"fix bike"}`)
	if !milk.OK || milk.ID == "" {
		t.Fatalf("add: %+v", milk)
	}
	if r := as("oAlice", `{"$url":"add","title":"   "}`); r.OK || r.Error == "" {
		t.Errorf("an empty title was accepted: %+v", r)
	}
	list := as("oAlice", `{"$url":"list"}`)
	if len(list.Todos) != 2 || list.Todos[0].Title != "call mum" || list.Todos[1].Owner != "oAlice" {
		t.Errorf("alice's list: %+v", list.Todos)
	}
	if r := as("oBob", `{"$url":"done","id":"`+milk.ID+`"}`); r.OK || r.Updated != 0 {
		t.Errorf("bob finished alice's todo: %+v", r)
	}
	if r := as("oAlice", `{"$url":"done","id":"`+milk.ID+`"}`); !r.OK {
		t.Errorf("done: %+v", r)
	}
	if r := as("oAlice", `{"$url":"stats"}`); string(r.Stats) != `[{"count":1,"done":false},{"count":1,"done":true}]` {
		t.Errorf("stats: %s", r.Stats)
	}
	if r := as("oBob", `{"$url":"whoami"}`); r.Context != (wxContext{OPENID: "oBob", APPID: "wx0e1a2b3c4d5e6f70", ENV: env, SOURCE: "wx_client"}) {
		t.Errorf("whoami: %+v", r.Context)
	}
	if r := as("oBob", `{"$url":"teleport"}`); r.OK || !strings.Contains(r.Error, "teleport") {
		t.Errorf("unknown route: %+v", r)
	}

	// Through the WeChat HTTP API a server sees every user's todos.
	var server reply
	if err := json.Unmarshal([]byte(c.run("fn", "invoke", "todo", "--via", "wechat", "--params", `{"$url":"list"}`)), &server); err != nil {
		t.Fatal(err)
	}
	if len(server.Todos) != 3 {
		t.Errorf("the server's list: %+v", server.Todos)
	}

	// What the functions wrote, through tcb db.
	var audit []struct{ Action, By, Source string }
	if err := json.Unmarshal([]byte(c.run("db", "query", "audit", "--where", `{"by":"oAlice"}`, "--json")), &audit); err != nil {
		t.Fatal(err)
	}
	if len(audit) != 3 { // two adds and one done
		t.Fatalf("audit of alice: %+v", audit)
	}
	for _, a := range audit {
		if a.Source != "wx_client,scf,scf" || !strings.HasPrefix(a.Action, "notify.") {
			t.Errorf("audit record %+v: want SOURCE wx_client,scf,scf", a)
		}
	}
	if n := strings.TrimSpace(c.run("db", "count", "notifications", "--where", `{"to":"oBob"}`)); n != "1" {
		t.Errorf("bob's notifications: %s", n)
	}

	// The koa backend, with its access_token from tcb token serve.
	mods := npmPackages(t, map[string]string{"koa": "2.15.3"})
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte("example-backend-key-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, c.env, filepath.Join(t.TempDir(), "serve.log"), "--auth-key-file", keyFile)
	backend := startNode(t, filepath.Join(repoRoot, "examples", "koa-backend", "server.js"), mods,
		"PORT=0", "TOKEN_SERVER="+srv.URL(), "TOKEN_SERVER_KEY=example-backend-key-0123456789",
		"WX_APPID=wx0e1a2b3c4d5e6f70", "ENV_ID="+env, "WECHAT_API=http://"+emu.Host)

	var todos struct {
		Total int    `json:"total"`
		Todos []todo `json:"todos"`
	}
	httpJSON(t, "GET", backend+"/api/todos", "", 200, &todos)
	if todos.Total != 3 || len(todos.Todos) != 3 {
		t.Errorf("GET /api/todos: %+v", todos)
	}
	var added reply
	httpJSON(t, "POST", backend+"/api/todos", `{"title":"from the backend"}`, 200, &added)
	if !added.OK || added.ID == "" {
		t.Fatalf("POST /api/todos: %+v", added)
	}
	var done reply
	httpJSON(t, "POST", backend+"/api/todos/"+added.ID+"/done", "", 200, &done)
	if !done.OK {
		t.Errorf("POST done: %+v", done)
	}
	var who reply
	httpJSON(t, "GET", backend+"/api/whoami", "", 200, &who)
	if who.Context != (wxContext{APPID: "wx0e1a2b3c4d5e6f70", ENV: env, SOURCE: "wx_http"}) {
		t.Errorf("GET /api/whoami: %+v", who.Context)
	}
	var owner []todo
	if err := json.Unmarshal([]byte(c.run("db", "query", "todos", "--where", `{"_id":"`+added.ID+`"}`, "--json")), &owner); err != nil || len(owner) != 1 || owner[0].Owner != "server" || !owner[0].Done {
		t.Errorf("the backend's todo in the database: %+v %v", owner, err)
	}
}

// startNode runs a Node server script with NODE_PATH at mods' node_modules,
// waits for its "listening on URL" line and returns the URL.
func startNode(t *testing.T, script, mods string, env ...string) string {
	t.Helper()
	cmd := exec.Command("node", script)
	cmd.Env = append(tokenEnv(env...), "NODE_PATH="+filepath.Join(mods, "node_modules"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	urls := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				select {
				case urls <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("%s exited: %s", script, stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start: %s", script, stderr.String())
	}
	return ""
}

// httpJSON sends a request and decodes the JSON answer, which must come with
// status want.
func httpJSON(t *testing.T, method, url, body string, want int, v any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", method, url, resp.StatusCode, want, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s: %v: %s", method, url, err, b)
	}
}
