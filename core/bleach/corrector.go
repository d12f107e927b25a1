package bleach

import "github.com/ipcf/ipcf/core/array"

// Corrector corrects several series of one length side by side, each
// exactly as Correct would: the block kernel behind Stack, on series that
// are already in memory (the spectra path of core/pcf gathers a block of
// pixels' series at once). It is faster than Correct per series because the
// filters of different series do not wait for each other and run four to a
// vector (BenchmarkCorrector, 16 series of 32000 samples: about 0.8 times
// the time of Correct on each). For blocks of k <= 128 series a
// Corrector holds 256*k bytes plus k/2 bytes per sample of scratch; it is
// not safe for concurrent use.
type Corrector struct {
	n, filtersize int
	mean          Mean
	lo, hi        float64
	k             *kernel // sized for the widest block so far
	off           []int   // Gather's lane offsets
}

// ensure sizes the kernel for blocks of w series.
func (c *Corrector) ensure(w int) {
	if c.k == nil || c.k.lanes < w {
		c.k = newKernel(c.n, c.filtersize, c.mean, c.lo, c.hi, w)
		c.off = make([]int, w)
	}
}

// NewCorrector returns a Corrector for series of n samples. It returns
// Check's error for invalid parameters; lo and hi are the clipping range
// of Correct.
func NewCorrector(n, filtersize int, mean Mean, lo, hi float64) (*Corrector, error) {
	if err := Check(n, filtersize, mean); err != nil {
		return nil, err
	}
	return &Corrector{n: n, filtersize: filtersize, mean: mean, lo: lo, hi: hi}, nil
}

// Correct corrects every series of ds in place: afterwards
// ds[j][filtersize:n-filtersize] is what Correct(ds[j], ...) returns, bit
// for bit, and the samples outside it are unchanged. It panics if a series
// does not have n samples.
func (c *Corrector) Correct(ds [][]float64) {
	n := c.n
	for _, d := range ds {
		if len(d) != n {
			panic("bleach: Corrector.Correct: series length differs from n")
		}
	}
	c.ensure(min(len(ds), maxLanes))
	for len(ds) > 0 {
		blk := ds[:min(len(ds), maxLanes)]
		ds = ds[len(blk):]
		nl := len(blk)
		c.k.run(nl, func(x []float64, a, b int) bool {
			for j, d := range blk {
				col := d[a:b]
				for i, v := range col {
					x[i*nl+j] = v
				}
			}
			return true
		}, func(x []float64, a, b int) {
			for j, d := range blk {
				col := d[a:b]
				for i := range col {
					col[i] = x[i*nl+j]
				}
			}
		}, nil)
	}
}

// Gather reads len(dst) series of n samples from v, sample t of series j
// at byte o + t*st + j*sj of v.Data (the layout of View.Gather2), corrects
// them and writes the part that is kept: dst[j][:n-2*filtersize] is what
// Correct returns for series j, bit for bit. It replaces a Gather2 of the
// series followed by Correct on each: the samples are read a block's part
// of a frame at a time, with the frames of the next segment prefetched,
// and never stored uncorrected. It panics if a dst[j] is shorter than
// n-2*filtersize or a sample lies outside v.Data.
func (c *Corrector) Gather(dst [][]float64, v array.View, o, st, sj int) {
	c.GatherPolled(dst, v, o, st, sj, nil)
}

// GatherPolled is Gather that looks at stopped (when not nil) every 64
// segments of frames it reads and returns false, dst partly written, once
// it reports true: a block of series of millions of frames took half a
// second between a run's looks at its stop.
func (c *Corrector) GatherPolled(dst [][]float64, v array.View, o, st, sj int, stopped func() bool) bool {
	F := c.filtersize
	keep := c.n - 2*F
	for _, d := range dst {
		if len(d) < keep {
			panic("bleach: Corrector.Gather: dst series shorter than n-2*filtersize")
		}
	}
	c.ensure(min(len(dst), maxLanes))
	es := v.DType.Size()
	for j0 := 0; j0 < len(dst); j0 += maxLanes {
		blk := dst[j0:min(len(dst), j0+maxLanes)]
		nl := len(blk)
		off := c.off[:nl]
		for j := range off {
			off[j] = o + (j0+j)*sj
		}
		var pre func(a, b int, backward bool)
		if unitStride(off, es) {
			pre = func(a, b int, _ bool) { prefetchRows(v.Data, off[0]+a*st, st, b-a, nl*es) }
		}
		halted, loads := false, 0
		c.k.run(nl, func(x []float64, a, b int) bool {
			// (every 64 segments: 1,024 frames of up to 128 series)
			if loads++; stopped != nil && loads%64 == 0 && stopped() {
				halted = true
				return false
			}
			gatherLanes(x, v, off, a, b)
			return true
		}, func(x []float64, a, b int) {
			for j, d := range blk {
				col := d[a-F : b-F]
				for i := range col {
					col[i] = x[i*nl+j]
				}
			}
		}, pre)
		if halted {
			return false
		}
	}
	return true
}
