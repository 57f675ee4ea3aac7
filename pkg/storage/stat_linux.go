package storage

import (
	"os"
	"syscall"
)

// statExtra is the change time and inode of a file (0 where unknown).
func statExtra(st os.FileInfo) (int64, uint64) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ctim.Nano(), s.Ino
	}
	return 0, 0
}
