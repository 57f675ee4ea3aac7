package dbquery

import (
	"strings"
	"testing"
	"time"
)

// The cache keeps what it may (not clock-dependent, not add(), not too
// long), evicts the least recently used, and the fast path needs no cache.
func TestCacheKeepsWhatItMay(t *testing.T) {
	c := NewCache(2)
	clockReads := 0
	p := Parser{Now: func() time.Time { clockReads++; return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }}
	parse := func(s string) *Query {
		t.Helper()
		q, err := c.Parse(p, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return q
	}

	fast := `db.collection("t").where({a: 1}).get()`
	parse(fast)
	if c.Len() != 0 {
		t.Fatalf("the fast path cached: %d", c.Len())
	}

	a := `db.collection("t").where({a: _.gt(1)}).get()`
	if q := parse(a); parse(a) != q || c.Len() != 1 {
		t.Fatalf("not served from the cache (%d cached)", c.Len())
	}

	// Every new Date() of a statement is the same instant, read once.
	q := parse(`db.collection("t").where({a: _.lt(new Date()), b: _.gt(new Date())}).get()`)
	if clockReads != 1 || c.Len() != 1 {
		t.Fatalf("clock read %d times, %d cached", clockReads, c.Len())
	}
	if want, _ := p.Parse(`db.collection("t").where({a: _.lt(new Date()), b: _.gt(new Date())}).get()`); !q.Equal(want) {
		t.Fatalf("dated statement differs from the sandbox's")
	}
	parse(`db.collection("t").add({data: {a: [1, 2]}})`)
	parse(`db.collection("t").where({a: _.in([` + strings.Repeat(`"xxxxxxxxxx",`, MaxCachedStatement/13) + `"y"])}).get()`)
	if c.Len() != 1 {
		t.Fatalf("add() or a long statement was cached: %d", c.Len())
	}

	b, d := `db.collection("t").where({b: _.gt(1)}).get()`, `db.collection("t").where({d: _.gt(1)}).get()`
	parse(b)
	parse(a) // a is now the most recent
	parse(d) // evicts b
	if c.get(b) != nil || c.get(a) == nil || c.get(d) == nil {
		t.Fatal("LRU order")
	}
	c.Clear()
	if c.Len() != 0 {
		t.Fatal("Clear")
	}

	// The parser's limits apply to the fast path too.
	if _, err := c.Parse(Parser{MaxLength: 10}, fast); err == nil {
		t.Fatal("a statement over MaxLength took the fast path")
	}
	// A disabled cache still parses.
	if _, err := NewCache(0).Parse(Parser{}, a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Parse(p, `db.collection("t").where({a: function(){}}).get()`); err == nil {
		t.Fatal("sandbox errors pass through")
	}
}
