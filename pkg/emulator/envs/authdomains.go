package envs

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Security domains (tcb DescribeAuthDomains, CreateAuthDomain,
// DeleteAuthDomain). Every environment has its system domains (localhost,
// the mini-program service domain and its hosting domain), which cannot be
// deleted; added ones are Type "user", stored under auth_domains/<env>
// and dropped with the environment.

// MaxAuthDomains is how many user domains one environment may have.
const MaxAuthDomains = 100

var bucketAuthDomains = "auth_domains"

func authDomainsPath(env string) []string { return []string{bucketAuthDomains, env} }

type authDomain struct {
	ID      string `json:"id"`
	Domain  string `json:"domain"`
	Status  string `json:"status"`
	Created int64  `json:"created"` // unix nanoseconds
	Updated int64  `json:"updated"`
}

// systemDomains are the domains every environment allows.
func (s *Service) systemDomains(r *Record) []cloudapi.AuthDomain {
	t := chinatime.Format(r.CreatedAt)
	var out []cloudapi.AuthDomain
	for i, d := range []string{"localhost", "servicewechat.com", r.EnvID + "-" + s.opts.AppID + ".tcloudbaseapp.com"} {
		out = append(out, cloudapi.AuthDomain{Id: "sys-" + strconv.Itoa(i+1), Domain: d, Type: "system", Status: "ENABLE",
			CreateTime: t, UpdateTime: t})
	}
	return out
}

// authEnv decodes req and returns the environment its EnvId names.
func (s *Service) authEnv(c *capi.Call, req any, envID *string) (*Record, error) {
	if err := c.Decode(req); err != nil {
		return nil, err
	}
	if *envID == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	return s.Ready(*envID, "ResourceNotFound")
}

func (s *Service) userDomainsTx(tx *store.Tx, env string) ([]authDomain, error) {
	var out []authDomain
	err := tx.ForEach(authDomainsPath(env), func(_ string, raw []byte) error {
		var d authDomain
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Created != out[j].Created {
			return out[i].Created < out[j].Created
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

func (s *Service) describeAuthDomains(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DescribeAuthDomainsRequest
	rec, err := s.authEnv(c, &req, &req.EnvId)
	if err != nil {
		return nil, err
	}
	out := cloudapi.DescribeAuthDomainsResponse{Domains: s.systemDomains(rec)}
	var user []authDomain
	if err := s.opts.DB.View(func(tx *store.Tx) error {
		user, err = s.userDomainsTx(tx, rec.EnvID)
		return err
	}); err != nil {
		return nil, err
	}
	for _, d := range user {
		out.Domains = append(out.Domains, cloudapi.AuthDomain{Id: d.ID, Domain: d.Domain, Type: "user", Status: d.Status,
			CreateTime: chinatime.Format(unixNano(d.Created)), UpdateTime: chinatime.Format(unixNano(d.Updated))})
	}
	return out, nil
}

// createAuthDomain adds domains, all or none: an invalid or duplicate
// domain (among the existing ones or in the request) fails the call.
func (s *Service) createAuthDomain(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.CreateAuthDomainRequest
	rec, err := s.authEnv(c, &req, &req.EnvId)
	if err != nil {
		return nil, err
	}
	if len(req.Domains) == 0 {
		return nil, capi.Errorf("MissingParameter", "The parameter Domains is required.")
	}
	if len(req.Domains) > MaxAuthDomains {
		return nil, capi.Errorf("LimitExceeded", "At most %d domains per call, got %d.", MaxAuthDomains, len(req.Domains))
	}
	names := make([]string, len(req.Domains))
	for i, d := range req.Domains {
		n, err := cloudapi.NormalizeAuthDomain(d)
		if err != nil {
			return nil, capi.Errorf("InvalidParameterValue", "Domains[%d]: %v.", i, err)
		}
		names[i] = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	err = s.opts.DB.Update(func(tx *store.Tx) error {
		user, err := s.userDomainsTx(tx, rec.EnvID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, d := range s.systemDomains(rec) {
			seen[d.Domain] = true
		}
		for _, d := range user {
			seen[d.Domain] = true
		}
		if len(user)+len(names) > MaxAuthDomains {
			return capi.Errorf("LimitExceeded", "The environment %s may have at most %d security domains.", rec.EnvID, MaxAuthDomains)
		}
		for _, n := range names {
			if seen[n] {
				return capi.Errorf("ResourceInUse", "The domain %s is already a security domain of %s.", n, rec.EnvID)
			}
			seen[n] = true
		}
		for i, n := range names {
			id := randomHex(8)
			d := authDomain{ID: id, Domain: n, Status: "ENABLE", Created: now.UnixNano() + int64(i), Updated: now.UnixNano() + int64(i)}
			if err := tx.Put(authDomainsPath(rec.EnvID), id, &d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}

// deleteAuthDomain removes user domains by id; ids of no domain are
// ignored (Deleted counts those removed), system domains are refused.
func (s *Service) deleteAuthDomain(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteAuthDomainRequest
	rec, err := s.authEnv(c, &req, &req.EnvId)
	if err != nil {
		return nil, err
	}
	if len(req.DomainIds) == 0 {
		return nil, capi.Errorf("MissingParameter", "The parameter DomainIds is required.")
	}
	for _, d := range s.systemDomains(rec) {
		for _, id := range req.DomainIds {
			if id == d.Id {
				return nil, capi.Errorf("InvalidParameterValue", "The system domain %s (%s) cannot be deleted.", d.Domain, id)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var deleted int64
	err = s.opts.DB.Update(func(tx *store.Tx) error {
		for _, id := range req.DomainIds {
			var d authDomain
			found, err := tx.Get(authDomainsPath(rec.EnvID), id, &d)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			if err := tx.Delete(authDomainsPath(rec.EnvID), id); err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.DeleteAuthDomainResponse{Deleted: deleted}, nil
}

// dropAuthDomains is the environment destruction hook.
func (s *Service) dropAuthDomains(env string) error {
	return s.opts.DB.Update(func(tx *store.Tx) error { return tx.DeleteBucket(authDomainsPath(env)...) })
}

// freeQuotas are the free monthly quotas the emulator reports per
// resource type (DescribeEnvFreeQuota): the metric names of the cloud's
// quota data, values of the personal package.
var freeQuotas = []struct {
	typ, metric string
	value       uint64
}{
	{"COS", "StorageSizepkg", 5 << 10},
	{"COS", "StorageReadpkg", 200000},
	{"COS", "StorageWritepkg", 100000},
	{"CDN", "CDNFluxpkg", 5 << 10},
	{"FLEXDB", "DbSizepkg", 2 << 10},
	{"FLEXDB", "DbReadpkg", 500000},
	{"FLEXDB", "DbWritepkg", 300000},
	{"SCF", "FunctionInvocationpkg", 200000},
	{"SCF", "FunctionGBspkg", 40000},
	{"SCF", "FunctionFluxpkg", 1 << 10},
	{"HOSTING", "StaticFsSizePkg", 5 << 10},
	{"HOSTING", "StaticFsFluxPkg", 5 << 10},
}

type postpayEnvQuota struct {
	ResourceType string `json:"ResourceType"`
	MetricName   string `json:"MetricName"`
	Value        uint64 `json:"Value"`
	StartTime    string `json:"StartTime"`
	EndTime      string `json:"EndTime"`
}

func (s *Service) describeEnvFreeQuota(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId         string   `json:"EnvId"`
		ResourceTypes []string `json:"ResourceTypes"`
	}
	if _, err := s.authEnv(c, &req, &req.EnvId); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range req.ResourceTypes {
		switch t {
		case "CDN", "COS", "FLEXDB", "HOSTING", "SCF":
			want[t] = true
		default:
			return nil, capi.Errorf("InvalidParameterValue", "ResourceTypes: %q is not one of CDN, COS, FLEXDB, HOSTING, SCF.", t)
		}
	}
	items := []postpayEnvQuota{}
	for _, q := range freeQuotas {
		if len(want) == 0 || want[q.typ] {
			items = append(items, postpayEnvQuota{ResourceType: q.typ, MetricName: q.metric, Value: q.value})
		}
	}
	return map[string]any{"QuotaItems": items}, nil
}

func unixNano(n int64) time.Time { return time.Unix(0, n) }
