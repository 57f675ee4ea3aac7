package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// ErrForceLimited is wrapped by every *ForceLimitError.
var ErrForceLimited = errors.New("token: force refresh refused")

// ForceLimitError explains why ForceRefresh refused to call upstream.
type ForceLimitError struct {
	AppID      string
	Daily      bool          // true: the daily limit; false: the spacing rule
	RetryAfter time.Duration // when a new attempt may succeed
	Count      int           // forced refreshes used today
	Limit      int           // daily limit
	Spacing    time.Duration // minimum spacing
}

func (e *ForceLimitError) Error() string {
	if e.Daily {
		return fmt.Sprintf("force refresh of %s refused: %d of %d forced refreshes used today (WeChat's daily limit; it resets at midnight China time, in %s)",
			e.AppID, e.Count, e.Limit, e.RetryAfter.Round(time.Minute))
	}
	return fmt.Sprintf("force refresh of %s refused: forced refreshes must be at least %s apart or WeChat ignores them (retry in %s)",
		e.AppID, e.Spacing, e.RetryAfter.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrForceLimited) work.
func (e *ForceLimitError) Unwrap() error { return ErrForceLimited }

// ErrorKind is errkind.Failed: the refresh was refused, nothing is wrong
// with the input or the credentials.
func (e *ForceLimitError) ErrorKind() errkind.Kind { return errkind.Failed }

// ForceRefresh calls stable_token with force_refresh=true, which
// invalidates the current token for every user of the app at once. Use it
// only when a token leaked. It is refused with a *ForceLimitError when the
// last forced refresh of the app was less than 30 s ago or 20 were already
// made today (China time); the bookkeeping lives in the store, so every
// process and replica shares it. An attempt counts once it is sent, unless
// WeChat answers it with an errcode (then it forced nothing and counts
// nothing, as WeChat counts); an attempt whose answer was lost counts.
func (m *Manager) ForceRefresh(ctx context.Context, appid string) (*Record, error) {
	held, err := m.lock(ctx, appid)
	if err != nil {
		return nil, err
	}
	defer m.release(held, appid)
	lease := held.Lease

	st, err := m.store.ForceState(ctx, appid)
	if err != nil {
		return nil, err
	}
	now := m.clock.Now()
	if !st.Last.IsZero() {
		if since := now.Sub(st.Last); since < m.forceSpacing && since > -m.forceSpacing {
			return nil, &ForceLimitError{AppID: appid, RetryAfter: m.forceSpacing - since,
				Count: st.Count, Limit: m.forceDaily, Spacing: m.forceSpacing}
		}
	}
	local := chinatime.In(now) // WeChat's daily limits reset at midnight China time
	day := local.Format(time.DateOnly)
	if st.Day != day {
		st = ForceState{Day: day, Last: st.Last}
	}
	prev := st
	if st.Count >= m.forceDaily {
		midnight := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, chinatime.Zone())
		return nil, &ForceLimitError{AppID: appid, Daily: true, RetryAfter: midnight.Sub(now),
			Count: st.Count, Limit: m.forceDaily, Spacing: m.forceSpacing}
	}
	st.Count++
	st.Last = now
	if err := m.store.PutForceState(ctx, appid, st, lease); err != nil {
		return nil, fmt.Errorf("token: record force refresh: %w", err)
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "forcing an access_token refresh (invalidates the current token)",
		slog.String("appid", appid), slog.Int("used_today", st.Count), slog.Int("daily_limit", m.forceDaily))

	cur, err := m.store.Get(ctx, appid)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	rec, err := m.fetch(ctx, appid, cur, ReasonForce, true, lease)
	var answered *wechat.APIError
	if errors.As(err, &answered) {
		if perr := m.store.PutForceState(ctx, appid, prev, lease); perr != nil {
			m.log.Warn("token: could not take back a refused force refresh from the count", "appid", appid, "err", perr)
		}
	}
	return rec, err
}
