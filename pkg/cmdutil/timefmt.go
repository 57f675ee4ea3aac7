package cmdutil

import (
	"os"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
)

// Times follow one rule in every command: they are shown in the user's
// local zone, with the zone, or in UTC with --utc. The Cloud API writes its
// times in China time without a zone ("2026-12-05 11:02:03"); they are read
// as such (pkg/chinatime) and converted. --json output keeps the API's own
// strings.

// humanTimeLayout is how a terminal shows a time.
const humanTimeLayout = "2006-01-02 15:04:05 MST"

// TimeZone is where times are shown: UTC with --utc, else the local zone
// (TZ, else the system's).
func (f *Factory) TimeZone() *time.Location {
	if f.Globals != nil && f.Globals.UTC {
		return time.UTC
	}
	// time.Local already follows the process's TZ; a factory whose Getenv
	// says otherwise (a test) gets the zone it names.
	if f.Getenv != nil {
		if tz := f.Getenv("TZ"); tz != "" && tz != os.Getenv("TZ") {
			if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
				return loc
			}
		}
	}
	return time.Local
}

// FormatTime renders t in TimeZone: "2026-12-05 11:02:03 CST" on a
// terminal, RFC 3339 with the offset ("2026-12-05T11:02:03+08:00")
// otherwise, so piped output parses without guessing. The zero time is "".
func (f *Factory) FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(f.TimeZone())
	if f.IOStreams != nil && f.IOStreams.IsStdoutTTY() {
		return t.Format(humanTimeLayout)
	}
	return t.Format(time.RFC3339)
}

// FormatCloudTime renders a Cloud API time string (China time without a
// zone) with FormatTime. A string that is not such a time is returned as
// it is, so nothing is lost when the API changes its format.
func (f *Factory) FormatCloudTime(s string) string {
	t, err := chinatime.Parse(s)
	if err != nil {
		return s
	}
	return f.FormatTime(t)
}

// ParseTimeFlag reads a time given on the command line: RFC 3339 with its
// own offset, or "YYYY-MM-DD HH:MM:SS" in TimeZone (the zone times are shown
// in, so a time copied from the output means the same instant).
func (f *Factory) ParseTimeFlag(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation(time.DateTime, s, f.TimeZone())
}
