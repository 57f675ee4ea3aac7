package dbquery

import (
	"fmt"
	"sort"
)

// emptyArrayKey is the sort key of an empty array: below null (MongoDB sorts
// [] before null and missing fields).
type emptyArrayKey struct{}

func compareSortKeys(a, b Value) int {
	_, ae := a.(emptyArrayKey)
	_, be := b.(emptyArrayKey)
	switch {
	case ae && be:
		return 0
	case ae:
		return -1
	case be:
		return 1
	}
	return Compare(a, b)
}

// SortKeyValue returns the value MongoDB sorts doc by for one key: with
// arrays (the field itself or reached through arrays of documents) the
// smallest element for ascending order and the largest for descending;
// missing fields sort as null and empty arrays before null.
func SortKeyValue(doc *Document, path string, desc bool) Value {
	return sortKeyValue(doc, newPath(path), desc)
}

func sortKeyValue(doc Value, p fieldPath, desc bool) Value {
	c := &collector{}
	walkAny(doc, p.parts, p.idx, c)
	var best Value
	have := false
	consider := func(v Value) {
		if !have {
			best, have = v, true
			return
		}
		r := compareSortKeys(v, best)
		if (desc && r > 0) || (!desc && r < 0) {
			best = v
		}
	}
	if c.missing {
		consider(nil)
	}
	for _, v := range c.vals {
		if arr, ok := v.([]any); ok {
			if len(arr) == 0 {
				consider(emptyArrayKey{})
			}
			for _, e := range arr {
				consider(e)
			}
			continue
		}
		consider(v)
	}
	if !have {
		return nil
	}
	return best
}

// SortDocuments sorts docs in place by the keys with MongoDB semantics
// (SortKeyValue, Compare). The sort is stable: ties keep their input order.
func SortDocuments(docs []*Document, keys []SortKey) {
	if len(keys) == 0 || len(docs) < 2 {
		return
	}
	sortValues(len(docs), keys, func(i int) Value { return docs[i] }, func(perm []int) {
		out := make([]*Document, len(docs))
		for i, j := range perm {
			out[i] = docs[j]
		}
		copy(docs, out)
	})
}

// sortValues sorts n items (documents or other values, reached through at)
// and calls apply with the sorted permutation.
func sortValues(n int, keys []SortKey, at func(i int) Value, apply func(perm []int)) {
	paths := make([]fieldPath, len(keys))
	for i, k := range keys {
		paths[i] = newPath(k.Field)
	}
	sk := make([][]Value, n)
	for i := 0; i < n; i++ {
		row := make([]Value, len(keys))
		for j, k := range keys {
			row[j] = sortKeyValue(at(i), paths[j], k.Desc)
		}
		sk[i] = row
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool {
		ra, rb := sk[perm[a]], sk[perm[b]]
		for j, k := range keys {
			c := compareSortKeys(ra[j], rb[j])
			if c == 0 {
				continue
			}
			if k.Desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	apply(perm)
}

// sortKeysFromDoc converts {field: 1|-1} into SortKeys.
func sortKeysFromDoc(d *Document) ([]SortKey, error) {
	keys := make([]SortKey, 0, d.Len())
	for _, f := range d.Fields() {
		n, ok := toInt64(f.Value)
		if !ok || (n != 1 && n != -1) {
			return nil, fmt.Errorf("sort direction of %q must be 1 or -1", f.Key)
		}
		keys = append(keys, SortKey{Field: f.Key, Desc: n == -1})
	}
	return keys, nil
}
