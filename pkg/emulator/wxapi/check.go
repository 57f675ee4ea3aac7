package wxapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// CheckToken tells whether token may be used for a business call right
// now. It returns the token's appid (when known) and 0, or the errcode to
// answer: 41001 (missing), 40001 (superseded or force-invalidated), 42001
// (expired) or 40014 (never issued). It implements wxhttp.TokenChecker.
func (m *Module) CheckToken(token string) (appid string, errcode int) {
	if token == "" {
		return "", wechat.CodeMissingToken
	}
	m.mu.RLock()
	t := m.tokens[token]
	m.mu.RUnlock()
	if t == nil {
		return "", wechat.CodeInvalidToken
	}
	return t.AppID, t.code(m.clock())
}

// RequireToken checks the access_token query parameter of r. When it is
// not valid it writes the platform's error answer ({"errcode","errmsg"}
// with a rid, HTTP 200) and returns ok=false.
func (m *Module) RequireToken(w http.ResponseWriter, r *http.Request) (appid string, ok bool) {
	appid, code := m.CheckToken(r.URL.Query().Get("access_token"))
	if code != wechat.CodeOK {
		m.writeErr(w, errOf(code, messages[code]))
		return "", false
	}
	return appid, true
}

// CheckResult is the answer of GET /_emulator/wechat/check.
type CheckResult struct {
	Valid   bool   `json:"valid"`
	ErrCode int    `json:"errcode"`
	AppID   string `json:"appid,omitempty"`
	Family  string `json:"family,omitempty"` // "legacy" or "stable"
	// IssuedAt and ValidUntil bound the token's working life (ValidUntil
	// is the expiry, or the earlier moment it was superseded or
	// invalidated); tests compare them with when a token was handed out.
	IssuedAt   time.Time `json:"issued_at,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// Check describes token at this moment.
func (m *Module) Check(token string) CheckResult {
	if token == "" {
		return CheckResult{ErrCode: wechat.CodeMissingToken}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	t := m.tokens[token]
	if t == nil {
		return CheckResult{ErrCode: wechat.CodeInvalidToken}
	}
	code := t.code(m.clock())
	return CheckResult{Valid: code == wechat.CodeOK, ErrCode: code, AppID: t.AppID, Family: t.Family,
		IssuedAt: t.IssuedAt, ValidUntil: t.validUntil()}
}

func (m *Module) handleCheck(w http.ResponseWriter, r *http.Request) {
	res := m.Check(r.URL.Query().Get("access_token"))
	b, _ := json.Marshal(res)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(append(b, '\n'))
}
