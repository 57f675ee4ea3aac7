package token

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// ErrorBody is the JSON of every error answer of the server.
type ErrorBody struct {
	Error   string `json:"error"`             // machine code, e.g. "unauthorized"
	Message string `json:"message"`           // human explanation
	ErrCode int    `json:"errcode,omitempty"` // WeChat errcode behind an upstream failure
	RID     string `json:"rid,omitempty"`     // WeChat rid behind an upstream failure
}

// TokenBody is the JSON answer of /v1/token and /v1/token/refresh.
type TokenBody struct {
	AccessToken string    `json:"access_token"`
	ExpiresIn   int64     `json:"expires_in"` // seconds left when served
	ExpiresAt   time.Time `json:"expires_at"`
	Source      string    `json:"source,omitempty"`
}

// RefreshBody is the JSON request of /v1/token/refresh.
type RefreshBody struct {
	AppID      string `json:"appid"`
	StaleToken string `json:"stale_token"`
}

// Shared header values: assigned, never mutated, so the hot path does not
// allocate for them.
var (
	hdrJSON    = []string{"application/json"}
	hdrNoStore = []string{"no-store"}
	hdrText    = []string{"text/plain; version=0.0.4; charset=utf-8"}
	hdrNosniff = []string{"nosniff"}
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	route := routeOther
	switch r.URL.Path {
	case "/v1/token":
		route = routeToken
	case "/v1/token/refresh":
		route = routeRefresh
	case "/healthz":
		route = routeHealth
	case "/readyz":
		route = routeReady
	case "/metrics":
		route = routeMetrics
	}
	sw := statusWriter{ResponseWriter: w}
	s.serve(&sw, r, route)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	s.metrics.request(route, sw.status)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
			slog.String("route", routeNames[route]), slog.String("method", r.Method),
			slog.Int("status", sw.status), slog.Duration("took", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	}
}

func (s *Server) serve(w *statusWriter, r *http.Request, route int) {
	h := w.Header()
	h["X-Content-Type-Options"] = hdrNosniff
	switch route {
	case routeHealth:
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		h["Content-Type"] = hdrJSON
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
		return
	case routeReady:
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		s.serveReady(w, r)
		return
	case routeMetrics:
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		h["Content-Type"] = hdrText
		_ = s.writeMetrics(w)
		return
	}
	if route == routeOther && !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint", nil)
		return
	}
	// Everything under /v1 is authenticated.
	if hasQueryCredential(r.URL.RawQuery) {
		h["Www-Authenticate"] = []string{`Bearer realm="tcb-token"`}
		writeError(w, http.StatusUnauthorized, "unauthorized",
			"credentials in the query string are not accepted; send Authorization: Bearer <key>", nil)
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "rejected a request with a credential in the query string",
			slog.String("remote", r.RemoteAddr))
		return
	}
	if !s.authorized(r) {
		h["Www-Authenticate"] = []string{`Bearer realm="tcb-token"`}
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid bearer key (Authorization: Bearer <key>)", nil)
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "unauthorized request",
			slog.String("route", r.URL.Path), slog.String("remote", r.RemoteAddr))
		return
	}
	switch route {
	case routeToken:
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		s.serveToken(w, r)
	case routeRefresh:
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		s.serveRefresh(w, r)
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint", nil)
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m {
		return true
	}
	w.Header()["Allow"] = []string{m}
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+m, nil)
	return false
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	appid, ok := queryParam(r.URL.RawQuery, "appid")
	if !ok || appid == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "missing appid query parameter", nil)
		return
	}
	st := s.apps[appid]
	if st == nil {
		writeError(w, http.StatusNotFound, "unknown_app", "this server does not manage that appid", nil)
		return
	}
	now := s.m.Now()
	sn := st.snap.Load()
	if sn == nil || !s.m.Usable(sn.rec, now) {
		rec, err := s.tokenNow(r.Context(), st, now)
		if err != nil {
			s.writeUpstreamError(w, r, appid, err)
			return
		}
		sn = st.publish(rec)
		now = s.m.Now()
	} else if !s.m.Fresh(sn.rec, now) {
		st.wake()
	}
	writeSnapshot(w, sn, now)
}

// tokenNow is the slow path: no usable snapshot. While the refresher backs
// off after upstream failures, only the store is consulted (another
// replica may have a token); otherwise the Manager may fetch.
func (s *Server) tokenNow(ctx context.Context, st *appState, now time.Time) (*Record, error) {
	if retryAt := st.retryAt.Load(); retryAt != 0 && now.UnixNano() < retryAt {
		rec, err := s.m.Stored(ctx, st.appid)
		if err == nil && s.m.Usable(rec, now) {
			return rec, nil
		}
		if last := st.lastError(); last != nil {
			return nil, last
		}
		if err == nil {
			err = errBackingOff
		}
		return nil, err
	}
	return s.m.Get(ctx, st.appid)
}

var errBackingOff = errors.New("token expired and upstream refresh is backing off")

func writeSnapshot(w http.ResponseWriter, sn *snapshot, now time.Time) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	bp := bufPool.Get().(*[]byte)
	b := sn.appendBody((*bp)[:0], now)
	_, _ = w.Write(b)
	*bp = b
	bufPool.Put(bp)
}

func (s *Server) serveRefresh(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	var req RefreshBody
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than the limit", nil)
			return
		}
		writeError(w, http.StatusBadRequest, "bad_request", `body must be JSON {"appid": "...", "stale_token": "..."}`, nil)
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "bad_request", "body must hold exactly one JSON object", nil)
		return
	}
	if req.AppID == "" || req.StaleToken == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "appid and stale_token are required", nil)
		return
	}
	st := s.apps[req.AppID]
	if st == nil {
		writeError(w, http.StatusNotFound, "unknown_app", "this server does not manage that appid", nil)
		return
	}
	rec, err := s.m.Refresh(r.Context(), req.AppID, req.StaleToken)
	if err != nil {
		s.writeUpstreamError(w, r, req.AppID, err)
		return
	}
	sn := st.publish(rec)
	if sn.rec.Token != rec.Token {
		sn = newSnapshot(rec)
	}
	writeSnapshot(w, sn, s.m.Now())
}

func (s *Server) writeUpstreamError(w http.ResponseWriter, r *http.Request, appid string, err error) {
	if r.Context().Err() != nil {
		writeError(w, 499, "canceled", "request canceled", nil)
		return
	}
	// Every failing request would log otherwise: at most one WARN per app
	// per backoff period, the rest at debug level.
	level := slog.LevelDebug
	var attrs []slog.Attr
	if st := s.apps[appid]; st == nil {
		level = slog.LevelWarn
	} else if ok, suppressed := s.allowWarn(st); ok {
		level = slog.LevelWarn
		if suppressed > 0 {
			attrs = append(attrs, slog.Int64("suppressed", suppressed))
		}
	}
	if s.log.Enabled(r.Context(), level) {
		s.log.LogAttrs(r.Context(), level, "no token to serve", append(attrs, slog.String("appid", appid), errAttr(err))...)
	}
	var ae *wechat.APIError
	if errors.As(err, &ae) {
		writeError(w, http.StatusServiceUnavailable, "upstream_error", ae.Error(), ae)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		writeError(w, http.StatusServiceUnavailable, "timeout", "timed out waiting for a token", nil)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "unavailable", "no valid token available: "+publicError(err), nil)
}

// publicError is what answers and /readyz say about err: WeChat's own
// errors as they are, otherwise a phrase without the detail (a store's or
// upstream's address, a URL), which goes to the log only.
func publicError(err error) string {
	var ae *wechat.APIError
	var se *StoreError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		return ae.Error()
	case errors.As(err, &se):
		return "store unavailable"
	case errors.Is(err, ErrNotFound):
		return "no token stored yet"
	case errors.Is(err, errBackingOff):
		return errBackingOff.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timed out"
	}
	return "upstream unavailable"
}

func writeError(w http.ResponseWriter, status int, code, msg string, ae *wechat.APIError) {
	body := ErrorBody{Error: code, Message: msg}
	if ae != nil {
		body.ErrCode, body.RID = ae.Code, ae.RID
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// ReadyBody is the JSON of /readyz.
type ReadyBody struct {
	Ready bool        `json:"ready"`
	Store string      `json:"store"` // "ok" or "store unavailable" (the detail is logged)
	Apps  []AppStatus `json:"apps"`
}

// AppStatus is one app's entry in /readyz.
type AppStatus struct {
	AppID            string    `json:"appid"`
	Ready            bool      `json:"ready"`
	Reason           string    `json:"reason,omitempty"`
	RemainingSeconds int64     `json:"remaining_seconds"`
	LastError        string    `json:"last_error,omitempty"`
	LastErrCode      int       `json:"last_errcode,omitempty"`
	LastErrorAt      time.Time `json:"last_error_at,omitzero"`
}

// Ready reports the server's readiness (what /readyz serves).
func (s *Server) Ready(ctx context.Context) ReadyBody {
	body := ReadyBody{Ready: true, Store: "ok"}
	pctx, cancel := context.WithTimeout(ctx, s.readyTimeout)
	defer cancel()
	if err := s.m.store.Ping(pctx); err != nil {
		body.Ready, body.Store = false, "store unavailable"
		if s.allowStoreWarn() {
			s.log.LogAttrs(ctx, slog.LevelWarn, "readiness: token store unavailable", errAttr(err))
		}
	}
	now := s.m.Now()
	for _, id := range s.order {
		st := s.apps[id]
		as := AppStatus{AppID: id, Ready: true}
		var lastErr error
		as.LastErrCode, as.LastErrorAt, lastErr = st.errState()
		as.LastError = publicError(lastErr)
		sn := st.snap.Load()
		switch {
		case sn == nil:
			as.Ready, as.Reason = false, "no token yet"
		case !s.m.Usable(sn.rec, now):
			as.Ready, as.Reason = false, "token expired or about to expire"
			as.RemainingSeconds = max(int64(sn.rec.ExpiresAt.Sub(now)/time.Second), 0)
		default:
			as.RemainingSeconds = int64(sn.rec.ExpiresAt.Sub(now) / time.Second)
			if !s.m.Fresh(sn.rec, now) {
				as.Reason = "refresh pending"
			}
		}
		if !as.Ready {
			body.Ready = false
		}
		body.Apps = append(body.Apps, as)
	}
	return body
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	body := s.Ready(r.Context())
	b, _ := json.Marshal(body)
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	if !body.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(b, '\n'))
}

// queryParam finds name in a raw query without allocating in the common
// case (no escapes).
func queryParam(raw, name string) (string, bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
		}
		if k != name {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			uv, err := url.QueryUnescape(v)
			if err != nil {
				return "", false
			}
			v = uv
		}
		return v, true
	}
	return "", false
}

// queryCredentialNames are query parameters that would carry a key.
var queryCredentialNames = map[string]bool{
	"key": true, "api_key": true, "apikey": true, "access_key": true,
	"token": true, "bearer": true, "authorization": true, "auth": true,
}

func hasQueryCredential(raw string) bool {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
		}
		if queryCredentialNames[strings.ToLower(k)] {
			return true
		}
	}
	return false
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
