package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// FileStore keeps tokens in one JSON file (by default
// $TCB_CONFIG_DIR/tokens.json) shared by any number of processes.
//
// Locking protocol:
//   - Per-app refresh lock: an exclusive flock(2) on the sidecar file
//     "<path>.<appid>.lock", taken by Lock and held across the upstream call.
//     A process that dies releases it automatically, so the lease argument
//     is not needed. The lock file also holds a counter that is incremented
//     on every acquisition: the lease's fencing token.
//   - Write lock: an exclusive flock on "<path>.lock", held only for the
//     read-modify-write of the JSON file inside Put/PutForceState (so that
//     refreshes of different apps do not lose each other's updates). Lock
//     order is always app lock, then write lock.
//   - Writes are atomic: a temp file in the same directory (mode 0600),
//     written, fsynced, renamed over the file, then the directory fsynced.
//     Readers take no lock and never see a torn file.
//
// The file is created 0600 and its directory 0700; a file readable or
// writable by group or others is refused, as ssh does with keys.
type FileStore struct {
	path string
	poll time.Duration
}

// NewFileStore returns a store on path, creating its directory (0700) if
// missing.
func NewFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, errors.New("token: file store path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("token: create store directory: %w", err)
	}
	return &FileStore{path: abs, poll: 10 * time.Millisecond}, nil
}

// Path is the token file.
func (s *FileStore) Path() string { return s.path }

const fileVersion = 1

type fileData struct {
	Version int                 `json:"version"`
	Apps    map[string]*fileApp `json:"apps"`
}

type fileApp struct {
	Record *Record     `json:"record,omitempty"`
	Fence  int64       `json:"fence,omitempty"` // fence of the newest write
	Force  *ForceState `json:"force,omitempty"`
}

func (s *FileStore) read() (*fileData, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileData{Version: fileVersion, Apps: map[string]*fileApp{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token: open store: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("token: stat store: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && !isWindows {
		return nil, fmt.Errorf("token: store %s is accessible by group or others (mode %04o); fix it with: chmod 600 %s", s.path, perm, s.path)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("token: read store: %w", err)
	}
	d := &fileData{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, d); err != nil {
			return nil, fmt.Errorf("token: store %s is not valid JSON (%v); delete it to start over", s.path, err)
		}
	}
	if d.Apps == nil {
		d.Apps = map[string]*fileApp{}
	}
	return d, nil
}

// Get implements Store.
func (s *FileStore) Get(_ context.Context, appid string) (*Record, error) {
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	if a := d.Apps[appid]; a != nil && a.Record != nil && a.Record.Token != "" {
		return a.Record, nil
	}
	return nil, ErrNotFound
}

// ForceState implements Store.
func (s *FileStore) ForceState(_ context.Context, appid string) (ForceState, error) {
	d, err := s.read()
	if err != nil {
		return ForceState{}, err
	}
	if a := d.Apps[appid]; a != nil && a.Force != nil {
		return *a.Force, nil
	}
	return ForceState{}, nil
}

// Lock implements Store. lease is ignored: the kernel drops the lock when
// the holder dies.
func (s *FileStore) Lock(ctx context.Context, appid string, _ time.Duration) (Lease, error) {
	if err := ValidAppID(appid); err != nil {
		return nil, err
	}
	path := s.path + "." + appid + ".lock"
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, s.poll)
	if err != nil {
		return nil, fmt.Errorf("token: lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("token: lock %s: %w", path, context.Cause(ctx))
	}
	fence, err := bumpCounter(path)
	if err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("token: lock %s: %w", path, err)
	}
	return &fileLease{store: s, appid: appid, fl: fl, fence: fence}, nil
}

// bumpCounter increments the decimal counter held in the (locked) lock file.
func bumpCounter(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 32))
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseInt(string(b), 10, 64)
	if now := time.Now().UnixMilli(); n < now {
		// Seeding from the clock keeps fences increasing even if the lock
		// file is deleted.
		n = now
	}
	n++
	out := strconv.AppendInt(nil, n, 10)
	if _, err := f.WriteAt(out, 0); err != nil {
		return 0, err
	}
	if err := f.Truncate(int64(len(out))); err != nil {
		return 0, err
	}
	return n, nil
}

type fileLease struct {
	store *FileStore
	appid string
	fence int64

	mu       sync.Mutex
	fl       *flock.Flock
	released bool
}

func (l *fileLease) Fence() int64 { return l.fence }

func (l *fileLease) Valid(context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released || !l.fl.Locked() {
		return false
	}
	held, err := l.fl.Stat()
	if err != nil {
		return false
	}
	cur, err := os.Stat(l.fl.Path())
	return err == nil && os.SameFile(held, cur)
}

func (l *fileLease) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	l.released = true
	return l.fl.Unlock()
}

// Put implements Store.
func (s *FileStore) Put(ctx context.Context, rec *Record, l Lease) error {
	if rec == nil || rec.AppID == "" {
		return errors.New("token: Put needs a record with an appid")
	}
	r := rec.Clone()
	return s.update(ctx, rec.AppID, l, func(a *fileApp) { a.Record = r })
}

// PutForceState implements Store.
func (s *FileStore) PutForceState(ctx context.Context, appid string, st ForceState, l Lease) error {
	return s.update(ctx, appid, l, func(a *fileApp) { a.Force = &st })
}

func (s *FileStore) update(ctx context.Context, appid string, l Lease, fn func(*fileApp)) error {
	fl, ok := l.(*fileLease)
	if !ok || fl.store != s || fl.appid != appid {
		return fmt.Errorf("token: write to %s needs a lock of this store for that app", appid)
	}
	if !fl.Valid(ctx) {
		return fmt.Errorf("token: write %s: %w", appid, ErrFenced)
	}
	w := flock.New(s.path+".lock", flock.SetPermissions(0o600))
	got, err := w.TryLockContext(ctx, s.poll)
	if err != nil || !got {
		if err == nil {
			err = context.Cause(ctx)
		}
		return fmt.Errorf("token: lock %s.lock: %w", s.path, err)
	}
	defer w.Unlock()

	d, err := s.read()
	if err != nil {
		return err
	}
	a := d.Apps[appid]
	if a == nil {
		a = &fileApp{}
		d.Apps[appid] = a
	}
	if a.Fence > fl.fence {
		return fmt.Errorf("token: write %s: %w", appid, ErrFenced)
	}
	fn(a)
	a.Fence = fl.fence
	d.Version = fileVersion
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, append(b, '\n'))
}

// writeFileAtomic replaces path with data: temp file in the same directory,
// fsync, rename, fsync of the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("token: write store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil && !isWindows {
		return fmt.Errorf("token: write store: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("token: write store: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("token: write store: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("token: write store: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("token: write store: %w", err)
	}
	syncDir(dir)
	return nil
}

func syncDir(dir string) {
	if isWindows {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Ping implements Store: the directory must be writable.
func (s *FileStore) Ping(context.Context) error {
	st, err := os.Stat(filepath.Dir(s.path))
	if err != nil {
		return fmt.Errorf("token: store directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("token: store directory %s is not a directory", filepath.Dir(s.path))
	}
	_, err = s.read()
	return err
}

// Close implements Store.
func (s *FileStore) Close() error { return nil }
