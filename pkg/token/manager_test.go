package token

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

func TestManagerGetCachesAndRefreshesInMargin(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			clock := emulatortest.FrozenClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
			fake := newUpstream(t, upstreamOptions{Clock: clock})
			m := mustManager(t, ManagerOptions{Store: sk.new(t), Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock})
			ctx := ctxT(t)

			r1, err := m.Get(ctx, testApp)
			if err != nil {
				t.Fatal(err)
			}
			if r1.Source != SourceStable || !r1.ExpiresAt.Equal(clock.Now().Add(7200*time.Second)) {
				t.Errorf("record %v", r1)
			}
			for i := 0; i < 5; i++ {
				if r, err := m.Get(ctx, testApp); err != nil || r.Token != r1.Token {
					t.Fatalf("cached get: %v", err)
				}
			}
			if n := fake.Stats().Stable; n != 1 {
				t.Fatalf("fetches = %d, want 1", n)
			}
			// Inside the 5-minute margin: refetch; the fake (like WeChat)
			// mints the next token there.
			clock.Advance(7200*time.Second - 4*time.Minute)
			r2, err := m.Get(ctx, testApp)
			if err != nil || r2.Token == r1.Token || !fake.Valid(r1.Token) {
				t.Fatalf("refresh in margin: %v (old still valid: %v)", err, fake.Valid(r1.Token))
			}
			if n := fake.Stats().Stable; n != 2 {
				t.Errorf("fetches = %d, want 2", n)
			}
		})
	}
}

// TestManagerNoOpStableRefreshIsNotRepeated: stable_token called just
// before WeChat's rotation window returns the same token; the manager must
// not ask again on every Get.
func TestManagerNoOpStableRefreshIsNotRepeated(t *testing.T) {
	clock := emulatortest.FrozenClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	// Our margin (10 min) is wider than the platform window (5 min).
	fake := newUpstream(t, upstreamOptions{Clock: clock})
	m := mustManager(t, ManagerOptions{Store: newFileStore(t), Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock, Margin: 10 * time.Minute})
	ctx := ctxT(t)
	r1, _ := m.Get(ctx, testApp)
	clock.Advance(7200*time.Second - 8*time.Minute)
	for i := 0; i < 10; i++ {
		r, err := m.Get(ctx, testApp)
		if err != nil || r.Token != r1.Token {
			t.Fatalf("get: %v", err)
		}
	}
	if n := fake.Stats().Stable; n != 2 {
		t.Errorf("fetches = %d, want 2 (one no-op re-check, then cached)", n)
	}
	clock.Advance(m.recheck)
	clock.Advance(3*time.Minute + time.Second) // now inside the platform window
	r3, err := m.Get(ctx, testApp)
	if err != nil || r3.Token == r1.Token {
		t.Errorf("expected the rotated token: %v", err)
	}
}

func TestCompareAndRefresh(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			// Legacy mode: every fetch mints a different token, so extra
			// fetches would be visible.
			clock := emulatortest.NewClock()
			fake := newUpstream(t, upstreamOptions{Latency: 50 * time.Millisecond, Clock: clock})
			m := mustManager(t, ManagerOptions{Store: sk.new(t), Fetcher: newFetcher(fake.URL, ModeLegacy), RefreshMinInterval: time.Millisecond, Clock: clock})
			ctx := ctxT(t)
			old, err := m.Get(ctx, testApp)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(5 * time.Millisecond) // past RefreshMinInterval

			// 100 callers report the current token as stale at once.
			var wg sync.WaitGroup
			got := make([]string, 100)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := m.Refresh(ctx, testApp, old.Token)
					if err != nil {
						t.Error(err)
						return
					}
					got[i] = r.Token
				}()
			}
			wg.Wait()
			if n := fake.Stats().Legacy; n != 2 {
				t.Fatalf("upstream fetches = %d, want 2 (initial + exactly one refresh)", n)
			}
			for _, tok := range got {
				if tok == old.Token || tok != got[0] {
					t.Fatalf("callers got different or stale tokens")
				}
			}
			// Reporting the old token again: it is no longer current, no fetch.
			r, err := m.Refresh(ctx, testApp, old.Token)
			if err != nil || r.Token != got[0] {
				t.Fatalf("refresh with old stale: %v", err)
			}
			if n := fake.Stats().Legacy; n != 2 {
				t.Errorf("old stale token caused a fetch (%d)", n)
			}
		})
	}
}

func TestRefreshMinInterval(t *testing.T) {
	fake := newUpstream(t, upstreamOptions{})
	m := mustManager(t, ManagerOptions{Store: newFileStore(t), Fetcher: newFetcher(fake.URL, ModeLegacy), RefreshMinInterval: time.Hour})
	ctx := ctxT(t)
	cur, _ := m.Get(ctx, testApp)
	r, err := m.Refresh(ctx, testApp, cur.Token)
	if err != nil || r.Token != cur.Token || fake.Stats().Legacy != 1 {
		t.Errorf("refresh within the min interval should not fetch: %v %d", err, fake.Stats().Legacy)
	}
}

func TestForceRefreshLimits(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			// 2026-03-01 10:00 China time.
			clock := emulatortest.FrozenClock(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
			fake := newUpstream(t, upstreamOptions{Clock: clock})
			store := sk.new(t)
			m := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock})
			// A second manager on the same store (another process/replica)
			// shares the budget.
			m2 := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock})
			ctx := ctxT(t)
			before, _ := m.Get(ctx, testApp)

			steps := []struct {
				advance time.Duration
				mgr     *Manager
				wantErr string // "", "spacing", "daily"
			}{
				{0, m, ""},
				{10 * time.Second, m, "spacing"},
				{10 * time.Second, m2, "spacing"},
				{11 * time.Second, m2, ""}, // 31 s after the first
			}
			// 18 more, 30 s apart: 20 in total today.
			for i := 0; i < 18; i++ {
				steps = append(steps, struct {
					advance time.Duration
					mgr     *Manager
					wantErr string
				}{30 * time.Second, m, ""})
			}
			steps = append(steps,
				struct {
					advance time.Duration
					mgr     *Manager
					wantErr string
				}{time.Minute, m2, "daily"},
				struct {
					advance time.Duration
					mgr     *Manager
					wantErr string
				}{14 * time.Hour, m, ""}, // after midnight China time
			)
			prev := before.Token
			for i, st := range steps {
				clock.Advance(st.advance)
				rec, err := st.mgr.ForceRefresh(ctx, testApp)
				var fle *ForceLimitError
				switch st.wantErr {
				case "":
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					if rec.Token == prev || fake.Valid(prev) {
						t.Fatalf("step %d: force refresh did not rotate", i)
					}
					prev = rec.Token
				default:
					if !errors.As(err, &fle) || !errors.Is(err, ErrForceLimited) || fle.Daily != (st.wantErr == "daily") || fle.RetryAfter <= 0 {
						t.Fatalf("step %d: want %s refusal, got %v", i, st.wantErr, err)
					}
				}
				// WeChat forced 20 times that day; the refusals never reached it.
				if st.wantErr == "daily" {
					if n := fake.Stats().ForcedToday; n != 20 {
						t.Errorf("forced upstream refreshes on the first day = %d, want 20", n)
					}
				}
			}
			if n := fake.Stats().ForcedToday; n != 1 {
				t.Errorf("forced upstream refreshes after midnight = %d, want 1", n)
			}
			// Everybody reads the forced token.
			if r, err := m2.Get(ctx, testApp); err != nil || r.Token != prev {
				t.Errorf("after force: %v", err)
			}
		})
	}
}

// WeChat counts the forced refreshes it performed: one it answered with an
// errcode counts nothing, here as there; one whose answer never came counts.
func TestForceRefreshCountsWhatWeChatCounts(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			clock := emulatortest.FrozenClock(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
			fake := newUpstream(t, upstreamOptions{Clock: clock})
			store := sk.new(t)
			m := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock})
			ctx := ctxT(t)
			fake.FailNext(1, 40013)
			if _, err := m.ForceRefresh(ctx, testApp); err == nil {
				t.Fatal("a refused force succeeded")
			}
			if st, _ := store.ForceState(ctx, testApp); st.Count != 0 {
				t.Fatalf("a force WeChat refused counted: %+v", st)
			}
			if _, err := m.ForceRefresh(ctx, testApp); err != nil {
				t.Fatalf("force right after a refused one: %v", err)
			}
			if st, _ := store.ForceState(ctx, testApp); st.Count != 1 {
				t.Fatalf("count after one force: %+v", st)
			}
			clock.Advance(time.Minute)
			lost := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher("http://127.0.0.1:1", ModeStable), Clock: clock})
			if _, err := lost.ForceRefresh(ctx, testApp); err == nil {
				t.Fatal("a force to nowhere succeeded")
			}
			if st, _ := store.ForceState(ctx, testApp); st.Count != 2 {
				t.Fatalf("a force whose answer was lost must count: %+v", st)
			}
		})
	}
}

func TestManagerServesStoredTokenWhenUpstreamFails(t *testing.T) {
	clock := emulatortest.FrozenClock(time.Now())
	fake := newUpstream(t, upstreamOptions{Clock: clock})
	var events []FetchEvent
	var mu sync.Mutex
	m := mustManager(t, ManagerOptions{Store: newFileStore(t), Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock})
	m.OnFetch(func(ev FetchEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() })
	ctx := ctxT(t)
	r1, _ := m.Get(ctx, testApp)
	clock.Advance(7200*time.Second - 3*time.Minute)
	fake.FailNext(3, 45009)
	r2, err := m.Get(ctx, testApp)
	if err != nil || r2.Token != r1.Token {
		t.Fatalf("want the still-valid token, got %v", err)
	}
	mu.Lock()
	last := events[len(events)-1]
	mu.Unlock()
	if code, _ := errcodeOf(last.Err); code != 45009 {
		t.Errorf("event error %v", last.Err)
	}
	// Expired and upstream still failing: an error.
	clock.Advance(3 * time.Minute)
	fake.FailNext(3, 45009)
	if _, err := m.Get(ctx, testApp); err == nil {
		t.Error("expected an error once the token expired")
	}
	if _, err := m.Get(context.Background(), "wxunknown"); !errors.Is(err, ErrUnknownApp) {
		t.Errorf("unknown app: %v", err)
	}
}

// releaseFailingStore fails lock releases while down is set, as a store
// that became unreachable during a refresh would.
type releaseFailingStore struct {
	Store
	down atomic.Bool
}

type releaseFailingLease struct {
	Lease
	s *releaseFailingStore
}

func (s *releaseFailingStore) Lock(ctx context.Context, appid string, lease time.Duration) (Lease, error) {
	l, err := s.Store.Lock(ctx, appid, lease)
	if err != nil {
		return nil, err
	}
	return &releaseFailingLease{Lease: l, s: s}, nil
}

func (l *releaseFailingLease) Release(ctx context.Context) error {
	if l.s.down.Load() {
		return errors.New("store unreachable")
	}
	return l.Lease.Release(ctx)
}

func (s *releaseFailingStore) Put(ctx context.Context, rec *Record, l Lease) error {
	return s.Store.Put(ctx, rec, l.(*releaseFailingLease).Lease)
}

func (s *releaseFailingStore) PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error {
	return s.Store.PutForceState(ctx, appid, st, l.(*releaseFailingLease).Lease)
}

// A lock whose release failed (the store unreachable for a moment) is
// released before the next refresh once the store answers, instead of
// blocking refreshes until its lease runs out.
func TestManagerReleasesAStuckLock(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			clock := emulatortest.FrozenClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
			fake := newUpstream(t, upstreamOptions{Clock: clock})
			store := &releaseFailingStore{Store: sk.new(t)}
			var logs syncBuffer
			m := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeStable), Clock: clock,
				LockWait: 5 * time.Second, LockLease: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			ctx := ctxT(t)

			store.down.Store(true)
			r1, err := m.Get(ctx, testApp)
			if err != nil {
				t.Fatal(err)
			}
			// Inside the margin, once the store answers again: the lock
			// (leased for an hour) must not block this refresh.
			clock.Advance(7200*time.Second - 4*time.Minute)
			store.down.Store(false)
			r2, err := m.Get(ctx, testApp)
			if err != nil || r2.Token == r1.Token {
				t.Fatalf("refresh once the store answers: %v (same token: %v)", err, r2 != nil && r2.Token == r1.Token)
			}
			if n := fake.Stats().Stable; n != 2 {
				t.Errorf("fetches = %d, want 2", n)
			}
			if !strings.Contains(logs.String(), "token lock released after a failed release") {
				t.Errorf("logs: %s", logs.String())
			}
		})
	}
}
