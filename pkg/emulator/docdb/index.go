package docdb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

const (
	idIndexName     = "_id_"
	maxIndexes      = 64
	maxIndexKeys    = 32
	maxKeysPerDoc   = 100_000
	estimatedPerKey = 48 // bytes per index entry reported as index size
)

// indexKey is one key of an index spec.
type indexKey struct {
	Name      string `json:"name"`
	Direction string `json:"direction"` // "1", "-1" or "2dsphere"
}

// indexSpec is an index as stored in the collection meta.
type indexSpec struct {
	Name    string     `json:"name"`
	Unique  bool       `json:"unique"`
	Keys    []indexKey `json:"keys"`
	Created time.Time  `json:"created"`
}

func (s *indexSpec) sameKeys(o *indexSpec) bool {
	return slices.Equal(s.Keys, o.Keys)
}

// validateSpec checks a requested index.
func validateSpec(s *indexSpec) error {
	if s.Name == "" {
		return errInvalid("index name must not be empty")
	}
	if len(s.Name) > 128 {
		return errInvalid("index name %q is longer than 128 bytes", s.Name)
	}
	if s.Name == idIndexName {
		return errInvalid("index name %s is reserved for the _id index", idIndexName)
	}
	if len(s.Keys) == 0 {
		return errInvalid("index %s has no keys", s.Name)
	}
	if len(s.Keys) > maxIndexKeys {
		return errInvalid("index %s has %d keys (at most %d)", s.Name, len(s.Keys), maxIndexKeys)
	}
	seen := map[string]bool{}
	for i, k := range s.Keys {
		if err := validateFieldPath(k.Name); err != nil {
			return errInvalid("index %s: %v", s.Name, err)
		}
		if seen[k.Name] {
			return errInvalid("index %s names field %s twice", s.Name, k.Name)
		}
		seen[k.Name] = true
		switch strings.ToLower(k.Direction) {
		case "1", "-1":
		case geoDirection:
			s.Keys[i].Direction = geoDirection
			if len(s.Keys) > 1 {
				return errUnsupported("index %s: compound indexes with a 2dsphere key are not supported by the emulator (index the location field alone)", s.Name)
			}
			if s.Unique {
				return errUnsupported("index %s: unique 2dsphere indexes are not supported by the emulator", s.Name)
			}
		default:
			return errInvalid("index %s: direction of %s must be \"1\", \"-1\" or \"2dsphere\", got %q", s.Name, k.Name, k.Direction)
		}
	}
	return nil
}

func validateFieldPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty field name")
	}
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return fmt.Errorf("field name %q has an empty path component", p)
		}
		if strings.HasPrefix(part, "$") {
			return fmt.Errorf("field name %q must not start with $", p)
		}
	}
	return nil
}

// entry is one index entry: a key tuple and the record it points at.
type entry struct {
	key []dbquery.Value
	rec *record
}

func cmpTuple(a, b []dbquery.Value) int {
	for i := range a {
		if c := dbquery.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func cmpEntry(a, b entry) int {
	if c := cmpTuple(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.rec.seq, b.rec.seq)
}

// index is an in-memory ordered index over a collection.
type index struct {
	spec  indexSpec
	paths []string
	list  *olist[entry]
	// multikey counts records whose leading path gives more than one key
	// or an array: range bounds may then be met by different keys.
	multikey int
	ops      atomic.Int64 // uses (readers update it concurrently)
	since    time.Time
	// geo: a 2dsphere index (see geo.go).
	geo bool
}

func newIndex(spec indexSpec, since time.Time) *index {
	ix := &index{spec: spec, list: newOList(cmpEntry), since: since, geo: isGeoSpec(&spec)}
	for _, k := range spec.Keys {
		ix.paths = append(ix.paths, k.Name)
	}
	return ix
}

// keys returns the key tuples of doc and whether the leading path is
// multikey. A missing path indexes as null (as MongoDB does, so unique
// indexes allow one document without the field). At most one path may
// give several keys (MongoDB: "cannot index parallel arrays").
func (ix *index) keys(doc *dbquery.Document) ([][]dbquery.Value, bool, error) {
	if ix.geo {
		return ix.geoKeys(doc)
	}
	if len(ix.paths) == 1 {
		ks, multi := pathKeys(doc, ix.paths[0])
		out := make([][]dbquery.Value, len(ks))
		for i, k := range ks {
			out[i] = []dbquery.Value{k}
		}
		return out, multi, nil
	}
	per := make([][]dbquery.Value, len(ix.paths))
	multiPath := -1
	leadingMulti := false
	for i, p := range ix.paths {
		ks, multi := pathKeys(doc, p)
		per[i] = ks
		if i == 0 {
			leadingMulti = multi
		}
		if len(ks) > 1 {
			if multiPath >= 0 {
				return nil, false, errFailed("", "cannot index parallel arrays [%s] [%s] (index %s)", ix.paths[multiPath], p, ix.spec.Name)
			}
			multiPath = i
		}
	}
	n := 1
	if multiPath >= 0 {
		n = len(per[multiPath])
	}
	out := make([][]dbquery.Value, n)
	for j := range out {
		t := make([]dbquery.Value, len(per))
		for i, ks := range per {
			if i == multiPath {
				t[i] = ks[j]
			} else {
				t[i] = ks[0]
			}
		}
		out[j] = t
	}
	return out, leadingMulti, nil
}

// pathKeys returns the distinct index keys of one path (null when missing)
// and whether the path is multikey.
func pathKeys(doc *dbquery.Document, path string) ([]dbquery.Value, bool) {
	ks := dbquery.IndexKeys(doc, path)
	if len(ks) == 0 {
		return []dbquery.Value{nil}, false
	}
	multi := len(ks) > 1
	if !multi {
		if _, isArr := ks[0].([]any); isArr {
			multi = true
		}
	}
	if len(ks) > 1 {
		slices.SortFunc(ks, dbquery.Compare)
		ks = slices.CompactFunc(ks, func(a, b dbquery.Value) bool { return dbquery.Compare(a, b) == 0 })
	}
	if len(ks) > maxKeysPerDoc {
		ks = ks[:maxKeysPerDoc]
	}
	return ks, multi
}

// add inserts the entries of rec (keys precomputed).
func (ix *index) add(rec *record, keys [][]dbquery.Value, multi bool) {
	for _, k := range keys {
		ix.list.insert(entry{key: k, rec: rec})
	}
	if multi {
		ix.multikey++
	}
}

// drop removes the entries of rec (keys as computed for its document).
func (ix *index) drop(rec *record, keys [][]dbquery.Value, multi bool) {
	for _, k := range keys {
		ix.list.remove(entry{key: k, rec: rec})
	}
	if multi {
		ix.multikey--
	}
}

// equalRange returns the positions [lo, hi) of the entries whose key tuple
// equals t.
func (ix *index) equalRange(t []dbquery.Value) (pos, pos) {
	lo := ix.list.search(func(e entry) bool { return cmpTuple(e.key, t) >= 0 })
	hi := ix.list.search(func(e entry) bool { return cmpTuple(e.key, t) > 0 })
	return lo, hi
}

// keyRange is a range [lo, hi) of index positions.
type keyRange struct{ lo, hi pos }

// ranges returns the ranges of entries whose leading key can satisfy c,
// or ok=false when c gives no bound.
func (ix *index) ranges(c dbquery.Constraint) ([]keyRange, bool) {
	if ix.geo {
		return ix.geoRanges(c)
	}
	l := ix.list
	lead := func(e entry) dbquery.Value { return e.key[0] }
	if c.HasEq {
		var out []keyRange
		for _, v := range c.Eq {
			lo := l.search(func(e entry) bool { return dbquery.Compare(lead(e), v) >= 0 })
			hi := l.search(func(e entry) bool { return dbquery.Compare(lead(e), v) > 0 })
			if before(lo, hi) {
				out = append(out, keyRange{lo, hi})
			}
		}
		return mergeRanges(out), true
	}
	if !c.HasLower && !c.HasUpper {
		return nil, false
	}
	var lower, upper *keyRange
	if c.HasLower {
		v, incl := c.Lower, c.LowerInclusive
		cls := dbquery.TypeClass(v)
		lo := l.search(func(e entry) bool {
			d := dbquery.Compare(lead(e), v)
			return d > 0 || (incl && d == 0)
		})
		hi := l.search(func(e entry) bool { return dbquery.TypeClass(lead(e)) > cls })
		lower = &keyRange{lo, hi}
	}
	if c.HasUpper {
		v, incl := c.Upper, c.UpperInclusive
		cls := dbquery.TypeClass(v)
		lo := l.search(func(e entry) bool { return dbquery.TypeClass(lead(e)) >= cls })
		hi := l.search(func(e entry) bool {
			d := dbquery.Compare(lead(e), v)
			return d > 0 || (!incl && d == 0)
		})
		upper = &keyRange{lo, hi}
	}
	var r keyRange
	switch {
	case lower != nil && upper != nil && ix.multikey == 0:
		r = keyRange{lower.lo, upper.hi}
	case lower != nil && upper != nil:
		r = *lower
		if l.rank(upper.hi)-l.rank(upper.lo) < l.rank(lower.hi)-l.rank(lower.lo) {
			r = *upper
		}
	case lower != nil:
		r = *lower
	default:
		r = *upper
	}
	if !before(r.lo, r.hi) {
		return nil, true
	}
	return []keyRange{r}, true
}

// mergeRanges sorts ranges and merges overlapping ones (duplicate $in
// values).
func mergeRanges(rs []keyRange) []keyRange {
	if len(rs) < 2 {
		return rs
	}
	slices.SortFunc(rs, func(a, b keyRange) int {
		if before(a.lo, b.lo) {
			return -1
		}
		if before(b.lo, a.lo) {
			return 1
		}
		return 0
	})
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if !before(last.hi, r.lo) {
			if before(last.hi, r.hi) {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func (ix *index) count(rs []keyRange) int {
	n := 0
	for _, r := range rs {
		n += ix.list.rank(r.hi) - ix.list.rank(r.lo)
	}
	return n
}

// dupKeyMessage renders MongoDB's E11000 message.
func dupKeyMessage(db, coll string, ix *index, key []dbquery.Value) string {
	var b strings.Builder
	for i, p := range ix.paths {
		if i > 0 {
			b.WriteString(", ")
		}
		enc, err := dbquery.EncodeValue(key[i])
		if err != nil {
			enc = []byte("?")
		}
		b.WriteString(p + ": " + string(enc))
	}
	return fmt.Sprintf("E11000 duplicate key error collection: %s.%s index: %s dup key: { %s }", db, coll, ix.spec.Name, b.String())
}
