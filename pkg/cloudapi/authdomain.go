package cloudapi

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Security (auth) domains of an environment: tcb DescribeAuthDomains,
// CreateAuthDomain and DeleteAuthDomain, the shapes of the SDK's
// tcb/v20180608 models (manager-node's env.getEnvAuthDomains,
// createEnvDomain and deleteEnvDomain send the same).

// AuthDomain is one security domain. Type is "system" for the domains
// every environment has and "user" for added ones; Status ENABLE|DISABLE.
type AuthDomain struct {
	Id         string `json:"Id"`
	Domain     string `json:"Domain"`
	Type       string `json:"Type"`
	Status     string `json:"Status"`
	CreateTime string `json:"CreateTime"`
	UpdateTime string `json:"UpdateTime"`
}

// DescribeAuthDomainsRequest names the environment.
type DescribeAuthDomainsRequest struct {
	EnvId string `json:"EnvId"`
}

// DescribeAuthDomainsResponse lists the domains.
type DescribeAuthDomainsResponse struct {
	Domains   []AuthDomain `json:"Domains"`
	RequestId string       `json:"RequestId"`
}

// CreateAuthDomainRequest adds domains.
type CreateAuthDomainRequest struct {
	EnvId   string   `json:"EnvId"`
	Domains []string `json:"Domains"`
}

// DeleteAuthDomainRequest removes domains by id.
type DeleteAuthDomainRequest struct {
	EnvId     string   `json:"EnvId"`
	DomainIds []string `json:"DomainIds"`
}

// DeleteAuthDomainResponse counts the domains removed.
type DeleteAuthDomainResponse struct {
	Deleted   int64  `json:"Deleted"`
	RequestId string `json:"RequestId"`
}

// MaxAuthDomainLength bounds a security domain (a DNS name and a port).
const MaxAuthDomainLength = 253 + 6

// NormalizeAuthDomain checks a security domain as the console takes it: a
// host name (letters, digits, '-', labels of at most 63 characters, a
// leading "*." allowed) or an IP address, optionally with ":port"; no
// scheme, path or spaces. It returns the domain in lower case.
func NormalizeAuthDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	switch {
	case d == "":
		return "", fmt.Errorf("a domain must not be empty")
	case len(d) > MaxAuthDomainLength:
		return "", fmt.Errorf("domain %q is longer than %d characters", clip(s, 40), MaxAuthDomainLength)
	case strings.Contains(d, "://"):
		return "", fmt.Errorf("domain %q must not have a scheme: give the host only (example.com)", s)
	case strings.ContainsAny(d, "/?#@ \t\r\n\\"):
		return "", fmt.Errorf("domain %q must be a host name, optionally with :port", s)
	}
	host := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "0") {
			return "", fmt.Errorf("domain %q has an invalid port", s)
		}
		host = h
	}
	if net.ParseIP(host) != nil {
		return d, nil
	}
	host = strings.TrimPrefix(host, "*.")
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("domain %q is not a valid host name", s)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("domain %q is not a valid host name (letters, digits, '-' and '.')", s)
			}
		}
	}
	return d, nil
}

// DescribeAuthDomains lists the security domains of an environment.
func (c *Client) DescribeAuthDomains(ctx context.Context, envID string) (*DescribeAuthDomainsResponse, error) {
	var out DescribeAuthDomainsResponse
	if err := c.mapNotFound(envID, c.Call(ctx, "tcb", "DescribeAuthDomains", &DescribeAuthDomainsRequest{EnvId: envID}, &out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateAuthDomain adds security domains.
func (c *Client) CreateAuthDomain(ctx context.Context, envID string, domains []string) error {
	var out EmptyResponse
	return c.mapNotFound(envID, c.Call(ctx, "tcb", "CreateAuthDomain", &CreateAuthDomainRequest{EnvId: envID, Domains: domains}, &out))
}

// DeleteAuthDomain removes security domains by id and returns how many
// went.
func (c *Client) DeleteAuthDomain(ctx context.Context, envID string, ids []string) (int64, error) {
	var out DeleteAuthDomainResponse
	if err := c.mapNotFound(envID, c.Call(ctx, "tcb", "DeleteAuthDomain", &DeleteAuthDomainRequest{EnvId: envID, DomainIds: ids}, &out)); err != nil {
		return 0, err
	}
	return out.Deleted, nil
}
