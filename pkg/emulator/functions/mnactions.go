package functions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// The scf and tcb actions @cloudbase/manager-node and newer SCF clients
// call besides the classic set: InvokeFunction (the synchronous invoke
// whose event is Event), ListNamespaces (the NORMAL environments),
// GetFunctionEventInvokeConfig (the platform's async retry defaults),
// BatchCreateTrigger (CreateTrigger for each of a JSON list) and tcb
// SearchClsLog (the invocation logs as CLS lines).

// invokeFunction is Invoke with the event in Event and no InvocationType.
func (m *Module) invokeFunction(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		FunctionName string `json:"FunctionName"`
		Qualifier    string `json:"Qualifier"`
		Event        string `json:"Event"`
		LogType      string `json:"LogType"`
		Namespace    string `json:"Namespace"`
		RoutingKey   string `json:"RoutingKey"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	body, err := json.Marshal(cloudapi.InvokeRequest{FunctionName: req.FunctionName, Qualifier: req.Qualifier,
		ClientContext: req.Event, LogType: req.LogType, Namespace: req.Namespace, RoutingKey: req.RoutingKey})
	if err != nil {
		return nil, err
	}
	ic := *c
	ic.Body = body
	return m.invoke(ctx, &ic)
}

type namespaceInfo struct {
	Name        string `json:"Name"`
	Description string `json:"Description"`
	AddTime     string `json:"AddTime"`
	ModTime     string `json:"ModTime"`
	Type        string `json:"Type"`
}

// listNamespaces lists the environments (a CloudBase env is an SCF
// namespace), AddTime order.
func (m *Module) listNamespaces(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		Limit     *int64 `json:"Limit"`
		Offset    *int64 `json:"Offset"`
		Orderby   string `json:"Orderby"`
		Order     string `json:"Order"`
		SearchKey []struct {
			Key   string `json:"Key"`
			Value string `json:"Value"`
		} `json:"SearchKey"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	limit, offset := int64(20), int64(0)
	if req.Limit != nil {
		limit = *req.Limit
	}
	if req.Offset != nil {
		offset = *req.Offset
	}
	if limit < 1 || limit > 200 {
		return nil, capi.Errorf("InvalidParameterValue.Limit", "Limit must be 1-200, got %d.", limit)
	}
	if offset < 0 {
		return nil, capi.Errorf("InvalidParameterValue.Offset", "Offset must not be negative, got %d.", offset)
	}
	order := strings.ToUpper(req.Order)
	switch order {
	case "":
		order = "ASC"
	case "ASC", "DESC":
	default:
		return nil, capi.Errorf("InvalidParameterValue.Order", "Order must be ASC or DESC, got %q.", req.Order)
	}
	switch req.Orderby {
	case "", "AddTime", "ModTime", "Name":
	default:
		return nil, capi.Errorf("InvalidParameterValue.Orderby", "Orderby must be AddTime, ModTime or Name, got %q.", req.Orderby)
	}
	recs, err := m.h.Envs.List()
	if err != nil {
		return nil, err
	}
	now := m.now()
	var list []namespaceInfo
	for i := range recs {
		r := &recs[i]
		if r.Status(now) != "NORMAL" {
			continue
		}
		ns := namespaceInfo{Name: r.EnvID, Description: r.Alias, AddTime: chinatime.Format(r.CreatedAt),
			ModTime: chinatime.Format(r.UpdatedAt), Type: "default"}
		keep := true
		for _, k := range req.SearchKey {
			switch k.Key {
			case "Namespace":
				keep = keep && strings.Contains(ns.Name, k.Value)
			case "Description":
				keep = keep && strings.Contains(ns.Description, k.Value)
			default:
				return nil, capi.Errorf("InvalidParameterValue.SearchKey", "SearchKey.Key must be Namespace or Description, got %q.", k.Key)
			}
		}
		if keep {
			list = append(list, ns)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		var c int
		switch req.Orderby {
		case "Name":
			c = strings.Compare(list[i].Name, list[j].Name)
		case "ModTime":
			c = strings.Compare(list[i].ModTime, list[j].ModTime)
		default:
			c = strings.Compare(list[i].AddTime, list[j].AddTime)
		}
		if order == "DESC" {
			return c > 0
		}
		return c < 0
	})
	total := int64(len(list))
	lo, hi := min(offset, total), min(offset+limit, total)
	page := append([]namespaceInfo{}, list[lo:hi]...)
	return map[string]any{"Namespaces": page, "TotalCount": total}, nil
}

// Async invocation defaults of SCF: 2 retries, messages kept 6 hours.
const (
	defaultAsyncRetries = 2
	defaultAsyncMsgTTL  = 21600
)

func (m *Module) getFunctionEventInvokeConfig(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		FunctionName string `json:"FunctionName"`
		Namespace    string `json:"Namespace"`
		Qualifier    string `json:"Qualifier"`
	}
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkQualifier(req.Qualifier, "ResourceNotFound.Qualifier"); err != nil {
		return nil, err
	}
	if _, err := m.lookup(ns, req.FunctionName); err != nil {
		return nil, err
	}
	return map[string]any{"AsyncTriggerConfig": map[string]any{
		"RetryConfig": []map[string]int64{{"RetryNum": defaultAsyncRetries}}, "MsgTTL": defaultAsyncMsgTTL}}, nil
}

// batchCreateTrigger creates the triggers of a JSON list (Triggers, a
// string, as manager-node sends it: [{TriggerName, Type, TriggerDesc,
// ...}]). Names are checked against each other and the function's
// triggers before any is created.
func (m *Module) batchCreateTrigger(ctx context.Context, c *capi.Call) (any, error) {
	var req struct {
		FunctionName string `json:"FunctionName"`
		Namespace    string `json:"Namespace"`
		Triggers     string `json:"Triggers"`
		Count        *int64 `json:"Count"`
	}
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Triggers) == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter Triggers is required.")
	}
	var list []struct {
		TriggerName    string `json:"TriggerName"`
		Type           string `json:"Type"`
		TriggerDesc    string `json:"TriggerDesc"`
		Qualifier      string `json:"Qualifier"`
		Enable         string `json:"Enable"`
		CustomArgument string `json:"CustomArgument"`
		Description    string `json:"Description"`
	}
	dec := json.NewDecoder(strings.NewReader(req.Triggers))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, capi.Errorf("InvalidParameterValue.Triggers", "Triggers must be a JSON array of {TriggerName, Type, TriggerDesc}: %v.", err)
	}
	if len(list) == 0 {
		return nil, capi.Errorf("InvalidParameterValue.Triggers", "Triggers is empty.")
	}
	if req.Count != nil && *req.Count != int64(len(list)) {
		return nil, capi.Errorf("InvalidParameterValue.Count", "Count is %d but Triggers has %d.", *req.Count, len(list))
	}
	rec, err := m.lookup(ns, req.FunctionName)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, t := range rec.Triggers {
		seen[t.Name] = true
	}
	for _, t := range list {
		if seen[t.TriggerName] {
			return nil, capi.Errorf("ResourceInUse.Trigger", "The function %s already has a trigger named %s.", rec.Name, t.TriggerName)
		}
		seen[t.TriggerName] = true
	}
	var infos []cloudapi.TriggerInfo
	for i, t := range list {
		body, err := json.Marshal(cloudapi.CreateTriggerRequest{FunctionName: req.FunctionName, Namespace: ns,
			TriggerName: t.TriggerName, Type: t.Type, TriggerDesc: t.TriggerDesc, Qualifier: t.Qualifier,
			Enable: t.Enable, CustomArgument: t.CustomArgument, Description: t.Description})
		if err != nil {
			return nil, err
		}
		tc := *c
		tc.Body = body
		out, err := m.createTrigger(ctx, &tc)
		if err != nil {
			if ae, ok := err.(*capi.Error); ok && i > 0 {
				return nil, capi.Errorf(ae.Code, "Triggers[%d] (%s): %s (the %d before it were created)", i, t.TriggerName, ae.Message, i)
			}
			return nil, err
		}
		if r, ok := out.(cloudapi.CreateTriggerResponse); ok {
			infos = append(infos, r.TriggerInfo)
		}
	}
	return map[string]any{"TriggerInfos": infos}, nil
}

// clsCursor is the decoded Context of SearchClsLog.
type clsCursor struct {
	Offset int `json:"o"`
}

// maxCLSResults is how far a cursor may page, as on CLS.
const maxCLSResults = 10000

func (m *Module) searchClsLog(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.SearchClsLogRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter EnvId is required.")
	}
	env, err := m.h.Envs.Ready(req.EnvId, "ResourceNotFound")
	if err != nil {
		return nil, err
	}
	topicID, topic := "", "tcb_topic_"+env.EnvID
	if info := m.h.Envs.Info(env); len(info.LogServices) > 0 {
		topicID, topic = info.LogServices[0].TopicId, info.LogServices[0].TopicName
	}
	if req.StartTime == "" || req.EndTime == "" {
		return nil, capi.Errorf("MissingParameter", "StartTime and EndTime are required (YYYY-MM-DD HH:mm:ss).")
	}
	from, err := time.ParseInLocation(chinatime.Layout, req.StartTime, chinatime.Zone())
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue", "StartTime %q is not YYYY-MM-DD HH:mm:ss.", req.StartTime)
	}
	to, err := time.ParseInLocation(chinatime.Layout, req.EndTime, chinatime.Zone())
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue", "EndTime %q is not YYYY-MM-DD HH:mm:ss.", req.EndTime)
	}
	if to.Before(from) {
		return nil, capi.Errorf("InvalidParameterValue", "EndTime is before StartTime.")
	}
	to = to.Add(time.Second)
	if req.Limit < 1 || req.Limit > 100 {
		return nil, capi.Errorf("InvalidParameterValue", "Limit must be 1-100, got %d.", req.Limit)
	}
	sortDesc := true
	switch strings.ToLower(req.Sort) {
	case "", "desc":
	case "asc":
		sortDesc = false
	default:
		return nil, capi.Errorf("InvalidParameterValue", "Sort must be asc or desc, got %q.", req.Sort)
	}
	if req.UseLucene != nil && *req.UseLucene {
		return nil, capi.Errorf("UnsupportedOperation", "UseLucene is not supported by the emulator: use the CLS syntax.")
	}
	offset := 0
	if req.Context != "" {
		raw, err := base64.RawURLEncoding.DecodeString(req.Context)
		var cur clsCursor
		if err != nil || json.Unmarshal(raw, &cur) != nil || cur.Offset < 0 || cur.Offset > maxCLSResults {
			return nil, capi.Errorf("InvalidParameterValue", "Context is not a cursor this search returned.")
		}
		offset = cur.Offset
	}
	expr, err := parseCLSQuery(req.QueryString)
	if err != nil {
		return nil, capi.Errorf("InvalidParameterValue", "QueryString: %v.", err)
	}
	m.flushLogs() // logs are group-committed: make the ones already answered readable
	ns := req.EnvId
	type line struct {
		at     time.Time
		key    string
		result cloudapi.ClsLogObject
	}
	var lines []line
	err = m.h.DB.View(func(tx *store.Tx) error {
		recs, err := namespaceRecordsTx(tx, ns)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := tx.ForEach(logsPath(ns, rec.FunctionID), func(k string, raw []byte) error {
				var lr logRecord
				if err := json.Unmarshal(raw, &lr); err != nil {
					return err
				}
				if lr.Start.Before(from) || !lr.Start.Before(to) {
					return nil
				}
				fields, content := clsFields(rec.Name, ns, &lr)
				if expr != nil && !expr.match(fields, lr.Log+"\n"+lr.RetMsg) {
					return nil
				}
				lines = append(lines, line{at: lr.Start, key: k, result: cloudapi.ClsLogObject{TopicId: topicID,
					TopicName: topic, Timestamp: lr.Start.In(chinatime.Zone()).Format(time.RFC3339Nano),
					Content: content, FileName: "/var/log/scf/" + rec.Name, Source: "127.0.0.1"}})
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(lines, func(i, j int) bool {
		if !lines[i].at.Equal(lines[j].at) {
			return lines[i].at.Before(lines[j].at) != sortDesc
		}
		return (lines[i].key < lines[j].key) != sortDesc
	})
	if len(lines) > maxCLSResults {
		lines = lines[:maxCLSResults]
	}
	lo := min(offset, len(lines))
	hi := min(lo+int(req.Limit), len(lines))
	out := cloudapi.ClsLogResults{Results: []cloudapi.ClsLogObject{}, AnalysisRecords: []string{}, ListOver: hi >= len(lines)}
	for _, l := range lines[lo:hi] {
		out.Results = append(out.Results, l.result)
	}
	if !out.ListOver {
		b, _ := json.Marshal(clsCursor{Offset: hi})
		out.Context = base64.RawURLEncoding.EncodeToString(b)
	}
	return cloudapi.SearchClsLogResponse{LogResults: out}, nil
}

// clsFields are an invocation's searchable fields and its Content (a
// JSON object in a string, like the cloud's function log lines).
func clsFields(name, ns string, lr *logRecord) (map[string]string, string) {
	status := 200
	level := "INFO"
	if lr.Status != fnrun.StatusOK {
		status, level = lr.Status, "ERROR"
	}
	f := map[string]string{
		"function_name": name,
		"namespace":     ns,
		"request_id":    lr.RequestID,
		"src":           "app",
		"level":         level,
		"status_code":   strconv.Itoa(status),
		"retry_num":     "0",
		"source":        lr.Source,
		"module":        "function",
	}
	content, _ := json.Marshal(map[string]any{
		"function_name": name, "namespace": ns, "request_id": lr.RequestID, "src": "app", "level": level,
		"status_code": status, "retry_num": 0, "source": lr.Source, "module": "function", "log": lr.Log,
		"ret_msg": lr.RetMsg, "duration": lr.Duration, "bill_duration": lr.BillDuration, "mem_usage": lr.MemUsage,
		"timestamp": lr.Start.UnixMilli(),
	})
	return f, string(content)
}
