package cos

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

func TestCRC64Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sizes := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {7, 13}, {1 << 20, 3}, {5, 1<<16 + 7}, {4096, 4096}} {
		a := make([]byte, sizes[0])
		b := make([]byte, sizes[1])
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc64.Checksum(append(append([]byte{}, a...), b...), crcTable())
		got := crc64Combine(crc64.Checksum(a, crcTable()), crc64.Checksum(b, crcTable()), int64(len(b)))
		if got != want {
			t.Errorf("combine of %d+%d bytes: %x, want %x", len(a), len(b), got, want)
		}
	}
}
