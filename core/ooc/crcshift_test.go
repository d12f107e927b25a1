package ooc

import (
	"math/rand/v2"
	"testing"
)

// TestCRCCombine: checksums of pieces, combined, equal the checksum of
// the whole, for pieces of every length from 0 and random contents.
func TestCRCCombine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 3000)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	for _, cut := range []int{0, 1, 7, 8, 100, 1499, 2999, 3000} {
		for _, end := range []int{cut, cut + 1, 3000} {
			if end > 3000 {
				continue
			}
			whole := CRC(b[:end])
			raw := crcShift(crcShiftOp(int64(end-cut)), crcRaw(b[:cut])) ^ crcRaw(b[cut:end])
			if got := crcFromRaw(raw, int64(end)); got != whole {
				t.Errorf("cut %d end %d: %08x, want %08x", cut, end, got, whole)
			}
		}
	}
	// A long shift: 2^40 zero bytes twice is 2^41.
	a := crcShiftOp(1 << 40)
	if got, want := mulModP(a, a), crcShiftOp(1<<41); got != want {
		t.Errorf("x^(8*2^40) squared = %08x, want %08x", got, want)
	}
	if crcShiftOp(0) != 1<<31 {
		t.Errorf("shift by 0 bytes is not the identity")
	}
}
