//go:build unix

package functions

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts npm in its own process group and kills the whole
// group on cancellation, so no npm child outlives a stopped build.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
