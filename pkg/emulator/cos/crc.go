package cos

// CRC-64/ECMA (as hash/crc64 with crc64.ECMA computes it, and as COS
// reports it in x-cos-hash-crc64ecma) of a concatenation, from the CRCs of
// its pieces: the CRC of A then B is the CRC of A advanced over len(B) zero
// bytes, xor the CRC of B. Advancing is a multiplication by x^(8·len(B))
// modulo the polynomial, computed by squaring. Polynomials are in the
// reflected bit order hash/crc64 uses: the top bit is x^0.

// crcPoly is crc64.ECMA, reflected.
const crcPoly = 0xC96C5795D7870F42

// mulModP returns a·b modulo the polynomial.
func mulModP(a, b uint64) uint64 {
	var prod uint64
	for m := uint64(1) << 63; m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
			a &^= m
		}
		// b = b·x mod P
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return prod
}

// xPow8n returns x^(8n) modulo the polynomial.
func xPow8n(n int64) uint64 {
	result := uint64(1) << 63 // x^0
	sq := uint64(1) << 62     // x^1
	// sq walks x^(2^k); start at x^8 = x^(2^3).
	for range 3 {
		sq = mulModP(sq, sq)
	}
	for u := uint64(n); u != 0; u >>= 1 {
		if u&1 != 0 {
			result = mulModP(result, sq)
		}
		sq = mulModP(sq, sq)
	}
	return result
}

// crc64Combine returns the CRC of A||B given crcA, crcB and len(B).
func crc64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	return mulModP(xPow8n(lenB), crcA) ^ crcB
}
