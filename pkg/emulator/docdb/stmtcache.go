package docdb

import (
	"container/list"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Statements are parsed in three ways, cheapest first:
//
//  1. fastParse recognises the simple shapes that dominate traffic
//     (db.collection("c").doc(id).get(), flat where() with literal values,
//     orderBy/skip/limit/field) with a hand-written scanner and builds the
//     same Query dbquery.Parse would (checked by tests against Parse);
//  2. the LRU cache returns the Query parsed earlier for the same text;
//  3. dbquery.Parser runs the statement in its goja sandbox (~0.5-1 ms).
//
// Cached queries are shared and must never be modified. Statements whose
// value depends on the clock at parse time (new Date() without arguments,
// Date.now()) are never cached; db.serverDate() is resolved when a
// statement runs, so it caches fine. add() statements are not cached (their
// data is unique and large).
const maxCachedStatement = 16 << 10

type stmtCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type stmtItem struct {
	text string
	q    *dbquery.Query
}

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *stmtCache) get(text string) *dbquery.Query {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*stmtItem).q
	}
	return nil
}

func (c *stmtCache) put(text string, q *dbquery.Query) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		c.ll.MoveToFront(el)
		return
	}
	c.items[text] = c.ll.PushFront(&stmtItem{text, q})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*stmtItem).text)
	}
}

func (c *stmtCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	c.items = map[string]*list.Element{}
}

// parse turns a statement into a Query (shared: do not modify). Errors are
// *dbError (-501007 invalid parameters).
func (m *Module) parse(text string) (*dbquery.Query, error) {
	if len(text) > m.opts.MaxStatementLength {
		return nil, errInvalid("statement is too long (%d bytes, limit %d)", len(text), m.opts.MaxStatementLength)
	}
	if q, ok := fastParse(text); ok {
		return q, nil
	}
	if q := m.stmts.get(text); q != nil {
		return q, nil
	}
	usedClock := false
	now := m.now()
	p := dbquery.Parser{
		MaxLength: m.opts.MaxStatementLength,
		MaxNodes:  max(dbquery.DefaultMaxNodes, m.opts.MaxStatementLength/4),
		// A large add() batch builds a value per date: calls grow with size.
		MaxCalls: max(dbquery.DefaultMaxCalls, m.opts.MaxStatementLength/16),
		Now: func() time.Time {
			usedClock = true
			return now
		},
	}
	q, err := p.Parse(text)
	if err != nil {
		return nil, errInvalid("%v", err)
	}
	if !usedClock && q.Action != dbquery.ActionInsert && len(text) <= maxCachedStatement {
		m.stmts.put(text, q)
	}
	return q, nil
}
