package cos

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store layout in the emulator's bbolt file:
//
//	storage/objects/<cos bucket>/<key>       object JSON
//	storage/uploads/<upload id>/meta         upload JSON
//	storage/uploads/<upload id>/parts/<n>    part JSON (n: 4 bytes big-endian)
//	storage/envs/<env id>                    envState JSON (ACL, hosting)
//
// and the bytes in <data dir>/storage/blobs/<id[:2]>/<id>.
var (
	bucketTop     = []byte("storage")
	bucketObjects = []byte("objects")
	bucketUploads = []byte("uploads")
	bucketEnvs    = []byte("envs")
	bucketParts   = []byte("parts")
	keyMeta       = []byte("meta")
)

// crcTable is built on first use, not at init: every tcb command links
// this package, and the table costs more than a small command's run.
var crcTable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64.ECMA) })

// object is a stored object.
type object struct {
	Size     int64  `json:"size"`
	ETag     string `json:"etag"` // without quotes
	CRC      uint64 `json:"crc"`
	Modified int64  `json:"mtime"` // Unix nanoseconds
	Type     string `json:"type,omitempty"`
	// Headers are the kept request headers: Cache-Control,
	// Content-Disposition, Content-Encoding, Content-Language, Expires and
	// x-cos-meta-*, canonical names.
	Headers map[string]string `json:"headers,omitempty"`
	ACL     string            `json:"acl,omitempty"` // "", private, public-read
	// Owner is the WeChat user who created it through the SDKs ("" when
	// an administrator did).
	Owner string    `json:"owner,omitempty"`
	Segs  []segment `json:"segs"`
}

// segment is one blob of an object's bytes, in order.
type segment struct {
	Blob string `json:"b"`
	Size int64  `json:"n"`
}

func (o *object) modTime() time.Time { return time.Unix(0, o.Modified).UTC() }

// upload is an open multipart upload.
type upload struct {
	Bucket    string            `json:"bucket"`
	Key       string            `json:"key"`
	Initiated int64             `json:"initiated"`
	Type      string            `json:"type,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	ACL       string            `json:"acl,omitempty"`
	Owner     string            `json:"owner,omitempty"`
	// Env is the environment whose bucket it is (for env destruction).
	Env string `json:"env"`
}

// part is one uploaded part.
type part struct {
	Blob     string `json:"b"`
	Size     int64  `json:"n"`
	MD5      string `json:"md5"` // hex
	CRC      uint64 `json:"crc"`
	Modified int64  `json:"mtime"`
}

// envState is what the module keeps per environment.
type envState struct {
	ACL string `json:"acl,omitempty"` // storage ACL tag, "" = default
	// HostingDestroyed is set by DestroyStaticStore and cleared by
	// CreateStaticStore.
	HostingDestroyed bool `json:"hosting_destroyed,omitempty"`
}

// blobs holds the object files.
type blobs struct {
	dir string // <data dir>/storage
	// sync makes every blob durable (fsync) before it is referenced.
	sync bool

	mu   sync.Mutex
	made map[string]bool // blob subdirectories known to exist
}

func (b *blobs) path(id string) string { return filepath.Join(b.dir, "blobs", id[:2], id) }
func (b *blobs) tmpDir() string        { return filepath.Join(b.dir, "tmp") }

func newBlobID() string {
	var r [16]byte
	rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

// written is the outcome of writing a blob.
type written struct {
	Blob string
	Size int64
	MD5  []byte
	CRC  uint64
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// errTooLarge means a body went past its limit.
var errTooLarge = errors.New("entity too large")

// write streams r (at most limit bytes; more is errTooLarge) into a new
// blob: a temporary file, hashed on the way, fsynced, then renamed into
// place. Nothing references it yet.
func (b *blobs) write(r io.Reader, limit int64) (*written, error) {
	f, err := os.CreateTemp(b.tmpDir(), "put-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := md5.New()
	c := crc64.New(crcTable())
	bp := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, h, c), io.LimitReader(r, limit+1), *bp)
	copyBufs.Put(bp)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, errTooLarge
	}
	if b.sync {
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	id := newBlobID()
	if err := b.mkdir(id); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, b.path(id)); err != nil {
		return nil, err
	}
	ok = true
	return &written{Blob: id, Size: n, MD5: h.Sum(nil), CRC: c.Sum64()}, nil
}

func (b *blobs) mkdir(id string) error {
	sub := id[:2]
	b.mu.Lock()
	done := b.made[sub]
	b.mu.Unlock()
	if done {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(b.dir, "blobs", sub), 0o700); err != nil {
		return err
	}
	b.mu.Lock()
	if b.made == nil {
		b.made = map[string]bool{}
	}
	b.made[sub] = true
	b.mu.Unlock()
	return nil
}

// link makes a new blob with the same bytes as id (a hard link, else a
// copy).
func (b *blobs) link(id string) (string, error) {
	nid := newBlobID()
	if err := b.mkdir(nid); err != nil {
		return "", err
	}
	if err := os.Link(b.path(id), b.path(nid)); err == nil {
		return nid, nil
	}
	src, err := os.Open(b.path(id))
	if err != nil {
		return "", err
	}
	defer src.Close()
	w, err := b.write(src, 1<<62)
	if err != nil {
		return "", err
	}
	return w.Blob, nil
}

// remove deletes blobs (errors ignored: an orphan is collected at start).
func (b *blobs) remove(segs []segment) {
	for _, s := range segs {
		if s.Blob != "" {
			os.Remove(b.path(s.Blob))
		}
	}
}

// reset removes every blob and temporary file.
func (b *blobs) reset() error {
	b.mu.Lock()
	b.made = nil
	b.mu.Unlock()
	for _, d := range []string{"blobs", "tmp"} {
		if err := os.RemoveAll(filepath.Join(b.dir, d)); err != nil {
			return err
		}
	}
	return b.init()
}

func (b *blobs) init() error {
	for _, d := range []string{"blobs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(b.dir, d), 0o700); err != nil {
			return err
		}
	}
	return nil
}

// collect removes temporary files and the blobs nothing references (left
// by a crash between writing a blob and committing its metadata), and
// drops the objects and parts whose blob is missing or shorter than
// recorded (a power loss before unsynced data reached the disk); it
// returns the number of files removed and the dropped objects (bucket,
// key).
func (b *blobs) collect(db *bolt.DB) (int, [][2]string, error) {
	entries, _ := os.ReadDir(b.tmpDir())
	for _, e := range entries {
		os.Remove(filepath.Join(b.tmpDir(), e.Name()))
	}
	sizes := map[string]int64{}
	root := filepath.Join(b.dir, "blobs")
	if err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			sizes[d.Name()] = info.Size()
		}
		return nil
	}); err != nil {
		return 0, nil, err
	}
	intact := func(blob string, size int64) bool {
		got, ok := sizes[blob]
		return ok && got == size
	}
	used := map[string]bool{}
	var torn [][2]string
	err := db.Update(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketTop)
		if top == nil {
			return nil
		}
		if objs := top.Bucket(bucketObjects); objs != nil {
			if err := objs.ForEachBucket(func(name []byte) error {
				bk := objs.Bucket(name)
				var drop [][]byte
				if err := bk.ForEach(func(k, v []byte) error {
					var o object
					if err := json.Unmarshal(v, &o); err != nil {
						return err
					}
					ok := true
					for _, s := range o.Segs {
						ok = ok && intact(s.Blob, s.Size)
					}
					if !ok {
						drop = append(drop, append([]byte(nil), k...))
						torn = append(torn, [2]string{string(name), string(k)})
						return nil
					}
					for _, s := range o.Segs {
						used[s.Blob] = true
					}
					return nil
				}); err != nil {
					return err
				}
				for _, k := range drop {
					if err := bk.Delete(k); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		ups := top.Bucket(bucketUploads)
		if ups == nil {
			return nil
		}
		return ups.ForEachBucket(func(id []byte) error {
			parts := ups.Bucket(id).Bucket(bucketParts)
			if parts == nil {
				return nil
			}
			var drop [][]byte
			if err := parts.ForEach(func(k, v []byte) error {
				var p part
				if err := json.Unmarshal(v, &p); err != nil {
					return err
				}
				if !intact(p.Blob, p.Size) {
					drop = append(drop, append([]byte(nil), k...))
					return nil
				}
				used[p.Blob] = true
				return nil
			}); err != nil {
				return err
			}
			for _, k := range drop {
				if err := parts.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return 0, nil, err
	}
	removed := 0
	for blob := range sizes {
		if !used[blob] && len(blob) >= 2 && os.Remove(filepath.Join(root, blob[:2], blob)) == nil {
			removed++
		}
	}
	return removed, torn, nil
}

// countBlobs counts the blob files (tests and state).
func (b *blobs) countBlobs() int {
	n := 0
	filepath.WalkDir(filepath.Join(b.dir, "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// openObject opens the segments of o; the files stay readable even if the
// object is replaced meanwhile.
func (b *blobs) openObject(o *object) (*objectReader, error) {
	r := &objectReader{size: o.Size}
	for _, s := range o.Segs {
		f, err := os.Open(b.path(s.Blob))
		if err != nil {
			r.Close()
			return nil, err
		}
		r.files = append(r.files, f)
		r.sizes = append(r.sizes, s.Size)
	}
	return r, nil
}

// objectReader serves byte ranges of an object's segments.
type objectReader struct {
	files []*os.File
	sizes []int64
	size  int64
}

func (r *objectReader) Close() error {
	for _, f := range r.files {
		f.Close()
	}
	return nil
}

// copyRange writes bytes [start, start+n) to w. Each segment is sent as a
// seeked *os.File behind an io.LimitedReader, so the HTTP server can use
// sendfile.
func (r *objectReader) copyRange(w io.Writer, start, n int64) (int64, error) {
	var done int64
	off := int64(0)
	for i, f := range r.files {
		segEnd := off + r.sizes[i]
		if n > 0 && start < segEnd {
			from := start - off
			take := min(r.sizes[i]-from, n)
			if _, err := f.Seek(from, io.SeekStart); err != nil {
				return done, err
			}
			c, err := io.Copy(w, &io.LimitedReader{R: f, N: take})
			done += c
			if err != nil {
				return done, err
			}
			if c != take {
				return done, io.ErrUnexpectedEOF
			}
			start += take
			n -= take
		}
		off = segEnd
	}
	return done, nil
}

// db is the metadata side.
type db struct {
	bolt  *bolt.DB
	group groupCommit
}

func (d *db) init() error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(bucketTop)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketObjects, bucketUploads, bucketEnvs} {
			if _, err := top.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
}

func top(tx *bolt.Tx, name []byte) *bolt.Bucket {
	t := tx.Bucket(bucketTop)
	if t == nil {
		return nil
	}
	return t.Bucket(name)
}

// getObject returns the object or nil.
func (d *db) getObject(bucket, key string) (*object, error) {
	var o *object
	err := d.bolt.View(func(tx *bolt.Tx) error {
		var err error
		o, err = readObject(tx, bucket, key)
		return err
	})
	return o, err
}

func readObject(tx *bolt.Tx, bucket, key string) (*object, error) {
	objs := top(tx, bucketObjects)
	if objs == nil {
		return nil, nil
	}
	b := objs.Bucket([]byte(bucket))
	if b == nil {
		return nil, nil
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return nil, nil
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("object %s/%s: %w", bucket, key, err)
	}
	return &o, nil
}

func writeObject(tx *bolt.Tx, bucket, key string, o *object) error {
	objs := top(tx, bucketObjects)
	if objs == nil {
		return errors.New("storage: store not initialised")
	}
	b, err := objs.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return err
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// putObjectAfter stores o under key and returns the segments of the object
// it replaced (to be removed once committed); concurrent puts share one
// transaction. begun says whether the write was announced with
// group.begin.
func (d *db) putObjectAfter(begun bool, bucket, key string, o *object) ([]segment, error) {
	var old []segment
	err := d.group.updateAfter(begun, func(tx *bolt.Tx) error {
		old = nil
		prev, err := readObject(tx, bucket, key)
		if err != nil {
			return err
		}
		if prev != nil {
			old = prev.Segs
		}
		return writeObject(tx, bucket, key, o)
	})
	return old, err
}

// updateObject changes an object's metadata in place (ACL).
func (d *db) updateObject(bucket, key string, fn func(o *object)) (bool, error) {
	found := false
	err := d.bolt.Update(func(tx *bolt.Tx) error {
		o, err := readObject(tx, bucket, key)
		if err != nil || o == nil {
			return err
		}
		found = true
		fn(o)
		return writeObject(tx, bucket, key, o)
	})
	return found, err
}

// deleteObjects removes keys and returns the removed objects' segments and
// which keys existed.
func (d *db) deleteObjects(bucket string, keys []string) ([]segment, []bool, error) {
	var segs []segment
	var existed []bool
	err := d.group.update(func(tx *bolt.Tx) error {
		segs, existed = nil, make([]bool, len(keys))
		objs := top(tx, bucketObjects)
		if objs == nil {
			return nil
		}
		b := objs.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		for i, k := range keys {
			raw := b.Get([]byte(k))
			if raw == nil {
				continue
			}
			var o object
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			segs = append(segs, o.Segs...)
			existed[i] = true
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	return segs, existed, err
}

// deleteKeysBefore removes, in every bucket match accepts, the keys that
// sort before limit; it returns the removed objects' segments and count.
func (d *db) deleteKeysBefore(match func(bucket string) bool, limit string) ([]segment, int, error) {
	// Usually there is nothing to remove: a read transaction says so
	// without a commit.
	var found bool
	if err := d.bolt.View(func(tx *bolt.Tx) error {
		objs := top(tx, bucketObjects)
		if objs == nil {
			return nil
		}
		return objs.ForEachBucket(func(k []byte) error {
			if !found && match(string(k)) {
				if first, _ := objs.Bucket(k).Cursor().First(); first != nil && string(first) < limit {
					found = true
				}
			}
			return nil
		})
	}); err != nil || !found {
		return nil, 0, err
	}
	var segs []segment
	var n int
	err := d.group.update(func(tx *bolt.Tx) error {
		segs, n = nil, 0
		objs := top(tx, bucketObjects)
		if objs == nil {
			return nil
		}
		var names [][]byte
		if err := objs.ForEachBucket(func(k []byte) error {
			if match(string(k)) {
				names = append(names, k)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, name := range names {
			b := objs.Bucket(name)
			var keys [][]byte
			c := b.Cursor()
			for k, v := c.First(); k != nil && string(k) < limit; k, v = c.Next() {
				var o object
				if err := json.Unmarshal(v, &o); err != nil {
					return err
				}
				segs = append(segs, o.Segs...)
				keys = append(keys, k)
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(keys)
		}
		return nil
	})
	return segs, n, err
}

// listed is one entry of a listing.
type listed struct {
	Key string
	Obj object
}

// listing is a page of GET bucket.
type listing struct {
	Objects    []listed
	Prefixes   []string
	Truncated  bool
	NextMarker string
}

// list walks keys after marker that start with prefix, rolling keys that
// contain delimiter after the prefix into common prefixes, up to max
// entries (objects and prefixes together).
func (d *db) list(bucket, prefix, delimiter, marker string, max int) (*listing, error) {
	out := &listing{}
	err := d.bolt.View(func(tx *bolt.Tx) error {
		objs := top(tx, bucketObjects)
		if objs == nil {
			return nil
		}
		b := objs.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		start := prefix
		if marker > start {
			start = marker
		}
		k, v := c.Seek([]byte(start))
		lastPrefix := ""
		for ; k != nil; k, v = c.Next() {
			key := string(k)
			if !strings.HasPrefix(key, prefix) {
				break
			}
			if key <= marker {
				continue
			}
			if delimiter != "" {
				if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
					cp := key[:len(prefix)+i+len(delimiter)]
					if cp == lastPrefix || cp <= marker {
						continue
					}
					if len(out.Objects)+len(out.Prefixes) >= max {
						out.Truncated = true
						break
					}
					out.Prefixes = append(out.Prefixes, cp)
					out.NextMarker = cp
					lastPrefix = cp
					// Skip the rest of this prefix.
					if next := prefixEnd(cp); next != "" {
						if sk, _ := c.Seek([]byte(next)); sk == nil {
							break
						}
						c.Prev() // the loop's Next lands on next
					}
					continue
				}
			}
			if len(out.Objects)+len(out.Prefixes) >= max {
				out.Truncated = true
				break
			}
			var o object
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			out.Objects = append(out.Objects, listed{Key: key, Obj: o})
			out.NextMarker = key
		}
		return nil
	})
	if !out.Truncated {
		out.NextMarker = ""
	}
	return out, err
}

// prefixEnd is the smallest string greater than every string starting with
// p ("" when there is none).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// bucketStats counts the objects and bytes of a bucket.
func (d *db) bucketStats(bucket string) (n int, size int64, err error) {
	err = d.bolt.View(func(tx *bolt.Tx) error {
		objs := top(tx, bucketObjects)
		if objs == nil {
			return nil
		}
		b := objs.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var o struct {
				Size int64 `json:"size"`
			}
			json.Unmarshal(v, &o)
			n++
			size += o.Size
			return nil
		})
	})
	return n, size, err
}

// dropBucket removes a bucket's objects and uploads; it returns their
// segments.
func (d *db) dropBucket(bucket string) ([]segment, error) {
	var segs []segment
	err := d.bolt.Update(func(tx *bolt.Tx) error {
		segs = nil
		if objs := top(tx, bucketObjects); objs != nil {
			if b := objs.Bucket([]byte(bucket)); b != nil {
				if err := b.ForEach(func(_, v []byte) error {
					var o object
					if err := json.Unmarshal(v, &o); err != nil {
						return err
					}
					segs = append(segs, o.Segs...)
					return nil
				}); err != nil {
					return err
				}
				if err := objs.DeleteBucket([]byte(bucket)); err != nil {
					return err
				}
			}
		}
		ups := top(tx, bucketUploads)
		if ups == nil {
			return nil
		}
		var drop [][]byte
		if err := ups.ForEachBucket(func(id []byte) error {
			u, err := readUpload(ups.Bucket(id))
			if err != nil {
				return err
			}
			if u.Bucket == bucket {
				drop = append(drop, append([]byte(nil), id...))
				if parts := ups.Bucket(id).Bucket(bucketParts); parts != nil {
					parts.ForEach(func(_, v []byte) error {
						var p part
						json.Unmarshal(v, &p)
						segs = append(segs, segment{Blob: p.Blob, Size: p.Size})
						return nil
					})
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range drop {
			if err := ups.DeleteBucket(id); err != nil {
				return err
			}
		}
		return nil
	})
	return segs, err
}

// env state

func (d *db) envState(env string) (envState, error) {
	var st envState
	err := d.bolt.View(func(tx *bolt.Tx) error {
		b := top(tx, bucketEnvs)
		if b == nil {
			return nil
		}
		if raw := b.Get([]byte(env)); raw != nil {
			return json.Unmarshal(raw, &st)
		}
		return nil
	})
	return st, err
}

func (d *db) updateEnvState(env string, fn func(st *envState) error) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		b := top(tx, bucketEnvs)
		if b == nil {
			return errors.New("storage: store not initialised")
		}
		var st envState
		if raw := b.Get([]byte(env)); raw != nil {
			if err := json.Unmarshal(raw, &st); err != nil {
				return err
			}
		}
		if err := fn(&st); err != nil {
			return err
		}
		raw, _ := json.Marshal(st)
		return b.Put([]byte(env), raw)
	})
}

func (d *db) dropEnvState(env string) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		if b := top(tx, bucketEnvs); b != nil {
			return b.Delete([]byte(env))
		}
		return nil
	})
}

// multipart uploads

func readUpload(b *bolt.Bucket) (*upload, error) {
	raw := b.Get(keyMeta)
	if raw == nil {
		return nil, errors.New("upload without metadata")
	}
	var u upload
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func partKey(n int) []byte {
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], uint32(n))
	return k[:]
}

func (d *db) createUpload(id string, u *upload) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return errors.New("storage: store not initialised")
		}
		b, err := ups.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketParts); err != nil {
			return err
		}
		raw, _ := json.Marshal(u)
		return b.Put(keyMeta, raw)
	})
}

// getUpload returns the upload or nil.
func (d *db) getUpload(id string) (*upload, error) {
	var u *upload
	err := d.bolt.View(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return nil
		}
		b := ups.Bucket([]byte(id))
		if b == nil {
			return nil
		}
		var err error
		u, err = readUpload(b)
		return err
	})
	return u, err
}

// errNoUpload means the upload id is unknown (completed or aborted).
var errNoUpload = errors.New("no such upload")

// putPartAfter records a part and returns the blob of the part it
// replaced; begun says whether the write was announced with group.begin.
func (d *db) putPartAfter(begun bool, id string, n int, p *part) ([]segment, error) {
	var old []segment
	err := d.group.updateAfter(begun, func(tx *bolt.Tx) error {
		old = nil
		ups := top(tx, bucketUploads)
		if ups == nil {
			return errNoUpload
		}
		b := ups.Bucket([]byte(id))
		if b == nil {
			return errNoUpload
		}
		parts := b.Bucket(bucketParts)
		if raw := parts.Get(partKey(n)); raw != nil {
			var prev part
			if json.Unmarshal(raw, &prev) == nil {
				old = []segment{{Blob: prev.Blob, Size: prev.Size}}
			}
		}
		raw, _ := json.Marshal(p)
		return parts.Put(partKey(n), raw)
	})
	return old, err
}

// numberedPart is a part with its number.
type numberedPart struct {
	N int
	part
}

// listParts returns the parts after marker, up to max, and whether more
// remain.
func (d *db) listParts(id string, marker, max int) ([]numberedPart, bool, error) {
	var out []numberedPart
	more := false
	err := d.bolt.View(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return errNoUpload
		}
		b := ups.Bucket([]byte(id))
		if b == nil {
			return errNoUpload
		}
		c := b.Bucket(bucketParts).Cursor()
		for k, v := c.Seek(partKey(marker + 1)); k != nil; k, v = c.Next() {
			if len(out) >= max {
				more = true
				break
			}
			var p part
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, numberedPart{N: int(binary.BigEndian.Uint32(k)), part: p})
		}
		return nil
	})
	return out, more, err
}

// completedPart is one entry of a CompleteMultipartUpload body.
type completedPart struct {
	N    int
	ETag string
}

// completeError is a complete request the parts do not satisfy.
type completeError struct {
	code, msg string
}

func (e *completeError) Error() string { return e.code + ": " + e.msg }

// MinPartSize is the smallest part but the last.
const MinPartSize = 1 << 20

// complete turns an upload into an object made of the listed parts (in
// order, ETags matching, all but the last at least MinPartSize). It
// returns the new object and the segments to remove: the replaced
// object's and the unused parts'.
func (d *db) complete(id string, want []completedPart, now time.Time) (*upload, *object, []segment, error) {
	var u *upload
	var obj *object
	var garbage []segment
	err := d.bolt.Update(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return errNoUpload
		}
		b := ups.Bucket([]byte(id))
		if b == nil {
			return errNoUpload
		}
		var err error
		if u, err = readUpload(b); err != nil {
			return err
		}
		parts := b.Bucket(bucketParts)
		have := map[int]part{}
		if err := parts.ForEach(func(k, v []byte) error {
			var p part
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			have[int(binary.BigEndian.Uint32(k))] = p
			return nil
		}); err != nil {
			return err
		}
		if len(want) == 0 {
			return &completeError{"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: no parts"}
		}
		o := &object{Modified: now.UnixNano(), Type: u.Type, Headers: u.Headers, ACL: u.ACL, Owner: u.Owner}
		md5s := md5.New()
		used := map[int]bool{}
		for i, w := range want {
			if i > 0 && w.N <= want[i-1].N {
				return &completeError{"InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number."}
			}
		}
		for i, w := range want {
			p, ok := have[w.N]
			if !ok || !sameETag(w.ETag, p.MD5) {
				return &completeError{"InvalidPart", fmt.Sprintf("One or more of the specified parts could not be found: part %d", w.N)}
			}
			if i < len(want)-1 && p.Size < MinPartSize {
				return &completeError{"EntityTooSmall", fmt.Sprintf("Your proposed upload is smaller than the minimum allowed object size: part %d has %d bytes, every part but the last needs %d", w.N, p.Size, MinPartSize)}
			}
			raw, _ := hex.DecodeString(p.MD5)
			md5s.Write(raw)
			if i == 0 {
				o.CRC = p.CRC
			} else {
				o.CRC = crc64Combine(o.CRC, p.CRC, p.Size)
			}
			o.Size += p.Size
			o.Segs = append(o.Segs, segment{Blob: p.Blob, Size: p.Size})
			used[w.N] = true
		}
		o.ETag = fmt.Sprintf("%x-%d", md5s.Sum(nil), len(want))
		for n, p := range have {
			if !used[n] {
				garbage = append(garbage, segment{Blob: p.Blob, Size: p.Size})
			}
		}
		prev, err := readObject(tx, u.Bucket, u.Key)
		if err != nil {
			return err
		}
		if prev != nil {
			garbage = append(garbage, prev.Segs...)
		}
		if err := writeObject(tx, u.Bucket, u.Key, o); err != nil {
			return err
		}
		obj = o
		return ups.DeleteBucket([]byte(id))
	})
	return u, obj, garbage, err
}

func sameETag(given, md5hex string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(given), `"`), md5hex)
}

// abort drops an upload and returns its parts' segments.
func (d *db) abort(id string) ([]segment, error) {
	var segs []segment
	err := d.bolt.Update(func(tx *bolt.Tx) error {
		segs = nil
		ups := top(tx, bucketUploads)
		if ups == nil {
			return errNoUpload
		}
		b := ups.Bucket([]byte(id))
		if b == nil {
			return errNoUpload
		}
		b.Bucket(bucketParts).ForEach(func(_, v []byte) error {
			var p part
			json.Unmarshal(v, &p)
			segs = append(segs, segment{Blob: p.Blob, Size: p.Size})
			return nil
		})
		return ups.DeleteBucket([]byte(id))
	})
	return segs, err
}

// uploadEntry is an upload in a listing.
type uploadEntry struct {
	ID string
	upload
}

// listUploads returns a bucket's open uploads whose key starts with
// prefix, ordered by key, then initiation.
func (d *db) listUploads(bucket, prefix string) ([]uploadEntry, error) {
	var out []uploadEntry
	err := d.bolt.View(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return nil
		}
		return ups.ForEachBucket(func(id []byte) error {
			u, err := readUpload(ups.Bucket(id))
			if err != nil {
				return err
			}
			if u.Bucket == bucket && strings.HasPrefix(u.Key, prefix) {
				out = append(out, uploadEntry{ID: string(id), upload: *u})
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		if out[i].Initiated != out[j].Initiated {
			return out[i].Initiated < out[j].Initiated
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// uploadStats counts open uploads and their stored parts.
func (d *db) uploadStats() (uploads, parts int) {
	d.bolt.View(func(tx *bolt.Tx) error {
		ups := top(tx, bucketUploads)
		if ups == nil {
			return nil
		}
		return ups.ForEachBucket(func(id []byte) error {
			uploads++
			if p := ups.Bucket(id).Bucket(bucketParts); p != nil {
				parts += p.Stats().KeyN
			}
			return nil
		})
	})
	return
}
