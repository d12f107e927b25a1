package conv

import (
	"context"
	"errors"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/internal/ctxtest"
)

func view(dt array.DType, h, w int, vals ...float64) array.View {
	v, _ := array.Contiguous(dt, []int{h, w}, make([]byte, h*w*dt.Size()))
	for i, x := range vals {
		v.Set(x, i/w, i%w)
	}
	return v
}

func TestConvolve2D(t *testing.T) {
	// Values from scipy.signal.convolve2d(f, g) (mode 'full'), which the
	// tutorial's naive_convolve reproduces.
	f := view(array.Int32, 2, 3, 1, 2, 3, 4, 5, 6)
	g := view(array.Int16, 1, 3, 1, 0, -1)
	out := view(array.Int32, 2, 5)
	if err := Convolve2D(out, f, g); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 2, -2, -3, 4, 5, 2, -5, -6}
	for i, w := range want {
		if got := out.At(i/5, i%5); got != w {
			t.Fatalf("h[%d] = %v, want %v", i, got, w)
		}
	}
	g3 := view(array.Float64, 3, 3, 0, 0, 0, 0, 0.5, 0, 0, 0, 0)
	outf := view(array.Float64, 4, 5)
	if err := Convolve2D(outf, f, g3); err != nil {
		t.Fatal(err)
	}
	if outf.At(1, 1) != 0.5 || outf.At(2, 3) != 3 || outf.At(0, 0) != 0 {
		t.Fatalf("identity kernel: %v %v", outf.At(1, 1), outf.At(2, 3))
	}
}

func TestConvolve2DErrors(t *testing.T) {
	f := view(array.Uint8, 2, 2, 200, 200, 200, 200)
	even := view(array.Uint8, 2, 3)
	if err := Convolve2D(view(array.Int32, 3, 4), f, even); !errors.Is(err, ErrParam) {
		t.Errorf("even kernel: %v", err)
	}
	g := view(array.Uint8, 1, 1, 2)
	if err := Convolve2D(view(array.Uint8, 2, 2), f, g); !errors.Is(err, ErrParam) {
		t.Errorf("overflow into uint8: %v", err)
	}
	if err := Convolve2D(view(array.Int32, 3, 3), f, g); !errors.Is(err, ErrParam) {
		t.Errorf("wrong output shape: %v", err)
	}
	// Integer sums beyond 64 bits: 9 products of 2^62 at the centre of
	// a full 3x3 overlap. A float64 output, which has no range to check,
	// took the wrapped sum, 2^62 (TOOLS14's m8); 4 of them are exactly
	// 2^64 and wrapped to 0, which every output type takes.
	m := -float64(1 << 31)
	big := view(array.Int32, 3, 3, m, m, m, m, m, m, m, m, m)
	out := view(array.Float64, 5, 5)
	if err := Convolve2D(out, big, big); !errors.Is(err, ErrParam) {
		t.Errorf("a sum beyond 64-bit integers into float64: %v, h[2, 2] = %v; want ErrParam", err, out.At(2, 2))
	}
	k4 := view(array.Int32, 3, 3, m, m, 0, m, m, 0, 0, 0, 0)
	if err := Convolve2D(view(array.Float64, 5, 5), big, k4); !errors.Is(err, ErrParam) {
		t.Errorf("a sum of exactly 2^64 into float64: %v; want ErrParam", err)
	}
	// A sum whose partial sums pass 2^63 and come back is exact: h[2] =
	// 2^62 + 2^62 - (2^31 - 1).
	p := -m - 1 // 2^31 - 1
	f2 := view(array.Int32, 1, 3, p, m, m)
	g2 := view(array.Int32, 1, 3, m, m, -1)
	outm := view(array.Float64, 1, 5)
	if err := Convolve2D(outm, f2, g2); err != nil {
		t.Fatal(err)
	}
	w := int64(1) << 62
	w += 1<<62 - (1<<31 - 1)
	if got := outm.At(0, 2); got != float64(w) {
		t.Errorf("h[2] = %v, want %v", got, float64(w))
	}
}

// TestConvolve2DContext: a cancelled context stops the convolution with
// its error.
func TestConvolve2DContext(t *testing.T) {
	f := view(array.Float64, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	g := view(array.Float64, 1, 1, 2)
	out := view(array.Float64, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Convolve2DContext(ctx, out, f, g); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v, want context.Canceled", err)
	}
	if err := Convolve2DContext(context.Background(), out, f, g); err != nil || out.At(2, 2) != 18 {
		t.Fatalf("not cancelled: %v, h[2, 2] = %v, want 18", err, out.At(2, 2))
	}
}

// TestCancelWithinARow: the context is looked at within an output row, by
// the work done: one row of a 1 x 100,001 image and kernel ran 27 s
// after Ctrl+C, and the CLI then wrote it with exit 0 (a campaign).
func TestCancelWithinARow(t *testing.T) {
	const n = 6001
	f, g := view(array.Int32, 1, n), view(array.Int32, 1, n)
	out := view(array.Int32, 1, 2*n-1)
	ctx := ctxtest.New()
	if err := Convolve2DContext(ctx, out, f, g); !errors.Is(err, context.Canceled) || ctx.Looks != 2 {
		t.Errorf("cancelled after the row's first look: %v after %d looks, want context.Canceled after 2", err, ctx.Looks)
	}
}
