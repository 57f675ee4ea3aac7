// Package chinatime is the one definition of the time zone Tencent Cloud and
// WeChat write their timestamps in: China Standard Time, UTC+8 all year
// (Asia/Shanghai has had no daylight saving time since 1991). The Cloud API
// answers times such as CreateTime "2026-12-05 11:02:03" without a zone;
// they mean this zone, and WeChat's daily quotas reset at its midnight.
//
// A fixed offset is used instead of time.LoadLocation("Asia/Shanghai") so
// that nothing depends on the machine's tz database.
package chinatime

import (
	"strings"
	"time"
)

// Offset is the zone's offset from UTC in seconds.
const Offset = 8 * 60 * 60

// Layout is how the APIs write a time: "2006-01-02 15:04:05", no zone.
const Layout = time.DateTime

// zone is unexported so no caller can replace it.
var zone = time.FixedZone("CST", Offset)

// Zone returns China Standard Time (UTC+8, fixed).
func Zone() *time.Location { return zone }

// Parse reads an API time string ("2006-01-02 15:04:05", also with a
// fractional second) as China time.
func Parse(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04:05.999999999", strings.TrimSpace(s), zone)
}

// Format writes t the way the APIs do: China time, "2006-01-02 15:04:05".
func Format(t time.Time) string { return t.In(zone).Format(Layout) }

// Day is t's calendar date in China, "2006-01-02": the day a daily quota
// counts against.
func Day(t time.Time) string { return t.In(zone).Format(time.DateOnly) }

// In returns t in China time.
func In(t time.Time) time.Time { return t.In(zone) }
