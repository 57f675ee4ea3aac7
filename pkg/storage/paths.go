package storage

import (
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// MaxKeyBytes is the longest object key COS accepts.
const MaxKeyBytes = 850

// CloudPath checks a cloud path given by the user (a key, or a directory
// prefix ending in "/"; "" is the bucket's root when allowEmpty): no
// leading "/", no "." or ".." segments, no NUL or control characters,
// valid UTF-8, at most MaxKeyBytes. Backslashes are kept (they are legal
// key characters).
func CloudPath(p string, allowEmpty bool) (string, error) {
	bad := func(why string) error { return errkind.Errorf(errkind.Input, "cloud path %q: %s", p, why) }
	switch {
	case p == "":
		if allowEmpty {
			return "", nil
		}
		return "", errkind.New(errkind.Input, "the cloud path is empty")
	case strings.HasPrefix(p, "/"):
		return "", bad("absolute paths are refused: cloud paths are relative to the bucket (drop the leading /)")
	case len(p) > MaxKeyBytes:
		return "", bad("longer than the 850-byte limit")
	case !utf8.ValidString(p):
		return "", bad("not valid UTF-8")
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", bad("contains a NUL or control character")
	}
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, s := range segs {
		if s == "." || s == ".." {
			return "", bad("'.' and '..' segments are refused")
		}
		if s == "" && i < len(segs)-1 {
			return "", bad("empty path segment (//)")
		}
	}
	return p, nil
}

// Dir turns a cloud path into a directory prefix: "" stays "", else it ends
// with "/".
func Dir(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}

// LocalPath maps a key under prefix to a path under dir, refusing keys
// that would land outside it (a hostile listing: "../", absolute or
// drive-letter paths, NUL).
func LocalPath(dir, prefix, key string) (string, error) {
	rel := strings.TrimPrefix(key, prefix)
	if rel == "" || strings.HasSuffix(rel, "/") {
		return "", errkind.Errorf(errkind.Input, "key %q is a directory marker", key)
	}
	if strings.ContainsRune(rel, 0) || strings.Contains(rel, "\\") || path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" {
		return "", errkind.Errorf(errkind.Input, "key %q cannot be a local path", key)
	}
	for _, s := range strings.Split(rel, "/") {
		if s == "" || s == "." || s == ".." {
			return "", errkind.Errorf(errkind.Input, "key %q would leave the download directory", key)
		}
	}
	out := filepath.Join(dir, filepath.FromSlash(rel))
	if r, err := filepath.Rel(dir, out); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", errkind.Errorf(errkind.Input, "key %q would leave the download directory", key)
	}
	return out, nil
}
