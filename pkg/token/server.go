package token

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ServerOptions configures NewServer. Manager, Apps and Keys are required.
type ServerOptions struct {
	Manager *Manager
	Apps    []string // appids served
	Keys    []string // accepted bearer keys (see CollectKeys)
	Logger  *slog.Logger
	// Poll: how often each app's snapshot is re-read from the store, so a
	// token refreshed by another replica (or by compare-and-refresh) is
	// picked up. Default 1 s.
	Poll time.Duration
	// RetryMin/RetryMax bound the refresher's backoff after a failed
	// refresh. Defaults 1 s and 60 s.
	RetryMin, RetryMax time.Duration
	// ReadyTimeout bounds the store ping of /readyz. Default 2 s.
	ReadyTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown in Serve. Default 10 s.
	ShutdownTimeout time.Duration
	// MaxBodyBytes limits request bodies. Default 64 KiB.
	MaxBodyBytes int64
}

// Server is the central token server: an http.Handler plus one background
// refresher per app. Routes:
//
//	GET  /v1/token?appid=ID        {"access_token","expires_in","expires_at","source"}
//	POST /v1/token/refresh         {"appid","stale_token"} -> same body (compare-and-refresh)
//	GET  /healthz                  liveness
//	GET  /readyz                   200 when the store answers and every app has a usable token, else 503 with reasons
//	GET  /metrics                  Prometheus text format
//
// /v1 needs "Authorization: Bearer <key>"; a key in the query string is
// refused. Tokens are served from an in-memory snapshot, never with a store
// round trip per request.
type Server struct {
	m       *Manager
	log     *slog.Logger
	apps    map[string]*appState
	order   []string
	keys    [][sha256.Size]byte
	metrics *metrics

	poll, retryMin, retryMax time.Duration
	readyTimeout, shutdown   time.Duration
	maxBody                  int64

	// storeWarnAt (manager clock, unix ns): the readiness probe's last
	// WARN about the store.
	storeWarnAt atomic.Int64

	startOnce sync.Once
	wg        sync.WaitGroup
}

// NewServer validates opts.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Manager == nil {
		return nil, errors.New("token: NewServer needs a Manager")
	}
	if len(o.Apps) == 0 {
		return nil, errors.New("token: NewServer needs at least one app")
	}
	if len(o.Keys) == 0 {
		return nil, errors.New("token: NewServer needs at least one bearer key")
	}
	s := &Server{m: o.Manager, log: o.Logger, apps: map[string]*appState{}, metrics: newMetrics(),
		poll: o.Poll, retryMin: o.RetryMin, retryMax: o.RetryMax,
		readyTimeout: o.ReadyTimeout, shutdown: o.ShutdownTimeout, maxBody: o.MaxBodyBytes}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, id := range o.Apps {
		if err := ValidAppID(id); err != nil {
			return nil, err
		}
		if _, dup := s.apps[id]; dup {
			continue
		}
		s.apps[id] = &appState{appid: id, kick: make(chan struct{}, 1)}
		s.order = append(s.order, id)
	}
	for _, k := range o.Keys {
		if err := checkKey(k); err != nil {
			return nil, fmt.Errorf("token: server key: %w", err)
		}
		s.keys = append(s.keys, sha256.Sum256([]byte(k)))
	}
	if s.poll <= 0 {
		s.poll = time.Second
	}
	if s.retryMin <= 0 {
		s.retryMin = time.Second
	}
	if s.retryMax < s.retryMin {
		s.retryMax = max(60*time.Second, s.retryMin)
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = 2 * time.Second
	}
	if s.shutdown <= 0 {
		s.shutdown = 10 * time.Second
	}
	if s.maxBody <= 0 {
		s.maxBody = 64 << 10
	}
	s.m.OnFetch(s.observeFetch)
	return s, nil
}

// authorized checks the Authorization header against every key in constant
// time (keys are compared as SHA-256 digests, so length leaks nothing).
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(h[7:])))
	ok := 0
	for i := range s.keys {
		ok |= subtle.ConstantTimeCompare(sum[:], s.keys[i][:])
	}
	return ok == 1
}

// Start launches the background refreshers; they stop when ctx ends (Wait
// waits for them). Calling Start more than once has no effect.
func (s *Server) Start(ctx context.Context) {
	s.startOnce.Do(func() {
		for _, id := range s.order {
			st := s.apps[id]
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.refresher(ctx, st)
			}()
		}
	})
}

// Wait blocks until the refreshers started by Start have exited.
func (s *Server) Wait() { s.wg.Wait() }

// NewHTTPServer wraps h in an http.Server with conservative timeouts.
func NewHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	if log != nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	return srv
}

// Serve starts the refreshers and serves HTTP on ln until ctx ends, then
// shuts down gracefully (in-flight requests finish, within
// ShutdownTimeout) and waits for the refreshers. It returns nil after a
// clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	rctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		s.Wait()
	}()
	s.Start(rctx)
	srv := NewHTTPServer(s, s.log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("token server listening", slog.String("addr", ln.Addr().String()), slog.Int("apps", len(s.order)))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdown)
	defer scancel()
	err := srv.Shutdown(sctx)
	<-errc
	s.log.Info("token server stopped")
	return err
}

// ListenAndServe listens on addr (host:port) and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}
