package e2e

import (
	"archive/zip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes files (slash paths -> content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const fnVersionCode = `exports.main = async () => ({code: "%s", greeting: process.env.GREETING || ""});
`

// Versions and aliases through the real binary: a published version keeps
// its code and configuration after both change; config-route's 80/20 split
// holds over 100 invocations (binomial, within 4.5 sigma); get-route reads
// it back.
func TestFunctionVersionsAndRoutes(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "20ms", "--skip-install-deps")
	c := newCLI(t, emu)
	env := c.createEnv("fnver")
	c.env = append(c.env, "TCB_ENV_ID="+env)

	deploy := func(code string) {
		dir := writeTree(t, map[string]string{"index.js": strings.Replace(fnVersionCode, "%s", code, 1)})
		c.run("fn", "deploy", "greet", "--dir", dir, "--runtime", "Nodejs18.15", "--force", "--env", "GREETING=hello-"+code)
	}
	deploy("one")
	var pub struct{ FunctionVersion string }
	if err := json.Unmarshal([]byte(c.run("fn", "publish-version", "greet", "first", "--json")), &pub); err != nil || pub.FunctionVersion != "1" {
		t.Fatalf("publish-version: %v %+v", err, pub)
	}
	deploy("two")
	var got struct{ Code, Greeting string }
	c.invokeJSON(&got, "greet", "--qualifier", "1")
	if got.Code != "one" || got.Greeting != "hello-one" {
		t.Fatalf("version 1 ran %+v, want the old code and configuration", got)
	}
	c.invokeJSON(&got, "greet")
	if got.Code != "two" || got.Greeting != "hello-two" {
		t.Fatalf("$LATEST ran %+v", got)
	}
	if out := c.run("fn", "list-function-versions", "greet"); !strings.Contains(out, "$LATEST") || !strings.Contains(out, "first") {
		t.Errorf("list-function-versions:\n%s", out)
	}
	if _, errs, code := c.try("fn", "invoke", "greet", "--qualifier", "9"); code != 4 && code != 5 {
		t.Errorf("invoke of a missing version: exit %d\n%s", code, errs)
	}

	c.run("fn", "config-route", "greet", "1", "80", "$LATEST", "20")
	var route struct {
		Routes []struct {
			Version string
			Percent float64
		}
	}
	if err := json.Unmarshal([]byte(c.run("fn", "get-route", "greet", "--json")), &route); err != nil || len(route.Routes) != 2 ||
		route.Routes[0].Version != "1" || route.Routes[0].Percent != 80 || route.Routes[1].Percent != 20 {
		t.Fatalf("get-route: %v %+v", err, route)
	}
	const n = 100
	ones := 0
	for range n {
		c.invokeJSON(&got, "greet", "--qualifier", "$DEFAULT")
		if got.Code == "one" {
			ones++
		}
	}
	if sigma := math.Sqrt(n * 0.8 * 0.2); math.Abs(float64(ones)-0.8*n) > 4.5*sigma {
		t.Errorf("version 1 answered %d of %d invocations through $DEFAULT, want 80 ± %.0f", ones, n, 4.5*sigma)
	}
	if _, errs, code := c.try("fn", "config-route", "greet", "1", "80", "$LATEST", "30"); code != 3 {
		t.Errorf("config-route adding up to 110: exit %d\n%s", code, errs)
	}
}

// Layers through the real binary: a function requires a package only a
// layer provides; the bind order decides which layer's copy of a file
// wins; sort and unbind change it; download gets the layer back; hostile
// zips are refused.
func TestFunctionLayers(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "20ms", "--skip-install-deps")
	c := newCLI(t, emu)
	env := c.createEnv("fnlayer")
	c.env = append(c.env, "TCB_ENV_ID="+env)

	libA := writeTree(t, map[string]string{
		"node_modules/leftpad-lite/package.json": `{"name":"leftpad-lite","main":"index.js"}`,
		"node_modules/leftpad-lite/index.js":     `module.exports = (s, n) => String(s).padStart(n, "*");`,
		"node_modules/which/index.js":            `module.exports = "a";`,
	})
	libB := writeTree(t, map[string]string{"node_modules/which/index.js": `module.exports = "b";`})
	c.run("fn", "layer", "create", "liba", "--file", libA, "--runtime", "Nodejs18.15")
	c.run("fn", "layer", "create", "libb", "--file", libB)

	fnDir := writeTree(t, map[string]string{"index.js": `exports.main = async () => ({pad: require("leftpad-lite")("x", 3), which: require("which")});`})
	c.run("fn", "deploy", "uses", "--dir", fnDir, "--runtime", "Nodejs18.15", "--force")
	if _, _, code := c.try("fn", "invoke", "uses"); code == 0 {
		t.Fatal("the function ran without the layer that provides its package")
	}
	var got struct{ Pad, Which string }
	c.run("fn", "layer", "bind", "uses", "--layer", "liba", "--layer-version", "1")
	c.run("fn", "layer", "bind", "uses", "--layer", "libb", "--layer-version", "1")
	c.invokeJSON(&got, "uses")
	if got.Pad != "**x" || got.Which != "b" {
		t.Fatalf("liba then libb: %+v (the later layer's file should win)", got)
	}
	c.run("fn", "layer", "sort", "uses", "libb:1", "liba:1")
	c.invokeJSON(&got, "uses")
	if got.Which != "a" {
		t.Fatalf("libb then liba: %+v", got)
	}
	var bound []struct {
		LayerName    string
		LayerVersion int64
	}
	if err := json.Unmarshal([]byte(c.run("fn", "layer", "list", "--name", "uses", "--json")), &bound); err != nil || len(bound) != 2 || bound[0].LayerName != "libb_"+env {
		t.Fatalf("layer list --name: %v %+v", err, bound)
	}
	c.run("fn", "layer", "unbind", "uses", "--layer", "libb", "--layer-version", "1")
	c.invokeJSON(&got, "uses")
	if got.Which != "a" {
		t.Fatalf("after unbinding libb: %+v", got)
	}
	if _, errs, code := c.try("fn", "layer", "sort", "uses", "libb:1"); code != 3 {
		t.Errorf("sort naming an unbound layer: exit %d\n%s", code, errs)
	}

	dest := filepath.Join(t.TempDir(), "liba")
	c.run("fn", "layer", "download", "--layer", "liba", "--layer-version", "1", "--dest", dest)
	if b, err := os.ReadFile(filepath.Join(dest, "node_modules", "which", "index.js")); err != nil || !strings.Contains(string(b), `"a"`) {
		t.Errorf("downloaded layer: %v %q", err, b)
	}
	if out := c.run("fn", "layer", "list"); !strings.Contains(out, "liba_"+env) || !strings.Contains(out, "libb_"+env) {
		t.Errorf("layer list:\n%s", out)
	}

	for name, entry := range map[string]string{"slip": "../escape.js", "absolute": "/etc/evil"} {
		p := filepath.Join(t.TempDir(), name+".zip")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, _ := zw.Create(entry)
		w.Write([]byte("x"))
		zw.Close()
		f.Close()
		if _, errs, code := c.try("fn", "layer", "create", "bad", "--file", p); code != 3 {
			t.Errorf("%s zip: exit %d\n%s", name, code, errs)
		}
	}
	c.run("fn", "layer", "delete", "--layer", "liba", "--layer-version", "1", "--yes")
	c.invokeJSON(&got, "uses") // still bound: deleting a version does not take it from functions
	if got.Pad != "**x" {
		t.Fatalf("after deleting the bound version: %+v", got)
	}
	c.run("fn", "layer", "unbind", "uses", "--layer", "liba", "--layer-version", "1")
	if _, errs, code := c.try("fn", "layer", "bind", "uses", "--layer", "liba", "--layer-version", "1"); code != 4 {
		t.Errorf("binding a deleted version: exit %d\n%s", code, errs)
	}
}
