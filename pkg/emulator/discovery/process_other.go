//go:build !unix

package discovery

import "os"

// Running reports whether a process with this pid exists.
func Running(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

// Terminate stops the process. Windows has no SIGTERM, so the emulator
// is killed: its state is safe (every change is written through), but it
// cannot remove its records, so the caller forgets them.
func Terminate(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
