package docdb

import (
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The catalog: creating, dropping and listing collections, and describing
// and changing their indexes (the in-memory collection itself is in
// collection.go).

// validateCollectionName applies MongoDB's rules (what the statement parser
// accepts too): non-empty, at most 255 bytes, no '$' or NUL, not system.*.
func validateCollectionName(name string) error {
	switch {
	case name == "":
		return errInvalid("collection name must not be empty")
	case len(name) > 255:
		return errInvalid("collection name is longer than 255 bytes")
	case strings.ContainsAny(name, "$\x00"):
		return errInvalid("collection name %q must not contain '$' or NUL", name)
	case strings.HasPrefix(name, "system."):
		return errInvalid("collection name %q is reserved", name)
	}
	return nil
}

// createCollection creates an empty collection (-501001 / ResourceInUse
// when it exists).
func (m *Module) createCollection(env, name string) error {
	if err := validateCollectionName(name); err != nil {
		return err
	}
	defer m.lock(env, true, name)()
	if err := m.createStored(env, name, m.now()); err != nil {
		return asDBError(err)
	}
	m.forget(env, name)
	return nil
}

// dropCollection deletes a collection (-502005 / ResourceNotFound when
// missing).
func (m *Module) dropCollection(env, name string) error {
	defer m.lock(env, true, name)()
	if err := m.dropStored(env, name); err != nil {
		return asDBError(err)
	}
	m.forget(env, name)
	return nil
}

// collInfo describes a collection for listings.
type collInfo struct {
	Name       string
	Count      int64
	Size       int64
	IndexCount int64
	IndexSize  int64
}

// listCollections returns the collections of env in name order, a page of
// them and the total. Loaded collections report live numbers; others are
// counted in the store without decoding.
func (m *Module) listCollections(env string, offset, limit int64) ([]collInfo, int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	names, err := m.storedNames(env)
	if err != nil {
		return nil, 0, errSystem(err)
	}
	total := int64(len(names))
	page := window(names, offset, limit)
	out := make([]collInfo, 0, len(page))
	cached := m.loaded(env)
	err = m.bolt().View(func(tx *bolt.Tx) error {
		for _, name := range page {
			if c := cached[name]; c != nil {
				st := c.published()
				out = append(out, collInfo{Name: name, Count: st.count, Size: st.size,
					IndexCount: st.indexes, IndexSize: st.entries * estimatedPerKey})
				continue
			}
			n, size, meta := storedStats(tx, env, name)
			nix := int64(len(meta.Indexes) + 1)
			out = append(out, collInfo{Name: name, Count: n, Size: size, IndexCount: nix, IndexSize: n * nix * estimatedPerKey})
		}
		return nil
	})
	if err != nil {
		return nil, 0, errSystem(err)
	}
	return out, total, nil
}

// indexInfo describes one index (DescribeTable).
type indexInfo struct {
	spec    indexSpec
	entries int
	ops     int64
	since   string
}

func (m *Module) describeIndexes(env, name string) ([]indexInfo, error) {
	defer m.lock(env, false, name)()
	c, err := m.mustCollection(env, name)
	if err != nil {
		return nil, err
	}
	out := make([]indexInfo, 0, len(c.indexes))
	for _, ix := range c.indexes {
		out = append(out, indexInfo{spec: ix.spec, entries: ix.list.len(), ops: ix.ops.Load(),
			since: ix.since.UTC().Format("2006-01-02T15:04:05.000Z")})
	}
	return out, nil
}

// updateIndexes drops then creates indexes, all or nothing: every request
// is validated and every new index built (unique ones checked) before the
// meta is written and the collection's index set swapped.
func (m *Module) updateIndexes(env, name string, create []indexSpec, drop []string) error {
	for i := range create {
		if err := validateSpec(&create[i]); err != nil {
			return err
		}
	}
	defer m.lock(env, true, name)()
	c, err := m.mustCollection(env, name)
	if err != nil {
		return err
	}
	next := append([]*index{}, c.indexes...)
	for _, d := range drop {
		if d == idIndexName || d == "_id" {
			return errInvalid("cannot drop the _id index")
		}
		i := -1
		for j, ix := range next {
			if ix.spec.Name == d {
				i = j
			}
		}
		if i < 0 {
			return errIndexMissing(d)
		}
		next = append(next[:i:i], next[i+1:]...)
	}
	now := m.now()
	for _, s := range create {
		dupName := false
		for _, ix := range next {
			switch {
			case ix.spec.Name == s.Name && ix.spec.sameKeys(&s) && ix.spec.Unique == s.Unique:
				dupName = true // identical: nothing to do (as MongoDB)
			case ix.spec.Name == s.Name:
				return errInvalid("index %s already exists with different keys or options", s.Name)
			case ix.spec.sameKeys(&s):
				return errInvalid("index with the same keys already exists with a different name: %s", ix.spec.Name)
			}
		}
		if dupName {
			continue
		}
		if len(next) >= maxIndexes {
			return errInvalid("a collection has at most %d indexes", maxIndexes)
		}
		s.Created = now
		ix := newIndex(s, now)
		if err := c.buildIndex(ix); err != nil {
			return err
		}
		next = append(next, ix)
	}
	specs := make([]indexSpec, 0, len(next)-1)
	for _, ix := range next[1:] {
		specs = append(specs, ix.spec)
	}
	if err := m.saveMeta(c, specs); err != nil {
		return asDBError(err)
	}
	c.indexes = next
	c.publish()
	return nil
}
