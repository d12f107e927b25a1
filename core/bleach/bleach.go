package bleach

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/ipcf/ipcf/core/array"
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

// DefaultFilterSize is the filter size of a correction asked for without
// one (the tutorial's): the C API's ipcf_bleach_options_init and the
// CLI's bleach command.
const DefaultFilterSize = 1024

// ErrParam reports a bad filter size, mean or length.
var ErrParam = errors.New("bleach: invalid parameter")

// ErrCounts reports data that are not camera counts: the correction's
// output is clip(round(...), 0, 65535) (pcf.md), so a sample that is not an
// integer in 0..65535 (a fraction, a negative or larger value, NaN or
// infinity) is rounded or clipped with it: a float series of 0.05..0.2
// becomes all 0, int32 counts of 10^7 all 65535, a series with one NaN
// all 0. Hosts warn with it (the numbers follow the definition).
var ErrCounts = errors.New("bleach: the data are not counts in 0..65535")

// Limits is the clipping range of the correction of data of type dt when
// the corrected series stay in the input's type (pcf.md: "the output keeps
// the input's integer type"), as in the pCF with bleaching: [0, 65535]
// within dt's range for integer types (uint8 [0, 255], int16 [0, 32767]),
// [0, 65535] for float types (whose correction is written as uint16). The
// CUDA kernel ipcf_bleach (core/internal/cuda) clips the same.
func Limits(dt array.DType) (lo, hi float64) {
	if !dt.IsInteger() {
		return 0, 65535
	}
	_, hi = dt.Range()
	return 0, math.Min(hi, 65535)
}

// isCount reports whether f is an integer in 0..65535.
func isCount(f float64) bool { return f >= 0 && f <= 65535 && f == math.Trunc(f) }

// CheckCounts returns an ErrCounts error naming the first sample of the
// (time, rows, columns) view v that is not an integer in 0..65535; nil for
// uint8 and uint16 data, whose samples all are. About 1 ns a sample.
func CheckCounts(v array.View) error { return CheckCountsAt(v, [3]int{}) }

// CheckCountsAt is CheckCounts for a part of a series that starts at
// origin (frame, row, column): the sample it names is the whole series'
// (a file's, where v is its --frames and --crop selection, or frames read
// a few at a time; it named the selection's, which holds a count there:
// EDGE19's m3).
func CheckCountsAt(v array.View, origin [3]int) error {
	if v.DType == array.Uint8 || v.DType == array.Uint16 || v.NDim() != 3 {
		return nil
	}
	T, H, W := v.Shape[0], v.Shape[1], v.Shape[2]
	es := v.DType.Size()
	var bo binary.ByteOrder = binary.LittleEndian
	if v.Order == array.Big {
		bo = binary.BigEndian
	}
	// The first sample of a row that is not a count, or -1.
	row := func(o int) int {
		if v.Strides[2] != es {
			for x := 0; x < W; x++ {
				if !isCount(v.Load(o + x*v.Strides[2])) {
					return x
				}
			}
			return -1
		}
		b := v.Data[o : o+W*es]
		switch v.DType {
		case array.Int16:
			for x := 0; x < W; x++ {
				if int16(bo.Uint16(b[2*x:])) < 0 {
					return x
				}
			}
		case array.Int32:
			for x := 0; x < W; x++ {
				if uint32(bo.Uint32(b[4*x:])) > 65535 {
					return x
				}
			}
		case array.Float32:
			for x := 0; x < W; x++ {
				if !isCount(float64(math.Float32frombits(bo.Uint32(b[4*x:])))) {
					return x
				}
			}
		case array.Float64:
			for x := 0; x < W; x++ {
				if !isCount(math.Float64frombits(bo.Uint64(b[8*x:]))) {
					return x
				}
			}
		default:
			for x := 0; x < W; x++ {
				if !isCount(v.Load(o + x*es)) {
					return x
				}
			}
		}
		return -1
	}
	for t := 0; t < T; t++ {
		for y := 0; y < H; y++ {
			o := v.Offset + t*v.Strides[0] + y*v.Strides[1]
			if x := row(o); x >= 0 {
				return fmt.Errorf("%w: sample %g at frame %d, pixel (row %d, column %d): the correction rounds and clips to integer counts in 0..65535 (the tutorial's camera data), which changes such samples beyond recognition",
					ErrCounts, v.Load(o+x*v.Strides[2]), origin[0]+t, origin[1]+y, origin[2]+x)
			}
		}
	}
	return nil
}

// Check validates a filter size for a series of n samples: the output keeps
// n - 2*filtersize samples, which must be at least 1.
func Check(n, filtersize int, mean Mean) error { return CheckKeeping(n, filtersize, mean, 1) }

// CheckKeeping is Check for a caller that needs at least keep >= 1
// samples of the corrected series (the pCF: 4); the message gives the
// largest filter size that keeps them.
func CheckKeeping(n, filtersize int, mean Mean, keep int) error {
	if mean != Real && mean != Floor {
		return fmt.Errorf("%w: mean=%d, want real (0) or floor (1)", ErrParam, int(mean))
	}
	if filtersize < 1 {
		return fmt.Errorf("%w: filtersize=%d, want >= 1", ErrParam, filtersize)
	}
	// Compared without forming 2*filtersize, which can overflow.
	most := max(0, (n-keep)/2)
	if most < 1 {
		// no filter size works: say so, not "at most 0"
		return fmt.Errorf("%w: filtersize=%d: %d frames are too few to correct (it drops 2*filtersize, at least 2, and keeps %d%s): want %d frames or more", ErrParam, filtersize, n, keep, needsWhy(keep), keep+2)
	}
	if filtersize > most {
		if n < 1 || filtersize > (n-1)/2 {
			return fmt.Errorf("%w: filtersize=%d leaves no frame of %d (it drops 2*filtersize; at most %d%s)", ErrParam, filtersize, n, most, needs(keep))
		}
		return fmt.Errorf("%w: filtersize=%d leaves %d of %d frames (it drops 2*filtersize; at most %d%s)", ErrParam, filtersize, n-2*filtersize, n, most, needs(keep))
	}
	return nil
}

// needsWhy says who needs keep frames left.
func needsWhy(keep int) string {
	if keep <= 1 {
		return ""
	}
	return " for the pCF"
}

// needs says why a caller needs more than one frame left.
func needs(keep int) string {
	if keep <= 1 {
		return ""
	}
	return fmt.Sprintf(", which leaves the %d frames the pCF needs", keep)
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
