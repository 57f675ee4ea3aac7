package build

import (
	"runtime"
	"testing"
)

func TestString(t *testing.T) {
	saved := [3]string{Version, Commit, Date}
	defer func() { Version, Commit, Date = saved[0], saved[1], saved[2] }()
	for _, c := range []struct{ v, c, d, want string }{
		{"1.2.3", "0123456789ab", "2026-11-27", "1.2.3 (commit 0123456789ab, 2026-11-27, " + runtime.Version() + ")"},
		{"dev", "0123456789ab-dirty", "2026-12-05T03:40:13Z", "dev (commit 0123456789ab-dirty, 2026-12-05T03:40:13Z, " + runtime.Version() + ")"},
		{"dev", "", "", "dev (source build, " + runtime.Version() + ")"},
		{"1.4.0", "", "", "1.4.0 (" + runtime.Version() + ")"},
	} {
		Version, Commit, Date = c.v, c.c, c.d
		if got := String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
