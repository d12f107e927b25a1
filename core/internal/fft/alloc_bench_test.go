//go:build linux

package fft

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestBigComplex64sReuse checks that a released array's mapping is reused
// by the next call of a size it fits, and not by one it does not.
func TestBigComplex64sReuse(t *testing.T) {
	c, free := BigComplex64s(1 << 20)
	p := &c[0]
	c[5] = 1
	free()
	c, free = BigComplex64s(3 << 18)
	if &c[0] != p {
		t.Errorf("mapping not reused")
	}
	free()
	c, free = BigComplex64s(1 << 18) // less than half: a new one
	if &c[0] == p {
		t.Errorf("mapping reused for an array of a quarter of its size")
	}
	c[len(c)-1] = 2
	free()
}

// BenchmarkBigComplex64s compares, interleaved, a fresh mapping against a
// reused one for the spectra of the default dataset (24 rows of 64 pixels
// of n = 16,384: 100 MiB), each written once as the engine does.
func BenchmarkBigComplex64s(b *testing.B) {
	n := 24 * 64 * 8200
	defer func() { reuseBigs = true }()
	var fresh, reused []float64
	for b.Loop() {
		for _, reuse := range []bool{false, true} {
			reuseBigs = reuse
			t0 := time.Now()
			c, free := BigComplex64s(n)
			for i := 0; i < len(c); i += 512 {
				c[i] = 1
			}
			free()
			ms := float64(time.Since(t0).Microseconds()) / 1e3
			if reuse {
				reused = append(reused, ms)
			} else {
				fresh = append(fresh, ms)
			}
		}
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	fmt.Printf("100 MiB of spectra written once: fresh mapping %.1f ms, reused %.1f ms (medians of %d)\n", med(fresh), med(reused), len(fresh))
}
