package cos

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Concurrent writes share commits, and one failing write fails alone.
func TestGroupCommit(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := &groupCommit{db: db}
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.update(func(tx *bolt.Tx) error {
				if i%50 == 7 {
					return boom
				}
				b, err := tx.CreateBucketIfNotExists([]byte("b"))
				if err != nil {
					return err
				}
				return b.Put([]byte(fmt.Sprint(i)), []byte("v"))
			})
		}()
	}
	wg.Wait()
	n := 0
	db.View(func(tx *bolt.Tx) error { n = tx.Bucket([]byte("b")).Stats().KeyN; return nil })
	for i, err := range errs {
		if (i%50 == 7) != errors.Is(err, boom) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if n != 196 {
		t.Errorf("%d keys stored, want 196", n)
	}
	if err := g.update(func(tx *bolt.Tx) error { panic("bad") }); err == nil {
		t.Error("a panicking write succeeded")
	}
}
