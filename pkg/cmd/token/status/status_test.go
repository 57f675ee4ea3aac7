package status

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/token"
)

func printed(t *testing.T, tz string, utc, json bool) string {
	t.Helper()
	if _, err := time.LoadLocation(tz); err != nil {
		t.Skipf("no tz data for %s", tz)
	}
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	f := cmdutil.New("test", ios)
	vars := map[string]string{"TCB_CONFIG_DIR": t.TempDir(), "TZ": tz}
	f.Getenv = func(k string) string { return vars[k] }
	f.Globals.UTC, f.Globals.JSON = utc, json
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	s := Status{AppID: "wx0e1a2b3c4d5e6f70", Origin: "store", Store: "file tokens.json", State: StateValid,
		ExpiresAt: now.Add(115 * time.Minute), ExpiresIn: 6900, ObtainedAt: now.Add(-5 * time.Minute),
		CheckedAt: now.Add(-5 * time.Minute), Source: token.SourceStable,
		ForceRefresh: &ForceInfo{UsedToday: 1, DailyLimit: 20, Last: now.Add(-30 * time.Minute)}}
	if err := printStatus(f, s, now); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// token status shows times like env and fn commands do: local zone with
// the zone's name, or UTC with --utc.
func TestStatusTimesCarryTheirZone(t *testing.T) {
	got := printed(t, "Asia/Tokyo", false, false)
	// values line up after the longest key, "Forced refreshes:" and two spaces
	line := func(k, v string) string { return fmt.Sprintf("%-19s%s\n", k+":", v) }
	for _, want := range []string{
		line("Expires", "2026-12-05 13:55:00 JST (in 1h55m)"),
		line("Obtained", "2026-12-05 11:55:00 JST (5m0s ago)"),
		line("Last refresh", "2026-12-05 11:55:00 JST (5m0s ago)"),
		line("Forced refreshes", "1 of 20 used today, last 2026-12-05 11:30:00 JST (30m ago)"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	got = printed(t, "Asia/Tokyo", true, false)
	if want := line("Expires", "2026-12-05 04:55:00 UTC (in 1h55m)"); !strings.Contains(got, want) {
		t.Errorf("--utc: missing %q in:\n%s", want, got)
	}
}

func TestStatusJSONIsRFC3339UTC(t *testing.T) {
	got := printed(t, "Asia/Tokyo", false, true)
	if !strings.Contains(got, `"expires_at": "2026-12-05T04:55:00Z"`) {
		t.Errorf("--json:\n%s", got)
	}
}
