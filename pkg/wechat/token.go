package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// API paths of the token endpoints.
const (
	PathToken       = "/cgi-bin/token"
	PathStableToken = "/cgi-bin/stable_token"
)

func isTokenPath(p string) bool { return p == PathToken || p == PathStableToken }

// Token is an access_token as returned by WeChat.
type Token struct {
	AccessToken string
	ExpiresIn   int       // seconds, as returned
	ObtainedAt  time.Time // when the request was sent (so ObtainedAt+ExpiresIn is never late)
}

// ExpiresAt is ObtainedAt + ExpiresIn.
func (t *Token) ExpiresAt() time.Time {
	return t.ObtainedAt.Add(time.Duration(t.ExpiresIn) * time.Second)
}

// StableTokenRequest is the JSON body of POST /cgi-bin/stable_token.
type StableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh,omitempty"`
}

// TokenResponse is the answer of both token endpoints: either a token or an
// errcode/errmsg pair.
type TokenResponse struct {
	AccessToken string `json:"access_token,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
	ErrCode     int    `json:"errcode,omitempty"`
	ErrMsg      string `json:"errmsg,omitempty"`
}

// StableToken calls POST /cgi-bin/stable_token. In normal mode
// (forceRefresh=false) WeChat returns the current token while it is valid,
// so the call is idempotent and retried on transient errors. A forced
// refresh invalidates the current token for everybody, is limited by WeChat
// to 20 a day and 30 s apart, and is never retried.
func (c *Client) StableToken(ctx context.Context, appid, secret string, forceRefresh bool) (*Token, error) {
	if err := checkCredentials(appid, secret); err != nil {
		return nil, err
	}
	body, err := json.Marshal(StableTokenRequest{
		GrantType: "client_credential", AppID: appid, Secret: secret, ForceRefresh: forceRefresh,
	})
	if err != nil {
		return nil, err
	}
	obtained := c.now()
	data, err := c.do(ctx, call{
		method: http.MethodPost, path: PathStableToken, body: body,
		secrets: []string{secret}, idempotent: !forceRefresh,
	})
	if err != nil {
		return nil, err
	}
	return decodeToken(data, PathStableToken, obtained)
}

// LegacyToken calls GET /cgi-bin/token. Every successful call mints a new
// token and invalidates the previous one after a 5-minute overlap; prefer
// StableToken. The secret travels in the query string, so errors from this
// call are scrubbed of it.
func (c *Client) LegacyToken(ctx context.Context, appid, secret string) (*Token, error) {
	if err := checkCredentials(appid, secret); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("grant_type", "client_credential")
	q.Set("appid", appid)
	q.Set("secret", secret)
	obtained := c.now()
	data, err := c.do(ctx, call{
		method: http.MethodGet, path: PathToken, query: q,
		secrets: []string{secret}, idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	return decodeToken(data, PathToken, obtained)
}

func checkCredentials(appid, secret string) error {
	if appid == "" {
		return errors.New("wechat: AppID is empty")
	}
	if secret == "" {
		return fmt.Errorf("wechat: AppSecret for %s is empty", appid)
	}
	return nil
}

func decodeToken(data []byte, path string, obtained time.Time) (*Token, error) {
	var tr TokenResponse
	if err := json.Unmarshal(data, &tr); err != nil {
		return nil, fmt.Errorf("wechat %s: decode response: %w", path, err)
	}
	if tr.AccessToken == "" || tr.ExpiresIn <= 0 {
		return nil, fmt.Errorf("wechat %s: response has no access_token or expires_in", path)
	}
	return &Token{AccessToken: tr.AccessToken, ExpiresIn: tr.ExpiresIn, ObtainedAt: obtained}, nil
}
