package functions

import (
	"context"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
)

func (m *Module) deleteFunction(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.DeleteFunctionRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if q := req.Qualifier; q != "" && q != latestQualifier {
		// A published version only (versions.go).
		if err := m.deleteVersion(ns, req.FunctionName, q); err != nil {
			return nil, err
		}
		return cloudapi.EmptyResponse{}, nil
	}
	now := m.now()
	var rec *record
	err = m.h.DB.Update(func(tx *store.Tx) error {
		var err error
		if rec, err = m.visibleRecordTx(tx, ns, req.FunctionName); err != nil {
			return err
		}
		if st := rec.status(now); st != stateActive && st != stateUpdateFailed && st != stateCreateFailed {
			return capi.Errorf("FailedOperation.DeleteFunction", "The function %s is %s and cannot be deleted now.", rec.Name, st)
		}
		rec.State = stateDeleting
		rec.ReadyAt = now.Add(m.latency())
		rec.Building = false
		rec.ModTime = now
		return putRecordTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	m.sched.removeFunction(ns, rec.Name)
	m.pool.Load().Stop(ns, rec.Name)
	m.stopWebFunction(ns, rec.Name, "")
	m.sched.addPurge(ns, rec.Name, rec.FunctionID, rec.ReadyAt)
	return cloudapi.EmptyResponse{}, nil
}

// purge removes a deleted function for good: its record (unless another
// function of the same name replaced it), logs and unused code.
func (m *Module) purge(ns, name, functionID string) {
	var shas []string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		rec, err := getRecordTx(tx, ns, name)
		if err != nil {
			return err
		}
		if rec != nil && rec.FunctionID == functionID && rec.State == stateDeleting {
			shas = codeShas(rec)
			if err := tx.Delete(functionsPath(ns), name); err != nil {
				return err
			}
		}
		return dropLogsTx(tx, ns, functionID)
	})
	if err != nil {
		m.log.Warn("functions: purging a deleted function failed", "function", ns+"/"+name, "err", err)
		return
	}
	m.gcCode(shas...)
}

// dropNamespace is the env destruction hook: the namespace's functions,
// triggers, logs, builds and warm instances go.
func (m *Module) dropNamespace(ns string) error {
	m.cancelBuilds(ns)
	m.sched.removeNamespace(ns)
	var shas []string
	var names []string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		recs, err := namespaceRecordsTx(tx, ns)
		if err != nil {
			return err
		}
		for _, r := range recs {
			shas = append(shas, codeShas(r)...)
			names = append(names, r.Name)
		}
		for _, b := range []string{bucketFunctions, bucketLogs, bucketLogMeta} {
			if err := tx.DeleteBucket(b, ns); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pool := m.pool.Load()
	for _, name := range names {
		pool.Stop(ns, name)
		m.stopWebFunction(ns, name, "")
	}
	m.gcCode(shas...)
	return nil
}
