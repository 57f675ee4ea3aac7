package functions

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

func (m *Module) invoke(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.InvokeRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	async := false
	switch req.InvocationType {
	case "", "RequestResponse":
	case "Event":
		async = true
	default:
		return nil, capi.Errorf("InvalidParameterValue.InvokeType", "InvocationType must be RequestResponse or Event, got %q.", req.InvocationType)
	}
	switch req.LogType {
	case "", "None", "Tail":
	default:
		return nil, capi.Errorf("InvalidParameterValue", "LogType must be None or Tail, got %q.", req.LogType)
	}
	keys, err := parseRoutingKey(req.RoutingKey)
	if err != nil {
		return nil, err
	}
	event := []byte(req.ClientContext)
	if len(event) == 0 {
		event = []byte("{}")
	}
	if limit := maxSyncEvent; len(event) > limit || (async && len(event) > maxAsyncEvent) {
		if async {
			limit = maxAsyncEvent
		}
		return nil, capi.Errorf("RequestSizeLimitExceeded", "The event is %d bytes; the limit of a %s invocation is %d bytes.", len(event), invocationName(async), limit)
	}
	if !json.Valid(event) {
		return nil, capi.Errorf("InvalidParameterValue.Param", "ClientContext must be a JSON string (the event), e.g. \"{\\\"a\\\":1}\".")
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	// Without a Qualifier Invoke runs $LATEST, the API's default (see
	// versions.go for the doors that go through $DEFAULT instead).
	t, err := m.resolve(rec, req.Qualifier, latestQualifier, keys)
	if err != nil {
		return nil, err
	}
	if !fnrun.IsNodeRuntime(t.Spec.Runtime) {
		return nil, capi.Errorf("UnsupportedOperation", "The emulator runs only Node.js functions; %s uses %s.", rec.Name, t.Spec.Runtime)
	}
	if t.Spec.Type == "HTTP" {
		return nil, capi.Errorf("UnsupportedOperation", "The emulator runs only event functions; %s is a web function (Type HTTP).", rec.Name)
	}
	fn, err := m.runtimeFunctionFor(ctx, rec, t, m.host(c.Host, rec.Host))
	if err != nil {
		return nil, capi.Errorf("FailedOperation.InvokeFunction", "%v", err)
	}
	requestID := fnrun.NewRequestID()
	if !async && fn.Timeout > maxSyncWait {
		// A synchronous invocation waits at most 300 s, whatever Timeout says.
		fn.Timeout = maxSyncWait
	}
	if async {
		caller := callerOf(c)
		m.background(func(bg context.Context) {
			m.execute(bg, rec, fn, event, requestID, sourceAsync, caller)
		})
		return cloudapi.InvokeResponse{Result: cloudapi.Result{FunctionRequestId: requestID}}, nil
	}
	res, err := m.execute(ctx, rec, fn, event, requestID, sourceSync, callerOf(c))
	if err != nil {
		return nil, invokeError(err)
	}
	out := cloudapi.Result{
		RetMsg:            res.RetMsg,
		ErrMsg:            res.ErrMsg,
		MemUsage:          res.MemUsage,
		Duration:          res.Duration,
		BillDuration:      res.BillDuration,
		FunctionRequestId: requestID,
		InvokeResult:      int64(res.InvokeResult),
	}
	if req.LogType == "Tail" {
		out.Log = res.LogTail
	}
	return cloudapi.InvokeResponse{Result: out}, nil
}

// callerOf is who an Invoke runs for: the mini-program user the X-WX-*
// headers name (cloudapi.WxCaller, an emulator extension: SOURCE
// wx_client); else, for a call made with a function's temporary
// credentials, that function's caller, passed on as the platform does
// (SOURCE gains ",scf"); else nobody.
func callerOf(c *capi.Call) creds.Caller {
	if c.Header != nil {
		if openid := c.Header.Get(cloudapi.HeaderWxOpenID); openid != "" {
			return creds.Caller{OpenID: openid, AppID: c.Header.Get(cloudapi.HeaderWxAppID),
				UnionID: c.Header.Get(cloudapi.HeaderWxUnionID), Source: "wx_client"}
		}
	}
	if c.Principal != nil && c.Principal.Temporary {
		return chained(c.Principal.Caller)
	}
	return creds.Caller{}
}

// chained is the caller of a function invoked by another function.
func chained(c creds.Caller) creds.Caller {
	if c.Source == "" {
		c.Source = "scf"
	} else {
		c.Source += ",scf"
	}
	return c
}

func invocationName(async bool) string {
	if async {
		return "asynchronous (Event)"
	}
	return "synchronous"
}

// invokeError maps what prevented an invocation to an API error.
func invokeError(err error) error {
	switch {
	case errors.Is(err, fnrun.ErrInvalidEvent):
		return capi.Errorf("InvalidParameterValue.Param", "ClientContext is not valid JSON.")
	case errors.Is(err, fnrun.ErrEventTooLarge):
		return capi.Errorf("RequestSizeLimitExceeded", "The event is over the 6 MB limit.")
	case errors.Is(err, fnrun.ErrUnsupportedRuntime):
		return capi.Errorf("UnsupportedOperation", "The emulator runs only Node.js functions: %v.", err)
	case errors.Is(err, fnrun.ErrConcurrencyLimit):
		return capi.Errorf("ResourceUnavailable", "The function's concurrency limit is reached: %v.", err)
	case errors.Is(err, fnrun.ErrNodeNotFound):
		return capi.Errorf("FailedOperation.InvokeFunction", "The emulator cannot run Node.js functions: %v.", err)
	case errors.Is(err, fnrun.ErrPoolClosed):
		return capi.Errorf("ServiceUnavailable", "The emulator is shutting down or resetting.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return capi.Errorf("FailedOperation.InvokeFunction", "Invoking the function failed: %v.", err)
}
