package wxapi

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// MintedCode is the answer of /_emulator/wechat/code.
type MintedCode struct {
	Code      string    `json:"code"`
	Kind      string    `json:"kind"` // "login" or "phone"
	AppID     string    `json:"appid"`
	OpenID    string    `json:"openid,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	ExpiresIn int       `json:"expires_in"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleMintCode serves GET and POST /_emulator/wechat/code: what wx.login
// (?openid=) or the getPhoneNumber button (?phone=) hands a mini program.
func (m *Module) handleMintCode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appid := q.Get("appid")
	if appid == "" {
		appid = m.defaultAppID()
		if appid == "" {
			writeStatus(w, http.StatusBadRequest, map[string]string{"error": "appid is required: the emulator serves " + strings.Join(m.AppIDs(), ", ")})
			return
		}
	}
	if _, ok := m.secrets[appid]; !ok {
		writeStatus(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf(
			"unknown appid %q: the emulator serves %s (add one with tcb emulator start --wx-app APPID:SECRET)", appid, strings.Join(m.AppIDs(), ", "))})
		return
	}
	openid, unionid, phone := q.Get("openid"), q.Get("unionid"), strings.TrimSpace(q.Get("phone"))
	if (openid == "") == (phone == "") {
		writeStatus(w, http.StatusBadRequest, map[string]string{"error": "give openid (a wx.login code) or phone (a getPhoneNumber code), not both"})
		return
	}
	now := m.clock()
	rec := &codeRec{AppID: appid, IssuedAt: now, ExpiresAt: now.Add(CodeTTL)}
	switch {
	case openid != "":
		if !validID(openid, 128) {
			writeStatus(w, http.StatusBadRequest, map[string]string{"error": "openid must be 1 to 128 letters, digits, '-' or '_'"})
			return
		}
		if unionid != "" && !validID(unionid, 128) {
			writeStatus(w, http.StatusBadRequest, map[string]string{"error": "unionid must be 1 to 128 letters, digits, '-' or '_'"})
			return
		}
		rec.Kind, rec.OpenID, rec.UnionID = kindLogin, openid, unionid
	default:
		cc, pure, err := ParsePhone(phone)
		if err != nil {
			writeStatus(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		rec.Kind, rec.Country, rec.Phone = kindPhone, cc, pure
	}
	// A login code is 32 characters like the platform's; a phone code is
	// longer, as there.
	n := 24
	if rec.Kind == kindPhone {
		n = 48
	}
	code, err := randomString(n)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	rec.Code = code
	o := m.oa
	o.mu.Lock()
	o.codes[code] = rec
	err = m.persistOpenAPI(now, []*codeRec{rec}, nil, nil, nil)
	o.mu.Unlock()
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	ans := MintedCode{Code: code, Kind: rec.Kind, AppID: appid, OpenID: rec.OpenID, ExpiresIn: int(CodeTTL / time.Second), ExpiresAt: rec.ExpiresAt}
	if rec.Kind == kindPhone {
		ans.Phone = formatPhone(rec.Country, rec.Phone)
	}
	writeStatus(w, http.StatusOK, ans)
}

// defaultAppID is the demo app when configured, else the only app, else "".
func (m *Module) defaultAppID() string {
	if _, ok := m.secrets[config.EmulatorWxAppID]; ok {
		return config.EmulatorWxAppID
	}
	if len(m.secrets) == 1 {
		for id := range m.secrets {
			return id
		}
	}
	return ""
}

// ParsePhone reads a phone number for a getPhoneNumber code: "13800138000"
// (country code 86), or "+1 4155552671" / "+44-7700900123" with a country
// code of 1 to 4 digits. The "+" is optional (it arrives as a space when a
// URL query is not encoded). It returns the country code and the number
// without it.
func ParsePhone(s string) (country, pure string, err error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	country, pure = "86", s
	if i := strings.IndexAny(s, " -"); i >= 0 {
		country, pure = s[:i], strings.TrimSpace(s[i+1:])
	}
	if !digits(country, 1, 4) || !digits(pure, 4, 20) {
		return "", "", fmt.Errorf("phone %q: want a number like 13800138000 or +1 4155552671", s)
	}
	return country, pure, nil
}

// formatPhone is phone_info.phoneNumber: the number alone for China
// (country code 86), else "+<country code><number>".
func formatPhone(country, pure string) string {
	if country == "86" {
		return pure
	}
	return "+" + country + pure
}

func digits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// consume marks a code used and returns it, or the errcode: 40029 for a
// code that is unknown, of another kind or app, or expired; 40163 for a
// login code already exchanged (a phone code used twice is 40029, the only
// code getuserphonenumber documents for a bad code). o.mu must be held.
func (o *openAPI) consume(code, kind, appid string, now time.Time) (*codeRec, int) {
	c := o.codes[code]
	switch {
	case c == nil || c.Kind != kind || c.AppID != appid:
		return nil, wechat.CodeInvalidCode
	case !c.UsedAt.IsZero() && kind == kindLogin:
		return nil, wechat.CodeCodeUsed
	case !c.UsedAt.IsZero(), !now.Before(c.ExpiresAt):
		return nil, wechat.CodeInvalidCode
	}
	c.UsedAt = now
	return c, wechat.CodeOK
}

// sessionAnswer is jscode2session's answer.
type sessionAnswer struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid,omitempty"`
}

// handleJSCode2Session serves GET /sns/jscode2session: the login code of a
// user (minted by /_emulator/wechat/code) for their openid and a
// session_key. It takes the AppSecret, not an access_token.
func (m *Module) handleJSCode2Session(w http.ResponseWriter, r *http.Request) {
	const path = PathJSCode2Session
	if r.Method != http.MethodGet {
		m.answer(w, r, path, "", errOf(wechat.CodeGETRequired, "require GET method"))
		return
	}
	if e := m.fault(r, path); e != nil {
		m.answer(w, r, path, "", e)
		return
	}
	q := r.URL.Query()
	appid, secret, grant, jsCode := q.Get("appid"), q.Get("secret"), q.Get("grant_type"), q.Get("js_code")
	if e := m.loginCredentials(appid, secret, grant); e != nil {
		m.answer(w, r, path, appid, e)
		return
	}
	if jsCode == "" {
		m.answer(w, r, path, appid, errOf(wechat.CodeMissingCode, "missing code"))
		return
	}
	sessionKey, err := randomStd(16)
	if err != nil {
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	now := m.clock()
	o := m.oa
	o.mu.Lock()
	c, code := o.consume(jsCode, kindLogin, appid, now)
	if code != wechat.CodeOK {
		o.mu.Unlock()
		msg := "invalid code"
		if code == wechat.CodeCodeUsed {
			msg = "code been used"
		}
		m.answer(w, r, path, appid, errOf(code, msg))
		return
	}
	u := o.users[userKey(appid, c.OpenID)]
	if u == nil {
		u = &userRec{AppID: appid, OpenID: c.OpenID, FirstLogin: now}
		o.users[userKey(appid, c.OpenID)] = u
	}
	u.LastLogin = now
	if c.UnionID != "" {
		u.UnionID = c.UnionID
	}
	err = m.persistOpenAPI(now, []*codeRec{c}, []*userRec{u}, nil, nil)
	o.mu.Unlock()
	if err != nil {
		m.log.Error("wechat: persisting a login failed", slog.String("error", err.Error()))
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	m.served(r, path, appid)
	writeBody(w, sessionAnswer{OpenID: c.OpenID, SessionKey: sessionKey, UnionID: c.UnionID})
}

// loginCredentials checks jscode2session's appid, secret and grant_type.
// A missing grant_type is accepted (the platform tolerates it); any other
// value than authorization_code is 40002.
func (m *Module) loginCredentials(appid, secret, grant string) *wxError {
	switch {
	case appid == "":
		return errOf(wechat.CodeMissingAppID, messages[wechat.CodeMissingAppID])
	case secret == "":
		return errOf(wechat.CodeMissingSecret, messages[wechat.CodeMissingSecret])
	case grant != "" && grant != "authorization_code":
		return errOf(wechat.CodeInvalidGrantType, messages[wechat.CodeInvalidGrantType])
	}
	want, ok := m.secrets[appid]
	if !ok {
		return errOf(wechat.CodeInvalidAppID, messages[wechat.CodeInvalidAppID])
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return errOf(wechat.CodeInvalidSecret, messages[wechat.CodeInvalidSecret])
	}
	return nil
}

// phoneAnswer is getuserphonenumber's answer.
type phoneAnswer struct {
	ErrCode   int       `json:"errcode"`
	ErrMsg    string    `json:"errmsg"`
	PhoneInfo phoneInfo `json:"phone_info"`
}

type phoneInfo struct {
	PhoneNumber     string    `json:"phoneNumber"`
	PurePhoneNumber string    `json:"purePhoneNumber"`
	CountryCode     string    `json:"countryCode"`
	Watermark       watermark `json:"watermark"`
}

type watermark struct {
	Timestamp int64  `json:"timestamp"`
	AppID     string `json:"appid"`
}

// handleGetUserPhoneNumber serves POST /wxa/business/getuserphonenumber
// {"code"}: a getPhoneNumber code (minted with ?phone=) for the number.
func (m *Module) handleGetUserPhoneNumber(w http.ResponseWriter, r *http.Request) {
	const path = PathGetUserPhoneNumber
	appid, ok := m.begin(w, r, path)
	if !ok {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if !m.readBody(w, r, path, appid, &req) {
		return
	}
	if req.Code == "" {
		m.answer(w, r, path, appid, errOf(wechat.CodeMissingCode, "missing code"))
		return
	}
	now := m.clock()
	o := m.oa
	o.mu.Lock()
	c, code := o.consume(req.Code, kindPhone, appid, now)
	var err error
	if code == wechat.CodeOK {
		err = m.persistOpenAPI(now, []*codeRec{c}, nil, nil, nil)
	}
	o.mu.Unlock()
	if code != wechat.CodeOK {
		m.answer(w, r, path, appid, errOf(code, "invalid code"))
		return
	}
	if err != nil {
		m.log.Error("wechat: persisting a phone code failed", slog.String("error", err.Error()))
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	m.served(r, path, appid)
	writeBody(w, phoneAnswer{ErrMsg: "ok", PhoneInfo: phoneInfo{
		PhoneNumber:     formatPhone(c.Country, c.Phone),
		PurePhoneNumber: c.Phone,
		CountryCode:     c.Country,
		Watermark:       watermark{Timestamp: now.Unix(), AppID: appid},
	}})
}

// knownUser returns the user record of (appid, openid), or nil.
func (o *openAPI) knownUser(appid, openid string) *userRec {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[userKey(appid, openid)]
	if u == nil {
		return nil
	}
	cp := *u
	return &cp
}
