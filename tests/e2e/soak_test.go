package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// The emulator soak (issue 11): 50 clients mix Tencent Cloud API calls,
// function invocations and database writes against the real binary for a
// minute; half-way the emulator is killed with SIGKILL and started again
// on the same data dir and port, and once more at the end. Every write
// that got a success answer must be there after the kills, and the
// emulator's memory must stay flat: its RSS at the end of the run, under
// the same load, at most twice the RSS of the first steady state (a bound
// that does not depend on how many requests were made; the database's
// data is bounded by design: kv documents are overwritten, log inserts
// are capped per client).
//
// It is long, so it runs only with TCB_SOAK=1 (.ci/run sets it);
// TCB_SOAK_DURATION changes the 60 s.
func TestEmulatorSoak(t *testing.T) {
	if os.Getenv("TCB_SOAK") != "1" {
		t.Skip("the emulator soak runs with TCB_SOAK=1 (.ci/run)")
	}
	duration := 60 * time.Second
	if v := os.Getenv("TCB_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("TCB_SOAK_DURATION: %v", err)
		}
		duration = d
	}
	const (
		clients    = 50
		kvPerCli   = 10
		logCap     = 150 // inserts per client
		tick       = 100 * time.Millisecond
		reqTimeout = 15 * time.Second
	)
	work := t.TempDir()
	s := &soak{t: t, bin: filepath.Join(binDir, "tcb"), work: work,
		dataDir: filepath.Join(work, "data"), cfgDir: filepath.Join(work, "config"), addr: freeAddr(t)}
	s.start()
	defer s.stopAll()

	envID := s.setup()
	info := s.info
	cloud, err := cloudapi.New(cloudapi.Options{Credential: cloudapi.Credential{SecretID: info.SecretID, SecretKey: info.SecretKey},
		Region: "ap-shanghai", Endpoint: "http://" + s.addr, Timeout: reqTimeout, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	wx := &wechat.Client{BaseURL: "http://" + s.addr, HTTP: &http.Client{Timeout: reqTimeout},
		Retry: wechat.RetryPolicy{Attempts: 1}}
	toks := &soakTokens{wx: wx, appid: info.WxAppID, secret: info.WxSecret}

	var (
		requests, acks, failures           atomic.Int64
		cloudOK, invokeOK, kvAcks, logAcks atomic.Int64
		mu                                 sync.Mutex
		kvAcked                            = map[string]int64{} // id -> highest acknowledged version
		logAcked                           []string
		errMu                              sync.Mutex
		errSamples                         []string // a few failures outside the kill window
	)
	down := atomic.Bool{}
	sample := func(kind string, err error) {
		if err == nil || down.Load() {
			return
		}
		errMu.Lock()
		if len(errSamples) < 5 {
			errSamples = append(errSamples, kind+": "+err.Error())
		}
		errMu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 11))
			versions := make([]int64, kvPerCli)
			logs := 0
			tk := time.NewTicker(tick)
			defer tk.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
				}
				rctx, rcancel := context.WithTimeout(context.Background(), reqTimeout)
				requests.Add(1)
				ok := false
				switch op := r.IntN(10); {
				case op < 4 || op < 6 && logs >= logCap: // overwrite one of the client's kv documents
					j := r.IntN(kvPerCli)
					versions[j]++
					id := fmt.Sprintf("k-%d-%d", c, j)
					stmt := fmt.Sprintf(`db.collection("kv").doc(%q).set({data: {v: %d, c: %d}})`, id, versions[j], c)
					err := toks.do(rctx, func(tok string) error {
						_, err := wx.DatabaseUpdate(rctx, tok, wechat.QueryRequest{Env: envID, Query: stmt})
						return err
					})
					sample("kv write", err)
					if err == nil {
						ok = true
						kvAcks.Add(1)
						mu.Lock()
						kvAcked[id] = max(kvAcked[id], versions[j])
						mu.Unlock()
					}
				case op < 6: // insert a new log document
					logs++
					id := fmt.Sprintf("l-%d-%d", c, logs)
					stmt := fmt.Sprintf(`db.collection("log").add({data: {_id: %q, c: %d, pad: %q}})`, id, c, strings.Repeat("x", 200))
					err := toks.do(rctx, func(tok string) error {
						_, err := wx.DatabaseAdd(rctx, tok, wechat.QueryRequest{Env: envID, Query: stmt})
						return err
					})
					sample("insert", err)
					if err == nil {
						ok = true
						logAcks.Add(1)
						mu.Lock()
						logAcked = append(logAcked, id)
						mu.Unlock()
					}
				case op < 8: // invoke the function
					n := r.IntN(1 << 30)
					res, err := cloud.Invoke(rctx, &cloudapi.InvokeRequest{FunctionName: "echo", Namespace: envID,
						ClientContext: fmt.Sprintf(`{"n":%d}`, n)}, reqTimeout)
					if err == nil && (res.Result.InvokeResult != 0 || !strings.Contains(res.Result.RetMsg, strconv.Itoa(n))) {
						err = fmt.Errorf("invocation answered %d %q %q", res.Result.InvokeResult, res.Result.RetMsg, res.Result.ErrMsg)
					}
					sample("invoke", err)
					if err == nil {
						ok = true
						invokeOK.Add(1)
					}
				case op < 9:
					_, err := cloud.DescribeEnvs(rctx)
					sample("DescribeEnvs", err)
					if err == nil {
						ok = true
						cloudOK.Add(1)
					}
				default:
					_, err := cloud.ListFunctions(rctx, envID)
					sample("ListFunctions", err)
					if err == nil {
						ok = true
						cloudOK.Add(1)
					}
				}
				rcancel()
				if ok {
					acks.Add(1)
				} else {
					failures.Add(1)
				}
			}
		}(c)
	}

	// Memory: RSS at the first steady state (a sixth of the run in), the
	// kill -9 half-way, RSS at the end under the same load.
	wait := func(d time.Duration) bool {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-tm.C:
			return true
		}
	}
	var rssBefore, rssAtKill, rssEnd procMem
	var restartTook time.Duration
	var left []string
	start := time.Now()
	if wait(duration / 6) {
		rssBefore = s.mem()
	}
	if wait(duration/2 - time.Since(start)) {
		rssAtKill = s.mem()
		t0 := time.Now()
		down.Store(true)
		s.kill9()
		left = s.survivors()
		s.start()
		restartTook = time.Since(t0)
		// Requests already in flight at the kill fail a little later.
		if wait(reqTimeout / 3) {
			down.Store(false)
		}
	}
	<-ctx.Done()
	wg.Wait()
	rssEnd = s.mem()

	// Kill it once more, start it, and check every acknowledged write.
	s.kill9()
	s.start()
	vctx, vcancel := context.WithTimeout(context.Background(), time.Minute)
	defer vcancel()
	stored := map[string]int64{}
	for _, d := range s.all(vctx, wx, toks, envID, "kv") {
		var doc struct {
			ID string `json:"_id"`
			V  int64  `json:"v"`
		}
		if err := json.Unmarshal([]byte(d), &doc); err != nil {
			t.Fatal(err)
		}
		stored[doc.ID] = doc.V
	}
	lost := 0
	for id, v := range kvAcked {
		if stored[id] < v {
			lost++
			if lost <= 5 {
				t.Errorf("kv %s: version %d acknowledged, %d stored", id, v, stored[id])
			}
		}
	}
	logStored := map[string]bool{}
	for _, d := range s.all(vctx, wx, toks, envID, "log") {
		var doc struct {
			ID string `json:"_id"`
		}
		json.Unmarshal([]byte(d), &doc)
		logStored[doc.ID] = true
	}
	for _, id := range logAcked {
		if !logStored[id] {
			lost++
			if lost <= 10 {
				t.Errorf("log %s acknowledged but missing", id)
			}
		}
	}
	t.Logf("soak: %d clients, %s, kill -9 and restart at %s (answering again after %s) and at the end",
		clients, duration, duration/2, restartTook.Round(time.Millisecond))
	t.Logf("soak: %d requests, %d succeeded (%d kv writes, %d inserts, %d invocations, %d Cloud API reads), %d failed (mostly while the emulator was down)",
		requests.Load(), acks.Load(), kvAcks.Load(), logAcks.Load(), invokeOK.Load(), cloudOK.Load(), failures.Load())
	t.Logf("soak: checked after the kills: %d kv documents at (at least) their last acknowledged version, %d acknowledged inserts present; %d lost",
		len(kvAcked), len(logAcked), lost)
	errMu.Lock()
	for _, e := range errSamples {
		t.Logf("soak: a failure: %s", e)
	}
	errMu.Unlock()
	t.Logf("soak: emulator RSS %s at the first steady state, %s before the kill, %s at the end (after the restart)",
		rssBefore, rssAtKill, rssEnd)
	t.Logf("soak: processes left running by the killed emulator: %d %v", len(left), left)
	if lost > 0 {
		t.Fatalf("%d acknowledged writes lost", lost)
	}
	if kvAcks.Load() == 0 || logAcks.Load() == 0 || invokeOK.Load() == 0 || cloudOK.Load() == 0 {
		t.Fatalf("a kind of request never succeeded")
	}
	if rssBefore.rss == 0 || rssEnd.rss == 0 {
		t.Fatalf("RSS not sampled (run shorter than its sampling points?)")
	}
	if rssEnd.rss > 2*rssBefore.rss {
		t.Fatalf("emulator RSS grew from %s to %s (bound: twice the first steady state)", rssBefore, rssEnd)
	}
}

// soak runs the emulator binary on one address and data dir.
type soak struct {
	t                          *testing.T
	bin, work, dataDir, cfgDir string
	addr                       string
	cmd                        *exec.Cmd
	done                       chan error
	pgids                      []int
	info                       soakInfo
}

type soakInfo struct {
	SecretID  string `json:"secret_id"`
	SecretKey string `json:"secret_key"`
	WxAppID   string `json:"wx_appid"`
	WxSecret  string `json:"wx_secret"`
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (s *soak) env() []string {
	return append(os.Environ(), "TCB_CONFIG_DIR="+s.cfgDir, "NO_COLOR=1", "TCB_EMULATOR_HOST="+s.addr, "HOME="+s.work)
}

// start runs `tcb emulator start` and waits for its first line (it
// answers then).
func (s *soak) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "emulator", "start", "--listen", s.addr, "--data-dir", s.dataDir, "--json", "--no-ui", "--latency", "50ms")
	cmd.Dir = s.work
	cmd.Env = s.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.OpenFile(filepath.Join(s.work, "emulator.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.pgids = append(s.pgids, cmd.Process.Pid)
	done := make(chan error, 1)
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() {
		}
		done <- cmd.Wait()
	}()
	line, ok := <-first
	if !ok {
		b, _ := os.ReadFile(filepath.Join(s.work, "emulator.log"))
		s.t.Fatalf("emulator exited before answering:\n%s", b)
	}
	if err := json.Unmarshal([]byte(line), &s.info); err != nil {
		s.t.Fatalf("emulator start: %q: %v", line, err)
	}
	s.cmd, s.done = cmd, done
}

// kill9 kills the emulator process (only it: what it started is its own
// business) and waits for it to be gone.
func (s *soak) kill9() {
	s.t.Helper()
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

// survivors lists the processes still in the process group of the
// emulator just killed (its function runtimes, if it left any).
func (s *soak) survivors() []string {
	pg := s.pgids[len(s.pgids)-1]
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pg {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			out = append(out, fmt.Sprintf("%d:%s", pid, strings.TrimSpace(string(comm))))
		}
	}
	return out
}

// stopAll ends the last emulator and anything left in the process groups
// this test started.
func (s *soak) stopAll() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		tm := time.NewTimer(20 * time.Second)
		select {
		case <-s.done:
		case <-tm.C:
			s.cmd.Process.Kill()
			<-s.done
		}
		tm.Stop()
	}
	for _, pg := range s.pgids {
		syscall.Kill(-pg, syscall.SIGKILL)
	}
}

// procMem is a sample of /proc/<pid>/status.
type procMem struct{ rss, anon int64 }

func (m procMem) String() string {
	return fmt.Sprintf("%.1f MiB (anon %.1f MiB)", float64(m.rss)/(1<<20), float64(m.anon)/(1<<20))
}

func (s *soak) mem() procMem {
	s.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatal(err)
	}
	var m procMem
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			m.rss = n << 10
		case "RssAnon":
			m.anon = n << 10
		}
	}
	return m
}

// cli runs tcb against the emulator and returns its stdout.
func (s *soak) cli(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.work
	cmd.Env = s.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("tcb %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// setup creates an environment, deploys the echo function and creates
// the collections; it returns the environment id.
func (s *soak) setup() string {
	s.cli("env", "create", "soak", "--use")
	env := strings.TrimSpace(s.cli("config", "get", "env-id"))
	dir := filepath.Join(s.work, "echo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"),
		[]byte("exports.main = async (event) => ({ echo: event.n })\n"), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.cli("fn", "deploy", "echo", "--dir", dir)
	s.cli("db", "collection", "create", "kv")
	s.cli("db", "collection", "create", "log")
	return env
}

// all reads every document of a collection (JSON strings).
func (s *soak) all(ctx context.Context, wx *wechat.Client, toks *soakTokens, env, coll string) []string {
	s.t.Helper()
	var out []string
	for skip := 0; ; skip += 1000 {
		var page []string
		err := toks.do(ctx, func(tok string) error {
			res, err := wx.DatabaseQuery(ctx, tok, wechat.QueryRequest{Env: env,
				Query: fmt.Sprintf(`db.collection(%q).orderBy("_id", "asc").skip(%d).limit(1000).get()`, coll, skip)})
			if err == nil {
				page = res.Data
			}
			return err
		})
		if err != nil {
			s.t.Fatalf("reading %s: %v", coll, err)
		}
		out = append(out, page...)
		if len(page) < 1000 {
			return out
		}
	}
}

// soakTokens shares one stable access_token among the clients, fetching a
// new one when the emulator refuses it.
type soakTokens struct {
	wx            *wechat.Client
	appid, secret string
	mu            sync.Mutex
	tok           string
}

func (k *soakTokens) get(ctx context.Context, stale string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tok != "" && k.tok != stale {
		return k.tok, nil
	}
	t, err := k.wx.StableToken(ctx, k.appid, k.secret, false)
	if err != nil {
		return "", err
	}
	k.tok = t.AccessToken
	return k.tok, nil
}

// do runs call with the token, once more with a new one if it was refused.
func (k *soakTokens) do(ctx context.Context, call func(tok string) error) error {
	tok, err := k.get(ctx, "")
	if err != nil {
		return err
	}
	err = call(tok)
	if code, ok := wechat.ErrCode(err); ok && (code == 40001 || code == 42001 || code == 40014) {
		if tok, err = k.get(ctx, tok); err != nil {
			return err
		}
		err = call(tok)
	}
	return err
}
