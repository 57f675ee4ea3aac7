//go:build !unix

package start

import "syscall"

// detachAttr starts the background emulator in its own process group, so
// the console's Ctrl-C does not reach it.
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
