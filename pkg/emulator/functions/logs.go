package functions

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tcb-go/tcb/pkg/chinatime"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/events"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/fnrun"
)

// logRecord is one invocation as stored.
type logRecord struct {
	RequestID    string    `json:"request_id"`
	Start        time.Time `json:"start"`
	Status       int       `json:"status"` // 200 or the SCF status code of the failure
	RetMsg       string    `json:"ret_msg"`
	Log          string    `json:"log"`
	Source       string    `json:"source"`
	Duration     float64   `json:"duration"`
	BillDuration int64     `json:"bill_duration"`
	MemUsage     int64     `json:"mem_usage"`
}

// logMeta counts a function's stored logs.
type logMeta struct {
	N     int   `json:"n"`
	Bytes int64 `json:"bytes"`
}

func logsPath(ns, functionID string) []string { return []string{bucketLogs, ns, functionID} }

func logMetaPath(ns string) []string { return []string{bucketLogMeta, ns} }

// writeLog stores an invocation's log, dropping the oldest records beyond
// the limits, and publishes it on the host's event bus. Logs of a function
// that was deleted (or replaced by another of the same name) meanwhile are
// dropped. The store write is queued and group-committed (logwriter.go):
// an invocation does not wait for a disk sync of its log; readers of the
// logs call flushLogs first.
func (m *Module) writeLog(rec *record, lr logRecord) {
	m.h.Events.Publish(events.TopicLog, &events.Log{Env: rec.Namespace, Function: rec.Name, RequestID: lr.RequestID,
		Start: lr.Start, Level: logLevel(lr.Status), Status: lr.Status, Source: lr.Source, Duration: lr.Duration,
		MemUsage: lr.MemUsage, Text: lr.Log, RetMsg: lr.RetMsg})
	m.logw.enqueue(m, pendingLog{ns: rec.Namespace, name: rec.Name, functionID: rec.FunctionID, lr: lr})
}

func logLevel(status int) string {
	if status != fnrun.StatusOK {
		return "ERROR"
	}
	return "INFO"
}

// writeLogsTx stores a batch of log records (see writeLog). The records
// of one function share the reads and writes of its bucket and counts
// (under load a batch holds many records of the same few functions); the
// stored result is the one storing them one by one gives, since the oldest
// records are dropped until the limits hold either way.
func (m *Module) writeLogsTx(tx *store.Tx, batch []pendingLog) error {
	byFunction := func(a, b pendingLog) int {
		return cmp.Or(strings.Compare(a.ns, b.ns), strings.Compare(a.name, b.name), strings.Compare(a.functionID, b.functionID))
	}
	slices.SortStableFunc(batch, byFunction)
	for i := 0; i < len(batch); {
		j := i + 1
		for j < len(batch) && byFunction(batch[i], batch[j]) == 0 {
			j++
		}
		if err := m.writeFunctionLogsTx(tx, batch[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// writeFunctionLogsTx stores log records of one function.
func (m *Module) writeFunctionLogsTx(tx *store.Tx, recs []pendingLog) error {
	p := &recs[0]
	cur, err := m.sharedRecordTx(tx, p.ns, p.name)
	if err != nil || cur == nil || cur.FunctionID != p.functionID {
		return err
	}
	b, err := tx.Bucket(logsPath(p.ns, p.functionID)...)
	if err != nil {
		return err
	}
	var meta logMeta
	if _, err := tx.Get(logMetaPath(p.ns), p.functionID, &meta); err != nil {
		return err
	}
	for i := range recs {
		lr := &recs[i].lr
		raw, err := json.Marshal(lr)
		if err != nil {
			return err
		}
		key := []byte(fmt.Sprintf("%020d-%s", lr.Start.UnixNano(), lr.RequestID))
		if old := b.Get(key); old != nil {
			meta.N--
			meta.Bytes -= int64(len(old))
		}
		if err := b.Put(key, raw); err != nil {
			return err
		}
		meta.N++
		meta.Bytes += int64(len(raw))
	}
	c := b.Cursor()
	for meta.N > m.opts.MaxLogRecords || (meta.Bytes > m.opts.MaxLogBytes && meta.N > 1) {
		k, v := c.First()
		if k == nil {
			break
		}
		meta.N--
		meta.Bytes -= int64(len(v))
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return tx.Put(logMetaPath(p.ns), p.functionID, &meta)
}

// dropLogsTx removes a function's logs.
func dropLogsTx(tx *store.Tx, ns, functionID string) error {
	if err := tx.DeleteBucket(logsPath(ns, functionID)...); err != nil {
		return err
	}
	return tx.Delete(logMetaPath(ns), functionID)
}

// retCodeFilters classify failures for Filter.RetCode.
var retCodeFilters = map[string]func(status int) bool{
	"is0":  func(s int) bool { return s == fnrun.StatusOK },
	"not0": func(s int) bool { return s != fnrun.StatusOK },
	"TimeLimitExceeded": func(s int) bool {
		return s == fnrun.StatusTimeLimitReached
	},
	"ResourceLimitExceeded": func(s int) bool {
		return s == fnrun.StatusMemoryLimitReached || s == fnrun.StatusResponseTooLarge || s == fnrun.StatusConcurrencyLimit
	},
	"UserCodeException": func(s int) bool {
		return s == fnrun.StatusUserCodeException || s == fnrun.StatusHandlerNotFound || s == fnrun.StatusProcessExited
	},
}

var logOrderBy = map[string]bool{"function_name": true, "duration": true, "mem_usage": true, "start_time": true}

func (m *Module) getFunctionLogs(ctx context.Context, c *capi.Call) (any, error) {
	m.flushLogs()
	var req cloudapi.GetFunctionLogsRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ns, err := m.namespace(req.Namespace)
	if err != nil {
		return nil, err
	}
	offset, limit := int64(0), int64(10)
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil && *req.Limit != 0 {
		limit = *req.Limit
	}
	if offset < 0 {
		return nil, capi.Errorf("InvalidParameterValue.Offset", "Offset must not be negative, got %d.", offset)
	}
	if limit < 0 {
		return nil, capi.Errorf("InvalidParameterValue.Limit", "Limit must be positive, got %d.", limit)
	}
	if offset+limit > 10000 {
		return nil, capi.Errorf("LimitExceeded.Offset", "Offset + Limit must not exceed 10000 (got %d + %d).", offset, limit)
	}
	order := strings.ToLower(req.Order)
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		return nil, capi.Errorf("InvalidParameterValue.Order", "Order must be asc or desc, got %q.", req.Order)
	}
	orderBy := req.OrderBy
	if orderBy == "" {
		orderBy = "start_time"
	}
	if !logOrderBy[orderBy] {
		return nil, capi.Errorf("InvalidParameterValue.OrderBy", "OrderBy must be function_name, duration, mem_usage or start_time, got %q.", req.OrderBy)
	}
	var match func(int) bool
	if req.Filter != nil && req.Filter.RetCode != "" {
		match = retCodeFilters[req.Filter.RetCode]
		if match == nil {
			return nil, capi.Errorf("InvalidParameterValue", "Filter.RetCode must be not0, is0, TimeLimitExceeded, ResourceLimitExceeded or UserCodeException, got %q.", req.Filter.RetCode)
		}
	}
	if err := checkQualifier(req.Qualifier, "InvalidParameterValue.Qualifier"); err != nil {
		return nil, err
	}
	var from, to time.Time
	if req.StartTime != "" || req.EndTime != "" {
		if req.StartTime == "" || req.EndTime == "" {
			return nil, capi.Errorf("InvalidParameterValue.StartTimeOrEndTime", "StartTime and EndTime must be given together.")
		}
		if from, err = time.ParseInLocation(chinatime.Layout, req.StartTime, chinatime.Zone()); err != nil {
			return nil, capi.Errorf("InvalidParameterValue.DateTime", "StartTime %q is not YYYY-MM-DD HH:MM:SS.", req.StartTime)
		}
		if to, err = time.ParseInLocation(chinatime.Layout, req.EndTime, chinatime.Zone()); err != nil {
			return nil, capi.Errorf("InvalidParameterValue.DateTime", "EndTime %q is not YYYY-MM-DD HH:MM:SS.", req.EndTime)
		}
		if to.Before(from) {
			return nil, capi.Errorf("InvalidParameterValue.DateTime", "EndTime is before StartTime.")
		}
		if to.Sub(from) > 24*time.Hour {
			return nil, capi.Errorf("InvalidParameterValue.DateTime", "StartTime and EndTime must be at most one day apart.")
		}
		to = to.Add(time.Second) // EndTime's whole second is included
	}

	type entry struct {
		name string
		lr   logRecord
	}
	var list []entry
	err = m.h.DB.View(func(tx *store.Tx) error {
		var recs []*record
		if req.FunctionName != "" {
			rec, err := m.visibleRecordTx(tx, ns, req.FunctionName)
			if err != nil {
				return err
			}
			recs = []*record{rec}
		} else {
			all, err := namespaceRecordsTx(tx, ns)
			if err != nil {
				return err
			}
			now := m.now()
			for _, r := range all {
				if r.visible(now) {
					recs = append(recs, r)
				}
			}
		}
		for _, rec := range recs {
			if err := tx.ForEach(logsPath(ns, rec.FunctionID), func(_ string, raw []byte) error {
				var lr logRecord
				if err := json.Unmarshal(raw, &lr); err != nil {
					return err
				}
				switch {
				case req.FunctionRequestId != "" && lr.RequestID != req.FunctionRequestId:
				case match != nil && !match(lr.Status):
				case !from.IsZero() && (lr.Start.Before(from) || !lr.Start.Before(to)):
				default:
					list = append(list, entry{rec.Name, lr})
				}
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
	less := func(a, b entry) int {
		switch orderBy {
		case "function_name":
			if c := strings.Compare(a.name, b.name); c != 0 {
				return c
			}
		case "duration":
			if a.lr.Duration != b.lr.Duration {
				return cmp.Compare(a.lr.Duration, b.lr.Duration)
			}
		case "mem_usage":
			if a.lr.MemUsage != b.lr.MemUsage {
				return cmp.Compare(a.lr.MemUsage, b.lr.MemUsage)
			}
		}
		if !a.lr.Start.Equal(b.lr.Start) {
			return a.lr.Start.Compare(b.lr.Start)
		}
		return strings.Compare(a.lr.RequestID, b.lr.RequestID)
	}
	sort.SliceStable(list, func(i, j int) bool {
		c := less(list[i], list[j])
		if order == "desc" {
			return c > 0
		}
		return c < 0
	})
	total := int64(len(list))
	lo, hi := min(offset, total), min(offset+limit, total)
	data := make([]cloudapi.FunctionLog, 0, hi-lo)
	for _, e := range list[lo:hi] {
		data = append(data, functionLog(e.name, &e.lr))
	}
	return cloudapi.GetFunctionLogsResponse{TotalCount: total, Data: data}, nil
}

func functionLog(name string, lr *logRecord) cloudapi.FunctionLog {
	retCode, level := int64(0), "INFO"
	if lr.Status != fnrun.StatusOK {
		retCode, level = int64(lr.Status), "ERROR"
	}
	return cloudapi.FunctionLog{
		FunctionName:   name,
		RetMsg:         lr.RetMsg,
		RequestId:      lr.RequestID,
		StartTime:      chinatime.Format(lr.Start),
		RetCode:        retCode,
		InvokeFinished: 1,
		Duration:       lr.Duration,
		BillDuration:   lr.BillDuration,
		MemUsage:       lr.MemUsage,
		Log:            lr.Log,
		Level:          level,
		Source:         lr.Source,
	}
}
