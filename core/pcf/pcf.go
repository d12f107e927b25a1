package pcf

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/internal/fsum"
	"github.com/ipcf/ipcf/core/pool"
)

// Options are the parameters of a pCF computation.
type Options struct {
	Radius  int // circle radius in pixels, >= 1
	Npoints int // circle points, >= 1
	Nbins   int // requested log or linear bins, >= 2; the effective count may be lower

	// Offsets, if not nil, are the neighbours' (U, V) offsets (U columns,
	// V rows) in the output's order, instead of Circle(Radius, Npoints);
	// Radius and Npoints are then ignored. See Disk and Line; (0, 0) is
	// the autocorrelation.
	Offsets []Offset

	// Data2, if not nil, is a second channel with data's shape and
	// dtype: the pixel's series comes from data, the neighbour's from
	// Data2 (cross-channel correlation).
	Data2 *array.View

	// Bins selects the delay bins: LogBinning (the default), LinearBinning
	// (Nbins evenly spaced bins) or Multitau (M channels per level).
	Bins BinMode
	M    int // multi-tau channels per level, even, >= 2; 0 means DefaultM

	// Smooth is the weight of the previous value in the forward and
	// backward exponential smoothing of the curves, in [0, 1); 0 means
	// DefaultSmooth (0.7). NoSmooth turns smoothing off. See SetSmooth.
	Smooth   float64
	NoSmooth bool

	// With ThresholdOn, pixels whose mean intensity (over the frames used)
	// is at or below Threshold give NaN curves. See SetThreshold.
	Threshold   float64
	ThresholdOn bool

	// Delta makes each curve the difference of the two directions of its
	// pair: G(pixel -> neighbour) - G(neighbour -> pixel) (delta-CCF).
	Delta bool

	// Bleach is the photobleaching filter size; 0 disables the correction.
	// With correction, the first and last Bleach frames are dropped.
	Bleach     int
	BleachMean bleach.Mean

	// Mask, if not nil, is an (H, W) array: pixels where it is zero are not
	// computed and their curves are NaN.
	Mask *array.View

	// Threads is the number of worker goroutines; 0 means GOMAXPROCS.
	Threads int

	// Progress, if not nil, is called on the calling goroutine with the
	// finished and total work units; returning false cancels.
	Progress pool.Progress

	// NewFFT makes the FFT plans; nil means the fastest backend.
	NewFFT func(n int) fft.Plan

	// Device is "auto" (or ""): a CUDA GPU when one is usable for the
	// job, else the CPU; "cpu"; or "cuda", "cuda:N", which fail with
	// ErrNoDevice if that GPU cannot be used. See Devices.
	Device string

	// Band is the number of image rows whose pairs the CPU engine
	// computes per pass; it holds the spectra of Geometry.SpectraRows(Band)
	// rows (Band + 6 for the default circle of radius 6). 0 means
	// max(4, 2*reach) (reach: the largest row offset); 1 needs the least
	// memory. It changes nothing in the results.
	Band int

	// RowsRead, if not nil, is called on the calling goroutine when the
	// CPU engine will read no more input rows before row y (their spectra
	// are computed): an out-of-core caller releases their memory. It
	// changes nothing in the results.
	RowsRead func(y int)

	// HostMemory says the input lies in a host program's memory, which it
	// may free or unmap while the call runs (the C ABI's arrays): the
	// input is read in Go only, as a file's mapping is (readInGo), where
	// a fault is an error; C code reading it would end the host process.
	HostMemory bool

	noC  bool // tests: use the Go transpose even where the C one applies
	inGo bool // tests: read the input in Go only, as a file's mapping (readInGo)
}

// DefaultOptions returns the tutorial's parameters: radius 6, 32 points,
// 32 requested bins, no bleaching correction.
func DefaultOptions() Options {
	return Options{Radius: 6, Npoints: 32, Nbins: 32}
}

// Geometry is what a computation on an input of a given shape will do.
type Geometry struct {
	T, H, W int       // input shape (frames, rows, columns)
	Frames  int       // frames after bleaching correction (T - 2*Bleach)
	N       int       // frames used: largest power of two <= Frames
	Bins    []int     // upper edges of the delay bins (nil for Multitau)
	Lags    []int     // Multitau: the lag of each point in frames
	Levels  []int     // Multitau: the level of each point (block of 2^level frames)
	Delays  []float64 // delay of each curve point in frames (see Delays)
	Offsets []Offset  // the neighbours' offsets (the circle by default)
	Margin  [2]int    // image rows and columns left out at each border
	// OutShape is (H - 2*Margin[0], W - 2*Margin[1], len(Offsets),
	// len(Delays)). Margin is (radius, radius) for the circle, else the
	// largest |V| and |U| of the offsets.
	OutShape [4]int

	twoCh bool // Data2 is given
	share bool // a pair's backward direction serves the opposite offset
	// up and down: how far the computed pairs reach (pairRows), found
	// once by Plan (groups is quadratic in the offsets); ngrp: how many
	// groups of offsets there are.
	up, down, ngrp int
}

// WorkerBytes bounds the memory each worker thread of the engine keeps
// during a job of this geometry, besides the job's arrays: its FFT
// buffers (the pair kernel's, the spectra's series, multi-tau's product
// and correlation) and the float64 sums of a task's units of pairs,
// 4 x points x units (taskSegment), which grow with the points: 8 MiB a
// worker for 512 linear bins of the circle, counted twice (Go memory,
// made again for each band of rows: the garbage of one band lives until
// a collection). Measured, 40x64x4096 uint16 in memory, the peak's growth
// a thread: 1.65 MiB with the default bins (this bound: 1.6), 13.3 MiB
// with 512 linear bins (16.9). The memory estimates of the engines (the
// job's choice of engine) add it per thread; they left it out, and 8
// threads ran a third over --memory (OOC15's F2).
func (g Geometry) WorkerBytes() int64 {
	u, rows, cols := g.taskShape()
	units := int64(rows) * int64(cols) * int64(u)
	nb := int64(len(g.Delays))
	return 8*int64(g.N)*8 + 2*4*(nb+2)*units*8
}

// taskShape is the engine's task of pairs for this geometry: u units of
// pairs (packed groups of offsets) at each pixel of a segment of rows x
// cols (taskSegment).
func (g Geometry) taskShape() (u, rows, cols int) {
	u = max(1, (g.ngrp+1)/2)
	rows, cols = taskSegment(u, g.N)
	return u, rows, cols
}

// WorkersBytes is WorkerBytes for the workers of threads threads that
// the engine runs: no more than its tasks of pairs (segments of rows and
// columns, taskSegment) on the whole image. Each thread counted, a small
// job on 128 cores was estimated at 178 MiB for a 25 MB peak and ran out
// of core (REVIEW15's F7).
func (g Geometry) WorkersBytes(threads int) int64 {
	_, rows, cols := g.taskShape()
	tasks := ((g.H + rows - 1) / rows) * ((g.W + cols - 1) / cols)
	return int64(max(1, min(threads, tasks))) * g.WorkerBytes()
}

// Halo is how far beyond an output tile, in rows and columns, a block of
// the image must reach for the tile's results to equal those of the
// whole image: the pairs whose backward direction lands in the tile, and
// the packed partners of their units (see engine.units).
func (g Geometry) Halo() [2]int {
	ry, rx := g.Reach(), 0
	for _, c := range g.Offsets {
		rx = max(rx, c.U, -c.U)
	}
	return [2]int{max(g.Margin[0], 2*ry), max(g.Margin[1], 2*rx)}
}

// Delays returns the delay of each curve point in frames: for a bin of
// delays [lo, hi), their mean (lo + hi - 1) / 2; for a multi-tau point,
// its lag.
func delays(bins, lags []int) []float64 {
	var d []float64
	lo := 0
	for _, hi := range bins {
		d = append(d, float64(lo+hi-1)/2)
		lo = hi
	}
	for _, l := range lags {
		d = append(d, float64(l))
	}
	return d
}

// SpectraBytes is the memory the in-memory engine needs for the spectra:
// a window of rows within reach of the circle (see engine.run).
func (g Geometry) SpectraBytes() int64 { return g.SpectraBytesBand(0) }

// Reach is the largest row distance of an offset.
func (g Geometry) Reach() int {
	reach := 0
	for _, c := range g.Offsets {
		reach = max(reach, c.V, -c.V)
	}
	return reach
}

// SpectraBytesBand is SpectraBytes for Options.Band = band.
func (g Geometry) SpectraBytesBand(band int) int64 {
	return int64(g.SpectraRows(band)) * int64(g.W) * int64(g.slotStride()) * 8 * int64(g.channels())
}

// pairRows is how far above (up) and below (down) its pixel the
// neighbour of a computed pair lies, in rows. A pair is computed from the
// first offset of each group (the group's other offset, its negation, is
// read backward from the same transform), so the circle's pairs, whose
// first offsets have V >= 0, all reach down: a pass over a band of rows
// needs the spectra of the band and of the down rows below it only.
func (g Geometry) pairRows() (up, down int) { return g.up, g.down }

// SpectraRows is the rows of spectra the CPU engine keeps for
// Options.Band = band (0: its default): the band and the rows its pairs
// reach above and below it, 1 + radius for band 1 and the circle.
func (g Geometry) SpectraRows(band int) int {
	if band <= 0 {
		band = max(4, 2*g.Reach())
	}
	up, down := g.pairRows()
	return min(g.H, band+up+down)
}

// channels is 2 for a cross-channel computation.
func (g Geometry) channels() int {
	if g.twoCh {
		return 2
	}
	return 1
}

// slotStride is the complex64 values of one pixel's spectra: the
// spectrum of its series, and for Multitau those of its block sums.
func (g Geometry) slotStride() int {
	if g.Lags == nil {
		return specStride(g.N)
	}
	s := 0
	for k := 0; k <= g.Levels[len(g.Levels)-1]; k++ {
		s += specStride(g.N >> k)
	}
	return s
}

// Pairs returns the number of inverse FFTs (correlated pixel pairs) the
// engine computes without a mask.
func (g Geometry) Pairs() int64 {
	var n int64
	in := func(y, x int) bool {
		return y >= g.Margin[0] && y < g.H-g.Margin[0] && x >= g.Margin[1] && x < g.W-g.Margin[1]
	}
	for _, gr := range groups(g.Offsets, g.share) {
		o := g.Offsets[gr[0]]
		for y := 0; y < g.H; y++ {
			for x := 0; x < g.W; x++ {
				q := in(y+o.V, x+o.U)
				if in(y, x) || (gr[1] >= 0 && q) {
					n++
				}
			}
		}
	}
	return n
}

// MinFrames is the fewest frames a computation uses.
const MinFrames = 4

// Plan validates the parameters for an input of shape (T, H, W) and
// returns the geometry of the computation.
func Plan(shape []int, o Options) (Geometry, error) {
	var g Geometry
	if len(shape) != 3 {
		return g, fmt.Errorf("%w: input has %d dimensions, want 3 (time, rows, columns)", ErrShape, len(shape))
	}
	g.T, g.H, g.W = shape[0], shape[1], shape[2]
	if g.H < 1 || g.W < 1 {
		// (an ACF's one offset reaches nothing: "offsets reach 0 rows
		// and 0 columns: too far for a 0x16 image", HOSTS14's M4)
		return g, fmt.Errorf("%w: an image of %dx%d pixels: no pixel to correlate", ErrShape, g.H, g.W)
	}
	var err error
	if o.Offsets != nil {
		if err := CheckOffsets(o.Offsets); err != nil {
			return g, err
		}
		g.Offsets = append([]Offset(nil), o.Offsets...)
		for _, c := range g.Offsets {
			g.Margin[0] = max(g.Margin[0], c.V, -c.V)
			g.Margin[1] = max(g.Margin[1], c.U, -c.U)
		}
		if g.H <= 2*g.Margin[0] || g.W <= 2*g.Margin[1] {
			return g, fmt.Errorf("%w: offsets reach %d rows and %d columns: too far for a %dx%d image (want height > %d and width > %d)",
				ErrParam, g.Margin[0], g.Margin[1], g.H, g.W, 2*g.Margin[0], 2*g.Margin[1])
		}
	} else {
		if g.Offsets, err = Circle(o.Radius, o.Npoints); err != nil {
			return g, err
		}
		r := o.Radius
		g.Margin = [2]int{r, r}
		if g.H <= 2*r || g.W <= 2*r {
			return g, fmt.Errorf("%w: radius=%d too large for a %dx%d image (want height and width > 2*radius)", ErrParam, r, g.H, g.W)
		}
	}
	if o.Bins != Multitau && o.Nbins < 2 {
		return g, fmt.Errorf("%w: nbins=%d, want >= 2", ErrParam, o.Nbins)
	}
	if err := pool.CheckThreads("threads", o.Threads); err != nil {
		return g, fmt.Errorf("%w: %w", ErrParam, err)
	}
	if o.NoSmooth && o.Smooth != 0 {
		return g, fmt.Errorf("%w: smooth=%g with smoothing off", ErrParam, o.Smooth)
	}
	if !(o.Smooth >= 0 && o.Smooth < 1) {
		return g, fmt.Errorf("%w: smooth=%g, want 0 <= smooth < 1", ErrParam, o.Smooth)
	}
	if o.ThresholdOn && math.IsNaN(o.Threshold) {
		return g, fmt.Errorf("%w: threshold is NaN", ErrParam)
	}
	if o.Data2 != nil {
		d2 := o.Data2
		if d2.NDim() != 3 || d2.Shape[0] != g.T || d2.Shape[1] != g.H || d2.Shape[2] != g.W {
			return g, fmt.Errorf("%w: second channel shape %v, want [%d %d %d] (the first channel's)", ErrShape, d2.Shape, g.T, g.H, g.W)
		}
		g.twoCh = true
	}
	// The backward direction of a pair is the pair of the neighbour at the
	// opposite offset, except across channels or when the curve is the
	// difference of both directions.
	g.share = o.Data2 == nil && !o.Delta
	for _, gr := range groups(g.Offsets, g.share) {
		v := g.Offsets[gr[0]].V
		g.up, g.down = max(g.up, -v), max(g.down, v)
		g.ngrp++
	}
	g.Frames = g.T
	if o.Bleach != 0 {
		if o.Bleach < 0 {
			return g, fmt.Errorf("%w: bleach=%d, want >= 0", ErrParam, o.Bleach)
		}
		if err := bleach.CheckKeeping(g.T, o.Bleach, o.BleachMean, 4); err != nil {
			// (bleach's own prefix, "bleach: invalid parameter", not repeated)
			return g, fmt.Errorf("%w: bleach %s", ErrParam, strings.TrimPrefix(err.Error(), bleach.ErrParam.Error()+": "))
		}
		g.Frames = g.T - 2*o.Bleach
	} else if o.BleachMean != bleach.Real {
		// An option that would do nothing is refused, not ignored: the
		// C ABI, Python, Octave and ImageJ as the CLI's --bleach-mean.
		return g, fmt.Errorf("%w: bleach_mean is the bleaching correction's mean: it needs bleach (a filter size), which is 0", ErrParam)
	}
	g.N = PowerOfTwoFloor(g.Frames)
	if g.N < MinFrames {
		return g, fmt.Errorf("%w: %d frames usable, want >= %d", ErrParam, g.Frames, MinFrames)
	}
	switch o.Bins {
	case LogBinning:
		g.Bins, err = LogBins(g.N/2, o.Nbins)
	case LinearBinning:
		g.Bins, err = LinearBins(g.N/2, o.Nbins)
	case Multitau:
		m := o.M
		if m == 0 {
			m = DefaultM
		}
		g.Lags, g.Levels, err = MultitauLags(g.N, m)
		if err == nil && len(g.Lags) < 2 {
			err = fmt.Errorf("%w: %d frames give %d multi-tau lag, want >= 2", ErrParam, g.N, len(g.Lags))
		}
	default:
		err = fmt.Errorf("%w: bins=%d, want log, linear or multitau", ErrParam, int(o.Bins))
	}
	if err != nil {
		return g, err
	}
	g.Delays = delays(g.Bins, g.Lags)
	g.OutShape = [4]int{g.H - 2*g.Margin[0], g.W - 2*g.Margin[1], len(g.Offsets), len(g.Delays)}
	n := uint64(4) // float32 bytes
	for _, s := range g.OutShape {
		hi, lo := bits.Mul64(n, uint64(s))
		if hi != 0 || lo > math.MaxInt64 {
			return g, fmt.Errorf("%w: an output of %v float32 values is more than 2^63 bytes", ErrParam, g.OutShape)
		}
		n = lo
	}
	return g, nil
}

// groups pairs offsets that are exact negations of each other (if
// share): each group is {i, j} with offset j == -offset i, or {i, -1}.
func groups(c []Offset, share bool) [][2]int {
	used := make([]bool, len(c))
	// at[o]: the indices of offset o not yet passed, ascending; a lookup
	// per offset instead of a scan (a circle of a million points)
	var at map[Offset][]int
	if share {
		at = make(map[Offset][]int, len(c))
		for j, o := range c {
			at[o] = append(at[o], j)
		}
	}
	out := make([][2]int, 0, len(c))
	for i := range c {
		if used[i] {
			continue
		}
		used[i] = true
		g := [2]int{i, -1}
		// (0, 0) is its own negation, but a second (0, 0) read backwards
		// from the first's transform would round otherwise than computed
		// alone (the spec: results must not depend on the direction): each
		// is computed forwards.
		if share && c[i] != (Offset{}) {
			// the first unused later index of the negation
			neg := Offset{-c[i].U, -c[i].V}
			q := at[neg]
			for len(q) > 0 && (q[0] <= i || used[q[0]]) {
				q = q[1:]
			}
			if len(q) > 0 {
				used[q[0]], g[1] = true, q[0]
				q = q[1:]
			}
			at[neg] = q
		}
		out = append(out, g)
	}
	return out
}

// specStride is the distance between two pixels' spectra in complex64
// values: n/2+1 rounded up so that every spectrum stays 64-byte aligned.
func specStride(n int) int { return (n/2 + 1 + 7) / 8 * 8 }

// pixelBlock is how many adjacent pixels of a row are transposed together.
const pixelBlock = 16

// CheckMaskValues refuses a (rows, columns) mask holding a NaN: a mask
// says 0 (not computed) or any other number (computed), and a NaN is
// neither (a mask made from an image with NaN outside the cell would
// otherwise compute exactly the pixels meant to be left out).
func CheckMaskValues(m array.View) error {
	if m.DType != array.Float32 && m.DType != array.Float64 || m.NDim() != 2 {
		return nil
	}
	for y := 0; y < m.Shape[0]; y++ {
		for x := 0; x < m.Shape[1]; x++ {
			if math.IsNaN(m.Load(m.Offset + y*m.Strides[0] + x*m.Strides[1])) {
				return fmt.Errorf("%w: mask value NaN at row %d, column %d: want 0 (not computed) or another number (computed)", ErrParam, y, x)
			}
		}
	}
	return nil
}

// checkOut validates an output of g's shape and the arrays of o against
// it: Compute and ErrorBars.
func checkOut(out, data array.View, g Geometry, o Options) error {
	if out.DType != array.Float32 || out.NDim() != 4 {
		return fmt.Errorf("%w: output is %s with %d dimensions, want float32 with 4", ErrShape, out.DType, out.NDim())
	}
	for i, s := range g.OutShape {
		if out.Shape[i] != s {
			return fmt.Errorf("%w: output shape %v, want %v", ErrShape, out.Shape, g.OutShape)
		}
	}
	if out.Overlaps(data) {
		return fmt.Errorf("%w: output overlaps the input", ErrParam)
	}
	if o.Mask != nil {
		m := o.Mask
		if m.NDim() != 2 || m.Shape[0] != g.H || m.Shape[1] != g.W {
			return fmt.Errorf("%w: mask shape %v, want [%d %d] (the image's rows and columns)", ErrShape, m.Shape, g.H, g.W)
		}
		if out.Overlaps(*m) {
			return fmt.Errorf("%w: output overlaps the mask", ErrParam)
		}
		if err := CheckMaskValues(*m); err != nil {
			return err
		}
	}
	if o.Data2 != nil {
		d2 := *o.Data2
		if d2.DType != data.DType {
			return fmt.Errorf("%w: second channel is %s, want %s (the first channel's)", ErrShape, d2.DType, data.DType)
		}
		if out.Overlaps(d2) {
			return fmt.Errorf("%w: output overlaps the second channel", ErrParam)
		}
	}
	return nil
}

// Compute writes the pCF of data, a (T, H, W) array, into out, a float32
// array of shape Geometry.OutShape (any strides, either byte order).
// It returns an error for bad parameters, a shape mismatch, overlapping
// input and output, or cancellation (ctx or Options.Progress); out is then
// partly written.
func Compute(ctx context.Context, out, data array.View, o Options) error {
	g, err := Plan(data.Shape, o)
	if err != nil {
		return err
	}
	if err := checkOut(out, data, g, o); err != nil {
		return err
	}
	e := &engine{g: g, o: o, out: out, data: data}
	e.goRead = o.inGo || o.HostMemory || readInGo(data, o.Data2)
	if err := CheckDeviceOptions(o); err != nil {
		return err
	}
	dev, err := resolveDevice(ctx, o.Device)
	if err != nil {
		return err
	}
	if dev >= 0 {
		if why := gpuEligible(data, o); why != nil {
			if o.Device != "" && o.Device != "auto" {
				return gpuRefused(o.Device, o, why)
			}
			setNote(ctx, fmt.Sprintf("cpu (auto: cuda:%d not used: %v)", dev, why))
		} else {
			return e.computeGPU(ctx, dev)
		}
	}
	if err := checkMemory(g.SpectraBytesBand(o.Band), o.Band); err != nil {
		return err
	}
	return e.run(ctx)
}

type engine struct {
	g    Geometry
	o    Options
	out  array.View
	data array.View

	threads int
	newFFT  func(n int) fft.Plan
	// goRead: the input is read in Go only (readInGo).
	goRead bool
	grp    [][2]int

	stride int         // complex64 values between spectra
	slots  int         // rows of spectra kept (a ring indexed by row % slots)
	ring   []complex64 // slots*W spectra
	chBase int         // ring index of the second channel's spectra
	datas  [2]array.View
	// rowBase is the image row of datas[c]'s first row: 0 for Compute,
	// the first row of the rows Stream was handed.
	rowBase [2]int
	// outSlots, when not 0, makes out a ring of output rows (Stream):
	// output row r is out's row r % outSlots.
	outSlots int
	sums     [2][]float64 // sum of each pixel's used series, per channel
	norm     [2][]float64 // sums[c][p] times the power of two its series was scaled by (scaleOf)
	shift    []int32      // the power of two seriesSum scaled pixel p's series of channel 0 by (meanOf)
	active   []bool       // pixel has an output to compute (before the threshold)
	// zeroCurve is the curve of a pair with a constant series (flat).
	zeroCurve []float64

	wNew, wPrev float64 // smoothing weights
	smooth      bool

	total    int // progress units: rows of spectra + 4 per pair task
	finished int // progress units of the phases already run
}

// readInGo reports whether the engine reads the input (data, and data2
// if not nil) in Go only: where it lies in a mapping of a file
// (fileBacked), which a truncation of the file takes away: Go's pool
// workers turn the fault into an error, C code would end the host
// process. Inputs under smallInput bytes are read in Go without asking
// (reading /proc/self/maps costs 0.1-0.4 ms, more than the C path saves
// there).
func readInGo(data array.View, data2 *array.View) bool {
	n := len(data.Data)
	if data2 != nil {
		n += len(data2.Data)
	}
	return n < smallInput || fileBacked(data.Data) || (data2 != nil && fileBacked(data2.Data))
}

// smallInput is the input size below which readInGo does not look.
const smallInput = 256 << 10

// cU16 reports whether d has uint16 samples with packed columns, and the
// input is not read in Go only (readInGo): spectra in C (SpectraU16).
func (e *engine) cU16(d array.View) bool {
	return !e.o.noC && !e.goRead && u16Packed(d)
}

// chunkedU16 reports whether d is such an input read in Go only (a file's
// mapping): its frames are copied in Go, a chunk at a time, and the
// spectra computed from the copies in C (spectraChunked).
func (e *engine) chunkedU16(d array.View) bool {
	return !e.o.noC && e.goRead && u16Packed(d)
}

func u16Packed(d array.View) bool {
	return d.DType == array.Uint16 && d.Strides[2] == 2 && d.Strides[0] > 0 && d.Strides[1] > 0
}

// pieceSamples bounds the samples of one piece of a task of the fast
// path's spectra: a few tens of milliseconds of work, between which the
// task looks at whether the run is being stopped (Ctrl+C, a host's
// progress callback). A piece is whole rows, or part of one row where a
// row holds more samples; one series longer than this is one piece.
// Variable for tests.
var pieceSamples = 1 << 24

// pieces calls fn for the pieces of rows [a, b) in order (rows [ya, yb),
// columns [x0, x1): the pixels ya*W+x0 to (yb-1)*W+x1-1, contiguous),
// returning pool.ErrCancelled as soon as stopped reports the run stopped.
func (e *engine) pieces(a, b int, stopped func() bool, fn func(ya, yb, x0, x1 int)) error {
	w, n := e.g.W, e.g.N
	rows, cols := max(1, pieceSamples/n/w), w
	if n > pieceSamples/w {
		cols = max(1, pieceSamples/n)
	}
	for ya := a; ya < b; ya += rows {
		for x0 := 0; x0 < w; x0 += cols {
			if stopped() {
				return pool.ErrCancelled
			}
			fn(ya, min(b, ya+rows), x0, min(w, x0+cols))
		}
	}
	return nil
}

// d0 is the byte offset in d of the first sample of row y, column x (a
// view whose first row is row base of the image).
func d0(d array.View, base, y, x int) int {
	return d.Offset + (y-base)*d.Strides[1] + x*d.Strides[2]
}

// chunkBytes bounds the copy of a chunk of frames (spectraChunked): rows
// are taken in groups whose chunk fits (one row at least).
const chunkBytes = 1 << 20

// spectraChunked computes the spectra of rows [a, b), columns [x0, x1) of
// channel c as SpectraU16 does, bitwise, with the frames read in Go: for
// each group of rows, fft.SpectraChunk frames at a time are copied from d
// (a file's mapping: a file cut short faults in this copy, which the pool
// turns into an error, never in C) into raw, and transposed from there.
func (e *engine) spectraChunked(fw *fft.FFTW, d array.View, c, a, b, x0, x1 int, raw *[]byte, off *[]int64, f32 []float32) {
	g := e.g
	nx := x1 - x0
	rowBytes := 2 * nx
	group := max(1, min(b-a, chunkBytes/(fft.SpectraChunk*rowBytes)))
	if len(*raw) < fft.SpectraChunk*group*rowBytes {
		*raw = make([]byte, fft.SpectraChunk*group*rowBytes)
	}
	buf := *raw
	sums, norm := e.sums[c], e.norm[c]
	for ya := a; ya < b; ya += group {
		yb := min(b, ya+group)
		ny := yb - ya
		p0, np := ya*g.W+x0, ny*nx // nx < W only for one row
		*off = (*off)[:0]
		for p := p0; p < p0+np; p++ {
			*off = append(*off, int64(e.specOffset(c, p)))
		}
		fr := ny * rowBytes // a frame's rows in buf
		base := d0(d, e.rowBase[c], ya, x0)
		for t0 := 0; t0 < g.N; t0 += fft.SpectraChunk {
			k := min(fft.SpectraChunk, g.N-t0)
			for i := range k {
				src := base + (t0+i)*d.Strides[0]
				dst := buf[i*fr : (i+1)*fr]
				if d.Strides[1] == rowBytes {
					copy(dst, d.Data[src:src+fr])
					continue
				}
				for y := range ny {
					copy(dst[y*rowBytes:(y+1)*rowBytes], d.Data[src+y*d.Strides[1]:])
				}
			}
			fw.SpectraU16Part(buf, 0, fr, rowBytes, t0, k, g.N, ny, nx, d.Order == array.Big, e.ring, *off, sums[p0:p0+np])
		}
		fw.SpectraU16Finish(g.N, ny, nx, e.ring, *off, f32, sums[p0:p0+np], norm[p0:p0+np])
	}
}

// The engine walks the image in bands of rows. For the pixels p of a
// band it needs the spectra of the rows its pairs reach, so it keeps only
// those in a ring of rows: each spectrum is computed once, and the spectra
// take SpectraRows(band) rows of memory instead of the image.
func (e *engine) run(ctx context.Context) error {
	g, o := e.g, e.o
	band, free, err := e.setup()
	defer free()
	if err != nil {
		return err
	}
	_, down := g.pairRows()
	next := 0 // first row whose spectra are not computed yet
	for y0 := 0; y0 < g.H; y0 += band {
		y1 := min(g.H, y0+band)
		if need := min(g.H, y1+down); need > next {
			for c := 0; c < g.channels(); c++ {
				if err := e.spectra(ctx, c, next, need); err != nil {
					return wrapErr(err)
				}
			}
			next = need
			if o.RowsRead != nil {
				o.RowsRead(need)
			}
		}
		if err := e.pairsOf(ctx, y0, y1); err != nil {
			return wrapErr(err)
		}
	}
	e.maskNaN(0, g.H)
	return nil
}

// setActive marks the pixels with an output to compute: inside the
// margins and not masked (the CPU's and the GPU's).
func (e *engine) setActive() {
	g, mask := e.g, e.o.Mask
	my, mx := g.Margin[0], g.Margin[1]
	e.active = make([]bool, g.H*g.W)
	for y := my; y < g.H-my; y++ {
		for x := mx; x < g.W-mx; x++ {
			e.active[y*g.W+x] = mask == nil || mask.At(y, x) != 0
		}
	}
}

// setup prepares the engine's state for the CPU: the pixels to compute,
// the point groups, the ring of spectra and the sums. It returns the band
// of rows whose pairs are computed per pass (Options.Band) and the
// function that frees the ring (never nil), or ErrMemory where the ring
// cannot be mapped.
func (e *engine) setup() (band int, free func(), err error) {
	g, o := e.g, e.o
	e.threads = pool.Threads(o.Threads)
	e.newFFT = o.NewFFT
	if e.newFFT == nil {
		e.newFFT = fft.New
	}
	e.setActive()
	e.grp = groups(g.Offsets, g.share)
	e.wNew, e.wPrev, e.smooth = o.smoothWeights()
	nch := g.channels()
	e.datas[0] = e.data
	if o.Data2 != nil {
		e.datas[1] = *o.Data2
	}
	band = o.Band
	if band <= 0 {
		band = max(4, 2*g.Reach())
	}
	e.slots = g.SpectraRows(band)
	e.stride = g.slotStride()
	e.chBase = e.slots * g.W * e.stride
	if e.ring, free, err = fft.BigComplex64s(nch * e.chBase); err != nil {
		return band, free, MapError("the spectra", err)
	}
	for c := 0; c < nch; c++ {
		e.sums[c] = make([]float64, g.H*g.W)
		e.norm[c] = make([]float64, g.H*g.W)
	}
	e.shift = make([]int32, g.H*g.W)
	e.zeroCurve = make([]float64, g.OutShape[3])
	e.total = nch*g.H + 4*len(e.grp)*g.H
	return band, free, nil
}

// pairsOf computes the pairs of the pixels of rows [y0, y1) (FFT bins or
// multi-tau).
func (e *engine) pairsOf(ctx context.Context, y0, y1 int) error {
	if e.g.Lags != nil {
		return e.pairsMultitau(ctx, y0, y1)
	}
	return e.pairs(ctx, y0, y1)
}

// spec returns the spectrum of pixel p (p = y*W + x) of channel c in
// the ring.
func (e *engine) spec(c, p int) []complex64 {
	i := e.specOffset(c, p)
	return e.ring[i : i+e.g.N/2+1]
}

// specOffset is the index in the ring of pixel p's spectrum in channel c.
func (e *engine) specOffset(c, p int) int {
	y, x := p/e.g.W, p%e.g.W
	return c*e.chBase + ((y%e.slots)*e.g.W+x)*e.stride
}

// qch is the channel of the neighbours' series.
func (e *engine) qch() int { return e.g.channels() - 1 }

// canonical reports whether job jb's pair is computed as it is oriented
// (pixel p, neighbour q): the spectrum product X = Q conj(P), whose
// inverse transform holds the forward curve at lag tau and the backward
// one at -tau. For one channel a pair is always computed from its pixel of
// the larger index (X = spec(max) conj(spec(min))), so that the curves of
// both directions come from the same transform and the same sums whichever
// pixel asks (the spec: results must not depend on which direction was
// computed); a job whose p is the larger reads that transform backwards
// (an ACF, p = q, reads it forwards, as two channels do).
func (e *engine) canonical(jb job) bool { return e.qch() != 0 || jb.p <= jb.q }

// want reports whether pixel p's curves are computed: it is in the
// output, not masked, and above the threshold (its sum is known).
func (e *engine) want(p int) bool {
	if !e.active[p] {
		return false
	}
	return !e.o.ThresholdOn || meanOf(e.sums[0][p], int(e.shift[p]), e.g.N) > e.o.Threshold
}

// meanOf is the mean of a series of n samples whose sum, after seriesSum
// scaled them by 2**k, is sum: the mean of the samples as given, which a
// threshold compares.
func meanOf(sum float64, k, n int) float64 {
	return math.Ldexp(sum/float64(n), -k)
}

// progress returns the pool callback for a phase worth units progress
// units spread over ntasks tasks.
func (e *engine) progress(units, ntasks int) pool.Progress {
	base := e.finished
	e.finished += units
	if e.o.Progress == nil {
		return nil
	}
	return func(done, _ int) bool {
		return e.o.Progress(base+done*units/max(ntasks, 1), e.total)
	}
}

// Every series is scaled by a power of two before the float32 transforms
// (scaleOf): floating-point samples can have any magnitude, and their
// deviations would overflow or underflow the float32 spectra and products
// otherwise; and on the pair kernel's transform path two pairs share each
// complex inverse transform, whose rounding error is relative to the
// larger of the two, so a pixel whose deviations dwarf its neighbours'
// (one saturated sample in a dim series) would leak into the curves of
// the pair packed with its own (the dot path computes each pair alone).
// Scaled, every series' largest deviation is in [0.5, 1).

// maxDev is the largest |v - mean| of the series s (NaN if one is).
func maxDev[T float32 | float64](s []T, mean float64) float64 {
	var m float64
	for _, v := range s {
		m = max(m, math.Abs(float64(v)-mean))
	}
	return m
}

// scaleOf returns k such that the deviations of pixel p, whose largest
// magnitude is m (maxDev), times 2**k have their largest magnitude in
// [0.5, 1) (a constant series: its mean), and records the pixel's
// normalisation sum*2**k. Scaling by a power of two is exact, so G (a
// ratio) does not depend on the data's scale. A pixel with a non-finite
// sum is not scaled; its curves are NaN (see usable).
func (e *engine) scaleOf(c, p int, sum, m float64) int {
	if !usable(sum) {
		e.norm[c][p] = sum
		return 0
	}
	k := 0
	switch {
	case m > 0 && !math.IsInf(m, 0):
		_, exp := math.Frexp(m)
		k = -exp
	case m == 0:
		// A constant series: its curves are 0 whatever the scale, but its
		// normalisation divides the rounding that the pair packed with it
		// leaves in its bin sums; scaled by the mean, it is about N (a
		// tiny constant gave curves of 1e30 or Inf).
		_, exp := math.Frexp(sum / float64(e.g.N))
		k = -exp
	}
	e.norm[c][p] = math.Ldexp(sum, k)
	return k
}

// seriesSum returns the sum of the series s in float64 and k, scaling s
// in place by 2**k first where its magnitude would make the
// float64 arithmetic inexact: samples so large (|v| >= 2^1023/len(s))
// that the sum or a deviation v - mean could overflow are scaled down by
// 2^-64 at a time, and a series whose largest |v| is below 2^-500 (nonzero)
// is scaled up to put it in [0.5, 1), so that its mean is not rounded in
// the subnormal range (a series of 5e-324 had curves of 0 instead of -1).
// A constant series sums to its value times len(s), so that its mean is
// its value and its deviations exactly 0 (its pairs are flat).
// The curves do not change: a pair's normalized correlation does not
// depend on either series' scale, and the scaling is exact (up: always;
// down: but for samples 2^-958 times smaller than the largest, which the
// sums round away anyway). extremeSeries keeps such series off
// the GPU, whose kernels do not scale them. A non-finite sample is left
// alone: the sum is NaN or Inf and the pixel has no curves.
func seriesSum(s []float64, inexact bool) (sum float64, k int) {
	if len(s) == 0 {
		return 0, 0
	}
	var m float64
	constant := true
	for _, v := range s {
		m = max(m, math.Abs(v))
		constant = constant && v == s[0]
	}
	if !math.IsNaN(m) && !math.IsInf(m, 0) {
		k = seriesShift(m, len(s))
	}
	if k != 0 {
		for i, v := range s {
			s[i] = math.Ldexp(v, k)
		}
	}
	if constant {
		// Its mean is its value, exactly (len(s) is a power of two), so
		// its deviations are exactly 0: added up, 64 x 0.1 is not 6.4.
		return s[0] * float64(len(s)), k
	}
	for _, v := range s {
		sum += v
	}
	if !inexact || !(sum-sum == 0) {
		return sum, k
	}
	// The running sum's rounding error, measured on the deviations from
	// its mean and added back (a corrected two-pass sum): samples of 1e13
	// varying by 10 had means off by several of their spacings, which the
	// deviations kept, and curves off by 2e-4 of their scale (a
	// campaign's measurement). Integer samples (bleach-corrected ones
	// too) sum exactly: not inexact, no second pass (it cost 15 % of the
	// sum, and could move an exact sum of samples near 2^44 by an ulp).
	mean := sum / float64(len(s))
	var d, abs float64
	for _, v := range s {
		d += v - mean
		abs += math.Abs(v)
	}
	// Where the samples cancel, summed exactly (fsum): a series that sums
	// to exactly 0 has NaN curves, never curves of 1e15 from a rounding
	// error (NUMERIC9's F10). The GPU kernel ipcf_sums does the same.
	return fsum.OrExact(sum+d, abs, s), k
}

// seriesShift is the power of two seriesSum scales a series of n samples
// whose largest magnitude is m (finite) by: 0 for most.
func seriesShift(m float64, n int) int {
	limit := math.Ldexp(1, 1023) / float64(max(n, 1))
	k := 0
	for math.Ldexp(m, k) >= limit {
		k -= 64
	}
	if m > 0 && m < 0x1p-500 {
		_, e := math.Frexp(m)
		k = -e
	}
	return k
}

// The spectra of deviations from a series' mean have 0 at frequency 0:
// exact deviations sum to 0. The computed ones do not: where the mean
// itself is rounded (float64 samples of 1e15, whose spacing is 0.125),
// every deviation carries the same bias d, and the correlation of two
// such series gains N*da*db at every delay, up to 4e-3 of the curves'
// scale for samples of 1e15 varying by 3 (NUMERIC9's F14); elsewhere the
// float32 roundings of the deviations. Every spectrum of deviations (the
// engines' on the CPU, the multi-tau levels', and the GPU's products) has
// its frequency 0 set to 0.

// usable reports whether a pixel with series sum s has curves: a zero sum
// (the spec's rule) or a non-finite one (a NaN or Inf sample) makes every
// curve involving the pixel NaN, and keeps its spectrum out of every
// computation, so a bad sample never reaches another pixel's curves.
func usable(s float64) bool { return s != 0 && !math.IsNaN(s) && !math.IsInf(s, 0) }

// spectra computes the spectra of rows [y0, y1): transpose into time
// series, correct bleaching, subtract the mean, forward FFT.
func (e *engine) spectra(ctx context.Context, c, y0, y1 int) error {
	g, o := e.g, e.o
	data, sums, norm := e.datas[c], e.sums[c], e.norm[c]
	type scratch struct {
		buf  [][]float64
		s    []float64
		bc   *bleach.Corrector
		f32  []float32
		dst  [][]float32
		off  []int64
		raw  []byte // spectraChunked's copy of a chunk of frames
		plan fft.Plan
		mt   multitauScratch
	}
	scr := make([]*scratch, e.threads)
	get := func(w int) *scratch {
		if scr[w] == nil {
			scr[w] = &scratch{f32: fft.Float32s(g.N), plan: e.newFFT(g.N)}
		}
		return scr[w]
	}
	// forward transforms the deviations in sc.f32 into pixel p's slot,
	// whose frequency 0 is set to 0 (deviationSpectrum).
	forward := func(sc *scratch, p int) {
		sp := e.spec(c, p)
		sc.plan.Forward(sp, sc.f32)
		sp[0] = 0
		if g.Lags != nil {
			e.levelSpectra(&sc.mt, e.ring[e.specOffset(c, p):], sc.f32)
		}
	}
	transform := func(sc *scratch, p int, series []float32) {
		// Four accumulators: the sum of a length-N series is a 4-cycle
		// dependency chain otherwise. (N is a power of two >= 4.)
		var s0, s1, s2, s3 float64
		for i := 0; i+4 <= len(series); i += 4 {
			s0 += float64(series[i])
			s1 += float64(series[i+1])
			s2 += float64(series[i+2])
			s3 += float64(series[i+3])
		}
		sum := (s0 + s1) + (s2 + s3)
		if data.DType == array.Float32 {
			// Float32 samples of a wide range do not sum exactly in
			// float64 (integers do): where they cancel, summed exactly.
			var abs float64
			for _, v := range series {
				abs += math.Abs(float64(v))
			}
			sum = fsum.OrExact(sum, abs, series)
		}
		sums[p] = sum
		mean := sum / float64(g.N)
		f := sc.f32[:len(series)]
		k := e.scaleOf(c, p, sum, maxDev(series, mean))
		sf := math.Ldexp(1, k) // a power of two: exact (float32 samples keep k in range)
		for i, v := range series {
			f[i] = float32((float64(v) - mean) * sf)
		}
		forward(sc, p)
	}
	if o.Bleach == 0 && data.DType.ExactInFloat32() && g.Lags == nil {
		// Fast path: transpose blocks of whole rows straight into the ring
		// (each spectrum slot holds n+2 floats), reading the frames in
		// order, then transform in place. Few tasks of many rows: a block
		// of rows is read as one sweep per frame.
		rows := y1 - y0
		ntasks := min(rows, e.threads)
		per := (rows + ntasks - 1) / ntasks
		ntasks = (rows + per - 1) / per
		f32 := unsafe.Slice((*float32)(unsafe.Pointer(&e.ring[0])), 2*len(e.ring))
		return pool.RunPolled(ctx, e.threads, ntasks, func(w, task int, stopped func() bool) error {
			sc := get(w)
			a, b := y0+task*per, min(y1, y0+task*per+per)
			return e.pieces(a, b, stopped, func(ya, yb, x0, x1 int) {
				p0, ny, nx := ya*g.W+x0, yb-ya, x1-x0
				np := ny * nx // pixels p0 to p0+np-1 (whole rows, or a part of one)
				at := d0(data, e.rowBase[c], ya, x0)
				d := data
				if fw, ok := sc.plan.(*fft.FFTW); ok && fft.HasSpectraU16 && e.cU16(d) {
					// The same steps in one C call (bitwise the same results).
					sc.off = sc.off[:0]
					for p := p0; p < p0+np; p++ {
						sc.off = append(sc.off, int64(e.specOffset(c, p)))
					}
					fw.SpectraU16(d.Data, at, d.Strides[0], d.Strides[1], g.N, ny, nx,
						d.Order == array.Big, e.ring, sc.off, sc.f32, sums[p0:p0+np], norm[p0:p0+np])
					return
				}
				if fw, ok := sc.plan.(*fft.FFTW); ok && fft.HasSpectraU16 && e.chunkedU16(d) {
					e.spectraChunked(fw, d, c, ya, yb, x0, x1, &sc.raw, &sc.off, sc.f32)
					return
				}
				sc.dst = sc.dst[:0]
				for p := p0; p < p0+np; p++ {
					i := 2 * e.specOffset(c, p)
					sc.dst = append(sc.dst, f32[i:i+g.N])
				}
				d.GatherF32(sc.dst, at, d.Strides[0], g.N, ny, d.Strides[1], nx, d.Strides[2])
				for k, series := range sc.dst {
					transform(sc, p0+k, series)
				}
			})
		}, e.progress(rows, ntasks))
	}
	// General path: float64 series (bleaching, int32 and float64 input).
	nread := g.N
	if o.Bleach > 0 {
		nread = g.T
	}
	// A task is a block of pixels of one row: fewer than pixelBlock
	// where their samples would pass pieceSamples.
	blk := max(1, min(pixelBlock, pieceSamples/nread))
	nblk := (g.W + blk - 1) / blk
	ntasks := (y1 - y0) * nblk
	return pool.RunPolled(ctx, e.threads, ntasks, func(w, task int, stopped func() bool) error {
		sc := get(w)
		if sc.buf == nil {
			sc.buf = make([][]float64, blk)
			for i := range sc.buf {
				sc.buf[i] = make([]float64, nread)
			}
			if o.Bleach > 0 {
				lo, hi := bleach.Limits(data.DType)
				sc.bc, _ = bleach.NewCorrector(g.T, o.Bleach, o.BleachMean, lo, hi) // Plan checked the parameters
			}
		}
		y, x0 := y0+task/nblk, task%nblk*blk
		nx := min(blk, g.W-x0)
		d := data
		at := d0(d, e.rowBase[c], y, x0)
		if o.Bleach > 0 {
			// The corrected, kept samples: what Correct returns, with a
			// look at the stop between segments of frames (a block of 4
			// series of 2^22 frames took 0.5 s before the first look).
			if !sc.bc.GatherPolled(sc.buf[:nx], d, at, d.Strides[0], d.Strides[2], stopped) {
				return pool.ErrCancelled
			}
		} else {
			d.Gather2(sc.buf[:nx], at, d.Strides[0], nread, d.Strides[2])
		}
		for k := 0; k < nx; k++ {
			if stopped() {
				return pool.ErrCancelled
			}
			s := sc.buf[k]
			// Bleach-corrected values are integers and raw samples of these
			// dtypes may not be exact in float32: sum in float64 here.
			sum, shift := seriesSum(s[:g.N], !d.DType.IsInteger() && o.Bleach == 0)
			p := y*g.W + x0 + k
			sums[p] = sum
			if c == 0 {
				e.shift[p] = int32(shift)
			}
			mean := sum / float64(g.N)
			k := e.scaleOf(c, p, sum, maxDev(s[:g.N], mean))
			switch {
			case k == 0:
				for i, v := range s[:g.N] {
					sc.f32[i] = float32(v - mean)
				}
			case k < -1000 || k > 1000: // 2**k itself out of float64's range
				for i, v := range s[:g.N] {
					sc.f32[i] = float32(math.Ldexp(v-mean, k))
				}
			default:
				// A power of two: exact (a product too small for float64's
				// normal range is 0 in float32 either way).
				f := math.Ldexp(1, k)
				for i, v := range s[:g.N] {
					sc.f32[i] = float32((v - mean) * f)
				}
			}
			forward(sc, p)
		}
		return nil
	}, e.progress(y1-y0, ntasks))
}

// job is one pixel pair: p = pixel, q = its neighbour at offset i of a
// group {i, j}; needF: out[p, i] is wanted; needB: the backward direction
// is wanted, for out[q, j] (shared groups) or for out[p, i] (Delta).
type job struct {
	p, q         int
	gr           [2]int
	needF, needB bool
}

// half returns the pair of pixel (y, x) for group gr, and whether its
// neighbour is inside the image.
func (e *engine) half(y, x int, gr [2]int) (job, bool) {
	g := e.g
	off := g.Offsets[gr[0]]
	yq, xq := y+off.V, x+off.U
	if yq < 0 || yq >= g.H || xq < 0 || xq >= g.W {
		return job{}, false
	}
	p, q := y*g.W+x, yq*g.W+xq
	jb := job{p: p, q: q, gr: gr, needF: e.want(p), needB: gr[1] >= 0 && e.want(q)}
	if e.o.Delta {
		jb.needB = jb.needF
	}
	return jb, true
}

// bad reports whether a pair has NaN curves: a series of its pixel or
// neighbour sums to zero or is not finite.
func (e *engine) bad(jb job) bool {
	return !usable(e.sums[0][jb.p]) || !usable(e.sums[e.qch()][jb.q])
}

// nanJob stores NaN curves for the wanted outputs of a pair.
func (e *engine) nanJob(jb job) { e.fillJob(jb, nil) }

// flat reports whether a pair (both of its series usable) involves a
// constant series: its deviations from the mean, hence its spectrum, are
// all zero (the transform of a series that is not constant is not). Such
// a pair's curves are exactly 0 at every delay (G = <da db>/(<a><b>)), and
// they are stored as such rather than computed: in a shared transform,
// the rounding of the pair packed with it, divided by a small
// normalisation of the other series (a mean near zero), gave up to 5e-3.
func (e *engine) flat(jb job) bool {
	return zeros(e.spec(0, jb.p)) || zeros(e.spec(e.qch(), jb.q))
}

// zeros reports whether every value of s is zero. A spectrum that is not
// all zero almost always has a nonzero value among its first few.
func zeros(s []complex64) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

// fillJob stores g (nil: NaN) as the curves of the wanted outputs of a pair
// (with the delta-CCF, the pixel's only: the difference of the two).
func (e *engine) fillJob(jb job, g []float64) {
	w := e.g.W
	if jb.needF {
		e.store(jb.p/w, jb.p%w, jb.gr[0], g)
	}
	if jb.needB && !e.o.Delta {
		e.store(jb.q/w, jb.q%w, jb.gr[1], g)
	}
}

// emit normalizes, smooths and stores the bin sums of a pair: f for the
// pixel at its point, b (if needed) for the neighbour at the opposite point.
func (e *engine) emit(jb job, f, b []float64) {
	g := e.g
	qc := e.qch()
	// The sums of the series as scaled (scaleOf): the ratio is the same.
	scale := 1 / (e.norm[0][jb.p] * e.norm[qc][jb.q])
	if e.o.Delta {
		if jb.needF {
			e.finish2(f, b, scale)
			for k := range f {
				f[k] -= b[k]
			}
			e.store(jb.p/g.W, jb.p%g.W, jb.gr[0], f)
		}
		return
	}
	switch {
	case jb.needF && jb.needB:
		e.finish2(f, b, scale)
		e.store(jb.p/g.W, jb.p%g.W, jb.gr[0], f)
		e.store(jb.q/g.W, jb.q%g.W, jb.gr[1], b)
	case jb.needF:
		e.store(jb.p/g.W, jb.p%g.W, jb.gr[0], e.finish(f, scale))
	case jb.needB:
		e.store(jb.q/g.W, jb.q%g.W, jb.gr[1], e.finish(b, scale))
	}
}

// units groups the point groups in twos: the pairs of a pixel for the
// groups of one unit share a complex FFT (see fft.PairKernel). The packing
// depends only on the circle, and a unit is packed whenever both
// neighbours are inside the image, so a pair's rounding is the same in
// every computation that holds its unit, whatever the tiling (a tile
// needs a halo of 2*radius for that; see ipcf.dask) or thread count.
func (e *engine) units() [][2]int {
	var u [][2]int
	for i := 0; i < len(e.grp); i += 2 {
		if i+1 < len(e.grp) {
			u = append(u, [2]int{i, i + 1})
		} else {
			u = append(u, [2]int{i, -1})
		}
	}
	return u
}

// taskSegment returns the rows and columns of the segment of pixels whose
// pairs one task of pairs computes, for pixels of units units of pairs
// and series of n samples: 4 rows of 16 columns where a pixel has at most
// 64 units (the circle's 32 points have 8), fewer where it has more (with
// 32,768 points, 4 rows took 3.2 s to stop after Ctrl+C), and for series
// longer than 16,384 samples, whose transforms take the pair kernel's
// transform path at more cost a sample, fewer by the square of the ratio
// (with 2^22 frames, 4 rows of 8 pixels took 1 s): one pixel at least.
func taskSegment(units, n int) (rows, cols int) {
	budget := taskUnits
	if n > 1<<14 {
		budget >>= 2 * (bits.Len(uint(n-1)) - 14) // n a power of two
	}
	pixels := max(1, budget/max(1, units))
	cols = min(16, pixels)
	return max(1, min(4, pixels/cols)), cols
}

// taskUnits is taskSegment's bound: units of pairs of 16,384 samples a
// task (variable for tests).
var taskUnits = 64 * 64

// pairs computes every pair whose pixel lies in rows [y0, y1).
func (e *engine) pairs(ctx context.Context, y0, y1 int) error {
	g := e.g
	nb := len(g.Bins)
	rows := y1 - y0
	// Tasks run segment by segment of segW columns, segRows rows at a
	// time within a segment: the spectra within reach of a segment
	// ((segW+2r) x (r+1) of them, ~12 MiB for the defaults) stay in the L3
	// cache from one task to the next, and a task's pairs take each
	// spectrum they share from L2 (the kernel's dot path reads them a
	// block of frequencies at a time for all pairs of the task). A task
	// is one call of the kernel, and a cancelled job stops between tasks
	// (taskSegment bounds a task's work).
	units := e.units()
	segRows, segW := taskSegment(len(units), g.N)
	nseg := (g.W + segW - 1) / segW
	ngrp := (rows + segRows - 1) / segRows
	ntasks := nseg * ngrp
	type scratch struct {
		k     *fft.PairKernel
		plan  fft.Plan
		prod  []complex64
		corr  []float32
		jobs  []job
		units []fft.Unit
		out   []float64
		buf   [2][]float64
	}
	kernel := fft.HasPairKernel && e.o.NewFFT == nil
	scr := make([]*scratch, e.threads)
	return pool.Run(ctx, e.threads, ntasks, func(w, task int) error {
		sc := scr[w]
		if sc == nil {
			sc = &scratch{}
			if kernel {
				sc.k = fft.NewPairKernel(g.N, g.Bins)
			} else {
				sc.plan = e.newFFT(g.N)
				sc.prod = fft.Complex64s(g.N/2 + 1)
				sc.corr = fft.Float32s(g.N)
			}
			sc.buf = [2][]float64{make([]float64, nb), make([]float64, nb)}
			scr[w] = sc
		}
		ya := y0 + task%ngrp*segRows
		xs := task / ngrp * segW
		sc.jobs = sc.jobs[:0]
		for y := ya; y < min(y1, ya+segRows); y++ {
			sc.jobs = e.rowJobs(sc.jobs, y, xs, min(g.W, xs+segW), units)
		}
		if !kernel {
			for _, jb := range sc.jobs {
				if jb.p < 0 {
					continue
				}
				// One orientation per pair (canonical): the same transform
				// whichever of its pixels asks, read backwards by the other.
				if e.canonical(jb) {
					mulConj(sc.prod, e.spec(e.qch(), jb.q), e.spec(0, jb.p))
					sc.plan.Inverse(sc.corr, sc.prod)
					var bwd []float64
					if jb.needB {
						bwd = sc.buf[1]
					}
					binSums(sc.buf[0], bwd, sc.corr, g.Bins)
				} else {
					mulConj(sc.prod, e.spec(0, jb.p), e.spec(0, jb.q))
					sc.plan.Inverse(sc.corr, sc.prod)
					binSums(sc.buf[1], sc.buf[0], sc.corr, g.Bins)
				}
				e.emit(jb, sc.buf[0], sc.buf[1])
			}
			return nil
		}
		// One C call for the row segment, each pair in its canonical
		// orientation (engine.canonical; the other's curves read from the
		// backward sums, which are then always computed).
		sc.units = sc.units[:0]
		qc := e.qch()
		orient := func(jb job) (p, q int, needB bool) {
			if e.canonical(jb) {
				return e.specOffset(0, jb.p), e.specOffset(qc, jb.q), jb.needB
			}
			return e.specOffset(0, jb.q), e.specOffset(0, jb.p), true
		}
		for k := 0; k < len(sc.jobs); k += 2 {
			a, b := sc.jobs[k], sc.jobs[k+1]
			p1, q1, nb1 := orient(a)
			if b.p < 0 {
				sc.units = append(sc.units, fft.NewUnit(p1, q1, -1, -1, nb1, false))
			} else {
				p2, q2, nb2 := orient(b)
				sc.units = append(sc.units, fft.NewUnit(p1, q1, p2, q2, nb1, nb2))
			}
		}
		if need := 4 * nb * len(sc.units); cap(sc.out) < need {
			sc.out = make([]float64, need)
		}
		sc.k.Pairs(e.ring, sc.units, sc.out[:4*nb*len(sc.units)])
		emit := func(jb job, o []float64) {
			if e.canonical(jb) {
				e.emit(jb, o[:nb], o[nb:2*nb])
			} else {
				e.emit(jb, o[nb:2*nb], o[:nb])
			}
		}
		for k := 0; k < len(sc.jobs); k += 2 {
			o := sc.out[2*nb*k:]
			emit(sc.jobs[k], o[:2*nb])
			if sc.jobs[k+1].p >= 0 {
				emit(sc.jobs[k+1], o[2*nb:4*nb])
			}
		}
		return nil
	}, e.progress(4*len(e.grp)*rows, ntasks))
}

// rowJobs appends to dst the pair jobs of the pixels of row y, columns
// [xs, xe): two entries per unit (the second has p < 0 if absent), all
// units of a pixel together (its spectrum stays in cache). Pairs with
// NaN curves (bad) or curves of 0 (flat) are stored at once and left out.
func (e *engine) rowJobs(dst []job, y, xs, xe int, units [][2]int) []job {
	// The columns where a unit's pairs can have an output to compute: a
	// pair's pixel inside the margins (its forward curve), or its
	// neighbour (the backward one); other pixels are passed over without a
	// look. A disk preset's thousands of offsets over a whole image gave
	// each pixel's pairs a look, to compute those of a few output pixels
	// (R = 60, 3 x 3 outputs: 4.3 s).
	g := e.g
	my, mx := g.Margin[0], g.Margin[1]
	inRows := func(y int) bool { return y >= my && y < g.H-my }
	type active struct {
		un [2]int
		iv [4][2]int // columns [from, to); empty where from >= to
	}
	var act []active
	for _, un := range units {
		a := active{un: un}
		any := false
		for k, gi := range un {
			if gi < 0 {
				continue
			}
			gr := e.grp[gi]
			off := g.Offsets[gr[0]]
			if inRows(y) {
				a.iv[2*k] = [2]int{mx, g.W - mx}
				any = true
			}
			if gr[1] >= 0 && !e.o.Delta && inRows(y+off.V) {
				a.iv[2*k+1] = [2]int{mx - off.U, g.W - mx - off.U}
				any = true
			}
		}
		if any {
			act = append(act, a)
		}
	}
	nu := len(act)
	for i := 0; i < (xe-xs)*nu; i++ {
		x, a := xs+i/nu, &act[i%nu]
		if !(x >= a.iv[0][0] && x < a.iv[0][1] || x >= a.iv[1][0] && x < a.iv[1][1] ||
			x >= a.iv[2][0] && x < a.iv[2][1] || x >= a.iv[3][0] && x < a.iv[3][1]) {
			continue
		}
		un := a.un
		var hs [2]job
		var ok [2]bool
		for k, gi := range un {
			if gi < 0 {
				continue
			}
			hs[k], ok[k] = e.half(y, x, e.grp[gi])
			switch {
			case ok[k] && e.bad(hs[k]):
				e.nanJob(hs[k])
				ok[k] = false
			case ok[k] && e.flat(hs[k]):
				e.fillJob(hs[k], e.zeroCurve)
				ok[k] = false
			}
		}
		wanted := func(k int) bool { return ok[k] && (hs[k].needF || hs[k].needB) }
		if !wanted(0) && !wanted(1) {
			continue
		}
		switch {
		case ok[0] && ok[1]:
			dst = append(dst, hs[0], hs[1])
		case ok[0]:
			dst = append(dst, hs[0], job{p: -1})
		default:
			dst = append(dst, hs[1], job{p: -1})
		}
	}
	return dst
}

// maskNaN stores NaN curves for the pixels of image rows [y0, y1) in the
// output that are masked or at or below the threshold.
func (e *engine) maskNaN(y0, y1 int) {
	g := e.g
	for y := max(y0, g.Margin[0]); y < min(y1, g.H-g.Margin[0]); y++ {
		for x := g.Margin[1]; x < g.W-g.Margin[1]; x++ {
			if !e.want(y*g.W + x) {
				for i := range g.Offsets {
					e.store(y, x, i, nil)
				}
			}
		}
	}
}

func wrapErr(err error) error {
	if errors.Is(err, pool.ErrCancelled) {
		return ErrCancelled
	}
	return err
}

// store writes curve g (NaN if nil) for image pixel (y, x) and point i.
func (e *engine) store(y, x, i int, g []float64) {
	out := e.out
	oy := y - e.g.Margin[0]
	if e.outSlots > 0 {
		oy %= e.outSlots
	}
	o := out.Offset + oy*out.Strides[0] + (x-e.g.Margin[1])*out.Strides[1] + i*out.Strides[2]
	// out is float32 (Compute checks): store the bits directly, with
	// direct (inlined) calls for each byte order.
	nan := math.Float32bits(float32(math.NaN()))
	big := out.Order == array.Big
	for k := 0; k < out.Shape[3]; k++ {
		bits := nan
		if g != nil {
			bits = math.Float32bits(float32(g[k]))
		}
		if big {
			binary.BigEndian.PutUint32(out.Data[o:], bits)
		} else {
			binary.LittleEndian.PutUint32(out.Data[o:], bits)
		}
		o += out.Strides[3]
	}
}

// mulConj stores b[k] * conj(a[k]) in dst.
func mulConj(dst, b, a []complex64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	for k := range dst {
		ar, ai := real(a[k]), imag(a[k])
		br, bi := real(b[k]), imag(b[k])
		dst[k] = complex(br*ar+bi*ai, bi*ar-br*ai)
	}
}

// binSums stores in fwd[j] the sum of c[tau] over the j-th delay bin
// [bins[j-1], bins[j]) (the first bin is [0, bins[0])), and, if bwd is not
// nil, in bwd[j] the same sum over the reversed series c[(n - tau) mod n].
func binSums(fwd, bwd []float64, c []float32, bins []int) {
	n := len(c)
	lo := 0
	for j, hi := range bins {
		var s0, s1, s2, s3 float64
		t := lo
		for ; t+4 <= hi; t += 4 {
			s0 += float64(c[t])
			s1 += float64(c[t+1])
			s2 += float64(c[t+2])
			s3 += float64(c[t+3])
		}
		for ; t < hi; t++ {
			s0 += float64(c[t])
		}
		fwd[j] = (s0 + s1) + (s2 + s3)
		lo = hi
	}
	if bwd == nil {
		return
	}
	lo = 0
	for j, hi := range bins {
		// taus [lo, hi) read c[n-tau]; tau = 0 reads c[0].
		var s0, s1, s2, s3 float64
		a, b := n-hi+1, n-lo // indices [a, b]
		if lo == 0 {
			s0 = float64(c[0])
			b = n - 1
		}
		t := a
		for ; t+4 <= b+1; t += 4 {
			s0 += float64(c[t])
			s1 += float64(c[t+1])
			s2 += float64(c[t+2])
			s3 += float64(c[t+3])
		}
		for ; t <= b; t++ {
			s0 += float64(c[t])
		}
		bwd[j] = (s0 + s1) + (s2 + s3)
		lo = hi
	}
}

// finish turns bin sums (or multi-tau values) into the curve in place:
// bin means scaled by scale, the first point set to the second, then the
// double exponential smoothing.
func (e *engine) finish(g []float64, scale float64) []float64 {
	lo := 0
	for j, hi := range e.g.Bins {
		g[j] = g[j] * scale / float64(hi-lo)
		lo = hi
	}
	if e.g.Bins == nil {
		for j := range g {
			g[j] *= scale
		}
	}
	return smoothCurve(g, e.wNew, e.wPrev, e.smooth)
}

// finish2 is finish of f and of b, two curves of one length, in the
// same loops: each step of a smoothing waits for the one before (a
// multiply and an add), and the two curves' chains overlap. The same
// operations as finish on each (TestFinish2).
func (e *engine) finish2(f, b []float64, scale float64) {
	if e.g.Bins == nil || !e.smooth || len(f) != len(b) || len(f) < 2 {
		e.finish(f, scale)
		e.finish(b, scale)
		return
	}
	lo := 0
	for j, hi := range e.g.Bins {
		w := float64(hi - lo)
		f[j] = f[j] * scale / w
		b[j] = b[j] * scale / w
		lo = hi
	}
	f[0], b[0] = f[1], b[1]
	wNew, wPrev := e.wNew, e.wPrev
	for i := 1; i < len(f); i++ {
		f[i] = wNew*f[i] + wPrev*f[i-1]
		b[i] = wNew*b[i] + wPrev*b[i-1]
	}
	for i := len(f) - 2; i >= 0; i-- {
		f[i] = wNew*f[i] + wPrev*f[i+1]
		b[i] = wNew*b[i] + wPrev*b[i+1]
	}
}

// smoothCurve sets g[0] = g[1], then, if on, smooths g forward and
// backward: g[i] = wNew*g[i] + wPrev*g[i-1], then g[i] = wNew*g[i] +
// wPrev*g[i+1].
func smoothCurve(g []float64, wNew, wPrev float64, on bool) []float64 {
	g[0] = g[1]
	if !on {
		return g
	}
	for i := 1; i < len(g); i++ {
		g[i] = wNew*g[i] + wPrev*g[i-1]
	}
	for i := len(g) - 2; i >= 0; i-- {
		g[i] = wNew*g[i] + wPrev*g[i+1]
	}
	return g
}
