//go:build !linux && !darwin

package storage

import "os"

// statExtra: size and modification time only on this system.
func statExtra(st os.FileInfo) (int64, uint64) { return 0, 0 }
