package functions

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

func (m *Module) getFunction(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.GetFunctionRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := validateBoolString("ShowCode", req.ShowCode); err != nil {
		return nil, err
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	if q := req.Qualifier; q != "" && q != latestQualifier {
		return m.describeVersion(rec, q)
	}
	return m.describe(rec), nil
}

// describe builds GetFunction's answer.
func (m *Module) describe(rec *record) cloudapi.GetFunctionResponse {
	now := m.now()
	st := rec.status(now)
	sp := rec.Spec
	vpc := sp.VpcConfig
	if vpc == nil {
		vpc = &cloudapi.VpcConfig{}
	}
	env := append([]cloudapi.Variable{}, sp.Env...)
	triggers := make([]cloudapi.Trigger, 0, len(rec.Triggers))
	for i := range rec.Triggers {
		ti := triggerInfo(&rec.Triggers[i])
		triggers = append(triggers, cloudapi.Trigger{
			ModTime: ti.ModTime, Type: ti.Type, TriggerDesc: ti.TriggerDesc, TriggerName: ti.TriggerName,
			AddTime: ti.AddTime, Enable: ti.Enable, CustomArgument: ti.CustomArgument,
			AvailableStatus: ti.AvailableStatus, ResourceId: ti.ResourceId, BindStatus: ti.BindStatus,
			TriggerAttribute: ti.TriggerAttribute, Qualifier: ti.Qualifier, Description: ti.Description,
		})
	}
	codeResult := "success"
	if st == stateCreateFailed {
		codeResult = "failed"
	}
	return cloudapi.GetFunctionResponse{
		ModTime:           chinatime.Format(rec.ModTime),
		CodeInfo:          "",
		Description:       sp.Description,
		Triggers:          triggers,
		Handler:           sp.Handler,
		CodeSize:          sp.CodeSize,
		Timeout:           sp.Timeout,
		FunctionVersion:   latestQualifier,
		MemorySize:        sp.MemorySize,
		Runtime:           sp.Runtime,
		FunctionName:      rec.Name,
		VpcConfig:         vpc,
		UseGpu:            "FALSE",
		Environment:       &cloudapi.Environment{Variables: env},
		CodeResult:        codeResult,
		CodeError:         "",
		ErrNo:             0,
		Namespace:         rec.Namespace,
		Role:              sp.Role,
		InstallDependency: sp.InstallDependency,
		Status:            st,
		StatusDesc:        statusDesc(rec, st),
		ClsLogsetId:       sp.ClsLogsetID,
		ClsTopicId:        sp.ClsTopicID,
		FunctionId:        rec.FunctionID,
		Tags:              tagsOf(rec),
		Type:              sp.Type,
		L5Enable:          orDefault(sp.L5Enable, "FALSE"),
		Layers:            m.layersInfo(sp.Layers),
		AddTime:           chinatime.Format(rec.AddTime),
		AvailableStatus:   "Available",
		Qualifier:         latestQualifier,
		InitTimeout:       sp.InitTimeout,
		StatusReasons:     rec.reasonsFor(st),
	}
}

func tagsOf(rec *record) []cloudapi.Tag {
	return append([]cloudapi.Tag{}, rec.Tags...)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// tcbListFunctions is tcb's ListFunctions ({EnvId, Limit, Offset}), which
// @cloudbase/manager-node calls: scf's ListFunctions of the env's namespace.
func (m *Module) tcbListFunctions(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		EnvId  string `json:"EnvId"`
		Limit  *int64 `json:"Limit"`
		Offset *int64 `json:"Offset"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	body, err := json.Marshal(cloudapi.ListFunctionsRequest{Namespace: req.EnvId, Limit: req.Limit, Offset: req.Offset})
	if err != nil {
		return nil, err
	}
	scfCall := *c
	scfCall.Body = body
	return m.listFunctions(ctx, &scfCall)
}

var listOrderBy = map[string]string{"addtime": "AddTime", "modtime": "ModTime", "functionname": "FunctionName"}

func (m *Module) listFunctions(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListFunctionsRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ns, err := m.namespace(req.Namespace)
	if err != nil {
		return nil, err
	}
	offset, limit := int64(0), int64(20)
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil && *req.Limit != 0 {
		limit = *req.Limit
	}
	if offset < 0 {
		return nil, capi.Errorf("InvalidParameterValue.Offset", "Offset must not be negative, got %d.", offset)
	}
	if limit < 0 || limit > 100 {
		return nil, capi.Errorf("InvalidParameterValue.Limit", "Limit must be between 1 and 100, got %d.", limit)
	}
	order := strings.ToUpper(req.Order)
	if order == "" {
		order = "DESC"
	}
	if order != "ASC" && order != "DESC" {
		return nil, capi.Errorf("InvalidParameterValue.Order", "Order must be ASC or DESC, got %q.", req.Order)
	}
	orderBy := "AddTime"
	if req.Orderby != "" {
		var ok bool
		if orderBy, ok = listOrderBy[strings.ToLower(req.Orderby)]; !ok {
			return nil, capi.Errorf("InvalidParameterValue.Orderby", "Orderby must be AddTime, ModTime or FunctionName, got %q.", req.Orderby)
		}
	}
	if len(req.Filters) > 10 {
		return nil, capi.Errorf("InvalidParameterValue.Filters", "At most 10 filters are allowed.")
	}
	filters := map[string]map[string]bool{}
	for _, f := range req.Filters {
		switch f.Name {
		case "Status", "Runtime", "Type":
		default:
			return nil, capi.Errorf("InvalidParameterValue.Filters", "Filter %q is not supported by the emulator (Status, Runtime, Type).", f.Name)
		}
		if len(f.Values) == 0 || len(f.Values) > 5 {
			return nil, capi.Errorf("InvalidParameterValue.Filters", "Filter %s must have 1 to 5 values.", f.Name)
		}
		set := map[string]bool{}
		for _, v := range f.Values {
			set[strings.ToLower(v)] = true
		}
		filters[f.Name] = set
	}

	now := m.now()
	var recs []*record
	err = m.h.DB.View(func(tx *store.Tx) error {
		all, err := namespaceRecordsTx(tx, ns)
		recs = all
		return err
	})
	if err != nil {
		return nil, err
	}
	search := strings.ToLower(req.SearchKey)
	desc := strings.ToLower(req.Description)
	var list []*record
	for _, r := range recs {
		if !r.visible(now) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(r.Name), search) {
			continue
		}
		if desc != "" && !strings.Contains(strings.ToLower(r.Spec.Description), desc) {
			continue
		}
		if f := filters["Status"]; f != nil && !f[strings.ToLower(r.status(now))] {
			continue
		}
		if f := filters["Runtime"]; f != nil && !f[strings.ToLower(r.Spec.Runtime)] {
			continue
		}
		if f := filters["Type"]; f != nil && !f[strings.ToLower(r.Spec.Type)] {
			continue
		}
		list = append(list, r)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		c := 0
		switch orderBy {
		case "AddTime":
			c = a.AddTime.Compare(b.AddTime)
		case "ModTime":
			c = a.ModTime.Compare(b.ModTime)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if order == "DESC" {
			return c > 0
		}
		return c < 0
	})
	total := int64(len(list))
	lo, hi := min(offset, total), min(offset+limit, total)
	out := make([]cloudapi.Function, 0, hi-lo)
	for _, r := range list[lo:hi] {
		st := r.status(now)
		out = append(out, cloudapi.Function{
			ModTime:       chinatime.Format(r.ModTime),
			AddTime:       chinatime.Format(r.AddTime),
			Runtime:       r.Spec.Runtime,
			FunctionName:  r.Name,
			FunctionId:    r.FunctionID,
			Namespace:     r.Namespace,
			Status:        st,
			StatusDesc:    statusDesc(r, st),
			Description:   r.Spec.Description,
			Tags:          tagsOf(r),
			Type:          r.Spec.Type,
			StatusReasons: r.reasonsFor(st),
		})
	}
	return cloudapi.ListFunctionsResponse{Functions: out, TotalCount: total}, nil
}
