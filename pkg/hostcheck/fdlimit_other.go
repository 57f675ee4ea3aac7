//go:build !unix

package hostcheck

// fdLimit: Windows has no small descriptor limit for sockets.
func fdLimit() int { return 16384 + Reserve }
