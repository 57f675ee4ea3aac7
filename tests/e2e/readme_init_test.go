package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's "Starting a project" block, run verbatim in one shell
// against an emulator (TCB_EMULATOR_HOST and a fresh config dir): the
// environment it creates ends up in the projects, the cloudbaserc project
// deploys and its function answers, and the token-server files are
// private.
func TestReadmeStartingAProjectBlockRunsVerbatim(t *testing.T) {
	t.Parallel()
	block := readmeBlock(t, "### Starting a project")
	if !strings.Contains(block, "tcb init") {
		t.Fatalf("the block no longer runs tcb init:\n%s", block)
	}
	emu := startEmulatorProcess(t)
	work := t.TempDir()
	env := tokenEnv("HOME="+filepath.Join(work, "home"), "XDG_CONFIG_HOME=",
		"PATH="+BinDir()+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TCB_EMULATOR_HOST="+emu.Host, "TCB_CONFIG_DIR="+t.TempDir())

	cmd := exec.Command("sh", "-e", "-x", "-c", block)
	cmd.Env, cmd.Dir = env, work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README block failed (%v):\n%s\n--- output:\n%s", err, block, out)
	}
	if !strings.Contains(string(out), "Hello, CloudBase!") {
		t.Errorf("tcb fn invoke hello did not answer:\n%s", out)
	}

	var rc struct{ EnvID string }
	b, err := os.ReadFile(filepath.Join(work, "my-app", "cloudbaserc.json"))
	if err != nil || json.Unmarshal(b, &rc) != nil || !strings.HasPrefix(rc.EnvID, "demo-") {
		t.Fatalf("my-app/cloudbaserc.json: %s (%v)", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(work, "shop", "miniprogram", "app.js")); err != nil || !strings.Contains(string(b), rc.EnvID) {
		t.Errorf("shop/miniprogram/app.js does not init %s: %s (%v)", rc.EnvID, b, err)
	}
	var pc struct{ AppID, CloudfunctionRoot string }
	if b, err := os.ReadFile(filepath.Join(work, "shop", "project.config.json")); err != nil || json.Unmarshal(b, &pc) != nil ||
		pc.AppID != "wx0123456789abcdef" || pc.CloudfunctionRoot != "cloudfunctions/" {
		t.Errorf("shop/project.config.json: %s (%v)", b, err)
	}
	for _, p := range []string{"appsecret", "keys"} {
		fi, err := os.Stat(filepath.Join(work, "token", p))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("token/%s: %v %v", p, fi, err)
		}
	}
}
