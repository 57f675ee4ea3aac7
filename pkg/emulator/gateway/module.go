package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Functions is what the gateway needs of the functions module
// (*functions.Module): one door for event functions, one for web functions.
type Functions interface {
	Web(env, name string) (bool, error)
	Run(ctx context.Context, req functions.RunRequest) (*functions.RunResult, error)
	WebFunction(ctx context.Context, req functions.WebRequest) (*functions.WebBackend, error)
}

// Options configure the module.
type Options struct {
	// Functions runs the functions the paths name; nil answers every
	// request with ENV_FEATURE_NOT_CONFIGURED.
	Functions Functions
	Logger    *slog.Logger
}

// Module is the HTTP access service.
type Module struct {
	opts Options
	h    *emulator.Host
	log  *slog.Logger

	mu     sync.RWMutex
	tables map[string]*table // by env, built from the store on first use

	requests atomic.Int64
	errors   atomic.Int64
}

// New returns the module.
func New(opts Options) *Module {
	return &Module{opts: opts, tables: map[string]*table{}}
}

// Name is the module's key in /_emulator/state.
func (m *Module) Name() string { return "gateway" }

// Init registers the actions and the two doors of the service.
func (m *Module) Init(h *emulator.Host) error {
	m.h = h
	m.log = m.opts.Logger
	if m.log == nil {
		m.log = h.Logger
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m.registerActions(h.Dispatcher)
	if h.Route != nil {
		h.Route(m.route)
	}
	h.Envs.OnDestroy(m.dropEnv)
	return nil
}

// State reports the paths per environment and the traffic counters.
func (m *Module) State() any {
	perEnv := map[string]int{}
	m.h.DB.View(func(tx *store.Tx) error {
		root := tx.Raw().Bucket([]byte(bucketAPIs))
		if root == nil {
			return nil
		}
		return root.ForEach(func(k, v []byte) error {
			if v == nil {
				n, _ := tx.Count(bucketAPIs, string(k))
				perEnv[string(k)] = n
			}
			return nil
		})
	})
	return map[string]any{"paths": perEnv, "requests": m.requests.Load(), "errors": m.errors.Load()}
}

// Reset forgets the cached route tables (the host wiped the store).
func (m *Module) Reset() error {
	m.mu.Lock()
	m.tables = map[string]*table{}
	m.mu.Unlock()
	m.requests.Store(0)
	m.errors.Store(0)
	return nil
}

// Close has nothing to stop.
func (m *Module) Close() error { return nil }

func (m *Module) now() time.Time { return m.h.Now() }

// Store layout.
const (
	bucketAPIs = "gw_apis" // <env>/<APIId> -> apiRecord
	bucketEnv  = "gw_env"  // <env> -> envState
)

// apiRecord is an access path as stored.
type apiRecord struct {
	APIId      string    `json:"api_id"`
	Path       string    `json:"path"`
	Type       int64     `json:"type"`
	Name       string    `json:"name"`
	Domain     string    `json:"domain,omitempty"`
	EnableAuth bool      `json:"enable_auth,omitempty"`
	Created    time.Time `json:"created"`
}

// envState holds an environment's switches and custom domains.
type envState struct {
	// Disabled is the service switch (on unless switched off).
	Disabled   bool          `json:"disabled,omitempty"`
	EnableAuth bool          `json:"enable_auth,omitempty"`
	Domains    []domainState `json:"domains,omitempty"`
}

type domainState struct {
	Domain string    `json:"domain"`
	CertID string    `json:"cert_id,omitempty"`
	Opened time.Time `json:"opened"`
}

// table is an environment's routing state.
type table struct {
	env      string
	disabled bool
	routes   []route // longest path first
}

type route struct {
	path string // "/" or "/a/b" (no trailing slash)
	api  apiRecord
}

// match returns the route with the longest prefix of p (a cleaned path).
func (t *table) match(p string) (*route, bool) {
	for i := range t.routes {
		r := &t.routes[i]
		if r.path == "/" || p == r.path || strings.HasPrefix(p, r.path+"/") {
			return r, true
		}
	}
	return nil, false
}

func (m *Module) loadEnvTx(tx *store.Tx, env string) (envState, []apiRecord, error) {
	var st envState
	if _, err := tx.Get([]string{bucketEnv}, env, &st); err != nil {
		return st, nil, err
	}
	var apis []apiRecord
	err := tx.ForEach([]string{bucketAPIs, env}, func(_ string, raw []byte) error {
		var a apiRecord
		if err := jsonUnmarshal(raw, &a); err != nil {
			return err
		}
		apis = append(apis, a)
		return nil
	})
	sort.Slice(apis, func(i, j int) bool {
		if !apis[i].Created.Equal(apis[j].Created) {
			return apis[i].Created.Before(apis[j].Created)
		}
		return apis[i].Path < apis[j].Path
	})
	return st, apis, err
}

// tableFor returns env's cached routing table, building it from the store;
// nil when the environment does not exist.
func (m *Module) tableFor(env string) (*table, error) {
	m.mu.RLock()
	t := m.tables[env]
	m.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	if _, err := m.h.Envs.Get(env); err != nil {
		return nil, nil
	}
	var st envState
	var apis []apiRecord
	if err := m.h.DB.View(func(tx *store.Tx) error {
		var err error
		st, apis, err = m.loadEnvTx(tx, env)
		return err
	}); err != nil {
		return nil, err
	}
	t = &table{env: env, disabled: st.Disabled}
	for _, a := range apis {
		t.routes = append(t.routes, route{path: a.Path, api: a})
	}
	sort.SliceStable(t.routes, func(i, j int) bool { return len(t.routes[i].path) > len(t.routes[j].path) })
	m.mu.Lock()
	m.tables[env] = t
	m.mu.Unlock()
	return t, nil
}

// invalidate drops env's cached table after a change.
func (m *Module) invalidate(env string) {
	m.mu.Lock()
	delete(m.tables, env)
	m.mu.Unlock()
}

// dropEnv removes a destroyed environment's paths and state.
func (m *Module) dropEnv(env string) error {
	defer m.invalidate(env)
	return m.h.DB.Update(func(tx *store.Tx) error {
		if err := tx.DeleteBucket(bucketAPIs, env); err != nil {
			return err
		}
		return tx.Delete([]string{bucketEnv}, env)
	})
}

// envByDomain finds the environment a bound custom domain belongs to.
func (m *Module) envByDomain(host string) string {
	var env string
	m.h.DB.View(func(tx *store.Tx) error {
		return tx.ForEach([]string{bucketEnv}, func(k string, raw []byte) error {
			var st envState
			if jsonUnmarshal(raw, &st) != nil {
				return nil
			}
			for _, d := range st.Domains {
				if strings.EqualFold(d.Domain, host) {
					env = k
					return errStop
				}
			}
			return nil
		})
	})
	return env
}

var errStop = errors.New("stop")

// ServiceHost is the host name of env's service origin.
func ServiceHost(env string) string { return env + ".service.localhost" }

// ServiceURL is env's service origin for an emulator listening on addr
// (host:port), without a trailing slash.
func ServiceURL(env, addr string) string {
	port := addr
	if _, p, err := net.SplitHostPort(addr); err == nil {
		port = p
	}
	return "http://" + ServiceHost(env) + ":" + port
}

// PathPrefix is the path form of the service: /_service/<envId>/<path>.
const PathPrefix = "/_service/"

// route claims the requests of the service's origins and of the path form.
func (m *Module) route(r *http.Request) http.Handler {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if env, ok := strings.CutSuffix(host, ".service.localhost"); ok && env != "" && !strings.Contains(env, ".") {
		return m.handler(env, r.URL.Path, r.URL.EscapedPath())
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, PathPrefix); ok {
		env, p, _ := strings.Cut(rest, "/")
		if env == "" {
			return nil
		}
		return m.handler(env, "/"+p, "")
	}
	if net.ParseIP(host) == nil && host != "localhost" && !strings.HasSuffix(host, ".localhost") && host != "" {
		if env := m.envByDomain(host); env != "" {
			return m.handler(env, r.URL.Path, r.URL.EscapedPath())
		}
	}
	return nil
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
