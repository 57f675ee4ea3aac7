package wxapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Paths of the server APIs a mini program's backend calls (see doc.go).
const (
	PathJSCode2Session     = "/sns/jscode2session"
	PathMsgSecCheck        = "/wxa/msg_sec_check"
	PathSubscribeSend      = "/cgi-bin/message/subscribe/send"
	PathWxaCodeUnlimit     = "/wxa/getwxacodeunlimit"
	PathGetUserPhoneNumber = "/wxa/business/getuserphonenumber"

	// PathMintCode mints a login (wx.login) or phone (getPhoneNumber)
	// code: GET or POST ?openid=&appid=[&unionid=] or ?phone=&appid=.
	PathMintCode = "/_emulator/wechat/code"
	// PathMessages lists the subscribe messages sent
	// (?appid=&touser=&template_id= filter them).
	PathMessages = "/_emulator/wechat/messages"
)

// The WeChat path prefixes the module owns: an unknown path under them
// answers errcode 40066 (the emulator's /tcb/* paths belong to the database
// module).
var ownedPrefixes = []string{"/cgi-bin/", "/sns/", "/wxa/"}

// Lifetimes of the server API state.
const (
	// CodeTTL is how long a minted code can be exchanged (wx.login codes
	// and getPhoneNumber codes both live 5 minutes on the platform).
	CodeTTL = 5 * time.Minute
	// ActiveWindow is how recently a user must have logged in
	// (jscode2session) for msg_sec_check version 2 to accept their openid.
	ActiveWindow = 2 * time.Hour
	// MaxMessages is how many sent subscribe messages are kept (the oldest
	// are dropped); /_emulator/state shows the last StateMessages.
	MaxMessages   = 1000
	StateMessages = 100
	// codeRetention: a code is remembered this long after it expired, so
	// a reuse still answers 40163 rather than 40029.
	codeRetention = time.Hour
)

// Bucket names of the server API state.
const (
	bucketCodes    = "wechat_codes"    // code -> codeRec
	bucketUsers    = "wechat_users"    // appid/openid -> userRec
	bucketMessages = "wechat_messages" // zero-padded msgid -> SentMessage
)

// Code kinds.
const (
	kindLogin = "login" // wx.login, exchanged by jscode2session
	kindPhone = "phone" // getPhoneNumber, exchanged by getuserphonenumber
)

// codeRec is one minted code.
type codeRec struct {
	Code      string    `json:"code"`
	Kind      string    `json:"kind"`
	AppID     string    `json:"appid"`
	OpenID    string    `json:"openid,omitempty"`
	UnionID   string    `json:"unionid,omitempty"`
	Phone     string    `json:"phone,omitempty"` // without the country code
	Country   string    `json:"country_code,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// userRec is a user an app's backend has seen through jscode2session.
type userRec struct {
	AppID      string    `json:"appid"`
	OpenID     string    `json:"openid"`
	UnionID    string    `json:"unionid,omitempty"`
	FirstLogin time.Time `json:"first_login"`
	LastLogin  time.Time `json:"last_login"`
}

func userKey(appid, openid string) string { return appid + "/" + openid }

// SentMessage is one subscribe message, as /_emulator/wechat/messages and
// /_emulator/state show it.
type SentMessage struct {
	MsgID            int64                   `json:"msgid"`
	AppID            string                  `json:"appid"`
	ToUser           string                  `json:"touser"`
	TemplateID       string                  `json:"template_id"`
	Page             string                  `json:"page,omitempty"`
	Data             map[string]MessageValue `json:"data"`
	MiniprogramState string                  `json:"miniprogram_state"`
	Lang             string                  `json:"lang"`
	SentAt           time.Time               `json:"sent_at"`
}

// MessageValue is one template keyword's value.
type MessageValue struct {
	Value string `json:"value"`
}

// openAPI is the server APIs' state, under its own lock.
type openAPI struct {
	blocks []BlockRule

	mu        sync.Mutex
	codes     map[string]*codeRec
	users     map[string]*userRec
	messages  []*SentMessage // oldest first
	lastID    int64          // msgid of the last message sent
	lastPrune time.Time
}

func newOpenAPI(blocks []BlockRule) *openAPI {
	if blocks == nil {
		blocks = DefaultBlockList()
	}
	o := &openAPI{blocks: blocks}
	o.reset()
	return o
}

func (o *openAPI) reset() {
	o.codes = map[string]*codeRec{}
	o.users = map[string]*userRec{}
	o.messages = nil
	o.lastID = 0
	o.lastPrune = time.Time{}
}

// load reads the persisted server API state.
func (o *openAPI) load(db *store.DB) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reset()
	return db.View(func(tx *store.Tx) error {
		err := tx.ForEach([]string{bucketCodes}, func(key string, raw []byte) error {
			var c codeRec
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("wechat code record: %w", err)
			}
			o.codes[key] = &c
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.ForEach([]string{bucketUsers}, func(key string, raw []byte) error {
			var u userRec
			if err := json.Unmarshal(raw, &u); err != nil {
				return fmt.Errorf("wechat user %s: %w", key, err)
			}
			o.users[key] = &u
			return nil
		})
		if err != nil {
			return err
		}
		// Keys are zero-padded msgids: ForEach yields them oldest first.
		return tx.ForEach([]string{bucketMessages}, func(key string, raw []byte) error {
			var msg SentMessage
			if err := json.Unmarshal(raw, &msg); err != nil {
				return fmt.Errorf("wechat message %s: %w", key, err)
			}
			o.messages = append(o.messages, &msg)
			o.lastID = max(o.lastID, msg.MsgID)
			return nil
		})
	})
}

// initOpenAPI registers the server APIs, the code minting and message
// endpoints, and the catch-all for unknown WeChat paths.
func (m *Module) initOpenAPI(h *http.ServeMux) error {
	if err := m.oa.load(m.h.DB); err != nil {
		return err
	}
	h.HandleFunc(PathJSCode2Session, m.handleJSCode2Session)
	h.HandleFunc(PathMsgSecCheck, m.handleMsgSecCheck)
	h.HandleFunc(PathSubscribeSend, m.handleSubscribeSend)
	h.HandleFunc(PathWxaCodeUnlimit, m.handleWxaCodeUnlimit)
	h.HandleFunc(PathGetUserPhoneNumber, m.handleGetUserPhoneNumber)
	h.HandleFunc("GET "+PathMintCode, m.handleMintCode)
	h.HandleFunc("POST "+PathMintCode, m.handleMintCode)
	h.HandleFunc("GET "+PathMessages, m.handleMessages)
	for _, p := range ownedPrefixes {
		h.HandleFunc(p, m.handleUnknown)
	}
	return nil
}

// handleUnknown answers a WeChat path the emulator does not implement the
// way the platform answers a URL it does not know: HTTP 200, errcode 40066
// "invalid url". The path is counted in /_emulator/state's unimplemented
// list.
func (m *Module) handleUnknown(w http.ResponseWriter, r *http.Request) {
	if m.h != nil && m.h.Unimplemented != nil {
		m.h.Unimplemented.Record(unimpl.KindPath, r.Method+" "+r.URL.Path, r.UserAgent())
	}
	m.writeErr(w, errOf(wechat.CodeInvalidURL, "invalid url"))
}

// begin does what every server API does first: the method, an injected
// fault, then the access_token. It returns the token's appid.
func (m *Module) begin(w http.ResponseWriter, r *http.Request, path string) (appid string, ok bool) {
	if r.Method != http.MethodPost {
		m.answer(w, r, path, "", errOf(wechat.CodeMethodNotAllowed, "require POST method"))
		return "", false
	}
	if e := m.fault(r, path); e != nil {
		m.answer(w, r, path, "", e)
		return "", false
	}
	return m.RequireToken(w, r)
}

// readBody reads a JSON body into v: 44002 when empty, 47001 when
// malformed or larger than MaxBodyBytes.
func (m *Module) readBody(w http.ResponseWriter, r *http.Request, path, appid string, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return false
	}
	if len(body) > MaxBodyBytes {
		m.answer(w, r, path, appid, errOf(wechat.CodeBadBody, "data format error: body larger than 64 KiB"))
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		m.answer(w, r, path, appid, errOf(wechat.CodeEmptyBody, messages[wechat.CodeEmptyBody]))
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		m.answer(w, r, path, appid, errOf(wechat.CodeBadBody, messages[wechat.CodeBadBody]))
		return false
	}
	return true
}

// served logs a successful server API call.
func (m *Module) served(r *http.Request, path, appid string) {
	m.log.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelInfo, "wechat api",
		slog.String("path", path), slog.String("appid", appid))
}

// persistOpenAPI writes what a call changed; o.mu must be held. Codes past
// their retention are pruned at most once a minute.
func (m *Module) persistOpenAPI(now time.Time, codes []*codeRec, users []*userRec, msg *SentMessage, dropped []int64) error {
	o := m.oa
	var pruned []string
	if now.Sub(o.lastPrune) >= time.Minute || now.Before(o.lastPrune) {
		o.lastPrune = now
		for k, c := range o.codes {
			if now.Sub(c.ExpiresAt) > codeRetention {
				pruned = append(pruned, k)
				delete(o.codes, k)
			}
		}
	}
	return m.h.DB.Update(func(tx *store.Tx) error {
		for _, c := range codes {
			if err := tx.Put([]string{bucketCodes}, c.Code, c); err != nil {
				return err
			}
		}
		for _, k := range pruned {
			if err := tx.Delete([]string{bucketCodes}, k); err != nil {
				return err
			}
		}
		for _, u := range users {
			if err := tx.Put([]string{bucketUsers}, userKey(u.AppID, u.OpenID), u); err != nil {
				return err
			}
		}
		if msg != nil {
			if err := tx.Put([]string{bucketMessages}, msgKey(msg.MsgID), msg); err != nil {
				return err
			}
		}
		for _, id := range dropped {
			if err := tx.Delete([]string{bucketMessages}, msgKey(id)); err != nil {
				return err
			}
		}
		return nil
	})
}

func msgKey(id int64) string { return fmt.Sprintf("%020d", id) }

// OpenAPIState is the server APIs' part of /_emulator/state.
type OpenAPIState struct {
	// Users counts the (appid, openid) pairs seen by jscode2session.
	Users int `json:"users"`
	// PendingCodes counts minted codes not yet used nor expired.
	PendingCodes int `json:"pending_codes"`
	// MessagesSent counts subscribe messages since the last reset;
	// Messages holds the last StateMessages of them, oldest first
	// (GET /_emulator/wechat/messages has up to MaxMessages).
	MessagesSent int64         `json:"messages_sent"`
	Messages     []SentMessage `json:"messages"`
	// BlockList is msg_sec_check's rule list.
	BlockList []BlockRule `json:"sec_check_block_list"`
}

func (o *openAPI) state(now time.Time) OpenAPIState {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := OpenAPIState{Users: len(o.users), MessagesSent: o.lastID, Messages: []SentMessage{}, BlockList: o.blocks}
	for _, c := range o.codes {
		if c.UsedAt.IsZero() && now.Before(c.ExpiresAt) {
			st.PendingCodes++
		}
	}
	from := max(len(o.messages)-StateMessages, 0)
	for _, msg := range o.messages[from:] {
		st.Messages = append(st.Messages, *msg)
	}
	return st
}

// handleMessages serves GET /_emulator/wechat/messages.
func (m *Module) handleMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appid, touser, tmpl := q.Get("appid"), q.Get("touser"), q.Get("template_id")
	o := m.oa
	o.mu.Lock()
	out := make([]SentMessage, 0, len(o.messages))
	for _, msg := range o.messages {
		if (appid == "" || msg.AppID == appid) && (touser == "" || msg.ToUser == touser) && (tmpl == "" || msg.TemplateID == tmpl) {
			out = append(out, *msg)
		}
	}
	o.mu.Unlock()
	writeStatus(w, http.StatusOK, map[string]any{"messages": out})
}

// writeStatus answers an /_emulator/ endpoint (not a WeChat API).
func writeStatus(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// randomString returns n random bytes, URL-safe base64 encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomStd returns n random bytes, standard base64 encoded (how the
// platform encodes a session_key).
func randomStd(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// sortedKeys returns m's keys in order.

// validID accepts openids, unionids and template ids: 1 to max characters
// out of letters, digits, '-' and '_'.
func validID(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hasControl reports control characters or spaces.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0
}
