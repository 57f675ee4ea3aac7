package cos

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
)

// form posts a multipart form (fields in order, then the file) to path.
func (h *harness) form(host, path string, fields [][2]string, file []byte) (int, http.Header, string) {
	h.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", "upload.png")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", "http://"+h.Addr()+path, &buf)
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The WeChat HTTP API flow: /tcb/uploadfile, then a multipart POST of the
// form to the URL it answered, then batchdownloadfile and
// batchdeletefile.
func TestWeChatFileFlow(t *testing.T) {
	h := start(t).newEnv()
	tok, err := h.WeChat.StableToken(h.Ctx, config.EmulatorWxAppID, config.EmulatorWxSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	call := func(path string, body any, v any) {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(h.Endpoint()+path+"?access_token="+tok.AccessToken, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, raw)
		}
	}
	var up struct {
		Errcode       int    `json:"errcode"`
		URL           string `json:"url"`
		Token         string `json:"token"`
		Authorization string `json:"authorization"`
		FileID        string `json:"file_id"`
		CosFileID     string `json:"cos_file_id"`
	}
	call(PathUploadFile, map[string]string{"env": h.env, "path": "img/头像 1.png"}, &up)
	if up.Errcode != 0 || up.FileID != "cloud://"+h.env+"."+h.bucket+"/img/头像 1.png" || up.CosFileID == "" {
		t.Fatalf("uploadfile: %+v", up)
	}
	u, _ := url.Parse(up.URL)
	png := randomBytes(5, 70000)
	fields := [][2]string{{"key", "img/头像 1.png"}, {"Signature", up.Authorization}, {"x-cos-security-token", up.Token}, {"x-cos-meta-fileid", up.CosFileID}}
	if code, _, body := h.form("", u.EscapedPath(), fields, png); code != 204 {
		t.Fatalf("POST form: %d %s", code, body)
	}
	// The form's signature covers its path: another key is refused.
	bad := [][2]string{{"key", "img/other.png"}, {"Signature", up.Authorization}, {"x-cos-security-token", up.Token}}
	if code, _, body := h.form("", "/"+h.bucket+"/img/other.png", bad, png); code != 403 {
		t.Errorf("the form's signature reused for another key: %d %s", code, body)
	}
	var dl struct {
		Errcode  int `json:"errcode"`
		FileList []struct {
			FileID      string `json:"fileid"`
			DownloadURL string `json:"download_url"`
			Status      int    `json:"status"`
		} `json:"file_list"`
	}
	call(PathBatchDownloadFile, map[string]any{"env": h.env, "file_list": []map[string]any{
		{"fileid": up.FileID, "max_age": 60}, {"fileid": "cloud://" + h.env + "." + h.bucket + "/missing", "max_age": 60},
		{"fileid": "cloud://other.bucket-1/x", "max_age": 60}}}, &dl)
	if dl.Errcode != 0 || len(dl.FileList) != 3 || dl.FileList[0].Status != 0 || dl.FileList[1].Status != codeFileMissing || dl.FileList[2].Status != codeFileForbidden {
		t.Fatalf("batchdownloadfile: %+v", dl)
	}
	// What a client does with the URL: encodeURI, then GET.
	got := h.getURL(encodeURI(dl.FileList[0].DownloadURL))
	if !bytes.Equal(got, png) {
		t.Fatalf("the download URL gave %d bytes", len(got))
	}
	h.Clock.Advance(61 * time.Second)
	if code := h.status(encodeURI(dl.FileList[0].DownloadURL)); code != 403 {
		t.Errorf("download URL after max_age: %d", code)
	}
	var del struct {
		Errcode    int `json:"errcode"`
		DeleteList []struct {
			Status int `json:"status"`
		} `json:"delete_list"`
	}
	call(PathBatchDeleteFile, map[string]any{"env": h.env, "fileid_list": []string{up.FileID, up.FileID}}, &del)
	if del.Errcode != 0 || len(del.DeleteList) != 2 || del.DeleteList[0].Status != 0 || del.DeleteList[1].Status != codeFileMissing {
		t.Errorf("batchdeletefile: %+v", del)
	}
	// The common checks: a bad token, a missing env.
	var e struct{ Errcode int }
	resp, _ := http.Post(h.Endpoint()+PathUploadFile+"?access_token=nope", "application/json", strings.NewReader(`{"env":"x","path":"a"}`))
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if e.Errcode != 40014 {
		t.Errorf("uploadfile with a bad token: errcode %d", e.Errcode)
	}
	call(PathUploadFile, map[string]string{"env": "nope-123", "path": "a"}, &e)
	if e.Errcode != -501000 {
		t.Errorf("uploadfile for an unknown env: errcode %d", e.Errcode)
	}
	call(PathUploadFile, map[string]string{"env": h.env, "path": "../a"}, &e)
	if e.Errcode != 40097 {
		t.Errorf("uploadfile of ../a: errcode %d", e.Errcode)
	}
}

// encodeURI is JavaScript's: everything but A-Z a-z 0-9 ;,/?:@&=+$-_.!~*'()#
// is percent-encoded.
func encodeURI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || strings.IndexByte(";,/?:@&=+$!*'()#", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (h *harness) getURL(u string) []byte {
	h.T.Helper()
	resp, err := http.Get(u)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		h.T.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return b
}

func (h *harness) status(u string) int {
	h.T.Helper()
	resp, err := http.Get(u)
	if err != nil {
		h.T.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// admin calls an /admin action with the development keys.
func (h *harness) admin(action string, params map[string]any, v any) {
	h.T.Helper()
	body := map[string]any{"action": action, "envName": h.env}
	for k, val := range params {
		body[k] = val
	}
	req, _ := http.NewRequest("POST", h.Endpoint()+sdkapi.Path+"?env="+h.env, nil)
	req.Header.Set("Content-Type", "application/json")
	raw := sdkapi.Sign(req, body, config.EmulatorSecretID, config.EmulatorSecretKey, h.Clock.Now().Unix())
	req.Body = io.NopCloser(bytes.NewReader(raw))
	req.ContentLength = int64(len(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		h.T.Fatalf("%s: %v: %s", action, err, b)
	}
}

// The SDKs' storage.* actions, driven as node-sdk does: PUT with the
// metadata's headers, then URLs, copy and delete.
func TestSDKStorageActions(t *testing.T) {
	h := start(t).newEnv()
	var meta struct {
		Code string
		Data struct {
			URL, Token, Authorization, FileID, CosFileID string
		}
	}
	h.admin("storage.getUploadMetadata", map[string]any{"path": "a/b.txt", "method": "put"}, &meta)
	if meta.Code != "" || meta.Data.FileID != "cloud://"+h.env+"."+h.bucket+"/a/b.txt" {
		t.Fatalf("getUploadMetadata: %+v", meta)
	}
	req, _ := http.NewRequest("PUT", meta.Data.URL, strings.NewReader("hello"))
	req.Header.Set("Signature", meta.Data.Authorization)
	req.Header.Set("authorization", meta.Data.Authorization)
	req.Header.Set("x-cos-security-token", meta.Data.Token)
	req.Header.Set("x-cos-meta-fileid", meta.Data.CosFileID)
	req.Header.Set("key", "a%2Fb.txt")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT with the upload metadata: %d", resp.StatusCode)
	}
	var urls struct {
		Data struct {
			DownloadList []struct {
				FileID, TempFileURL, Code string
			} `json:"download_list"`
		}
	}
	h.admin("storage.batchGetDownloadUrl", map[string]any{"file_list": []map[string]any{{"fileid": meta.Data.FileID, "max_age": 600}}}, &urls)
	if l := urls.Data.DownloadList; len(l) != 1 || l[0].Code != "SUCCESS" || string(h.getURL(encodeURI(l[0].TempFileURL))) != "hello" {
		t.Fatalf("batchGetDownloadUrl: %+v", urls)
	}
	var cp struct {
		Data struct {
			CopyList []struct{ FileID, Code string } `json:"copy_list"`
		}
	}
	dst := "cloud://" + h.env + "." + h.bucket + "/c/b.txt"
	h.admin("storage.batchCopyFile", map[string]any{"file_list": []map[string]any{{"src_path": meta.Data.FileID, "dst_path": dst, "remove_original": true}}}, &cp)
	if len(cp.Data.CopyList) != 1 || cp.Data.CopyList[0].Code != "SUCCESS" {
		t.Fatalf("batchCopyFile: %+v", cp)
	}
	var del struct {
		Data struct {
			DeleteList []struct{ FileID, Code string } `json:"delete_list"`
		}
	}
	h.admin("storage.batchDeleteFile", map[string]any{"fileid_list": []string{dst, meta.Data.FileID}}, &del)
	if l := del.Data.DeleteList; len(l) != 2 || l[0].Code != "SUCCESS" || l[1].Code != "STORAGE_FILE_NONEXIST" {
		t.Errorf("batchDeleteFile (the original was moved): %+v", del)
	}
	if n := h.state().Storage.Files; n != 0 {
		t.Errorf("%d files left", n)
	}
}

// POST Object with a policy signed the way COS documents it.
func TestPostObjectPolicy(t *testing.T) {
	h := start(t).newEnv()
	now := time.Now()
	keyTime := fmt.Sprintf("%d;%d", now.Unix()-1, now.Add(time.Hour).Unix())
	policy := func(exp time.Time, conds ...any) (string, string) {
		p, _ := json.Marshal(map[string]any{"expiration": exp.UTC().Format(time.RFC3339), "conditions": conds})
		m := hmac.New(sha1.New, []byte(config.EmulatorSecretKey))
		m.Write([]byte(keyTime))
		signKey := hex.EncodeToString(m.Sum(nil))
		sum := sha1.Sum(p)
		m = hmac.New(sha1.New, []byte(signKey))
		m.Write([]byte(hex.EncodeToString(sum[:])))
		return base64.StdEncoding.EncodeToString(p), hex.EncodeToString(m.Sum(nil))
	}
	host := h.bucket + ".cos.ap-shanghai.localhost:" + h.port()
	fields := func(key, pol, sig string) [][2]string {
		return [][2]string{{"key", key}, {"policy", pol}, {"q-sign-algorithm", "sha1"}, {"q-ak", config.EmulatorSecretID},
			{"q-key-time", keyTime}, {"q-signature", sig}, {"success_action_status", "201"}, {"Content-Type", "image/png"}}
	}
	pol, sig := policy(now.Add(time.Hour), map[string]string{"bucket": h.bucket}, []any{"starts-with", "$key", "uploads/"},
		[]any{"content-length-range", 1, 1000})
	code, hdr, body := h.form(host, "/", fields("uploads/${filename}", pol, sig), []byte("png bytes"))
	if code != 201 || !strings.Contains(body, "<Key>uploads/upload.png</Key>") || hdr.Get("ETag") == "" {
		t.Fatalf("POST with a policy: %d %s", code, body)
	}
	c := h.sdk(h.bucket)
	if head, err := c.Object.Head(context.Background(), "uploads/upload.png", nil); err != nil || head.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the posted object: %v %v", head, err)
	}
	for name, tc := range map[string]struct {
		fields [][2]string
		file   []byte
		code   int
	}{
		"key outside the policy": {fields("elsewhere/x", pol, sig), []byte("x"), 403},
		"too large":              {fields("uploads/big", pol, sig), make([]byte, 1001), 400},
		"tampered policy":        {fields("uploads/x", base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00Z","conditions":[]}`)), sig), []byte("x"), 403},
		"expired policy": func() struct {
			fields [][2]string
			file   []byte
			code   int
		} {
			p, s := policy(now.Add(-time.Minute))
			return struct {
				fields [][2]string
				file   []byte
				code   int
			}{fields("uploads/x", p, s), []byte("x"), 403}
		}(),
		"no signature": {[][2]string{{"key", "uploads/x"}}, []byte("x"), 403},
	} {
		if code, _, body := h.form(host, "/", tc.fields, tc.file); code != tc.code {
			t.Errorf("%s: %d %s, want %d", name, code, body, tc.code)
		}
	}
	if n := h.state().Storage.Files; n != 1 {
		t.Errorf("%d files, want 1", n)
	}
}

// Objects survive a restart; a file a crash left between writing and
// committing is removed at start, and so is an object whose file a power
// loss left short.
func TestRestartAndOrphans(t *testing.T) {
	dir := t.TempDir()
	clock := emulatortest.NewClock()
	h := startIn(t, dir, clock).newEnv()
	c := h.sdk(h.bucket)
	body := randomBytes(7, 100000)
	h.put(c, "keep.bin", body, nil)
	blobFiles := func() map[string]bool {
		out := map[string]bool{}
		filepath.WalkDir(filepath.Join(dir, "storage", "blobs"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out[p] = true
			}
			return nil
		})
		return out
	}
	before := blobFiles()
	h.put(c, "torn.bin", body, nil)
	var torn string
	for p := range blobFiles() {
		if !before[p] {
			torn = p
		}
	}
	env, bucket := h.env, h.bucket
	h.Stop()
	// A power loss before the data reached the disk: the file is short.
	if err := os.Truncate(torn, 100); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, "storage", "blobs", "ab", "ab0000000000000000000000000000ff")
	os.MkdirAll(filepath.Dir(orphan), 0o700)
	os.WriteFile(orphan, []byte("half written"), 0o600)
	os.WriteFile(filepath.Join(dir, "storage", "tmp", "put-123"), []byte("temp"), 0o600)
	h2 := startIn(t, dir, clock)
	h2.env, h2.bucket = env, bucket
	if got := h2.get(h2.sdk(bucket), "keep.bin"); !bytes.Equal(got, body) {
		t.Fatal("the object changed across a restart")
	}
	if _, err := h2.sdk(bucket).Object.Head(context.Background(), "torn.bin", nil); err == nil {
		t.Error("an object whose file is short is still served")
	}
	st := h2.state()
	if st.Storage.Orphans != 2 || st.Storage.Files != 1 {
		t.Errorf("after restart: %+v", st.Storage)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Error("the orphan file is still there")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "storage", "tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// Deleting an environment deletes its files; /_emulator/reset all files.
func TestEnvDestroyAndReset(t *testing.T) {
	h := start(t).newEnv()
	h.put(h.sdk(h.bucket), "x", []byte("x"), nil)
	h.put(h.sdk(h.hosting), "index.html", []byte("<p>"), nil)
	if err := h.Client.DestroyEnv(h.Ctx, h.env); err != nil {
		t.Fatal(err)
	}
	if n := h.state().Storage.Files; n != 0 {
		t.Errorf("%d files after the environment was destroyed", n)
	}
	h.newEnv()
	h.put(h.sdk(h.bucket), "y", []byte("y"), nil)
	h.Reset()
	if n := h.state().Storage.Files; n != 0 {
		t.Errorf("%d files after reset", n)
	}
	_ = cossdk.NewAuthTime
}
