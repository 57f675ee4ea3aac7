package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A checksum cache remembers, per local file, the checksum its bytes had
// when tcb last hashed or uploaded it, keyed by what stat says about the
// file (size, modification and change times, inode): as long as stat says
// the same, the file was not rewritten and its checksum need not be read
// again (git's index works the same way). So comparing an unchanged tree
// with the bucket costs one listing and one stat per file. An entry whose
// file changed shortly before it was recorded is not trusted: file times
// have a granularity, so a write right after the hash could leave them the
// same (50 ms, or 2 s on file systems that keep whole seconds). A checksum
// that does not match the bucket's is always recomputed from the file.

// racyWindow is how recent a change must be for an entry to be rehashed
// anyway, given the file's times.
func racyWindow(e sumEntry) time.Duration {
	if e.MTime%int64(time.Second) == 0 && e.CTime%int64(time.Second) == 0 {
		return 2 * time.Second
	}
	return 50 * time.Millisecond
}

// now is the clock entries are recorded with (tests move it).
var now = time.Now

type sumEntry struct {
	Size     int64  `json:"s"`
	MTime    int64  `json:"m"`
	CTime    int64  `json:"c,omitempty"`
	Ino      uint64 `json:"i,omitempty"`
	ETag     string `json:"e"`           // MD5, or md5(parts)-N of a multipart upload
	CRC      uint64 `json:"k,omitempty"` // CRC64, when known
	Recorded int64  `json:"r"`
}

// SumCache is the checksum cache of one local tree.
type SumCache struct {
	path    string // "" keeps it in memory only
	mu      sync.Mutex
	entries map[string]sumEntry
	seen    map[string]bool
	dirty   bool
}

// openSumCache loads the cache of the tree at root from dir ("" for none).
func openSumCache(dir, root string) *SumCache {
	c := &SumCache{entries: map[string]sumEntry{}, seen: map[string]bool{}}
	if dir == "" {
		return c
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return c
	}
	sum := sha256.Sum256([]byte(abs))
	c.path = filepath.Join(dir, hex.EncodeToString(sum[:12])+".json")
	if b, err := os.ReadFile(c.path); err == nil {
		json.Unmarshal(b, &c.entries)
		if c.entries == nil {
			c.entries = map[string]sumEntry{}
		}
	}
	return c
}

func statKey(st os.FileInfo) sumEntry {
	e := sumEntry{Size: st.Size(), MTime: st.ModTime().UnixNano()}
	e.CTime, e.Ino = statExtra(st)
	return e
}

func sameStat(a, b sumEntry) bool {
	return a.Size == b.Size && a.MTime == b.MTime && a.CTime == b.CTime && a.Ino == b.Ino
}

// lookup returns the cached checksum of path if stat still matches.
func (c *SumCache) lookup(path string, st os.FileInfo) (sumEntry, bool) {
	if c == nil {
		return sumEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[path] = true
	e, ok := c.entries[path]
	if !ok || !sameStat(e, statKey(st)) {
		return sumEntry{}, false
	}
	if w := racyWindow(e); time.Duration(e.Recorded-e.MTime) < w || time.Duration(e.Recorded-e.CTime) < w {
		return sumEntry{}, false
	}
	return e, true
}

// record stores the checksum of path as it was when st was taken.
func (c *SumCache) record(path string, st os.FileInfo, etag string, crc uint64) {
	if c == nil || etag == "" {
		return
	}
	e := statKey(st)
	e.ETag, e.CRC, e.Recorded = etag, crc, now().UnixNano()
	c.mu.Lock()
	c.entries[path] = e
	c.seen[path] = true
	c.dirty = true
	c.mu.Unlock()
}

// touch keeps path's entry at the next save.
func (c *SumCache) touch(path string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.seen[path] = true
	c.mu.Unlock()
}

// save writes the cache (atomically), keeping the entries of the files
// this run saw.
func (c *SumCache) save() error {
	if c == nil || c.path == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.entries {
		if !c.seen[p] {
			delete(c.entries, p)
			c.dirty = true
		}
	}
	if !c.dirty {
		return nil
	}
	b, err := json.Marshal(c.entries)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(c.path), ".sums-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), c.path); err != nil {
		os.Remove(f.Name())
		return err
	}
	c.dirty = false
	return nil
}
