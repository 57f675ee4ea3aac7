package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// ManagerOptions configures NewManager. Store and Fetcher are required.
type ManagerOptions struct {
	Store   Store
	Fetcher Fetcher
	// Margin: a token with less than this left is refreshed. Default 5 min
	// (for stable_token, refreshing earlier than WeChat's 5-minute
	// pre-rotation window returns the same token).
	Margin time.Duration
	Clock  Clock        // default SystemClock
	Logger *slog.Logger // nil discards
	// FetchTimeout bounds one upstream fetch including its retries.
	// Default 20 s.
	FetchTimeout time.Duration
	// LockLease is the store lock lease; it must exceed FetchTimeout.
	// Default 3 × FetchTimeout.
	LockLease time.Duration
	// LockWait bounds the wait for another holder's lock. Default
	// LockLease + FetchTimeout (a crashed holder's lease runs out first).
	LockWait time.Duration
	// Recheck: after a fetch returned a token that is already inside the
	// margin (stable_token called just before WeChat's rotation window),
	// the token counts as fresh for this long. Default Margin/20, clamped to
	// [100 ms, 15 s].
	Recheck time.Duration
	// RefreshMinInterval: compare-and-refresh never asks upstream more often
	// than this per app, however many callers report the current token as
	// stale. Default 2 s. Raise it for legacy mode, where every fetch mints
	// a new token.
	RefreshMinInterval time.Duration
	// ForceSpacing and ForceDailyLimit are WeChat's force_refresh limits
	// (30 s, 20 a day); override only to mirror a differently configured
	// emulator.
	ForceSpacing    time.Duration
	ForceDailyLimit int
}

// Reasons reported in FetchEvent.
const (
	ReasonProactive = "proactive" // no token, or inside the margin
	ReasonStale     = "stale"     // compare-and-refresh
	ReasonForce     = "force"     // ForceRefresh
)

// FetchEvent describes one upstream fetch (for metrics and readiness).
type FetchEvent struct {
	AppID    string
	Reason   string
	Force    bool
	Duration time.Duration
	Err      error // nil on success
	Rotated  bool  // a different token than the stored one came back
	StoreErr error // the fetched token could not be stored
}

// Manager hands out tokens from a Store and refreshes them through a
// Fetcher, so that one caller refreshes and everybody else reads.
type Manager struct {
	store   Store
	fetcher Fetcher
	clock   Clock
	log     *slog.Logger

	margin, recheck, guard time.Duration
	fetchTimeout, lease    time.Duration
	lockWait, refreshMin   time.Duration
	forceSpacing           time.Duration
	forceDaily             int

	sf singleflight.Group

	obsMu     sync.RWMutex
	observers []func(FetchEvent)

	// stuck holds, per app, a lock whose release failed (the store was
	// unreachable), retried before the next lock of the app.
	stuckMu sync.Mutex
	stuck   map[string]stuckLease
}

// stuckLease is a lock whose release failed, with the end of its lease.
type stuckLease struct {
	lease Lease
	until time.Time
}

// NewManager validates opts and applies defaults.
func NewManager(o ManagerOptions) (*Manager, error) {
	if o.Store == nil || o.Fetcher == nil {
		return nil, errors.New("token: NewManager needs a Store and a Fetcher")
	}
	m := &Manager{store: o.Store, fetcher: o.Fetcher, clock: o.Clock, log: o.Logger,
		margin: o.Margin, recheck: o.Recheck, fetchTimeout: o.FetchTimeout, lease: o.LockLease,
		lockWait: o.LockWait, refreshMin: o.RefreshMinInterval,
		forceSpacing: o.ForceSpacing, forceDaily: o.ForceDailyLimit}
	if m.clock == nil {
		m.clock = SystemClock
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.margin <= 0 {
		m.margin = 5 * time.Minute
	}
	if m.fetchTimeout <= 0 {
		m.fetchTimeout = 20 * time.Second
	}
	if m.lease <= 0 {
		m.lease = 3 * m.fetchTimeout
	}
	if m.lease <= m.fetchTimeout {
		return nil, fmt.Errorf("token: lock lease (%v) must exceed the fetch timeout (%v)", m.lease, m.fetchTimeout)
	}
	if m.lockWait <= 0 {
		m.lockWait = m.lease + m.fetchTimeout
	}
	if m.recheck <= 0 {
		m.recheck = min(max(m.margin/20, 100*time.Millisecond), 15*time.Second)
	}
	if m.refreshMin <= 0 {
		m.refreshMin = 2 * time.Second
	}
	if m.forceSpacing <= 0 {
		m.forceSpacing = 30 * time.Second
	}
	if m.forceDaily <= 0 {
		m.forceDaily = 20
	}
	m.guard = min(m.margin/5, 30*time.Second)
	return m, nil
}

// Store returns the manager's store.
func (m *Manager) Store() Store { return m.store }

// Margin returns the refresh margin.
func (m *Manager) Margin() time.Duration { return m.margin }

// Now reads the manager's clock.
func (m *Manager) Now() time.Time { return m.clock.Now() }

// OnFetch registers fn to be called after every upstream fetch.
func (m *Manager) OnFetch(fn func(FetchEvent)) {
	m.obsMu.Lock()
	defer m.obsMu.Unlock()
	m.observers = append(m.observers, fn)
}

// Fresh reports whether r needs no refresh at time now: more than the
// margin left, or upstream was asked within the recheck interval and
// answered this (still usable) token.
func (m *Manager) Fresh(r *Record, now time.Time) bool {
	if r == nil || r.Token == "" {
		return false
	}
	if now.Before(r.ExpiresAt.Add(-m.margin)) {
		return true
	}
	return m.Usable(r, now) && !r.CheckedAt.IsZero() && now.Sub(r.CheckedAt) < m.recheck
}

// nextCheck is when a record that is fresh at now stops being fresh.
func (m *Manager) nextCheck(r *Record, now time.Time) time.Time {
	if due := r.ExpiresAt.Add(-m.margin); due.After(now) {
		return due
	}
	return r.CheckedAt.Add(m.recheck)
}

// Usable reports whether r may still be handed out at time now: it expires
// later than a small guard (min(margin/5, 30 s)).
func (m *Manager) Usable(r *Record, now time.Time) bool {
	return r != nil && r.Token != "" && r.ExpiresAt.Sub(now) > m.guard
}

// Stored returns the stored record without fetching (ErrNotFound if none).
func (m *Manager) Stored(ctx context.Context, appid string) (*Record, error) {
	rec, err := m.store.Get(ctx, appid)
	return rec, storeErr(err)
}

// Get returns a fresh token for appid: the stored one if fresh, otherwise
// one fetched under the store lock (after re-reading the store, since
// another holder may have refreshed meanwhile). Concurrent calls in one
// process share one fetch. If the fetch fails while the stored token is
// still usable, the stored token is returned and the failure only logged
// and reported to OnFetch observers.
func (m *Manager) Get(ctx context.Context, appid string) (*Record, error) {
	cur, err := m.store.Get(ctx, appid)
	if err == nil && m.Fresh(cur, m.clock.Now()) {
		return cur, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, storeErr(err)
	}
	return m.flight(ctx, "get\x00"+appid, func(ctx context.Context) (*Record, error) {
		return m.refreshLocked(ctx, appid, ReasonProactive, func(cur *Record, now time.Time) bool {
			return !m.Fresh(cur, now)
		})
	})
}

// Refresh is compare-and-refresh: a caller reports the token that failed
// (stale). A fetch happens only if stale is still the stored token (and
// upstream was not asked within RefreshMinInterval); otherwise the current
// token is returned. Concurrent reports of the same token share one fetch.
func (m *Manager) Refresh(ctx context.Context, appid, stale string) (*Record, error) {
	if stale == "" {
		return nil, errors.New("token: Refresh needs the stale token")
	}
	cur, err := m.store.Get(ctx, appid)
	if err == nil && cur.Token != stale && m.Usable(cur, m.clock.Now()) {
		return cur, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, storeErr(err)
	}
	return m.flight(ctx, "refresh\x00"+appid+"\x00"+stale, func(ctx context.Context) (*Record, error) {
		return m.refreshLocked(ctx, appid, ReasonStale, func(cur *Record, now time.Time) bool {
			if !m.Usable(cur, now) {
				return true
			}
			return cur.Token == stale && now.Sub(cur.CheckedAt) >= m.refreshMin
		})
	})
}

// flight runs fn once per key at a time; callers wait on their own ctx
// while the shared work runs on a context detached from any one caller.
func (m *Manager) flight(ctx context.Context, key string, fn func(context.Context) (*Record, error)) (*Record, error) {
	ch := m.sf.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.lockWait+m.fetchTimeout)
		defer cancel()
		return fn(fctx)
	})
	select {
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Record).Clone(), nil
	}
}

// refreshLocked takes the store lock, re-reads, and fetches if need says so.
func (m *Manager) refreshLocked(ctx context.Context, appid, reason string, need func(*Record, time.Time) bool) (*Record, error) {
	held, err := m.lock(ctx, appid)
	if err != nil {
		return nil, storeErr(err)
	}
	defer m.release(held, appid)
	lease := held.Lease

	cur, err := m.store.Get(ctx, appid)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, storeErr(err)
	}
	now := m.clock.Now()
	if !need(cur, now) {
		return cur, nil
	}
	rec, err := m.fetch(ctx, appid, cur, reason, false, lease)
	if err != nil {
		if m.Usable(cur, now) {
			m.log.LogAttrs(ctx, slog.LevelWarn, "token refresh failed; still serving the stored token",
				slog.String("appid", appid), slog.String("reason", reason),
				slog.Duration("remaining", cur.Remaining(now).Round(time.Second)), errAttr(err))
			return cur, nil
		}
		return nil, err
	}
	return rec, nil
}

// lock takes the app's store lock, waiting up to lockWait. A lock of the
// app this manager failed to release is released first: otherwise a store
// outage during a refresh would block every refresh until that lock's
// lease ran out.
func (m *Manager) lock(ctx context.Context, appid string) (*heldLease, error) {
	m.releaseStuck(ctx, appid)
	lctx, cancel := context.WithTimeout(ctx, m.lockWait)
	defer cancel()
	until := m.clock.Now().Add(m.lease)
	lease, err := m.store.Lock(lctx, appid, m.lease)
	if err != nil {
		return nil, err
	}
	return &heldLease{Lease: lease, until: until}, nil
}

// heldLease is a lock this manager holds, with the end of its lease.
type heldLease struct {
	Lease
	until time.Time
}

// release gives the lock up; when that fails, the lock is kept for
// releaseStuck.
func (m *Manager) release(l *heldLease, appid string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Release(ctx); err != nil {
		m.log.LogAttrs(ctx, slog.LevelWarn, "token lock release failed (tried again before the next refresh; else the lease expires)",
			slog.String("appid", appid), errAttr(err))
		m.stuckMu.Lock()
		if m.stuck == nil {
			m.stuck = map[string]stuckLease{}
		}
		m.stuck[appid] = stuckLease{lease: l.Lease, until: l.until}
		m.stuckMu.Unlock()
	}
}

// releaseStuck tries once more to release a lock of appid whose release
// failed. A release is conditional on the lock's owner, so it is harmless
// once the lease ran out and another holder took the lock; a lock still
// failing to release is given up when its lease is over.
func (m *Manager) releaseStuck(ctx context.Context, appid string) {
	m.stuckMu.Lock()
	s, ok := m.stuck[appid]
	m.stuckMu.Unlock()
	if !ok {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := s.lease.Release(rctx)
	cancel()
	if err == nil {
		m.log.LogAttrs(ctx, slog.LevelInfo, "token lock released after a failed release", slog.String("appid", appid))
	}
	if err == nil || !m.clock.Now().Before(s.until) {
		m.stuckMu.Lock()
		if cur, ok := m.stuck[appid]; ok && cur.lease == s.lease {
			delete(m.stuck, appid)
		}
		m.stuckMu.Unlock()
	}
}

// fetch calls upstream, normalises the record to the manager's clock,
// stores it under lease and notifies observers.
func (m *Manager) fetch(ctx context.Context, appid string, cur *Record, reason string, force bool, lease Lease) (*Record, error) {
	start := m.clock.Now()
	fctx, cancel := context.WithTimeout(ctx, m.fetchTimeout)
	rec, err := m.fetcher.Fetch(fctx, appid, force)
	cancel()
	ev := FetchEvent{AppID: appid, Reason: reason, Force: force, Duration: m.clock.Now().Sub(start), Err: err}
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelWarn, "token fetch failed",
			slog.String("appid", appid), slog.String("reason", reason), slog.Bool("force", force), errAttr(err))
		m.emit(ev)
		return nil, err
	}
	life := rec.ExpiresAt.Sub(rec.ObtainedAt)
	rec = rec.Clone()
	rec.AppID = appid
	rec.ObtainedAt, rec.ExpiresAt, rec.CheckedAt = start, start.Add(life), start
	if cur != nil && cur.Token == rec.Token && !cur.ObtainedAt.IsZero() {
		rec.ObtainedAt = cur.ObtainedAt
	}
	ev.Rotated = cur == nil || cur.Token != rec.Token

	if perr := m.store.Put(ctx, rec, lease); perr != nil {
		ev.StoreErr = perr
		if errors.Is(perr, ErrFenced) {
			// A newer holder wrote meanwhile: prefer what it stored.
			if newer, gerr := m.store.Get(ctx, appid); gerr == nil && m.Usable(newer, m.clock.Now()) {
				rec = newer
			}
		}
		m.log.LogAttrs(ctx, slog.LevelError, "token store write failed; token not shared",
			slog.String("appid", appid), errAttr(perr))
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "token fetched",
		slog.String("appid", appid), slog.String("reason", reason), slog.Bool("force", force),
		slog.String("source", rec.Source), slog.Bool("rotated", ev.Rotated),
		slog.Duration("expires_in", rec.ExpiresAt.Sub(start).Round(time.Second)),
		slog.Duration("took", ev.Duration))
	m.emit(ev)
	return rec, nil
}

func (m *Manager) emit(ev FetchEvent) {
	m.obsMu.RLock()
	defer m.obsMu.RUnlock()
	for _, fn := range m.observers {
		fn(ev)
	}
}

// StoreError marks a failure of the token store, as opposed to one of
// upstream. Its text is the store's (it may name the store's address), so
// the token server shows "store unavailable" and only logs it.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// storeErr wraps a store failure in a StoreError (not ErrNotFound,
// ErrFenced or the caller's own context ending).
func storeErr(err error) error {
	var se *StoreError
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrFenced) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &se) {
		return err
	}
	return &StoreError{Err: err}
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("error", "")
	}
	attrs := []any{slog.String("message", err.Error())}
	if code, ok := wechat.ErrCode(err); ok {
		attrs = append(attrs, slog.Int("errcode", code))
	}
	return slog.Group("error", attrs...)
}

// Source adapts the manager to wechat.TokenSource for one app, for use with
// wechat.WithStaleTokenRetry.
func (m *Manager) Source(appid string) wechat.TokenSource { return providerSource{m, appid} }

// Provider is what Manager and ServerClient have in common.
type Provider interface {
	Get(ctx context.Context, appid string) (*Record, error)
	Refresh(ctx context.Context, appid, stale string) (*Record, error)
}

// SourceFor adapts any Provider to wechat.TokenSource for one app.
func SourceFor(p Provider, appid string) wechat.TokenSource { return providerSource{p, appid} }

type providerSource struct {
	p     Provider
	appid string
}

func (s providerSource) Token(ctx context.Context) (string, error) {
	r, err := s.p.Get(ctx, s.appid)
	if err != nil {
		return "", err
	}
	return r.Token, nil
}

func (s providerSource) Refresh(ctx context.Context, stale string) (string, error) {
	r, err := s.p.Refresh(ctx, s.appid, stale)
	if err != nil {
		return "", err
	}
	return r.Token, nil
}
