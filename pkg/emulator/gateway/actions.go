package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

const (
	tcbService = "tcb"
	tcbVersion = "2018-06-08"
)

// Limits of the actions.
const (
	MaxPathLen     = 256
	MaxPathsPerEnv = 1000
	MaxDomains     = 20
	defaultLimit   = 100
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func (m *Module) registerActions(d *capi.Dispatcher) {
	for action, fn := range map[string]capi.Handler{
		"CreateCloudBaseGWAPI":               m.createAPI,
		"DescribeCloudBaseGWAPI":             m.describeAPI,
		"DeleteCloudBaseGWAPI":               m.deleteAPI,
		"DescribeCloudBaseGWService":         m.describeService,
		"DescribeCloudBaseGWPrivilege":       m.describePrivilege,
		"ModifyCloudBaseGWPrivilege":         m.modifyPrivilege,
		"ModifyCloudBaseGWAPIPrivilegeBatch": m.modifyAPIPrivilege,
		"BindCloudBaseAccessDomain":          m.bindDomain,
		"BindCloudBaseGWDomain":              m.bindDomain,
		"DeleteCloudBaseGWDomain":            m.deleteDomain,
	} {
		d.Register(tcbService, tcbVersion, action, fn)
	}
}

// env checks ServiceId (the env id).
func (m *Module) env(id string) (string, error) {
	if id == "" {
		return "", capi.Errorf("MissingParameter", "The parameter ServiceId (the environment id) is required.")
	}
	if _, err := m.h.Envs.Ready(id, "ResourceNotFound.Env"); err != nil {
		return "", err
	}
	return id, nil
}

// decodeEnvRequest decodes the call into req and checks the environment
// it names (id points at req's ServiceId).
func (m *Module) decodeEnvRequest(c *capi.Call, req any, id *string) (string, error) {
	if err := c.Decode(req); err != nil {
		return "", err
	}
	return m.env(*id)
}

// changeAPIs runs change on each access path of env in one transaction
// and returns how many it changed (change writes the change in tx);
// env's routes are rebuilt after.
func (m *Module) changeAPIs(env string, change func(tx *store.Tx, a apiRecord) (bool, error)) (int, error) {
	n := 0
	err := m.h.DB.Update(func(tx *store.Tx) error {
		_, apis, err := m.loadEnvTx(tx, env)
		if err != nil {
			return err
		}
		for _, a := range apis {
			changed, err := change(tx, a)
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	m.invalidate(env)
	return n, nil
}

// ValidatePath checks an access path and returns its canonical form (no
// trailing slash but for "/"). Paths are absolute, at most MaxPathLen
// bytes, of letters, digits and - _ . ~ /, with no empty, "." or ".."
// segment: a path that would be resolved differently by a client cannot be
// created.
func ValidatePath(p string) (string, error) {
	switch {
	case p == "":
		return "", errors.New("the path is empty")
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("the path %q must start with /", p)
	case len(p) > MaxPathLen:
		return "", fmt.Errorf("the path is %d bytes long; the limit is %d", len(p), MaxPathLen)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0
		if !ok {
			return "", fmt.Errorf("the path %q has the character %q; use letters, digits and - _ . ~ /", p, c)
		}
	}
	if p == "/" {
		return p, nil
	}
	p = strings.TrimSuffix(p, "/")
	for _, seg := range strings.Split(p[1:], "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("the path %q has an empty segment (//)", p)
		case ".", "..":
			return "", fmt.Errorf("the path %q has a %q segment", p, seg)
		}
	}
	return p, nil
}

func (m *Module) createAPI(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.CreateCloudBaseGWAPIRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	if req.Path == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Path is required.")
	}
	p, err := ValidatePath(req.Path)
	if err != nil {
		return nil, capi.Errorf("InvalidParameter.Path", "Path is invalid: %v.", err)
	}
	switch req.Type {
	case 0, cloudapi.GWAPITypeFunction:
	case cloudapi.GWAPITypeCloudRun:
		return nil, capi.Errorf("UnsupportedOperation", "The emulator serves cloud functions only (Type 1); CloudBase Run (Type 2) is not emulated.")
	default:
		return nil, capi.Errorf("InvalidParameter.Type", "Type must be 1 (cloud function) or 2 (CloudBase Run), got %d.", req.Type)
	}
	if req.Name == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Name (the function name) is required.")
	}
	if m.opts.Functions != nil {
		if _, err := m.opts.Functions.Web(env, req.Name); errors.Is(err, functions.ErrNoSuchFunction) {
			return nil, capi.Errorf("ResourceNotFound.Function", "The function %s does not exist in %s.", req.Name, env)
		}
	}
	rec := apiRecord{APIId: randomID(16), Path: p, Type: cloudapi.GWAPITypeFunction, Name: req.Name,
		Domain: req.Domain, EnableAuth: req.AuthSwitch == 1, Created: m.now()}
	err = m.h.DB.Update(func(tx *store.Tx) error {
		_, apis, err := m.loadEnvTx(tx, env)
		if err != nil {
			return err
		}
		if len(apis) >= MaxPathsPerEnv {
			return capi.Errorf("LimitExceeded", "An environment has at most %d access paths.", MaxPathsPerEnv)
		}
		for _, a := range apis {
			if a.Path == p && a.Domain == req.Domain {
				return capi.Errorf("InvalidParameter.APICreated", "The path %s is already bound (to %s).", p, a.Name)
			}
		}
		return tx.Put([]string{bucketAPIs, env}, rec.APIId, &rec)
	})
	if err != nil {
		return nil, err
	}
	m.invalidate(env)
	return cloudapi.CreateCloudBaseGWAPIResponse{APIId: rec.APIId}, nil
}

func (m *Module) apiInfo(env string, a apiRecord) cloudapi.GWAPI {
	return cloudapi.GWAPI{ServiceId: env, APIId: a.APIId, Path: a.Path, Type: a.Type, Name: a.Name,
		CreateTime: a.Created.Unix(), EnvId: env, EnableAuth: a.EnableAuth, Domain: a.Domain}
}

func (m *Module) describeAPI(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DescribeCloudBaseGWAPIRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit == 0 {
		limit = req.LimitLower
	}
	if limit < 0 || req.Offset < 0 {
		return nil, capi.Errorf("InvalidParameter", "Offset and Limit must not be negative.")
	}
	if limit == 0 {
		limit = defaultLimit
	}
	path := req.Path
	if path != "" {
		if p, err := ValidatePath(cloudapi.NormalizeServicePath(path)); err == nil {
			path = p
		}
	}
	var st envState
	var apis []apiRecord
	if err := m.h.DB.View(func(tx *store.Tx) error {
		st, apis, err = m.loadEnvTx(tx, env)
		return err
	}); err != nil {
		return nil, err
	}
	out := cloudapi.DescribeCloudBaseGWAPIResponse{APISet: []cloudapi.GWAPI{}, Limit: limit, Offset: req.Offset, EnableService: !st.Disabled}
	var matched []cloudapi.GWAPI
	for _, a := range apis {
		if (path != "" && a.Path != path) || (req.APIId != "" && a.APIId != req.APIId) || (req.Name != "" && a.Name != req.Name) ||
			(req.Domain != "" && a.Domain != req.Domain) || (req.Type != 0 && a.Type != req.Type) {
			continue
		}
		matched = append(matched, m.apiInfo(env, a))
	}
	out.Total = int64(len(matched))
	if req.Offset < int64(len(matched)) {
		end := min(int64(len(matched)), req.Offset+limit)
		out.APISet = append(out.APISet, matched[req.Offset:end]...)
	}
	return out, nil
}

func (m *Module) deleteAPI(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteCloudBaseGWAPIRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	if req.Path == "" && req.APIId == "" && req.Name == "" {
		return nil, capi.Errorf("MissingParameter", "Name one of Path, APIId or Name (the function whose paths to delete).")
	}
	path := req.Path
	if path != "" {
		p, err := ValidatePath(path)
		if err != nil {
			return nil, capi.Errorf("InvalidParameter.Path", "Path is invalid: %v.", err)
		}
		path = p
	}
	n, err := m.changeAPIs(env, func(tx *store.Tx, a apiRecord) (bool, error) {
		if (path != "" && a.Path != path) || (req.APIId != "" && a.APIId != req.APIId) || (req.Name != "" && a.Name != req.Name) {
			return false, nil
		}
		return true, tx.Delete([]string{bucketAPIs, env}, a.APIId)
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, capi.Errorf("ResourceNotFound.API", "No access path of %s matches.", env)
	}
	return cloudapi.EmptyResponse{}, nil
}

// defaultDomain is the service's origin as the caller reaches the emulator.
func (m *Module) defaultDomain(env, callHost string) string {
	addr := callHost
	if addr == "" || !strings.Contains(addr, ":") {
		addr = m.h.Addr()
	}
	return strings.TrimPrefix(ServiceURL(env, addr), "http://")
}

func (m *Module) getState(env string) (envState, error) {
	var st envState
	err := m.h.DB.View(func(tx *store.Tx) error {
		_, err := tx.Get([]string{bucketEnv}, env, &st)
		return err
	})
	return st, err
}

func (m *Module) updateState(env string, fn func(*envState) error) error {
	defer m.invalidate(env)
	return m.h.DB.Update(func(tx *store.Tx) error {
		var st envState
		if _, err := tx.Get([]string{bucketEnv}, env, &st); err != nil {
			return err
		}
		if err := fn(&st); err != nil {
			return err
		}
		return tx.Put([]string{bucketEnv}, env, &st)
	})
}

func (m *Module) describeService(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DescribeCloudBaseGWServiceRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	st, err := m.getState(env)
	if err != nil {
		return nil, err
	}
	out := cloudapi.DescribeCloudBaseGWServiceResponse{DefaultDomain: m.defaultDomain(env, c.Host), EnableService: !st.Disabled,
		ServiceSet: []cloudapi.GWService{}}
	for _, d := range st.Domains {
		if req.Domain != "" && !strings.EqualFold(req.Domain, d.Domain) {
			continue
		}
		out.ServiceSet = append(out.ServiceSet, cloudapi.GWService{ServiceId: env, Domain: d.Domain, OpenTime: d.Opened.Unix(), Status: 3})
	}
	return out, nil
}

func (m *Module) describePrivilege(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DescribeCloudBaseGWPrivilegeRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	st, err := m.getState(env)
	if err != nil {
		return nil, err
	}
	return cloudapi.DescribeCloudBaseGWPrivilegeResponse{EnableService: !st.Disabled, EnableAuth: st.EnableAuth}, nil
}

func parseSwitch(o cloudapi.GWOption) (bool, error) {
	switch o.Value {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, capi.Errorf("InvalidParameter.Options", "Option %s must be \"true\" or \"false\", got %q.", o.Key, o.Value)
}

func (m *Module) modifyPrivilege(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ModifyCloudBaseGWPrivilegeRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	if len(req.Options) == 0 && req.EnableService == nil {
		return nil, capi.Errorf("MissingParameter", "Set EnableService or Options.")
	}
	err = m.updateState(env, func(st *envState) error {
		if len(req.Options) == 0 {
			st.Disabled = !*req.EnableService
			return nil
		}
		for _, o := range req.Options {
			on, err := parseSwitch(o)
			if err != nil {
				return err
			}
			switch o.Key {
			case cloudapi.GWSwitchService:
				st.Disabled = !on
			case cloudapi.GWSwitchAuth:
				st.EnableAuth = on
			default:
				return capi.Errorf("InvalidParameter.Options", "Unknown option %q (serviceswitch or authswitch).", o.Key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.CountResponse{Count: 1}, nil
}

func (m *Module) modifyAPIPrivilege(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ModifyCloudBaseGWAPIPrivilegeBatchRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	var on *bool
	for _, o := range req.Options {
		if o.Key != cloudapi.GWSwitchAuth {
			return nil, capi.Errorf("InvalidParameter.Options", "Unknown option %q (authswitch).", o.Key)
		}
		v, err := parseSwitch(o)
		if err != nil {
			return nil, err
		}
		on = &v
	}
	if on == nil {
		return nil, capi.Errorf("MissingParameter", "Options must hold authswitch.")
	}
	want := map[string]bool{}
	for _, id := range req.APIIdSet {
		want[id] = true
	}
	n, err := m.changeAPIs(env, func(tx *store.Tx, a apiRecord) (bool, error) {
		if !want[a.APIId] {
			return false, nil
		}
		a.EnableAuth = *on
		return true, tx.Put([]string{bucketAPIs, env}, a.APIId, &a)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.CountResponse{Count: int64(n)}, nil
}

// ValidateDomain checks a custom domain name: lower-case DNS labels, at
// least two, no port, no wildcard.
func ValidateDomain(d string) error {
	if d == "" || len(d) > 253 {
		return errors.New("a domain is 1 to 253 characters long")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("%q is not a fully qualified domain name", d)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q is not a valid domain name", d)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is not a valid domain name (lower-case letters, digits, - and dots)", d)
			}
		}
	}
	if strings.HasSuffix(d, ".localhost") || d == "localhost" {
		return fmt.Errorf("%q is a loopback name, not a custom domain", d)
	}
	return nil
}

func (m *Module) bindDomain(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.BindCloudBaseGWDomainRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	d := strings.ToLower(req.Domain)
	if err := ValidateDomain(d); err != nil {
		return nil, capi.Errorf("InvalidParameter.Domain", "%v.", err)
	}
	if other := m.envByDomain(d); other != "" {
		return nil, capi.Errorf("ResourceInUse.Domain", "The domain %s is already bound (to %s).", d, other)
	}
	err = m.updateState(env, func(st *envState) error {
		if len(st.Domains) >= MaxDomains {
			return capi.Errorf("LimitExceeded", "An environment has at most %d custom domains.", MaxDomains)
		}
		st.Domains = append(st.Domains, domainState{Domain: d, CertID: req.CertId, Opened: m.now()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}

func (m *Module) deleteDomain(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteCloudBaseGWDomainRequest
	env, err := m.decodeEnvRequest(c, &req, &req.ServiceId)
	if err != nil {
		return nil, err
	}
	d := strings.ToLower(req.Domain)
	if d == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Domain is required.")
	}
	err = m.updateState(env, func(st *envState) error {
		for i, x := range st.Domains {
			if x.Domain == d {
				st.Domains = append(st.Domains[:i], st.Domains[i+1:]...)
				return nil
			}
		}
		return capi.Errorf("ResourceNotFound.Domain", "The domain %s is not bound to %s.", d, env)
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.EmptyResponse{}, nil
}
