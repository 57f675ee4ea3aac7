package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the public WeChat API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Client talks to the WeChat server APIs (or to the local emulator when
// BaseURL points at it). The zero value is usable.
type Client struct {
	// BaseURL defaults to DefaultBaseURL. Any path prefix is kept.
	BaseURL string
	// HTTP defaults to a client with a 15 s timeout.
	HTTP *http.Client
	// Logger receives debug records per attempt and warnings on retries.
	// Nil discards. Records never contain secrets or tokens.
	Logger *slog.Logger
	// Retry configures retries of idempotent calls; the zero value means
	// 3 attempts, 200 ms base delay, 2 s cap.
	Retry RetryPolicy
	// Now is the clock used to stamp Token.ObtainedAt; nil means time.Now.
	Now func() time.Time
}

// RetryPolicy controls retries of errcode -1, transport errors and HTTP
// 429/5xx. Other errors are never retried.
type RetryPolicy struct {
	Attempts  int           // total attempts including the first; 0 means 3, 1 disables retries
	BaseDelay time.Duration // first backoff; 0 means 200 ms
	MaxDelay  time.Duration // backoff cap; 0 means 2 s
}

var defaultHTTPClient = &http.Client{Timeout: 15 * time.Second}

const (
	maxTokenResponse = 64 << 10
	maxTCBResponse   = 64 << 20
)

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTPClient
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) baseURL() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

func (p RetryPolicy) attempts() int {
	if p.Attempts <= 0 {
		return 3
	}
	return p.Attempts
}

// backoff returns the jittered delay before attempt n+1 (n >= 1).
func (p RetryPolicy) backoff(n int) time.Duration {
	base, maxD := p.BaseDelay, p.MaxDelay
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = 2 * time.Second
	}
	d := base
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	if d > maxD {
		d = maxD
	}
	// "equal jitter": half fixed, half random.
	half := d / 2
	return half + rand.N(half+1)
}

// call describes one logical request.
type call struct {
	method      string
	path        string
	query       url.Values // may hold secret or access_token; never logged
	body        []byte
	secrets     []string // values to scrub from any error text
	idempotent  bool     // safe to retry
	maxResponse int64
}

// envelope is the common {errcode, errmsg} part of every WeChat answer.
type envelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// do runs the call with retries and returns the body of a successful
// (errcode 0 or absent) answer.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	attempts := 1
	if cl.idempotent {
		attempts = c.Retry.attempts()
	}
	log := c.logger()
	var lastErr error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			d := c.Retry.backoff(n - 1)
			log.LogAttrs(ctx, slog.LevelWarn, "wechat call failed, retrying",
				slog.String("path", cl.path), slog.Int("attempt", n-1), slog.Duration("backoff", d),
				slog.String("error", lastErr.Error()))
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, &TransportError{Method: cl.method, Path: cl.path, err: ctx.Err()}
			case <-t.C:
			}
		}
		body, err := c.once(ctx, cl)
		if err == nil {
			return body, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err) {
			return nil, err
		}
	}
	return nil, lastErr
}

func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code == CodeSystemBusy
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Retryable()
	}
	var te *TransportError
	return errors.As(err, &te)
}

func (c *Client) once(ctx context.Context, cl call) ([]byte, error) {
	start := time.Now()
	u := c.baseURL() + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rdr io.Reader
	if cl.body != nil {
		rdr = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rdr)
	if err != nil {
		return nil, &TransportError{Method: cl.method, Path: cl.path, err: sanitizeTransport(err, cl.secrets)}
	}
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tcb-go")

	resp, err := c.httpClient().Do(req)
	if err != nil {
		terr := &TransportError{Method: cl.method, Path: cl.path, err: sanitizeTransport(err, cl.secrets)}
		c.logAttempt(ctx, cl, 0, 0, start, terr)
		return nil, terr
	}
	defer resp.Body.Close()
	limit := cl.maxResponse
	if limit <= 0 {
		limit = maxTokenResponse
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		terr := &TransportError{Method: cl.method, Path: cl.path, err: sanitizeTransport(err, cl.secrets)}
		c.logAttempt(ctx, cl, resp.StatusCode, 0, start, terr)
		return nil, terr
	}
	if int64(len(data)) > limit {
		terr := &TransportError{Method: cl.method, Path: cl.path, err: errors.New("response body too large")}
		c.logAttempt(ctx, cl, resp.StatusCode, 0, start, terr)
		return nil, terr
	}

	var env envelope
	jsonErr := json.Unmarshal(data, &env)
	if jsonErr == nil && env.ErrCode != 0 {
		aerr := newAPIError(env.ErrCode, env.ErrMsg, cl.path, cl.secrets)
		c.logAttempt(ctx, cl, resp.StatusCode, env.ErrCode, start, aerr)
		return nil, aerr
	}
	if resp.StatusCode != http.StatusOK {
		serr := &StatusError{Method: cl.method, Path: cl.path, StatusCode: resp.StatusCode}
		c.logAttempt(ctx, cl, resp.StatusCode, 0, start, serr)
		return nil, serr
	}
	if jsonErr != nil {
		// A 200 with a body that is not JSON: a captive portal or a broken
		// proxy. Report it without echoing the body.
		terr := &TransportError{Method: cl.method, Path: cl.path, err: errors.New("response is not valid JSON")}
		c.logAttempt(ctx, cl, resp.StatusCode, 0, start, terr)
		return nil, terr
	}
	c.logAttempt(ctx, cl, resp.StatusCode, 0, start, nil)
	return data, nil
}

func (c *Client) logAttempt(ctx context.Context, cl call, status, errcode int, start time.Time, err error) {
	log := c.logger()
	if !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if errcode != 0 {
		attrs = append(attrs, slog.Int("errcode", errcode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	log.LogAttrs(ctx, slog.LevelDebug, "wechat call", attrs...)
}
