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

// guideShBlock returns the first ```sh block after heading in a guide.
func guideShBlock(t *testing.T, guide, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "guides", guide))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	var block []string
	state := 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.TrimSpace(line) == heading:
			state = 1
		case state == 1 && strings.TrimSpace(line) == "```sh":
			state = 2
		case state == 2 && strings.TrimSpace(line) == "```":
			return strings.Join(block, "\n") + "\n"
		case state == 2:
			block = append(block, line)
		}
	}
	t.Fatalf("%s: no closed ```sh block under %q", guide, heading)
	return ""
}

// The HTTP access service guide's quick start, run as a user would paste
// it into one shell (on a free port instead of 9800, as the guide says a
// user with another port does): the emulator, an environment, a function
// behind /api, and the two curl answers the guide shows.
func TestHTTPServiceGuideQuickStart(t *testing.T) {
	t.Parallel()
	block := guideShBlock(t, "http-service.md", "## Quick start on the emulator")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	block = strings.ReplaceAll(block, ":9800/", ":"+port+"/")

	work := t.TempDir()
	env := tokenEnv("HOME="+filepath.Join(work, "home"), "XDG_CONFIG_HOME=", "XDG_CACHE_HOME=",
		"PATH="+BinDir()+string(os.PathListSeparator)+os.Getenv("PATH"), "TCB_EMULATOR_HOST="+addr)
	c := &cli{t: t, env: env, dir: work}
	t.Cleanup(func() { c.try("emulator", "stop", "--all") })
	cmd := exec.Command("sh", "-e", "-x", "-c", block)
	cmd.Env, cmd.Dir = env, work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide's block failed (%v):\n%s\n--- output:\n%s", err, block, out)
	}
	for _, want := range []string{`{"method":"GET","path":"/api/users","query":{"id":"7"}}`, "HTTP/1.1 418", "I'm a teapot"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}
