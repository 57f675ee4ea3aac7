// Package build holds the version information stamped in by the linker:
//
//	go build -ldflags "-X github.com/tcb-go/tcb/pkg/build.Version=1.2.3 \
//	  -X github.com/tcb-go/tcb/pkg/build.Commit=abc123 \
//	  -X github.com/tcb-go/tcb/pkg/build.Date=2026-11-27"
//
// Unstamped builds fall back to what Go records in the binary: the module
// version (`go install github.com/tcb-go/tcb/cmd/tcb@v1.2.3`) and the VCS
// revision and time (`go build` in a checkout, unless -buildvcs=false).
package build

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Stamped by the linker; empty when not.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

func init() {
	info, ok := debug.ReadBuildInfo()
	if ok {
		if Version == "" && info.Main.Version != "(devel)" {
			Version = strings.TrimPrefix(info.Main.Version, "v")
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if Commit == "" && len(s.Value) >= 12 {
					Commit = s.Value[:12]
				}
			case "vcs.time":
				if Date == "" {
					Date = s.Value
				}
			case "vcs.modified":
				if s.Value == "true" && Commit != "" && !strings.HasSuffix(Commit, "-dirty") {
					Commit += "-dirty"
				}
			}
		}
	}
	if Version == "" {
		Version = "dev"
	}
}

// String is the version line's detail: what is known of the build, e.g.
// "1.2.3 (commit 0123456789ab, 2026-11-27, go1.26.0)" or, for a source
// build without version control data, "dev (source build, go1.26.0)".
func String() string {
	var parts []string
	if Commit != "" {
		parts = append(parts, "commit "+Commit)
	}
	if Date != "" {
		parts = append(parts, Date)
	}
	if len(parts) == 0 && Version == "dev" {
		parts = append(parts, "source build")
	}
	parts = append(parts, runtime.Version())
	return Version + " (" + strings.Join(parts, ", ") + ")"
}
