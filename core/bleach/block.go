package bleach

import (
	"math"
)

// The block kernel corrects several series side by side. Its buffers
// are time-major: x[t*nl+j] is sample t of lane j. The recurrences are
// sequential in time but independent across lanes, so the inner loops over
// lanes carry no dependency and run at the processor's throughput instead
// of the latency of one multiply-add chain; every lane performs exactly the
// operations of Correct, in the same order, so the results are identical.
//
// Memory stays small and independent of the series length: the first pass
// (forward filter and sum) keeps only the forward value at the start of
// every segment of segLen samples (a checkpoint); the second pass walks the
// segments from the last to the first, recomputes each segment's forward
// values from its checkpoint (the same operations on the same values, so
// the same bits), runs the backward filter through it and writes the
// corrected samples. The forward filter is computed twice, but the working
// set is two segments (2*segLen*lanes*8 bytes) plus the checkpoints
// (n/segLen*lanes*8 bytes), instead of the whole block of series.
const (
	// maxLanes is the most series per block: 256 bytes of a frame of
	// uint16 pixels. Wide blocks matter because every frame's row of a
	// block is a cache and TLB miss (frames are usually more than a page
	// apart). BenchmarkStack, 64 x 64 x 32000, before the uint16 rows were
	// converted with AVX: 32 lanes 1.2-1.5 s, 64 lanes 0.95-1.0 s, 128 lanes
	// 0.85-0.89 s, 256 lanes 0.78-0.84 s (with 8 MiB of checkpoints per
	// worker).
	maxLanes = 128
	// segLen is the number of samples per segment: the two segment
	// buffers (16 KiB each at 128 lanes) stay in L1; the checkpoints take
	// 8*lanes/segLen bytes (64 at 128 lanes) per sample of the series.
	// BenchmarkStack at 128 lanes: 16 samples 0.44-0.51 s, 32 samples
	// 0.45-0.54 s, 64 samples 0.49-0.57 s.
	segLen = 16
)

// kernel holds the scratch of the block kernel; it is reused across blocks
// of equal length.
type kernel struct {
	n, filtersize int
	lanes         int // the most series per block
	mean          Mean
	f0, f1        float64
	lo, hi        float64

	x, s   []float64 // segment buffers, segLen*lanes
	ck     []float64 // forward value before each segment, nseg*lanes
	c, sum []float64 // carries, lanes
	m      []float64 // means, lanes
}

// newKernel returns a kernel for blocks of up to lanes series of n samples.
func newKernel(n, filtersize int, mean Mean, lo, hi float64, lanes int) *kernel {
	f0 := 1 / float64(filtersize)
	nseg := (n + segLen - 1) / segLen
	return &kernel{
		n: n, filtersize: filtersize, mean: mean, lanes: lanes,
		f0: f0, f1: 1 - f0, lo: lo, hi: hi,
		x:   make([]float64, segLen*lanes),
		s:   make([]float64, segLen*lanes),
		ck:  make([]float64, nseg*lanes),
		c:   make([]float64, lanes),
		sum: make([]float64, lanes),
		m:   make([]float64, lanes),
	}
}

// run corrects nl <= k.lanes series of length k.n. load(x, a, b) must fill
// x[(t-a)*nl+j] with sample t of series j for t in [a, b); store(x, a, b)
// receives the corrected samples t in [a, b), a subrange of
// [filtersize, n-filtersize), laid out the same way. load is called twice
// for each segment, store at most once. pre, if not nil, is called with
// the segment that load will be asked for next (and in the second pass,
// backward is true and store too), while the current one is being
// filtered: a chance to prefetch it.
func (k *kernel) run(nl int, load func(x []float64, a, b int) bool, store func(x []float64, a, b int), pre func(a, b int, backward bool)) {
	n, F := k.n, k.filtersize
	f0, f1 := k.f0, k.f1
	c, sum := k.c[:nl], k.sum[:nl]

	// Pass 1: forward filter and sum, checkpointing the forward value
	// before every segment.
	for a := 0; a < n; a += segLen {
		b := min(n, a+segLen)
		x := k.x[:(b-a)*nl]
		if pre != nil {
			if a == 0 {
				pre(a, b, false)
			}
			if b < n {
				pre(b, min(n, b+segLen), false)
			} else {
				last := (n - 1) / segLen * segLen
				pre(last, n, true)
			}
		}
		if !load(x, a, b) {
			return // stopped (Stack: the run is being cancelled)
		}
		if a == 0 {
			copy(c, x[:nl])
			copy(sum, x[:nl])
			x = x[nl:]
		} else {
			copy(k.ck[a/segLen*nl:][:nl], c)
		}
		for len(x) >= nl {
			fwdRow(x[:nl], c, sum, f0, f1)
			x = x[nl:]
		}
	}
	m := k.m[:nl]
	for j := range m {
		m[j] = meanOf(sum[j], n, k.mean)
	}

	// Pass 2: segments from the last down to the one holding sample F.
	// c becomes the backward carry: the final smoothed value of the sample
	// after the current one.
	lo, hi := k.lo, k.hi
	for a := (n - 1) / segLen * segLen; a+segLen > F; a -= segLen {
		b := min(n, a+segLen)
		x := k.x[:(b-a)*nl]
		s := k.s[:(b-a)*nl]
		if pre != nil && a > F { // the next segment holds samples >= F
			pre(a-segLen, a, true)
		}
		if !load(x, a, b) {
			return // stopped (Stack: the run is being cancelled)
		}
		// Recompute the forward values of the segment.
		if a == 0 {
			copy(s[:nl], x[:nl])
		} else {
			recRow(x[:nl], k.ck[a/segLen*nl:][:nl], s[:nl], f0, f1)
		}
		for i := nl; i < len(s); i += nl {
			recRow(x[i:i+nl], s[i-nl:i], s[i:i+nl], f0, f1)
		}
		// Backward filter and correction.
		t := b - 1
		if t == n-1 {
			copy(c, s[len(s)-nl:])
			t--
		}
		for ; t >= a && t >= F; t-- {
			i := (t - a) * nl
			if t >= n-F {
				backRow(s[i:i+nl], c, f0, f1)
			} else {
				backOutRow(x[i:i+nl], s[i:i+nl], c, m, f0, f1, lo, hi)
			}
		}
		if a0, b0 := max(a, F), min(b, n-F); a0 < b0 {
			store(x[(a0-a)*nl:(b0-a)*nl], a0, b0)
		}
	}
}

// meanOf returns the mean of a series of n samples that sum to sum.
func meanOf(sum float64, n int, mean Mean) float64 {
	if mean == Floor {
		// floor(sum/n) (pcf.md): exact in integers where the sum is one
		// (the tutorial's C division for its non-negative data; rounded
		// down, not toward zero, for a negative sum).
		if math.Abs(sum) < 1<<62 && sum == math.Trunc(sum) {
			s, m := int64(sum), int64(n)
			q := s / m
			if s%m != 0 && s < 0 {
				q--
			}
			return float64(q)
		}
		return math.Floor(sum / float64(n))
	}
	return sum / float64(n)
}
