package dbquery

import "strings"

// fieldPath is a pre-split dotted path; idx[i] is the array index a numeric
// component denotes, or -1.
type fieldPath struct {
	raw   string
	parts []string
	idx   []int
}

func newPath(p string) fieldPath {
	parts := strings.Split(p, ".")
	idx := make([]int, len(parts))
	for i, s := range parts {
		if n, ok := arrayIndex(s); ok {
			idx[i] = n
		} else {
			idx[i] = -1
		}
	}
	return fieldPath{raw: p, parts: parts, idx: idx}
}

// leafTest is called for every value a path reaches (missing=true when the
// path does not exist along some branch). The walk stops at the first true.
type leafTest interface {
	test(v Value, missing bool) bool
}

// walkAny implements MongoDB's path semantics for queries: embedded
// documents are followed by name; at an array, a numeric component indexes
// it, and otherwise (and additionally, for documents in the array) the walk
// continues into every document element. Leaf arrays are handed to the test
// whole; tests that need "array contains" semantics expand them.
func walkAny(v Value, parts []string, idx []int, t leafTest) bool {
	for len(parts) > 0 {
		switch x := v.(type) {
		case *Document:
			c, ok := x.Get(parts[0])
			if !ok {
				return t.test(nil, true)
			}
			v, parts, idx = c, parts[1:], idx[1:]
		case []any:
			return walkArray(x, parts, idx, t)
		default:
			return t.test(nil, true)
		}
	}
	return t.test(v, false)
}

func walkArray(arr []any, parts []string, idx []int, t leafTest) bool {
	i := idx[0]
	if i >= 0 && i < len(arr) {
		if walkAny(arr[i], parts[1:], idx[1:], t) {
			return true
		}
	}
	anyDoc := false
	for _, e := range arr {
		if d, ok := e.(*Document); ok {
			anyDoc = true
			if walkAny(d, parts, idx, t) {
				return true
			}
		}
	}
	if !anyDoc && (i < 0 || i >= len(arr)) {
		return t.test(nil, true)
	}
	return false
}

// collector gathers every reached value (used for sort keys and indexes).
type collector struct {
	vals    []Value
	missing bool
}

func (c *collector) test(v Value, missing bool) bool {
	if missing {
		c.missing = true
	} else {
		c.vals = append(c.vals, v)
	}
	return false
}

// IndexKeys returns the keys under which a multikey index on path must list
// doc: every value the path reaches (walking through arrays of documents as
// queries do) and, for each reached array, also each of its elements. A
// document where the path is missing everywhere yields no keys (it matches
// only null/missing conditions, which Constraints never reports).
func IndexKeys(doc *Document, path string) []Value {
	p := newPath(path)
	c := &collector{}
	walkAny(doc, p.parts, p.idx, c)
	var out []Value
	for _, v := range c.vals {
		out = append(out, v)
		if arr, ok := v.([]any); ok {
			out = append(out, arr...)
		}
	}
	return out
}
