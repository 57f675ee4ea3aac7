// Package capi is the emulator's Tencent Cloud API 3.0 front door: it
// checks the request (method, size, signature), routes it by the service in
// the credential scope (or by X-TC-Version when the scope names no product),
// calls the registered action handler and writes the HTTP 200
// {"Response":{...,"RequestId"}} envelope with the real error codes.
package capi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/events"
	"github.com/tcb-go/tcb/pkg/emulator/faults"
	"github.com/tcb-go/tcb/pkg/emulator/tc3"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
)

// MaxBody is the TC3 POST body limit.
const MaxBody = 10 << 20

// MaxQuery is the GET query limit.
const MaxQuery = 32 << 10

// Error is an API error answer.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an API error.
func Errorf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Call is one decoded API request.
type Call struct {
	Service   string
	Version   string
	Action    string
	Region    string
	SecretID  string
	RequestID string
	Body      []byte
	Received  time.Time
	// Host is the Host header the client used (for URLs pointing back at
	// the emulator).
	Host string
	// Principal is who signed the call (nil with lenient auth).
	Principal *creds.Principal
	// UserAgent is the client's User-Agent (or X-TC-RequestClient).
	UserAgent string
	// Header holds the request's headers.
	Header http.Header
}

// Decode parses the parameters into v, rejecting unknown parameters
// (UnknownParameter) and wrong types (InvalidParameter).
func (c *Call) Decode(v any) error {
	body := c.Body
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "json: unknown field ") {
			name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			return Errorf("UnknownParameter", "The parameter `%s` is not recognized by %s.", name, c.Action)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Errorf("InvalidParameter", "The parameter `%s` has the wrong type: expected %s, got %s.", te.Field, te.Type, te.Value)
		}
		return Errorf("InvalidParameter", "The request body is not a valid JSON object: %v.", err)
	}
	if dec.More() {
		return Errorf("InvalidParameter", "The request body has trailing data after the JSON object.")
	}
	return nil
}

// Handler serves one action.
type Handler func(ctx context.Context, c *Call) (any, error)

// Options configure the dispatcher.
type Options struct {
	// Lenient skips HMAC, key and clock checks (the scope is still parsed
	// for routing).
	Lenient bool
	// Credentials authenticates SecretIds (with the X-TC-Token session
	// token of temporary ones).
	Credentials *creds.Authority
	Now         func() time.Time
	Faults      *faults.Registry
	Logger      *slog.Logger
	// Unimplemented counts actions nobody serves (nil: not counted).
	Unimplemented *unimpl.Registry
	// Events receives an events.Request per call (nil: none).
	Events *events.Bus
}

// Dispatcher routes API calls to handlers.
type Dispatcher struct {
	opts     Options
	mu       sync.RWMutex
	services map[string]*service // by name
	byVer    map[string]string   // version -> service
	calls    map[string]int64    // "service.Action" -> count
}

type service struct {
	version string
	actions map[string]Handler
}

// Products are the Tencent Cloud products (and API versions) the emulator
// knows, whether or not any of their actions is implemented yet.
var Products = map[string]string{
	"tcb":    "2018-06-08",
	"scf":    "2018-04-16",
	"flexdb": "2018-11-27",
}

// New returns a dispatcher with the known products and no actions.
func New(opts Options) *Dispatcher {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Faults == nil {
		opts.Faults = &faults.Registry{}
	}
	d := &Dispatcher{opts: opts, services: map[string]*service{}, byVer: map[string]string{}, calls: map[string]int64{}}
	for name, version := range Products {
		d.services[name] = &service{version: version, actions: map[string]Handler{}}
		d.byVer[version] = name
	}
	return d
}

// Register adds an action handler.
func (d *Dispatcher) Register(svc, version, action string, h Handler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.services[svc]
	if s == nil {
		s = &service{version: version, actions: map[string]Handler{}}
		d.services[svc] = s
		d.byVer[version] = svc
	}
	s.actions[action] = h
}

// Actions lists "service.Action" names, sorted.
func (d *Dispatcher) Actions() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []string
	for name, s := range d.services {
		for a := range s.actions {
			out = append(out, name+"."+a)
		}
	}
	sort.Strings(out)
	return out
}

// CallCounts returns how many times each action was called.
func (d *Dispatcher) CallCounts() map[string]int64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make(map[string]int64, len(d.calls))
	for k, v := range d.calls {
		out[k] = v
	}
	return out
}

// ServeHTTP handles POST/GET / requests.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := d.opts.Now()
	requestID := uuid.NewString()
	call, herr := d.prepare(r, requestID, start)
	var result any
	if herr == nil {
		result, herr = d.invoke(r.Context(), call)
	}
	code, message := "", ""
	var answer []byte
	if herr != nil {
		var ae *Error
		if !errors.As(herr, &ae) {
			ae = &Error{Code: "InternalError", Message: herr.Error()}
		}
		code, message = ae.Code, ae.Message
		answer = writeEnvelope(w, map[string]any{"Error": map[string]string{"Code": ae.Code, "Message": ae.Message}}, requestID)
	} else {
		answer = writeResult(w, result, requestID)
	}
	action := r.Header.Get("X-TC-Action")
	svc := ""
	if call != nil {
		svc = call.Service
	}
	if d.opts.Events != nil {
		d.publish(r, call, svc, action, code, message, requestID, answer, start)
	}
	d.opts.Logger.Info("api", "service", svc, "action", action, "code", code,
		"ms", time.Since(start).Milliseconds(), "request_id", requestID)
}

func (d *Dispatcher) prepare(r *http.Request, requestID string, now time.Time) (*Call, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, Errorf("UnsupportedProtocol", "Only GET and POST are supported, got %s.", r.Method)
	}
	if r.Method == http.MethodPost && r.ContentLength > MaxBody {
		return nil, Errorf("RequestSizeLimitExceeded", "The request body (%d bytes) exceeds the 10 MB limit.", r.ContentLength)
	}
	if r.Method == http.MethodGet && len(r.URL.RawQuery) > MaxQuery {
		return nil, Errorf("RequestSizeLimitExceeded", "The query string exceeds the 32 KB limit.")
	}
	auth, perr := tc3.ParseAuthorization(r.Header.Get("Authorization"))
	if perr != nil {
		return nil, &Error{perr.Code, perr.Message}
	}
	version := r.Header.Get("X-TC-Version")
	svcName, err := d.route(auth.Service, version)
	if err != nil {
		return nil, err
	}
	var principal *creds.Principal
	var cerr *creds.Error
	lookup := func(id string) (string, bool) {
		principal, cerr = d.opts.Credentials.Lookup(id, r.Header.Get("X-TC-Token"))
		if principal == nil {
			return "", false
		}
		return principal.SecretKey, true
	}
	failed := func(verr *tc3.Error) error {
		if cerr != nil {
			return &Error{cerr.Code, cerr.Message}
		}
		return &Error{verr.Code, verr.Message}
	}
	// Everything that needs no body is checked before the body is read:
	// requests with unknown keys or stale timestamps cost no memory.
	if !d.opts.Lenient {
		if verr := tc3.Precheck(r, now, lookup); verr != nil {
			return nil, failed(verr)
		}
	}
	var body []byte
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return nil, Errorf("InvalidRequest", "Reading the request body failed: %v.", err)
		}
		if len(b) > MaxBody {
			return nil, Errorf("RequestSizeLimitExceeded", "The request body exceeds the 10 MB limit.")
		}
		body = b
	}
	if !d.opts.Lenient {
		if _, verr := tc3.Verify(r, body, now, lookup); verr != nil {
			return nil, failed(verr)
		}
	} else if _, terr := tc3.Timestamp(r); terr != nil {
		return nil, &Error{terr.Code, terr.Message}
	}
	action := r.Header.Get("X-TC-Action")
	if action == "" {
		return nil, Errorf("MissingParameter", "The X-TC-Action header is missing.")
	}
	if r.Method == http.MethodGet {
		body = queryToJSON(r.URL.Query())
	} else if ct := strings.ToLower(r.Header.Get("Content-Type")); !strings.HasPrefix(ct, "application/json") {
		return nil, Errorf("InvalidParameter", "Content-Type must be application/json for TC3 POST requests, got %q.", ct)
	}
	if err := checkScope(principal, action, body); err != nil {
		return nil, err
	}
	return &Call{Service: svcName, Version: version, Action: action, Region: r.Header.Get("X-TC-Region"),
		SecretID: auth.SecretID, RequestID: requestID, Body: body, Received: now, Host: r.Host, Principal: principal,
		UserAgent: userAgent(r), Header: r.Header}, nil
}

func userAgent(r *http.Request) string {
	if c := r.Header.Get("X-TC-RequestClient"); c != "" {
		return c
	}
	return r.UserAgent()
}

// checkScope keeps temporary credentials (a function's) inside their
// environment: the call must name it as EnvId or Namespace, the parameters
// every env-level action of tcb and scf takes.
func checkScope(p *creds.Principal, action string, body []byte) error {
	if p == nil || !p.Temporary {
		return nil
	}
	var params struct {
		EnvId     *string
		Namespace *string
	}
	json.Unmarshal(body, &params)
	named := false
	for _, v := range []*string{params.EnvId, params.Namespace} {
		if v == nil {
			continue
		}
		if *v != p.Env {
			return Errorf("AuthFailure.UnauthorizedOperation", "The temporary credentials of environment %s may not act on %q (%s).", p.Env, *v, action)
		}
		named = true
	}
	if !named {
		return Errorf("AuthFailure.UnauthorizedOperation", "The temporary credentials of environment %s may only call actions that name it (EnvId or Namespace); %s names none.", p.Env, action)
	}
	return nil
}

// route picks the service: the scope's service when it names a product we
// serve, else the product whose version X-TC-Version names. A scope naming
// one product with another product's version is a signature failure: the
// real gateway would have derived the scope from the host.
func (d *Dispatcher) route(scopeService, version string) (string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if version == "" {
		return "", Errorf("MissingParameter", "The X-TC-Version header is missing.")
	}
	if s, ok := d.services[scopeService]; ok {
		if s.version == version {
			return scopeService, nil
		}
		if other, ok := d.byVer[version]; ok {
			return "", Errorf("AuthFailure.SignatureFailure",
				"The credential scope names service %s, but version %s belongs to %s.", scopeService, version, other)
		}
		return "", Errorf("NoSuchVersion", "Version %s of %s does not exist (use %s).", version, scopeService, s.version)
	}
	if svc, ok := d.byVer[version]; ok {
		return svc, nil
	}
	return "", Errorf("NoSuchProduct", "No product serves version %s (scope service %q).", version, scopeService)
}

func (d *Dispatcher) invoke(ctx context.Context, c *Call) (result any, err error) {
	d.mu.Lock()
	var h Handler
	if s := d.services[c.Service]; s != nil {
		h = s.actions[c.Action]
	}
	if h != nil {
		d.calls[c.Service+"."+c.Action]++
	}
	d.mu.Unlock()
	if h == nil {
		if d.opts.Unimplemented != nil {
			d.opts.Unimplemented.Record(unimpl.KindAPI, c.Service+"."+c.Action, c.UserAgent)
		}
		return nil, Errorf("InvalidAction", "The action %s does not exist in %s %s.", c.Action, c.Service, c.Version)
	}
	if rule := d.opts.Faults.Take(c.Action, c.Service+":"+c.Action); rule != nil {
		if rule.Latency > 0 {
			select {
			case <-time.After(time.Duration(rule.Latency)):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if rule.Code != "" {
			msg := rule.Message
			if msg == "" {
				msg = "Injected fault."
			}
			return nil, &Error{Code: rule.Code, Message: msg}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			d.opts.Logger.Error("handler panic", "action", c.Action, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			result, err = nil, Errorf("InternalError", "Internal error while handling %s.", c.Action)
		}
	}()
	return h(ctx, c)
}

// publish sends the call to the event bus (bodies capped, secrets left
// for readers to mask: events.Request.Redacted).
func (d *Dispatcher) publish(r *http.Request, call *Call, svc, action, code, message, requestID string, answer []byte, start time.Time) {
	name := action
	if svc != "" {
		name = svc + "." + action
	}
	ev := &events.Request{Kind: events.KindAPI, Name: name, RequestID: requestID, UserAgent: userAgent(r),
		Status: http.StatusOK, Code: code, Message: message, Duration: d.opts.Now().Sub(start),
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Response: events.Capped(answer), ResponseSize: int64(len(answer)), ResponseType: "application/json"}
	if len(ev.UserAgent) > 200 {
		ev.UserAgent = ev.UserAgent[:200]
	}
	if call != nil {
		ev.Body, ev.BodySize = events.Capped(call.Body), int64(len(call.Body))
		ev.Caller = events.MaskID(call.SecretID)
	} else if auth, err := tc3.ParseAuthorization(r.Header.Get("Authorization")); err == nil {
		ev.Caller = events.MaskID(auth.SecretID)
	}
	d.opts.Events.Publish(events.TopicRequest, ev)
	events.MarkPublished(r.Context())
}

func writeResult(w http.ResponseWriter, result any, requestID string) []byte {
	obj := map[string]json.RawMessage{}
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return writeEnvelope(w, map[string]any{"Error": map[string]string{"Code": "InternalError", "Message": "encoding the response failed"}}, requestID)
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return writeEnvelope(w, map[string]any{"Error": map[string]string{"Code": "InternalError", "Message": "the response is not an object"}}, requestID)
		}
	}
	resp := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		resp[k] = v
	}
	return writeEnvelope(w, resp, requestID)
}

// writeEnvelope writes the answer and returns its bytes.
func writeEnvelope(w http.ResponseWriter, resp map[string]any, requestID string) []byte {
	resp["RequestId"] = requestID
	b, _ := json.Marshal(map[string]any{"Response": resp})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return b
}

// queryToJSON turns flattened GET parameters (A=1&B.0=x&C.D=y) into a JSON
// object, guessing numbers and booleans.
func queryToJSON(q url.Values) []byte {
	root := map[string]any{}
	for key, vals := range q {
		switch key {
		case "Action", "Version", "Region", "Timestamp", "Nonce", "RequestClient":
			continue
		}
		if len(vals) == 0 {
			continue
		}
		setPath(root, strings.Split(key, "."), guess(vals[0]))
	}
	b, _ := json.Marshal(normalize(root))
	return b
}

func guess(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if s == "true" || s == "false" {
		return s == "true"
	}
	return s
}

func setPath(m map[string]any, parts []string, v any) {
	for i, p := range parts {
		if i == len(parts)-1 {
			m[p] = v
			return
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
}

// normalize turns maps whose keys are 0..n-1 into arrays.
func normalize(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		m[k] = normalize(x)
	}
	if len(m) == 0 {
		return m
	}
	arr := make([]any, len(m))
	for k, x := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(m) {
			return m
		}
		arr[i] = x
	}
	return arr
}
