//go:build unix

package start

import "syscall"

// detachAttr starts the background emulator in its own session, so the
// terminal's Ctrl-C and hangup do not reach it.
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
