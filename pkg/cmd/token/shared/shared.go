// Package shared holds what the `tcb token` commands have in common on the
// command side: the --appid/--server/--store flags, the mapping of their
// failures (with the token store's context) and the human rendering of
// times. The app, its secret, the store, the token server and the
// manager's refresh policy come from the Factory and pkg/token. It never
// prints a token.
package shared

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// Expiry renders "2025-03-10 12:00:00 (in 1h59m)".
func Expiry(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	rel := "in " + Duration(d)
	if d < 0 {
		rel = Duration(-d) + " ago"
	}
	return fmt.Sprintf("%s (%s)", t.Local().Format(time.DateTime), rel)
}

// Ago renders "2025-03-10 10:00:00 (1m ago)".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s ago)", t.Local().Format(time.DateTime), Duration(now.Sub(t)))
}

// Duration rounds for humans: seconds below 10 min, minutes above.
func Duration(d time.Duration) string {
	if d < 10*time.Minute {
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// ErrNoServerForce is returned for --force through a token server.
var ErrNoServerForce = errors.New("a forced refresh needs the AppSecret and is not available through a token server")

// ConfirmForce asks before a forced refresh, which makes every caller's
// current token stop working at once (--yes answers; without a terminal it
// is required).
func ConfirmForce(f *cmdutil.Factory, appid string) error {
	return f.ConfirmOrYes("forced refresh of "+appid,
		fmt.Sprintf("Force a new access_token for %s? The current one stops working at once for every server using it.", appid))
}
