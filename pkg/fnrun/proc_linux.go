//go:build linux

package fnrun

import (
	"os"
	"os/exec"
	"syscall"
	"unsafe"
)

// setProcAttr puts the child in its own process group (so the whole tree can
// be killed) and has the kernel kill it when this process dies.
//
// Pdeathsig fires when the OS thread that started the child exits; the Go
// runtime only retires threads whose goroutine exits while locked to it,
// which this package never does. The bootstrap also exits when its request
// pipe closes.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// afterStart disables core dumps for the child: a V8 heap OOM aborts the
// process, which must not leave core files in the function's directory.
func afterStart(pid int) {
	var lim syscall.Rlimit // zero: no core files
	_, _, _ = syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_CORE),
		uintptr(unsafe.Pointer(&lim)), 0, 0, 0)
}

// killTree kills the child's process group, then the child itself.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// killGroupOnly kills what is left of a process group whose leader exited.
func killGroupOnly(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
