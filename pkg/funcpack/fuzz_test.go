package funcpack

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSafeUnzip feeds arbitrary bytes to SafeUnzip: it must not panic, must
// write nothing outside dest, must leave nothing behind on error, and must
// only ever produce regular files and directories.
func FuzzSafeUnzip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add(buildZip(f, []zent{{name: "a.txt", data: "hello"}, {name: "dir/", mode: fs.ModeDir | 0o755}, {name: "dir/b", data: "b"}}))
	f.Add(buildZip(f, []zent{{name: "../evil", data: "x"}}))
	f.Add(buildZip(f, []zent{{name: "link", data: "/", mode: fs.ModeSymlink | 0o777}, {name: "link/x", data: "x"}}))
	f.Add(buildZip(f, []zent{{name: "a", data: "1"}, {name: "a/b", data: "2"}}))
	f.Add(buildZip(f, []zent{{name: "liar", raw: []byte{0x4b, 0x04, 0x00}, declSize: 3}}))
	dir := f.TempDir()
	writeTree(f, dir, map[string]tfile{"index.js": {data: "x"}, "bin/x": {data: "#!", mode: 0o755}, "big.txt": {data: textString(1<<20 + 100)}}, nil)
	if p, err := PackBytes(context.Background(), dir, Options{}); err == nil {
		f.Add(p.Zip)
	}

	lim := Limits{MaxFiles: 64, MaxTotalSize: 4 << 20, MaxRatio: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dest := filepath.Join(parent, "out")
		_, err := SafeUnzip(bytes.NewReader(data), int64(len(data)), dest, lim)
		names := dirNames(t, parent)
		if err != nil {
			if len(names) != 0 {
				t.Fatalf("error %v left %q behind", err, names)
			}
			if _, verr := Validate(bytes.NewReader(data), int64(len(data)), lim); verr == nil {
				// Extraction may only fail where validation passes for
				// reasons of the destination file system.
				var ee *EntryError
				if !errors.As(err, &ee) || !errors.Is(err, ErrDuplicateEntry) {
					t.Fatalf("Validate accepted what SafeUnzip rejected: %v", err)
				}
			}
			return
		}
		if len(names) != 1 || names[0] != "out" {
			t.Fatalf("unexpected paths next to dest: %q", names)
		}
		walkErr := filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && !d.Type().IsRegular() {
				t.Errorf("%s: type %v", p, d.Type())
			}
			return nil
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
		if err := os.RemoveAll(dest); err != nil {
			t.Fatal(err)
		}
	})
}
