//go:build unix && !linux

package fnrun

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts the child in its own process group so the whole tree can
// be killed. (No parent-death signal outside Linux: the bootstrap exits when
// its request pipe closes.)
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func afterStart(pid int) {}

// killTree kills the child's process group, then the child itself.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// killGroupOnly kills what is left of a process group whose leader exited.
func killGroupOnly(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
