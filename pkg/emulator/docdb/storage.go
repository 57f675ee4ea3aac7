package docdb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Store layout (bbolt, under the host's store):
//
//	docdb/                         top bucket
//	  \x00next_job                 last migration job id (decimal)
//	  <env>/                       one bucket per environment
//	    collections/<name>/        one bucket per collection
//	      meta                     JSON collMeta (creation time, indexes)
//	      docs/<seq>               8-byte big-endian sequence -> relaxed EJSON
//	    jobs/<id>                  JSON job (migration import/export)
var (
	bucketTop         = []byte("docdb")
	bucketCollections = []byte("collections")
	bucketDocs        = []byte("docs")
	bucketJobs        = []byte("jobs")
	keyMeta           = []byte("meta")
	keyNextJob        = []byte("\x00next_job")
)

// collMeta is the stored description of a collection.
type collMeta struct {
	Created time.Time   `json:"created"`
	Indexes []indexSpec `json:"indexes,omitempty"` // without _id_
}

func seqKey(seq uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return b[:]
}

// envBucket returns docdb/<env>, creating it in writable transactions
// when create is set; nil when absent.
func envBucket(tx *bolt.Tx, env string, create bool) (*bolt.Bucket, error) {
	top := tx.Bucket(bucketTop)
	if top == nil {
		if !create {
			return nil, nil
		}
		var err error
		if top, err = tx.CreateBucketIfNotExists(bucketTop); err != nil {
			return nil, err
		}
	}
	b := top.Bucket([]byte(env))
	if b == nil && create {
		return top.CreateBucket([]byte(env))
	}
	return b, nil
}

// collBucket returns docdb/<env>/collections/<name>, or nil.
func collBucket(tx *bolt.Tx, env, name string) *bolt.Bucket {
	eb, _ := envBucket(tx, env, false)
	if eb == nil {
		return nil
	}
	cs := eb.Bucket(bucketCollections)
	if cs == nil {
		return nil
	}
	return cs.Bucket([]byte(name))
}

// collectionExists reports whether the collection is stored.
func (m *Module) collectionExists(env, name string) (bool, error) {
	var ok bool
	err := m.bolt().View(func(tx *bolt.Tx) error {
		ok = collBucket(tx, env, name) != nil
		return nil
	})
	return ok, err
}

// storedNames lists the stored collections of env, sorted.
func (m *Module) storedNames(env string) ([]string, error) {
	var names []string
	err := m.bolt().View(func(tx *bolt.Tx) error {
		eb, _ := envBucket(tx, env, false)
		if eb == nil {
			return nil
		}
		cs := eb.Bucket(bucketCollections)
		if cs == nil {
			return nil
		}
		return cs.ForEachBucket(func(k []byte) error {
			names = append(names, string(k))
			return nil
		})
	})
	sort.Strings(names)
	return names, err
}

// loadCollection reads a collection and builds its indexes; nil when it
// does not exist.
func (m *Module) loadCollection(env, name string) (*collection, error) {
	var c *collection
	err := m.bolt().View(func(tx *bolt.Tx) error {
		b := collBucket(tx, env, name)
		if b == nil {
			return nil
		}
		var meta collMeta
		if raw := b.Get(keyMeta); raw != nil {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return fmt.Errorf("collection %s/%s: bad meta: %w", env, name, err)
			}
		}
		c = newCollection(env, name, meta.Created, meta.Indexes)
		docs := b.Bucket(bucketDocs)
		if docs == nil {
			return nil
		}
		// Values stay valid while the transaction is open: decode them in
		// parallel (decoding dominates loading).
		var seqs []uint64
		var raws [][]byte
		docs.ForEach(func(k, v []byte) error {
			if len(k) == 8 {
				seqs = append(seqs, binary.BigEndian.Uint64(k))
				raws = append(raws, v)
			}
			return nil
		})
		decoded, err := decodeAll(raws)
		if err != nil {
			return fmt.Errorf("collection %s/%s: %w", env, name, err)
		}
		c.natural = make([]*record, len(seqs))
		for i, d := range decoded {
			id, _ := d.Get("_id")
			c.natural[i] = &record{seq: seqs[i], id: id, doc: d, size: len(raws[i])}
			c.size += int64(len(raws[i]))
		}
		if len(seqs) > 0 {
			c.nextSeq = seqs[len(seqs)-1] + 1
		}
		return nil
	})
	if err != nil || c == nil {
		return nil, err
	}
	for _, ix := range c.indexes {
		if err := c.buildIndex(ix); err != nil {
			return nil, fmt.Errorf("collection %s/%s: index %s: %w", env, name, ix.spec.Name, err)
		}
	}
	c.publish()
	return c, nil
}

// decodeAll decodes stored documents on every CPU.
func decodeAll(raws [][]byte) ([]*dbquery.Document, error) {
	out := make([]*dbquery.Document, len(raws))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(raws)/1000))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(raws); i += workers {
				d, err := dbquery.DecodeDocument(raws[i])
				if err != nil {
					errs[w] = fmt.Errorf("document %d: %w", i, err)
					return
				}
				out[i] = d
			}
		}(w)
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// createStored writes an empty collection.
func (m *Module) createStored(env, name string, created time.Time) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		eb, err := envBucket(tx, env, true)
		if err != nil {
			return err
		}
		cs, err := eb.CreateBucketIfNotExists(bucketCollections)
		if err != nil {
			return err
		}
		b, err := cs.CreateBucket([]byte(name))
		if errors.Is(err, berrors.ErrBucketExists) {
			return errCollectionExists(name)
		}
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketDocs); err != nil {
			return err
		}
		raw, _ := json.Marshal(collMeta{Created: created})
		return b.Put(keyMeta, raw)
	})
}

// dropStored deletes a collection.
func (m *Module) dropStored(env, name string) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		eb, _ := envBucket(tx, env, false)
		if eb == nil {
			return errCollectionMissing(name)
		}
		cs := eb.Bucket(bucketCollections)
		if cs == nil || cs.Bucket([]byte(name)) == nil {
			return errCollectionMissing(name)
		}
		return cs.DeleteBucket([]byte(name))
	})
}

// saveMeta rewrites a collection's meta (index changes).
func (m *Module) saveMeta(c *collection, specs []indexSpec) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		b := collBucket(tx, c.env, c.name)
		if b == nil {
			return errCollectionMissing(c.name)
		}
		raw, err := json.Marshal(collMeta{Created: c.created, Indexes: specs})
		if err != nil {
			return err
		}
		return b.Put(keyMeta, raw)
	})
}

// storedStats counts a collection's documents and bytes without decoding
// them.
func storedStats(tx *bolt.Tx, env, name string) (count, size int64, meta collMeta) {
	b := collBucket(tx, env, name)
	if b == nil {
		return 0, 0, meta
	}
	if raw := b.Get(keyMeta); raw != nil {
		_ = json.Unmarshal(raw, &meta)
	}
	if docs := b.Bucket(bucketDocs); docs != nil {
		docs.ForEach(func(_, v []byte) error {
			count++
			size += int64(len(v))
			return nil
		})
	}
	return count, size, meta
}

// dropEnvStored deletes everything an environment holds.
func (m *Module) dropEnvStored(env string) error {
	return m.bolt().Update(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketTop)
		if top == nil || top.Bucket([]byte(env)) == nil {
			return nil
		}
		return top.DeleteBucket([]byte(env))
	})
}
