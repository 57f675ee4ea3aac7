//go:build !unix

package fnrun

import (
	"testing"
	"time"
)

func alive(pid int) bool { return false }

func waitDead(t *testing.T, pid int, d time.Duration) {}
