package wxapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// wxError is an errcode answer.
type wxError struct {
	code int
	msg  string
}

func errOf(code int, msg string) *wxError { return &wxError{code: code, msg: msg} }

// messages are the platform's errmsg texts (before " rid: ...").
var messages = map[int]string{
	wechat.CodeSystemBusy:        "system error",
	wechat.CodeInvalidGrantType:  "invalid grant_type",
	wechat.CodeMissingAppID:      "appid missing",
	wechat.CodeMissingSecret:     "appsecret missing",
	wechat.CodeInvalidAppID:      "invalid appid",
	wechat.CodeInvalidSecret:     "invalid appsecret",
	wechat.CodeInvalidCredential: "invalid credential, access_token is invalid or not latest",
	wechat.CodeTokenExpired:      "access_token expired",
	wechat.CodeInvalidToken:      "invalid access_token",
	wechat.CodeMissingToken:      "access_token missing",
	wechat.CodeDailyQuota:        "reach max api daily quota limit",
	wechat.CodeMinuteQuota:       "api minute-quota reach limit mustslower retry next minute",
	wechat.CodeEmptyBody:         "empty post data",
	wechat.CodeBadBody:           "data format error",
	wechat.CodeIPNotWhitelisted:  "invalid ip, not in whitelist",
	wechat.CodePenalized:         "user not allow to use accesstoken, maybe for punishment",
}

// Message returns the platform's errmsg for code (without the rid), or "".
func Message(code int) string { return messages[code] }

// writeToken answers a token.
func writeToken(w http.ResponseWriter, tok string, expiresIn int) {
	writeBody(w, wechat.TokenResponse{AccessToken: tok, ExpiresIn: expiresIn})
}

// writeErr answers {"errcode","errmsg"} with a trailing rid, HTTP 200 like
// the platform.
func (m *Module) writeErr(w http.ResponseWriter, e *wxError) {
	m.countErr(e.code)
	writeBody(w, wechat.TokenResponse{ErrCode: e.code, ErrMsg: e.msg + " rid: " + newRID(m.clock())})
}

func writeBody(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (m *Module) countErr(code int) {
	m.mu.Lock()
	m.errs[code]++
	m.mu.Unlock()
}

// fault applies an injected fault for path: latency, then an errcode.
func (m *Module) fault(r *http.Request, path string) *wxError {
	if m.h == nil || m.h.Faults == nil {
		return nil
	}
	rule := m.h.Faults.Take(path)
	if rule == nil {
		return nil
	}
	if rule.Latency > 0 {
		t := time.NewTimer(time.Duration(rule.Latency))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return errOf(wechat.CodeSystemBusy, "system error")
		}
	}
	if rule.Errcode == 0 {
		return nil
	}
	msg := rule.Message
	if msg == "" {
		msg = messages[rule.Errcode]
	}
	if msg == "" {
		msg = "injected fault"
	}
	return errOf(rule.Errcode, msg)
}

// credentials checks grant_type, appid and secret in the platform's order;
// badSecret is the code for a wrong secret (40001 on cgi-bin/token, 40125
// on stable_token).
func (m *Module) credentials(grant, appid, secret string, badSecret int) *wxError {
	switch {
	case grant != "client_credential":
		return errOf(wechat.CodeInvalidGrantType, messages[wechat.CodeInvalidGrantType])
	case appid == "":
		return errOf(wechat.CodeMissingAppID, messages[wechat.CodeMissingAppID])
	case secret == "":
		return errOf(wechat.CodeMissingSecret, messages[wechat.CodeMissingSecret])
	}
	want, ok := m.secrets[appid]
	if !ok {
		return errOf(wechat.CodeInvalidAppID, messages[wechat.CodeInvalidAppID])
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return errOf(badSecret, messages[badSecret])
	}
	return nil
}

// handleToken serves GET /cgi-bin/token.
func (m *Module) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		m.answer(w, r, wechat.PathToken, "", errOf(wechat.CodeMethodNotAllowed, "require GET method"))
		return
	}
	if e := m.fault(r, wechat.PathToken); e != nil {
		m.answer(w, r, wechat.PathToken, "", e)
		return
	}
	q := r.URL.Query()
	appid := q.Get("appid")
	if e := m.credentials(q.Get("grant_type"), appid, q.Get("secret"), wechat.CodeInvalidCredential); e != nil {
		m.answer(w, r, wechat.PathToken, appid, e)
		return
	}
	tok, exp, e := m.issueLegacy(appid)
	if e != nil {
		m.answer(w, r, wechat.PathToken, appid, e)
		return
	}
	m.log.LogAttrs(r.Context(), slog.LevelInfo, "wechat token issued", slog.String("path", wechat.PathToken), slog.String("appid", appid))
	writeToken(w, tok, exp)
}

// handleStableToken serves POST /cgi-bin/stable_token.
func (m *Module) handleStableToken(w http.ResponseWriter, r *http.Request) {
	const path = wechat.PathStableToken
	if r.Method != http.MethodPost {
		m.answer(w, r, path, "", errOf(wechat.CodeMethodNotAllowed, "require POST method"))
		return
	}
	if e := m.fault(r, path); e != nil {
		m.answer(w, r, path, "", e)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		m.answer(w, r, path, "", errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	if len(body) > MaxBodyBytes {
		m.answer(w, r, path, "", errOf(wechat.CodeBadBody, "data format error: body larger than 64 KiB"))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		m.answer(w, r, path, "", errOf(wechat.CodeEmptyBody, messages[wechat.CodeEmptyBody]))
		return
	}
	var req wechat.StableTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		m.answer(w, r, path, "", errOf(wechat.CodeBadBody, messages[wechat.CodeBadBody]))
		return
	}
	if e := m.credentials(req.GrantType, req.AppID, req.Secret, wechat.CodeInvalidSecret); e != nil {
		m.answer(w, r, path, req.AppID, e)
		return
	}
	tok, exp, forced, e := m.issueStable(req.AppID, req.ForceRefresh)
	if e != nil {
		m.answer(w, r, path, req.AppID, e)
		return
	}
	m.log.LogAttrs(r.Context(), slog.LevelInfo, "wechat token issued", slog.String("path", path),
		slog.String("appid", req.AppID), slog.Bool("force_refresh", req.ForceRefresh), slog.Bool("forced", forced))
	writeToken(w, tok, exp)
}

// answer writes an error and logs it (never the secret or a token).
func (m *Module) answer(w http.ResponseWriter, r *http.Request, path, appid string, e *wxError) {
	m.log.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelInfo, "wechat token refused",
		slog.String("path", path), slog.String("appid", appid), slog.Int("errcode", e.code))
	m.writeErr(w, e)
}

// expiresIn is the whole seconds left (at least 1 for a valid token).
func expiresIn(t *tokenRec, now time.Time) int {
	return max(int(t.validUntil().Sub(now)/time.Second), 1)
}

// issueLegacy is cgi-bin/token: a new token every call; the previous one
// keeps working for the overlap, anything older stops now.
func (m *Module) issueLegacy(appid string) (string, int, *wxError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	a := m.app(appid)
	a.rollDay(now)
	if q := m.opts.LegacyDailyQuota; q >= 0 && a.LegacyToday >= q {
		return "", 0, errOf(wechat.CodeDailyQuota, messages[wechat.CodeDailyQuota])
	}
	t, err := m.mint(appid, familyLegacy, now)
	if err != nil {
		return "", 0, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy])
	}
	c := &change{app: a}
	c.touch(t)
	if prev := m.tokens[a.LegacyPrev]; prev != nil {
		prev.revokeBy(now)
		c.touch(prev)
	}
	if cur := m.tokens[a.LegacyCurrent]; cur != nil {
		cur.revokeBy(now.Add(m.opts.Overlap))
		c.touch(cur)
	}
	a.LegacyPrev, a.LegacyCurrent = a.LegacyCurrent, t.Token
	a.LegacyToday++
	a.FetchesToken++
	if err := m.persist(c, now); err != nil {
		m.log.Error("wechat: persisting a token failed", slog.String("error", err.Error()))
		return "", 0, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy])
	}
	return t.Token, expiresIn(t, now), nil
}

// issueStable is stable_token: idempotent within validity, pre-rotating in
// the last Overlap, force_refresh within its limits. forced reports whether
// a forced refresh happened.
func (m *Module) issueStable(appid string, force bool) (tok string, exp int, forced bool, e *wxError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	a := m.app(appid)
	a.rollDay(now)
	if q := m.opts.StableMinuteQuota; q >= 0 && a.StableMinute >= q {
		return "", 0, false, errOf(wechat.CodeMinuteQuota, messages[wechat.CodeMinuteQuota])
	}
	if q := m.opts.StableDailyQuota; q >= 0 && a.StableToday >= q {
		return "", 0, false, errOf(wechat.CodeDailyQuota, messages[wechat.CodeDailyQuota])
	}
	a.StableMinute++
	a.StableToday++
	c := &change{app: a}

	cur := m.tokens[a.StableCurrent]
	forced = force && m.forceAllowed(a, now)
	var t *tokenRec
	switch {
	case forced:
		for _, id := range []string{a.StablePrev, a.StableCurrent} {
			if old := m.tokens[id]; old != nil {
				old.revokeBy(now)
				c.touch(old)
			}
		}
		a.ForceToday++
		a.ForceLast = now
		a.StablePrev = ""
	case cur != nil && cur.code(now) == wechat.CodeOK && cur.validUntil().Sub(now) > m.opts.Overlap:
		t = cur // idempotent: the same token, its remaining life
	default:
		// None yet, expired, or inside the pre-rotation window: the next
		// token. The current one keeps working until its own expiry; an
		// older one (possible only when TTL < 2×Overlap) stops now.
		if old := m.tokens[a.StablePrev]; old != nil {
			old.revokeBy(now)
			c.touch(old)
		}
		a.StablePrev = a.StableCurrent
	}
	if t == nil {
		var err error
		if t, err = m.mint(appid, familyStable, now); err != nil {
			return "", 0, false, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy])
		}
		c.touch(t)
		a.StableCurrent = t.Token
	}
	a.FetchesStable++
	if err := m.persist(c, now); err != nil {
		m.log.Error("wechat: persisting a token failed", slog.String("error", err.Error()))
		return "", 0, false, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy])
	}
	return t.Token, expiresIn(t, now), forced, nil
}

// forceAllowed applies the force_refresh limits (daily count, spacing).
func (m *Module) forceAllowed(a *appState, now time.Time) bool {
	if d := chinatime.Day(now); a.ForceDay != d {
		a.ForceDay, a.ForceToday = d, 0
	}
	if a.ForceToday >= m.opts.ForceDailyLimit {
		return false
	}
	if !a.ForceLast.IsZero() {
		if since := now.Sub(a.ForceLast); since < m.opts.ForceSpacing && since > -m.opts.ForceSpacing {
			return false
		}
	}
	return true
}
