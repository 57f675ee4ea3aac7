package funcpack

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

func sampleTree() map[string]tfile {
	return map[string]tfile{
		"index.js":           {data: "exports.main = async () => 1\n"},
		"package.json":       {data: `{"name":"f"}`},
		".env":               {data: "A=1\n"},
		"bin/run.sh":         {data: "#!/bin/sh\necho hi\n", mode: 0o755},
		"lib/a-b.js":         {data: "a-b"},
		"lib/a/b.js":         {data: "a/b"},
		"lib/empty.txt":      {data: ""},
		"assets/random.bin":  {data: randomString(1, 200<<10)},
		"assets/big.txt":     {data: textString(2<<20 + 12345)}, // three chunks
		"assets/bigrand.bin": {data: randomString(2, 1<<20+7)},  // two chunks, stored blocks
		"assets/mixed.bin":   {data: textString(600<<10) + randomString(3, 700<<10)},
		"中文/名字.js":           {data: "utf8 name"},
	}
}

func TestPackDeterministic(t *testing.T) {
	files := sampleTree()
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, files, nil)

	// Tree b: reverse creation order, other permission bits, random mtimes.
	var order []string
	for name := range files {
		order = append(order, name)
	}
	slices.Sort(order)
	slices.Reverse(order)
	alt := map[string]tfile{}
	for name, f := range files {
		if f.mode&0o111 != 0 {
			f.mode = 0o700
		} else {
			f.mode = 0o600
		}
		alt[name] = f
	}
	writeTree(t, b, alt, order)
	for i, name := range order {
		mt := time.Date(2020+i, time.Month(1+i%12), 1+i, i, i, i, 0, time.Local)
		if err := os.Chtimes(filepath.Join(b, filepath.FromSlash(name)), mt, mt); err != nil {
			t.Fatal(err)
		}
	}

	ctx := context.Background()
	pa, err := PackBytes(ctx, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, conc := range []int{1, 3, 8} {
		pb, err := PackBytes(ctx, b, Options{Concurrency: conc})
		if err != nil {
			t.Fatal(err)
		}
		if pa.CodeSha256 != pb.CodeSha256 || !bytes.Equal(pa.Zip, pb.Zip) {
			t.Fatalf("concurrency %d: different archives for the same tree: %s vs %s", conc, pa.CodeSha256, pb.CodeSha256)
		}
	}
	// Streaming Pack gives the same bytes as PackBytes.
	var buf bytes.Buffer
	st, err := Pack(ctx, a, Options{Concurrency: 2}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), pa.Zip) || st.ZipSize != int64(buf.Len()) {
		t.Fatal("Pack and PackBytes differ")
	}
	if len(pa.CodeSha256) != 64 || pa.CodeSha256 != CodeSha256(pa.Zip) {
		t.Fatalf("bad CodeSha256 %q", pa.CodeSha256)
	}
	// A content change changes the hash.
	os.WriteFile(filepath.Join(b, "lib", "a-b.js"), []byte("a-c"), 0o600)
	pc, err := PackBytes(ctx, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pc.CodeSha256 == pa.CodeSha256 {
		t.Fatal("hash did not change with the content")
	}
}

func TestPackLayout(t *testing.T) {
	dir := t.TempDir()
	files := sampleTree()
	writeTree(t, dir, files, nil)
	os.MkdirAll(filepath.Join(dir, "emptydir", "deeper"), 0o755)
	p, err := PackBytes(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(p.Zip), int64(len(p.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.HasSuffix(f.Name, "/") {
			t.Errorf("directory entry %q", f.Name)
		}
		if !f.Modified.Equal(FixedModTime) {
			t.Errorf("%s: modified %v", f.Name, f.Modified)
		}
		if len(f.Extra) != 0 || f.Comment != "" {
			t.Errorf("%s: extra %x comment %q", f.Name, f.Extra, f.Comment)
		}
		if f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %x", f.Name, f.CreatorVersion)
		}
		if f.Flags&0x8 != 0 {
			t.Errorf("%s: data descriptor", f.Name)
		}
		want := fs.FileMode(0o644)
		if files[f.Name].mode&0o111 != 0 {
			want = 0o755
		}
		if f.Mode() != want {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("entries not sorted: %q", names)
	}
	if len(names) != len(files) || p.Stats.Files != len(files) {
		t.Errorf("got %d entries (stats %d), want %d", len(names), p.Stats.Files, len(files))
	}
	// "a-b.js" sorts before "a/b.js" in byte order even though the walk
	// visits directory "a" first.
	if i, j := slices.Index(names, "lib/a-b.js"), slices.Index(names, "lib/a/b.js"); i > j {
		t.Errorf("byte order broken: %q", names)
	}
	methods := map[string]uint16{}
	for _, f := range zr.File {
		methods[f.Name] = f.Method
	}
	if methods["assets/random.bin"] != zip.Store || methods["lib/empty.txt"] != zip.Store {
		t.Errorf("incompressible/empty files should be stored: %v", methods)
	}
	if methods["assets/big.txt"] != zip.Deflate || methods["index.js"] != zip.Store {
		t.Errorf("methods: %v", methods)
	}
	got, _ := readZip(t, p.Zip)
	for name, f := range files {
		if got[name].data != f.data {
			t.Errorf("%s: content differs", name)
		}
	}
	var total int64
	for _, f := range files {
		total += int64(len(f.data))
	}
	if p.Stats.Bytes != total || p.Stats.ZipSize != int64(len(p.Zip)) {
		t.Errorf("stats %+v, want bytes %d zip %d", p.Stats, total, len(p.Zip))
	}
}

func TestPackIgnore(t *testing.T) {
	files := map[string]tfile{
		"index.js":                {data: "1"},
		".env":                    {data: "1"},
		".git/config":             {data: "1"},
		".git/objects/ab":         {data: "1"},
		"node_modules/a/index.js": {data: "1"},
		"node_modules/.bin/x":     {data: "1"},
		"lib/node_modules/b.js":   {data: "1"},
		"logs/app.log":            {data: "1"},
		"app.log":                 {data: "1"},
		"src/a.test.js":           {data: "1"},
		"src/deep/b.test.js":      {data: "1"},
		"src/main.js":             {data: "1"},
		"docs/readme.md":          {data: "1"},
		"tmp/x":                   {data: "1"},
		"tmpfile":                 {data: "1"},
	}
	dir := t.TempDir()
	writeTree(t, dir, files, nil)
	all := make([]string, 0, len(files))
	for n := range files {
		all = append(all, n)
	}
	without := func(drop ...string) []string {
		var out []string
		for _, n := range all {
			keep := true
			for _, d := range drop {
				if n == d || strings.HasPrefix(n, d+"/") {
					keep = false
				}
			}
			if keep {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name    string
		opts    Options
		want    []string
		ignored int
	}{
		{"none", Options{}, without(), 0},
		{"directory name excludes the subtree", Options{Ignore: []string{"node_modules"}}, without("node_modules"), 1},
		{"node-glob children pattern", Options{Ignore: []string{"node_modules/**/*"}}, without("node_modules"), 2},
		{"star is anchored at the root", Options{Ignore: []string{"*.log"}}, without("app.log"), 1},
		{"globstar any depth", Options{Ignore: []string{"**/*.log"}}, without("app.log", "logs/app.log"), 2},
		{"dot directory", Options{Ignore: []string{".git"}}, without(".git"), 1},
		{"dotfile by star", Options{Ignore: []string{".*"}}, without(".git", ".env"), 2},
		{"test files at any depth", Options{Ignore: []string{"**/*.test.js"}}, without("src/a.test.js", "src/deep/b.test.js"), 2},
		{"single level", Options{Ignore: []string{"src/*.test.js"}}, without("src/a.test.js"), 1},
		{"trailing slash means directories only", Options{Ignore: []string{"tmp/", "tmpfile/"}}, without("tmp"), 1},
		{"leading ./ and / removed", Options{Ignore: []string{"./docs/**", "/app.log"}}, without("docs", "app.log"), 2},
		{"alternatives", Options{Ignore: []string{"{docs,tmp}"}}, without("docs", "tmp"), 2},
		{"nested node_modules kept by ExcludeNodeModules", Options{ExcludeNodeModules: true}, without("node_modules"), 1},
		{"ExcludeNodeModules plus user patterns", Options{ExcludeNodeModules: true, Ignore: []string{".git", "*.log"}}, without("node_modules", ".git", "app.log"), 3},
		{"blank patterns ignored", Options{Ignore: []string{"", "  ", "./"}}, without(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, st, err := List(context.Background(), dir, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if st.Ignored != tt.ignored {
				t.Errorf("ignored %d, want %d", st.Ignored, tt.ignored)
			}
			p, err := PackBytes(context.Background(), dir, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, names := readZip(t, p.Zip)
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("zip has %q", names)
			}
		})
	}

	_, err := PackBytes(context.Background(), dir, Options{Ignore: []string{"src/[a"}})
	if !errors.Is(err, doublestar.ErrBadPattern) || !strings.Contains(err.Error(), `"src/[a"`) {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestPackEmpty(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	_, err := PackBytes(ctx, dir, Options{})
	var ee *EmptyPackageError
	if !errors.As(err, &ee) || !errors.Is(err, ErrEmptyPackage) {
		t.Fatalf("want EmptyPackageError, got %v", err)
	}
	if !strings.Contains(err.Error(), "nothing to package in "+dir) || !strings.Contains(err.Error(), "contains no files") {
		t.Errorf("message: %v", err)
	}

	writeTree(t, dir, map[string]tfile{"node_modules/x.js": {data: "1"}, "a.log": {data: "1"}}, nil)
	_, err = PackBytes(ctx, dir, Options{ExcludeNodeModules: true, Ignore: []string{"*.log"}})
	if !errors.As(err, &ee) {
		t.Fatalf("want EmptyPackageError, got %v", err)
	}
	want := "(after ignore rules: node_modules, node_modules/**/*, *.log; 2 path(s) ignored)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
}

func TestPackTooLarge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]tfile{"a.bin": {data: randomString(9, 300<<10)}, "b.txt": {data: textString(100 << 10)}}, nil)
	full, err := PackBytes(ctx, dir, Options{MaxZipSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	st, err := Pack(ctx, dir, Options{MaxZipSize: 100000}, &buf)
	var se *SizeError
	if !errors.As(err, &se) || !errors.Is(err, ErrZipTooLarge) {
		t.Fatalf("want SizeError, got %v", err)
	}
	if se.Limit != 100000 || se.Actual != int64(len(full.Zip)) || st.ZipSize != se.Actual {
		t.Errorf("size error %+v, full size %d", se, len(full.Zip))
	}
	if buf.Len() > 100000 {
		t.Errorf("wrote %d bytes past the limit", buf.Len())
	}
	if !strings.Contains(err.Error(), "over the 97.7 KB (100000 bytes) limit by") {
		t.Errorf("message: %v", err)
	}
}

func TestPackProgressAndCancel(t *testing.T) {
	dir := t.TempDir()
	files := sampleTree()
	writeTree(t, dir, files, nil)
	var calls, lastFiles int
	var lastBytes, total int64
	_, err := PackBytes(context.Background(), dir, Options{Progress: func(fd, ft int, bd, bt int64) {
		calls++
		if fd != lastFiles+1 || bd < lastBytes || ft != len(files) {
			t.Errorf("progress went %d/%d %d -> %d/%d %d", lastFiles, ft, lastBytes, fd, ft, bd)
		}
		lastFiles, lastBytes, total = fd, bd, bt
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(files) || lastBytes != total {
		t.Errorf("calls %d, bytes %d/%d", calls, lastBytes, total)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PackBytes(ctx, dir, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Cancel in the middle of a run.
	ctx, cancel = context.WithCancel(context.Background())
	_, err = Pack(ctx, dir, Options{Concurrency: 2, Progress: func(fd, _ int, _, _ int64) {
		if fd == 2 {
			cancel()
		}
	}}, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled midway: %v", err)
	}
}

func TestPackBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := filepath.Join(dir, "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := PackBytes(ctx, f, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as dir: %v", err)
	}
	if _, err := PackBytes(ctx, filepath.Join(dir, "missing"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := PackBytes(ctx, dir, Options{Level: 10}); err == nil {
		t.Error("level 10 accepted")
	}
}

func TestPackSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	base := t.TempDir()
	outside := filepath.Join(base, "outside.txt")
	os.WriteFile(outside, []byte("secret"), 0o644)
	dir := filepath.Join(base, "fn")
	writeTree(t, dir, map[string]tfile{
		"real/a.txt":     {data: "A"},
		"real/sub/b.txt": {data: "B"},
		"real/run.sh":    {data: "#!/bin/sh", mode: 0o755},
	}, nil)
	links := map[string]string{
		"link-file.txt":  "real/a.txt",
		"link-dir":       "real",
		"real/sub/up":    "..",
		"self":           ".",
		"escape.txt":     outside,
		"escape-rel.txt": "../outside.txt",
		"dangling":       "nowhere",
		"link-exec":      "real/run.sh",
		"ignored-link":   outside,
	}
	wantSocket := false
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	// A socket is skipped, not packaged.
	if ln, err := net.Listen("unix", filepath.Join(dir, "sock")); err == nil {
		defer ln.Close()
		wantSocket = true
	}
	// The function directory itself may be reached through a link.
	viaLink := filepath.Join(base, "fnlink")
	os.Symlink(dir, viaLink)

	entries, st, err := List(context.Background(), viaLink, Options{Ignore: []string{"ignored-link"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name)
		if e.Name == "link-exec" && e.Mode != 0o755 {
			t.Errorf("link-exec mode %v", e.Mode)
		}
	}
	want := []string{"link-dir/a.txt", "link-dir/run.sh", "link-dir/sub/b.txt", "link-exec", "link-file.txt",
		"real/a.txt", "real/run.sh", "real/sub/b.txt"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	reasons := map[string]string{}
	for _, s := range st.Skipped {
		reasons[s.Path] = s.Reason
	}
	wantSkip := map[string]string{
		"dangling":        "dangling",
		"escape.txt":      "outside",
		"escape-rel.txt":  "outside",
		"self":            "loops",
		"real/sub/up":     "loops",
		"link-dir/sub/up": "loops",
	}
	if wantSocket {
		wantSkip["sock"] = "not a regular file"
	}
	if len(reasons) != len(wantSkip) {
		t.Errorf("skipped %v", st.Skipped)
	}
	for p, frag := range wantSkip {
		if !strings.Contains(reasons[p], frag) {
			t.Errorf("%s: reason %q, want it to mention %q", p, reasons[p], frag)
		}
	}
	if st.Ignored != 1 {
		t.Errorf("ignored %d", st.Ignored)
	}
	p, err := PackBytes(context.Background(), dir, Options{Ignore: []string{"ignored-link"}})
	if err != nil {
		t.Fatal(err)
	}
	zf, _ := readZip(t, p.Zip)
	if zf["link-file.txt"].data != "A" || zf["link-dir/sub/b.txt"].data != "B" {
		t.Errorf("link contents: %v", zf)
	}
	for name := range zf {
		if strings.Contains(zf[name].data, "secret") {
			t.Errorf("%s leaks a file from outside the directory", name)
		}
	}
}

func TestLimitsAndChecks(t *testing.T) {
	if MaxZipSize != 52428800 || MaxRequestBodySize != 10485760 {
		t.Fatal("constants changed")
	}
	if Base64Len(MaxInlineZipSize)+InlineRequestOverhead > MaxRequestBodySize {
		t.Errorf("MaxInlineZipSize %d does not fit", MaxInlineZipSize)
	}
	if Base64Len(MaxInlineZipSize+3)+InlineRequestOverhead <= MaxRequestBodySize {
		t.Errorf("MaxInlineZipSize %d is not the largest", MaxInlineZipSize)
	}
	for n, want := range map[int64]int64{0: 0, 1: 4, 2: 4, 3: 4, 4: 8, 300: 400} {
		if got := Base64Len(n); got != want {
			t.Errorf("Base64Len(%d) = %d", n, got)
		}
	}
	if err := CheckZipSize(MaxZipSize); err != nil {
		t.Error(err)
	}
	err := CheckZipSize(MaxZipSize + 1)
	if !errors.Is(err, ErrZipTooLarge) || !strings.Contains(err.Error(), "over the 50.00 MB (52428800 bytes) limit by 1 bytes") {
		t.Errorf("CheckZipSize: %v", err)
	}
	if err := CheckInlineUpload(MaxInlineZipSize); err != nil {
		t.Error(err)
	}
	err = CheckInlineUpload(9 << 20)
	var se *SizeError
	if !errors.As(err, &se) || !errors.Is(err, ErrInlineTooLarge) || se.Limit != MaxRequestBodySize {
		t.Fatalf("CheckInlineUpload: %v", err)
	}
	if se.Actual != Base64Len(9<<20)+InlineRequestOverhead {
		t.Errorf("actual %d", se.Actual)
	}
	for _, frag := range []string{"inline upload request body", "10.00 MB (10485760 bytes) limit by", "base64", "COS"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("message %q lacks %q", err, frag)
		}
	}
	if err := CheckInlineUpload(60 << 20); !errors.Is(err, ErrZipTooLarge) {
		t.Errorf("60 MB: %v", err)
	}
}

func TestLooksIncompressible(t *testing.T) {
	if !looksIncompressible([]byte(randomString(5, 1<<20))) || !looksIncompressible([]byte(randomString(5, 5000))) {
		t.Error("random data not detected")
	}
	if looksIncompressible([]byte(textString(1<<20))) || looksIncompressible([]byte(randomString(5, 1000))) {
		t.Error("false positive")
	}
}
