package funcpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Limits bounds what SafeUnzip, Validate and NewFS accept. Zero fields take
// the defaults; a negative field disables that check.
type Limits struct {
	MaxFiles     int   // entries (files and directories); default DefaultMaxFiles
	MaxTotalSize int64 // uncompressed bytes in all; default DefaultMaxTotalSize
	MaxFileSize  int64 // uncompressed bytes of one entry; default MaxTotalSize
	// MaxRatio is the largest expansion (bytes written / compressed bytes
	// read) allowed for an entry once it has produced RatioGrace bytes;
	// default DefaultMaxRatio.
	MaxRatio int
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxFiles == 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxTotalSize == 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxFileSize == 0 {
		l.MaxFileSize = l.MaxTotalSize
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// planned is a checked archive entry.
type planned struct {
	f     *zip.File
	name  string // clean relative slash path
	isDir bool
	exec  bool
}

// openZip parses the central directory and checks every entry's name, type
// and declared size against lim, without reading any data. The returned
// plan is in archive order.
func openZip(r io.ReaderAt, size int64, lim Limits) ([]planned, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %v", ErrInvalidZip, err)
	}
	if lim.MaxFiles >= 0 && len(zr.File) > lim.MaxFiles {
		return nil, fmt.Errorf("%w: the archive has %d entries, the limit is %d", ErrTooManyFiles, len(zr.File), lim.MaxFiles)
	}
	plan := make([]planned, 0, len(zr.File))
	kinds := make(map[string]bool, len(zr.File)) // clean name -> is a directory
	var declared uint64
	for _, f := range zr.File {
		name, err := cleanEntryName(f.Name)
		if err != nil {
			return nil, err
		}
		mode := f.Mode()
		isDir := strings.HasSuffix(f.Name, "/") || mode.IsDir()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, &EntryError{Name: f.Name, Err: ErrLinkEntry, Detail: "symbolic links are not allowed"}
		case !isDir && !mode.IsRegular():
			return nil, &EntryError{Name: f.Name, Err: ErrLinkEntry, Detail: "special file type " + mode.Type().String()}
		case isDir && f.UncompressedSize64 != 0:
			return nil, &EntryError{Name: f.Name, Err: ErrSizeMismatch, Detail: "directory entry with data"}
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, &EntryError{Name: f.Name, Err: ErrInvalidZip, Detail: fmt.Sprintf("unsupported compression method %d", f.Method)}
		}
		if f.Flags&0x1 != 0 {
			return nil, &EntryError{Name: f.Name, Err: ErrInvalidZip, Detail: "encrypted entries are not supported"}
		}
		// Collisions: the same path twice, or a path used both as a file and
		// as a parent directory. Directory entries may repeat implicitly.
		if prevDir, ok := kinds[name]; ok && (!prevDir || !isDir) {
			return nil, &EntryError{Name: f.Name, Err: ErrDuplicateEntry, Detail: "another entry has the same path"}
		}
		kinds[name] = isDir
		for dir := parentOf(name); dir != ""; dir = parentOf(dir) {
			if isDirKind, ok := kinds[dir]; ok {
				if !isDirKind {
					return nil, &EntryError{Name: f.Name, Err: ErrDuplicateEntry, Detail: fmt.Sprintf("%q is also a file", dir)}
				}
				break // its own parents were checked when it was added
			}
			kinds[dir] = true
		}
		if !isDir {
			if lim.MaxFileSize >= 0 && f.UncompressedSize64 > uint64(lim.MaxFileSize) {
				return nil, &EntryError{Name: f.Name, Err: ErrFileTooLarge, Detail: fmt.Sprintf("header declares %s, the limit is %s",
					FormatSize(int64(min(f.UncompressedSize64, 1<<62))), FormatSize(lim.MaxFileSize))}
			}
			declared += min(f.UncompressedSize64, 1<<62)
			if lim.MaxTotalSize >= 0 && declared > uint64(lim.MaxTotalSize) {
				return nil, &SizeError{What: "uncompressed archive (declared in headers)", Limit: lim.MaxTotalSize,
					Actual: int64(min(declared, 1<<62)), AtLeast: true, Err: ErrTotalTooLarge}
			}
		}
		plan = append(plan, planned{f: f, name: name, isDir: isDir, exec: mode&0o111 != 0})
	}
	return plan, nil
}

func parentOf(name string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// extractor streams entries while enforcing the limits on the bytes actually
// produced (headers are never trusted).
type extractor struct {
	lim   Limits
	total int64
	buf   []byte
}

// countReader counts the compressed bytes consumed.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// copyEntry decompresses p.f into w (which may be io.Discard) and returns the
// number of bytes written.
func (x *extractor) copyEntry(p planned, w io.Writer) (int64, error) {
	f := p.f
	raw, err := f.OpenRaw()
	if err != nil {
		return 0, &EntryError{Name: f.Name, Err: ErrInvalidZip, Detail: err.Error()}
	}
	cr := &countReader{r: raw}
	var src io.Reader = cr
	if f.Method == zip.Deflate {
		fr := flate.NewReader(cr)
		defer fr.Close()
		src = fr
	}
	if x.buf == nil {
		x.buf = make([]byte, 32<<10)
	}
	declared := f.UncompressedSize64
	h := crc32.NewIEEE()
	var written int64
	for {
		n, rerr := src.Read(x.buf)
		if n > 0 {
			written += int64(n)
			x.total += int64(n)
			switch {
			case uint64(written) > declared:
				return written, &EntryError{Name: f.Name, Err: ErrSizeMismatch,
					Detail: fmt.Sprintf("data is longer than the %d bytes declared in the header", declared)}
			case x.lim.MaxFileSize >= 0 && written > x.lim.MaxFileSize:
				return written, &EntryError{Name: f.Name, Err: ErrFileTooLarge, Detail: "limit is " + FormatSize(x.lim.MaxFileSize)}
			case x.lim.MaxTotalSize >= 0 && x.total > x.lim.MaxTotalSize:
				return written, &SizeError{What: "uncompressed archive", Limit: x.lim.MaxTotalSize, Actual: x.total, AtLeast: true, Err: ErrTotalTooLarge}
			case x.lim.MaxRatio > 0 && written > RatioGrace && written > cr.n*int64(x.lim.MaxRatio):
				return written, &EntryError{Name: f.Name, Err: ErrCompressionRatio,
					Detail: fmt.Sprintf("%d compressed bytes expanded to more than %d (limit %d:1); possible zip bomb", cr.n, written, x.lim.MaxRatio)}
			}
			h.Write(x.buf[:n])
			if _, err := w.Write(x.buf[:n]); err != nil {
				return written, err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return written, &EntryError{Name: f.Name, Err: ErrInvalidZip, Detail: rerr.Error()}
		}
	}
	if uint64(written) != declared {
		return written, &EntryError{Name: f.Name, Err: ErrSizeMismatch,
			Detail: fmt.Sprintf("data is %d bytes, the header declares %d", written, declared)}
	}
	if h.Sum32() != f.CRC32 {
		return written, &EntryError{Name: f.Name, Err: ErrInvalidZip, Detail: "CRC-32 mismatch"}
	}
	return written, nil
}

// Validate checks a whole archive the way SafeUnzip does (names, types,
// duplicates, counts, sizes, ratio, CRC) by decompressing every entry to
// nowhere. It writes nothing to disk.
func Validate(r io.ReaderAt, size int64, lim Limits) (Stats, error) {
	lim = lim.withDefaults()
	plan, err := openZip(r, size, lim)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{ZipSize: size}
	x := &extractor{lim: lim}
	for _, p := range plan {
		if p.isDir {
			st.Dirs++
			continue
		}
		n, err := x.copyEntry(p, io.Discard)
		if err != nil {
			return st, err
		}
		st.Files++
		st.Bytes += n
	}
	return st, nil
}

// ValidateZip is Validate for an archive held in memory, e.g. an upload
// received by the emulator.
func ValidateZip(b []byte, lim Limits) error {
	_, err := Validate(bytes.NewReader(b), int64(len(b)), lim)
	return err
}

// NewFS validates the archive (see Validate) and returns it as a read-only
// fs.FS, for callers that only need to look at a few files (e.g. whether the
// handler file exists) without extracting.
func NewFS(r io.ReaderAt, size int64, lim Limits) (fs.FS, error) {
	if _, err := Validate(r, size, lim); err != nil {
		return nil, err
	}
	return zip.NewReader(r, size)
}

// SafeUnzip extracts the archive into dest, which must not exist or be an
// empty directory. Entries are written to a temporary directory next to dest
// that is renamed to dest only when every entry has been extracted and
// checked, so on error dest is left as it was and nothing else remains.
//
// It rejects (see the Err* sentinels): unreadable archives, absolute names,
// drive letters, backslashes, ".." components, symbolic links and special
// files, duplicate or colliding paths, more than lim.MaxFiles entries, entries
// or totals over the size limits, expansion over lim.MaxRatio, and data that
// does not match its header (size or CRC). Sizes are enforced on the bytes
// actually produced. Files get mode 0644, or 0755 when the entry has any
// execute bit; directories 0755 (both before the umask). Nested zip files are
// extracted as ordinary files.
func SafeUnzip(r io.ReaderAt, size int64, dest string, lim Limits) (Stats, error) {
	lim = lim.withDefaults()
	plan, err := openZip(r, size, lim)
	if err != nil {
		return Stats{}, err
	}
	dest, err = filepath.Abs(dest)
	if err != nil {
		return Stats{}, err
	}
	destExists, err := checkDest(dest)
	if err != nil {
		return Stats{}, err
	}
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Stats{}, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".unzip-*")
	if err != nil {
		return Stats{}, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()

	st := Stats{ZipSize: size}
	x := &extractor{lim: lim}
	for _, p := range plan {
		target := filepath.Join(tmp, filepath.FromSlash(p.name))
		if p.isDir {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return st, err
			}
			st.Dirs++
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return st, err
		}
		perm := fs.FileMode(0o644)
		if p.exec {
			perm = 0o755
		}
		// O_EXCL: never follow or overwrite anything already there (this
		// also catches names that collide on case-insensitive file systems).
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			if errors.Is(err, fs.ErrExist) {
				return st, &EntryError{Name: p.f.Name, Err: ErrDuplicateEntry, Detail: "path already extracted (names differing only in case?)"}
			}
			return st, err
		}
		n, err := x.copyEntry(p, out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return st, err
		}
		st.Files++
		st.Bytes += n
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return st, err
	}
	if destExists {
		if err := os.Remove(dest); err != nil { // empty, checked above
			return st, fmt.Errorf("%w: %v", ErrDestination, err)
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		return st, err
	}
	ok = true
	return st, nil
}

// checkDest reports whether dest exists; it must be absent or an empty
// directory.
func checkDest(dest string) (bool, error) {
	fi, err := os.Lstat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%w: %s exists and is not a directory", ErrDestination, dest)
	}
	f, err := os.Open(dest)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return false, fmt.Errorf("%w: %s is not empty", ErrDestination, dest)
	}
	return true, nil
}
