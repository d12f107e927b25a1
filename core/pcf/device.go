package pcf

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/cuda"
)

// ErrNoDevice reports that the requested device cannot be used; the message
// says why (no driver, no device, driver too old, out of memory, ...).
var ErrNoDevice = errors.New("pcf: device not usable")

// Devices describes the CUDA devices found, or why none is usable.
func Devices() string {
	devs, err := cuda.Devices()
	if err != nil {
		return "no CUDA device: " + strings.TrimPrefix(err.Error(), "cuda: not available: ")
	}
	var b strings.Builder
	for _, d := range devs {
		fmt.Fprintf(&b, "%s, %d MiB free\n", d.Desc, d.FreeMem>>20)
	}
	return strings.TrimRight(b.String(), "\n")
}

// resolveDevice maps a device option to a CUDA ordinal, or -1 for the CPU.
// "auto" picks the first usable GPU and falls back to the CPU; "cuda" and
// "cuda:N" fail with ErrNoDevice if that GPU cannot be used.
func resolveDevice(dev string) (int, error) {
	switch {
	case dev == "" || dev == "auto":
		if _, err := cuda.Devices(); err != nil {
			return -1, nil
		}
		if err := cuda.Compile(0); err != nil {
			return -1, nil
		}
		return 0, nil
	case dev == "cpu":
		return -1, nil
	case dev == "cuda" || strings.HasPrefix(dev, "cuda:"):
		i := 0
		if dev != "cuda" {
			n, err := strconv.Atoi(dev[5:])
			if err != nil || n < 0 {
				return -1, fmt.Errorf("%w: device %q (want auto, cpu, cuda or cuda:N)", ErrParam, dev)
			}
			i = n
		}
		devs, err := cuda.Devices()
		if err != nil {
			return -1, fmt.Errorf("%w: %s: %s", ErrNoDevice, dev, strings.TrimPrefix(err.Error(), "cuda: not available: "))
		}
		if i >= len(devs) {
			return -1, fmt.Errorf("%w: %s: %d CUDA device(s) found", ErrNoDevice, dev, len(devs))
		}
		if err := cuda.Compile(i); err != nil {
			return -1, fmt.Errorf("%w: %s: %s", ErrNoDevice, dev, strings.TrimPrefix(err.Error(), "cuda: not available: "))
		}
		return i, nil
	}
	return -1, fmt.Errorf("%w: device %q (want auto, cpu, cuda or cuda:N)", ErrParam, dev)
}

// gpuEligible says whether the GPU path handles this job, and if not why.
func gpuEligible(data array.View, o Options) error {
	switch {
	case data.DType != array.Uint16:
		return fmt.Errorf("the GPU path reads uint16 samples, the input is %s", data.DType)
	case o.Bleach != 0:
		return errors.New("the GPU path has no bleaching correction")
	case o.NewFFT != nil:
		return errors.New("a custom FFT backend was asked for")
	}
	return nil
}

// gpuTiles splits an oh x ow output into tiles whose blocks (tile plus a
// halo of r, clipped to the h x w image) have at most maxPix pixels.
// Tiles are returned as {oy0, oy1, ox0, ox1}.
func gpuTiles(h, w, r int, maxPix int64) ([][4]int, error) {
	oh, ow := h-2*r, w-2*r
	ty, tx := oh, ow
	for int64(min(h, ty+2*r))*int64(min(w, tx+2*r)) > maxPix {
		if ty == 1 && tx == 1 {
			return nil, fmt.Errorf("%w: a block of %dx%d pixels does not fit the GPU's memory", ErrNoDevice, 1+2*r, 1+2*r)
		}
		if tx >= ty {
			tx = (tx + 1) / 2
		} else {
			ty = (ty + 1) / 2
		}
	}
	var out [][4]int
	for y := 0; y < oh; y += ty {
		for x := 0; x < ow; x += tx {
			out = append(out, [4]int{y, min(oh, y+ty), x, min(ow, x+tx)})
		}
	}
	return out, nil
}

// gpuBytesPerPixel is the device memory a block needs per pixel: the
// tile, the series, the spectra, and products and correlations of one
// offset's pairs (about one pair per pixel).
func gpuBytesPerPixel(n int) int64 {
	h := int64(n/2 + 1)
	return int64(n)*2 + int64(n)*4 + h*8 + h*8 + int64(n)*4 + 64
}

// computeGPU runs the pCF on CUDA device dev, block by block.
func (e *engine) computeGPU(ctx context.Context, dev int) error {
	g, o := e.g, e.o
	devs, err := cuda.Devices()
	if err != nil || dev >= len(devs) {
		return fmt.Errorf("%w: cuda:%d: %v", ErrNoDevice, dev, err)
	}
	free := devs[dev].FreeMem
	maxPix := int64(float64(free) * 0.8 / float64(gpuBytesPerPixel(g.N)))
	tiles, err := gpuTiles(g.H, g.W, o.Radius, maxPix)
	if err != nil {
		return err
	}
	r := o.Radius
	e.active = make([]bool, g.H*g.W)
	for y := r; y < g.H-r; y++ {
		for x := r; x < g.W-r; x++ {
			e.active[y*g.W+x] = o.Mask == nil || o.Mask.At(y, x) != 0
		}
	}
	grp := groups(g.Circle)
	bins := make([]int32, len(g.Bins))
	for i, b := range g.Bins {
		bins[i] = int32(b)
	}
	nb := len(bins)
	for ti, t := range tiles {
		if ctx.Err() != nil {
			return ErrCancelled
		}
		// Block: the tile's image pixels plus r around them.
		y0, y1 := max(0, t[0]), min(g.H, t[1]+2*r)
		x0, x1 := max(0, t[2]), min(g.W, t[3]+2*r)
		bh, bw := y1-y0, x1-x0
		b := &cuda.Block{N: g.N, H: bh, W: bw, Bins: bins, Tile: make([]uint16, g.N*bh*bw), Sums: make([]float64, bh*bw)}
		d := e.data
		for tt := 0; tt < g.N; tt++ {
			for y := 0; y < bh; y++ {
				off := d.Offset + tt*d.Strides[0] + (y0+y)*d.Strides[1] + x0*d.Strides[2]
				row := b.Tile[(tt*bh+y)*bw : (tt*bh+y+1)*bw]
				for x := range row {
					v := uint16(d.Load(off))
					row[x] = v
					b.Sums[y*bw+x] += float64(v)
					off += d.Strides[2]
				}
			}
		}
		inTile := func(y, x int) bool { return y-r >= t[0] && y-r < t[1] && x-r >= t[2] && x-r < t[3] }
		type pair struct {
			p, q         int // image pixel indices
			needF, needB bool
		}
		var pairs []pair
		for _, gr := range grp {
			i, j := gr[0], gr[1]
			off := g.Circle[i]
			n := 0
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					yq, xq := y+off.V, x+off.U
					if yq < y0 || yq >= y1 || xq < x0 || xq >= x1 {
						continue
					}
					p, q := y*g.W+x, yq*g.W+xq
					pr := pair{p, q, inTile(y, x) && e.active[p], j >= 0 && inTile(yq, xq) && e.active[q]}
					if !pr.needF && !pr.needB {
						continue
					}
					sp, sq := b.Sums[(y-y0)*bw+x-x0], b.Sums[(yq-y0)*bw+xq-x0]
					if sp == 0 || sq == 0 {
						if pr.needF {
							e.store(y, x, i, nil)
						}
						if pr.needB {
							e.store(yq, xq, j, nil)
						}
						continue
					}
					pairs = append(pairs, pr)
					b.P = append(b.P, int32((y-y0)*bw+x-x0))
					b.Q = append(b.Q, int32((yq-y0)*bw+xq-x0))
					b.Scale = append(b.Scale, 1/(sp*sq))
					n++
				}
			}
			b.NPairs = append(b.NPairs, int32(n))
			want := int32(0)
			if j >= 0 {
				want = 1
			}
			b.WantBwd = append(b.WantBwd, want)
		}
		b.Fwd = make([]float32, len(pairs)*nb)
		b.Bwd = make([]float32, len(pairs)*nb)
		if err := cuda.PCF(dev, b); err != nil {
			return fmt.Errorf("%w: %v", ErrNoDevice, err)
		}
		k := 0
		curve := make([]float64, nb)
		for gi, gr := range grp {
			for c := 0; c < int(b.NPairs[gi]); c++ {
				pr := pairs[k]
				if pr.needF {
					for m := range curve {
						curve[m] = float64(b.Fwd[k*nb+m])
					}
					e.store(pr.p/g.W, pr.p%g.W, gr[0], curve)
				}
				if pr.needB {
					for m := range curve {
						curve[m] = float64(b.Bwd[k*nb+m])
					}
					e.store(pr.q/g.W, pr.q%g.W, gr[1], curve)
				}
				k++
			}
		}
		if o.Progress != nil && !o.Progress(ti+1, len(tiles)) {
			return ErrCancelled
		}
	}
	e.maskNaN()
	return nil
}

// CheckDevice validates a device option before a job starts: "auto" and
// "cpu" always pass; "cuda" and "cuda:N" fail with ErrNoDevice (saying
// why) if that GPU cannot be used.
func CheckDevice(dev string) error {
	if dev == "" || dev == "auto" || dev == "cpu" {
		return nil
	}
	_, err := resolveDevice(dev)
	return err
}
