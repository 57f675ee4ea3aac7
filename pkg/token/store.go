package token

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// Store is shared token storage. All methods are safe for concurrent use by
// many goroutines, processes (FileStore) or machines (RedisStore).
type Store interface {
	// Get returns the stored record, or ErrNotFound.
	Get(ctx context.Context, appid string) (*Record, error)
	// Lock takes the app's refresh lock, waiting until it is free or ctx
	// ends. lease bounds how long a crashed holder can keep it (RedisStore;
	// a FileStore lock dies with its process). It must exceed the upstream
	// call timeout.
	Lock(ctx context.Context, appid string, lease time.Duration) (Lease, error)
	// Put stores rec if l is still the newest lock for rec.AppID; otherwise
	// it returns an error wrapping ErrFenced and stores nothing.
	Put(ctx context.Context, rec *Record, l Lease) error
	// ForceState returns the app's force-refresh bookkeeping (zero value if
	// none).
	ForceState(ctx context.Context, appid string) (ForceState, error)
	// PutForceState stores it, fenced like Put.
	PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases resources.
	Close() error
}

// Lease is a held store lock.
type Lease interface {
	// Fence is the lock's fencing token: strictly greater than that of any
	// earlier lock of the same app in this store.
	Fence() int64
	// Valid reports whether the lock is still held by this lease.
	Valid(ctx context.Context) bool
	// Release gives the lock up; releasing twice is harmless, and a
	// release that failed (the store unreachable) may be tried again.
	Release(ctx context.Context) error
}

// lostLocks remembers, per app, the owners of lock attempts whose answer
// was lost (the attempt may have taken the lock) and whose release failed
// too (the store unreachable). The store releases them before the app's
// next lock; a release is conditional on the owner, so it can only undo
// that attempt. A long outage fails many attempts: the newest few are kept,
// the others' leases run out on their own.
type lostLocks struct {
	mu sync.Mutex
	m  map[string][]string
}

const maxLostLocks = 8

func (l *lostLocks) add(appid, owner string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string][]string{}
	}
	owners := append(l.m[appid], owner)
	l.m[appid] = owners[max(0, len(owners)-maxLostLocks):]
}

// take removes and returns the app's lost attempts.
func (l *lostLocks) take(appid string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	owners := l.m[appid]
	delete(l.m, appid)
	return owners
}

// releaser runs a lease's release until it succeeds once: a failed
// release can be retried, a successful one is not repeated.
type releaser struct {
	mu   sync.Mutex
	done bool
}

func (r *releaser) do(release func() error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	err := release()
	r.done = err == nil
	return err
}

// ForceState is the per-app bookkeeping of stable_token force_refresh calls.
type ForceState struct {
	Day   string    `json:"day"`   // calendar day in China Standard Time, YYYY-MM-DD
	Count int       `json:"count"` // forced refreshes sent upstream that day
	Last  time.Time `json:"last"`  // last forced refresh sent upstream
}

var (
	// ErrNotFound: the store holds no token for the app.
	ErrNotFound = errors.New("token: no stored token")
	// ErrFenced: the write lost its lock to a newer holder.
	ErrFenced = errors.New("token: lock lost to a newer holder (fencing check failed)")
	// ErrUnknownApp: no secret is configured for the app (invalid input).
	ErrUnknownApp = errkind.New(errkind.Input, "token: unknown appid")
)

// ValidAppID checks that appid is safe as a file name and Redis key part.
func ValidAppID(appid string) error {
	if len(appid) < 1 || len(appid) > 64 || !ascii.Only(appid, func(c byte) bool { return ascii.Alnum(c) || c == '_' || c == '-' }) {
		return fmt.Errorf("token: invalid appid %q: use letters, digits, '-' or '_' (at most 64)", appid)
	}
	return nil
}
