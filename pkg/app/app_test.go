package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A command blocked where it cannot see the context (here a read from a
// pipe nobody writes to) must still end on the second Ctrl-C.
func TestSecondInterruptEndsABlockedCommand(t *testing.T) {
	if os.Getenv("TCB_APP_TEST_HELPER") == "1" {
		ctx, stop := interruptContext()
		defer stop()
		go func() {
			<-ctx.Done()
			fmt.Println("cancelled")
		}()
		fmt.Println("ready")
		io.ReadAll(os.Stdin)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondInterruptEndsABlockedCommand$")
	cmd.Env = append(os.Environ(), "TCB_APP_TEST_HELPER=1")
	stdin, err := cmd.StdinPipe() // held open: the helper's read never ends
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case l := <-lines:
			if l != want {
				t.Fatalf("helper said %q, want %q", l, want)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("helper never said %q", want)
		}
	}
	expect("ready")
	cmd.Process.Signal(os.Interrupt)
	expect("cancelled")

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("helper ended with %v, want killed by SIGINT", err)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
				t.Fatalf("helper ended with %v, want killed by SIGINT", err)
			}
			return
		case <-tick.C:
			cmd.Process.Signal(os.Interrupt)
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatal("further Ctrl-C did not end the blocked command: every interrupt is swallowed")
		}
	}
}
