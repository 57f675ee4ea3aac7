package functions

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Limits of /tcb/invokecloudfunction.
const (
	// HTTPAPITimeout is how long a function may run for the WeChat HTTP API.
	HTTPAPITimeout = 5 * time.Second
	// wxMaxBodyBytes caps the request (the event); wxRequestTimeout bounds
	// the whole request.
	wxMaxBodyBytes   = 10 << 20
	wxRequestTimeout = 10 * time.Second
)

// functionFailedMessage is the errmsg of wechat.CodeFunctionFailed (and of
// the SDKs' FUNCTIONS_EXECUTE_FAIL) for a function's error message.
func functionFailedMessage(msg string) string { return "functions execute fail | errMsg: " + msg }

// registerWeChat adds /tcb/invokecloudfunction, checked like every /tcb/*
// path (wxhttp) with the WeChat module's tokens (Options.Tokens).
func (m *Module) registerWeChat(mux *http.ServeMux) {
	wx := &wxhttp.Server{Tokens: m.opts.Tokens, Faults: m.h.Faults, MaxBodyBytes: wxMaxBodyBytes,
		RequestTimeout: wxRequestTimeout, Logger: func() *slog.Logger { return m.log }}
	mux.HandleFunc(wechat.PathInvokeCloudFunction, wx.Handle(wechat.PathInvokeCloudFunction, m.wxInvoke))
}

// wxInvoke serves /tcb/invokecloudfunction?access_token=&env=&name=: the
// raw body is the event (JSON), the answer's resp_data the JSON of the
// function's return value. HTTP-triggered runs get HTTPAPITimeout.
func (m *Module) wxInvoke(ctx context.Context, r *wxhttp.Request) (any, error) {
	q := r.HTTP.URL.Query()
	env, name := q.Get("env"), q.Get("name")
	if env == "" {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: env")
	}
	if name == "" {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: name")
	}
	if !json.Valid(r.Body) {
		return nil, wxhttp.Errorf(wechat.CodeBadBody, "data format error hint: the body (the function's event) must be JSON")
	}
	if err := wxhttp.CheckEnv(m.h.Envs, m.now(), env); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, HTTPAPITimeout)
	defer cancel()
	data, code, msg, err := m.InvokeHTTP(ctx, env, name, r.Body, r.AppID, HTTPAPITimeout)
	if err != nil {
		m.log.Error("invokecloudfunction", "env", env, "name", name, "err", err)
		return nil, wxhttp.Errorf(wechat.CodeSystemBusy, "system error")
	}
	if code != 0 {
		return nil, wxhttp.Errorf(code, "%s", msg)
	}
	return wechat.InvokeCloudFunctionResponse{Envelope: wxhttp.OK, RespData: data}, nil
}
