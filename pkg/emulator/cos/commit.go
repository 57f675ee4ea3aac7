package cos

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// groupCommit runs concurrent small writes (an object's metadata, a
// part's) in shared transactions: whoever finds no commit in flight leads,
// and each commit takes every write queued meanwhile. A busy bucket thus
// commits (and fsyncs) once per round of writers instead of once per
// write, without bbolt Batch's fixed 10 ms wait for a batch to fill. A
// write whose function fails is retried alone, so one failure never
// undoes the others.
type groupCommit struct {
	db      *bolt.DB
	mu      sync.Mutex
	cond    *sync.Cond
	pending []*commitOp
	leading bool
	// writers are the writes under way (begin called, update not yet):
	// a leader waits for them, at most Linger, so that one commit takes
	// a whole round of concurrent uploads instead of the first of them.
	writers int
}

// Linger bounds how long a commit waits for writes under way.
const Linger = 5 * time.Millisecond

// begin announces a write that will call update (or end) soon.
func (g *groupCommit) begin() {
	g.mu.Lock()
	g.writers++
	g.mu.Unlock()
}

// end withdraws a write announced with begin that will not call update.
func (g *groupCommit) end() {
	g.mu.Lock()
	g.writers--
	g.wake()
	g.mu.Unlock()
}

func (g *groupCommit) wake() {
	if g.cond != nil {
		g.cond.Broadcast()
	}
}

type commitOp struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// errRetryAlone marks a shared transaction that failed because of one
// write.
var errRetryAlone = errors.New("retry alone")

// update runs fn in a (shared) writable transaction. fn may run more than
// once and must not keep state between runs.
//
// A write announced with begin counts as under way until its update.
func (g *groupCommit) update(fn func(*bolt.Tx) error) error {
	return g.updateAfter(false, fn)
}

func (g *groupCommit) updateAfter(begun bool, fn func(*bolt.Tx) error) error {
	op := &commitOp{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	if begun {
		g.writers--
	}
	g.pending = append(g.pending, op)
	g.wake()
	if g.leading {
		g.mu.Unlock()
		return <-op.done
	}
	g.leading = true
	for len(g.pending) > 0 {
		if g.writers > 0 {
			expired := false
			t := time.AfterFunc(Linger, func() {
				g.mu.Lock()
				expired = true
				g.wake()
				g.mu.Unlock()
			})
			for g.writers > 0 && !expired {
				g.cond.Wait()
			}
			t.Stop()
		}
		batch := g.pending
		g.pending = nil
		g.mu.Unlock()
		g.commit(batch)
		g.mu.Lock()
	}
	g.leading = false
	g.mu.Unlock()
	return <-op.done
}

func (g *groupCommit) commit(batch []*commitOp) {
	failed := -1
	err := g.db.Update(func(tx *bolt.Tx) error {
		for i, op := range batch {
			if err := safeRun(op.fn, tx); err != nil {
				failed = i
				return errRetryAlone
			}
		}
		return nil
	})
	if err == nil {
		for _, op := range batch {
			op.done <- nil
		}
		return
	}
	if failed < 0 {
		// The commit itself failed: every write gets the error.
		for _, op := range batch {
			op.done <- err
		}
		return
	}
	for _, op := range batch {
		op.done <- g.db.Update(func(tx *bolt.Tx) error { return safeRun(op.fn, tx) })
	}
}

func safeRun(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a storage write: %v", p)
		}
	}()
	return fn(tx)
}
