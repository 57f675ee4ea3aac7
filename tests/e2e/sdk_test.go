package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cli runs the built tcb against one emulator with its own config dir.
type cli struct {
	t   *testing.T
	env []string
	dir string
}

func newCLI(t *testing.T, emu *emuProcess, extra ...string) *cli {
	return &cli{t: t, env: tokenEnv(append([]string{"TCB_EMULATOR_HOST=" + emu.Host, "TCB_CONFIG_DIR=" + t.TempDir()}, extra...)...)}
}

// try runs tcb and returns its stdout, stderr and exit code.
func (c *cli) try(args ...string) (string, string, int) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("tcb %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// run runs tcb and fails the test unless it exits 0.
func (c *cli) run(args ...string) string {
	c.t.Helper()
	out, errs, code := c.try(args...)
	if code != 0 {
		c.t.Fatalf("tcb %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// createEnv makes an environment and waits until it is NORMAL.
func (c *cli) createEnv(alias string) string {
	c.t.Helper()
	var env struct{ EnvId string }
	if err := json.Unmarshal([]byte(c.run("env", "create", alias, "--json")), &env); err != nil || env.EnvId == "" {
		c.t.Fatalf("env create: %v", err)
	}
	return env.EnvId
}

// invokeJSON invokes a function through the Cloud API and decodes what it
// returned into v.
func (c *cli) invokeJSON(v any, name string, args ...string) {
	c.t.Helper()
	out := c.run(append([]string{"fn", "invoke", name, "--json"}, args...)...)
	var res struct{ RetMsg, ErrMsg string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		c.t.Fatalf("fn invoke %s: %v\n%s", name, err, out)
	}
	if err := json.Unmarshal([]byte(res.RetMsg), v); err != nil {
		c.t.Fatalf("fn invoke %s returned %q: %v", name, res.RetMsg, err)
	}
}

// suiteResult is what the SDK suites return per check.
type suiteResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Got  string `json:"got"`
}

func assertChecks(t *testing.T, suite string, results []suiteResult, min int) {
	t.Helper()
	if len(results) < min {
		t.Errorf("%s: only %d checks ran, want at least %d", suite, len(results), min)
	}
	for _, r := range results {
		if !r.OK {
			t.Errorf("%s: %s: got %s", suite, r.Name, r.Got)
		}
	}
}

type wxContext struct {
	OPENID, APPID, UNIONID, ENV, SOURCE string
}

// writeSDKProject copies the suite functions into a new project for env.
func writeSDKProject(t *testing.T, env string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "functions"), os.DirFS(filepath.Join("testdata", "sdk", "functions"))); err != nil {
		t.Fatal(err)
	}
	fns := []map[string]any{}
	for _, name := range []string{"wxsuite", "nodesuite", "chain1", "chain2", "chain3", "thrower"} {
		fns = append(fns, map[string]any{"name": name, "timeout": 30})
	}
	fns = append(fns, map[string]any{"name": "ticker", "timeout": 10,
		"triggers": []map[string]string{{"name": "each-second", "type": "timer", "config": "* * * * * * *"}}})
	rc, _ := json.MarshalIndent(map[string]any{
		"version": "2.0", "envId": env, "functionRoot": "functions",
		"functionDefaultConfig": map[string]any{"runtime": "Nodejs18.15", "handler": "index.main", "installDependency": true},
		"functions":             fns,
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "cloudbaserc.json"), rc, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The scenario the emulator exists for: functions written with
// wx-server-sdk and @cloudbase/node-sdk (installed from npm on deploy, as
// on the platform) use the database, transactions and callFunction, and
// see who called them, without a line changed for the emulator.
func TestServerSDKsInFunctions(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "100ms")
	c := newCLI(t, emu)
	env := c.createEnv("sdk")
	c.dir = writeSDKProject(t, env)
	for _, coll := range []string{"wx_items", "wx_orders", "wx_accounts", "wx_places", "node_docs", "node_accounts", "ticks"} {
		c.run("db", "collection", "create", coll)
	}
	c.run("db", "index", "create", "wx_places", "--key", "loc:2dsphere")
	c.run("fn", "deploy", "--all", "--yes")

	// wx-server-sdk, called as a mini-program user.
	var wx struct {
		Results []suiteResult `json:"results"`
		Ctx     wxContext     `json:"ctx"`
		Chain   struct {
			Fn   string    `json:"fn"`
			Ctx  wxContext `json:"ctx"`
			Next struct {
				Fn   string    `json:"fn"`
				Ctx  wxContext `json:"ctx"`
				Next struct {
					Fn  string    `json:"fn"`
					Hop int       `json:"hop"`
					Ctx wxContext `json:"ctx"`
				} `json:"next"`
			} `json:"next"`
		} `json:"chain"`
	}
	c.invokeJSON(&wx, "wxsuite", "--openid", "oWxUser", "--unionid", "uWxUser",
		"--params", `{"c":{"items":"wx_items","orders":"wx_orders","accounts":"wx_accounts","places":"wx_places"}}`)
	assertChecks(t, "wx-server-sdk", wx.Results, 50)
	if want := (wxContext{OPENID: "oWxUser", APPID: "wx0e1a2b3c4d5e6f70", UNIONID: "uWxUser", ENV: env, SOURCE: "wx_client"}); wx.Ctx != want {
		t.Errorf("getWXContext() of a mini-program call: %+v, want %+v", wx.Ctx, want)
	}
	ch := wx.Chain
	if ch.Fn != "chain1" || ch.Next.Fn != "chain2" || ch.Next.Next.Fn != "chain3" || ch.Next.Next.Hop != 2 {
		t.Errorf("callFunction chain: %+v", ch)
	}
	for i, got := range []wxContext{ch.Ctx, ch.Next.Ctx, ch.Next.Next.Ctx} {
		want := wxContext{OPENID: "oWxUser", APPID: "wx0e1a2b3c4d5e6f70", UNIONID: "uWxUser", ENV: env,
			SOURCE: "wx_client" + strings.Repeat(",scf", i+1)}
		if got != want {
			t.Errorf("getWXContext() %d calls deep: %+v, want %+v", i+1, got, want)
		}
	}

	// The same data through the other doors: tcb db (WeChat HTTP API) and
	// the Cloud API.
	if out := strings.TrimSpace(c.run("db", "count", "wx_items")); out != "10" {
		t.Errorf("tcb db count wx_items = %q, want 10 (the documents the function wrote)", out)
	}
	var accounts []struct {
		ID  string  `json:"_id"`
		Bal float64 `json:"bal"`
	}
	if err := json.Unmarshal([]byte(c.run("db", "query", `db.collection("wx_accounts").where({bal: db.command.exists(true)}).orderBy("_id","asc").get()`, "--json")), &accounts); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(accounts) != "[{alice 71} {bob 35}]" {
		t.Errorf("accounts after the transactions, through tcb db query: %v", accounts)
	}
	if out := strings.TrimSpace(c.run("db", "count", "wx_items", "--via", "api")); out != "10" {
		t.Errorf("tcb db count --via api = %q, want 10", out)
	}
	// The places the function wrote, near Guangzhou, through a statement.
	near := c.run("db", "query", `db.collection("wx_places").where({loc: _.geoNear({geometry: db.Geo.Point(113.2644, 23.1291), maxDistance: 50000})}).get()`, "--json", "--jq", "[.[]._id] | join(\",\")")
	if strings.TrimSpace(near) != "gz,fs" {
		t.Errorf("geoNear through tcb db query: %q", near)
	}

	// @cloudbase/node-sdk.
	var node struct {
		Results []suiteResult `json:"results"`
	}
	c.invokeJSON(&node, "nodesuite", "--openid", "oNodeUser", "--appid", "wxNodeApp",
		"--params", `{"c":{"docs":"node_docs","accounts":"node_accounts"},"openid":"oNodeUser","appid":"wxNodeApp"}`)
	assertChecks(t, "@cloudbase/node-sdk", node.Results, 16)

	// getWXContext on every entry path.
	var viaAPI, viaWeChat struct {
		Ctx wxContext `json:"ctx"`
	}
	c.invokeJSON(&viaAPI, "chain3")
	if want := (wxContext{ENV: env}); viaAPI.Ctx != want {
		t.Errorf("getWXContext() of a Cloud API invocation: %+v, want %+v", viaAPI.Ctx, want)
	}
	if err := json.Unmarshal([]byte(c.run("fn", "invoke", "chain3", "--via", "wechat")), &viaWeChat); err != nil {
		t.Fatal(err)
	}
	if want := (wxContext{APPID: "wx0e1a2b3c4d5e6f70", ENV: env, SOURCE: "wx_http"}); viaWeChat.Ctx != want {
		t.Errorf("getWXContext() through /tcb/invokecloudfunction: %+v, want %+v", viaWeChat.Ctx, want)
	}

	// The timer trigger fires every second: its runs say TRIGGER_SRC=timer.
	deadline := time.Now().Add(60 * time.Second)
	for strings.TrimSpace(c.run("db", "count", "ticks")) == "0" {
		if time.Now().After(deadline) {
			t.Fatalf("the timer trigger wrote nothing within 60 s; logs:\n%s", c.run("fn", "log", "ticker"))
		}
		c.run("fn", "log", "ticker", "--limit", "1") // a cheap call between polls
	}
	var ticks []struct {
		Trigger, Source, Type, Name string
	}
	if err := json.Unmarshal([]byte(c.run("db", "query", "ticks", "--limit", "1", "--json")), &ticks); err != nil || len(ticks) != 1 {
		t.Fatalf("ticks: %v %v", ticks, err)
	}
	if tk := ticks[0]; tk.Trigger != "timer" || tk.Source != "wx_trigger" || tk.Type != "Timer" || tk.Name != "each-second" {
		t.Errorf("a timer run saw %+v, want TRIGGER_SRC timer, SOURCE wx_trigger", tk)
	}

	// Requests the emulator cannot answer are counted.
	var st struct {
		Unimplemented []struct{ Kind, Name string } `json:"unimplemented"`
		SDKCalls      map[string]int                `json:"sdk_calls"`
	}
	getJSON(t, emu.Endpoint+"/_emulator/state", &st)
	for _, a := range []string{"database.getDocument", "database.startTransaction", "database.commitTransaction",
		"database.abortTransaction", "database.modifyAndReturnDoc", "database.aggregateDocuments", "functions.invokeFunction"} {
		if st.SDKCalls[a] == 0 {
			t.Errorf("the suites never called %s (sdk_calls %v)", a, st.SDKCalls)
		}
	}
}

// Tencent's Node clients, which sign the host without the port: the Cloud
// API SDK (CommonClient, the scf client) and @cloudbase/manager-node list
// the environments and functions the CLI made, invoke a function, and are
// refused with a wrong key.
func TestTencentNodeClients(t *testing.T) {
	t.Parallel()
	mods := npmPackages(t, map[string]string{
		"tencentcloud-sdk-nodejs-common": "4.1.220",
		"tencentcloud-sdk-nodejs-scf":    "4.1.151",
		"@cloudbase/manager-node":        "5.6.5",
	})
	emu := startEmulatorProcess(t, "--latency", "100ms")
	c := newCLI(t, emu)
	env := c.createEnv("clients")
	c.dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(c.dir, "echo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "echo", "index.js"), []byte("exports.main = async (event) => ({ got: event })\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run("fn", "deploy", "echo", "--dir", filepath.Join(c.dir, "echo"), "--runtime", "Nodejs18.15", "-e", env)

	script, _ := filepath.Abs(filepath.Join("testdata", "sdk", "clients.js"))
	cmd := exec.Command("node", script)
	cmd.Dir = mods
	cmd.Env = append(tokenEnv(), "ENDPOINT="+emu.Host, "SECRET_ID=AKIDtcbEmulatorLocalDevKey00001",
		"SECRET_KEY=tcbEmulatorLocalDevSecretKey000", "ENV_ID="+env, "FUNCTION=echo", "NODE_PATH="+filepath.Join(mods, "node_modules"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node clients.js: %v\n%s", err, out)
	}
	type attempt struct {
		OK      bool            `json:"ok"`
		Value   json.RawMessage `json:"value"`
		Code    string          `json:"code"`
		Message string          `json:"message"`
	}
	var r map[string]attempt
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{
		"commonEnvs":       fmt.Sprintf(`["%s"]`, env),
		"scfList":          `["echo"]`,
		"scfInvoke":        `{"got":{"from":"scf-sdk"}}`,
		"managerEnvs":      fmt.Sprintf(`["%s"]`, env),
		"managerFunctions": `["echo"]`,
	}
	for k, v := range want {
		if got := r[k]; !got.OK || string(got.Value) != v {
			t.Errorf("%s: %+v (value %s), want %s", k, got, got.Value, v)
		}
	}
	for _, k := range []string{"wrongKey", "managerWrongKey"} {
		if got := r[k]; got.OK || got.Code != "AuthFailure.SignatureFailure" {
			t.Errorf("%s: %+v, want AuthFailure.SignatureFailure", k, got)
		}
	}
}
