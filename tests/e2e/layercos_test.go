package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layerLibJS is a package a layer provides: it reports the size and
// SHA-256 of the data file beside it.
const layerLibJS = `const fs = require('fs'); const crypto = require('crypto');
module.exports = () => { const b = fs.readFileSync(__dirname + '/data.bin');
  return { size: b.length, sha: crypto.createHash('sha256').update(b).digest('hex') }; };
`

// bigLayerDir writes a layer whose node_modules/biglib holds n random
// bytes; it returns the directory and the data's SHA-256.
func bigLayerDir(t *testing.T, seed uint64, n int) (string, string) {
	t.Helper()
	data, sha := fnCosDir(t, seed, n)
	dir := t.TempDir()
	lib := filepath.Join(dir, "node_modules", "biglib")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(data, "data.bin"), filepath.Join(lib, "data.bin")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lib, "index.js"), []byte(layerLibJS), 0o644)
	return dir, sha
}

// Layers from COS through the real binary: `tcb fn layer create` sends a
// layer over the inline limit through SCF's temporary code bucket
// (GetTempCosInfo, a signed PUT, PublishLayerVersion naming it in
// Content.TempCosObjectName), and a function bound to it requires the
// package it provides; over 50 MB is refused before any upload (exit 3).
// A layer can also come from an object of the environment's own bucket
// (Content.CosBucketName + CosObjectName, sent with tcb api); another
// environment's bucket, a missing object and a hostile zip are refused.
func TestLayersThroughCOS(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "20ms", "--skip-install-deps")
	c := newCLI(t, emu)
	env := c.createEnv("laycos")
	other := c.createEnv("laycos2")
	c.env = append(c.env, "TCB_ENV_ID="+env)

	// 12 MB of random data: a zip over the 7.5 MB inline limit.
	dir, sha := bigLayerDir(t, 7, 12<<20)
	var created struct {
		Layer   string
		Version int64
		Bytes   int64
		Upload  string
	}
	if err := json.Unmarshal([]byte(c.run("fn", "layer", "create", "big", "--file", dir, "--runtime", "Nodejs18.15", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	if created.Layer != "big_"+env || created.Version != 1 || created.Upload != "cos" || created.Bytes < 12<<20 {
		t.Fatalf("layer create: %+v", created)
	}
	fnDir := writeTree(t, map[string]string{"index.js": `exports.main = async () => require("biglib")();`})
	c.run("fn", "deploy", "usesbig", "--dir", fnDir, "--runtime", "Nodejs18.15", "--force")
	c.run("fn", "layer", "bind", "usesbig", "--layer", "big", "--layer-version", "1")
	var got struct {
		Size int
		Sha  string
	}
	c.invokeJSON(&got, "usesbig")
	if got.Size != 12<<20 || got.Sha != sha {
		t.Fatalf("the function read %d bytes with sha %s from the layer, want %d and %s", got.Size, got.Sha, 12<<20, sha)
	}
	// The layer downloads back as the zip that was uploaded.
	dest := t.TempDir()
	c.run("fn", "layer", "download", "--layer", "big", "--layer-version", "1", "--dest", dest)
	if fi, err := os.Stat(filepath.Join(dest, "node_modules", "biglib", "data.bin")); err != nil || fi.Size() != 12<<20 {
		t.Errorf("downloaded layer: %v", err)
	}

	// Over 50 MB: refused before anything is sent.
	huge, _ := bigLayerDir(t, 8, 51<<20)
	if _, errs, code := c.try("fn", "layer", "create", "huge", "--file", huge); code != 3 || !strings.Contains(errs, "50") {
		t.Errorf("a 51 MB layer: exit %d, want 3\n%s", code, errs)
	}
	if out := c.run("fn", "layer", "list"); strings.Contains(out, "huge_") {
		t.Errorf("the refused layer exists:\n%s", out)
	}

	// From the environment's own bucket: tcb storage upload, then
	// PublishLayerVersion with CosBucketName + CosObjectName.
	small := writeTree(t, map[string]string{"node_modules/smalllib/index.js": `module.exports = "from the bucket";`})
	zipFile := filepath.Join(t.TempDir(), "small.zip")
	writeZip(t, zipFile, small)
	c.run("storage", "upload", zipFile, "layers/small.zip")
	bucket := envBucket(t, c, env)
	publish := func(body map[string]any) (string, string, int) {
		b, _ := json.Marshal(body)
		return c.try("api", "scf", "PublishLayerVersion", "--body", string(b))
	}
	out, errs, code := publish(map[string]any{"LayerName": "small_" + env, "CompatibleRuntimes": []string{"Nodejs18.15"}, "Src": "TCB_" + env,
		"Content": map[string]any{"CosBucketName": bucket, "CosObjectName": "/layers/small.zip", "CosBucketRegion": "ap-shanghai"}})
	if code != 0 || !strings.Contains(out, `"LayerVersion": 1`) {
		t.Fatalf("PublishLayerVersion from the bucket: exit %d %s %s", code, out, errs)
	}
	fn2 := writeTree(t, map[string]string{"index.js": `exports.main = async () => ({v: require("smalllib")});`})
	c.run("fn", "deploy", "usessmall", "--dir", fn2, "--runtime", "Nodejs18.15", "--force")
	c.run("fn", "layer", "bind", "usessmall", "--layer", "small", "--layer-version", "1")
	var v struct{ V string }
	if c.invokeJSON(&v, "usessmall"); v.V != "from the bucket" {
		t.Errorf("layer from the bucket: %+v", v)
	}

	// Refused: a bucket of another environment than the layer's Src, a
	// missing object, a zip that climbs out of its directory.
	otherBucket := envBucket(t, c, other)
	slip := filepath.Join(t.TempDir(), "slip.zip")
	writeZipEntries(t, slip, map[string]string{"../escape.js": "x"})
	c.run("storage", "upload", slip, "layers/slip.zip")
	for _, tc := range []struct {
		name    string
		content map[string]any
		want    string
	}{
		{"another env's bucket", map[string]any{"CosBucketName": otherBucket, "CosObjectName": "/layers/small.zip"}, "InvalidParameterValue.CosBucketName"},
		{"a missing object", map[string]any{"CosBucketName": bucket, "CosObjectName": "/layers/none.zip"}, "does not exist"},
		{"zip slip", map[string]any{"CosBucketName": bucket, "CosObjectName": "/layers/slip.zip"}, "InvalidParameterValue.ZipFile"},
		{"inline and COS", map[string]any{"CosBucketName": bucket, "CosObjectName": "/layers/small.zip", "ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}, "mutually exclusive"},
	} {
		_, errs, code := publish(map[string]any{"LayerName": "bad_" + env, "CompatibleRuntimes": []string{"Nodejs18.15"}, "Src": "TCB_" + env, "Content": tc.content})
		if code != 3 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, want 3 with %s\n%s", tc.name, code, tc.want, errs)
		}
	}
}

// envBucket is the storage bucket of env.
func envBucket(t *testing.T, c *cli, env string) string {
	t.Helper()
	var out struct {
		EnvList []struct {
			Storages []struct{ Bucket string }
		}
	}
	if err := json.Unmarshal([]byte(c.run("api", "tcb", "DescribeEnvs", "--body", `{"EnvId":"`+env+`"}`)), &out); err != nil ||
		len(out.EnvList) != 1 || len(out.EnvList[0].Storages) == 0 {
		t.Fatalf("DescribeEnvs %s: %v %+v", env, err, out)
	}
	return out.EnvList[0].Storages[0].Bucket
}

// writeZip zips the files under dir into file.
func writeZip(t *testing.T, file, dir string) {
	t.Helper()
	entries := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			entries[filepath.ToSlash(rel)] = string(b)
		}
		return err
	})
	writeZipEntries(t, file, entries)
}

func writeZipEntries(t *testing.T, file string, entries map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
