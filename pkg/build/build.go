// Package build holds the version information stamped in by the linker:
//
//	go build -ldflags "-X github.com/tcb-go/tcb/pkg/build.Version=1.2.3 \
//	  -X github.com/tcb-go/tcb/pkg/build.Commit=abc123 \
//	  -X github.com/tcb-go/tcb/pkg/build.Date=2026-11-27"
//
// Unstamped builds fall back to the module and VCS data Go records.
package build

import "runtime/debug"

var (
	Version = ""
	Commit  = ""
	Date    = ""
)

func init() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if Version == "" {
			Version = "dev"
		}
		return
	}
	if Version == "" {
		Version = info.Main.Version
		if Version == "" || Version == "(devel)" {
			Version = "dev"
		}
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
		}
	}
	if Commit == "" {
		Commit = "unknown"
	}
	if Date == "" {
		Date = "unknown"
	}
}
