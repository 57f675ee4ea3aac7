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
// server per function version, started on the first request, shared by
// concurrent requests, replaced when the code or configuration changes
// (the revision), stopped by a reset, Close, when it exits or fails, when
// the function (or the version) is deleted, and when no request has used
// it for WebIdleTimeout of the emulator's clock.
//
// A request by name goes where an event function's invocation would: the
// qualifier "" is the alias $DEFAULT with its traffic split (by the
// request's X-Tcb-Route-Key, a random draw without it), so `tcb fn
// config-route` and UpdateAlias move web traffic as they move events.
//
// Every request is one record in the function's logs (`tcb fn log`): a
// line "METHOD /path STATUS 1.234ms", the HTTP status the client got; the
// record's status is 200 when the server answered (whatever the HTTP
// status), 433 when it timed out and 439 when it did not answer.

// DefaultWebIdleTimeout is how long a web function's server may stay
// unused before it is stopped (SCF keeps idle instances for minutes too).
const DefaultWebIdleTimeout = 10 * time.Minute

// WebRequest names the web function a request goes to.
type WebRequest struct {
	Env, Name string
	// Qualifier is a version, an alias or "$LATEST"; "" means the alias
	// $DEFAULT with its traffic routing, as for RunRequest.
	Qualifier string
	// Headers are the request's headers, read for alias routing.
	Headers http.Header
	// Host is the Host clients reach the emulator with ("" for the one last
	// seen); the server's TCB_EMULATOR_HOST.
	Host string
	// RequestID, Method and Path are logged when the server cannot start.
	RequestID, Method, Path string
}

// WebBackend is a started web function the gateway proxies to. Finish must
// be called once the request is over.
type WebBackend struct {
	// Addr is the server's loopback host:port.
	Addr string
	// Transport reaches it (keep-alive connections per server).
	Transport http.RoundTripper
	// Timeout is the function's time limit for one request.
	Timeout time.Duration
	// Version is the version that serves the request ("$LATEST", "3").
	Version string

	inst  *webInstance
	m     *Module
	rec   *record
	start time.Time // the emulator's clock
	began time.Time // the wall clock, for the duration
	once  sync.Once
}

// WebOutcome is how a proxied request ended, for the function's logs.
type WebOutcome struct {
	RequestID    string
	Method, Path string
	// Status is the HTTP status the client got (0 when the client went
	// away before any).
	Status int
	// TimedOut: the function's time limit passed. Failed: the server did
	// not answer.
	TimedOut, Failed bool
	// Abandon stops the server (it did not answer, or not in time): the
	// next request starts a new one.
	Abandon bool
	// Err is what went wrong, when something did.
	Err error
}

// Finish ends the use of the backend by one request: the request is
// logged, and the server's idle time starts when no request uses it.
func (b *WebBackend) Finish(o WebOutcome) {
	b.once.Do(func() {
		if o.Abandon {
			b.m.dropWeb(b.inst)
		}
		b.m.releaseWeb(b.inst)
		b.m.logWebRequest(b.rec, b.start, time.Since(b.began), o)
	})
}

type webInstance struct {
	key       string
	revision  string
	ready     chan struct{} // closed when started (or failed)
	srv       *fnrun.WebServer
	err       error
	transport *http.Transport

	// Guarded by webServers.mu.
	active   int       // requests using it
	lastUsed time.Time // when the last one finished (the emulator's clock)
}

type webServers struct {
	mu   sync.Mutex
	byFn map[string]*webInstance // by env/name@version
}

func webKey(env, name, version string) string { return env + "/" + name + "@" + version }

// WebFunction returns the running server of the web function version a
// request runs, starting it (bounded by the function's InitTimeout) when
// none runs for that version's code and configuration.
func (m *Module) WebFunction(ctx context.Context, req WebRequest) (*WebBackend, error) {
	rec, t, err := m.findTarget(req.Env, req.Name, req.Qualifier, req.Headers)
	if err != nil {
		return nil, err
	}
	if t.Spec.Type != "HTTP" {
		return nil, fmt.Errorf("%w: %s is an event function, not a web function (Type HTTP)", ErrNotInvocable, req.Name)
	}
	fn, err := m.runtimeFunctionFor(ctx, rec, t, m.host(req.Host, rec.Host))
	if err != nil {
		return nil, err
	}
	key := webKey(req.Env, req.Name, t.Version)
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
	fresh := in == nil
	if fresh {
		in = &webInstance{key: key, revision: fn.Revision, ready: make(chan struct{})}
		m.web.byFn[key] = in
	}
	in.active++
	m.web.mu.Unlock()
	if fresh {
		m.startWeb(in, t.Spec.InitTimeout, rec, fn)
	}
	select {
	case <-in.ready:
	case <-ctx.Done():
		m.releaseWeb(in)
		return nil, ctx.Err()
	}
	err = in.err
	if err == nil {
		select {
		case <-in.srv.Done():
			err = fmt.Errorf("%w: the server of %s exited; its output ends with:\n%s", fnrun.ErrWebStart, req.Name, in.srv.Output())
		default:
		}
	}
	if err != nil {
		m.dropWeb(in)
		m.releaseWeb(in)
		if ctx.Err() == nil {
			m.logWebRequest(rec, m.now(), 0, WebOutcome{RequestID: req.RequestID, Method: req.Method, Path: req.Path, Failed: true, Err: err})
		}
		return nil, err
	}
	return &WebBackend{Addr: in.srv.Addr, Transport: in.transport, Timeout: fn.Timeout, Version: t.Version,
		inst: in, m: m, rec: rec, start: m.now(), began: time.Now()}, nil
}

// startWeb starts in's server in the background of the module (a request
// that goes away does not abort a start others may wait for).
func (m *Module) startWeb(in *webInstance, initTimeout int64, rec *record, fn fnrun.Function) {
	init := time.Duration(initTimeout) * time.Second
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

// releaseWeb ends one request's use of in.
func (m *Module) releaseWeb(in *webInstance) {
	m.web.mu.Lock()
	in.active--
	in.lastUsed = m.now()
	m.web.mu.Unlock()
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

// stopWebFunction stops the servers of a function (every version when
// version is "", else that version's), after a deletion.
func (m *Module) stopWebFunction(env, name, version string) {
	prefix := webKey(env, name, version)
	m.web.mu.Lock()
	var victims []*webInstance
	for k, in := range m.web.byFn {
		if k == prefix || version == "" && len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(m.web.byFn, k)
			victims = append(victims, in)
		}
	}
	m.web.mu.Unlock()
	for _, in := range victims {
		go in.stop()
	}
}

// webIdleTimeout is Options.WebIdleTimeout with its default; 0 never stops
// an idle server.
func (m *Module) webIdleTimeout() time.Duration {
	switch d := m.opts.WebIdleTimeout; {
	case d < 0:
		return 0
	case d == 0:
		return DefaultWebIdleTimeout
	default:
		return d
	}
}

// runWebReaper stops idle web function servers until ctx ends. Idleness is
// measured on the emulator's clock (a test moves it); the clock is read
// often enough that a server is stopped within a second of its time.
func (m *Module) runWebReaper(ctx context.Context) {
	idle := m.webIdleTimeout()
	if idle == 0 {
		return
	}
	t := time.NewTicker(min(max(idle/4, 20*time.Millisecond), time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.reapIdleWeb(idle)
		}
	}
}

// reapIdleWeb stops the started servers no request has used for idle and
// returns how many.
func (m *Module) reapIdleWeb(idle time.Duration) int {
	now := m.now()
	var victims []*webInstance
	m.web.mu.Lock()
	for k, in := range m.web.byFn {
		select {
		case <-in.ready:
		default:
			continue // still starting: a request waits for it
		}
		if in.active == 0 && now.Sub(in.lastUsed) >= idle {
			delete(m.web.byFn, k)
			victims = append(victims, in)
		}
	}
	m.web.mu.Unlock()
	for _, in := range victims {
		m.log.Debug("functions: stopping an idle web function", "function", in.key, "idle", now.Sub(in.lastUsed))
		in.stop()
	}
	return len(victims)
}

// logWebRequest stores one proxied request in the function's logs.
func (m *Module) logWebRequest(rec *record, start time.Time, d time.Duration, o WebOutcome) {
	status := fnrun.StatusOK
	switch {
	case o.TimedOut:
		status = fnrun.StatusTimeLimitReached
	case o.Failed:
		status = fnrun.StatusProcessExited
	}
	httpStatus := "-"
	if o.Status != 0 {
		httpStatus = fmt.Sprint(o.Status)
	}
	ms := float64(d.Microseconds()) / 1000
	line := fmt.Sprintf("%s %s %s %.3fms", o.Method, o.Path, httpStatus, ms)
	if o.Status == 0 && !o.TimedOut && !o.Failed {
		line += " (the client went away)"
	}
	lr := logRecord{RequestID: o.RequestID, Start: start, Status: status, Log: line + "\n", Source: sourceHTTP, Duration: ms}
	if status != fnrun.StatusOK {
		msg := "the web function did not answer"
		if o.Err != nil {
			msg += ": " + o.Err.Error()
		}
		lr.RetMsg = errorPayload(o.RequestID, status, msg)
	}
	m.writeLog(rec, lr)
}

// sourceHTTP is the log Source of requests through the HTTP access service.
const sourceHTTP = "HTTP"
