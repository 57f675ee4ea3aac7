package cloudapi

import (
	"context"
	"net/http"
	"time"
)

// Function status values.
const (
	StatusActive       = "Active"
	StatusCreating     = "Creating"
	StatusCreateFailed = "CreateFailed"
	StatusUpdating     = "Updating"
	StatusUpdateFailed = "UpdateFailed"
	StatusDeleting     = "Deleting"
)

func (c *Client) functionNotFound(name string, err error) error {
	if err != nil && IsCode(err, "ResourceNotFound") && !IsCode(err, "ResourceNotFound.Namespace") {
		return &NotFoundError{Kind: "function", Name: name, Cause: err}
	}
	if err != nil && IsCode(err, "ResourceNotFound.Namespace") {
		return &NotFoundError{Kind: "environment (function namespace)", Name: "", Cause: err}
	}
	return err
}

// CreateFunction creates a function.
func (c *Client) CreateFunction(ctx context.Context, req *CreateFunctionRequest) error {
	var out EmptyResponse
	return c.Call(ctx, "scf", "CreateFunction", req, &out, CallOptions{Timeout: 2 * time.Minute})
}

// UpdateFunctionCode uploads new code.
func (c *Client) UpdateFunctionCode(ctx context.Context, req *UpdateFunctionCodeRequest) error {
	var out EmptyResponse
	return c.functionNotFound(req.FunctionName, c.Call(ctx, "scf", "UpdateFunctionCode", req, &out, CallOptions{Timeout: 2 * time.Minute}))
}

// UpdateFunctionConfiguration changes settings.
func (c *Client) UpdateFunctionConfiguration(ctx context.Context, req *UpdateFunctionConfigurationRequest) error {
	var out EmptyResponse
	return c.functionNotFound(req.FunctionName, c.Call(ctx, "scf", "UpdateFunctionConfiguration", req, &out))
}

// GetFunction reads a function; a missing one is a *NotFoundError.
func (c *Client) GetFunction(ctx context.Context, namespace, name string) (*GetFunctionResponse, error) {
	var out GetFunctionResponse
	err := c.Call(ctx, "scf", "GetFunction", &GetFunctionRequest{FunctionName: name, Namespace: namespace}, &out)
	if err != nil {
		return nil, c.functionNotFound(name, err)
	}
	return &out, nil
}

// ListFunctions returns every function of a namespace, walking all pages.
func (c *Client) ListFunctions(ctx context.Context, namespace string) ([]Function, error) {
	var all []Function
	limit := int64(100)
	for offset := int64(0); ; offset += limit {
		off := offset
		var out ListFunctionsResponse
		err := c.Call(ctx, "scf", "ListFunctions", &ListFunctionsRequest{Namespace: namespace, Offset: &off, Limit: &limit, Order: "ASC", Orderby: "FunctionName"}, &out)
		if err != nil {
			if IsCode(err, "ResourceNotFound.Namespace") {
				return nil, &NotFoundError{Kind: "environment (function namespace)", Name: namespace, Cause: err}
			}
			return nil, c.functionNotFound("", err)
		}
		all = append(all, out.Functions...)
		if len(out.Functions) == 0 || int64(len(all)) >= out.TotalCount {
			return all, nil
		}
	}
}

// DeleteFunction deletes a function.
func (c *Client) DeleteFunction(ctx context.Context, namespace, name string) error {
	var out EmptyResponse
	return c.functionNotFound(name, c.Call(ctx, "scf", "DeleteFunction", &DeleteFunctionRequest{FunctionName: name, Namespace: namespace}, &out))
}

// Invoke runs a function synchronously; wait bounds the HTTP exchange and
// should exceed the function's timeout.
func (c *Client) Invoke(ctx context.Context, req *InvokeRequest, wait time.Duration) (*InvokeResponse, error) {
	return c.InvokeAs(ctx, req, wait, nil)
}

// WxCaller is a mini-program user on whose behalf the emulator runs an
// invocation (getWXContext in the function reports it). Only the emulator
// knows it: the cloud's Invoke has no such parameter.
type WxCaller struct {
	OpenID, AppID, UnionID string
}

// Header names the emulator reads WxCaller from (those WeChat Cloud Run
// uses for the same facts).
const (
	HeaderWxOpenID  = "X-WX-OPENID"
	HeaderWxAppID   = "X-WX-APPID"
	HeaderWxUnionID = "X-WX-UNIONID"
)

// InvokeAs is Invoke on behalf of caller (nil: nobody).
func (c *Client) InvokeAs(ctx context.Context, req *InvokeRequest, wait time.Duration, caller *WxCaller) (*InvokeResponse, error) {
	opts := CallOptions{Timeout: wait}
	if caller != nil {
		opts.Header = http.Header{}
		for k, v := range map[string]string{HeaderWxOpenID: caller.OpenID, HeaderWxAppID: caller.AppID, HeaderWxUnionID: caller.UnionID} {
			if v != "" {
				opts.Header.Set(k, v)
			}
		}
	}
	var out InvokeResponse
	if err := c.Call(ctx, "scf", "Invoke", req, &out, opts); err != nil {
		return nil, c.functionNotFound(req.FunctionName, err)
	}
	return &out, nil
}

// GetFunctionLogs reads invocation logs.
func (c *Client) GetFunctionLogs(ctx context.Context, req *GetFunctionLogsRequest) (*GetFunctionLogsResponse, error) {
	var out GetFunctionLogsResponse
	if err := c.Call(ctx, "scf", "GetFunctionLogs", req, &out); err != nil {
		return nil, c.functionNotFound(req.FunctionName, err)
	}
	return &out, nil
}

// GetFunctionAddress returns the code download URL and its SHA-256.
func (c *Client) GetFunctionAddress(ctx context.Context, namespace, name string) (*GetFunctionAddressResponse, error) {
	var out GetFunctionAddressResponse
	if err := c.Call(ctx, "scf", "GetFunctionAddress", &GetFunctionAddressRequest{FunctionName: name, Namespace: namespace}, &out); err != nil {
		return nil, c.functionNotFound(name, err)
	}
	return &out, nil
}

// CreateTrigger adds a trigger.
func (c *Client) CreateTrigger(ctx context.Context, req *CreateTriggerRequest) (*TriggerInfo, error) {
	var out CreateTriggerResponse
	if err := c.Call(ctx, "scf", "CreateTrigger", req, &out); err != nil {
		return nil, c.functionNotFound(req.FunctionName, err)
	}
	return &out.TriggerInfo, nil
}

// DeleteTrigger removes a trigger.
func (c *Client) DeleteTrigger(ctx context.Context, req *DeleteTriggerRequest) error {
	var out EmptyResponse
	err := c.Call(ctx, "scf", "DeleteTrigger", req, &out)
	if err != nil && IsCode(err, "ResourceNotFound.Trigger") {
		return &NotFoundError{Kind: "trigger", Name: req.TriggerName, Cause: err}
	}
	return c.functionNotFound(req.FunctionName, err)
}

// ListTriggers lists a function's triggers (all pages).
func (c *Client) ListTriggers(ctx context.Context, namespace, name string) ([]TriggerInfo, error) {
	var all []TriggerInfo
	limit := int64(100)
	for offset := int64(0); ; offset += limit {
		off := offset
		var out ListTriggersResponse
		if err := c.Call(ctx, "scf", "ListTriggers", &ListTriggersRequest{FunctionName: name, Namespace: namespace, Offset: &off, Limit: &limit}, &out); err != nil {
			return nil, c.functionNotFound(name, err)
		}
		all = append(all, out.Triggers...)
		if len(out.Triggers) == 0 || int64(len(all)) >= out.TotalCount {
			return all, nil
		}
	}
}
