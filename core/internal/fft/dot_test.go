//go:build cgo && !ipcf_purego

package fft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// dotSpectra returns the float32 spectra (stride apart in one aligned
// buffer) of m series of length n: a mean of 100 with Gaussian
// fluctuations of 10, and the series themselves.
func dotSpectra(n, m int, seed uint64) (base []complex64, stride int, series [][]float32) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	h := n/2 + 1
	stride = (h + 7) / 8 * 8
	base = Complex64s(m * stride)
	g := NewGonum(n)
	for i := 0; i < m; i++ {
		x := make([]float32, n)
		for k := range x {
			x[k] = float32(100 + 10*rng.NormFloat64())
		}
		g.Forward(base[i*stride:i*stride+h], x)
		series = append(series, x)
	}
	return base, stride, series
}

// exactBinSums is the definition in float64: n Σ_t a[t] b[(t+τ) mod n]
// summed over each bin (forward) and over -τ (backward).
func exactBinSums(a, b []float32, bins []int) (f, w []float64) {
	n := len(a)
	c := make([]float64, n)
	for tau := 0; tau < n; tau++ {
		var s float64
		for t := 0; t < n; t++ {
			s += float64(a[t]) * float64(b[(t+tau)%n])
		}
		c[tau] = float64(n) * s
	}
	lo := 0
	for _, hi := range bins {
		var sf, sw float64
		for tau := lo; tau < hi; tau++ {
			sf += c[tau]
			sw += c[(n-tau)%n]
		}
		f, w = append(f, sf), append(w, sw)
		lo = hi
	}
	return f, w
}

func logBins(n, nbins int) []int {
	var bins []int
	l := math.Log2(float64(n / 2))
	for k := 0; k < nbins; k++ {
		y := float64(k) * l / float64(nbins-1)
		if k == nbins-1 {
			y = l
		}
		b := int(math.Pow(2, y))
		if len(bins) == 0 || b > bins[len(bins)-1] {
			bins = append(bins, b)
		}
	}
	return bins
}

// TestDotPath checks the dot path against the definition in float64 (as a
// pCF value: a bin sum over the bin's width times X(0), the error of G)
// and against the transform, for every count of weight vectors (1 to 32
// bins), on the reference and the SIMD code.
func TestDotPath(t *testing.T) {
	defer dotLevel(dotLevel(-1))
	best := 1
	if dotSIMD() {
		best = 2
	}
	for _, c := range []struct{ n, nbins int }{{64, 8}, {1024, 12}, {1024, 32}, {1024, 60}, {1024, 400}, {256, 128}} {
		bins := logBins(c.n, c.nbins)
		if c.nbins == 400 {
			bins = bins[:0]
			for e := 1; e <= c.n/2; e += 11 {
				bins = append(bins, e) // 47 linear bins
			}
		}
		nb := len(bins)
		base, stride, series := dotSpectra(c.n, 5, uint64(c.n+nb))
		k := NewPairKernel(c.n, bins)
		if (k.dot != nil) != (nb <= dotMaxBins) {
			t.Fatalf("n=%d nb=%d: dot weights %v", c.n, nb, k.dot != nil)
		}
		if k.dot == nil {
			continue
		}
		units := []Unit{NewUnit(0, stride, 2*stride, 3*stride, true, true), NewUnit(4*stride, 0, -1, -1, true, false),
			NewUnit(stride, stride, stride, 2*stride, true, true)}
		pairs := [][2]int{{0, 1}, {2, 3}, {4, 0}, {1, 1}, {1, 2}}
		slot := []int{0, 2, 4, 8, 10} // the forward sums' offsets in units of nb
		run := func(level int) []float64 {
			dotLevel(level)
			out := make([]float64, 4*nb*len(units))
			k.Pairs(base, units, out)
			return out
		}
		fft, ref := run(0), run(1)
		var worstDot, worstFFT float64
		for i, p := range pairs {
			ef, ew := exactBinSums(series[p[0]], series[p[1]], bins)
			bo := (slot[i] + 1) * nb
			if i == 2 || i == 4 {
				bo = -1 // not asked for
			}
			scale := float64(real(base[p[0]*stride])) * float64(real(base[p[1]*stride]))
			ed, et := gErrors(ref, fft, slot[i]*nb, bo, ef, ew, bins, scale)
			worstDot, worstFFT = max(worstDot, ed), max(worstFFT, et)
		}
		t.Logf("n=%d nb=%d: largest error of G, dot path %.2g, transform %.2g", c.n, nb, worstDot, worstFFT)
		if worstDot > 1e-6 || worstDot > 4*worstFFT+1e-8 {
			t.Errorf("n=%d nb=%d: dot path error %.3g (transform %.3g)", c.n, nb, worstDot, worstFFT)
		}
		// A pair's sums do not depend on the batch it came in (tiles of
		// pairs, the engine's row segments): each unit alone, in reverse.
		for level := 1; level <= best; level++ {
			dotLevel(level)
			for u := len(units) - 1; u >= 0; u-- {
				one := make([]float64, 4*nb)
				k.Pairs(base, units[u:u+1], one)
				want := ref[4*nb*u : 4*nb*(u+1)]
				if level > 1 {
					want = run(level)[4*nb*u : 4*nb*(u+1)]
					dotLevel(level)
				}
				for i := range one {
					if (units[u].needb2 == 0 && i >= 3*nb) || (units[u].needb1 == 0 && i >= nb && i < 2*nb) || (units[u].p2 < 0 && i >= 2*nb) {
						continue
					}
					if math.Float64bits(one[i]) != math.Float64bits(want[i]) {
						t.Fatalf("n=%d nb=%d level %d: unit %d alone: out[%d] = %v, in the batch %v", c.n, nb, level, u, i, one[i], want[i])
					}
				}
			}
		}
		for level := 2; level <= best; level++ {
			got := run(level)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(ref[i]) {
					t.Fatalf("n=%d nb=%d: code level %d: out[%d] = %v, reference %v", c.n, nb, level, i, got[i], ref[i])
				}
			}
		}
	}
	if best < 2 {
		t.Log("no AVX-512F here: only the dot path's reference ran (Pairs takes the transform on this CPU)")
	}
}

// gErrors returns the largest errors of G in two outputs a and b of
// Pairs for one pair, whose forward sums start at index fo and backward
// sums at bo (bo < 0: not asked for), against the float64 sums ef and ew:
// a bin's error over its width times scale, the product of the pair's
// raw sums.
func gErrors(a, b []float64, fo, bo int, ef, ew []float64, bins []int, scale float64) (ea, eb float64) {
	for j := range bins {
		norm := scale * float64(binWidth(bins, j))
		for _, c := range []struct {
			o int
			e float64
		}{{fo, ef[j]}, {bo, ew[j]}} {
			if c.o < 0 {
				continue
			}
			ea = max(ea, math.Abs(a[c.o+j]-c.e)/norm)
			eb = max(eb, math.Abs(b[c.o+j]-c.e)/norm)
		}
	}
	return ea, eb
}

func binWidth(bins []int, j int) int {
	if j == 0 {
		return bins[0]
	}
	return bins[j] - bins[j-1]
}

// TestDotPathIllConditioned compares the dot path's error with the
// transform's where one delay dominates the correlation, so that every
// bin sum cancels large terms: the ACF of sparse photon counts (mean 0.02
// and 0.002 a frame) and pairs of pixels sharing one saturated frame. The
// spectra are of the deviations from the mean, as in the engine, and the
// error is of G (a bin's mean over the product of the raw sums). The
// float32 sums over groups of 32 frequencies, each group's mean of the
// cross spectrum taken out of them, keep the dot path within 1.5 times
// the transform's error (here 0.03-0.9 times; over groups of 128 without
// the means it was 6 to 10 times); an error of G up to 1e-6 is the
// conformance tolerance.
func TestDotPathIllConditioned(t *testing.T) {
	defer dotLevel(dotLevel(-1))
	const n = 4096
	bins := logBins(n, 32)
	nb := len(bins)
	h := n/2 + 1
	stride := (h + 7) / 8 * 8
	g := NewGonum(n)
	for _, kind := range []string{"photons 0.02", "photons 0.002", "flash"} {
		rng := rand.New(rand.NewPCG(21, uint64(len(kind))))
		const m = 4
		base := Complex64s(m * stride)
		var dev [][]float32
		var sums []float64
		for i := 0; i < m; i++ {
			x := make([]float64, n)
			for k := range x {
				switch kind {
				case "photons 0.02", "photons 0.002":
					lam := 0.02
					if kind == "photons 0.002" {
						lam = 0.002
					}
					// Poisson by inversion (small means).
					u, p, c := rng.Float64(), math.Exp(-lam), 0.0
					for s := p; u > s; s += p {
						c++
						p *= lam / c
					}
					x[k] = c
				default:
					x[k] = 100 + 10*rng.NormFloat64()
				}
			}
			if kind == "flash" {
				x[1000] = 65535
			}
			var sum float64
			for _, v := range x {
				sum += v
			}
			d := make([]float32, n)
			for k, v := range x {
				d[k] = float32(v - sum/n)
			}
			g.Forward(base[i*stride:i*stride+h], d)
			dev, sums = append(dev, d), append(sums, sum)
		}
		units := []Unit{NewUnit(0, 0, stride, stride, true, true), NewUnit(0, stride, 2*stride, 3*stride, true, true)}
		pairs := [][2]int{{0, 0}, {1, 1}, {0, 1}, {2, 3}}
		k := NewPairKernel(n, bins)
		run := func(level int) []float64 {
			dotLevel(level)
			out := make([]float64, 4*nb*len(units))
			k.Pairs(base, units, out)
			return out
		}
		fft, dot := run(0), run(1)
		var worstDot, worstFFT float64
		for i, p := range pairs {
			ef, ew := exactBinSums(dev[p[0]], dev[p[1]], bins)
			ed, et := gErrors(dot, fft, 2*i*nb, (2*i+1)*nb, ef, ew, bins, sums[p[0]]*sums[p[1]])
			worstDot, worstFFT = max(worstDot, ed), max(worstFFT, et)
		}
		t.Logf("%s: largest error of G, dot path %.2g, transform %.2g", kind, worstDot, worstFFT)
		if worstDot > 1.5*worstFFT+1e-9 {
			t.Errorf("%s: dot path error %.3g, transform %.3g", kind, worstDot, worstFFT)
		}
	}
}

// TestDotWeightsTables: the weights from the tables of sin and cos are
// those of the calls per weight (sin and cos of π m / n, m reduced mod
// 2n), bit for bit, for sizes and bins of the dot path's range.
func TestDotWeightsTables(t *testing.T) {
	for _, c := range []struct {
		n    int
		bins []int
	}{
		{64, []int{1, 2, 3, 5, 8, 13, 21, 32}},
		{1000, []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 500}},
		{16384, logBinsForTest(16384, 30)},
		{32768, logBinsForTest(32768, 32)},
	} {
		d := newDotWeights(c.n, c.bins)
		n := c.n
		sinPi := func(m int64) float64 { return math.Sin(math.Pi * float64(m%int64(2*n)) / float64(n)) }
		cosPi := func(m int64) float64 { return math.Cos(math.Pi * float64(m%int64(2*n)) / float64(n)) }
		for j, v := range d.w[:2*d.nj] {
			if v != 0 {
				t.Fatalf("n %d: row 0 (f = 0, taken apart) weight %d is %v, want 0", n, j, v)
			}
		}
		lo := 0
		for j, hi := range c.bins {
			for f := 1; f < n/2; f++ {
				f64 := int64(f)
				amp := sinPi(f64*int64(hi-lo)) / sinPi(f64)
				mid := f64 * int64(lo+hi-1)
				wc, ws := float32(2*amp*cosPi(mid)), float32(2*amp*sinPi(mid))
				row := d.w[f*2*d.nj:]
				if math.Float32bits(row[j]) != math.Float32bits(wc) || math.Float32bits(row[d.nj+j]) != math.Float32bits(ws) {
					t.Fatalf("n %d bin %d f %d: weights %v %v, want %v %v", n, j, f, row[j], row[d.nj+j], wc, ws)
				}
			}
			lo = hi
		}
	}
}

// logBinsForTest returns nb increasing bin ends up to n/2, log-spaced.
func logBinsForTest(n, nb int) []int {
	var b []int
	for i := 1; i <= nb; i++ {
		e := int(math.Round(math.Pow(float64(n/2), float64(i)/float64(nb))))
		if len(b) > 0 && e <= b[len(b)-1] {
			e = b[len(b)-1] + 1
		}
		b = append(b, e)
	}
	return b
}

// TestDotPathSymmetric: the dot path keeps the correlation's symmetries
// exact, on the reference and the SIMD code: an autocorrelation's two
// directions are the same bin sums (c(τ) = c(-τ): the delta-CCF of an ACF
// is 0), and a pair's forward sums are its reverse pair's backward sums,
// bit for bit. With the cross spectrum's imaginary part taken by one FMA,
// both differed in the last bits (15 of 16 bins: REVIEW7's F1).
func TestDotPathSymmetric(t *testing.T) {
	defer dotLevel(dotLevel(-1))
	n := 1024
	bins := logBinsForTest(n, 16)
	nb := len(bins)
	base, stride, _ := dotSpectra(n, 2, 5)
	levels := []int{1}
	if dotSIMD() {
		levels = append(levels, 2)
	}
	for _, level := range levels {
		dotLevel(level)
		k := NewPairKernel(n, bins)
		out, rev := make([]float64, 4*nb), make([]float64, 4*nb)
		// the ACF of pixel 0, and the pair (1, 0); then the pair (0, 1)
		k.Pairs(base, []Unit{NewUnit(0, 0, stride, 0, true, true)}, out)
		k.Pairs(base, []Unit{NewUnit(0, stride, -1, -1, true, false)}, rev)
		for j := 0; j < nb; j++ {
			if out[j] != out[nb+j] {
				t.Errorf("level %d bin %d: the ACF's forward sum %v, backward %v: want them equal", level, j, out[j], out[nb+j])
			}
			if out[2*nb+j] != rev[nb+j] || out[3*nb+j] != rev[j] {
				t.Errorf("level %d bin %d: pair (1, 0) forward, backward %v %v; pair (0, 1) backward, forward %v %v: want them equal",
					level, j, out[2*nb+j], out[3*nb+j], rev[nb+j], rev[j])
			}
		}
	}
}
