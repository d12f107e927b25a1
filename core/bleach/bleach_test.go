package bleach

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pool"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		n, f int
		mean Mean
		want string // "" for valid
	}{
		{3, 1, Real, ""},
		{100, 49, Floor, ""},
		{100, 50, Real, "filtersize=50 leaves no frame of 100"},
		{2, 1, Real, "2 frames are too few to correct (it drops 2*filtersize, at least 2, and keeps 1): want 3 frames or more"},
		{0, 1, Real, "0 frames are too few to correct"},
		{100, 0, Real, "filtersize=0, want >= 1"},
		{100, -5, Real, "filtersize=-5, want >= 1"},
		{100, math.MaxInt / 2, Real, "leaves no frame of 100 (it drops 2*filtersize; at most 49)"},
		{100, math.MaxInt/2 + 1, Real, "leaves no frame of 100"}, // 2*f overflows to a negative
		{100, math.MaxInt, Real, "leaves no frame of 100"},
		{math.MaxInt, math.MaxInt / 2, Real, ""},
		{100, 3, Mean(2), "mean=2, want real (0) or floor (1)"},
	}
	for _, c := range cases {
		err := Check(c.n, c.f, c.mean)
		if c.want == "" {
			if err != nil {
				t.Errorf("Check(%d, %d, %d) = %v, want nil", c.n, c.f, c.mean, err)
			}
			continue
		}
		if !errors.Is(err, ErrParam) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%d, %d, %d) = %v, want ErrParam with %q", c.n, c.f, c.mean, err, c.want)
		}
	}
}

// TestCheckKeeping: the pCF's bound (4 frames left) in the message, and
// a series too short for any filter said to be so, not "at most 0".
func TestCheckKeeping(t *testing.T) {
	for _, c := range []struct {
		n, f int
		want string
	}{
		{64, 30, ""},
		{64, 31, "filtersize=31 leaves 2 of 64 frames (it drops 2*filtersize; at most 30, which leaves the 4 frames the pCF needs)"},
		{64, 40, "leaves no frame of 64 (it drops 2*filtersize; at most 30"},
		{5, 1, "5 frames are too few to correct (it drops 2*filtersize, at least 2, and keeps 4 for the pCF): want 6 frames or more"},
		{6, 1, ""},
	} {
		err := CheckKeeping(c.n, c.f, Real, 4)
		if c.want == "" {
			if err != nil {
				t.Errorf("CheckKeeping(%d, %d, 4) = %v, want nil", c.n, c.f, err)
			}
			continue
		}
		if !errors.Is(err, ErrParam) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckKeeping(%d, %d, 4) = %v, want ErrParam with %q", c.n, c.f, err, c.want)
		}
	}
}

// Correct keeps n - 2*filtersize samples, rounded and clipped.
func TestCorrectKeepsAndClips(t *testing.T) {
	d := []float64{10, 10, 10, 10, 10, 10, 10}
	got := Correct(d, nil, 2, Real, 0, 65535)
	if len(got) != 3 {
		t.Fatalf("len = %d, want 3", len(got))
	}
	for i, v := range got {
		if v != 10 {
			t.Fatalf("constant series corrected to %v at %d, want 10", v, i)
		}
	}
}

// The floor mean is floor(sum/n) (pcf.md) for negative sums too, where C's
// integer division would round toward zero; exact for integer sums beyond
// float64's exact quotients.
func TestFloorMean(t *testing.T) {
	for _, c := range []struct {
		sum  float64
		n    int
		want float64
	}{
		{201, 40, 5}, {-201, 40, -6}, {-200, 40, -5}, {-1, 3, -1}, {0, 7, 0},
		{-201.5, 40, -6}, {201.5, 40, 5},
		// Beyond 2^53, where sum/n in float64 rounds: only the integer
		// division gives the floor (-6004799503160665 in float64).
		{-18014398509481996, 3, -6004799503160666},
	} {
		if got := meanOf(c.sum, c.n, Floor); got != c.want {
			t.Errorf("floor mean of sum %v over %d: %v, want %v", c.sum, c.n, got, c.want)
		}
	}
}

// CheckCounts names the first sample that is not an integer in 0..65535
// (fractions, negatives, larger values, NaN, infinities) and passes counts
// of any dtype; uint8 and uint16 data are not read.
func TestCheckCounts(t *testing.T) {
	mk := func(dt array.DType, vals ...float64) array.View {
		v, err := array.Contiguous(dt, []int{len(vals), 1, 1}, make([]byte, len(vals)*dt.Size()))
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range vals {
			v.Store(i*dt.Size(), f)
		}
		return v
	}
	for _, c := range []struct {
		v    array.View
		want string // "" for none, else the sample named
	}{
		{mk(array.Float64, 0, 1, 65535), ""},
		{mk(array.Int32, 0, 65535, 7), ""},
		{mk(array.Uint16, 0, 65535), ""},
		{mk(array.Float64, 1, 0.5), "sample 0.5 at frame 1"},
		{mk(array.Float32, 3, float64(float32(math.NaN()))), "sample NaN at frame 1"},
		{mk(array.Float64, math.Inf(1)), "sample +Inf at frame 0"},
		{mk(array.Int16, 2, -1), "sample -1 at frame 1"},
		{mk(array.Int32, 65536), "sample 65536 at frame 0"},
	} {
		err := CheckCounts(c.v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.v.DType, err)
		case c.want != "" && (!errors.Is(err, ErrCounts) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want ErrCounts naming %q", c.v.DType, err, c.want)
		}
	}
}

// BenchmarkCheckCounts: the warning's pass over a float32 stack of counts
// (the whole stack is read; reported per sample).
func BenchmarkCheckCounts(b *testing.B) {
	const T, H, W = 256, 64, 64
	v, _ := array.Contiguous(array.Float32, []int{T, H, W}, make([]byte, T*H*W*4))
	for i := 0; i < T*H*W; i++ {
		v.Store(4*i, float64(i%4000))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := CheckCounts(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(T*H*W), "ns/sample")
}

// TestFilterSizeOne pins the definition's value where it is not a number:
// with filtersize 1 the filter is the series itself, so every sample is
// the rounded mean, except a 0 count, where sqrt(|mean/0|)*0 is NaN and
// the output is 0 (numpy's conversion of the reference's NaN to uint16,
// and the tutorial's Cython cast, on x86-64). The block kernel (Stack)
// gives the same as Correct.
func TestFilterSizeOne(t *testing.T) {
	in := []float64{34, 46, 0, 43, 32, 24, 26, 28} // mean 29.125
	want := []float64{29, 0, 29, 29, 29, 29}
	got := Correct(append([]float64(nil), in...), nil, 1, Real, 0, 65535)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Correct: got %v, want %v", got, want)
		}
	}
	data, err := array.Contiguous(array.Uint16, []int{len(in), 1, 1}, make([]byte, 2*len(in)))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range in {
		data.Set(v, i, 0, 0)
	}
	out, err := array.Contiguous(array.Uint16, []int{len(want), 1, 1}, make([]byte, 2*len(want)))
	if err != nil {
		t.Fatal(err)
	}
	if err := Stack(context.Background(), out, data, 1, Real, 1, nil); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if g := out.At(i, 0, 0); g != w {
			t.Fatalf("Stack: sample %d is %v, want %v", i, g, w)
		}
	}
}

// TestStackPollsWithinABlock: a block of pixels runs along the whole time
// axis, and the run's progress (where a host's Ctrl+C is seen) was called
// only between blocks: Ctrl+C waited seconds for a block's end (an Octave
// campaign: 1.9-5.9 s). Progress is now called within the block (done = 0
// of the one block here), its false stops the block there, and the run
// is cancelled; the output past the stop is left unwritten.
func TestStackPollsWithinABlock(t *testing.T) {
	defer func(iv time.Duration) { pool.Interval = iv }(pool.Interval)
	pool.Interval = 0
	const T, W, F = 4096, 8, 4
	data, _ := array.Contiguous(array.Uint16, []int{T, 1, W}, make([]byte, 2*T*W))
	for i := range T * W {
		data.Set(float64(100+i%17), i/W, 0, i%W)
	}
	out, _ := array.Contiguous(array.Uint16, []int{T - 2*F, 1, W}, make([]byte, 2*(T-2*F)*W))
	var calls []int
	err := Stack(context.Background(), out, data, F, Real, 1, func(done, total int) bool {
		calls = append(calls, done)
		return len(calls) < 3
	})
	if !errors.Is(err, pool.ErrCancelled) || len(calls) != 3 || calls[0] != 0 || calls[2] != 0 {
		t.Fatalf("progress false within the block: %v, progress calls (done) %v", err, calls)
	}
	// The block returns at the stop: no more reads of its input (a long
	// line scan's block went on with its arithmetic, 37 % of it: a review).
	reads := 0
	k := newKernel(T, F, Real, 0, 65535, W)
	k.run(W, func(x []float64, a, b int) bool { reads++; return reads < 5 }, func([]float64, int, int) {
		t.Error("stored after the stop")
	}, nil)
	if reads != 5 {
		t.Errorf("the kernel read %d segments, want 5 (stopped at the 5th)", reads)
	}
	written := 0
	for i := range T - 2*F {
		if out.At(i, 0, 0) != 0 {
			written++
		}
	}
	if written != 0 {
		t.Errorf("%d samples written after the block stopped in its first pass", written)
	}
	// Not stopped: the same values as before (TestStackMatchesReference
	// checks them against the reference; here, every sample written).
	if err := Stack(context.Background(), out, data, F, Real, 1, func(int, int) bool { return true }); err != nil {
		t.Fatal(err)
	}
	for i := range T - 2*F {
		if out.At(i, 0, 0) == 0 {
			t.Fatalf("sample %d not written by a full run", i)
		}
	}
}
