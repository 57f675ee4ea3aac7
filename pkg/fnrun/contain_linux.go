//go:build linux

package fnrun

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// On Linux every instance runs in a cgroup (v2) of its own when this
// process may create one: cgroup membership is inherited by every process
// the function starts, detached ones (a new session, a double fork)
// included, so they can all be found and ended — after each invocation
// (everything but the node instance itself) and when the instance stops
// (everything). The cgroups live under <this process's cgroup>/tcb-fnrun-<pid>;
// a directory left by a process that died (SIGKILL) is emptied and removed
// by the next pool. Without a usable cgroup v2 hierarchy (no mount, no
// write access), instances fall back to their process group, which misses
// processes that leave it; Containment says which applies.

var cgroupBase = sync.OnceValue(func() string {
	dir, err := ownCgroupDir()
	if err != nil {
		return ""
	}
	cleanStaleCgroups(dir)
	base := filepath.Join(dir, "tcb-fnrun-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return ""
	}
	return base
})

// containment describes how instances are contained.
func containment() string {
	if cgroupBase() != "" {
		return "cgroup"
	}
	return "process group"
}

// ownCgroupDir finds this process's cgroup v2 directory.
func ownCgroupDir() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	rel := ""
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			rel, found = p, true
		}
	}
	if !found {
		return "", errors.New("no cgroup v2 membership")
	}
	mount, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	return filepath.Join(mount, filepath.FromSlash(rel)), nil
}

// cgroup2Mount is where the cgroup v2 hierarchy is mounted.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ... mountpoint ... - fstype source options
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4], nil
			}
		}
	}
	return "", errors.New("cgroup2 is not mounted")
}

// cleanStaleCgroups ends and removes what pools of dead processes left.
func cleanStaleCgroups(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		pidText, ok := strings.CutPrefix(e.Name(), "tcb-fnrun-")
		if !ok || !e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		pool := filepath.Join(dir, e.Name())
		subs, _ := os.ReadDir(pool)
		for _, s := range subs {
			if s.IsDir() {
				(&cgroupBox{dir: filepath.Join(pool, s.Name())}).destroy()
			}
		}
		os.Remove(pool)
	}
}

// cgroupBox is one instance's cgroup.
type cgroupBox struct {
	dir string
	fd  *os.File

	// procs is cgroup.procs, kept open: sweep reads it after every
	// invocation, and a read at offset 0 lists the members afresh (one
	// pread instead of open, fstat, read, read and close; see pids).
	procsMu     sync.Mutex
	procs       *os.File
	procsFD     int // procs.Fd(), taken once (each call costs an fcntl)
	procsBuf    []byte
	procsClosed bool
}

var boxSeq atomic.Int64

// newBox makes a cgroup for an instance and sets cmd up to start in it;
// nil when cgroups are not available.
func newBox(cmd *exec.Cmd) *cgroupBox {
	base := cgroupBase()
	if base == "" {
		return nil
	}
	dir := filepath.Join(base, fmt.Sprintf("i%d", boxSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil
	}
	fd, err := os.Open(dir)
	if err != nil {
		os.Remove(dir)
		return nil
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.UseCgroupFD = true
	cmd.SysProcAttr.CgroupFD = int(fd.Fd())
	return &cgroupBox{dir: dir, fd: fd}
}

// detach undoes newBox's setup of cmd (a kernel without CLONE_INTO_CGROUP
// refuses the start); the box is removed.
func (b *cgroupBox) detach(cmd *exec.Cmd) {
	if b == nil {
		return
	}
	cmd.SysProcAttr.UseCgroupFD = false
	cmd.SysProcAttr.CgroupFD = 0
	b.destroy()
}

// started is called once the child runs: the descriptor is no longer needed.
func (b *cgroupBox) started() {
	if b != nil && b.fd != nil {
		b.fd.Close()
		b.fd = nil
	}
}

// pids lists the processes in the box (nil once it is destroyed).
func (b *cgroupBox) pids() []int {
	b.procsMu.Lock()
	defer b.procsMu.Unlock()
	if b.procs == nil {
		if b.procsClosed {
			return nil
		}
		f, err := os.Open(filepath.Join(b.dir, "cgroup.procs"))
		if err != nil {
			return nil
		}
		b.procs, b.procsFD, b.procsBuf = f, int(f.Fd()), make([]byte, 4096)
	}
	// cgroup.procs is a seq_file: one read returns every line that fits
	// in the caller's buffer and in the kernel's buffer (a page, at
	// least 4 KB, grown when a line does not fit). So a first read of
	// less than half of 4 KB is the whole list; a longer one goes on to
	// EOF.
	fd := b.procsFD
	n, err := syscall.Pread(fd, b.procsBuf, 0)
	if err != nil || n < 0 {
		return nil
	}
	for n >= len(b.procsBuf)/2 {
		if n == len(b.procsBuf) {
			b.procsBuf = append(b.procsBuf, make([]byte, len(b.procsBuf))...)
		}
		m, err := syscall.Pread(fd, b.procsBuf[n:], int64(n))
		if err != nil || m < 0 {
			return nil
		}
		if m == 0 {
			break
		}
		n += m
	}
	var out []int
	for _, f := range bytes.Fields(b.procsBuf[:n]) {
		if pid, err := strconv.Atoi(string(f)); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// closeProcs closes the kept cgroup.procs.
func (b *cgroupBox) closeProcs() {
	b.procsMu.Lock()
	defer b.procsMu.Unlock()
	if b.procs != nil {
		b.procs.Close()
		b.procs = nil
	}
	b.procsClosed = true
}

// sweep kills every process in the box but keep (the instance): what an
// invocation started and left running, detached or not.
func (b *cgroupBox) sweep(keep int) {
	if b == nil {
		return
	}
	for round := 0; round < 100; round++ {
		others := 0
		for _, pid := range b.pids() {
			if pid != keep {
				others++
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if others == 0 {
			return
		}
		// Processes forked while we killed show up in the next round.
		time.Sleep(time.Millisecond)
	}
}

// killAll kills every process in the box.
func (b *cgroupBox) killAll() {
	if b == nil {
		return
	}
	if os.WriteFile(filepath.Join(b.dir, "cgroup.kill"), []byte("1"), 0) == nil {
		return
	}
	b.sweep(0) // kernels before 5.14 have no cgroup.kill
}

// destroy kills everything and removes the box once it is empty.
func (b *cgroupBox) destroy() {
	if b == nil {
		return
	}
	b.started()
	b.killAll()
	b.closeProcs()
	for i := 0; i < 2000; i++ { // dying processes leave the cgroup within moments
		if err := os.Remove(b.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
