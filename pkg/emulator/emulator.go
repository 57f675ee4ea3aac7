// Package emulator is a local CloudBase: one HTTP port serving the Tencent
// Cloud API 3.0 (tcb and scf, with real TC3 signature checks), the WeChat
// token and CloudBase HTTP APIs, and admin endpoints under /_emulator/. All
// state lives in one bbolt file in the data directory and is written through
// on every change, so nothing is lost on Ctrl-C and everything survives a
// restart. Subsystems plug in as Modules.
package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
	"github.com/tcb-go/tcb/pkg/emulator/events"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
	"github.com/tcb-go/tcb/pkg/hostcheck"
)

// DefaultListen is the default address.
const DefaultListen = "127.0.0.1:9800"

// DefaultDataDir is the default data directory (relative to the cwd).
const DefaultDataDir = ".tcb-emulator"

// Options configure an emulator.
type Options struct {
	Listen    string
	DataDir   string
	Ephemeral bool
	// Lenient skips HMAC verification (routing still uses the scope).
	Lenient bool
	// Latency is how long async states last (INITIALIZING, Creating, ...).
	Latency time.Duration
	MaxEnvs int
	// Keys maps extra SecretIds to SecretKeys; the development pair is
	// always accepted.
	Keys   map[string]string
	Logger *slog.Logger
	Now    func() time.Time
	// Version is reported by /_emulator/health.
	Version string
	// AllowHosts are names (or *.domain, or IP addresses) the emulator
	// answers to besides loopback names and its own addresses.
	AllowHosts []string
	// MaxConns caps the connections open at once (default: below the
	// descriptor limit, see hostcheck.DefaultMaxConns).
	MaxConns int
	// BodyGrace is the time a client has to send a body beyond what its
	// size takes at MinBodyRate (default BodyGrace).
	BodyGrace time.Duration
}

// Host is what a Module gets to plug itself in.
type Host struct {
	Options    *Options
	DB         *store.DB
	Dispatcher *capi.Dispatcher
	// Credentials authenticates key pairs and mints the temporary
	// credentials of function invocations.
	Credentials *creds.Authority
	// Unimplemented counts requests the emulator cannot answer, shown in
	// /_emulator/state.
	Unimplemented *unimpl.Registry
	// SDK routes the /admin actions of the server SDKs.
	SDK    *sdkapi.Router
	Mux    *http.ServeMux
	Envs   *envs.Service
	Faults *faults.Registry
	Logger *slog.Logger
	Now    func() time.Time
	// Addr is the bound address (host:port) once listening, else the
	// configured one; modules use it for URLs built outside a request.
	Addr func() string
	// Events is the emulator's publish/subscribe bus (package events):
	// the Cloud API dispatcher and the SDK router publish an
	// events.Request for every call they answer, the host one for every
	// other request outside /_emulator/ that reached it over the network
	// (WeChat paths, module routes), the functions module an events.Log
	// per invocation. Rings per topic keep the newest events within a
	// count and a byte budget; readers (the web console) follow deltas by
	// sequence number. The bus is closed when the emulator shuts down,
	// which ends long-lived readers such as event streams.
	Events *events.Bus
	// Route adds a router consulted before the path routes (and before
	// the browser cross-origin check): it claims a request by returning
	// its handler, nil when the request is not its. Modules use it for
	// what path patterns cannot express: virtual hosts
	// (<bucket>.cos.<region>.localhost, <envId>.site.localhost) and
	// path-style buckets. Requests it claims must authenticate themselves.
	Route func(func(*http.Request) http.Handler)
	// Handler serves a request as the emulator would (module routers,
	// then the path routes) without the network-only checks; modules use
	// it for in-process calls to other modules' doors (the web console).
	Handler http.Handler
	// Objects reads the storage module's objects (nil without one): the
	// functions module takes code uploaded through COS from it.
	Objects ObjectReader
}

// ObjectReader opens stored objects for other modules. A bucket or object
// that does not exist is an error wrapping fs.ErrNotExist.
type ObjectReader interface {
	// OpenObject returns the object's content and size.
	OpenObject(bucket, key string) (io.ReadCloser, int64, error)
}

// Module is a subsystem of the emulator (functions, WeChat APIs, ...).
type Module interface {
	// Name is the module's key in /_emulator/state.
	Name() string
	// Init registers handlers on the host.
	Init(h *Host) error
	// State is the module's summary for /_emulator/state.
	State() any
	// Reset drops in-memory state after the store was wiped.
	Reset() error
	// Close stops background work.
	Close() error
}

// Emulator is a running (or ready to run) local CloudBase.
type Emulator struct {
	opts       Options
	db         *store.DB
	dispatcher *capi.Dispatcher
	creds      *creds.Authority
	unimpl     *unimpl.Registry
	sdk        *sdkapi.Router
	envs       *envs.Service
	faults     *faults.Registry
	events     *events.Bus
	mux        *http.ServeMux
	modules    []Module
	routers    []func(*http.Request) http.Handler
	started    time.Time
	tempDir    string
	ephemeral  bool

	mu  sync.Mutex
	ln  net.Listener
	srv *http.Server
}

// New opens the store and wires every subsystem; it does not listen yet.
func New(opts Options, modules ...Module) (*Emulator, error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Latency < 0 {
		return nil, errors.New("latency must not be negative")
	}
	e := &Emulator{opts: opts, faults: &faults.Registry{}, started: opts.Now()}
	dir := opts.DataDir
	if opts.Ephemeral {
		tmp, err := os.MkdirTemp("", "tcb-emulator-*")
		if err != nil {
			return nil, err
		}
		e.tempDir, dir = tmp, tmp
	} else if dir == "" {
		dir = DefaultDataDir
	}
	// Absolute from here on: modules build paths and symlinks (a function's
	// node_modules) from it, and a relative link would dangle.
	abs, err := filepath.Abs(dir)
	if err != nil {
		e.removeTemp()
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	dir = abs
	e.ephemeral = e.tempDir != ""
	db, err := store.Open(dir)
	if err != nil {
		e.removeTemp()
		return nil, err
	}
	e.db = db
	e.opts.DataDir = dir

	keys := map[string]string{config.EmulatorSecretID: config.EmulatorSecretKey}
	for id, k := range opts.Keys {
		keys[id] = k
	}
	e.creds = creds.New(keys, opts.Now)
	e.events = events.New()
	e.events.Now = opts.Now
	e.unimpl = &unimpl.Registry{Logger: opts.Logger, Now: opts.Now}
	e.dispatcher = capi.New(capi.Options{
		Lenient:       opts.Lenient,
		Credentials:   e.creds,
		Unimplemented: e.unimpl,
		Now:           opts.Now,
		Faults:        e.faults,
		Logger:        opts.Logger,
		Events:        e.events,
	})
	e.envs = envs.New(envs.Options{DB: db, Now: opts.Now, Latency: opts.Latency, MaxEnvs: opts.MaxEnvs})
	e.envs.Register(e.dispatcher)
	e.sdk = sdkapi.New(sdkapi.Options{
		Credentials:   e.creds,
		Envs:          e.sdkEnvReady,
		Now:           opts.Now,
		Logger:        opts.Logger,
		Unimplemented: e.unimpl,
		Lenient:       opts.Lenient,
		Events:        e.events,
	})

	e.mux = http.NewServeMux()
	e.mux.Handle("/{$}", e.dispatcher)
	e.mux.Handle(sdkapi.Path, e.sdk)
	e.mux.HandleFunc("GET /_emulator/health", e.handleHealth)
	e.mux.HandleFunc("GET /_emulator/state", e.handleState)
	e.mux.HandleFunc("POST /_emulator/reset", e.handleReset)
	e.mux.HandleFunc("GET /_emulator/faults", e.handleFaultsList)
	e.mux.HandleFunc("POST /_emulator/faults", e.handleFaultsAdd)
	e.mux.HandleFunc("DELETE /_emulator/faults", e.handleFaultsClear)

	host := &Host{Options: &e.opts, DB: db, Dispatcher: e.dispatcher, Credentials: e.creds, Unimplemented: e.unimpl, SDK: e.sdk, Mux: e.mux, Envs: e.envs,
		Faults: e.faults, Logger: opts.Logger, Now: opts.Now, Addr: e.Addr,
		Route: func(fn func(*http.Request) http.Handler) { e.routers = append(e.routers, fn) }}
	host.Events = e.events
	host.Handler = e
	for _, m := range modules {
		if err := m.Init(host); err != nil {
			e.closeModules()
			db.Close()
			e.removeTemp()
			return nil, fmt.Errorf("emulator module %s: %w", m.Name(), err)
		}
		e.modules = append(e.modules, m)
	}
	return e, nil
}

// Handler is the emulator's HTTP handler (for in-process tests).
func (e *Emulator) Handler() http.Handler { return e }

// crossOrigin rejects state-changing requests that a web browser sends on
// behalf of another site (CSRF): without it any page open in the user's
// browser could POST /_emulator/reset and wipe the emulator's data, or
// inject faults. Non-browser clients (SDKs, curl, tcb) send neither
// Sec-Fetch-Site nor Origin and are not affected.
var crossOrigin = http.NewCrossOriginProtection()

// ServeHTTP serves every route; unknown paths get a JSON 404.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, route := range e.routers {
		if h := route(r); h != nil {
			h.ServeHTTP(w, r)
			return
		}
	}
	if err := crossOrigin.Check(r); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-origin browser requests are not allowed"})
		return
	}
	if _, pattern := e.mux.Handler(r); pattern == "" {
		e.unimpl.Record(unimpl.KindPath, r.Method+" "+r.URL.Path, r.UserAgent())
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found: " + r.URL.Path})
		return
	}
	// ServeHTTP (not the looked-up handler) so wildcard routes get their
	// PathValue.
	e.mux.ServeHTTP(w, r)
}

// DataDir is the directory holding the store, always absolute.
func (e *Emulator) DataDir() string { return e.opts.DataDir }

// Ephemeral reports whether the data dir is removed on Close (still true
// after Close has removed it).
func (e *Emulator) Ephemeral() bool { return e.ephemeral }

// Listen binds the address ("127.0.0.1:0" picks a free port).
//
// The server answers only requests whose Host (and Origin) name it
// (pkg/hostcheck: loopback names, its own addresses, Options.AllowHosts),
// gives clients 10 s to send their headers and a time proportional to the
// declared size for the body, and closes connections beyond
// Options.MaxConns at once.
func (e *Emulator) Listen() error {
	ln, err := net.Listen("tcp", e.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.opts.Listen, err)
	}
	policy, err := hostcheck.New(ln.Addr().String(), e.opts.AllowHosts)
	if err != nil {
		ln.Close()
		return err
	}
	maxConns := e.opts.MaxConns
	if maxConns <= 0 {
		maxConns = hostcheck.DefaultMaxConns()
	}
	e.mu.Lock()
	e.ln = hostcheck.LimitListener(ln, maxConns)
	e.srv = &http.Server{
		Handler:           policy.Handler(bodyDeadline(e.recordRequests(e), e.opts.BodyGrace)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	e.mu.Unlock()
	return nil
}

// Body read limits: a client gets BodyGrace plus the time its declared
// body takes at MinBodyRate (a chunked body of unknown size gets
// ChunkedBodyTime), so clients that trickle a body cannot hold a
// connection. A module serving long uploads may extend the deadline with
// http.ResponseController.
const (
	BodyGrace       = 15 * time.Second
	MinBodyRate     = 64 << 10 // bytes per second
	ChunkedBodyTime = 2 * time.Minute
)

func bodyDeadline(next http.Handler, grace time.Duration) http.Handler {
	if grace <= 0 {
		grace = BodyGrace
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		d := ChunkedBodyTime
		if r.ContentLength > 0 {
			d = grace + time.Duration(r.ContentLength/MinBodyRate)*time.Second
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(d)) == nil {
			// The deadline is for the body only: a handler that runs
			// long after reading it (a function invocation) must not
			// see its connection time out.
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody clears the connection's read deadline once the body has
// been read to its end.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	cleared bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.cleared {
		b.cleared = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// recordRequests publishes an events.Request for every request outside
// /_emulator/ whose front door did not publish one itself.
func (e *Emulator) recordRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_emulator/") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, claim := events.WithClaim(r.Context())
		rec := events.NewRecorder(w, r)
		r = r.WithContext(ctx)
		r.Body = rec.Body(r.Body)
		next.ServeHTTP(rec, r)
		if !claim.Claimed() {
			e.events.Publish(events.TopicRequest, rec.Request(r))
		}
	})
}

// Serve serves until Close; it returns nil after a clean shutdown.
func (e *Emulator) Serve() error {
	e.mu.Lock()
	srv, ln := e.srv, e.ln
	e.mu.Unlock()
	if srv == nil {
		return errors.New("emulator: Listen first")
	}
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Start listens and serves in the background.
func (e *Emulator) Start() error {
	if err := e.Listen(); err != nil {
		return err
	}
	go e.Serve()
	return nil
}

// Addr is the bound address (host:port).
func (e *Emulator) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		return e.opts.Listen
	}
	return e.ln.Addr().String()
}

// Endpoint is the base URL.
func (e *Emulator) Endpoint() string { return "http://" + e.Addr() }

// Close stops serving, stops the modules, closes the store and, for an
// ephemeral emulator, removes the data directory.
func (e *Emulator) Close(ctx context.Context) error {
	e.mu.Lock()
	srv := e.srv
	e.mu.Unlock()
	e.events.Close() // ends event streams, which Shutdown would wait for
	var errs []error
	if srv != nil {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
	errs = append(errs, e.closeModules())
	if e.db != nil {
		errs = append(errs, e.db.Close())
	}
	errs = append(errs, e.removeTemp())
	return errors.Join(errs...)
}

func (e *Emulator) closeModules() error {
	var errs []error
	for i := len(e.modules) - 1; i >= 0; i-- {
		errs = append(errs, e.modules[i].Close())
	}
	return errors.Join(errs...)
}

func (e *Emulator) removeTemp() error {
	if e.tempDir == "" {
		return nil
	}
	err := os.RemoveAll(e.tempDir)
	e.tempDir = ""
	return err
}

// sdkEnvReady answers SDK calls for unknown or initializing environments
// as the platform does.
func (e *Emulator) sdkEnvReady(env string) error {
	rec, err := e.envs.Get(env)
	if errors.Is(err, envs.ErrNotFound) {
		return sdkapi.Errorf(sdkapi.CodeInvalidEnv, "[100003] Param Invalid: env check invalid: the environment %s does not exist", env)
	}
	if err != nil {
		return err
	}
	if st := rec.Status(e.opts.Now()); st != "NORMAL" {
		return sdkapi.Errorf(sdkapi.CodeSystem, "the environment %s is %s", env, st)
	}
	return nil
}

func (e *Emulator) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":         "ok",
		"version":        e.opts.Version,
		"uptime_seconds": int64(e.opts.Now().Sub(e.started).Seconds()),
		"started_at":     e.started.UTC().Format(time.RFC3339),
		"auth":           map[bool]string{true: "lenient", false: "strict"}[e.opts.Lenient],
		// pid and data_dir identify this emulator to `tcb emulator stop`,
		// which signals a pid only when its health answer names it.
		"pid":       os.Getpid(),
		"data_dir":  e.opts.DataDir,
		"ephemeral": e.ephemeral,
	})
}

func (e *Emulator) handleState(w http.ResponseWriter, r *http.Request) {
	recs, err := e.envs.List()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	now := e.opts.Now()
	envList := make([]map[string]string, 0, len(recs))
	for _, rec := range recs {
		envList = append(envList, map[string]string{"env_id": rec.EnvID, "alias": rec.Alias, "status": rec.Status(now)})
	}
	state := map[string]any{
		"envs":          envList,
		"api_calls":     e.dispatcher.CallCounts(),
		"sdk_calls":     e.sdk.CallCounts(),
		"faults":        e.faults.List(),
		"data_dir":      e.opts.DataDir,
		"unimplemented": e.unimpl.List(),
	}
	for _, m := range e.modules {
		state[m.Name()] = m.State()
	}
	writeJSON(w, http.StatusOK, state)
}

func (e *Emulator) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := e.db.Reset(); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	e.faults.Clear()
	e.unimpl.Reset()
	for _, m := range e.modules {
		if err := m.Reset(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": m.Name() + ": " + err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func (e *Emulator) handleFaultsList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"faults": e.faults.List()})
}

// handleFaultsAdd accepts one rule object or an array of them.
func (e *Emulator) handleFaultsAdd(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	var rules []faults.Rule
	if err := json.Unmarshal(body, &rules); err != nil {
		var one faults.Rule
		if err2 := json.Unmarshal(body, &one); err2 != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "expected a fault rule object or an array of them: " + err2.Error()})
			return
		}
		rules = []faults.Rule{one}
	}
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("fault %d: %v", i, err)})
			return
		}
	}
	for _, rule := range rules {
		e.faults.Add(rule)
	}
	writeJSON(w, http.StatusOK, map[string]any{"faults": e.faults.List()})
}

func (e *Emulator) handleFaultsClear(w http.ResponseWriter, r *http.Request) {
	e.faults.Clear()
	writeJSON(w, http.StatusOK, map[string]any{"faults": []faults.Rule{}})
}

// Actions lists the API actions served, for docs and help.
func (e *Emulator) Actions() []string {
	a := e.dispatcher.Actions()
	sort.Strings(a)
	return a
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
