package storage

import (
	"context"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// Bucket is a bucket of an environment.
type Bucket struct {
	EnvID  string `json:"envId"`
	Bucket string `json:"bucket"`
	Region string `json:"region"`
}

// StorageBucket finds an environment's storage bucket
// (DescribeEnvs' Storages[0]); region, when set, overrides its region
// (TCB_COS_REGION).
func StorageBucket(ctx context.Context, api *cloudapi.Client, envID, region string) (*Bucket, error) {
	info, err := api.DescribeEnv(ctx, envID)
	if err != nil {
		return nil, err
	}
	if len(info.Storages) == 0 || info.Storages[0].Bucket == "" {
		return nil, errkind.Errorf(errkind.NotFound, "environment %s has no storage bucket", envID)
	}
	s := info.Storages[0]
	b := &Bucket{EnvID: envID, Bucket: s.Bucket, Region: s.Region}
	if region != "" {
		b.Region = region
	}
	if b.Region == "" {
		b.Region = info.Region
	}
	return b, nil
}

// Hosting is an environment's static store (DescribeStaticStore).
type Hosting struct {
	EnvID     string `json:"envId"`
	Bucket    string `json:"bucket"`
	Region    string `json:"region"`
	CdnDomain string `json:"cdnDomain"`
	// Status is init, process, online, destroying, offline, create_fail
	// or destroy_fail.
	Status string `json:"status"`
}

// Online reports whether files can be deployed.
func (h *Hosting) Online() bool { return h.Status == "online" }

// URL is the site's address: https://<CdnDomain>/ (http:// for a local
// emulator, whose domain is <envId>.site.localhost:PORT).
func (h *Hosting) URL() string {
	if h.CdnDomain == "" {
		return ""
	}
	scheme := "https://"
	host := h.CdnDomain
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		scheme = "http://"
	}
	return scheme + h.CdnDomain + "/"
}

type staticStore struct {
	EnvId     string `json:"EnvId"`
	CdnDomain string `json:"CdnDomain"`
	Bucket    string `json:"Bucket"`
	Regoin    string `json:"Regoin"` // sic: the real field name
	Status    string `json:"Status"`
}

// DescribeHosting reads the static store; nil (no error) when static
// hosting was never enabled.
func DescribeHosting(ctx context.Context, api *cloudapi.Client, envID string) (*Hosting, error) {
	var out struct {
		Data      []staticStore `json:"Data"`
		RequestId string        `json:"RequestId"`
	}
	if err := api.Call(ctx, "tcb", "DescribeStaticStore", map[string]string{"EnvId": envID}, &out); err != nil {
		return nil, err
	}
	for _, d := range out.Data {
		if d.EnvId == "" || d.EnvId == envID {
			return &Hosting{EnvID: envID, Bucket: d.Bucket, Region: d.Regoin, CdnDomain: d.CdnDomain, Status: d.Status}, nil
		}
	}
	return nil, nil
}

// EnableHosting asks for the static store (CreateStaticStore).
func EnableHosting(ctx context.Context, api *cloudapi.Client, envID string) error {
	var out struct{ Result string }
	if err := api.Call(ctx, "tcb", "CreateStaticStore", map[string]any{"EnvId": envID}, &out); err != nil {
		return err
	}
	if out.Result != "" && out.Result != "succ" {
		return errkind.Errorf(errkind.Remote, "CreateStaticStore answered %q", out.Result)
	}
	return nil
}

// ACL tags of the storage security rule.
var ACLTags = []string{"READONLY", "PRIVATE", "ADMINWRITE", "ADMINONLY"}

// ACLDescriptions say what each tag means.
var ACLDescriptions = map[string]string{
	"READONLY":   "all users read, the creator and admins write",
	"PRIVATE":    "the creator and admins read and write",
	"ADMINWRITE": "all users read, admins write",
	"ADMINONLY":  "admins read and write",
}

// GetACL reads the storage ACL tag (DescribeStorageACL).
func GetACL(ctx context.Context, api *cloudapi.Client, b *Bucket) (string, error) {
	var out struct{ AclTag string }
	if err := api.Call(ctx, "tcb", "DescribeStorageACL", map[string]string{"EnvId": b.EnvID, "Bucket": b.Bucket}, &out); err != nil {
		return "", err
	}
	return out.AclTag, nil
}

// SetACL sets the storage ACL tag (ModifyStorageACL).
func SetACL(ctx context.Context, api *cloudapi.Client, b *Bucket, tag string) error {
	tag = strings.ToUpper(strings.TrimSpace(tag))
	ok := false
	for _, t := range ACLTags {
		ok = ok || t == tag
	}
	if !ok {
		return errkind.Errorf(errkind.Input, "ACL %q is not one of %s", tag, strings.Join(ACLTags, ", "))
	}
	var out struct{}
	return api.Call(ctx, "tcb", "ModifyStorageACL", map[string]string{"EnvId": b.EnvID, "Bucket": b.Bucket, "AclTag": tag}, &out)
}
