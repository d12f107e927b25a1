//go:build !cgo || ipcf_purego

package libm

// Log returns log(x) correctly rounded.
func Log(x float64) float64 { return exactLn(x) }

// TruncExp2 returns trunc(2**y) with 2**y correctly rounded.
func TruncExp2(y float64) int { return exactTruncExp2(y) }
