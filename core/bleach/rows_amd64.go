//go:build amd64 && !purego && !amd64.v3

package bleach

// useAVX reports whether the processor and the operating system support
// AVX (CPUID.1:ECX.AVX and OSXSAVE, XCR0 with the SSE and AVX states).
var useAVX = func() bool {
	_, _, ecx, _ := cpuid(1, 0)
	if ecx&(1<<27) == 0 || ecx&(1<<28) == 0 {
		return false
	}
	eax, _ := xgetbv()
	return eax&6 == 6
}()

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// The AVX kernels process len(row) lanes, a multiple of 4; the other
// slices must be at least as long. They use separate multiplies and adds
// (never FMA), correctly rounded division and square root, and the
// rounding and clipping of correct1, so each lane gets the bits of the Go
// loops.

// prefetchRows asks for the bytes [o + t*st, o + t*st + w) of d, for
// t < n and w >= 1, to be brought into the cache. The caller keeps them
// inside d.
//
//go:noescape
func prefetchRows(d []byte, o, st, n, w int)

//go:noescape
func fwdRowAVX(row, c, sum []float64, f0, f1 float64)

//go:noescape
func recRowAVX(row, prev, s []float64, f0, f1 float64)

//go:noescape
func backRowAVX(s, c []float64, f0, f1 float64)

//go:noescape
func backOutRowAVX(row, s, c, m []float64, f0, f1, lo, hi float64)

func fwdRow(row, c, sum []float64, f0, f1 float64) {
	n := 0
	if useAVX {
		n = len(row) &^ 3
		fwdRowAVX(row[:n], c[:n], sum[:n], f0, f1)
	}
	fwdRowGo(row[n:], c[n:], sum[n:], f0, f1)
}

func recRow(row, prev, s []float64, f0, f1 float64) {
	n := 0
	if useAVX {
		n = len(row) &^ 3
		recRowAVX(row[:n], prev[:n], s[:n], f0, f1)
	}
	recRowGo(row[n:], prev[n:], s[n:], f0, f1)
}

func backRow(s, c []float64, f0, f1 float64) {
	n := 0
	if useAVX {
		n = len(s) &^ 3
		backRowAVX(s[:n], c[:n], f0, f1)
	}
	backRowGo(s[n:], c[n:], f0, f1)
}

func backOutRow(row, s, c, m []float64, f0, f1, lo, hi float64) {
	n := 0
	if useAVX {
		n = len(row) &^ 3
		backOutRowAVX(row[:n], s[:n], c[:n], m[:n], f0, f1, lo, hi)
	}
	backOutRowGo(row[n:], s[n:], c[n:], m[n:], f0, f1, lo, hi)
}

//go:noescape
func decodeU16LEAVX(dst []float64, src []byte)

//go:noescape
func encodeU16LEAVX(dst []byte, src []float64)

// decodeU16LE sets dst[j] to the little-endian uint16 at src[2*j:].
func decodeU16LE(dst []float64, src []byte) {
	n := 0
	if useAVX {
		n = len(dst) &^ 3
		decodeU16LEAVX(dst[:n], src[:2*n])
	}
	decodeU16LEGo(dst[n:], src[2*n:])
}

// encodeU16LE stores uint16(src[j]), integers in [0, 65535], little-endian
// at dst[2*j:].
func encodeU16LE(dst []byte, src []float64) {
	n := 0
	if useAVX {
		n = len(src) &^ 3
		encodeU16LEAVX(dst[:2*n], src[:n])
	}
	encodeU16LEGo(dst[2*n:], src[n:])
}
