package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gofrs/flock"

	"github.com/tcb-go/tcb/pkg/errkind"
)

const (
	settingsFile    = "config.json"
	credentialsFile = "credentials.json"
	lockFile        = ".lock"
)

// DefaultProfile is the profile used when neither --profile nor TCB_PROFILE
// names one.
const DefaultProfile = "default"

// Dir returns the configuration directory: $TCB_CONFIG_DIR, else
// os.UserConfigDir()/tcb.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("TCB_CONFIG_DIR"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", &FileError{Path: "", Err: fmt.Errorf("cannot find a configuration directory (set TCB_CONFIG_DIR): %w", err)}
	}
	return filepath.Join(base, "tcb"), nil
}

// FileError is a problem with one of tcb's local files.
type FileError struct {
	Path   string
	Err    error
	Advice string // what to do about it; may be empty
}

func (e *FileError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrorKind is errkind.Local.
func (e *FileError) ErrorKind() errkind.Kind { return errkind.Local }

// Hint returns e.Advice.
func (e *FileError) Hint() string { return e.Advice }

// ensureDir creates dir with mode 0700 (and tightens an existing one we own).
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &FileError{Path: dir, Err: err}
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return &FileError{Path: dir, Err: err}
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// A directory made by an older tcb, another tool or a umask of 022
		// lets others list which profiles and files exist: it holds
		// credentials, so it is only ours.
		if err := os.Chmod(dir, 0o700); err != nil {
			return &FileError{Path: dir, Err: fmt.Errorf("tighten to 0700: %w", err), Advice: "run `chmod 700 " + dir + "`"}
		}
	}
	return nil
}

// withLock runs fn while holding the directory's lock file, serialising
// read-modify-write cycles across processes.
func withLock(dir string, fn func() error) error {
	if err := ensureDir(dir); err != nil {
		return err
	}
	l := flock.New(filepath.Join(dir, lockFile))
	if err := l.Lock(); err != nil {
		return &FileError{Path: l.Path(), Err: fmt.Errorf("lock: %w", err)}
	}
	defer l.Unlock()
	return fn()
}

// readJSON decodes path into v; a missing file leaves v untouched.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &FileError{Path: path, Err: fmt.Errorf("not valid JSON: %v", err),
			Advice: "fix or remove the file; tcb rewrites it on the next change"}
	}
	return nil
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory: written, fsynced, chmod'ed to perm, renamed over path, and the
// directory fsynced. Readers see the old or the new content, never a mix.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	tmpName := tmp.Name()
	cleanup := func(e error) error {
		tmp.Close()
		os.Remove(tmpName)
		return &FileError{Path: path, Err: e}
	}
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return cleanup(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return cleanup(err)
	}
	if err := tmp.Sync(); err != nil {
		return cleanup(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmpName)
		return &FileError{Path: path, Err: err}
	}
	if err := os.Rename(tmpName, path); err != nil {
		os.Remove(tmpName)
		return &FileError{Path: path, Err: err}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeJSON(path string, v any, perm fs.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	return WriteFileAtomic(path, append(b, '\n'), perm)
}

// checkPrivate refuses a secrets file that group or others can read, the
// way ssh refuses a private key with loose permissions.
func checkPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return &FileError{Path: path,
			Err:    fmt.Errorf("permissions %04o are too open: the file holds secrets and must not be readable by others", st.Mode().Perm()),
			Advice: fmt.Sprintf("run: chmod 600 %s", path)}
	}
	return nil
}
