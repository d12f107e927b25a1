package pcf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/cuda"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

var note struct {
	sync.Mutex
	s    string
	hook func(string)
}

// noteKey is the context key of WithDeviceNote's function.
type noteKey struct{}

// WithDeviceNote returns a context under which every device note of a
// Compute (and of the out-of-core engine's choice) is handed to f as
// well: a job records the device its own computation ran on, whatever
// other jobs of the process do meanwhile (LastDeviceNote is the
// process's). f may be called from several goroutines.
func WithDeviceNote(ctx context.Context, f func(string)) context.Context {
	return context.WithValue(ctx, noteKey{}, f)
}

// gpuFailedKey is the context key of WithCPUAfterGPUError's record.
type gpuFailedKey struct{}

// gpuFailed records a job's first GPU failure under device "auto".
type gpuFailed struct {
	sync.Mutex
	why string // "cuda:0 failed ...": empty until a GPU failed
}

// WithCPUAfterGPUError returns a context under which, once a Compute
// with device "auto" failed on the GPU (and ran on the CPU), every later
// Compute with device "auto" runs on the CPU at once, its note saying
// why: the out-of-core engine's tiles each tried the GPU again, paying a
// failure (a launch timeout, say) once a tile (GPU19's m2).
func WithCPUAfterGPUError(ctx context.Context) context.Context {
	return context.WithValue(ctx, gpuFailedKey{}, &gpuFailed{})
}

func setNote(ctx context.Context, s string) {
	note.Lock()
	note.s = s
	if note.hook != nil {
		note.hook(s)
	}
	note.Unlock()
	if ctx != nil {
		if f, _ := ctx.Value(noteKey{}).(func(string)); f != nil {
			f(s)
		}
	}
}

// OnNote hands every device note, the current one first, to f as it is
// set (in order: under the note's lock): the C library keeps a copy that
// ipcf_last_device_note reads without entering Go (a Python call reads it
// after each pCF).
func OnNote(f func(string)) {
	note.Lock()
	note.hook = f
	if f != nil {
		f(note.s)
	}
	note.Unlock()
}

// LastDeviceNote says where the most recent Compute in this process ran
// and, when device "auto" ran on the CPU, why: "cpu", "cuda:0 (sm_90
// CUBIN)", "cpu (auto: no CUDA device: ...)" or "cpu (auto: cuda:0
// failed, ran on the CPU: ...)". It is empty before the first Compute.
// Concurrent Computes overwrite each other's note.
func LastDeviceNote() string {
	note.Lock()
	defer note.Unlock()
	return note.s
}

// ErrNoDevice reports that the requested device cannot be used; the message
// says why (no driver, no device, driver too old, out of memory, ...).
var ErrNoDevice = errors.New("pcf: device not usable")

// Devices describes the CUDA devices found, or why none is usable.
func Devices() string {
	devs, err := cuda.Devices()
	if err != nil {
		why := strings.TrimPrefix(err.Error(), "cuda: not available: ")
		if cuda.Present() {
			// the driver finds a GPU; NVRTC or cuFFT did not load
			return "no usable CUDA device: cuda:0 is there, but " + why
		}
		return "no CUDA device: " + why
	}
	var b strings.Builder
	for _, d := range devs {
		fmt.Fprintf(&b, "%s, %d MiB free", d.Desc, d.FreeMem>>20)
		if d.CC > 0 && d.CC < 60 {
			// Listed, but pcf refuses it (cuda.Compile): said here.
			fmt.Fprintf(&b, " (not usable: compute capability %d.%d; 6.0 or newer is needed)", d.CC/10, d.CC%10)
		}
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// resolveDevice maps a device option to a CUDA ordinal, or -1 for the CPU.
// "auto" picks the first usable GPU and falls back to the CPU; "cuda" and
// "cuda:N" fail with ErrNoDevice if that GPU cannot be used.
func resolveDevice(ctx context.Context, dev string) (int, error) {
	switch {
	case dev == "" || dev == "auto":
		if f, _ := ctxValue(ctx, gpuFailedKey{}).(*gpuFailed); f != nil {
			f.Lock()
			why := f.why
			f.Unlock()
			if why != "" {
				setNote(ctx, "cpu (auto: "+why+")")
				return -1, nil
			}
		}
		if _, err := cuda.Count(); err != nil { // (no question to the devices: see cuda.Count)
			why := strings.TrimPrefix(err.Error(), "cuda: not available: ")
			if cuda.Present() {
				// a GPU whose NVRTC or cuFFT did not load: unusable, as
				// one whose kernels do not compile (REVIEW17's F4)
				setNote(ctx, "cpu (auto: cuda:0 unusable: "+why+")")
			} else {
				setNote(ctx, "cpu (auto: no CUDA device: "+why+")")
			}
			return -1, nil
		}
		if _, err := cuda.Compile(0); err != nil {
			setNote(ctx, "cpu (auto: cuda:0 unusable: "+strings.TrimPrefix(err.Error(), "cuda: not available: ")+")")
			return -1, nil
		}
		return 0, nil
	case dev == "cpu":
		setNote(ctx, "cpu")
		return -1, nil
	case dev == "cuda" || strings.HasPrefix(dev, "cuda:"):
		i := 0
		if dev != "cuda" {
			n, ok := deviceNumber(dev[5:])
			if !ok {
				return -1, fmt.Errorf("%w: device %q (want auto, cpu, cuda or cuda:N)", ErrParam, dev)
			}
			i = n
		}
		ndev, err := cuda.Count()
		if err != nil {
			return -1, fmt.Errorf("%w: %s: %s", ErrNoDevice, dev, strings.TrimPrefix(err.Error(), "cuda: not available: "))
		}
		if i >= ndev {
			return -1, fmt.Errorf("%w: %s: %d CUDA device(s) found", ErrNoDevice, dev, ndev)
		}
		if _, err := cuda.Compile(i); err != nil {
			return -1, fmt.Errorf("%w: %s: %s", ErrNoDevice, dev, strings.TrimPrefix(err.Error(), "cuda: not available: "))
		}
		return i, nil
	}
	return -1, fmt.Errorf("%w: device %q (want auto, cpu, cuda or cuda:N)", ErrParam, dev)
}

// gpuEligible says whether the GPU path handles this job, and if not why.
// Every dtype, byte order, bleaching correction and mask runs there; only
// a custom FFT backend (a test hook) does not.
func gpuEligible(data array.View, o Options) error {
	if o.NewFFT != nil {
		return errors.New("a custom FFT backend was asked for")
	}
	if err := gpuModes(o); err != nil {
		return err
	}
	huge, tiny := extremeSeries(data, o)
	if huge {
		return errors.New("float64 samples so large that a pixel's sum can overflow: the CPU engine scales such series first (seriesSum), the GPU kernels do not")
	}
	if tiny {
		return errors.New("a float64 pixel series whose samples are all below 2^-1000: the CPU engine scales such series first (seriesSum), the GPU kernels would compute its mean and deviations in the subnormal range")
	}
	return nil
}

// gpuModes says which of the options the GPU kernels do not compute (nil:
// none): they compute the tutorial's analysis, any offsets (the circle or
// Options.Offsets), log bins and smoothing, one channel.
func gpuModes(o Options) error {
	var modes []string
	if o.Data2 != nil {
		modes = append(modes, "two channels")
	}
	if o.Bins != LogBinning {
		modes = append(modes, o.Bins.String()+" bins")
	}
	if o.NoSmooth || (o.Smooth != 0 && o.Smooth != DefaultSmooth) {
		modes = append(modes, "a smoothing weight other than 0.7")
	}
	if o.ThresholdOn {
		modes = append(modes, "a threshold")
	}
	if o.Delta {
		modes = append(modes, "the delta-CCF")
	}
	if modes != nil {
		return fmt.Errorf("the GPU engine computes the pCF of one channel with log bins and the default smoothing, without a threshold or the delta-CCF; asked for %s", strings.Join(modes, ", "))
	}
	return nil
}

// gpuRefused is the error of a GPU device asked for by name (not auto)
// that does not do the job: ErrNoDevice, and ErrParam too where the
// options alone decide it (a usage mistake: exit status 2 on the command
// line; the C ABI's status stays IPCF_E_NO_DEVICE).
func gpuRefused(device string, o Options, why error) error {
	err := fmt.Errorf("%w: %s: %v", ErrNoDevice, device, why)
	if o.NewFFT == nil && gpuModes(o) != nil {
		return deviceOptionErr{err}
	}
	return err
}

type deviceOptionErr struct{ error }

func (e deviceOptionErr) Unwrap() []error { return []error{e.error, ErrParam} }

// extremeSeries reports, in one pass over a float64 stack, whether a
// finite sample is so large that a pixel's sum over the frames used can
// overflow float64 (huge: |x| >= 2^1023 over their count), and whether
// a pixel's largest |sample| over the frames used is nonzero and below
// 2^-1000 (tiny: 22 bits above float64's subnormals, where deviations from
// the mean lose the bits a float32 transform keeps). seriesShift scales
// both on the CPU (tiny ones from 2^-500). Without bleaching the frames
// used are the first N (a larger sample after them does not lift the
// series); with it, all of them (the corrected series are whole numbers,
// never tiny). Float32 and integer samples are neither.
func extremeSeries(data array.View, o Options) (huge, tiny bool) {
	if data.DType != array.Float64 || data.NDim() != 3 {
		return false, false
	}
	T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
	used := T
	if o.Bleach <= 0 {
		// (a sample after them is never summed: one there refused the
		// GPU for nothing, EDGE19's m2)
		used = PowerOfTwoFloor(T)
	}
	limit := math.Ldexp(1, 1023) / float64(max(used, 1))
	m := make([]float64, H*W)
	for t := 0; t < used; t++ {
		for y := 0; y < H; y++ {
			o := data.Offset + t*data.Strides[0] + y*data.Strides[1]
			for x := 0; x < W; x++ {
				a := math.Abs(data.Load(o + x*data.Strides[2]))
				if a >= limit && !math.IsInf(a, 0) {
					return true, false
				}
				m[y*W+x] = max(m[y*W+x], a)
			}
		}
	}
	for _, v := range m {
		if v > 0 && v < 0x1p-1000 {
			return false, true
		}
	}
	return false, false
}

// gpuTiles splits the output of an h x w image with margins m (rows,
// columns; the output is h-2*m[0] x w-2*m[1]) into tiles whose blocks
// (tile plus a halo of 2*m, clipped to the image) have at most maxPix
// pixels. Tiles are returned as {oy0, oy1, ox0, ox1}.
func gpuTiles(h, w int, m [2]int, maxPix int64) ([][4]int, error) {
	oh, ow := h-2*m[0], w-2*m[1]
	ty, tx := oh, ow
	for int64(min(h, ty+2*m[0]))*int64(min(w, tx+2*m[1])) > maxPix {
		if ty == 1 && tx == 1 {
			return nil, fmt.Errorf("%w: a block of %dx%d pixels does not fit the GPU's memory", ErrNoDevice, 1+2*m[0], 1+2*m[1])
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

// gpuChunk is the most pairs the device correlates in one launch
// (MAXCHUNK in cuda.c).
const gpuChunk = 1 << 16

// gpuMaxPixels returns the most pixels a block may have on a device with
// free bytes: per pixel the nt frames uploaded, twice (up to 8 bytes a
// sample; two device tiles: the next block's upload overlaps this one's
// compute; with bleaching correction also the corrected float64 frames), the
// float32 series and spectra of the n frames used, and the pair indices
// (up to one pair per offset); per pair of a launch (at most gpuChunk, at most
// one per pixel) the products and the correlations, twice, for cuFFT's
// work area.
func gpuMaxPixels(n, nt, noffsets int, bleach bool, free int64) int64 {
	h := int64(n/2 + 1)
	pix := 2*int64(nt)*8 + int64(n)*4 + h*8 + 8*int64(noffsets) + 64
	if bleach {
		pix += int64(nt) * 8
	}
	pair := 2 * (h*8 + int64(n)*4)
	budget := int64(float64(free) * 0.8)
	if m := budget / (pix + pair); m <= gpuChunk {
		return m
	}
	return (budget - gpuChunk*pair) / pix
}

// gpuBusy holds, per device, the token of the job of this process that
// runs there (see engine.gpu).
var gpuBusy struct {
	sync.Mutex
	dev map[int]chan struct{}
}

// noGPUWait marks a context (WithoutGPUWait) whose job does not wait for
// a GPU another job of this process holds.
type noGPUWait struct{}

// WithoutGPUWait returns ctx for a job that must not wait for a busy GPU:
// one started from a callback of another job, which may hold that GPU
// and waits for the callback to return (CAPI17's F1: the host hung).
// Device "auto" runs such a job on the CPU when the GPU is busy, and
// "cuda:N" fails with ErrNoDevice.
func WithoutGPUWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, noGPUWait{}, true)
}

// errGPUBusy reports a GPU held by another job of this process, which a
// job WithoutGPUWait does not wait for.
var errGPUBusy = errors.New("is in use by another job of this process, and a pCF started from a callback of a pCF does not wait for it (the pCF whose callback started it may hold it, waiting for the callback to return)")

// acquireGPU waits until no other job of this process runs on device dev,
// or ctx ends (ErrCancelled), and returns the release. A ctx
// WithoutGPUWait does not wait: ErrNoDevice.
func acquireGPU(ctx context.Context, dev int) (func(), error) {
	gpuBusy.Lock()
	if gpuBusy.dev == nil {
		gpuBusy.dev = map[int]chan struct{}{}
	}
	c := gpuBusy.dev[dev]
	if c == nil {
		c = make(chan struct{}, 1)
		gpuBusy.dev[dev] = c
	}
	gpuBusy.Unlock()
	if ctx.Value(noGPUWait{}) != nil {
		select {
		case c <- struct{}{}:
			return func() { <-c }, nil
		default:
			return nil, fmt.Errorf("%w: cuda:%d %w", ErrNoDevice, dev, errGPUBusy)
		}
	}
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, ErrCancelled
	}
}

// gpuHostPixels is the most pixels a GPU block may have for its host
// buffers (two staging buffers of nt samples of es bytes a pixel, and
// three blocks' pairs and curves: noffsets pairs a pixel, nbins bins) to
// take at most half of total, the memory this process may use.
func gpuHostPixels(nt, es, noffsets, nbins int, total int64) int64 {
	perPix := 2*int64(nt)*int64(es) + 3*int64(noffsets)*(32+8*int64(nbins))
	return max(1, total/2/perPix)
}

// computeGPU runs the pCF on CUDA device dev. With device "auto" (or
// ""), any GPU error runs the whole job again on the CPU, and
// LastDeviceNote says why.
func (e *engine) computeGPU(ctx context.Context, dev int) error {
	img, _ := cuda.Compile(dev) // cached: resolveDevice compiled it
	err := e.gpu(ctx, dev)
	if err == nil {
		setNote(ctx, fmt.Sprintf("cuda:%d (%s)", dev, img))
		return nil
	}
	if errors.Is(err, ErrCancelled) || ctx.Err() != nil || (e.o.Device != "" && e.o.Device != "auto") {
		return err
	}
	if err := checkMemory(e.g.SpectraBytes(), 0); err != nil {
		return err
	}
	if err := e.run(ctx); err != nil {
		return err
	}
	if errors.Is(err, errGPUBusy) {
		// nothing failed: the GPU is held, maybe by the call whose
		// callback started this one (REVIEW18's m7: "cuda:0 failed")
		setNote(ctx, fmt.Sprintf("cpu (auto: cuda:%d busy: a pCF started from a callback of a pCF does not wait for the GPU another job of this process holds)", dev))
		return nil
	}
	why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), ErrNoDevice.Error()+": "), "cuda: ")
	setNote(ctx, fmt.Sprintf("cpu (auto: cuda:%d failed, ran on the CPU: %s)", dev, why))
	if f, _ := ctxValue(ctx, gpuFailedKey{}).(*gpuFailed); f != nil {
		f.Lock()
		if f.why == "" {
			f.why = fmt.Sprintf("cuda:%d failed earlier in this job, the rest ran on the CPU: %s", dev, why)
		}
		f.Unlock()
	}
	return nil
}

// ctxValue is ctx.Value(key), nil for a nil ctx.
func ctxValue(ctx context.Context, key any) any {
	if ctx == nil {
		return nil
	}
	return ctx.Value(key)
}

// gpu runs the pCF on device dev, block by block. The samples go to the
// device as they are stored; the device corrects bleaching, swaps bytes,
// converts, sums, scales every series and transposes, with the CPU
// engine's rounding.
func (e *engine) gpu(ctx context.Context, dev int) error {
	g, o := e.g, e.o
	// One job of this process at a time on a device: a job sizes its
	// blocks from the device's free memory and keeps its buffers there
	// until it ends, so jobs at once (dask's threads) took each other's
	// room and were refused (GPUEMU's F1). The others wait, cancellable.
	release, err := acquireGPU(ctx, dev)
	if err != nil {
		return err
	}
	defer release()
	devs, err := cuda.Devices()
	if err != nil || dev >= len(devs) {
		return fmt.Errorf("%w: cuda:%d: %v", ErrNoDevice, dev, err)
	}
	free := devs[dev].FreeMem
	nt := g.N // frames uploaded
	if o.Bleach > 0 {
		nt = g.T
	}
	maxPix := gpuMaxPixels(g.N, nt, len(g.Offsets), o.Bleach > 0, free)
	// The host's buffers of a block (two staging buffers of its samples,
	// three blocks' pairs and curves: see below) bound it too, within half
	// of the memory this process may use: a GPU with more memory than
	// the host made blocks whose host buffers were refused (GPUEMU's F4).
	if total := TotalMemory(); total > 0 {
		maxPix = min(maxPix, gpuHostPixels(nt, e.data.DType.Size(), len(g.Offsets), len(g.Bins), total))
	}
	tiles, err := gpuTiles(g.H, g.W, g.Margin, maxPix)
	if err != nil {
		return err
	}
	my, mx := g.Margin[0], g.Margin[1]
	e.setActive()
	threads := pool.Threads(o.Threads)
	grp := groups(g.Offsets, true)
	bins := make([]int32, len(g.Bins))
	for i, b := range g.Bins {
		bins[i] = int32(b)
	}
	nb := len(bins)
	// The samples go through a job's two page-locked staging buffers
	// (cuda.Job): while the device runs block k from one, the host
	// stores block k-1's curves (on all threads), then copies block
	// k+1's samples into the other, uploads them asynchronously and
	// finds block k+1's pairs: three blocks' host buffers at a time.
	es := e.data.DType.Size()
	var maxRaw int64
	for _, t := range tiles {
		bh, bw := min(g.H, t[1]+2*my)-max(0, t[0]), min(g.W, t[3]+2*mx)-max(0, t[2])
		maxRaw = max(maxRaw, int64(nt)*int64(bh*bw)*int64(es))
	}
	if err := CheckMemory("the GPU's staging buffers", 2*maxRaw); err != nil {
		return fmt.Errorf("%w; use a smaller crop or the CPU (device cpu)", err)
	}
	job, err := cuda.Open(dev, int(maxRaw))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	defer job.Close()
	type pair struct {
		p, q         int // image pixel indices
		needF, needB bool
		gi           int32 // point group
		swapped      bool  // computed as (q, p) (engine.canonical): Fwd is q's curve, Bwd p's
	}
	type block struct {
		b     *cuda.Block
		pairs []pair
	}
	prepare := func(t [4]int, slot int) (*block, error) {
		if ctx.Err() != nil {
			return nil, ErrCancelled
		}
		// Block: the tile's image pixels plus the margins around them.
		y0, y1 := max(0, t[0]), min(g.H, t[1]+2*my)
		x0, x1 := max(0, t[2]), min(g.W, t[3]+2*mx)
		bh, bw := y1-y0, x1-x0
		// Host memory of the block besides the staging buffers: pair
		// indices and curves (at most one pair per pixel and offset).
		host := int64(bh*bw) * int64(len(g.Offsets)) * (32 + 8*int64(nb))
		if err := CheckMemory("the GPU's host buffers", 3*host); err != nil {
			return nil, fmt.Errorf("%w; use a smaller crop or the CPU (device cpu)", err)
		}
		bl := &block{b: &cuda.Block{N: g.N, NPix: bh * bw, Bins: bins}}
		b := bl.b
		buf, err := job.Buffer(slot)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
		}
		if err := e.gpuTile(ctx, b, buf, threads, nt, y0, x0, bh, bw); err != nil {
			return nil, wrapErr(err)
		}
		if err := job.Upload(slot, len(b.Raw)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
		}
		inTile := func(y, x int) bool { return y-my >= t[0] && y-my < t[1] && x-mx >= t[2] && x-mx < t[3] }
		for gi, gr := range grp {
			i, j := gr[0], gr[1]
			off := g.Offsets[i]
			// The group's pairs all have q - p = V*W + U: with one channel,
			// a group whose q precedes p is computed as (q, p), the
			// orientation the CPU takes (engine.canonical), its curves read
			// backwards.
			swap := e.qch() == 0 && off.V*g.W+off.U < 0
			n := 0
			// Only the rows and columns where the pixel (forward) or its
			// neighbour (backward) lies in the tile: a disk preset's
			// thousands of offsets over a block with few outputs looked at
			// every pixel (as the CPU's rowJobs did). The order is kept.
			ry, rx := [2]int{t[0] + my, t[1] + my}, [2]int{t[2] + mx, t[3] + mx}
			by, bx := ry, rx
			if j >= 0 {
				by, bx = [2]int{ry[0] - off.V, ry[1] - off.V}, [2]int{rx[0] - off.U, rx[1] - off.U}
			}
			xspans := spans(x0, x1, rx, bx)
			for _, ys := range spans(y0, y1, ry, by) {
				for y := ys[0]; y < ys[1]; y++ {
					for _, xs := range xspans {
						for x := xs[0]; x < xs[1]; x++ {
							yq, xq := y+off.V, x+off.U
							if yq < y0 || yq >= y1 || xq < x0 || xq >= x1 {
								continue
							}
							p, q := y*g.W+x, yq*g.W+xq
							pr := pair{p, q, inTile(y, x) && e.active[p], j >= 0 && inTile(yq, xq) && e.active[q], int32(gi), swap}
							if !pr.needF && !pr.needB {
								continue
							}
							bl.pairs = append(bl.pairs, pr)
							bp, bq := int32((y-y0)*bw+x-x0), int32((yq-y0)*bw+xq-x0)
							if swap {
								bp, bq = bq, bp
							}
							b.P = append(b.P, bp)
							b.Q = append(b.Q, bq)
							n++
						}
					}
				}
			}
			b.NPairs = append(b.NPairs, int32(n))
			want := int32(0)
			if j >= 0 || swap {
				want = 1
			}
			b.WantBwd = append(b.WantBwd, want)
		}
		b.Fwd = make([]float32, len(bl.pairs)*nb)
		b.Bwd = make([]float32, len(bl.pairs)*nb)
		return bl, nil
	}
	store := func(bl *block) error {
		const per = 4096
		b := bl.b
		return pool.Run(ctx, threads, (len(bl.pairs)+per-1)/per, func(_, task int) error {
			curve := make([]float64, nb)
			for k := task * per; k < min(len(bl.pairs), task*per+per); k++ {
				pr := bl.pairs[k]
				gr := grp[pr.gi]
				fwd, bwd := b.Fwd[k*nb:(k+1)*nb], b.Bwd[k*nb:(k+1)*nb]
				if pr.swapped {
					fwd, bwd = bwd, fwd
				}
				if pr.needF {
					for m := range curve {
						curve[m] = float64(fwd[m])
					}
					e.store(pr.p/g.W, pr.p%g.W, gr[0], curve)
				}
				if pr.needB {
					for m := range curve {
						curve[m] = float64(bwd[m])
					}
					e.store(pr.q/g.W, pr.q%g.W, gr[1], curve)
				}
			}
			return nil
		}, nil)
	}
	// stored stores a block's curves and reports the progress: done of
	// len(tiles) blocks finished (reported again while a block runs,
	// below).
	stored := func(bl *block, done int) error {
		if err := store(bl); err != nil {
			return wrapErr(err)
		}
		if o.Progress != nil && !o.Progress(done, len(tiles)) {
			return ErrCancelled
		}
		return nil
	}
	cur, err := prepare(tiles[0], 0)
	if err != nil {
		return err
	}
	var prev *block
	for ti := range tiles {
		done := make(chan error, 1)
		bctx, bcancel := context.WithCancel(ctx)
		go func(b *cuda.Block, slot int) { done <- job.PCF(b, slot, bctx.Done()) }(cur.b, ti&1)
		// While the device runs block ti: store block ti-1's curves,
		// then fill and upload block ti+1's samples.
		var next *block
		var herr error
		if prev != nil {
			herr = stored(prev, ti)
		}
		if herr == nil && ti+1 < len(tiles) {
			next, herr = prepare(tiles[ti+1], (ti+1)&1)
		}
		// While the device runs the block, the progress is reported about
		// ten times a second, from this goroutine (the caller's thread, as
		// hosts want their callbacks), and a callback that returns false
		// stops the block between its launches of pairs. It was reported
		// between blocks alone: with one block (the whole image where it
		// fits the device), first at the end, and a cancel by it or by a
		// progress bar waited for the whole run (GPU15's F2).
		if herr != nil { // (a store or a progress that said stop: the running block stops between launches too)
			bcancel()
			<-done
			return herr
		}
		// (the blocks finished, ti: a block running is not counted, as the
		// header says of finished units; it was reported as half done,
		// REVIEW15's m2)
		err := waitBlock(done, bcancel, func() bool { return o.Progress == nil || o.Progress(ti, len(tiles)) })
		bcancel()
		if errors.Is(err, cuda.ErrCancelled) || errors.Is(err, ErrCancelled) {
			return ErrCancelled // (not a device's failure: with auto, no run on the CPU)
		} else if err != nil && herr == nil {
			return fmt.Errorf("%w: %v", ErrNoDevice, err)
		}
		if herr != nil {
			return herr
		}
		prev, cur = cur, next
	}
	if err := stored(prev, len(tiles)); err != nil {
		return err
	}
	e.maskNaN(0, e.g.H)
	return nil
}

// waitBlock waits for a block's result on done, calling progress every
// 100 ms meanwhile; when progress returns false it stops the block
// (cancel), waits for it and returns ErrCancelled.
func waitBlock(done <-chan error, cancel func(), progress func() bool) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-t.C:
			if !progress() {
				cancel()
				<-done
				return ErrCancelled
			}
		}
	}
}

// gpuTile copies the block's first nt frames, as they are stored, into
// b.Raw = buf[:nt*bh*bw*es] (time-major; buf is a staging buffer); the
// device swaps the bytes of the other order.
func (e *engine) gpuTile(ctx context.Context, b *cuda.Block, buf []byte, threads, nt, y0, x0, bh, bw int) error {
	d, o := e.data, e.o
	es := d.DType.Size()
	b.NT = nt
	b.Raw = buf[:nt*bh*bw*es]
	b.DType = int(d.DType)
	b.Swap = d.Order != array.NativeOrder && es > 1
	b.Scale = true // every series, as the CPU engine scales them (scaleOf)
	b.Bleach = o.Bleach
	b.FloorMean = o.BleachMean == bleach.Floor
	contiguous := d.Strides[2] == es
	return pool.Run(ctx, threads, nt, func(_, tt int) error {
		for y := 0; y < bh; y++ {
			off := d.Offset + tt*d.Strides[0] + (y0+y)*d.Strides[1] + x0*d.Strides[2]
			row := b.Raw[(tt*bh+y)*bw*es : (tt*bh+y+1)*bw*es]
			if contiguous {
				copy(row, d.Data[off:off+bw*es])
				continue
			}
			for x := 0; x < bw; x++ {
				copy(row[x*es:(x+1)*es], d.Data[off:off+es])
				off += d.Strides[2]
			}
		}
		return nil
	}, nil)
}

// OnGPU reports whether Compute with options o runs on a GPU: device
// "auto" with a usable GPU and a computation the GPU engine does, or
// "cuda", "cuda:N" (ErrNoDevice when that GPU cannot be used or does not
// do the computation).
func OnGPU(ctx context.Context, o Options) (bool, error) {
	if o.Device == "cpu" {
		setNote(ctx, "cpu")
		return false, nil
	}
	if err := CheckDeviceOptions(o); err != nil {
		return false, err
	}
	dev, err := resolveDevice(ctx, o.Device)
	if err != nil || dev < 0 {
		return false, err
	}
	if why := gpuEligible(array.View{}, o); why != nil {
		if o.Device != "" && o.Device != "auto" {
			return false, gpuRefused(o.Device, o, why)
		}
		return false, nil
	}
	return true, nil
}

// CanonicalDevice is the one spelling of a device option (CheckDevice
// accepts it): "auto" for "" and "auto", "cpu", and "cuda:N" for "cuda"
// (N = 0) and "cuda:N" (N without leading zeros). A job's key and
// metadata record it, so that spellings of one request are one job.
func CanonicalDevice(dev string) string {
	switch {
	case dev == "" || dev == "auto":
		return "auto"
	case dev == "cuda":
		return "cuda:0"
	case strings.HasPrefix(dev, "cuda:"):
		if n, ok := deviceNumber(dev[5:]); ok {
			return fmt.Sprintf("cuda:%d", n)
		}
	}
	return dev
}

// deviceNumber reads the N of "cuda:N": decimal digits alone, as every
// whole number the options take (source.Whole; "cuda:+0" was taken by the
// CLI and refused by Python: GPU15's minor).
func deviceNumber(s string) (int, bool) {
	n, err := source.Whole(s, false)
	return n, err == nil
}

// NoteCPU sets the device note of a run that a caller moved to the CPU
// under device "auto", saying why: "cpu (why)".
func NoteCPU(ctx context.Context, why string) { setNote(ctx, "cpu ("+why+")") }

// CheckDeviceOptions refuses a GPU named by the device option ("cuda",
// "cuda:N"; not auto) with options the GPU kernels do not compute, before
// the device is looked for: a conflict of options (ErrNoDevice and
// ErrParam: exit status 2 on the command line, IPCF_E_NO_DEVICE in C),
// the same on a machine without a GPU as on one with it.
func CheckDeviceOptions(o Options) error {
	c := CanonicalDevice(o.Device)
	n, err := strconv.Atoi(strings.TrimPrefix(c, "cuda:"))
	if !strings.HasPrefix(c, "cuda:") || err != nil || c != fmt.Sprintf("cuda:%d", n) || o.NewFFT != nil {
		return nil
	}
	if why := gpuModes(o); why != nil {
		return gpuRefused(o.Device, o, why)
	}
	return nil
}

// CheckDevice validates a device option before a job starts: "auto" and
// "cpu" always pass; "cuda" and "cuda:N" fail with ErrNoDevice (saying
// why) if that GPU cannot be used.
func CheckDevice(dev string) error {
	if dev == "" || dev == "auto" || dev == "cpu" {
		return nil
	}
	_, err := resolveDevice(context.Background(), dev)
	return err
}

// spans returns the union of the ranges [a[0], a[1]) and [b[0], b[1])
// within [lo, hi): at most two ranges, in increasing order, not
// overlapping.
func spans(lo, hi int, a, b [2]int) [][2]int {
	clip := func(r [2]int) [2]int { return [2]int{max(lo, r[0]), min(hi, r[1])} }
	a, b = clip(a), clip(b)
	if a[0] > b[0] {
		a, b = b, a
	}
	var out [][2]int
	for _, r := range [][2]int{a, b} {
		if r[0] >= r[1] {
			continue
		}
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}
