package bleach

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/sysmem"
	"github.com/ipcf/ipcf/core/pool"
)

// Stack corrects every pixel series of data, a (T, H, W) array, into out,
// a (T - 2*filtersize, H, W) integer array; values are clipped to [0, 65535]
// and to out's type. The result is that of Correct on each pixel's series.
//
// The pixels are taken in blocks of up to 128 consecutive pixels (in
// row-major order), whose series are filtered side by side (see kernel), so
// a time-major stack is read and written a block's part of a frame at a
// time. Each worker holds about 64 KiB plus 64 bytes per frame of scratch.
func Stack(ctx context.Context, out, data array.View, filtersize int, mean Mean, threads int, progress pool.Progress) error {
	if data.NDim() != 3 || out.NDim() != 3 {
		return fmt.Errorf("%w: data and out must be 3-D (time, rows, columns), got %d and %d dimensions", ErrParam, data.NDim(), out.NDim())
	}
	T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
	if err := pool.CheckThreads("threads", threads); err != nil {
		return fmt.Errorf("%w: %w", ErrParam, err)
	}
	if err := Check(T, filtersize, mean); err != nil {
		return err
	}
	if !out.DType.IsInteger() {
		return fmt.Errorf("%w: out dtype %s, want an integer type", ErrParam, out.DType)
	}
	if out.Shape[0] != T-2*filtersize || out.Shape[1] != H || out.Shape[2] != W {
		return fmt.Errorf("%w: out shape %v, want [%d %d %d]", ErrParam, out.Shape, T-2*filtersize, H, W)
	}
	if out.Overlaps(data) {
		return fmt.Errorf("%w: out overlaps data", ErrParam)
	}
	lo, hi := Limits(out.DType) // out is an integer type
	type scratch struct {
		k         *kernel
		din, dout []int
	}
	scr := make([]*scratch, pool.Threads(threads))
	npix := H * W
	// Narrower blocks for small images, so that every thread has work.
	lanes := maxLanes
	for lanes > 32 && (npix+lanes-1)/lanes < 4*pool.Threads(threads) {
		lanes /= 2
	}
	ntasks := (npix + lanes - 1) / lanes
	lanes = min(lanes, npix)
	// The workers' buffers come from Go's heap: under a limit of address
	// space (ulimit -v) a heap that cannot grow ends the process, so they
	// are checked as every allocation is (sysmem.AddressReserve left free).
	per := 8*int64(2*segLen*lanes+((T+segLen-1)/segLen)*lanes+3*lanes) + 16*int64(lanes)
	if err := sysmem.CheckAddress("the bleaching correction's buffers", per*int64(len(scr))); err != nil {
		return err
	}
	return pool.RunPolled(ctx, threads, ntasks, func(w, task int, stopped func() bool) error {
		sc := scr[w]
		if sc == nil {
			sc = &scratch{newKernel(T, filtersize, mean, lo, hi, lanes), make([]int, lanes), make([]int, lanes)}
			scr[w] = sc
		}
		p0 := task * lanes
		nl := min(lanes, npix-p0)
		din, dout := sc.din[:nl], sc.dout[:nl]
		for j := range din {
			y, x := (p0+j)/W, (p0+j)%W
			din[j] = data.Offset + y*data.Strides[1] + x*data.Strides[2]
			dout[j] = out.Offset + y*out.Strides[1] + x*out.Strides[2]
		}
		var pre func(a, b int, backward bool)
		if ein, eout := data.DType.Size(), out.DType.Size(); unitStride(din, ein) && unitStride(dout, eout) {
			pre = func(a, b int, backward bool) {
				prefetchRows(data.Data, din[0]+a*data.Strides[0], data.Strides[0], b-a, nl*ein)
				if a, b := max(a, filtersize), min(b, T-filtersize); backward && a < b {
					prefetchRows(out.Data, dout[0]+(a-filtersize)*out.Strides[0], out.Strides[0], b-a, nl*eout)
				}
			}
		}
		// A block runs along the whole time axis: the run's end is polled
		// every 8 segments read (Ctrl+C waited seconds for a block's end),
		// and a stopped block returns there.
		halted, reads := false, 0
		sc.k.run(nl,
			func(x []float64, a, b int) bool {
				if reads++; reads%8 == 0 { // every 128 frames
					halted = stopped()
				}
				if !halted {
					gatherLanes(x, data, din, a, b)
				}
				return !halted
			},
			func(x []float64, a, b int) { scatterLanes(out, dout, x, a-filtersize, b-filtersize) },
			pre)
		if halted {
			return pool.ErrCancelled
		}
		return nil
	}, progress)
}

// unitStride reports whether the offsets are consecutive samples of size es.
func unitStride(off []int, es int) bool {
	for j := range off {
		if off[j] != off[0]+j*es {
			return false
		}
	}
	return true
}

// gatherLanes sets x[(t-a)*nl+j] to the sample at byte off[j] of frame t,
// for t in [a, b), where nl = len(off).
func gatherLanes(x []float64, v array.View, off []int, a, b int) {
	nl := len(off)
	st := v.Strides[0]
	d := v.Data
	if v.DType == array.Uint16 && unitStride(off, 2) {
		for t := a; t < b; t++ {
			o := off[0] + t*st
			if v.Order == array.Little {
				decodeU16LE(x[(t-a)*nl:][:nl], d[o:o+2*nl])
			} else {
				decodeU16BE(x[(t-a)*nl:][:nl], d[o:o+2*nl])
			}
		}
		return
	}
	for t := a; t < b; t++ {
		row := x[(t-a)*nl:][:nl]
		for j, o := range off {
			row[j] = v.Load(o + t*st)
		}
	}
}

func decodeU16LEGo(dst []float64, src []byte) {
	src = src[:2*len(dst)]
	for j := range dst {
		dst[j] = float64(binary.LittleEndian.Uint16(src[2*j:]))
	}
}

func decodeU16BE(dst []float64, src []byte) {
	src = src[:2*len(dst)]
	for j := range dst {
		dst[j] = float64(binary.BigEndian.Uint16(src[2*j:]))
	}
}

func encodeU16LEGo(dst []byte, src []float64) {
	dst = dst[:2*len(src)]
	for j, f := range src {
		binary.LittleEndian.PutUint16(dst[2*j:], uint16(f))
	}
}

func encodeU16BE(dst []byte, src []float64) {
	dst = dst[:2*len(src)]
	for j, f := range src {
		binary.BigEndian.PutUint16(dst[2*j:], uint16(f))
	}
}

// scatterLanes stores x[(t-a)*nl+j], integers already clipped to v's
// range, at byte off[j] of frame t of v, for t in [a, b).
func scatterLanes(v array.View, off []int, x []float64, a, b int) {
	nl := len(off)
	st := v.Strides[0]
	d := v.Data
	if v.DType == array.Uint16 && unitStride(off, 2) {
		for t := a; t < b; t++ {
			o := off[0] + t*st
			if v.Order == array.Little {
				encodeU16LE(d[o:o+2*nl], x[(t-a)*nl:][:nl])
			} else {
				encodeU16BE(d[o:o+2*nl], x[(t-a)*nl:][:nl])
			}
		}
		return
	}
	for t := a; t < b; t++ {
		row := x[(t-a)*nl:][:nl]
		for j, o := range off {
			v.Store(o+t*st, row[j])
		}
	}
}
