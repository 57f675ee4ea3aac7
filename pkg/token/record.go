package token

import (
	"fmt"
	"log/slog"
	"time"
)

// Sources of a Record.
const (
	SourceStable = "stable" // POST /cgi-bin/stable_token
	SourceLegacy = "legacy" // GET /cgi-bin/token
)

// Record is one stored access_token.
type Record struct {
	AppID      string    `json:"appid"`
	Token      string    `json:"access_token"`
	ExpiresAt  time.Time `json:"expires_at"`
	ObtainedAt time.Time `json:"obtained_at"`
	Source     string    `json:"source"`
	// CheckedAt is when upstream was last asked for this app's token. It
	// differs from ObtainedAt when a normal-mode stable_token call returned
	// the same token again (refreshing before WeChat's 5-minute pre-rotation
	// window is a no-op); it keeps the manager from asking again at once.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// Remaining is the time left before expiry (negative when expired).
func (r *Record) Remaining(now time.Time) time.Duration { return r.ExpiresAt.Sub(now) }

// Clone returns a copy.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// String masks the token.
func (r Record) String() string {
	return fmt.Sprintf("Record{AppID:%s Token:%s ExpiresAt:%s ObtainedAt:%s Source:%s}",
		r.AppID, Mask(r.Token), r.ExpiresAt.Format(time.RFC3339), r.ObtainedAt.Format(time.RFC3339), r.Source)
}

// GoString masks the token (for %#v).
func (r Record) GoString() string { return r.String() }

// LogValue masks the token in slog records.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("appid", r.AppID),
		slog.String("token", Mask(r.Token)),
		slog.Time("expires_at", r.ExpiresAt),
		slog.String("source", r.Source),
	)
}

// Mask hides a secret: the first 4 and last 4 characters around "****", or
// only "****" when the value is shorter than 16 characters (so that at most
// half of a short secret could ever show).
func Mask(s string) string {
	if len(s) < 16 {
		return "****"
	}
	return s[:4] + "****" + s[len(s)-4:]
}

// Clock tells the time; tests inject their own.
type Clock interface{ Now() time.Time }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}
