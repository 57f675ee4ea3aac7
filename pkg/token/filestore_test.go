package token

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	childEnv      = "TCB_TOKEN_TEST_CHILD"
	childStoreEnv = "TCB_TOKEN_TEST_STORE"
	childURLEnv   = "TCB_TOKEN_TEST_UPSTREAM"
)

// runChild is the body of a re-executed test binary: build a Manager,
// say "ready" on stdout, wait for the go byte on stdin, call Manager.Get
// once and print the token.
func runChild() int {
	store, err := NewFileStore(os.Getenv(childStoreEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	m, err := NewManager(ManagerOptions{Store: store, Fetcher: newFetcher(os.Getenv(childURLEnv), ModeLegacy)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	if _, err := os.Stdin.Read(make([]byte, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "no go signal:", err)
		return 2
	}
	rec, err := m.Get(context.Background(), testApp)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(rec.Token)
	return 0
}

// readerLoop parses the file continuously until stop is closed and
// reports any torn or invalid read and any wrong mode.
func readerLoop(t *testing.T, path string, stop <-chan struct{}) (reads *atomic.Int64, done <-chan struct{}) {
	reads = &atomic.Int64{}
	d := make(chan struct{})
	go func() {
		defer close(d)
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			var fd fileData
			if err := json.Unmarshal(b, &fd); err != nil {
				t.Errorf("torn or invalid read (%d bytes): %v", len(b), err)
				return
			}
			if st, err := os.Stat(path); err == nil && st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", st.Mode().Perm())
				return
			}
			reads.Add(1)
		}
	}()
	return reads, d
}

// TestFileStoreManyProcessesOneFetch: 20 goroutines (each with its own
// Manager) and 8 separate processes call Manager.Get at the same instant
// on an empty store: exactly one upstream fetch, everybody gets the same
// token, the file stays valid JSON with mode 0600 throughout.
func TestFileStoreManyProcessesOneFetch(t *testing.T) {
	fake := newUpstream(t, upstreamOptions{Latency: 150 * time.Millisecond})
	store := newFileStore(t)

	stop := make(chan struct{})
	reads, readerDone := readerLoop(t, store.Path(), stop)

	const procs, goroutines = 8, 20
	var (
		wg     sync.WaitGroup
		ready  sync.WaitGroup // everybody is one step from calling Get
		goLine = make(chan struct{})
	)
	tokens := make(chan string, procs+goroutines)
	ready.Add(procs + goroutines)
	for i := 0; i < procs; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", childStoreEnv+"="+store.Path(), childURLEnv+"="+fake.URL)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := bufio.NewReader(stdout)
			line, err := out.ReadString('\n')
			ready.Done()
			if err != nil || line != "ready\n" {
				t.Errorf("child did not get ready: %q %v: %s", line, err, stderr.String())
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				return
			}
			<-goLine
			_, _ = stdin.Write([]byte{1})
			tok, _ := io.ReadAll(out)
			if err := cmd.Wait(); err != nil {
				t.Errorf("child: %v: %s", err, stderr.String())
				return
			}
			tokens <- string(tok)
		}()
	}
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine has its own Manager: only the file lock can
			// keep them from fetching.
			m := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeLegacy)})
			ready.Done()
			<-goLine
			rec, err := m.Get(context.Background(), testApp)
			if err != nil {
				t.Error(err)
				return
			}
			tokens <- rec.Token
		}()
	}
	ready.Wait()
	close(goLine)
	wg.Wait()
	close(stop)
	<-readerDone
	close(tokens)

	var first string
	n := 0
	for tok := range tokens {
		n++
		if first == "" {
			first = tok
		}
		if tok != first {
			t.Errorf("callers got different tokens")
		}
	}
	if n != procs+goroutines {
		t.Fatalf("only %d of %d callers got a token", n, procs+goroutines)
	}
	if st := fake.Stats(); st.Legacy != 1 {
		t.Errorf("upstream fetches = %d, want exactly 1", st.Legacy)
	}
	if !fake.Valid(first) {
		t.Errorf("served token is not valid upstream")
	}
	st, err := os.Stat(store.Path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("store mode %v %v", st.Mode().Perm(), err)
	}
	if dst, _ := os.Stat(filepath.Dir(store.Path())); dst.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", dst.Mode().Perm())
	}
	t.Logf("reader parsed the file %d times during the run", reads.Load())
}

// TestFileStoreNoTornReads hammers the file with writers for two apps
// while a reader parses it continuously.
func TestFileStoreNoTornReads(t *testing.T) {
	store := newFileStore(t)
	ctx := ctxT(t)
	stop := make(chan struct{})
	reads, readerDone := readerLoop(t, store.Path(), stop)
	var wg sync.WaitGroup
	var puts atomic.Int64
	big := strings.Repeat("x", 512)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := []string{testApp, testApp2}[w%2]
			for i := 0; i < 25; i++ {
				l, err := store.Lock(ctx, app, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				rec := &Record{AppID: app, Token: fmt.Sprintf("%s-%d-%d", big, w, i), ExpiresAt: time.Now().Add(time.Hour), ObtainedAt: time.Now(), Source: SourceStable}
				if err := store.Put(ctx, rec, l); err != nil {
					t.Error(err)
				}
				puts.Add(1)
				_ = l.Release(ctx)
			}
		}()
	}
	wg.Wait()
	waitFor(t, "a read", func() bool { return reads.Load() > 0 })
	close(stop)
	<-readerDone
	for _, app := range []string{testApp, testApp2} {
		rec, err := store.Get(ctx, app)
		if err != nil || !strings.HasPrefix(rec.Token, big) {
			t.Errorf("%s: %v", app, err)
		}
	}
	if reads.Load() == 0 {
		t.Error("reader never parsed the file")
	}
	t.Logf("%d writes, %d clean reads", puts.Load(), reads.Load())
}

func TestFileStoreLockAndFence(t *testing.T) {
	store := newFileStore(t)
	ctx := ctxT(t)
	l1, err := store.Lock(ctx, testApp, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// A second lock (even in the same process) waits.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = store.Lock(short, testApp, time.Minute)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock should time out, got %v", err)
	}
	// Another app is independent.
	lo, err := store.Lock(ctx, testApp2, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_ = lo.Release(ctx)
	if !l1.Valid(ctx) {
		t.Fatal("lease should be valid")
	}
	if err := l1.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if l1.Valid(ctx) {
		t.Error("released lease still valid")
	}
	rec := &Record{AppID: testApp, Token: "t", ExpiresAt: time.Now().Add(time.Hour)}
	if err := store.Put(ctx, rec, l1); !errors.Is(err, ErrFenced) {
		t.Errorf("Put after release: %v", err)
	}
	l2, _ := store.Lock(ctx, testApp, time.Minute)
	if l2.Fence() <= l1.Fence() {
		t.Errorf("fence not increasing: %d then %d", l1.Fence(), l2.Fence())
	}
	if err := store.Put(ctx, rec, l2); err != nil {
		t.Fatal(err)
	}
	_ = l2.Release(ctx)
	// A write with an older fence than the last write is refused even if
	// the lock is (somehow) held again.
	l3, _ := store.Lock(ctx, testApp, time.Minute)
	l3.(*fileLease).fence = l1.Fence()
	if err := store.Put(ctx, rec, l3); !errors.Is(err, ErrFenced) {
		t.Errorf("stale fence write: %v", err)
	}
	_ = l3.Release(ctx)
}

func TestFileStoreRefusesLoosePermissions(t *testing.T) {
	store := newFileStore(t)
	ctx := ctxT(t)
	l, _ := store.Lock(ctx, testApp, time.Minute)
	_ = store.Put(ctx, &Record{AppID: testApp, Token: "t", ExpiresAt: time.Now().Add(time.Hour)}, l)
	_ = l.Release(ctx)
	if err := os.Chmod(store.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := store.Get(ctx, testApp)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("want a permissions error with a fix, got %v", err)
	}
}
