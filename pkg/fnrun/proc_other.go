//go:build !unix

package fnrun

import (
	"os"
	"os/exec"
)

func setProcAttr(cmd *exec.Cmd) {}

func afterStart(pid int) {}

// killTree kills the child (its own children are not tracked here).
func killTree(p *os.Process) { _ = p.Kill() }

func killGroupOnly(pgid int) {}
