package functions

import (
	"sync"

	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Invocation logs are group-committed: writeLog queues a record and one
// writer goroutine commits everything queued in one store transaction (one
// disk sync for many invocations), then looks again. Nothing waits a fixed
// time: under light load each record gets its own transaction at once; under
// load the records that arrived during a sync share the next one. A synced
// write per invocation capped the HTTP access service at about 250
// requests a second on a disk where a sync takes a few milliseconds
// (scripts/bench-service.sh).
//
// Readers of the logs (GetFunctionLogs, log searches) call flushLogs,
// which returns once every record queued before the call is committed, so
// a log is visible to whoever asks after the invocation answered.

type pendingLog struct {
	ns, name, functionID string
	lr                   logRecord
}

type logWriter struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []pendingLog
	queued  uint64 // records ever queued
	written uint64 // records ever handled (committed or dropped)
	running bool
}

func (w *logWriter) init() {
	if w.cond == nil {
		w.cond = sync.NewCond(&w.mu)
	}
}

// enqueue queues p and starts the writer when none runs.
func (w *logWriter) enqueue(m *Module, p pendingLog) {
	w.mu.Lock()
	w.init()
	w.queue = append(w.queue, p)
	w.queued++
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if start {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			w.run(m)
		}()
	}
}

// run commits batches until the queue is empty.
func (w *logWriter) run(m *Module) {
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		if len(batch) == 0 {
			w.running = false
			w.cond.Broadcast()
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		err := m.h.DB.Update(func(tx *store.Tx) error { return m.writeLogsTx(tx, batch) })
		if err != nil {
			// One bad record must not cost the others their logs.
			for i := range batch {
				if err := m.h.DB.Update(func(tx *store.Tx) error { return m.writeLogsTx(tx, batch[i:i+1]) }); err != nil {
					m.log.Warn("functions: storing an invocation log failed", "function", batch[i].ns+"/"+batch[i].name, "err", err)
				}
			}
		}
		w.mu.Lock()
		w.written += uint64(len(batch))
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// flushLogs waits until every log queued so far is in the store.
func (m *Module) flushLogs() {
	w := &m.logw
	w.mu.Lock()
	defer w.mu.Unlock()
	w.init()
	target := w.queued
	for w.written < target {
		w.cond.Wait()
	}
}
