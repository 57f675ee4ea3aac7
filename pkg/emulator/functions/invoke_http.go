package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/docdb"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// InvokeHTTP runs a function for the WeChat /tcb/invokecloudfunction API:
// at most timeout (5 s there), the return value's JSON as resp_data, and the
// cloud's negative errcodes for a missing function (-501000), a failure
// (-504002) or a timeout (-504003). err is for emulator failures only.
func (m *Module) InvokeHTTP(ctx context.Context, env, name string, event []byte, timeout time.Duration) (string, int, string, error) {
	if len(event) == 0 {
		event = []byte("{}")
	}
	if !json.Valid(event) {
		return "", 40097, "the request body (the function's event) is not valid JSON", nil
	}
	rec, err := m.lookup(env, name)
	if err != nil || rec == nil {
		return "", docdb.ErrcodeFunctionNotFound, "[ResourceNotFound] FunctionName parameter could not be found", nil
	}
	if !rec.invocable(m.now()) {
		return "", docdb.ErrcodeFunctionFailed, docdb.FunctionFailedMessage(fmt.Sprintf("function %s is %s", name, rec.status(m.now()))), nil
	}
	if !fnrun.IsNodeRuntime(rec.Live.Runtime) {
		return "", docdb.ErrcodeFunctionFailed, docdb.FunctionFailedMessage("the emulator runs only Node.js functions; " + name + " uses " + rec.Live.Runtime), nil
	}
	fn, err := m.runtimeFunction(ctx, rec, m.host("", rec.Host))
	if err != nil {
		return "", 0, "", err
	}
	if timeout > 0 && fn.Timeout > timeout {
		fn.Timeout = timeout
	}
	res, err := m.execute(ctx, rec, fn, event, fnrun.NewRequestID(), sourceSync)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "", docdb.ErrcodeFunctionTimeout, fmt.Sprintf("Invoking task timed out after %d seconds", int(fn.Timeout/time.Second)), nil
	case err != nil:
		return "", 0, "", err
	case res.StatusCode == fnrun.StatusTimeLimitReached:
		return "", docdb.ErrcodeFunctionTimeout, fmt.Sprintf("Invoking task timed out after %d seconds", int(fn.Timeout/time.Second)), nil
	case !res.OK():
		var e struct {
			ErrorMessage string `json:"errorMessage"`
		}
		msg := res.ErrMsg
		if json.Unmarshal([]byte(res.ErrMsg), &e) == nil && e.ErrorMessage != "" {
			msg = e.ErrorMessage
		}
		return "", docdb.ErrcodeFunctionFailed, docdb.FunctionFailedMessage(msg), nil
	}
	return res.RetMsg, 0, "", nil
}
