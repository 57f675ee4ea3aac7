package docdb

import (
	"context"
	"encoding/json"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// wxInvoke serves /tcb/invokecloudfunction?access_token=&env=&name=: the
// raw body is the event (JSON), the answer's resp_data the JSON of the
// function's return value. HTTP-triggered runs get 5 s.
func (m *Module) wxInvoke(ctx context.Context, r *wxRequest) (any, error) {
	q := r.r.URL.Query()
	env, name := q.Get("env"), q.Get("name")
	if env == "" {
		return nil, wxErr(wechat.CodeMissingParam, "missing required parameter: env")
	}
	if name == "" {
		return nil, wxErr(wechat.CodeMissingParam, "missing required parameter: name")
	}
	if !json.Valid(r.body) {
		return nil, wxErr(wechat.CodeBadBody, "data format error hint: the body (the function's event) must be JSON")
	}
	if err := m.checkEnv(env); err != nil {
		return nil, err
	}
	if m.opts.Functions == nil {
		return nil, wxErr(wechat.CodeCloudResource, "resource system error. [UnsupportedOperation] cloud functions are not available in this emulator")
	}
	ctx, cancel := context.WithTimeout(ctx, FunctionTimeout)
	defer cancel()
	data, code, msg, err := m.opts.Functions.InvokeHTTP(ctx, env, name, r.body, r.appid, FunctionTimeout)
	if err != nil {
		m.log().Error("invokecloudfunction", "env", env, "name", name, "err", err)
		return nil, wxErr(wechat.CodeSystemBusy, "system error")
	}
	if code != 0 {
		return nil, wxErr(code, "%s", msg)
	}
	return wechat.InvokeCloudFunctionResponse{Envelope: okEnvelope, RespData: data}, nil
}
