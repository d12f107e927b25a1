package pcf

import (
	"context"
	"fmt"

	"unsafe"

	"github.com/ipcf/ipcf/core/array"
)

// StreamIO is where Stream reads its input rows and writes its output
// rows.
type StreamIO struct {
	// Rows returns the rows [y0, y1) of channel c (0, or 1: the second
	// channel of a computation with Options.Data2): a view of shape
	// (frames, y1-y0, W), any strides and byte order, holding at least the
	// frames Compute reads (N, or T with bleaching correction). Stream
	// asks for the row ranges of Geometry.StreamPieces in order, each once
	// (from the first its first band needs),
	// and reads the view only before its next call to Rows or Emit.
	Rows func(c, y0, y1 int) (array.View, error)
	// Emit receives the finished output rows [oy0, oy1) (one band of
	// Geometry.StreamBands) as float32 (oy1-oy0, columns, offsets, delays)
	// in C order and native byte order; the slice is reused after Emit
	// returns.
	Emit func(oy0, oy1 int, rows []float32) error
	// Read, if not nil, is called once Stream has read the view of rows
	// [y0, y1) of channel c that Rows returned, before its long work on
	// them: a caller can fill the view's memory with the next rows then.
	Read func(c, y0, y1 int)
}

// StreamBand is the number of output rows of Stream's bands for options
// o: Options.Band, or max(4, 2*Reach) when that is 0.
func (g Geometry) StreamBand(o Options) int {
	if o.Band > 0 {
		return o.Band
	}
	return max(4, 2*g.Reach())
}

// StreamBands is the number of bands of band output rows.
func (g Geometry) StreamBands(band int) int { return (g.OutShape[0] + band - 1) / band }

// streamPixelRows is the image rows [y0, y1) whose pairs Stream computes
// for band k: band k's output rows shifted by the margin, the first band
// from row 0, the last to the bottom row.
func (g Geometry) streamPixelRows(band, k int) (y0, y1 int) {
	my, nb := g.Margin[0], g.StreamBands(band)
	y0, y1 = my+k*band, my+(k+1)*band
	if k == 0 {
		y0 = 0
	}
	if k == nb-1 {
		y1 = g.H
	}
	return y0, y1
}

// StreamRows is the input rows [y0, y1) whose spectra Stream computes
// while it computes band k (empty when y0 == y1): the rows the pairs of
// the band's pixels reach not read before. The ranges of the bands follow
// each other and cover the image's rows.
func (g Geometry) StreamRows(band, k int) (y0, y1 int) {
	_, down := g.pairRows()
	end := func(k int) int {
		if k < 0 {
			return 0
		}
		_, b1 := g.streamPixelRows(band, k)
		return min(g.H, b1+down)
	}
	return end(k - 1), end(k)
}

// StreamPieces is the input rows Stream asks for, in order: the rows of
// each band's StreamRows in pieces of at most band rows. They follow each
// other and cover the image's rows.
func (g Geometry) StreamPieces(band int) [][2]int {
	var out [][2]int
	for k := 0; k < g.StreamBands(band); k++ {
		a, b := g.StreamRows(band, k)
		for y := a; y < b; y += band {
			out = append(out, [2]int{y, min(b, y+band)})
		}
	}
	return out
}

// StreamBytes is the memory Stream needs besides its input rows: the
// spectra of SpectraRows(band) rows, the ring of output rows, and per
// pixel the sums and normalisations (8 bytes each per channel) and the
// series' scaling (4 bytes, engine.shift).
func (g Geometry) StreamBytes(band int) int64 {
	return g.SpectraBytesBand(band) + g.streamOutRows(band)*g.OutRowBytes() + int64(g.H)*int64(g.W)*(8*2*int64(g.channels())+4)
}

// OutRowBytes is the bytes of one row of the output.
func (g Geometry) OutRowBytes() int64 {
	return int64(g.OutShape[1]) * int64(g.OutShape[2]) * int64(g.OutShape[3]) * 4
}

// streamOutRows is the rows of Stream's ring of output rows: a pair of
// pixels in rows y and y' writes both rows' curves (an offset and its
// negation share a transform), so a band's rows are finished when the
// pairs of the rows up to pairRows' up below it are; meanwhile the rows
// from the oldest unfinished band to down rows below the current one are
// written, fewer than 2*band + up + down.
func (g Geometry) streamOutRows(band int) int64 {
	up, down := g.pairRows()
	return int64(min(g.OutShape[0], 2*band+up+down))
}

// Stream computes what Compute computes, bitwise, for input of shape
// (T, H, W) and sample type dtype, reading the input and writing the
// output a band of rows at a time through io: memory for the spectra of
// Geometry.SpectraRows(band) rows (band: Geometry.StreamBand) and the ring of output
// rows, not for the image or the result. The out-of-core engine runs it.
//
// It emits the bands first, first+1, ... (band k: output rows
// [k*band, min(rows, (k+1)*band))), so a caller that has the bands before
// first (from an earlier, interrupted run) resumes there; the rows it
// reads start with those the first band's pairs need. With two channels
// o.Data2 must be a view of the input's shape (its samples are not read:
// Rows gives them). It runs on the CPU whatever o.Device; o.RowsRead is
// not called.
func Stream(ctx context.Context, shape [3]int, dtype array.DType, o Options, first int, sio StreamIO) error {
	g, err := Plan(shape[:], o)
	if err != nil {
		return err
	}
	if sio.Rows == nil || sio.Emit == nil {
		return fmt.Errorf("%w: Stream needs Rows and Emit", ErrParam)
	}
	band := g.StreamBand(o)
	nb := g.StreamBands(band)
	if first < 0 || first > nb {
		return fmt.Errorf("%w: first band %d, want 0 to %d", ErrParam, first, nb)
	}
	if first == nb {
		return nil
	}
	if err := checkMemory(g.StreamBytes(band), max(band, 1)); err != nil {
		return err
	}
	o.Band = band
	o.Device = "cpu"
	e := &engine{g: g, o: o}
	e.data = array.View{DType: dtype, Shape: shape[:]}
	_, free, err := e.setup()
	defer free()
	if err != nil {
		return err
	}
	oh, ow, np, nbins := g.OutShape[0], g.OutShape[1], g.OutShape[2], g.OutShape[3]
	e.outSlots = int(g.streamOutRows(band))
	ringBytes := make([]byte, int64(e.outSlots)*g.OutRowBytes())
	e.out, err = array.Contiguous(array.Float32, []int{e.outSlots, ow, np, nbins}, ringBytes)
	if err != nil {
		return err
	}
	ring := unsafeFloats(ringBytes)
	row := ow * np * nbins
	var rows []float32
	up, down := g.pairRows()
	my := g.Margin[0]
	// A pair of pixel row y reads the spectra of rows y-up to y+down and
	// writes the curves of those rows. The pairs are computed as the
	// pieces' spectra arrive: once rows up to b are in, those of the pixel
	// rows before b-down (all of them at the bottom). So the ring of
	// spectra holds a piece (at most band rows) and up+down rows more,
	// even for the first and last bands, which take the margins' rows too.
	// Resuming at band first, the pairs from its first row minus down on
	// write its rows.
	fy0, _ := g.streamPixelRows(band, first)
	done := max(0, fy0-down) // the pixel rows before done need no pairs (any more)
	pieces := g.StreamPieces(band)
	pi := 0
	for pi < len(pieces) && pieces[pi][1] <= max(0, done-up) {
		pi++
	}
	next := first // the next band to emit
	for ; pi < len(pieces); pi++ {
		a, b := pieces[pi][0], pieces[pi][1]
		for c := 0; c < g.channels(); c++ {
			v, err := sio.Rows(c, a, b)
			if err != nil {
				return err
			}
			if v.NDim() != 3 || v.Shape[1] != b-a || v.Shape[2] != g.W || v.DType != dtype || v.Shape[0] < e.framesRead() {
				return fmt.Errorf("%w: Stream: rows %d to %d of channel %d: shape %v %s, want (>= %d, %d, %d) %s",
					ErrShape, a, b, c, v.Shape, v.DType, e.framesRead(), b-a, g.W, dtype)
			}
			e.datas[c], e.rowBase[c] = v, a
			if err := e.spectra(ctx, c, a, b); err != nil {
				return wrapErr(err)
			}
			if sio.Read != nil {
				sio.Read(c, a, b)
			}
		}
		to := b - down
		if b == g.H {
			to = g.H
		}
		if to <= done {
			continue
		}
		if err := e.pairsOf(ctx, done, to); err != nil {
			return wrapErr(err)
		}
		done = to
		// Emit the bands whose rows no later pair writes: row y's last
		// writer is pixel row y+up.
		for ; next < nb; next++ {
			oy0, oy1 := next*band, min(oh, (next+1)*band)
			if done < g.H && oy1-1+my+up >= done {
				break
			}
			e.maskNaN(oy0+my, oy1+my)
			n := (oy1 - oy0) * row
			if cap(rows) < n {
				rows = make([]float32, n)
			}
			rows = rows[:n]
			for r := oy0; r < oy1; r++ {
				s := r % e.outSlots
				copy(rows[(r-oy0)*row:(r-oy0+1)*row], ring[s*row:(s+1)*row])
			}
			if err := sio.Emit(oy0, oy1, rows); err != nil {
				return err
			}
		}
	}
	return nil
}

// framesRead is the frames the engine reads of each series.
func (e *engine) framesRead() int {
	if e.o.Bleach > 0 {
		return e.g.T
	}
	return e.g.N
}

// unsafeFloats is b's bytes as float32s (native order; b comes from make,
// so it is aligned).
func unsafeFloats(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}
