package functions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// Errors of Run.
var (
	// ErrNoSuchFunction: no such function in the env, or no such version
	// or alias of it.
	ErrNoSuchFunction = errors.New("no such function")
	// ErrNotInvocable: the function exists but cannot run now (Creating,
	// Deleting, CreateFailed, not a Node.js event function); the wrapping
	// error says why.
	ErrNotInvocable = errors.New("function cannot be invoked")
)

// RunRequest is one synchronous invocation by name, for the emulator's
// other doors (the HTTP access service, say).
type RunRequest struct {
	Env, Name string
	// Qualifier is a version, an alias or "$LATEST"; "" means the alias
	// $DEFAULT with its traffic routing, as CloudBase's own doors do.
	Qualifier string
	// Headers are the request's headers, read for alias routing rules
	// (invoke.headers.<Name>); X-Tcb-Route-Key picks the version of a
	// traffic split (a random draw when absent).
	Headers http.Header
	Event   []byte // the event, JSON
	Caller  creds.Caller
	// Host is the Host header clients reach the emulator with ("" for the
	// one last seen).
	Host string
	// Timeout caps the function's own Timeout (0: its own; synchronous
	// runs never wait more than 300 s).
	Timeout time.Duration
	// Source is the log record's Source ("" for RequestResponse).
	Source string
}

// RunResult is what ran and what it returned. A function that threw or
// timed out is a Result with that StatusCode (430, 433, ...), not an error.
type RunResult struct {
	*fnrun.Result
	RequestID string
	Version   string        // the version that ran: "$LATEST" or "3"
	Timeout   time.Duration // the timeout that applied
}

// Run invokes a function synchronously. Errors: ErrNoSuchFunction,
// ErrNotInvocable (wrapped), context errors, and emulator failures
// (fnrun.ErrPoolClosed when shutting down, ...).
func (m *Module) Run(ctx context.Context, req RunRequest) (*RunResult, error) {
	rec, t, err := m.runTarget(req.Env, req.Name, req.Qualifier, req.Headers)
	if err != nil {
		return nil, err
	}
	fn, err := m.runtimeFunctionFor(ctx, rec, t, m.host(req.Host, rec.Host))
	if err != nil {
		return nil, err
	}
	limit := maxSyncWait
	if req.Timeout > 0 {
		limit = min(limit, req.Timeout)
	}
	if fn.Timeout > limit {
		fn.Timeout = limit
	}
	source := req.Source
	if source == "" {
		source = sourceSync
	}
	event := req.Event
	if len(event) == 0 {
		event = []byte("{}")
	}
	requestID := fnrun.NewRequestID()
	res, err := m.execute(ctx, rec, fn, event, requestID, source, req.Caller)
	if err != nil {
		return nil, err
	}
	return &RunResult{Result: res, RequestID: requestID, Version: t.Version, Timeout: fn.Timeout}, nil
}

// runTarget finds the event function and the version an invocation by
// name runs.
func (m *Module) runTarget(env, name, qualifier string, headers http.Header) (*record, target, error) {
	rec, t, err := m.findTarget(env, name, qualifier, headers)
	if err != nil {
		return nil, target{}, err
	}
	if t.Spec.Type == "HTTP" {
		return nil, target{}, fmt.Errorf("%w: %s is a web function (Type HTTP), not an event function", ErrNotInvocable, name)
	}
	return rec, t, nil
}

// findTarget finds the function and the version a request by name runs
// (an event or a web function). The request's headers are routing keys
// when the alias it goes through routes by them.
func (m *Module) findTarget(env, name, qualifier string, headers http.Header) (*record, target, error) {
	rec, err := m.lookupShared(env, name)
	if err != nil || rec == nil {
		return nil, target{}, fmt.Errorf("%w: %s in environment %s", ErrNoSuchFunction, name, env)
	}
	var keys routingKeys
	q := qualifier
	if q == "" {
		q = defaultAlias
	}
	if a := rec.findAlias(q); a != nil && len(a.Matches) > 0 {
		keys = headerKeys(headers)
	}
	t, err := m.resolve(rec, qualifier, defaultAlias, keys)
	if err != nil {
		var ae *capi.Error
		if errors.As(err, &ae) && strings.HasPrefix(ae.Code, "ResourceNotFound") {
			return nil, target{}, fmt.Errorf("%w: %s", ErrNoSuchFunction, ae.Message)
		}
		return nil, target{}, fmt.Errorf("%w: %v", ErrNotInvocable, errMessage(err))
	}
	if !fnrun.IsNodeRuntime(t.Spec.Runtime) {
		return nil, target{}, fmt.Errorf("%w: the emulator runs only Node.js functions; %s uses %s", ErrNotInvocable, name, t.Spec.Runtime)
	}
	return rec, t, nil
}

func errMessage(err error) string {
	var ae *capi.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// headerKeys turns request headers into routing keys.
func headerKeys(h http.Header) routingKeys {
	keys := routingKeys{}
	for k, v := range h {
		if len(v) > 0 {
			keys[strings.ToLower(k)] = v[0]
		}
	}
	return keys
}
