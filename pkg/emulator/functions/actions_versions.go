package functions

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// updateRecord runs change on the visible record ns/name and stores it.
func (m *Module) updateRecord(ns, name string, change func(rec *record) error) (*record, error) {
	var out *record
	err := m.h.DB.Update(func(tx *store.Tx) error {
		rec, err := m.visibleRecordTx(tx, ns, name)
		if err != nil {
			return err
		}
		if err := change(rec); err != nil {
			return err
		}
		out = rec
		return putRecordTx(tx, rec)
	})
	return out, err
}

func (m *Module) publishVersion(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.PublishVersionRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := validateDescription(req.Description); err != nil {
		return nil, err
	}
	now := m.now()
	var v version
	_, err = m.updateRecord(ns, req.FunctionName, func(rec *record) error {
		if st := rec.status(now); st != stateActive || rec.Live == nil {
			return capi.Errorf("FailedOperation.PublishVersion", "The function %s is %s: only an Active function can publish a version.", rec.Name, st)
		}
		if len(rec.Versions) >= maxVersions {
			return capi.Errorf("LimitExceeded.Version", "The function %s already has %d versions, the limit.", rec.Name, len(rec.Versions))
		}
		rec.LastVersion++
		v = version{Version: strconv.FormatInt(rec.LastVersion, 10), Description: req.Description,
			AddTime: now, ModTime: now, Spec: *rec.Live}
		rec.Versions = append(rec.Versions, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloudapi.PublishVersionResponse{
		FunctionVersion: v.Version, CodeSize: v.Spec.CodeSize, MemorySize: v.Spec.MemorySize,
		Description: v.Description, Handler: v.Spec.Handler, Timeout: v.Spec.Timeout,
		Runtime: v.Spec.Runtime, Namespace: ns,
	}, nil
}

func (m *Module) listVersionByFunction(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListVersionByFunctionRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	offset, limit, err := pageOf(req.Offset, req.Limit, 20, 100)
	if err != nil {
		return nil, err
	}
	desc := false
	switch strings.ToUpper(req.Order) {
	case "", "ASC":
	case "DESC":
		desc = true
	default:
		return nil, capi.Errorf("InvalidParameterValue.Order", "Order must be ASC or DESC, got %q.", req.Order)
	}
	byMod := false
	switch req.OrderBy {
	case "", "AddTime":
	case "ModTime":
		byMod = true
	default:
		return nil, capi.Errorf("InvalidParameterValue.Orderby", "OrderBy must be AddTime or ModTime, got %q.", req.OrderBy)
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	all := []cloudapi.FunctionVersion{{Version: latestQualifier, Description: rec.Spec.Description,
		AddTime: chinatime.Format(rec.AddTime), ModTime: chinatime.Format(rec.ModTime), Status: rec.status(m.now())}}
	keys := []int64{rec.AddTime.UnixNano()}
	for _, v := range rec.Versions {
		all = append(all, cloudapi.FunctionVersion{Version: v.Version, Description: v.Description,
			AddTime: chinatime.Format(v.AddTime), ModTime: chinatime.Format(v.ModTime), Status: stateActive})
		k := v.AddTime.UnixNano()
		if byMod {
			k = v.ModTime.UnixNano()
		}
		keys = append(keys, k)
	}
	if byMod {
		keys[0] = rec.ModTime.UnixNano()
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if desc {
			return keys[idx[a]] > keys[idx[b]]
		}
		return keys[idx[a]] < keys[idx[b]]
	})
	out := cloudapi.ListVersionByFunctionResponse{FunctionVersion: []string{}, Versions: []cloudapi.FunctionVersion{}, TotalCount: int64(len(all))}
	for i := offset; i < len(idx) && i < offset+limit; i++ {
		v := all[idx[i]]
		out.FunctionVersion = append(out.FunctionVersion, v.Version)
		out.Versions = append(out.Versions, v)
	}
	return out, nil
}

// pageOf checks Offset and Limit (def when absent, at most max).
func pageOf(off, lim *int64, def, max int) (int, int, error) {
	offset, limit := 0, def
	if off != nil {
		if *off < 0 {
			return 0, 0, capi.Errorf("InvalidParameterValue.Offset", "Offset must not be negative, got %d.", *off)
		}
		offset = int(min(*off, 1<<30))
	}
	if lim != nil {
		if *lim < 1 || *lim > int64(max) {
			return 0, 0, capi.Errorf("InvalidParameterValue.Limit", "Limit must be between 1 and %d, got %d.", max, *lim)
		}
		limit = int(*lim)
	}
	return offset, limit, nil
}

func checkAliasName(name string) error {
	if name == "" {
		return capi.Errorf("MissingParameter", "The parameter Name (the alias) is required.")
	}
	if name != defaultAlias && !isAliasName(name) {
		return capi.Errorf("InvalidParameterValue.Name", "Alias name %q is invalid: 1-64 letters, digits, '_' and '-', starting with a letter.", name)
	}
	return nil
}

// checkAliasChange checks the alias name and description CreateAlias and
// UpdateAlias send.
func checkAliasChange(name, description string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	return validateDescription(description)
}

// aliasTarget checks an alias's main version and routing against rec's
// versions and returns the routing in stored form.
func aliasTarget(rec *record, main string, rc *cloudapi.RoutingConfig) ([]cloudapi.VersionWeight, []cloudapi.VersionMatch, error) {
	if main == "" {
		return nil, nil, capi.Errorf("MissingParameter", "The parameter FunctionVersion (the alias's main version) is required.")
	}
	if !rec.versionExists(main) {
		return nil, nil, capi.Errorf("ResourceNotFound.Version", "The function %s has no version %s.", rec.Name, main)
	}
	return validateRouting(rec, main, rc)
}

func errAliasNotFound(rec *record, name string) error {
	return capi.Errorf("ResourceNotFound.Alias", "The function %s has no alias %s.", rec.Name, name)
}

func (m *Module) createAlias(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.CreateAliasRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkAliasChange(req.Name, req.Description); err != nil {
		return nil, err
	}
	now := m.now()
	_, err = m.updateRecord(ns, req.FunctionName, func(rec *record) error {
		if rec.findAlias(req.Name) != nil {
			return capi.Errorf("ResourceInUse.Alias", "The function %s already has an alias %s.", rec.Name, req.Name)
		}
		if len(rec.allAliases()) >= maxAliases {
			return capi.Errorf("LimitExceeded.Alias", "The function %s already has %d aliases, the limit.", rec.Name, maxAliases)
		}
		weights, matches, err := aliasTarget(rec, req.FunctionVersion, req.RoutingConfig)
		if err != nil {
			return err
		}
		rec.setAlias(alias{Name: req.Name, FunctionVersion: req.FunctionVersion, Description: req.Description,
			Weights: weights, Matches: matches, AddTime: now, ModTime: now})
		return nil
	})
	return emptyResponse(err)
}

func (m *Module) updateAlias(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.UpdateAliasRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkAliasChange(req.Name, req.Description); err != nil {
		return nil, err
	}
	now := m.now()
	_, err = m.updateRecord(ns, req.FunctionName, func(rec *record) error {
		a := rec.findAlias(req.Name)
		if a == nil {
			return errAliasNotFound(rec, req.Name)
		}
		weights, matches, err := aliasTarget(rec, req.FunctionVersion, req.RoutingConfig)
		if err != nil {
			return err
		}
		upd := *a
		upd.FunctionVersion = req.FunctionVersion
		upd.Weights, upd.Matches = weights, matches
		if req.Description != "" {
			upd.Description = req.Description
		}
		upd.ModTime = now
		rec.setAlias(upd)
		return nil
	})
	return emptyResponse(err)
}

func aliasInfo(a *alias) cloudapi.Alias {
	return cloudapi.Alias{FunctionVersion: a.FunctionVersion, Name: a.Name, RoutingConfig: routingOf(a),
		Description: a.Description, AddTime: chinatime.Format(a.AddTime), ModTime: chinatime.Format(a.ModTime)}
}

func (m *Module) getAlias(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.GetAliasRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkAliasName(req.Name); err != nil {
		return nil, err
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	a := rec.findAlias(req.Name)
	if a == nil {
		return nil, errAliasNotFound(rec, req.Name)
	}
	return cloudapi.GetAliasResponse{Alias: aliasInfo(a)}, nil
}

func (m *Module) listAliases(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListAliasesRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	num := func(field, s string) (*int64, error) {
		if s == "" {
			return nil, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, capi.Errorf("InvalidParameterValue."+field, "%s must be a number, got %q.", field, s)
		}
		return &n, nil
	}
	off, err := num("Offset", req.Offset)
	if err != nil {
		return nil, err
	}
	lim, err := num("Limit", req.Limit)
	if err != nil {
		return nil, err
	}
	offset, limit, err := pageOf(off, lim, 20, 100)
	if err != nil {
		return nil, err
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	var match []alias
	for _, a := range rec.allAliases() {
		if req.FunctionVersion != "" && a.FunctionVersion != req.FunctionVersion {
			continue
		}
		match = append(match, a)
	}
	out := cloudapi.ListAliasesResponse{Aliases: []cloudapi.Alias{}, TotalCount: int64(len(match))}
	for i := offset; i < len(match) && i < offset+limit; i++ {
		out.Aliases = append(out.Aliases, aliasInfo(&match[i]))
	}
	return out, nil
}

func (m *Module) deleteAlias(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteAliasRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkAliasName(req.Name); err != nil {
		return nil, err
	}
	if req.Name == defaultAlias {
		return nil, capi.Errorf("InvalidParameterValue.Name", "The alias $DEFAULT cannot be deleted (point it at another version with UpdateAlias).")
	}
	_, err = m.updateRecord(ns, req.FunctionName, func(rec *record) error {
		for i := range rec.Aliases {
			if rec.Aliases[i].Name == req.Name {
				rec.Aliases = append(rec.Aliases[:i], rec.Aliases[i+1:]...)
				return nil
			}
		}
		return errAliasNotFound(rec, req.Name)
	})
	return emptyResponse(err)
}

// deleteVersion serves DeleteFunction with a version Qualifier.
func (m *Module) deleteVersion(ns, name, q string) error {
	var gone string
	_, err := m.updateRecord(ns, name, func(rec *record) error {
		if rec.findVersion(q) == nil {
			return capi.Errorf("ResourceNotFound.FunctionVersion", "The function %s has no version %s.", rec.Name, q)
		}
		if users := rec.aliasesUsing(q); len(users) > 0 {
			return capi.Errorf("FailedOperation.DeleteFunction", "Version %s of %s is used by the alias %s: point the alias elsewhere first.", q, rec.Name, strings.Join(users, ", "))
		}
		for i := range rec.Versions {
			if rec.Versions[i].Version == q {
				gone = rec.Versions[i].Spec.CodeSha
				rec.Versions = append(rec.Versions[:i], rec.Versions[i+1:]...)
				break
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.pool.Load().Stop(ns, name+"@"+q)
	m.stopWebFunction(ns, name, q)
	m.gcCode(gone)
	return nil
}

// describeVersion is GetFunction of a published version: its code and
// configuration, with the function's state and triggers.
func (m *Module) describeVersion(rec *record, q string) (any, error) {
	v := rec.findVersion(q)
	if v == nil {
		return nil, capi.Errorf("ResourceNotFound.Qualifier", "The function %s has no version %s.", rec.Name, q)
	}
	snap := *rec
	snap.Spec = v.Spec
	out := m.describe(&snap)
	out.FunctionVersion = v.Version
	out.Qualifier = v.Version
	out.Description = v.Spec.Description
	out.ModTime = chinatime.Format(v.ModTime)
	return out, nil
}
