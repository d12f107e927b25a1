package ooc

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// Options of an out-of-core run.
type Options struct {
	PCF     pcf.Options // parameters; Progress is ignored (see Progress below)
	Memory  int64       // peak memory budget in bytes for the data, spectra and tiles
	Scratch string      // folder for the transposed tiles (created; removed on success)
	// Progress is called with the finished and total work units and the
	// phase ("transpose" or "pcf"); returning false cancels.
	Progress func(phase string, done, total int) bool
	// Tile forces the output tile size (rows, columns); 0 chooses from Memory.
	Tile [2]int
	// Job identifies the job for resuming (input, parameters, output);
	// runs with the same Job resume each other's scratch.
	Job string
}

// Summary describes a finished run.
type Summary struct {
	Geometry       pcf.Geometry
	Tiles, Resumed int // tiles in all, tiles found finished
	Chunks         int // transposition chunks
}

// plan is the tiling of a job.
type plan struct {
	g       pcf.Geometry
	r       int
	tile    [2]int // output tile size
	ny, nx  int    // tiles per column, row
	nread   int    // frames read per pixel
	es      int    // bytes per sample in scratch
	dtype   array.DType
	chunk   int // frames per transposition chunk
	nchunks int
}

// block is the image region a tile needs: rows [y0, y1), columns [x0, x1).
func (p *plan) block(i, j int) (oy0, oy1, ox0, ox1, y0, y1, x0, x1 int) {
	oh, ow := p.g.OutShape[0], p.g.OutShape[1]
	oy0, ox0 = i*p.tile[0], j*p.tile[1]
	oy1, ox1 = min(oh, oy0+p.tile[0]), min(ow, ox0+p.tile[1])
	r := p.r
	// Output row o is image row o+r; its pairs reach 2r further for the
	// packed partner (see pcf: units).
	y0, y1 = max(0, oy0+r-2*r), min(p.g.H, oy1+r+2*r)
	x0, x1 = max(0, ox0+r-2*r), min(p.g.W, ox1+r+2*r)
	return
}

func (p *plan) blockPixels(i, j int) int {
	_, _, _, _, y0, y1, x0, x1 := p.block(i, j)
	return (y1 - y0) * (x1 - x0)
}

// tileMemory estimates the memory of phase 2 for a tile size.
func tileMemory(g pcf.Geometry, o pcf.Options, ty, tx, nread, es int) int64 {
	r := o.Radius
	bh, bw := min(g.H, ty+4*r), min(g.W, tx+4*r)
	bg, err := pcf.Plan([]int{g.T, bh, bw}, o)
	if err != nil {
		return 1 << 62
	}
	data := int64(bh) * int64(bw) * int64(nread) * int64(es)
	out := int64(bh) * int64(bw) * int64(g.OutShape[2]) * int64(g.OutShape[3]) * 4
	// tile data, spectra window, block result and tile, sums
	return data + bg.SpectraBytes() + 2*out + int64(bh)*int64(bw)*64
}

// newPlan chooses tiles and chunks: phase 1 holds a chunk of every tile
// (half the budget) while the input frames of that chunk are mapped (the
// other half at most: they are released chunk by chunk); phase 2 holds
// one tile's data, its spectra window and results.
func newPlan(src source.Source, o Options) (*plan, error) {
	// The process itself (Go runtime, threads, code) takes about this much.
	const overhead = 40 << 20
	given := o.Memory
	if o.Memory > 2*overhead {
		o.Memory -= overhead
	} else {
		o.Memory /= 2
	}
	T, H, W := src.Shape()
	g, err := pcf.Plan([]int{T, H, W}, o.PCF)
	if err != nil {
		return nil, err
	}
	p := &plan{g: g, r: o.PCF.Radius, nread: g.N, dtype: src.DType()}
	if o.PCF.Bleach > 0 {
		p.nread = g.T
	}
	p.es = p.dtype.Size()
	oh, ow := g.OutShape[0], g.OutShape[1]
	if o.Tile[0] > 0 && o.Tile[1] > 0 {
		p.tile = [2]int{min(o.Tile[0], oh), min(o.Tile[1], ow)}
	} else {
		// The widest tiles that fit, then the tallest: few halos.
		ty, tx := oh, ow
		for tileMemory(g, o.PCF, ty, tx, p.nread, p.es) > o.Memory && (ty > 8 || tx > 8) {
			if tx >= 2*ty && tx > 8 {
				tx = (tx + 1) / 2
			} else if ty > 8 {
				ty = (ty + 1) / 2
			} else {
				tx = (tx + 1) / 2
			}
		}
		if tileMemory(g, o.PCF, ty, tx, p.nread, p.es) > o.Memory {
			return nil, fmt.Errorf("ooc: a memory budget of %.1f MiB (%.1f MiB for data after the process's own) is too small for a tile of %dx%d pixels of %d frames (needs %.1f MiB)",
				float64(given)/(1<<20), float64(o.Memory)/(1<<20), ty, tx, p.nread, float64(tileMemory(g, o.PCF, ty, tx, p.nread, p.es))/(1<<20))
		}
		p.tile = [2]int{ty, tx}
	}
	p.ny = (oh + p.tile[0] - 1) / p.tile[0]
	p.nx = (ow + p.tile[1] - 1) / p.tile[1]
	// Transposition chunk: frames buffered for every tile at once.
	var px int64
	for i := 0; i < p.ny; i++ {
		for j := 0; j < p.nx; j++ {
			px += int64(p.blockPixels(i, j))
		}
	}
	_, H2, W2 := src.Shape()
	perFrame := px*int64(p.es) + int64(H2)*int64(W2)*int64(p.es) // buffers + mapped input
	p.chunk = int(max(1, min(int64(p.nread), o.Memory*9/10/perFrame)))
	p.nchunks = (p.nread + p.chunk - 1) / p.chunk
	return p, nil
}

// Run computes the pCF of src into out.
func Run(ctx context.Context, src source.Source, out Output, o Options) (Summary, error) {
	var sum Summary
	p, err := newPlan(src, o)
	if err != nil {
		return sum, err
	}
	sum.Geometry, sum.Tiles, sum.Chunks = p.g, p.ny*p.nx, p.nchunks
	if o.Scratch == "" {
		o.Scratch = filepath.Dir(out.Path())
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%v|%d|%d|%d|%d", o.Job, p.g.OutShape, p.tile, p.chunk, p.nread, p.dtype)))
	dir := filepath.Join(o.Scratch, ".ipcf-scratch-"+hex.EncodeToString(h[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sum, fmt.Errorf("scratch: %w", err)
	}
	j := &journal{dir: dir}
	state, err := j.load()
	if err != nil {
		return sum, err
	}
	if _, err := os.Stat(partialName(out.Path())); err != nil {
		state.tiles = map[int]bool{} // no partial output to resume into
	}
	if err := out.Open(p.g.OutShape, p.tile, len(state.tiles) > 0); err != nil {
		return sum, err
	}
	if state.chunks < p.nchunks {
		if err := transpose(ctx, src, p, dir, j, state.chunks, o); err != nil {
			return sum, err
		}
	}
	sum.Resumed = len(state.tiles)
	// Hand phase 1's buffers back before phase 2 allocates its own.
	debug.FreeOSMemory()
	if err := compute(ctx, p, dir, j, state.tiles, out, o); err != nil {
		return sum, err
	}
	meta := map[string]any{
		"software": "ipcf", "input": src.Name(), "radius": o.PCF.Radius, "npoints": o.PCF.Npoints,
		"nbins_requested": o.PCF.Nbins, "bins": p.g.Bins, "circle": p.g.Circle, "frames_used": p.g.N,
		"bleach_filtersize": o.PCF.Bleach, "bleach_mean": []string{"real", "floor"}[o.PCF.BleachMean],
		"shape": p.g.OutShape, "axes": "row, column, circle point, delay bin",
	}
	if err := out.Commit(meta); err != nil {
		return sum, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return sum, fmt.Errorf("scratch: %w", err)
	}
	return sum, nil
}

// journal records finished chunks and tiles, fsynced, one line each.
type journal struct {
	dir string
}

type journalState struct {
	chunks int
	tiles  map[int]bool
}

func (j *journal) load() (journalState, error) {
	st := journalState{tiles: map[int]bool{}}
	f, err := os.Open(filepath.Join(j.dir, "journal"))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("scratch journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, val, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(val)
		if !ok || err != nil {
			break // a torn last line: ignore it
		}
		switch kind {
		case "chunk":
			if n == st.chunks {
				st.chunks = n + 1
			}
		case "tile":
			st.tiles[n] = true
		}
	}
	return st, nil
}

func (j *journal) add(kind string, n int) error {
	f, err := os.OpenFile(filepath.Join(j.dir, "journal"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("scratch journal: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s %d\n", kind, n)
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

func tileFile(dir string, t int) string { return filepath.Join(dir, fmt.Sprintf("tile-%05d.bin", t)) }

// transpose reads the frames in order and appends, chunk by chunk, each
// tile block's rows of every frame to its scratch file: C-order (frames,
// rows, columns), the layout the in-memory engine reads fastest.
func transpose(ctx context.Context, src source.Source, p *plan, dir string, j *journal, first int, o Options) error {
	ntiles := p.ny * p.nx
	files := make([]*os.File, ntiles)
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	bufs := make([][]byte, ntiles)
	for t := 0; t < ntiles; t++ {
		f, err := os.OpenFile(tileFile(dir, t), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		files[t] = f
		// Drop a torn chunk past the journal.
		size := int64(first) * int64(p.chunk) * int64(p.blockPixels(t/p.nx, t%p.nx)) * int64(p.es)
		if err := f.Truncate(size); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if _, err := f.Seek(size, io.SeekStart); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		bufs[t] = make([]byte, p.chunk*p.blockPixels(t/p.nx, t%p.nx)*p.es)
	}
	total := p.nread
	for c := first; c < p.nchunks; c++ {
		t0, t1 := c*p.chunk, min(p.nread, (c+1)*p.chunk)
		n := t1 - t0
		for t := t0; t < t1; t++ {
			if err := ctx.Err(); err != nil {
				return pcf.ErrCancelled
			}
			fr, err := src.Frame(t)
			if err != nil {
				return err
			}
			// Copy this frame's block rows into every tile's chunk buffer:
			// tile files hold C-order (frames, rows, columns) blocks, which
			// the in-memory engine transposes itself, cache-blocked.
			err = pool.Run(ctx, o.PCF.Threads, ntiles, func(_, ti int) error {
				_, _, _, _, y0, y1, x0, x1 := p.block(ti/p.nx, ti%p.nx)
				bw := x1 - x0
				px := (y1 - y0) * bw
				es, sx := p.es, fr.Strides[1]
				b := bufs[ti][(t-t0)*px*es : (t-t0+1)*px*es]
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
				return nil
			}, nil)
			if err != nil {
				return err
			}
			// Drop the mapped frames often: the kernel maps the pages
			// around every page read, which counts as resident memory.
			if r, ok := src.(source.Releaser); ok && (t+1)%64 == 0 {
				r.Release(t-63, t+1)
			}
			if o.Progress != nil && !o.Progress("transpose", t+1, total) {
				return pcf.ErrCancelled
			}
		}
		if r, ok := src.(source.Releaser); ok {
			r.Release(t0, t1)
		}
		for ti, f := range files {
			sz := n * p.blockPixels(ti/p.nx, ti%p.nx) * p.es
			if _, err := f.Write(bufs[ti][:sz]); err != nil {
				return fmt.Errorf("scratch %s: %w", f.Name(), err)
			}
			if err := f.Sync(); err != nil {
				return fmt.Errorf("scratch %s: %w", f.Name(), err)
			}
		}
		if err := j.add("chunk", c); err != nil {
			return err
		}
	}
	return nil
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

// compute runs the in-memory engine on every unfinished tile.
func compute(ctx context.Context, p *plan, dir string, j *journal, done map[int]bool, out Output, o Options) error {
	ntiles := p.ny * p.nx
	finished := len(done)
	syncer, _ := out.(interface{ Sync() error })
	// Buffers for the largest block, reused for every tile.
	maxPx := 0
	for ti := 0; ti < ntiles; ti++ {
		maxPx = max(maxPx, p.blockPixels(ti/p.nx, ti%p.nx))
	}
	dataBuf := make([]byte, maxPx*p.nread*p.es)
	var resBuf []byte
	var tileBuf []float32
	for ti := 0; ti < ntiles; ti++ {
		if done[ti] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return pcf.ErrCancelled
		}
		oy0, oy1, ox0, ox1, y0, y1, x0, x1 := p.block(ti/p.nx, ti%p.nx)
		bh, bw := y1-y0, x1-x0
		px := bh * bw
		// Load the tile: C-order (nread, bh, bw) samples.
		data := dataBuf[:px*p.nread*p.es]
		f, err := os.Open(tileFile(dir, ti))
		if err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		_, err = io.ReadFull(f, data)
		f.Close()
		if err != nil {
			return fmt.Errorf("scratch %s: %w", tileFile(dir, ti), err)
		}
		es := p.es
		view, err := array.New(p.dtype, array.NativeOrder, []int{p.nread, bh, bw},
			[]int{px * es, bw * es, es}, data, 0)
		if err != nil {
			return err
		}
		// The engine reads only the frames it uses; with no bleaching
		// correction nread == N, with it nread == T.
		opts := o.PCF
		opts.Progress = nil
		if opts.Mask != nil {
			m := *opts.Mask
			mv, err := array.New(m.DType, m.Order, []int{bh, bw}, m.Strides, m.Data, m.Offset+y0*m.Strides[0]+x0*m.Strides[1])
			if err != nil {
				return err
			}
			opts.Mask = &mv
		}
		if view.Shape[0] != p.g.T && o.PCF.Bleach == 0 {
			view.Shape[0] = p.nread
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
		if err := out.WriteTile(oy0, ox0, ty, tx, tile); err != nil {
			return err
		}
		if syncer != nil {
			if err := syncer.Sync(); err != nil {
				return fmt.Errorf("output %s: %w", out.Path(), err)
			}
		}
		if err := j.add("tile", ti); err != nil {
			return err
		}
		finished++
		if o.Progress != nil && !o.Progress("pcf", finished, ntiles) {
			return pcf.ErrCancelled
		}
	}
	return nil
}

func mathFloat32(b []byte) float32 {
	return float32frombits(binary.NativeEndian.Uint32(b))
}
