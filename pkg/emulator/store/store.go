// Package store is the emulator's persistence: one bbolt file in the data
// directory, with JSON values in named buckets. Every write is a committed,
// fsynced transaction, so state survives restarts and Ctrl-C at any moment.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file inside the data directory.
const FileName = "emulator.db"

// DB wraps the bbolt database.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens (creating if needed) the store in dir.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("data dir %s is in use by another emulator (could not lock %s)", dir, FileName)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{bolt: b, path: path}, nil
}

// Close closes the file.
func (d *DB) Close() error { return d.bolt.Close() }

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Bolt exposes the raw database for subsystems that need their own layout.
func (d *DB) Bolt() *bolt.DB { return d.bolt }

// Tx is a transaction with JSON helpers over bucket paths.
type Tx struct{ tx *bolt.Tx }

// Raw returns the underlying bbolt transaction.
func (t *Tx) Raw() *bolt.Tx { return t.tx }

// View runs a read-only transaction.
func (d *DB) View(fn func(*Tx) error) error {
	return d.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx}) })
}

// Update runs a read-write transaction, committed when fn returns nil.
func (d *DB) Update(fn func(*Tx) error) error {
	return d.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx}) })
}

// bucket finds the bucket at path, creating it when create is set (only in
// writable transactions). It returns nil when absent.
func (t *Tx) bucket(path []string, create bool) (*bolt.Bucket, error) {
	if len(path) == 0 {
		return nil, errors.New("store: empty bucket path")
	}
	var b *bolt.Bucket
	for i, name := range path {
		var next *bolt.Bucket
		if i == 0 {
			next = t.tx.Bucket([]byte(name))
		} else {
			next = b.Bucket([]byte(name))
		}
		if next == nil {
			if !create {
				return nil, nil
			}
			var err error
			if i == 0 {
				next, err = t.tx.CreateBucket([]byte(name))
			} else {
				next, err = b.CreateBucket([]byte(name))
			}
			if err != nil {
				return nil, err
			}
		}
		b = next
	}
	return b, nil
}

// Bucket returns the bucket at path (creating it in writable transactions).
func (t *Tx) Bucket(path ...string) (*bolt.Bucket, error) {
	return t.bucket(path, t.tx.Writable())
}

// Get decodes the value at key into v; it reports false when absent.
func (t *Tx) Get(path []string, key string, v any) (bool, error) {
	b, err := t.bucket(path, false)
	if err != nil || b == nil {
		return false, err
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// Put stores v as JSON at key.
func (t *Tx) Put(path []string, key string, v any) error {
	b, err := t.bucket(path, true)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// Delete removes key; absent keys are fine.
func (t *Tx) Delete(path []string, key string) error {
	b, err := t.bucket(path, false)
	if err != nil || b == nil {
		return err
	}
	return b.Delete([]byte(key))
}

// DeleteBucket removes the bucket at path and everything in it.
func (t *Tx) DeleteBucket(path ...string) error {
	if len(path) == 1 {
		err := t.tx.DeleteBucket([]byte(path[0]))
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	}
	parent, err := t.bucket(path[:len(path)-1], false)
	if err != nil || parent == nil {
		return err
	}
	err = parent.DeleteBucket([]byte(path[len(path)-1]))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// ForEach calls fn for each key/value (values only, nested buckets skipped)
// in key order.
func (t *Tx) ForEach(path []string, fn func(key string, raw []byte) error) error {
	b, err := t.bucket(path, false)
	if err != nil || b == nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		return fn(string(k), v)
	})
}

// Count returns the number of values in a bucket.
func (t *Tx) Count(path ...string) (int, error) {
	n := 0
	err := t.ForEach(path, func(string, []byte) error { n++; return nil })
	return n, err
}

// Reset deletes every top-level bucket.
func (d *DB) Reset() error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		var names [][]byte
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		}); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		return nil
	})
}
