package cos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/funcpack"
	"github.com/tcb-go/tcb/pkg/storage"
)

// TestTempCodeBucket drives the function-code path through COS with
// pkg/storage's signed PUT (cos-go-sdk-v5 underneath): GetTempCosInfo signs
// one PUT of one key; the object is readable through Host.Objects; any
// other request, key, signer or size is refused.
func TestTempCodeBucket(t *testing.T) {
	clock := emulatortest.NewClock()
	h := startIn(t, "", clock).newEnv()
	ctx := context.Background()
	appID := h.bucket[strings.LastIndexByte(h.bucket, '-')+1:]
	objectPath := cloudapi.TempCodeObjectPath(appID, h.env, "big")
	bucket, region := cloudapi.TempCodeBucket("ap-shanghai")

	info, err := h.Client.GetTempCosInfo(ctx, objectPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.DateOnly, info.Date); err != nil || !strings.HasPrefix(info.Sign, "q-sign-algorithm=sha1&") {
		t.Fatalf("GetTempCosInfo = %+v", info)
	}
	key := cloudapi.TempCodeKey(info.Date, objectPath)
	body := randomBytes(7, 3<<20)
	put := func(key, auth string, body []byte) error {
		_, err := storage.PutSigned(ctx, storage.SignedPut{Bucket: bucket, Region: region, Endpoint: "http://" + h.Addr(),
			Key: key, Authorization: auth, Body: body, ContentType: "application/zip"})
		return err
	}
	var seen int64
	p := storage.SignedPut{Bucket: bucket, Region: region, Endpoint: "http://" + h.Addr(), Key: key, Authorization: info.Sign,
		Body: body, Progress: func(done, total int64) { seen = done }}
	sum, err := storage.PutSigned(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if sum != md5hex(body) || seen != int64(len(body)) {
		t.Fatalf("md5 %s (want %s), progress %d of %d", sum, md5hex(body), seen, len(body))
	}
	rc, size, err := h.m.OpenObject(bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if size != int64(len(body)) || !bytes.Equal(got, body) {
		t.Fatalf("OpenObject: %d bytes (size %d), want %d", len(got), size, len(body))
	}
	if _, _, err := h.m.OpenObject(bucket, key+".missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing object: %v", err)
	}

	code := func(err error) string {
		var e *storage.Error
		if errors.As(err, &e) {
			return e.Code
		}
		return "no COS error: " + errString(err)
	}
	// The signature is good for its own key only.
	other := cloudapi.TempCodeKey(info.Date, cloudapi.TempCodeObjectPath(appID, h.env, "other"))
	if c := code(put(other, info.Sign, body[:100])); c != "SignatureDoesNotMatch" {
		t.Errorf("other key: %s", c)
	}
	// A tampered signature.
	tampered := info.Sign[:len(info.Sign)-4] + "0000"
	if c := code(put(key, tampered, body[:100])); c != "SignatureDoesNotMatch" {
		t.Errorf("tampered: %s", c)
	}
	// The development keys do not open the bucket.
	if _, err := h.sdk(bucket).Object.Delete(ctx, key); cosCode(err) != "AccessDenied" && cosCode(err) != "InvalidAccessKeyId" {
		t.Errorf("delete with the dev keys: %v", err)
	}
	// Nor does anybody read from it.
	resp, _ := h.do(http.MethodGet, bucket+".cos."+region+".localhost:"+h.port(), "/"+key, http.Header{"Authorization": {info.Sign}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	// Path-style addressing takes the same signature.
	resp, b := h.do(http.MethodPut, "", "/"+bucket+"/"+key, http.Header{"Authorization": {info.Sign}}, bytes.NewReader([]byte("PK")))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("path-style PUT: %d %s", resp.StatusCode, b)
	}
	// More than 50 MB is refused before the body is read.
	resp, b = h.do(http.MethodPut, bucket+".cos."+region+".localhost:"+h.port(), "/"+key,
		http.Header{"Authorization": {info.Sign}, "Content-Length": {strconv.FormatInt(funcpack.MaxZipSize+1, 10)}}, io.LimitReader(zeroes{}, funcpack.MaxZipSize+1))
	if resp.StatusCode != http.StatusBadRequest || !contains(string(b), "EntityTooLarge") {
		t.Errorf("over 50 MB: %d %s", resp.StatusCode, b)
	}
	// The signature expires.
	clock.Advance(TempCodeSignTTL + time.Minute)
	if c := code(put(key, info.Sign, body[:100])); c != "AccessDenied" && c != "RequestTimeTooSkewed" {
		t.Errorf("expired: %s", c)
	}

	// ObjectPath is checked.
	for _, bad := range []string{"", appID + "/" + h.env + "/big.zip\"", "1/" + h.env + "/big.zip", appID + "/nosuchenv-1/big.zip",
		appID + "/" + h.env + "/../x.zip", appID + "/" + h.env + "/big.tar", "../" + appID + "/" + h.env + "/big.zip"} {
		if _, err := h.Client.GetTempCosInfo(ctx, bad); err == nil {
			t.Errorf("GetTempCosInfo(%q) succeeded", bad)
		}
	}
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Temporary code is kept for TempCodeKeepDays UTC dates, then removed by
// the next GetTempCosInfo (the sweep it runs), or at start: object and
// file. (The clock is not advanced for GetTempCosInfo itself: the Cloud API
// client signs with the real time.)
func TestTempCodeSweep(t *testing.T) {
	dir := t.TempDir()
	clock := emulatortest.NewClock()
	h := startIn(t, dir, clock).newEnv()
	ctx := context.Background()
	appID := h.bucket[strings.LastIndexByte(h.bucket, '-')+1:]
	bucket, region := cloudapi.TempCodeBucket("ap-shanghai")
	upload := func(name string) string {
		t.Helper()
		objectPath := cloudapi.TempCodeObjectPath(appID, h.env, name)
		info, err := h.Client.GetTempCosInfo(ctx, objectPath)
		if err != nil {
			t.Fatal(err)
		}
		key := cloudapi.TempCodeKey(info.Date, objectPath)
		if _, err := storage.PutSigned(ctx, storage.SignedPut{Bucket: bucket, Region: region, Endpoint: "http://" + h.Addr(),
			Key: key, Authorization: info.Sign, Body: randomBytes(3, 1000), ContentType: "application/zip"}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	exists := func(h *harness, key string) bool {
		t.Helper()
		rc, _, err := h.m.OpenObject(bucket, key)
		if err == nil {
			rc.Close()
			return true
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return false
	}
	files := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(dir, "storage", "blobs"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	// An ordinary bucket's key that looks like an old date is not touched.
	h.put(h.sdk(h.bucket), "2000-01-01/keep.zip", []byte("PK"), nil)

	first := upload("first")
	// Today's sweep (GetTempCosInfo ran one) and tomorrow's keep it.
	second := upload("second")
	h.m.sweepTempCode(clock.Now().Add(24 * time.Hour))
	if !exists(h, first) || !exists(h, second) || files() != 3 {
		t.Fatalf("a date later: first %v second %v, %d files", exists(h, first), exists(h, second), files())
	}
	// Two dates later both go, files included.
	h.m.sweepTempCode(clock.Now().Add(48 * time.Hour))
	if exists(h, first) || exists(h, second) || files() != 1 {
		t.Fatalf("two dates later: first %v second %v, %d files", exists(h, first), exists(h, second), files())
	}

	// At start, with no call.
	third := upload("third")
	env, storageBucket := h.env, h.bucket
	h.Stop()
	clock.Advance(48 * time.Hour)
	h2 := startIn(t, dir, clock)
	h2.env, h2.bucket = env, storageBucket
	if exists(h2, third) || files() != 1 {
		t.Fatalf("after a restart two dates later: third %v, %d files", exists(h2, third), files())
	}
	rc, _, err := h2.m.OpenObject(storageBucket, "2000-01-01/keep.zip")
	if err != nil {
		t.Fatalf("an ordinary object was swept: %v", err)
	}
	rc.Close()
}
