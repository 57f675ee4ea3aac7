package docdb

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tcb-go/tcb/pkg/emulator/capi"
	"github.com/tcb-go/tcb/pkg/emulator/envs"
)

// The document database on tcb 2018-06-08, as @cloudbase/manager-node 5
// calls it: the collection actions (CreateTable, DeleteTable, UpdateTable,
// DescribeTable, ListTables) name the environment by EnvId and the
// database by MongoConnector {InstanceId: "flexdb", DatabaseName: <the
// env's Databases[0].InstanceId>} instead of flexdb's Tag. They are served
// by the flexdb handlers: the request is rewritten to name the Tag. The
// collection ACL (DescribeDatabaseACL, ModifyDatabaseACL) is kept with
// the collection.

// mongoConnector is the database a tcb call names.
type mongoConnector struct {
	InstanceId   string `json:"InstanceId"`
	DatabaseName string `json:"DatabaseName"`
}

// connectorEnv checks that a MongoConnector (raw JSON, absent or null
// allowed) names the environment's own document database.
func connectorEnv(rec *envs.Record, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var mc mongoConnector
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mc); err != nil {
		return capi.Errorf("InvalidParameter", "MongoConnector must be {\"InstanceId\", \"DatabaseName\"}: %v.", err)
	}
	if mc.InstanceId != "" && mc.InstanceId != "flexdb" {
		return capi.Errorf("UnsupportedOperation", "MongoConnector.InstanceId %q: the emulator serves only the environment's own database (InstanceId \"flexdb\").", mc.InstanceId)
	}
	if mc.DatabaseName != "" && mc.DatabaseName != rec.DBID {
		return capi.Errorf("InvalidParameter", "MongoConnector.DatabaseName %s is not the database of environment %s (%s).", mc.DatabaseName, rec.EnvID, rec.DBID)
	}
	return nil
}

// tcbEnv decodes the EnvId (and MongoConnector) of a tcb database call and
// returns the environment, which must be NORMAL.
func (m *Module) tcbEnv(c *capi.Call) (*envs.Record, map[string]json.RawMessage, error) {
	params := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(c.Body)) > 0 {
		if err := json.Unmarshal(c.Body, &params); err != nil {
			return nil, nil, capi.Errorf("InvalidParameter", "The request body is not a valid JSON object: %v.", err)
		}
	}
	var envID string
	if raw, ok := params["EnvId"]; ok {
		if err := json.Unmarshal(raw, &envID); err != nil {
			return nil, nil, capi.Errorf("InvalidParameter", "The parameter `EnvId` must be a string.")
		}
	}
	if envID == "" {
		return nil, nil, capi.Errorf("MissingParameter", "The parameter `EnvId` is required.")
	}
	rec, err := m.h.Envs.Ready(envID, "ResourceNotFound")
	if err != nil {
		return nil, nil, err
	}
	if err := connectorEnv(rec, params["MongoConnector"]); err != nil {
		return nil, nil, err
	}
	if raw, ok := params["Tag"]; ok {
		var tag string
		if json.Unmarshal(raw, &tag) != nil || (tag != "" && tag != rec.DBID) {
			return nil, nil, capi.Errorf("InvalidParameter", "Tag is not the database instance of environment %s.", envID)
		}
	}
	return rec, params, nil
}

// viaFlexdb serves a tcb collection action with the flexdb handler h.
func (m *Module) viaFlexdb(h capi.Handler) capi.Handler {
	return func(ctx context.Context, c *capi.Call) (any, error) {
		rec, params, err := m.tcbEnv(c)
		if err != nil {
			return nil, err
		}
		delete(params, "EnvId")
		delete(params, "MongoConnector")
		tag, _ := json.Marshal(rec.DBID)
		params["Tag"] = tag
		body, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		fc := *c
		fc.Body = body
		return h(ctx, &fc)
	}
}

// Collection permissions, as the console names them.
var aclTags = map[string]bool{"READONLY": true, "PRIVATE": true, "ADMINWRITE": true, "ADMINONLY": true, "CUSTOM": true}

// defaultACL is the permission of a collection nobody set one for (the
// console's default for new collections: creator and admin read/write).
const defaultACL = "PRIVATE"

var keyACL = []byte("acl")

type aclRequest struct {
	EnvId          string          `json:"EnvId"`
	CollectionName string          `json:"CollectionName"`
	AclTag         string          `json:"AclTag"`
	MongoConnector json.RawMessage `json:"MongoConnector"`
}

func (m *Module) aclCall(c *capi.Call, write bool) (*aclRequest, error) {
	var req aclRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter `EnvId` is required.")
	}
	if req.CollectionName == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter `CollectionName` is required.")
	}
	rec, err := m.h.Envs.Ready(req.EnvId, "ResourceNotFound")
	if err != nil {
		return nil, err
	}
	if err := connectorEnv(rec, req.MongoConnector); err != nil {
		return nil, err
	}
	if write {
		req.AclTag = strings.ToUpper(req.AclTag)
		if req.AclTag == "" {
			return nil, capi.Errorf("MissingParameter", "The parameter `AclTag` is required.")
		}
		if !aclTags[req.AclTag] {
			return nil, capi.Errorf("InvalidParameterValue", "AclTag must be READONLY, PRIVATE, ADMINWRITE, ADMINONLY or CUSTOM, got %q.", req.AclTag)
		}
	} else if req.AclTag != "" {
		return nil, capi.Errorf("UnknownParameter", "The parameter `AclTag` is not recognized by %s.", c.Action)
	}
	return &req, nil
}

func (m *Module) describeDatabaseACL(ctx context.Context, c *capi.Call) (any, error) {
	req, err := m.aclCall(c, false)
	if err != nil {
		return nil, err
	}
	tag := ""
	defer m.lock(req.EnvId, false, req.CollectionName)()
	err = m.bolt().View(func(tx *bolt.Tx) error {
		b := collBucket(tx, req.EnvId, req.CollectionName)
		if b == nil {
			return errCollectionMissing(req.CollectionName)
		}
		tag = string(b.Get(keyACL))
		return nil
	})
	if err != nil {
		return nil, tc3Error(err)
	}
	if tag == "" {
		tag = defaultACL
	}
	return map[string]string{"AclTag": tag}, nil
}

func (m *Module) modifyDatabaseACL(ctx context.Context, c *capi.Call) (any, error) {
	req, err := m.aclCall(c, true)
	if err != nil {
		return nil, err
	}
	defer m.lock(req.EnvId, true, req.CollectionName)()
	err = m.bolt().Update(func(tx *bolt.Tx) error {
		b := collBucket(tx, req.EnvId, req.CollectionName)
		if b == nil {
			return errCollectionMissing(req.CollectionName)
		}
		return b.Put(keyACL, []byte(req.AclTag))
	})
	if err != nil {
		return nil, tc3Error(err)
	}
	return struct{}{}, nil
}
