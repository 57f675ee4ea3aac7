package functions

import (
	"context"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

var functionTypes = map[string]bool{"": true, "Event": true, "HTTP": true}

func (m *Module) createFunction(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.CreateFunctionRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ns, err := m.namespace(req.Namespace)
	if err != nil {
		return nil, err
	}
	if err := validateFunctionName(req.FunctionName); err != nil {
		return nil, err
	}
	sp := spec{
		Runtime: req.Runtime, Handler: req.Handler, Description: req.Description,
		Timeout: defaultTimeout, MemorySize: defaultMemorySize, InitTimeout: defaultInitTimeout,
		InstallDependency: "FALSE", Type: req.Type, Role: req.Role,
		ClsLogsetID: req.ClsLogsetId, ClsTopicID: req.ClsTopicId, L5Enable: req.L5Enable, VpcConfig: req.VpcConfig,
	}
	if sp.Runtime == "" {
		sp.Runtime = defaultRuntime
	}
	if err := validateRuntime(sp.Runtime); err != nil {
		return nil, err
	}
	if sp.Handler == "" {
		sp.Handler = defaultHandler
	}
	if err := validateHandler(sp.Runtime, sp.Handler); err != nil {
		return nil, err
	}
	if req.Timeout != nil {
		sp.Timeout = *req.Timeout
	}
	if err := validateTimeout(sp.Timeout); err != nil {
		return nil, err
	}
	if req.MemorySize != nil {
		sp.MemorySize = *req.MemorySize
	}
	if err := validateMemorySize(sp.MemorySize); err != nil {
		return nil, err
	}
	if req.InitTimeout != nil {
		sp.InitTimeout = *req.InitTimeout
		if err := validateInitTimeout(sp.InitTimeout); err != nil {
			return nil, err
		}
	}
	if err := validateDescription(sp.Description); err != nil {
		return nil, err
	}
	if sp.Env, err = validateEnvironment(req.Environment); err != nil {
		return nil, err
	}
	for field, v := range map[string]string{"InstallDependency": req.InstallDependency, "AsyncRunEnable": req.AsyncRunEnable,
		"TraceEnable": req.TraceEnable, "L5Enable": req.L5Enable} {
		if err := validateBoolString(field, v); err != nil {
			return nil, err
		}
	}
	if req.InstallDependency != "" {
		sp.InstallDependency = req.InstallDependency
	}
	if !functionTypes[req.Type] {
		return nil, capi.Errorf("InvalidParameterValue.Type", "Type must be Event or HTTP, got %q.", req.Type)
	}
	if sp.Type == "" {
		sp.Type = "Event"
	}
	if sp.Layers, err = m.bindLayers(req.Layers); err != nil {
		return nil, err
	}
	zip, err := m.zipFromCode(ns, req.Code, req.CodeSource)
	if err != nil {
		return nil, err
	}
	sp.CodeSha = funcpack.CodeSha256(zip)
	sp.CodeSize = int64(len(zip))

	now := m.now()
	rec := &record{
		Namespace: ns, Name: req.FunctionName, FunctionID: "lam-" + randomID(4),
		AddTime: now, ModTime: now, Spec: sp, State: stateCreating, ReadyAt: now.Add(m.latency()),
		Building: true, BuildID: randomID(8), Host: c.Host, Tags: req.Tags,
	}
	var replaced *record
	err = m.h.DB.Update(func(tx *store.Tx) error {
		recs, err := namespaceRecordsTx(tx, ns)
		if err != nil {
			return err
		}
		n := 0
		for _, r := range recs {
			if !r.visible(now) {
				if r.Name == rec.Name {
					replaced = r
				}
				continue
			}
			if r.Name == rec.Name {
				return capi.Errorf("ResourceInUse.FunctionName", "The function %s already exists in namespace %s.", rec.Name, ns)
			}
			n++
		}
		if n >= maxFunctionsPerNamespace {
			return capi.Errorf("LimitExceeded.Function", "Namespace %s already has %d functions, the limit.", ns, n)
		}
		if replaced != nil {
			// A deleted function whose purge has not run yet.
			if err := dropLogsTx(tx, ns, replaced.FunctionID); err != nil {
				return err
			}
		}
		if err := putZipTx(tx, sp.CodeSha, zip); err != nil {
			return err
		}
		return putRecordTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	if replaced != nil {
		m.gcCode(codeShas(replaced)...)
	}
	m.startBuild(ns, rec.Name, rec.BuildID)
	return cloudapi.EmptyResponse{}, nil
}
