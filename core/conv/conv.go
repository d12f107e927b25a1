package conv

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/sysmem"
)

// ErrParam reports bad shapes or values.
var ErrParam = errors.New("conv: invalid argument")

// Convolve2D stores h[x, y] = sum_{i,j} g[i, j] * f[x-i, y-j] (zero outside
// f) into out, of shape (H+kh-1, W+kw-1). f is (H, W), g is (kh, kw) with
// odd kh and kw. If f and g are both integer the sums are exact int64; a
// value outside out's dtype range is an error. Otherwise float64.
func Convolve2D(out, f, g array.View) error {
	return Convolve2DContext(context.Background(), out, f, g)
}

// Convolve2DContext is Convolve2D that stops, with ctx's error, when ctx
// is done (checked every output row); out is then partly written.
func Convolve2DContext(ctx context.Context, out, f, g array.View) error {
	if f.NDim() != 2 || g.NDim() != 2 || out.NDim() != 2 {
		return fmt.Errorf("%w: image, kernel and output must be 2-D (got %d, %d, %d dimensions)", ErrParam, f.NDim(), g.NDim(), out.NDim())
	}
	H, W, kh, kw := f.Shape[0], f.Shape[1], g.Shape[0], g.Shape[1]
	if kh%2 != 1 || kw%2 != 1 {
		return fmt.Errorf("%w: kernel shape %dx%d: only odd kernel dimensions are supported", ErrParam, kh, kw)
	}
	if H < 1 || W < 1 {
		return fmt.Errorf("%w: empty image %dx%d", ErrParam, H, W)
	}
	oh, ow := H+kh-1, W+kw-1
	if out.Shape[0] != oh || out.Shape[1] != ow {
		return fmt.Errorf("%w: output shape %v, want [%d %d]", ErrParam, out.Shape, oh, ow)
	}
	if out.Overlaps(f) || out.Overlaps(g) {
		return fmt.Errorf("%w: output overlaps an input", ErrParam)
	}
	exact := f.DType.IsInteger() && g.DType.IsInteger()
	lo, hi := out.DType.Range()
	// The float64 copies of both inputs, from Go's heap: unchecked, a limit
	// of address space ended the host (the Python interpreter aborted).
	if err := sysmem.Check("convolve's float64 copies of the image and the kernel", 8*(int64(H)*int64(W)+int64(kh)*int64(kw))); err != nil {
		return err
	}
	fv := make([]float64, H*W)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			fv[y*W+x] = f.At(y, x)
		}
	}
	gv := make([]float64, kh*kw)
	for i := range gv {
		gv[i] = g.At(i/kw, i%kw)
	}
	// The context is looked at every output row and every 2^24
	// multiply-adds within one: a row of a 1 x 100,001 image and kernel
	// (10^10 of them) ran 27 s after Ctrl+C (a campaign).
	work := 0
	for x := 0; x < oh; x++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("conv: cancelled: %w", err)
		}
		for y := 0; y < ow; y++ {
			if work >= 1<<24 {
				work = 0
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("conv: cancelled: %w", err)
				}
			}
			work += (min(kh-1, x) - max(0, x-H+1) + 1) * (min(kw-1, y) - max(0, y-W+1) + 1)
			var si int64
			var sf float64
			carry := 0 // the sum's wraps past 2^63: net +1 up, -1 down
			for i := max(0, x-H+1); i <= min(kh-1, x); i++ {
				for j := max(0, y-W+1); j <= min(kw-1, y); j++ {
					a, b := gv[i*kw+j], fv[(x-i)*W+(y-j)]
					if exact {
						// (a product of 32-bit integers fits; the sum of
						// several may not: it wrapped, and a float64
						// output, which has no range to check, took the
						// wrapped sum: TOOLS14's m8. A partial sum that
						// wraps and comes back is exact.)
						p := int64(a) * int64(b)
						s := si + p
						switch {
						case p > 0 && s < si:
							carry++
						case p < 0 && s > si:
							carry--
						}
						si = s
					} else {
						sf += a * b
					}
				}
			}
			v := sf
			if exact {
				if carry != 0 {
					return fmt.Errorf("%w: h[%d, %d] is beyond 64-bit integers: it fits no output dtype exactly", ErrParam, x, y)
				}
				v = float64(si)
				if out.DType.IsInteger() && (v < lo || v > hi) {
					return fmt.Errorf("%w: h[%d, %d] = %d does not fit the output dtype %s", ErrParam, x, y, si, out.DType)
				}
			} else if out.DType.IsInteger() {
				v = math.Round(v)
				if !(v >= lo && v <= hi) {
					return fmt.Errorf("%w: h[%d, %d] = %g does not fit the output dtype %s", ErrParam, x, y, sf, out.DType)
				}
			}
			out.Set(v, x, y)
		}
	}
	return nil
}
