// Package sdkapi is the emulator's door for the server SDKs that run inside
// cloud functions (wx-server-sdk, @cloudbase/node-sdk): POST /admin, where
// every call is a JSON body naming its "action" (database.getDocument,
// functions.invokeFunction, ...). The router checks the SDK's signature
// (its own variant of TC3, see sign.go) with the emulator's credentials,
// keeps temporary credentials inside their environment, and hands the call
// to the handler another module registered for the action. Replies are
// HTTP 200 JSON: {"requestId", ...} on success, {"code", "message",
// "requestId"} on failure, with the string codes the SDKs map to their
// errCodes (DATABASE_COLLECTION_NOT_EXIST -> -502005, ...).
//
// Functions find this door through TCB_CONTEXT_CNFG ({"URL":
// "http://<emulator>/admin"}), which the SDKs read before their built-in
// cloud hosts, so user code needs no serviceUrl.
package sdkapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/events"
	"github.com/tcb-go/tcb/pkg/emulator/unimpl"
)

// Path is where the router is served.
const Path = "/admin"

// MaxBody bounds a request body.
const MaxBody = 10 << 20

// Error codes the SDKs know (wx-server-sdk maps them to errCodes).
const (
	CodeSystem             = "SYS_ERR"                       // -501001
	CodeInvalidEnv         = "INVALIID_ENV"                  // -501005 (sic, the SDK's spelling)
	CodeInvalidParam       = "INVALID_PARAM"                 // -501007
	CodeInvalidSource      = "INVALID_REQUEST_SOURCE"        // -501008
	CodeDatabaseRequest    = "DATABASE_REQUEST_FAILED"       // -502001
	CodeDatabaseOperator   = "DATABASE_INVALID_OPERRATOR"    // -502002 (sic)
	CodeCollectionNotExist = "DATABASE_COLLECTION_NOT_EXIST" // -502005
	CodeTransactionFail    = "DATABASE_TRANSACTION_FAIL"
	CodeTransactionClash   = "DATABASE_TRANSACTION_CONFLICT" // node-sdk retries runTransaction on it
	CodeFunctionRequest    = "FUNCTIONS_REQUEST_FAIL"        // -504001
	CodeFunctionExecute    = "FUNCTIONS_EXECUTE_FAIL"        // -504002
	CodeSignature          = "SIGN_PARAM_INVALID"
	CodeNotImplemented     = "ACTION_NOT_IMPLEMENTED"
)

// Error is a failure answered as {"code","message"}.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error.
func Errorf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Request is one authenticated call.
type Request struct {
	Action string
	// Env is the environment the call is for (envName, else the env query
	// parameter); it exists and is ready, and the principal may use it.
	Env       string
	Params    map[string]json.RawMessage
	Principal *creds.Principal
	RequestID string
	// Host is the Host header (for URLs pointing back at the emulator).
	Host      string
	UserAgent string
	Received  time.Time
}

// String returns a string parameter ("" when absent or null).
func (r *Request) String(name string) (string, error) {
	raw, ok := r.Params[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", Errorf(CodeInvalidParam, "parameter %s must be a string", name)
	}
	return s, nil
}

// Bool returns a boolean parameter (false when absent or null).
func (r *Request) Bool(name string) (bool, error) {
	raw, ok := r.Params[name]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, Errorf(CodeInvalidParam, "parameter %s must be a boolean", name)
	}
	return b, nil
}

// Int returns an integer parameter and whether it was given.
func (r *Request) Int(name string) (int64, bool, error) {
	raw, ok := r.Params[name]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != float64(int64(f)) {
		return 0, false, Errorf(CodeInvalidParam, "parameter %s must be an integer", name)
	}
	return int64(f), true, nil
}

// Decode decodes one parameter into v (absent leaves v alone).
func (r *Request) Decode(name string, v any) error {
	raw, ok := r.Params[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return Errorf(CodeInvalidParam, "parameter %s has the wrong type: %v", name, err)
	}
	return nil
}

// Reply is a success answer: its fields become the top level of the JSON
// (usually just "data"); requestId is added.
type Reply map[string]any

// Data is the common reply {"data": v}.
func Data(v any) Reply { return Reply{"data": v} }

// Handler serves one action.
type Handler func(ctx context.Context, r *Request) (Reply, error)

// EnvChecker reports whether an environment can serve calls: nil, or an
// *Error (CodeInvalidEnv for an unknown one).
type EnvChecker func(env string) error

// Options configure the router.
type Options struct {
	Credentials   *creds.Authority
	Envs          EnvChecker
	Now           func() time.Time
	Logger        *slog.Logger
	Unimplemented *unimpl.Registry
	// Lenient skips signature checks (the emulator's --auth lenient).
	Lenient bool
	// Events receives an events.Request per call (nil: none).
	Events *events.Bus
}

// Router dispatches /admin actions to handlers.
type Router struct {
	opts     Options
	mu       sync.RWMutex
	handlers map[string]Handler
	calls    map[string]int64
}

// New returns a router with no actions.
func New(opts Options) *Router {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Router{opts: opts, handlers: map[string]Handler{}, calls: map[string]int64{}}
}

// Register adds the handler of an action ("database.getDocument").
func (rt *Router) Register(action string, h Handler) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.handlers[action] = h
}

// Actions lists the registered actions, sorted.
func (rt *Router) Actions() []string {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make([]string, 0, len(rt.handlers))
	for a := range rt.handlers {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// CallCounts returns how often each action was called.
func (rt *Router) CallCounts() map[string]int64 {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make(map[string]int64, len(rt.calls))
	for k, v := range rt.calls {
		out[k] = v
	}
	return out
}

// ServeHTTP serves POST /admin.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := uuid.NewString()
	var reply Reply
	req, err := rt.prepare(r, requestID)
	if err == nil {
		reply, err = rt.dispatch(r.Context(), req)
	}
	action := ""
	if req != nil {
		action = req.Action
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeSystem, Message: err.Error()}
		}
		rt.opts.Logger.Info("sdk", "action", action, "code", e.Code, "ms", time.Since(start).Milliseconds(), "request_id", requestID)
		answer := writeJSON(w, map[string]any{"code": e.Code, "message": e.Message, "requestId": requestID})
		rt.publish(r, req, action, e, requestID, answer, start)
		return
	}
	rt.opts.Logger.Info("sdk", "action", action, "ms", time.Since(start).Milliseconds(), "request_id", requestID)
	out := make(map[string]any, len(reply)+1)
	for k, v := range reply {
		out[k] = v
	}
	out["requestId"] = requestID
	answer := writeJSON(w, out)
	rt.publish(r, req, action, nil, requestID, answer, start)
}

// publish sends the call to the event bus (secrets are masked by readers:
// events.Request.Redacted).
func (rt *Router) publish(r *http.Request, req *Request, action string, e *Error, requestID string, answer []byte, start time.Time) {
	if rt.opts.Events == nil {
		return
	}
	ev := &events.Request{Kind: events.KindSDK, Name: action, RequestID: requestID, UserAgent: r.UserAgent(),
		Status: http.StatusOK, Duration: time.Since(start), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		ContentType: "application/json", Response: events.Capped(answer), ResponseSize: int64(len(answer)), ResponseType: "application/json"}
	if len(ev.UserAgent) > 200 {
		ev.UserAgent = ev.UserAgent[:200]
	}
	if ev.Name == "" {
		ev.Name = "(no action)"
	}
	if e != nil {
		ev.Code, ev.Message = e.Code, e.Message
	}
	if req != nil {
		if b, err := json.Marshal(req.Params); err == nil {
			ev.Body, ev.BodySize = events.Capped(b), int64(len(b))
		}
		if req.Principal != nil {
			ev.Caller = events.MaskID(req.Principal.SecretID)
		}
	}
	rt.opts.Events.Publish(events.TopicRequest, ev)
	events.MarkPublished(r.Context())
}

func (rt *Router) prepare(r *http.Request, requestID string) (*Request, error) {
	if r.Method != http.MethodPost {
		return nil, Errorf(CodeInvalidParam, "the SDK API takes POST requests, not %s", r.Method)
	}
	if r.ContentLength > MaxBody {
		return nil, Errorf(CodeInvalidParam, "the request body is %d bytes, over the %d-byte limit", r.ContentLength, MaxBody)
	}
	now := rt.opts.Now()
	var auth *authorization
	if !rt.opts.Lenient {
		a, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			return nil, Errorf(CodeSignature, "%v", err)
		}
		if a.service != "tcb" {
			return nil, Errorf(CodeSignature, "the credential scope names service %q; the SDK API signs for tcb", a.service)
		}
		auth = a
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, Errorf(CodeInvalidParam, "reading the request body failed: %v", err)
	}
	if len(body) > MaxBody {
		return nil, Errorf(CodeInvalidParam, "the request body is over the %d-byte limit", MaxBody)
	}
	var params map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&params); err != nil || params == nil || dec.More() {
		return nil, Errorf(CodeInvalidParam, "the request body is not one JSON object")
	}
	req := &Request{Params: params, RequestID: requestID, Host: r.Host, UserAgent: r.UserAgent(), Received: now}
	if req.Action, err = req.String("action"); err != nil || req.Action == "" {
		return nil, Errorf(CodeInvalidParam, "the request body has no action")
	}
	if auth != nil {
		p, err := rt.authenticate(r, auth, params, now)
		if err != nil {
			return req, err
		}
		req.Principal = p
	}
	env, _ := req.String("envName")
	if env == "" {
		env = r.URL.Query().Get("env")
	}
	if env == "" {
		return req, Errorf(CodeInvalidEnv, "the request names no environment (envName, or ?env=): init the SDK with an env, or cloud.DYNAMIC_CURRENT_ENV inside a function")
	}
	if req.Principal != nil && !req.Principal.Allows(env) {
		return req, Errorf(CodeInvalidEnv, "the temporary credentials of environment %s may not be used for %s", req.Principal.Env, env)
	}
	if rt.opts.Envs != nil {
		if err := rt.opts.Envs(env); err != nil {
			return req, err
		}
	}
	req.Env = env
	return req, nil
}

func (rt *Router) authenticate(r *http.Request, a *authorization, params map[string]json.RawMessage, now time.Time) (*creds.Principal, error) {
	ts, err := signatureTimestamp(r, now)
	if err != nil {
		return nil, Errorf(CodeSignature, "%v", err)
	}
	values, err := signedParamValues(params)
	if err != nil {
		return nil, Errorf(CodeInvalidParam, "%v", err)
	}
	hash, err := payloadHash(values, a.signedParams)
	if err != nil {
		return nil, Errorf(CodeSignature, "%v", err)
	}
	p, cerr := rt.opts.Credentials.Lookup(a.secretID, values["sessiontoken"])
	if cerr != nil {
		return nil, Errorf(CodeSignature, "%s: %s", cerr.Code, cerr.Message)
	}
	if !verifySignature(r, a, ts, p.SecretKey, hash) {
		return nil, Errorf(CodeSignature, "the request signature does not match (check the SecretKey, and that nothing changed the request after signing)")
	}
	return p, nil
}

func (rt *Router) dispatch(ctx context.Context, req *Request) (reply Reply, err error) {
	rt.mu.Lock()
	h := rt.handlers[req.Action]
	if h != nil {
		rt.calls[req.Action]++
	}
	rt.mu.Unlock()
	if h == nil {
		if rt.opts.Unimplemented != nil {
			rt.opts.Unimplemented.Record(unimpl.KindSDK, req.Action, req.UserAgent)
		}
		return nil, Errorf(CodeNotImplemented, "the emulator does not implement the SDK action %s yet (it is counted under unimplemented in /_emulator/state)", req.Action)
	}
	defer func() {
		if p := recover(); p != nil {
			rt.opts.Logger.Error("sdk handler panic", "action", req.Action, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			reply, err = nil, Errorf(CodeSystem, "internal error while handling %s", req.Action)
		}
	}()
	return h(ctx, req)
}

func writeJSON(w http.ResponseWriter, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"code": CodeSystem, "message": "encoding the reply failed: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return b
}
