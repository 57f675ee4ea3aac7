package funcpack

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tfile describes a file of a test tree.
type tfile struct {
	data string
	mode fs.FileMode // 0 means 0644
}

// writeTree creates files under root in the given order (sorted when order
// is nil).
func writeTree(t testing.TB, root string, files map[string]tfile, order []string) {
	t.Helper()
	if order == nil {
		order = slices.Sorted(maps.Keys(files))
	}
	for _, name := range order {
		f := files[name]
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, []byte(f.data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // defeat the umask
			t.Fatal(err)
		}
	}
}

// zipFile is one entry read back from an archive.
type zipFile struct {
	data string
	mode fs.FileMode
}

func readZip(t testing.TB, b []byte) (map[string]zipFile, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]zipFile{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = zipFile{data: string(data), mode: f.Mode()}
		names = append(names, f.Name)
	}
	return out, names
}

// readTree returns the regular files under root with their contents and
// whether any exec bit is set.
func readTree(t testing.TB, root string) map[string]zipFile {
	t.Helper()
	out := map[string]zipFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			t.Errorf("%s: not a regular file (%v)", p, d.Type())
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		mode := fs.FileMode(0o644)
		if fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		out[filepath.ToSlash(rel)] = zipFile{data: string(data), mode: mode}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func randomString(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return string(b)
}

func textString(n int) string {
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString("exports.main = async (event, context) => ({ n: ")
		sb.WriteString(strings.Repeat("x", i%13))
		sb.WriteString(" })\n")
	}
	return sb.String()[:n]
}

// dirNames lists the names in dir (nil when it does not exist).
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}
