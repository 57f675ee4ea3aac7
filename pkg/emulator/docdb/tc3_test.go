package docdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

func (h *harness) run(env, tag string, cmds ...cloudapi.MgoCommand) (*cloudapi.RunCommandsResponse, error) {
	return h.Client.RunCommands(h.Ctx, &cloudapi.RunCommandsRequest{EnvId: env, Tag: tag, MgoCommands: cmds})
}

func cmd(table, typ, body string) cloudapi.MgoCommand {
	return cloudapi.MgoCommand{TableName: table, CommandType: typ, Command: body}
}

func TestRunCommands(t *testing.T) {
	h := start(t, "", Options{})
	env, tag := h.newEnv()
	if err := h.Client.CreateTable(h.Ctx, tag, "items"); err != nil {
		t.Fatal(err)
	}
	resp, err := h.run(env, tag,
		cmd("items", "INSERT", `{"documents":[{"_id":"a","n":1,"at":{"$date":"2024-01-01T00:00:00Z"}},{"_id":"b","n":2},{"n":3}]}`),
		cmd("items", "QUERY", `{"filter":{"n":{"$gte":2}},"sort":{"n":-1},"projection":{"n":1},"skip":0,"limit":10}`),
		cmd("items", "UPDATE", `{"filter":{"n":{"$lte":2}},"update":{"$inc":{"n":10}},"multi":true,"upsert":false,"replace":false}`),
		cmd("items", "UPDATE", `{"filter":{"_id":"z"},"update":{"n":7},"multi":false,"upsert":true,"replace":true}`),
		cmd("items", "COMMAND", `{"count":"items","query":{"n":{"$gt":5}}}`),
		cmd("items", "COMMAND", `{"aggregate":"items","pipeline":[{"$group":{"_id":null,"s":{"$sum":"$n"}}}]}`),
		cmd("items", "DELETE", `{"filter":{"n":{"$gt":10}},"multi":true}`),
		cmd("items", "QUERY", `{"filter":{},"sort":{"_id":1}}`),
	)
	if err != nil {
		t.Fatal(err)
	}
	d := resp.Data
	if !strings.HasPrefix(d[0][0], `{"insertedIds":["a","b","`) {
		t.Fatalf("insert %v", d[0])
	}
	if len(d[1]) != 2 || !strings.Contains(d[1][0], `"n":3`) || strings.Contains(d[1][0], "at") {
		t.Fatalf("query %v", d[1])
	}
	if d[2][0] != `{"matched":2,"modified":2,"upsertedId":null}` || d[3][0] != `{"matched":0,"modified":0,"upsertedId":"z"}` {
		t.Fatalf("update %v %v", d[2], d[3])
	}
	if d[4][0] != `{"n":3}` || d[5][0] != `{"_id":null,"s":33}` || d[6][0] != `{"deleted":2}` {
		t.Fatalf("count/aggregate/delete %v %v %v", d[4], d[5], d[6])
	}
	if len(d[7]) != 2 || !strings.Contains(d[7][1], `"_id":"z"`) {
		t.Fatalf("final %v", d[7])
	}

	// Errors.
	cases := []struct {
		env, tag string
		c        cloudapi.MgoCommand
		code     string
	}{
		{"nope", tag, cmd("items", "QUERY", `{}`), "ResourceNotFound"},
		{env, "tnt-other", cmd("items", "QUERY", `{}`), "InvalidParameter"},
		{env, tag, cmd("missing", "QUERY", `{}`), "ResourceNotFound"},
		{env, tag, cmd("items", "SELECT", `{}`), "InvalidParameter"},
		{env, tag, cmd("items", "QUERY", `{not json`), "InvalidParameter"},
		{env, tag, cmd("items", "QUERY", `{"filter":{"$where":"1"}}`), "InvalidParameter"},
		{env, tag, cmd("items", "QUERY", `{"filter":{},"bogus":1}`), "InvalidParameter"},
		{env, tag, cmd("items", "QUERY", `{"sort":{"n":2}}`), "InvalidParameter"},
		{env, tag, cmd("items", "INSERT", `{"documents":[{"_id":"z"}]}`), "FailedOperation"},
		{env, tag, cmd("items", "UPDATE", `{"filter":{},"update":{"$inc":{"_id":1}}}`), "InvalidParameter"},
		{env, tag, cmd("items", "UPDATE", `{"filter":{"_id":"z"},"update":{"$inc":{"n":"x"}}}`), "FailedOperation"},
		{env, tag, cmd("items", "UPDATE", `{"filter":{"_id":"z"},"update":{"$set":{"n.x":1}}}`), "FailedOperation"},
		{env, tag, cmd("items", "UPDATE", `{"filter":{},"update":{"plain":1}}`), "InvalidParameter"},
		{env, tag, cmd("items", "COMMAND", `{"drop":"items"}`), "InvalidParameter"},
		{env, tag, cmd("", "QUERY", `{}`), "MissingParameter"},
	}
	for _, c := range cases {
		_, err := h.run(c.env, c.tag, c.c)
		if got := apiCode(t, err); got != c.code {
			t.Errorf("%s %s %s: %s (%v), want %s", c.env, c.c.CommandType, c.c.Command, got, err, c.code)
		}
	}
	// A failing command stops the run; earlier ones stay.
	_, err = h.run(env, tag, cmd("items", "INSERT", `{"documents":[{"_id":"k1"}]}`), cmd("items", "INSERT", `{"documents":[{"_id":"k1"}]}`))
	if apiCode(t, err) != "FailedOperation" || !strings.Contains(err.Error(), "MgoCommands[1]") {
		t.Fatalf("second insert: %v", err)
	}
	resp, err = h.run(env, tag, cmd("items", "COMMAND", `{"count":"items","query":{"_id":"k1"}}`))
	if err != nil || resp.Data[0][0] != `{"n":1}` {
		t.Fatalf("%v %v", resp, err)
	}
	// Without Tag the env's database is used; InTransaction is refused.
	if _, err := h.run(env, "", cmd("items", "QUERY", `{}`)); err != nil {
		t.Fatal(err)
	}
	yes := true
	_, err = h.Client.RunCommands(h.Ctx, &cloudapi.RunCommandsRequest{EnvId: env, Tag: tag, InTransaction: &yes,
		MgoCommands: []cloudapi.MgoCommand{cmd("items", "QUERY", `{}`)}})
	if apiCode(t, err) != "UnsupportedOperation" {
		t.Fatalf("InTransaction: %v", err)
	}
}

func TestFlexdb(t *testing.T) {
	h := start(t, "", Options{})
	env, tag := h.newEnv()
	ctx := h.Ctx
	lt, err := h.Client.ListTables(ctx, tag, 100, 0)
	if err != nil || lt.Tables != nil || lt.Pager.Total != 0 {
		t.Fatalf("empty list: %+v %v", lt, err)
	}
	for _, n := range []string{"b", "a", "c"} {
		if err := h.Client.CreateTable(ctx, tag, n); err != nil {
			t.Fatal(err)
		}
	}
	if code := apiCode(t, h.Client.CreateTable(ctx, tag, "a")); code != "ResourceInUse" {
		t.Fatalf("exists: %s", code)
	}
	if code := apiCode(t, h.Client.CreateTable(ctx, "tnt-nope", "a")); code != "ResourceNotFound" {
		t.Fatalf("bad tag: %s", code)
	}
	if code := apiCode(t, h.Client.CreateTable(ctx, tag, "a$b")); code != "InvalidParameter" {
		t.Fatalf("bad name: %s", code)
	}
	h.ok(h.stmt("/tcb/databaseadd", env, `db.collection("b").add({data: [{x: 1}, {x: 2}]})`))
	lt, err = h.Client.ListTables(ctx, tag, 2, 1)
	if err != nil || lt.Pager != (cloudapi.Pager{Offset: 1, Limit: 2, Total: 3}) || len(lt.Tables) != 2 ||
		lt.Tables[0].TableName != "b" || lt.Tables[0].Count != 2 || lt.Tables[0].Size == 0 || lt.Tables[0].IndexCount != 1 {
		t.Fatalf("list: %+v %v", lt, err)
	}

	update := map[string]any{"Tag": tag, "TableName": "b",
		"CreateIndexes": []any{map[string]any{"IndexName": "x_1", "MgoKeySchema": map[string]any{
			"MgoIndexKeys": []any{map[string]string{"Name": "x", "Direction": "1"}}, "MgoIsUnique": true}}}}
	if err := h.Client.Call(ctx, "flexdb", "UpdateTable", update, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	var desc describeTableResponse
	if err := h.Client.Call(ctx, "flexdb", "DescribeTable", map[string]string{"Tag": tag, "TableName": "b"}, &desc); err != nil {
		t.Fatal(err)
	}
	if desc.IndexNum != 2 || desc.Indexes[1].Name != "x_1" || !desc.Indexes[1].Unique || desc.Indexes[1].Keys[0] != (mgoIndexKey{Name: "x", Direction: "1"}) ||
		desc.Indexes[0].Name != "_id_" || desc.Indexes[0].Size == 0 || desc.Indexes[0].Accesses.Since == "" {
		t.Fatalf("describe %+v", desc)
	}
	h.wantCode(h.stmt("/tcb/databaseadd", env, `db.collection("b").add({data: {x: 1}})`), -502001, "x_1")
	geo := map[string]any{"Tag": tag, "TableName": "b",
		"CreateIndexes": []any{map[string]any{"IndexName": "g", "MgoKeySchema": map[string]any{
			"MgoIndexKeys": []any{map[string]string{"Name": "loc", "Direction": "2dsphere"}}}}}}
	if err := h.Client.Call(ctx, "flexdb", "UpdateTable", geo, &struct{}{}); err != nil {
		t.Fatalf("2dsphere: %v", err)
	}
	if err := h.Client.Call(ctx, "flexdb", "DescribeTable", map[string]string{"Tag": tag, "TableName": "b"}, &desc); err != nil {
		t.Fatal(err)
	}
	if desc.IndexNum != 3 || desc.Indexes[2].Name != "g" || desc.Indexes[2].Unique || len(desc.Indexes[2].Keys) != 1 ||
		desc.Indexes[2].Keys[0] != (mgoIndexKey{Name: "loc", Direction: "2dsphere"}) {
		t.Fatalf("describe 2dsphere %+v", desc)
	}
	// Documents whose indexed field is not a geometry are refused.
	h.wantCode(h.stmt("/tcb/databaseadd", env, `db.collection("b").add({data: {x: 3, loc: [200, 0]}})`), -502001, "Can't extract geo keys", "out of bounds")
	// A compound 2dsphere index stays unsupported.
	geo2 := map[string]any{"Tag": tag, "TableName": "b",
		"CreateIndexes": []any{map[string]any{"IndexName": "g2", "MgoKeySchema": map[string]any{
			"MgoIndexKeys": []any{map[string]string{"Name": "pos", "Direction": "2dsphere"}, map[string]string{"Name": "x", "Direction": "1"}}}}}}
	if code := apiCode(t, h.Client.Call(ctx, "flexdb", "UpdateTable", geo2, &struct{}{})); code != "UnsupportedOperation" {
		t.Fatalf("compound 2dsphere: %s", code)
	}
	drop := map[string]any{"Tag": tag, "TableName": "b", "DropIndexes": []any{map[string]string{"IndexName": "x_1"}}}
	if err := h.Client.Call(ctx, "flexdb", "UpdateTable", drop, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if code := apiCode(t, h.Client.Call(ctx, "flexdb", "UpdateTable", drop, &struct{}{})); code != "ResourceNotFound" {
		t.Fatalf("drop again: %s", code)
	}
	if code := apiCode(t, h.Client.Call(ctx, "flexdb", "DescribeTable", map[string]string{"Tag": tag, "TableName": "zz"}, &desc)); code != "ResourceNotFound" {
		t.Fatalf("describe missing: %s", code)
	}
	if err := h.Client.DeleteTable(ctx, tag, "b"); err != nil {
		t.Fatal(err)
	}
	err = h.Client.DeleteTable(ctx, tag, "b")
	var nf *cloudapi.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("delete again: %v", err)
	}
	if code := apiCode(t, h.Client.Call(ctx, "flexdb", "CreateTable", map[string]any{"Tag": tag, "TableName": "x", "Extra": 1}, &struct{}{})); code != "UnknownParameter" {
		t.Fatalf("strict decode: %s", code)
	}
}

// Both CLI backends of pkg/database run against the emulator.
func TestDatabaseBackends(t *testing.T) {
	h := start(t, "", Options{})
	env, _ := h.newEnv()
	ctx := context.Background()
	api := &database.API{Client: h.Client, Env: env}
	wx := &database.WeChat{Client: h.WeChat, Tokens: &fixedTokens{token: h.tok}, Env: env}
	for _, b := range []database.Backend{api, wx} {
		t.Run(b.Name(), func(t *testing.T) {
			coll := "coll_" + b.Name()
			if err := b.CreateCollection(ctx, coll); err != nil {
				t.Fatal(err)
			}
			run := func(stmt string) *database.Outcome {
				t.Helper()
				q, err := dbquery.Parse(stmt)
				if err != nil {
					t.Fatal(err)
				}
				out, err := database.Run(ctx, b, q)
				if err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
				return out
			}
			var rows []string
			for i := 0; i < 25; i++ {
				rows = append(rows, fmt.Sprintf(`{_id: "r%02d", i: %d, even: %v}`, i, i, i%2 == 0))
			}
			if out := run(fmt.Sprintf(`db.collection(%q).add({data: [%s]})`, coll, strings.Join(rows, ","))); len(out.IDs) != 25 || out.IDs[3] != "r03" {
				t.Fatalf("add %v", out.IDs)
			}
			if out := run(fmt.Sprintf(`db.collection(%q).add({data: {i: 100}})`, coll)); len(out.IDs[0]) != 32 {
				t.Fatalf("generated id %v", out.IDs)
			}
			out := run(fmt.Sprintf(`db.collection(%q).where({even: true}).orderBy("i", "desc").skip(2).get()`, coll))
			if len(out.Docs) != 10 || ids(out.Docs)[0] != "r20" {
				t.Fatalf("find %v", ids(out.Docs))
			}
			if out := run(fmt.Sprintf(`db.collection(%q).where({i: _.lt(10)}).count()`, coll)); out.Count != 10 {
				t.Fatalf("count %d", out.Count)
			}
			if out := run(fmt.Sprintf(`db.collection(%q).where({even: false}).update({data: {odd: true}})`, coll)); out.Update.Matched != 12 || out.Update.Modified != 12 {
				t.Fatalf("update %+v", out.Update)
			}
			if out := run(fmt.Sprintf(`db.collection(%q).doc("new").set({data: {i: -1}})`, coll)); out.Update.UpsertedID != "new" {
				t.Fatalf("set %+v", out.Update)
			}
			if out := run(fmt.Sprintf(`db.collection(%q).aggregate().match({odd: true}).count("n").end()`, coll)); len(out.Docs) != 1 || out.Docs[0].String() != `{"n":12}` {
				t.Fatalf("aggregate %v", out.Docs)
			}
			if out := run(fmt.Sprintf(`db.collection(%q).where({i: _.gte(20)}).remove()`, coll)); out.Deleted != 6 {
				t.Fatalf("remove %d", out.Deleted)
			}
			list, total, err := b.ListCollections(ctx, 100, 0)
			if err != nil || total < 1 || !slices.ContainsFunc(list, func(c database.Collection) bool { return c.Name == coll && c.Count == 21 }) {
				t.Fatalf("list %+v %d %v", list, total, err)
			}
			// Export then import into a new collection gives the same documents.
			var buf bytes.Buffer
			n, err := database.Export(ctx, b, coll, &buf, database.ExportOptions{PageSize: 7})
			if err != nil || n != 21 {
				t.Fatalf("export %d %v", n, err)
			}
			if err := b.CreateCollection(ctx, coll+"_copy"); err != nil {
				t.Fatal(err)
			}
			st, err := database.Import(ctx, b, coll+"_copy", bytes.NewReader(buf.Bytes()), database.ImportOptions{BatchBytes: 200})
			if err != nil || st.Inserted != 21 {
				t.Fatalf("import %+v %v", st, err)
			}
			var again bytes.Buffer
			if _, err := database.Export(ctx, b, coll+"_copy", &again, database.ExportOptions{}); err != nil || again.String() != buf.String() {
				t.Fatalf("round trip differs: %v", err)
			}
			st, err = database.Import(ctx, b, coll+"_copy", bytes.NewReader(buf.Bytes()), database.ImportOptions{Mode: database.ImportUpsert})
			if err != nil || st.Replaced != 21 {
				t.Fatalf("upsert import %+v %v", st, err)
			}
			// A missing collection is ErrCollectionMissing on both transports.
			q, _ := dbquery.Parse(`db.collection("nope").get()`)
			if _, err := database.Run(ctx, b, q); !errors.Is(err, database.ErrCollectionMissing) {
				t.Fatalf("missing: %v", err)
			}
			if err := b.DeleteCollection(ctx, coll+"_copy"); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A stale token is refreshed (compare-and-refresh) and the call retried once.
	src := &fixedTokens{token: h.staleToken(), refreshed: h.tok}
	stale := &database.WeChat{Client: h.WeChat, Tokens: src, Env: env}
	q, _ := dbquery.Parse(`db.collection("coll_wechat").count()`)
	if out, err := database.Run(ctx, stale, q); err != nil || out.Count != 21 || src.refreshes.Load() != 1 {
		t.Fatalf("stale retry: %v %v %d", out, err, src.refreshes.Load())
	}
}
