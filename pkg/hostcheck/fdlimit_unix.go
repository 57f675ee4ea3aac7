//go:build unix

package hostcheck

import "syscall"

// fdLimit is the soft limit of open descriptors (Go raises it to the hard
// limit at start).
func fdLimit() int {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur == 0 {
		return 16384 + Reserve
	}
	return int(min(lim.Cur, 1<<20))
}
