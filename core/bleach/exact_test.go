package bleach

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// correctRef is Correct as it was before the block kernel (commit 1269441),
// kept verbatim as the reference every faster path must match bit for bit.
func correctRef(d, s []float64, filtersize int, mean Mean, lo, hi float64) []float64 {
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
			q := int64(sum) / int64(n) // C integer division, then down for a negative sum
			if int64(sum)%int64(n) != 0 && sum < 0 {
				q--
			}
			m = float64(q)
		} else {
			m = math.Floor(sum / float64(n))
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

// stackRef is Stack as it was before the block kernel (commit 1269441): one
// pixel at a time, with correctRef.
func stackRef(out, data array.View, filtersize int, mean Mean) {
	T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
	lo, hi := out.DType.Range()
	lo, hi = math.Max(lo, 0), math.Min(hi, 65535)
	d, s := make([]float64, T), make([]float64, T)
	for p := 0; p < H*W; p++ {
		y, x := p/W, p%W
		data.Gather(d, data.Offset+y*data.Strides[1]+x*data.Strides[2], data.Strides[0], T)
		res := correctRef(d, s, filtersize, mean, lo, hi)
		o := out.Offset + y*out.Strides[1] + x*out.Strides[2]
		for _, v := range res {
			out.Store(o, v)
			o += out.Strides[0]
		}
	}
}

// roundClipRef is the rounding and clipping of correctRef.
func roundClipRef(v, lo, hi float64) float64 {
	v = math.Round(v)
	if !(v >= lo) {
		v = lo
	} else if v > hi {
		v = hi
	}
	return v
}

// TestRoundClip checks the rounding and clipping of backOutRowGo against
// correctRef's on the values where rounding half away from zero is easy to
// get wrong (edgeValues): with s = c = 1 and f0 = f1 = 0.5 the new c is 1,
// and the corrected value is sqrt(|m|)*(d-1) + m. TestRowsMatchGo checks
// the AVX version against backOutRowGo.
func TestRoundClip(t *testing.T) {
	vs := edgeValues()
	for _, r := range [][2]float64{{0, 65535}, {0, 255}, {0, 32767}, {-32768, 32767}, {0.25, 10.75}, {5, 3}, {math.Inf(-1), math.Inf(1)}} {
		lo, hi := r[0], r[1]
		for _, m := range []float64{1, 0.5, 2, 3.5, 0} {
			row := append([]float64(nil), vs...)
			ones := make([]float64, len(vs))
			c := make([]float64, len(vs))
			mm := make([]float64, len(vs))
			for i := range ones {
				ones[i], c[i], mm[i] = 1, 1, m
			}
			backOutRowGo(row, ones, c, mm, 0.5, 0.5, lo, hi)
			for i, v := range vs {
				want := roundClipRef(math.Sqrt(math.Abs(m/1))*(v-1)+m, lo, hi)
				if math.Float64bits(row[i]) != math.Float64bits(want) {
					t.Errorf("d=%v m=%v clip [%v, %v]: %v, want %v", v, m, lo, hi, row[i], want)
				}
			}
		}
	}
}

// series returns a test series of length n of the given kind.
func series(rng *rand.Rand, kind, n int) []float64 {
	d := make([]float64, n)
	switch kind {
	case 0: // uint16 over the whole range: clips at both ends
		for i := range d {
			d[i] = float64(rng.IntN(65536))
		}
	case 1: // photon counts with bleaching
		base := 50 + rng.Float64()*2000
		for i := range d {
			d[i] = math.Floor(base*math.Exp(-float64(i)/float64(n)) + rng.NormFloat64()*math.Sqrt(base))
			d[i] = max(d[i], 0)
		}
	case 2: // few counts, many zeros (s == 0 and d == 0 give NaN)
		for i := range d {
			if rng.IntN(4) == 0 {
				d[i] = float64(rng.IntN(3))
			}
		}
	case 3: // signed fractions (float data) around zero
		for i := range d {
			d[i] = (rng.Float64() - 0.3) * 200
		}
	case 4: // spikes on a constant: clips at 65535 and below 0
		c := float64(rng.IntN(1000))
		for i := range d {
			d[i] = c
			if rng.IntN(10) == 0 {
				d[i] = float64(rng.IntN(2)) * 65535
			}
		}
	case 5: // constant
		c := float64(rng.IntN(70000))
		for i := range d {
			d[i] = c
		}
	case 6: // small integers: with filtersize 1 the output is the mean, often x.5
		for i := range d {
			d[i] = float64(rng.IntN(8))
		}
	case 7: // int32 range with negative values
		for i := range d {
			d[i] = float64(int32(rng.Uint32()))
		}
	case 8: // float with an infinity or NaN somewhere
		for i := range d {
			d[i] = rng.Float64() * 1000
		}
		d[rng.IntN(n)] = []float64{math.Inf(1), math.Inf(-1), math.NaN()}[rng.IntN(3)]
	}
	return d
}

const nkinds = 9

func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return i
		}
	}
	return -1
}

func filterSizes(n int) []int {
	var fs []int
	for _, f := range []int{1, 2, 3, 7, segLen - 1, segLen, segLen + 1, 1024, (n - 1) / 2} {
		if f >= 1 && f <= (n-1)/2 {
			fs = append(fs, f)
		}
	}
	return fs
}

var lengths = []int{3, 4, 5, 10, segLen - 1, segLen, segLen + 1, 2*segLen + 1, 200, 1000, 3001}

// TestCorrectMatchesReference checks Correct against correctRef bit for bit
// (the whole of d: the dropped ends must be left alone).
func TestCorrectMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range lengths {
		for _, f := range filterSizes(n) {
			for kind := 0; kind < nkinds; kind++ {
				for _, mean := range []Mean{Real, Floor} {
					for _, r := range [][2]float64{{0, 65535}, {0, 255}, {0, 32767}, {-1e9, 1e9}} {
						d := series(rng, kind, n)
						want := append([]float64(nil), d...)
						correctRef(want, nil, f, mean, r[0], r[1])
						got := Correct(d, make([]float64, n), f, mean, r[0], r[1])
						if len(got) != n-2*f {
							t.Fatalf("n=%d f=%d: len %d", n, f, len(got))
						}
						if i := sameBits(d, want); i >= 0 {
							t.Fatalf("n=%d f=%d kind=%d mean=%d range=%v: sample %d = %v, want %v", n, f, kind, mean, r, i, d[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestKernelMatchesReference runs the block kernel on up to maxLanes series
// of different kinds at once and checks every lane against correctRef.
func TestKernelMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range lengths {
		for _, f := range filterSizes(n) {
			for _, mean := range []Mean{Real, Floor} {
				for _, nl := range []int{1, 3, maxLanes} {
					ser := make([][]float64, nl)
					want := make([][]float64, nl)
					for j := range ser {
						ser[j] = series(rng, rng.IntN(nkinds), n)
						want[j] = append([]float64(nil), ser[j]...)
						correctRef(want[j], nil, f, mean, 0, 65535)
					}
					got := make([][]float64, nl)
					for j := range got {
						got[j] = make([]float64, n)
						for i := range got[j] {
							got[j][i] = -7 // not written outside [f, n-f)
						}
						copy(got[j][:f], want[j][:f])
						copy(got[j][n-f:], want[j][n-f:])
					}
					k := newKernel(n, f, mean, 0, 65535, nl)
					calls := 0
					k.run(nl, func(x []float64, a, b int) bool {
						for t := a; t < b; t++ {
							for j := range nl {
								x[(t-a)*nl+j] = ser[j][t]
							}
						}
						return true
					}, func(x []float64, a, b int) {
						calls++
						if a < f || b > n-f || a >= b {
							t.Fatalf("store(%d, %d) outside [%d, %d)", a, b, f, n-f)
						}
						for t := a; t < b; t++ {
							for j := range nl {
								got[j][t] = x[(t-a)*nl+j]
							}
						}
					}, nil)
					for j := range got {
						if i := sameBits(got[j], want[j]); i >= 0 {
							t.Fatalf("n=%d f=%d mean=%d lanes=%d: lane %d sample %d = %v, want %v", n, f, mean, nl, j, i, got[j][i], want[j][i])
						}
					}
				}
			}
		}
	}
}

// layout returns the strides (in bytes) and offset of a (T, H, W) view of
// item size es inside a buffer, and the buffer size: C order, Fortran
// order, columns reversed (negative stride), or padded with gaps.
func layout(name string, T, H, W, es int) (strides []int, offset, size int) {
	switch name {
	case "C":
		return []int{H * W * es, W * es, es}, 0, T * H * W * es
	case "F":
		return []int{es, T * es, T * H * es}, 0, T * H * W * es
	case "reversed":
		return []int{H * W * es, W * es, -es}, (W - 1) * es, T * H * W * es
	case "padded": // every other column, rows and frames padded
		rs := (2*W + 3) * es
		fs := (H + 1) * rs
		return []int{fs, rs, 2 * es}, es, T * fs
	}
	panic(name)
}

// TestStackMatchesReference checks Stack against the former per-pixel
// Stack bit for bit, over input and output dtypes, byte orders and layouts,
// image sizes that fill blocks partly, and thread counts.
func TestStackMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type dtOrder struct {
		dt array.DType
		bo array.ByteOrder
	}
	ins := []dtOrder{{array.Uint16, array.Little}, {array.Uint16, array.Big}, {array.Uint8, array.Little}, {array.Int16, array.Big}, {array.Int32, array.Little}, {array.Float32, array.Big}, {array.Float64, array.Little}}
	outs := []dtOrder{{array.Uint16, array.Little}, {array.Uint16, array.Big}, {array.Uint8, array.Little}, {array.Int16, array.Little}, {array.Int32, array.Big}}
	shapes := [][3]int{{3, 1, 1}, {130, 1, 1}, {segLen + 1, 3, 5}, {150, 7, 40}, {2*segLen + 9, 5, 13}, {257, 1, 70}, {70, 24, 30}, {4*segLen + 3, 19, 29}}
	layouts := []string{"C", "F", "reversed", "padded"}
	for si, sh := range shapes {
		T, H, W := sh[0], sh[1], sh[2]
		for ii, in := range ins {
			lay := layouts[(si+ii)%len(layouts)]
			es := in.dt.Size()
			strides, off, size := layout(lay, T, H, W, es)
			data, err := array.New(in.dt, in.bo, []int{T, H, W}, strides, make([]byte, size), off)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := in.dt.Range()
			for p := 0; p < H*W; p++ {
				kind := rng.IntN(nkinds)
				if in.dt.IsInteger() && (kind == 3 || kind == 8) {
					kind = 1
				}
				s := series(rng, kind, T)
				for ti, v := range s {
					data.Set(math.Max(lo, math.Min(hi, v)), ti, p/W, p%W)
				}
			}
			for oi, o := range outs {
				for _, f := range filterSizes(T) {
					if f > 3 && f != (T-1)/2 && f != segLen {
						continue
					}
					mean := Mean((oi + f) % 2)
					olay := layouts[(si+ii+oi+1)%len(layouts)]
					oes := o.dt.Size()
					ostr, ooff, osize := layout(olay, T-2*f, H, W, oes)
					want, _ := array.New(o.dt, o.bo, []int{T - 2*f, H, W}, ostr, make([]byte, osize), ooff)
					stackRef(want, data, f, mean)
					for _, threads := range []int{1, 3} {
						got, _ := array.New(o.dt, o.bo, []int{T - 2*f, H, W}, ostr, make([]byte, osize), ooff)
						if err := Stack(context.Background(), got, data, f, mean, threads, nil); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got.Data, want.Data) {
							t.Fatalf("shape %v in %v/%v (%s) out %v/%v (%s) f=%d mean=%d threads=%d: output differs from the per-pixel reference",
								sh, in.dt, in.bo, lay, o.dt, o.bo, olay, f, mean, threads)
						}
					}
				}
			}
		}
	}
}

// TestStackConformance runs Stack on the bleach cases of the project's
// goldens and of the shared conformance folder: the output must be
// identical.
func TestStackConformance(t *testing.T) {
	for _, dir := range []string{
		filepath.Join("..", "..", "testdata", "golden"),
		filepath.Join("..", "..", "..", "shared", "conformance"),
	} {
		b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatalf("cases not found (%v): testdata/golden is in the repository and ../shared must be beside the checkout", err)
		}
		var m struct {
			Cases []struct {
				Name, Op string
				Params   struct {
					Filtersize int
					Mean       string
				}
				Input   struct{ File string }
				Outputs []struct{ Role, File string }
			}
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range m.Cases {
			for _, ex := range c.Outputs {
				if !(c.Op == "bleach" && ex.Role == "expected" || ex.Role == "expected_corrected") {
					continue
				}
				n++
				in, err := npy.Open(filepath.Join(dir, c.Input.File))
				if err != nil {
					t.Fatal(err)
				}
				want, err := npy.Open(filepath.Join(dir, ex.File))
				if err != nil {
					t.Fatal(err)
				}
				mean := Real
				if c.Params.Mean == "floor" || c.Params.Mean == "int" {
					mean = Floor
				}
				got, _ := array.Contiguous(array.Uint16, want.Shape, make([]byte, 2*want.Len()))
				if err := Stack(context.Background(), got, in.View, c.Params.Filtersize, mean, 2, nil); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < want.Len(); i++ {
					tt, p := i/(want.Shape[1]*want.Shape[2]), i%(want.Shape[1]*want.Shape[2])
					y, x := p/want.Shape[2], p%want.Shape[2]
					if g, w := got.At(tt, y, x), want.At(tt, y, x); g != w {
						t.Fatalf("%s/%s: frame %d pixel (%d,%d) = %v, want %v", dir, c.Name, tt, y, x, g, w)
					}
				}
				in.Close()
				want.Close()
			}
		}
		if n < 3 {
			t.Fatalf("%s: only %d bleach outputs", dir, n)
		}
	}
}

// defaultStack is a uint16 stack of the default dataset's size (ipcf
// simulate: 32000 frames of 64 x 64 pixels) with photon-count-like values.
func defaultStack(b *testing.B, T, H, W int) (data, out array.View) {
	rng := rand.New(rand.NewPCG(7, 8))
	buf := make([]byte, 2*T*H*W)
	for i := 0; i < len(buf); i += 2 {
		v := 100 + rng.IntN(400)
		buf[i], buf[i+1] = byte(v), byte(v>>8)
	}
	data, err := array.New(array.Uint16, array.Little, []int{T, H, W}, []int{2 * H * W, 2 * W, 2}, buf, 0)
	if err != nil {
		b.Fatal(err)
	}
	out, err = array.Contiguous(array.Uint16, []int{T - 2*1024, H, W}, make([]byte, 2*(T-2*1024)*H*W))
	if err != nil {
		b.Fatal(err)
	}
	return data, out
}

// BenchmarkStack corrects the default dataset (64 x 64 x 32000 uint16,
// filter size 1024) on one thread: ns/op is CPU time. "ref" is the former
// per-pixel implementation, for an A/B ratio in one run:
//
//	go test -run XXX -bench Stack -count 5 ./core/bleach | benchstat -col /impl -
func BenchmarkStack(b *testing.B) {
	data, out := defaultStack(b, 32000, 64, 64)
	b.Run("impl=new", func(b *testing.B) {
		b.SetBytes(int64(len(data.Data)))
		for b.Loop() {
			if err := Stack(context.Background(), out, data, 1024, Real, 1, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=ref", func(b *testing.B) {
		b.SetBytes(int64(len(data.Data)))
		for b.Loop() {
			stackRef(out, data, 1024, Real)
		}
	})
}

// BenchmarkCorrect corrects one series of 32000 samples (the per-series
// entry point that core/pcf uses).
func BenchmarkCorrect(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := make([]float64, 32000)
	for i := range src {
		src[i] = float64(100 + rng.IntN(400))
	}
	d, s := make([]float64, len(src)), make([]float64, len(src))
	for _, impl := range []struct {
		name string
		fn   func(d, s []float64, filtersize int, mean Mean, lo, hi float64) []float64
	}{{"impl=new", Correct}, {"impl=ref", correctRef}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				copy(d, src)
				impl.fn(d, s, 1024, Real, 0, 65535)
			}
		})
	}
}

// TestCorrectorMatchesReference checks Corrector against correctRef on
// blocks of more and fewer series than one kernel block.
func TestCorrectorMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range lengths {
		for _, f := range filterSizes(n) {
			for _, mean := range []Mean{Real, Floor} {
				c, err := NewCorrector(n, f, mean, 0, 65535)
				if err != nil {
					t.Fatal(err)
				}
				for _, ns := range []int{1, maxLanes + 5} {
					ds := make([][]float64, ns)
					want := make([][]float64, ns)
					for j := range ds {
						ds[j] = series(rng, rng.IntN(nkinds), n)
						want[j] = append([]float64(nil), ds[j]...)
						correctRef(want[j], nil, f, mean, 0, 65535)
					}
					c.Correct(ds)
					for j := range ds {
						if i := sameBits(ds[j], want[j]); i >= 0 {
							t.Fatalf("n=%d f=%d mean=%d series %d/%d: sample %d = %v, want %v", n, f, mean, j, ns, i, ds[j][i], want[j][i])
						}
					}
				}
			}
		}
	}
	if _, err := NewCorrector(10, 5, Real, 0, 65535); err == nil {
		t.Error("NewCorrector(10, 5) accepted a filter size that leaves no sample")
	}
	c, _ := NewCorrector(10, 2, Real, 0, 65535)
	defer func() {
		if recover() == nil {
			t.Error("Correct on a series of the wrong length did not panic")
		}
	}()
	c.Correct([][]float64{make([]float64, 10), make([]float64, 9)})
}

// BenchmarkCorrector corrects 16 series of 32000 samples (one block of
// core/pcf's spectra path) with a Corrector and with Correct per series.
func BenchmarkCorrector(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n, ns = 32000, 16
	src := make([][]float64, ns)
	ds := make([][]float64, ns)
	for j := range src {
		src[j] = make([]float64, n)
		ds[j] = make([]float64, n)
		for i := range src[j] {
			src[j][i] = float64(100 + rng.IntN(400))
		}
	}
	c, _ := NewCorrector(n, 1024, Real, 0, 65535)
	s := make([]float64, n)
	b.Run("impl=corrector", func(b *testing.B) {
		for b.Loop() {
			for j := range ds {
				copy(ds[j], src[j])
			}
			c.Correct(ds)
		}
	})
	b.Run("impl=correct", func(b *testing.B) {
		for b.Loop() {
			for j := range ds {
				copy(ds[j], src[j])
				Correct(ds[j], s, 1024, Real, 0, 65535)
			}
		}
	})
}

// edgeValues are the values where rounding half away from zero is easy to
// get wrong: exact halves, their neighbours, 2^52 and above, signed zeros,
// infinities and NaN.
func edgeValues() []float64 {
	var vs []float64
	for _, b := range []float64{0, 0.5, 1, 1.5, 2.5, 3, 254.5, 255.5, 32766.5, 32767.5, 65534.5, 65535.5, 65536, 1 << 52, 1<<52 + 1, 1 << 53, 1e300} {
		for _, v := range []float64{b, math.Nextafter(b, math.Inf(1)), math.Nextafter(b, math.Inf(-1))} {
			vs = append(vs, v, -v)
		}
	}
	return append(vs, 0.49999999999999994, -0.49999999999999994, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, math.MaxFloat64)
}

// TestRowsMatchGo checks the row operations the kernel calls (the AVX
// versions on amd64) against the Go loops of rows.go bit for bit, on lane
// counts that are and are not multiples of 4, random values with
// infinities and NaNs, and the rounding edge values: with s = c = 1 and
// f0 = f1 = 0.5 the new c is 1, and with m = 1 the corrected value is the
// sample itself.
func TestRowsMatchGo(t *testing.T) {
	t.Logf("useAVX = %v", useAVXForTest())
	rng := rand.New(rand.NewPCG(15, 16))
	edges := edgeValues()
	val := func() float64 {
		switch rng.IntN(10) {
		case 0:
			return edges[rng.IntN(len(edges))]
		case 1:
			return float64(rng.IntN(5))
		}
		return (rng.Float64() - 0.2) * 70000
	}
	fill := func(n int, f func() float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = f()
		}
		return x
	}
	dup := func(x []float64) []float64 { return append([]float64(nil), x...) }
	check := func(what string, got, want []float64) {
		t.Helper()
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("%s: lane %d = %v (%#x), want %v (%#x)", what, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
	for iter := 0; iter < 200; iter++ {
		n := 1 + rng.IntN(40)
		f0 := []float64{1, 0.5, 1.0 / 1024, 1.0 / 3, 1.0 / 7}[rng.IntN(5)]
		f1 := 1 - f0
		row, c, s, m := fill(n, val), fill(n, val), fill(n, val), fill(n, val)

		c1, s1 := dup(c), dup(s)
		fwdRow(row, c1, s1, f0, f1)
		c2, s2 := dup(c), dup(s)
		fwdRowGo(row, c2, s2, f0, f1)
		check("fwdRow c", c1, c2)
		check("fwdRow sum", s1, s2)

		s1, s2 = dup(s), dup(s)
		recRow(row, c, s1, f0, f1)
		recRowGo(row, c, s2, f0, f1)
		check("recRow", s1, s2)

		c1, c2 = dup(c), dup(c)
		backRow(s, c1, f0, f1)
		backRowGo(s, c2, f0, f1)
		check("backRow", c1, c2)

		for _, r := range [][2]float64{{0, 65535}, {0, 255}, {-32768, 32767}, {0.25, 10.75}, {5, 3}, {math.Inf(-1), math.Inf(1)}} {
			rw := dup(row)
			ss, cc, mm := s, c, m
			if iter%2 == 0 {
				// The sample itself, rounded: c becomes 1, m = 1.
				for i := range rw {
					rw[i] = edges[rng.IntN(len(edges))]
				}
				ss, cc, mm = fill(n, func() float64 { return 1 }), fill(n, func() float64 { return 1 }), fill(n, func() float64 { return 1 })
				f0, f1 = 0.5, 0.5
			}
			r1, c1 := dup(rw), dup(cc)
			backOutRow(r1, ss, c1, mm, f0, f1, r[0], r[1])
			r2, c2 := dup(rw), dup(cc)
			backOutRowGo(r2, ss, c2, mm, f0, f1, r[0], r[1])
			check(fmt.Sprintf("backOutRow %v c", r), c1, c2)
			check(fmt.Sprintf("backOutRow %v row", r), r1, r2)
		}
	}
}

// TestU16CodecMatchesGo checks the uint16 decoding and encoding of Stack's
// fast path (AVX on amd64) against the Go loops, over every lane count up
// to 40 and the values where a signed or saturating conversion would go
// wrong (0, 32767, 32768, 65535).
func TestU16CodecMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for n := 0; n <= 40; n++ {
		src := make([]byte, 2*n)
		vals := make([]float64, n)
		for j := range vals {
			u := []uint16{0, 1, 32767, 32768, 65534, 65535, uint16(rng.Uint32())}[rng.IntN(7)]
			src[2*j], src[2*j+1] = byte(u), byte(u>>8)
			vals[j] = float64(u)
		}
		got, want := make([]float64, n), make([]float64, n)
		decodeU16LE(got, src)
		decodeU16LEGo(want, src)
		if i := sameBits(got, want); i >= 0 || sameBits(got, vals) >= 0 {
			t.Fatalf("decode, %d lanes: %v, want %v", n, got, want)
		}
		b1, b2 := make([]byte, 2*n), make([]byte, 2*n)
		encodeU16LE(b1, vals)
		encodeU16LEGo(b2, vals)
		if !bytes.Equal(b1, b2) || !bytes.Equal(b1, src) {
			t.Fatalf("encode, %d lanes: %v, want %v", n, b1, b2)
		}
	}
}

// TestCorrectorGather checks Corrector.Gather against the former Correct
// on series gathered from views of every dtype, both byte orders and
// several layouts, in blocks narrower and wider than the kernel's.
func TestCorrectorGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for ci, dt := range []array.DType{array.Uint16, array.Uint8, array.Int16, array.Int32, array.Float32, array.Float64} {
		for _, bo := range []array.ByteOrder{array.Little, array.Big} {
			lay := []string{"C", "F", "reversed", "padded"}[(ci+int(bo))%4]
			T, H, W := 2*segLen+37, 3, 150
			strides, off, size := layout(lay, T, H, W, dt.Size())
			v, err := array.New(dt, bo, []int{T, H, W}, strides, make([]byte, size), off)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := dt.Range()
			for p := 0; p < H*W; p++ {
				kind := rng.IntN(nkinds)
				if dt.IsInteger() && (kind == 3 || kind == 8) {
					kind = 1
				}
				for ti, x := range series(rng, kind, T) {
					v.Set(math.Max(lo, math.Min(hi, x)), ti, p/W, p%W)
				}
			}
			for _, f := range []int{1, segLen, (T - 1) / 2} {
				for _, mean := range []Mean{Real, Floor} {
					c, err := NewCorrector(T, f, mean, 0, 65535)
					if err != nil {
						t.Fatal(err)
					}
					for _, nx := range []int{1, 16, W} {
						y, x0 := rng.IntN(H), rng.IntN(W-nx+1)
						dst := make([][]float64, nx)
						for j := range dst {
							dst[j] = make([]float64, T-2*f+j%2) // longer is fine
						}
						c.Gather(dst, v, v.Offset+y*v.Strides[1]+x0*v.Strides[2], v.Strides[0], v.Strides[2])
						for j := range dst {
							want := make([]float64, T)
							v.Gather(want, v.Offset+y*v.Strides[1]+(x0+j)*v.Strides[2], v.Strides[0], T)
							want = correctRef(want, nil, f, mean, 0, 65535)
							if i := sameBits(dst[j][:T-2*f], want); i >= 0 {
								t.Fatalf("%v/%v %s f=%d mean=%d nx=%d: series %d sample %d = %v, want %v", dt, bo, lay, f, mean, nx, j, i, dst[j][i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestGatherPolledStops: GatherPolled looks at its stop every 64 segments
// of frames, in both passes, and returns false once it reports true; with
// a stop that never does, it writes what Gather writes, bit for bit.
func TestGatherPolledStops(t *testing.T) {
	const T, W, F = 64*segLen*8 + 5, 4, 100
	v, err := array.New(array.Uint16, array.Little, []int{T, 1, W}, []int{2 * W, 2 * W, 2}, make([]byte, 2*T*W), 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < T; i++ {
		for x := 0; x < W; x++ {
			v.Set(float64(100+rng.IntN(900)), i, 0, x)
		}
	}
	c, err := NewCorrector(T, F, Real, 0, 65535)
	if err != nil {
		t.Fatal(err)
	}
	mk := func() [][]float64 {
		d := make([][]float64, W)
		for j := range d {
			d[j] = make([]float64, T-2*F)
		}
		return d
	}
	want, got := mk(), mk()
	c.Gather(want, v, 0, v.Strides[0], v.Strides[2])
	calls := 0
	if !c.GatherPolled(got, v, 0, v.Strides[0], v.Strides[2], func() bool { calls++; return false }) {
		t.Fatal("GatherPolled with a stop that never reports true returned false")
	}
	for j := range got {
		if i := sameBits(got[j], want[j]); i >= 0 {
			t.Fatalf("series %d sample %d = %v, Gather %v", j, i, got[j][i], want[j][i])
		}
	}
	// two passes over T/segLen segments, a look every 64
	if segs := 2 * ((T + segLen - 1) / segLen); calls < segs/64-1 || calls > segs/64+1 {
		t.Errorf("%d looks at the stop for %d segments; want one every 64", calls, segs)
	}
	for _, at := range []int{1, 5, calls} { // in the first pass, and in the second
		n := 0
		if c.GatherPolled(mk(), v, 0, v.Strides[0], v.Strides[2], func() bool { n++; return n >= at }) || n != at {
			t.Errorf("a stop at look %d: returned true, or looked %d times", at, n)
		}
	}
}

// BenchmarkCorrectorGather corrects the default dataset's pixels in blocks
// of 16 along rows, as core/pcf's spectra path reads them: Gather, against
// View.Gather2 followed by Correct on each series (what core/pcf does).
// One thread; ns/op is CPU time.
func BenchmarkCorrectorGather(b *testing.B) {
	const T, H, W, F = 32000, 64, 64, 1024
	data, _ := defaultStack(b, T, H, W)
	for _, blk := range []int{16, 64} {
		buf := make([][]float64, blk)
		for j := range buf {
			buf[j] = make([]float64, T)
		}
		b.Run(fmt.Sprintf("blk=%d/impl=gather", blk), func(b *testing.B) {
			c, _ := NewCorrector(T, F, Real, 0, 65535)
			for b.Loop() {
				for y := 0; y < H; y++ {
					for x0 := 0; x0 < W; x0 += blk {
						c.Gather(buf, data, data.Offset+y*data.Strides[1]+x0*data.Strides[2], data.Strides[0], data.Strides[2])
					}
				}
			}
		})
		b.Run(fmt.Sprintf("blk=%d/impl=gather2+correct", blk), func(b *testing.B) {
			s := make([]float64, T)
			for b.Loop() {
				for y := 0; y < H; y++ {
					for x0 := 0; x0 < W; x0 += blk {
						data.Gather2(buf, data.Offset+y*data.Strides[1]+x0*data.Strides[2], data.Strides[0], T, data.Strides[2])
						for _, d := range buf {
							Correct(d, s, F, Real, 0, 65535)
						}
					}
				}
			}
		})
	}
}
