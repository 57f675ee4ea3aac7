package fnrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Pool runs functions in warm node instances. It is safe for concurrent
// use. The zero value is not usable: call NewPool.
type Pool struct {
	opts PoolOptions

	baseCtx context.Context // canceled by Close: aborts instance starts
	cancel  context.CancelFunc

	cfgMu sync.Mutex
	cfg   *startConfig

	mu       sync.Mutex
	funcs    map[string]*funcState
	all      map[*instance]struct{}
	total    int           // live instances, starting ones included
	changed  chan struct{} // closed and replaced whenever capacity may have freed up
	closed   bool
	starting sync.WaitGroup
	reaperWG sync.WaitGroup
}

type funcState struct {
	cur *generation
}

// generation is the set of instances of one revision of a function.
type generation struct {
	revision string
	count    int         // live instances of this generation
	idle     []*instance // most recently used last
	retired  bool        // a newer revision exists: drain and kill
}

// PoolStats is a snapshot of a pool.
type PoolStats struct {
	Instances int // live node processes (starting, idle and busy)
	Idle      int
}

// NewPool returns a pool. Nothing starts until the first Invoke; a missing
// node binary is reported by Invoke (ErrNodeNotFound).
func NewPool(opts PoolOptions) *Pool {
	if opts.MaxInstancesPerFunction <= 0 {
		opts.MaxInstancesPerFunction = DefaultMaxInstancesPerFunction
	}
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = DefaultMaxInstances
	}
	if opts.MaxInstances < opts.MaxInstancesPerFunction {
		opts.MaxInstances = opts.MaxInstancesPerFunction
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = DefaultMaxLogBytes
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		opts:    opts,
		baseCtx: ctx,
		cancel:  cancel,
		funcs:   map[string]*funcState{},
		all:     map[*instance]struct{}{},
		changed: make(chan struct{}),
	}
	if opts.IdleTimeout > 0 {
		p.reaperWG.Add(1)
		go p.reaper(opts.IdleTimeout)
	}
	return p
}

// Containment says how the processes of an instance are found and ended:
// "cgroup" (every process it starts, detached ones included) or "process
// group" (what leaves the group is missed).
func (p *Pool) Containment() string { return containment() }

// NodeVersion returns the pool's `node --version`, e.g. "v20.11.1".
func (p *Pool) NodeVersion(ctx context.Context) (string, error) {
	return NodeVersion(ctx, p.opts.NodePath)
}

func (p *Pool) config() (*startConfig, error) {
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	if p.cfg != nil {
		return p.cfg, nil
	}
	node, err := LookNode(p.opts.NodePath)
	if err != nil {
		return nil, err
	}
	boot, err := bootstrapPath()
	if err != nil {
		return nil, err
	}
	p.cfg = &startConfig{
		nodePath:     node,
		nodeArgs:     p.opts.NodeArgs,
		bootstrap:    boot,
		baseEnv:      p.opts.BaseEnv,
		startTimeout: p.opts.StartTimeout,
	}
	return p.cfg, nil
}

// checkEvent validates an event: empty means {}.
func checkEvent(event []byte) ([]byte, error) {
	if len(bytes.TrimSpace(event)) == 0 {
		return []byte("{}"), nil
	}
	if len(event) > MaxEventBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrEventTooLarge, len(event), MaxEventBytes)
	}
	if !json.Valid(event) {
		return nil, ErrInvalidEvent
	}
	return event, nil
}

// Invoke runs fn once with event (JSON; empty means {}) in a warm instance
// of fn's current Revision, starting one when none is free (up to the caps).
// User-code outcomes, failures included, come back as a Result; the error
// is for what prevented an invocation: ErrUnsupportedRuntime,
// ErrInvalidEvent, ErrEventTooLarge, ErrConcurrencyLimit, ErrNodeNotFound,
// ErrStart, ErrPoolClosed, or ctx's error (the running instance is killed).
func (p *Pool) Invoke(ctx context.Context, fn Function, event []byte, opts InvokeOptions) (*Result, error) {
	start := time.Now()
	if !IsNodeRuntime(fn.Runtime) {
		return nil, &UnsupportedRuntimeError{Runtime: fn.Runtime}
	}
	event, err := checkEvent(event)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	reqID := opts.RequestID
	if reqID == "" {
		reqID = NewRequestID()
	}
	in, cold, err := p.acquire(ctx, &fn, cfg)
	if err != nil {
		return nil, err
	}
	sink := newLogSink(p.opts.MaxLogBytes, opts.LogWriter)
	res, err := in.invoke(ctx, &fn, event, reqID, &opts, sink)
	p.release(in)
	if res != nil {
		res.ColdStart = cold
		res.WallTime = time.Since(start)
	}
	return res, err
}

// funcKey keys the instances of a function version: namespace/name for
// $LATEST, namespace/name@version for the others.
func funcKey(fn *Function) string {
	if v := fn.version(); v != FunctionVersion {
		return fn.Namespace + "/" + fn.Name + "@" + v
	}
	return fn.Namespace + "/" + fn.Name
}

// acquire returns an idle instance of fn's revision, or starts one.
func (p *Pool) acquire(ctx context.Context, fn *Function, cfg *startConfig) (*instance, bool, error) {
	key := funcKey(fn)
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false, ErrPoolClosed
		}
		st := p.funcs[key]
		if st == nil {
			st = &funcState{cur: &generation{revision: fn.Revision}}
			p.funcs[key] = st
		}
		if st.cur.revision != fn.Revision {
			p.retireLocked(st, fn.Revision)
		}
		gen := st.cur
		for len(gen.idle) > 0 {
			in := gen.idle[len(gen.idle)-1]
			gen.idle = gen.idle[:len(gen.idle)-1]
			if in.dead() {
				p.discardLocked(in, reasonStopped)
				continue
			}
			p.mu.Unlock()
			return in, false, nil
		}
		if gen.count < p.opts.MaxInstancesPerFunction {
			if p.total >= p.opts.MaxInstances {
				p.evictIdleLocked()
			}
			if p.total < p.opts.MaxInstances {
				gen.count++
				p.total++
				p.starting.Add(1)
				p.mu.Unlock()
				in, err := p.start(ctx, fn, cfg, gen)
				return in, true, err
			}
		}
		if p.opts.NoWait {
			p.mu.Unlock()
			return nil, false, ErrConcurrencyLimit
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("%w: no free instance: %w", ErrConcurrencyLimit, context.Cause(ctx))
		}
	}
}

// start starts an instance in a slot already counted in gen and p.total.
func (p *Pool) start(ctx context.Context, fn *Function, cfg *startConfig, gen *generation) (*instance, error) {
	defer p.starting.Done()
	sctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.baseCtx, cancel)
	in, err := startInstance(sctx, fn, cfg, nil)
	stop()
	cancel()
	p.mu.Lock()
	if err != nil {
		gen.count--
		p.total--
		p.notifyLocked()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return nil, ErrPoolClosed
		}
		return nil, err
	}
	in.gen = gen
	p.all[in] = struct{}{}
	if p.closed {
		p.discardLocked(in, reasonClosed)
		p.mu.Unlock()
		in.awaitExit()
		return nil, ErrPoolClosed
	}
	p.mu.Unlock()
	return in, nil
}

// release returns an instance after an invocation: back to the idle list,
// or killed when it is dead, of an old revision, or the pool is closed.
func (p *Pool) release(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in.lastUsed = time.Now()
	if p.closed || in.dead() || in.gen.retired {
		p.discardLocked(in, reasonStopped)
		return
	}
	in.gen.idle = append(in.gen.idle, in)
	p.notifyLocked()
}

// retireLocked starts a new generation for fn; the old one's idle
// instances are killed now, its busy ones when they are released.
func (p *Pool) retireLocked(st *funcState, revision string) {
	old := st.cur
	old.retired = true
	for len(old.idle) > 0 {
		p.discardLocked(old.idle[len(old.idle)-1], reasonStopped)
	}
	st.cur = &generation{revision: revision}
}

// discardLocked kills an instance and frees its slot (once).
func (p *Pool) discardLocked(in *instance, reason int32) {
	if in.discarded {
		return
	}
	in.discarded = true
	for i, x := range in.gen.idle {
		if x == in {
			in.gen.idle = append(in.gen.idle[:i], in.gen.idle[i+1:]...)
			break
		}
	}
	in.gen.count--
	p.total--
	delete(p.all, in)
	in.close(reason)
	p.notifyLocked()
}

// evictIdleLocked kills the least recently used idle instance of any
// function to make room under MaxInstances.
func (p *Pool) evictIdleLocked() bool {
	var victim *instance
	for _, st := range p.funcs {
		for _, in := range st.cur.idle {
			if victim == nil || in.lastUsed.Before(victim.lastUsed) {
				victim = in
			}
		}
	}
	if victim == nil {
		return false
	}
	p.discardLocked(victim, reasonStopped)
	return true
}

func (p *Pool) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Pool) reaper(idle time.Duration) {
	defer p.reaperWG.Done()
	every := min(max(idle/4, 50*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.baseCtx.Done():
			return
		case now := <-t.C:
			p.mu.Lock()
			for _, st := range p.funcs {
				for _, in := range append([]*instance(nil), st.cur.idle...) {
					if in.dead() || now.Sub(in.lastUsed) >= idle {
						p.discardLocked(in, reasonStopped)
					}
				}
			}
			p.mu.Unlock()
		}
	}
}

// Stop kills the instances of one function (e.g. after it was deleted),
// those of its versions too; running invocations finish first. The next
// Invoke starts afresh. name "fn@3" stops only version 3 of fn.
func (p *Pool) Stop(namespace, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := namespace + "/" + name
	for k, st := range p.funcs {
		if k == key || (!strings.Contains(name, "@") && strings.HasPrefix(k, key+"@")) {
			p.retireLocked(st, st.cur.revision)
			delete(p.funcs, k)
		}
	}
}

// Stats returns a snapshot of the pool's instances.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := PoolStats{Instances: p.total}
	for _, st := range p.funcs {
		s.Idle += len(st.cur.idle)
	}
	return s
}

// Close kills every instance (running invocations return ErrPoolClosed) and
// waits until the node processes are gone. Later Invokes fail with
// ErrPoolClosed. Close is idempotent.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.cancel()
	insts := make([]*instance, 0, len(p.all))
	for in := range p.all {
		insts = append(insts, in)
	}
	for _, in := range insts {
		p.discardLocked(in, reasonClosed)
	}
	p.notifyLocked()
	p.mu.Unlock()
	p.starting.Wait()
	p.reaperWG.Wait()
	for _, in := range insts {
		in.awaitExit()
	}
	return nil
}
