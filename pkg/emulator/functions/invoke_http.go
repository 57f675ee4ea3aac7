package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/creds"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
	"github.com/tcb-go/tcb/pkg/fnrun"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Why a synchronous run by name did not produce a result.
var (
	errNoSuchFunction = errors.New("[ResourceNotFound] FunctionName parameter could not be found")
	errTimedOut       = errors.New("timed out")
)

// failedRun is a function that ran and failed (threw, crashed, ...).
type failedRun struct{ message string }

func (e *failedRun) Error() string { return e.message }

// runByName runs a function of env synchronously for one of the doors that
// name functions (the WeChat HTTP API, the SDKs' callFunction), for caller,
// in at most limit. qualifier "" goes through the $DEFAULT alias. It
// returns the JSON of the return value, or errNoSuchFunction, errTimedOut
// (with the timeout), a *failedRun, or an emulator failure.
func (m *Module) runByName(ctx context.Context, env, name, qualifier, host string, event []byte, caller creds.Caller, limit time.Duration) (string, time.Duration, error) {
	rec, t, err := m.runTarget(env, name, qualifier, nil)
	switch {
	case errors.Is(err, ErrNoSuchFunction):
		return "", 0, errNoSuchFunction
	case errors.Is(err, ErrNotInvocable):
		return "", 0, &failedRun{strings.TrimPrefix(err.Error(), ErrNotInvocable.Error()+": ")}
	case err != nil:
		return "", 0, err
	}
	fn, err := m.runtimeFunctionFor(ctx, rec, t, m.host(host, rec.Host))
	if err != nil {
		return "", 0, err
	}
	if limit > 0 && fn.Timeout > limit {
		fn.Timeout = limit
	}
	res, err := m.execute(ctx, rec, fn, event, fnrun.NewRequestID(), sourceSync, caller)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "", fn.Timeout, errTimedOut
	case err != nil:
		return "", 0, err
	case res.StatusCode == fnrun.StatusTimeLimitReached:
		return "", fn.Timeout, errTimedOut
	case !res.OK():
		var e struct {
			ErrorMessage string `json:"errorMessage"`
		}
		msg := res.ErrMsg
		if json.Unmarshal([]byte(res.ErrMsg), &e) == nil && e.ErrorMessage != "" {
			msg = e.ErrorMessage
		}
		return "", 0, &failedRun{msg}
	}
	return res.RetMsg, 0, nil
}

func timeoutMessage(d time.Duration) string {
	return fmt.Sprintf("Invoking task timed out after %d seconds", int(d/time.Second))
}

// InvokeHTTP runs a function for the WeChat /tcb/invokecloudfunction API,
// for the app appid (the function sees its APPID, no OPENID, SOURCE
// wx_http): at most timeout (5 s there), the return value's JSON as
// resp_data, and the cloud's negative errcodes for a missing function
// (-501000), a failure (-504002) or a timeout (-504003). err is for
// emulator failures only.
func (m *Module) InvokeHTTP(ctx context.Context, env, name string, event []byte, appid string, timeout time.Duration) (string, int, string, error) {
	if len(event) == 0 {
		event = []byte("{}")
	}
	if !json.Valid(event) {
		return "", wechat.CodeInvalidArgs, "the request body (the function's event) is not valid JSON", nil
	}
	data, took, err := m.runByName(ctx, env, name, "", "", event, creds.Caller{AppID: appid, Source: "wx_http"}, timeout)
	var failed *failedRun
	switch {
	case err == nil:
		return data, 0, "", nil
	case errors.Is(err, errNoSuchFunction):
		return "", wechat.CodeCloudParamInvalid, err.Error(), nil
	case errors.Is(err, errTimedOut):
		return "", wechat.CodeFunctionTimeout, timeoutMessage(took), nil
	case errors.As(err, &failed):
		return "", wechat.CodeFunctionFailed, functionFailedMessage(failed.message), nil
	}
	return "", 0, "", err
}

// sdkInvoke serves functions.invokeFunction (cloud.callFunction in a
// function, or node-sdk's callFunction anywhere): the callee sees the
// caller's WeChat context passed on (SOURCE gains ",scf"); the answer is
// {data: {response_data: <JSON of the return value>}}, a failure
// FUNCTIONS_EXECUTE_FAIL, a missing function FUNCTIONS_REQUEST_FAIL.
func (m *Module) sdkInvoke(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	name, err := r.String("function_name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "function_name is required")
	}
	qualifier, err := r.String("qualifier")
	if err != nil {
		return nil, err
	}
	data, err := r.String("request_data")
	if err != nil {
		return nil, err
	}
	event := []byte(data)
	if len(event) == 0 {
		event = []byte("{}")
	}
	if len(event) > fnrun.MaxEventBytes {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "request_data is %d bytes, over the %d-byte limit of a synchronous invocation", len(event), fnrun.MaxEventBytes)
	}
	if !json.Valid(event) {
		return nil, sdkapi.Errorf(sdkapi.CodeInvalidParam, "request_data must be the JSON of the event")
	}
	var caller creds.Caller
	if r.Principal != nil && r.Principal.Temporary {
		caller = chained(r.Principal.Caller)
	}
	out, took, err := m.runByName(ctx, r.Env, name, qualifier, r.Host, event, caller, maxSyncWait)
	var failed *failedRun
	switch {
	case err == nil:
		return sdkapi.Data(map[string]any{"response_data": out}), nil
	case errors.Is(err, errNoSuchFunction):
		return nil, sdkapi.Errorf(sdkapi.CodeFunctionRequest, "%s: no function %s in environment %s", err, name, r.Env)
	case errors.Is(err, errTimedOut):
		return nil, sdkapi.Errorf(sdkapi.CodeFunctionExecute, "%s", timeoutMessage(took))
	case errors.As(err, &failed):
		return nil, sdkapi.Errorf(sdkapi.CodeFunctionExecute, "%s", functionFailedMessage(failed.message))
	case errors.Is(err, fnrun.ErrPoolClosed):
		return nil, sdkapi.Errorf(sdkapi.CodeSystem, "the emulator is shutting down or resetting")
	}
	return nil, err
}
