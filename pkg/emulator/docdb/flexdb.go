package docdb

import (
	"context"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
)

// flexdb wire types (2018-11-27): the client's (pkg/cloudapi), field
// names as manager-node sends them.
type (
	tableRequest          = cloudapi.TableRequest
	mgoIndexKey           = cloudapi.IndexKey
	updateTableRequest    = cloudapi.UpdateTableRequest
	indexAccesses         = cloudapi.IndexAccesses
	indexDesc             = cloudapi.IndexInfo
	describeTableResponse = cloudapi.DescribeTableResponse
)

// tagEnv maps a flexdb Tag (database instance id) to its environment:
// MissingParameter without Tag, ResourceNotFound when no env has it.
func (m *Module) tagEnv(tag string) (string, error) {
	if tag == "" {
		return "", capi.Errorf("MissingParameter", "The parameter `Tag` is required.")
	}
	recs, err := m.h.Envs.List()
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if r.DBID == tag {
			if _, err := m.h.Envs.Ready(r.EnvID, "ResourceNotFound"); err != nil {
				return "", err
			}
			return r.EnvID, nil
		}
	}
	return "", capi.Errorf("ResourceNotFound", "The database instance %s does not exist.", tag)
}

func (m *Module) tableEnv(c *capi.Call, v any, tag, name *string) (string, error) {
	if err := c.Decode(v); err != nil {
		return "", err
	}
	env, err := m.tagEnv(*tag)
	if err != nil {
		return "", err
	}
	if *name == "" {
		return "", capi.Errorf("MissingParameter", "The parameter `TableName` is required.")
	}
	return env, nil
}

// createTable: ResourceInUse when the collection exists.
func (m *Module) createTable(ctx context.Context, c *capi.Call) (any, error) {
	var req tableRequest
	env, err := m.tableEnv(c, &req, &req.Tag, &req.TableName)
	if err != nil {
		return nil, err
	}
	if err := m.createCollection(env, req.TableName); err != nil {
		return nil, tc3Error(err)
	}
	return struct{}{}, nil
}

// deleteTable: ResourceNotFound when the collection does not exist.
func (m *Module) deleteTable(ctx context.Context, c *capi.Call) (any, error) {
	var req tableRequest
	env, err := m.tableEnv(c, &req, &req.Tag, &req.TableName)
	if err != nil {
		return nil, err
	}
	if err := m.dropCollection(env, req.TableName); err != nil {
		return nil, tc3Error(err)
	}
	return struct{}{}, nil
}

// listTables pages through collections (MgoLimit default 100, at most
// 1000); Tables is null when the page is empty, as the cloud answers.
func (m *Module) listTables(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.ListTablesRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	env, err := m.tagEnv(req.Tag)
	if err != nil {
		return nil, err
	}
	limit, offset := int64(100), int64(0)
	if req.MgoLimit != nil {
		limit = *req.MgoLimit
	}
	if req.MgoOffset != nil {
		offset = *req.MgoOffset
	}
	if limit <= 0 || limit > 1000 || offset < 0 {
		return nil, capi.Errorf("InvalidParameterValue", "MgoLimit must be 1-1000 and MgoOffset not negative.")
	}
	list, total, err := m.listCollections(env, offset, limit)
	if err != nil {
		return nil, tc3Error(err)
	}
	out := cloudapi.ListTablesResponse{Pager: cloudapi.Pager{Offset: offset, Limit: limit, Total: total}}
	for _, t := range list {
		out.Tables = append(out.Tables, cloudapi.TableInfo{TableName: t.Name, Count: t.Count, Size: t.Size,
			IndexCount: t.IndexCount, IndexSize: t.IndexSize})
	}
	return out, nil
}

func (m *Module) describeTable(ctx context.Context, c *capi.Call) (any, error) {
	var req tableRequest
	env, err := m.tableEnv(c, &req, &req.Tag, &req.TableName)
	if err != nil {
		return nil, err
	}
	infos, err := m.describeIndexes(env, req.TableName)
	if err != nil {
		return nil, tc3Error(err)
	}
	out := describeTableResponse{IndexNum: int64(len(infos)), Indexes: []indexDesc{}}
	for _, in := range infos {
		d := indexDesc{Name: in.spec.Name, Size: int64(in.entries) * estimatedPerKey, Unique: in.spec.Unique,
			Accesses: indexAccesses{Ops: in.ops, Since: in.since}}
		for _, k := range in.spec.Keys {
			d.Keys = append(d.Keys, mgoIndexKey{Name: k.Name, Direction: k.Direction})
		}
		out.Indexes = append(out.Indexes, d)
	}
	return out, nil
}

// updateTable drops then creates indexes, all or nothing (2dsphere is
// UnsupportedOperation; a duplicate in a new unique index FailedOperation).
func (m *Module) updateTable(ctx context.Context, c *capi.Call) (any, error) {
	var req updateTableRequest
	env, err := m.tableEnv(c, &req, &req.Tag, &req.TableName)
	if err != nil {
		return nil, err
	}
	var create []indexSpec
	for _, ci := range req.CreateIndexes {
		s := indexSpec{Name: ci.IndexName, Unique: ci.MgoKeySchema.MgoIsUnique}
		for _, k := range ci.MgoKeySchema.MgoIndexKeys {
			s.Keys = append(s.Keys, indexKey{Name: k.Name, Direction: k.Direction})
		}
		create = append(create, s)
	}
	var drop []string
	for _, d := range req.DropIndexes {
		drop = append(drop, d.IndexName)
	}
	if err := m.updateIndexes(env, req.TableName, create, drop); err != nil {
		return nil, tc3Error(err)
	}
	return struct{}{}, nil
}
