package dbquery

import (
	"strings"
	"testing"
)

// Flag-built queries render to statements that parse back to the same query,
// so they travel over the WeChat HTTP API unchanged.
func TestFlagBuildersRoundTrip(t *testing.T) {
	build := []struct {
		name string
		fn   func() (*Query, error)
		want string // a fragment of the MongoDB form
	}{
		{"update", func() (*Query, error) {
			return UpdateFromFlags("todos", `{"done":false}`, `{"meta":{"by":"cli"},"n":2}`, []string{"tmp"})
		}, `"$set"`},
		{"remove", func() (*Query, error) { return RemoveFromFlags("todos", `{"age":{"$gt":3}}`) }, `"$gt": 3`},
		{"count", func() (*Query, error) { return CountFromFlags("todos", ``) }, `"action": "count"`},
		{"insert", func() (*Query, error) {
			d, _ := DecodeDocument([]byte(`{"a":1,"when":{"$date":"2024-01-01T00:00:00Z"}}`))
			return InsertDocuments("todos", []*Document{d})
		}, `"$date"`},
		{"aggregate", func() (*Query, error) {
			return AggregateFromJSON("todos", `[{"$match":{"tags":"x"}},{"$group":{"_id":"$owner","n":{"$sum":1}}},{"$sort":{"n":-1}}]`)
		}, `"$group"`},
	}
	for _, b := range build {
		q, err := b.fn()
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		stmt := q.Statement()
		back, err := Parse(stmt)
		if err != nil {
			t.Fatalf("%s: %s does not parse: %v", b.name, stmt, err)
		}
		if !back.Equal(q) {
			t.Fatalf("%s: round trip differs:\n%s", b.name, stmt)
		}
		ex, _ := q.Explain()
		if !strings.Contains(string(ex), b.want) {
			t.Fatalf("%s: explain lacks %s:\n%s", b.name, b.want, ex)
		}
	}
}

func TestFlagBuilderErrors(t *testing.T) {
	for name, fn := range map[string]func() (*Query, error){
		"operator in set":   func() (*Query, error) { return UpdateFromFlags("c", "", `{"$inc":{"a":1}}`, nil) },
		"nothing to update": func() (*Query, error) { return UpdateFromFlags("c", "", "", nil) },
		"unset _id":         func() (*Query, error) { return UpdateFromFlags("c", "", "", []string{"_id"}) },
		"bad where":         func() (*Query, error) { return RemoveFromFlags("c", `{"a":`) },
		"bad collection":    func() (*Query, error) { return CountFromFlags("$c", "") },
		"pipeline object":   func() (*Query, error) { return AggregateFromJSON("c", `{"$match":{}}`) },
		"unknown stage":     func() (*Query, error) { return AggregateFromJSON("c", `[{"$out":"x"}]`) },
		"no documents":      func() (*Query, error) { return InsertDocuments("c", nil) },
	} {
		if _, err := fn(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
