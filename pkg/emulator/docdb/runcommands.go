package docdb

import (
	"context"
	"encoding/json"
	"math"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/capi"
)

const (
	tcbVersion    = "2018-06-08"
	flexdbVersion = "2018-11-27"
)

func (m *Module) registerTC3(d *capi.Dispatcher) {
	d.Register("tcb", tcbVersion, "RunCommands", m.runCommands)
	d.Register("flexdb", flexdbVersion, "CreateTable", m.createTable)
	d.Register("flexdb", flexdbVersion, "DeleteTable", m.deleteTable)
	d.Register("flexdb", flexdbVersion, "ListTables", m.listTables)
	d.Register("flexdb", flexdbVersion, "DescribeTable", m.describeTable)
	d.Register("flexdb", flexdbVersion, "UpdateTable", m.updateTable)
	d.Register("tcb", tcbVersion, "CreateTable", m.viaFlexdb(m.createTable))
	d.Register("tcb", tcbVersion, "DeleteTable", m.viaFlexdb(m.deleteTable))
	d.Register("tcb", tcbVersion, "ListTables", m.viaFlexdb(m.listTables))
	d.Register("tcb", tcbVersion, "DescribeTable", m.viaFlexdb(m.describeTable))
	d.Register("tcb", tcbVersion, "UpdateTable", m.viaFlexdb(m.updateTable))
	d.Register("tcb", tcbVersion, "DescribeDatabaseACL", m.describeDatabaseACL)
	d.Register("tcb", tcbVersion, "ModifyDatabaseACL", m.modifyDatabaseACL)
	d.Register("tcb", tcbVersion, "DatabaseMigrateImport", m.databaseMigrateImport)
	d.Register("tcb", tcbVersion, "DatabaseMigrateExport", m.databaseMigrateExport)
	d.Register("tcb", tcbVersion, "DatabaseMigrateQueryInfo", m.databaseMigrateQueryInfo)
}

// runCommands executes MgoCommands in order (command shapes in
// pkg/cloudapi/types_db.go). The env must be NORMAL (ResourceNotFound when
// unknown); Tag, when given, must be the env's database instance
// (InvalidParameter otherwise), as must a MongoConnector's DatabaseName
// (manager-node sends {InstanceId: "flexdb", DatabaseName: <instance>};
// other instances are UnsupportedOperation). A failing command stops the run and fails
// the call; the commands before it stay applied (there is no transaction:
// InTransaction=true is UnsupportedOperation).
func (m *Module) runCommands(ctx context.Context, c *capi.Call) (any, error) {
	var req cloudapi.RunCommandsRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.EnvId == "" {
		return nil, capi.Errorf("MissingParameter", "The parameter `EnvId` is required.")
	}
	rec, err := m.h.Envs.Ready(req.EnvId, "ResourceNotFound")
	if err != nil {
		return nil, err
	}
	if req.Tag != "" && req.Tag != rec.DBID {
		return nil, capi.Errorf("InvalidParameter", "Tag %s is not the database instance of environment %s.", req.Tag, req.EnvId)
	}
	if req.InTransaction != nil && *req.InTransaction {
		return nil, capi.Errorf("UnsupportedOperation", "InTransaction is not supported by the emulator.")
	}
	mc, _ := json.Marshal(req.MongoConnector)
	if err := connectorEnv(rec, mc); err != nil {
		return nil, err
	}
	if len(req.MgoCommands) == 0 {
		return nil, capi.Errorf("MissingParameter", "The parameter `MgoCommands` is required.")
	}
	if len(req.MgoCommands) > 100 {
		return nil, capi.Errorf("InvalidParameter", "At most 100 MgoCommands per call, got %d.", len(req.MgoCommands))
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.RequestTimeout)
	defer cancel()
	out := cloudapi.RunCommandsResponse{Data: make([][]string, 0, len(req.MgoCommands))}
	for i, mc := range req.MgoCommands {
		data, err := m.runCommand(ctx, req.EnvId, mc)
		if err != nil {
			ae, _ := tc3Error(err).(*capi.Error)
			return nil, capi.Errorf(ae.Code, "MgoCommands[%d] (%s on %s): %s", i, mc.CommandType, mc.TableName, ae.Message)
		}
		out.Data = append(out.Data, data)
	}
	return out, nil
}

// runCommand runs one command and renders its result strings.
func (m *Module) runCommand(ctx context.Context, env string, mc cloudapi.MgoCommand) ([]string, error) {
	if mc.TableName == "" {
		return nil, capi.Errorf("MissingParameter", "TableName is required.")
	}
	cmd, err := dbquery.DecodeDocument([]byte(mc.Command))
	if err != nil {
		return nil, capi.Errorf("InvalidParameter", "Command is not a JSON object in Extended JSON: %v.", err)
	}
	r := cmdReader{cmd: cmd}
	switch strings.ToUpper(mc.CommandType) {
	case "QUERY":
		filter, proj, sortDoc := r.doc("filter"), r.doc("projection"), r.doc("sort")
		skip, limit := r.int("skip", 0), r.int("limit", m.opts.MaxLimit)
		if err := r.done("filter", "projection", "sort", "skip", "limit"); err != nil {
			return nil, err
		}
		sortKeys, err := sortKeys(sortDoc)
		if err != nil {
			return nil, err
		}
		if skip < 0 || limit < 0 {
			return nil, capi.Errorf("InvalidParameter", "skip and limit must not be negative.")
		}
		if limit == 0 || limit > m.opts.MaxLimit {
			limit = m.opts.MaxLimit
		}
		res, err := m.find(ctx, env, mc.TableName, findOp{filter: filter, projection: proj, sort: sortKeys,
			skip: min(skip, maxSkip), limit: limit})
		if err != nil {
			return nil, err
		}
		return m.encodeDocs(res.docs)
	case "INSERT":
		docs := r.array("documents")
		if err := r.done("documents"); err != nil {
			return nil, err
		}
		if len(docs) == 0 {
			return nil, capi.Errorf("InvalidParameter", "INSERT needs a non-empty documents array.")
		}
		data := make([]*dbquery.Document, len(docs))
		for i, v := range docs {
			d, ok := v.(*dbquery.Document)
			if !ok {
				return nil, capi.Errorf("InvalidParameter", "documents[%d] is not an object.", i)
			}
			data[i] = d
		}
		ids, err := m.insert(ctx, env, mc.TableName, data)
		if err != nil {
			return nil, err
		}
		arr := make([]any, len(ids))
		copy(arr, ids)
		return encodeOne(dbquery.NewDocument(dbquery.Field{Key: "insertedIds", Value: arr}))
	case "UPDATE":
		op := updateOp{filter: r.doc("filter"), update: r.doc("update"), multi: r.bool("multi"),
			upsert: r.bool("upsert"), replace: r.bool("replace")}
		if err := r.done("filter", "update", "multi", "upsert", "replace"); err != nil {
			return nil, err
		}
		if op.update == nil {
			return nil, capi.Errorf("InvalidParameter", "UPDATE needs an update document.")
		}
		res, err := m.update(ctx, env, mc.TableName, op)
		if err != nil {
			return nil, err
		}
		return encodeOne(dbquery.NewDocument(
			dbquery.Field{Key: "matched", Value: res.matched},
			dbquery.Field{Key: "modified", Value: res.modified},
			dbquery.Field{Key: "upsertedId", Value: res.upserted}))
	case "DELETE":
		filter, multi := r.doc("filter"), r.bool("multi")
		if err := r.done("filter", "multi"); err != nil {
			return nil, err
		}
		n, err := m.remove(ctx, env, mc.TableName, filter, multi)
		if err != nil {
			return nil, err
		}
		return encodeOne(dbquery.NewDocument(dbquery.Field{Key: "deleted", Value: n}))
	case "COMMAND":
		switch {
		case cmd.Has("count"):
			coll := r.str("count", mc.TableName)
			filter := r.doc("query")
			if err := r.done("count", "query"); err != nil {
				return nil, err
			}
			n, err := m.count(ctx, env, coll, filter)
			if err != nil {
				return nil, err
			}
			return encodeOne(dbquery.NewDocument(dbquery.Field{Key: "n", Value: n}))
		case cmd.Has("aggregate"):
			coll := r.str("aggregate", mc.TableName)
			stages := r.array("pipeline")
			if err := r.done("aggregate", "pipeline"); err != nil {
				return nil, err
			}
			pipeline := make([]dbquery.Stage, 0, len(stages))
			for i, s := range stages {
				d, ok := s.(*dbquery.Document)
				if !ok || d.Len() != 1 {
					return nil, capi.Errorf("InvalidParameter", "pipeline[%d] must be an object with one stage.", i)
				}
				f := d.Fields()[0]
				pipeline = append(pipeline, dbquery.Stage{Name: f.Key, Arg: f.Value})
			}
			docs, err := m.aggregate(ctx, env, coll, pipeline)
			if err != nil {
				return nil, err
			}
			return m.encodeDocs(docs)
		}
		return nil, capi.Errorf("InvalidParameter", "COMMAND must be {\"count\": C, \"query\": F} or {\"aggregate\": C, \"pipeline\": [...]}.")
	}
	return nil, capi.Errorf("InvalidParameter", "CommandType must be QUERY, INSERT, UPDATE, DELETE or COMMAND, got %q.", mc.CommandType)
}

func encodeOne(d *dbquery.Document) ([]string, error) {
	b, err := dbquery.EncodeDocument(d)
	if err != nil {
		return nil, err
	}
	return []string{string(b)}, nil
}

// sortKeys converts a {"field": 1|-1} document.
func sortKeys(d *dbquery.Document) ([]dbquery.SortKey, error) {
	if d == nil {
		return nil, nil
	}
	var out []dbquery.SortKey
	for _, f := range d.Fields() {
		var dir float64
		switch v := f.Value.(type) {
		case int64:
			dir = float64(v)
		case float64:
			dir = v
		}
		if (dir != 1 && dir != -1) || f.Key == "" || strings.HasPrefix(f.Key, "$") {
			return nil, capi.Errorf("InvalidParameter", "sort must map field names to 1 or -1 (field %q).", f.Key)
		}
		out = append(out, dbquery.SortKey{Field: f.Key, Desc: dir == -1})
	}
	return out, nil
}

// cmdReader reads typed fields of a command, remembering the first type
// error.
type cmdReader struct {
	cmd *dbquery.Document
	err error
}

func (r *cmdReader) fail(field, want string) {
	if r.err == nil {
		r.err = capi.Errorf("InvalidParameter", "Command field %q must be %s.", field, want)
	}
}

func (r *cmdReader) doc(k string) *dbquery.Document {
	v, ok := r.cmd.Get(k)
	if !ok || v == nil {
		return nil
	}
	d, isDoc := v.(*dbquery.Document)
	if !isDoc {
		r.fail(k, "an object")
	}
	return d
}

func (r *cmdReader) array(k string) []any {
	v, ok := r.cmd.Get(k)
	if !ok {
		return nil
	}
	a, isArr := v.([]any)
	if !isArr {
		r.fail(k, "an array")
	}
	return a
}

func (r *cmdReader) int(k string, def int64) int64 {
	v, ok := r.cmd.Get(k)
	if !ok || v == nil {
		return def
	}
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n)
		}
	}
	r.fail(k, "an integer")
	return def
}

func (r *cmdReader) bool(k string) bool {
	v, ok := r.cmd.Get(k)
	if !ok || v == nil {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		r.fail(k, "a boolean")
	}
	return b
}

func (r *cmdReader) str(k, def string) string {
	v, ok := r.cmd.Get(k)
	if !ok {
		return def
	}
	s, isStr := v.(string)
	if !isStr || s == "" {
		r.fail(k, "a collection name")
	}
	return s
}

// done reports the first type error, or an unknown field.
func (r *cmdReader) done(allowed ...string) error {
	if r.err != nil {
		return r.err
	}
	for _, k := range r.cmd.Keys() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return capi.Errorf("InvalidParameter", "Unknown command field %q (allowed: %s).", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}
