package dbquery

import (
	"context"
	"fmt"
	"testing"
)

func benchDocs(n int) []*Document {
	docs := make([]*Document, n)
	statuses := []string{"active", "inactive", "pending", "banned"}
	for i := range docs {
		docs[i] = D(
			"_id", fmt.Sprintf("id%06d", i),
			"name", fmt.Sprintf("user %d", i),
			"status", statuses[i%len(statuses)],
			"age", int64(18+i%60),
			"score", float64(i%1000)/10,
			"tags", []any{"t" + fmt.Sprint(i%7), "t" + fmt.Sprint(i%11)},
			"address", D("city", fmt.Sprintf("city%d", i%50), "zip", fmt.Sprintf("%05d", i%10000)),
			"done", i%2 == 0,
		)
	}
	return docs
}

func benchMatch(b *testing.B, filter *Document) {
	docs := benchDocs(100_000)
	f, err := CompileFilter(filter)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, d := range docs {
			if f.Match(d) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
}

// BenchmarkMatch100kEquality: one op = matching 100,000 documents.
func BenchmarkMatch100kEquality(b *testing.B) { benchMatch(b, D("status", "active")) }

func BenchmarkMatch100kNestedRange(b *testing.B) {
	benchMatch(b, D("address.city", "city7", "age", D("$gte", int64(30), "$lt", int64(50))))
}

func BenchmarkMatch100kArrayIn(b *testing.B) {
	benchMatch(b, D("tags", D("$in", []any{"t3", "t5"})))
}

func BenchmarkMatch100kOr(b *testing.B) {
	benchMatch(b, D("$or", []any{D("status", "banned"), D("score", D("$gt", 99.0))}))
}

func BenchmarkParseStatement(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(normalStatement); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePaths compares the three ways a Cache parses a statement.
func BenchmarkParsePaths(b *testing.B) {
	stmt := `db.collection("bench").where({group: 17, status: "active"}).orderBy("i", "desc").limit(10).get()`
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, ok := parseFast(stmt); !ok {
				b.Fatal("not fast")
			}
		}
	})
	b.Run("sandbox", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Parse(stmt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		c := NewCache(16)
		cmd := `db.collection("bench").where({group: _.eq(17)}).get()`
		if _, err := c.Parse(Parser{}, cmd); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if _, err := c.Parse(Parser{}, cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkExecuteFindSorted100k(b *testing.B) {
	docs := benchDocs(100_000)
	q, err := Parse(`db.collection("u").where({status: "active"}).orderBy("age", "desc").orderBy("name", "asc").skip(10).limit(20).get()`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Execute(context.Background(), q, docs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggregateGroup100k(b *testing.B) {
	docs := benchDocs(100_000)
	q, err := Parse(`db.collection("u").aggregate().match({done: true}).group({_id: "$address.city", n: $.sum(1), avg: $.avg("$score")}).sort({n: -1}).end()`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Execute(context.Background(), q, docs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyUpdate(b *testing.B) {
	doc := benchDocs(1)[0]
	u := D("$set", D("address.city", "x"), "$inc", D("age", int64(1)), "$push", D("tags", D("$each", []any{"n"})))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := ApplyUpdate(doc, u); err != nil {
			b.Fatal(err)
		}
	}
}
