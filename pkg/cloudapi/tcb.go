package cloudapi

import (
	"context"
	"fmt"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// CheckTcbService is the cheapest authenticated call; login uses it to
// verify keys.
func (c *Client) CheckTcbService(ctx context.Context) (*CheckTcbServiceResponse, error) {
	var out CheckTcbServiceResponse
	if err := c.Call(ctx, "tcb", "CheckTcbService", struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeEnvs lists every environment of the account.
func (c *Client) DescribeEnvs(ctx context.Context) ([]EnvInfo, error) {
	var out DescribeEnvsResponse
	if err := c.Call(ctx, "tcb", "DescribeEnvs", &DescribeEnvsRequest{}, &out); err != nil {
		return nil, err
	}
	return out.EnvList, nil
}

// DescribeEnv returns one environment, or a *NotFoundError.
func (c *Client) DescribeEnv(ctx context.Context, envID string) (*EnvInfo, error) {
	var out DescribeEnvsResponse
	if err := c.Call(ctx, "tcb", "DescribeEnvs", &DescribeEnvsRequest{EnvId: envID}, &out); err != nil {
		if IsCode(err, "ResourceNotFound") || IsCode(err, "InvalidParameter.EnvId") {
			return nil, &NotFoundError{Kind: "environment", Name: envID, Cause: err}
		}
		return nil, err
	}
	for i := range out.EnvList {
		if out.EnvList[i].EnvId == envID {
			return &out.EnvList[i], nil
		}
	}
	return nil, &NotFoundError{Kind: "environment", Name: envID, RequestId: out.RequestId}
}

// CreateEnv creates an environment and returns its id.
func (c *Client) CreateEnv(ctx context.Context, req *CreateEnvRequest) (*CreateEnvResponse, error) {
	var out CreateEnvResponse
	if err := c.Call(ctx, "tcb", "CreateEnv", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ModifyEnv renames an environment.
func (c *Client) ModifyEnv(ctx context.Context, envID, alias string) error {
	var out EmptyResponse
	return c.mapNotFound(envID, c.Call(ctx, "tcb", "ModifyEnv", &ModifyEnvRequest{EnvId: envID, Alias: alias}, &out))
}

// DestroyEnv deletes an environment.
func (c *Client) DestroyEnv(ctx context.Context, envID string) error {
	var out EmptyResponse
	return c.mapNotFound(envID, c.Call(ctx, "tcb", "DestroyEnv", &DestroyEnvRequest{EnvId: envID}, &out))
}

// DescribeEnvLimit reports the environment quotas.
func (c *Client) DescribeEnvLimit(ctx context.Context) (*DescribeEnvLimitResponse, error) {
	var out DescribeEnvLimitResponse
	if err := c.Call(ctx, "tcb", "DescribeEnvLimit", struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) mapNotFound(envID string, err error) error {
	if err != nil && (IsCode(err, "ResourceNotFound") || IsCode(err, "InvalidParameter.EnvId")) {
		return &NotFoundError{Kind: "environment", Name: envID, Cause: err}
	}
	return err
}

// NotFoundError means a named resource does not exist.
type NotFoundError struct {
	Kind      string
	Name      string
	RequestId string
	Cause     error
}

func (e *NotFoundError) Error() string {
	if e.Name == "" {
		return e.Kind + " not found"
	}
	return fmt.Sprintf("%s %q not found", e.Kind, e.Name)
}
func (e *NotFoundError) Unwrap() error { return e.Cause }

// ErrorKind is errkind.NotFound.
func (e *NotFoundError) ErrorKind() errkind.Kind { return errkind.NotFound }

// RequestID returns the request id of the answer that showed the absence.
func (e *NotFoundError) RequestID() string {
	if e.RequestId != "" {
		return e.RequestId
	}
	if ae, ok := e.Cause.(*APIError); ok {
		return ae.RequestId
	}
	return ""
}

// MaxAliasLen is the longest environment alias CreateEnv accepts.
const MaxAliasLen = 20

// ValidateAlias checks an environment alias as CreateEnv does: it starts
// with a lowercase letter, has only a-z, 0-9 and '-', does not end with '-',
// and is at most 20 characters.
func ValidateAlias(alias string) error {
	switch {
	case alias == "":
		return fmt.Errorf("alias must not be empty")
	case len(alias) > MaxAliasLen:
		return fmt.Errorf("alias %q is %d characters long; the limit is %d", alias, len(alias), MaxAliasLen)
	case !ascii.Lower(alias[0]) || !ascii.Only(alias, func(c byte) bool { return ascii.Lower(c) || ascii.Digit(c) || c == '-' }):
		return fmt.Errorf("alias %q is invalid: it must start with a lowercase letter and contain only a-z, 0-9 and '-'", alias)
	case alias[len(alias)-1] == '-':
		return fmt.Errorf("alias %q is invalid: it must not end with '-'", alias)
	}
	return nil
}
