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
	"github.com/tcb-go/tcb/pkg/project"
)

// triggerTypes are the trigger types of the API; only timer runs here.
var triggerTypes = map[string]bool{
	"timer": true, "cos": true, "cmq": true, "ckafka": true, "apigw": true, "cls": true,
	"mps": true, "clb": true, "http": true, "tdmq": true, "eb": true,
}

// parseTimerDesc accepts a 7-field cron expression or {"cron":"..."}.
func parseTimerDesc(desc string) (string, error) {
	expr := strings.TrimSpace(desc)
	if strings.HasPrefix(expr, "{") {
		var v struct {
			Cron string `json:"cron"`
		}
		if err := json.Unmarshal([]byte(expr), &v); err != nil || v.Cron == "" {
			return "", capi.Errorf("InvalidParameterValue.TriggerDesc", "TriggerDesc must be a 7-field cron expression or {\"cron\":\"...\"}.")
		}
		expr = strings.TrimSpace(v.Cron)
	}
	if expr == "" {
		return "", capi.Errorf("InvalidParameterValue.TriggerDesc", "TriggerDesc (the cron expression) is required for a timer trigger.")
	}
	if err := project.ValidateCron(expr); err != nil {
		return "", capi.Errorf("InvalidParameterValue.TriggerDesc", "TriggerDesc is not a valid 7-field cron expression (second minute hour day month weekday year): %v.", err)
	}
	return expr, nil
}

func timerDesc(expr string) string {
	b, _ := json.Marshal(map[string]string{"cron": expr})
	return string(b)
}

func triggerInfo(t *trigger) cloudapi.TriggerInfo {
	enable := int64(0)
	if t.Enable {
		enable = 1
	}
	return cloudapi.TriggerInfo{
		Enable:           enable,
		Qualifier:        latestQualifier,
		TriggerName:      t.Name,
		Type:             t.Type,
		TriggerDesc:      timerDesc(t.Cron),
		AvailableStatus:  "Available",
		CustomArgument:   t.CustomArgument,
		AddTime:          chinatime.Format(t.AddTime),
		ModTime:          chinatime.Format(t.ModTime),
		ResourceId:       t.ResourceID,
		BindStatus:       "on",
		TriggerAttribute: "",
		Description:      t.Description,
	}
}

func (m *Module) createTrigger(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.CreateTriggerRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if !project.IsTriggerName(req.TriggerName) {
		return nil, capi.Errorf("InvalidParameterValue.TriggerName", "TriggerName %q is invalid: up to 100 letters, digits, '-' and '_', starting with a letter.", req.TriggerName)
	}
	if !triggerTypes[req.Type] {
		return nil, capi.Errorf("InvalidParameterValue.Type", "Type %q is not a trigger type (timer, cos, cmq, ckafka, apigw, cls, ...).", req.Type)
	}
	if req.Type != "timer" {
		return nil, capi.Errorf("UnsupportedOperation.Trigger", "The emulator supports only timer triggers, not %s.", req.Type)
	}
	enable := true
	switch req.Enable {
	case "", "OPEN":
	case "CLOSE":
		enable = false
	default:
		return nil, capi.Errorf("InvalidParameterValue.Enable", "Enable must be OPEN or CLOSE, got %q.", req.Enable)
	}
	if len(req.CustomArgument) > maxCustomArgument {
		return nil, capi.Errorf("InvalidParameterValue.CustomArgument", "CustomArgument is %d bytes, the limit is 4 KB.", len(req.CustomArgument))
	}
	if err := checkQualifier(req.Qualifier, "InvalidParameterValue.Qualifier"); err != nil {
		return nil, err
	}
	expr, err := parseTimerDesc(req.TriggerDesc)
	if err != nil {
		return nil, err
	}
	now := m.now()
	t := trigger{Name: req.TriggerName, Type: req.Type, Cron: expr, Enable: enable, CustomArgument: req.CustomArgument,
		Description: req.Description, AddTime: now, ModTime: now}
	var rec *record
	err = m.h.DB.Update(func(tx *store.Tx) error {
		var err error
		if rec, err = m.visibleRecordTx(tx, ns, req.FunctionName); err != nil {
			return err
		}
		if st := rec.status(now); st != stateActive && st != stateUpdateFailed {
			return capi.Errorf("FailedOperation.CreateTrigger", "The function %s is %s; triggers can be added when it is Active.", rec.Name, st)
		}
		n := 0
		for _, x := range rec.Triggers {
			if x.Name == t.Name {
				return capi.Errorf("ResourceInUse.Trigger", "The function %s already has a trigger named %s.", rec.Name, t.Name)
			}
			if x.Type == t.Type {
				n++
			}
		}
		if n >= maxTriggersPerType {
			return capi.Errorf("LimitExceeded.Trigger", "The function %s already has %d %s triggers, the limit.", rec.Name, n, t.Type)
		}
		t.ResourceID = "qcs::scf:" + c.Region + ":uin/100000000001:namespace/" + ns + "/function/" + rec.Name + "/$LATEST/" + t.Type + "/" + t.Name
		rec.Triggers = append(rec.Triggers, t)
		return putRecordTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	m.sched.setFunction(rec)
	return cloudapi.CreateTriggerResponse{TriggerInfo: triggerInfo(&t)}, nil
}

func (m *Module) deleteTrigger(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteTriggerRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if req.TriggerName == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter TriggerName is required.")
	}
	if req.Type == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Type is required.")
	}
	if err := checkQualifier(req.Qualifier, "InvalidParameterValue.Qualifier"); err != nil {
		return nil, err
	}
	now := m.now()
	var rec *record
	err = m.h.DB.Update(func(tx *store.Tx) error {
		var err error
		if rec, err = m.visibleRecordTx(tx, ns, req.FunctionName); err != nil {
			return err
		}
		if st := rec.status(now); st == stateCreating || st == stateUpdating || st == stateDeleting {
			return capi.Errorf("FailedOperation.DeleteTrigger", "The function %s is %s; try again when it is Active.", rec.Name, st)
		}
		for i, x := range rec.Triggers {
			if x.Name == req.TriggerName && x.Type == req.Type {
				rec.Triggers = append(rec.Triggers[:i], rec.Triggers[i+1:]...)
				return putRecordTx(tx, rec)
			}
		}
		return capi.Errorf("ResourceNotFound.Trigger", "The function %s has no %s trigger named %s.", rec.Name, req.Type, req.TriggerName)
	})
	if err != nil {
		return nil, err
	}
	m.sched.setFunction(rec)
	return cloudapi.EmptyResponse{}, nil
}

func (m *Module) listTriggers(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListTriggersRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
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
	if limit < 0 || limit > 200 {
		return nil, capi.Errorf("InvalidParameterValue.Limit", "Limit must be between 1 and 200, got %d.", limit)
	}
	orderBy := strings.ToLower(req.OrderBy)
	if orderBy == "" {
		orderBy = "mod_time"
	}
	if orderBy != "add_time" && orderBy != "mod_time" {
		return nil, capi.Errorf("InvalidParameterValue.OrderBy", "OrderBy must be add_time or mod_time, got %q.", req.OrderBy)
	}
	order := strings.ToUpper(req.Order)
	if order == "" {
		order = "DESC"
	}
	if order != "ASC" && order != "DESC" {
		return nil, capi.Errorf("InvalidParameterValue.Order", "Order must be ASC or DESC, got %q.", req.Order)
	}
	filters := map[string]map[string]bool{}
	for _, f := range req.Filters {
		switch f.Name {
		case "Type", "Qualifier", "TriggerName":
		default:
			return nil, capi.Errorf("InvalidParameterValue.Filters", "Filter %q is not supported by the emulator (Type, Qualifier, TriggerName).", f.Name)
		}
		set := map[string]bool{}
		for _, v := range f.Values {
			set[v] = true
		}
		filters[f.Name] = set
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	var list []trigger
	for _, t := range rec.Triggers {
		if f := filters["Type"]; f != nil && !f[t.Type] {
			continue
		}
		if f := filters["Qualifier"]; f != nil && !f[latestQualifier] {
			continue
		}
		if f := filters["TriggerName"]; f != nil && !f[t.Name] {
			continue
		}
		list = append(list, t)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].ModTime, list[j].ModTime
		if orderBy == "add_time" {
			a, b = list[i].AddTime, list[j].AddTime
		}
		c := a.Compare(b)
		if c == 0 {
			c = strings.Compare(list[i].Name, list[j].Name)
		}
		if order == "DESC" {
			return c > 0
		}
		return c < 0
	})
	total := int64(len(list))
	lo, hi := min(offset, total), min(offset+limit, total)
	out := make([]cloudapi.TriggerInfo, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, triggerInfo(&list[i]))
	}
	return cloudapi.ListTriggersResponse{TotalCount: total, Triggers: out}, nil
}
