//go:build cgo && !ipcf_purego

package errk

/*
#cgo CFLAGS: -O2
#include "errk.h"
*/
import "C"

import "unsafe"

// The C code runs where the CPU has AVX2 (asked once, at start-up).
func init() {
	if C.ipcf_errk_avx2() != 0 {
		binsImpl, smoothRowImpl, levelsImpl = binsC, smoothRowC, levelsC
	}
}

func dp(x []float64) *C.double { return (*C.double)(unsafe.Pointer(&x[0])) }

func binsC(z []float64, n int, u, v, pv []float64, bins []int64) {
	C.ipcf_errk_bins(dp(z), C.int64_t(n), dp(u), dp(v), dp(pv), (*C.int64_t)(unsafe.Pointer(&bins[0])), C.int64_t(len(bins)))
}

func smoothRowC(zi, zo []float64, wn, wo float64) {
	if len(zi) == 0 {
		return
	}
	_ = zo[len(zi)-1]
	C.ipcf_errk_smooth_row(dp(zi), dp(zo), C.int64_t(len(zi)), C.double(wn), C.double(wo))
}

func levelsC(x []float64, minBlocks int, c []float64) (float64, int) {
	if len(x) == 0 || len(c) == 0 {
		return levelsGo(x, minBlocks, c)
	}
	var lv C.int64_t
	mean := C.ipcf_errk_levels(dp(x), C.int64_t(len(x)), C.int64_t(minBlocks), dp(c), C.int64_t(len(c)), &lv)
	return float64(mean), int(lv)
}
