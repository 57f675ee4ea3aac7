package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
)

// stState is the storage part of /_emulator/state.
type stState struct {
	Storage struct {
		OpenUploads   int   `json:"open_uploads"`
		OpenParts     int   `json:"open_parts"`
		PartsUploaded int64 `json:"parts_uploaded"`
		Puts          int64 `json:"puts"`
		Files         int   `json:"files"`
	} `json:"storage"`
}

func stStateOf(t *testing.T, emu *emuProcess) stState {
	t.Helper()
	var st stState
	getJSON(t, emu.Endpoint+"/_emulator/state", &st)
	return st
}

// stWait polls cond every 20 ms until it holds or the time is up.
func stWait(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after %s", what, within)
		}
		<-tick.C
	}
}

// stTree writes n files of random sizes under dir and returns them by
// relative path.
func stTree(t *testing.T, dir string, seed uint64, n, maxSize int) map[string][]byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	files := map[string][]byte{}
	for i := range n {
		name := fmt.Sprintf("d%d/sub%d/file %d.bin", i%5, i%3, i)
		b := make([]byte, r.IntN(maxSize))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		files[name] = b
	}
	files["unicode/图片.txt"] = []byte("图片")
	files["empty"] = nil
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func stSameTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != len(files) {
		t.Errorf("%s holds %d files, want %d", dir, n, len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes (%v), want %d identical bytes", name, len(got), err, len(want))
		}
	}
}

// The "done when": upload ./dir assets/, download -d gives the
// same bytes back; url works until --max-age; re-uploading sends nothing;
// hostile cloud paths are refused before any request.
func TestStorageCommandsRoundTrip(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "50ms")
	c := newCLI(t, emu)
	env := c.createEnv("files")
	c.env = append(c.env, "TCB_ENV_ID="+env)
	src := t.TempDir()
	files := stTree(t, src, 1, 60, 40000)

	var up struct {
		Uploaded, Unchanged int
		Bytes               int64
		Failed              []any
	}
	if err := json.Unmarshal([]byte(c.run("storage", "upload", src, "assets/", "--json")), &up); err != nil {
		t.Fatal(err)
	}
	if up.Uploaded != len(files) || len(up.Failed) != 0 {
		t.Fatalf("upload: %+v", up)
	}
	if err := json.Unmarshal([]byte(c.run("storage", "upload", src, "assets/", "--json")), &up); err != nil {
		t.Fatal(err)
	}
	if up.Uploaded != 0 || up.Unchanged != len(files) {
		t.Errorf("re-upload of an unchanged tree: %+v", up)
	}
	dst := filepath.Join(t.TempDir(), "back")
	c.run("storage", "download", "assets", dst, "-d")
	stSameTree(t, dst, files)

	var listed []struct {
		Key  string
		Size int64
	}
	if err := json.Unmarshal([]byte(c.run("storage", "list", "assets/unicode/", "--json")), &listed); err != nil || len(listed) != 1 || listed[0].Key != "assets/unicode/图片.txt" {
		t.Errorf("list: %+v %v", listed, err)
	}

	// A URL that works, then stops working after --max-age.
	u := strings.TrimSpace(c.run("storage", "url", "assets/unicode/图片.txt", "--max-age", "2"))
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "图片" {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	stWait(t, 15*time.Second, "the URL is refused after --max-age", func() bool {
		resp, err := http.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 403
	})

	// Hostile input: exit 3 before anything is sent.
	for _, args := range [][]string{
		{"storage", "upload", src, "/abs/"},
		{"storage", "upload", src, "../up/"},
		{"storage", "download", "a/../../etc/passwd", t.TempDir()},
		{"storage", "delete", "/etc", "-d", "--yes"},
		{"storage", "url", "a\x01b"},
		{"storage", "detail", strings.Repeat("k", 851)},
	} {
		if _, errs, code := c.try(args...); code != 3 {
			t.Errorf("tcb %q: exit %d, want 3: %s", args, code, errs)
		}
	}
	if _, errs, code := c.try("storage", "download", "assets/missing.bin", t.TempDir()); code != 4 {
		t.Errorf("download of a missing file: exit %d: %s", code, errs)
	}
	if _, errs, code := c.try("storage", "delete", "assets", "-d"); code != 3 || !strings.Contains(errs, "--yes") {
		t.Errorf("delete -d without --yes and without a terminal: exit %d: %s", code, errs)
	}
	c.run("storage", "delete", "assets", "-d", "--yes")
	if out := c.run("storage", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("list after delete -d: %s", out)
	}
	if st := stStateOf(t, emu); st.Storage.Files != 0 {
		t.Errorf("%d object files left in the emulator", st.Storage.Files)
	}
}

// stProxy forwards TCP to the emulator and, once armed, stops passing on
// what clients send after limit more bytes: an upload stalls mid-way,
// deterministically, so the test can kill the client there.
type stProxy struct {
	ln      net.Listener
	target  string
	sent    atomic.Int64
	limit   atomic.Int64 // <0: no limit
	mu      sync.Mutex
	conns   []net.Conn
	stalled chan struct{}
	once    sync.Once
}

func startStProxy(t *testing.T, target string) *stProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stProxy{ln: ln, target: target, stalled: make(chan struct{})}
	p.limit.Store(-1)
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(in, out); in.Close() }()
			go p.upstream(in, out)
		}
	}()
	return p
}

func (p *stProxy) upstream(in, out net.Conn) {
	defer out.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			total := p.sent.Add(int64(n))
			if lim := p.limit.Load(); lim >= 0 && total > lim {
				p.once.Do(func() { close(p.stalled) })
				select {} // hold the connection, forward nothing more
			}
			if _, werr := out.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// An upload killed mid-way (SIGKILL while parts are in flight) resumes:
// the next upload of the file sends only the parts the emulator lacks.
func TestStorageUploadResumesAfterKill(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "50ms")
	c := newCLI(t, emu)
	env := c.createEnv("resume")
	big := filepath.Join(t.TempDir(), "big.bin")
	data := make([]byte, 100<<20+777)
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < len(data); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(data); j++ {
			data[i+j] = byte(v >> (8 * j))
		}
	}
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	proxy := startStProxy(t, emu.Host)
	proxy.limit.Store(50 << 20) // about three 16 MB parts, then silence
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "storage", "upload", big, "backups/big.bin", "--parallel", "1", "-e", env)
	cmd.Env = append(append([]string{}, c.env...), "TCB_EMULATOR_HOST="+proxy.ln.Addr().String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-proxy.stalled:
	case err := <-exited:
		t.Fatalf("the upload ended before the proxy stalled it: %v\n%s", err, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("the upload never reached the stall point")
	}
	stWait(t, 30*time.Second, "parts committed before the stall", func() bool { return stStateOf(t, emu).Storage.OpenParts >= 2 })
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	before := stStateOf(t, emu)
	if before.Storage.OpenUploads != 1 {
		t.Fatalf("after the kill: %+v", before.Storage)
	}
	c.run("storage", "upload", big, "backups/big.bin", "-e", env)
	after := stStateOf(t, emu)
	const parts = 7 // ceil(100 MiB / 16 MiB)
	if sent := after.Storage.PartsUploaded - before.Storage.PartsUploaded; sent >= parts || sent <= 0 {
		t.Errorf("the resumed upload sent %d parts, want fewer than %d (the kept ones: %d)", sent, parts, before.Storage.OpenParts)
	}
	if after.Storage.OpenUploads != 0 {
		t.Errorf("open uploads left: %d", after.Storage.OpenUploads)
	}
	back := filepath.Join(t.TempDir(), "back.bin")
	c.run("storage", "download", "backups/big.bin", back, "-e", env)
	got, _ := os.ReadFile(back)
	if !bytes.Equal(got, data) {
		t.Fatal("the resumed object differs from the file")
	}
}

// cos-nodejs-sdk-v5, Tencent's Node COS client, against the emulator's
// buckets: put, get, head, list, multipart (sliceUploadFile), delete; and
// the WeChat HTTP API upload flow posted as multipart/form-data by Node's
// fetch.
func TestStorageNodeClients(t *testing.T) {
	t.Parallel()
	mods := npmPackages(t, map[string]string{"cos-nodejs-sdk-v5": "2.15.4"})
	emu := startEmulatorProcess(t, "--latency", "50ms")
	c := newCLI(t, emu)
	env := c.createEnv("nodecos")
	var info []struct {
		Storages []struct{ Bucket, Region string }
	}
	if err := json.Unmarshal([]byte(c.run("env", "list", "--json")), &info); err != nil || len(info) != 1 {
		t.Fatal(err)
	}
	bucket := info[0].Storages[0].Bucket
	script, _ := filepath.Abs(filepath.Join("testdata", "storage", "cosnode.js"))
	cmd := exec.Command("node", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(tokenEnv(), "EMULATOR="+emu.Host, "SECRET_ID="+config.EmulatorSecretID,
		"SECRET_KEY="+config.EmulatorSecretKey, "BUCKET="+bucket, "ENV_ID="+env,
		"WX_APPID="+config.EmulatorWxAppID, "WX_SECRET="+config.EmulatorWxSecret, "NODE_PATH="+filepath.Join(mods, "node_modules"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node cosnode.js: %v\n%s", err, out)
	}
	var results []suiteResult
	if err := json.Unmarshal(lastLine(out), &results); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	assertChecks(t, "cos-nodejs-sdk-v5", results, 19)
	// The CLI sees what Node left.
	var listed []struct{ Key string }
	json.Unmarshal([]byte(c.run("storage", "list", "node/", "--json", "-e", env)), &listed)
	var keys []string
	for _, l := range listed {
		keys = append(keys, l.Key)
	}
	if fmt.Sprint(keys) != "[node/kept.txt node/slice.bin node/wx-form.txt]" {
		t.Errorf("the CLI lists %v after the Node clients", keys)
	}
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// wx-server-sdk's file calls inside a deployed function: the function
// stores a file with cloud.uploadFile, reads it back through a temporary
// URL, deletes another; the CLI then lists and downloads what it stored.
func TestStorageFromFunctions(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t, "--latency", "50ms")
	c := newCLI(t, emu)
	env := c.createEnv("fnfiles")
	dir, _ := filepath.Abs(filepath.Join("testdata", "storage", "functions", "files"))
	c.run("fn", "deploy", "files", "--dir", dir, "--runtime", "Nodejs18.15", "--install-dependency", "true", "--timeout", "30", "-e", env)
	var out struct {
		FileID string `json:"fileID"`
		URL    struct {
			FileID      string `json:"fileID"`
			Status      int    `json:"status"`
			TempFileURL string `json:"tempFileURL"`
		} `json:"url"`
		Downloaded string `json:"downloaded"`
		Deleted    []int  `json:"deleted"`
		Missing    any    `json:"missing"`
	}
	c.invokeJSON(&out, "files", "-e", env, "--params", `{"path":"fn/hello 你好.txt","text":"stored by a function"}`)
	var info []struct {
		Storages []struct{ Bucket string }
	}
	json.Unmarshal([]byte(c.run("env", "list", "--json")), &info)
	bucket := info[0].Storages[0].Bucket
	if want := "cloud://" + env + "." + bucket + "/fn/hello 你好.txt"; out.FileID != want {
		t.Errorf("cloud.uploadFile fileID %q, want %q", out.FileID, want)
	}
	if out.URL.Status != 0 || out.URL.TempFileURL == "" || out.Downloaded != "stored by a function" {
		t.Errorf("getTempFileURL / downloadFile: %+v", out)
	}
	if fmt.Sprint(out.Deleted) != "[0 -503003]" || !strings.Contains(fmt.Sprint(out.Missing), "file not exists") {
		t.Errorf("deleteFile statuses %v, downloadFile of a missing file %v", out.Deleted, out.Missing)
	}
	var listed []struct{ Key string }
	json.Unmarshal([]byte(c.run("storage", "list", "fn/", "--json", "-e", env)), &listed)
	if len(listed) != 1 || listed[0].Key != "fn/hello 你好.txt" {
		t.Errorf("the CLI lists %+v", listed)
	}
	local := filepath.Join(t.TempDir(), "hello.txt")
	c.run("storage", "download", "fn/hello 你好.txt", local, "-e", env)
	if b, _ := os.ReadFile(local); string(b) != "stored by a function" {
		t.Errorf("downloaded %q", b)
	}
}
