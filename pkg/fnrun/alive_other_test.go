//go:build !unix

package fnrun

import "testing"

func alive(pid int) bool { return false }

func waitDead(t *testing.T, pid int) {}
