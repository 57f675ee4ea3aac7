package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// WxTokenOptions configures WxToken. Zero values mean WeChat's real numbers.
type WxTokenOptions struct {
	TTL          time.Duration    // token lifetime; default 7200 s
	Overlap      time.Duration    // cgi-bin/token: old token stays valid this long after a new one is minted; default 5 min
	StableWindow time.Duration    // stable_token: a normal call within this window before expiry mints the next token; default 5 min
	ForceSpacing time.Duration    // stable_token force_refresh: minimum spacing, otherwise no refresh; default 30 s
	ForceDaily   int              // stable_token force_refresh per day; default 20
	LegacyDaily  int              // cgi-bin/token calls per day before 45009; 0 = unlimited
	Latency      time.Duration    // added to every token call
	Now          func() time.Time // clock; default time.Now
}

// WxStats counts calls seen by WxToken.
type WxStats struct {
	Legacy int // cgi-bin/token calls answered (including errors)
	Stable int // stable_token calls answered (including errors)
	Force  int // stable_token calls with force_refresh=true
	Minted int // tokens created
	Faults int // injected errors served
}

// WxToken is an httptest double of WeChat's token endpoints with their real
// semantics: cgi-bin/token mints a new token per call and cuts the previous
// one's life to the overlap; normal stable_token is idempotent until the
// pre-rotation window; force_refresh invalidates at once, but only 30 s
// apart and 20 times a day. Any /tcb/* path answers {"errcode":0} for a
// valid token and 40014/42001 otherwise, so stale-token handling can be
// tested. It is a test double: end-to-end tests use the real emulator.
type WxToken struct {
	URL string

	srv  *httptest.Server
	opts WxTokenOptions

	mu        sync.Mutex
	secrets   map[string]string // appid -> secret
	tokens    map[string]*wxTok
	legacyCur map[string]string
	stableCur map[string]string
	lastForce map[string]time.Time
	forceDay  map[string]string
	forceN    map[string]int
	legacyN   map[string]int
	faults    []int
	stats     WxStats
}

type wxTok struct {
	appid   string
	expires time.Time
}

// NewWxToken starts the double; it is closed when the test ends.
func NewWxToken(t testing.TB, opts WxTokenOptions) *WxToken {
	t.Helper()
	if opts.TTL <= 0 {
		opts.TTL = 7200 * time.Second
	}
	if opts.Overlap <= 0 {
		opts.Overlap = 5 * time.Minute
	}
	if opts.StableWindow <= 0 {
		opts.StableWindow = 5 * time.Minute
	}
	if opts.ForceSpacing <= 0 {
		opts.ForceSpacing = 30 * time.Second
	}
	if opts.ForceDaily <= 0 {
		opts.ForceDaily = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &WxToken{
		opts:      opts,
		secrets:   map[string]string{},
		tokens:    map[string]*wxTok{},
		legacyCur: map[string]string{},
		stableCur: map[string]string{},
		lastForce: map[string]time.Time{},
		forceDay:  map[string]string{},
		forceN:    map[string]int{},
		legacyN:   map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// Close stops the server early (to simulate an unreachable upstream).
func (f *WxToken) Close() { f.srv.Close() }

// AddApp registers an app.
func (f *WxToken) AddApp(appid, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[appid] = secret
}

// FailNext makes the next n token calls answer errcode code.
func (f *WxToken) FailNext(n, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.faults = append(f.faults, code)
	}
}

// Stats returns the counters.
func (f *WxToken) Stats() WxStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// Valid reports whether tok is currently accepted by the double.
func (f *WxToken) Valid(tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[tok]
	return ok && f.opts.Now().Before(t.expires)
}

// Expires returns the real expiry of tok (zero if unknown).
func (f *WxToken) Expires(tok string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tokens[tok]; ok {
		return t.expires
	}
	return time.Time{}
}

func (f *WxToken) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/cgi-bin/token":
		f.sleep()
		if r.Method != http.MethodGet {
			writeWx(w, map[string]any{"errcode": 43002, "errmsg": "require GET method"})
			return
		}
		q := r.URL.Query()
		writeWx(w, f.legacy(q.Get("grant_type"), q.Get("appid"), q.Get("secret")))
	case r.URL.Path == "/cgi-bin/stable_token":
		f.sleep()
		if r.Method != http.MethodPost {
			writeWx(w, map[string]any{"errcode": 43002, "errmsg": "require POST method"})
			return
		}
		var req struct {
			GrantType    string `json:"grant_type"`
			AppID        string `json:"appid"`
			Secret       string `json:"secret"`
			ForceRefresh bool   `json:"force_refresh"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeWx(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
			return
		}
		writeWx(w, f.stable(req.GrantType, req.AppID, req.Secret, req.ForceRefresh))
	case strings.HasPrefix(r.URL.Path, "/tcb/"):
		writeWx(w, f.business(r.URL.Query().Get("access_token")))
	default:
		http.NotFound(w, r)
	}
}

func (f *WxToken) sleep() {
	if f.opts.Latency > 0 {
		time.Sleep(f.opts.Latency)
	}
}

func writeWx(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func wxErr(code int, msg string) map[string]any {
	return map[string]any{"errcode": code, "errmsg": msg + " rid: " + randHex(4) + "-" + randHex(4)}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkLocked validates credentials and consumes injected faults.
func (f *WxToken) checkLocked(grant, appid, secret string, badSecretCode int) map[string]any {
	if len(f.faults) > 0 {
		code := f.faults[0]
		f.faults = f.faults[1:]
		f.stats.Faults++
		return wxErr(code, "injected error")
	}
	switch {
	case grant != "client_credential":
		return wxErr(40002, "invalid grant_type")
	case appid == "":
		return wxErr(41002, "appid missing")
	case secret == "":
		return wxErr(41004, "appsecret missing")
	}
	want, ok := f.secrets[appid]
	if !ok {
		return wxErr(40013, "invalid appid")
	}
	if secret != want {
		return wxErr(badSecretCode, "invalid appsecret")
	}
	return nil
}

func (f *WxToken) mintLocked(appid string, now time.Time) string {
	tok := "TOK" + randHex(24)
	f.tokens[tok] = &wxTok{appid: appid, expires: now.Add(f.opts.TTL)}
	f.stats.Minted++
	return tok
}

func expiresIn(d time.Duration) int {
	s := int(d / time.Second) // floor: never promise more than the real life
	if s < 1 {
		s = 1
	}
	return s
}

func (f *WxToken) legacy(grant, appid, secret string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Legacy++
	if e := f.checkLocked(grant, appid, secret, 40001); e != nil {
		return e
	}
	now := f.opts.Now()
	if f.opts.LegacyDaily > 0 {
		if f.legacyN[appid] >= f.opts.LegacyDaily {
			return wxErr(45009, "reach max api daily quota limit")
		}
		f.legacyN[appid]++
	}
	if old, ok := f.tokens[f.legacyCur[appid]]; ok {
		if cut := now.Add(f.opts.Overlap); cut.Before(old.expires) {
			old.expires = cut
		}
	}
	tok := f.mintLocked(appid, now)
	f.legacyCur[appid] = tok
	return map[string]any{"access_token": tok, "expires_in": expiresIn(f.opts.TTL)}
}

func (f *WxToken) stable(grant, appid, secret string, force bool) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Stable++
	if force {
		f.stats.Force++
	}
	if e := f.checkLocked(grant, appid, secret, 40125); e != nil {
		return e
	}
	now := f.opts.Now()
	cur, ok := f.tokens[f.stableCur[appid]]
	if ok && !now.Before(cur.expires) {
		ok = false
	}
	if force {
		day := now.UTC().Add(8 * time.Hour).Format("2006-01-02")
		if f.forceDay[appid] != day {
			f.forceDay[appid], f.forceN[appid] = day, 0
		}
		switch {
		case f.forceN[appid] >= f.opts.ForceDaily:
			return wxErr(45009, "reach max api daily quota limit")
		case ok && now.Sub(f.lastForce[appid]) < f.opts.ForceSpacing:
			// Too soon: WeChat does not refresh; answer the current token.
			return map[string]any{"access_token": f.stableCur[appid], "expires_in": expiresIn(cur.expires.Sub(now))}
		}
		f.forceN[appid]++
		f.lastForce[appid] = now
		if ok {
			cur.expires = now // invalidated at once
		}
		tok := f.mintLocked(appid, now)
		f.stableCur[appid] = tok
		return map[string]any{"access_token": tok, "expires_in": expiresIn(f.opts.TTL)}
	}
	if ok && cur.expires.Sub(now) > f.opts.StableWindow {
		return map[string]any{"access_token": f.stableCur[appid], "expires_in": expiresIn(cur.expires.Sub(now))}
	}
	// Within the pre-rotation window (or no token): mint the next one; the
	// old one keeps its remaining life.
	tok := f.mintLocked(appid, now)
	f.stableCur[appid] = tok
	return map[string]any{"access_token": tok, "expires_in": expiresIn(f.opts.TTL)}
}

func (f *WxToken) business(tok string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tok == "" {
		return wxErr(41001, "access_token missing")
	}
	t, ok := f.tokens[tok]
	if !ok {
		return wxErr(40014, "invalid access_token")
	}
	if !f.opts.Now().Before(t.expires) {
		return wxErr(42001, "access_token expired")
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "count": 1}
}

// String describes the double (for test logs).
func (f *WxToken) String() string {
	s := f.Stats()
	return fmt.Sprintf("WxToken{legacy=%d stable=%d force=%d minted=%d faults=%d}", s.Legacy, s.Stable, s.Force, s.Minted, s.Faults)
}
