package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
)

// ErrFormat reports a file that is not a valid or supported .npy file.
var ErrFormat = errors.New("npy: invalid file")

// ErrDType marks, besides ErrFormat, a file refused for its dtype alone
// (errors.Is), for callers that advise another conversion; it adds
// nothing to the message.
var ErrDType error = dtypeMark{}

type dtypeMark struct{}

func (dtypeMark) Error() string { return "" }

var magic = []byte("\x93NUMPY")

// Header is the parsed header of a .npy file.
type Header struct {
	DType   array.DType
	Order   array.ByteOrder
	Fortran bool
	Shape   []int
	Offset  int // byte offset of the data
	// Bool: numpy's bool (b1), read as uint8 0 and 1 (CheckBool refuses
	// other bytes, which numpy reads as True and ipcf read as their values).
	Bool bool
}

func parseDescr(s string) (array.DType, array.ByteOrder, error) {
	if len(s) < 2 {
		return 0, 0, fmt.Errorf("%w: descr %q", ErrFormat, s)
	}
	var bo array.ByteOrder
	switch s[0] {
	case '<':
		bo = array.Little
	case '>':
		bo = array.Big
	case '|', '=':
		bo = array.NativeOrder
	default:
		return 0, 0, fmt.Errorf("%w: descr %q has no byte order", ErrFormat, s)
	}
	var dt array.DType
	switch s[1:] {
	case "u1", "b1": // numpy's bool: bytes 0 and 1 (a mask of numpy.save(m > 0))
		dt = array.Uint8
	case "u2":
		dt = array.Uint16
	case "i2":
		dt = array.Int16
	case "i4":
		dt = array.Int32
	case "f4":
		dt = array.Float32
	case "f8":
		dt = array.Float64
	default:
		hint := ""
		switch s[1:] {
		case "i8", "u4", "u8", "i1", "f2": // numpy's default integer (numpy.random's counts) among them
			hint = "; convert it, e.g. numpy.save(path, a.astype(numpy.uint16)) for counts in 0..65535, or a.astype(numpy.float64)"
		}
		return 0, 0, fmt.Errorf("%w: dtype %q not supported (want b1, u1, u2, i2, i4, f4 or f8)%s%w", ErrFormat, s, hint, ErrDType)
	}
	return dt, bo, nil
}

// Descr returns the numpy dtype string for dt and bo.
func Descr(dt array.DType, bo array.ByteOrder) string {
	c := "<"
	if bo == array.Big || (bo == array.Native && array.NativeOrder == array.Big) {
		c = ">"
	}
	switch dt {
	case array.Uint8:
		return "|u1"
	case array.Uint16:
		return c + "u2"
	case array.Int16:
		return c + "i2"
	case array.Int32:
		return c + "i4"
	case array.Float32:
		return c + "f4"
	case array.Float64:
		return c + "f8"
	}
	return ""
}

// ParseHeader parses the header at the start of b (at least the first
// bytes of the file up to the end of the header).
func ParseHeader(b []byte) (Header, error) {
	var h Header
	switch {
	case len(b) == 0:
		return h, fmt.Errorf("%w: empty (0 bytes)", ErrFormat)
	case len(b) >= 6 && bytes.Equal(b[:6], magic) && len(b) < 10:
		return h, fmt.Errorf("%w: cut short in its header (%d bytes)", ErrFormat, len(b))
	case len(b) < 10 || !bytes.Equal(b[:6], magic):
		return h, fmt.Errorf("%w: no .npy magic", ErrFormat)
	}
	if b[7] != 0 || b[6] < 1 || b[6] > 3 {
		return h, fmt.Errorf("%w: format version %d.%d not supported (want 1.0, 2.0 or 3.0)", ErrFormat, b[6], b[7])
	}
	var n uint32
	start := 10
	if b[6] == 1 {
		n = uint32(binary.LittleEndian.Uint16(b[8:]))
	} else {
		if len(b) < 12 {
			return h, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		n, start = binary.LittleEndian.Uint32(b[8:]), 12
	}
	if n > 1<<20 {
		return h, fmt.Errorf("%w: header of %d bytes, at most %d supported", ErrFormat, n, 1<<20)
	}
	hlen := int(n)
	if start+hlen > len(b) {
		return h, fmt.Errorf("%w: truncated header (%d bytes announced, %d present)", ErrFormat, hlen, len(b)-start)
	}
	text := string(b[start : start+hlen])
	h.Offset = start + hlen
	d, err := parseDict(text)
	if err != nil {
		return h, err
	}
	descr, fo, sh := d["descr"], d["fortran_order"], d["shape"]
	if descr.kind != 's' {
		return h, fmt.Errorf("%w: header descr is not a string (structured dtypes are not supported)", ErrFormat)
	}
	if h.DType, h.Order, err = parseDescr(descr.str); err != nil {
		return h, err
	}
	h.Bool = descr.str[1:] == "b1"
	if fo.kind != 'b' {
		return h, fmt.Errorf("%w: header fortran_order is not True or False", ErrFormat)
	}
	h.Fortran = fo.boolv
	if sh.kind != 't' {
		return h, fmt.Errorf("%w: header shape is not a tuple of integers", ErrFormat)
	}
	if len(sh.tuple) > array.MaxNDim {
		return h, fmt.Errorf("%w: %d dimensions, at most %d supported", ErrFormat, len(sh.tuple), array.MaxNDim)
	}
	for _, n := range sh.tuple {
		if int64(int(n)) != n {
			return h, fmt.Errorf("%w: shape %v too large", ErrFormat, sh.tuple)
		}
		h.Shape = append(h.Shape, int(n))
	}
	return h, nil
}

// Strides returns the byte strides of the header's layout.
func (h Header) Strides() []int {
	st := make([]int, len(h.Shape))
	s := h.DType.Size()
	if h.Fortran {
		for i := range h.Shape {
			st[i] = s
			s *= max(h.Shape[i], 1)
		}
	} else {
		for i := len(h.Shape) - 1; i >= 0; i-- {
			st[i] = s
			s *= max(h.Shape[i], 1)
		}
	}
	return st
}

// View returns the array stored in b, the whole content of a .npy file.
// A file shorter than its header announces is an error.
func View(b []byte) (array.View, Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return array.View{}, h, err
	}
	shape := h.Shape
	if len(shape) == 0 { // a scalar
		shape = []int{1}
	}
	need, ok := DataSize(h.DType, shape)
	if !ok {
		return array.View{}, h, fmt.Errorf("%w: shape %v of %s: its byte size overflows a 64-bit integer", ErrFormat, h.Shape, Descr(h.DType, h.Order))
	}
	if have := int64(len(b) - h.Offset); have != need {
		what := "truncated data"
		if have > need {
			what = "trailing bytes"
		}
		return array.View{}, h, fmt.Errorf("%w: %s: shape %v of %s needs %d data bytes, the file has %d after its %d-byte header",
			ErrFormat, what, h.Shape, Descr(h.DType, h.Order), need, have, h.Offset)
	}
	st := h.Strides()
	if len(h.Shape) == 0 {
		st = []int{h.DType.Size()}
	}
	v, err := array.New(h.DType, h.Order, shape, st, b, h.Offset)
	return v, h, err
}

// CheckBool refuses a bool (b1) array in the file at path (header h) that
// holds a byte other than 0 and 1: numpy reads any byte but 0 as True, and
// such a file (bytes written by another program, a view of other data as
// bool) gave other curves than numpy's reading, with no error. The file is
// read in pieces, not through a mapping (whose pages would count against
// a job's memory budget); other arrays pass unread.
func CheckBool(path string, h Header) error {
	if !h.Bool {
		return nil
	}
	f, _, err := OpenRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	at := int64(0)
	for {
		n, err := f.ReadAt(buf, int64(h.Offset)+at)
		for i, c := range buf[:n] {
			if c > 1 {
				return fmt.Errorf("%w: %s: a bool (b1) array whose byte %d is %d, not 0 or 1 (numpy reads it as True): save it as numpy.save(path, a.astype(numpy.uint8))", ErrFormat, path, at+int64(i), c)
			}
		}
		at += int64(n)
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// DataSize returns the byte size of an array of dt with the given shape,
// and false if a dimension is negative or the size overflows int64.
func DataSize(dt array.DType, shape []int) (int64, bool) {
	for _, s := range shape {
		if s < 0 {
			return 0, false
		}
	}
	if slices.Contains(shape, 0) { // whatever the other dimensions
		return 0, true
	}
	n := uint64(dt.Size())
	for _, s := range shape {
		hi, lo := bits.Mul64(n, uint64(s))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = lo
	}
	return int64(n), true
}

// File is a memory-mapped .npy file.
type File struct {
	array.View
	Header Header
	data   []byte
	unmap  func() error
}

// Open memory-maps the .npy file at path and returns its array.
func Open(path string) (*File, error) {
	data, unmap, err := MapFile(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	v, h, err := View(data)
	if err == nil && len(h.Shape) == 0 {
		// (its View has the shape [1], which messages would show)
		err = fmt.Errorf("%w: shape (): one value, not an array of images, curves or maps", ErrFormat)
	}
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{View: v, Header: h, data: data, unmap: unmap}, nil
}

// Bytes returns the whole file as mapped (header and data): a checksum of
// it is one of the bytes the View reads, whatever the path names since.
// Reading it faults where the file was cut short meanwhile.
func (f *File) Bytes() []byte { return f.data }

// Close unmaps the file. The View must not be used afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	return err
}

// HeaderBytes returns a version 1.0 (or 2.0 for long headers) .npy header
// for a C-order array.
func HeaderBytes(dt array.DType, bo array.ByteOrder, shape []int) []byte {
	var sb strings.Builder
	sb.WriteString("(")
	for i, s := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(s))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString(")")
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", Descr(dt, bo), sb.String())
	pre := 10
	if len(dict)+pre+1 > 65535 {
		pre = 12
	}
	total := (pre + len(dict) + 1 + 63) / 64 * 64
	hdr := make([]byte, 0, total)
	hdr = append(hdr, magic...)
	if pre == 10 {
		hdr = append(hdr, 1, 0)
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(total-pre))
	} else {
		hdr = append(hdr, 2, 0)
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(total-pre))
	}
	hdr = append(hdr, dict...)
	for len(hdr) < total-1 {
		hdr = append(hdr, ' ')
	}
	return append(hdr, '\n')
}

// Write writes a C-order array with native byte order: a header followed
// by data, which must hold exactly prod(shape)*dt.Size() bytes.
func Write(w io.Writer, dt array.DType, shape []int, data []byte) error {
	n := dt.Size()
	for _, s := range shape {
		n *= s
	}
	if n != len(data) {
		return fmt.Errorf("npy: %d data bytes for shape %v of %s", len(data), shape, dt)
	}
	if _, err := w.Write(HeaderBytes(dt, array.NativeOrder, shape)); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// WriteFile writes a C-order array to path atomically: to a temporary name
// in the same folder, synced, then renamed.
func WriteFile(path string, dt array.DType, shape []int, data []byte) error {
	err := WriteAtomic(path, func(w io.Writer) error { return Write(w, dt, shape, data) })
	if err != nil {
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	return nil
}

// closeTemp closes WriteAtomicThen's temporary file (a test makes it fail).
var closeTemp = (*os.File).Close

// WriteAtomic writes a file so that it appears complete or not at all:
// fill writes to a temporary file in the same folder, which is synced and
// renamed to path; on any error the temporary file is removed.
func WriteAtomic(path string, fill func(w io.Writer) error) error {
	return WriteAtomicThen(path, fill, nil)
}

// WriteAtomicThen is WriteAtomic calling before (if not nil) just before
// the rename, once the new content is complete and synced: the short step
// between the old file and the new (removing a sidecar that describes the
// old one, for example). An error of before is returned, the file left as
// it was.
func WriteAtomicThen(path string, fill func(w io.Writer) error, before func() error) error {
	tmp, err := createTemp(dirOf(path))
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = fill(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(CreateMode(0o666)) // CreateTemp makes 0600 files
	}
	if err == nil && before != nil {
		err = before()
	}
	if err == nil {
		err = os.Rename(name, path) // still open: locked until renamed
	}
	// The close comes after the rename or an error: an error of its own
	// (which a network file system may give) is no failed write, the
	// bytes synced before and the file in place (it was reported as one,
	// the caller stopping with the new file in place: FAULT8's F6).
	closeTemp(tmp)
	if err != nil {
		os.Remove(name)
	}
	return err
}

// tempPattern names the temporary files of WriteAtomic.
const tempPattern = ".ipcf-*.tmp"

// IsTempName reports whether base is a name os.CreateTemp gives for
// tempPattern: ".ipcf-" and digits, then ".tmp". RemoveStaleTemps removes
// such files that no writer holds.
func IsTempName(base string) bool {
	d := strings.TrimSuffix(strings.TrimPrefix(base, ".ipcf-"), ".tmp")
	if len(d) == 0 || len(d)+len(".ipcf-.tmp") != len(base) {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// createTemp creates a temporary file in dir, locked (holdTemp) until it
// is closed.
func createTemp(dir string) (*os.File, error) {
	for {
		f, err := os.CreateTemp(dir, tempPattern)
		if err != nil {
			// Name the folder, not the temporary file's made-up name.
			if st, serr := os.Stat(dir); serr != nil {
				return nil, fmt.Errorf("the folder %s does not exist", dir)
			} else if !st.IsDir() {
				return nil, fmt.Errorf("%s is not a folder", dir)
			}
			var pe *os.PathError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("cannot create a file in %s: %w", dir, pe.Err)
			}
			return nil, err
		}
		if holdTemp(f) {
			return f, nil
		}
		f.Close() // removed by RemoveStaleTemps before it was locked
	}
}

func dirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "."
	}
	if i == 0 {
		return "/"
	}
	return path[:i]
}
