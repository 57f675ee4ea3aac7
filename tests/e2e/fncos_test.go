package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/storage"
)

// fnCosIndex returns the size and SHA-256 of the data file next to it.
const fnCosIndex = `const fs = require('fs'); const crypto = require('crypto');
exports.main = async () => {
  const b = fs.readFileSync(__dirname + '/data.bin');
  return { size: b.length, sha: crypto.createHash('sha256').update(b).digest('hex') };
};
`

// fnCosDir writes a function whose data.bin holds n random (incompressible)
// bytes and returns the directory and the data's SHA-256.
func fnCosDir(t *testing.T, seed uint64, n int) (string, string) {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(fnCosIndex), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return dir, hex.EncodeToString(sum[:])
}

type fnCosResult struct {
	Name         string `json:"name"`
	Action       string `json:"action"`
	CodeUploaded bool   `json:"code_uploaded"`
	ZipSize      int64  `json:"zip_size"`
	Upload       string `json:"upload"`
}

// The "a 20 MB function deploys": tcb fn deploy sends a package
// over the inline limit through COS (GetTempCosInfo, a signed PUT to the
// temporary code bucket, CreateFunction / UpdateFunctionCode naming it),
// and the function runs with its 20 MB of data. Over 50 MB is refused
// before anything is uploaded; a body damaged on the way is refused by
// its Content-MD5.
func TestFunctionCodeThroughCOS(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "50ms", "--skip-install-deps")
	c := newCLI(t, emu)
	env := c.createEnv("fncos")
	c.env = append(c.env, "TCB_ENV_ID="+env)

	dir, sha := fnCosDir(t, 1, 20<<20)
	deploy := func(c *cli, dir string, extra ...string) (fnCosResult, string) {
		t.Helper()
		out, errs, code := c.try(append([]string{"fn", "deploy", "big", "--dir", dir, "--install-dependency", "false", "--force", "--json"}, extra...)...)
		if code != 0 {
			t.Fatalf("fn deploy: exit %d\n%s%s", code, out, errs)
		}
		var res []fnCosResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
			t.Fatalf("fn deploy --json: %v\n%s", err, out)
		}
		return res[0], errs
	}
	res, errs := deploy(c, dir)
	if res.Action != "create" || !res.CodeUploaded || res.Upload != "cos" || res.ZipSize < 20<<20 {
		t.Fatalf("deploy of 20 MB: %+v\n%s", res, errs)
	}
	// Off a terminal: plain lines, the start, quarters and the end.
	for _, want := range []string{"big: uploading 20.00 MB (20973708 bytes) through COS (shtempcos-1253665819)",
		" of 20.00 MB (20973708 bytes)\nbig: uploaded ", "big: uploaded 20.00 MB (20973708 bytes) in "} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	var got struct {
		Size int64
		Sha  string
	}
	c.invokeJSON(&got, "big")
	if got.Size != 20<<20 || got.Sha != sha {
		t.Fatalf("the function read %d bytes with sha %s, want %d and %s", got.Size, got.Sha, 20<<20, sha)
	}

	// An update goes the same way; the same code again is not uploaded.
	dir2, sha2 := fnCosDir(t, 2, 12<<20)
	if res, errs := deploy(c, dir2); res.Action != "update" || res.Upload != "cos" {
		t.Fatalf("update: %+v\n%s", res, errs)
	}
	c.invokeJSON(&got, "big")
	if got.Size != 12<<20 || got.Sha != sha2 {
		t.Fatalf("after the update the function read %d bytes (%s), want %d (%s)", got.Size, got.Sha, 12<<20, sha2)
	}
	if res, _ := deploy(c, dir2); res.CodeUploaded || res.Upload != "" {
		t.Errorf("unchanged code was uploaded again: %+v", res)
	}

	// Over 50 MB: refused before anything is sent.
	before := stStateOf(t, emu).Storage.Puts
	huge, _ := fnCosDir(t, 3, 51<<20)
	out, errs, code := c.try("fn", "deploy", "huge", "--dir", huge, "--install-dependency", "false", "--force")
	if code != 3 || !strings.Contains(errs, "over the 50.00 MB (52428800 bytes) limit") {
		t.Errorf("deploy of 51 MB: exit %d\n%s%s", code, out, errs)
	}
	if after := stStateOf(t, emu).Storage.Puts; after != before {
		t.Errorf("%d uploads reached the emulator for a package over the limit", after-before)
	}
	if out := c.run("fn", "list", "--json"); strings.Contains(out, "huge") {
		t.Errorf("the refused function exists: %s", out)
	}

	// A body damaged on the way to the bucket: the Content-MD5 catches it,
	// the deploy fails with COS's answer and no function is created.
	target, _ := url.Parse(emu.Endpoint)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		if pr.Out.Method == http.MethodPut && strings.Contains(pr.In.Host, "tempcos-") {
			pr.Out.Body = &flipByte{r: pr.Out.Body, at: 4096}
		}
	}}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)
	pc := &cli{t: t, env: append(append([]string(nil), c.env...), "TCB_EMULATOR_HOST="+strings.TrimPrefix(proxy.URL, "http://"))}
	dir3, _ := fnCosDir(t, 4, 9<<20)
	out, errs, code = pc.try("fn", "deploy", "damaged", "--dir", dir3, "--install-dependency", "false", "--force")
	if code == 0 || !strings.Contains(errs, "BadDigest") || !strings.Contains(errs, "uploading the code to COS") {
		t.Errorf("deploy through a damaging proxy: exit %d\n%s%s", code, out, errs)
	}
	if out := c.run("fn", "list", "--json"); strings.Contains(out, "damaged") {
		t.Errorf("a function was created from damaged code: %s", out)
	}
}

// flipByte flips one byte of a stream.
type flipByte struct {
	r   io.ReadCloser
	at  int64
	off int64
}

func (f *flipByte) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if f.at >= f.off && f.at < f.off+int64(n) {
		p[f.at-f.off] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

func (f *flipByte) Close() error { return f.r.Close() }

// Code in COS is checked like an inline zip: a missing object, one that is
// not a zip, one with an entry escaping the code directory and a zip bomb
// are refused by CreateFunction with InvalidParameterValue.* and a message
// naming the object; the function is not created.
func TestFunctionCodeFromCOSRefused(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "0s", "--skip-install-deps")
	c := newCLI(t, emu)
	env := c.createEnv("fncosbad")
	ctx := context.Background()
	api, err := cloudapi.New(cloudapi.Options{Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region: "ap-shanghai", Endpoint: emu.Endpoint, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	info, err := api.DescribeEnv(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	appID := info.Storages[0].AppId
	bucket, region := cloudapi.TempCodeBucket(info.Storages[0].Region)

	// upload puts body where GetTempCosInfo says and returns the
	// TempCosObjectName.
	upload := func(name string, body []byte) string {
		t.Helper()
		op := cloudapi.TempCodeObjectPath(appID, env, name)
		tc, err := api.GetTempCosInfo(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		key := cloudapi.TempCodeKey(tc.Date, op)
		if _, err := storage.PutSigned(ctx, storage.SignedPut{Bucket: bucket, Region: region, Endpoint: emu.Endpoint, Key: key,
			Authorization: tc.Sign, Body: body}); err != nil {
			t.Fatal(err)
		}
		return "/" + key
	}
	zipOf := func(entries map[string][]byte) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for name, data := range entries {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		zw.Close()
		return b.Bytes()
	}
	create := func(name string, code *cloudapi.Code) error {
		return api.CreateFunction(ctx, &cloudapi.CreateFunctionRequest{FunctionName: name, Namespace: env, Code: code,
			Handler: "index.main", Runtime: "Nodejs18.15"})
	}
	for _, tc := range []struct {
		name, want, msg string
		code            func() *cloudapi.Code
	}{
		{"missing", "InvalidParameterValue.TempCosObjectName", "does not exist", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketRegion: region, TempCosObjectName: "/2026-01-01/" + cloudapi.TempCodeObjectPath(appID, env, "missing")}
		}},
		{"notzip", "InvalidParameterValue.ZipFile", "not a usable zip", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketRegion: region, TempCosObjectName: upload("notzip", bytes.Repeat([]byte("not a zip "), 1000))}
		}},
		{"slip", "InvalidParameterValue.ZipFile", "../evil.js", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketRegion: region, TempCosObjectName: upload("slip", zipOf(map[string][]byte{"index.js": []byte("exports.main=()=>1"), "../evil.js": []byte("x")}))}
		}},
		{"bomb", "InvalidParameterValue.ZipFile", "not a usable zip", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketRegion: region, TempCosObjectName: upload("bomb", zipOf(map[string][]byte{"index.js": make([]byte, 100<<20)}))}
		}},
		{"otherenv", "InvalidParameterValue.TempCosObjectName", "namespace", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketRegion: region, TempCosObjectName: "/2026-01-01/" + appID + "/someone-else/x.zip"}
		}},
		{"ownbucket", "InvalidParameterValue.CosObjectName", "does not exist", func() *cloudapi.Code {
			return &cloudapi.Code{CosBucketName: info.Storages[0].Bucket, CosObjectName: "/code/none.zip", CosBucketRegion: region}
		}},
	} {
		err := create(tc.name, tc.code())
		if !cloudapi.IsCode(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %s mentioning %q", tc.name, err, tc.want, tc.msg)
		}
	}
	fns, err := api.ListFunctions(ctx, env)
	if err != nil || len(fns) != 0 {
		t.Errorf("functions after refused creates: %+v %v", fns, err)
	}

	// The same zip through the env's own bucket (CosBucketName +
	// CosObjectName) works: uploaded with tcb storage upload.
	c.env = append(c.env, "TCB_ENV_ID="+env)
	good := zipOf(map[string][]byte{"index.js": []byte(`exports.main = async () => ({ from: "own bucket" })`)})
	p := filepath.Join(t.TempDir(), "code.zip")
	os.WriteFile(p, good, 0o644)
	c.run("storage", "upload", p, "code/good.zip")
	short := info.Storages[0].Bucket[:strings.LastIndexByte(info.Storages[0].Bucket, '-')]
	if err := create("own", &cloudapi.Code{CosBucketName: short, CosObjectName: "/code/good.zip", CosBucketRegion: region}); err != nil {
		t.Fatal(err)
	}
	stWait(t, 30*time.Second, "the function is Active", func() bool {
		f, err := api.GetFunction(ctx, env, "own")
		return err == nil && f.Status == "Active"
	})
	var v struct{ From string }
	c.invokeJSON(&v, "own")
	if v.From != "own bucket" {
		t.Errorf("invoke: %+v", v)
	}
}
