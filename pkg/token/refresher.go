package token

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// appState is one app's served snapshot and health.
type appState struct {
	appid string
	snap  atomic.Pointer[snapshot]
	kick  chan struct{}
	// retryAt (unix ns) is set while the refresher backs off after a
	// failure; until then the request path does not call upstream itself.
	retryAt atomic.Int64

	// warnAt (manager clock, unix ns) is when the app last logged a WARN
	// about failing to get a token; period (ns) the current backoff;
	// suppressed counts the WARNs skipped since (see Server.allowWarn).
	warnAt     atomic.Int64
	period     atomic.Int64
	suppressed atomic.Int64

	mu          sync.Mutex
	lastErrV    error
	lastErrCode int // 0 when the last error had no WeChat errcode
	lastErrAt   time.Time
}

// snapshot is a record plus the pre-rendered parts of its JSON answer, so
// the hot path only formats expires_in.
type snapshot struct {
	rec    *Record
	prefix []byte // {"access_token":"...","expires_in":
	suffix []byte // ,"expires_at":"...","source":"..."}\n
}

func newSnapshot(rec *Record) *snapshot {
	tok, _ := json.Marshal(rec.Token)
	src, _ := json.Marshal(rec.Source)
	p := make([]byte, 0, len(tok)+40)
	p = append(p, `{"access_token":`...)
	p = append(p, tok...)
	p = append(p, `,"expires_in":`...)
	sfx := make([]byte, 0, 64)
	sfx = append(sfx, `,"expires_at":"`...)
	sfx = rec.ExpiresAt.UTC().AppendFormat(sfx, time.RFC3339)
	sfx = append(sfx, `","source":`...)
	sfx = append(sfx, src...)
	sfx = append(sfx, "}\n"...)
	return &snapshot{rec: rec, prefix: p, suffix: sfx}
}

// appendBody renders the answer for time now.
func (sn *snapshot) appendBody(b []byte, now time.Time) []byte {
	secs := int64(sn.rec.ExpiresAt.Sub(now) / time.Second)
	if secs < 0 {
		secs = 0
	}
	b = append(b, sn.prefix...)
	b = strconv.AppendInt(b, secs, 10)
	return append(b, sn.suffix...)
}

// publish installs rec unless the current snapshot holds a different,
// more recently obtained token.
func (st *appState) publish(rec *Record) *snapshot {
	for {
		old := st.snap.Load()
		if old != nil && old.rec.Token == rec.Token && old.rec.ExpiresAt.Equal(rec.ExpiresAt) {
			return old
		}
		if old != nil && old.rec.Token != rec.Token && old.rec.ObtainedAt.After(rec.ObtainedAt) {
			return old // a racing reader saw an older store state
		}
		sn := newSnapshot(rec.Clone())
		if st.snap.CompareAndSwap(old, sn) {
			return sn
		}
	}
}

func (st *appState) setErr(err error, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lastErrV = err
	st.lastErrCode, _ = wechat.ErrCode(err)
	st.lastErrAt = now
}

func (st *appState) clearErr() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lastErrV, st.lastErrCode, st.lastErrAt = nil, 0, time.Time{}
}

func (st *appState) lastError() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lastErrV
}

func (st *appState) errState() (code int, at time.Time, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lastErrCode, st.lastErrAt, st.lastErrV
}

// allowWarn reports whether the app may log a WARN about failing to get a
// token now: at most one per backoff period (the refresher's current
// backoff, at least RetryMin), whoever logs it (the refresher or a
// request). It also returns how many were suppressed since the last one.
func (s *Server) allowWarn(st *appState) (bool, int64) {
	now := s.m.Now().UnixNano()
	period := max(st.period.Load(), int64(s.retryMin))
	last := st.warnAt.Load()
	if last != 0 && now-last < period || !st.warnAt.CompareAndSwap(last, now) {
		st.suppressed.Add(1)
		return false, 0
	}
	return true, st.suppressed.Swap(0)
}

// allowStoreWarn limits the readiness probe's store WARN the same way
// (probes come every few seconds): one per RetryMax.
func (s *Server) allowStoreWarn() bool {
	now := s.m.Now().UnixNano()
	last := s.storeWarnAt.Load()
	if last != 0 && now-last < int64(s.retryMax) {
		return false
	}
	return s.storeWarnAt.CompareAndSwap(last, now)
}

// wake asks the app's refresher to run now (non-blocking).
func (st *appState) wake() {
	select {
	case st.kick <- struct{}{}:
	default:
	}
}

// observeFetch feeds metrics and health from every upstream fetch.
func (s *Server) observeFetch(ev FetchEvent) {
	s.metrics.observeFetch(ev)
	st := s.apps[ev.AppID]
	if st == nil {
		return
	}
	switch {
	case ev.Err != nil:
		st.setErr(ev.Err, s.m.Now())
	case ev.StoreErr != nil && !errors.Is(ev.StoreErr, ErrFenced):
		st.setErr(ev.StoreErr, s.m.Now())
	default:
		st.clearErr()
	}
}

// refresher keeps one app's snapshot current: it asks the Manager (which
// reads the store and, only when the token is due, fetches under the store
// lock, so one replica fetches while the others wait and then re-read),
// publishes the result, and sleeps until the next poll or refresh point.
// After failures it backs off exponentially while the last usable token
// keeps being served.
func (s *Server) refresher(ctx context.Context, st *appState) {
	failures := 0
	for {
		rec, err := s.m.Get(ctx, st.appid)
		now := s.m.Now()
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			s.metrics.storeOrFetchFailure()
			st.setErr(err, now)
			failures++
			wait = s.backoff(failures)
			// The store (or upstream) is down while a token is still
			// served: retry at least every quarter of its remaining life,
			// so that a store back within the margin (a database restart,
			// a Sentinel failover) is noticed in time to refresh.
			if sn := st.snap.Load(); sn != nil {
				if left := sn.rec.ExpiresAt.Sub(now) - s.m.guard; left > 0 {
					wait = min(wait, max(left/4, s.retryMin/2))
				}
			}
			st.period.Store(int64(wait))
			level := slog.LevelDebug
			attrs := []slog.Attr{slog.String("appid", st.appid), slog.Int("failures", failures),
				slog.Duration("retry_in", wait), errAttr(err)}
			if ok, suppressed := s.allowWarn(st); ok {
				level = slog.LevelWarn
				if suppressed > 0 {
					attrs = append(attrs, slog.Int64("suppressed", suppressed))
				}
			}
			s.log.LogAttrs(ctx, level, "token refresher: no token", attrs...)
		default:
			st.publish(rec)
			if s.m.Fresh(rec, now) {
				if failures > 0 {
					st.warnAt.Store(0) // healthy again: the next outage logs at once
					st.period.Store(0)
				}
				failures = 0
				wait = min(s.poll, s.m.nextCheck(rec, now).Sub(now))
			} else {
				// The Manager fell back to the stored token: upstream failed.
				failures++
				wait = s.backoff(failures)
				if left := rec.ExpiresAt.Sub(now) - s.m.guard; left > 0 && left < wait {
					wait = left
				}
			}
		}
		wait = max(wait, 5*time.Millisecond)
		if failures > 0 {
			st.retryAt.Store(now.Add(wait).UnixNano())
		} else {
			st.retryAt.Store(0)
		}
		// Wake-ups from the request path are honoured only when healthy:
		// during a backoff they would turn client traffic into upstream
		// traffic.
		var kick <-chan struct{}
		if failures == 0 {
			kick = st.kick
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-kick:
			t.Stop()
		case <-t.C:
		}
	}
}

func (s *Server) backoff(failures int) time.Duration {
	d := s.retryMin
	for i := 1; i < failures && d < s.retryMax; i++ {
		d *= 2
	}
	d = min(d, s.retryMax)
	return d/2 + rand.N(d/2+1)
}
