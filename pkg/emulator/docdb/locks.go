package docdb

import (
	"context"
	"slices"
	"sync"
)

// Locking (see the package doc, "Locks and cancellation").
//
// m.mu, the catalog lock, is held shared by every operation and
// exclusively only by Reset and by destroying an environment. Each
// collection has its own RWMutex (collLock, created when first wanted and
// dropped when nobody holds or waits for it): reads hold it shared;
// writes, creating or dropping that collection and changing its indexes
// hold it exclusively. An operation over several collections (an
// aggregate with $lookup, a transaction's commit) takes their locks in
// name order. Nobody waits for a collection lock inside a store
// transaction, and listings read the statistics each loaded collection
// publishes (collection.stats) rather than wait for its lock, so a long
// write holds up only its own collection.

type lockKey struct{ env, name string }

type collLock struct {
	mu   sync.RWMutex
	load sync.Mutex // serialises loading the collection into memory
	refs int        // holders and waiters; guarded by Module.lmu
}

// lock takes the locks of the named collections of env (shared, or
// exclusive when write) under the shared catalog lock, and returns the
// function that releases them.
func (m *Module) lock(env string, write bool, names ...string) (unlock func()) {
	if len(names) > 1 {
		names = slices.Clone(names)
		slices.Sort(names)
		names = slices.Compact(names)
	}
	m.mu.RLock()
	locks := make([]*collLock, len(names))
	m.lmu.Lock()
	if m.locks == nil {
		m.locks = map[lockKey]*collLock{}
	}
	for i, n := range names {
		k := lockKey{env, n}
		l := m.locks[k]
		if l == nil {
			l = &collLock{}
			m.locks[k] = l
		}
		l.refs++
		locks[i] = l
	}
	m.lmu.Unlock()
	for _, l := range locks {
		if write {
			l.mu.Lock()
		} else {
			l.mu.RLock()
		}
	}
	return func() {
		for i := len(locks) - 1; i >= 0; i-- {
			if write {
				locks[i].mu.Unlock()
			} else {
				locks[i].mu.RUnlock()
			}
		}
		m.lmu.Lock()
		for i, l := range locks {
			if l.refs--; l.refs == 0 {
				delete(m.locks, lockKey{env, names[i]})
			}
		}
		m.lmu.Unlock()
		m.mu.RUnlock()
	}
}

// loadLock returns the mutex that serialises loading a collection: its
// collLock's while someone holds that (every operation does), else one
// for the whole module (tests peeking at a collection).
func (m *Module) loadLock(env, name string) *sync.Mutex {
	m.lmu.Lock()
	defer m.lmu.Unlock()
	if l := m.locks[lockKey{env, name}]; l != nil {
		return &l.load
	}
	return &m.loadMu
}

// cancelled reports, as a write error of op, that the caller has gone (its
// context is done: the client closed the connection, or the request's
// time limit passed): the write stops and nothing of it is stored.
func cancelled(ctx context.Context, op string) error {
	if ctx.Err() == nil {
		return nil
	}
	return errFailed(op, "%v (or the caller went away) before it committed: nothing was written", errDeadline)
}
