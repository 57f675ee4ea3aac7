package funcpack

import (
	"path"
	"strings"
)

// cleanEntryName checks an archive entry name and returns it as a clean
// relative slash path ("a/b/c", no trailing slash). It rejects names that are
// empty, absolute ("/x", "C:x", "\\\\server"), use backslashes, contain NUL or
// a ".." component, or clean to the archive root.
func cleanEntryName(name string) (string, error) {
	switch {
	case name == "":
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "empty name"}
	case strings.ContainsRune(name, 0):
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "NUL byte in name"}
	case strings.Contains(name, `\`):
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "backslash in name (Windows path separators are not allowed)"}
	case strings.HasPrefix(name, "/"):
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "absolute path"}
	case len(name) >= 2 && name[1] == ':' && isLetter(name[0]):
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "absolute path (drive letter)"}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: `".." path component escapes the destination`}
		}
	}
	clean := path.Clean(name)
	if clean == "." || clean == "/" {
		return "", &EntryError{Name: name, Err: ErrUnsafePath, Detail: "names the archive root"}
	}
	return clean, nil
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
