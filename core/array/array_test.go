package array

import (
	"errors"
	"math"
	"testing"
)

func TestNewErrors(t *testing.T) {
	buf := make([]byte, 64)
	cases := []struct {
		name    string
		dt      DType
		order   ByteOrder
		shape   []int
		strides []int
		off     int
		want    error
	}{
		{"unknown dtype", 9, Native, []int{2}, []int{1}, 0, ErrDType},
		{"unknown order", Uint8, 7, []int{2}, []int{1}, 0, ErrLayout},
		{"no dims", Uint8, Native, []int{}, []int{}, 0, ErrShape},
		{"too many dims", Uint8, Native, make([]int, 9), make([]int, 9), 0, ErrShape},
		{"negative shape", Uint8, Native, []int{-1}, []int{1}, 0, ErrShape},
		{"overflowing shape", Uint8, Native, []int{1 << 40, 1 << 40}, []int{1, 1}, 0, ErrShape},
		{"overflowing stride", Uint16, Native, []int{3}, []int{math.MaxInt64 / 2}, 0, ErrShape},
		{"offset near 2^63", Uint16, Native, []int{1}, []int{2}, math.MaxInt64, ErrShape},
		{"negative offset", Uint16, Native, []int{1}, []int{2}, -2, ErrShape},
		{"outside buffer", Uint16, Native, []int{33}, []int{2}, 0, ErrShape},
		{"negative stride below start", Uint16, Native, []int{4}, []int{-2}, 4, ErrShape},
		{"mismatched strides", Uint16, Native, []int{4, 2}, []int{2}, 0, ErrShape},
	}
	for _, c := range cases {
		if _, err := New(c.dt, c.order, c.shape, c.strides, buf, c.off); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// Valid: negative strides from the end, zero strides, empty arrays.
	v, err := New(Uint16, Big, []int{4}, []int{-2}, buf, 6)
	if err != nil {
		t.Fatal(err)
	}
	v.Set(258, 3)
	if buf[0] != 1 || buf[1] != 2 || v.At(3) != 258 {
		t.Fatalf("negative stride big-endian store: %v", buf[:2])
	}
	if _, err := New(Float64, Native, []int{5, 0}, []int{8, 8}, nil, 0); err != nil {
		t.Fatalf("empty array: %v", err)
	}
	// Empty whatever the dimensions before its zero (found by FuzzView).
	if _, err := New(Uint16, Native, []int{1, 10000, 1e14, 0}, []int{2e18, 2e14, 2, 2}, nil, 0); err != nil {
		t.Fatalf("empty array with huge dimensions: %v", err)
	}
	if _, err := New(Uint8, Native, []int{1000}, []int{0}, buf, 0); err != nil {
		t.Fatalf("zero stride: %v", err)
	}
}

func TestLoadStoreAllTypes(t *testing.T) {
	for _, dt := range []DType{Uint8, Uint16, Int16, Int32, Float32, Float64} {
		for _, bo := range []ByteOrder{Little, Big} {
			v, err := New(dt, bo, []int{3}, []int{dt.Size()}, make([]byte, 3*dt.Size()), 0)
			if err != nil {
				t.Fatal(err)
			}
			vals := []float64{0, 100, 77}
			if dt == Int16 || dt == Int32 || dt == Float32 || dt == Float64 {
				vals[2] = -77
			}
			for i, x := range vals {
				v.Set(x, i)
			}
			got := make([]float64, 3)
			v.Gather(got, 0, dt.Size(), 3)
			for i := range vals {
				if got[i] != vals[i] || v.At(i) != vals[i] {
					t.Fatalf("%s %d: got %v, want %v", dt, bo, got, vals)
				}
			}
		}
	}
}

// FuzzArrayValidate checks that any descriptor is either refused or
// describes only bytes inside the buffer.
func FuzzArrayValidate(f *testing.F) {
	f.Add(uint32(2), uint32(0), int64(3), int64(4), int64(2), int64(8), 24, 0)
	f.Add(uint32(6), uint32(2), int64(2), int64(2), int64(-8), int64(16), 64, 8)
	f.Add(uint32(1), uint32(1), int64(0), int64(-1), int64(1<<62), int64(1), 1, 0)
	f.Fuzz(func(t *testing.T, dt, order uint32, s0, s1, st0, st1 int64, n, off int) {
		if n < 0 || n > 1<<16 {
			return
		}
		buf := make([]byte, n)
		v, err := New(DType(dt), ByteOrder(order), []int{int(s0), int(s1)}, []int{int(st0), int(st1)}, buf, off)
		if err != nil {
			return
		}
		if v.Len() == 0 {
			return
		}
		// Every corner must be readable and writable.
		for _, i := range []int{0, v.Shape[0] - 1} {
			for _, j := range []int{0, v.Shape[1] - 1} {
				x := v.At(i, j)
				v.Set(x, i, j)
			}
		}
	})
}

func TestSelfOverlaps(t *testing.T) {
	cases := []struct {
		name           string
		dt             DType
		shape, strides []int
		want           bool
	}{
		{"c order", Float32, []int{2, 3}, []int{12, 4}, false},
		{"fortran order", Float32, []int{2, 3}, []int{4, 8}, false},
		{"negative strides", Float32, []int{2, 3}, []int{-12, -4}, false},
		{"zero stride", Float32, []int{2, 3}, []int{0, 4}, true},
		{"zero stride, extent 1", Float32, []int{1, 3}, []int{0, 4}, false},
		{"stride below item size", Float64, []int{3}, []int{4}, true},
		{"repeated stride", Uint8, []int{2, 2}, []int{1, 1}, true},
		{"rows overlap", Int16, []int{3, 4}, []int{6, 2}, true},
		{"padded rows", Int16, []int{3, 4}, []int{10, 2}, false},
		{"empty", Float32, []int{0, 3}, []int{0, 0}, false},
		{"single", Float32, []int{1}, []int{0}, false},
		{"interleaved pair", Float32, []int{3, 2}, []int{4, 12}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := View{DType: c.dt, Shape: c.shape, Strides: c.strides}
			if got := v.SelfOverlaps(); got != c.want {
				t.Errorf("SelfOverlaps(%v, %v) = %v, want %v", c.shape, c.strides, got, c.want)
			}
		})
	}
}

// FuzzSelfOverlaps checks SelfOverlaps against brute force: a layout it
// passes never maps two indices to overlapping bytes.
func FuzzSelfOverlaps(f *testing.F) {
	f.Add(uint8(2), uint8(3), int16(12), int16(4), uint8(4))
	f.Add(uint8(2), uint8(2), int16(1), int16(1), uint8(1))
	f.Fuzz(func(t *testing.T, n0, n1 uint8, st0, st1 int16, item uint8) {
		sz := map[uint8]DType{1: Uint8, 2: Uint16, 4: Float32, 8: Float64}[item]
		if sz == Invalid || n0 > 16 || n1 > 16 {
			return
		}
		v := View{DType: sz, Shape: []int{int(n0), int(n1)}, Strides: []int{int(st0), int(st1)}}
		if v.SelfOverlaps() {
			return
		}
		seen := map[int]bool{}
		for i := 0; i < int(n0); i++ {
			for j := 0; j < int(n1); j++ {
				o := i*int(st0) + j*int(st1)
				for b := 0; b < sz.Size(); b++ {
					if seen[o+b] {
						t.Fatalf("shape %v strides %v: byte %d is shared", v.Shape, v.Strides, o+b)
					}
					seen[o+b] = true
				}
			}
		}
	})
}
