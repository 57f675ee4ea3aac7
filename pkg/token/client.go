package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// ServerClient talks to a token Server (tcb token get --server URL). The
// zero HTTP means a client with a 10 s timeout.
type ServerClient struct {
	BaseURL string // e.g. http://127.0.0.1:9810
	Key     string // bearer key; never logged or put in errors
	HTTP    *http.Client
}

var defaultServerHTTP = &http.Client{Timeout: 10 * time.Second}

// ServerError is a non-200 answer of the token server.
type ServerError struct {
	StatusCode int
	Code       string // ErrorBody.Error, e.g. "unauthorized", "unknown_app"
	Message    string
	ErrCode    int    // WeChat errcode behind an upstream failure
	RID        string // WeChat rid behind an upstream failure
}

func (e *ServerError) Error() string {
	msg := fmt.Sprintf("token server: HTTP %d %s: %s", e.StatusCode, e.Code, e.Message)
	if e.ErrCode != 0 && !strings.Contains(e.Message, "errcode") {
		msg += fmt.Sprintf(" (errcode %d)", e.ErrCode)
	}
	if e.RID != "" && !strings.Contains(e.Message, e.RID) {
		msg += " (rid: " + e.RID + ")"
	}
	return msg
}

// ErrorKind says what kind of failure the answer is: 401 auth, 404
// unknown_app not found, 400 and 413 invalid input, anything else a remote
// failure (the server or its upstream).
func (e *ServerError) ErrorKind() errkind.Kind {
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		return errkind.Auth
	case e.StatusCode == http.StatusNotFound && e.Code == "unknown_app":
		return errkind.NotFound
	case e.StatusCode == http.StatusBadRequest, e.StatusCode == http.StatusRequestEntityTooLarge:
		return errkind.Input
	}
	return errkind.Remote
}

// Token fetches appid's current token (GET /v1/token). Transport failures
// and 5xx answers are retried up to 3 times.
func (c *ServerClient) Token(ctx context.Context, appid string) (*Record, error) {
	q := url.Values{"appid": {appid}}
	return c.do(ctx, http.MethodGet, "/v1/token?"+q.Encode(), nil, appid, 3)
}

// Get is Token; it makes ServerClient a Provider.
func (c *ServerClient) Get(ctx context.Context, appid string) (*Record, error) {
	return c.Token(ctx, appid)
}

// Refresh reports stale as failing (POST /v1/token/refresh) and returns the
// current token: compare-and-refresh happens on the server. Retried on
// transport failures: the server call is idempotent.
func (c *ServerClient) Refresh(ctx context.Context, appid, stale string) (*Record, error) {
	body, err := json.Marshal(RefreshBody{AppID: appid, StaleToken: stale})
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPost, "/v1/token/refresh", body, appid, 3)
}

func (c *ServerClient) do(ctx context.Context, method, path string, body []byte, appid string, attempts int) (*Record, error) {
	if c.BaseURL == "" {
		return nil, errors.New("token server: no URL")
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultServerHTTP
	}
	var lastErr error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			d := time.Duration(100<<(n-2)) * time.Millisecond
			d = d/2 + rand.N(d/2+1)
			select {
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			case <-time.After(d):
			}
		}
		rec, retry, err := c.once(ctx, hc, method, path, body, appid)
		if err == nil {
			return rec, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, lastErr
}

func (c *ServerClient) once(ctx context.Context, hc *http.Client, method, path string, body []byte, appid string) (rec *Record, retry bool, err error) {
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rdr)
	if err != nil {
		return nil, false, fmt.Errorf("token server: %w", err)
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := err.Error()
		if c.Key != "" {
			msg = strings.ReplaceAll(msg, c.Key, "****")
		}
		return nil, true, fmt.Errorf("token server %s %s: %s", method, strings.SplitN(path, "?", 2)[0], msg)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, true, fmt.Errorf("token server: read answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		se := &ServerError{StatusCode: resp.StatusCode}
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
			se.Code, se.Message, se.ErrCode, se.RID = eb.Error, eb.Message, eb.ErrCode, eb.RID
		} else {
			se.Code, se.Message = "http_error", http.StatusText(resp.StatusCode)
		}
		return nil, resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable, se
	}
	var tb TokenBody
	if err := json.Unmarshal(data, &tb); err != nil || tb.AccessToken == "" {
		return nil, false, errors.New("token server: malformed answer (is the URL a tcb token server?)")
	}
	// Trust the relative expires_in over the server's clock; take the
	// earlier of the two.
	exp := time.Now().Add(time.Duration(tb.ExpiresIn) * time.Second)
	if !tb.ExpiresAt.IsZero() && tb.ExpiresAt.Before(exp) {
		exp = tb.ExpiresAt
	}
	return &Record{AppID: appid, Token: tb.AccessToken, ExpiresAt: exp, Source: tb.Source}, false, nil
}
