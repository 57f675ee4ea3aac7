//go:build unix

package discovery

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// Running reports whether a process with this pid exists (signal 0; a
// process of another user still counts). On Linux a zombie (exited, not
// yet reaped by its parent) does not count.
func Running(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !zombie(pid)
}

// zombie reads the process state from /proc/<pid>/stat on Linux.
func zombie(pid int) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	s := b[i+2]
	return s == 'Z' || s == 'X'
}

// Terminate asks the process to stop (SIGTERM): the emulator shuts down
// cleanly, keeping its data and removing its records.
func Terminate(pid int) error {
	return syscall.Kill(pid, syscall.SIGTERM)
}
