package bleach

import (
	"errors"
	"fmt"
	"math"
)

// Mean selects how the series mean is computed.
type Mean int

const (
	// Real is the exact mean sum/n in float64 (the default).
	Real Mean = 0
	// Floor is floor(sum/n), the tutorial's Cython mean (its C integer
	// division of the sum, for its non-negative data).
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
	s[0] = d[0]
	sum := d[0]
	for i := 1; i < n; i++ {
		s[i] = d[i]*f0 + s[i-1]*f1
		sum += d[i]
	}
	m := meanOf(sum, n, mean)
	// The backward filter, fused with the correction: c is s[i] after the
	// backward step. Samples below filtersize are not needed.
	c := s[n-1]
	i := n - 2
	for ; i >= n-filtersize; i-- {
		c = s[i]*f0 + c*f1
	}
	for ; i >= filtersize; i-- {
		c = s[i]*f0 + c*f1
		v := math.Round(math.Sqrt(math.Abs(m/c))*(d[i]-c) + m)
		if !(v >= lo) {
			v = lo
		} else if v > hi {
			v = hi
		}
		d[i] = v
	}
	return d[filtersize : n-filtersize]
}
