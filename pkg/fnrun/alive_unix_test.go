//go:build unix

package fnrun

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

// waitDead fails the test unless pid is gone within d.
func waitDead(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	emulatortest.EventuallyWithin(t, d, func() bool { return !alive(pid) }, "process %d to exit", pid)
}
