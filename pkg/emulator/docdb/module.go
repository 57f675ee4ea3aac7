package docdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
)

// Defaults of Options.
const (
	DefaultMaxLimit           = 1000
	DefaultRequestTimeout     = 10 * time.Second
	DefaultMaxStatementLength = 1 << 20
	DefaultStatementCache     = 512
	DefaultMaxResultBytes     = 32 << 20
	DefaultMaxBodyBytes       = 10 << 20
)

// Options configure the module. Zero values mean the defaults.
type Options struct {
	// Tokens checks access_tokens; nil rejects every token with 40014.
	Tokens wxhttp.TokenChecker
	// MaxLimit caps .limit() of databasequery and QUERY (default 1000):
	// larger limits are clamped and the pager shows the limit applied.
	MaxLimit int64
	// RequestTimeout bounds the work of one request (default 10 s).
	RequestTimeout time.Duration
	// MaxStatementLength caps a statement's size (default 1 MiB, so that
	// batched add() statements fit).
	MaxStatementLength int
	// StatementCache is the number of parsed statements kept by text
	// (default 512; negative disables the cache).
	StatementCache int
	// MaxResultBytes caps the encoded documents of one answer (default
	// 32 MiB).
	MaxResultBytes int
	// MaxBodyBytes caps a /tcb/* request body (default 10 MiB).
	MaxBodyBytes int64
	// Logger defaults to the host's.
	Logger *slog.Logger
}

// Module is the emulator's document database (an emulator.Module named
// "database").
type Module struct {
	opts Options
	h    *emulator.Host

	// mu is the catalog lock: every operation holds it shared, Reset and
	// environment destruction exclusively. Documents are guarded by the
	// per-collection locks (locks.go).
	mu sync.RWMutex
	// lmu guards locks.
	lmu   sync.Mutex
	locks map[lockKey]*collLock
	// loadMu serialises loading a collection nobody holds a lock on.
	loadMu sync.Mutex
	// cmu guards the cache map only (never held while loading).
	cmu   sync.Mutex
	cache map[string]map[string]*collection // env -> name -> loaded

	stmts *dbquery.Cache

	// txns are the open transactions of the server SDKs.
	txns txnRegistry

	jobsMu  sync.Mutex
	running map[int64]bool
	bgCtx   context.Context
	bgStop  context.CancelFunc
	bg      sync.WaitGroup

	// testHook, when set (tests), is called at points of a write: "update"
	// before each document of an update, "commit" inside the store
	// transaction before its last check of ctx; and "count" when a count
	// holds its collection's lock.
	testHook atomic.Pointer[func(ctx context.Context, point, env, coll string)]

	// planHook, when set (tests), sees every candidate selection.
	planHook func(env, coll string, p planInfo)
}

// New returns the module.
func New(opts Options) *Module {
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = DefaultMaxLimit
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.MaxStatementLength <= 0 {
		opts.MaxStatementLength = DefaultMaxStatementLength
	}
	if opts.StatementCache == 0 {
		opts.StatementCache = DefaultStatementCache
	}
	if opts.MaxResultBytes <= 0 {
		opts.MaxResultBytes = DefaultMaxResultBytes
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	m := &Module{opts: opts, cache: map[string]map[string]*collection{}, running: map[int64]bool{}}
	m.stmts = dbquery.NewCache(opts.StatementCache)
	m.bgCtx, m.bgStop = context.WithCancel(context.Background())
	return m
}

// Name is "database".
func (m *Module) Name() string { return "database" }

// Init registers the WeChat /tcb/* handlers, the tcb RunCommands and flexdb
// actions, the export download route and the environment destruction hook.
func (m *Module) Init(h *emulator.Host) error {
	m.h = h
	if err := h.DB.Bolt().Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketTop)
		return err
	}); err != nil {
		return err
	}
	m.registerWeChat(h.Mux)
	m.registerTC3(h.Dispatcher)
	if h.SDK != nil {
		m.registerSDK(h.SDK)
	}
	h.Envs.OnDestroy(m.dropEnv)
	return nil
}

// hook calls testHook, if set.
func (m *Module) hook(ctx context.Context, point, env, coll string) {
	if h := m.testHook.Load(); h != nil {
		(*h)(ctx, point, env, coll)
	}
}

func (m *Module) bolt() *bolt.DB { return m.h.DB.Bolt() }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func (m *Module) log() *slog.Logger {
	switch {
	case m.opts.Logger != nil:
		return m.opts.Logger
	case m.h != nil && m.h.Logger != nil:
		return m.h.Logger
	}
	return discard
}

func (m *Module) now() time.Time {
	if m.h != nil && m.h.Now != nil {
		return m.h.Now()
	}
	return time.Now()
}

// collection returns the loaded collection, loading it on first use; nil
// when it does not exist. The caller holds the collection's lock (either
// mode).
func (m *Module) collection(env, name string) (*collection, error) {
	if c := m.cached(env, name); c != nil {
		return c, nil
	}
	lm := m.loadLock(env, name)
	lm.Lock()
	defer lm.Unlock()
	if c := m.cached(env, name); c != nil {
		return c, nil
	}
	c, err := m.loadCollection(env, name)
	if err != nil || c == nil {
		return nil, err
	}
	m.cmu.Lock()
	defer m.cmu.Unlock()
	if m.cache[env] == nil {
		m.cache[env] = map[string]*collection{}
	}
	if prev := m.cache[env][name]; prev != nil {
		return prev, nil
	}
	m.cache[env][name] = c
	return c, nil
}

func (m *Module) cached(env, name string) *collection {
	m.cmu.Lock()
	defer m.cmu.Unlock()
	return m.cache[env][name]
}

// mustCollection is collection with -502005 when missing.
func (m *Module) mustCollection(env, name string) (*collection, error) {
	c, err := m.collection(env, name)
	if err != nil {
		return nil, errSystem(err)
	}
	if c == nil {
		return nil, errCollectionMissing(name)
	}
	return c, nil
}

func (m *Module) forget(env, name string) {
	m.cmu.Lock()
	defer m.cmu.Unlock()
	if name == "" {
		delete(m.cache, env)
		return
	}
	delete(m.cache[env], name)
}

// dropEnv is the environment destruction hook: the environment's
// collections, jobs and export files go.
func (m *Module) dropEnv(env string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.dropEnvStored(env); err != nil {
		return err
	}
	m.forget(env, "")
	m.removeExports(env)
	return nil
}

// collectionState is one collection in State.
type collectionState struct {
	Count  int64 `json:"count"`
	Size   int64 `json:"size"`
	Loaded bool  `json:"loaded"`
}

// loaded returns a snapshot of the loaded collections of env (read their
// published stats: their locks may be held by long writes).
func (m *Module) loaded(env string) map[string]*collection {
	m.cmu.Lock()
	defer m.cmu.Unlock()
	out := make(map[string]*collection, len(m.cache[env]))
	for k, c := range m.cache[env] {
		out[k] = c
	}
	return out
}

// State reports the documents per environment and collection.
func (m *Module) State() any {
	out := map[string]map[string]collectionState{}
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.cmu.Lock()
	cached := map[string]map[string]*collection{}
	for env, colls := range m.cache {
		cached[env] = map[string]*collection{}
		for name, c := range colls {
			cached[env][name] = c
		}
	}
	m.cmu.Unlock()
	m.bolt().View(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketTop)
		if top == nil {
			return nil
		}
		return top.ForEachBucket(func(env []byte) error {
			cs := top.Bucket(env).Bucket(bucketCollections)
			if cs == nil {
				return nil
			}
			colls := map[string]collectionState{}
			cs.ForEachBucket(func(name []byte) error {
				if c := cached[string(env)][string(name)]; c != nil {
					st := c.published()
					colls[string(name)] = collectionState{Count: st.count, Size: st.size, Loaded: true}
					return nil
				}
				n, size, _ := storedStats(tx, string(env), string(name))
				colls[string(name)] = collectionState{Count: n, Size: size}
				return nil
			})
			out[string(env)] = colls
			return nil
		})
	})
	nstmts := m.stmts.Len()
	m.txns.mu.Lock()
	ntxns := len(m.txns.open)
	m.txns.mu.Unlock()
	return map[string]any{"envs": out, "statements_cached": nstmts, "open_transactions": ntxns}
}

// Reset drops every cache (the host wiped the store) and stops running
// migration jobs.
func (m *Module) Reset() error {
	m.stopJobs()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cmu.Lock()
	m.cache = map[string]map[string]*collection{}
	m.cmu.Unlock()
	m.stmts.Clear()
	m.txns.mu.Lock()
	m.txns.open = nil
	m.txns.mu.Unlock()
	m.jobsMu.Lock()
	m.bgCtx, m.bgStop = context.WithCancel(context.Background())
	m.jobsMu.Unlock()
	if m.h != nil {
		return m.h.DB.Bolt().Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucketTop)
			return err
		})
	}
	return nil
}

// Close stops running migration jobs.
func (m *Module) Close() error {
	m.stopJobs()
	return nil
}

func (m *Module) stopJobs() {
	m.jobsMu.Lock()
	stop := m.bgStop
	m.jobsMu.Unlock()
	stop()
	m.bg.Wait()
}

// newID returns a 32-hex-digit document id, like the cloud's.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
