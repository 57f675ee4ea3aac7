package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// @cloudbase/manager-node 5 (the library the official CLI is built on)
// does everything issue 10 names against the emulator, on the state the
// CLI made: env info, collections, runCommands, import and export with
// their status, security domains, functions listed through tcb and invoked
// through scf, a timer trigger, log search.
func TestManagerNode(t *testing.T) {
	t.Parallel()
	mods := npmPackages(t, map[string]string{"@cloudbase/manager-node": "5.6.5"})
	emu := startEmulatorProcess(t)
	c := newCLI(t, emu)
	env := c.createEnv("manager")
	c.dir = t.TempDir()
	fnDir := filepath.Join(c.dir, "echo")
	if err := os.MkdirAll(fnDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fnDir, "index.js"), []byte("exports.main = async (event) => { console.log('echo', JSON.stringify(event)); return { got: event } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run("fn", "deploy", "echo", "--dir", fnDir, "--runtime", "Nodejs18.15", "-e", env)
	lines := `{"_id":"x1","title":"one"}` + "\n" + `{"_id":"x2","title":"two"}` + "\n" + `{"_id":"x3","title":"three"}` + "\n"
	if err := os.WriteFile(filepath.Join(c.dir, "books.json"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run("storage", "upload", filepath.Join(c.dir, "books.json"), "tmp/db-imports/books.json", "-e", env)

	script, _ := filepath.Abs(filepath.Join("testdata", "sdk", "manager.js"))
	cmd := exec.Command("node", script)
	cmd.Dir = mods
	cmd.Env = append(tokenEnv(), "ENDPOINT="+emu.Host, "SECRET_ID=AKIDtcbEmulatorLocalDevKey00001",
		"SECRET_KEY=tcbEmulatorLocalDevSecretKey000", "ENV_ID="+env, "FUNCTION=echo",
		"IMPORT_KEY=tmp/db-imports/books.json", "NODE_PATH="+filepath.Join(mods, "node_modules"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node manager.js: %v\n%s%s", err, out, stderr.String())
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// The only failures left are manager-node's own CORS edits on the
	// cloud's COS host, which it does not wait for.
	var stray []string
	json.Unmarshal(all["stray"], &stray)
	for _, s := range stray {
		if !strings.Contains(s, ".tencentcos.cn") {
			t.Errorf("unexpected unhandled rejection: %s", s)
		}
	}
	delete(all, "stray")
	r := map[string]struct {
		OK      bool            `json:"ok"`
		Value   json.RawMessage `json:"value"`
		Code    string          `json:"code"`
		Message string          `json:"message"`
	}{}
	for k, v := range all {
		x := r[k]
		if err := json.Unmarshal(v, &x); err != nil {
			t.Fatalf("%s: %v: %s", k, err, v)
		}
		r[k] = x
	}
	want := map[string]string{
		"envInfo":           fmt.Sprintf(`{"EnvId":"%s","Status":"NORMAL","db":true,"ns":"%s"}`, env, env),
		"createIfNotExists": `false`,
		"exists":            `true`,
		"missing":           `false`,
		"indexExists":       `true`,
		"describe":          `["_id_","by_title"]`,
		"list":              `["books"]`,
		"runCommands":       `["b"]`,
		"import":            `{"Status":"success","RecordSuccess":3,"RecordFail":0}`,
		"export":            `{"Status":"success","RecordSuccess":2,"lines":2}`,
		"deleteCollection":  `false`,
		"domainsAfter":      `["example.com","app.example.com"]`,
		"deleteDomain":      `1`,
		"domainsFinal":      `["app.example.com"]`,
		"listFunctions":     `["echo"]`,
		"scfInvoke":         `{"got":{"from":"manager"}}`,
		"scfInvokeFunction": `{"got":{"from":"invokeFunction"}}`,
		"invokeFunction":    `{"got":{"from":"invokeFunction-helper"}}`,
		"scfNamespaces":     fmt.Sprintf(`["%s"]`, env),
		"scfEventConfig":    `{"MsgTTL":21600,"RetryConfig":[{"RetryNum":2}]}`,
		"createTriggers":    `["nightly"]`,
		"searchLogs":        `["echo","echo","echo"]`,
	}
	for k, v := range want {
		if got := r[k]; !got.OK || string(got.Value) != v {
			t.Errorf("%s: %+v (value %s), want %s", k, got, got.Value, v)
		}
	}
	for _, k := range []string{"createCollection", "updateCollection", "createDomain"} {
		if !r[k].OK {
			t.Errorf("%s failed: %+v", k, r[k])
		}
	}
	if got := string(r["domainsBefore"].Value); !strings.Contains(got, `"localhost"`) {
		t.Errorf("domainsBefore %s: want the system domains", got)
	}
	// The exported file is in the env's bucket, where the CLI finds it.
	c.run("storage", "download", "exports/books.json", filepath.Join(c.dir, "exported.json"), "-e", env)
	b, err := os.ReadFile(filepath.Join(c.dir, "exported.json"))
	if err != nil || strings.Count(string(b), "\n") != 2 {
		t.Errorf("exported file: %q, %v", b, err)
	}
	// The CLI sees the domain manager-node added.
	if got := c.run("env", "domain", "list", "-e", env, "--jq", `.[] | select(.Type == "user") | .Domain`); got != "app.example.com\n" {
		t.Errorf("env domain list: %q", got)
	}
}

// tcb api: a signed call of any action, -e, --body from a file and stdin,
// --jq, and the exit codes of its failures.
func TestAPICommand(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t)
	c := newCLI(t, emu)
	env := c.createEnv("apicmd")
	c.dir = t.TempDir()

	if got := c.run("api", "tcb", "DescribeEnvs", "--jq", ".EnvList[].EnvId"); got != env+"\n" {
		t.Errorf("DescribeEnvs: %q", got)
	}
	var resp map[string]any
	if err := json.Unmarshal([]byte(c.run("api", "tcb", "DescribeAuthDomains", "-e", env)), &resp); err != nil || resp["RequestId"] == nil {
		t.Errorf("DescribeAuthDomains: %v %v", resp, err)
	}
	if got := c.run("api", "tcb", "CreateAuthDomain", "-e", env, "--body", `{"Domains":["a.example.com"]}`, "--jq", ".RequestId | length > 0"); got != "true\n" {
		t.Errorf("CreateAuthDomain: %q", got)
	}
	os.WriteFile(filepath.Join(c.dir, "body.json"), []byte(`{"EnvId":"`+env+`"}`), 0o644)
	if got := c.run("api", "tcb", "DescribeAuthDomains", "--body", "@body.json", "--jq", `[.Domains[] | select(.Type=="user") | .Domain]`); !strings.Contains(got, "a.example.com") {
		t.Errorf("--body @file: %q", got)
	}
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "api", "scf", "ListFunctions", "--body", "@-", "--jq", ".TotalCount")
	cmd.Env, cmd.Dir = c.env, c.dir
	cmd.Stdin = strings.NewReader(`{"Namespace":"` + env + `"}`)
	if out, err := cmd.Output(); err != nil || string(out) != "0\n" {
		t.Errorf("--body @-: %q %v", out, err)
	}

	for _, tc := range []struct {
		name string
		args []string
		env  []string
		code int
		err  string
	}{
		{"wrong key", []string{"api", "tcb", "DescribeEnvs"}, []string{"TENCENTCLOUD_SECRETID=AKIDtcbEmulatorLocalDevKey00001", "TENCENTCLOUD_SECRETKEY=wrong"}, 2, "AuthFailure"},
		{"unknown action", []string{"api", "tcb", "DescribeNothing"}, nil, 3, "InvalidAction"},
		{"unknown version", []string{"api", "tcb", "DescribeEnvs", "--version", "2099-01-01"}, nil, 3, "NoSuchVersion"},
		{"unknown service, no version", []string{"api", "foo", "DescribeBars"}, nil, 3, "--version"},
		{"missing env", []string{"api", "tcb", "DescribeAuthDomains", "--body", `{"EnvId":"nope-123456"}`}, nil, 4, "ResourceNotFound"},
		{"array body", []string{"api", "tcb", "DescribeEnvs", "--body", "[]"}, nil, 3, "JSON object"},
		{"broken body", []string{"api", "tcb", "DescribeEnvs", "--body", "{"}, nil, 3, "not valid JSON"},
		{"missing file", []string{"api", "tcb", "DescribeEnvs", "--body", "@nope.json"}, nil, 6, "nope.json"},
		{"conflicting env", []string{"api", "tcb", "DescribeAuthDomains", "-e", env, "--body", `{"EnvId":"other"}`}, nil, 3, "-e names"},
		{"unknown parameter", []string{"api", "tcb", "DescribeEnvs", "--body", `{"Bogus":1}`}, nil, 3, "UnknownParameter"},
		{"bad action name", []string{"api", "tcb", "describe-envs"}, nil, 3, "invalid action"},
	} {
		cc := *c
		cc.env = append(append([]string{}, c.env...), tc.env...)
		_, errOut, code := cc.try(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: exit %d (want %d), stderr %q (want %q)", tc.name, code, tc.code, errOut, tc.err)
		}
	}
}

// tcb env domain and tcb logs search on the emulator.
func TestEnvDomainAndLogsSearch(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t)
	c := newCLI(t, emu)
	env := c.createEnv("domains")
	c.dir = t.TempDir()

	c.run("env", "domain", "create", "a.example.com/b.example.com", "localhost:8080", "-e", env)
	if got := c.run("env", "domain", "list", "-e", env, "--jq", `[.[] | select(.Type=="user") | .Domain] | join(",")`); got != "a.example.com,b.example.com,localhost:8080\n" {
		t.Errorf("list: %q", got)
	}
	if _, errOut, code := c.try("env", "domain", "create", "a.example.com", "-e", env); code != 5 || !strings.Contains(errOut, "ResourceInUse") {
		t.Errorf("duplicate: exit %d %q", code, errOut)
	}
	if _, errOut, code := c.try("env", "domain", "create", "https://x.example.com", "-e", env); code != 3 || !strings.Contains(errOut, "scheme") {
		t.Errorf("scheme: exit %d %q", code, errOut)
	}
	if _, errOut, code := c.try("env", "domain", "delete", "b.example.com", "-e", env); code != 3 || !strings.Contains(errOut, "--yes") {
		t.Errorf("no --yes: exit %d %q", code, errOut)
	}
	if _, errOut, code := c.try("env", "domain", "delete", "localhost", "--yes", "-e", env); code != 3 || !strings.Contains(errOut, "system domain") {
		t.Errorf("system: exit %d %q", code, errOut)
	}
	if _, errOut, code := c.try("env", "domain", "delete", "c.example.com", "--yes", "-e", env); code != 4 {
		t.Errorf("unknown: exit %d %q", code, errOut)
	}
	if got := c.run("env", "domain", "delete", "b.example.com", "--dry-run", "-e", env); !strings.Contains(got, "Would delete") {
		t.Errorf("dry run: %q", got)
	}
	c.run("env", "domain", "delete", "b.example.com", "--yes", "-e", env)
	if got := c.run("env", "domain", "list", "-e", env, "--jq", `[.[] | select(.Type=="user") | .Domain] | join(",")`); got != "a.example.com,localhost:8080\n" {
		t.Errorf("after delete: %q", got)
	}

	fnDir := filepath.Join(c.dir, "hello")
	os.MkdirAll(fnDir, 0o755)
	os.WriteFile(filepath.Join(fnDir, "index.js"), []byte("exports.main = async (e) => { console.log('hello from', e.who); if (e.fail) throw new Error('boom'); return 'hi' }\n"), 0o644)
	c.run("fn", "deploy", "hello", "--dir", fnDir, "--runtime", "Nodejs18.15", "-e", env)
	for _, who := range []string{"ann", "bob", "cy"} {
		c.run("fn", "invoke", "hello", "--params", `{"who":"`+who+`"}`, "-e", env)
	}
	c.try("fn", "invoke", "hello", "--params", `{"who":"dan","fail":true}`, "-e", env)

	var page struct {
		Context  string
		ListOver bool
		Results  []struct{ Content string }
	}
	out := c.run("logs", "search", "-q", `function_name:"hello"`, "-l", "2", "--sort", "asc", "--json", "-e", env)
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Results) != 2 || page.ListOver || page.Context == "" {
		t.Fatalf("page 1: %v %s", err, out)
	}
	out = c.run("logs", "search", "-q", `function_name:"hello"`, "-l", "2", "--sort", "asc", "--json", "--context", page.Context, "-e", env)
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Results) != 2 || !page.ListOver {
		t.Fatalf("page 2: %v %s", err, out)
	}
	if !strings.Contains(page.Results[1].Content, "boom") {
		t.Errorf("the failed invocation last: %s", page.Results[1].Content)
	}
	if got := c.run("logs", "search", "-q", `level:ERROR`, "-t", "30m", "-e", env); strings.Count(got, "\n") != 1 || !strings.Contains(got, "hello") {
		t.Errorf("errors only: %q", got)
	}
	if got := c.run("logs", "search", "-q", `"from bob"`, "--json", "--jq", ".Results | length", "-e", env); got != "1\n" {
		t.Errorf("full text: %q", got)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"-l", "0"}, 3, "--limit"},
		{[]string{"-t", "2y"}, 3, "--timeRange"},
		{[]string{"-q", "* | select count(*)"}, 3, "SQL"},
		{[]string{"--context", "garbage!"}, 3, "Context"},
		{[]string{"-t", "2026-01-02 00:00:00,2026-01-01 00:00:00"}, 3, "before"},
	} {
		_, errOut, code := c.try(append([]string{"logs", "search", "-e", env}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("logs search %v: exit %d %q", tc.args, code, errOut)
		}
	}
}
