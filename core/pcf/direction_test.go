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
		name   string
		o      Options
		packed bool
	}{
		{"log", Options{Nbins: 12}, false},
		{"linear", Options{Nbins: 12, Bins: LinearBinning}, false},
		// more bins than the dot path takes: the pair kernel's transform
		{"linear 48 bins, the kernel's transform", Options{Nbins: 48, Bins: LinearBinning}, true},
		{"multitau", Options{Bins: Multitau, M: 4}, false},
		{"log, per-pair transform", Options{Nbins: 12, NewFFT: fft.New}, false},
		{"multitau, per-pair transform", Options{Bins: Multitau, M: 4, NewFFT: func(n int) fft.Plan { return fft.NewGonum(n) }}, false},
	} {
		directionCheck(t, c.name, c.o)
		// (0, 0) twice: the second the same bits as the first (and as
		// alone), not the first's transform read backwards. (Not on the
		// kernel's transform, where a pair's rounding depends on the pair
		// it is packed with in one complex transform, here another offset's.)
		if c.packed {
			continue
		}
		o := c.o
		o.Offsets = []Offset{{0, 0}, {1, 0}, {0, 0}}
		g, geom := compute(t, randomStack(22, 512, 12, 12, 30), o)
		P := geom.OutShape[3]
		for px := 0; px < geom.OutShape[0]*geom.OutShape[1]; px++ {
			for j := 0; j < P; j++ {
				if a, b := g[(px*3)*P+j], g[(px*3+2)*P+j]; a != b && !(a != a && b != b) {
					t.Fatalf("%s: the second (0, 0) differs from the first at pixel %d, point %d: %v, %v", c.name, px, j, b, a)
				}
			}
		}
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
