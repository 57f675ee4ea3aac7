package funcpack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxWalkEntries bounds the directory walk; symbolic links to directories can
// multiply a tree, and nothing that large can be deployed anyway.
const maxWalkEntries = 1 << 20

// Entry is one file that Pack puts in the archive.
type Entry struct {
	Name string      // slash-separated path inside the archive
	Size int64       // uncompressed size
	Mode fs.FileMode // 0644 or 0755
	// Source is the file that is read; it differs from the joined Name when
	// the entry is a symbolic link that was followed.
	Source string
}

// Skipped is a path that Pack left out for a reason other than the ignore
// rules (escaping, dangling or looping symbolic links, special files).
type Skipped struct {
	Path   string `json:"path"` // slash path relative to the function directory
	Reason string `json:"reason"`
}

type walker struct {
	ctx     context.Context
	root    string // real path of the function directory
	ign     *ignoreMatcher
	files   []Entry
	ignored int
	skipped []Skipped
	seen    int
}

// List returns the files that Pack would put in the archive for dir and opts,
// in archive order, with the Stats of the walk (Files, Bytes, Ignored,
// Skipped). It reads no file contents. An empty result is not an error here.
func List(ctx context.Context, dir string, opts Options) ([]Entry, Stats, error) {
	w, err := walkTree(ctx, dir, opts)
	if err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Files: len(w.files), Ignored: w.ignored, Skipped: w.skipped}
	for _, e := range w.files {
		st.Bytes += e.Size
	}
	return w.files, st, nil
}

func walkTree(ctx context.Context, dir string, opts Options) (*walker, error) {
	ign, err := newIgnoreMatcher(effectiveIgnore(opts))
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("function directory: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("function directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("function directory %s: not a directory", dir)
	}
	w := &walker{ctx: ctx, root: root, ign: ign}
	if err := w.walk(root, "", map[string]bool{root: true}); err != nil {
		return nil, err
	}
	sort.Slice(w.files, func(i, j int) bool { return w.files[i].Name < w.files[j].Name })
	return w, nil
}

func (w *walker) skip(rel, reason string) {
	w.skipped = append(w.skipped, Skipped{Path: rel, Reason: reason})
}

// walk lists the real directory realDir whose archive path is rel ("" for the
// root). ancestors holds the real paths of the directories on the current
// path, to stop symlink loops.
func (w *walker) walk(realDir, rel string, ancestors map[string]bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	des, err := os.ReadDir(realDir)
	if err != nil {
		return err
	}
	for _, de := range des {
		w.seen++
		if w.seen > maxWalkEntries {
			return fmt.Errorf("%w: more than %d paths under %s (symbolic link cycle?)", ErrTooManyFiles, maxWalkEntries, w.root)
		}
		name := de.Name()
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		childPath := filepath.Join(realDir, name)
		switch t := de.Type(); {
		case t.IsDir():
			if w.ign.match(childRel, true) {
				w.ignored++
				continue
			}
			ancestors[childPath] = true
			err := w.walk(childPath, childRel, ancestors)
			delete(ancestors, childPath)
			if err != nil {
				return err
			}
		case t.IsRegular():
			if w.ign.match(childRel, false) {
				w.ignored++
				continue
			}
			fi, err := de.Info()
			if err != nil {
				return err
			}
			w.addFile(childRel, childPath, fi)
		case t&fs.ModeSymlink != 0:
			if err := w.link(childRel, childPath, ancestors); err != nil {
				return err
			}
		default:
			if w.ign.match(childRel, false) {
				w.ignored++
				continue
			}
			w.skip(childRel, "not a regular file ("+t.String()+")")
		}
	}
	return nil
}

// link applies the symbolic link policy (see the package documentation).
func (w *walker) link(rel, path string, ancestors map[string]bool) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		if w.ign.match(rel, false) {
			w.ignored++
			return nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			w.skip(rel, "dangling symbolic link")
		} else {
			w.skip(rel, "unresolvable symbolic link: "+err.Error())
		}
		return nil
	}
	fi, statErr := os.Stat(target)
	isDir := statErr == nil && fi.IsDir()
	if w.ign.match(rel, isDir) {
		w.ignored++
		return nil
	}
	if !within(w.root, target) {
		w.skip(rel, "symbolic link points outside the function directory")
		return nil
	}
	switch {
	case statErr != nil:
		w.skip(rel, "unreadable symbolic link target: "+statErr.Error())
	case isDir:
		if ancestors[target] {
			w.skip(rel, "symbolic link loops back to a parent directory")
			return nil
		}
		ancestors[target] = true
		err := w.walk(target, rel, ancestors)
		delete(ancestors, target)
		return err
	case fi.Mode().IsRegular():
		w.addFile(rel, target, fi)
	default:
		w.skip(rel, "symbolic link to a special file")
	}
	return nil
}

func (w *walker) addFile(rel, src string, fi fs.FileInfo) {
	mode := fs.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		mode = 0o755
	}
	w.files = append(w.files, Entry{Name: rel, Size: fi.Size(), Mode: mode, Source: src})
}

// within reports whether path is root or below it (both cleaned, absolute).
func within(root, path string) bool {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	return r == "." || (r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r))
}
