//go:build unix

package token

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/testenv"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
)

// TestStoreChild is the lock holder that testPausedHolder pauses: it
// opens the store of $TCB_TOKEN_STORE_CHILD_SPEC, takes the lock with a
// 1 s lease, says "locked FENCE", waits for a line on stdin, then tries to
// write and says what happened. It does nothing in a normal run.
func TestStoreChild(t *testing.T) {
	spec := os.Getenv(storeChildEnv)
	if spec == "" {
		t.Skip("helper process")
	}
	ctx := context.Background()
	var s Store
	var err error
	if URLStoreKind(spec) != "" {
		s, _, err = OpenURLStore(ctx, spec, OpenOptions{CloudAPI: func() (TCBDocAPI, error) {
			return cloudapi.New(cloudapi.Options{Endpoint: os.Getenv(storeChildEnv + "_EMULATOR"), Region: "ap-shanghai", MaxAttempts: 1,
				Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey}})
		}})
	} else {
		s, err = NewRedisStore(RedisOptions{URL: spec, Prefix: os.Getenv(storeChildEnv + "_PREFIX")})
	}
	if err != nil {
		fmt.Println("error", err)
		return
	}
	l, err := s.Lock(ctx, testApp, time.Second)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println("locked", l.Fence())
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Println("error", err)
		return
	}
	err = s.Put(ctx, stRecord(testApp, "tok-from-the-paused-holder", time.Hour), l)
	switch {
	case errors.Is(err, ErrFenced):
		fmt.Println("fenced")
	case err != nil:
		fmt.Println("error", err)
	default:
		fmt.Println("written")
	}
}

// testPausedHolder: a process holding the lock is stopped (SIGSTOP) past
// its lease; another takes the lock and writes; the stopped one resumes
// and tries to write: it must be refused, and the newer token stays.
func testPausedHolder(t *testing.T, b storeBackend, env []string) {
	ctx := stCtx(t)
	ns := stNS()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreChild$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), storeChildEnv+"="+b.spec(ns), storeChildEnv+"_PREFIX="+ns+":"), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(out)
	next := func() string {
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "locked") || l == "fenced" || l == "written" || strings.HasPrefix(l, "error") {
				return l
			}
		}
		return "EOF"
	}
	first := next()
	if !strings.HasPrefix(first, "locked") {
		t.Fatalf("child: %s", first)
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Take over once the child's 1 s lease has run out (Lock waits for
	// it), and write a newer token.
	s := b.open(t, ns)
	l, err := s.Lock(ctx, testApp, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var childFence int64
	fmt.Sscan(strings.TrimPrefix(first, "locked "), &childFence)
	if l.Fence() <= childFence {
		t.Fatalf("fence %d after the paused holder's %d", l.Fence(), childFence)
	}
	if err := s.Put(ctx, stRecord(testApp, "tok-from-the-new-holder", time.Hour), l); err != nil {
		t.Fatal(err)
	}
	_ = l.Release(ctx)
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "write")
	if got := next(); got != "fenced" {
		t.Errorf("the resumed holder's write: %s, want fenced", got)
	}
	if got, err := s.Get(ctx, testApp); err != nil || got.Token != "tok-from-the-new-holder" {
		t.Errorf("stored %v %v, want the new holder's token", got, err)
	}
}

func TestPausedHolderRedis(t *testing.T) {
	url, _ := testenv.StartRedis(t)
	b := redisBackend(t, url)
	b.spec = func(string) string { return url } // the key prefix travels in the environment
	testPausedHolder(t, b, nil)
}
