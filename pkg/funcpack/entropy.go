package funcpack

import "math"

// Incompressible data (images, fonts, archives, random bytes) costs the LZ
// search a lot for nothing. Pack samples each chunk's byte histogram and,
// when it is close to uniform, stores the chunk instead of searching for
// matches. The decision depends only on the chunk's bytes, so it keeps the
// output deterministic; a wrong guess only costs size, never correctness.
const (
	entropyMinSize   = 4 << 10 // smaller chunks are always compressed
	entropySample    = 8 << 10 // bytes read at each of entropySamples offsets
	entropySamples   = 4
	entropyThreshold = 7.9 // bits per byte; uniform random data is ~7.99
)

// looksIncompressible reports whether b's sampled order-0 entropy is above
// entropyThreshold.
func looksIncompressible(b []byte) bool {
	if len(b) < entropyMinSize {
		return false
	}
	var hist [256]int
	total := 0
	add := func(s []byte) {
		for _, c := range s {
			hist[c]++
		}
		total += len(s)
	}
	if len(b) <= entropySample*entropySamples {
		add(b)
	} else {
		step := len(b) / entropySamples
		for i := range entropySamples {
			off := i * step
			add(b[off : off+entropySample])
		}
	}
	n := float64(total)
	h := 0.0
	for _, c := range hist {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h > entropyThreshold
}
