package bleach

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pool"
)

// Mean selects how the series mean is computed.
type Mean int

const (
	// Real is the exact mean sum/n in float64 (the default).
	Real Mean = 0
	// Floor is the tutorial's Cython mean: the integer sum divided by n in
	// C integer arithmetic, floor(sum/n) for non-negative data.
	Floor Mean = 1
)

// ErrParam reports a bad filter size, mean or length.
var ErrParam = errors.New("bleach: invalid parameter")

// Check validates a filter size for a series of n samples: the output keeps
// n - 2*filtersize samples, which must be at least 1.
func Check(n, filtersize int, mean Mean) error {
	if mean != Real && mean != Floor {
		return fmt.Errorf("%w: mean=%d, want real (0) or floor (1)", ErrParam, int(mean))
	}
	if filtersize < 1 {
		return fmt.Errorf("%w: filtersize=%d, want >= 1", ErrParam, filtersize)
	}
	if n < 1 || filtersize > (n-1)/2 {
		// Compared without forming 2*filtersize, which can overflow.
		return fmt.Errorf("%w: filtersize=%d leaves no frame of %d (it drops 2*filtersize; at most %d)", ErrParam, filtersize, n, max(0, (n-1)/2))
	}
	return nil
}

// Correct corrects the series d in place and returns d[filtersize:n-filtersize],
// the part that is kept. s is scratch of at least len(d) values (allocated
// when too short). The corrected values are rounded half away from zero and
// clipped to [lo, hi] (the caller passes [0, 65535] intersected with the
// range of its output type).
//
//	s[0] = d[0];  s[i] = d[i]*f0 + s[i-1]*f1         forward
//	s[i] = s[i]*f0 + s[i+1]*f1                       backward
//	out[i] = clip(round(sqrt(|mean/s[i]|)*(d[i]-s[i]) + mean), lo, hi)
//
// with f0 = 1/filtersize and f1 = 1 - f0. Check must have accepted the
// parameters; Correct panics otherwise.
func Correct(d, s []float64, filtersize int, mean Mean, lo, hi float64) []float64 {
	n := len(d)
	if err := Check(n, filtersize, mean); err != nil {
		panic(err.Error())
	}
	if len(s) < n {
		s = make([]float64, n)
	}
	s = s[:n]
	f0 := 1 / float64(filtersize)
	f1 := 1 - f0
	var sum float64
	s[0] = d[0]
	sum = d[0]
	for i := 1; i < n; i++ {
		s[i] = d[i]*f0 + s[i-1]*f1
		sum += d[i]
	}
	for i := n - 2; i >= 0; i-- {
		s[i] = s[i]*f0 + s[i+1]*f1
	}
	var m float64
	switch mean {
	case Floor:
		if math.Abs(sum) < 1<<62 && sum == math.Trunc(sum) {
			m = float64(int64(sum) / int64(n)) // C integer division
		} else {
			m = math.Trunc(sum / float64(n))
		}
	default:
		m = sum / float64(n)
	}
	for i := filtersize; i < n-filtersize; i++ {
		v := math.Round(math.Sqrt(math.Abs(m/s[i]))*(d[i]-s[i]) + m)
		if !(v >= lo) { // also maps NaN (s == 0 and d == 0) to lo
			v = lo
		} else if v > hi {
			v = hi
		}
		d[i] = v
	}
	return d[filtersize : n-filtersize]
}

// Stack corrects every pixel series of data, a (T, H, W) array, into out,
// a (T - 2*filtersize, H, W) integer array; values are clipped to [0, 65535]
// and to out's type.
func Stack(ctx context.Context, out, data array.View, filtersize int, mean Mean, threads int, progress pool.Progress) error {
	if data.NDim() != 3 || out.NDim() != 3 {
		return fmt.Errorf("%w: data and out must be 3-D (time, rows, columns), got %d and %d dimensions", ErrParam, data.NDim(), out.NDim())
	}
	T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
	if err := Check(T, filtersize, mean); err != nil {
		return err
	}
	if !out.DType.IsInteger() {
		return fmt.Errorf("%w: out dtype %s, want an integer type", ErrParam, out.DType)
	}
	if out.Shape[0] != T-2*filtersize || out.Shape[1] != H || out.Shape[2] != W {
		return fmt.Errorf("%w: out shape %v, want [%d %d %d]", ErrParam, out.Shape, T-2*filtersize, H, W)
	}
	if out.Overlaps(data) {
		return fmt.Errorf("%w: out overlaps data", ErrParam)
	}
	lo, hi := out.DType.Range()
	lo, hi = math.Max(lo, 0), math.Min(hi, 65535)
	type scratch struct{ d, s []float64 }
	scr := make([]*scratch, pool.Threads(threads))
	err := pool.Run(ctx, threads, H*W, func(w, p int) error {
		sc := scr[w]
		if sc == nil {
			sc = &scratch{make([]float64, T), make([]float64, T)}
			scr[w] = sc
		}
		y, x := p/W, p%W
		data.Gather(sc.d, data.Offset+y*data.Strides[1]+x*data.Strides[2], data.Strides[0], T)
		res := Correct(sc.d, sc.s, filtersize, mean, lo, hi)
		o := out.Offset + y*out.Strides[1] + x*out.Strides[2]
		for _, v := range res {
			out.Store(o, v)
			o += out.Strides[0]
		}
		return nil
	}, progress)
	return err
}
