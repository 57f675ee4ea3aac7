package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
)

// console collects what the program writes to the pseudo-terminal.
type console struct {
	mu  sync.Mutex
	buf strings.Builder
	f   *os.File
}

func (c *console) read() {
	b := make([]byte, 4096)
	const query = "\x1b[6n"
	carry := "" // the end of the last read: a query may be split across reads
	for {
		n, err := c.f.Read(b)
		c.mu.Lock()
		c.buf.Write(b[:n])
		c.mu.Unlock()
		// Answer cursor-position queries the way a terminal does; survey
		// waits for them.
		seen := carry + string(b[:n])
		for i := strings.Count(seen, query); i > 0; i-- {
			io.WriteString(c.f, "\x1b[1;1R")
		}
		if i := strings.LastIndex(seen, query); i >= 0 {
			seen = seen[i+len(query):]
		}
		carry = seen[max(0, len(seen)-(len(query)-1)):]
		if err != nil {
			return
		}
	}
}

func (c *console) expect(t *testing.T, s string) {
	t.Helper()
	if emulatortest.Wait(10*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return strings.Contains(c.buf.String(), s)
	}) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("terminal never showed %q; it showed:\n%s", s, c.buf.String())
}

func (c *console) send(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(c.f, s); err != nil {
		t.Fatal(err)
	}
}

// An interactive login through a real pseudo-terminal: survey's prompts
// render, the SecretKey is not echoed, and the profile is written.
func TestInteractiveLoginInPTY(t *testing.T) {
	emu, err := emulator.New(emulator.Options{Listen: "127.0.0.1:0", Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close(context.Background())

	cfgDir := filepath.Join(t.TempDir(), "tcb")
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "login")
	cmd.Env = append(os.Environ(), "TCB_CONFIG_DIR="+cfgDir, "TCB_EMULATOR_HOST="+emu.Addr(),
		"TENCENTCLOUD_SECRETID=", "TENCENTCLOUD_SECRETKEY=", "TCB_REGION=", "TCB_ENV_ID=", "TERM=xterm", "NO_COLOR=1")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &console{f: f}
	go c.read()

	c.expect(t, "SecretId")
	c.send(t, config.EmulatorSecretID+"\r")
	c.expect(t, "SecretKey")
	c.send(t, config.EmulatorSecretKey+"\r")
	c.expect(t, "Region")
	c.send(t, "ap-guangzhou\r")
	c.expect(t, "Default environment id")
	c.send(t, "\r")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("login exited with %v; terminal:\n%s", err, c.buf.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("login did not finish; terminal:\n%s", c.buf.String())
	}
	c.expect(t, "Logged in with AKID****0001")
	c.mu.Lock()
	screen := c.buf.String()
	c.mu.Unlock()
	if strings.Contains(screen, config.EmulatorSecretKey) {
		t.Fatalf("the SecretKey was echoed:\n%s", screen)
	}
	b, err := os.ReadFile(filepath.Join(cfgDir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Profiles map[string]config.Credentials
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Profiles["default"].SecretKey != config.EmulatorSecretKey {
		t.Fatalf("credentials file: %s (%v)", b, err)
	}
	st, _ := os.ReadFile(filepath.Join(cfgDir, "config.json"))
	if !strings.Contains(string(st), `"region": "ap-guangzhou"`) {
		t.Fatalf("settings: %s", st)
	}
}
