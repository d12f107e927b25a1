//go:build !amd64 || purego || amd64.v3

package bleach

// Without the AVX kernels (other architectures, the purego tag, and
// GOAMD64=v3 and above, where the compiler fuses a*b + c into an FMA in the
// Go code and the unfused assembly would no longer match Correct), the
// rows are the Go loops.

func fwdRow(row, c, sum []float64, f0, f1 float64)  { fwdRowGo(row, c, sum, f0, f1) }
func recRow(row, prev, s []float64, f0, f1 float64) { recRowGo(row, prev, s, f0, f1) }
func backRow(s, c []float64, f0, f1 float64)        { backRowGo(s, c, f0, f1) }
func backOutRow(row, s, c, m []float64, f0, f1, lo, hi float64) {
	backOutRowGo(row, s, c, m, f0, f1, lo, hi)
}

// prefetchRows loads every 64th and the last of the bytes [o + t*st,
// o + t*st + w) of d for t < n: without a prefetch instruction, a short
// loop of independent loads has the cache misses in flight together. It
// returns their sum so that the loads stay (it is not inlined).
//
//go:noinline
func prefetchRows(d []byte, o, st, n, w int) byte {
	var acc byte
	for t := 0; t < n; t++ {
		p := o + t*st
		for i := 0; i < w-1; i += 64 {
			acc += d[p+i]
		}
		acc += d[p+w-1]
	}
	return acc
}

func decodeU16LE(dst []float64, src []byte) { decodeU16LEGo(dst, src) }
func encodeU16LE(dst []byte, src []float64) { encodeU16LEGo(dst, src) }
