package funcpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// zent is an entry of a hand-built (possibly hostile) archive.
type zent struct {
	name string
	data string
	mode fs.FileMode // 0: regular 0644
	// raw, when set, is written as the compressed data (Deflate) with the
	// declared size and CRC below instead of compressing data.
	raw      []byte
	declSize uint64
	crc      uint32
	method   uint16
}

func buildZip(t testing.TB, entries []zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		fh.SetMode(mode)
		if e.raw != nil {
			fh.Method = zip.Deflate
			if e.method != 0 {
				fh.Method = e.method
			}
			fh.CompressedSize64 = uint64(len(e.raw))
			fh.UncompressedSize64 = e.declSize
			fh.CRC32 = e.crc
			w, err := zw.CreateRaw(fh)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.raw)
			continue
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeroBomb returns deflate data expanding to mib MiB of zeros, built by
// repeating one independently flushed 1 MiB segment (a few KB for 1 GB),
// and the CRC of the expansion.
func zeroBomb(t testing.TB, mib int) ([]byte, uint32) {
	t.Helper()
	zeros := make([]byte, 1<<20)
	var seg bytes.Buffer
	fw, _ := flate.NewWriter(&seg, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush()
	var final bytes.Buffer
	fw2, _ := flate.NewWriter(&final, flate.BestCompression)
	fw2.Close()
	out := bytes.Repeat(seg.Bytes(), mib)
	out = append(out, final.Bytes()...)
	var crc uint32
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	return out, crc
}

func TestSafeUnzipRejects(t *testing.T) {
	bomb1G, crc1G := zeroBomb(t, 1024)
	if len(bomb1G) > 2<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb1G))
	}
	bomb400, crc400 := zeroBomb(t, 400)
	tooMany := make([]zent, DefaultMaxFiles+1)
	for i := range tooMany {
		tooMany[i] = zent{name: fmt.Sprintf("f%d", i)}
	}
	mib := make([]byte, 1<<20)
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, 5)
	fw.Write(mib)
	fw.Close()
	mibCRC := crc32.ChecksumIEEE(mib)

	tests := []struct {
		name    string
		entries []zent
		data    []byte // instead of entries
		lim     Limits
		want    error
		frag    string
	}{
		{name: "dot-dot escape", entries: []zent{{name: "ok.txt", data: "x"}, {name: "../evil", data: "x"}}, want: ErrUnsafePath, frag: `"../evil"`},
		{name: "nested dot-dot", entries: []zent{{name: "a/../../evil", data: "x"}}, want: ErrUnsafePath},
		{name: "harmless-looking dot-dot", entries: []zent{{name: "a/../b", data: "x"}}, want: ErrUnsafePath},
		{name: "absolute", entries: []zent{{name: "/abs", data: "x"}}, want: ErrUnsafePath, frag: "absolute"},
		{name: "drive letter backslash", entries: []zent{{name: `C:\x`, data: "x"}}, want: ErrUnsafePath},
		{name: "drive letter", entries: []zent{{name: "C:x", data: "x"}}, want: ErrUnsafePath, frag: "drive letter"},
		{name: "backslash", entries: []zent{{name: `a\..\..\b`, data: "x"}}, want: ErrUnsafePath, frag: "backslash"},
		{name: "UNC", entries: []zent{{name: `\\server\share`, data: "x"}}, want: ErrUnsafePath},
		{name: "NUL", entries: []zent{{name: "a\x00b", data: "x"}}, want: ErrUnsafePath},
		{name: "root", entries: []zent{{name: "./", data: ""}}, want: ErrUnsafePath},
		{name: "symlink entry", entries: []zent{{name: "link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777}}, want: ErrLinkEntry, frag: "symbolic link"},
		{name: "symlink then file through it", entries: []zent{
			{name: "link", data: "/tmp", mode: fs.ModeSymlink | 0o777},
			{name: "link/evil", data: "x"},
		}, want: ErrLinkEntry},
		{name: "named pipe", entries: []zent{{name: "fifo", mode: fs.ModeNamedPipe | 0o644}}, want: ErrLinkEntry},
		{name: "duplicate", entries: []zent{{name: "a.txt", data: "1"}, {name: "a.txt", data: "2"}}, want: ErrDuplicateEntry},
		{name: "duplicate after cleaning", entries: []zent{{name: "a/b", data: "1"}, {name: "a//./b", data: "2"}}, want: ErrDuplicateEntry},
		{name: "file then dir", entries: []zent{{name: "a", data: "1"}, {name: "a/b", data: "2"}}, want: ErrDuplicateEntry, frag: "also a file"},
		{name: "dir then file", entries: []zent{{name: "a/b", data: "1"}, {name: "a", data: "2"}}, want: ErrDuplicateEntry},
		{name: "bomb declared 1 GB", entries: []zent{{name: "zeros", raw: bomb1G, declSize: 1 << 30, crc: crc1G}}, want: ErrFileTooLarge, frag: "header declares 1024.00 MB"},
		{name: "declared total over the cap", entries: []zent{
			{name: "z1", raw: bomb400, declSize: 400 << 20, crc: crc400},
			{name: "z2", raw: bomb400, declSize: 400 << 20, crc: crc400},
		}, want: ErrTotalTooLarge, frag: "500.00 MB"},
		{name: "bomb 1 GB caught while streaming", entries: []zent{{name: "zeros", raw: bomb1G, declSize: 1 << 30, crc: crc1G}},
			lim: Limits{MaxTotalSize: -1, MaxFileSize: -1}, want: ErrCompressionRatio, frag: "zip bomb"},
		{name: "bomb under the size caps", entries: []zent{{name: "zeros", raw: bomb400, declSize: 400 << 20, crc: crc400}}, want: ErrCompressionRatio},
		{name: "single file cap", entries: []zent{{name: "big", raw: bomb400, declSize: 400 << 20, crc: crc400}},
			lim: Limits{MaxFileSize: 10 << 20}, want: ErrFileTooLarge},
		{name: "too many files", entries: tooMany, want: ErrTooManyFiles, frag: "20001 entries"},
		{name: "too many files custom", entries: tooMany[:11], lim: Limits{MaxFiles: 10}, want: ErrTooManyFiles},
		{name: "header under-declares", entries: []zent{{name: "liar", raw: comp.Bytes(), declSize: 1000, crc: mibCRC}}, want: ErrSizeMismatch, frag: "longer"},
		{name: "header over-declares", entries: []zent{{name: "liar", raw: comp.Bytes(), declSize: 2 << 20, crc: mibCRC}}, want: ErrSizeMismatch},
		{name: "bad CRC", entries: []zent{{name: "crc", raw: comp.Bytes(), declSize: 1 << 20, crc: mibCRC + 1}}, want: ErrInvalidZip, frag: "CRC"},
		{name: "corrupt deflate", entries: []zent{{name: "junk", raw: []byte{0xff, 0xff, 0xff, 0xff}, declSize: 10}}, want: ErrInvalidZip},
		{name: "unsupported method", entries: []zent{{name: "bz", raw: []byte("x"), declSize: 1, method: 12}}, want: ErrInvalidZip, frag: "method 12"},
		{name: "not a zip", data: []byte("this is not a zip file at all"), want: ErrInvalidZip},
		{name: "empty input", data: []byte{}, want: ErrInvalidZip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = buildZip(t, tt.entries)
			}
			parent := t.TempDir()
			dest := filepath.Join(parent, "out")
			_, err := SafeUnzip(bytes.NewReader(data), int64(len(data)), dest, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.frag != "" && !strings.Contains(err.Error(), tt.frag) {
				t.Errorf("message %q lacks %q", err, tt.frag)
			}
			if names := dirNames(t, parent); len(names) != 0 {
				t.Errorf("left behind %q", names)
			}
			// Validate agrees without touching the disk.
			if _, verr := Validate(bytes.NewReader(data), int64(len(data)), tt.lim); !errors.Is(verr, tt.want) {
				t.Errorf("Validate: %v", verr)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	src := t.TempDir()
	files := sampleTree()
	files["nested.zip"] = tfile{data: string(buildZip(t, []zent{{name: "../inner-evil", data: "x"}}))}
	writeTree(t, src, files, nil)
	p, err := PackBytes(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	dest := filepath.Join(parent, "deep", "out")
	st, err := SafeUnzip(bytes.NewReader(p.Zip), int64(len(p.Zip)), dest, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != len(files) || st.Bytes != p.Stats.Bytes {
		t.Errorf("stats %+v vs pack %+v", st, p.Stats)
	}
	want := readTree(t, src)
	got := readTree(t, dest)
	if !reflect.DeepEqual(got, want) {
		for name := range want {
			if got[name] != want[name] {
				t.Errorf("%s differs (mode %v vs %v)", name, got[name].mode, want[name].mode)
			}
		}
		t.Fatalf("tree differs: %d vs %d files", len(got), len(want))
	}
	if names := dirNames(t, filepath.Join(parent, "deep")); !reflect.DeepEqual(names, []string{"out"}) {
		t.Errorf("temp leftovers: %q", names)
	}
	// A nested zip is a plain file, even a hostile one.
	if fi, err := os.Stat(filepath.Join(dest, "nested.zip")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("nested.zip: %v", err)
	}

	// Into an existing empty directory: fine. Into a non-empty one: refused
	// and untouched.
	empty := filepath.Join(parent, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := SafeUnzip(bytes.NewReader(p.Zip), int64(len(p.Zip)), empty, Limits{}); err != nil {
		t.Errorf("empty dest: %v", err)
	}
	_, err = SafeUnzip(bytes.NewReader(p.Zip), int64(len(p.Zip)), dest, Limits{})
	if !errors.Is(err, ErrDestination) {
		t.Errorf("non-empty dest: %v", err)
	}
	if !reflect.DeepEqual(readTree(t, dest), want) {
		t.Error("existing dest modified")
	}
	file := filepath.Join(parent, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := SafeUnzip(bytes.NewReader(p.Zip), int64(len(p.Zip)), file, Limits{}); !errors.Is(err, ErrDestination) {
		t.Errorf("file dest: %v", err)
	}

	// Validate, ValidateZip, NewFS.
	if err := ValidateZip(p.Zip, Limits{}); err != nil {
		t.Error(err)
	}
	vst, err := Validate(bytes.NewReader(p.Zip), int64(len(p.Zip)), Limits{})
	if err != nil || vst.Files != st.Files || vst.Bytes != st.Bytes {
		t.Errorf("Validate: %+v %v", vst, err)
	}
	fsys, err := NewFS(bytes.NewReader(p.Zip), int64(len(p.Zip)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(fsys, "bin/run.sh")
	if err != nil || string(b) != files["bin/run.sh"].data {
		t.Errorf("NewFS read: %q %v", b, err)
	}
}

func TestSafeUnzipForeignArchives(t *testing.T) {
	// Directory entries, DOS-made entries and a directory named twice are
	// fine.
	data := buildZip(t, []zent{
		{name: "dir/", mode: fs.ModeDir | 0o755},
		{name: "dir/", mode: fs.ModeDir | 0o755},
		{name: "dir/a.txt", data: "a"},
		{name: "./b.txt", data: "b"},
		{name: "empty/", mode: fs.ModeDir | 0o700},
		{name: "x.sh", data: "#!", mode: 0o4755},
	})
	dest := filepath.Join(t.TempDir(), "out")
	st, err := SafeUnzip(bytes.NewReader(data), int64(len(data)), dest, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Dirs != 3 {
		t.Errorf("stats %+v", st)
	}
	fi, err := os.Stat(filepath.Join(dest, "x.sh"))
	if err != nil || fi.Mode()&fs.ModeSetuid != 0 || fi.Mode()&0o100 == 0 {
		t.Errorf("x.sh mode: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(dest, "empty")); err != nil || !fi.IsDir() {
		t.Errorf("empty dir: %v", err)
	}
	if got := readTree(t, dest)["b.txt"].data; got != "b" {
		t.Errorf("b.txt = %q", got)
	}
}

func TestDefaultLimits(t *testing.T) {
	l := DefaultLimits()
	if l.MaxFiles != 20000 || l.MaxTotalSize != 500<<20 || l.MaxFileSize != 500<<20 || l.MaxRatio != DefaultMaxRatio {
		t.Errorf("%+v", l)
	}
}
