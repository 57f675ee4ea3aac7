package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlock returns the first ```sh block after the heading in
// README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	var block []string
	state := 0 // 0: looking for the heading, 1: for the fence, 2: inside
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.TrimSpace(line) == heading:
			state = 1
		case state == 1 && strings.HasPrefix(line, "#"):
			t.Fatalf("README.md: no ```sh block under %q", heading)
		case state == 1 && strings.TrimSpace(line) == "```sh":
			state = 2
		case state == 2 && strings.TrimSpace(line) == "```":
			return strings.Join(block, "\n") + "\n"
		case state == 2:
			block = append(block, line)
		}
	}
	t.Fatalf("README.md: %q with a closed ```sh block not found", heading)
	return ""
}

// The README's "Local first" block, run verbatim in one shell, as a new
// user would paste it into one terminal: a fresh working directory, HOME
// and config dir. The only difference from a pristine machine is the
// port: TCB_EMULATOR_HOST names a free one (emulator start listens there
// when it names a local address), so the test never collides with an
// emulator on 9800. API keys that are not the emulator's are set too, so
// the block only passes if its eval really points tcb at the emulator.
func TestReadmeLocalFirstBlockRunsVerbatim(t *testing.T) {
	t.Parallel()
	block := readmeBlock(t, "### Local first: the emulator")
	if !strings.Contains(block, "tcb emulator start") {
		t.Fatalf("the block no longer starts the emulator:\n%s", block)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	work := t.TempDir()
	home := filepath.Join(work, "home")
	env := tokenEnv("HOME="+home, "XDG_CONFIG_HOME=", "XDG_CACHE_HOME=",
		"PATH="+BinDir()+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TCB_EMULATOR_HOST="+addr,
		"TENCENTCLOUD_SECRETID=AKIDsomeoneElsesKey0000000000000", "TENCENTCLOUD_SECRETKEY=notTheEmulatorsKey")
	c := &cli{t: t, env: env, dir: work}
	t.Cleanup(func() { c.try("emulator", "stop", "--all") })

	// -e: stop at the first failing line; -x: show which one.
	cmd := exec.Command("sh", "-e", "-x", "-c", block)
	cmd.Env, cmd.Dir = env, work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README block failed (%v):\n%s\n--- output:\n%s", err, block, out)
	}
	if !strings.Contains(string(out), "demo") {
		t.Errorf("no environment in the output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(work, ".tcb-emulator", "emulator.db")); err != nil {
		t.Errorf("state not in ./.tcb-emulator: %v", err)
	}
	// Whatever the block does last, nothing may be left running.
	if strings.Contains(block, "tcb emulator stop") {
		if _, errs, code := c.try("emulator", "status"); code != 4 {
			t.Errorf("an emulator is still running after the block (status exit %d)\n%s", code, errs)
		}
	}
}
