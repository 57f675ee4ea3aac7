//go:build linux

package fnrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireCgroups fails when this machine could contain instances in cgroups
// (root, cgroup v2 mounted) but the pool does not.
func requireCgroups(t *testing.T) {
	t.Helper()
	if _, err := cgroup2Mount(); err != nil || os.Geteuid() != 0 {
		t.Skipf("no cgroup v2 hierarchy this process may write (%v, euid %d): instances are contained by process group only", err, os.Geteuid())
	}
	if c := containment(); c != "cgroup" {
		t.Fatalf("cgroup v2 is mounted and we are root, yet containment is %q", c)
	}
}

// gone waits until pid has exited (absent, or a zombie nobody reaped yet).
func gone(t *testing.T, pid int) {
	t.Helper()
	pollUntil(t, 30*time.Second, fmt.Sprintf("process %d to end", pid), func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		return i >= 0 && strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
	})
}

// pollUntil polls cond until it holds; the timeout only guards against a
// hang.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	guard := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-guard:
			t.Fatalf("waited %s for %s", timeout, what)
		}
	}
}

// Every process an invocation starts ends with it: a detached child (a new
// session) and a double-forked daemon reparented away from the instance.
func TestInvocationProcessesEndWithIt(t *testing.T) {
	requireCgroups(t)
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "spawner", `
const { spawn, execSync } = require('child_process');
exports.main = async (event) => {
  const c = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  c.unref();
  const daemon = Number(execSync("setsid sh -c 'sleep 301 >/dev/null 2>&1 & echo $!'").toString().trim());
  return { detached: c.pid, daemon };
};`)
	fn.Timeout = 10 * time.Second
	r, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
	if err != nil || !r.OK() {
		t.Fatalf("%v %+v", err, r)
	}
	var pids struct{ Detached, Daemon int }
	if err := json.Unmarshal([]byte(r.RetMsg), &pids); err != nil || pids.Detached == 0 || pids.Daemon == 0 {
		t.Fatalf("pids: %s", r.RetMsg)
	}
	gone(t, pids.Detached)
	gone(t, pids.Daemon)
	// The instance itself stays warm.
	r2, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
	if err != nil || r2.ColdStart || r2.PID != r.PID {
		t.Fatalf("the instance did not survive the sweep: %v %+v", err, r2)
	}
}

// Closing the pool ends a running invocation's detached processes too.
func TestCloseEndsDetachedProcesses(t *testing.T) {
	requireCgroups(t)
	needNode(t)
	p := NewPool(PoolOptions{})
	dir := writeFunc(t, map[string]string{"index.js": `
const { execSync } = require('child_process');
const fs = require('fs');
exports.main = async (event) => {
  const daemon = execSync("setsid sh -c 'sleep 302 >/dev/null 2>&1 & echo $!'").toString().trim();
  fs.writeFileSync('daemon.pid', daemon);
  await new Promise(() => {}); // never settles
};`})
	fn := Function{Name: "hanger", CodeDir: dir, Timeout: time.Minute, Revision: "r1"}
	done := make(chan struct{})
	go func() {
		p.Invoke(context.Background(), fn, nil, InvokeOptions{})
		close(done)
	}()
	var pid int
	pollUntil(t, 30*time.Second, "the function's daemon", func() bool {
		if b, err := os.ReadFile(dir + "/daemon.pid"); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return pid != 0
	})
	p.Close()
	<-done
	gone(t, pid)
}
