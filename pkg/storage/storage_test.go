package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/cos"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/storage"
)

type fixture struct {
	emu    *emulatortest.Emulator
	env    string
	bucket *storage.Bucket
	c      *storage.Client
}

func setup(t *testing.T) *fixture {
	t.Helper()
	wx := wxapi.New(wxapi.Options{})
	emu := emulatortest.Start(t, emulatortest.Options{Options: emulator.Options{}}, wx, cos.New(cos.Options{Tokens: wx}))
	env := emu.NewEnv("sc")
	b, err := storage.StorageBucket(emu.Ctx, emu.Client, env, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := storage.New(storage.Options{Credentials: storage.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Bucket: b.Bucket, Region: b.Region, Endpoint: emu.Endpoint(), Parallel: 8})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{emu: emu, env: env, bucket: b, c: c}
}

func writeTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func random(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func failed(results []storage.FileResult) []string {
	var out []string
	for _, r := range results {
		if r.Err != nil {
			out = append(out, r.Key+": "+r.Err.Error())
		}
	}
	return out
}

// A tree goes up (a large file in parts), comes back identical, and a
// second upload sends only what changed; removed files show as stale.
func TestTreeRoundTrip(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	src := t.TempDir()
	files := map[string][]byte{
		"index.html":       []byte("<h1>hi</h1>"),
		"css/site.css":     []byte("body{}"),
		"img/a b.png":      random(1, 50000),
		"deep/x/y/z.txt":   []byte("z"),
		"big.bin":          random(2, storage.MultipartThreshold+3<<20),
		"empty":            nil,
		"unicode/名字.txt":   []byte("名字"),
		"dots/...not-dots": []byte("ok"),
	}
	writeTree(t, src, files)
	plan, err := f.c.PlanUpload(ctx, src, "site/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Upload) != len(files) || len(plan.Unchanged) != 0 {
		t.Fatalf("first plan: %d to upload, %d unchanged", len(plan.Upload), len(plan.Unchanged))
	}
	var moved atomic.Int64
	res := f.c.Upload(ctx, plan.Upload, storage.UploadOptions{}, &storage.Progress{Bytes: func(n int64) { moved.Add(n) }})
	if bad := failed(res); len(bad) > 0 {
		t.Fatalf("upload: %v", bad)
	}
	if moved.Load() != plan.Bytes {
		t.Errorf("progress counted %d bytes, the plan %d", moved.Load(), plan.Bytes)
	}
	info, err := f.c.Stat(ctx, "site/css/site.css")
	if err != nil || !strings.HasPrefix(info.ContentType, "text/css") || info.Size != 6 {
		t.Errorf("Stat: %+v %v", info, err)
	}

	// Unchanged: nothing to send (the multipart file included).
	plan, err = f.c.PlanUpload(ctx, src, "site/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Upload) != 0 || len(plan.Unchanged) != len(files) {
		t.Fatalf("re-plan of an unchanged tree: %d to upload (%v)", len(plan.Upload), plan.Upload)
	}
	// One file changed, one removed, one added.
	os.WriteFile(filepath.Join(src, "css/site.css"), []byte("body{color:red}"), 0o644)
	os.Remove(filepath.Join(src, "deep/x/y/z.txt"))
	os.WriteFile(filepath.Join(src, "new.txt"), []byte("new"), 0o644)
	plan, err = f.c.PlanUpload(ctx, src, "site/", false)
	if err != nil {
		t.Fatal(err)
	}
	var up []string
	for _, it := range plan.Upload {
		up = append(up, it.Key)
	}
	if fmt.Sprint(up) != "[site/css/site.css site/new.txt]" || len(plan.Stale) != 1 || plan.Stale[0].Key != "site/deep/x/y/z.txt" {
		t.Errorf("plan after changes: upload %v, stale %v", up, plan.Stale)
	}
	if plan, _ := f.c.PlanUpload(ctx, src, "site/", true); len(plan.Upload) != len(files) {
		t.Errorf("--force plans %d files", len(plan.Upload))
	}
	f.c.Upload(ctx, plan.Upload, storage.UploadOptions{}, nil)

	// Back down, identical.
	dst := t.TempDir()
	items, err := f.c.PlanDownload(ctx, "site/", dst)
	if err != nil {
		t.Fatal(err)
	}
	if bad := failed(f.c.Download(ctx, items, nil)); len(bad) > 0 {
		t.Fatal(bad)
	}
	os.Remove(filepath.Join(src, "empty"))
	os.WriteFile(filepath.Join(src, "empty"), nil, 0o644)
	compareTrees(t, src, dst, "deep/x/y/z.txt")

	// Delete the stale one, then everything.
	if fails, err := f.c.Delete(ctx, []string{"site/deep/x/y/z.txt"}, nil); err != nil || len(fails) != 0 {
		t.Fatal(fails, err)
	}
	l, _ := f.c.List(ctx, "site/", false)
	if len(l.Objects) != 4 || len(l.Dirs) != 4 {
		t.Errorf("non-recursive list: %d objects %v, dirs %v", len(l.Objects), l.Objects, l.Dirs)
	}
}

func compareTrees(t *testing.T, a, b string, ignore string) {
	t.Helper()
	filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		if filepath.ToSlash(rel) == ignore {
			return nil
		}
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs after the round trip (%v)", rel, err)
		}
		return nil
	})
}

func TestPresignAndErrors(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "f.txt")
	os.WriteFile(file, []byte("signed"), 0o644)
	if err := f.c.UploadFile(ctx, file, "a/f.txt", storage.UploadOptions{CacheControl: "no-cache"}, nil); err != nil {
		t.Fatal(err)
	}
	u, err := f.c.PresignGet(ctx, "a/f.txt", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "signed" {
		t.Fatalf("presigned URL %s: %d %s", u, resp.StatusCode, b)
	}
	f.emu.Clock.Advance(2 * time.Minute)
	if resp, _ := http.Get(u); resp.StatusCode != 403 {
		t.Errorf("presigned URL after its age: %d", resp.StatusCode)
	}
	_, err = f.c.Stat(ctx, "a/missing")
	if !storage.IsNotFound(err) {
		t.Errorf("Stat of a missing key: %v", err)
	}
	err = f.c.DownloadFile(ctx, "a/missing", filepath.Join(t.TempDir(), "x"), nil)
	if k, _ := errkind.Of(err); k != errkind.NotFound {
		t.Errorf("download of a missing key: %v (kind %v)", err, k)
	}
	bad, err := storage.New(storage.Options{Credentials: storage.Credentials{SecretID: config.EmulatorSecretID, SecretKey: "wrong"},
		Bucket: f.bucket.Bucket, Region: f.bucket.Region, Endpoint: f.emu.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.List(ctx, "", true)
	var se *storage.Error
	if k, _ := errkind.Of(err); k != errkind.Auth || !errors.As(err, &se) || se.RequestID() == "" || se.Code != "SignatureDoesNotMatch" {
		t.Errorf("wrong key: %v (kind %v)", err, k)
	}
	if got, err := storage.GetACL(ctx, f.emu.Client, f.bucket); err != nil || got != "READONLY" {
		t.Errorf("GetACL: %q %v", got, err)
	}
	if err := storage.SetACL(ctx, f.emu.Client, f.bucket, "private"); err != nil {
		t.Fatal(err)
	}
	if got, _ := storage.GetACL(ctx, f.emu.Client, f.bucket); got != "PRIVATE" {
		t.Errorf("after SetACL: %q", got)
	}
	if err := storage.SetACL(ctx, f.emu.Client, f.bucket, "everyone"); err == nil {
		t.Error("SetACL accepted a bad tag")
	}
	h, err := storage.DescribeHosting(ctx, f.emu.Client, f.env)
	if err != nil || h == nil || !h.Online() || !strings.HasPrefix(h.URL(), "http://"+f.env+".site.localhost:") {
		t.Errorf("DescribeHosting: %+v %v", h, err)
	}
}

func TestCloudAndLocalPaths(t *testing.T) {
	for _, p := range []string{"/abs", "../x", "a/../b", "a/./b", "a//b", "nul\x00", "tab\t", strings.Repeat("a", 851), "bad\xff"} {
		if _, err := storage.CloudPath(p, false); err == nil {
			t.Errorf("CloudPath(%q) accepted", p)
		}
	}
	for _, p := range []string{"a", "a/b/", "日本/語", "a b+c", "x/...", "a\\b"} {
		if _, err := storage.CloudPath(p, false); err != nil {
			t.Errorf("CloudPath(%q): %v", p, err)
		}
	}
	dir := t.TempDir()
	for _, k := range []string{"p/../../etc/passwd", "p//x", "p/./x", "p/", "p/a\\..\\..\\x", "p//etc/passwd"} {
		if _, err := storage.LocalPath(dir, "p/", k); err == nil {
			t.Errorf("LocalPath accepted key %q", k)
		}
	}
	if p, err := storage.LocalPath(dir, "p/", "p/a/b.txt"); err != nil || p != filepath.Join(dir, "a", "b.txt") {
		t.Errorf("LocalPath: %q %v", p, err)
	}
}

// With a checksum cache, comparing an unchanged tree reads no file; a file
// rewritten with the same size and modification time is still caught.
func TestChecksumCache(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c, err := storage.New(storage.Options{Credentials: storage.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Bucket: f.bucket.Bucket, Region: f.bucket.Region, Endpoint: f.emu.Endpoint(), SumCacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 20 {
		files[fmt.Sprintf("f%02d.txt", i)] = random(uint64(i), 1000+i)
	}
	writeTree(t, src, files)
	// Entries of files changed just before they were recorded are not
	// trusted (racy): record them as if an hour later.
	storage.SetCacheClock(func() time.Time { return time.Now().Add(time.Hour) })
	t.Cleanup(func() { storage.SetCacheClock(time.Now) })
	old := time.Now().Add(-time.Hour)
	plan, err := c.PlanUpload(ctx, src, "c/", false)
	if err != nil {
		t.Fatal(err)
	}
	if bad := failed(c.UploadPlanned(ctx, plan, storage.UploadOptions{}, nil)); len(bad) > 0 {
		t.Fatal(bad)
	}
	before := storage.Hashed.Load()
	plan, err = c.PlanUpload(ctx, src, "c/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Upload) != 0 || storage.Hashed.Load() != before {
		t.Errorf("unchanged tree: %d to upload, %d files hashed", len(plan.Upload), storage.Hashed.Load()-before)
	}
	// Same size, same mtime, other bytes: the change time gives it away.
	p := filepath.Join(src, "f03.txt")
	b := append([]byte(nil), files["f03.txt"]...)
	b[0] ^= 0xff
	os.WriteFile(p, b, 0o644)
	os.Chtimes(p, old, old)
	plan, err = c.PlanUpload(ctx, src, "c/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Upload) != 1 || plan.Upload[0].Key != "c/f03.txt" {
		t.Errorf("a rewritten file: plan %+v", plan.Upload)
	}
}

// A remote copy uploaded in parts of another size (here by cos-go-sdk-v5
// directly, with 1 MB parts) has an ETag no local MD5 gives: the file is
// compared by the CRC64 the bucket reports, reading it once; a file of the
// same size with other bytes is planned for upload.
func TestCompareForeignMultipartByCRC(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	src := t.TempDir()
	files := map[string][]byte{"same.bin": random(7, 3<<20+5), "other.bin": random(8, 2<<20)}
	writeTree(t, src, files)
	raw := f.c.SDK()
	for name, b := range files {
		if name == "other.bin" {
			b = append([]byte(nil), b...)
			b[len(b)/2] ^= 1
		}
		p := filepath.Join(t.TempDir(), "up")
		os.WriteFile(p, b, 0o644)
		res, _, err := raw.Object.Upload(ctx, "m/"+name, p, &cossdk.MultiUploadOptions{PartSize: 1})
		if err != nil || !strings.Contains(res.ETag, "-") {
			t.Fatalf("multipart upload of %s: %+v %v", name, res, err)
		}
	}
	before := storage.Hashed.Load()
	plan, err := f.c.PlanUpload(ctx, src, "m/", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Unchanged) != 1 || plan.Unchanged[0].Key != "m/same.bin" || len(plan.Upload) != 1 || plan.Upload[0].Key != "m/other.bin" {
		t.Errorf("plan: unchanged %v, upload %v", plan.Unchanged, plan.Upload)
	}
	if n := storage.Hashed.Load() - before; n != 2 {
		t.Errorf("%d file reads to compare 2 files", n)
	}
}

// A file changed while its parts were being sent is an error (the object
// in the bucket mixes old and new bytes), not a success.
func TestMultipartFileChangedDuringUpload(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(p, random(9, storage.MultipartThreshold+1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	touch := func(int64) {
		once.Do(func() {
			later := time.Now().Add(time.Hour)
			os.Chtimes(p, later, later)
		})
	}
	err := f.c.UploadFile(ctx, p, "big.bin", storage.UploadOptions{}, &storage.Progress{Bytes: touch})
	if err == nil || !strings.Contains(err.Error(), "changed while it was uploaded") || !isLocal(err) {
		t.Fatalf("upload of a file changed meanwhile: %v", err)
	}
	// Unchanged, the same upload succeeds.
	if err := f.c.UploadFile(ctx, p, "big.bin", storage.UploadOptions{}, nil); err != nil {
		t.Fatal(err)
	}
}

func isLocal(err error) bool {
	k, ok := errkind.Of(err)
	return ok && k == errkind.Local
}
