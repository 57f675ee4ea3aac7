package storage

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"
	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// Files at least MultipartThreshold bytes go up in parts of PartSize (more
// when a file would need over 10,000 parts), several at once, and an
// interrupted upload resumes: the next upload of the key finds it, keeps
// the parts whose MD5 matches the file and sends the rest.
const (
	MultipartThreshold = 16 << 20
	PartSize           = 16 << 20
	maxParts           = 10000
)

// crcTable is built on first use (not at init, which every command pays).
var crcTable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64.ECMA) })

// partSize is the part size for a file of size bytes (as the SDK picks it
// from a size in MiB).
func partSize(size int64) int64 {
	p := int64(PartSize)
	for size/p >= maxParts {
		p *= 2
	}
	return p
}

// Progress receives a transfer's events, from several goroutines at once.
type Progress struct {
	// Bytes reports bytes moved since the last call.
	Bytes func(delta int64)
	// File reports a finished file.
	File func(r FileResult)
}

func (p *Progress) bytes(n int64) {
	if p != nil && p.Bytes != nil && n != 0 {
		p.Bytes(n)
	}
}

func (p *Progress) file(r FileResult) {
	if p != nil && p.File != nil {
		p.File(r)
	}
}

// FileResult is the outcome of one file.
type FileResult struct {
	Local string `json:"local"`
	Key   string `json:"key"`
	Size  int64  `json:"size"`
	// Err is nil on success.
	Err error `json:"-"`
}

// Item is one file to move.
type Item struct {
	Local string `json:"local"`
	Key   string `json:"key"`
	Size  int64  `json:"size"`
}

// UploadPlan is what an upload will do.
type UploadPlan struct {
	// Upload are the files to send, Unchanged those whose remote copy has
	// the same checksum.
	Upload    []Item `json:"upload"`
	Unchanged []Item `json:"unchanged"`
	// Stale are the remote objects under the prefix no local file maps to
	// (what --prune removes).
	Stale []Object `json:"stale"`
	// Bytes is the size of Upload.
	Bytes int64 `json:"bytes"`

	cache *SumCache
}

// PlanUpload maps local (a file, or a directory's regular files,
// symlinked files included) to keys: a file to key, a directory's files
// to key (a directory prefix) + their relative paths. Unless force, files
// whose remote copy has the same size and checksum are left out.
func (c *Client) PlanUpload(ctx context.Context, local, key string, force bool) (*UploadPlan, error) {
	st, err := os.Stat(local)
	if err != nil {
		return nil, errkind.Wrap(errkind.Local, err)
	}
	var items []Item
	prefix := ""
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			return nil, errkind.Errorf(errkind.Local, "%s is not a regular file", local)
		}
		items = []Item{{Local: local, Key: key, Size: st.Size()}}
	} else {
		prefix = key
		items, err = walkFiles(local, prefix)
		if err != nil {
			return nil, err
		}
	}
	plan := &UploadPlan{cache: openSumCache(c.opts.SumCacheDir, local)}
	remote := map[string]Object{}
	if prefix != "" || st.IsDir() {
		l, err := c.List(ctx, prefix, true)
		if err != nil {
			return nil, err
		}
		for _, o := range l.Objects {
			remote[o.Key] = o
		}
	} else if !force {
		if info, err := c.Stat(ctx, key); err == nil {
			remote[key] = Object{Key: key, Size: info.Size, ETag: info.ETag}
		} else if !IsNotFound(err) {
			return nil, err
		}
	}
	same := make([]bool, len(items))
	if !force {
		if err := c.compare(ctx, items, remote, same, plan.cache); err != nil {
			return nil, err
		}
		plan.cache.save()
	}
	mapped := map[string]bool{}
	for i, it := range items {
		mapped[it.Key] = true
		if same[i] {
			plan.Unchanged = append(plan.Unchanged, it)
			continue
		}
		plan.Upload = append(plan.Upload, it)
		plan.Bytes += it.Size
	}
	if st.IsDir() {
		for _, o := range remote {
			if !mapped[o.Key] {
				plan.Stale = append(plan.Stale, o)
			}
		}
		sort.Slice(plan.Stale, func(i, j int) bool { return plan.Stale[i].Key < plan.Stale[j].Key })
	}
	return plan, nil
}

// walkFiles lists dir's files as items under prefix, in key order.
func walkFiles(dir, prefix string) ([]Item, error) {
	var items []Item
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return errkind.Wrap(errkind.Local, err)
		}
		if d.IsDir() {
			return nil
		}
		info, err := os.Stat(p) // follows a symlink
		if err != nil {
			return errkind.Wrap(errkind.Local, err)
		}
		if !info.Mode().IsRegular() {
			return nil // symlinked directories (no loops), devices, sockets
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		k := prefix + filepath.ToSlash(rel)
		if _, err := CloudPath(k, false); err != nil {
			return errkind.Errorf(errkind.Local, "%s cannot be uploaded: %v", p, err)
		}
		items = append(items, Item{Local: p, Key: k, Size: info.Size()})
		return nil
	})
	sort.Slice(items, func(i, j int) bool { return items[i].Key < items[j].Key })
	return items, err
}

// compare marks the items whose remote copy has the same size and
// checksum: the MD5 ETag of a simple upload, md5(part MD5s)-N of a
// multipart one, else the CRC64 a HEAD reports. A file's checksum comes
// from the cache while stat says the file is unchanged; otherwise the file
// is hashed (in parallel, and only when the sizes match).
func (c *Client) compare(ctx context.Context, items []Item, remote map[string]Object, same []bool, cache *SumCache) error {
	var idx []int
	for i, it := range items {
		if o, ok := remote[it.Key]; ok && o.Size == it.Size {
			idx = append(idx, i)
		}
	}
	return parallel(ctx, c.opts.Parallel, len(idx), func(ctx context.Context, n int) error {
		i := idx[n]
		it := items[i]
		o := remote[it.Key]
		st, err := os.Stat(it.Local)
		if err != nil {
			return errkind.Wrap(errkind.Local, err)
		}
		if e, ok := cache.lookup(it.Local, st); ok && strings.EqualFold(o.ETag, e.ETag) {
			same[i] = true
			return nil
		}
		// A remote ETag without "-" is a simple upload's MD5; one with "-"
		// is a multipart upload's, matched by the part MD5s when the parts
		// were ours, else by the CRC64 a HEAD reports. Each file is read
		// once, for the one kind of sum its remote copy can be compared by.
		multi := strings.Contains(o.ETag, "-")
		sums, err := fileSums(it.Local, it.Size, multi)
		if err != nil {
			return err
		}
		etag := sums.md5 // "" when multi
		if multi {
			etag = sums.multipart // "" for a file too small for parts
		}
		match := etag != "" && strings.EqualFold(o.ETag, etag)
		if !match && multi {
			info, err := c.Stat(ctx, it.Key)
			if err != nil {
				return err
			}
			if info.CRC64 != "" && info.CRC64 == strconv.FormatUint(sums.crc, 10) {
				match, etag = true, o.ETag
			}
		}
		if etag != "" {
			if st2, err := os.Stat(it.Local); err == nil && sameStat(statKey(st), statKey(st2)) {
				cache.record(it.Local, st2, etag, 0)
			}
		}
		same[i] = match
		return nil
	})
}

type sums struct {
	md5       string // of the whole file, unless multi
	multipart string // md5(part MD5s)-N, when multi and the file is big enough for parts
	crc       uint64 // when multi
}

// hashed counts the files fileSums read (tests).
var hashed atomic.Int64

// fileSums reads a file once: for its MD5, or (multi) for the multipart
// ETag our upload would give it and its CRC64.
func fileSums(name string, size int64, multi bool) (*sums, error) {
	hashed.Add(1)
	f, err := os.Open(name)
	if err != nil {
		return nil, errkind.Wrap(errkind.Local, err)
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	if !multi {
		h := md5.New()
		if _, err := io.CopyBuffer(h, f, buf); err != nil {
			return nil, errkind.Wrap(errkind.Local, err)
		}
		return &sums{md5: hex.EncodeToString(h.Sum(nil))}, nil
	}
	crc := crc64.New(crcTable())
	if size < MultipartThreshold {
		if _, err := io.CopyBuffer(crc, f, buf); err != nil {
			return nil, errkind.Wrap(errkind.Local, err)
		}
		return &sums{crc: crc.Sum64()}, nil
	}
	var parts []byte
	ps := partSize(size)
	n := 0
	for {
		part := md5.New()
		c, err := io.CopyBuffer(io.MultiWriter(crc, part), io.LimitReader(f, ps), buf)
		if err != nil {
			return nil, errkind.Wrap(errkind.Local, err)
		}
		if c == 0 && n > 0 {
			break
		}
		parts = append(parts, part.Sum(nil)...)
		n++
		if c < ps {
			break
		}
	}
	m := md5.Sum(parts)
	return &sums{multipart: fmt.Sprintf("%x-%d", m, n), crc: crc.Sum64()}, nil
}

// UploadOptions tune uploads.
type UploadOptions struct {
	// CacheControl is set on every object ("" leaves it unset).
	CacheControl string
}

// UploadPlanned runs a plan's uploads and remembers in the checksum cache
// the ETag the bucket answered for each file that did not change while it
// was sent, so the next comparison needs no hashing.
func (c *Client) UploadPlanned(ctx context.Context, plan *UploadPlan, opt UploadOptions, p *Progress) []FileResult {
	results := make([]FileResult, len(plan.Upload))
	parallel(ctx, c.opts.Parallel, len(plan.Upload), func(ctx context.Context, i int) error {
		it := plan.Upload[i]
		st, serr := os.Stat(it.Local)
		etag, err := c.uploadFile(ctx, it.Local, it.Key, opt, p)
		if err == nil && serr == nil {
			if st2, err := os.Stat(it.Local); err == nil && sameStat(statKey(st), statKey(st2)) {
				plan.cache.record(it.Local, st2, etag, 0)
			}
		}
		results[i] = FileResult{Local: it.Local, Key: it.Key, Size: it.Size, Err: err}
		p.file(results[i])
		return nil
	})
	for i := range results {
		if results[i].Key == "" {
			it := plan.Upload[i]
			results[i] = FileResult{Local: it.Local, Key: it.Key, Size: it.Size, Err: context.Cause(ctx)}
		}
	}
	for _, it := range plan.Unchanged {
		plan.cache.touch(it.Local)
	}
	plan.cache.save()
	return results
}

// Upload sends items, Parallel at a time; it returns every file's outcome
// (the first error also stops files not started yet only when ctx ends).
func (c *Client) Upload(ctx context.Context, items []Item, opt UploadOptions, p *Progress) []FileResult {
	results := make([]FileResult, len(items))
	parallel(ctx, c.opts.Parallel, len(items), func(ctx context.Context, i int) error {
		it := items[i]
		err := c.UploadFile(ctx, it.Local, it.Key, opt, p)
		results[i] = FileResult{Local: it.Local, Key: it.Key, Size: it.Size, Err: err}
		p.file(results[i])
		return nil
	})
	for i := range results {
		if results[i].Key == "" {
			results[i] = FileResult{Local: items[i].Local, Key: items[i].Key, Size: items[i].Size, Err: context.Cause(ctx)}
		}
	}
	return results
}

// listener turns the SDK's progress events into byte deltas.
type listener struct {
	p    *Progress
	last atomic.Int64
}

func (l *listener) ProgressChangedCallback(e *cos.ProgressEvent) {
	switch e.EventType {
	case cos.ProgressDataEvent:
		prev := l.last.Swap(e.ConsumedBytes)
		l.p.bytes(e.ConsumedBytes - prev)
	}
}

// UploadFile uploads one file to key.
func (c *Client) UploadFile(ctx context.Context, local, key string, opt UploadOptions, p *Progress) error {
	_, err := c.uploadFile(ctx, local, key, opt, p)
	return err
}

// uploadFile uploads one file and returns the ETag the bucket answered
// (without quotes).
func (c *Client) uploadFile(ctx context.Context, local, key string, opt UploadOptions, p *Progress) (string, error) {
	st, err := os.Stat(local)
	if err != nil {
		return "", errkind.Wrap(errkind.Local, err)
	}
	l := &listener{p: p}
	hdr := &cos.ObjectPutHeaderOptions{ContentType: mime.TypeByExtension(path.Ext(key)), CacheControl: opt.CacheControl}
	if st.Size() < MultipartThreshold {
		hdr.Listener = l
		resp, err := c.cos.Object.PutFromFile(ctx, key, local, &cos.ObjectPutOptions{ObjectPutHeaderOptions: hdr})
		if err != nil {
			p.bytes(-l.last.Load())
			if ctx.Err() != nil {
				return "", context.Cause(ctx)
			}
			return "", wrap("upload "+key, resp, localErr(err))
		}
		return strings.Trim(resp.Header.Get("ETag"), `"`), nil
	}
	unlock, err := c.uploadLock(ctx, key)
	if err != nil {
		return "", err
	}
	defer unlock()
	hdr.Listener = l
	// Every part is checked against the CRC64 the bucket answers for it
	// (and a part kept from an interrupted upload against the file's bytes,
	// by MD5), so each byte is verified once end to end. DisableChecksum
	// only skips the SDK's extra pass over the whole file before the upload
	// (to compare with the object's CRC at the end): a second read and
	// CRC of every byte. What that pass also caught, a file changed while
	// it was sent, the stat comparison below catches.
	res, resp, err := c.cos.Object.Upload(ctx, key, local, &cos.MultiUploadOptions{
		OptIni:          &cos.InitiateMultipartUploadOptions{ObjectPutHeaderOptions: hdr},
		PartSize:        partSize(st.Size()) >> 20,
		ThreadPoolSize:  min(4, c.opts.Parallel),
		CheckPoint:      true,
		DisableChecksum: true,
	})
	if err != nil {
		p.bytes(-l.last.Load())
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		return "", wrap("upload "+key, resp, localErr(err))
	}
	if st2, err := os.Stat(local); err != nil || !sameStat(statKey(st), statKey(st2)) {
		return "", errkind.Errorf(errkind.Local, "%s changed while it was uploaded to %s; upload it again", local, key)
	}
	return strings.Trim(res.ETag, `"`), nil
}

// uploadLock serialises the multipart uploads of one key from this
// machine. Resuming (the SDK's CheckPoint) takes over the multipart upload
// of the key it finds open, so a second upload of the same key started
// while the first runs would send its parts into the first one's upload
// and both would fail (InvalidPart). With the lock the second waits, then
// finds nothing open and starts its own; the key ends up holding one file
// whole. The wait ends with ctx.
func (c *Client) uploadLock(ctx context.Context, key string) (unlock func(), err error) {
	if c.opts.LockDir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(c.opts.LockDir, 0o700); err != nil {
		return nil, errkind.Wrap(errkind.Local, err)
	}
	sum := md5.Sum([]byte(c.opts.Bucket + "\x00" + key))
	fl := flock.New(filepath.Join(c.opts.LockDir, "upload-"+hex.EncodeToString(sum[:])+".lock"))
	if _, err := fl.TryLockContext(ctx, 50*time.Millisecond); err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, errkind.Wrap(errkind.Local, fmt.Errorf("lock %s: %w", fl.Path(), err))
	}
	return func() { fl.Unlock() }, nil
}

// localErr marks file system errors as local.
func localErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errkind.Wrap(errkind.Local, err)
	}
	return err
}

// PlanDownload lists the objects under prefix and maps each to a path
// under dir; keys that cannot be local paths (a hostile listing) are
// errors, directory markers are skipped.
func (c *Client) PlanDownload(ctx context.Context, prefix, dir string) ([]Item, error) {
	l, err := c.List(ctx, prefix, true)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, o := range l.Objects {
		if strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			continue
		}
		p, err := LocalPath(dir, prefix, o.Key)
		if err != nil {
			return nil, err
		}
		items = append(items, Item{Local: p, Key: o.Key, Size: o.Size})
	}
	return items, nil
}

// Download fetches items, Parallel at a time.
func (c *Client) Download(ctx context.Context, items []Item, p *Progress) []FileResult {
	results := make([]FileResult, len(items))
	var mkdirs sync.Map
	parallel(ctx, c.opts.Parallel, len(items), func(ctx context.Context, i int) error {
		it := items[i]
		dir := filepath.Dir(it.Local)
		var err error
		if _, done := mkdirs.Load(dir); !done {
			if err = os.MkdirAll(dir, 0o755); err == nil {
				mkdirs.Store(dir, true)
			} else {
				err = errkind.Wrap(errkind.Local, err)
			}
		}
		if err == nil {
			err = c.DownloadFile(ctx, it.Key, it.Local, p)
		}
		results[i] = FileResult{Local: it.Local, Key: it.Key, Size: it.Size, Err: err}
		p.file(results[i])
		return nil
	})
	for i := range results {
		if results[i].Key == "" {
			results[i] = FileResult{Local: items[i].Local, Key: items[i].Key, Size: items[i].Size, Err: context.Cause(ctx)}
		}
	}
	return results
}

// DownloadFile streams key into local: a temporary file beside it, checked
// against the object's CRC64, then renamed over local. The file is never
// held in memory and a partial download never replaces local.
func (c *Client) DownloadFile(ctx context.Context, key, local string, p *Progress) error {
	resp, err := c.cos.Object.Get(ctx, key, nil)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return wrap("download "+key, resp, err)
	}
	defer resp.Body.Close()
	f, err := os.CreateTemp(filepath.Dir(local), "."+filepath.Base(local)+".tcb-*")
	if err != nil {
		return errkind.Wrap(errkind.Local, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	crc := crc64.New(crcTable())
	var moved int64
	cw := &countWriter{fn: func(n int) { moved += int64(n); p.bytes(int64(n)) }}
	_, err = io.CopyBuffer(io.MultiWriter(f, crc, cw), resp.Body, make([]byte, 256<<10))
	if err != nil {
		p.bytes(-moved)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return &Error{Op: "download " + key, Err: errkind.Wrap(errkind.Remote, err), RequestId: resp.Header.Get("x-cos-request-id")}
	}
	if want := resp.Header.Get("x-cos-hash-crc64ecma"); want != "" && want != strconv.FormatUint(crc.Sum64(), 10) {
		p.bytes(-moved)
		return &Error{Op: "download " + key, Err: errkind.Errorf(errkind.Remote, "the received bytes do not match the object's CRC64 (%s)", want)}
	}
	if err := f.Chmod(0o644); err != nil {
		return errkind.Wrap(errkind.Local, err)
	}
	if err := f.Close(); err != nil {
		return errkind.Wrap(errkind.Local, err)
	}
	if err := os.Rename(tmp, local); err != nil {
		return errkind.Wrap(errkind.Local, err)
	}
	ok = true
	return nil
}

type countWriter struct{ fn func(int) }

func (w *countWriter) Write(b []byte) (int, error) { w.fn(len(b)); return len(b), nil }

// parallel runs fn(0..n-1) on at most workers goroutines; it stops handing
// out work when ctx ends or fn fails, and returns the first error.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel(err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return first
}
