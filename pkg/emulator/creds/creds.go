// Package creds decides who is calling the emulator: the permanent key
// pairs (the development pair and --key extras), and the temporary
// credentials the emulator gives function invocations, the way SCF gives a
// function its role's TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN (the
// functions module mints one per env and caller and reuses it while it
// stays valid long enough for the invocation).
//
// A temporary credential is scoped to one environment, expires, and is
// accepted only together with its session token. It also carries the caller
// it was minted for (the WeChat user, app and source), so a call the
// function makes with it (callFunction through /admin, say) can pass that
// context on as the platform does.
//
// Temporary credentials are stateless: the session token holds the claims
// (secret id, env, expiry, caller) and an HMAC over them with a key that
// lives in this process only, and the secret key is derived from the secret
// id with the same key. Nothing is stored, so millions of invocations cost
// no memory, and an emulator restart revokes every outstanding credential.
package creds

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TemporaryPrefix starts every temporary SecretId.
const TemporaryPrefix = "AKIDTMP"

// DefaultTTL is how long a temporary credential is valid.
const DefaultTTL = time.Hour

// MaxTokenBytes bounds the session tokens Resolve looks at.
const MaxTokenBytes = 4096

// Caller is who an invocation runs for, as getWXContext() reports it.
type Caller struct {
	OpenID   string `json:"o,omitempty"`
	AppID    string `json:"a,omitempty"`
	UnionID  string `json:"u,omitempty"`
	Source   string `json:"s,omitempty"`
	ClientIP string `json:"ip,omitempty"`
}

// Principal is an authenticated key pair.
type Principal struct {
	SecretID  string
	SecretKey string
	// Temporary credentials carry their session token, env scope, expiry
	// and the invocation's caller.
	Temporary    bool
	SessionToken string
	Env          string
	Expires      time.Time
	Caller       Caller
}

// Allows reports whether the principal may act on env: permanent keys act
// on every environment, temporary ones on theirs only.
func (p *Principal) Allows(env string) bool { return !p.Temporary || p.Env == env }

// Error is an authentication failure with the Cloud API code to answer.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Authority knows the permanent keys and mints and checks temporary ones.
type Authority struct {
	permanent map[string]string
	key       []byte
	now       func() time.Time
}

// New returns an authority for the given permanent pairs (SecretId ->
// SecretKey) with a fresh signing key.
func New(permanent map[string]string, now func() time.Time) *Authority {
	if now == nil {
		now = time.Now
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Sprintf("creds: no randomness: %v", err))
	}
	keys := make(map[string]string, len(permanent))
	for id, k := range permanent {
		keys[id] = k
	}
	return &Authority{permanent: keys, key: key, now: now}
}

type claims struct {
	ID     string `json:"id"`
	Env    string `json:"env"`
	Exp    int64  `json:"exp"`
	Caller Caller `json:"c"`
}

// Issue mints a temporary credential for env, valid for ttl (DefaultTTL
// when zero or negative), on behalf of caller.
func (a *Authority) Issue(env string, caller Caller, ttl time.Duration) Principal {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	raw := make([]byte, 14)
	rand.Read(raw)
	id := TemporaryPrefix + strings.ToUpper(hex.EncodeToString(raw))
	exp := a.now().Add(ttl).Truncate(time.Second)
	body, _ := json.Marshal(claims{ID: id, Env: env, Exp: exp.Unix(), Caller: caller})
	payload := base64.RawURLEncoding.EncodeToString(body)
	token := payload + "." + base64.RawURLEncoding.EncodeToString(a.mac("token", payload))
	return Principal{SecretID: id, SecretKey: a.secretKey(id), Temporary: true, SessionToken: token,
		Env: env, Expires: exp, Caller: caller}
}

// Lookup authenticates a SecretId with the session token the request
// carried ("" when none). Permanent keys need no token (one sent along is
// ignored, as for long-term keys). A temporary SecretId needs its own,
// unexpired token.
func (a *Authority) Lookup(secretID, sessionToken string) (*Principal, *Error) {
	if key, ok := a.permanent[secretID]; ok {
		return &Principal{SecretID: secretID, SecretKey: key}, nil
	}
	if !strings.HasPrefix(secretID, TemporaryPrefix) {
		return nil, &Error{"AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct."}
	}
	if sessionToken == "" {
		return nil, &Error{"AuthFailure.TokenFailure", "The SecretId is a temporary credential and the request carries no session token (X-TC-Token)."}
	}
	c, err := a.verifyToken(sessionToken)
	if err != nil {
		return nil, err
	}
	if c.ID != secretID {
		return nil, &Error{"AuthFailure.TokenFailure", "The session token does not belong to this SecretId."}
	}
	exp := time.Unix(c.Exp, 0)
	if !a.now().Before(exp) {
		return nil, &Error{"AuthFailure.TokenFailure", fmt.Sprintf("The temporary credential expired at %s.", exp.UTC().Format(time.RFC3339))}
	}
	return &Principal{SecretID: secretID, SecretKey: a.secretKey(secretID), Temporary: true, SessionToken: sessionToken,
		Env: c.Env, Expires: exp, Caller: c.Caller}, nil
}

func (a *Authority) verifyToken(token string) (*claims, *Error) {
	bad := &Error{"AuthFailure.TokenFailure", "The session token is not valid."}
	if len(token) > MaxTokenBytes {
		return nil, bad
	}
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil, bad
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac("token", payload)) {
		return nil, bad
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, bad
	}
	var c claims
	if json.Unmarshal(body, &c) != nil || c.ID == "" {
		return nil, bad
	}
	return &c, nil
}

func (a *Authority) secretKey(id string) string {
	return base64.RawURLEncoding.EncodeToString(a.mac("key", id))[:40]
}

func (a *Authority) mac(purpose, msg string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}
