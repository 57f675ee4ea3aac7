//go:build linux

package fnrun

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

// TestHelperOrphanParent is not a test: TestNoOrphansWhenParentDies runs the
// test binary with it to get a parent process with a warm instance.
func TestHelperOrphanParent(t *testing.T) {
	dir := os.Getenv("FNRUN_ORPHAN_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	p := NewPool(PoolOptions{})
	fn := Function{Name: "orphan", CodeDir: dir, Timeout: time.Minute}
	r, err := p.Invoke(context.Background(), fn, nil, InvokeOptions{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	go p.Invoke(context.Background(), Function{Name: "busy", CodeDir: dir, Handler: "index.hang", Timeout: time.Minute}, nil, InvokeOptions{})
	fmt.Println("pids", r.PID, r.RetMsg)
	var kids []int
	if emulatortest.Wait(5*time.Second, func() bool { kids = childPIDs(os.Getpid()); return len(kids) >= 2 }) {
		fmt.Println("children", strings.Trim(fmt.Sprint(kids), "[]"))
	}
	select {} // until the test kills this process
}

// childPIDs lists the processes whose parent is ppid.
func childPIDs(ppid int) []int {
	ents, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(ppid) {
				kids = append(kids, pid)
			}
		}
	}
	return kids
}

func TestNoOrphansWhenParentDies(t *testing.T) {
	needNode(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := writeFunc(t, map[string]string{"index.js": `
const { spawn } = require("child_process");
exports.main = async () => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }).pid;
exports.hang = () => new Promise(() => { for (;;) {} });`})
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOrphanParent$", "-test.v")
			cmd.Env = append(os.Environ(), "FNRUN_ORPHAN_DIR="+dir)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			sc := bufio.NewScanner(out)
			var grandchild int
			var instances []int
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 3 && f[0] == "pids" {
					grandchild, _ = strconv.Atoi(f[2])
				}
				if len(f) > 1 && f[0] == "children" {
					for _, s := range f[1:] {
						n, _ := strconv.Atoi(s)
						instances = append(instances, n)
					}
					break
				}
			}
			defer syscall.Kill(grandchild, syscall.SIGKILL)
			if len(instances) != 2 || grandchild == 0 {
				t.Fatalf("helper gave instances %v grandchild %d", instances, grandchild)
			}
			for _, pid := range instances {
				if !alive(pid) {
					t.Fatalf("pid %d not running", pid)
				}
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			// The instances, the busy one included, die with their parent
			// (Pdeathsig). What an instance spawned itself is covered by
			// Close and timeouts (process group), not by this.
			for _, pid := range instances {
				waitDead(t, pid)
			}
		})
	}
}
