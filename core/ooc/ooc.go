package ooc

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ipcf/ipcf/core/npy"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// Options of an out-of-core run.
type Options struct {
	PCF pcf.Options // parameters; Progress is ignored (see Progress below); Data2 must be nil (see Src2)
	// Src2 is a second channel, the neighbours' series: src's shape and
	// sample type. It is transposed into its own scratch files like src,
	// and each tile's block of it is the tile's PCF.Data2.
	Src2    source.Source
	Memory  int64  // peak memory budget in bytes for the data, spectra and tiles
	Scratch string // folder for the scratch folder (default: beside the output)
	// Progress is called with the finished and total work units and the
	// phase ("transpose", then "pcf" in tiles, or with Errors
	// "pcf+errors" in half tiles: a tile's curves, then their error
	// bars); returning false cancels.
	Progress func(phase string, done, total int) bool
	// Tile forces the output tile size (rows, columns); 0 chooses from
	// Memory. On the CPU the tiles are bands of full rows: Tile[0] rows
	// (Tile[1] is not used).
	Tile [2]int
	// Key identifies the job: every setting that changes the output's
	// bytes and the input's fingerprint. Scratch of another key is never
	// reused. Fields are the settings behind it, to say what changed.
	Key    string
	Fields map[string]string
	// Meta returns the output's metadata, given the CRC-32C of the input
	// samples read and of the second channel's (see InputCRC).
	Meta func(inputCRC, input2CRC uint32) map[string]any
	// InputCheck, if set, is called with the checksums of the frames used
	// before the result is committed, or, for an input copied into
	// scratch, as the copy ends (the work reads the copy alone): an error
	// (source.ErrChanged for an input rewritten meanwhile) stops the run.
	InputCheck func(ctx context.Context, inputCRC, input2CRC uint32) error
	// OutputCheck, if set, is called before the result is committed: an
	// error (a user's file that appeared at the output's path during the
	// run) stops the run, and nothing there is replaced.
	OutputCheck func() error
	// Log receives notes for the user (stale scratch removed, damaged
	// scratch or tiles computed again).
	Log func(msg string)
	// Errors, when not nil, adds the error bars of every curve point
	// (pcf.ErrorBars with these options) into ErrOut, a .npy output of
	// the curves' shape beside out, which must be an *NpyOutput: each
	// tile's error bars come from the tile's block of the scratch (the
	// block views of its curves), and both tiles are journaled together,
	// committed and published as one result (PublishPair).
	Errors *pcf.ErrOptions
	ErrOut *NpyOutput
	// CopyInput copies the frames into scratch files first even where
	// band mode could read them in place (an input on a slow or shared
	// drive, or one that may change while the job runs).
	CopyInput bool
}

func (o *Options) log(format string, a ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, a...))
	}
}

// Summary describes a finished run.
type Summary struct {
	Geometry       pcf.Geometry
	Tiles, Resumed int  // tiles in all, tiles found finished (and verified)
	Chunks         int  // transposition chunks
	InPlace        bool // bands read from the input in place (no chunks)
	InputCRC       uint32
	Input2CRC      uint32 // the second channel's samples read (0 without one)
	// Finite: a tile this run wrote holds a finite value (false when
	// every curve it computed is NaN, or it computed none).
	Finite bool
}

// AnyFinite reports whether v holds a finite value (it stops at the
// first: a result's curves are NaN only at masked or dropped pixels).
func AnyFinite(v []float32) bool {
	for _, x := range v {
		if x-x == 0 {
			return true
		}
	}
	return false
}

// plan is the tiling of a job.
type plan struct {
	g       pcf.Geometry
	tile    [2]int // output tile size
	ny, nx  int    // tiles per column, row
	nread   int    // frames read per pixel
	es      int    // bytes per sample in scratch
	nch     int    // channels: 2 with Options.Src2
	dtype   array.DType
	chunk   int // frames per transposition chunk
	nchunks int
	errs    bool // the error bars too (Options.Errors)
	// bands: the CPU engine streams bands of band full output rows
	// (pcf.Stream): tile i is band i, and scratch file k holds the input
	// rows pcf.Geometry.StreamRows(band, k), every row once. Otherwise
	// (a GPU) tiles of the output with their halos, each computed alone.
	bands  bool
	band   int
	budget int64    // Options.Memory as given
	pieces [][2]int // band mode: the scratch files' rows (pcf.Geometry.StreamPieces)
}

// nfiles is the scratch files of a channel.
func (p *plan) nfiles() int {
	if p.bands {
		return len(p.pieces)
	}
	return p.ny * p.nx
}

// region is the image rows and columns that scratch file k holds: band
// mode's rows k (all columns), else tile k's block.
func (p *plan) region(k int) (y0, y1, x0, x1 int) {
	if p.bands {
		return p.pieces[k][0], p.pieces[k][1], 0, p.g.W
	}
	_, _, _, _, y0, y1, x0, x1 = p.block(k/p.nx, k%p.nx)
	return
}

func (p *plan) regionPixels(k int) int {
	y0, y1, x0, x1 := p.region(k)
	return (y1 - y0) * (x1 - x0)
}

// block is the image region a tile needs: rows [y0, y1), columns [x0, x1).
func (p *plan) block(i, j int) (oy0, oy1, ox0, ox1, y0, y1, x0, x1 int) {
	oh, ow := p.g.OutShape[0], p.g.OutShape[1]
	oy0, ox0 = i*p.tile[0], j*p.tile[1]
	oy1, ox1 = min(oh, oy0+p.tile[0]), min(ow, ox0+p.tile[1])
	// Output row o is image row o+margin; its pairs reach the halo
	// further (see pcf.Geometry.Halo).
	m, h := p.g.Margin, p.g.Halo()
	y0, y1 = max(0, oy0+m[0]-h[0]), min(p.g.H, oy1+m[0]+h[0])
	x0, x1 = max(0, ox0+m[1]-h[1]), min(p.g.W, ox1+m[1]+h[1])
	return
}

func (p *plan) blockPixels(i, j int) int {
	_, _, _, _, y0, y1, x0, x1 := p.block(i, j)
	return (y1 - y0) * (x1 - x0)
}

// ErrorsMemory is the memory of pcf.ErrorBars for ty x tx output pixels
// of a job of geometry g and options o, besides its input: the error
// bars and a copy, and every worker's series.
func ErrorsMemory(g pcf.Geometry, o pcf.Options, ty, tx int) int64 {
	out := int64(ty) * int64(tx) * int64(g.OutShape[2]) * int64(g.OutShape[3]) * 4
	perWorker := int64(g.OutShape[3]+6) * int64(g.N) * 8
	if o.Bleach > 0 {
		perWorker += int64(g.T) * 8
	}
	return 2*out + int64(pool.Threads(o.Threads))*perWorker
}

// tileMemory estimates the memory of phase 2 for a tile size (with the
// error bars when errs).
func tileMemory(g pcf.Geometry, o pcf.Options, ty, tx, nread, es, nch int, errs bool) int64 {
	var e int64
	if errs {
		e = ErrorsMemory(g, o, ty, tx)
	}
	h := g.Halo() // the block is the tile plus the halo on each side
	bh, bw := min(g.H, ty+2*h[0]), min(g.W, tx+2*h[1])
	o.Data2 = nil // one channel's spectra, times nch
	bg, err := pcf.Plan([]int{g.T, bh, bw}, o)
	if err != nil {
		return 1 << 62
	}
	data := int64(bh) * int64(bw) * int64(nread) * int64(es)
	out := int64(bh) * int64(bw) * int64(g.OutShape[2]) * int64(g.OutShape[3]) * 4
	// tile data, spectra window, block result and tile, sums
	return int64(nch)*(data+bg.SpectraBytes()) + 2*out + int64(nch)*int64(bh)*int64(bw)*64 + e
}

// newPlan chooses tiles and chunks: phase 1 holds a chunk of every tile
// (half the budget) while the input frames of that chunk are mapped (the
// other half at most: they are released chunk by chunk); phase 2 holds
// one tile's data, its spectra window and results.
func newPlan(ctx context.Context, src source.Source, o Options) (*plan, error) {
	given := o.Memory
	o.Memory = dataMemory(o.Memory)
	T, H, W := src.Shape()
	if o.PCF.Data2 != nil {
		return nil, fmt.Errorf("%w: the out-of-core engine reads the second channel from a source (Options.Src2), not from PCF.Data2", pcf.ErrParam)
	}
	nch := 1
	popt := o.PCF
	if o.Src2 != nil {
		T2, H2, W2 := o.Src2.Shape()
		if T2 != T || H2 != H || W2 != W || o.Src2.DType() != src.DType() {
			return nil, fmt.Errorf("%w: second channel %s is %dx%dx%d %s, want %dx%dx%d %s (the first channel's)",
				pcf.ErrShape, o.Src2.Name(), T2, H2, W2, o.Src2.DType(), T, H, W, src.DType())
		}
		nch = 2
		// Plan looks at the second channel's shape only.
		popt.Data2 = &array.View{DType: src.DType(), Shape: []int{T, H, W}, Strides: []int{0, 0, 0}}
	}
	g, err := pcf.Plan([]int{T, H, W}, popt)
	if err != nil {
		return nil, err
	}
	p := &plan{g: g, nread: g.N, dtype: src.DType(), nch: nch, errs: o.Errors != nil}
	p.budget = given
	if o.PCF.Bleach > 0 {
		p.nread = g.T
	}
	p.es = p.dtype.Size()
	oh, ow := g.OutShape[0], g.OutShape[1]
	gpu, err := pcf.OnGPU(ctx, o.PCF)
	if err != nil {
		return nil, err
	}
	if auto := o.PCF.Device == "" || o.PCF.Device == "auto"; gpu && auto && !tilesOnCPU && !(o.Tile[0] > 0 && o.Tile[1] > 0) {
		// "auto" runs on the CPU what the GPU cannot: its tiles with
		// halos need more memory than the CPU's bands, and a budget the
		// CPU meets failed where a GPU was found (and ran where none was).
		if _, _, need := p.fitTiles(o.PCF, o.Memory); need > o.Memory {
			gpu = false
			pcf.NoteCPU(ctx, fmt.Sprintf("auto: the GPU's tiles need a memory budget of at least %s, more than %s: ran on the CPU in bands", MiBText(MinBudget(need)), SizeText(given)))
		}
	}
	if o.Memory <= 0 {
		// Nothing after the process's own, whatever the tiles: a forced
		// --tile would run with chunks of one frame (a journal line and a
		// sync each).
		need := p.bandMemory(o.PCF, 1)
		if gpu || tilesOnCPU {
			need = tileMemory(g, o.PCF, min(8, oh), min(8, ow), p.nread, p.es, nch, p.errs)
		}
		return nil, fmt.Errorf("%w: a budget of %s leaves nothing for the data after the process's own %s: give at least %s",
			ErrBudget, SizeText(given), SizeText(ProcessOverhead), MiBText(MinBudget(need)))
	}
	if !gpu && !tilesOnCPU {
		if err := p.planBands(o, given); err != nil {
			return nil, err
		}
	} else if o.Tile[0] > 0 && o.Tile[1] > 0 {
		p.tile = [2]int{min(o.Tile[0], oh), min(o.Tile[1], ow)}
		if need := tileMemory(g, o.PCF, p.tile[0], p.tile[1], p.nread, p.es, nch, p.errs); need > o.Memory {
			o.log("the tiles of %dx%d pixels given (--tile) need %s, more than the %s the budget of %s leaves for the data: they are used as given, and the run may take more memory than the budget",
				p.tile[0], p.tile[1], SizeText(need), SizeText(o.Memory), SizeText(given))
		}
	} else {
		ty, tx, need := p.fitTiles(o.PCF, o.Memory)
		if need > o.Memory {
			left, needs := SizeText(o.Memory), SizeText(need)
			if left == needs { // rounded alike: in KiB
				left, needs = fmt.Sprintf("%d KiB", o.Memory>>10), fmt.Sprintf("%d KiB", (need+1<<10-1)>>10)
			}
			return nil, fmt.Errorf("%w: a budget of %s leaves %s for the data after the process's own, too little for tiles of %dx%d pixels of %d frames (%s): give at least %s",
				ErrBudget, SizeText(given), left, ty, tx, p.nread, needs, MiBText(MinBudget(need)))
		}
		p.tile = [2]int{ty, tx}
	}
	p.ny = (oh + p.tile[0] - 1) / p.tile[0]
	p.nx = (ow + p.tile[1] - 1) / p.tile[1]
	// Transposition chunk: frames buffered for every scratch file at once.
	var px int64
	for k := 0; k < p.nfiles(); k++ {
		px += int64(p.regionPixels(k))
	}
	_, H2, W2 := src.Shape()
	perFrame := (px*int64(p.es) + int64(H2)*int64(W2)*int64(p.es)) * int64(nch) // buffers + mapped input
	budget := o.Memory * 9 / 10
	if p.bands {
		// Buffers of 64 MiB write pieces of megabytes; larger ones only
		// touch more fresh memory (measured: the full frame with 2 GiB took
		// 2:48-2:53 with them, 3:07 with 512 MiB).
		budget = min(budget, 64<<20+int64(H2)*int64(W2)*int64(p.es)*int64(nch)*64)
	}
	p.chunk = int(max(1, min(int64(p.nread), budget/perFrame)))
	p.nchunks = (p.nread + p.chunk - 1) / p.chunk
	return p, nil
}

// fitTiles returns the widest tiles whose phase 2 fits in memory bytes,
// then the tallest (few halos), and what they need: more than memory when
// even tiles of 8 x 8 pixels do not fit.
func (p *plan) fitTiles(o pcf.Options, memory int64) (ty, tx int, need int64) {
	g := p.g
	ty, tx = g.OutShape[0], g.OutShape[1]
	for tileMemory(g, o, ty, tx, p.nread, p.es, p.nch, p.errs) > memory && (ty > 8 || tx > 8) {
		if tx >= 2*ty && tx > 8 {
			tx = (tx + 1) / 2
		} else if ty > 8 {
			ty = (ty + 1) / 2
		} else {
			tx = (tx + 1) / 2
		}
	}
	return ty, tx, tileMemory(g, o, ty, tx, p.nread, p.es, p.nch, p.errs)
}

// bandMemory estimates the memory of phase 2 in band mode for bands of
// band output rows: pcf.Stream's spectra, output rows and sums, the
// samples of the largest scratch file and the band's output (and with the
// error bars, the rows of a band's block and pcf.ErrorBars' memory).
func (p *plan) bandMemory(o pcf.Options, band int) int64 {
	g := p.g
	perRow := int64(g.W) * int64(p.nread) * int64(p.es)
	m := g.StreamBytes(band) + int64(band)*perRow + 2*int64(band)*g.OutRowBytes()
	if p.errs {
		m += int64(min(g.H, band+2*g.Margin[0]))*perRow*int64(p.nch) + ErrorsMemory(g, o, band, g.OutShape[1])
	}
	return m
}

// planBands chooses the bands: Options.Tile's rows, or the most rows whose
// memory fits the budget, up to the in-memory engine's band; a budget that does not hold a band of one row
// is refused with the smallest budget that does.
func (p *plan) planBands(o Options, given int64) error {
	oh, ow := p.g.OutShape[0], p.g.OutShape[1]
	p.bands = true
	switch {
	case o.Tile[0] > 0:
		p.band = min(o.Tile[0], oh)
		if need := p.bandMemory(o.PCF, p.band); need > o.Memory {
			o.log("the bands of %d rows given (--tile) need %s, more than the %s the budget of %s leaves for the data: they are used as given, and the run may take more memory than the budget",
				p.band, SizeText(need), SizeText(o.Memory), SizeText(given))
		}
	default:
		if need := p.bandMemory(o.PCF, 1); need > o.Memory {
			return fmt.Errorf("%w: a budget of %s leaves %s for the data (after the process's own); out of core this input needs %s (the spectra of %d rows of %d pixels of %d frames, a row of the input and of the result): give at least %s",
				ErrBudget, SizeText(given), SizeText(o.Memory), SizeText(need), p.g.SpectraRows(1), p.g.W, p.g.N, MiBText(MinBudget(need)))
		}
		// The engine's own band at most: a larger one saves no work (no
		// spectrum is computed twice) and only touches more memory.
		lo, hi := 1, min(oh, p.g.StreamBand(o.PCF)) // bandMemory grows with the band
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if p.bandMemory(o.PCF, mid) <= o.Memory {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		p.band = lo
	}
	p.tile = [2]int{p.band, ow}
	p.ny, p.nx = p.g.StreamBands(p.band), 1
	p.pieces = p.g.StreamPieces(p.band)
	return nil
}

// tilesOnCPU makes the CPU use the GPU's tiles with halos (tests: that
// engine stays tested without a GPU).
var tilesOnCPU bool

// ErrBudget reports a memory budget too small for the job out of core;
// the message gives the smallest that works.
var ErrBudget = errors.New("ooc: memory budget too small")

// ProcessOverhead is what the process itself (Go runtime, threads, code,
// libraries, FFTW's plans) takes of a memory budget: the engine plans with
// the rest, and a budget must hold it and at least a band's data. 40 MiB
// left 1.3 to 4.5 MiB of the smallest budget of a 1024-column input
// unused (TestPeakMemorySmallestBudget), and a run on a loaded machine
// took 0.2 MiB over it (a CI run of 2026-12-06, the same with f6360b2):
// 42.
const ProcessOverhead = 42 << 20

// goRuntimeMemory is the part of ProcessOverhead that the Go runtime's
// memory limit counts (stacks, the heap's metadata and slack); code,
// mapped libraries and C allocations are the rest.
const goRuntimeMemory = 16 << 20

// dataMemory is the part of a budget the engine plans with: what is left
// after the process's own (a process with a small job still takes 15 to 20
// MiB resident: the runtime, the libraries, FFTW's plans), none of a budget
// below that.
func dataMemory(budget int64) int64 {
	return max(0, budget-ProcessOverhead)
}

// MinBudget is the smallest budget whose data part (dataMemory) holds
// need bytes, rounded up to a MiB.
func MinBudget(need int64) int64 {
	return (need + ProcessOverhead + 1<<20 - 1) >> 20 << 20
}

// SizeText writes a byte count for a message: KiB, MiB or GiB.
func SizeText(b int64) string {
	switch {
	case b < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	case b < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
}

// MiBText writes a byte count as the --memory option takes it.
func MiBText(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return fmt.Sprintf("%dGiB", b>>30)
	}
	return fmt.Sprintf("%dMiB", (b+1<<20-1)>>20)
}

// crcs is the number of CRCs of a journaled chunk: one per tile file of
// each channel, and with two channels the second channel's input CRC.
func (p *plan) crcs() int {
	if p.nch == 1 {
		return p.nfiles()
	}
	return 2*p.nfiles() + 1
}

// OutputPath is the absolute path of the file the system opens for the
// output path, its folder's links resolved: one name per output file,
// whichever way it is spelt (link/out.npy, real/out.npy, link/../out.npy
// where link leads elsewhere), for its job, its checks and its scratch.
// The folder is resolved as the system does, before any "..": a lexical
// clean first would name another file than the one written. The output
// itself is not followed (a link there is refused as an output). A
// folder that does not exist is taken as given, but for one spelt with
// "..", which a lexical clean would make another (nosuch/.. is no folder
// to the kernel, and a job ran to its end before it failed to publish:
// a review's finding): its error.
func OutputPath(path string) (string, error) {
	dir, base := ".", path
	if i := strings.LastIndexAny(path, string(filepath.Separator)+"/"); i >= 0 {
		dir, base = path[:i+1], path[i+1:]
	}
	d, err := RealPath(dir)
	if err == nil {
		return filepath.Join(d, base), nil
	}
	// The deepest folder of dir that exists, as the kernel finds it, and
	// the rest as given: a ".." in the rest follows a folder that does
	// not exist, which the kernel refuses (a lexical clean made it another
	// folder, and the job ran to its end before it failed).
	parts := strings.Split(filepath.ToSlash(strings.TrimRight(dir, "/")), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		head := strings.Join(parts[:i], "/")
		if i == 0 {
			head = "."
		} else if head == "" {
			head = "/"
		}
		real, herr := RealPath(head)
		if herr != nil {
			continue
		}
		if slices.Contains(parts[i:], "..") {
			return "", fmt.Errorf("the folder of %s: %w", path, err)
		}
		return filepath.Join(append(append([]string{real}, parts[i:]...), base)...), nil
	}
	return filepath.Abs(path)
}

// Folder is the folder of path as the kernel finds it (OutputPath: a
// "link/.." is the link target's parent), where path's companions lie (a
// sidecar's error bars, maps' chisq and status, hidden leftovers), not
// filepath.Dir's lexical clean.
func Folder(path string) string {
	if p, err := OutputPath(path); err == nil {
		return filepath.Dir(p)
	}
	return filepath.Dir(path)
}

// InsideFolder reports whether the output path out lies inside the
// existing folder dir, at any depth: a folder on the way up from out's
// folder (OutputPath, links resolved) is dir itself (os.SameFile: through
// a link or a bind mount too).
func InsideFolder(out, dir string) bool {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	p, err := OutputPath(out)
	if err != nil {
		return false
	}
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if dst, err := os.Stat(d); err == nil && os.SameFile(dst, st) {
			return true
		}
		if d == filepath.Dir(d) {
			return false
		}
	}
}

// RealPath is the absolute path, without links, of the existing file or
// folder path names, resolved as the system resolves it: each link before
// the ".." after it, a relative path against the working folder as the
// system has it (not as $PWD spells it through a link).
func RealPath(path string) (string, error) {
	d, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(d) {
		wd, err := syscall.Getwd()
		if err != nil {
			return "", err
		}
		d = filepath.Join(wd, d)
	}
	return d, nil
}

// ScratchDir is the scratch folder of the job that writes output, inside
// folder (default: beside the output). One output has one scratch folder:
// a run of another job replaces it. The output is named by OutputPath, so
// every spelling of it (through a linked folder) has the same one.
func ScratchDir(folder, output string) string {
	abs, err := OutputPath(strings.TrimRight(output, "/"))
	if err != nil {
		abs = output
	}
	if folder == "" {
		folder = filepath.Dir(abs)
	}
	return filepath.Join(folder, scratchName(abs))
}

// scratchName is the name of the scratch folder of the output at the
// absolute path abs.
func scratchName(abs string) string {
	h := sha256.Sum256([]byte(abs))
	return ".ipcf-scratch-" + hex.EncodeToString(h[:8])
}

// HasScratch reports whether a run of ipcf left its scratch for output
// (an output killed between its rename and its sidecar is ours).
func HasScratch(folder, output string) bool {
	_, err := os.Stat(filepath.Join(ScratchDir(folder, output), "job.json"))
	return err == nil
}

// scratchJob is the identity of the job a scratch folder belongs to.
type scratchJob struct {
	Key    string            `json:"key"`
	Plan   string            `json:"plan"`
	Fields map[string]string `json:"fields"`
	// OutputCRC: a result computed in memory being published, its
	// CRC-32C (MarkPublishing); out of core the journal's commit line has it.
	OutputCRC string `json:"output_crc32c,omitempty"`
	// ErrorsCRC: that result's error bars' CRC-32C, if it has them.
	ErrorsCRC string `json:"errors_crc32c,omitempty"`
	// Replaces: the CRC-32C of each ipcf file that publishing replaces
	// (by name: OUT.npy, OUT.sd.npy), recorded before the first rename
	// (MarkReplacing): a run killed among the renames leaves the old
	// result without its sidecar, which a rerun takes for ipcf's by it.
	Replaces map[string]string `json:"replaces,omitempty"`
}

// readScratchJob reads the job record (job.json) of the scratch folder
// dir; ok is false if it is missing, not a regular file or not one.
func readScratchJob(dir string) (have scratchJob, ok bool) {
	b, err := readOwn(filepath.Join(dir, "job.json"))
	return have, err == nil && unmarshalExact(b, &have) == nil
}

// writeScratchJob writes the job record of the scratch folder dir.
func writeScratchJob(dir string, rec scratchJob) error {
	jb, _ := json.MarshalIndent(rec, "", " ")
	if err := npy.WriteAtomic(filepath.Join(dir, "job.json"), func(w io.Writer) error { _, err := w.Write(jb); return err }); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	return nil
}

// MarkReplacing records in the scratch folder dir's job.json the
// checksums of the files at out and sdPath ("": none) that publishing is
// about to replace, when they are ipcf's: described by their sidecar, or
// recorded already (by a run killed while it published). A missing or
// unreadable job.json records nothing.
func MarkReplacing(dir, out, sdPath string) error {
	have, ok := readScratchJob(dir)
	if !ok || have.Key == "" {
		return nil
	}
	if have.Replaces == nil {
		have.Replaces = map[string]string{}
	}
	changed := false
	for _, f := range []string{out, sdPath} {
		if f == "" {
			continue
		}
		crc, ok := "", false
		if st, err := os.Lstat(f); err == nil && st.Mode().IsRegular() {
			if c, _, err := fileCRC(f); err == nil {
				crc = fmt.Sprintf("%08x", c)
				ok = (f == out && NpyIsOurs(f)) || (f == sdPath && RecordsErrors(out, f)) || have.Replaces[pathText(filepath.Base(f))] == crc
			}
		}
		if ok && have.Replaces[pathText(filepath.Base(f))] != crc {
			have.Replaces[pathText(filepath.Base(f))] = crc
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return writeScratchJob(dir, have)
}

// ScratchReplaces reports whether file (OUT.npy or OUT.sd.npy) holds the
// bytes the scratch folder of output (in folder, "" for beside it) records
// as replaced by a publication (MarkReplacing): an ipcf result whose
// sidecar a killed publication removed.
func ScratchReplaces(folder, output, file string) bool {
	have, ok := readScratchJob(ScratchDir(folder, output))
	if !ok {
		return false
	}
	want, ok := have.Replaces[pathText(filepath.Base(file))]
	if !ok {
		return false
	}
	c, err := strconv.ParseUint(want, 16, 32)
	return err == nil && holds(file, uint32(c))
}

// ScratchHasErrors reports whether the scratch folder of output (in
// folder, "" for beside it) belongs to a run that computes error bars (its
// job's "errors" field): only such a run can have left OUT.sd.npy.
func ScratchHasErrors(folder, output string) bool {
	have, ok := readScratchJob(ScratchDir(folder, output))
	return ok && have.Fields["errors"] != ""
}

// ScratchPublished reports whether the scratch folder of output (in
// folder, "" for beside it) belongs to a run killed while it published
// output: the file holds that run's finished result, the CRC-32C its
// journal's commit line (or its MarkPublishing) records. Such a file is an
// ipcf result without its sidecar yet, whichever job made it.
func ScratchPublished(folder, output string) bool {
	crc, _, _, ok := scratchCommit(folder, output)
	return ok && holds(output, crc)
}

// ScratchPublishedErrors reports whether sdPath holds the error bars that
// a run killed while it published output (scratch in folder, "" for
// beside it) had renamed into place: the CRC-32C its journal's commit
// line records for them. Error bars go into place before the curves.
func ScratchPublishedErrors(folder, output, sdPath string) bool {
	_, sd, hasSD, ok := scratchCommit(folder, output)
	return ok && hasSD && holds(sdPath, sd)
}

// ScratchOfOtherJob reports whether the scratch folder of output (in
// folder, "" for beside it) belongs to a job other than key's, stopped
// before it began to publish (no commit, nothing recorded as replaced):
// the complete result of key's job at output is not that run's to
// finish, and a rerun of key's job has nothing to do (a failed run of
// another job made the completed one compute everything again:
// DISK17's m5). Its scratch stays, for its own job's rerun.
func ScratchOfOtherJob(folder, output, key string) bool {
	dir := ScratchDir(folder, output)
	have, ok := readScratchJob(dir)
	if !ok {
		// A folder a run made and failed to record its job in (its
		// job.json not written: a full disk) holds nothing to finish.
		_, jerr := os.Lstat(filepath.Join(dir, "job.json"))
		_, lerr := os.Lstat(filepath.Join(dir, "journal"))
		return errors.Is(jerr, os.ErrNotExist) && errors.Is(lerr, os.ErrNotExist)
	}
	if have.Key == "" || have.Key == key || have.OutputCRC != "" || len(have.Replaces) > 0 {
		return false
	}
	_, _, _, committed := scratchCommitAt(dir)
	return !committed
}

// scratchCommit reads the checksums of the finished result that the
// scratch folder of output records as committed: the curves' (crc) and
// the error bars' (sd, when hasSD). ok is false without a commit.
func scratchCommit(folder, output string) (crc, sd uint32, hasSD, ok bool) {
	return scratchCommitAt(ScratchDir(folder, output))
}

// scratchCommitAt is scratchCommit of the scratch folder dir.
func scratchCommitAt(dir string) (crc, sd uint32, hasSD, ok bool) {
	have, ok := readScratchJob(dir)
	if !ok || have.Key == "" {
		return 0, 0, false, false
	}
	if have.OutputCRC != "" {
		c, err := strconv.ParseUint(have.OutputCRC, 16, 32)
		if err != nil {
			return 0, 0, false, false
		}
		if have.ErrorsCRC != "" {
			e, err := strconv.ParseUint(have.ErrorsCRC, 16, 32)
			if err != nil {
				return 0, 0, false, false
			}
			return uint32(c), uint32(e), true, true
		}
		return uint32(c), 0, false, true
	}
	jb, err := readOwn(filepath.Join(dir, "journal"))
	if err != nil {
		return 0, 0, false, false
	}
	st, good := parseJournal(jb, have.Key)
	if !good || !st.committed {
		return 0, 0, false, false
	}
	return st.commitCRC, st.commitSD, st.commitHasSD, true
}

// holds reports whether path is a regular file (never opened otherwise: a
// FIFO would block) whose CRC-32C is crc.
func holds(path string, crc uint32) bool {
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	got, _, err := fileCRC(path)
	return err == nil && got == crc
}

// openScratch returns the journal of the scratch folder dir for this job,
// removing a scratch folder of another job (saying what differs).
func openScratch(dir string, want scratchJob, o *Options) (*journal, journalState, error) {
	j := &journal{dir: dir}
	var st journalState
	if err := ownDir(dir); err != nil {
		return nil, st, fmt.Errorf("scratch: %w", err)
	}
	if err := UserEntryAt(dir); err != nil {
		return nil, st, err
	}
	b, err := readOwn(filepath.Join(dir, "job.json"))
	switch {
	case err == nil:
		var have scratchJob
		if unmarshalExact(b, &have) != nil || have.Key != want.Key || have.Plan != want.Plan {
			o.log("removed the scratch of an earlier, different run (%s): %s", describeChange(have, want), dir)
			if err := removeScratch(dir); err != nil {
				return nil, st, err
			}
			break
		}
		st, err = j.load(want.Key)
		if err != nil {
			return nil, st, err
		}
		return j, st, nil
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(dir); err == nil {
			o.log("removed an incomplete scratch folder: %s", dir)
			if err := removeScratch(dir); err != nil {
				return nil, st, err
			}
		}
	case notOwn(filepath.Join(dir, "job.json")):
		o.log("removed a scratch folder whose job record is not a regular file: %s", dir)
		if err := removeScratch(dir); err != nil {
			return nil, st, err
		}
	default:
		return nil, st, fmt.Errorf("scratch: %w", err)
	}
	st = newJournalState()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, st, fmt.Errorf("scratch: %w", err)
	}
	if err := writeScratchJob(dir, want); err != nil {
		return nil, st, err
	}
	if err := j.start(want.Key); err != nil {
		return nil, st, err
	}
	return j, st, nil
}

// UserEntryAt refuses what lies at the scratch folder's name dir, or at
// its trash name (dir + ".trash", where a removal renames it), when ipcf
// did not make it: a file, or a folder holding anything ipcf does not
// write in a scratch folder (scratchEntryName; a run killed between
// making the folder and writing its record leaves it empty or with the
// temporary file of the record; the folder is replaced whole by rename,
// never emptied in place). Such an entry was removed: a file after a
// failure saying "job.json: not a directory", a folder of the user's
// files silently (OOC15's F1), also when it held a file named job.json
// (REVIEW15's m6) or lay at the trash name (REVIEW15's F6).
func UserEntryAt(dir string) error {
	for _, p := range []string{dir, dir + ".trash"} {
		if err := userEntry(p); err != nil {
			return err
		}
	}
	return nil
}

// userEntry is UserEntryAt for one name.
func userEntry(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil || st.Mode()&os.ModeSymlink != 0 {
		return nil // none (a link: ownDir's, or the link alone removed)
	}
	refuse := func(what string) error {
		return fmt.Errorf("%w: scratch: %s exists and is not an ipcf scratch folder (%s): not removing it; move it, or give another --scratch",
			ErrScratchEntry, dir, what)
	}
	if !st.IsDir() {
		return refuse(npy.Kind(st.Mode()) + ", not a folder")
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	for _, e := range names {
		if !scratchEntryName(e.Name()) {
			return refuse(fmt.Sprintf("it holds %q, which ipcf does not write there", e.Name()))
		}
	}
	return nil
}

// scratchEntryName reports whether name is one ipcf writes in a scratch
// folder: its job record, journal, tile pieces of either channel
// (tileFile) and temporary files (a removal of an older ipcf killed
// half-way left them without the job record: REVIEW15's F2).
func scratchEntryName(name string) bool {
	tile, _ := filepath.Match("tile-*.bin", name)
	tile2, _ := filepath.Match("tile2-*.bin", name)
	return tile || tile2 || name == "job.json" || name == "journal" || npy.IsTempName(name)
}

// RemoveTrash removes what a removal of the scratch folder dir, killed
// half-way, left at its trash name; a user's entry there is refused
// (UserEntryAt).
func RemoveTrash(dir string) error {
	if err := userEntry(dir + ".trash"); err != nil {
		return err
	}
	if _, err := os.Lstat(dir + ".trash"); errors.Is(err, os.ErrNotExist) {
		// Nothing to remove: on a read-only file system RemoveAll's
		// unlinkat fails before it finds that, and every run said it
		// could not remove a .trash that was not there (DISK17's m4).
		return nil
	}
	if err := os.RemoveAll(dir + ".trash"); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	return nil
}

// RemoveScratch removes the scratch folder dir whole (renamed aside
// first: a kill never leaves it emptied in place).
func RemoveScratch(dir string) error { return removeScratch(dir) }

// ErrScratchEntry reports an entry of the user's at the scratch folder's
// name.
var ErrScratchEntry = errors.New("ooc: output refused")

// describeChange names the settings in which two jobs differ.
func describeChange(have, want scratchJob) string {
	if have.Key == "" {
		return "unreadable job record"
	}
	var diff []string
	for k, v := range want.Fields {
		if have.Fields[k] != v {
			diff = append(diff, k)
		}
	}
	for k := range have.Fields {
		if _, ok := want.Fields[k]; !ok {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	if len(diff) == 0 && have.Plan != want.Plan {
		return "memory budget or tile size changed: " + have.Plan + " -> " + want.Plan
	}
	if len(diff) == 0 {
		return "another job"
	}
	return "changed: " + strings.Join(diff, ", ")
}

// Discard removes the partial output and the scratch folder of a job that
// cannot finish as it is (its input is bad or changed while it ran): they
// could never be resumed, and a later run starts from scratch anyway.
func Discard(out Output, scratchDir string) error {
	if err := os.RemoveAll(PartialName(out.Path())); err != nil {
		return fmt.Errorf("output %s: %w", out.Path(), err)
	}
	return removeScratch(scratchDir)
}

// MarkPublishing records in the scratch folder dir that the job key
// publishes a result computed in memory: until RemovePublishedScratch, HasScratch
// is true, so that a rerun after a kill between the renames of the
// result's files and its sidecar replaces them (as it does after a kill
// of an out-of-core run), and a run of any engine removes it as another
// run's scratch.
func MarkPublishing(dir, key string, fields map[string]string, crc uint32, hasSD bool, sdcrc uint32) error {
	if err := ownDir(dir); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	rec := scratchJob{Key: key, Plan: "in memory: publishing", Fields: fields, OutputCRC: fmt.Sprintf("%08x", crc)}
	if hasSD {
		rec.ErrorsCRC = fmt.Sprintf("%08x", sdcrc)
	}
	// What a publication killed before recorded as replaced stays.
	if have, ok := readScratchJob(dir); ok {
		rec.Replaces = have.Replaces
	}
	return writeScratchJob(dir, rec)
}

// RemovePublishedScratch removes the scratch folder dir of a run whose
// result, out, is published: an error says that the result is in place
// (it was a bare "scratch: unlinkat ...: input/output error", exit 1, as
// if the run had failed: FAULT11's M2); a rerun finds the result
// complete and removes what is left.
func RemovePublishedScratch(dir, out string) error {
	if err := removeScratch(dir); err != nil {
		return fmt.Errorf("%s is published, complete, but this run's scratch could not be removed (a rerun removes it): %w", out, err)
	}
	return nil
}

// removeScratch renames the folder first, so that a kill during the
// removal never leaves a journal without its tiles.
func removeScratch(dir string) error {
	trash := dir + ".trash"
	if err := RemoveTrash(dir); err != nil {
		return err
	}
	if err := faultErr("scratch-rename"); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	if err := os.Rename(dir, trash); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("scratch: %w", err)
	}
	fault("cleanup")
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	return nil
}

// errScratch reports scratch data that fail their checksums.
type errScratch struct {
	chunk, tile int
}

func (e errScratch) Error() string {
	return fmt.Sprintf("scratch chunk %d of tile %d is damaged", e.chunk, e.tile)
}

// Run computes the pCF of src into out. It resumes a killed run of the
// same job from what its journal records and what passes its checksums,
// and computes everything else again.
func Run(ctx context.Context, src source.Source, out Output, o Options) (Summary, error) {
	var sum Summary
	// After a tile's GPU error under device "auto", the later tiles run on
	// the CPU at once (each tried the GPU again: GPU19's m2); the tiles
	// done on the GPU are kept, as a resumed run keeps them.
	ctx = pcf.WithCPUAfterGPUError(ctx)
	npyOut, isNpy := out.(*NpyOutput)
	if o.Errors != nil && (!isNpy || o.ErrOut == nil) {
		return sum, fmt.Errorf("%w: the error bars are written beside a .npy output (Options.ErrOut)", pcf.ErrParam)
	}
	p, err := newPlan(ctx, src, o)
	if err != nil {
		return sum, err
	}
	sum.Geometry, sum.Tiles, sum.Chunks = p.g, p.ny*p.nx, p.nchunks
	dir := ScratchDir(o.Scratch, out.Path())
	want := scratchJob{Key: o.Key, Fields: o.Fields,
		Plan: fmt.Sprintf("tiles %dx%d, %d frames a chunk, %d frames of %s", p.tile[0], p.tile[1], p.chunk, p.nread, p.dtype)}
	if p.bands {
		want.Plan = fmt.Sprintf("bands of %d rows, %d frames a chunk, %d frames of %s", p.band, p.chunk, p.nread, p.dtype)
	}
	srcs := []source.Source{src}
	if o.Src2 != nil {
		srcs = append(srcs, o.Src2)
	}
	d := newDirect(p, srcs, o)
	if d != nil {
		defer d.close()
		want.Plan = fmt.Sprintf("bands of %d rows read in place, %d frames of %s", p.band, p.nread, p.dtype)
		sum.Chunks, sum.InPlace = 0, true
	}
	if p.bands {
		// The scratch pieces follow the rows the pairs reach (they were
		// 2 x reach + 1 before 2026-12-02): a scratch of another layout
		// is not resumed.
		want.Plan += fmt.Sprintf(", spectra of %d rows", p.g.SpectraRows(p.band))
	}
	if p.nch == 2 {
		want.Plan += ", 2 channels"
	}
	if p.errs {
		want.Plan += fmt.Sprintf(", error bars %s %d", o.Errors.Method, o.Errors.Segments)
	}
	j, state, err := openScratch(dir, want, &o)
	if err != nil {
		return sum, err
	}
	if d == nil && state.chunks() > 0 {
		// The copy an interrupted run made stands for the input only if
		// the input still holds those samples: a file rewritten in place
		// with its old size and time has the job's key but not its data.
		same, err := copiedInputMatches(ctx, srcs, p, &state, o)
		if err != nil {
			return sum, err
		}
		if !same {
			o.log("the input differs from the copy an interrupted run of this job made (rewritten since?): starting over")
			if err := removeScratch(dir); err != nil {
				return sum, err
			}
			if j, state, err = openScratch(dir, want, &o); err != nil {
				return sum, err
			}
		}
	}
	// inputCRCs are the checksums of the channels' samples read.
	inputCRCs := func() (uint32, uint32) {
		if d == nil {
			return state.inputCRC(), state.input2CRC(p)
		}
		if p.nch == 2 {
			return state.directCRC(p, 0), state.directCRC(p, 1)
		}
		return state.directCRC(p, 0), 0
	}
	if d != nil {
		d.j, d.st = j, &state
	}
	meta := func() map[string]any {
		if o.Meta == nil {
			return map[string]any{"software": Marker, "job_key": o.Key}
		}
		return o.Meta(inputCRCs())
	}
	publish := func(m map[string]any, crc, sdcrc uint32) error {
		// The files it replaces (a .npy, a TIFF: a Zarr folder is none),
		// recorded before the renames: a rerun after a kill between them
		// and the sidecar takes them for ipcf's. (For .npy only, a TIFF's
		// killed publication was refused by every rerun as a user's file:
		// FAULT8's F2.)
		sd := ""
		if p.errs {
			sd = o.ErrOut.Path()
		}
		if err := MarkReplacing(dir, out.Path(), sd); err != nil {
			return err
		}
		if p.errs {
			return PublishPair(npyOut, o.ErrOut, m, crc, sdcrc)
		}
		return out.Publish(m, crc)
	}
	if state.committed && (!p.errs || state.commitHasSD) {
		// Killed while publishing: finish that, once the input read in
		// place is checked as any resume's is (every piece read again
		// against the journal: a file rewritten since with its old size
		// and time fails with source.ErrChanged; a copied input was
		// checked above).
		if d != nil {
			if err := d.readUnseen(ctx, true); err != nil {
				return sum, err
			}
		}
		// What lies at the output's paths is checked again here too: a
		// file put there since the killed run is never replaced.
		if o.OutputCheck != nil {
			if err := o.OutputCheck(); err != nil {
				return sum, err
			}
		}
		if err := publish(meta(), state.commitCRC, state.commitSD); err == nil {
			sum.Resumed = sum.Tiles
			sum.InputCRC, sum.Input2CRC = inputCRCs()
			return sum, RemovePublishedScratch(dir, out.Path())
		} else if errors.Is(err, ErrOldKept) {
			// Published whole; the earlier result set aside is what could
			// not be removed (a read-only one): said as such, not taken for
			// a result that failed its checksum and built again (OUT15's
			// F13).
			return sum, err
		} else {
			o.log("the finished output did not match its checksum (%v): checking every tile", err)
			state.committed = false
		}
	}
	resume := len(state.tiles) > 0 && out.PartialExists() && (!p.errs || o.ErrOut.PartialExists())
	if !resume {
		state.tiles, state.sdTiles = map[int]uint32{}, map[int]uint32{}
	}
	if err := out.Open(p.g.OutShape, p.tile, resume); err != nil {
		return sum, err
	}
	defer out.Close()
	if p.errs {
		if err := o.ErrOut.Open(p.g.OutShape, p.tile, resume); err != nil {
			return sum, err
		}
		defer o.ErrOut.Close()
	}
	checkTiles(p, out, o, &state)
	sum.Resumed = len(state.tiles)
	if d != nil {
		if err := d.readUnseen(ctx, true); err != nil {
			return sum, err
		}
	}
	for attempt := 0; ; attempt++ {
		if d == nil && state.chunks() < p.nchunks {
			if err := transpose(ctx, src, p, dir, j, &state, o); err != nil {
				return sum, err
			}
			// The copy is checked against the input as it ends: the
			// work reads the copy alone, so with --copy-input the input
			// may change from here on (what it is for; a rerun sees the
			// change and computes again); without, it is checked again
			// before the result is committed.
			if o.InputCheck != nil {
				c1, c2 := inputCRCs()
				if err := o.InputCheck(ctx, c1, c2); err != nil {
					return sum, err
				}
			}
		}
		// Hand phase 1's buffers back before phase 2 allocates its own.
		debug.FreeOSMemory()
		err := compute(ctx, p, dir, j, &state, out, o, d)
		var bad errScratch
		if errors.As(err, &bad) && attempt < 3 {
			o.log("%v: reading the input again from chunk %d", bad, bad.chunk)
			state.rewind(bad.chunk)
			continue
		}
		if err != nil {
			return sum, err
		}
		break
	}
	if d != nil {
		// Pieces that neither this run nor the journal has a checksum
		// of (none, unless journal lines of an earlier run were lost).
		if err := d.readUnseen(ctx, false); err != nil {
			return sum, err
		}
	}
	// Every tile as the journal records it, read back before the output
	// is finished: a tile changed in the partial output after it was
	// written (another program, a storage fault) was published with a
	// checksum vouching for it. Damaged ones are computed again.
	//
	// Phase 2's buffers are handed back first: its memory limit ends
	// with it, and the garbage it left (a band's error-bar rows, 26 MB
	// for 8,192 frames of 13 x 128 uint16) grew the heap by the reads
	// back to a peak 20 MiB over the budget.
	debug.FreeOSMemory()
	if testHookComputed != nil {
		testHookComputed(PartialName(out.Path()))
	}
	for again := 0; checkTiles(p, out, o, &state) > 0; again++ {
		if again == 2 {
			return sum, fmt.Errorf("output %s: tiles of the partial output %s keep changing after they are written (another program writing it?)", out.Path(), PartialName(out.Path()))
		}
		if err := compute(ctx, p, dir, j, &state, out, o, d); err != nil {
			return sum, err
		}
		if testHookComputed != nil {
			testHookComputed(PartialName(out.Path()))
		}
	}
	sum.InputCRC, sum.Input2CRC = inputCRCs()
	sum.Finite = state.finite
	// The input read in place, or copied without --copy-input (a TIFF
	// series, a narrow image: the copy is the engine's choice, not the
	// user's, and the run refuses an input changed meanwhile as the
	// in-memory engine does; it published the copy's result with exit
	// status 0). With --copy-input the copy was checked as it ended, and
	// the result is the copy's.
	if o.InputCheck != nil && (d != nil || !o.CopyInput) {
		if err := o.InputCheck(ctx, sum.InputCRC, sum.Input2CRC); err != nil {
			return sum, err
		}
	}
	m := meta()
	crc, err := out.Finish(m)
	if err != nil {
		return sum, err
	}
	line := fmt.Sprintf("commit %08x", crc)
	var sdcrc uint32
	if p.errs {
		if sdcrc, err = o.ErrOut.Finish(nil); err != nil {
			return sum, err
		}
		line += fmt.Sprintf(" %08x", sdcrc)
	}
	// As late as it can be: once committed, a rerun after a kill
	// publishes without asking.
	if o.OutputCheck != nil {
		if err := o.OutputCheck(); err != nil {
			return sum, err
		}
	}
	if err := j.add(line); err != nil {
		return sum, err
	}
	fault("commit")
	if err := publish(m, crc, sdcrc); err != nil {
		return sum, err
	}
	return sum, RemovePublishedScratch(dir, out.Path())
}

// testHookComputed, if set, runs when every tile is computed, before they
// are read back (checkTiles) and the output finished; it gets the partial
// output's path.
var testHookComputed func(partial string)

// checkTiles reads back every tile the journal records (state.tiles) from
// the partial output (and error bars) and forgets, to be computed again,
// those whose CRC-32C is not the journal's; it returns how many.
func checkTiles(p *plan, out Output, o Options, state *journalState) int {
	n := 0
	for ti, crc := range state.tiles {
		oy0, oy1, ox0, ox1, _, _, _, _ := p.block(ti/p.nx, ti%p.nx)
		if got, err := out.TileCRC(oy0, ox0, oy1-oy0, ox1-ox0); err != nil || got != crc {
			o.log("tile %d of the partial output is damaged: computing it again", ti)
			delete(state.tiles, ti)
			n++
			continue
		}
		if !p.errs {
			continue
		}
		sdcrc, ok := state.sdTiles[ti]
		if got, err := o.ErrOut.TileCRC(oy0, ox0, oy1-oy0, ox1-ox0); !ok || err != nil || got != sdcrc {
			o.log("tile %d of the partial error bars is damaged: computing it again", ti)
			delete(state.tiles, ti)
			n++
		}
	}
	return n
}

// copiedInputMatches reads again the frames of the chunks the journal
// records as copied into scratch and reports whether their CRC-32C, per
// channel, is still the journal's.
func copiedInputMatches(ctx context.Context, srcs []source.Source, p *plan, st *journalState, o Options) (bool, error) {
	n := min(p.nread, st.chunks()*p.chunk)
	want := []uint32{st.inputCRC(), st.input2CRC(p)}
	var prog func(done, total int) bool
	if o.Progress != nil {
		prog = func(done, total int) bool { return o.Progress("check", done, total) }
	}
	crc, err := FramesCRC(ctx, srcs, n, prog)
	if err != nil {
		return false, err
	}
	for ch := range srcs {
		if crc[ch] != want[ch] {
			return false, nil
		}
	}
	return true, nil
}

// FramesCRC reads the first n frames of each source again, frame t of
// every source in turn, and returns each source's FrameCRC over them: the
// input checksum the engines record. progress, if not nil, gets the frames
// done out of n; false from it cancels (pcf.ErrCancelled).
func FramesCRC(ctx context.Context, srcs []source.Source, n int, progress func(done, total int) bool) ([]uint32, error) {
	crc := make([]uint32, len(srcs))
	if _, H, W := srcs[0].Shape(); H == 0 || W == 0 {
		return crc, nil // frames without pixels: nothing to read (however many)
	}
	for t := 0; t < n; t++ {
		if err := ctx.Err(); err != nil {
			return nil, pcf.ErrCancelled
		}
		for ch, s := range srcs {
			_, H, W := s.Shape()
			err := source.Guard(s.Name(), func() error {
				fr, err := s.Frame(t)
				if err != nil {
					return err
				}
				crc[ch] = FrameCRC(crc[ch], fr, H, W)
				return nil
			})
			if err != nil {
				return nil, err
			}
			if r, ok := s.(source.Releaser); ok && (t+1)%64 == 0 {
				r.Release(t-63, t+1)
			}
		}
		if progress != nil && (t%64 == 0 || t == n-1) && !progress(t+1, n) {
			return nil, pcf.ErrCancelled
		}
	}
	return crc, nil
}

// journal records finished chunks and tiles with their CRC-32C, one line
// each, every line ending with the CRC-32C of the line, fsynced after the
// data it describes.
type journal struct {
	dir string
}

type journalState struct {
	chunkCRC  [][]uint32 // per finished chunk, the CRC-32C of each tile's part
	inputCRCs []uint32   // per finished chunk, the running CRC-32C of the input samples
	tiles     map[int]uint32
	sdTiles   map[int]uint32 // the error bars' tiles (Options.Errors)
	// pieceCRC: reading in place (directInput), the checksum of each
	// (channel, piece) read.
	pieceCRC  map[[2]int]uint32
	committed bool
	commitCRC uint32
	// finite: a tile written by this run holds a finite value.
	finite bool
	// commitSD is the error bars' checksum of the commit, if it has one.
	commitSD    uint32
	commitHasSD bool
}

func newJournalState() journalState {
	return journalState{tiles: map[int]uint32{}, sdTiles: map[int]uint32{}, pieceCRC: map[[2]int]uint32{}}
}

// chunks is the number of finished chunks.
func (st *journalState) chunks() int { return len(st.chunkCRC) }

// inputCRC is the CRC-32C of the input samples of the finished chunks.
func (st *journalState) inputCRC() uint32 {
	if len(st.inputCRCs) == 0 {
		return 0
	}
	return st.inputCRCs[len(st.inputCRCs)-1]
}

// input2CRC is the CRC-32C of the second channel's samples of the
// finished chunks (the last CRC of a chunk's line), 0 with one channel.
func (st *journalState) input2CRC(p *plan) uint32 {
	if p.nch == 1 || len(st.chunkCRC) == 0 {
		return 0
	}
	last := st.chunkCRC[len(st.chunkCRC)-1]
	if len(last) != p.crcs() {
		return 0
	}
	return last[len(last)-1]
}

// setChunk records chunk c as finished; the chunks after it are not.
func (st *journalState) setChunk(c int, crcs []uint32, input uint32) {
	st.chunkCRC, st.inputCRCs = append(st.chunkCRC[:c], crcs), append(st.inputCRCs[:c], input)
}

// rewind forgets chunks [c, ...).
func (st *journalState) rewind(c int) {
	st.chunkCRC, st.inputCRCs = st.chunkCRC[:c], st.inputCRCs[:c]
}

const journalMagic = "ipcf-journal-2"

func (j *journal) path() string { return filepath.Join(j.dir, "journal") }

// start writes a new journal naming the job.
func (j *journal) start(key string) error {
	line := journalMagic + " " + key
	line = fmt.Sprintf("%s %08x\n", line, CRC([]byte(line)))
	err := npy.WriteAtomic(j.path(), func(w io.Writer) error { _, err := io.WriteString(w, line); return err })
	if err != nil {
		return fmt.Errorf("scratch journal: %w", err)
	}
	return nil
}

// load reads the journal up to its first torn or damaged line.
func (j *journal) load(key string) (journalState, error) {
	st := newJournalState()
	b, err := readOwn(j.path())
	if errors.Is(err, os.ErrNotExist) || notOwn(j.path()) {
		// None, or something else in its place (a link, a FIFO): a new
		// journal replaces it (WriteAtomic renames over the name). A
		// folder cannot be renamed over: it goes first (the scratch
		// folder is ipcf's own).
		if st, err := os.Lstat(j.path()); err == nil && st.IsDir() {
			if err := os.RemoveAll(j.path()); err != nil {
				return newJournalState(), fmt.Errorf("scratch journal: %w", err)
			}
		}
		return st, j.start(key)
	}
	if err != nil {
		return st, fmt.Errorf("scratch journal: %w", err)
	}
	st, ok := parseJournal(b, key)
	if !ok {
		// Not this job's journal: start again.
		return st, j.start(key)
	}
	return st, nil
}

// parseJournal returns the state a journal records up to its first torn or
// damaged line, and false if its first line does not name the job key.
func parseJournal(b []byte, key string) (journalState, bool) {
	st := newJournalState()
	lines := strings.Split(string(b), "\n")
	valid := func(l string) ([]string, bool) {
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			return nil, false
		}
		c, err := strconv.ParseUint(l[i+1:], 16, 32)
		if err != nil || uint32(c) != CRC([]byte(l[:i])) {
			return nil, false
		}
		return strings.Fields(l[:i]), true
	}
	if f, ok := valid(lines[0]); !ok || len(f) != 2 || f[0] != journalMagic || f[1] != key {
		return st, false
	}
	hex32 := func(s string) (uint32, bool) {
		v, err := strconv.ParseUint(s, 16, 32)
		return uint32(v), err == nil
	}
	for _, l := range lines[1:] {
		f, ok := valid(l)
		if !ok || len(f) < 2 {
			break // a torn or damaged line: what follows is not trusted
		}
		switch f[0] {
		case "chunk":
			c, err := strconv.Atoi(f[1])
			if err != nil || c < 0 || c > st.chunks() || len(f) < 3 {
				return st, true
			}
			in, ok := hex32(f[2])
			if !ok {
				return st, true
			}
			crcs := make([]uint32, len(f)-3)
			for i, s := range f[3:] {
				if crcs[i], ok = hex32(s); !ok {
					return st, true
				}
			}
			st.setChunk(c, crcs, in)
		case "tile":
			// tile T CRC [CRC of the error bars]
			if len(f) > 4 || len(f) < 3 {
				return st, true
			}
			t, err := strconv.Atoi(f[1])
			crc, ok := hex32(f[2])
			if err != nil || !ok || t < 0 {
				return st, true
			}
			var sd uint32
			if len(f) == 4 {
				if sd, ok = hex32(f[3]); !ok {
					return st, true
				}
			}
			st.tiles[t] = crc
			delete(st.sdTiles, t)
			if len(f) == 4 {
				st.sdTiles[t] = sd
			}
		case "input":
			// input CHANNEL PIECE CRC (directInput)
			if len(f) != 4 {
				return st, true
			}
			ch, err1 := strconv.Atoi(f[1])
			k, err2 := strconv.Atoi(f[2])
			crc, ok := hex32(f[3])
			if err1 != nil || err2 != nil || !ok || ch < 0 || ch > 1 || k < 0 {
				return st, true
			}
			st.pieceCRC[[2]int{ch, k}] = crc
		case "commit":
			if len(f) > 3 {
				return st, true
			}
			crc, ok := hex32(f[1])
			if !ok {
				return st, true
			}
			var sd uint32
			if len(f) == 3 {
				if sd, ok = hex32(f[2]); !ok {
					return st, true
				}
			}
			st.committed, st.commitCRC = true, crc
			st.commitSD, st.commitHasSD = sd, len(f) == 3
		default:
			return st, true
		}
	}
	return st, true
}

func (j *journal) add(line string) error {
	f, err := openOwn(j.path(), os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return fmt.Errorf("scratch journal: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s %08x\n", line, CRC([]byte(line)))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("scratch journal: %w", err)
	}
	return nil
}

// tileFile is the scratch file of tile t's block of channel ch.
func tileFile(dir string, ch, t int) string {
	if ch == 1 {
		return filepath.Join(dir, fmt.Sprintf("tile2-%05d.bin", t))
	}
	return filepath.Join(dir, fmt.Sprintf("tile-%05d.bin", t))
}

// transpose reads the frames in order and appends, chunk by chunk, each
// tile block's rows of every frame to its scratch file: C-order (frames,
// rows, columns), the layout the in-memory engine reads fastest. It starts
// at the first unfinished chunk and journals each chunk with its checksums.
// A second channel (Options.Src2) is read frame by frame with the first
// into its own tile files.
func transpose(ctx context.Context, src source.Source, p *plan, dir string, j *journal, st *journalState, o Options) error {
	ntiles := p.nfiles()
	first := st.chunks()
	srcs := []source.Source{src, o.Src2}[:p.nch]
	// A copy made while an input file changed size or time mixes two
	// versions of it: the pass fails at its end (and the job discards the
	// scratch). A rewrite that set them back is caught by the next run
	// (job: the result's input checksum when the input's status changed).
	snap, err := source.Snap(srcs...)
	if err != nil && !errors.Is(err, source.ErrChanged) {
		err = fmt.Errorf("%w: %v", source.ErrChanged, err)
	}
	if err != nil {
		return err // (once: "source: input changed: source: input changed: ..." it said)
	}
	files := make([]*os.File, p.nch*ntiles) // channel ch, tile t: ch*ntiles + t
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	bufs := make([][]byte, p.nch*ntiles)
	for k := range files {
		ch, t := k/ntiles, k%ntiles
		f, err := openOwn(tileFile(dir, ch, t), os.O_RDWR|os.O_CREATE)
		if err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		files[k] = f
		// Drop what lies past the journaled chunks.
		size := int64(first) * int64(p.chunk) * int64(p.regionPixels(t)) * int64(p.es)
		if err := f.Truncate(size); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if _, err := f.Seek(size, io.SeekStart); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		bufs[k] = make([]byte, p.chunk*p.regionPixels(t)*p.es)
	}
	inCRC := []uint32{st.inputCRC(), st.input2CRC(p)}
	_, H, W := src.Shape()
	// A frame's copy into the files is split over the threads only when
	// it is large: a small frame costs less than starting them.
	copyThreads := o.PCF.Threads
	if int64(H)*int64(W)*int64(p.es)*int64(p.nch) < 256<<10 {
		copyThreads = 1
	}
	total := p.nread
	frs := make([]array.View, p.nch)
	// Each tile's chunk CRC is continued as its rows are copied, while they
	// are in the cache, rather than over the whole chunk buffer after.
	tileCRC := make([]uint32, len(files))
	for c := first; c < p.nchunks; c++ {
		clear(tileCRC)
		t0, t1 := c*p.chunk, min(p.nread, (c+1)*p.chunk)
		n := t1 - t0
		for t := t0; t < t1; t++ {
			if err := ctx.Err(); err != nil {
				return pcf.ErrCancelled
			}
			for ch, s := range srcs {
				err := source.Guard(s.Name(), func() error {
					var err error
					if frs[ch], err = s.Frame(t); err != nil {
						return err
					}
					inCRC[ch] = FrameCRC(inCRC[ch], frs[ch], H, W)
					return nil
				})
				if err != nil {
					return err
				}
			}
			// Copy this frame's block rows into every tile's chunk buffer:
			// tile files hold C-order (frames, rows, columns) blocks, which
			// the in-memory engine transposes itself, cache-blocked.
			copyFile := func(k int) {
				ch, ti := k/ntiles, k%ntiles
				fr := frs[ch]
				y0, y1, x0, x1 := p.region(ti)
				bw := x1 - x0
				px := (y1 - y0) * bw
				es, sx := p.es, fr.Strides[1]
				b := bufs[k][(t-t0)*px*es : (t-t0+1)*px*es]
				d := fr.Data
				native := fr.Order == array.NativeOrder || es == 1
				for y := y0; y < y1; y++ {
					o := fr.Offset + y*fr.Strides[0] + x0*sx
					row := b[(y-y0)*bw*es : (y-y0+1)*bw*es]
					if native && sx == es {
						copy(row, d[o:o+bw*es])
						continue
					}
					for x := 0; x < bw; x++ {
						putSample(row[x*es:], fr, o)
						o += sx
					}
				}
				tileCRC[k] = CRCUpdate(tileCRC[k], b)
			}
			var err error
			if copyThreads == 1 {
				for ch := range srcs {
					err = source.Guard(srcs[ch].Name(), func() error {
						for k := ch * ntiles; k < (ch+1)*ntiles; k++ {
							copyFile(k)
						}
						return nil
					})
					if err != nil {
						break
					}
				}
			} else {
				err = pool.Run(ctx, copyThreads, len(files), func(_, k int) error {
					return source.Guard(srcs[k/ntiles].Name(), func() error { copyFile(k); return nil })
				}, nil)
			}
			if err != nil {
				return err
			}
			// Drop the mapped frames often: the kernel maps the pages
			// around every page read, which counts as resident memory.
			if (t+1)%64 == 0 {
				for _, s := range srcs {
					if r, ok := s.(source.Releaser); ok {
						r.Release(t-63, t+1)
					}
				}
			}
			if o.Progress != nil && !o.Progress("transpose", t+1, total) {
				return pcf.ErrCancelled
			}
		}
		for _, s := range srcs {
			if r, ok := s.(source.Releaser); ok {
				r.Release(t0, t1)
			}
		}
		crcs := make([]uint32, 0, p.crcs())
		var line strings.Builder
		fmt.Fprintf(&line, "chunk %d %08x", c, inCRC[0])
		for k, f := range files {
			// A chunk's writes and syncs can take seconds on a busy disk:
			// a cancellation is seen between files (the chunk is not
			// journaled, so a rerun writes it again).
			if err := ctx.Err(); err != nil {
				return pcf.ErrCancelled
			}
			if o.Progress != nil && !o.Progress("transpose", t1, total) {
				return pcf.ErrCancelled
			}
			ti := k % ntiles
			sz := n * p.regionPixels(ti) * p.es
			crcs = append(crcs, tileCRC[k])
			if _, err := f.Write(bufs[k][:sz]); err != nil {
				return fmt.Errorf("scratch %s: %w", f.Name(), err)
			}
		}
		// The chunk's pieces are on disk before the journal says so: one
		// flush of their file system (bands of one row make a file per
		// row, and a sync per file per chunk), per file where that fails.
		if err := syncFiles(files); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if p.nch == 2 {
			crcs = append(crcs, inCRC[1])
		}
		for _, crc := range crcs {
			fmt.Fprintf(&line, " %08x", crc)
		}
		if err := j.add(line.String()); err != nil {
			return err
		}
		st.setChunk(c, crcs, inCRC[0])
	}
	return snap.Check()
}

// FrameCRC continues crc with the samples of the (h, w) frame v, row by
// row, each sample's bytes as stored: the input checksum of every engine.
func FrameCRC(crc uint32, v array.View, h, w int) uint32 {
	if h == 0 || w == 0 { // no sample; an empty view's offset may lie past its data
		return crc
	}
	es := v.DType.Size()
	sx := v.Strides[1]
	if sx == es && v.Strides[0] == w*es {
		// Whole rows back to back: one call (the CRC instructions run
		// three streams at once on long inputs; a call a row of 128
		// bytes ran at a tenth of that speed).
		return CRCUpdate(crc, v.Data[v.Offset:v.Offset+h*w*es])
	}
	var tmp []byte
	for y := 0; y < h; y++ {
		o := v.Offset + y*v.Strides[0]
		if sx == es {
			crc = CRCUpdate(crc, v.Data[o:o+w*es])
			continue
		}
		if tmp == nil {
			tmp = make([]byte, w*es)
		}
		for x := 0; x < w; x++ {
			copy(tmp[x*es:(x+1)*es], v.Data[o+x*sx:o+x*sx+es])
		}
		crc = CRCUpdate(crc, tmp)
	}
	return crc
}

// putSample copies one sample at byte o of v into dst in native order.
func putSample(dst []byte, v array.View, o int) {
	es := v.DType.Size()
	if v.Order == array.NativeOrder {
		copy(dst[:es], v.Data[o:o+es])
		return
	}
	for i := 0; i < es; i++ {
		dst[i] = v.Data[o+es-1-i]
	}
}

// compute runs the in-memory engine on every unfinished tile, after
// checking each chunk of its scratch against the journal.
func compute(ctx context.Context, p *plan, dir string, j *journal, st *journalState, out Output, o Options, d *directInput) error {
	if p.bands {
		return computeBands(ctx, p, dir, j, st, out, o, d)
	}
	ntiles := p.ny * p.nx
	finished := len(st.tiles)
	// Buffers for the largest block, reused for every tile.
	maxPx := 0
	for ti := 0; ti < ntiles; ti++ {
		maxPx = max(maxPx, p.blockPixels(ti/p.nx, ti%p.nx))
	}
	dataBufs := make([][]byte, p.nch)
	for ch := range dataBufs {
		dataBufs[ch] = make([]byte, maxPx*p.nread*p.es)
	}
	var resBuf []byte
	var tileBuf, sdBuf []float32
	for ti := 0; ti < ntiles; ti++ {
		if _, ok := st.tiles[ti]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return pcf.ErrCancelled
		}
		oy0, oy1, ox0, ox1, y0, y1, x0, x1 := p.block(ti/p.nx, ti%p.nx)
		bh, bw := y1-y0, x1-x0
		px := bh * bw
		views := make([]array.View, p.nch)
		for ch := range views {
			// Load the tile: C-order (nread, bh, bw) samples.
			data := dataBufs[ch][:px*p.nread*p.es]
			f, err := openOwnRead(tileFile(dir, ch, ti))
			if err != nil {
				return errScratch{0, ti}
			}
			n, _ := io.ReadFull(f, data)
			f.Close()
			clear(data[n:])
			seg := p.chunk * px * p.es
			for c := 0; c < p.nchunks; c++ {
				part := data[c*seg : min(len(data), (c+1)*seg)]
				if len(st.chunkCRC[c]) != p.crcs() || CRC(part) != st.chunkCRC[c][ch*ntiles+ti] {
					return errScratch{c, ti}
				}
			}
			es := p.es
			var err2 error
			views[ch], err2 = array.New(p.dtype, array.NativeOrder, []int{p.nread, bh, bw},
				[]int{px * es, bw * es, es}, data, 0)
			if err2 != nil {
				return err2
			}
		}
		view := views[0]
		// The engine reads only the frames it uses; with no bleaching
		// correction nread == N, with it nread == T.
		opts := o.PCF
		opts.Progress = nil
		if p.nch == 2 {
			opts.Data2 = &views[1]
		}
		if opts.Mask != nil {
			m := *opts.Mask
			mv, err := array.New(m.DType, m.Order, []int{bh, bw}, m.Strides, m.Data, m.Offset+y0*m.Strides[0]+x0*m.Strides[1])
			if err != nil {
				return err
			}
			opts.Mask = &mv
		}
		bg, err := pcf.Plan(view.Shape, opts)
		if err != nil {
			return err
		}
		if need := bg.OutShape[0] * bg.OutShape[1] * bg.OutShape[2] * bg.OutShape[3] * 4; cap(resBuf) < need {
			resBuf = make([]byte, need)
		}
		res := resBuf[:bg.OutShape[0]*bg.OutShape[1]*bg.OutShape[2]*bg.OutShape[3]*4]
		rv, err := array.Contiguous(array.Float32, bg.OutShape[:], res)
		if err != nil {
			return err
		}
		if err := pcf.Compute(ctx, rv, view, opts); err != nil {
			return err
		}
		// Crop the block's result to the tile: block output row k is image
		// row y0+r+k, output row y0+k.
		ty, tx := oy1-oy0, ox1-ox0
		np, nb := bg.OutShape[2], bg.OutShape[3]
		if cap(tileBuf) < ty*tx*np*nb {
			tileBuf = make([]float32, ty*tx*np*nb)
		}
		tile := tileBuf[:ty*tx*np*nb]
		for y := 0; y < ty; y++ {
			for x := 0; x < tx; x++ {
				src := ((oy0+y-y0)*bg.OutShape[1] + (ox0 + x - x0)) * np * nb * 4
				for k := 0; k < np*nb; k++ {
					tile[(y*tx+x)*np*nb+k] = mathFloat32(res[src+4*k:])
				}
			}
		}
		// The engine's spectra of this tile are garbage now: return them
		// before the next tile allocates its own, so that the peak stays
		// one tile's worth (the Go heap would grow to twice its live size).
		debug.FreeOSMemory()
		err = commitTile(ctx, p, o, j, st, out, tileSpot{ti, oy0, ox0, ty, tx, y0, x0}, tile,
			func() ([]array.View, error) { return views, nil }, &sdBuf, &finished, ntiles)
		if err != nil {
			return err
		}
	}
	return nil
}

// tileSpot is where a tile goes: its index, its output rows and columns
// from (oy0, ox0), ty x tx of them, and the image pixel (y0, x0) that is
// the first of its block's views.
type tileSpot struct{ ti, oy0, ox0, ty, tx, y0, x0 int }

// commitTile writes a finished tile of curves and, with the error bars,
// theirs (from the block views that views returns), syncs both, journals
// them and reports the progress: finished tiles of ntiles.
func commitTile(ctx context.Context, p *plan, o Options, j *journal, st *journalState, out Output, at tileSpot,
	tile []float32, views func() ([]array.View, error), sdBuf *[]float32, finished *int, ntiles int) error {
	crc, err := out.WriteTile(at.oy0, at.ox0, at.ty, at.tx, tile)
	if err != nil {
		return err
	}
	st.finite = st.finite || AnyFinite(tile)
	line := fmt.Sprintf("tile %d %08x", at.ti, crc)
	var sdcrc uint32
	if p.errs {
		if o.Progress != nil && !o.Progress("pcf+errors", 2**finished+1, 2*ntiles) {
			return pcf.ErrCancelled
		}
		v, err := views()
		if err != nil {
			return err
		}
		sd, err := tileErrors(ctx, p, o, v, at.oy0, at.ox0, at.ty, at.tx, at.y0, at.x0, sdBuf)
		if err != nil {
			return err
		}
		if sdcrc, err = o.ErrOut.WriteTile(at.oy0, at.ox0, at.ty, at.tx, sd); err != nil {
			return err
		}
		if err := o.ErrOut.Sync(); err != nil {
			return fmt.Errorf("output %s: %w", o.ErrOut.Path(), err)
		}
		line += fmt.Sprintf(" %08x", sdcrc)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("output %s: %w", out.Path(), err)
	}
	if err := j.add(line); err != nil {
		return err
	}
	st.tiles[at.ti] = crc
	if p.errs {
		st.sdTiles[at.ti] = sdcrc
	}
	*finished++
	switch {
	case o.Progress == nil:
	case p.errs && !o.Progress("pcf+errors", 2**finished, 2*ntiles):
		return pcf.ErrCancelled
	case !p.errs && !o.Progress("pcf", *finished, ntiles):
		return pcf.ErrCancelled
	}
	return nil
}

// tileErrors returns the error bars of the tile of ty x tx output pixels
// at (oy0, ox0), float32 (ty, tx, offsets, points) in C order, from the
// tile's block views (their first row and column are the image's y0 and
// x0): pcf.ErrorBars on the part of the blocks that holds the tile's
// pixels and their neighbours (margin pixels on each side), with the
// mask and the second channel cut alike. buf is reused between tiles.
func tileErrors(ctx context.Context, p *plan, o Options, views []array.View, oy0, ox0, ty, tx, y0, x0 int, buf *[]float32) ([]float32, error) {
	m := p.g.Margin
	eh, ew := ty+2*m[0], tx+2*m[1]
	sub := func(v array.View) (array.View, error) {
		return array.New(v.DType, v.Order, []int{v.Shape[0], eh, ew}, v.Strides, v.Data,
			v.Offset+(oy0-y0)*v.Strides[1]+(ox0-x0)*v.Strides[2])
	}
	opts := o.PCF
	opts.Progress = nil
	d, err := sub(views[0])
	if err != nil {
		return nil, err
	}
	if len(views) == 2 {
		d2, err := sub(views[1])
		if err != nil {
			return nil, err
		}
		opts.Data2 = &d2
	}
	if opts.Mask != nil {
		// The job's mask is the image's: output pixel (oy0, ox0) is image
		// pixel (oy0 + margin, ox0 + margin), the sub-view's (margin, margin).
		mk := *opts.Mask
		mv, err := array.New(mk.DType, mk.Order, []int{eh, ew}, mk.Strides, mk.Data, mk.Offset+oy0*mk.Strides[0]+ox0*mk.Strides[1])
		if err != nil {
			return nil, err
		}
		opts.Mask = &mv
	}
	np, nb := p.g.OutShape[2], p.g.OutShape[3]
	n := ty * tx * np * nb
	raw := make([]byte, 4*n)
	rv, err := array.Contiguous(array.Float32, []int{ty, tx, np, nb}, raw)
	if err != nil {
		return nil, err
	}
	if err := pcf.ErrorBars(ctx, rv, d, opts, *o.Errors); err != nil {
		return nil, err
	}
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	sd := (*buf)[:n]
	for i := range sd {
		sd[i] = mathFloat32(raw[4*i:])
	}
	return sd, nil
}

func mathFloat32(b []byte) float32 {
	return float32frombits(binary.NativeEndian.Uint32(b))
}
