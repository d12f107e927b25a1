package pcf

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/internal/ctxtest"
)

// errSim simulates particles diffusing freely (no barrier) as uint16.
func errSim(t *testing.T, seed uint64, frames, size, particles int, diffusion float64) array.View {
	t.Helper()
	so := simulate.Options{Frames: frames, Size: size, Seed: seed, Particles: particles, Diffusion: diffusion,
		PSFSigma: 1, Brightness: 40, Background: 10}
	v, _ := array.Contiguous(array.Uint16, []int{frames, size, size}, make([]byte, frames*size*size*2))
	if err := simulate.Run(context.Background(), v, so); err != nil {
		t.Fatal(err)
	}
	return v
}

// errBars runs ErrorBars into a new C-order array and returns its values.
func errBars(t *testing.T, data array.View, o Options, e ErrOptions) []float64 {
	t.Helper()
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	os := g.OutShape
	buf := make([]byte, os[0]*os[1]*os[2]*os[3]*4)
	out, _ := array.Contiguous(array.Float32, os[:], buf)
	if err := ErrorBars(context.Background(), out, data, o, e); err != nil {
		t.Fatal(err)
	}
	res := make([]float64, len(buf)/4)
	for i := range res {
		res[i] = out.Load(4 * i)
	}
	return res
}

// directErr computes the error bars of output pixels pix (output
// coordinates) from the definitions of docs/toolkit.md, section 9, without
// prefix sums, in-place blocking or spreading tricks: for each point the
// series z[t] summed directly over the bin's delays, finished point by
// point, then blocked level by level from z itself. It also returns each
// point's curve, the mean of z, which must be Compute's.
func directErr(data, data2 array.View, o Options, e ErrOptions, pix [][2]int) (sd, curve []float64) {
	g, err := Plan(data.Shape, o)
	if err != nil {
		panic(err)
	}
	N, K, P := g.N, len(g.Offsets), len(g.Delays)
	series := func(d array.View, y, x int) []float64 {
		s := make([]float64, g.T)
		for t := range s {
			s[t] = d.At(t, y, x)
		}
		if o.Bleach > 0 {
			s = bleach.Correct(s, nil, o.Bleach, o.BleachMean, 0, 65535)
		}
		return s[:N]
	}
	mean := func(s []float64) float64 {
		var v float64
		for _, x := range s {
			v += x
		}
		return v / float64(len(s))
	}
	blocks := func(a []float64, s int) []float64 {
		out := make([]float64, len(a)/s)
		for t := range out {
			for i := 0; i < s; i++ {
				out[t] += a[t*s+i]
			}
		}
		return out
	}
	// zOf is the linearised series of a time average of x, given the
	// deviations and means of its two series.
	zOf := func(x, da, db []float64, ma, mb float64) []float64 {
		G := mean(x)
		z := make([]float64, len(x))
		for t := range x {
			z[t] = x[t] - G*(da[t]/ma+db[t]/mb)
		}
		return z
	}
	pointSeries := func(a, b []float64) [][]float64 {
		var zs [][]float64
		if g.Lags != nil {
			for i, lag := range g.Lags {
				s := 1 << g.Levels[i]
				A, B := blocks(a, s), blocks(b, s)
				M := len(A)
				mA, mB := mean(A), mean(B)
				x := make([]float64, M)
				dA, dB := make([]float64, M), make([]float64, M)
				for t := range x {
					dA[t], dB[t] = A[t]-mA, B[t]-mB
				}
				l := lag / s
				for t := range x {
					x[t] = dA[t] * dB[(t+l)%M] / (mA * mB)
					if o.Delta {
						x[t] -= dB[t] * dA[(t+l)%M] / (mA * mB)
					}
				}
				zb := zOf(x, dA, dB, mA, mB)
				z := make([]float64, N)
				for t := range z {
					z[t] = zb[t/s]
				}
				zs = append(zs, z)
			}
			return zs
		}
		ma, mb := mean(a), mean(b)
		da, db := make([]float64, N), make([]float64, N)
		for t := range da {
			da[t], db[t] = a[t]-ma, b[t]-mb
		}
		lo := 0
		for _, hi := range g.Bins {
			x := make([]float64, N)
			for t := range x {
				for tau := lo; tau < hi; tau++ {
					x[t] += da[t] * db[(t+tau)%N] / (ma * mb)
					if o.Delta {
						x[t] -= db[t] * da[(t+tau)%N] / (ma * mb)
					}
				}
				x[t] /= float64(hi - lo)
			}
			zs = append(zs, zOf(x, da, db, ma, mb))
			lo = hi
		}
		return zs
	}
	finish := func(zs [][]float64) {
		w := DefaultSmooth
		if o.Smooth != 0 {
			w = o.Smooth
		}
		c := make([]float64, P)
		for t := 0; t < N; t++ {
			for j := range c {
				c[j] = zs[j][t]
			}
			c[0] = c[1]
			if !o.NoSmooth {
				for i := 1; i < P; i++ {
					c[i] = (1-w)*c[i] + w*c[i-1]
				}
				for i := P - 2; i >= 0; i-- {
					c[i] = (1-w)*c[i] + w*c[i+1]
				}
			}
			for j := range c {
				zs[j][t] = c[j]
			}
		}
	}
	// sigma is the blocking estimate at block size s: the variance of the
	// block means of z, over (blocks - 1), square root.
	sigma := func(z []float64, s int) (float64, int) {
		bm := blocks(z, s)
		m := mean(z)
		var c float64
		for _, v := range bm {
			c += (v/float64(s) - m) * (v/float64(s) - m)
		}
		n := len(bm)
		return math.Sqrt(c / float64(n) / float64(n-1)), n
	}
	estimate := func(z []float64) float64 {
		if e.Method == Segments {
			S := e.Segments
			if S == 0 {
				S = DefaultSegments
			}
			ms := make([]float64, S)
			for k := range ms {
				ms[k] = mean(z[k*N/S : (k+1)*N/S])
			}
			mm := mean(ms)
			var ss float64
			for _, v := range ms {
				ss += (v - mm) * (v - mm)
			}
			return math.Sqrt(ss / float64(S-1) / float64(S))
		}
		var sig, er []float64
		for s := 1; s <= N; s *= 2 {
			v, n := sigma(z, s)
			if s > 1 && n < 16 {
				break
			}
			sig = append(sig, v)
			er = append(er, v/math.Sqrt(2*float64(n-1)))
		}
		for k := 0; k+2 < len(sig); k++ {
			if math.Abs(sig[k]-sig[k+1]) <= er[k+1] && math.Abs(sig[k]-sig[k+2]) <= er[k+2] {
				return sig[k]
			}
		}
		best := 0.0
		for _, v := range sig {
			best = max(best, v)
		}
		return best
	}
	nan := func(dst []float64) {
		for i := range dst {
			dst[i] = math.NaN()
		}
	}
	sd = make([]float64, len(pix)*K*P)
	curve = make([]float64, len(pix)*K*P)
	for ip, px := range pix {
		y, x := px[0]+g.Margin[0], px[1]+g.Margin[1]
		a := series(data, y, x)
		for i, off := range g.Offsets {
			b := series(data2, y+off.V, x+off.U)
			at := (ip*K + i) * P
			if (o.Mask != nil && o.Mask.At(y, x) == 0) || (o.ThresholdOn && !(mean(a) > o.Threshold)) ||
				!usable(mean(a)) || !usable(mean(b)) {
				nan(sd[at : at+P])
				nan(curve[at : at+P])
				continue
			}
			zs := pointSeries(a, b)
			finish(zs)
			for j, z := range zs {
				curve[at+j] = mean(z)
				sd[at+j] = estimate(z)
			}
		}
	}
	return sd, curve
}

// pick returns the values of out (shape os) at the output pixels pix.
func pick(out []float64, os [4]int, pix [][2]int) []float64 {
	var r []float64
	n := os[2] * os[3]
	for _, p := range pix {
		at := (p[0]*os[1] + p[1]) * n
		r = append(r, out[at:at+n]...)
	}
	return r
}

func TestErrorBarsAgainstDirect(t *testing.T) {
	// Correlated data (diffusing particles), so that the blocking curves
	// rise and the plateau rule has something to choose.
	data := errSim(t, 7, 256, 9, 6, 0.2)
	data2 := errSim(t, 8, 256, 9, 6, 0.2)
	mix := randomStack(13, 256, 9, 9, 30)
	for i := 0; i < 256*9*9; i++ {
		mix.Store(2*i, data.Load(2*i)+mix.Load(2*i))
	}
	long := errSim(t, 9, 300, 7, 4, 0.2) // bleaching correction: 300 - 2*20 frames, N = 256
	thr := Options{Offsets: []Offset{{0, 0}, {1, 0}}, Nbins: 8}
	thr.SetThreshold(50)
	noSmooth := Options{Offsets: []Offset{{1, 0}, {-1, 1}}, Nbins: 10}
	noSmooth.SetSmooth(0)
	cases := []struct {
		name  string
		data  array.View
		data2 array.View
		o     Options
		e     ErrOptions
	}{
		{"acf", data, data, Options{Offsets: []Offset{{0, 0}}, Nbins: 12}, ErrOptions{}},
		{"offsets no smoothing", data, data, noSmooth, ErrOptions{}},
		{"circle smooth 0.5", data, data, Options{Radius: 1, Npoints: 4, Nbins: 8, Smooth: 0.5}, ErrOptions{}},
		{"linear bins", data, data, Options{Offsets: []Offset{{2, 0}}, Nbins: 9, Bins: LinearBinning}, ErrOptions{}},
		{"multitau", data, data, Options{Offsets: []Offset{{0, 0}, {1, 1}}, Bins: Multitau, M: 4}, ErrOptions{}},
		{"multitau delta", data, data, Options{Offsets: []Offset{{2, 0}}, Bins: Multitau, M: 8, Delta: true, NoSmooth: true}, ErrOptions{}},
		{"delta", data, data, Options{Offsets: []Offset{{2, 0}, {0, -1}}, Nbins: 10, Delta: true}, ErrOptions{}},
		{"two channels", data, mix, Options{Offsets: []Offset{{0, 0}, {1, 0}}, Nbins: 8, Data2: &mix}, ErrOptions{}},
		{"two channels delta", data, data2, Options{Offsets: []Offset{{1, 0}}, Nbins: 8, Data2: &data2, Delta: true}, ErrOptions{}},
		{"threshold", data, data, thr, ErrOptions{}},
		{"bleach", long, long, Options{Offsets: []Offset{{0, 0}, {1, 0}}, Nbins: 8, Bleach: 20}, ErrOptions{}},
		{"segments", data, data, Options{Offsets: []Offset{{0, 0}, {1, 0}}, Nbins: 10}, ErrOptions{Method: Segments}},
		{"segments 5 multitau", data, data, Options{Offsets: []Offset{{1, 0}}, Bins: Multitau, M: 4}, ErrOptions{Method: Segments, Segments: 5}},
		{"segments 64 delta", data, data, Options{Offsets: []Offset{{1, 0}}, Nbins: 8, Delta: true}, ErrOptions{Method: Segments, Segments: 64}},
	}
	for _, c := range cases {
		g, err := Plan(c.data.Shape, c.o)
		if err != nil {
			t.Fatal(c.name, err)
		}
		os := g.OutShape
		pix := [][2]int{{0, 0}, {os[0] / 2, os[1] / 2}, {os[0] - 1, os[1] - 1}, {1, os[1] - 2}}
		want, wantCurve := directErr(c.data, c.data2, c.o, c.e, pix)
		// The series' means are the curves: the normalisation is Compute's.
		got, _ := compute(t, c.data, c.o)
		g64 := make([]float64, len(got))
		for i, v := range got {
			g64[i] = float64(v)
		}
		curve := pick(g64, os, pix)
		for i := range curve {
			if !(math.Abs(curve[i]-wantCurve[i]) <= 2e-6) && !(math.IsNaN(curve[i]) && math.IsNaN(wantCurve[i])) {
				t.Fatalf("%s: curve[%d] = %v, the mean of its series is %v", c.name, i, curve[i], wantCurve[i])
			}
		}
		for _, threads := range []int{1, 3} {
			o := c.o
			o.Threads = threads
			sd := pick(errBars(t, c.data, o, c.e), os, pix)
			for i := range sd {
				w := want[i]
				if math.IsNaN(w) != math.IsNaN(sd[i]) || math.Abs(sd[i]-w) > 1e-5*math.Abs(w)+1e-9 {
					t.Fatalf("%s threads %d: sd[%d] = %v, want %v", c.name, threads, i, sd[i], w)
				}
				if !math.IsNaN(w) && !(w > 0) {
					t.Fatalf("%s: sd[%d] = %v, want > 0", c.name, i, w)
				}
			}
		}
	}
}

// On many simulations of the same system, the mean error bar of a point
// is the spread of that point's value across the simulations, within 25%.
func TestErrorBarsStatistics(t *testing.T) {
	const reps, frames, size = 40, 4096, 12
	acfPcf := Options{Offsets: []Offset{{0, 0}, {2, 0}}, Nbins: 16, NoSmooth: true}
	cfgs := []errStatCfg{
		{"acf+pcf blocking", acfPcf, ErrOptions{}, []int{1, 3, 5, 7, 9}},
		{"acf+pcf segments 16", acfPcf, ErrOptions{Method: Segments, Segments: 16}, []int{1, 3, 5, 7, 9}},
		{"delta blocking", Options{Offsets: []Offset{{2, 0}}, Nbins: 16, NoSmooth: true, Delta: true}, ErrOptions{}, []int{1, 3, 5, 7}},
		{"acf multitau smoothed blocking", Options{Offsets: []Offset{{0, 0}}, Bins: Multitau, M: 8}, ErrOptions{}, []int{1, 4, 10, 16, 20}},
	}
	type acc struct{ sum, sum2, sd float64 }
	stats := make([]map[int]*acc, len(cfgs)) // key: output index
	for i := range stats {
		stats[i] = map[int]*acc{}
	}
	geo := make([]Geometry, len(cfgs))
	for r := 0; r < reps; r++ {
		data := errSim(t, uint64(1000+r), frames, size, 12, 0.1)
		for ci, c := range cfgs {
			val, g := compute(t, data, c.o)
			geo[ci] = g
			sd := errBars(t, data, c.o, c.e)
			for i, v := range val {
				if !c.wants(i % g.OutShape[3]) {
					continue
				}
				a := stats[ci][i]
				if a == nil {
					a = &acc{}
					stats[ci][i] = a
				}
				a.sum += float64(v)
				a.sum2 += float64(v) * float64(v)
				a.sd += sd[i]
			}
		}
	}
	for ci, c := range cfgs {
		g := geo[ci]
		for k := range g.Offsets {
			for _, j := range c.points {
				// pooled over the pixels: the mean error bar and the
				// root mean variance across the simulations
				var v, s float64
				n := 0
				for i, a := range stats[ci] {
					if i%g.OutShape[3] != j || i/g.OutShape[3]%g.OutShape[2] != k {
						continue
					}
					m := a.sum / reps
					v += (a.sum2 - reps*m*m) / (reps - 1)
					s += a.sd / reps
					n++
				}
				spread, est := math.Sqrt(v/float64(n)), s/float64(n)
				ratio := est / spread
				t.Logf("%s offset %v point %d (delay %g): error bar %.4g, spread %.4g, ratio %.3f",
					c.name, g.Offsets[k], j, g.Delays[j], est, spread, ratio)
				if math.Abs(ratio-1) > 0.25 {
					t.Errorf("%s offset %v point %d: error bar %.4g, spread across %d simulations %.4g: ratio %.3f, want 0.75..1.25",
						c.name, g.Offsets[k], j, est, reps, spread, ratio)
				}
			}
		}
	}
}

type errStatCfg struct {
	name   string
	o      Options
	e      ErrOptions
	points []int // the points checked
}

func (c errStatCfg) wants(j int) bool { return slices.Contains(c.points, j) }

// Error bars are NaN exactly where the curves are.
func TestErrorBarsNaN(t *testing.T) {
	const T, H, W = 128, 8, 9
	src := randomStack(21, T, H, W, 40)
	data, _ := array.Contiguous(array.Float32, []int{T, H, W}, make([]byte, T*H*W*4))
	for i := 0; i < T*H*W; i++ {
		data.Store(4*i, src.Load(2*i))
	}
	for tt := 0; tt < T; tt++ {
		data.Set(0, tt, 2, 3) // a series summing to zero
		data.Set(1, tt, 5, 5) // a dim pixel: below the threshold
	}
	data.Set(math.NaN(), 17, 4, 6) // one NaN sample
	data.Set(math.Inf(1), 3, 6, 2) // one infinite sample
	mask := make([]byte, H*W)
	for i := range mask {
		mask[i] = 1
	}
	mask[3*W+4] = 0
	mv, _ := array.Contiguous(array.Uint8, []int{H, W}, mask)
	o := Options{Offsets: []Offset{{0, 0}, {1, 0}, {-1, -1}}, Nbins: 8, Mask: &mv}
	o.SetThreshold(2)
	for _, e := range []ErrOptions{{}, {Method: Segments, Segments: 4}} {
		for _, delta := range []bool{false, true} {
			o.Delta = delta
			curves, _ := compute(t, data, o)
			sd := errBars(t, data, o, e)
			nans := 0
			for i, c := range curves {
				if math.IsNaN(float64(c)) != math.IsNaN(sd[i]) {
					t.Fatalf("%v delta %v: curve[%d] = %v but sd %v", e, delta, i, c, sd[i])
				}
				if math.IsNaN(sd[i]) {
					nans++
				} else if !(sd[i] >= 0) || math.IsInf(sd[i], 0) { // 0 next to the constant pixel
					t.Fatalf("%v delta %v: sd[%d] = %v, want finite >= 0", e, delta, i, sd[i])
				}
			}
			if nans == 0 || nans == len(sd) {
				t.Fatalf("%v delta %v: %d NaN error bars of %d", e, delta, nans, len(sd))
			}
		}
	}
}

func TestErrorBarsErrors(t *testing.T) {
	data := randomStack(5, 64, 6, 7, 30)
	o := Options{Offsets: []Offset{{0, 0}, {1, 0}}, Nbins: 6}
	g, _ := Plan(data.Shape, o)
	os := g.OutShape
	newOut := func(dt array.DType, shape []int) array.View {
		n := dt.Size()
		for _, s := range shape {
			n *= s
		}
		v, _ := array.Contiguous(dt, shape, make([]byte, n))
		return v
	}
	good := newOut(array.Float32, os[:])
	ctx := context.Background()
	cases := []struct {
		name string
		out  array.View
		o    Options
		e    ErrOptions
		want error
	}{
		{"float64 out", newOut(array.Float64, os[:]), o, ErrOptions{}, ErrShape},
		{"shape", newOut(array.Float32, []int{os[0], os[1], os[2], os[3] + 1}), o, ErrOptions{}, ErrShape},
		{"method", good, o, ErrOptions{Method: ErrMethod(2)}, ErrParam},
		{"segments 1", good, o, ErrOptions{Method: Segments, Segments: 1}, ErrParam},
		{"segments > N", good, o, ErrOptions{Method: Segments, Segments: 65}, ErrParam},
		{"segments < 0", good, o, ErrOptions{Method: Segments, Segments: -2}, ErrParam},
		{"nbins", good, Options{Offsets: []Offset{{0, 0}}, Nbins: 1}, ErrOptions{}, ErrParam},
	}
	for _, c := range cases {
		if err := ErrorBars(ctx, c.out, data, c.o, c.e); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// the output over the input
	alias, _ := array.Contiguous(array.Float32, os[:], data.Data[:os[0]*os[1]*os[2]*os[3]*4])
	if err := ErrorBars(ctx, alias, data, o, ErrOptions{}); !errors.Is(err, ErrParam) {
		t.Errorf("aliased output: %v", err)
	}
	// Segments = N is fine; cancellation by the context and by Progress.
	if err := ErrorBars(ctx, good, data, o, ErrOptions{Method: Segments, Segments: 64}); err != nil {
		t.Error(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := ErrorBars(cctx, good, data, o, ErrOptions{}); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled context: %v", err)
	}
	oc := o
	oc.Progress = func(done, total int) bool { return false }
	if err := ErrorBars(ctx, good, data, oc, ErrOptions{}); !errors.Is(err, ErrCancelled) {
		t.Errorf("progress false: %v", err)
	}
	// Progress reaches the total.
	var last, total int
	oc.Progress = func(done, tot int) bool { last, total = done, tot; return true }
	if err := ErrorBars(ctx, good, data, oc, ErrOptions{}); err != nil || last != total || total == 0 {
		t.Errorf("progress: %v, last %d of %d", err, last, total)
	}
	// A strided big-endian output holds the same values.
	want := errBars(t, data, o, ErrOptions{})
	n := os[0] * os[1] * os[2] * os[3]
	st := []int{8 * os[1] * os[2] * os[3], 8 * os[2] * os[3], 8 * os[3], 8}
	be, err := array.New(array.Float32, array.Big, os[:], st, make([]byte, 8*n), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := ErrorBars(ctx, be, data, o, ErrOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if got := be.Load(8 * i); math.Float32bits(float32(got)) != math.Float32bits(float32(want[i])) {
			t.Fatalf("big-endian strided output differs at %d: %v, want %v", i, got, want[i])
		}
	}
}

// TestErrorBarsStopWithinACurve checks that a cancelled run stops within
// its first curve (a curve of 2^22 frames took 2.8 s, and Ctrl+C waited
// for it): with the context cancelled after its first look, the first
// curve is never stored, for every way of making the points' series.
func TestErrorBarsStopWithinACurve(t *testing.T) {
	data := randomStack(6, 256, 3, 4, 30)
	for _, c := range []struct {
		name string
		o    Options
		e    ErrOptions
	}{
		{"log bins", Options{Offsets: []Offset{{1, 0}}, Nbins: 6}, ErrOptions{}},
		{"delta", Options{Offsets: []Offset{{1, 0}}, Nbins: 6, Delta: true}, ErrOptions{Method: Segments}},
		{"multitau", Options{Offsets: []Offset{{1, 0}}, Bins: Multitau, M: 4}, ErrOptions{}},
	} {
		c.o.Threads = 1
		g, err := Plan(data.Shape, c.o)
		if err != nil {
			t.Fatal(err)
		}
		os := g.OutShape
		out, _ := array.Contiguous(array.Float32, os[:], make([]byte, os[0]*os[1]*os[2]*os[3]*4))
		const sentinel = 0x12345678
		for i := 0; i < len(out.Data); i += 4 {
			binary.LittleEndian.PutUint32(out.Data[i:], sentinel)
		}
		ctx := ctxtest.New()
		if err := ErrorBars(ctx, out, data, c.o, c.e); !errors.Is(err, ErrCancelled) {
			t.Fatalf("%s: %v, want ErrCancelled", c.name, err)
		}
		if bits := binary.LittleEndian.Uint32(out.Data); bits != sentinel {
			t.Fatalf("%s: the first curve was finished and stored (%d looks at the context)", c.name, ctx.Looks)
		}
	}
}
