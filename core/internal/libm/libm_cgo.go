//go:build cgo && !ipcf_purego

package libm

// #cgo LDFLAGS: -lm
// #include <math.h>
import "C"

// Log returns the C library's log(x).
func Log(x float64) float64 { return float64(C.log(C.double(x))) }

// TruncExp2 returns trunc(pow(2, y)) with the C library's pow.
func TruncExp2(y float64) int { return int(C.pow(2, C.double(y))) }
