package pcf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/fft"
)

// floatStack returns the samples of a uint16 random stack times c, as dtype
// (float32 or float64).
func floatStack(t *testing.T, src array.View, dt array.DType, c float64) array.View {
	t.Helper()
	n := src.Shape[0] * src.Shape[1] * src.Shape[2]
	v, err := array.Contiguous(dt, src.Shape, make([]byte, n*dt.Size()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		v.Store(i*dt.Size(), src.Load(2*i)*c)
	}
	return v
}

// G is a ratio of moments: scaling the data by any c leaves it unchanged.
// Float samples are scaled by a power of two before the float32 FFTs, so
// results stay within float32 rounding of the unscaled ones from c = 1e-30
// (deviations below float32's normal range) to 1e30 (spectra products above
// its largest value).
func TestScaleInvariance(t *testing.T) {
	base := randomStack(7, 128, 9, 8, 50)
	o := Options{Radius: 2, Npoints: 8, Nbins: 8}
	want, _ := compute(t, base, o)
	backends := map[string]func(int) fft.Plan{"default": nil, "gonum": func(n int) fft.Plan { return fft.NewGonum(n) }}
	for _, dt := range []array.DType{array.Float64, array.Float32} {
		cs := []float64{1e-30, 1e-26, 1e-25, 1e-20, 3.7e-9, 1, 1e7, 1e16, 6.02e23, 1e30}
		if dt == array.Float64 {
			cs = append(cs, 1e-300, 1e300, 1e-303, 1e303) // the last two: 2**k beyond float64, scaled sample by sample
			// Samples up to 1.5e308, all finite, whose sums overflow float64:
			// the series are scaled first (seriesSum), not NaN curves.
			var top float64
			for i := 0; i < base.Shape[0]*base.Shape[1]*base.Shape[2]; i++ {
				top = max(top, base.Load(2*i))
			}
			cs = append(cs, 1e306, math.MaxFloat64/top/4)
		}
		for _, c := range cs {
			for name, nf := range backends {
				o := o
				o.NewFFT = nf
				got, _ := compute(t, floatStack(t, base, dt, c), o)
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-6) {
						t.Fatalf("%s c=%g %s: out[%d]=%v, want %v (the unscaled result)", dt, c, name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// A NaN or Inf sample makes NaN exactly the curves involving its pixel:
// its own curves and those of the pixels that have it as a neighbour. No
// other curve changes beyond float32 rounding (pairs are packed two to a
// complex FFT; a bad spectrum must never share one).
func TestNonFiniteSampleIsolated(t *testing.T) {
	base := randomStack(11, 64, 10, 9, 40)
	o := Options{Radius: 2, Npoints: 6, Nbins: 6}
	for _, dt := range []array.DType{array.Float64, array.Float32} {
		clean := floatStack(t, base, dt, 1)
		want, g := compute(t, clean, o)
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			for _, at := range [][3]int{{0, 4, 4}, {63, 2, 6}, {5, 0, 0}, {17, 9, 8}, {30, 5, 2}} {
				name := fmt.Sprintf("%s %v at t,y,x=%v", dt, bad, at)
				data := floatStack(t, base, dt, 1)
				data.Store(((at[0]*g.H+at[1])*g.W+at[2])*dt.Size(), bad)
				got, _ := compute(t, data, o)
				r, os := o.Radius, g.OutShape
				for y := r; y < g.H-r; y++ {
					for x := r; x < g.W-r; x++ {
						for i, c := range g.Offsets {
							involved := (y == at[1] && x == at[2]) || (y+c.V == at[1] && x+c.U == at[2])
							for b := 0; b < os[3]; b++ {
								k := (((y-r)*os[1]+x-r)*os[2]+i)*os[3] + b
								v := got[k]
								if involved != math.IsNaN(float64(v)) {
									t.Fatalf("%s: out[%d,%d,%d,%d]=%v, NaN wanted: %v", name, y-r, x-r, i, b, v, involved)
								}
								if !involved && !(math.Abs(float64(v-want[k])) <= 1e-6) {
									t.Fatalf("%s: out[%d,%d,%d,%d]=%v, want %v", name, y-r, x-r, i, b, v, want[k])
								}
							}
						}
					}
				}
			}
		}
	}
}

// Every series is scaled by a power of two (scaleOf), integer ones too:
// uint16 data (the C spectra path) and the same values as float32 and
// float64 (Go paths) give bitwise the same curves.
func TestFloatMatchesInteger(t *testing.T) {
	base := randomStack(3, 64, 8, 8, 200)
	o := Options{Radius: 1, Npoints: 4, Nbins: 6}
	want, _ := compute(t, base, o)
	for _, dt := range []array.DType{array.Float32, array.Float64} {
		got, _ := compute(t, floatStack(t, base, dt, 1), o)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: out[%d]=%v, want %v", dt, i, got[i], want[i])
			}
		}
	}
}

// Band changes only the memory held: results are bitwise the same for
// every band, and RowsRead reports rows in order up to the image height.
func TestBandGivesIdenticalResults(t *testing.T) {
	data := randomStack(5, 64, 20, 9, 30)
	o := Options{Radius: 3, Npoints: 12, Nbins: 6}
	want, _ := compute(t, data, o)
	for _, band := range []int{1, 2, 3, 7, 40} {
		o := o
		o.Band = band
		last := 0
		o.RowsRead = func(y int) {
			if y <= last || y > 20 {
				t.Fatalf("band %d: RowsRead(%d) after %d", band, y, last)
			}
			last = y
		}
		got, _ := compute(t, data, o)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("band %d: out[%d]=%v, want %v", band, i, got[i], want[i])
			}
		}
		if last != 20 {
			t.Fatalf("band %d: last RowsRead %d, want 20", band, last)
		}
	}
}

// A constant series has no fluctuations: its curves are 0 at every delay,
// whatever its magnitude. It cannot be scaled by its deviations (none), so
// its normalisation is scaled by its mean instead (scaleOf): unscaled, a
// tiny constant (float32 1e-40, float64 1e-310) divided the rounding of the
// pair packed into the same transform by its tiny sum, giving curves of
// 1e30 or Inf with exit 0. Every curve is checked against the float64
// reference of the spec.
func TestConstantPixelAnyMagnitude(t *testing.T) {
	base := randomStack(5, 64, 9, 9, 40)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6}
	cases := []struct {
		dt array.DType
		cs []float64
	}{
		{array.Uint16, []float64{1, 3, 65535}},
		{array.Float32, []float64{1e-45, 1e-40, 1e-38, 1e-30, 1, 1e30, 3e38}},
		{array.Float64, []float64{5e-324, 1e-310, 1e-300, 1e-200, 1, 1e200, 1e305}},
	}
	for _, cs := range cases {
		for _, c := range cs.cs {
			for _, at := range [][2]int{{4, 4}, {2, 6}, {0, 0}, {8, 3}} {
				data := floatStack(t, base, cs.dt, 1)
				if cs.dt == array.Uint16 {
					data = base
					buf := make([]byte, len(base.Data))
					copy(buf, base.Data)
					data.Data = buf
				}
				g, _ := Plan(data.Shape, o)
				for tt := 0; tt < g.T; tt++ {
					data.Store(((tt*g.H+at[0])*g.W+at[1])*cs.dt.Size(), c)
				}
				want, _ := reference(data, o)
				for name, nf := range map[string]func(int) fft.Plan{"default": nil, "gonum": func(n int) fft.Plan { return fft.NewGonum(n) }} {
					o := o
					o.NewFFT = nf
					got, _ := compute(t, data, o)
					for i := range got {
						if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-6) {
							t.Fatalf("%s constant %g at %v (%s): out[%d]=%v, want %v", cs.dt, c, at, name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// Float64 series at the ends of the range are scaled by a power of two
// before any arithmetic (seriesSum): series of subnormal samples (their
// mean was rounded: curves of 0 instead of -1) and samples so large that a
// deviation from the mean overflowed although the sum did not (NaN
// curves). Both must give the curves of the same data at an ordinary
// scale; the GPU engine refuses both ('auto' runs them on the CPU).
func TestExtremeFloat64Series(t *testing.T) {
	base := randomStack(13, 64, 8, 8, 40) // counts of 14 to 67
	o := Options{Radius: 2, Npoints: 8, Nbins: 6}
	for _, c := range []struct {
		name  string
		shift float64 // the data: (count - off) * shift
		off   float64
	}{
		{"subnormal counts", 5e-324, 0},
		{"subnormal, signed", 5e-324, 40},
		{"tiny normal", 0x1p-900, 0},
		{"deviations near the largest float64", 0x1p1017, 40},
		{"counts near the largest float64", 0x1p1017, 0},
	} {
		n := base.Len()
		data, _ := array.Contiguous(array.Float64, base.Shape, make([]byte, 8*n))
		plain, _ := array.Contiguous(array.Float64, base.Shape, make([]byte, 8*n))
		for i := 0; i < n; i++ {
			v := base.Load(2*i) - c.off
			plain.Store(8*i, v)
			data.Store(8*i, v*c.shift)
		}
		want, _ := compute(t, plain, o)
		got, _ := compute(t, data, o)
		for i := range got {
			if math.IsNaN(float64(want[i])) != math.IsNaN(float64(got[i])) || math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Fatalf("%s: out[%d]=%v, want %v (the data at scale 1)", c.name, i, got[i], want[i])
			}
		}
		if err := gpuEligible(data, o); (err == nil) != (c.shift == 0x1p-900) {
			t.Errorf("%s: GPU eligibility %v; the kernels do not scale series, which matters near the subnormals and the largest float64 only", c.name, err)
		}
	}
}

// A pair with a constant series has curves of exactly 0, whatever the
// other series: next to pixels whose mean is near zero (a small
// normalisation), the rounding of the pair packed into the same transform
// gave curves of up to 5e-3 for it. Log, linear and multi-tau bins, the
// delta-CCF and a second channel; float32 and float64.
func TestFlatPairExactlyZero(t *testing.T) {
	const T, H, W = 64, 7, 7
	rng := rand.New(rand.NewPCG(17, 3))
	at := [2]int{3, 4}
	for _, dt := range []array.DType{array.Float32, array.Float64} {
		data, _ := array.Contiguous(dt, []int{T, H, W}, make([]byte, T*H*W*dt.Size()))
		data2, _ := array.Contiguous(dt, []int{T, H, W}, make([]byte, T*H*W*dt.Size()))
		for i := 0; i < T*H*W; i++ {
			v := 1e-6 + float64(1-2*(i%2)) // balanced +-1: a mean near zero
			if rng.IntN(3) == 0 {
				v = 1e-6 + 2*rng.Float64() - 1
			}
			data.Store(i*dt.Size(), v)
			data2.Store(i*dt.Size(), v*3+1e-5)
		}
		for tt := 0; tt < T; tt++ {
			data.Store(((tt*H+at[0])*W+at[1])*dt.Size(), 7)
		}
		for _, o := range []Options{
			{Radius: 1, Npoints: 8, Nbins: 6},
			{Radius: 2, Npoints: 8, Nbins: 6, Bins: LinearBinning},
			{Radius: 1, Npoints: 4, Bins: Multitau, M: 4},
			{Radius: 1, Npoints: 8, Nbins: 6, Delta: true},
			{Radius: 1, Npoints: 8, Nbins: 6, Data2: &data2},
		} {
			got, g := compute(t, data, o)
			r, os := o.Radius, g.OutShape
			for y := r; y < H-r; y++ {
				for x := r; x < W-r; x++ {
					for i, c := range g.Offsets {
						involved := (y == at[0] && x == at[1]) || (o.Data2 == nil && y+c.V == at[0] && x+c.U == at[1])
						if !involved {
							continue
						}
						for b := 0; b < os[3]; b++ {
							if v := got[(((y-r)*os[1]+x-r)*os[2]+i)*os[3]+b]; v != 0 {
								t.Fatalf("%s %+v: out[%d,%d,%d,%d]=%v, want exactly 0 (a constant series)", dt, o, y-r, x-r, i, b, v)
							}
						}
					}
				}
			}
		}
	}
}

// nanMask reports which values of v are NaN.
func nanMask(v []float32) []bool {
	m := make([]bool, len(v))
	for i, x := range v {
		m[i] = math.IsNaN(float64(x))
	}
	return m
}

// A threshold is a mean intensity in the data's units: float64 data and
// threshold scaled by the same power of two select the same pixels, also
// where the series are scaled before the arithmetic (seriesSum: near the
// subnormals and the largest float64), for the curves and the error bars.
func TestThresholdAnyScale(t *testing.T) {
	base := randomStack(13, 64, 8, 8, 40) // counts of 14 to 67, means about 40
	var want, wantSD []bool
	for _, scale := range []float64{1, 0x1p-600, 0x1p-1040, 0x1p1000, 0x1p1012} {
		data := floatStack(t, base, array.Float64, scale)
		o := Options{Radius: 2, Npoints: 8, Nbins: 6}
		o.SetThreshold(40 * scale)
		got, g := compute(t, data, o)
		s := g.OutShape
		sd, _ := array.Contiguous(array.Float32, s[:], make([]byte, 4*s[0]*s[1]*s[2]*s[3]))
		if err := ErrorBars(t.Context(), sd, data, o, ErrOptions{}); err != nil {
			t.Fatal(err)
		}
		bars := make([]float32, len(got))
		for i := range bars {
			bars[i] = float32(sd.Load(4 * i))
		}
		nan, nanSD := nanMask(got), nanMask(bars)
		if want == nil {
			want, wantSD = nan, nanSD
			n := 0
			for _, b := range nan {
				if b {
					n++
				}
			}
			if n == 0 || n == len(nan) {
				t.Fatalf("threshold 40 leaves %d of %d values NaN: want some", n, len(nan))
			}
			continue
		}
		for i := range nan {
			if nan[i] != want[i] || nanSD[i] != wantSD[i] {
				t.Fatalf("scale %g: value %d NaN %v, error bar NaN %v; at scale 1 %v, %v", scale, i, nan[i], nanSD[i], want[i], wantSD[i])
			}
		}
	}
}

// A constant series whose sum of samples is inexact (64 x 0.1 is not 6.4
// in float64) still has deviations of exactly 0: its mean is its value
// (seriesSum). Its pairs' curves are exactly 0, and a threshold at its
// value leaves it out ("at or below").
func TestConstantInexactSum(t *testing.T) {
	const T, H, W = 64, 7, 7
	rng := rand.New(rand.NewPCG(17, 3))
	at := [2]int{3, 4}
	for _, dt := range []array.DType{array.Float32, array.Float64} {
		for _, cv := range []float64{0.1, 0.7, 1.1, 7, 1e-3} {
			if dt == array.Float32 {
				cv = float64(float32(cv))
			}
			data, _ := array.Contiguous(dt, []int{T, H, W}, make([]byte, T*H*W*dt.Size()))
			for i := 0; i < T*H*W; i++ {
				v := 1e-6 + float64(1-2*(i%2))
				if rng.IntN(3) == 0 {
					v = 1e-6 + 2*rng.Float64() - 1
				}
				data.Store(i*dt.Size(), v)
			}
			for tt := 0; tt < T; tt++ {
				data.Store(((tt*H+at[0])*W+at[1])*dt.Size(), cv)
			}
			o := Options{Radius: 1, Npoints: 8, Nbins: 6}
			got, g := compute(t, data, o)
			r, s := o.Radius, g.OutShape
			checked := 0
			for y := r; y < H-r; y++ {
				for x := r; x < W-r; x++ {
					for i, c := range g.Offsets {
						if !((y == at[0] && x == at[1]) || (y+c.V == at[0] && x+c.U == at[1])) {
							continue
						}
						for b := 0; b < s[3]; b++ {
							if v := got[(((y-r)*s[1]+x-r)*s[2]+i)*s[3]+b]; math.Float32bits(v) != 0 {
								t.Fatalf("%s constant %v: pair (%d,%d)+%v bin %d = %g, want exactly 0", dt, cv, y, x, c, b, v)
							}
							checked++
						}
					}
				}
			}
			if checked == 0 {
				t.Fatal("no pair of the constant pixel checked")
			}
			o.SetThreshold(cv)
			got, _ = compute(t, data, o)
			for i := range g.Offsets {
				if v := got[(((at[0]-r)*s[1]+at[1]-r)*s[2]+i)*s[3]]; !math.IsNaN(float64(v)) {
					t.Fatalf("%s constant %v, threshold %v: curve %d = %g, want NaN (mean at the threshold)", dt, cv, cv, i, v)
				}
			}
		}
	}
}

// The GPU engine leaves a float64 series tiny over the frames used to the
// CPU, whatever the frames after them hold (T = 65: 64 frames used).
func TestTinySeriesFramesUsed(t *testing.T) {
	const T, H, W = 65, 6, 6
	data, _ := array.Contiguous(array.Float64, []int{T, H, W}, make([]byte, T*H*W*8))
	for i := 0; i < T*H*W; i++ {
		data.Store(8*i, float64(1+i%7))
	}
	for tt := 0; tt < T; tt++ {
		v := 0.0
		if tt%4 == 3 {
			v = 5e-324
		}
		if tt == T-1 {
			v = 1 // not used
		}
		data.Store(((tt*H+2)*W+3)*8, v)
	}
	o := Options{Radius: 1, Npoints: 4, Nbins: 4}
	if err := gpuEligible(data, o); err == nil {
		t.Error("a series tiny over the 64 frames used is eligible for the GPU")
	}
	data.Store(((10*H+2)*W+3)*8, 1) // now within the frames used
	if err := gpuEligible(data, o); err != nil {
		t.Errorf("a series not tiny over the frames used: %v", err)
	}
}

// Fluctuations tiny beside the mean (float samples of 1e6 varying by
// about 2): each series' mean is taken out in float64 before the float32
// transforms, so the curves keep float32's relative precision. With
// D = M + s*B for a base stack B of per-pixel means b, G_D of a pair
// (a, q) is G_B * s^2 * b_a * b_q / (m_a * m_q), m = M + s*b; the spec's
// formula taken literally in float64 (the correlation of the samples,
// less 1) loses about 1 % there.
func TestTinyFluctuationsOnLargeMean(t *testing.T) {
	base := randomStack(11, 256, 7, 7, 50)
	o := Options{Radius: 2, Npoints: 8, Nbins: 8}
	gb, g := compute(t, base, o)
	const big, s = 1e6, 0.3
	T, H, W := base.Shape[0], base.Shape[1], base.Shape[2]
	d := floatStack(t, base, array.Float64, s)
	mean := make([]float64, H*W)
	for i := 0; i < T*H*W; i++ {
		d.Store(8*i, big+d.Load(8*i))
		mean[i%(H*W)] += base.Load(2*i) / float64(T)
	}
	if g.N != T {
		t.Fatalf("N = %d, want every frame (%d)", g.N, T)
	}
	got, _ := compute(t, d, o)
	os := g.OutShape
	var worst, scale float64
	for y := 0; y < os[0]; y++ {
		for x := 0; x < os[1]; x++ {
			a := (y+o.Radius)*W + x + o.Radius
			for i, c := range g.Offsets {
				q := a + c.V*W + c.U
				f := s * s * mean[a] * mean[q] / ((big + s*mean[a]) * (big + s*mean[q]))
				for j := 0; j < os[3]; j++ {
					k := ((y*os[1]+x)*os[2]+i)*os[3] + j
					want := float64(gb[k]) * f
					worst = max(worst, math.Abs(float64(got[k])-want))
					scale = max(scale, math.Abs(want))
				}
			}
		}
	}
	if !(worst <= 1e-5*scale) {
		t.Fatalf("curves of 1e6 + 0.3*B: worst error %g, %g of the curves' scale %g (want 1e-5)", worst, worst/scale, scale)
	}
	t.Logf("worst error %.3g of the curves' scale %.3g", worst/scale, scale)
}

// zeroSumSeries are float series of n samples (n a multiple of 4, at
// least 16) that sum to exactly 0 while their rounded float64 sums need
// not: terms that cancel across many binades, a series followed by its
// negation reversed, and tenths.
func zeroSumSeries(n int, seed uint64) map[string][]float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	s := map[string][]float64{}
	wide, tenths, mirror, f32 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < n; i += 4 {
		copy(wide[i:], []float64{1e16, 1, -1e16, -1})
		copy(tenths[i:], []float64{0.1, 0.2, -0.1, -0.2})
	}
	for i := 0; i < n/2; i++ {
		mirror[i] = rng.NormFloat64()
		mirror[n-1-i] = -mirror[i]
	}
	copy(f32, []float64{1e30, 0, 0, 0, 1, 0, 0, 0, -1e30, 0, 0, 0, -1})
	s["1e16, 1, -1e16, -1"], s["tenths"], s["mirrored normals"], s["1e30 and 1 in float32"] = wide, tenths, mirror, f32
	return s
}

// withSeries returns stack d converted to dt (byte order bo) with pixel
// (y, x) holding series (its first frames; the rest as in d).
func withSeries(d array.View, dt array.DType, bo array.ByteOrder, y, x int, series []float64) array.View {
	v := convert(d, dt, bo, 1, 0)
	H, W := d.Shape[1], d.Shape[2]
	for t, s := range series {
		v.Store(((t*H+y)*W+x)*dt.Size(), s)
	}
	return v
}

// TestFloatZeroSumIsNaN: a float pixel whose series sums to exactly 0,
// with float samples whose rounded sum is not 0, has NaN curves, as the
// spec says, and so has every curve pointing at it; the error bars too.
// They were finite, 1e14 to 1e29 (a rounding error normalised:
// NUMERIC9's F10). Every other curve is finite.
func TestFloatZeroSumIsNaN(t *testing.T) {
	const T, H, W, y0, x0 = 64, 7, 8, 3, 4
	base := randomStack(31, T, H, W, 40)
	o := Options{Radius: 1, Npoints: 4, Nbins: 5}
	for name, series := range zeroSumSeries(T, 1) {
		for _, c := range []struct {
			dt array.DType
			bo array.ByteOrder
		}{{array.Float64, array.Little}, {array.Float64, array.Big}, {array.Float32, array.Little}} {
			if name == "1e30 and 1 in float32" && c.dt != array.Float32 {
				continue
			}
			d := withSeries(base, c.dt, c.bo, y0, x0, series)
			what := fmt.Sprintf("%s %s (%v)", name, c.dt, c.bo)
			got, g := compute(t, d, o)
			sd := errBars(t, d, o, ErrOptions{Method: Segments, Segments: 4})
			r, s := o.Radius, g.OutShape
			nan := 0
			for y := r; y < H-r; y++ {
				for x := r; x < W-r; x++ {
					for i, off := range g.Offsets {
						involved := (y == y0 && x == x0) || (y+off.V == y0 && x+off.U == x0)
						for b := 0; b < s[3]; b++ {
							k := (((y-r)*s[1]+x-r)*s[2]+i)*s[3] + b
							if v := float64(got[k]); math.IsNaN(v) != involved || math.IsNaN(sd[k]) != involved {
								t.Fatalf("%s: pair (%d,%d)+%v bin %d = %g, error bar %g; want NaN %v", what, y, x, off, b, v, sd[k], involved)
							}
							if involved {
								nan++
							}
						}
					}
				}
			}
			if nan == 0 {
				t.Fatalf("%s: no curve of the pixel checked", what)
			}
		}
	}
}

// TestLargeOffsetDeviationBias: float64 samples of M + counts (exact
// integers) with M up to 2^52 keep about 1e-7 of their curves' scale.
// The series' means are rounded (their spacing is 0.125 at 1e15), so all
// deviations shared a bias that added N*da*db at every delay: 4e-3 of the
// scale at 1e15 (NUMERIC9's F14), until frequency 0 of the deviations'
// spectra was set to 0. The curves expected are the counts' own (the
// reference), times ma*mb/((M+ma)(M+mb)) per pair.
func TestLargeOffsetDeviationBias(t *testing.T) {
	const T, H, W = 512, 8, 8
	counts := poissonCounts(41, T, H, W)
	o := Options{Radius: 2, Npoints: 8, Nbins: 8}
	ref, g := reference(counts, o)
	mean := func(y, x int) float64 { return seriesMean(counts, g.N, y, x) }
	for _, m := range []float64{0, 1e13, 1e15, 1 << 52} {
		d := convert2(counts, m)
		got, _ := compute(t, d, o)
		r, s := o.Radius, g.OutShape
		var peak, worst float64
		for y := r; y < H-r; y++ {
			for x := r; x < W-r; x++ {
				ma := mean(y, x)
				for i, c := range g.Offsets {
					mb := mean(y+c.V, x+c.U)
					f := ma * mb / ((m + ma) * (m + mb))
					for b := 0; b < s[3]; b++ {
						k := (((y-r)*s[1]+x-r)*s[2]+i)*s[3] + b
						w := ref[k] * f
						peak = max(peak, math.Abs(w))
						worst = max(worst, math.Abs(float64(got[k])-w))
					}
				}
			}
		}
		t.Logf("M = %g: largest error %.2g of the curves' scale %.3g", m, worst/peak, peak)
		if !(worst <= 1e-6*peak) {
			t.Errorf("M = %g: largest error %.3g, %.2g of the curves' scale %.3g; want at most 1e-6 of it", m, worst, worst/peak, peak)
		}
	}
}

// convert2 returns a copy of the float64 stack v plus m.
func convert2(v array.View, m float64) array.View {
	w, _ := array.Contiguous(array.Float64, v.Shape, make([]byte, v.Len()*8))
	for i := 0; i < v.Len(); i++ {
		w.Store(8*i, v.Load(8*i)+m)
	}
	return w
}

// TestLargeOffsetErrorBars: the error bars of M + counts are those of
// 1000 + counts times (1000+ma)(1000+mb)/((M+ma)(M+mb)) per pair (they
// scale as the curves do) for M up to 2^52: the deviations' shared bias
// (a rounded mean) is taken out in the error bars' series too. They were
// 9-74 % off at 1e15 and 2^52 here, 51-94 % in REVIEW9's F1.
func TestLargeOffsetErrorBars(t *testing.T) {
	const T, H, W = 512, 6, 6
	counts := poissonCounts(43, T, H, W)
	o := Options{Radius: 1, Npoints: 4, Nbins: 6}
	g, _ := Plan(counts.Shape, o)
	mean := func(y, x int) float64 { return seriesMean(counts, g.N, y, x) }
	for _, e := range []ErrOptions{{}, {Method: Segments, Segments: 4}} {
		ref := errBars(t, convert2(counts, 1000), o, e)
		for _, m := range []float64{1e15, 1 << 52} {
			got := errBars(t, convert2(counts, m), o, e)
			r, s := o.Radius, g.OutShape
			var worst float64
			for y := r; y < H-r; y++ {
				for x := r; x < W-r; x++ {
					ma := mean(y, x)
					for i, c := range g.Offsets {
						mb := mean(y+c.V, x+c.U)
						f := (1000 + ma) * (1000 + mb) / ((m + ma) * (m + mb))
						k0 := (((y-r)*s[1]+x-r)*s[2] + i) * s[3]
						var peak, diff float64
						for b := 0; b < s[3]; b++ {
							w := ref[k0+b] * f
							peak = max(peak, math.Abs(w))
							diff = max(diff, math.Abs(got[k0+b]-w))
						}
						worst = max(worst, diff/peak)
					}
				}
			}
			t.Logf("%v, M = %g: error bars within %.2g of the scaled ones", e, m, worst)
			// (blocking 6e-5, segments 8e-4 here: the ill-conditioning of
			// the error bars' own sums, the same at offsets of 1e6)
			if !(worst <= 1e-2) {
				t.Errorf("%v, M = %g: error bars %.3g off the scaled ones of offset 1000 (relative to each curve's largest)", e, m, worst)
			}
		}
	}
}

// poissonCounts is a float64 (T, H, W) stack of Poisson(10) counts (by
// inversion) from seed.
func poissonCounts(seed uint64, T, H, W int) array.View {
	counts, _ := array.Contiguous(array.Float64, []int{T, H, W}, make([]byte, T*H*W*8))
	rng := rand.New(rand.NewPCG(seed, 5))
	for i := 0; i < T*H*W; i++ {
		u, p, c := rng.Float64(), math.Exp(-10), 0.0
		for s := p; u > s; s += p {
			c++
			p *= 10 / c
		}
		counts.Store(8*i, c)
	}
	return counts
}

// seriesMean is the mean of the first n samples of pixel (y, x) of d.
func seriesMean(d array.View, n, y, x int) float64 {
	var s float64
	for t := 0; t < n; t++ {
		s += d.At(t, y, x)
	}
	return s / float64(n)
}
