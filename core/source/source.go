package source

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pool"
)

// ErrFormat reports a file that cannot be read as an image time series.
var ErrFormat = errors.New("source: unsupported or invalid input")

// ErrChannel reports a channel selection the input does not have: a
// channel beyond a multi-channel file's channels, or any but the first of
// an input of one channel. Its messages number channels from 1, as
// ImageJ does.
var ErrChannel = errors.New("source: no such channel")

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

// MappedFile returns the file whose mapping is the Data of src's Stack
// view (byte i of Data is byte i of the file), for reading parts of it
// with ReadAt instead of through the mapping.
func MappedFile(src Source) (string, bool) {
	if m, ok := src.(interface{ mappedFile() string }); ok {
		name := m.mappedFile()
		return name, name != ""
	}
	return "", false
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
	dontNeed(m.data[lo:hi])
}

// mapping is a read-only memory map of a file.
type mapping struct {
	path  string
	data  []byte
	unmap func() error
	id    string // the identity (device, inode) of the file mapped; "" unknown
}

func mapFile(path string) (*mapping, error) {
	data, unmap, st, err := npy.MapFileInfo(path)
	if err != nil {
		return nil, err
	}
	if testHookMapped != nil {
		testHookMapped(path)
	}
	return &mapping{path: path, data: data, unmap: unmap, id: identity(st)}, nil
}

// testHookMapped, if set, runs when a file has just been mapped (tests
// truncate it there).
var testHookMapped func(path string)

// identity is the device and inode part of a file's Status ("" where
// unknown).
func identity(st os.FileInfo) string {
	s, _ := fileStatus(st)
	id, _, _ := strings.Cut(s, " ")
	return id
}

// heldMappings are the mappings a source holds open now (its frames are
// read from them, not from their paths).
func heldMappings(src Source) []*mapping {
	switch s := src.(type) {
	case *stack:
		return []*mapping{s.m}
	case *pageSource:
		return []*mapping{s.m}
	case *series:
		if s.cur != nil {
			return []*mapping{s.cur}
		}
	case *selection:
		return heldMappings(s.src)
	}
	return nil
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
	u    Units // from a TIFF file's metadata
}

func (s *stack) Shape() (int, int, int) { return s.v.Shape[0], s.v.Shape[1], s.v.Shape[2] }
func (s *stack) DType() array.DType     { return s.v.DType }
func (s *stack) Name() string           { return s.name }
func (s *stack) Close() error           { return s.m.close() }
func (s *stack) paths() []string        { return []string{s.m.path} }
func (s *stack) mappedFile() string     { return s.m.path }
func (s *stack) Stack() (array.View, bool) {
	return s.v, true
}

// Release drops frames [t0, t1) from memory.
func (s *stack) Release(t0, t1 int) {
	lo, hi, err := array.Extent(s.v.Shape[1:], s.v.Strides[1:], s.v.DType.Size())
	if err != nil || s.v.Strides[0] <= 0 || s.v.Strides[0] < hi-lo {
		// (frames interleaved, as in a Fortran-order file: a frame's
		// extent holds the frames after it, whose pages were dropped and
		// read again, 5.6 times the CPU of the C-order file: REVIEW14)
		return
	}
	s.m.release(s.v.Offset+t0*s.v.Strides[0]+lo, s.v.Offset+(t1-1)*s.v.Strides[0]+hi)
}

func (s *stack) Frame(t int) (array.View, error) {
	if t < 0 || t >= s.v.Shape[0] {
		return array.View{}, fmt.Errorf("source: %s: frame %d outside 0..%d", s.name, t, s.v.Shape[0]-1)
	}
	return array.New(s.v.DType, s.v.Order, s.v.Shape[1:], s.v.Strides[1:], s.v.Data, s.v.Offset+t*s.v.Strides[0])
}

// OpenNpy maps a 3-D .npy file.
func OpenNpy(path string) (Source, error) { return openMapped(path, openNpy) }

// openMapped maps the file at path and reads it with open (parsed); the
// mapping is closed where that fails.
func openMapped(path string, open func(*mapping) (Source, error)) (Source, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	src, err := parsed(m, func() (Source, error) { return open(m) })
	if err != nil {
		m.close()
		return nil, err
	}
	return src, nil
}

func openNpy(m *mapping) (Source, error) {
	v, h, err := npy.View(m.data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, m.path, err)
	}
	if len(h.Shape) != 3 { // (h: a 0-d array's view has shape [1])
		return nil, fmt.Errorf("%w: %s: shape %v, want 3 dimensions (time, rows, columns)", ErrFormat, m.path, h.Shape)
	}
	if err := npy.CheckBool(m.path, h); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return &stack{m: m, v: v, name: m.path}, nil
}

// OpenLineScan maps a 2-D .npy file, a (time, x) line scan in C or
// Fortran order, as the (time, 1, x) stack it is.
func OpenLineScan(path string) (Source, error) { return openMapped(path, openLines) }

func openLines(m *mapping) (Source, error) {
	v, h, err := npy.View(m.data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, m.path, err)
	}
	if len(h.Shape) != 2 {
		return nil, fmt.Errorf("%w: %s: shape %v, want 2 dimensions (time, x) for a line scan", ErrFormat, m.path, h.Shape)
	}
	if h.Shape[0] == 0 || h.Shape[1] == 0 {
		return nil, fmt.Errorf("%w: %s: a (time, x) line scan of shape %v: no sample", ErrFormat, m.path, h.Shape)
	}
	if err := npy.CheckBool(m.path, h); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	// The one row's stride spans a row of either order (never stepped).
	lv, err := array.New(v.DType, v.Order, []int{h.Shape[0], 1, h.Shape[1]},
		[]int{v.Strides[0], v.Strides[1] * h.Shape[1], v.Strides[1]}, v.Data, v.Offset)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, m.path, err)
	}
	return &stack{m: m, v: lv, name: m.path}, nil
}

// Raw describes a headerless binary file.
type Raw struct {
	T, H, W int
	DType   array.DType
	Order   array.ByteOrder
	Offset  int
}

// size returns the exact byte size of a raw file with r's layout, or an
// error for an invalid layout or one whose size overflows int64.
func (r Raw) size(path string) (int64, error) {
	if r.DType.Size() == 0 {
		return 0, fmt.Errorf("%w: %s: raw dtype %v (want uint8, uint16, int16, int32, float32 or float64)", ErrFormat, path, r.DType)
	}
	switch r.Order {
	case array.Native, array.Little, array.Big:
	default:
		return 0, fmt.Errorf("%w: %s: raw byte order %d (want native, little or big)", ErrFormat, path, uint32(r.Order))
	}
	if r.T < 1 || r.H < 1 || r.W < 1 || r.Offset < 0 {
		return 0, fmt.Errorf("%w: %s: raw shape %d x %d x %d with offset %d: want positive sizes and an offset >= 0", ErrFormat, path, r.T, r.H, r.W, r.Offset)
	}
	n, ok := npy.DataSize(r.DType, []int{r.T, r.H, r.W})
	if !ok || n > math.MaxInt64-int64(r.Offset) {
		return 0, fmt.Errorf("%w: %s: raw shape %d x %d x %d of %s after offset %d is too large (its byte size overflows a 64-bit integer)",
			ErrFormat, path, r.T, r.H, r.W, r.DType, r.Offset)
	}
	return n + int64(r.Offset), nil
}

// Formatted returns the kind of file at path that has a type and layout
// of its own, from its first bytes: ".npy", "TIFF", or "" (another file,
// or one that cannot be read: its reader says why).
func Formatted(path string) string {
	f, _, err := npy.OpenRegular(path) // (a FIFO is never waited on)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 6)
	n, _ := io.ReadFull(f, head)
	switch h := string(head[:n]); {
	case h == "\x93NUMPY":
		return ".npy"
	case len(h) >= 4 && (h[:4] == "II*\x00" || h[:4] == "MM\x00*" || h[:4] == "II+\x00" || h[:4] == "MM\x00+"):
		return "TIFF"
	}
	return ""
}

// OpenRaw maps a raw binary file of C-order (T, H, W) samples after
// r.Offset bytes. The file must hold exactly these bytes: a shorter one
// (truncated) and a longer one (wrong shape, dtype or offset) are refused
// with both sizes.
func OpenRaw(path string, r Raw) (Source, error) {
	if _, err := r.size(path); err != nil {
		return nil, err
	}
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	src, err := openRaw(m, r)
	if err != nil {
		m.close()
		return nil, err
	}
	return src, nil
}

func openRaw(m *mapping, r Raw) (Source, error) {
	want, err := r.size(m.path)
	if err != nil {
		return nil, err
	}
	if have := int64(len(m.data)); have != want {
		what := "shorter"
		if have > want {
			what = "longer"
		}
		return nil, fmt.Errorf("%w: %s: raw file of %d bytes is %s than %d x %d x %d %s samples after offset %d need (%d bytes): the size must match exactly",
			ErrFormat, m.path, have, what, r.T, r.H, r.W, r.DType, r.Offset, want)
	}
	es := r.DType.Size()
	v, err := array.New(r.DType, r.Order, []int{r.T, r.H, r.W}, []int{r.H * r.W * es, r.W * es, es}, m.data, r.Offset)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, m.path, err)
	}
	return &stack{m: m, v: v, name: m.path}, nil
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

// Open opens path by its extension or content: a folder of TIFF files, a
// TIFF or .npy file, or else a glob pattern of TIFF files. A path that
// exists is always taken literally (a file named "run[1].tif" is that
// file, not a pattern matching run1.tif); only one that does not exist is
// a pattern. Only regular files (or symbolic links to them) and folders
// are read: a named pipe, device or socket is refused, never opened. A
// multi-channel ImageJ hyperstack or OME-TIFF is refused, naming the
// option that selects a channel (see OpenChannel).
func Open(path string) (Source, error) {
	return open(path, -1)
}

// OpenChannel opens path like Open and reads channel c (0-based) of it:
// of a multi-channel ImageJ hyperstack (channels and frames, or channels
// and slices, in ImageJ's order: channel c of time point t is image
// t*channels + c) or OME-TIFF (one image whose planes are all in the
// file, in its DimensionOrder), the (T, H, W) series of that channel. An
// input of one channel has channel 0 only. A channel the input does not
// have is an error wrapping ErrChannel.
func OpenChannel(path string, c int) (Source, error) {
	if c < 0 {
		return nil, fmt.Errorf("%w: %s: channel index %d: want 0 or more (0 is the first channel)", ErrChannel, path, c)
	}
	return open(path, c)
}

// SingleChannel checks channel c (0-based) of src, an input of one
// channel (a .npy or raw file, a line scan): it returns src for c 0, and
// else closes src and returns an error wrapping ErrChannel.
func SingleChannel(src Source, c int) (Source, error) {
	if c == 0 {
		return src, nil
	}
	name := src.Name()
	src.Close()
	if c < 0 {
		return nil, fmt.Errorf("%w: %s: channel index %d: want 0 or more (0 is the first channel)", ErrChannel, name, c)
	}
	return nil, channelErr(name, c, 1)
}

// IsPattern reports whether Open reads path as a pattern of files:
// nothing is at path and it holds one of the pattern's special
// characters (filepath.Match).
func IsPattern(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist) && patternChars(path)
}

// patternChars reports whether p holds a special character of
// filepath.Match.
func patternChars(p string) bool { return strings.ContainsAny(p, "*?[\\") }

// MatchesPattern reports whether input is a pattern (IsPattern) that a
// file at path, existing or not, would match: a later Open of input would
// read that file as a frame (an output written there would join the
// series). As Glob (filepath.Glob) reads a pattern, the folders its folder part
// matches (through links, relative to the working folder) are compared
// with path's folder by identity, and path's name with its last part;
// hidden files match as in openGlob.
func MatchesPattern(input, path string) bool {
	if !IsPattern(input) {
		return false
	}
	base := filepath.Base(path)
	if strings.HasPrefix(base, ".") && !strings.HasPrefix(filepath.Base(input), ".") {
		return false
	}
	if ok, err := filepath.Match(filepath.Base(input), base); err != nil || !ok {
		return false
	}
	out, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return false
	}
	dirs := []string{filepath.Dir(input)}
	if patternChars(dirs[0]) {
		if dirs, err = Glob(dirs[0]); err != nil {
			return false
		}
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && os.SameFile(st, out) {
			return true
		}
	}
	return false
}

// open opens path with channel ch selected (0-based; -1: none).
func open(path string, ch int) (Source, error) {
	path = npy.KernelPath(path) // (a folder's frames joined onto "link/..": the kernel's folder)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && patternChars(path) {
		return openGlob(path, ch)
	}
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		files, err := tiffFiles(path)
		if err != nil {
			return nil, err
		}
		if err := oneFolder(files); err != nil {
			return nil, fmt.Errorf("%w: folder %s: %w", ErrFormat, path, err)
		}
		if err := oneSeries(files); err != nil {
			return nil, fmt.Errorf("%w: folder %s: %w", ErrFormat, path, err)
		}
		if err := oneNameForm(files); err != nil {
			return nil, fmt.Errorf("%w: folder %s: %w", ErrFormat, path, err)
		}
		if err := frameNames(files); err != nil {
			return nil, fmt.Errorf("%w: folder %s: %w", ErrFormat, path, err)
		}
		return openSeries(files, ch)
	}
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	src, err := parsed(m, func() (Source, error) {
		switch head := m.data; {
		case len(head) >= 6 && string(head[:6]) == "\x93NUMPY":
			src, err := openNpy(m)
			if err == nil && ch > 0 {
				src, err = nil, channelErr(path, ch, 1)
			}
			return src, err
		case len(head) >= 4 && (string(head[:2]) == "II" || string(head[:2]) == "MM"):
			return openTIFF(m, ch)
		}
		if len(m.data) == 0 {
			return nil, fmt.Errorf("%w: %s is empty (0 bytes)", ErrFormat, path)
		}
		if len(m.data) >= 4 && string(m.data[:4]) == "PK\x03\x04" {
			return nil, fmt.Errorf("%w: %s is a ZIP archive (ImageJ's File > Save As > ZIP): unzip it, and give the TIFF it holds", ErrFormat, path)
		}
		return nil, fmt.Errorf("%w: %s is neither .npy nor TIFF (for raw data give its shape and dtype: --shape and --dtype; shape= and dtype= in Python and ImageJ, 'Shape' and 'Dtype' in MATLAB/Octave)", ErrFormat, path)
	})
	if err != nil {
		m.close()
		return nil, err
	}
	return src, nil
}

// openGlob opens the files a pattern matches, in natural order
// (naturalCompare), as a series
// (channel ch selected, 0-based; -1: none).
func openGlob(pattern string, ch int) (Source, error) {
	files, err := Glob(pattern)
	if errors.Is(err, filepath.ErrBadPattern) {
		return nil, fmt.Errorf("%w: %s does not exist, and is no valid pattern: %v", ErrFormat, pattern, err)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", pattern, err)
	}
	// Hidden files (.thumb.tif, macOS's ._frame.tif) are not frames, as a
	// shell's * leaves them out; unless the pattern names them.
	if !strings.HasPrefix(filepath.Base(pattern), ".") {
		files = slices.DeleteFunc(files, func(f string) bool { return strings.HasPrefix(filepath.Base(f), ".") })
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no file matches %q", ErrFormat, pattern)
	}
	slices.SortFunc(files, naturalCompare)
	for _, f := range files {
		if _, err := npy.RegularFile(f); err != nil {
			return nil, fmt.Errorf("%w: pattern %q: %w (the files of a pattern are the frames)", ErrFormat, pattern, err)
		}
	}
	if err := oneSeries(files); err != nil {
		return nil, fmt.Errorf("%w: pattern %q: %w", ErrFormat, pattern, err)
	}
	if err := frameNames(files); err != nil {
		return nil, fmt.Errorf("%w: pattern %q: %w", ErrFormat, pattern, err)
	}
	return openSeries(files, ch)
}

// tiffFiles lists the TIFF files of a folder (recursively, as Micro-Manager
// writes Pos0/...), in natural order (naturalCompare). An entry with a
// TIFF name that is not a regular file (or a link to one) is refused;
// other names, and hidden files and folders (.thumb.tif, macOS's
// ._frame.tif), are skipped. A link to a folder is walked as the folder
// (its frames were left out with exit 0: a campaign's finding), once: a
// folder reached again (a loop, two links to one folder) is not.
func tiffFiles(dir string) ([]string, error) {
	var files []string
	var seen []os.FileInfo // the folders walked
	walked := func(p string) bool {
		st, err := os.Stat(p)
		if err != nil {
			return false
		}
		for _, s := range seen {
			if os.SameFile(s, st) {
				return true
			}
		}
		seen = append(seen, st)
		return false
	}
	var walk func(root string) error
	walk = func(root string) error {
		return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(p))
			tiff := ext == ".tif" || ext == ".tiff"
			if d.Type()&os.ModeSymlink != 0 && !tiff {
				if st, err := os.Stat(p); err == nil && st.IsDir() {
					// A link to a folder that holds the input folder (an
					// ancestor, /) would walk all of that: refused at once,
					// named (a review's finding: / walked for seconds).
					if holds(p, dir) {
						return fmt.Errorf("%w: in folder %s: %s is a link to a folder that holds the input folder: not followed; remove the link, or give a pattern for the frames (such as %s)",
							ErrFormat, dir, p, filepath.Join(dir, "*.tif"))
					}
					// (WalkDir follows no link, the root's either: "link/"
					// is the folder; skipped there if walked already)
					return walk(p + string(filepath.Separator))
				}
				return nil
			}
			if d.IsDir() {
				if walked(p) {
					return filepath.SkipDir
				}
				return nil
			}
			if !tiff {
				return nil
			}
			if !d.Type().IsRegular() {
				if _, err := npy.RegularFile(p); err != nil {
					return fmt.Errorf("%w: in folder %s: %w", ErrFormat, dir, err)
				}
			}
			files = append(files, p)
			return nil
		})
	}
	root := dir
	if st, err := os.Lstat(dir); err == nil && st.Mode()&os.ModeSymlink != 0 {
		root = dir + string(filepath.Separator) // a link to the folder: walked as the folder
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		if zarrFolder(dir) {
			return nil, fmt.Errorf("%w: %s is a Zarr folder: not supported as input (Zarr is an output format here; read it with zarr and pass the array, or convert it to .npy)", ErrFormat, dir)
		}
		return nil, fmt.Errorf("%w: no .tif files in %s", ErrFormat, dir)
	}
	slices.SortFunc(files, naturalCompare)
	return files, nil
}

// holds reports whether the folder outer (through links) is one of the
// folder inner's ancestors (inner itself, a loop, is walked once).
func holds(outer, inner string) bool {
	o, err1 := filepath.EvalSymlinks(outer)
	i, err2 := filepath.EvalSymlinks(inner)
	if err1 != nil || err2 != nil {
		return false
	}
	// Both absolute: a relative input folder ("tf") evaluates to a
	// relative path, its link's target ("/") to an absolute one (the
	// review's finding: tf/lnk -> / walked / when tf was spelt relative).
	if o, err1 = filepath.Abs(o); err1 != nil {
		return false
	}
	if i, err2 = filepath.Abs(i); err2 != nil {
		return false
	}
	return i != o && strings.HasPrefix(i, strings.TrimRight(o, string(filepath.Separator))+string(filepath.Separator))
}

// zarrFolder reports whether dir holds Zarr metadata (v2 or v3).
func zarrFolder(dir string) bool {
	for _, n := range []string{".zarray", ".zgroup", "zarr.json"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

// naturalCompare orders file names as people do and as Fiji's Image
// Sequence import does: runs of digits by their number (frame_2 before
// frame_10; zero-padded names keep their order), other bytes as they
// are; names equal so (frame_01, frame_1) by their bytes.
func naturalCompare(a, b string) int { return compareNames(a, b, false) }

// compareNames is naturalCompare, and with decimals decimalCompare.
func compareNames(a, b string, decimals bool) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			fraction := decimals && afterPoint(a, i) && afterPoint(b, j)
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			if fraction {
				// 0.25 before 0.5: the digits as they stand, less
				// trailing zeros (0.50 is 0.5)
				if c := strings.Compare(strings.TrimRight(a[si:i], "0"), strings.TrimRight(b[sj:j], "0")); c != 0 {
					return c
				}
				continue
			}
			na, nb := strings.TrimLeft(a[si:i], "0"), strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmp.Compare(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(a[i], b[j])
		}
		i, j = i+1, j+1
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// oneFolder refuses TIFF files found in more than one folder (such as
// Micro-Manager's Pos0 and Pos1): sorted by name they would join two
// series end to end as one.
func oneFolder(files []string) error {
	dirs := map[string]bool{}
	var names []string
	for _, f := range files {
		if d := filepath.Dir(f); !dirs[d] {
			dirs[d] = true
			names = append(names, d)
		}
	}
	if len(names) > 1 {
		return fmt.Errorf("TIFF files in %d folders (%s, %s%s): give one folder, or a pattern for the files of one series",
			len(names), names[0], names[1], map[bool]string{true: ", ...", false: ""}[len(names) > 2])
	}
	return nil
}

// Micro-Manager's image file names: img_<time>_<channel>_<slice>.tif
// (1.4) and img_channel<c>_position<p>_time<t>_z<z>.tif (2.0).
var (
	microManager14 = regexp.MustCompile(`^img_(\d+)_(.+)_(\d+)\.tiff?$`)
	microManager20 = regexp.MustCompile(`^img_channel(\d+)_position(\d+)_time(\d+)_z(\d+)\.tiff?$`)
)

// oneSeries refuses Micro-Manager files of several channels or positions,
// or of several z slices and time points: sorted by name, they would
// interleave as frames.
func oneSeries(files []string) error {
	if err := imageJSequence(files); err != nil {
		return err
	}
	mm := func(f string) bool {
		b := filepath.Base(f)
		return microManager20.MatchString(b) || microManager14.MatchString(b)
	}
	if !slices.ContainsFunc(files, mm) {
		return indexedNames(files) // not Micro-Manager's naming
	}
	if odd := slices.IndexFunc(files, func(f string) bool { return !mm(f) }); odd >= 0 {
		return notAPlane(files[odd], files[slices.IndexFunc(files, mm)], "Micro-Manager's")
	}
	chans, pos, slices, times := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	var names []string // channel names in order of appearance
	var tz [][2]string // each file's time and slice index, as named
	for _, f := range files {
		var c, p, t, z string
		if m := microManager20.FindStringSubmatch(filepath.Base(f)); m != nil {
			c, p, t, z = "channel"+m[1], m[2], m[3], m[4]
		} else if m := microManager14.FindStringSubmatch(filepath.Base(f)); m != nil {
			c, t, z = m[2], m[1], m[3]
		}
		if !chans[c] {
			names = append(names, c)
		}
		chans[c], pos[p], slices[z], times[t] = true, true, true, true
		tz = append(tz, [2]string{t, z})
	}
	switch {
	case len(chans) > 1:
		return fmt.Errorf("Micro-Manager images of %d channels (%s, %s, ...) would interleave as frames: give the files of one channel with a pattern",
			len(chans), names[0], names[1])
	case len(pos) > 1:
		return fmt.Errorf("Micro-Manager images of %d positions would interleave as frames: give the files of one position with a pattern", len(pos))
	case len(slices) > 1 && len(times) > 1:
		return fmt.Errorf("Micro-Manager images of %d z slices at %d time points would interleave as frames: give the files of one slice with a pattern",
			len(slices), len(times))
	}
	return mmFrames(files, tz, len(slices) > 1)
}

// digitRun is a run of digits in a file name (a frame's number, a time),
// with the spaces that pad it (printf's "%5d": "img    9", "img   10").
var digitRun = regexp.MustCompile(` *\d+`)

// nameForm is a file name with its runs of digits as "*" (and in lower
// case, .tiff as .tif): the files of one series share it (a series whose
// files end in both was refused, with a pattern advised that read the
// .tiff ones alone: REVIEW11's M6).
func nameForm(f string) string {
	form := strings.ToLower(digitRun.ReplaceAllString(filepath.Base(f), "*"))
	if strings.HasSuffix(form, ".tiff") {
		form = strings.TrimSuffix(form, "f")
	}
	return form
}

// formPattern is a glob of the files of a series named as f: f's name with
// each run of digits as "[0-9]*" ("*[0-9]" where spaces pad it), the rest
// as it is (glob characters escaped).
func formPattern(f string) string {
	base := filepath.Base(f)
	var b strings.Builder
	last := 0
	for _, m := range digitRun.FindAllStringIndex(base, -1) {
		for _, r := range base[last:m[0]] {
			if strings.ContainsRune(`*?[\`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		if base[m[0]] == ' ' {
			b.WriteString("*[0-9]")
		} else {
			b.WriteString("[0-9]*")
		}
		last = m[1]
	}
	for _, r := range base[last:] {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return filepath.Join(filepath.Dir(f), b.String())
}

// frameNames checks the names of a folder's or a pattern's frames: one
// name a frame (onePerFrame) and one reading of their order (oneOrder).
func frameNames(files []string) error {
	if err := onePerFrame(files); err != nil {
		return err
	}
	if err := oneCase(files); err != nil {
		return err
	}
	return oneOrder(files)
}

// oneCase refuses frames named alike but for the case of their letters
// (frame_0.tif, Frame_1.tif: files of two tools, or renamed on a file
// system that ignores case): the order of names put every upper-case one
// first, and the frames were read out of time order, exit 0 (READ19's
// F5). Names alike but for case and number only: other differences are
// oneOrder's.
func oneCase(files []string) error {
	skeleton := func(name string) string {
		var b strings.Builder
		for i := 0; i < len(name); i++ {
			if isDigit(name[i]) {
				if i == 0 || !isDigit(name[i-1]) {
					b.WriteByte('#')
				}
				continue
			}
			b.WriteByte(name[i])
		}
		return b.String()
	}
	seen := map[string]string{}
	for _, f := range files {
		base := filepath.Base(f)
		sk := skeleton(strings.TrimSuffix(base, filepath.Ext(base))) // (t_10.TIF beside t_9.tif: one form)
		k := filepath.Join(filepath.Dir(f), strings.ToLower(sk))
		if g, ok := seen[k]; ok && seen[k+"\x00"] != sk {
			return fmt.Errorf("%s and %s are named alike but for the case of their letters: in the order of their names every upper-case one comes first, not their frames' order; rename them to one form, or give the files of one form with a pattern", filepath.Base(g), base)
		}
		if _, ok := seen[k]; !ok {
			seen[k], seen[k+"\x00"] = f, sk
		}
	}
	return nil
}

// onePerFrame refuses two names of one frame, alike but for case,
// .tif/.tiff or the zeros that pad a number (img_7.tif, img_0007.tif: a
// series saved twice with other settings into one folder): with them of
// one name form, every frame was read twice, exit 0 (REVIEW12's F1,
// READERS13's F5). A pattern's files too: it names both.
func onePerFrame(files []string) error {
	same := map[string]string{}
	for _, f := range files {
		// (in its folder: a pattern's frames may lie one a folder under
		// one name, TimePoint_1/scan.tif, TimePoint_2/scan.tif: REVIEW13's F1)
		k := filepath.Join(filepath.Dir(f), frameKey(filepath.Base(f)))
		if g, ok := same[k]; ok {
			return fmt.Errorf("%s and %s name one frame (their names differ only in case, .tif/.tiff or the zeros that pad a number): one would be read twice; move one set away, or give the files of the series with a pattern that names one set",
				filepath.Base(g), filepath.Base(f))
		}
		same[k] = f
	}
	return nil
}

// frameKey is a file name in lower case, .tiff as .tif, each number
// without the zeros that pad it (but the digits after a decimal point:
// t0.05s is not t0.5s; t0.5s and t0.50s, Run1.1 and Run1.10 as
// counters, are refused by oneOrder).
func frameKey(name string) string {
	k := strings.ToLower(name)
	if strings.HasSuffix(k, ".tiff") {
		k = strings.TrimSuffix(k, "f")
	}
	var b strings.Builder
	for i := 0; i < len(k); {
		if !isDigit(k[i]) {
			b.WriteByte(k[i])
			i++
			continue
		}
		j := i
		for j < len(k) && isDigit(k[j]) {
			j++
		}
		run := k[i:j]
		if !afterPoint(k, i) {
			if run = strings.TrimLeft(run, "0"); run == "" {
				run = "0"
			}
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// afterPoint reports whether the digits at s[i:] follow a decimal point:
// a digit, then '.'.
func afterPoint(s string, i int) bool { return i >= 2 && s[i-1] == '.' && isDigit(s[i-2]) }

// oneOrder refuses names whose numbers after a decimal point differ in
// length (t0.25s.tif, t0.5s.tif): read as decimals (0.25 before 0.5) and
// as counters (Run1.2 before Run1.10, as naturalCompare and ImageJ's
// Image Sequence read them) they order the frames differently, and one
// reading was a series out of order, exit 0 (READERS13's F1).
func oneOrder(files []string) error {
	dec := slices.Clone(files)
	slices.SortStableFunc(dec, decimalCompare)
	for i := range files {
		if dec[i] != files[i] {
			a, b := filepath.Base(files[i]), filepath.Base(dec[i])
			return fmt.Errorf("the numbers after a point in the names (such as %s and %s) order the frames one way read as decimals (times: 0.25 before 0.5) and another read as counters (1.2 before 1.10): the order is not certain; rename the files with as many digits after the point in every name (t0.50s, t0.25s), or give the series as one stack",
				a, b)
		}
	}
	return nil
}

// decimalCompare is naturalCompare with the digits after a decimal point
// (afterPoint in both names) compared as decimals: 0.25 before 0.5.
func decimalCompare(a, b string) int { return compareNames(a, b, true) }

// oneNameForm refuses a folder's files of more than one name form
// (nameForm): a file named otherwise beside the frames of a series
// (Series001.tif or max.tif beside frame_0001.tif ..., an overview, a
// projection, another export) was read as one more frame, shifting the
// series by one, exit 0; names that index planes were checked so, other
// names not (a campaign's M12). A pattern (a glob) takes the files it
// names, whatever their names; the message gives one where one names the
// series' files alone (REVIEW11's F4: "stack_*.tif" took stack_max.tif).
func oneNameForm(files []string) error {
	count := map[string]int{}
	for _, f := range files {
		count[nameForm(f)]++
	}
	if len(count) < 2 {
		return nil
	}
	// the series: the form most files have (of those as many, the first's)
	series := nameForm(files[0])
	for _, f := range files {
		if form := nameForm(f); count[form] > count[series] {
			series = form
		}
	}
	if count[series] < 2 {
		// No form that files share: no series to be read beside (split
		// multi-page stacks, X_MMStack_Pos0.ome.tif and _1: their own
		// check says what to give; REVIEW11's F13).
		return nil
	}
	odd := slices.IndexFunc(files, func(f string) bool { return nameForm(f) != series })
	one := slices.IndexFunc(files, func(f string) bool { return nameForm(f) == series })
	advice := "give the files of the series with a pattern, or move the others away"
	pattern := formPattern(files[one])
	exact := true
	for _, f := range files {
		if m, err := filepath.Match(pattern, f); err != nil || m != (nameForm(f) == series) {
			exact = false
		}
	}
	if exact {
		advice = fmt.Sprintf("give the files of the series with a pattern (%q), or move the others away", pattern)
	}
	return fmt.Errorf("%s is not named as the %d files of the series (such as %s): an overview, a projection or another export beside the series would be read as a frame; %s",
		filepath.Base(files[odd]), count[series], filepath.Base(files[one]), advice)
}

// OneImageAdvice is the message for an input of one frame of h rows where
// a time series is wanted: a single image, or a line scan saved as one
// image (a kymograph), whose rows ipcf does not read as time points.
func OneImageAdvice(name string, h int) string {
	return fmt.Sprintf("%s holds one frame (a single image of %d rows): a time series is wanted; ipcf reads a file's pages (or a folder's files) as its frames, and a line scan, its rows the time points, from a 2-D (time, x) .npy or as one plane in Fiji", name, h)
}

// imageJName is the name ImageJ's File > Save As > Image Sequence gives
// each image of a hyperstack: NAME_t001_z001_c001.tif, each index there
// only when the hyperstack has more than one of it.
var imageJName = regexp.MustCompile(`(?i)^.*?(_t\d+)?(_z\d+)?(_c\d+)?\.tiff?$`)

// imageJSequence refuses the images of an ImageJ hyperstack saved as an
// image sequence, of several channels, or of z slices and time points:
// sorted by name they interleave as frames (read as one series, with
// --channel 1 taken and ignored); the hyperstack in one file is read, or
// refused, by its channels and slices. Channel indices alone (no _t or _z)
// are no hyperstack's: a series numbered NAME_c0001.tif is read as one.
//
// Files not so named among them are left to indexedNames, which refuses
// the mix: one overview or projection saved beside the sequence switched
// this check off for the whole folder, and two channels were read
// alternately as frames.
func imageJSequence(files []string) error {
	ts, zs, cs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var first []string // the channels in order of appearance
	var idx []int      // the first named file's submatch indices
	var named []string // the files so named
	for _, f := range files {
		base := filepath.Base(f)
		m := imageJName.FindStringSubmatchIndex(base)
		if m == nil || m[2] < 0 && m[4] < 0 {
			continue // not ImageJ's naming (or channels alone)
		}
		part := func(k int) string {
			if m[2*k] < 0 {
				return ""
			}
			return strings.ToLower(base[m[2*k]:m[2*k+1]])
		}
		t, z, c := part(1), part(2), part(3)
		if c != "" && !cs[c] {
			first = append(first, c)
		}
		if named == nil {
			idx = m
		}
		named = append(named, f)
		ts[t], zs[z], cs[c] = true, true, true
	}
	if len(named) < 2 {
		return nil
	}
	// the pattern of the first file's series: its name from the first index that varies
	base := filepath.Base(named[0])
	from := idx[6] // its channel
	if len(zs) > 1 && len(ts) > 1 {
		from = idx[4] // its slice (and channel)
	}
	pattern := base // (names of mixed forms: the first file's whole)
	if from >= 0 {
		pattern = "*" + base[from:]
	}
	switch {
	case cs[""] && len(cs) > 1:
		// some named with a channel, some without (files of two exports)
		with := slices.IndexFunc(named, func(f string) bool { return imageJChannel(f) != "" })
		without := slices.IndexFunc(named, func(f string) bool { return imageJChannel(f) == "" })
		return fmt.Errorf("%s and %s are named as images of ImageJ hyperstacks saved as image sequences, one with a channel index (_c) and one without: files of two exports would interleave as frames; give the files of one series with a pattern",
			filepath.Base(named[with]), filepath.Base(named[without]))
	case len(cs) > 1:
		return fmt.Errorf("images of an ImageJ hyperstack of %d channels (%s, %s, ...), saved as an image sequence, would interleave as frames: give the files of one channel (and slice) with a pattern (\"%s\")",
			len(cs), first[0][1:], first[1][1:], pattern)
	case len(zs) > 1 && len(ts) > 1:
		return fmt.Errorf("images of an ImageJ hyperstack of %d z slices at %d time points, saved as an image sequence, would interleave as frames: give the files of one slice with a pattern (\"%s\")", len(zs), len(ts), pattern)
	}
	return nil
}

// imageJChannel is the channel index (_c001) of an image sequence's file
// name (imageJName), or "".
func imageJChannel(f string) string {
	base := filepath.Base(f)
	m := imageJName.FindStringSubmatchIndex(base)
	if m == nil || m[6] < 0 {
		return ""
	}
	return base[m[6]:m[7]]
}

// notAPlane refuses a file (odd) not named as a plane of the series that
// other files of the folder (such as plane) are named as, by scheme: an
// overview, a projection or another export saved beside the series would
// be read as one more frame, and it had switched the checks of the names
// off for the whole folder.
func notAPlane(odd, plane, scheme string) error {
	return fmt.Errorf("%s is not named as a plane of the series of %s (%s names): an overview, a projection or another export beside the series would be read as a frame; give the files of the series with a pattern, or move the others away",
		filepath.Base(odd), filepath.Base(plane), scheme)
}

// nameIndex finds the indices in a file's name that other software
// writes for the planes of an image (Leica's Series001_t00_ch00.tif,
// cell1_T005.tif, img_z3_c1.tif, Olympus' _C001T001): t, z, c or ch and
// digits; indexedNames takes those not after a letter.
var nameIndex = regexp.MustCompile(`(?i)(ch|t|z|c)(\d+)`)

// indexedNames refuses files whose names index their planes (nameIndex)
// where, in the order read (natural order of the names), they are not
// one channel's time points (or z slices) in order: the channels of
// Leica's export (_t00_ch00, _t00_ch01) alternated as frames, and two
// series in one folder (cell1_t001 .. and cell2_t001 ..) were joined end
// to end, each read without a word. Indices that repeat or step by more
// than 1 are taken (time stamps, every 10th frame, elapsed times), as are
// names with no time or z index that varies (a constant _t1 among frame
// counters, channel numbers alone).
func indexedNames(files []string) error {
	type index struct{ t, z, c string }
	idx := make([]index, len(files))
	ts, zs, cs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, f := range files {
		base := filepath.Base(f)
		base = strings.TrimSuffix(base, filepath.Ext(base))
		for _, ix := range nameIndex.FindAllStringSubmatchIndex(base, -1) {
			if ix[0] > 0 && unicode.IsLetter(rune(base[ix[0]-1])) {
				continue // inside a word (batch12, ...)
			}
			v := strings.TrimLeft(base[ix[4]:ix[5]], "0")
			if v == "" {
				v = "0" // ("" is no index)
			}
			switch strings.ToLower(base[ix[2]:ix[3]]) {
			case "t":
				idx[i].t = v
			case "z":
				idx[i].z = v
			default:
				idx[i].c = v
			}
		}
		ts[idx[i].t], zs[idx[i].z], cs[idx[i].c] = true, true, true
	}
	// Whether the index varies among the names that carry one: a name
	// without it among them is no plane of the series (an overview or a
	// projection beside it), and is refused by name.
	indexed := func(m map[string]bool) int { return len(m) - map[bool]int{true: 1}[m[""]] }
	kind, varies, missing := "time", indexed(ts) > 1, ts[""]
	if !varies && indexed(zs) > 1 {
		kind, varies, missing = "z", true, zs[""]
	}
	if !varies {
		if indexed(cs) > 1 && !cs[""] {
			// Channels (c or ch and digits) beside another number that
			// varies, a frame counter without t (img_0001_c1, img_0001_c2,
			// Series001_0001_ch00 ...): the channels alternated as frames
			// (REVIEW11's F8). A c index that is the only number varying
			// numbers the frames of one series (NAME_c0001.tif).
			others := map[string]bool{}
			for _, f := range files {
				base := filepath.Base(f)
				base = strings.TrimSuffix(base, filepath.Ext(base))
				for _, ix := range slices.Backward(nameIndex.FindAllStringSubmatchIndex(base, -1)) {
					if k := strings.ToLower(base[ix[2]:ix[3]]); (k == "c" || k == "ch") && !(ix[0] > 0 && unicode.IsLetter(rune(base[ix[0]-1]))) {
						base = base[:ix[0]] + base[ix[1]:]
					}
				}
				others[strings.Join(digitRun.FindAllString(base, -1), ",")] = true
			}
			if len(others) > 1 {
				return fmt.Errorf("%s and %s are named as planes of %d channels (c or ch in their names) beside another number: in name order they would interleave as frames; give the files of one channel with a pattern",
					filepath.Base(files[0]), otherName(files, func(k int) bool { return idx[k].c != idx[0].c }), len(cs))
			}
		}
		return nil // no index of the planes
	}
	if missing {
		none := func(k int) bool { return idx[k].t == "" }
		if kind == "z" {
			none = func(k int) bool { return idx[k].z == "" }
		}
		odd := otherName(files, none)
		plane := otherName(files, func(k int) bool { return !none(k) })
		return notAPlane(odd, plane, kind+"-indexed")
	}
	example := filepath.Base(files[0])
	switch {
	case len(cs) > 1:
		return fmt.Errorf("%s and %s are named as planes of %d channels (c or ch in their names): in name order they would interleave as frames; give the files of one channel with a pattern",
			example, otherName(files, func(k int) bool { return idx[k].c != idx[0].c }), len(cs))
	case len(ts) > 1 && len(zs) > 1:
		return fmt.Errorf("%s .. are named as planes of %d z slices at %d time points: in name order they would interleave as frames; give the files of one slice with a pattern", example, len(zs), len(ts))
	}
	prev := -1
	for i, f := range files {
		s := idx[i].t
		if kind == "z" {
			s = idx[i].z
		}
		n, err := strconv.ParseUint(s, 10, 62)
		if err != nil {
			return nil // beyond 2^62: no frame index
		}
		if i > 0 && int(n) < prev {
			return fmt.Errorf("%s (%s point %d) follows %s (%s point %d) in name order: two series, or names whose order is not the planes'; give the files of one series with a pattern", f, kind, n, files[i-1], kind, prev)
		}
		prev = int(n)
	}
	return nil
}

// otherName is the first of files whose index differs (other(k)).
func otherName(files []string, other func(k int) bool) string {
	for k := range files {
		if other(k) {
			return filepath.Base(files[k])
		}
	}
	return ""
}

// mmFrames refuses Micro-Manager files whose frame indices (time, or z
// with zs) repeat or skip: a pattern over Pos0/ and Pos1/ (1.4 names
// hold no position) joined two positions end to end as one series, each
// time index twice, and a missing file shifted every later frame by one
// interval; both were read without a word. tz: each file's time and z
// index as named.
func mmFrames(files []string, tz [][2]string, zs bool) error {
	k, what, later := 0, "time", "every frame after it would be taken one interval early"
	if zs {
		k, what, later = 1, "z", "every slice after it would be taken one step too close"
	}
	seen := map[int]string{}
	lo, hi := math.MaxInt, math.MinInt
	for i, f := range files {
		n, err := strconv.Atoi(tz[i][k])
		if err != nil || n > 1<<40 {
			return fmt.Errorf("Micro-Manager image %s: %s index %q is not a whole number", f, what, tz[i][k])
		}
		if g, dup := seen[n]; dup {
			return fmt.Errorf("Micro-Manager images %s and %s have the same %s index %d: two series (positions, or acquisitions) would join end to end as one; give the files of one series with a pattern", g, f, what, n)
		}
		seen[n] = f
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi-lo+1 != len(files) {
		for n := lo; n <= hi; n++ {
			if _, ok := seen[n]; !ok {
				return fmt.Errorf("Micro-Manager images of %s indices %d to %d lack index %d (%d files of %d): %s; give the files of a part without gaps with a pattern", what, lo, hi, n, len(files), hi-lo+1, later)
			}
		}
	}
	return nil
}

// series is a sequence of single-page TIFF files, one frame each. Files
// are mapped when their frame is asked for, one at a time.
type series struct {
	files []string
	w, h  int
	dtype array.DType
	cur   *mapping
	curI  int
	u     Units
	// plane0 is the first file's plane of an OME image (follows);
	// planes, the planes of the files its OME-XML lists, by name.
	plane0 omePlane
	planes map[string]omePlane
	byUUID map[string]omePlane // the same planes by the files' UUIDs
}

// OpenTIFFSeries opens single-page TIFF files (sorted by the caller) as
// frames; all must have the first file's size and sample type. One file
// is opened as a multi-page TIFF.
func OpenTIFFSeries(files []string) (Source, error) {
	return openSeries(files, -1)
}

// openSeries is OpenTIFFSeries with channel ch selected (0-based; -1:
// none): of one file, a channel of it; single-page files have one.
func openSeries(files []string, ch int) (Source, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no files", ErrFormat)
	}
	folder := folderUnits(files)
	if len(files) == 1 {
		src, err := openTIFFPath(files[0], ch)
		if err == nil && folder.name != "" {
			switch s := src.(type) {
			case *stack:
				s.u = withFolder(s.u, folder)
			case *pageSource:
				s.u = withFolder(s.u, folder)
			}
		}
		return src, err
	}
	m, err := mapFile(files[0])
	if err != nil {
		return nil, err
	}
	var p page
	var u Units
	var pl omePlane
	var planes map[string]omePlane
	_, err = parsed(m, func() (Source, error) {
		var r *tiffReader
		var err error
		if p, r, err = singlePage(m); err == nil {
			u = tiffUnits(r, lastMM(files[len(files)-1]), len(files), folder)
			if pl, err = r.omeSeriesPlane(p.desc); err == nil && pl.multi() {
				planes, err = r.omeSeriesPlanes(p.desc)
			}
		}
		return nil, err
	})
	m.close()
	if err != nil {
		return nil, err
	}
	// One channel's planes of an OME image of several (a pattern of one
	// channel's files): channel 2's were read as --channel 1 and labelled
	// so, and --channel 2 was refused (READERS13's F4). The files' own
	// channel is the one to give, checked once every file is known to be
	// of the first's (files of both channels are refused as such first:
	// REVIEW13's F2).
	omeChannels := pl.multi() && pl.channels > 1
	if ch > 0 && !omeChannels {
		return nil, channelErr(files[0]+" ...", ch, 1)
	}
	s := &series{files: files, w: p.w, h: p.h, dtype: p.dtype, curI: -1, u: u, plane0: pl, planes: planes}
	if planes != nil {
		s.byUUID = map[string]omePlane{}
		for _, q := range planes {
			if q.uuid != "" {
				s.byUUID[strings.ToLower(q.uuid)] = q
			}
		}
	}
	if err := distinctFiles(files); err != nil {
		return nil, err
	}
	if err := s.checkAll(); err != nil {
		return nil, err
	}
	if omeChannels && ch >= 0 && ch != pl.c {
		return nil, fmt.Errorf("%w: %s ...: channel %d: the files hold channel %d of an OME image of %d channels (its planes one a file): give --channel %d, or the files of channel %d",
			ErrChannel, files[0], ch+1, pl.c+1, pl.channels, pl.c+1, ch+1)
	}
	return s, nil
}

// distinctFiles refuses a series in which two names are one file (a link
// to a frame of the folder, a hard link): that frame was read twice, as
// two time points, with exit status 0 (a campaign's finding).
func distinctFiles(files []string) error {
	seen := make(map[string]int, len(files))
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		id := fileID(st)
		if id == "" {
			continue
		}
		if j, ok := seen[id]; ok {
			return fmt.Errorf("%w: %s and %s are one file (a link, or a hard link): it would be read as two time points; remove one of them from the series", ErrFormat, files[j], f)
		}
		seen[id] = i
	}
	return nil
}

// checkAll parses every file of the series but the first (parsed by
// openSeries) as a frame, before any work: a file that is not a
// single-page TIFF of the first one's size and sample type (notes.txt
// matched by a glob, a damaged or foreign frame) is refused whether or not
// a job reads its frame (the pCF uses a power of two of the frames). Two
// workers: about 10 us a file here.
func (s *series) checkAll() error {
	const workers = 2
	bad := make([]*frameErr, workers) // each worker's first bad file
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := 1 + w
			// A panic of the parser on a goroutine of its own would end
			// the host process: it is returned as a pool worker's is (a
			// bug: IPCF_E_INTERNAL, exit 70), naming the file; Guard has
			// turned faults into errors already.
			defer func() {
				if r := recover(); r != nil {
					bad[w] = &frameErr{t, fmt.Errorf("%s: %w", s.files[t], &pool.PanicError{Value: r, Stack: debug.Stack()})}
				}
			}()
			for ; t < len(s.files); t += workers {
				if err := s.check(t); err != nil {
					bad[w] = &frameErr{t, err}
					return
				}
			}
		}()
	}
	wg.Wait()
	var first *frameErr // the first in the series' order
	for _, fe := range bad {
		if fe != nil && (first == nil || fe.t < first.t) {
			first = fe
		}
	}
	if first == nil {
		return nil
	}
	return first.err
}

// frameErr is a series' file t's error.
type frameErr struct {
	t   int
	err error
}

// check parses file t of the series and compares its page with the first.
func (s *series) check(t int) error {
	m, err := mapFile(s.files[t])
	if err != nil {
		return err
	}
	defer m.close()
	_, err = parsed(m, func() (Source, error) {
		p, r, err := singlePage(m)
		if err != nil {
			return nil, err
		}
		if p.w != s.w || p.h != s.h || p.dtype != s.dtype {
			return nil, fmt.Errorf("%w: %s is %dx%d (rows x columns) %s, the first file %dx%d %s", ErrFormat, s.files[t], p.h, p.w, p.dtype, s.h, s.w, s.dtype)
		}
		if _, err := pageView(p, r.order, m.data); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFormat, s.files[t], err)
		}
		// Every file's place: by the first file's list of the dataset's
		// files where it names this one.
		listed, ok := s.planes[filepath.Base(s.files[t])]
		if s.plane0.multi() && !isOME(p.desc) {
			// A file without OME-XML among a multi-file OME-TIFF's (saved
			// over a plane by another program: Fiji's ImageJ description)
			// holds no plane of the image; only the sampled files were
			// checked so, any other was read as its frame (READERS13's F7;
			// without a list of the files too: REVIEW13's F3).
			return nil, fmt.Errorf("%w: %s holds a plane of a multi-file OME-TIFF and %s none (no OME-XML): a file saved over a plane by another program, or not a plane of the image, would be read as a frame; give the image's own files", ErrFormat, s.files[0], s.files[t])
		}
		if ok {
			// The file at that name is placed by its own identity (its root
			// UUID) where the list records the files': another plane's or
			// channel's file saved under a plane's name was read as that
			// frame (a review).
			if root := omeRootID(p.desc); listed.uuid != "" && root != "" && !strings.EqualFold(root, listed.uuid) {
				if own, found := s.byUUID[strings.ToLower(root)]; found { // (UUIDs: any letter case)
					listed = own
				} else {
					return nil, fmt.Errorf("%w: %s is not a file the dataset's list in %s names (its OME UUID %s): a file of another image saved under a plane's name; give the image's own files", ErrFormat, s.files[t], s.files[0], root)
				}
			}
			if err := s.plane0.follows(listed, t, s.files[0], s.files[t]); err != nil {
				return nil, err
			}
		}
		// The OME-XML of a multi-file dataset lists every file's plane, in
		// every file: read in all of them, opening 1,000 files took 20 s
		// instead of 1 (a review's measurement). A file's own is read where
		// the first file's list does not name it, where the first file has
		// no plane of an OME image and this one has OME-XML (a plain TIFF
		// that sorts first switched the checks off), and for a second file,
		// the middle one and the last (that their own lists agree).
		n := len(s.files)
		sampled := t == 1 || t == n/2 || t == n-1
		switch {
		case sampled:
		case ok, s.plane0.multi() && len(s.planes) == 0: // a list without names: sampled only
			return nil, nil
		case !s.plane0.multi() && !isOME(p.desc):
			return nil, nil
		}
		pl, err := r.omeSeriesPlane(p.desc)
		if err != nil {
			return nil, err
		}
		if pl.multi() != s.plane0.multi() {
			plain, ome := s.files[0], s.files[t]
			if s.plane0.multi() {
				plain, ome = ome, plain
			}
			return nil, fmt.Errorf("%w: %s holds a plane of a multi-file OME-TIFF and %s none: a file that is not a plane of the image (an overview, another export) would be read as a frame; give the image's files with a pattern (such as *.ome.tif)", ErrFormat, ome, plain)
		}
		return nil, s.plane0.follows(pl, t, s.files[0], s.files[t])
	})
	return err
}

// multi reports whether p is a plane of an OME image of several planes
// whose place the OME-XML says (of those a series checks).
func (p omePlane) multi() bool {
	return p.channels*p.slices*p.times > 1 && p.c >= 0 && p.z >= 0 && p.t >= 0
}

// omePlane is the plane of an OME image that a single-page file of a
// series holds (omeSeriesPlane): its channel c, z slice z and time point t
// (FirstC, FirstZ, FirstT), -1 where the OME-XML does not say (and for a
// file without it); channels, slices and times are the image's SizeC,
// SizeZ and SizeT.
type omePlane struct {
	c, z, t, channels, slices, times int
	uuid                             string // of the file, where a list of the dataset's files names it (omeSeriesPlanes)
}

// follows checks that q, the plane of file t of a series, follows p, the
// first file's (named first and name): the planes of an image stored one
// a file (Bio-Formats' multi-file OME-TIFF) are read in name order as the
// frames of one channel (and, of an image of z slices and time points,
// one slice), so they must be one channel's (and slice's), at one plane
// per file from the first in time (or z) order.
func (p omePlane) follows(q omePlane, t int, first, name string) error {
	if p.channels > 1 || q.channels > 1 {
		if p.c < 0 || q.c < 0 || p.c != q.c {
			return fmt.Errorf("%w: %s holds channel %s and %s channel %s of an OME image of %d channels: the files of a folder or pattern are read as the frames of one channel, in name order; give the files of one channel (a pattern such as *_C0_*.ome.tif) or the image as one file",
				ErrFormat, first, omeNumber(p.c), name, omeNumber(q.c), max(p.channels, q.channels))
		}
	}
	zt := max(p.slices, q.slices) > 1 && max(p.times, q.times) > 1
	if zt && (p.z < 0 || q.z < 0 || p.z != q.z) {
		return fmt.Errorf("%w: %s holds z slice %s and %s z slice %s of an OME image of z slices and time points: the files of a folder or pattern are read as the time points of one slice, in name order; give the files of one slice (a pattern such as *_Z0_*.ome.tif) or the image as one file",
			ErrFormat, first, omeNumber(p.z), name, omeNumber(q.z))
	}
	pi, qi := p.index(zt), q.index(zt)
	if pi >= 0 && qi >= 0 && qi != pi+t {
		return fmt.Errorf("%w: %s holds plane %d of its OME image (time or z order, from 0) and %s plane %d, frame %d of the series in name order: the files' names do not put the planes in order (name them so, e.g. with zero-padded numbers, or give the image as one file)",
			ErrFormat, first, pi, name, qi, t)
	}
	return nil
}

// index is the plane's place in the order the series reads: its time
// point where the image has z slices and time points too (zt), else its
// time point or z slice, whichever the image has several of; -1 where
// unknown or the image has one plane a channel.
func (p omePlane) index(zt bool) int {
	switch {
	case p.z < 0 || p.t < 0:
		return -1
	case zt || p.times > 1:
		return p.t
	case p.slices > 1:
		return p.z
	}
	return -1
}

// omeNumber is channel c (from 0) numbered from 1 for messages, "?" if
// unknown.
func omeNumber(c int) string {
	if c < 0 {
		return "?"
	}
	return strconv.Itoa(c + 1)
}

// singlePage parses the one page of a file of a series.
func singlePage(m *mapping) (page, *tiffReader, error) {
	r := &tiffReader{b: m.data, path: m.path}
	pages, err := r.pages(2)
	if err != nil {
		return page{}, nil, err
	}
	if len(pages) > 1 {
		return page{}, nil, r.errf("holds more than one page: the files of a folder or pattern must be single-page TIFF files (give a multi-page file on its own)")
	}
	// A tifffile truncate=True file holds its planes back to back after
	// one page: read as a frame of a series, all but its first plane were
	// dropped, exit 0 (READ16's F2).
	if n, err := r.shapedSeries(pages); err != nil {
		return page{}, nil, err
	} else if n > 1 {
		return page{}, nil, r.errf("tifffile file of %d planes in one page (truncate=True): the files of a folder or pattern must be single-page TIFF files of one image (give a file of several planes on its own)", n)
	}
	if ij, ok := parseImageJ(pages[0].desc); ok {
		if ij.images > 1 {
			return page{}, nil, r.errf("ImageJ file of %d images: the files of a folder or pattern must be single-page TIFF files (give a multi-page file on its own)", ij.images)
		}
		if err := ij.calibrated(r); err != nil {
			return page{}, nil, err
		}
	}
	return pages[0], r, nil
}

func (s *series) Shape() (int, int, int) { return len(s.files), s.h, s.w }
func (s *series) DType() array.DType     { return s.dtype }
func (s *series) Name() string           { return s.files[0] + " ..." }
func (s *series) paths() []string        { return s.files }
func (s *series) Stack() (array.View, bool) {
	return array.View{}, false
}

func (s *series) Close() error {
	err := s.cur.close()
	s.cur = nil
	return err
}

func (s *series) Frame(t int) (array.View, error) {
	if t < 0 || t >= len(s.files) {
		return array.View{}, fmt.Errorf("source: %s: frame %d outside 0..%d", s.Name(), t, len(s.files)-1)
	}
	if t != s.curI {
		s.cur.close()
		s.cur, s.curI = nil, -1
		m, err := mapFile(s.files[t])
		if err != nil {
			return array.View{}, err
		}
		s.cur, s.curI = m, t
	}
	p, r, err := singlePage(s.cur)
	if err != nil {
		return array.View{}, err
	}
	if p.w != s.w || p.h != s.h || p.dtype != s.dtype {
		return array.View{}, fmt.Errorf("%w: %s is %dx%d (rows x columns) %s, the first file %dx%d %s", ErrFormat, s.files[t], p.h, p.w, p.dtype, s.h, s.w, s.dtype)
	}
	v, err := pageView(p, r.order, s.cur.data)
	if err != nil {
		return v, fmt.Errorf("%w: %s: %w", ErrFormat, s.files[t], err)
	}
	return v, nil
}

// Range is a half-open index range; Stop 0 means the end.
type Range struct{ Start, Stop int }

// ParseRange parses "a:b", "a:" or ":b".
func ParseRange(s string) (Range, error) {
	const want = "want start:stop, whole numbers with 0 <= start < stop (either may be left out)"
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Range{}, fmt.Errorf("range %q: %s", s, want)
	}
	var r Range
	var err error
	if a != "" {
		if r.Start, err = Whole(a, false); err != nil {
			return Range{}, fmt.Errorf("range %q: start %q: %s", s, a, want)
		}
	}
	if b != "" {
		if r.Stop, err = Whole(b, false); err != nil || r.Stop <= r.Start {
			return Range{}, fmt.Errorf("range %q: stop %q: %s", s, b, want)
		}
	}
	return r, nil
}

// Whole parses a whole number written in decimal digits alone, after a
// minus sign where signed, as the README has it for every whole-number
// option (strconv.Atoi took "+1" and other parsers " 1": APIS12's M5,
// TOOLS14's m10). Leading zeros are decimal; an error wraps
// strconv.ErrSyntax or strconv.ErrRange.
func Whole(s string, signed bool) (int, error) {
	d := s
	if signed {
		d = strings.TrimPrefix(s, "-")
	}
	if d == "" || strings.TrimLeft(d, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	v, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return 0, strconv.ErrRange
	}
	return int(v), nil
}

func (r Range) resolve(n int, what string) (int, int, error) {
	stop := r.Stop
	if stop == 0 {
		stop = n
	}
	if r.Start >= stop || stop > n {
		return 0, 0, fmt.Errorf("%s %d:%d outside the input's 0:%d", what, r.Start, stop, n)
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

// Frame returns the shape (h, w) of src's frames before a crop by Select,
// and the crop's origin (y0, x0) in them (0, 0 without a crop).
func Frame(src Source) (h, w, y0, x0 int) {
	if s, ok := src.(*selection); ok {
		_, h, w = s.src.Shape()
		return h, w, s.y0, s.x0
	}
	_, h, w = src.Shape()
	return h, w, 0, 0
}

// Origin is the place of a source's first sample in its input: the first
// frame, row and column a selection (Select) starts at, and the input's
// whole shape; 0s and the source's own shape for others.
func Origin(src Source) (t0, y0, x0 int, whole [3]int) {
	if s, ok := src.(*selection); ok {
		whole[0], whole[1], whole[2] = s.src.Shape()
		return s.t0, s.y0, s.x0, whole
	}
	whole[0], whole[1], whole[2] = src.Shape()
	return 0, 0, 0, whole
}

func (s *selection) Shape() (int, int, int) { return s.t1 - s.t0, s.y1 - s.y0, s.x1 - s.x0 }
func (s *selection) DType() array.DType     { return s.src.DType() }
func (s *selection) Name() string           { return s.src.Name() }
func (s *selection) Close() error           { return s.src.Close() }
func (s *selection) paths() []string        { return Files(s.src) }

// mappedFile is the file of the source's mapping, if it has one: Stack
// crops the source's view of it.
func (s *selection) mappedFile() string {
	f, _ := MappedFile(s.src)
	return f
}

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
		return array.View{}, fmt.Errorf("source: %s: frame %d outside 0..%d", s.Name(), t, s.t1-s.t0-1)
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
	if !ok || strings.Contains(b, ",") {
		// (a third part was read into the columns' stop: "stop \"4,5:6\"")
		return rows, cols, fmt.Errorf("crop %q: want y0:y1,x0:x1 (two ranges, rows then columns)", s)
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
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				// (not r's text, "invalid memory address or nil pointer
				// dereference", which reads as a bug)
				err = fmt.Errorf("%w: %s: the input changed while it was read (truncated or replaced?): fault at %#x", ErrChanged, name, f.Addr())
				return
			}
			panic(r)
		}
	}()
	return f()
}

// parsed runs parse, which reads the mapping m (a header, a TIFF's
// pages and tags), under Guard: a file truncated since it was mapped is
// ErrChanged naming it, not a crash of the process (SIGBUS) while its
// pages are walked.
func parsed(m *mapping, parse func() (Source, error)) (src Source, err error) {
	err = Guard(m.path, func() error {
		var e error
		src, e = parse()
		return e
	})
	if err != nil && !errors.Is(err, ErrChanged) {
		// A file cut short within its last page reads as zeros there,
		// not a fault: the format error it gives would blame the file.
		if st, serr := os.Stat(m.path); serr != nil || st.Size() != int64(len(m.data)) || (m.id != "" && identity(st) != m.id) {
			err = fmt.Errorf("%w: %s: the input changed while it was opened (truncated or replaced?): %w", ErrChanged, m.path, err)
		}
	}
	if err != nil {
		src = nil
	}
	return src, err
}

// Faulted turns err, the error of a pool run whose workers read src's
// mapped frames, into ErrChanged naming the source if a worker faulted on
// memory (the file truncated or replaced under the mapping: pool workers
// panic on faults); other errors are returned unchanged.
func Faulted(name string, err error) error {
	if addr, ok := pool.FaultAddr(err); ok {
		return fmt.Errorf("%w: %s: the input changed while it was read (truncated or replaced?): fault at %#x", ErrChanged, name, addr)
	}
	return err
}

// Version describes one version of a file without reading it: its size
// and modification time, what the job key and Snapshot.Check compare.
func Version(st os.FileInfo) string {
	return fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
}

// Status is a file's identity (device and inode) and status-change time
// where the system records them ("" elsewhere). A rewrite changes the
// time even when the writer sets the size and modification time back as
// they were, and so do a chmod, a new hard link or extended attributes;
// another file put in its place (a link pointed elsewhere, a rename over
// it) has another identity: a changed status is a reason to compare the
// content, not a change of it.
func Status(st os.FileInfo) string {
	s, _ := fileStatus(st)
	return s
}

// Snapshot is the Version and Status of a source's files when it was
// taken, for Check and Touched.
type Snapshot struct {
	files    []string
	versions []string
	statuses []string
	inexact  bool // a status time of whole seconds, or unknown
	racy     bool // a status time not RacyWindow in the past after RacyWait
}

// The kernel stamps status changes with a clock of coarse ticks (1 to 10
// ms), so a rewrite within the tick of a file's last change leaves its
// status as it was (git's "racily clean" index entries). Snap therefore
// waits, at most RacyWait, until every file's status time is RacyWindow in
// the past: any later rewrite then has another status time. A file whose
// status time stays in the future (another machine's clock: NFS) makes
// the snapshot Racy, and Touched.
const (
	RacyWindow = 25 * time.Millisecond
	RacyWait   = time.Second
)

// Snap records the Version and Status of the files of the sources.
func Snap(srcs ...Source) (Snapshot, error) {
	deadline := time.Now().Add(RacyWait)
	for {
		s, latest, err := snap(srcs)
		if err != nil {
			return Snapshot{}, err
		}
		d := time.Until(latest.Add(RacyWindow))
		if d <= 0 {
			return s, nil
		}
		// A file changed just now: a rewrite within the same tick would
		// keep its status. Wait for the tick to pass, then take the
		// snapshot again (what the frames read after it must match).
		if time.Now().Add(d).After(deadline) {
			s.racy = true
			return s, nil
		}
		time.Sleep(d)
	}
}

// snap is Snap without the wait: the snapshot and the latest status time.
// A file that a source holds mapped must still be the file at its path:
// one renamed over it since it was opened (before the snapshot) would have
// its status recorded for the other's frames. The status recorded and the
// identity compared come from one stat.
func snap(srcs []Source) (s Snapshot, latest time.Time, err error) {
	for _, src := range srcs {
		if src == nil {
			continue
		}
		held := map[string]string{}
		for _, m := range heldMappings(src) {
			if m != nil && m.id != "" {
				held[m.path] = m.id
			}
		}
		for _, f := range Files(src) {
			st, err := os.Stat(f)
			if err != nil {
				return Snapshot{}, time.Time{}, err
			}
			if id, ok := held[f]; ok && identity(st) != id {
				return Snapshot{}, time.Time{}, fmt.Errorf("%w: %s was replaced while the job opened it (another file renamed or linked into its place): run again", ErrChanged, f)
			}
			status, exact := fileStatus(st)
			s.files, s.versions, s.statuses = append(s.files, f), append(s.versions, Version(st)), append(s.statuses, status)
			s.inexact = s.inexact || !exact
			if t := statusTime(st); t.After(latest) {
				latest = t
			}
		}
	}
	return s, latest, nil
}

// Check returns ErrChanged, naming the file, if a file's Version is not
// what it was when the snapshot was taken: its size or its modification
// time.
func (s Snapshot) Check() error {
	for i, f := range s.files {
		st, err := os.Stat(f)
		if err != nil || Version(st) != s.versions[i] {
			return fmt.Errorf("%w: %s changed while the job read it", ErrChanged, f)
		}
	}
	return nil
}

// Touched reports whether a file's Status changed since the snapshot (or
// it cannot be read), or the statuses cannot tell (Inexact): its content
// may have changed with the same Version.
func (s Snapshot) Touched() bool {
	if s.inexact || s.racy {
		return true
	}
	for i, f := range s.files {
		st, err := os.Stat(f)
		if err != nil || Status(st) != s.statuses[i] {
			return true
		}
	}
	return false
}

// Inexact reports whether a file's status time has whole seconds (a file
// system that keeps no finer times: a rewrite within the second leaves
// it as it was) or is unknown: equal statuses do not tell that a file
// was left alone.
func (s Snapshot) Inexact() bool { return s.inexact }

// Racy reports whether a file's status time was still not RacyWindow in
// the past after Snap waited RacyWait (a clock ahead of this machine's):
// a rewrite within its tick would leave it equal.
func (s Snapshot) Racy() bool { return s.racy }

// Stamp is a short text of the files' statuses when the snapshot was
// taken, for a result's metadata: a later Snap with another Stamp had its
// files touched in between.
func (s Snapshot) Stamp() string {
	// The statuses alone (identity and time), in order: not the paths as
	// spelt, which a rerun may spell otherwise ("./s.npy", a linked folder)
	// for the same job.
	h := sha256.New()
	for _, st := range s.statuses {
		fmt.Fprintf(h, "%s\n", st)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:12])
}

// ErrChanged reports an input file that changed during a run.
var ErrChanged = errors.New("source: input changed")
