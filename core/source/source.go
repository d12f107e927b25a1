package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// ErrFormat reports a file that cannot be read as an image time series.
var ErrFormat = errors.New("source: unsupported or invalid input")

// Source is an image time series of T frames of H x W samples.
type Source interface {
	// Shape returns the number of frames, rows and columns.
	Shape() (t, h, w int)
	// DType returns the sample type.
	DType() array.DType
	// Frame returns frame t as an (H, W) view. The view is valid until the
	// next call of Frame or Close (it may point into a memory-mapped file
	// that the next call unmaps): consume or copy it first.
	Frame(t int) (array.View, error)
	// Stack returns the whole series as one (T, H, W) view if the frames
	// lie at a constant stride in one mapping (npy, raw, ImageJ TIFF).
	Stack() (array.View, bool)
	// Name describes the source for messages and metadata.
	Name() string
	Close() error
}

// Files lists the files a source reads, in frame order, for fingerprints
// and for checks that an output does not overwrite an input.
func Files(s Source) []string {
	if f, ok := s.(interface{ paths() []string }); ok {
		return f.paths()
	}
	return nil
}

// Releaser is implemented by sources that can drop frames they have served
// from memory (a memory-mapped file's pages count as resident memory until
// released). Frames released can still be read again.
type Releaser interface {
	Release(t0, t1 int)
}

// release advises the kernel that bytes [lo, hi) of the mapping are not
// needed now (whole pages inside the range only).
func (m *mapping) release(lo, hi int) {
	const page = 4096
	lo = (lo + page - 1) / page * page
	hi = hi / page * page
	if m == nil || m.data == nil || lo >= hi || hi > len(m.data) {
		return
	}
	syscall.Madvise(m.data[lo:hi], syscall.MADV_DONTNEED)
}

// mapping is a read-only memory map of a file.
type mapping struct {
	path  string
	data  []byte
	unmap func() error
}

func mapFile(path string) (*mapping, error) {
	data, unmap, err := npy.MapFile(path)
	if err != nil {
		return nil, err
	}
	return &mapping{path: path, data: data, unmap: unmap}, nil
}

func (m *mapping) close() error {
	if m == nil || m.unmap == nil {
		return nil
	}
	err := m.unmap()
	m.data, m.unmap = nil, nil
	return err
}

// stack is a source whose frames lie at a constant stride in one mapping.
type stack struct {
	m    *mapping
	v    array.View // (T, H, W)
	name string
}

func (s *stack) Shape() (int, int, int) { return s.v.Shape[0], s.v.Shape[1], s.v.Shape[2] }
func (s *stack) DType() array.DType     { return s.v.DType }
func (s *stack) Name() string           { return s.name }
func (s *stack) Close() error           { return s.m.close() }
func (s *stack) paths() []string        { return []string{s.m.path} }
func (s *stack) Stack() (array.View, bool) {
	return s.v, true
}

// Release drops frames [t0, t1) from memory.
func (s *stack) Release(t0, t1 int) {
	lo, hi, err := array.Extent(s.v.Shape[1:], s.v.Strides[1:], s.v.DType.Size())
	if err != nil || s.v.Strides[0] <= 0 {
		return
	}
	s.m.release(s.v.Offset+t0*s.v.Strides[0]+lo, s.v.Offset+(t1-1)*s.v.Strides[0]+hi)
}

func (s *stack) Frame(t int) (array.View, error) {
	if t < 0 || t >= s.v.Shape[0] {
		return array.View{}, fmt.Errorf("source: frame %d outside 0..%d", t, s.v.Shape[0]-1)
	}
	return array.New(s.v.DType, s.v.Order, s.v.Shape[1:], s.v.Strides[1:], s.v.Data, s.v.Offset+t*s.v.Strides[0])
}

// OpenNpy maps a 3-D .npy file.
func OpenNpy(path string) (Source, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	v, _, err := npy.View(m.data)
	if err != nil {
		m.close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if v.NDim() != 3 {
		m.close()
		return nil, fmt.Errorf("%w: %s: shape %v, want 3 dimensions (time, rows, columns)", ErrFormat, path, v.Shape)
	}
	return &stack{m: m, v: v, name: path}, nil
}

// Raw describes a headerless binary file.
type Raw struct {
	T, H, W int
	DType   array.DType
	Order   array.ByteOrder
	Offset  int
}

// OpenRaw maps a raw binary file of C-order (T, H, W) samples.
func OpenRaw(path string, r Raw) (Source, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	es := r.DType.Size()
	if es == 0 {
		m.close()
		return nil, fmt.Errorf("%w: raw dtype %v", ErrFormat, r.DType)
	}
	if r.T < 1 || r.H < 1 || r.W < 1 || r.Offset < 0 {
		m.close()
		return nil, fmt.Errorf("%w: raw shape %d,%d,%d offset %d", ErrFormat, r.T, r.H, r.W, r.Offset)
	}
	v, err := array.New(r.DType, r.Order, []int{r.T, r.H, r.W}, []int{r.H * r.W * es, r.W * es, es}, m.data, r.Offset)
	if err != nil {
		size := len(m.data)
		m.close()
		return nil, fmt.Errorf("%w: %s: %d bytes do not hold %d x %d x %d %s samples after offset %d",
			ErrFormat, path, size, r.T, r.H, r.W, r.DType, r.Offset)
	}
	return &stack{m: m, v: v, name: path}, nil
}

// ParseDType parses a dtype name (uint8, uint16, int16, int32, float32, float64).
func ParseDType(s string) (array.DType, error) {
	for _, d := range []array.DType{array.Uint8, array.Uint16, array.Int16, array.Int32, array.Float32, array.Float64} {
		if s == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w: dtype %q (want uint8, uint16, int16, int32, float32 or float64)", ErrFormat, s)
}

// Open opens path by its extension or content: a folder or glob pattern of
// TIFF files, a .tif/.tiff file, or a .npy file.
func Open(path string) (Source, error) {
	if strings.ContainsAny(path, "*?[") {
		files, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("%w: pattern %q: %v", ErrFormat, path, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%w: no file matches %q", ErrFormat, path)
		}
		return OpenTIFFSeries(files)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		files, err := tiffFiles(path)
		if err != nil {
			return nil, err
		}
		return OpenTIFFSeries(files)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := f.Read(head)
	f.Close()
	head = head[:n]
	switch {
	case n >= 6 && string(head[:6]) == "\x93NUMPY":
		return OpenNpy(path)
	case n >= 4 && (string(head[:2]) == "II" || string(head[:2]) == "MM"):
		return OpenTIFF(path)
	}
	return nil, fmt.Errorf("%w: %s is neither .npy nor TIFF (for raw data give --shape and --dtype)", ErrFormat, path)
}

// tiffFiles lists the TIFF files of a folder (recursively, as Micro-Manager
// writes Pos0/...), sorted by name.
func tiffFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && (ext == ".tif" || ext == ".tiff") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no .tif files in %s", ErrFormat, dir)
	}
	sort.Strings(files)
	return files, nil
}

// Range is a half-open index range; Stop 0 means the end.
type Range struct{ Start, Stop int }

// ParseRange parses "a:b", "a:" or ":b".
func ParseRange(s string) (Range, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Range{}, fmt.Errorf("range %q: want start:stop", s)
	}
	var r Range
	var err error
	if a != "" {
		if r.Start, err = strconv.Atoi(a); err != nil || r.Start < 0 {
			return Range{}, fmt.Errorf("range %q: bad start", s)
		}
	}
	if b != "" {
		if r.Stop, err = strconv.Atoi(b); err != nil || r.Stop <= r.Start {
			return Range{}, fmt.Errorf("range %q: bad stop", s)
		}
	}
	return r, nil
}

func (r Range) resolve(n int, what string) (int, int, error) {
	stop := r.Stop
	if stop == 0 {
		stop = n
	}
	if r.Start >= stop || stop > n {
		return 0, 0, fmt.Errorf("%w: %s %d:%d outside 0:%d", ErrFormat, what, r.Start, stop, n)
	}
	return r.Start, stop, nil
}

// selection is a source restricted to frames and a crop.
type selection struct {
	src            Source
	t0, t1         int
	y0, y1, x0, x1 int
}

// Select restricts src to frames [frames) and rows/columns [rows) x [cols).
func Select(src Source, frames, rows, cols Range) (Source, error) {
	T, H, W := src.Shape()
	s := &selection{src: src}
	var err error
	if s.t0, s.t1, err = frames.resolve(T, "frames"); err != nil {
		return nil, err
	}
	if s.y0, s.y1, err = rows.resolve(H, "crop rows"); err != nil {
		return nil, err
	}
	if s.x0, s.x1, err = cols.resolve(W, "crop columns"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *selection) Shape() (int, int, int) { return s.t1 - s.t0, s.y1 - s.y0, s.x1 - s.x0 }
func (s *selection) DType() array.DType     { return s.src.DType() }
func (s *selection) Name() string           { return s.src.Name() }
func (s *selection) Close() error           { return s.src.Close() }
func (s *selection) paths() []string        { return Files(s.src) }

func (s *selection) crop(v array.View, lead int) (array.View, error) {
	st := v.Strides
	off := v.Offset + s.y0*st[lead] + s.x0*st[lead+1]
	shape := append(append([]int(nil), v.Shape[:lead]...), s.y1-s.y0, s.x1-s.x0)
	return array.New(v.DType, v.Order, shape, st, v.Data, off)
}

// Release forwards to the underlying source.
func (s *selection) Release(t0, t1 int) {
	if r, ok := s.src.(Releaser); ok {
		r.Release(s.t0+t0, s.t0+t1)
	}
}

func (s *selection) Frame(t int) (array.View, error) {
	if t < 0 || t >= s.t1-s.t0 {
		return array.View{}, fmt.Errorf("source: frame %d outside 0..%d", t, s.t1-s.t0-1)
	}
	v, err := s.src.Frame(s.t0 + t)
	if err != nil {
		return v, err
	}
	return s.crop(v, 0)
}

func (s *selection) Stack() (array.View, bool) {
	v, ok := s.src.Stack()
	if !ok {
		return v, false
	}
	w, err := s.crop(v, 1)
	if err != nil {
		return v, false
	}
	w.Offset += s.t0 * w.Strides[0]
	w.Shape[0] = s.t1 - s.t0
	return w, true
}

// ParseCrop parses "y0:y1,x0:x1".
func ParseCrop(s string) (rows, cols Range, err error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return rows, cols, fmt.Errorf("crop %q: want y0:y1,x0:x1", s)
	}
	if rows, err = ParseRange(a); err != nil {
		return
	}
	cols, err = ParseRange(b)
	return
}

// Guard runs f, which reads memory-mapped input, and turns a fault on the
// mapping (SIGBUS: the file was truncated or replaced while mapped) into
// an error naming the source instead of a crash. It guards reads by Go
// code on the calling goroutine only.
func Guard(name string, f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("%w: %s: the input changed while it was read (truncated or replaced?): %v", ErrChanged, name, r)
				return
			}
			panic(r)
		}
	}()
	return f()
}

// ErrChanged reports an input file that changed during a run.
var ErrChanged = errors.New("source: input changed")
