package ooc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// Band mode reads the rows of an input whose frames lie in one mapping
// (npy, raw, ImageJ TIFF) straight from it, piece after piece, instead of
// copying the frames into scratch files first: the scratch copy writes and
// reads the whole input once more (17 GB for a full frame), and the
// engine cannot start before it ends. Each piece's checksum is journaled
// when it is first read; a piece read again (the error bars' rows, a
// resumed run) must match it, and the input files must keep their size and
// modification time (source.Version), or the run fails with
// source.ErrChanged.

// directMinRowBytes is the smallest piece, in bytes of a frame, read in
// place: smaller pieces cost more CPU in read calls (one a frame) than the
// scratch copy they save. Measured on 1024 x 32 x 16,384 uint16 from the
// page cache, CPU-s in place / copied: 13.7 / 13.7 for pieces of 2 KiB a
// frame, 12.0 / 13.7 for 10 KiB; 128 columns, pieces of 512-768 bytes:
// 1.1 times the copy's CPU.
var directMinRowBytes = 2 << 10 // a variable: tests read small inputs in place

// directInput reads pieces of rows from the channels' stacks.
type directInput struct {
	p     *plan
	views []array.View // per channel: (T, H, W) with whole rows contiguous
	// readers read the files the views map: reads through the mapping
	// would map the pages (resident memory, page-table work) only to drop
	// them again.
	readers []*os.File
	names   []string
	snap    source.Snapshot // the files' size and time when the run began
	j       *journal
	st      *journalState
	seen    map[[2]int]bool // the pieces this run read
	ahead   [2]int          // per channel, the first piece not read ahead
	busy    atomic.Bool     // a read-ahead is being asked for
	wg      sync.WaitGroup  // the read-ahead
	workers int             // goroutines reading a piece
	ra      int             // bytes of a frame read ahead at once (readAheadBytes)
}

// readAheadBytes is the bytes of each frame read ahead at once: the
// pieces after the one being read, up to this size, are asked of the
// kernel together (one request a frame) once fewer remain ahead. Larger
// requests make a disk's reads more sequential; the page cache holds
// them: up to two windows, a third of the memory available at most.
// Measured on the full frame (1024 x 512 x 16,384, 20 KiB of each frame
// a piece) on a virtual disk: 128 KiB windows took 2:48 wall, 512 KiB
// 2:32.
func readAheadBytes(frames, frameBytes int) int {
	ra := int64(512 << 10)
	if m := pcf.MemAvailable(); m > 0 {
		ra = min(ra, m/6/int64(frames))
	}
	return int(max(128<<10, min(ra, int64(frameBytes))))
}

// readAhead asks the kernel to read the pieces ahead of piece k of
// channel ch into the page cache, a window at a time, while the engine
// works: the page cache holds them (not the process), and the reads
// overlap the transforms.
func (d *directInput) readAhead(ch, k int) {
	p, v := d.p, d.views[ch]
	n := len(p.pieces)
	if d.ra == 0 {
		d.ra = readAheadBytes(p.nread, v.Shape[1]*v.Strides[1])
	}
	w := max(1, d.ra/((p.pieces[k][1]-p.pieces[k][0])*v.Strides[1]))
	a := max(d.ahead[ch], k+1)
	b := min(n, a+w)
	// Nothing ahead of the last piece (a line scan's one row: the span of
	// piece 1 of 1 panicked, a campaign's finding), or read ahead already.
	if a >= b || d.ahead[ch] >= min(n, k+1+w) || !d.busy.CompareAndSwap(false, true) {
		return
	}
	d.ahead[ch] = b
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer d.busy.Store(false)
		for t := 0; t < p.nread; t++ {
			lo, _ := d.span(ch, a, t)
			_, hi := d.span(ch, b-1, t)
			willNeed(d.readers[ch], int64(lo), int64(hi-lo))
		}
	}()
}

// newDirect returns a reader of the channels srcs in place, or nil if one
// of them is not a stack with contiguous rows or the pieces are too small.
// Its journal and state are set once the scratch folder is open.
func newDirect(p *plan, srcs []source.Source, o Options) *directInput {
	if o.CopyInput || !p.bands || p.band*p.g.W*p.es < directMinRowBytes {
		return nil
	}
	d := &directInput{p: p, seen: map[[2]int]bool{}, workers: min(pool.Threads(o.PCF.Threads), 4)}
	for _, s := range srcs {
		v, ok := s.Stack()
		if !ok || len(v.Shape) != 3 || v.Shape[0] < p.nread {
			return d.fail()
		}
		es := v.DType.Size()
		if v.Strides[2] != es || v.Strides[1] != v.Shape[2]*es || v.Strides[0] < v.Shape[1]*v.Strides[1] {
			return d.fail()
		}
		name, ok := source.MappedFile(s)
		if !ok {
			return d.fail()
		}
		// Never waiting on a named pipe put in place of the input since
		// it was mapped (source.Snap below then fails the run).
		f, _, err := npy.OpenRegular(name)
		if err != nil {
			return d.fail()
		}
		d.readers = append(d.readers, f)
		d.views = append(d.views, v)
		d.names = append(d.names, s.Name())
	}
	var err error
	if d.snap, err = source.Snap(srcs...); err != nil {
		return d.fail()
	}
	return d
}

// fail closes what newDirect opened and returns nil.
func (d *directInput) fail() *directInput {
	d.close()
	return nil
}

// span is the byte range of piece k in frame t of channel ch's mapping.
func (d *directInput) span(ch, k, t int) (lo, hi int) {
	v := d.views[ch]
	y0, y1 := d.p.pieces[k][0], d.p.pieces[k][1]
	lo = v.Offset + t*v.Strides[0] + y0*v.Strides[1]
	return lo, lo + (y1-y0)*v.Strides[1]
}

// load copies piece k of channel ch (its rows of the frames read) into
// buf, (frames, rows, columns) in the input's byte order, and checks its
// checksum against the journal's (or journals it). With a nil buf it only
// checks or journals the checksum.
func (d *directInput) load(ctx context.Context, ch, k int, buf []byte) (array.View, error) {
	p, v := d.p, d.views[ch]
	y0, y1 := p.pieces[k][0], p.pieces[k][1]
	L := (y1 - y0) * v.Strides[1]
	F := v.Shape[1] * v.Strides[1]
	gap := crcShiftOp(int64(F - L))
	var data []byte
	if buf != nil {
		data = buf[:p.nread*L]
	}
	// The workers read runs of frames (the engine's threads wait for the
	// piece), each with the checksum register of its frames.
	nw := min(d.workers, p.nread)
	per := (p.nread + nw - 1) / nw
	accs := make([]uint32, nw)
	err := pool.Run(ctx, nw, nw, func(_, w int) error {
		t0, t1 := w*per, min(p.nread, (w+1)*per)
		var one []byte
		if data == nil {
			one = make([]byte, L)
		}
		var acc uint32
		for t := t0; t < t1; t++ {
			if (t-t0)%1024 == 0 && ctx.Err() != nil {
				return pcf.ErrCancelled
			}
			lo, _ := d.span(ch, k, t)
			dst := one
			if data != nil {
				dst = data[t*L : (t+1)*L]
			}
			if n, err := d.readers[ch].ReadAt(dst, int64(lo)); n < L {
				return fmt.Errorf("%w: %s: frame %d, rows %d to %d: %v (truncated?)", source.ErrChanged, d.names[ch], t, y0, y1-1, err)
			}
			acc = ^CRCUpdate(^crcShift(gap, acc), dst)
		}
		accs[w] = acc
		return nil
	}, nil)
	if errors.Is(err, pool.ErrCancelled) {
		err = pcf.ErrCancelled
	}
	if err != nil {
		return array.View{}, err
	}
	var acc uint32
	for w := range nw {
		t0, t1 := w*per, min(p.nread, (w+1)*per)
		acc = crcShift(crcShiftOp(int64(F)*int64(t1-t0)), acc) ^ accs[w]
	}
	if err := d.unchanged(); err != nil {
		return array.View{}, err
	}
	key := [2]int{ch, k}
	if have, ok := d.st.pieceCRC[key]; ok && have != acc {
		return array.View{}, fmt.Errorf("%w: %s: rows %d to %d differ from when this job read them first: its work so far is discarded; run it again to compute the input as it is now", source.ErrChanged, d.names[ch], y0, y1-1)
	} else if !ok {
		if err := d.j.add(fmt.Sprintf("input %d %d %08x", ch, k, acc)); err != nil {
			return array.View{}, err
		}
		d.st.pieceCRC[key] = acc
	}
	d.seen[key] = true
	// After the piece: the first piece's reads would queue behind the
	// window's. (Also when only checking: readUnseen reads pieces in
	// order.)
	d.readAhead(ch, k)
	if data == nil {
		return array.View{}, nil
	}
	return array.New(v.DType, v.Order, []int{p.nread, y1 - y0, p.g.W}, []int{(y1 - y0) * p.g.W * p.es, p.g.W * p.es, p.es}, data, 0)
}

// unchanged fails if an input file's size or modification time
// (source.Version) changed since the run began.
func (d *directInput) unchanged() error { return d.snap.Check() }

// close waits for the read-ahead and closes the files.
func (d *directInput) close() {
	d.wg.Wait()
	for _, f := range d.readers {
		f.Close()
	}
}

// readUnseen reads the pieces this run did not, only for their checksums:
// with journaled set, those with a checksum in the journal (a resumed run
// checks first that the rows of the bands finished before are still the
// input's), else every one (at the end, so that directCRC can give each
// channel's).
func (d *directInput) readUnseen(ctx context.Context, journaled bool) error {
	p := d.p
	for ch := range d.views {
		for k := range p.pieces {
			key := [2]int{ch, k}
			if _, ok := d.st.pieceCRC[key]; !d.seen[key] && (ok || !journaled) {
				if _, err := d.load(ctx, ch, k, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// directCRC combines channel ch's pieces' checksums into the CRC-32C of
// its frames in order (each piece's is the register of its rows of every
// frame, as if the bytes between were zeros).
func (st *journalState) directCRC(p *plan, ch int) uint32 {
	rowBytes := int64(p.g.W * p.es)
	F := int64(p.g.H) * rowBytes
	var raw uint32
	for k, r := range p.pieces {
		raw ^= crcShift(crcShiftOp(F-int64(r[1])*rowBytes), st.pieceCRC[[2]int{ch, k}])
	}
	return crcFromRaw(raw, int64(p.nread)*F)
}
