package ooc

// CRC-32C arithmetic for checksums of data read out of order: the input
// checksum is over the frames in order, while band mode reads each frame
// in pieces of rows, piece after piece. A CRC without its initial and final
// inversion is linear over GF(2), so the pieces' checksums combine into the
// in-order one (the method of zlib's crc32_combine).

// crcPoly is CRC-32C's polynomial, bit-reflected.
const crcPoly = 0x82f63b78

// mulModP returns a*b modulo the polynomial (both reflected: bit 31 is x^0).
func mulModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// crcShiftOp is x^(8n) modulo the polynomial: multiplying a register by it
// (crcShift) feeds it n zero bytes.
func crcShiftOp(n int64) uint32 {
	op := uint32(1) << 31 // x^0
	sq := uint32(1) << 30 // x^1, then x^2, x^4, ...
	for i := 0; i < 3; i++ {
		sq = mulModP(sq, sq) // x^8: one byte
	}
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			op = mulModP(sq, op)
		}
		sq = mulModP(sq, sq)
	}
	return op
}

// crcShift feeds the register crc the zero bytes of op (crcShiftOp).
func crcShift(op, crc uint32) uint32 { return mulModP(op, crc) }

// crcRaw is the CRC-32C register of b from 0, without inversions.
func crcRaw(b []byte) uint32 { return ^CRCUpdate(^uint32(0), b) }

// crcFromRaw turns the register of n bytes from 0 (crcRaw, combined)
// into their CRC-32C as CRC computes it.
func crcFromRaw(raw uint32, n int64) uint32 {
	return ^(raw ^ crcShift(crcShiftOp(n), ^uint32(0)))
}

// CRCCombine returns the CRC-32C of a followed by b from crcA, crcB and
// b's length (zlib's crc32_combine): a file's checksum from its parts'
// without reading a part again.
func CRCCombine(crcA, crcB uint32, lenB int64) uint32 {
	return crcShift(crcShiftOp(lenB), crcA) ^ crcB
}
