package docdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Benchmarks run against one emulator holding a 100,000-document
// collection "bench" (built once per process, removed by TestMain):
// group is indexed (10 documents per value), group2 holds the same values
// unindexed.
const benchDocs = 100_000

type benchFixture struct {
	e       *emulator.Emulator
	m       *Module
	dir     string
	env     string
	ids     []string
	heapMB  float64
	buildMs float64
}

var (
	fixtureOnce sync.Once
	fixture     *benchFixture
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture != nil {
		fixture.e.Close(context.Background())
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

func benchDoc(i int) *dbquery.Document {
	statuses := []string{"active", "inactive", "pending", "banned"}
	return dbquery.D(
		"i", int64(i),
		"group", int64(i%10_000),
		"group2", int64(i%10_000),
		"name", fmt.Sprintf("user %d", i),
		"status", statuses[i%len(statuses)],
		"age", int64(18+i%60),
		"score", float64(i%1000)/10,
		"tags", []any{"t" + fmt.Sprint(i%7), "t" + fmt.Sprint(i%11)},
		"address", dbquery.D("city", fmt.Sprintf("city%d", i%50), "zip", fmt.Sprintf("%05d", i%10000)),
		"done", i%2 == 0,
	)
}

func getFixture(b *testing.B) *benchFixture {
	b.Helper()
	fixtureOnce.Do(func() { fixture, fixtureErr = buildFixture() })
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixture
}

func buildFixture() (*benchFixture, error) {
	dir, err := os.MkdirTemp("", "docdb-bench-*")
	if err != nil {
		return nil, err
	}
	f := &benchFixture{dir: dir}
	f.m = New(Options{Tokens: testTokens})
	f.e, err = emulator.New(emulator.Options{Listen: "127.0.0.1:0", DataDir: dir}, f.m)
	if err != nil {
		return nil, err
	}
	if err := f.e.Start(); err != nil {
		return nil, err
	}
	c, err := cloudapi.New(cloudapi.Options{
		Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey},
		Region:     "ap-shanghai", Endpoint: f.e.Endpoint(), MaxAttempts: 1})
	if err != nil {
		return nil, err
	}
	out, err := c.CreateEnv(context.Background(), &cloudapi.CreateEnvRequest{Alias: "bench"})
	if err != nil {
		return nil, err
	}
	f.env = out.EnvId
	if err := f.m.createCollection(f.env, "bench"); err != nil {
		return nil, err
	}
	if err := f.m.createCollection(f.env, "bench_w"); err != nil {
		return nil, err
	}
	if err := f.m.updateIndexes(f.env, "bench", []indexSpec{{Name: "group_1", Keys: []indexKey{{"group", "1"}}}}, nil); err != nil {
		return nil, err
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < benchDocs; i += 5000 {
		batch := make([]*dbquery.Document, 0, 5000)
		for j := i; j < i+5000; j++ {
			batch = append(batch, benchDoc(j))
		}
		ids, err := f.m.insert(context.Background(), f.env, "bench", batch)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			f.ids = append(f.ids, id.(string))
		}
	}
	f.buildMs = float64(time.Since(start).Milliseconds())
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	f.heapMB = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	return f, nil
}

// post runs one /tcb/* request in process.
func (f *benchFixture) post(b *testing.B, path, query string) []byte {
	body, _ := json.Marshal(wechat.QueryRequest{Env: f.env, Query: query})
	req := httptest.NewRequest(http.MethodPost, path+"?access_token="+tokOK, bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.e.Handler().ServeHTTP(rec, req)
	if !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"errcode":0,`)) {
		b.Fatalf("%s: %s", query, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

// timed runs op b.N times and reports the median and 95th percentile.
func timed(b *testing.B, op func(i int)) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := time.Now()
		op(i)
		d = append(d, time.Since(s))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkQueryByID: one op = one databasequery of doc(<random id>).get()
// through the HTTP handler (parse included, every statement distinct).
func BenchmarkQueryByID(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	timed(b, func(int) {
		id := f.ids[r.IntN(len(f.ids))]
		f.post(b, wechat.PathDatabaseQuery, `db.collection("bench").doc("`+id+`").get()`)
	})
}

// BenchmarkQueryByIDWhere: the same through where({_id: ...}) with a
// projection (still the fast parser).
func BenchmarkQueryByIDWhere(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(1, 2))
	timed(b, func(int) {
		id := f.ids[r.IntN(len(f.ids))]
		f.post(b, wechat.PathDatabaseQuery, `db.collection("bench").where({_id: "`+id+`"}).field({name: true}).get()`)
	})
}

// BenchmarkQueryByIDSandbox: doc(id) with a statement only the goja sandbox
// parses (a db.command operator), every statement distinct: the cost
// without the fast path or the cache.
func BenchmarkQueryByIDSandbox(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(1, 3))
	timed(b, func(int) {
		id := f.ids[r.IntN(len(f.ids))]
		f.post(b, wechat.PathDatabaseQuery, `db.collection("bench").where({_id: _.eq("`+id+`")}).get()`)
	})
}

// BenchmarkIndexedEquality: where({group: N}) on the indexed field, 10
// documents returned (pager.Total included).
func BenchmarkIndexedEquality(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(2, 1))
	timed(b, func(int) {
		out := f.post(b, wechat.PathDatabaseQuery, fmt.Sprintf(`db.collection("bench").where({group: %d}).get()`, r.IntN(10_000)))
		if !bytes.Contains(out, []byte(`"Total":10`)) {
			b.Fatalf("%s", out)
		}
	})
}

// BenchmarkIndexedEqualityCommand: the same with a db.command operator and
// a sort (sandbox parse on the first use of each text, then the cache).
func BenchmarkIndexedEqualityCommand(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(2, 2))
	timed(b, func(int) {
		f.post(b, wechat.PathDatabaseQuery, fmt.Sprintf(`db.collection("bench").where({group: _.eq(%d), age: _.gte(18)}).orderBy("i", "desc").get()`, r.IntN(100)))
	})
}

// BenchmarkUnindexedEquality: where({group2: N}), the same values
// unindexed: a scan of 100,000 documents.
func BenchmarkUnindexedEquality(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(3, 1))
	timed(b, func(int) {
		out := f.post(b, wechat.PathDatabaseQuery, fmt.Sprintf(`db.collection("bench").where({group2: %d}).get()`, r.IntN(10_000)))
		if !bytes.Contains(out, []byte(`"Total":10`)) {
			b.Fatalf("%s", out)
		}
	})
}

// BenchmarkUnindexedRangeSorted: a range on an unindexed field with a sort
// and a window (scan + sort of 25,000 matches).
func BenchmarkUnindexedRangeSorted(b *testing.B) {
	f := getFixture(b)
	timed(b, func(int) {
		f.post(b, wechat.PathDatabaseQuery, `db.collection("bench").where({status: "active"}).orderBy("score", "desc").skip(100).limit(20).get()`)
	})
}

// BenchmarkExportPaging: one op = paging through all 100,000 documents in
// _id order, 1000 per databasequery (as tcb db export does).
func BenchmarkExportPaging(b *testing.B) {
	f := getFixture(b)
	timed(b, func(int) {
		n := 0
		for skip := 0; ; skip += 1000 {
			out := f.post(b, wechat.PathDatabaseQuery, fmt.Sprintf(`db.collection("bench").orderBy("_id", "asc").skip(%d).limit(1000).get()`, skip))
			var resp wechat.DatabaseQueryResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				b.Fatal(err)
			}
			n += len(resp.Data)
			if len(resp.Data) < 1000 {
				break
			}
		}
		if n != benchDocs {
			b.Fatalf("exported %d", n)
		}
	})
}

// BenchmarkCount: count() of an indexed equality and of everything.
func BenchmarkCountIndexed(b *testing.B) {
	f := getFixture(b)
	timed(b, func(i int) {
		f.post(b, wechat.PathDatabaseCount, fmt.Sprintf(`db.collection("bench").where({group: %d}).count()`, i%10_000))
	})
}

// BenchmarkInsertOne: one databaseadd of one document (a bbolt commit).
func BenchmarkInsertOne(b *testing.B) {
	f := getFixture(b)
	timed(b, func(i int) {
		f.post(b, wechat.PathDatabaseAdd, fmt.Sprintf(`db.collection("bench_w").add({data: {i: %d, group: %d}})`, i, i%100))
	})
}

// BenchmarkUpdateByID: doc(id).update() of an indexed field.
func BenchmarkUpdateByID(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(4, 1))
	timed(b, func(int) {
		id := f.ids[r.IntN(len(f.ids))]
		f.post(b, wechat.PathDatabaseUpdate, `db.collection("bench").doc("`+id+`").update({data: {age: _.inc(1)}})`)
	})
}

// BenchmarkLoad: one op = loading the 100,000-document collection from
// bbolt (what the first query after a restart pays). Reports the heap the
// loaded collection holds.
func BenchmarkLoad(b *testing.B) {
	f := getFixture(b)
	timed(b, func(int) {
		c, err := f.m.loadCollection(f.env, "bench")
		if err != nil || c.live() < benchDocs {
			b.Fatal(err)
		}
	})
	b.ReportMetric(f.heapMB, "heap-MB/100k")
	b.ReportMetric(f.buildMs, "insert-100k-ms")
}

// BenchmarkSDKGetByID: one op = one signed database.getDocument DOC query
// of a random _id through the /admin door, as wx-server-sdk sends it
// (signature check, Extended JSON decoding and encoding included).
func BenchmarkSDKGetByID(b *testing.B) {
	f := getFixture(b)
	r := rand.New(rand.NewPCG(1, 4))
	b.ReportAllocs()
	timed(b, func(int) {
		id := f.ids[r.IntN(len(f.ids))]
		req := httptest.NewRequest(http.MethodPost, "http://"+f.e.Addr()+"/admin?env="+f.env+"&seqId=1", nil)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "tcb-node-sdk/3.17.2")
		body := sdkapi.Sign(req, map[string]any{
			"collectionName": "bench", "query": `{"_id":"` + id + `"}`, "queryType": "DOC", "multi": false,
			"action": "database.getDocument", "envName": f.env,
		}, config.EmulatorSecretID, config.EmulatorSecretKey, time.Now().Unix())
		req.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		f.e.Handler().ServeHTTP(rec, req)
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"list":["{\"_id\":\"`+id)) {
			b.Fatalf("getDocument %s: %s", id, rec.Body.Bytes())
		}
	})
}
