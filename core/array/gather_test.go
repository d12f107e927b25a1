package array

import (
	"fmt"
	"testing"
)

func TestGatherF32(t *testing.T) {
	// A (5, 3, 4) big-endian uint16 stack in Fortran order and a
	// little-endian C-order copy must transpose to the same series.
	T, H, W := 5, 3, 4
	c, _ := Contiguous(Uint16, []int{T, H, W}, make([]byte, T*H*W*2))
	f, _ := New(Uint16, Big, []int{T, H, W}, []int{2, 2 * T, 2 * T * H}, make([]byte, T*H*W*2), 0)
	for i := 0; i < T*H*W; i++ {
		ti, y, x := i/(H*W), i/W%H, i%W
		c.Set(float64(i*37%65536), ti, y, x)
		f.Set(float64(i*37%65536), ti, y, x)
	}
	for _, v := range []View{c, f} {
		dst := make([][]float32, H*W)
		for i := range dst {
			dst[i] = make([]float32, T)
		}
		v.GatherF32(dst, v.Offset, v.Strides[0], T, H, v.Strides[1], W, v.Strides[2])
		for p := range dst {
			for ti := 0; ti < T; ti++ {
				if want := float32((ti*H*W + p) * 37 % 65536); dst[p][ti] != want {
					t.Fatalf("strides %v: series %d [%d] = %v, want %v", v.Strides, p, ti, dst[p][ti], want)
				}
			}
		}
	}
}

// BenchmarkTranspose reads a (16384, 64, 64) uint16 stack into per-pixel
// float32 time series, in blocks of whole rows.
func BenchmarkTranspose(b *testing.B) {
	const T, H, W = 16384, 64, 64
	v, _ := Contiguous(Uint16, []int{T, H, W}, make([]byte, T*H*W*2))
	for i := range v.Data {
		v.Data[i] = byte(i)
	}
	dst := make([]float32, H*W*16400)
	for _, rows := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("rows%d", rows), func(b *testing.B) {
			rowsets := make([][]float32, rows*W)
			for b.Loop() {
				for y0 := 0; y0 < H; y0 += rows {
					for k := range rowsets {
						p := y0*W + k
						rowsets[k] = dst[p*16400 : p*16400+T]
					}
					v.GatherF32(rowsets, y0*W*2, H*W*2, T, rows, W*2, W, 2)
				}
			}
		})
	}
}
