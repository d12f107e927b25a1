package ooc

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pcf"
)

// computeBands runs pcf.Stream over the scratch files of band mode: each
// file, checked against the journal, is the rows the engine asks for
// next; each band of output rows it emits is written, with its error bars,
// and journaled. It starts at the first band the journal does not hold
// (bands after it that it holds are not written again).
func computeBands(ctx context.Context, p *plan, dir string, j *journal, st *journalState, out Output, o Options, d *directInput) error {
	g := p.g
	nb := p.ny
	first := 0
	for first < nb {
		if _, ok := st.tiles[first]; !ok {
			break
		}
		first++
	}
	if first == nb {
		return nil
	}
	finished := len(st.tiles)
	var buf, rowsBuf []byte
	var sdBuf []float32
	view := func(data []byte, rows int, order array.ByteOrder) (array.View, error) {
		es := p.es
		return array.New(p.dtype, order, []int{p.nread, rows, g.W}, []int{rows * g.W * es, g.W * es, es}, data, 0)
	}
	// load reads scratch file k of channel ch into buf, checking each
	// chunk's part against the journal (or piece k from the input).
	load := func(ch, k int) (array.View, error) {
		px := p.regionPixels(k)
		need := px * p.nread * p.es
		if cap(buf) < need {
			buf = make([]byte, need)
		}
		if d != nil {
			return d.load(ctx, ch, k, buf)
		}
		data := buf[:need]
		f, err := openOwnRead(tileFile(dir, ch, k))
		if err != nil {
			return array.View{}, errScratch{0, k}
		}
		n, _ := io.ReadFull(f, data)
		f.Close()
		clear(data[n:])
		seg := p.chunk * px * p.es
		for c := 0; c < p.nchunks; c++ {
			part := data[min(len(data), c*seg):min(len(data), (c+1)*seg)]
			if len(st.chunkCRC[c]) != p.crcs() || CRC(part) != st.chunkCRC[c][ch*p.nfiles()+k] {
				return array.View{}, errScratch{c, k}
			}
		}
		return view(data, p.pieces[k][1]-p.pieces[k][0], array.NativeOrder)
	}
	fileOf := func(y0, y1 int) int {
		for k, r := range p.pieces {
			if r[0] == y0 && r[1] == y1 {
				return k
			}
		}
		return -1
	}
	// rowsOf returns the image rows [y0, y1) of channel ch from the
	// scratch files that hold them (the block of a band's error bars).
	rowsOf := func(ch, y0, y1 int) (array.View, error) {
		R, rowBytes := y1-y0, g.W*p.es
		need := p.nread * R * rowBytes
		if cap(rowsBuf) < need {
			rowsBuf = make([]byte, need)
		}
		dst := rowsBuf[:need]
		order := array.NativeOrder
		for k, r := range p.pieces {
			a, b := r[0], r[1]
			lo, hi := max(a, y0), min(b, y1)
			if lo >= hi {
				continue
			}
			v, err := load(ch, k)
			if err != nil {
				return array.View{}, err
			}
			data, n := v.Data, (hi-lo)*rowBytes
			order = v.Order
			for t := 0; t < p.nread; t++ {
				copy(dst[(t*R+lo-y0)*rowBytes:][:n], data[(t*(b-a)+lo-a)*rowBytes:][:n])
			}
		}
		return view(dst, R, order)
	}
	opts := o.PCF
	opts.Progress = nil
	opts.Band = p.band
	T, H, W := g.T, g.H, g.W
	if p.nch == 2 {
		opts.Data2 = &array.View{DType: p.dtype, Shape: []int{T, H, W}, Strides: []int{0, 0, 0}}
	}
	ow := g.OutShape[1]
	// Read in place (without the error bars, whose rows share the
	// buffer), the next piece is read while the engine computes the
	// pairs: the engine is done with the buffer once it has the spectra.
	type loaded struct {
		ch, k int
		v     array.View
		err   error
	}
	var next chan loaded
	wait := func() (l loaded, ok bool) {
		if next == nil {
			return l, false
		}
		l, next = <-next, nil
		return l, true
	}
	defer wait()
	sio := pcf.StreamIO{
		Rows: func(ch, y0, y1 int) (array.View, error) {
			k := fileOf(y0, y1)
			if k < 0 {
				return array.View{}, fmt.Errorf("ooc: the engine asked for rows %d to %d, not a scratch file's", y0, y1-1)
			}
			if l, ok := wait(); ok && l.ch == ch && l.k == k {
				return l.v, l.err
			}
			return load(ch, k)
		},
		Emit: func(oy0, oy1 int, rows []float32) error {
			if err := ctx.Err(); err != nil {
				return pcf.ErrCancelled
			}
			i := oy0 / p.band
			if _, ok := st.tiles[i]; ok {
				return nil // finished and verified by an earlier run
			}
			// The band's block for the error bars: its rows and margin
			// rows on each side, all columns.
			views := func() ([]array.View, error) {
				v := make([]array.View, p.nch)
				y1 := min(H, oy1+2*g.Margin[0])
				for ch := range v {
					var err error
					if v[ch], err = rowsOf(ch, oy0, y1); err != nil {
						return nil, err
					}
					if ch == 0 && p.nch == 2 {
						// rowsOf reuses its buffer: keep channel 0's rows.
						v[0].Data = append([]byte(nil), v[0].Data...)
					}
				}
				return v, nil
			}
			return commitTile(ctx, p, o, j, st, out, tileSpot{i, oy0, 0, oy1 - oy0, ow, oy0, 0}, rows, views, &sdBuf, &finished, nb)
		},
	}
	if d != nil && !p.errs {
		sio.Read = func(ch, y0, y1 int) {
			ch, k := ch+1, fileOf(y0, y1)
			if ch == p.nch {
				ch, k = 0, k+1
			}
			if k >= len(p.pieces) {
				return
			}
			next = make(chan loaded, 1)
			go func(c chan loaded) {
				v, err := load(ch, k)
				c <- loaded{ch, k, v, err}
			}(next)
		}
	}
	if p.budget > 0 {
		// The Go heap's share of the budget: the data part of the
		// budget (dataMemory) less the spectra, which are mapped outside
		// it, plus the Go runtime's own part of ProcessOverhead (the rest
		// of it is code and C libraries, outside the Go limit). Without a
		// limit the garbage of the bands (GOGC) would take the peak over
		// the budget; with the whole budget less the spectra as the limit
		// it did at the smallest budgets (1024 columns at 558 MiB: peak
		// 560.6 MiB).
		defer lowerMemoryLimit(max(dataMemory(p.budget)-g.SpectraBytesBand(p.band)+goRuntimeMemory, 32<<20))()
	}
	return pcf.Stream(ctx, [3]int{T, H, W}, p.dtype, opts, first, sio)
}

// The Go runtime's memory limit is the process's: band jobs running at
// once (threads of a host program) each hold their own share of the heap,
// so the limit is the sum of theirs (the smallest of them made two jobs'
// collectors run without pause), never above the limit found before the
// first; the last one to finish puts that back.
var (
	limitMu    sync.Mutex
	limitUsers int
	limitPrev  int64
	limitSum   int64
)

// lowerMemoryLimit adds limit to the Go memory limit of the band jobs
// running until the returned function is called.
func lowerMemoryLimit(limit int64) (restore func()) {
	limitMu.Lock()
	defer limitMu.Unlock()
	if limitUsers == 0 {
		limitPrev = debug.SetMemoryLimit(-1) // -1 reads it
		limitSum = 0
	}
	limitUsers++
	limitSum += limit
	debug.SetMemoryLimit(min(limitPrev, limitSum))
	return func() {
		limitMu.Lock()
		defer limitMu.Unlock()
		limitUsers--
		limitSum -= limit
		if limitUsers == 0 {
			debug.SetMemoryLimit(limitPrev)
		} else {
			debug.SetMemoryLimit(min(limitPrev, limitSum))
		}
	}
}
