package cos

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkPutSmall puts 1 KB objects from 8 goroutines per CPU (one round trip
// each: the per-object cost of the store and its commits).
func BenchmarkPutSmall(b *testing.B) {
	h := start(b).newEnv()
	c := h.sdk(h.bucket)
	body := randomBytes(1, 1024)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("b/%d", n.Add(1))
			if _, err := c.Object.Put(context.Background(), key, bytes.NewReader(body), nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPut200K puts 200 KB objects from 8 goroutines per CPU (the tree of the
// upload budget: 1,000 files, 200 MB).
func BenchmarkPut200K(b *testing.B) {
	h := start(b).newEnv()
	c := h.sdk(h.bucket)
	body := randomBytes(2, 200<<10)
	var n atomic.Int64
	b.SetBytes(int64(len(body)))
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("b/%d", n.Add(1))
			if _, err := c.Object.Put(context.Background(), key, bytes.NewReader(body), nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
