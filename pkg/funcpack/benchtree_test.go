package funcpack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchWords feed the generator of compressible, source-like text.
var benchWords = []string{
	"const", "let", "function", "return", "exports", "main", "event", "context",
	"await", "async", "require", "module", "cloud", "database", "collection",
	"where", "get", "update", "openid", "appid", "result", "error", "null",
	"true", "false", "if", "else", "for", "of", "in", "new", "Promise", "=>",
	"{", "}", "(", ")", ";", "=", "+", "data", "userInfo", "timestamp", "JSON",
}

// genBenchTree writes a deterministic tree of about nFiles files and
// totalBytes bytes under dir: many small text files in nested directories
// (like node_modules), a few large ones, and about 30% random bytes.
func genBenchTree(dir string, nFiles int, totalBytes int64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	nBig := max(nFiles/200, 1)
	bigBytes := totalBytes * 2 / 5
	smallBytes := totalBytes - bigBytes
	nSmall := nFiles - nBig
	for i := range nFiles {
		var size int64
		if i < nSmall {
			avg := smallBytes / int64(nSmall)
			size = avg/4 + rng.Int64N(avg*3/2+1)
		} else {
			avg := bigBytes / int64(nBig)
			size = avg/2 + rng.Int64N(avg+1)
		}
		random := rng.IntN(10) < 3
		pkg := "pkg" + strconv.Itoa(i%97)
		sub := "lib" + strconv.Itoa(i%7)
		name := fmt.Sprintf("f%05d.js", i)
		if random {
			name = fmt.Sprintf("f%05d.bin", i)
		}
		p := filepath.Join(dir, "node_modules", pkg, sub, name)
		if i%10 == 0 {
			p = filepath.Join(dir, "src", sub, name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeGenFile(p, size, random, rng); err != nil {
			return err
		}
	}
	return nil
}

func writeGenFile(path string, size int64, random bool, rng *rand.Rand) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	var written int64
	if random {
		var buf [8]byte
		for written < size {
			v := rng.Uint64()
			for k := range buf {
				buf[k] = byte(v >> (8 * k))
			}
			n := min(int64(len(buf)), size-written)
			bw.Write(buf[:n])
			written += n
		}
	} else {
		for written < size {
			w := benchWords[rng.IntN(len(benchWords))]
			if rng.IntN(6) == 0 {
				w = strconv.FormatUint(rng.Uint64()%100000, 36)
			}
			sep := " "
			if rng.IntN(12) == 0 {
				sep = "\n"
			}
			s := w + sep
			if int64(len(s)) > size-written {
				s = s[:size-written]
			}
			io.WriteString(bw, s)
			written += int64(len(s))
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestGenerateBenchTree writes the large benchmark tree to
// $TCB_BENCH_TREE_OUT (used by scripts/bench-pack.sh); skipped otherwise.
func TestGenerateBenchTree(t *testing.T) {
	out := os.Getenv("TCB_BENCH_TREE_OUT")
	if out == "" {
		t.Skip("set TCB_BENCH_TREE_OUT to generate the benchmark tree")
	}
	if err := genBenchTree(out, 10000, 100<<20, 1); err != nil {
		t.Fatal(err)
	}
}

func benchPack(b *testing.B, dir string) {
	ctx := context.Background()
	entries, st, err := List(ctx, dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out.zip")
	b.SetBytes(st.Bytes)
	b.ReportAllocs()
	var zipSize int64
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		pst, err := Pack(ctx, dir, Options{MaxZipSize: -1}, f)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		zipSize = pst.ZipSize
	}
	b.ReportMetric(float64(len(entries)), "files")
	b.ReportMetric(float64(zipSize), "zipbytes")
}

// BenchmarkPack packages a small generated tree (500 files, 5 MB).
func BenchmarkPack(b *testing.B) {
	dir := b.TempDir()
	if err := genBenchTree(dir, 500, 5<<20, 2); err != nil {
		b.Fatal(err)
	}
	benchPack(b, dir)
}

// BenchmarkPackLargeTree packages 10,000 files / 100 MB: the tree in
// $TCB_BENCH_TREE when set (scripts/bench-pack.sh), else a generated one.
func BenchmarkPackLargeTree(b *testing.B) {
	dir := os.Getenv("TCB_BENCH_TREE")
	if dir == "" {
		dir = b.TempDir()
		if err := genBenchTree(dir, 10000, 100<<20, 1); err != nil {
			b.Fatal(err)
		}
	}
	benchPack(b, dir)
}
