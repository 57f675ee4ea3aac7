package functions

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

const tinyPkg = `{"name":"tiny","version":"1.0.0","main":"index.js"}`

func depsZip(t *testing.T, index, pkgJSON string, extra map[string]string) []byte {
	files := map[string]string{
		"index.js":                  index,
		"package.json":              pkgJSON,
		"vendor/tiny/package.json":  tinyPkg,
		"vendor/tiny/index.js":      `module.exports = (x) => 'tiny:' + x;`,
		"vendor/tiny/lib/helper.js": `module.exports = 1;`,
	}
	for k, v := range extra {
		files[k] = v
	}
	return zipOf(t, files)
}

const tinyDeps = `{"name":"fn","version":"1.0.0","dependencies":{"tiny":"file:./vendor/tiny"}}`

func withDeps(r *cloudapi.CreateFunctionRequest) { r.InstallDependency = "TRUE" }

func (h *harness) npmRuns() int64 { return h.m.npmRuns.Load() }

func TestDependencyInstall(t *testing.T) {
	t.Parallel()
	requireNpm(t)
	h := start(t, "", Options{})
	ns := h.newEnv()

	// A local file: dependency inside the zip (no registry needed).
	zipA := depsZip(t, `const tiny = require('tiny'); exports.main = async () => tiny('a');`, tinyDeps, nil)
	began := time.Now()
	h.create(ns, "with-deps", zipA, withDeps)
	t.Logf("first deploy with npm install: %s", time.Since(began))
	if g := h.get(ns, "with-deps"); g.InstallDependency != "TRUE" {
		t.Fatalf("InstallDependency %q", g.InstallDependency)
	}
	if r := h.invoke(ns, "with-deps", `{}`); r.RetMsg != `"tiny:a"` {
		t.Fatalf("invoke: %+v", r)
	}
	if n := h.npmRuns(); n != 1 {
		t.Fatalf("npm ran %d times", n)
	}

	// Same package.json, lockfile and local package: the cache answers.
	zipB := depsZip(t, `const tiny = require('tiny'); exports.main = async () => tiny('b');`, tinyDeps, nil)
	began = time.Now()
	h.create(ns, "cached", zipB, withDeps)
	t.Logf("second deploy, cache hit: %s", time.Since(began))
	if r := h.invoke(ns, "cached", `{}`); r.RetMsg != `"tiny:b"` {
		t.Fatalf("invoke cached: %+v", r)
	}
	if n := h.npmRuns(); n != 1 {
		t.Fatalf("npm ran %d times, the second deploy should hit the cache", n)
	}
	if entries, _ := filepath.Glob(filepath.Join(h.m.depsRoot(), "*")); len(entries) != 1 {
		t.Fatalf("deps cache: %v", entries)
	}

	// A change in the local package is a new key.
	zipC := depsZip(t, `const tiny = require('tiny'); exports.main = async () => tiny('c');`, tinyDeps,
		map[string]string{"vendor/tiny/index.js": `module.exports = (x) => 'TINY:' + x;`})
	h.create(ns, "changed-local", zipC, withDeps)
	if r := h.invoke(ns, "changed-local", `{}`); r.RetMsg != `"TINY:c"` || h.npmRuns() != 2 {
		t.Fatalf("changed local package: %+v (npm runs %d)", r, h.npmRuns())
	}

	// A zip with node_modules keeps them and skips npm.
	zipD := zipOf(t, map[string]string{
		"index.js":                       `exports.main = async () => require('vendored')();`,
		"package.json":                   `{"name":"fn","version":"1.0.0","dependencies":{"vendored":"1.0.0"}}`,
		"node_modules/vendored/index.js": `module.exports = () => 'vendored';`,
	})
	h.create(ns, "vendored", zipD, withDeps)
	if r := h.invoke(ns, "vendored", `{}`); r.RetMsg != `"vendored"` || h.npmRuns() != 2 {
		t.Fatalf("vendored: %+v (npm runs %d)", r, h.npmRuns())
	}

	// npm fails: CreateFailed with npm's words.
	broken := `{"name":"fn","version":"1.0.0","dependencies":{"gone":"file:./no/such/dir"}}`
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "broken", Namespace: ns, Runtime: "Nodejs18.15",
		Handler: "index.main", InstallDependency: "TRUE", Code: &cloudapi.Code{ZipFile: b64(depsZip(t, `exports.main = async () => 1;`, broken, nil))}},
		&cloudapi.EmptyResponse{})
	g := h.waitStatus(ns, "broken", "CreateFailed")
	if len(g.StatusReasons) != 1 || g.StatusReasons[0].ErrorCode != "InstallDependencyFailed" ||
		!strings.Contains(g.StatusReasons[0].ErrorMessage, "npm install failed") || g.StatusDesc == "" {
		t.Fatalf("CreateFailed: %+v", g)
	}
	t.Logf("npm failure reason: %.300s", g.StatusReasons[0].ErrorMessage)
	for action, req := range map[string]any{
		"Invoke":             &cloudapi.InvokeRequest{Namespace: ns, FunctionName: "broken"},
		"UpdateFunctionCode": &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "broken", ZipFile: b64(zipA)},
	} {
		want := map[string]string{"Invoke": "FailedOperation.FunctionStatusError", "UpdateFunctionCode": "FailedOperation.UpdateFunctionCode"}[action]
		if code := h.callErr(action, req, &cloudapi.InvokeResponse{}); code != want {
			t.Errorf("%s on CreateFailed: %q, want %s", action, code, want)
		}
	}
	h.call("DeleteFunction", &cloudapi.DeleteFunctionRequest{Namespace: ns, FunctionName: "broken"}, &cloudapi.EmptyResponse{})

	// An update that fails: UpdateFailed, the previous code keeps serving,
	// and the next update recovers.
	// npm itself fails on a missing tarball.
	brokenTgz := `{"name":"fn","version":"1.0.0","dependencies":{"gone":"file:./gone.tgz"}}`
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "with-deps",
		ZipFile: b64(depsZip(t, `exports.main = async () => 'never';`, brokenTgz, nil))}, &cloudapi.EmptyResponse{})
	g = h.waitStatus(ns, "with-deps", "UpdateFailed")
	if g.CodeSize != int64(len(zipA)) || len(g.StatusReasons) != 1 || g.StatusReasons[0].ErrorCode != "InstallDependencyFailed" ||
		!strings.Contains(g.StatusReasons[0].ErrorMessage, "npm install failed (ENOENT)") || strings.Contains(g.StatusReasons[0].ErrorMessage, "\n") {
		t.Fatalf("UpdateFailed: %+v", g)
	}
	t.Logf("npm error reason: %.400s", g.StatusReasons[0].ErrorMessage)
	if r := h.invoke(ns, "with-deps", `{}`); r.RetMsg != `"tiny:a"` {
		t.Fatalf("UpdateFailed should keep serving the previous code: %+v", r)
	}
	h.call("UpdateFunctionCode", &cloudapi.UpdateFunctionCodeRequest{Namespace: ns, FunctionName: "with-deps", ZipFile: b64(zipB)}, &cloudapi.EmptyResponse{})
	h.waitStatus(ns, "with-deps", "Active")
	if r := h.invoke(ns, "with-deps", `{}`); r.RetMsg != `"tiny:b"` {
		t.Fatalf("after recovery: %+v", r)
	}

	// Without InstallDependency nothing is installed.
	h.create(ns, "no-install", zipA, nil)
	if r := h.invoke(ns, "no-install", `{}`); r.InvokeResult != -1 || !strings.Contains(r.ErrMsg, "tiny") {
		t.Fatalf("no-install: %+v", r)
	}
	if n := h.npmRuns(); n != 4 {
		t.Fatalf("npm runs: %d, want 4", n)
	}
	if left, _ := filepath.Glob(filepath.Join(h.m.depsRoot(), ".build-*")); len(left) != 0 {
		t.Fatalf("build directories left behind: %v", left)
	}
}

// A real package from the npm registry.
func TestDependencyFromRegistry(t *testing.T) {
	t.Parallel()
	requireNpm(t)
	h := start(t, "", Options{})
	ns := h.newEnv()
	zip := zipOf(t, map[string]string{
		"index.js":     `const isNumber = require('is-number'); exports.main = async (e) => ({ five: isNumber(5), word: isNumber(e.w) });`,
		"package.json": `{"name":"fn","version":"1.0.0","dependencies":{"is-number":"7.0.0"}}`,
	})
	began := time.Now()
	h.create(ns, "registry", zip, withDeps)
	t.Logf("deploy with is-number@7.0.0 from the registry: %s", time.Since(began))
	if r := h.invoke(ns, "registry", `{"w":"abc"}`); r.RetMsg != `{"five":true,"word":false}` {
		t.Fatalf("invoke: %+v", r)
	}
}

// Offline: a dependency missing from the npm cache with the registry out of
// reach fails fast with one line that says what to do, not npm's stack.
func TestDependencyRegistryUnreachable(t *testing.T) {
	requireNpm(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	registry := "http://" + ln.Addr().String() + "/"
	ln.Close() // nothing listens there any more: connections are refused
	t.Setenv("npm_config_registry", registry)
	t.Setenv("npm_config_cache", t.TempDir())
	h := start(t, "", Options{})
	ns := h.newEnv()
	zip := zipOf(t, map[string]string{
		"index.js":     `exports.main = async () => require('left-pad')('x', 3);`,
		"package.json": `{"name":"fn","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}`,
	})
	began := time.Now()
	h.call("CreateFunction", &cloudapi.CreateFunctionRequest{FunctionName: "offline", Namespace: ns, Runtime: "Nodejs18.15",
		Handler: "index.main", InstallDependency: "TRUE", Code: &cloudapi.Code{ZipFile: b64(zip)}}, &cloudapi.EmptyResponse{})
	g := h.waitStatus(ns, "offline", "CreateFailed")
	took := time.Since(began)
	msg := g.StatusReasons[0].ErrorMessage
	if !strings.Contains(msg, "could not reach the npm registry (ECONNREFUSED)") || strings.Contains(msg, "\n") || len(msg) > 400 {
		t.Fatalf("offline npm failure: %q", msg)
	}
	t.Logf("failed after %s: %s", took, msg)
}

func TestNpmFailureSummary(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"npm error code ENOTFOUND\nnpm error syscall getaddrinfo\nnpm error errno ENOTFOUND\nnpm error network request to https://registry.npmjs.org/x failed\nnpm error A complete log of this run can be found in: /x.log",
			"could not reach the npm registry (ENOTFOUND)"},
		{"npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/nope - Not found\n", "does not exist in the registry (E404): 404 Not Found - GET https://registry.npmjs.org/nope - Not found"},
		{"npm ERR! code ETARGET\nnpm ERR! notarget No matching version found for a@^99.", "(ETARGET): notarget No matching version found for a@^99."},
		{"something odd happened\nmore", "npm install failed: something odd happened"},
		{"", "see the emulator's log"},
	} {
		if got := npmFailure(c.out); !strings.Contains(got, c.want) || strings.Contains(got, "\n") {
			t.Errorf("npmFailure(%q) = %q, want it to contain %q", c.out, got, c.want)
		}
	}
}
