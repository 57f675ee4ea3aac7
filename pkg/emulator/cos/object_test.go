package cos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"
)

// cos-go-sdk-v5 (which checks x-cos-hash-crc64ecma after every upload)
// puts, gets, heads and deletes objects; the headers it sent are kept.
func TestObjectRoundTrip(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	ctx := context.Background()
	body := randomBytes(1, 300_000)
	resp := h.put(c, "dir/a b+c.bin", body, &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType: "application/x-test", CacheControl: "max-age=60", ContentDisposition: "attachment",
		XCosMetaXXX: &http.Header{"X-Cos-Meta-Owner": []string{"tests"}}}})
	if got, want := resp.Header.Get("ETag"), `"`+md5hex(body)+`"`; got != want {
		t.Errorf("PUT ETag %s, want %s (the MD5)", got, want)
	}
	if got := h.get(c, "dir/a b+c.bin"); !bytes.Equal(got, body) {
		t.Fatalf("GET returned %d bytes, not what was put", len(got))
	}
	head, err := c.Object.Head(ctx, "dir/a b+c.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"Content-Type": "application/x-test", "Cache-Control": "max-age=60",
		"Content-Disposition": "attachment", "X-Cos-Meta-Owner": "tests", "Content-Length": "300000", "Accept-Ranges": "bytes"} {
		if got := head.Header.Get(k); got != want {
			t.Errorf("HEAD %s = %q, want %q", k, got, want)
		}
	}
	if head.Header.Get("x-cos-request-id") == "" {
		t.Error("no x-cos-request-id")
	}
	// No Content-Type: guessed from the extension.
	h.put(c, "site/style.css", []byte("body{}"), nil)
	if head, err := c.Object.Head(ctx, "site/style.css", nil); err != nil || !strings.HasPrefix(head.Header.Get("Content-Type"), "text/css") {
		t.Errorf("HEAD of a .css put without a type: %v %v", head.Header.Get("Content-Type"), err)
	}
	if _, err := c.Object.Delete(ctx, "dir/a b+c.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Head(ctx, "dir/a b+c.bin", nil); err == nil {
		t.Error("HEAD after DELETE succeeded")
	}
	if _, err := c.Object.Get(ctx, "dir/a b+c.bin", nil); cosCode(err) != "NoSuchKey" {
		t.Errorf("GET after DELETE: %v, want NoSuchKey", err)
	}
	if _, err := c.Object.Delete(ctx, "never-there"); err != nil {
		t.Errorf("DELETE of a missing key: %v (COS answers 204)", err)
	}
	if got := h.state().Storage.Files; got != 1 {
		t.Errorf("%d object files on disk, want 1 (style.css)", got)
	}
}

func TestRangeGet(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	body := randomBytes(2, 1000)
	h.put(c, "r.bin", body, nil)
	for _, tc := range []struct {
		rng       string
		status    int
		from, to  int
		wantRange string
	}{
		{"bytes=0-9", 206, 0, 10, "bytes 0-9/1000"},
		{"bytes=990-", 206, 990, 1000, "bytes 990-999/1000"},
		{"bytes=-5", 206, 995, 1000, "bytes 995-999/1000"},
		{"bytes=500-5000", 206, 500, 1000, "bytes 500-999/1000"},
		{"bytes=999-999", 206, 999, 1000, "bytes 999-999/1000"},
		{"bytes=1000-", 416, 0, 0, "bytes */1000"},
		{"bytes=5000-6000", 416, 0, 0, "bytes */1000"},
		{"bytes=0-1,5-6", 200, 0, 1000, ""},
	} {
		resp, err := c.Object.Get(context.Background(), "r.bin", &cossdk.ObjectGetOptions{Range: tc.rng})
		if tc.status == 416 {
			if resp == nil || resp.StatusCode != 416 || cosCode(err) != "InvalidRange" {
				t.Errorf("%s: %v, want 416 InvalidRange", tc.rng, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.rng, err)
			continue
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Equal(got, body[tc.from:tc.to]) || resp.Header.Get("Content-Range") != tc.wantRange {
			t.Errorf("%s: HTTP %d, %d bytes, Content-Range %q; want %d, bytes %d-%d, %q", tc.rng, resp.StatusCode, len(got),
				resp.Header.Get("Content-Range"), tc.status, tc.from, tc.to, tc.wantRange)
		}
	}
}

// GET bucket with prefix, delimiter, marker and max-keys, paged through
// by the SDK; keys come back in byte order.
func TestListBucket(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	keys := []string{"a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "b/c/4.txt", "b/d.txt", "c", "é/x", "z/z"}
	for _, k := range keys {
		h.put(c, k, []byte(k), nil)
	}
	list := func(opt *cossdk.BucketGetOptions) ([]string, []string) {
		t.Helper()
		var objs, prefixes []string
		for {
			res, _, err := c.Bucket.Get(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range res.Contents {
				objs = append(objs, o.Key)
			}
			prefixes = append(prefixes, res.CommonPrefixes...)
			if !res.IsTruncated {
				return objs, prefixes
			}
			opt.Marker = res.NextMarker
		}
	}
	objs, _ := list(&cossdk.BucketGetOptions{MaxKeys: 2})
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if fmt.Sprint(objs) != fmt.Sprint(want) {
		t.Errorf("paged list %v, want %v", objs, want)
	}
	objs, prefixes := list(&cossdk.BucketGetOptions{Prefix: "b/", Delimiter: "/", MaxKeys: 1})
	if fmt.Sprint(objs) != "[b/1.txt b/2.txt b/d.txt]" || fmt.Sprint(prefixes) != "[b/c/]" {
		t.Errorf("prefix b/ delimiter /: %v %v", objs, prefixes)
	}
	objs, prefixes = list(&cossdk.BucketGetOptions{Delimiter: "/"})
	if fmt.Sprint(objs) != "[a.txt c]" || fmt.Sprint(prefixes) != "[b/ z/ é/]" {
		t.Errorf("delimiter /: %v %v", objs, prefixes)
	}
	objs, _ = list(&cossdk.BucketGetOptions{Marker: "b/d.txt"})
	if fmt.Sprint(objs) != "[c z/z é/x]" {
		t.Errorf("after marker b/d.txt: %v", objs)
	}
	res, _, err := c.Bucket.Get(context.Background(), &cossdk.BucketGetOptions{Prefix: "é", EncodingType: "url"})
	if err != nil || len(res.Contents) != 1 || res.Contents[0].Key != "%C3%A9%2Fx" {
		t.Errorf("encoding-type=url: %+v %v", res, err)
	}
}

func TestMultiDelete(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	for i := range 5 {
		h.put(c, fmt.Sprintf("d/%d", i), []byte{byte(i)}, nil)
	}
	res, _, err := c.Object.DeleteMulti(context.Background(), &cossdk.ObjectDeleteMultiOptions{Objects: []cossdk.Object{
		{Key: "d/0"}, {Key: "d/1"}, {Key: "d/missing"}, {Key: "../bad"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.DeletedObjects) != 3 || len(res.Errors) != 1 || res.Errors[0].Key != "../bad" {
		t.Errorf("multi-delete: %+v", res)
	}
	got, _, _ := c.Bucket.Get(context.Background(), nil)
	if len(got.Contents) != 3 {
		t.Errorf("%d objects left, want 3", len(got.Contents))
	}
}

// ACLs: public-read objects are readable without a signature, private ones
// are not even where the storage ACL lets everyone read.
func TestObjectACL(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	ctx := context.Background()
	h.put(c, "pub.txt", []byte("pub"), nil)
	anon := func(key string) int {
		resp, _ := h.do("GET", h.bucket+".cos.ap-shanghai.localhost:"+h.port(), "/"+key, nil, nil)
		return resp.StatusCode
	}
	if got := anon("pub.txt"); got != 200 {
		t.Errorf("anonymous GET with the default READONLY storage ACL: %d", got)
	}
	if _, err := c.Object.PutACL(ctx, "pub.txt", &cossdk.ObjectPutACLOptions{Header: &cossdk.ACLHeaderOptions{XCosACL: "private"}}); err != nil {
		t.Fatal(err)
	}
	if got := anon("pub.txt"); got != 403 {
		t.Errorf("anonymous GET of a private object: %d", got)
	}
	acl, _, err := c.Object.GetACL(ctx, "pub.txt")
	if err != nil || len(acl.AccessControlList) != 1 {
		t.Errorf("GetACL of a private object: %+v %v", acl, err)
	}
	if err := h.Client.Call(ctx, "tcb", "ModifyStorageACL", map[string]string{"EnvId": h.env, "Bucket": h.bucket, "AclTag": "ADMINONLY"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	h.put(c, "x.txt", []byte("x"), &cossdk.ObjectPutOptions{ACLHeaderOptions: &cossdk.ACLHeaderOptions{XCosACL: "public-read"}})
	h.put(c, "y.txt", []byte("y"), nil)
	if a, b := anon("x.txt"), anon("y.txt"); a != 200 || b != 403 {
		t.Errorf("with ADMINONLY: public-read object %d (want 200), default object %d (want 403)", a, b)
	}
	if resp, _ := h.do("PUT", h.bucket+".cos.ap-shanghai.localhost:"+h.port(), "/anon.txt", nil, strings.NewReader("x")); resp.StatusCode != 403 {
		t.Errorf("anonymous PUT: %d", resp.StatusCode)
	}
	if resp, _ := h.do("GET", h.bucket+".cos.ap-shanghai.localhost:"+h.port(), "/", nil, nil); resp.StatusCode != 403 {
		t.Errorf("anonymous listing: %d", resp.StatusCode)
	}
}

// Keys that escape, hide or overflow are refused before anything is
// stored.
func TestHostileKeys(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	for _, key := range []string{"../etc/passwd", "a/../../b", "a/./b", "nul\x00byte", "bell\x07", strings.Repeat("k", MaxKeyBytes+1), "bad\xffutf8"} {
		_, err := c.Object.Put(context.Background(), key, strings.NewReader("x"), nil)
		if code := cosCode(err); code != "InvalidURI" && code != "KeyTooLong" {
			t.Errorf("PUT %q: %v, want InvalidURI or KeyTooLong", key, err)
		}
	}
	// Path-style, raw: the traversal reaches the handler unchanged.
	resp, body := h.do("GET", "", "/"+h.bucket+"/a/%2e%2e/%2e%2e/x", nil, nil)
	if resp.StatusCode != 400 && resp.StatusCode != 403 {
		t.Errorf("path-style ../: HTTP %d %s", resp.StatusCode, body)
	}
	ok := strings.Repeat("k", MaxKeyBytes)
	h.put(c, ok, []byte("x"), nil)
	if got := h.state().Storage.Files; got != 1 {
		t.Errorf("%d object files, want 1", got)
	}
}

// Two uploads of one key at once: the key ends up holding one of them
// whole, and no file of the other is left behind.
func TestConcurrentPutsOfOneKey(t *testing.T) {
	h := start(t).newEnv()
	bodies := [][]byte{randomBytes(10, 2<<20), randomBytes(11, 2<<20), randomBytes(12, 1<<20), randomBytes(13, 3<<20)}
	var wg sync.WaitGroup
	for round := range 5 {
		for i, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := h.sdk(h.bucket)
				if _, err := c.Object.Put(context.Background(), "same", bytes.NewReader(b), nil); err != nil {
					t.Errorf("round %d put %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
		got := h.get(h.sdk(h.bucket), "same")
		match := false
		for _, b := range bodies {
			match = match || bytes.Equal(got, b)
		}
		if !match {
			t.Fatalf("round %d: the key holds %d bytes that are none of the uploads", round, len(got))
		}
		if n := h.state().Storage.Files; n != 1 {
			t.Fatalf("round %d: %d object files on disk, want 1", round, n)
		}
	}
}

func TestCopyObject(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	body := randomBytes(3, 4096)
	h.put(c, "src.bin", body, &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentType: "x/y"}})
	src := h.bucket + ".cos.ap-shanghai.myqcloud.com/src.bin"
	if _, _, err := c.Object.Copy(context.Background(), "dst.bin", src, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Delete(context.Background(), "src.bin"); err != nil {
		t.Fatal(err)
	}
	if got := h.get(c, "dst.bin"); !bytes.Equal(got, body) {
		t.Error("the copy changed when its source was deleted")
	}
	head, _ := c.Object.Head(context.Background(), "dst.bin", nil)
	if head.Header.Get("Content-Type") != "x/y" {
		t.Errorf("copy lost the content type: %q", head.Header.Get("Content-Type"))
	}
}

// A body cut off midway stores nothing and leaves no file behind.
func TestInterruptedPut(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(randomBytes(4, 1<<20))
		pw.CloseWithError(fmt.Errorf("client killed"))
	}()
	_, err := c.Object.Put(context.Background(), "cut.bin", pr, &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentLength: 4 << 20}})
	if err == nil {
		t.Fatal("a cut-off upload succeeded")
	}
	if _, err := c.Object.Head(context.Background(), "cut.bin", nil); err == nil {
		t.Error("a cut-off upload left an object")
	}
	st := h.state()
	if st.Storage.Files != 0 || st.Storage.Puts != 0 {
		t.Errorf("after a cut-off upload: %d files, %d puts", st.Storage.Files, st.Storage.Puts)
	}
	// A Content-MD5 that does not match is refused.
	_, err = c.Object.Put(context.Background(), "md5.bin", strings.NewReader("abc"), &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg=="}})
	if cosCode(err) != "BadDigest" {
		t.Errorf("wrong Content-MD5: %v", err)
	}
}
