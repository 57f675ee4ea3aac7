package wxapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Bucket names in the host's store.
const (
	bucketApps   = "wechat_apps"   // appid -> appState
	bucketTokens = "wechat_tokens" // token -> tokenRec
)

// Token families.
const (
	familyLegacy = "legacy" // GET /cgi-bin/token
	familyStable = "stable" // POST /cgi-bin/stable_token
)

// tokenRec is one issued token.
type tokenRec struct {
	Token     string    `json:"token"`
	AppID     string    `json:"appid"`
	Family    string    `json:"family"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// RevokedAt, when set and before ExpiresAt, is when the token stopped
	// (or stops) working early: superseded or force-invalidated.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// validUntil is the first instant at which the token no longer works.
func (t *tokenRec) validUntil() time.Time {
	if !t.RevokedAt.IsZero() && t.RevokedAt.Before(t.ExpiresAt) {
		return t.RevokedAt
	}
	return t.ExpiresAt
}

// code is the check answer at now.
func (t *tokenRec) code(now time.Time) int {
	if now.Before(t.validUntil()) {
		return wechat.CodeOK
	}
	if !t.RevokedAt.IsZero() && t.RevokedAt.Before(t.ExpiresAt) {
		return wechat.CodeInvalidCredential
	}
	return wechat.CodeTokenExpired
}

// revokeBy cuts the token's life to at most at.
func (t *tokenRec) revokeBy(at time.Time) {
	if t.RevokedAt.IsZero() || at.Before(t.RevokedAt) {
		t.RevokedAt = at
	}
}

// appState is one app's persisted bookkeeping.
type appState struct {
	AppID string `json:"appid"`

	LegacyCurrent string `json:"legacy_current,omitempty"`
	LegacyPrev    string `json:"legacy_prev,omitempty"`
	StableCurrent string `json:"stable_current,omitempty"`
	StablePrev    string `json:"stable_prev,omitempty"`

	FetchesToken  int64 `json:"fetches_token"`
	FetchesStable int64 `json:"fetches_stable_token"`

	Day          string    `json:"day,omitempty"` // China-time day of the daily counters
	LegacyToday  int       `json:"legacy_today"`
	StableToday  int       `json:"stable_today"`
	Minute       time.Time `json:"minute,omitzero"` // start of the minute of StableMinute
	StableMinute int       `json:"stable_minute"`

	ForceDay   string    `json:"force_day,omitempty"`
	ForceToday int       `json:"force_today"`
	ForceLast  time.Time `json:"force_last,omitzero"`
}

// rollDay resets the daily and minute counters when now is in a new period.
func (a *appState) rollDay(now time.Time) {
	if d := chinatime.Day(now); a.Day != d {
		a.Day, a.LegacyToday, a.StableToday = d, 0, 0
	}
	if minute := now.Truncate(time.Minute); !a.Minute.Equal(minute) {
		a.Minute, a.StableMinute = minute, 0
	}
}

// change collects what one request modified, to persist in one transaction.
type change struct {
	app    *appState
	tokens []*tokenRec
}

func (c *change) touch(t *tokenRec) {
	if t != nil {
		c.tokens = append(c.tokens, t)
	}
}

// app returns (creating) an app's state; m.mu must be held for writing.
func (m *Module) app(appid string) *appState {
	a := m.apps[appid]
	if a == nil {
		a = &appState{AppID: appid}
		m.apps[appid] = a
	}
	return a
}

// mint issues a new token; m.mu must be held for writing.
func (m *Module) mint(appid, family string, now time.Time) (*tokenRec, error) {
	tok, err := newToken()
	if err != nil {
		return nil, err
	}
	t := &tokenRec{Token: tok, AppID: appid, Family: family, IssuedAt: now, ExpiresAt: now.Add(m.opts.TTL)}
	m.tokens[tok] = t
	return t, nil
}

// persist writes a change and prunes forgotten tokens at most once a
// minute; m.mu must be held for writing.
func (m *Module) persist(c *change, now time.Time) error {
	var pruned []string
	if now.Sub(m.lastPrune) >= time.Minute || now.Before(m.lastPrune) {
		m.lastPrune = now
		for tok, t := range m.tokens {
			if now.Sub(t.validUntil()) > m.opts.Retention {
				pruned = append(pruned, tok)
				delete(m.tokens, tok)
			}
		}
	}
	return m.h.DB.Update(func(tx *store.Tx) error {
		if c.app != nil {
			if err := tx.Put([]string{bucketApps}, c.app.AppID, c.app); err != nil {
				return err
			}
		}
		for _, t := range c.tokens {
			if err := tx.Put([]string{bucketTokens}, t.Token, t); err != nil {
				return err
			}
		}
		for _, tok := range pruned {
			if err := tx.Delete([]string{bucketTokens}, tok); err != nil {
				return err
			}
		}
		return nil
	})
}

// load reads the persisted state.
func (m *Module) load() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resetMemory()
	return m.h.DB.View(func(tx *store.Tx) error {
		err := tx.ForEach([]string{bucketApps}, func(key string, raw []byte) error {
			var a appState
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("wechat app %s: %w", key, err)
			}
			m.apps[key] = &a
			return nil
		})
		if err != nil {
			return err
		}
		return tx.ForEach([]string{bucketTokens}, func(key string, raw []byte) error {
			var t tokenRec
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("wechat token record: %w", err)
			}
			m.tokens[key] = &t
			return nil
		})
	})
}

// newToken returns a random token shaped like the platform's (a numeric
// prefix, then ~130 URL-safe characters).
func newToken() (string, error) {
	var b [98]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "89_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// newRID returns a request id like the platform's "63477975-0f09049d-2f87403e".
func newRID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%08x-%x-%x", uint32(now.Unix()), b[:4], b[4:])
}
