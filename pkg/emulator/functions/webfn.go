package functions

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// Web functions (Type HTTP) run their own server (fnrun.StartWeb): one
// server per function, started on the first request, shared by concurrent
// requests, replaced when the code or configuration changes (the
// revision), stopped by a reset, Close, or when it exits or fails.

// WebBackend is a started web function the gateway proxies to.
type WebBackend struct {
	// Addr is the server's loopback host:port.
	Addr string
	// Transport reaches it (keep-alive connections per server).
	Transport http.RoundTripper
	// Timeout is the function's time limit for one request.
	Timeout time.Duration
	inst    *webInstance
	m       *Module
}

// Release ends the use of the backend by one request.
func (b *WebBackend) Release() {}

// Failed reports that the server did not answer: it is stopped, and the
// next request starts a new one.
func (b *WebBackend) Failed() { b.m.dropWeb(b.inst) }

type webInstance struct {
	key       string
	revision  string
	ready     chan struct{} // closed when started (or failed)
	srv       *fnrun.WebServer
	err       error
	transport *http.Transport
}

type webServers struct {
	mu   sync.Mutex
	byFn map[string]*webInstance
}

// WebFunction returns the running server of a web function of env,
// starting it (bounded by the function's InitTimeout) when none runs for
// its current code and configuration.
func (m *Module) WebFunction(ctx context.Context, env, name, qualifier string) (*WebBackend, error) {
	if err := checkQualifier(qualifier, ""); err != nil {
		return nil, ErrNoSuchFunction
	}
	rec, err := m.lookup(env, name)
	if err != nil || rec == nil {
		return nil, ErrNoSuchFunction
	}
	if !rec.invocable(m.now()) {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotInvocable, name, rec.status(m.now()))
	}
	if !fnrun.IsNodeRuntime(rec.Live.Runtime) || rec.Live.Type != "HTTP" {
		return nil, ErrNotInvocable
	}
	fn, err := m.runtimeFunction(ctx, rec, m.host("", rec.Host))
	if err != nil {
		return nil, err
	}
	key := env + "/" + name
	m.web.mu.Lock()
	if m.web.byFn == nil {
		m.web.byFn = map[string]*webInstance{}
	}
	in := m.web.byFn[key]
	if in != nil && in.revision != fn.Revision {
		delete(m.web.byFn, key)
		go in.stop()
		in = nil
	}
	if in == nil {
		in = &webInstance{key: key, revision: fn.Revision, ready: make(chan struct{})}
		m.web.byFn[key] = in
		m.web.mu.Unlock()
		m.startWeb(in, rec, fn)
	} else {
		m.web.mu.Unlock()
	}
	select {
	case <-in.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if in.err != nil {
		m.dropWeb(in)
		return nil, in.err
	}
	select {
	case <-in.srv.Done():
		m.dropWeb(in)
		return nil, fmt.Errorf("%w: the server of %s exited; its output ends with:\n%s", fnrun.ErrWebStart, name, in.srv.Output())
	default:
	}
	return &WebBackend{Addr: in.srv.Addr, Transport: in.transport, Timeout: fn.Timeout, inst: in, m: m}, nil
}

// startWeb starts in's server in the background of the module (a request
// that goes away does not abort a start others may wait for).
func (m *Module) startWeb(in *webInstance, rec *record, fn fnrun.Function) {
	init := time.Duration(rec.Live.InitTimeout) * time.Second
	if init <= 0 {
		init = fnrun.DefaultStartTimeout
	}
	p := m.h.Credentials.Issue(rec.Namespace, creds.Caller{}, max(fn.Timeout+10*time.Minute, creds.DefaultTTL))
	go func() {
		defer close(in.ready)
		srv, err := fnrun.StartWeb(m.ctx, fn, fnrun.WebOptions{
			NodePath: m.opts.NodePath, StartTimeout: init,
			Credentials: &fnrun.Credentials{SecretID: p.SecretID, SecretKey: p.SecretKey, SessionToken: p.SessionToken},
			Env:         map[string]string{"TCB_SOURCE": "", "TCB_CONTEXT_KEYS": "TCB_ENV,TCB_SEQID,TCB_SOURCE"},
		})
		if err != nil {
			m.log.Warn("functions: a web function did not start", "function", in.key, "err", err)
			in.err = err
			return
		}
		in.srv = srv
		in.transport = &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		}
	}()
}

// dropWeb stops in when it is still the function's server.
func (m *Module) dropWeb(in *webInstance) {
	m.web.mu.Lock()
	if m.web.byFn[in.key] == in {
		delete(m.web.byFn, in.key)
	}
	m.web.mu.Unlock()
	go in.stop()
}

func (in *webInstance) stop() {
	<-in.ready
	if in.srv != nil {
		in.srv.Stop()
	}
	if in.transport != nil {
		in.transport.CloseIdleConnections()
	}
}

// stopWeb stops every web function server and waits for them.
func (m *Module) stopWeb() {
	m.web.mu.Lock()
	all := m.web.byFn
	m.web.byFn = nil
	m.web.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.stop()
		}()
	}
	wg.Wait()
}
