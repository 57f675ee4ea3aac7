package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// runWithTerminal runs tcb with one of stdout and stderr on a
// pseudo-terminal and the other in a buffer; it returns what each got.
func runWithTerminal(t *testing.T, stdoutIsTerminal bool, env []string, args ...string) (terminal, file string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), args...)
	for _, kv := range os.Environ() { // color and terminal overrides of the test run do not apply
		if name, _, _ := strings.Cut(kv, "="); name != "NO_COLOR" && name != "CLICOLOR_FORCE" && name != "TCB_FORCE_TTY" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var buf bytes.Buffer
	cmd.Stdin = tty
	if stdoutIsTerminal {
		cmd.Stdout, cmd.Stderr = tty, &buf
	} else {
		cmd.Stdout, cmd.Stderr = &buf, tty
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var screen bytes.Buffer
	readDone := make(chan struct{})
	go func() { // until the child closes its end (EIO on Linux)
		defer close(readDone)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			screen.Write(b[:n])
			if err != nil {
				return
			}
		}
	}()
	cmd.Wait()
	<-readDone
	return screen.String(), buf.String()
}

// Colors on stderr follow stderr: `tcb ... 2>log` gets no escape codes
// when stdout is a terminal, and stderr on a terminal is colored when
// stdout is a file.
func TestStderrColorsFollowStderr(t *testing.T) {
	env := []string{"TCB_CONFIG_DIR=" + filepath.Join(t.TempDir(), "tcb"), "TERM=xterm"}
	for _, args := range [][]string{{"config", "get", "bogus"}, {"config", "set", "region", "ap-guangzhou"}} {
		_, stderr := runWithTerminal(t, true, env, args...)
		if stderr == "" || strings.Contains(stderr, "\x1b") {
			t.Errorf("tcb %s with stdout on a terminal: stderr to a file holds %q", strings.Join(args, " "), stderr)
		}
	}
	screen, _ := runWithTerminal(t, false, env, "config", "get", "bogus")
	if !strings.Contains(screen, "\x1b[31merror:") {
		t.Errorf("stderr on a terminal with stdout to a file is not colored: %q", screen)
	}
}
