package functions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/tcb-go/tcb/pkg/emulator/store"
)

// Bucket names in the host's store.
const (
	bucketFunctions = "scf_functions" // <namespace>/<name> -> record
	bucketCode      = "scf_code"      // <sha> -> zip bytes (raw)
	bucketLogs      = "scf_logs"      // <namespace>/<function id>/<time-request id> -> logRecord
	bucketLogMeta   = "scf_logmeta"   // <namespace>/<function id> -> logMeta
	bucketMeta      = "scf_meta"      // url_secret
)

func functionsPath(ns string) []string { return []string{bucketFunctions, ns} }

// getRecordTx reads a stored record (visible or not).
func getRecordTx(tx *store.Tx, ns, name string) (*record, error) {
	var rec record
	ok, err := tx.Get(functionsPath(ns), name, &rec)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

func putRecordTx(tx *store.Tx, rec *record) error {
	return tx.Put(functionsPath(rec.Namespace), rec.Name, rec)
}

// namespaceRecordsTx returns the stored records of a namespace, by name.
func namespaceRecordsTx(tx *store.Tx, ns string) ([]*record, error) {
	var out []*record
	err := tx.ForEach(functionsPath(ns), func(_ string, raw []byte) error {
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		out = append(out, &rec)
		return nil
	})
	return out, err
}

// allRecordsTx calls fn for every stored record of every namespace.
func allRecordsTx(tx *store.Tx, fn func(*record) error) error {
	root := tx.Raw().Bucket([]byte(bucketFunctions))
	if root == nil {
		return nil
	}
	var namespaces []string
	if err := root.ForEach(func(k, v []byte) error {
		if v == nil {
			namespaces = append(namespaces, string(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, ns := range namespaces {
		recs, err := namespaceRecordsTx(tx, ns)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// putZipTx stores a code zip under its SHA-256 once.
func putZipTx(tx *store.Tx, sha string, zip []byte) error {
	return putZipInTx(tx, bucketCode, sha, zip)
}

// putZipInTx stores a zip in bucket under its SHA-256 once.
func putZipInTx(tx *store.Tx, bucket, sha string, zip []byte) error {
	b, err := tx.Bucket(bucket)
	if err != nil {
		return err
	}
	if b.Get([]byte(sha)) != nil {
		return nil
	}
	return b.Put([]byte(sha), zip)
}

var errZipMissing = errors.New("code zip missing from the store")

// loadZip returns a copy of a stored code zip.
func (m *Module) loadZip(sha string) ([]byte, error) {
	return m.loadZipFrom(bucketCode, "code", sha)
}

// loadZipFrom returns a copy of the zip sha stored in bucket (errZipMissing
// when it is not there); what names the kind of zip in errors.
func (m *Module) loadZipFrom(bucket, what, sha string) ([]byte, error) {
	var out []byte
	err := m.h.DB.View(func(tx *store.Tx) error {
		b := tx.Raw().Bucket([]byte(bucket))
		if b == nil {
			return errZipMissing
		}
		v := b.Get([]byte(sha))
		if v == nil {
			return errZipMissing
		}
		out = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, short(sha), err)
	}
	return out, nil
}

// gcCode removes the zips among shas that no record references any more,
// with their extracted directories.
func (m *Module) gcCode(shas ...string) {
	cand := map[string]bool{}
	for _, s := range shas {
		if s != "" {
			cand[s] = true
		}
	}
	if len(cand) == 0 {
		return
	}
	var gone []string
	err := m.h.DB.Update(func(tx *store.Tx) error {
		if err := allRecordsTx(tx, func(r *record) error {
			for _, sha := range codeShas(r) {
				delete(cand, sha)
			}
			return nil
		}); err != nil {
			return err
		}
		b := tx.Raw().Bucket([]byte(bucketCode))
		for sha := range cand {
			if b != nil {
				if err := b.Delete([]byte(sha)); err != nil {
					return err
				}
			}
			gone = append(gone, sha)
		}
		return nil
	})
	if err != nil {
		m.log.Warn("functions: code cleanup failed", "err", err)
		return
	}
	defer m.gcLayers()
	sort.Strings(gone)
	for _, sha := range gone {
		unlock := m.locks.lock("code:" + sha)
		dirs, _ := filepath.Glob(filepath.Join(m.codeRoot(), sha+"*"))
		for _, d := range dirs {
			os.RemoveAll(d)
		}
		unlock()
	}
}

// keyedLocks serializes work on one key (a code directory, a deps key).
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// codeShas lists the zips a record references.
func codeShas(r *record) []string {
	out := []string{r.Spec.CodeSha}
	if r.Live != nil {
		out = append(out, r.Live.CodeSha)
	}
	for i := range r.Versions {
		out = append(out, r.Versions[i].Spec.CodeSha)
	}
	return out
}
