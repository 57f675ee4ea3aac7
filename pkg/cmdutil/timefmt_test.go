package cmdutil

import (
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/iostreams"
)

func timeFactory(t *testing.T, tz string, tty, utc bool) *Factory {
	t.Helper()
	if _, err := time.LoadLocation(tz); err != nil {
		t.Skipf("no tz database entry for %s: %v", tz, err)
	}
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(tty)
	f := New("test", ios)
	f.Getenv = func(k string) string {
		if k == "TZ" {
			return tz
		}
		return ""
	}
	f.Globals.UTC = utc
	return f
}

func TestFormatCloudTimeConvertsChinaTimeToTheShownZone(t *testing.T) {
	const api = "2026-12-05 11:02:03" // China time, as the API writes it
	for _, tt := range []struct {
		tz       string
		tty, utc bool
		want     string
	}{
		{"Asia/Shanghai", true, false, "2026-12-05 11:02:03 CST"},
		{"Europe/Berlin", true, false, "2026-12-05 04:02:03 CET"},
		{"America/New_York", true, false, "2026-12-04 22:02:03 EST"},
		{"America/New_York", true, true, "2026-12-05 03:02:03 UTC"},
		{"Europe/Berlin", false, false, "2026-12-05T04:02:03+01:00"},
		{"Asia/Shanghai", false, true, "2026-12-05T03:02:03Z"},
	} {
		f := timeFactory(t, tt.tz, tt.tty, tt.utc)
		if got := f.FormatCloudTime(api); got != tt.want {
			t.Errorf("TZ=%s tty=%v utc=%v: %q, want %q", tt.tz, tt.tty, tt.utc, got, tt.want)
		}
	}
	f := timeFactory(t, "Europe/Berlin", true, false)
	for _, s := range []string{"", "-", "not a time", "2026-12-05T11:02:03Z"} {
		if got := f.FormatCloudTime(s); got != s {
			t.Errorf("FormatCloudTime(%q) = %q: want it unchanged", s, got)
		}
	}
	if got := f.FormatTime(time.Time{}); got != "" {
		t.Errorf("zero time: %q", got)
	}
}

func TestParseTimeFlag(t *testing.T) {
	f := timeFactory(t, "Europe/Berlin", true, false)
	want := time.Date(2026, 12, 5, 3, 2, 3, 0, time.UTC)
	for _, s := range []string{"2026-12-05 04:02:03", "2026-12-05T11:02:03+08:00", "2026-12-05T03:02:03Z"} {
		got, err := f.ParseTimeFlag(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimeFlag(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	f.Globals.UTC = true
	if got, err := f.ParseTimeFlag("2026-12-05 03:02:03"); err != nil || !got.Equal(want) {
		t.Errorf("--utc: %v %v", got, err)
	}
	if _, err := f.ParseTimeFlag("yesterday"); err == nil {
		t.Error("accepted yesterday")
	}
}
