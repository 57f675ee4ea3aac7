//go:build !linux

package fnrun

import "os/exec"

// Outside Linux, instances are contained by their process group only
// (processes that leave it are not found).
type cgroupBox struct{}

func containment() string { return "process group" }

func newBox(cmd *exec.Cmd) *cgroupBox     { return nil }
func (b *cgroupBox) detach(cmd *exec.Cmd) {}
func (b *cgroupBox) started()             {}
func (b *cgroupBox) sweep(keep int)       {}
func (b *cgroupBox) killAll()             {}
func (b *cgroupBox) destroy()             {}
