package wxapi

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Defaults of Options: the platform's real numbers.
const (
	DefaultTTL               = 7200 * time.Second
	DefaultOverlap           = 5 * time.Minute
	DefaultLegacyDailyQuota  = 2000
	DefaultStableDailyQuota  = 500000
	DefaultStableMinuteQuota = 10000
	DefaultForceSpacing      = 30 * time.Second
	DefaultForceDailyLimit   = 20
	// DefaultRetention: tokens are forgotten this long after they stopped
	// being valid (then they check as 40014).
	DefaultRetention = time.Hour
	// MaxBodyBytes caps a stable_token body.
	MaxBodyBytes = 64 << 10
)

// Options configure the module. Zero values mean the defaults.
type Options struct {
	// Apps maps appid to AppSecret. The emulator's demo app
	// (config.EmulatorWxAppID) is always added unless NoDemoApp is set or
	// Apps names it with another secret.
	Apps      map[string]string
	NoDemoApp bool
	// TTL is a token's lifetime (expires_in of a new token).
	TTL time.Duration
	// Overlap is how long a superseded cgi-bin/token token keeps working,
	// and the stable_token pre-rotation window. It must be below TTL.
	Overlap time.Duration
	// LegacyDailyQuota is the cgi-bin/token calls allowed per app per day;
	// negative means unlimited.
	LegacyDailyQuota int
	// StableDailyQuota and StableMinuteQuota limit stable_token calls per
	// app; negative means unlimited.
	StableDailyQuota  int
	StableMinuteQuota int
	// ForceSpacing and ForceDailyLimit are the force_refresh limits.
	ForceSpacing    time.Duration
	ForceDailyLimit int
	// Retention: how long a token is remembered after it stopped being
	// valid.
	Retention time.Duration
	// SecCheckBlockList is msg_sec_check's rule list; nil means
	// DefaultBlockList().
	SecCheckBlockList []BlockRule
}

func (o *Options) applyDefaults() error {
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.Overlap == 0 {
		// At most half the TTL, so a short TTL alone is enough.
		o.Overlap = min(DefaultOverlap, o.TTL/2)
	}
	if o.TTL < time.Second {
		return fmt.Errorf("token TTL %v is below 1s (expires_in is in whole seconds)", o.TTL)
	}
	if o.Overlap <= 0 || o.Overlap >= o.TTL {
		return fmt.Errorf("token overlap %v must be positive and below the TTL %v", o.Overlap, o.TTL)
	}
	if o.LegacyDailyQuota == 0 {
		o.LegacyDailyQuota = DefaultLegacyDailyQuota
	}
	if o.StableDailyQuota == 0 {
		o.StableDailyQuota = DefaultStableDailyQuota
	}
	if o.StableMinuteQuota == 0 {
		o.StableMinuteQuota = DefaultStableMinuteQuota
	}
	if o.ForceSpacing <= 0 {
		o.ForceSpacing = DefaultForceSpacing
	}
	if o.ForceDailyLimit <= 0 {
		o.ForceDailyLimit = DefaultForceDailyLimit
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	return nil
}

// ParseApp parses an "APPID:SECRET" flag value (tcb emulator start
// --wx-app). Errors never echo the secret.
func ParseApp(s string) (appid, secret string, err error) {
	appid, secret, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || appid == "" || secret == "" {
		return "", "", errors.New("expected APPID:SECRET")
	}
	if len(appid) > 64 || strings.ContainsAny(appid, " \t/\\:") {
		return "", "", fmt.Errorf("invalid appid %q", appid)
	}
	if len(secret) > 256 || strings.ContainsAny(secret, " \t\r\n") {
		return "", "", fmt.Errorf("invalid secret for %s (no spaces, at most 256 characters)", appid)
	}
	return appid, secret, nil
}

// Module is the emulator's WeChat token module.
type Module struct {
	opts    Options
	secrets map[string]string

	h   *emulator.Host
	log *slog.Logger
	now func() time.Time

	mu        sync.RWMutex
	tokens    map[string]*tokenRec // token -> record
	apps      map[string]*appState // appid -> state (apps that ever got a valid request)
	errs      map[int]int64        // errcode -> answers, all apps (not persisted)
	lastPrune time.Time

	oa *openAPI // the server APIs (openapi.go)
}

// New returns the module; Init validates the options.
func New(opts Options) *Module {
	m := &Module{opts: opts, secrets: map[string]string{}, oa: newOpenAPI(opts.SecCheckBlockList)}
	if !opts.NoDemoApp {
		m.secrets[config.EmulatorWxAppID] = config.EmulatorWxSecret
	}
	for id, s := range opts.Apps {
		m.secrets[id] = s
	}
	m.resetMemory()
	return m
}

func (m *Module) resetMemory() {
	m.tokens = map[string]*tokenRec{}
	m.apps = map[string]*appState{}
	m.errs = map[int]int64{}
	m.lastPrune = time.Time{}
}

// Name is "wechat": /_emulator/state shows the module under that key.
func (m *Module) Name() string { return "wechat" }

// Init validates the options, loads the persisted tokens and registers the
// handlers.
func (m *Module) Init(h *emulator.Host) error {
	if err := m.opts.applyDefaults(); err != nil {
		return err
	}
	m.h = h
	m.log = h.Logger
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.now = h.Now
	if m.now == nil {
		m.now = time.Now
	}
	if err := m.load(); err != nil {
		return err
	}
	h.Mux.HandleFunc(wechat.PathToken, m.handleToken)
	h.Mux.HandleFunc(wechat.PathStableToken, m.handleStableToken)
	h.Mux.HandleFunc("GET /_emulator/wechat/check", m.handleCheck)
	return m.initOpenAPI(h.Mux)
}

// Reset drops the in-memory state after the store was wiped.
func (m *Module) Reset() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resetMemory()
	m.oa.mu.Lock()
	m.oa.reset()
	m.oa.mu.Unlock()
	return nil
}

// Close has nothing to stop.
func (m *Module) Close() error { return nil }

// AppIDs lists the configured apps, sorted.
func (m *Module) AppIDs() []string {
	ids := make([]string, 0, len(m.secrets))
	for id := range m.secrets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AppState is one app's entry in /_emulator/state.
type AppState struct {
	Fetches     Fetches `json:"fetches"`
	ValidTokens int     `json:"valid_tokens"`
	// Today's counters (China time) against the quotas.
	LegacyToday       int `json:"legacy_calls_today"`
	StableToday       int `json:"stable_calls_today"`
	ForceRefreshToday int `json:"force_refreshes_today"`
}

// Fetches counts the answers that carried a token, by endpoint.
type Fetches struct {
	Token       int64 `json:"token"`
	StableToken int64 `json:"stable_token"`
}

// State is the module's summary for /_emulator/state.
type State struct {
	Apps           map[string]AppState `json:"apps"`
	Errors         map[string]int64    `json:"errors"` // errcode -> answers
	TTLSeconds     float64             `json:"token_ttl_seconds"`
	OverlapSeconds float64             `json:"token_overlap_seconds"`
	// OpenAPI is the server APIs' state: users, codes, subscribe messages.
	OpenAPI OpenAPIState `json:"openapi"`
}

// State implements emulator.Module.
func (m *Module) State() any {
	m.mu.RLock()
	defer m.mu.RUnlock()
	now := m.clock()
	day := chinatime.Day(now)
	st := State{Apps: map[string]AppState{}, Errors: map[string]int64{},
		TTLSeconds: m.opts.TTL.Seconds(), OverlapSeconds: m.opts.Overlap.Seconds()}
	for id := range m.secrets {
		st.Apps[id] = AppState{}
	}
	for id, a := range m.apps {
		as := AppState{Fetches: Fetches{Token: a.FetchesToken, StableToken: a.FetchesStable}}
		if a.Day == day {
			as.LegacyToday, as.StableToday = a.LegacyToday, a.StableToday
		}
		if a.ForceDay == day {
			as.ForceRefreshToday = a.ForceToday
		}
		st.Apps[id] = as
	}
	for _, t := range m.tokens {
		if t.code(now) == 0 {
			as := st.Apps[t.AppID]
			as.ValidTokens++
			st.Apps[t.AppID] = as
		}
	}
	for code, n := range m.errs {
		st.Errors[fmt.Sprint(code)] = n
	}
	st.OpenAPI = m.oa.state(now)
	return st
}

func (m *Module) clock() time.Time {
	if m.now == nil {
		return time.Now()
	}
	return m.now()
}
