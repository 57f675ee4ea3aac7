package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// Service versions this client speaks.
var serviceVersions = map[string]string{
	"tcb":    "2018-06-08",
	"scf":    "2018-04-16",
	"flexdb": "2018-11-27",
}

// VersionOf returns the API version tcb uses for service.
func VersionOf(service string) string { return serviceVersions[service] }

// Credential is a Tencent Cloud API key pair, optionally temporary.
type Credential struct {
	SecretID  string
	SecretKey string
	Token     string
}

// Options configure a Client.
type Options struct {
	Credential Credential
	// Region goes into X-TC-Region; scf requires it.
	Region string
	// Endpoint sends every call to one host instead of
	// <service>.tencentcloudapi.com: "http://127.0.0.1:9800" (the emulator),
	// or "https://host". A bare "host:port" means https.
	Endpoint string
	// Timeout bounds one HTTP exchange (default 30 s).
	Timeout time.Duration
	// MaxAttempts for idempotent reads (default 3). Writes are tried once.
	MaxAttempts int
	// Trace, when set, receives one line per request and response with
	// secrets masked (--verbose).
	Trace io.Writer
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Client calls Tencent Cloud API 3.0 actions.
type Client struct {
	opts      Options
	scheme    string
	host      string
	transport http.RoundTripper
	traceMu   sync.Mutex
}

// New validates opts and returns a client.
func New(opts Options) (*Client, error) {
	if opts.Credential.SecretID == "" || opts.Credential.SecretKey == "" {
		return nil, errors.New("no Tencent Cloud API credentials")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	c := &Client{opts: opts, scheme: "HTTPS"}
	if opts.Endpoint != "" {
		scheme, host, err := ParseEndpoint(opts.Endpoint)
		if err != nil {
			return nil, err
		}
		c.scheme, c.host = scheme, host
	}
	c.transport = opts.Transport
	if c.transport == nil {
		c.transport = http.DefaultTransport
	}
	return c, nil
}

// Region is the region the client sends.
func (c *Client) Region() string { return c.opts.Region }

// Endpoint describes where calls go, for messages.
func (c *Client) Endpoint(service string) string {
	if c.host != "" {
		return strings.ToLower(c.scheme) + "://" + c.host
	}
	return "https://" + service + ".tencentcloudapi.com"
}

// ParseEndpoint splits "http://host:port" into the SDK's Scheme ("HTTP" or
// "HTTPS") and Endpoint ("host:port"). Paths, queries and user info are
// rejected: the SDK signs the host and always posts to "/".
func ParseEndpoint(s string) (scheme, host string, err error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("invalid endpoint %q: expected http://host:port or https://host", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", fmt.Errorf("invalid endpoint %q: scheme must be http or https", s)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return "", "", fmt.Errorf("invalid endpoint %q: give only scheme, host and port", s)
	}
	return strings.ToUpper(u.Scheme), strings.ToLower(u.Host), nil
}

// CallOptions adjust one call.
type CallOptions struct {
	// Timeout overrides the client's timeout (Invoke waits for the function).
	Timeout time.Duration
	// Idempotent forces retry behaviour on or off; by default actions named
	// Describe*, List*, Get*, Check* and Search* are retried.
	Idempotent *bool
	// Header is sent along, unsigned (the emulator's extensions).
	Header http.Header
}

// rawRequest sends any JSON-marshalable struct as an action's parameters
// through the SDK's signer: the SDK signs exactly the bytes MarshalJSON
// returns.
type rawRequest struct {
	*tchttp.BaseRequest
	body []byte
}

func (r *rawRequest) MarshalJSON() ([]byte, error) { return r.body, nil }

// rawResponse keeps the "Response" object for typed decoding afterwards.
type rawResponse struct {
	*tchttp.BaseResponse
	Response json.RawMessage `json:"Response"`
}

// Call invokes service.action with req's fields as parameters and decodes
// the "Response" object into out (which may be nil).
func (c *Client) Call(ctx context.Context, service, action string, req any, out any, co ...CallOptions) error {
	version, ok := serviceVersions[service]
	if !ok {
		return fmt.Errorf("cloudapi: unknown service %q", service)
	}
	body := []byte("{}")
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("%s: encoding request: %w", action, err)
		}
		body = b
	}
	raw, err := c.CallVersion(ctx, service, version, action, body, co...)
	if err != nil || out == nil || len(raw) == 0 {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &APIError{Service: service, Action: action, Code: "ClientError.ParseJsonError",
			Message: fmt.Sprintf("unexpected response shape: %v", err)}
	}
	return nil
}

// CallVersion sends body (a JSON object) as the parameters of
// service.action at API version version and returns the "Response"
// object, RequestId included. Any service and version may be named: the
// call goes to <service>.tencentcloudapi.com or the configured endpoint.
func (c *Client) CallVersion(ctx context.Context, service, version, action string, body []byte, co ...CallOptions) (json.RawMessage, error) {
	var opt CallOptions
	if len(co) > 0 {
		opt = co[0]
	}
	idempotent := isIdempotent(action)
	if opt.Idempotent != nil {
		idempotent = *opt.Idempotent
	}
	attempts := 1
	if idempotent {
		attempts = c.opts.MaxAttempts
	}
	timeout := c.opts.Timeout
	if opt.Timeout > 0 {
		timeout = opt.Timeout
	}
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			if err := sleepBackoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		raw, err := c.send(ctx, service, version, action, body, timeout, opt.Header)
		if err == nil {
			return raw, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retryable(err) {
			return nil, err
		}
	}
	return nil, lastErr
}

func (c *Client) send(ctx context.Context, service, version, action string, body []byte, timeout time.Duration, header http.Header) (json.RawMessage, error) {
	req := &rawRequest{BaseRequest: &tchttp.BaseRequest{}, body: body}
	req.Init().WithApiInfo(service, version, action)

	prof := profile.NewClientProfile()
	prof.HttpProfile.ReqTimeout = int((timeout + time.Second - 1) / time.Second)
	prof.HttpProfile.Scheme = c.scheme
	prof.HttpProfile.Endpoint = c.host

	tr := &callTransport{ctx: ctx, base: c.transport, client: c, service: service, action: action, header: header}
	sdk := &common.Client{}
	sdk.Init(c.opts.Region).
		WithCredential(common.NewTokenCredential(c.opts.Credential.SecretID, c.opts.Credential.SecretKey, c.opts.Credential.Token)).
		WithProfile(prof).
		WithHttpTransport(tr)

	resp := &rawResponse{BaseResponse: &tchttp.BaseResponse{}}
	err := sdk.Send(req, resp)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var se *sdkerrors.TencentCloudSDKError
		if errors.As(err, &se) {
			if se.Code == "ClientError.NetworkError" {
				return nil, &NetworkError{Endpoint: c.Endpoint(service), Action: action, Err: tr.lastErr}
			}
			msg := se.Message
			if strings.HasPrefix(se.Code, "ClientError.") {
				// The SDK puts the whole response body into these
				// (a proxy's HTML error page, say): keep one short line.
				msg = clip(msg, maxClientErrorMessage)
			}
			return nil, &APIError{Service: service, Action: action, Code: se.Code, Message: msg, RequestId: se.RequestId}
		}
		return nil, &NetworkError{Endpoint: c.Endpoint(service), Action: action, Err: err}
	}
	return resp.Response, nil
}

// maxClientErrorMessage bounds the message of SDK client-side errors.
const maxClientErrorMessage = 300

// clip folds whitespace runs (newlines included) into single spaces and
// cuts s to at most max bytes, on a rune boundary.
func clip(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes cut)", s[:cut], len(s)-cut)
}

// callTransport binds the SDK's context-free requests to our context and
// writes the --verbose trace.
type callTransport struct {
	ctx             context.Context
	base            http.RoundTripper
	client          *Client
	service, action string
	header          http.Header
	lastErr         error
}

func (t *callTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.WithContext(t.ctx)
	for k, vs := range t.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	start := time.Now()
	t.client.tracef("> %s %s %s.%s (%d bytes, region %q)", r.Method, r.URL.Redacted(), t.service, t.action, r.ContentLength, t.client.opts.Region)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		t.lastErr = err
		t.client.tracef("< %s.%s failed after %s: %v", t.service, t.action, time.Since(start).Round(time.Millisecond), err)
		return nil, err
	}
	t.client.tracef("< %s.%s HTTP %d after %s", t.service, t.action, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return resp, nil
}

func (c *Client) tracef(format string, a ...any) {
	if c.opts.Trace == nil {
		return
	}
	c.traceMu.Lock()
	defer c.traceMu.Unlock()
	fmt.Fprintf(c.opts.Trace, "[cloudapi] "+format+"\n", a...)
}

func isIdempotent(action string) bool {
	for _, p := range []string{"Describe", "List", "Get", "Check", "Search"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

func retryable(err error) bool {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		c := ae.Code
		return strings.HasPrefix(c, "RequestLimitExceeded") || strings.HasPrefix(c, "InternalError") ||
			c == "ServiceUnavailable" || c == "ResourceUnavailable.ServiceBusy"
	}
	return false
}

func sleepBackoff(ctx context.Context, attempt int) error {
	base := 200 * time.Millisecond << (attempt - 2)
	d := base/2 + time.Duration(rand.Int64N(int64(base)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
