package cos

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"
)

// The SDK's multipart Upload (which checks the combined CRC64 after
// completing), then an upload cut off after some parts and resumed with
// CheckPoint: the SDK finds the upload (ListMultipartUploads), keeps the
// parts whose MD5 matches (ListParts) and sends only the others.
func TestMultipartUploadAndResume(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	ctx := context.Background()
	dir := t.TempDir()
	body := randomBytes(20, 5<<20+12345)
	file := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	res, _, err := c.Object.Upload(ctx, "big/one.bin", file, &cossdk.MultiUploadOptions{PartSize: 1, ThreadPoolSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.Trim(res.ETag, `"`), "-6") {
		t.Errorf("multipart ETag %s, want md5-of-parts-6", res.ETag)
	}
	if got := h.get(c, "big/one.bin"); !bytes.Equal(got, body) {
		t.Fatal("the multipart object differs from the file")
	}
	// Range across a part boundary.
	resp, err := c.Object.Get(ctx, "big/one.bin", &cossdk.ObjectGetOptions{Range: "bytes=1048570-1048590"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, body[1048570:1048591]) {
		t.Error("a range across parts is wrong")
	}

	// Interrupted: three of six parts uploaded, then the client died.
	init, _, err := c.Object.InitiateMultipartUpload(ctx, "big/two.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		part := body[(n-1)<<20 : n<<20]
		if _, err := c.Object.UploadPart(ctx, "big/two.bin", init.UploadID, n, bytes.NewReader(part), nil); err != nil {
			t.Fatal(err)
		}
	}
	before := h.state().Storage.PartsUploaded
	if _, _, err := c.Object.Upload(ctx, "big/two.bin", file, &cossdk.MultiUploadOptions{PartSize: 1, ThreadPoolSize: 2, CheckPoint: true}); err != nil {
		t.Fatal(err)
	}
	if sent := h.state().Storage.PartsUploaded - before; sent != 3 {
		t.Errorf("the resumed upload sent %d parts, want the 3 missing ones", sent)
	}
	if got := h.get(c, "big/two.bin"); !bytes.Equal(got, body) {
		t.Fatal("the resumed object differs from the file")
	}
	st := h.state()
	if st.Storage.OpenUploads != 0 || st.Storage.OpenParts != 0 {
		t.Errorf("open uploads left: %+v", st.Storage)
	}
	if st.Storage.Files != 12 {
		t.Errorf("%d object files, want 12 (two objects of six parts)", st.Storage.Files)
	}
}

func TestMultipartErrors(t *testing.T) {
	h := start(t).newEnv()
	c := h.sdk(h.bucket)
	ctx := context.Background()
	init, _, err := c.Object.InitiateMultipartUpload(ctx, "m.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	small := []byte("small")
	r1, err := c.Object.UploadPart(ctx, "m.bin", init.UploadID, 1, bytes.NewReader(small), nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.Object.UploadPart(ctx, "m.bin", init.UploadID, 2, bytes.NewReader(small), nil)
	if err != nil {
		t.Fatal(err)
	}
	e1, e2 := r1.Header.Get("ETag"), r2.Header.Get("ETag")
	complete := func(parts ...cossdk.Object) error {
		_, _, err := c.Object.CompleteMultipartUpload(ctx, "m.bin", init.UploadID, &cossdk.CompleteMultipartUploadOptions{Parts: parts})
		return err
	}
	for _, tc := range []struct {
		parts []cossdk.Object
		code  string
	}{
		{[]cossdk.Object{{PartNumber: 2, ETag: e2}, {PartNumber: 1, ETag: e1}}, "InvalidPartOrder"},
		{[]cossdk.Object{{PartNumber: 1, ETag: `"00000000000000000000000000000000"`}}, "InvalidPart"},
		{[]cossdk.Object{{PartNumber: 3, ETag: e1}}, "InvalidPart"},
		{[]cossdk.Object{{PartNumber: 1, ETag: e1}, {PartNumber: 2, ETag: e2}}, "EntityTooSmall"},
	} {
		if err := complete(tc.parts...); cosCode(err) != tc.code {
			t.Errorf("complete %+v: %v, want %s", tc.parts, err, tc.code)
		}
	}
	parts, _, err := c.Object.ListParts(ctx, "m.bin", init.UploadID, nil)
	if err != nil || len(parts.Parts) != 2 {
		t.Fatalf("ListParts: %+v %v", parts, err)
	}
	if _, err := c.Object.UploadPart(ctx, "m.bin", init.UploadID, 0, bytes.NewReader(small), nil); cosCode(err) != "InvalidArgument" {
		t.Errorf("part 0: %v", err)
	}
	if _, err := c.Object.UploadPart(ctx, "other.bin", init.UploadID, 1, bytes.NewReader(small), nil); cosCode(err) != "NoSuchUpload" {
		t.Errorf("a part for another key: %v", err)
	}
	// The last part alone may be small.
	if err := complete(cossdk.Object{PartNumber: 2, ETag: e2}); err != nil {
		t.Fatal(err)
	}
	if got := h.get(c, "m.bin"); string(got) != "small" {
		t.Errorf("object %q", got)
	}
	if _, err := c.Object.AbortMultipartUpload(ctx, "m.bin", init.UploadID); cosCode(err) != "NoSuchUpload" {
		t.Errorf("abort after complete: %v", err)
	}
	// Abort drops the parts' files.
	init2, _, _ := c.Object.InitiateMultipartUpload(ctx, "n.bin", nil)
	c.Object.UploadPart(ctx, "n.bin", init2.UploadID, 1, bytes.NewReader(small), nil)
	uploads, _, err := c.Bucket.ListMultipartUploads(ctx, nil)
	if err != nil || len(uploads.Uploads) != 1 || uploads.Uploads[0].Key != "n.bin" {
		t.Errorf("ListMultipartUploads: %+v %v", uploads, err)
	}
	if _, err := c.Object.AbortMultipartUpload(ctx, "n.bin", init2.UploadID); err != nil {
		t.Fatal(err)
	}
	if st := h.state(); st.Storage.Files != 1 || st.Storage.OpenUploads != 0 {
		t.Errorf("after abort: %+v", st.Storage)
	}
}
