package fnrun

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInvokeReturnValues(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	src := `
exports.object = async () => ({a: 1, b: [true, null], s: "x"});
exports.string = async () => "hello";
exports.number = async () => 42.5;
exports.undef = async () => undefined;
exports.nul = async () => null;
exports.syncValue = (event) => ({sync: event.v});
exports.promise = (event) => new Promise((res) => setTimeout(() => res({later: event.v}), 20));
exports.callback = (event, context, callback) => { setTimeout(() => callback(null, {cb: event.v}), 10); };
exports.callbackSync = function (event, context, callback) { callback(undefined, "direct"); };
exports.unicode = async () => "中文 ✓";
`
	fn := jsFunc(t, "ret", src)
	tests := []struct {
		handler string
		want    string
	}{
		{"object", `{"a":1,"b":[true,null],"s":"x"}`},
		{"string", `"hello"`},
		{"number", `42.5`},
		{"undef", `null`},
		{"nul", `null`},
		{"syncValue", `{"sync":7}`},
		{"promise", `{"later":7}`},
		{"callback", `{"cb":7}`},
		{"callbackSync", `"direct"`},
		{"unicode", `"中文 ✓"`},
	}
	for _, tt := range tests {
		t.Run(tt.handler, func(t *testing.T) {
			f := fn
			f.Name = "ret-" + tt.handler
			f.Handler = "index." + tt.handler
			r, err := p.Invoke(context.Background(), f, []byte(`{"v": 7}`), InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != StatusOK || r.InvokeResult != 0 || r.ErrMsg != "" {
				t.Fatalf("status %d result %d ErrMsg %s", r.StatusCode, r.InvokeResult, r.ErrMsg)
			}
			if r.RetMsg != tt.want {
				t.Errorf("RetMsg = %s, want %s", r.RetMsg, tt.want)
			}
			if r.Duration <= 0 || r.BillDuration < 1 || float64(r.BillDuration) < r.Duration {
				t.Errorf("Duration %v BillDuration %v", r.Duration, r.BillDuration)
			}
			if r.MemUsage < 1<<20 {
				t.Errorf("MemUsage %d", r.MemUsage)
			}
			if r.PID <= 0 || r.RequestID == "" {
				t.Errorf("PID %d RequestID %q", r.PID, r.RequestID)
			}
		})
	}
}

func TestHandlerPathsAndModules(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	tests := []struct {
		name    string
		files   map[string]string
		handler string
		want    string
	}{
		{"subdir", map[string]string{"src/app.js": `exports.handler = async () => "sub";`}, "src/app.handler", `"sub"`},
		{"dir index", map[string]string{"lib/index.js": `exports.main = async () => "dir";`}, "lib.main", `"dir"`},
		{"local require", map[string]string{
			"index.js":                  `const h = require("./helper"); const d = require("dep"); exports.main = async () => h() + d;`,
			"helper.js":                 `module.exports = () => "helper+";`,
			"node_modules/dep/index.js": `module.exports = "dep";`,
		}, "index.main", `"helper+dep"`},
		{"esm mjs", map[string]string{"index.mjs": `export const main = async (e) => ({esm: e.v});`}, "index.main", `{"esm":1}`},
		{"esm type module", map[string]string{
			"package.json": `{"type":"module"}`,
			"index.js":     `export async function main() { return "module"; }`,
		}, "index.main", `"module"`},
		{"default handler", map[string]string{"index.js": `exports.main = () => "default";`}, "", `"default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := Function{Name: "paths-" + strings.ReplaceAll(tt.name, " ", "-"), Handler: tt.handler,
				CodeDir: writeFunc(t, tt.files), Timeout: 2 * time.Second}
			r, err := p.Invoke(context.Background(), fn, []byte(`{"v":1}`), InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != StatusOK {
				t.Fatalf("status %d ErrMsg %s Log %s", r.StatusCode, r.ErrMsg, r.Log)
			}
			if r.RetMsg != tt.want {
				t.Errorf("RetMsg = %s, want %s", r.RetMsg, tt.want)
			}
		})
	}
}

func TestEventAndContext(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "ctx", `
exports.main = async (event, context) => {
  await new Promise((r) => setTimeout(r, 50));
  return {event, context, remaining: context.getRemainingTimeInMillis()};
};`)
	fn.Env = map[string]string{"FOO": "bar"}
	fn.Timeout = 1500 * time.Millisecond
	event := `{"s":"x\ny","n":[1,2,{"deep":true}],"u":"中"}`
	r, err := p.Invoke(context.Background(), fn, []byte(event), InvokeOptions{RequestID: "req-123"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Event     json.RawMessage `json:"event"`
		Context   map[string]any  `json:"context"`
		Remaining float64         `json:"remaining"`
	}
	retJSON(t, r, &got)
	if string(got.Event) != event {
		t.Errorf("event = %s", got.Event)
	}
	if r.RequestID != "req-123" {
		t.Errorf("RequestID = %q", r.RequestID)
	}
	want := map[string]any{
		"request_id":         "req-123",
		"requestId":          "req-123",
		"function_name":      "ctx",
		"function_version":   "$LATEST",
		"namespace":          "test-env-1",
		"memory_limit_in_mb": float64(128),
		"time_limit_in_ms":   float64(1500),
	}
	for k, v := range want {
		if got.Context[k] != v {
			t.Errorf("context.%s = %v, want %v", k, got.Context[k], v)
		}
	}
	environ, _ := got.Context["environ"].(string)
	for _, kv := range []string{"FOO=bar", "SCF_FUNCTION_NAME=ctx", "SCF_NAMESPACE=test-env-1", "TCB_ENV=test-env-1"} {
		if !strings.Contains(";"+environ+";", ";"+kv+";") {
			t.Errorf("environ %q lacks %s", environ, kv)
		}
	}
	if strings.Contains(";"+environ, ";PATH=") || strings.Contains(environ, ";HOME=") {
		t.Errorf("environ has host PATH: %q", environ)
	}
	if got.Remaining <= 0 || got.Remaining > 1450 {
		t.Errorf("getRemainingTimeInMillis = %v", got.Remaining)
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("TENCENTCLOUD_SECRETKEY", "parent-secret")
	t.Setenv("TENCENTCLOUD_SECRETID", "parent-id")
	t.Setenv("TCB_FNRUN_PARENT_ONLY", "parent-value")
	p := newTestPool(t, PoolOptions{BaseEnv: []string{"FROM_BASE=base", "OVERRIDE=base"}})
	fn := jsFunc(t, "envfn", `
const atLoad = process.env.TENCENTCLOUD_SECRETKEY || null;
exports.main = async () => ({env: process.env, atLoad});`)
	fn.Env = map[string]string{"USER_VAR": "user", "OVERRIDE": "user", "SCF_NAMESPACE": "spoofed"}
	type out struct {
		Env    map[string]string `json:"env"`
		AtLoad *string           `json:"atLoad"`
	}
	invoke := func(opts InvokeOptions) out {
		t.Helper()
		r, err := p.Invoke(context.Background(), fn, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		var o out
		retJSON(t, r, &o)
		return o
	}

	creds := &Credentials{SecretID: "AKIDpassed", SecretKey: "passed-key", SessionToken: "tok"}
	first := invoke(InvokeOptions{Credentials: creds})
	if first.AtLoad == nil || *first.AtLoad != "passed-key" {
		t.Errorf("credentials not visible at module load: %v", first.AtLoad)
	}
	second := invoke(InvokeOptions{}) // same warm instance, no credentials
	third := invoke(InvokeOptions{Env: map[string]string{"WX_OPENID": "o-third", "OVERRIDE": "per-call", "USER_VAR": ""}})
	fourth := invoke(InvokeOptions{})
	tests := []struct {
		name string
		env  map[string]string
		key  string
		want string // "" = must be absent
	}{
		{"user var", first.Env, "USER_VAR", "user"},
		{"base env", first.Env, "FROM_BASE", "base"},
		{"function env over base", first.Env, "OVERRIDE", "user"},
		{"function name", first.Env, "SCF_FUNCTION_NAME", "envfn"},
		{"handler", first.Env, "SCF_FUNCTION_HANDLER", "index.main"},
		{"namespace is system", first.Env, "SCF_NAMESPACE", "test-env-1"},
		{"tcb env", first.Env, "TCB_ENV", "test-env-1"},
		{"run env", first.Env, "TENCENTCLOUD_RUNENV", "SCF"},
		{"runtime", first.Env, "SCF_RUNTIME", "Nodejs20.19"},
		{"passed secret id", first.Env, "TENCENTCLOUD_SECRETID", "AKIDpassed"},
		{"passed secret key", first.Env, "TENCENTCLOUD_SECRETKEY", "passed-key"},
		{"passed token", first.Env, "TENCENTCLOUD_SESSIONTOKEN", "tok"},
		{"path kept", first.Env, "PATH", "*"},
		{"parent var absent", first.Env, "TCB_FNRUN_PARENT_ONLY", ""},
		{"no creds: key absent", second.Env, "TENCENTCLOUD_SECRETKEY", ""},
		{"no creds: id absent", second.Env, "TENCENTCLOUD_SECRETID", ""},
		{"no creds: token absent", second.Env, "TENCENTCLOUD_SESSIONTOKEN", ""},
		{"no creds: parent var absent", second.Env, "TCB_FNRUN_PARENT_ONLY", ""},
		{"per-invocation var", third.Env, "WX_OPENID", "o-third"},
		{"per-invocation var over the function's", third.Env, "OVERRIDE", "per-call"},
		{"per-invocation unset", third.Env, "USER_VAR", ""},
		{"per-invocation var gone next time", fourth.Env, "WX_OPENID", ""},
		{"function's var back next time", fourth.Env, "OVERRIDE", "user"},
		{"unset var back next time", fourth.Env, "USER_VAR", "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.env[tt.key]
			switch {
			case tt.want == "" && ok:
				t.Errorf("%s = %q, want absent", tt.key, v)
			case tt.want == "*" && !ok:
				t.Errorf("%s absent", tt.key)
			case tt.want != "" && tt.want != "*" && v != tt.want:
				t.Errorf("%s = %q, want %q", tt.key, v, tt.want)
			}
		})
	}
	for k, v := range second.Env {
		if v == "parent-secret" || v == "parent-id" {
			t.Errorf("parent secret leaked as %s", k)
		}
	}
}

func TestUserErrors(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	tests := []struct {
		name      string
		files     map[string]string
		handler   string
		status    int
		msg       string // in errorMessage
		stack     string // in stackTrace
		warmAfter bool   // the instance survives
	}{
		{"throw", map[string]string{"index.js": `exports.main = async () => { throw new Error("boom"); };`},
			"index.main", 430, "boom", "index.js", true},
		{"sync throw", map[string]string{"index.js": `exports.main = () => { null.x; };`},
			"index.main", 430, "Cannot read properties of null", "index.js", true},
		{"throw string", map[string]string{"index.js": `exports.main = async () => { throw "plain"; };`},
			"index.main", 430, "plain", "", true},
		{"rejected promise", map[string]string{"index.js": `exports.main = () => Promise.reject(new TypeError("nope"));`},
			"index.main", 430, "nope", "TypeError", true},
		{"callback error", map[string]string{"index.js": `exports.main = (e, c, cb) => cb(new Error("cb failed"));`},
			"index.main", 430, "cb failed", "index.js", true},
		{"circular result", map[string]string{"index.js": `exports.main = async () => { const o = {}; o.o = o; return o; };`},
			"index.main", 430, "circular", "", true},
		{"syntax error", map[string]string{"index.js": `exports.main = async () => {`},
			"index.main", 430, "Unexpected end of input", "", true},
		{"missing dependency", map[string]string{"index.js": `require("not-installed"); exports.main = async () => 1;`},
			"index.main", 430, "not-installed", "", true},
		{"file missing", map[string]string{"other.js": `exports.main = async () => 1;`},
			"index.main", 437, "not found", "", true},
		{"export missing", map[string]string{"index.js": `exports.other = async () => 1;`},
			"index.main", 437, "not a function", "", true},
		{"export not a function", map[string]string{"index.js": `exports.main = 5;`},
			"index.main", 437, "not a function", "", true},
		{"bad handler", map[string]string{"index.js": `exports.main = async () => 1;`},
			"index", 437, "invalid handler", "", true},
		{"response too large", map[string]string{"index.js": `exports.main = async () => "x".repeat(7 * 1024 * 1024);`},
			"index.main", 407, "larger than", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := Function{Name: "err-" + strings.ReplaceAll(tt.name, " ", "-"), Namespace: "ns",
				Handler: tt.handler, CodeDir: writeFunc(t, tt.files), Timeout: 2 * time.Second}
			r, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{RequestID: "rid-" + fn.Name})
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tt.status || r.InvokeResult != -1 || r.RetMsg != "" {
				t.Fatalf("status %d result %d RetMsg %q ErrMsg %s", r.StatusCode, r.InvokeResult, r.RetMsg, r.ErrMsg)
			}
			e := errPayloadOf(t, r)
			if e.StatusCode != tt.status || e.ErrorCode != -1 || e.RequestID != "rid-"+fn.Name {
				t.Errorf("payload %+v", e)
			}
			if !strings.Contains(e.ErrorMessage, tt.msg) {
				t.Errorf("errorMessage %q lacks %q", e.ErrorMessage, tt.msg)
			}
			if !strings.Contains(e.StackTrace, tt.stack) {
				t.Errorf("stackTrace %q lacks %q", e.StackTrace, tt.stack)
			}
			if strings.Contains(e.StackTrace, "bootstrap-") {
				t.Errorf("stackTrace shows the bootstrap: %q", e.StackTrace)
			}
			r2, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if warm := !r2.ColdStart && r2.PID == r.PID; warm != tt.warmAfter {
				t.Errorf("instance reused = %v, want %v", warm, tt.warmAfter)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "input", `exports.main = async (e) => e;`)
	tests := []struct {
		name    string
		runtime string
		event   []byte
		want    error
		status  int
	}{
		{"python runtime", "Python3.9", nil, ErrUnsupportedRuntime, 0},
		{"go runtime", "Go1", nil, ErrUnsupportedRuntime, 0},
		{"not json", "Nodejs18.15", []byte(`{bad`), ErrInvalidEvent, StatusInvalidEvent},
		{"too large", "Nodejs18.15", []byte(`"` + strings.Repeat("x", MaxEventBytes) + `"`), ErrEventTooLarge, StatusRequestTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fn
			f.Runtime = tt.runtime
			_, err := p.Invoke(context.Background(), f, tt.event, InvokeOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := ErrorStatus(err); got != tt.status {
				t.Errorf("ErrorStatus = %d, want %d", got, tt.status)
			}
		})
	}
	var ure *UnsupportedRuntimeError
	if _, err := p.Invoke(context.Background(), Function{Name: "x", Runtime: "Php7"}, nil, InvokeOptions{}); !errors.As(err, &ure) || ure.Runtime != "Php7" {
		t.Errorf("err = %v, want *UnsupportedRuntimeError", err)
	}
	if _, err := p.Invoke(context.Background(), Function{Name: "nodir", CodeDir: "/nonexistent/fnrun"}, nil, InvokeOptions{}); !errors.Is(err, ErrStart) {
		t.Errorf("missing code dir: err = %v, want ErrStart", err)
	}
	r, err := p.Invoke(context.Background(), fn, []byte("  "), InvokeOptions{})
	if err != nil || r.RetMsg != "{}" {
		t.Errorf("empty event: %v %+v", err, r)
	}
}

func TestNodeHelpers(t *testing.T) {
	tests := []struct {
		runtime string
		node    bool
		major   int
	}{
		{"", true, 0},
		{"Nodejs", true, 0},
		{"Nodejs18.15", true, 18},
		{"nodejs20.19", true, 20},
		{"Nodejs8.9", true, 8},
		{"Python3.9", false, 0},
		{"CustomRuntime", false, 0},
	}
	for _, tt := range tests {
		if got := IsNodeRuntime(tt.runtime); got != tt.node {
			t.Errorf("IsNodeRuntime(%q) = %v", tt.runtime, got)
		}
		if got := RuntimeNodeMajor(tt.runtime); got != tt.major {
			t.Errorf("RuntimeNodeMajor(%q) = %d", tt.runtime, got)
		}
	}
	if NodeMajor("v20.11.1\n") != 20 || NodeMajor("garbage") != 0 {
		t.Error("NodeMajor")
	}
	needNode(t)
	v, err := NewPool(PoolOptions{}).NodeVersion(context.Background())
	if err != nil || NodeMajor(v) < 10 {
		t.Errorf("NodeVersion = %q, %v", v, err)
	}
	if _, err := NodeVersion(context.Background(), "/nonexistent/node"); !errors.Is(err, ErrNodeNotFound) {
		t.Errorf("missing node: %v", err)
	}
	p := NewPool(PoolOptions{NodePath: "/nonexistent/node"})
	defer p.Close()
	if _, err := p.Invoke(context.Background(), Function{Name: "x", CodeDir: t.TempDir()}, nil, InvokeOptions{}); !errors.Is(err, ErrNodeNotFound) {
		t.Errorf("pool with missing node: %v", err)
	}
}

func TestRequestID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewRequestID()
		if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 || seen[id] {
			t.Fatalf("bad id %q", id)
		}
		seen[id] = true
	}
}

// An invocation sees exactly its own variables over the function's, even
// when the previous one had the same values and its code changed them; a
// variable the code changes that the invocation did not set stays changed,
// as in a warm SCF instance.
func TestInvocationVarsAfterChanges(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "varsfn", `
exports.main = async (e) => {
  const seen = {openid: process.env.WX_OPENID || null, own: process.env.OWN || null};
  if (e.tamper) { process.env.WX_OPENID = "tampered"; process.env.OWN = "tampered"; }
  return seen;
};`)
	fn.Env = map[string]string{"OWN": "own"}
	steps := []struct {
		env    map[string]string
		tamper bool
		want   string
	}{
		{map[string]string{"WX_OPENID": "o1", "OWN": "per-call"}, true, `{"openid":"o1","own":"per-call"}`},
		{map[string]string{"WX_OPENID": "o1", "OWN": "per-call"}, false, `{"openid":"o1","own":"per-call"}`},
		{map[string]string{"WX_OPENID": "o1"}, true, `{"openid":"o1","own":"own"}`},
		{nil, false, `{"openid":null,"own":"tampered"}`},
		{map[string]string{"OWN": ""}, false, `{"openid":null,"own":null}`},
		{nil, false, `{"openid":null,"own":"tampered"}`},
	}
	pid := 0
	for i, s := range steps {
		event := `{}`
		if s.tamper {
			event = `{"tamper":true}`
		}
		r, err := p.Invoke(context.Background(), fn, []byte(event), InvokeOptions{Env: s.env})
		if err != nil || !r.OK() {
			t.Fatalf("step %d: %v %+v", i, err, r)
		}
		if pid != 0 && r.PID != pid {
			t.Fatalf("step %d ran in another instance", i)
		}
		pid = r.PID
		if r.RetMsg != s.want {
			t.Errorf("step %d saw %s, want %s", i, r.RetMsg, s.want)
		}
	}
}
