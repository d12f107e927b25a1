package ooc

import (
	"math/rand/v2"
	"testing"

	"github.com/ipcf/ipcf/core/array"
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

// TestFrameCRCLayouts: FrameCRC is the CRC-32C of the samples row by row,
// whatever the frame's strides (whole rows back to back take one call).
func TestFrameCRCLayouts(t *testing.T) {
	const h, w, es = 5, 7, 2
	rng := rand.New(rand.NewPCG(3, 4))
	dense := make([]byte, h*w*es)
	for i := range dense {
		dense[i] = byte(rng.Uint32())
	}
	want := CRCUpdate(0x1234, dense)
	for _, st := range [][2]int{{w * es, es}, {w*es + 6, es}, {2 * w * es, 2 * es}} {
		buf := make([]byte, 3+h*st[0])
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				copy(buf[3+y*st[0]+x*st[1]:], dense[(y*w+x)*es:(y*w+x+1)*es])
			}
		}
		v, err := array.New(array.Uint16, array.NativeOrder, []int{h, w}, st[:], buf, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := FrameCRC(0x1234, v, h, w); got != want {
			t.Errorf("strides %v: %08x, want %08x", st, got, want)
		}
	}
}
