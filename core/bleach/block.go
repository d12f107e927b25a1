package bleach

import (
	"math"
)

// The block kernel corrects up to maxLanes series side by side. Its buffers
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
// set is two segments (2*segLen*maxLanes*8 bytes) plus the checkpoints,
// instead of the whole block of series.
const (
	maxLanes = 32 // series per block: 64 bytes of uint16 pixels, one cache line
	segLen   = 64 // samples per segment: two 16 KiB buffers stay in L1
)

// kernel holds the scratch of the block kernel; it is reused across blocks
// of equal length.
type kernel struct {
	n, filtersize int
	mean          Mean
	f0, f1        float64
	lo, hi        float64

	x, s   []float64 // segment buffers, segLen*maxLanes
	ck     []float64 // forward value before each segment, nseg*maxLanes
	c, sum []float64 // carries, maxLanes
	m      []float64 // means, maxLanes
}

func newKernel(n, filtersize int, mean Mean, lo, hi float64) *kernel {
	f0 := 1 / float64(filtersize)
	nseg := (n + segLen - 1) / segLen
	return &kernel{
		n: n, filtersize: filtersize, mean: mean,
		f0: f0, f1: 1 - f0, lo: lo, hi: hi,
		x:   make([]float64, segLen*maxLanes),
		s:   make([]float64, segLen*maxLanes),
		ck:  make([]float64, nseg*maxLanes),
		c:   make([]float64, maxLanes),
		sum: make([]float64, maxLanes),
		m:   make([]float64, maxLanes),
	}
}

// run corrects nl <= maxLanes series of length k.n. load(x, a, b) must fill
// x[(t-a)*nl+j] with sample t of series j for t in [a, b); store(x, a, b)
// receives the corrected samples t in [a, b), a subrange of
// [filtersize, n-filtersize), laid out the same way. load is called twice
// for each segment, store at most once.
func (k *kernel) run(nl int, load, store func(x []float64, a, b int)) {
	n, F := k.n, k.filtersize
	f0, f1 := k.f0, k.f1
	c, sum := k.c[:nl], k.sum[:nl]

	// Pass 1: forward filter and sum, checkpointing the forward value
	// before every segment.
	for a := 0; a < n; a += segLen {
		b := min(n, a+segLen)
		x := k.x[:(b-a)*nl]
		load(x, a, b)
		if a == 0 {
			copy(c, x[:nl])
			copy(sum, x[:nl])
			x = x[nl:]
		} else {
			copy(k.ck[a/segLen*nl:][:nl], c)
		}
		for len(x) >= nl {
			row := x[:nl]
			for j, d := range row {
				c[j] = d*f0 + c[j]*f1
				sum[j] += d
			}
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
		load(x, a, b)
		// Recompute the forward values of the segment.
		if a == 0 {
			copy(s[:nl], x[:nl])
		} else {
			prev := k.ck[a/segLen*nl:][:nl]
			row, sr := x[:nl], s[:nl]
			for j := range sr {
				sr[j] = row[j]*f0 + prev[j]*f1
			}
		}
		for i := nl; i < len(s); i += nl {
			row, sr, prev := x[i:i+nl], s[i:i+nl], s[i-nl:i]
			for j := range sr {
				sr[j] = row[j]*f0 + prev[j]*f1
			}
		}
		// Backward filter and correction.
		t := b - 1
		if t == n-1 {
			copy(c, s[len(s)-nl:])
			t--
		}
		for ; t >= a && t >= F; t-- {
			i := (t - a) * nl
			row, sr := x[i:i+nl], s[i:i+nl]
			for j := range sr {
				c[j] = sr[j]*f0 + c[j]*f1
			}
			if t >= n-F {
				continue
			}
			// correct1, written out: with math.Round inlined it is
			// over the inlining budget.
			for j, d := range row {
				cj, mj := c[j], m[j]
				v := math.Round(math.Sqrt(math.Abs(mj/cj))*(d-cj) + mj)
				if !(v >= lo) {
					v = lo
				} else if v > hi {
					v = hi
				}
				row[j] = v
			}
		}
		if a0, b0 := max(a, F), min(b, n-F); a0 < b0 {
			store(x[(a0-a)*nl:(b0-a)*nl], a0, b0)
		}
	}
}

// correct1 is the corrected value of sample d with smoothed value s and
// mean m: clip(round(sqrt(|m/s|)*(d-s) + m), lo, hi), rounding halves away
// from zero (NaN maps to lo). math.Round is bit manipulation with branches
// on the exponent only, which are predictable; the SSE4.1 truncation plus a
// test of the fraction against 1/2 is not (a mispredicted branch every
// other sample).
func correct1(d, s, m, lo, hi float64) float64 {
	r := math.Round(math.Sqrt(math.Abs(m/s))*(d-s) + m)
	if !(r >= lo) { // also maps NaN (s == 0 and d == 0) to lo
		r = lo
	} else if r > hi {
		r = hi
	}
	return r
}

// meanOf returns the mean of a series of n samples that sum to sum.
func meanOf(sum float64, n int, mean Mean) float64 {
	if mean == Floor {
		if math.Abs(sum) < 1<<62 && sum == math.Trunc(sum) {
			return float64(int64(sum) / int64(n)) // C integer division
		}
		return math.Trunc(sum / float64(n))
	}
	return sum / float64(n)
}
