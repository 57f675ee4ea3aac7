package cos

import (
	"context"
	"net"
	"strings"

	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
)

const (
	tcbService = "tcb"
	tcbVersion = "2018-06-08"
)

// ACL tags of ModifyStorageACL, and the default of a new environment
// ("all users read, the creator and admins write").
var aclTags = map[string]bool{"READONLY": true, "PRIVATE": true, "ADMINWRITE": true, "ADMINONLY": true}

const defaultACL = "READONLY"

func aclTag(stored string) string {
	if stored == "" {
		return defaultACL
	}
	return stored
}

func (m *Module) registerTC3(h *emulator.Host) {
	d := h.Dispatcher
	d.Register(tcbService, tcbVersion, "DescribeStaticStore", m.describeStaticStore)
	d.Register(tcbService, tcbVersion, "CreateStaticStore", m.createStaticStore)
	d.Register(tcbService, tcbVersion, "DestroyStaticStore", m.destroyStaticStore)
	d.Register(tcbService, tcbVersion, "DescribeStorageACL", m.describeStorageACL)
	d.Register(tcbService, tcbVersion, "ModifyStorageACL", m.modifyStorageACL)
}

// StaticStore is one entry of DescribeStaticStore (Regoin is the real,
// misspelt field name).
type StaticStore struct {
	EnvId     string `json:"EnvId"`
	CdnDomain string `json:"CdnDomain"`
	Bucket    string `json:"Bucket"`
	Regoin    string `json:"Regoin"`
	Status    string `json:"Status"`
}

// siteDomain is the site origin's host:port as the caller reaches the
// emulator (CdnDomain: the CLI prints http://<CdnDomain>/).
func siteDomain(env, callHost string) string {
	if _, port, err := net.SplitHostPort(callHost); err == nil {
		return env + ".site.localhost:" + port
	}
	return env + ".site.localhost"
}

func (m *Module) env(c *capi.Call, envID string) (*envs.Record, error) {
	if envID == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	return m.h.Envs.Ready(envID, "ResourceNotFound")
}

func (m *Module) describeStaticStore(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId string `json:"EnvId"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	rec, err := m.h.Envs.Get(req.EnvId)
	if err != nil {
		return nil, capi.Errorf("ResourceNotFound", "The environment %s does not exist.", req.EnvId)
	}
	st, err := m.db.envState(rec.EnvID)
	if err != nil {
		return nil, err
	}
	data := []StaticStore{}
	if !st.HostingDestroyed {
		status := "online"
		if rec.Status(m.now()) != "NORMAL" {
			status = "init"
		}
		data = append(data, StaticStore{EnvId: rec.EnvID, CdnDomain: siteDomain(rec.EnvID, c.Host), Bucket: hostingBucket(rec.Bucket),
			Regoin: regionOf(rec), Status: status})
	}
	return map[string]any{"Data": data}, nil
}

func regionOf(rec *envs.Record) string {
	if rec.Region != "" {
		return rec.Region
	}
	return "ap-shanghai"
}

func (m *Module) createStaticStore(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId       string `json:"EnvId"`
		EnableUnion *bool  `json:"EnableUnion"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.env(c, req.EnvId)
	if err != nil {
		return nil, err
	}
	if err := m.db.updateEnvState(rec.EnvID, func(st *envState) error { st.HostingDestroyed = false; return nil }); err != nil {
		return nil, err
	}
	return map[string]string{"Result": "succ"}, nil
}

func (m *Module) destroyStaticStore(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId     string `json:"EnvId"`
		CdnDomain string `json:"CdnDomain"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.env(c, req.EnvId)
	if err != nil {
		return nil, err
	}
	n, _, err := m.db.bucketStats(hostingBucket(rec.Bucket))
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, capi.Errorf("ResourceInUse", "The static store of %s still holds %d files: delete them first (tcb hosting delete -d).", rec.EnvID, n)
	}
	if err := m.db.updateEnvState(rec.EnvID, func(st *envState) error { st.HostingDestroyed = true; return nil }); err != nil {
		return nil, err
	}
	return map[string]string{"Result": "succ"}, nil
}

func (m *Module) storageBucket(c *capi.Call, envID, bucket string) (*envs.Record, error) {
	rec, err := m.env(c, envID)
	if err != nil {
		return nil, err
	}
	if bucket == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Bucket is required.")
	}
	if bucket != rec.Bucket {
		return nil, capi.Errorf("InvalidParameterValue", "Bucket %s is not the storage bucket of %s (%s).", bucket, rec.EnvID, rec.Bucket)
	}
	return rec, nil
}

func (m *Module) describeStorageACL(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId  string `json:"EnvId"`
		Bucket string `json:"Bucket"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.storageBucket(c, req.EnvId, req.Bucket)
	if err != nil {
		return nil, err
	}
	st, err := m.db.envState(rec.EnvID)
	if err != nil {
		return nil, err
	}
	return map[string]string{"AclTag": aclTag(st.ACL)}, nil
}

func (m *Module) modifyStorageACL(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId  string `json:"EnvId"`
		Bucket string `json:"Bucket"`
		AclTag string `json:"AclTag"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	rec, err := m.storageBucket(c, req.EnvId, req.Bucket)
	if err != nil {
		return nil, err
	}
	tag := strings.ToUpper(strings.TrimSpace(req.AclTag))
	if !aclTags[tag] {
		return nil, capi.Errorf("InvalidParameterValue", "AclTag %q is not one of READONLY, PRIVATE, ADMINWRITE, ADMINONLY.", req.AclTag)
	}
	if err := m.db.updateEnvState(rec.EnvID, func(st *envState) error { st.ACL = tag; return nil }); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
