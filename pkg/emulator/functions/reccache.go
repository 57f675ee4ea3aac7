package functions

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// The invocation doors (Run, Web, WebFunction) and the log writer read a
// function's record on every request. A record is a few kilobytes of JSON,
// and decoding it was the largest single cost of a warm request through the
// HTTP access service. recordCache keeps each function's decoded record
// beside the stored bytes it was decoded from: a read still happens in the
// caller's transaction (so it sees exactly what the store holds), and the
// decoded record is reused only when the stored bytes are the same. Records
// it returns are shared: their readers must not modify them.
//
// runtimeCache does the same one step further for what a record's version
// runs (fnrun.Function: its variables, NODE_PATH and Revision hash): it is
// reused while the shared record, the directories the code and layers run
// from and the emulator's host are the same.

type recordKey struct{ ns, name string }

type cachedRecord struct {
	raw []byte
	rec *record
}

type recordCache struct {
	mu sync.Mutex
	m  map[recordKey]*cachedRecord
}

// sharedRecordTx is getRecordTx for readers that do not modify the record.
func (m *Module) sharedRecordTx(tx *store.Tx, ns, name string) (*record, error) {
	var raw []byte
	if root := tx.Raw().Bucket([]byte(bucketFunctions)); root != nil {
		if b := root.Bucket([]byte(ns)); b != nil {
			raw = b.Get([]byte(name))
		}
	}
	c := &m.recs
	k := recordKey{ns, name}
	c.mu.Lock()
	e := c.m[k]
	if raw == nil && e != nil {
		delete(c.m, k)
	}
	c.mu.Unlock()
	if raw == nil {
		return nil, nil
	}
	if e != nil && bytes.Equal(e.raw, raw) {
		return e.rec, nil
	}
	rec := new(record)
	if err := json.Unmarshal(raw, rec); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[recordKey]*cachedRecord{}
	}
	c.m[k] = &cachedRecord{raw: bytes.Clone(raw), rec: rec}
	c.mu.Unlock()
	return rec, nil
}

// isShared reports whether rec is the record sharedRecordTx hands out now
// for its function.
func (c *recordCache) isShared(rec *record) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[recordKey{rec.Namespace, rec.Name}]
	return e != nil && e.rec == rec
}

// lookupShared is lookup for readers that do not modify the record.
func (m *Module) lookupShared(ns, name string) (*record, error) {
	var rec *record
	err := m.h.DB.View(func(tx *store.Tx) error {
		var err error
		rec, err = m.sharedRecordTx(tx, ns, name)
		if err == nil && (rec == nil || !rec.visible(m.now())) {
			rec, err = nil, errFunctionNotFound(ns, name)
		}
		return err
	})
	return rec, err
}

type runtimeKey struct{ ns, name, version string }

type runtimeEntry struct {
	rec            *record
	spec           *spec
	host, dir, opt string
	fn             fnrun.Function
}

type runtimeCache struct {
	mu sync.Mutex
	m  map[runtimeKey]*runtimeEntry
}

func (c *runtimeCache) get(k runtimeKey, rec *record, sp *spec, host, dir, opt string) (fnrun.Function, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[k]
	if e == nil || e.rec != rec || e.spec != sp || e.host != host || e.dir != dir || e.opt != opt {
		return fnrun.Function{}, false
	}
	return e.fn, true
}

func (c *runtimeCache) put(k runtimeKey, e *runtimeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[runtimeKey]*runtimeEntry{}
	}
	c.m[k] = e
}
