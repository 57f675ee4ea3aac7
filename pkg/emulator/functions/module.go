package functions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

const (
	scfService = "scf"
	scfVersion = "2018-04-16"
)

// Defaults of Options.
const (
	DefaultInstallTimeout = 5 * time.Minute
	DefaultMaxLogRecords  = 5000
	// DefaultMaxLogBytes bounds the stored logs of one function.
	DefaultMaxLogBytes = 64 << 20
)

// Options configure the module. Zero values mean the defaults.
type Options struct {
	// NodePath is the node binary ("node" on PATH when empty).
	NodePath string
	// NpmPath is the npm binary; by default the npm next to node, else npm
	// on PATH.
	NpmPath string
	// MaxInstancesPerFunction and MaxInstances cap the warm node processes
	// (fnrun defaults: 4 and 16).
	MaxInstancesPerFunction int
	MaxInstances            int
	// IdleTimeout stops idle instances (fnrun default: 10 min).
	IdleTimeout time.Duration
	// WebIdleTimeout stops a web function's server no request has used
	// for this long on the emulator's clock (default 10 min; negative:
	// never).
	WebIdleTimeout time.Duration
	// SkipInstallDeps turns dependency installation off: functions with
	// InstallDependency "TRUE" are deployed without running npm (the
	// default, false, installs them).
	SkipInstallDeps bool
	// InstallScripts lets npm run the packages' install scripts (they are
	// skipped by default, see the package documentation).
	InstallScripts bool
	// InstallTimeout bounds one npm install (default 5 min).
	InstallTimeout time.Duration
	// MaxLogRecords is how many invocation logs are kept per function
	// (default 5000, the newest); MaxLogBytes bounds their total size
	// (default 64 MB).
	MaxLogRecords int
	MaxLogBytes   int64
	Logger        *slog.Logger
	// Tokens checks the access_tokens of /tcb/invokecloudfunction (the
	// WeChat module, pkg/emulator/wxapi); nil rejects every token (40014).
	Tokens wxhttp.TokenChecker
}

// Module is the scf emulator; New returns it and emulator.New plugs it in.
type Module struct {
	opts Options
	h    *emulator.Host
	log  *slog.Logger
	dir  string // <DataDir>/functions

	pool        atomic.Pointer[fnrun.Pool]
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	locks       keyedLocks
	installSem  chan struct{}
	invocations atomic.Int64
	npmRuns     atomic.Int64
	lastHost    atomic.Value // string
	sched       *scheduler
	warned      sync.Map // runtimes checked against the local node

	buildsMu sync.Mutex
	builds   map[string]*buildHandle // by namespace/name

	secretMu  sync.Mutex
	urlSecret []byte

	web      webServers   // web functions' own servers (webfn.go)
	logw     logWriter    // group commit of invocation logs (logwriter.go)
	recs     recordCache  // decoded records of the invocation doors (reccache.go)
	runtimes runtimeCache // what their versions run (reccache.go)
	creds    credCache    // temporary credentials of invocations (runtime.go)
}

// New returns the module.
func New(opts Options) *Module {
	if opts.InstallTimeout <= 0 {
		opts.InstallTimeout = DefaultInstallTimeout
	}
	if opts.MaxLogRecords <= 0 {
		opts.MaxLogRecords = DefaultMaxLogRecords
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = DefaultMaxLogBytes
	}
	return &Module{opts: opts, installSem: make(chan struct{}, 2), builds: map[string]*buildHandle{}}
}

// Name is the module's key in /_emulator/state.
func (m *Module) Name() string { return "functions" }

// Init registers the scf actions, the code download route and the env
// destruction hook, resumes unfinished builds and deletions, and starts the
// timer scheduler.
func (m *Module) Init(h *emulator.Host) error {
	m.h = h
	m.log = m.opts.Logger
	if m.log == nil {
		m.log = h.Logger
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m.dir = filepath.Join(h.Options.DataDir, "functions")
	for _, d := range []string{m.codeRoot(), m.depsRoot()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("functions dir: %w", err)
		}
	}
	m.removePartials()
	m.pool.Store(m.newPool())
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.sched = newScheduler(m)

	for action, fn := range map[string]capi.Handler{
		"CreateFunction":              m.createFunction,
		"UpdateFunctionCode":          m.updateFunctionCode,
		"UpdateFunctionConfiguration": m.updateFunctionConfiguration,
		"GetFunction":                 m.getFunction,
		"ListFunctions":               m.listFunctions,
		"DeleteFunction":              m.deleteFunction,
		"Invoke":                      m.invoke,
		"GetFunctionLogs":             m.getFunctionLogs,
		"GetFunctionAddress":          m.getFunctionAddress,
		"CreateTrigger":               m.createTrigger,
		"DeleteTrigger":               m.deleteTrigger,
		"ListTriggers":                m.listTriggers,
		"PublishVersion":              m.publishVersion,
		"ListVersionByFunction":       m.listVersionByFunction,
		"CreateAlias":                 m.createAlias,
		"UpdateAlias":                 m.updateAlias,
		"GetAlias":                    m.getAlias,
		"ListAliases":                 m.listAliases,
		"DeleteAlias":                 m.deleteAlias,
		"PublishLayerVersion":         m.publishLayerVersion,
		"ListLayers":                  m.listLayers,
		"ListLayerVersions":           m.listLayerVersions,
		"GetLayerVersion":             m.getLayerVersion,
		"DeleteLayerVersion":          m.deleteLayerVersion,
	} {
		h.Dispatcher.Register(scfService, scfVersion, action, m.wrap(fn))
	}
	h.Dispatcher.Register("tcb", "2018-06-08", "ListFunctions", m.wrap(m.tcbListFunctions))
	h.Dispatcher.Register("tcb", "2018-06-08", "SearchClsLog", m.wrap(m.searchClsLog))
	h.Dispatcher.Register(scfService, scfVersion, "InvokeFunction", m.wrap(m.invokeFunction))
	h.Dispatcher.Register(scfService, scfVersion, "ListNamespaces", m.wrap(m.listNamespaces))
	h.Dispatcher.Register(scfService, scfVersion, "GetFunctionEventInvokeConfig", m.wrap(m.getFunctionEventInvokeConfig))
	h.Dispatcher.Register(scfService, scfVersion, "BatchCreateTrigger", m.wrap(m.batchCreateTrigger))
	if h.SDK != nil {
		h.SDK.Register("functions.invokeFunction", m.sdkInvoke)
	}
	h.Mux.HandleFunc("GET "+codeRoute+"{ns}/{name}", m.serveCode)
	h.Mux.HandleFunc("GET "+layerRoute+"{name}/{version}", m.serveLayer)
	m.registerWeChat(h.Mux)
	h.Envs.OnDestroy(m.dropNamespace)

	if err := m.resume(); err != nil {
		return err
	}
	m.wg.Add(2)
	go func() {
		defer m.wg.Done()
		m.sched.run(m.ctx)
	}()
	go func() {
		defer m.wg.Done()
		m.runWebReaper(m.ctx)
	}()
	return nil
}

func (m *Module) newPool() *fnrun.Pool {
	return fnrun.NewPool(fnrun.PoolOptions{
		NodePath:                m.opts.NodePath,
		MaxInstancesPerFunction: m.opts.MaxInstancesPerFunction,
		MaxInstances:            m.opts.MaxInstances,
		IdleTimeout:             m.opts.IdleTimeout,
	})
}

// wrap remembers the Host header the clients use (timer invocations tell
// functions where the emulator is with it).
func (m *Module) wrap(fn capi.Handler) capi.Handler {
	return func(ctx context.Context, c *capi.Call) (any, error) {
		if c.Host != "" {
			m.lastHost.Store(c.Host)
		}
		return fn(ctx, c)
	}
}

// resume restarts the builds and deletions a previous run left unfinished
// and loads the timer triggers.
func (m *Module) resume() error {
	var builds, purges []*record
	err := m.h.DB.View(func(tx *store.Tx) error {
		return allRecordsTx(tx, func(r *record) error {
			switch {
			case r.State == stateDeleting:
				purges = append(purges, r)
			case r.Building:
				builds = append(builds, r)
			default:
				m.sched.setFunction(r)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("functions: loading records: %w", err)
	}
	for _, r := range purges {
		m.sched.addPurge(r.Namespace, r.Name, r.FunctionID, r.ReadyAt)
	}
	for _, r := range builds {
		m.sched.setFunction(r)
		m.startBuild(r.Namespace, r.Name, r.BuildID)
	}
	return nil
}

// State is the module's summary for /_emulator/state.
func (m *Module) State() any {
	now := m.now()
	type nsState struct {
		Functions int            `json:"functions"`
		ByStatus  map[string]int `json:"by_status"`
		Triggers  int            `json:"triggers"`
	}
	byNS := map[string]*nsState{}
	count := 0
	m.h.DB.View(func(tx *store.Tx) error {
		return allRecordsTx(tx, func(r *record) error {
			if !r.visible(now) {
				return nil
			}
			s := byNS[r.Namespace]
			if s == nil {
				s = &nsState{ByStatus: map[string]int{}}
				byNS[r.Namespace] = s
			}
			s.Functions++
			s.ByStatus[r.status(now)]++
			s.Triggers += len(r.Triggers)
			count++
			return nil
		})
	})
	st := m.pool.Load().Stats()
	node, _ := m.pool.Load().NodeVersion(context.Background())
	return map[string]any{
		"node":         node,
		"containment":  m.pool.Load().Containment(),
		"count":        count,
		"invocations":  m.invocations.Load(),
		"instances":    map[string]int{"total": st.Instances, "idle": st.Idle},
		"timers":       m.sched.timerCount(),
		"builds":       m.buildCount(),
		"npm_installs": m.npmRuns.Load(),
		"by_namespace": byNS,
	}
}

// Reset stops every instance, build and timer and forgets in-memory state
// (the host has wiped the store). The dependency cache is kept.
func (m *Module) Reset() error {
	m.cancelBuilds("")
	m.sched.clear()
	m.stopWeb()
	old := m.pool.Swap(m.newPool())
	old.Close()
	m.invocations.Store(0)
	m.secretMu.Lock()
	m.urlSecret = nil
	m.secretMu.Unlock()
	entries, _ := os.ReadDir(m.codeRoot())
	for _, e := range entries {
		unlock := m.locks.lock("code:" + strings.SplitN(e.Name(), ".", 2)[0])
		os.RemoveAll(filepath.Join(m.codeRoot(), e.Name()))
		unlock()
	}
	return nil
}

// Close stops the scheduler, the builds (npm is killed; unfinished builds
// resume on the next start) and every node process.
func (m *Module) Close() error {
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		m.log.Warn("functions: background work did not stop within 15 s")
	}
	m.stopWeb()
	return m.pool.Load().Close()
}

func (m *Module) now() time.Time { return m.h.Now() }

func (m *Module) latency() time.Duration { return m.h.Options.Latency }

func (m *Module) codeRoot() string { return filepath.Join(m.dir, "code") }
func (m *Module) depsRoot() string { return filepath.Join(m.dir, "deps") }

// namespace resolves and checks the request's namespace.
func (m *Module) namespace(ns string) (string, error) {
	if ns == "" {
		ns = defaultNamespace
	}
	if _, err := m.h.Envs.Ready(ns, "ResourceNotFound.Namespace"); err != nil {
		var ae *capi.Error
		if errors.As(err, &ae) && ae.Code == "ResourceUnavailable" {
			return "", capi.Errorf("ResourceUnavailable.Namespace", "%s", ae.Message)
		}
		return "", err
	}
	return ns, nil
}

func errFunctionNotFound(ns, name string) error {
	return capi.Errorf("ResourceNotFound.FunctionName", "The function %s does not exist in namespace %s.", name, ns)
}

// decodeFunctionRequest decodes the call into req, an action's request
// about one function, and checks the namespace and function name it names
// (ns and name point at those fields of req). It returns the namespace.
func (m *Module) decodeFunctionRequest(c *capi.Call, req any, ns, name *string) (string, error) {
	if err := c.Decode(req); err != nil {
		return "", err
	}
	namespace, err := m.namespace(*ns)
	if err != nil {
		return "", err
	}
	if err := requireName(*name); err != nil {
		return "", err
	}
	return namespace, nil
}

// emptyResponse answers an action whose response is only its RequestId.
func emptyResponse(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}

func requireName(name string) error {
	if name == "" {
		return capi.Errorf("MissingParameter", "The parameter FunctionName is required.")
	}
	return nil
}

// visibleRecordTx reads a record that exists for the API.
func (m *Module) visibleRecordTx(tx *store.Tx, ns, name string) (*record, error) {
	rec, err := getRecordTx(tx, ns, name)
	if err != nil {
		return nil, err
	}
	if rec == nil || !rec.visible(m.now()) {
		return nil, errFunctionNotFound(ns, name)
	}
	return rec, nil
}

// lookup reads a visible record.
func (m *Module) lookup(ns, name string) (*record, error) {
	var rec *record
	err := m.h.DB.View(func(tx *store.Tx) error {
		var err error
		rec, err = m.visibleRecordTx(tx, ns, name)
		return err
	})
	return rec, err
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// host is where functions reach the emulator: the caller's Host header,
// else the last one any client used, else the configured listen address.
func (m *Module) host(callHost, stored string) string {
	if callHost != "" {
		return callHost
	}
	if h, _ := m.lastHost.Load().(string); h != "" {
		return h
	}
	if stored != "" {
		return stored
	}
	return m.h.Options.Listen
}
