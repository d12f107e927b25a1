package pcf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// rowsOf returns the rows [y0, y1) of the (T, H, W) view v as a view of
// its own copy (time-contiguous when tmajor is false), so that Stream
// cannot read rows it was not handed.
func rowsOf(v array.View, y0, y1 int, tmajor bool) array.View {
	T, W := v.Shape[0], v.Shape[2]
	es := v.DType.Size()
	h := y1 - y0
	buf := make([]byte, T*h*W*es)
	st := []int{h * W * es, W * es, es} // (t, y, x) C order
	if !tmajor {
		st = []int{es, W * T * es, T * es} // each pixel's series contiguous
	}
	out, _ := array.New(v.DType, v.Order, []int{T, h, W}, st, buf, 0)
	for t := 0; t < T; t++ {
		for y := 0; y < h; y++ {
			for x := 0; x < W; x++ {
				src := v.Offset + t*v.Strides[0] + (y+y0)*v.Strides[1] + x*v.Strides[2]
				dst := t*st[0] + y*st[1] + x*st[2]
				copy(buf[dst:dst+es], v.Data[src:src+es])
			}
		}
	}
	return out
}

// streamAll runs Stream from band first and returns the output (NaN where
// not emitted) and the rows it asked for.
func streamAll(t *testing.T, data array.View, o Options, first int, tmajor bool) ([]float32, [][3]int) {
	t.Helper()
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	os := g.OutShape
	row := os[1] * os[2] * os[3]
	res := make([]float32, os[0]*row)
	for i := range res {
		res[i] = float32(math.NaN())
	}
	var asked [][3]int
	emitted := first
	band := g.StreamBand(o)
	sio := StreamIO{
		Rows: func(c, y0, y1 int) (array.View, error) {
			asked = append(asked, [3]int{c, y0, y1})
			if y1-y0 > band || y1 <= y0 {
				t.Fatalf("Rows(%d, %d, %d): want 1 to %d rows", c, y0, y1, band)
			}
			v := data
			if c == 1 {
				v = *o.Data2
			}
			return rowsOf(v, y0, y1, tmajor), nil
		},
		Emit: func(oy0, oy1 int, rows []float32) error {
			if oy0 != emitted*band || oy1 != min(os[0], oy0+band) || len(rows) != (oy1-oy0)*row {
				t.Fatalf("Emit(%d, %d, %d values) after %d bands of %d rows", oy0, oy1, len(rows), emitted, band)
			}
			copy(res[oy0*row:], rows)
			emitted++
			return nil
		},
	}
	shape := [3]int{data.Shape[0], data.Shape[1], data.Shape[2]}
	if err := Stream(context.Background(), shape, data.DType, o, first, sio); err != nil {
		t.Fatal(err)
	}
	if emitted != g.StreamBands(band) {
		t.Fatalf("emitted %d bands, want %d", emitted, g.StreamBands(band))
	}
	return res, asked
}

// TestStreamEqualsCompute: Stream, from every first band, gives the bytes
// of Compute for every mode, band size and layout of the rows handed, and
// asks for consecutive rows, each once.
func TestStreamEqualsCompute(t *testing.T) {
	data := randomStack(11, 70, 19, 10, 30)
	mix := randomStack(13, 70, 19, 10, 30)
	for i := 0; i < 70*19*10; i++ {
		mix.Store(2*i, data.Load(2*i)+mix.Load(2*i))
	}
	for tt := 0; tt < 70; tt++ {
		data.Store(2*(tt*190+4*10+4), 1) // below the threshold
		data.Store(2*(tt*190+9*10+6), 0) // a zero series
	}
	mask := make([]byte, 19*10)
	for i := range mask {
		mask[i] = 1
	}
	mask[8*10+3] = 0
	mv, _ := array.Contiguous(array.Uint8, []int{19, 10}, mask)
	f64 := make([]byte, 70*19*10*8)
	fv, _ := array.Contiguous(array.Float64, []int{70, 19, 10}, f64)
	for i := 0; i < 70*19*10; i++ {
		fv.Store(8*i, data.Load(2*i)*1e-3+0.25)
	}
	thr := Options{Offsets: []Offset{{1, 0}, {-1, 0}, {0, 2}, {0, -2}}, Nbins: 8}
	thr.SetThreshold(2)
	cases := []struct {
		name string
		o    Options
		data array.View
	}{
		{"circle", Options{Radius: 3, Npoints: 12, Nbins: 6}, data},
		{"circle mask", Options{Radius: 2, Npoints: 8, Nbins: 6, Mask: &mv}, data},
		{"offsets", Options{Offsets: []Offset{{1, 2}, {-1, -2}, {3, 0}, {0, 0}, {-2, 1}, {0, -3}}, Nbins: 8}, data},
		// pairs whose first offset points up: a pixel's pairs write the
		// curves of the rows above it
		{"offsets up", Options{Offsets: []Offset{{1, -2}, {-1, 2}, {0, -3}, {0, 3}, {2, -1}}, Nbins: 8}, data},
		{"acf", Options{Offsets: []Offset{{0, 0}}, Nbins: 10}, data},
		{"two channels", Options{Offsets: []Offset{{0, 0}, {1, 1}, {-1, -1}, {0, 2}}, Nbins: 8, Data2: &mix}, data},
		{"delta", Options{Offsets: []Offset{{2, 0}, {-2, 0}, {0, 1}}, Nbins: 8, Delta: true}, data},
		{"multitau", Options{Offsets: []Offset{{0, 0}, {1, 2}, {-1, -2}}, Bins: Multitau, M: 4}, data},
		{"threshold", thr, data},
		{"bleach", Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 16}, data},
		{"float64", Options{Radius: 2, Npoints: 8, Nbins: 6}, fv},
	}
	for _, c := range cases {
		want, g := compute(t, c.data, c.o)
		for _, band := range []int{0, 1, 2, 5, 40} {
			o := c.o
			o.Band = band
			nb := g.StreamBands(g.StreamBand(o))
			for _, first := range []int{0, 1, nb / 2, nb - 1} {
				if first < 0 || first >= nb {
					continue
				}
				got, asked := streamAll(t, c.data, o, first, band%2 == 1)
				row := g.OutShape[1] * g.OutShape[2] * g.OutShape[3]
				for i := first * g.StreamBand(o) * row; i < len(want); i++ {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s band %d first %d: out[%d] = %v, want %v", c.name, band, first, i, got[i], want[i])
					}
				}
				// Consecutive rows per channel, ending at the bottom.
				end := [2]int{-1, -1}
				for _, a := range asked {
					if end[a[0]] >= 0 && a[1] != end[a[0]] {
						t.Fatalf("%s band %d first %d: rows %v after rows to %d", c.name, band, first, a, end[a[0]])
					}
					end[a[0]] = a[2]
				}
				if end[0] != g.H || (c.o.Data2 != nil && end[1] != g.H) {
					t.Fatalf("%s band %d first %d: rows read to %v, want %d", c.name, band, first, end, g.H)
				}
				if first == 0 && asked[0][1] != 0 {
					t.Fatalf("%s band %d: first rows %v, want from 0", c.name, band, asked[0])
				}
			}
		}
	}
}

// TestStreamErrors: a failing Rows or Emit ends Stream with its error;
// bad arguments are refused.
func TestStreamErrors(t *testing.T) {
	data := randomStack(3, 32, 12, 12, 20)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6}
	boom := errors.New("boom")
	shape := [3]int{32, 12, 12}
	rows := func(c, y0, y1 int) (array.View, error) { return rowsOf(data, y0, y1, false), nil }
	emit := func(oy0, oy1 int, r []float32) error { return nil }
	cases := []struct {
		name  string
		sio   StreamIO
		first int
		want  error
	}{
		{"rows fail", StreamIO{Rows: func(c, y0, y1 int) (array.View, error) { return array.View{}, boom }, Emit: emit}, 0, boom},
		{"emit fails", StreamIO{Rows: rows, Emit: func(int, int, []float32) error { return boom }}, 0, boom},
		{"wrong rows", StreamIO{Rows: func(c, y0, y1 int) (array.View, error) { return rowsOf(data, y0, y1+1, false), nil }, Emit: emit}, 0, ErrShape},
		{"no rows", StreamIO{Emit: emit}, 0, ErrParam},
		{"first too large", StreamIO{Rows: rows, Emit: emit}, 99, ErrParam},
		{"first negative", StreamIO{Rows: rows, Emit: emit}, -1, ErrParam},
	}
	for _, c := range cases {
		err := Stream(context.Background(), shape, array.Uint16, o, c.first, c.sio)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Stream(ctx, shape, array.Uint16, o, 0, StreamIO{Rows: rows, Emit: emit}); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestSpectraRows: the engine keeps the spectra of the rows its pairs
// reach: the band and radius rows below it for the circle (whose pairs
// are computed from the offsets pointing down), the rows above for
// offsets computed upward, both sides for offsets without a shared
// negation (two channels).
func TestSpectraRows(t *testing.T) {
	shape := []int{64, 40, 30}
	up := []Offset{{1, -2}, {-1, 2}, {0, -3}, {0, 3}, {2, -1}}
	mix := array.View{DType: array.Uint16, Shape: shape, Strides: []int{0, 0, 0}}
	cases := []struct {
		name      string
		o         Options
		band, out int
	}{
		{"circle band 1", Options{Radius: 6, Npoints: 32, Nbins: 8}, 1, 7},
		{"circle band 5", Options{Radius: 6, Npoints: 32, Nbins: 8}, 5, 11},
		{"circle default band", Options{Radius: 6, Npoints: 32, Nbins: 8}, 0, 18},
		{"circle without negations", Options{Radius: 3, Npoints: 5, Nbins: 8}, 1, 7},
		{"offsets up", Options{Offsets: up, Nbins: 8}, 1, 4},
		{"two channels", Options{Offsets: []Offset{{0, 2}, {0, -2}, {1, 1}}, Nbins: 8, Data2: &mix}, 2, 6},
		{"whole image", Options{Radius: 6, Npoints: 32, Nbins: 8}, 40, 40},
	}
	for _, c := range cases {
		g, err := Plan(shape, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := g.SpectraRows(c.band); got != c.out {
			t.Errorf("%s: SpectraRows(%d) = %d, want %d", c.name, c.band, got, c.out)
		}
		if got, want := g.SpectraBytesBand(c.band), int64(c.out)*int64(shape[2])*int64(specStride(64))*8*int64(g.channels()); got != want {
			t.Errorf("%s: SpectraBytesBand(%d) = %d, want %d", c.name, c.band, got, want)
		}
	}
}

// TestStreamRandomOffsets: for random offset lists (pointing up, down or
// both, with and without their negations), image heights down to the
// smallest and every band and resume point, Stream gives the bytes of
// Compute, which agrees with the direct computation.
func TestStreamRandomOffsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 40; trial++ {
		var offs []Offset
		for k := 0; k < 1+rng.IntN(6); k++ {
			o := Offset{U: rng.IntN(7) - 3, V: rng.IntN(7) - 3}
			offs = append(offs, o)
			if rng.IntN(2) == 0 {
				offs = append(offs, Offset{U: -o.U, V: -o.V})
			}
		}
		o := Options{Offsets: offs, Nbins: 6}
		g0, err := Plan([]int{32, 40, 40}, o)
		if err != nil {
			t.Fatal(err)
		}
		my, mx := g0.Margin[0], g0.Margin[1]
		h, w := 2*my+1+rng.IntN(10), 2*mx+1+rng.IntN(4)
		data := randomStack(uint64(100+trial), 32, h, w, 25)
		want, g := compute(t, data, o)
		ref, _ := direct(data, data, o)
		checkClose(t, fmt.Sprintf("trial %d %v", trial, offs), want, ref, 2e-6)
		band := 1 + rng.IntN(5)
		o.Band = band
		nb := g.StreamBands(band)
		for _, first := range []int{0, rng.IntN(nb), nb - 1} {
			got, _ := streamAll(t, data, o, first, trial%2 == 0)
			row := g.OutShape[1] * g.OutShape[2] * g.OutShape[3]
			for i := first * band * row; i < len(want); i++ {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d offsets %v, %d x %d, band %d first %d: out[%d] = %v, want %v", trial, offs, h, w, band, first, i, got[i], want[i])
				}
			}
		}
	}
}
