package cloudapi

import (
	"context"
	"strings"
)

// The HTTP access service (HTTP 访问服务): paths of
// https://<envId>.service.tcloudbase.com bound to functions.

// CreateGWAPI binds path to the function name and returns the APIId.
func (c *Client) CreateGWAPI(ctx context.Context, envID, path, name string) (string, error) {
	var out CreateCloudBaseGWAPIResponse
	err := c.Call(ctx, "tcb", "CreateCloudBaseGWAPI", &CreateCloudBaseGWAPIRequest{
		ServiceId: envID, Path: path, Type: GWAPITypeFunction, Name: name, EnableUnion: true}, &out)
	return out.APIId, err
}

// DescribeGWAPIs lists the env's access paths matching the filter fields
// of req (ServiceId is set from envID).
func (c *Client) DescribeGWAPIs(ctx context.Context, envID string, req DescribeCloudBaseGWAPIRequest) (*DescribeCloudBaseGWAPIResponse, error) {
	req.ServiceId = envID
	var out DescribeCloudBaseGWAPIResponse
	if err := c.Call(ctx, "tcb", "DescribeCloudBaseGWAPI", &req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGWAPI deletes the paths matching req (ServiceId is set from envID).
func (c *Client) DeleteGWAPI(ctx context.Context, envID string, req DeleteCloudBaseGWAPIRequest) error {
	req.ServiceId = envID
	if req.Type == 0 {
		req.Type = GWAPITypeFunction
	}
	var out EmptyResponse
	return c.Call(ctx, "tcb", "DeleteCloudBaseGWAPI", &req, &out)
}

// DescribeGWService returns the default domain, the service switch and
// the custom domains (domain filters them when set).
func (c *Client) DescribeGWService(ctx context.Context, envID, domain string) (*DescribeCloudBaseGWServiceResponse, error) {
	var out DescribeCloudBaseGWServiceResponse
	if err := c.Call(ctx, "tcb", "DescribeCloudBaseGWService",
		&DescribeCloudBaseGWServiceRequest{ServiceId: envID, Domain: domain, EnableUnion: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeGWPrivilege returns the service and authentication switches.
func (c *Client) DescribeGWPrivilege(ctx context.Context, envID string) (*DescribeCloudBaseGWPrivilegeResponse, error) {
	var out DescribeCloudBaseGWPrivilegeResponse
	if err := c.Call(ctx, "tcb", "DescribeCloudBaseGWPrivilege", &DescribeCloudBaseGWPrivilegeRequest{ServiceId: envID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Keys of ModifyCloudBaseGWPrivilege's Options.
const (
	GWSwitchService = "serviceswitch"
	GWSwitchAuth    = "authswitch"
)

// ModifyGWPrivilege sets one switch (GWSwitchService or GWSwitchAuth), as
// the official CLI sends it: EnableService plus the Options entry.
func (c *Client) ModifyGWPrivilege(ctx context.Context, envID, key string, on bool) error {
	v := "false"
	if on {
		v = "true"
	}
	var out CountResponse
	return c.Call(ctx, "tcb", "ModifyCloudBaseGWPrivilege", &ModifyCloudBaseGWPrivilegeRequest{
		ServiceId: envID, EnableService: &on, Options: []GWOption{{Key: key, Value: v}}}, &out)
}

// BindGWDomain binds a custom domain to the env's service.
func (c *Client) BindGWDomain(ctx context.Context, envID, domain string) error {
	var out EmptyResponse
	return c.Call(ctx, "tcb", "BindCloudBaseAccessDomain", &BindCloudBaseGWDomainRequest{ServiceId: envID, Domain: domain}, &out)
}

// UnbindGWDomain removes a custom domain.
func (c *Client) UnbindGWDomain(ctx context.Context, envID, domain string) error {
	var out EmptyResponse
	return c.Call(ctx, "tcb", "DeleteCloudBaseGWDomain", &DeleteCloudBaseGWDomainRequest{ServiceId: envID, Domain: domain}, &out)
}

// NormalizeServicePath puts the leading "/" the official CLI adds.
func NormalizeServicePath(p string) string {
	if p != "" && !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

// ServiceOrigin is the URL of a service domain (DefaultDomain or a custom
// domain): http for the emulator's *.localhost names, https otherwise.
func ServiceOrigin(domain string) string {
	host := domain
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "http://" + domain
	}
	return "https://" + domain
}
