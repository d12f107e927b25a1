package source

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// FrameReader reads the frames of a stack (npy, raw, an ImageJ TIFF) with
// read(2) from the file the stack has mapped, instead of through the
// mapping. Copying a stack's frames into memory that way took less than
// half the time of the copy through the mapping (16,384 frames of 64 x 64
// uint16: 16.5-20.3 ms against 37.8-42.7 ms, the mapping's page faults and
// their release; BenchmarkReadStack), and a file truncated under it is a
// short read, not a fault.
type FrameReader struct {
	f     *os.File
	name  string
	off   int // byte offset of frame 0 in the file
	step  int // bytes from one frame to the next
	frame int // bytes of a frame
	t     int // frames
	order array.ByteOrder
}

// runStack returns src as a stack whose frames are each one run of bytes
// (rows back to back, samples back to back, at least one sample) in the
// file it has mapped, whose identity is known; ok is false for any other
// source.
func runStack(src Source) (s *stack, ok bool) {
	s, isStack := src.(*stack)
	if !isStack || s.m == nil || s.m.id == "" {
		return nil, false
	}
	v := s.v
	es := v.DType.Size()
	if len(v.Shape) != 3 || es == 0 || v.Strides[2] != es || v.Strides[1] != v.Shape[2]*es || v.Strides[0] < v.Shape[1]*v.Strides[1] || v.Shape[1]*v.Strides[1] == 0 {
		return nil, false
	}
	return s, true
}

// NewFrameReader returns a reader of src's frames if src is a stack whose
// frames are each one run of bytes (rows back to back, samples back to
// back) in the file it has mapped, and the file at its path is still that
// file (its identity checked on the open descriptor); else ok is false,
// and the frames are read through src.Frame.
func NewFrameReader(src Source) (_ *FrameReader, ok bool) {
	s, ok := runStack(src)
	if !ok {
		return nil, false
	}
	v := s.v
	f, st, err := npy.OpenRegular(s.m.path)
	if err != nil {
		return nil, false
	}
	if identity(st) != s.m.id {
		f.Close()
		return nil, false
	}
	return &FrameReader{f: f, name: s.name, off: v.Offset, step: v.Strides[0], frame: v.Shape[1] * v.Strides[1], t: v.Shape[0], order: v.Order}, true
}

// FrameBytes is the size of one frame in dst (H x W samples).
func (r *FrameReader) FrameBytes() int { return r.frame }

// Read copies frames [t0, t0+len(dst)/FrameBytes()) into dst, C order,
// in the stack's byte order. A file that ends before them (truncated
// since it was opened) is ErrChanged.
func (r *FrameReader) Read(t0 int, dst []byte) error {
	n := len(dst) / r.frame
	if t0 < 0 || n < 0 || t0+n > r.t || n*r.frame != len(dst) {
		return fmt.Errorf("source: %s: frames %d to %d outside 0..%d", r.name, t0, t0+n-1, r.t-1)
	}
	for t := t0; t < t0+n; {
		// Back-to-back frames in one read, else one frame a read.
		k := 1
		if r.step == r.frame {
			k = t0 + n - t
		}
		b := dst[(t-t0)*r.frame : (t-t0+k)*r.frame]
		if got, err := r.f.ReadAt(b, int64(r.off)+int64(t)*int64(r.step)); got < len(b) {
			if err != nil && !errors.Is(err, io.EOF) {
				// An I/O error: not a changed input (whose partial
				// output and scratch a job removes: FAULT8's F5).
				return fmt.Errorf("source: %s: frame %d: %w", r.name, t+got/r.frame, err)
			}
			return fmt.Errorf("%w: %s: the input changed while it was read (truncated or replaced?): frame %d: %v", ErrChanged, r.name, t+got/r.frame, err)
		}
		t += k
	}
	return nil
}

// runBytes is the most ReadRuns reads at a time: a run is checksummed and
// converted while it is in the L2 cache.
const runBytes = 256 << 10

// ReadRuns reads frames [0, n) into dst (n frames, as Read) in runs of
// whole frames of at most 256 KiB (one frame where a frame is larger),
// calling each with a run's bytes and the frame after it once the run is
// in dst; an error from each stops it and is returned.
func (r *FrameReader) ReadRuns(n int, dst []byte, each func(run []byte, next int) error) error {
	run := max(1, min(64, runBytes/max(1, r.frame)))
	for t := 0; t < n; t += run {
		k := min(run, n-t)
		b := dst[t*r.frame : (t+k)*r.frame]
		if err := r.Read(t, b); err != nil {
			return err
		}
		if err := each(b, t+k); err != nil {
			return err
		}
	}
	return nil
}

// Order is the byte order of the frames Read copies.
func (r *FrameReader) Order() array.ByteOrder { return r.order }

// Close closes the file.
func (r *FrameReader) Close() error { return r.f.Close() }

// ReadMapped walks frames [0, n) of src in the file mapping they lie in,
// where src is a stack NewFrameReader reads (each frame one run of bytes
// of the file it has mapped), and returns them as a view of the mapping;
// ok is false (nothing read) for other sources. It walks them in runs as
// ReadRuns reads them (the same bytes in the same order: frames back to
// back form one run), mapping each run's pages in one call first, and
// calls each with a run's bytes and the frame after it. A file cut short
// or replaced since it was opened is ErrChanged: a fault while a run is
// read (Guard), or the file's size or identity after the walk (a cut
// within the last page reads as zeros, not a fault).
//
// Code that reads the view later must read it in Go, under Guard or in a
// pool worker: a file cut short under the mapping faults there (an
// error), where C code would end the process. The pCF engine reads such
// views so (its readInGo). The frames then take no fresh memory, which
// the project machine's kernel zeroes at 1-3 GB/s.
func ReadMapped(src Source, n int, each func(run []byte, next int) error) (v array.View, ok bool, err error) {
	s, ok := runStack(src)
	if !ok || n < 1 || n > s.v.Shape[0] {
		return array.View{}, false, nil
	}
	v = s.v
	v.Shape = []int{n, v.Shape[1], v.Shape[2]}
	frame := v.Shape[1] * v.Strides[1]
	step := v.Strides[0]
	run := max(1, min(64, runBytes/max(1, frame)))
	err = Guard(s.name, func() error {
		for t := 0; t < n; t += run {
			k := min(run, n-t)
			lo := v.Offset + t*step
			populate(v.Data[lo : lo+(k-1)*step+frame])
			if step == frame {
				if err := each(v.Data[lo:lo+k*frame], t+k); err != nil {
					return err
				}
				continue
			}
			for i := t; i < t+k; i++ {
				o := v.Offset + i*step
				if err := each(v.Data[o:o+frame], i+1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return array.View{}, true, err
	}
	end := int64(v.Offset + (n-1)*step + frame)
	if st, err := os.Stat(s.m.path); err != nil || st.Size() < end || identity(st) != s.m.id {
		return array.View{}, true, fmt.Errorf("%w: %s: the input changed while it was read (truncated or replaced?)", ErrChanged, s.name)
	}
	return v, true, nil
}
