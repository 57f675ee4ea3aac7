package functions

import (
	"context"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/store"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// beginUpdate applies change to the function's spec and starts the
// Updating phase; failCode is the action's FailedOperation code for a
// function that cannot be updated now.
func (m *Module) beginUpdate(c *capi.Call, ns, name, failCode string, zip []byte, change func(rec *record) error) error {
	now := m.now()
	var buildID string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		rec, err := m.visibleRecordTx(tx, ns, name)
		if err != nil {
			return err
		}
		if st := rec.status(now); !updatable(st) {
			return capi.Errorf(failCode, "The function %s is %s and cannot be updated now (only Active and UpdateFailed functions can).", name, st)
		}
		if err := change(rec); err != nil {
			return err
		}
		if zip != nil {
			if err := putZipTx(tx, rec.Spec.CodeSha, zip); err != nil {
				return err
			}
		}
		rec.Spec.DepsKey = ""
		rec.State = stateUpdating
		rec.ReadyAt = now.Add(m.latency())
		rec.ModTime = now
		rec.Building = true
		rec.BuildID = randomID(8)
		rec.Reasons = nil
		if c.Host != "" {
			rec.Host = c.Host
		}
		buildID = rec.BuildID
		return putRecordTx(tx, rec)
	})
	if err != nil {
		return err
	}
	m.startBuild(ns, name, buildID)
	return nil
}

func (m *Module) updateFunctionCode(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.UpdateFunctionCodeRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkPublish(req.Publish); err != nil {
		return nil, err
	}
	if err := validateBoolString("InstallDependency", req.InstallDependency); err != nil {
		return nil, err
	}
	code := req.Code
	switch {
	case req.ZipFile != "":
		if code != nil && code.ZipFile != "" {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Send the zip once: ZipFile or Code.ZipFile.")
		}
		code = &cloudapi.Code{ZipFile: req.ZipFile}
	case req.CosBucketName != "" || req.CosObjectName != "":
		if code != nil {
			return nil, capi.Errorf("InvalidParameterValue.Code", "Name the code once: CosBucketName/CosObjectName or Code.")
		}
		code = &cloudapi.Code{CosBucketName: req.CosBucketName, CosObjectName: req.CosObjectName, CosBucketRegion: req.CosBucketRegion}
	}
	zip, err := m.zipFromCode(ns, code, req.CodeSource)
	if err != nil {
		return nil, err
	}
	sha := funcpack.CodeSha256(zip)
	err = m.beginUpdate(c, ns, req.FunctionName, "FailedOperation.UpdateFunctionCode", zip, func(rec *record) error {
		if req.Handler != "" {
			if err := validateHandler(rec.Spec.Runtime, req.Handler); err != nil {
				return err
			}
			rec.Spec.Handler = req.Handler
		}
		if req.InstallDependency != "" {
			rec.Spec.InstallDependency = req.InstallDependency
		}
		rec.Spec.CodeSha = sha
		rec.Spec.CodeSize = int64(len(zip))
		return nil
	})
	return emptyResponse(err)
}

func (m *Module) updateFunctionConfiguration(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.UpdateFunctionConfigurationRequest
	ns, err := m.decodeFunctionRequest(c, &req, &req.Namespace, &req.FunctionName)
	if err != nil {
		return nil, err
	}
	if err := checkPublish(req.Publish); err != nil {
		return nil, err
	}
	var layers []boundLayer
	if req.Layers != nil {
		if layers, err = m.bindLayers(req.Layers); err != nil {
			return nil, err
		}
	}
	for field, v := range map[string]string{"InstallDependency": req.InstallDependency, "L5Enable": req.L5Enable} {
		if err := validateBoolString(field, v); err != nil {
			return nil, err
		}
	}
	if req.Runtime != "" {
		if err := validateRuntime(req.Runtime); err != nil {
			return nil, err
		}
	}
	if req.Timeout != nil {
		if err := validateTimeout(*req.Timeout); err != nil {
			return nil, err
		}
	}
	if req.MemorySize != nil {
		if err := validateMemorySize(*req.MemorySize); err != nil {
			return nil, err
		}
	}
	if req.InitTimeout != nil {
		if err := validateInitTimeout(*req.InitTimeout); err != nil {
			return nil, err
		}
	}
	if err := validateDescription(req.Description); err != nil {
		return nil, err
	}
	var env []cloudapi.Variable
	if req.Environment != nil {
		if env, err = validateEnvironment(req.Environment); err != nil {
			return nil, err
		}
	}
	err = m.beginUpdate(c, ns, req.FunctionName, "FailedOperation.UpdateFunctionConfiguration", nil, func(rec *record) error {
		sp := &rec.Spec
		if req.Description != "" {
			sp.Description = req.Description
		}
		if req.MemorySize != nil {
			sp.MemorySize = *req.MemorySize
		}
		if req.Timeout != nil {
			sp.Timeout = *req.Timeout
		}
		if req.InitTimeout != nil {
			sp.InitTimeout = *req.InitTimeout
		}
		if req.Runtime != "" {
			sp.Runtime = req.Runtime
		}
		if req.Environment != nil {
			sp.Env = env
		}
		if req.InstallDependency != "" {
			sp.InstallDependency = req.InstallDependency
		}
		if req.VpcConfig != nil {
			sp.VpcConfig = req.VpcConfig
		}
		if req.Role != "" {
			sp.Role = req.Role
		}
		if req.ClsLogsetId != "" {
			sp.ClsLogsetID = req.ClsLogsetId
		}
		if req.ClsTopicId != "" {
			sp.ClsTopicID = req.ClsTopicId
		}
		if req.L5Enable != "" {
			sp.L5Enable = req.L5Enable
		}
		if req.Layers != nil {
			// The whole list, in the new order ([] unbinds every layer).
			sp.Layers = layers
		}
		return nil
	})
	return emptyResponse(err)
}
