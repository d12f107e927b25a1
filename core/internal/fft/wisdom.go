//go:build cgo && !ipcf_purego

package fft

/*
#include <stdlib.h>
#include <fftw3.h>
*/
import "C"

import (
	_ "embed"
	"unsafe"
)

// wisdom holds FFTW plans for every transform the engines plan (complex
// backward for the pair kernel, r2c forward, c2r inverse; n = 2^2..2^20,
// FFTW_PATIENT up to 2^17 and FFTW_MEASURE beyond), made by
// wisdomgen/wisdomgen.c (make wisdom). Importing it instead of measuring
// at run time makes every thread and every process pick the same plans,
// hence the same rounding: blocks of one image computed by different dask
// workers agree bit for bit with the in-memory result. On a machine where
// it does not apply (another FFTW build, no AVX), FFTW ignores it and the
// planner falls back to FFTW_ESTIMATE, deterministic too.
//
//go:embed wisdom.txt
var wisdom string

var wisdomLoaded bool

// loadWisdom imports the embedded wisdom once, before any plan is made;
// callers hold planMu.
func loadWisdom() {
	if wisdomLoaded {
		return
	}
	wisdomLoaded = true
	s := C.CString(wisdom)
	C.fftwf_import_wisdom_from_string(s)
	C.free(unsafe.Pointer(s))
}
