package e2e

import (
	"os"
	"syscall"
	"unsafe"
)

// ptyRaw reports whether the program on the terminal of pty master m
// reads keys one by one (canonical mode off), as survey's prompts do
// while they wait for keys. On Linux the master answers TCGETS with the
// terminal's settings.
func ptyRaw(m *os.File) bool {
	var t syscall.Termios
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t))); errno != 0 {
		return true // cannot tell: do not wait
	}
	return t.Lflag&syscall.ICANON == 0
}
