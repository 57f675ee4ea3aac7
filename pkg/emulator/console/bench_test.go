package console_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/emulator/functions"
)

// BenchmarkOverview measures the console's overview call (the page's first
// request) on an emulator holding 100,000 documents and 100 functions (two
// environments): the budget is 300 ms for the overview to load.
func BenchmarkOverview(b *testing.B) {
	f := start(b, functions.New(functions.Options{SkipInstallDeps: true}))
	env := f.NewEnv("bench")
	ctx := f.Ctx

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("index.js")
	w.Write([]byte("exports.main = async () => 1\n"))
	zw.Close()
	code := base64.StdEncoding.EncodeToString(zb.Bytes())
	// 50 per environment: the cloud's (and the emulator's) limit.
	second := f.NewEnv("bench")
	for i := 0; i < 100; i++ {
		ns := env
		if i >= 50 {
			ns = second
		}
		if err := f.Client.CreateFunction(ctx, &cloudapi.CreateFunctionRequest{FunctionName: fmt.Sprintf("fn%03d", i), Namespace: ns,
			Runtime: "Nodejs18.15", Handler: "index.main", Code: &cloudapi.Code{ZipFile: code}}); err != nil {
			b.Fatal(err)
		}
	}
	info, err := f.Client.DescribeEnv(ctx, env)
	if err != nil {
		b.Fatal(err)
	}
	tag := info.Databases[0].InstanceId
	if err := f.Client.CreateTable(ctx, tag, "items"); err != nil {
		b.Fatal(err)
	}
	const perCommand, commands = 1000, 10
	for batch := 0; batch < 100_000/(perCommand*commands); batch++ {
		var cmds []cloudapi.MgoCommand
		for c := 0; c < commands; c++ {
			var sb strings.Builder
			sb.WriteString(`{"documents":[`)
			for i := 0; i < perCommand; i++ {
				if i > 0 {
					sb.WriteByte(',')
				}
				n := (batch*commands+c)*perCommand + i
				fmt.Fprintf(&sb, `{"_id":"d%06d","n":%d,"title":"文档 document %d","done":%v}`, n, n, n, n%2 == 0)
			}
			sb.WriteString(`]}`)
			cmds = append(cmds, cloudapi.MgoCommand{TableName: "items", CommandType: "INSERT", Command: sb.String()})
		}
		if _, err := f.Client.RunCommands(ctx, &cloudapi.RunCommandsRequest{EnvId: env, Tag: tag, MgoCommands: cmds}); err != nil {
			b.Fatal(err)
		}
	}
	var o struct {
		Counts map[string]int64
	}
	if st := f.call(b, http.MethodGet, "overview", nil, &o); st != http.StatusOK || o.Counts["documents"] != 100_000 || o.Counts["functions"] != 100 {
		b.Fatalf("overview: HTTP %d, counts %v", st, o.Counts)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.call(b, http.MethodGet, "overview", nil, nil)
	}
}

// BenchmarkDocumentsPage is one browse page deep into the same 100,000
// documents (QUERY skip/limit in _id order plus the count).
func BenchmarkDocumentsPage(b *testing.B) {
	f := start(b)
	env := f.NewEnv("bench")
	ctx := f.Ctx
	info, err := f.Client.DescribeEnv(ctx, env)
	if err != nil {
		b.Fatal(err)
	}
	tag := info.Databases[0].InstanceId
	if err := f.Client.CreateTable(ctx, tag, "items"); err != nil {
		b.Fatal(err)
	}
	for batch := 0; batch < 10; batch++ {
		var cmds []cloudapi.MgoCommand
		for c := 0; c < 10; c++ {
			var sb strings.Builder
			sb.WriteString(`{"documents":[`)
			for i := 0; i < 1000; i++ {
				if i > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"_id":"d%06d","n":%d}`, (batch*10+c)*1000+i, i)
			}
			sb.WriteString(`]}`)
			cmds = append(cmds, cloudapi.MgoCommand{TableName: "items", CommandType: "INSERT", Command: sb.String()})
		}
		if _, err := f.Client.RunCommands(ctx, &cloudapi.RunCommandsRequest{EnvId: env, Tag: tag, MgoCommands: cmds}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var page struct{ Docs []any }
		f.call(b, http.MethodGet, fmt.Sprintf("envs/%s/collections/items/docs?skip=%d&limit=50", env, 50_000+i%1000*50), nil, &page)
		if len(page.Docs) != 50 {
			b.Fatalf("%d docs", len(page.Docs))
		}
	}
}
