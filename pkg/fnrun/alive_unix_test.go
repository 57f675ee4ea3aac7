//go:build unix

package fnrun

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"testing"

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

// waitDead fails the test unless pid goes away (waiting as long as
// emulatortest.Eventually does, so a busy machine only makes it slower).
func waitDead(t *testing.T, pid int) {
	t.Helper()
	emulatortest.Eventually(t, func() bool { return !alive(pid) }, "process %d to exit", pid)
}
