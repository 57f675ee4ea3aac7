// Package console is the emulator's web console (an emulator.Module named
// "console"), served at /_emulator/ui/ on the emulator's own port: an
// overview of the environments and what they hold, functions (detail, code,
// invoke, live logs), the document database (browse page by page, run a
// statement beside its explain form, add, edit, delete, import, export),
// WeChat tokens as a timeline with the subscribe messages and injected
// faults, and a live log of API requests.
//
// # Assets
//
// Plain HTML, CSS and JavaScript in assets/, embedded with go:embed: no
// build step, nothing fetched from elsewhere, works offline. The page
// follows the system's light or dark scheme (or the one picked in the top
// bar), is driven by the keyboard as well as the mouse (g o/f/d/w/r, /, ?),
// and uses system fonts with CJK fallbacks.
//
// # How it reads and changes state
//
// Only through the other modules' public doors, called in-process with the
// host's whole handler (Host.Handler, module routers included): the
// Tencent Cloud API signed with the development keys (pkg/cloudapi with a
// transport that serves the request in this process, and pkg/database's
// API backend for documents), the COS XML API of each env's storage and
// hosting buckets (cos-go-sdk-v5, the same keys; objects are streamed, not
// buffered), /_emulator/state, /_emulator/faults and
// /_emulator/wechat/messages, and the WeChat module's Timeline
// (Options.WeChat). Its own calls are real API calls:
// they appear in the request log with the user agent "tcb-console", which
// the page hides unless asked. Live views follow the host's event bus
// (pkg/emulator/events) over one server-sent event stream that carries only
// what is new since the sequence number the page last saw; a page that fell
// behind what the rings hold is told so ("gap") and reloads its view.
//
// Storage pages appear when a module reports buckets in /_emulator/state
// (pkg/emulator/cos).
//
// # Security
//
// The console has the emulator's origin, so the host's checks apply (Host
// and Origin must name the emulator: no DNS rebinding). On top of them:
//   - every call under /_emulator/ui/api/ needs the header
//     X-TCB-Console-Token with a random token made at start and written
//     into the index page, which pages of other origins cannot read (no
//     CORS headers anywhere, frame-ancestors 'none'); the event stream is
//     read with fetch so it carries the header too;
//   - a call with an Origin other than the emulator's own, or with
//     Sec-Fetch-Site other than same-origin, is refused before the token
//     is looked at;
//   - answers never carry a secret: SecretIds are masked, access_tokens
//     shortened, request and response bodies masked
//     (events.Request.Redacted), and function environment variables whose
//     names look secret hidden.
//
// # Budgets
//
// The overview is one in-process /_emulator/state call plus the request
// ring (no scan of documents). Documents are browsed with QUERY skip/limit
// in _id order, the engine's pagination; counts come from the engine's
// count. The log and request views are virtualised lists fed by deltas.
package console

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

// Path is where the console is served.
const Path = "/_emulator/ui/"

// TokenHeader carries the console token on API calls.
const TokenHeader = "X-TCB-Console-Token"

// UserAgent marks the console's own in-process API calls.
const UserAgent = "tcb-console"

//go:embed assets
var assets embed.FS

// Timeliner gives the WeChat token timeline (the wxapi module).
type Timeliner interface {
	Timeline() wxapi.Timeline
}

// Options configure the console.
type Options struct {
	// WeChat is the WeChat module, for token timelines (nil: no tokens).
	WeChat Timeliner
	Logger *slog.Logger
}

// Module is the web console.
type Module struct {
	opts   Options
	h      *emulator.Host
	token  string
	static fs.FS
	index  string // index.html with the token placeholder

	clientMu sync.Mutex
	client   *cloudapi.Client
	started  time.Time
}

// New returns the console module.
func New(opts Options) *Module {
	return &Module{opts: opts}
}

// Name is "console".
func (m *Module) Name() string { return "console" }

// Init makes the start's token and registers the routes.
func (m *Module) Init(h *emulator.Host) error {
	m.h = h
	if m.opts.Logger == nil {
		m.opts.Logger = h.Logger
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	m.token = hex.EncodeToString(b[:])
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return err
	}
	m.static = sub
	idx, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		return err
	}
	m.index = string(idx)
	m.started = h.Now()

	h.Mux.HandleFunc("GET /_emulator/ui", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Path, http.StatusMovedPermanently)
	})
	h.Mux.HandleFunc("GET "+Path+"{$}", m.serveIndex)
	h.Mux.HandleFunc("GET "+Path+"assets/{file}", m.serveAsset)
	h.Mux.Handle(Path+"api/", m.guard(m.apiMux()))
	return nil
}

// State is the console's entry in /_emulator/state.
func (m *Module) State() any { return map[string]any{"path": Path} }

// Reset has nothing to drop.
func (m *Module) Reset() error { return nil }

// Close has nothing to stop (event streams end with the host's bus).
func (m *Module) Close() error { return nil }

// securityHeaders are set on every console answer.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (m *Module) serveIndex(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page := strings.Replace(m.index, "{{TOKEN}}", html.EscapeString(m.token), 1)
	w.Write([]byte(page))
}

func (m *Module) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(m.static, name)
	if err != nil || name == "index.html" {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w)
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Write(b)
}

// guard refuses calls that do not come from the console page.
func (m *Module) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			apiError(w, http.StatusForbidden, "the console answers only its own page (origin "+o+" refused)")
			return
		}
		if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
			apiError(w, http.StatusForbidden, "the console answers only its own page (cross-site request refused)")
			return
		}
		got := r.Header.Get(TokenHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(m.token)) != 1 {
			apiError(w, http.StatusForbidden, "missing or wrong console token: reload the console page (the token changes at every start)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]string{"error": "encoding the answer failed: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
