package funcpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// FixedModTime is the modification time stored in every packaged entry.
var FixedModTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// chunkSize is the unit of parallel compression. It is a constant (not
// derived from the CPU count) so the output never depends on the machine.
const chunkSize = 1 << 20

// DefaultLevel is the deflate level used when Options.Level is 0. Go's level
// 5 gives about the ratio of zlib's (and Info-ZIP's) default level 6 on
// source trees, while Go's own level 6 is markedly slower on repetitive text.
const DefaultLevel = 5

// maxEntrySize: entries must fit the non-zip64 local header Pack writes.
const maxEntrySize = 1<<32 - 1

// Options controls Pack.
type Options struct {
	// Ignore lists node-glob patterns of paths to leave out (see the package
	// documentation for the exact semantics).
	Ignore []string
	// ExcludeNodeModules adds NodeModulesIgnore, for functions whose
	// dependencies are installed in the cloud (installDependency).
	ExcludeNodeModules bool
	// Progress, when set, is called after each file is written, from a
	// single goroutine, in archive order. bytesDone/bytesTotal count
	// uncompressed bytes.
	Progress func(filesDone, filesTotal int, bytesDone, bytesTotal int64)
	// Concurrency is the number of compression workers; 0 means
	// runtime.GOMAXPROCS(0). It does not change the output.
	Concurrency int
	// Level is the deflate level, 1 (fastest) to 9 (smallest); 0 means
	// DefaultLevel. It changes the output.
	Level int
	// MaxZipSize is the largest zip allowed; 0 means MaxZipSize (50 MB) and
	// a negative value disables the check. Once the limit is passed Pack
	// stops writing to w but still measures the whole archive so the error
	// can say by how much it is exceeded.
	MaxZipSize int64
}

// Stats describes a packaged or extracted archive.
type Stats struct {
	Files   int       // regular files written to / extracted from the archive
	Dirs    int       // directory entries extracted (SafeUnzip only)
	Bytes   int64     // total uncompressed size of the files
	ZipSize int64     // size of the zip archive
	Ignored int       // paths excluded by ignore rules (Pack only)
	Skipped []Skipped // paths skipped by the symlink policy (Pack only)
}

// Package is the in-memory result of PackBytes.
type Package struct {
	Zip        []byte
	CodeSha256 string // lowercase hex SHA-256 of Zip
	Stats      Stats
}

// PackBytes packages dir in memory and returns the zip with its SHA-256.
func PackBytes(ctx context.Context, dir string, opts Options) (*Package, error) {
	var buf bytes.Buffer
	st, err := Pack(ctx, dir, opts, &buf)
	if err != nil {
		return nil, err
	}
	return &Package{Zip: buf.Bytes(), CodeSha256: CodeSha256(buf.Bytes()), Stats: st}, nil
}

// CodeSha256 returns the lowercase hex SHA-256 of a package.
func CodeSha256(zipBytes []byte) string {
	sum := sha256.Sum256(zipBytes)
	return hex.EncodeToString(sum[:])
}

// Pack writes a deterministic zip of the function directory dir to w.
//
// Errors: *EmptyPackageError when no file is left after the ignore rules,
// *SizeError (ErrZipTooLarge) when the zip exceeds the size limit, an
// error wrapping doublestar.ErrBadPattern for an invalid ignore pattern, the
// context's error when ctx is cancelled, and I/O errors otherwise. On error
// the bytes already written to w must be discarded.
func Pack(ctx context.Context, dir string, opts Options, w io.Writer) (Stats, error) {
	level := opts.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level < flate.BestSpeed || level > flate.BestCompression {
		return Stats{}, fmt.Errorf("funcpack: invalid compression level %d (want 1-9)", opts.Level)
	}
	limit := opts.MaxZipSize
	if limit == 0 {
		limit = MaxZipSize
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	wk, err := walkTree(ctx, dir, opts)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Files: len(wk.files), Ignored: wk.ignored, Skipped: wk.skipped}
	for _, e := range wk.files {
		if e.Size > maxEntrySize {
			return st, fmt.Errorf("%s: file of %s is too large to package", e.Name, FormatSize(e.Size))
		}
		st.Bytes += e.Size
	}
	if len(wk.files) == 0 {
		return st, &EmptyPackageError{Dir: dir, Ignore: wk.ign.shown, Ignored: wk.ignored, Skipped: len(wk.skipped)}
	}

	p := &packer{level: level, files: wk.files, totalBytes: st.Bytes, progress: opts.Progress}
	cw := &limitWriter{w: w, limit: limit}
	if err := p.run(ctx, cw, workers); err != nil {
		return st, err
	}
	st.ZipSize = cw.n
	if cw.over {
		return st, &SizeError{What: "function code zip", Limit: limit, Actual: cw.n, Err: ErrZipTooLarge}
	}
	return st, nil
}

// limitWriter counts bytes and stops forwarding them once limit is passed.
type limitWriter struct {
	w     io.Writer
	n     int64
	limit int64 // < 0: none
	over  bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	l.n += int64(len(p))
	if l.limit >= 0 && l.n > l.limit {
		l.over = true
	}
	if l.over {
		return len(p), nil
	}
	return l.w.Write(p)
}

// job is one chunk of one file, compressed by a worker and written by the
// writer goroutine in archive order.
type job struct {
	e         *Entry
	off, n    int64
	first     bool
	last      bool
	done      chan struct{}
	err       error
	method    uint16
	crc       uint32 // single-chunk files only
	raw       *[]byte
	comp      *bytes.Buffer
	stored    bool // data is raw (Store method)
	compBytes []byte
}

type packer struct {
	level      int
	files      []Entry
	totalBytes int64
	progress   func(int, int, int64, int64)

	window   *semaphore.Weighted
	rawPool  [2]sync.Pool // by size class
	compPool [2]sync.Pool
}

// weight is what a job counts against the in-flight window.
func (j *job) weight() int64 { return j.n + 4<<10 }

// Buffers come from two size classes so that small files do not pin
// chunk-sized buffers.
const smallBuf = 64 << 10

func (p *packer) getRaw(n int64) *[]byte {
	pool, c := &p.rawPool[0], int64(smallBuf)
	if n > smallBuf {
		pool, c = &p.rawPool[1], chunkSize
	}
	if v, ok := pool.Get().(*[]byte); ok {
		*v = (*v)[:n]
		return v
	}
	b := make([]byte, n, c)
	return &b
}

func (p *packer) getComp(n int64) *bytes.Buffer {
	pool, c := &p.compPool[0], smallBuf+smallBuf/8
	if n > smallBuf {
		pool, c = &p.compPool[1], chunkSize+chunkSize/8
	}
	if v, ok := pool.Get().(*bytes.Buffer); ok {
		v.Reset()
		return v
	}
	return bytes.NewBuffer(make([]byte, 0, c))
}

func (p *packer) release(j *job) {
	p.window.Release(j.weight())
	if j.raw != nil {
		p.rawPool[min(cap(*j.raw)/(smallBuf+1), 1)].Put(j.raw)
		j.raw = nil
	}
	if j.comp != nil {
		p.compPool[min(j.comp.Cap()/(smallBuf+smallBuf/8+1), 1)].Put(j.comp)
		j.comp = nil
	}
	j.compBytes = nil
}

func (p *packer) run(ctx context.Context, out io.Writer, workers int) error {
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan *job)
	// Chunks are read, compressed and written in order; the writer can only
	// take the oldest one. The window of chunks in flight is bounded by
	// bytes (the semaphore, released by the writer) rather than by count,
	// so workers keep busy on small files while a large chunk is compressed
	// and memory stays bounded (about twice the budget).
	budget := max(int64(16<<20), int64(workers)*4*chunkSize)
	p.window = semaphore.NewWeighted(budget)
	queue := make(chan *job, 4096)

	g.Go(func() error { // producer, in archive order
		defer close(jobs)
		defer close(queue)
		for i := range p.files {
			e := &p.files[i]
			off := int64(0)
			for {
				n := min(e.Size-off, chunkSize)
				j := &job{e: e, off: off, n: n, first: off == 0, last: off+n >= e.Size, done: make(chan struct{})}
				if err := p.window.Acquire(gctx, j.weight()); err != nil {
					return err
				}
				select {
				case queue <- j:
				case <-gctx.Done():
					return gctx.Err()
				}
				select {
				case jobs <- j:
				case <-gctx.Done():
					return gctx.Err()
				}
				off += n
				if j.last {
					break
				}
			}
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			fw, err := flate.NewWriter(nil, p.level)
			if err != nil {
				return err
			}
			sw, err := flate.NewWriter(nil, flate.NoCompression)
			if err != nil {
				return err
			}
			for j := range jobs {
				if gctx.Err() == nil {
					j.err = p.compress(j, fw, sw)
				} else {
					j.err = gctx.Err()
				}
				close(j.done)
				if j.err != nil {
					return j.err
				}
			}
			return nil
		})
	}
	g.Go(func() error { return p.write(gctx, out, queue) })
	err := g.Wait()
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// compress reads and deflates one chunk with fw, or with sw (stored deflate
// blocks) when the chunk looks incompressible.
func (p *packer) compress(j *job, fw, sw *flate.Writer) error {
	if j.n == 0 { // empty file
		j.method, j.stored = zip.Store, true
		return nil
	}
	f, err := os.Open(j.e.Source)
	if err != nil {
		return err
	}
	j.raw = p.getRaw(j.n)
	raw := *j.raw
	n, err := f.ReadAt(raw, j.off)
	f.Close()
	if n < len(raw) {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("%s: file shrank while packaging", j.e.Name)
		}
		return err
	}
	single := j.first && j.last
	if single {
		j.crc = crc32.ChecksumIEEE(raw)
	}
	if looksIncompressible(raw) {
		if single {
			j.method, j.stored = zip.Store, true
			return nil
		}
		fw = sw
	}
	j.comp = p.getComp(j.n)
	fw.Reset(j.comp)
	if _, err := fw.Write(raw); err != nil {
		return err
	}
	if j.last {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	if err != nil {
		return err
	}
	if single && j.comp.Len() >= len(raw) {
		j.method, j.stored = zip.Store, true
		return nil
	}
	j.method = zip.Deflate
	j.compBytes = j.comp.Bytes()
	return nil
}

func (j *job) data() []byte {
	if j.stored {
		if j.raw == nil {
			return nil
		}
		return *j.raw
	}
	return j.compBytes
}

func header(e *Entry, method uint16, crc uint32, csize int64) *zip.FileHeader {
	fh := &zip.FileHeader{
		Name:               e.Name,
		Method:             method,
		CRC32:              crc,
		CompressedSize64:   uint64(csize),
		UncompressedSize64: uint64(e.Size),
	}
	fh.SetMode(e.Mode)
	fh.CreatorVersion = 3<<8 | 20 // Unix, spec 2.0
	fh.ReaderVersion = 20
	// The DOS fields alone: Modified would add an extended-timestamp
	// extra field, and the package format has none (see the package doc).
	//lint:ignore SA1019 see above
	fh.ModifiedDate, fh.ModifiedTime = dosDateTime(FixedModTime)
	if !isASCII(e.Name) && utf8.ValidString(e.Name) {
		fh.Flags |= 0x800
	}
	return fh
}

func dosDateTime(t time.Time) (date, tm uint16) {
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// write consumes the queue in order and produces the archive.
func (p *packer) write(ctx context.Context, out io.Writer, queue <-chan *job) error {
	zw := zip.NewWriter(out)
	var spill *os.File
	defer func() {
		if spill != nil {
			spill.Close()
			os.Remove(spill.Name())
		}
	}()
	wait := func(j *job) error {
		select {
		case <-j.done:
			return j.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	filesDone, bytesDone := 0, int64(0)
	for j := range queue {
		if err := wait(j); err != nil {
			return err
		}
		e := j.e
		if j.last { // single chunk: everything is known
			data := j.data()
			w, err := zw.CreateRaw(header(e, j.method, j.crc, int64(len(data))))
			if err == nil {
				_, err = w.Write(data)
			}
			p.release(j)
			if err != nil {
				return err
			}
		} else {
			// Several chunks: the local header needs the total compressed
			// size and CRC first, so the compressed chunks go to a temporary
			// file as they arrive (memory stays bounded).
			if spill == nil {
				f, err := os.CreateTemp("", "tcb-pack-*")
				if err != nil {
					return err
				}
				spill = f
			}
			if err := spillReset(spill); err != nil {
				return err
			}
			var crc uint32
			var csize int64
			for {
				crc = crc32.Update(crc, crc32.IEEETable, *j.raw)
				n, err := spill.Write(j.compBytes)
				csize += int64(n)
				last := j.last
				p.release(j)
				if err != nil {
					return err
				}
				if last {
					break
				}
				var ok bool
				if j, ok = <-queue; !ok {
					return fmt.Errorf("%s: internal error: missing chunk", e.Name)
				}
				if err := wait(j); err != nil {
					return err
				}
			}
			w, err := zw.CreateRaw(header(e, zip.Deflate, crc, csize))
			if err != nil {
				return err
			}
			if _, err := spill.Seek(0, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.CopyN(w, spill, csize); err != nil {
				return err
			}
		}
		filesDone++
		bytesDone += e.Size
		if p.progress != nil {
			p.progress(filesDone, len(p.files), bytesDone, p.totalBytes)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return zw.Close()
}

func spillReset(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}
