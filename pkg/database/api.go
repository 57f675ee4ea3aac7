package database

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// API runs statements through the Tencent Cloud API: documents with tcb
// RunCommands (command shapes documented in pkg/cloudapi/types_db.go),
// collections with flexdb. The database instance (flexdb Tag) is the
// environment's Databases[0].InstanceId, looked up once.
type API struct {
	Client *cloudapi.Client
	Env    string

	once   sync.Once
	tag    string
	tagErr error
}

// Name is "api".
func (a *API) Name() string { return "api" }

func (a *API) instance(ctx context.Context) (string, error) {
	a.once.Do(func() {
		env, err := a.Client.DescribeEnv(ctx, a.Env)
		if err != nil {
			a.tagErr = err
			return
		}
		if len(env.Databases) == 0 || env.Databases[0].InstanceId == "" {
			a.tagErr = fmt.Errorf("environment %s has no database instance", a.Env)
			return
		}
		a.tag = env.Databases[0].InstanceId
	})
	return a.tag, a.tagErr
}

// run sends one command and returns its result strings.
func (a *API) run(ctx context.Context, table, typ string, cmd *dbquery.Document) ([]string, error) {
	tag, err := a.instance(ctx)
	if err != nil {
		return nil, err
	}
	body, err := dbquery.EncodeDocument(cmd)
	if err != nil {
		return nil, err
	}
	resp, err := a.Client.RunCommands(ctx, &cloudapi.RunCommandsRequest{EnvId: a.Env, Tag: tag,
		MgoCommands: []cloudapi.MgoCommand{{TableName: table, CommandType: typ, Command: string(body)}}})
	if err != nil {
		if cloudapi.IsCode(err, "ResourceNotFound") {
			return nil, fmt.Errorf("%w: %s: %w", ErrCollectionMissing, table, err)
		}
		return nil, err
	}
	return resp.Data[0], nil
}

func (a *API) one(ctx context.Context, table, typ string, cmd *dbquery.Document, out any) error {
	data, err := a.run(ctx, table, typ, cmd)
	if err != nil {
		return err
	}
	if len(data) != 1 {
		return fmt.Errorf("RunCommands %s returned %d results, expected 1", typ, len(data))
	}
	if err := json.Unmarshal([]byte(data[0]), out); err != nil {
		return fmt.Errorf("RunCommands %s: unexpected result %q: %w", typ, data[0], err)
	}
	return nil
}

func sortDoc(keys []dbquery.SortKey) *dbquery.Document {
	d := dbquery.NewDocument()
	for _, k := range keys {
		dir := int64(1)
		if k.Desc {
			dir = -1
		}
		d.Set(k.Field, dir)
	}
	return d
}

// Find runs a QUERY command. Without .limit() it returns at most
// dbquery.DefaultHTTPLimit documents, like the HTTP API.
func (a *API) Find(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, *Pager, error) {
	cmd := dbquery.NewDocument()
	if f := q.EffectiveFilter(); f != nil {
		cmd.Set("filter", f)
	}
	if q.Projection != nil {
		cmd.Set("projection", q.Projection)
	}
	if len(q.Sort) > 0 {
		cmd.Set("sort", sortDoc(q.Sort))
	}
	skip, limit := int64(0), int64(dbquery.DefaultHTTPLimit)
	if q.Skip != nil {
		skip = *q.Skip
	}
	if q.Limit != nil {
		limit = *q.Limit
	}
	cmd.Set("skip", skip)
	cmd.Set("limit", limit)
	data, err := a.run(ctx, q.Collection, "QUERY", cmd)
	if err != nil {
		return nil, nil, err
	}
	docs, err := decodeDocs(data)
	if err != nil {
		return nil, nil, err
	}
	return docs, &Pager{Offset: skip, Limit: limit}, nil
}

// Count runs a count COMMAND.
func (a *API) Count(ctx context.Context, q *dbquery.Query) (int64, error) {
	cmd := dbquery.NewDocument(dbquery.Field{Key: "count", Value: q.Collection})
	if f := q.EffectiveFilter(); f != nil {
		cmd.Set("query", f)
	}
	var out struct {
		N int64 `json:"n"`
	}
	err := a.one(ctx, q.Collection, "COMMAND", cmd, &out)
	return out.N, err
}

// Insert runs an INSERT command.
func (a *API) Insert(ctx context.Context, q *dbquery.Query) ([]string, error) {
	docs := make([]any, len(q.Data))
	for i, d := range q.Data {
		docs[i] = d
	}
	cmd := dbquery.NewDocument(dbquery.Field{Key: "documents", Value: docs})
	var out struct {
		InsertedIDs []json.RawMessage `json:"insertedIds"`
	}
	if err := a.one(ctx, q.Collection, "INSERT", cmd, &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.InsertedIDs))
	for i, raw := range out.InsertedIDs {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			ids[i] = s
		} else {
			ids[i] = string(raw)
		}
	}
	return ids, nil
}

// Update runs an UPDATE command (update or set).
func (a *API) Update(ctx context.Context, q *dbquery.Query) (*UpdateResult, error) {
	cmd := dbquery.NewDocument()
	f := q.EffectiveFilter()
	if f == nil {
		f = dbquery.NewDocument()
	}
	cmd.Set("filter", f)
	cmd.Set("update", q.Update)
	cmd.Set("multi", q.Multi)
	cmd.Set("upsert", q.Upsert)
	cmd.Set("replace", q.Action == dbquery.ActionSet)
	var out struct {
		Matched    int64           `json:"matched"`
		Modified   int64           `json:"modified"`
		UpsertedID json.RawMessage `json:"upsertedId"`
	}
	if err := a.one(ctx, q.Collection, "UPDATE", cmd, &out); err != nil {
		return nil, err
	}
	res := &UpdateResult{Matched: out.Matched, Modified: out.Modified}
	if len(out.UpsertedID) > 0 && string(out.UpsertedID) != "null" {
		var s string
		if json.Unmarshal(out.UpsertedID, &s) == nil {
			res.UpsertedID = s
		} else {
			res.UpsertedID = string(out.UpsertedID)
		}
	}
	return res, nil
}

// Remove runs a DELETE command.
func (a *API) Remove(ctx context.Context, q *dbquery.Query) (int64, error) {
	f := q.EffectiveFilter()
	if f == nil {
		f = dbquery.NewDocument()
	}
	cmd := dbquery.NewDocument(dbquery.Field{Key: "filter", Value: f}, dbquery.Field{Key: "multi", Value: !q.HasDocID})
	var out struct {
		Deleted int64 `json:"deleted"`
	}
	err := a.one(ctx, q.Collection, "DELETE", cmd, &out)
	return out.Deleted, err
}

// Aggregate runs an aggregate COMMAND.
func (a *API) Aggregate(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, error) {
	stages := make([]any, len(q.Pipeline))
	for i, s := range q.Pipeline {
		stages[i] = dbquery.NewDocument(dbquery.Field{Key: s.Name, Value: s.Arg})
	}
	cmd := dbquery.NewDocument(dbquery.Field{Key: "aggregate", Value: q.Collection}, dbquery.Field{Key: "pipeline", Value: stages})
	data, err := a.run(ctx, q.Collection, "COMMAND", cmd)
	if err != nil {
		return nil, err
	}
	return decodeDocs(data)
}

// ListCollections pages through collections (flexdb ListTables).
func (a *API) ListCollections(ctx context.Context, limit, offset int64) ([]Collection, int64, error) {
	tag, err := a.instance(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := a.Client.ListTables(ctx, tag, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Collection, 0, len(resp.Tables))
	for _, t := range resp.Tables {
		out = append(out, Collection{Name: t.TableName, Count: t.Count, Size: t.Size, IndexCount: t.IndexCount, IndexSize: t.IndexSize})
	}
	return out, resp.Pager.Total, nil
}

// CreateCollection creates a collection (flexdb CreateTable).
func (a *API) CreateCollection(ctx context.Context, name string) error {
	tag, err := a.instance(ctx)
	if err != nil {
		return err
	}
	return a.Client.CreateTable(ctx, tag, name)
}

// DeleteCollection deletes a collection (flexdb DeleteTable).
func (a *API) DeleteCollection(ctx context.Context, name string) error {
	tag, err := a.instance(ctx)
	if err != nil {
		return err
	}
	return a.Client.DeleteTable(ctx, tag, name)
}
