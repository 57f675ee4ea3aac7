package dbquery

import (
	"container/list"
	"sync"
	"time"
)

// MaxCachedStatement is the longest statement a Cache keeps (bytes).
const MaxCachedStatement = 16 << 10

// Cache parses statements the cheapest way available and remembers the
// results, for a server that sees the same statements again and again:
//
//  1. parseFast recognises the simple shapes that dominate traffic
//     (db.collection("c").doc(id).get(), flat where() with literal values,
//     orderBy/skip/limit/field) with a hand-written scanner and builds the
//     same Query the sandbox would (checked by tests against Parse);
//  2. the LRU cache returns the Query parsed earlier for the same text;
//  3. the Parser runs the statement in its goja sandbox (~0.5-1 ms).
//
// Queries from a Cache are shared and must never be modified. Statements
// whose value depends on the clock at parse time (new Date() without
// arguments, Date.now()) are never cached; db.serverDate() is resolved when
// a statement runs, so it caches fine. add() statements are not cached
// (their data is unique and large), nor statements longer than
// MaxCachedStatement. A Cache is safe for concurrent use.
type Cache struct {
	max   int
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type cacheItem struct {
	text string
	q    *Query
}

// NewCache returns a cache of at most max statements; max <= 0 caches
// nothing (the fast path still applies).
func NewCache(max int) *Cache {
	return &Cache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

// Parse returns the Query of stmt: from the fast path, the cache, or p
// (whose limits apply; p.Now is read at most once per statement, so every
// new Date() of a statement is the same instant). Errors are p's.
func (c *Cache) Parse(p Parser, stmt string) (*Query, error) {
	l := p.limits()
	if len(stmt) <= l.MaxLength {
		if q, ok := parseFast(stmt); ok {
			return q, nil
		}
	}
	if q := c.get(stmt); q != nil {
		return q, nil
	}
	usedClock := false
	var now time.Time
	p.Now = func() time.Time {
		if !usedClock {
			usedClock, now = true, l.Now()
		}
		return now
	}
	q, err := p.Parse(stmt)
	if err != nil {
		return nil, err
	}
	if !usedClock && q.Action != ActionInsert && len(stmt) <= MaxCachedStatement {
		c.put(stmt, q)
	}
	return q, nil
}

// Len is the number of statements cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Clear forgets every statement.
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	c.items = map[string]*list.Element{}
}

func (c *Cache) get(text string) *Query {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*cacheItem).q
	}
	return nil
}

func (c *Cache) put(text string, q *Query) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		c.ll.MoveToFront(el)
		return
	}
	c.items[text] = c.ll.PushFront(&cacheItem{text, q})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheItem).text)
	}
}
