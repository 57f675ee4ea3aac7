package token

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/internal/testenv"
)

func TestRedisLockExclusive(t *testing.T) {
	store := newRedisStore(t)
	ctx := ctxT(t)
	var inside, maxInside, entered atomic.Int32
	var wg sync.WaitGroup
	var fences sync.Map
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				l, err := store.Lock(ctx, testApp, 5*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if _, dup := fences.LoadOrStore(l.Fence(), true); dup {
					t.Errorf("fence %d handed out twice", l.Fence())
				}
				n := inside.Add(1)
				if n > maxInside.Load() {
					maxInside.Store(n)
				}
				entered.Add(1)
				// A round trip while holding the lock: the others are
				// trying to take it meanwhile.
				if _, err := store.Get(ctx, testApp); err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
				inside.Add(-1)
				if err := l.Release(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 || entered.Load() != 40 {
		t.Errorf("max holders at once = %d, entries = %d", maxInside.Load(), entered.Load())
	}
}

func TestRedisLeaseExpiryAndFencing(t *testing.T) {
	store := newRedisStore(t)
	ctx := ctxT(t)
	rec := func(tok string) *Record {
		return &Record{AppID: testApp, Token: tok, ExpiresAt: time.Now().Add(time.Hour), ObtainedAt: time.Now(), Source: SourceStable}
	}

	// A stalls past its 200 ms lease without releasing.
	a, err := store.Lock(ctx, testApp, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, err := store.Lock(ctx, testApp, 5*time.Second) // waits for A's lease to lapse
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("B got the lock after %v, before A's lease expired", waited)
	}
	if a.Valid(ctx) || !b.Valid(ctx) {
		t.Fatal("validity after expiry is wrong")
	}
	if b.Fence() <= a.Fence() {
		t.Fatalf("fence not increasing: %d, %d", a.Fence(), b.Fence())
	}

	tests := []struct {
		name    string
		lease   Lease
		wantErr bool
	}{
		{"stale A while B holds the lock", a, true},
		{"B writes", b, false},
	}
	for _, tt := range tests {
		err := store.Put(ctx, rec("tok-"+tt.name), tt.lease)
		if tt.wantErr != errors.Is(err, ErrFenced) || (!tt.wantErr && err != nil) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// A releasing must not drop B's lock (compare-and-delete).
	_ = a.Release(ctx)
	if !b.Valid(ctx) {
		t.Fatal("A's release removed B's lock")
	}
	_ = b.Release(ctx)
	// Lock free now, but B (fence newer than A) already wrote: A is still refused.
	if err := store.Put(ctx, rec("late-A"), a); !errors.Is(err, ErrFenced) {
		t.Errorf("late stale write accepted: %v", err)
	}
	got, err := store.Get(ctx, testApp)
	if err != nil || got.Token != "tok-B writes" {
		t.Errorf("stored %v %v", got, err)
	}
	// Force state is fenced the same way.
	if err := store.PutForceState(ctx, testApp, ForceState{Day: "x", Count: 9}, a); !errors.Is(err, ErrFenced) {
		t.Errorf("stale force write: %v", err)
	}
}

func TestRedisRestartRecovers(t *testing.T) {
	url, ctl := testenv.StartRedis(t) // own server: we restart it
	store := redisStoreAt(t, url)
	fake := newUpstream(t, upstreamOptions{})
	m := mustManager(t, ManagerOptions{Store: store, Fetcher: newFetcher(fake.URL, ModeStable), LockWait: 2 * time.Second})
	ctx := ctxT(t)

	first, err := m.Get(ctx, testApp)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := store.Lock(ctx, testApp, time.Second)
	fenceBefore := l.Fence()
	_ = l.Release(ctx)

	ctl.Stop()
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = m.Get(sctx, testApp)
	cancel()
	if err == nil {
		t.Fatal("Get with Redis down should fail")
	}
	if strings.Contains(err.Error(), first.Token) {
		t.Fatal("error leaks the token")
	}

	ctl.Restart()
	var got *Record
	if !emulatortest.Wait(10*time.Second, func() bool { got, err = m.Get(ctx, testApp); return err == nil }) {
		t.Fatalf("no recovery after restart: %v", err)
	}
	if got.Token != first.Token { // stable_token is idempotent
		t.Errorf("token changed across the restart")
	}
	l, err = store.Lock(ctx, testApp, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if l.Fence() <= fenceBefore {
		t.Errorf("fence went backwards after the restart: %d -> %d", fenceBefore, l.Fence())
	}
	_ = l.Release(ctx)
}

func TestRedisBadURLHidesPassword(t *testing.T) {
	tests := []string{
		"http://user:hunter2secret@localhost:6379",
		"redis://user:hunter2secret@localhost:6379/notadb",
		"redis://:hunter2secret@localhost:6379/1/2",
		"redis://user:hunter2secret@[::1",
	}
	for _, u := range tests {
		_, err := NewRedisStore(RedisOptions{URL: u})
		if err == nil {
			t.Errorf("%s: no error", u)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("password leaked: %v", err)
		}
		if !strings.Contains(err.Error(), "redis://") {
			t.Errorf("error lacks guidance: %v", err)
		}
	}
	if _, err := NewRedisStore(RedisOptions{URL: "rediss://user:pw@example.com:6380/2"}); err != nil {
		t.Errorf("valid rediss URL refused: %v", err)
	}
}

// A lock attempt whose answer was lost may have taken the lock: it is
// released at once when Redis answers, or else before the next Lock.
func TestRedisLostLockAttempt(t *testing.T) {
	store := newRedisStore(t)
	ctx := ctxT(t)
	acquire := func(owner string) {
		t.Helper()
		keys := []string{store.key("lock", testApp), store.key("fence", testApp)}
		if fence, err := acquireScript().Run(ctx, store.rdb, keys, owner, time.Hour.Milliseconds(), time.Now().UnixMilli()).Int64(); err != nil || fence == 0 {
			t.Fatalf("acquire as %s: fence %d, %v", owner, fence, err)
		}
	}
	lockSoon := func(what string) {
		t.Helper()
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		l, err := store.Lock(lctx, testApp, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		_ = l.Release(ctx)
	}

	acquire("lost-1") // the script ran; its answer never arrived
	store.dropUnknownLock(ctx, testApp, "lost-1")
	lockSoon("after the lost attempt's release")

	acquire("lost-2") // and its release failed too (Redis unreachable then)
	store.lost.add(testApp, "lost-2")
	lockSoon("after Redis answered again")
	if owners := store.lost.take(testApp); len(owners) != 0 {
		t.Errorf("still kept: %v", owners)
	}
}
