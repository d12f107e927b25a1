package pcf

import (
	"testing"

	"github.com/ipcf/ipcf/core/internal/fft"
)

// TestDirectionIndependent: the curve of pixel q at offset -o is the same
// number whether it is computed as the backward direction of the pair
// (p, q = p + o), with offset o requested too, or on its own (the spec:
// results must not depend on which direction was computed), bit for bit,
// for every bins mode, the pair kernel's transform and the per-pair
// transform path (NewFFT, the pure-Go build's), whose inverse transforms
// of X and of its conjugate rounded differently (the GPU's: emuDirection).
func TestDirectionIndependent(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"log", Options{Nbins: 12}},
		{"linear", Options{Nbins: 12, Bins: LinearBinning}},
		// more bins than the dot path takes: the pair kernel's transform
		{"linear 48 bins, the kernel's transform", Options{Nbins: 48, Bins: LinearBinning}},
		{"multitau", Options{Bins: Multitau, M: 4}},
		{"log, per-pair transform", Options{Nbins: 12, NewFFT: fft.New}},
		{"multitau, per-pair transform", Options{Bins: Multitau, M: 4, NewFFT: func(n int) fft.Plan { return fft.NewGonum(n) }}},
	} {
		directionCheck(t, c.name, c.o)
	}
}

// directionCheck compares, for three offsets o, the curves at -o computed
// with o (the backward direction of o's pairs) and alone, bit for bit.
func directionCheck(t *testing.T, name string, base Options) {
	t.Helper()
	data := randomStack(21, 512, 12, 12, 30)
	for _, o := range []Offset{{1, 0}, {2, -1}, {0, 3}} {
		neg := Offset{-o.U, -o.V}
		both, one := base, base
		both.Offsets = []Offset{o, neg}
		one.Offsets = []Offset{neg}
		gb, g := compute(t, data, both)
		g1, g1g := compute(t, data, one)
		// the same margins: both requests reach |o| in each direction
		if g.OutShape[0] != g1g.OutShape[0] || g.OutShape[1] != g1g.OutShape[1] {
			t.Fatalf("%s %v: shapes %v and %v", name, o, g.OutShape, g1g.OutShape)
		}
		P := g.OutShape[3]
		diff := 0
		for px := 0; px < g.OutShape[0]*g.OutShape[1]; px++ {
			for j := 0; j < P; j++ {
				a, b := gb[(px*2+1)*P+j], g1[px*P+j]
				if a != b && !(a != a && b != b) {
					diff++
				}
			}
		}
		if diff > 0 {
			t.Errorf("%s, offset %v: %d of %d points of the curves at %v differ between computing it with %v and alone", name, neg, diff, g.OutShape[0]*g.OutShape[1]*P, neg, o)
		}
	}
}
