package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
)

// Many `tcb token get` processes at once on one file store: one upstream
// fetch, every process prints the same valid token, the file is always
// complete JSON (never a torn read), and a later get makes no call.
func TestTokenGetProcessesShareFileStore(t *testing.T) {
	emu := startEmulatorProcess(t)
	cfgDir := t.TempDir()
	env := tokenEnv("TCB_CONFIG_DIR="+cfgDir, "TCB_EMULATOR_HOST="+emu.Host, "HOME="+t.TempDir())
	file := filepath.Join(cfgDir, "tokens.json")

	// A reader hammers the file while the processes race.
	stop := make(chan struct{})
	var reads, torn atomic.Int64
	var readerWG sync.WaitGroup
	readerWG.Add(1)
	go func() {
		defer readerWG.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			b, err := os.ReadFile(file)
			if err == nil {
				reads.Add(1)
				if !json.Valid(b) {
					torn.Add(1)
				}
			}
		}
	}()

	const procs = 24
	outs := make([]string, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "token", "get")
			cmd.Env = env
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			<-start
			if err := cmd.Run(); err != nil {
				errs[i] = err
				outs[i] = stderr.String()
				return
			}
			outs[i] = strings.TrimSpace(out.String())
		}()
	}
	close(start)
	wg.Wait()
	emulatortest.Wait(5*time.Second, func() bool { return reads.Load() > 0 })
	close(stop)
	readerWG.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v: %s", i, err, outs[i])
		}
	}
	tok := outs[0]
	for i, o := range outs {
		if o != tok {
			t.Fatalf("process %d printed a different token", i)
		}
	}
	if c := emu.check(t, tok); !c.Valid || c.AppID != config.EmulatorWxAppID {
		t.Fatalf("printed token is not valid: %+v", c)
	}
	st := emu.state(t).Wechat.Apps[config.EmulatorWxAppID]
	if st.Fetches.StableToken != 1 || st.Fetches.Token != 0 {
		t.Fatalf("upstream fetches = %+v, want exactly one stable_token call", st.Fetches)
	}
	if torn.Load() != 0 {
		t.Fatalf("%d of %d concurrent reads saw incomplete JSON", torn.Load(), reads.Load())
	}
	t.Logf("%d processes, 1 fetch, %d concurrent file reads, none torn", procs, reads.Load())

	// The file: one valid JSON document, mode 0600, holding the token.
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("tokens.json mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(file)
	if !json.Valid(b) || !strings.Contains(string(b), tok) {
		t.Fatal("tokens.json does not hold the token")
	}

	// With the emulator gone, a stored token is still served: no network.
	emu.stop()
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), "token", "get")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != tok {
		t.Fatalf("get from the store without the emulator: %v %q", err, out)
	}
}
