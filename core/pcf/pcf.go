package pcf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/pool"
)

// Options are the parameters of a pCF computation.
type Options struct {
	Radius  int // circle radius in pixels, >= 1
	Npoints int // circle points, >= 1
	Nbins   int // requested log bins, >= 2; the effective count may be lower

	// Bleach is the photobleaching filter size; 0 disables the correction.
	// With correction, the first and last Bleach frames are dropped.
	Bleach     int
	BleachMean bleach.Mean

	// Mask, if not nil, is an (H, W) array: pixels where it is zero are not
	// computed and their curves are NaN.
	Mask *array.View

	// Threads is the number of worker goroutines; 0 means GOMAXPROCS.
	Threads int

	// Progress, if not nil, is called on the calling goroutine with the
	// finished and total work units; returning false cancels.
	Progress pool.Progress

	// NewFFT makes the FFT plans; nil means the fastest backend.
	NewFFT func(n int) fft.Plan
}

// DefaultOptions returns the tutorial's parameters: radius 6, 32 points,
// 32 requested bins, no bleaching correction.
func DefaultOptions() Options {
	return Options{Radius: 6, Npoints: 32, Nbins: 32}
}

// Geometry is what a computation on an input of a given shape will do.
type Geometry struct {
	T, H, W  int      // input shape (frames, rows, columns)
	Frames   int      // frames after bleaching correction (T - 2*Bleach)
	N        int      // frames used: largest power of two <= Frames
	Bins     []int    // upper edges of the delay bins
	Circle   []Offset // circle points
	OutShape [4]int   // (H-2r, W-2r, npoints, len(Bins))
}

// SpectraBytes is the memory the in-memory engine needs for the spectra.
func (g Geometry) SpectraBytes() int64 {
	return int64(g.H) * int64(g.W) * int64(specStride(g.N)) * 8
}

// Pairs returns the number of inverse FFTs (correlated pixel pairs) the
// engine computes without a mask.
func (g Geometry) Pairs() int64 {
	var n int64
	r := (g.OutShape[0] - g.H) / -2
	in := func(y, x int) bool { return y >= r && y < g.H-r && x >= r && x < g.W-r }
	for _, gr := range groups(g.Circle) {
		o := g.Circle[gr[0]]
		for y := 0; y < g.H; y++ {
			for x := 0; x < g.W; x++ {
				q := in(y+o.V, x+o.U)
				if in(y, x) || (gr[1] >= 0 && q) {
					n++
				}
			}
		}
	}
	return n
}

// Plan validates the parameters for an input of shape (T, H, W) and
// returns the geometry of the computation.
func Plan(shape []int, o Options) (Geometry, error) {
	var g Geometry
	if len(shape) != 3 {
		return g, fmt.Errorf("%w: input has %d dimensions, want 3 (time, rows, columns)", ErrShape, len(shape))
	}
	g.T, g.H, g.W = shape[0], shape[1], shape[2]
	var err error
	if g.Circle, err = Circle(o.Radius, o.Npoints); err != nil {
		return g, err
	}
	if o.Nbins < 2 {
		return g, fmt.Errorf("%w: nbins=%d, want >= 2", ErrParam, o.Nbins)
	}
	r := o.Radius
	if g.H <= 2*r || g.W <= 2*r {
		return g, fmt.Errorf("%w: radius=%d too large for a %dx%d image (want height and width > 2*radius)", ErrParam, r, g.H, g.W)
	}
	if o.Threads < 0 {
		return g, fmt.Errorf("%w: threads=%d, want >= 0", ErrParam, o.Threads)
	}
	g.Frames = g.T
	if o.Bleach != 0 {
		if o.Bleach < 0 {
			return g, fmt.Errorf("%w: bleach=%d, want >= 0", ErrParam, o.Bleach)
		}
		if err := bleach.Check(g.T, o.Bleach, o.BleachMean); err != nil {
			return g, fmt.Errorf("%w: %v", ErrParam, err)
		}
		g.Frames = g.T - 2*o.Bleach
	}
	g.N = PowerOfTwoFloor(g.Frames)
	if g.N < 4 {
		return g, fmt.Errorf("%w: %d frames usable, want >= 4", ErrParam, g.Frames)
	}
	if g.Bins, err = LogBins(g.N/2, o.Nbins); err != nil {
		return g, err
	}
	g.OutShape = [4]int{g.H - 2*r, g.W - 2*r, o.Npoints, len(g.Bins)}
	return g, nil
}

// groups pairs circle points that are exact negations of each other:
// each group is {i, j} with point j == -point i, or {i, -1}.
func groups(c []Offset) [][2]int {
	used := make([]bool, len(c))
	var out [][2]int
	for i := range c {
		if used[i] {
			continue
		}
		used[i] = true
		g := [2]int{i, -1}
		for j := i + 1; j < len(c); j++ {
			if !used[j] && c[j].U == -c[i].U && c[j].V == -c[i].V {
				used[j] = true
				g[1] = j
				break
			}
		}
		out = append(out, g)
	}
	return out
}

// specStride is the distance between two pixels' spectra in complex64
// values: n/2+1 rounded up so that every spectrum stays 64-byte aligned.
func specStride(n int) int { return (n/2 + 1 + 7) / 8 * 8 }

// pixelBlock is how many adjacent pixels of a row are transposed together.
const pixelBlock = 16

// Compute writes the pCF of data, a (T, H, W) array, into out, a float32
// array of shape Geometry.OutShape (any strides, either byte order).
// It returns an error for bad parameters, a shape mismatch, overlapping
// input and output, or cancellation (ctx or Options.Progress); out is then
// partly written.
func Compute(ctx context.Context, out, data array.View, o Options) error {
	g, err := Plan(data.Shape, o)
	if err != nil {
		return err
	}
	if out.DType != array.Float32 || out.NDim() != 4 {
		return fmt.Errorf("%w: output is %s with %d dimensions, want float32 with 4", ErrShape, out.DType, out.NDim())
	}
	for i, s := range g.OutShape {
		if out.Shape[i] != s {
			return fmt.Errorf("%w: output shape %v, want %v", ErrShape, out.Shape, g.OutShape)
		}
	}
	if out.Overlaps(data) {
		return fmt.Errorf("%w: output overlaps the input", ErrParam)
	}
	if o.Mask != nil {
		m := o.Mask
		if m.NDim() != 2 || m.Shape[0] != g.H || m.Shape[1] != g.W {
			return fmt.Errorf("%w: mask shape %v, want [%d %d] (the image's rows and columns)", ErrShape, m.Shape, g.H, g.W)
		}
		if out.Overlaps(*m) {
			return fmt.Errorf("%w: output overlaps the mask", ErrParam)
		}
	}
	if err := checkMemory(g.SpectraBytes()); err != nil {
		return err
	}
	e := &engine{g: g, o: o, out: out, data: data}
	return e.run(ctx)
}

type engine struct {
	g    Geometry
	o    Options
	out  array.View
	data array.View

	stride int         // complex64 values between spectra
	spec   []complex64 // H*W spectra
	sums   []float64   // sum of each pixel's used series
	active []bool      // pixel has an output to compute
}

func (e *engine) run(ctx context.Context) error {
	g, o := e.g, e.o
	threads := pool.Threads(o.Threads)
	newFFT := o.NewFFT
	if newFFT == nil {
		newFFT = fft.New
	}
	r := o.Radius
	e.active = make([]bool, g.H*g.W)
	for y := r; y < g.H-r; y++ {
		for x := r; x < g.W-r; x++ {
			e.active[y*g.W+x] = o.Mask == nil || o.Mask.At(y, x) != 0
		}
	}
	e.stride = specStride(g.N)
	var free func()
	e.spec, free = fft.BigComplex64s(g.H * g.W * e.stride)
	defer free()
	e.sums = make([]float64, g.H*g.W)

	grp := groups(g.Circle)
	nblk := (g.W + pixelBlock - 1) / pixelBlock
	tasks1 := g.H * nblk
	tasks2 := len(grp) * g.H
	// Forward FFTs are cheap next to the pairs: weigh them 1 to 4.
	total := tasks1 + tasks2*4
	progress := func(off, mul int) pool.Progress {
		if o.Progress == nil {
			return nil
		}
		return func(done, _ int) bool { return o.Progress(off+done*mul, total) }
	}

	// Phase 1: transpose blocks of pixels into time series, correct
	// bleaching, subtract the mean and compute the spectra.
	type scratch1 struct {
		buf  [][]float64
		s    []float64
		f32  []float32
		plan fft.Plan
	}
	nread := g.N
	if o.Bleach > 0 {
		nread = g.T
	}
	sc1 := make([]*scratch1, threads)
	var err error
	if o.Bleach == 0 && e.data.DType.ExactInFloat32() {
		// Fast path: transpose blocks of whole rows straight into the
		// spectra memory (each row holds n+2 floats), reading the frames
		// sequentially, then transform pixel by pixel.
		rows := max(1, 1024/g.W)
		tasks1 = (g.H + rows - 1) / rows
		total = tasks1 + tasks2*4
		f32 := unsafe.Slice((*float32)(unsafe.Pointer(&e.spec[0])), 2*len(e.spec))
		err = pool.Run(ctx, threads, tasks1, func(w, task int) error {
			sc := sc1[w]
			if sc == nil {
				sc = &scratch1{f32: fft.Float32s(g.N), plan: newFFT(g.N)}
				sc1[w] = sc
			}
			y0, y1 := task*rows, min(g.H, task*rows+rows)
			var dst [][]float32
			for p := y0 * g.W; p < y1*g.W; p++ {
				dst = append(dst, f32[2*p*e.stride:2*p*e.stride+g.N])
			}
			d := e.data
			d.GatherF32(dst, d.Offset+y0*d.Strides[1], d.Strides[0], g.N, y1-y0, d.Strides[1], g.W, d.Strides[2])
			for k, series := range dst {
				p := y0*g.W + k
				var sum float64
				for _, v := range series {
					sum += float64(v)
				}
				e.sums[p] = sum
				mean := sum / float64(g.N)
				for i, v := range series {
					sc.f32[i] = float32(float64(v) - mean)
				}
				sc.plan.Forward(e.spec[p*e.stride:p*e.stride+g.N/2+1], sc.f32)
			}
			return nil
		}, progress(0, 1))
		if err != nil {
			return wrapErr(err)
		}
	} else {
		err = pool.Run(ctx, threads, tasks1, func(w, task int) error {
			sc := sc1[w]
			if sc == nil {
				sc = &scratch1{buf: make([][]float64, pixelBlock), f32: fft.Float32s(g.N), plan: newFFT(g.N)}
				for i := range sc.buf {
					sc.buf[i] = make([]float64, nread)
				}
				if o.Bleach > 0 {
					sc.s = make([]float64, g.T)
				}
				sc1[w] = sc
			}
			y, x0 := task/nblk, task%nblk*pixelBlock
			nx := min(pixelBlock, g.W-x0)
			d := e.data
			d.Gather2(sc.buf[:nx], d.Offset+y*d.Strides[1]+x0*d.Strides[2], d.Strides[0], nread, d.Strides[2])
			for k := 0; k < nx; k++ {
				series := sc.buf[k]
				if o.Bleach > 0 {
					series = bleach.Correct(series, sc.s, o.Bleach, o.BleachMean, 0, 65535)
				}
				series = series[:g.N]
				var sum float64
				for _, v := range series {
					sum += v
				}
				p := y*g.W + x0 + k
				e.sums[p] = sum
				mean := sum / float64(g.N)
				for i, v := range series {
					sc.f32[i] = float32(v - mean)
				}
				sc.plan.Forward(e.spec[p*e.stride:p*e.stride+g.N/2+1], sc.f32)
			}
			return nil
		}, progress(0, 1))
		if err != nil {
			return wrapErr(err)
		}
	}

	// Phase 2: one inverse FFT per pair, both directions where the circle
	// points are negations of each other.
	type scratch2 struct {
		prod []complex64
		corr []float32
		fwd  []float64
		bwd  []float64
		plan fft.Plan
	}
	nb := len(g.Bins)
	if fft.HasPairKernel && o.NewFFT == nil {
		err = e.pairsKernel(ctx, threads, grp, progress(tasks1, 4))
		if err != nil {
			return wrapErr(err)
		}
		e.maskNaN()
		return nil
	}
	sc2 := make([]*scratch2, threads)
	err = pool.Run(ctx, threads, tasks2, func(w, task int) error {
		sc := sc2[w]
		if sc == nil {
			sc = &scratch2{prod: fft.Complex64s(g.N/2 + 1), corr: fft.Float32s(g.N),
				fwd: make([]float64, nb), bwd: make([]float64, nb), plan: newFFT(g.N)}
			sc2[w] = sc
		}
		gr := grp[task/g.H]
		y := task % g.H
		i, j := gr[0], gr[1]
		off := g.Circle[i]
		yq := y + off.V
		if yq < 0 || yq >= g.H {
			return nil
		}
		for x := 0; x < g.W; x++ {
			xq := x + off.U
			if xq < 0 || xq >= g.W {
				continue
			}
			p, q := y*g.W+x, yq*g.W+xq
			needF := e.active[p]
			needB := j >= 0 && e.active[q]
			if !needF && !needB {
				continue
			}
			sp, sq := e.sums[p], e.sums[q]
			if sp == 0 || sq == 0 {
				if needF {
					e.store(y, x, i, nil)
				}
				if needB {
					e.store(yq, xq, j, nil)
				}
				continue
			}
			mulConj(sc.prod, e.spec[q*e.stride:q*e.stride+g.N/2+1], e.spec[p*e.stride:p*e.stride+g.N/2+1])
			sc.plan.Inverse(sc.corr, sc.prod)
			var bwd []float64
			if needB {
				bwd = sc.bwd
			}
			binSums(sc.fwd, bwd, sc.corr, g.Bins)
			scale := 1 / (sp * sq)
			if needF {
				e.store(y, x, i, finish(sc.fwd, g.Bins, scale))
			}
			if needB {
				e.store(yq, xq, j, finish(sc.bwd, g.Bins, scale))
			}
		}
		return nil
	}, progress(tasks1, 4))
	if err != nil {
		return wrapErr(err)
	}
	e.maskNaN()
	return nil
}

// maskNaN stores NaN curves for the masked pixels.
func (e *engine) maskNaN() {
	g, r := e.g, e.o.Radius
	for y := r; y < g.H-r; y++ {
		for x := r; x < g.W-r; x++ {
			if !e.active[y*g.W+x] {
				for i := range g.Circle {
					e.store(y, x, i, nil)
				}
			}
		}
	}
}

// pairsKernel is phase 2 on the fused two-pairs-per-FFT kernel.
func (e *engine) pairsKernel(ctx context.Context, threads int, grp [][2]int, progress pool.Progress) error {
	g := e.g
	nb := len(g.Bins)
	measure := g.Pairs() >= 4096
	type job struct {
		p, q         int
		needF, needB bool
	}
	type scratch struct {
		k    *fft.PairKernel
		jobs []job
		buf  [4][]float64
	}
	scr := make([]*scratch, threads)
	h := g.N/2 + 1
	spec := func(p int) []complex64 { return e.spec[p*e.stride : p*e.stride+h] }
	return pool.Run(ctx, threads, len(grp)*g.H, func(w, task int) error {
		sc := scr[w]
		if sc == nil {
			sc = &scratch{k: fft.NewPairKernel(g.N, g.Bins, measure)}
			for i := range sc.buf {
				sc.buf[i] = make([]float64, nb)
			}
			scr[w] = sc
		}
		gr := grp[task/g.H]
		y := task % g.H
		i, j := gr[0], gr[1]
		off := g.Circle[i]
		yq := y + off.V
		if yq < 0 || yq >= g.H {
			return nil
		}
		sc.jobs = sc.jobs[:0]
		for x := max(0, -off.U); x < g.W && x+off.U < g.W; x++ {
			p, q := y*g.W+x, yq*g.W+x+off.U
			jb := job{p: p, q: q, needF: e.active[p], needB: j >= 0 && e.active[q]}
			if !jb.needF && !jb.needB {
				continue
			}
			if e.sums[p] == 0 || e.sums[q] == 0 {
				if jb.needF {
					e.store(y, x, i, nil)
				}
				if jb.needB {
					e.store(yq, x+off.U, j, nil)
				}
				continue
			}
			sc.jobs = append(sc.jobs, jb)
		}
		bw := func(jb job, b []float64) []float64 {
			if jb.needB {
				return b
			}
			return nil
		}
		emit := func(jb job, f, b []float64) {
			scale := 1 / (e.sums[jb.p] * e.sums[jb.q])
			if jb.needF {
				e.store(jb.p/g.W, jb.p%g.W, i, finish(f, g.Bins, scale))
			}
			if jb.needB {
				e.store(jb.q/g.W, jb.q%g.W, j, finish(b, g.Bins, scale))
			}
		}
		for k := 0; k < len(sc.jobs); k += 2 {
			j1 := sc.jobs[k]
			if k+1 < len(sc.jobs) {
				j2 := sc.jobs[k+1]
				sc.k.Pair2(spec(j1.p), spec(j1.q), spec(j2.p), spec(j2.q),
					sc.buf[0], bw(j1, sc.buf[1]), sc.buf[2], bw(j2, sc.buf[3]))
				emit(j1, sc.buf[0], sc.buf[1])
				emit(j2, sc.buf[2], sc.buf[3])
			} else {
				sc.k.Pair2(spec(j1.p), spec(j1.q), nil, nil, sc.buf[0], bw(j1, sc.buf[1]), nil, nil)
				emit(j1, sc.buf[0], sc.buf[1])
			}
		}
		return nil
	}, progress)
}

func wrapErr(err error) error {
	if errors.Is(err, pool.ErrCancelled) {
		return ErrCancelled
	}
	return err
}

// store writes curve g (NaN if nil) for image pixel (y, x) and point i.
func (e *engine) store(y, x, i int, g []float64) {
	out := e.out
	r := e.o.Radius
	o := out.Offset + (y-r)*out.Strides[0] + (x-r)*out.Strides[1] + i*out.Strides[2]
	for k := 0; k < out.Shape[3]; k++ {
		v := math.NaN()
		if g != nil {
			v = g[k]
		}
		out.Store(o, v)
		o += out.Strides[3]
	}
}

// mulConj stores b[k] * conj(a[k]) in dst.
func mulConj(dst, b, a []complex64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	for k := range dst {
		ar, ai := real(a[k]), imag(a[k])
		br, bi := real(b[k]), imag(b[k])
		dst[k] = complex(br*ar+bi*ai, bi*ar-br*ai)
	}
}

// binSums stores in fwd[j] the sum of c[tau] over the j-th delay bin
// [bins[j-1], bins[j]) (the first bin is [0, bins[0])), and, if bwd is not
// nil, in bwd[j] the same sum over the reversed series c[(n - tau) mod n].
func binSums(fwd, bwd []float64, c []float32, bins []int) {
	n := len(c)
	lo := 0
	for j, hi := range bins {
		var s0, s1, s2, s3 float64
		t := lo
		for ; t+4 <= hi; t += 4 {
			s0 += float64(c[t])
			s1 += float64(c[t+1])
			s2 += float64(c[t+2])
			s3 += float64(c[t+3])
		}
		for ; t < hi; t++ {
			s0 += float64(c[t])
		}
		fwd[j] = (s0 + s1) + (s2 + s3)
		lo = hi
	}
	if bwd == nil {
		return
	}
	lo = 0
	for j, hi := range bins {
		// taus [lo, hi) read c[n-tau]; tau = 0 reads c[0].
		var s0, s1, s2, s3 float64
		a, b := n-hi+1, n-lo // indices [a, b]
		if lo == 0 {
			s0 = float64(c[0])
			b = n - 1
		}
		t := a
		for ; t+4 <= b+1; t += 4 {
			s0 += float64(c[t])
			s1 += float64(c[t+1])
			s2 += float64(c[t+2])
			s3 += float64(c[t+3])
		}
		for ; t <= b; t++ {
			s0 += float64(c[t])
		}
		bwd[j] = (s0 + s1) + (s2 + s3)
		lo = hi
	}
}

// finish turns bin sums into the smoothed curve in place: bin means
// scaled by scale, then the tutorial's double exponential smoothing.
func finish(g []float64, bins []int, scale float64) []float64 {
	lo := 0
	for j, hi := range bins {
		g[j] = g[j] * scale / float64(hi-lo)
		lo = hi
	}
	g[0] = g[1]
	for i := 1; i < len(g); i++ {
		g[i] = 0.3*g[i] + 0.7*g[i-1]
	}
	for i := len(g) - 2; i >= 0; i-- {
		g[i] = 0.3*g[i] + 0.7*g[i+1]
	}
	return g
}
