package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
)

// ErrFormat reports a file that is not a valid or supported .npy file.
var ErrFormat = errors.New("npy: invalid file")

var magic = []byte("\x93NUMPY")

// Header is the parsed header of a .npy file.
type Header struct {
	DType   array.DType
	Order   array.ByteOrder
	Fortran bool
	Shape   []int
	Offset  int // byte offset of the data
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
	case "u1":
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
		return 0, 0, fmt.Errorf("%w: dtype %q not supported (want u1, u2, i2, i4, f4 or f8)", ErrFormat, s)
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

// value returns the text of the value for key in a Python dict literal.
func value(h, key string) (string, bool) {
	for _, q := range []string{"'", "\""} {
		i := strings.Index(h, q+key+q)
		if i < 0 {
			continue
		}
		rest := strings.TrimSpace(h[i+len(key)+2:])
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		rest = strings.TrimSpace(rest[1:])
		if rest == "" {
			return "", false
		}
		switch rest[0] {
		case '(':
			j := strings.IndexByte(rest, ')')
			if j < 0 {
				return "", false
			}
			return rest[:j+1], true
		case '\'', '"':
			j := strings.IndexByte(rest[1:], rest[0])
			if j < 0 {
				return "", false
			}
			return rest[1 : j+1], true
		default:
			j := strings.IndexAny(rest, ",}")
			if j < 0 {
				return "", false
			}
			return strings.TrimSpace(rest[:j]), true
		}
	}
	return "", false
}

// ParseHeader parses the header at the start of b (at least the first
// bytes of the file up to the end of the header).
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < 10 || !bytes.Equal(b[:6], magic) {
		return h, fmt.Errorf("%w: no .npy magic", ErrFormat)
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return h, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return h, fmt.Errorf("%w: format version %d.%d not supported", ErrFormat, b[6], b[7])
	}
	if hlen > 1<<20 || start+hlen > len(b) {
		return h, fmt.Errorf("%w: truncated header (%d bytes announced, %d present)", ErrFormat, hlen, len(b)-start)
	}
	text := string(b[start : start+hlen])
	h.Offset = start + hlen
	descr, ok := value(text, "descr")
	if !ok {
		return h, fmt.Errorf("%w: header has no descr", ErrFormat)
	}
	var err error
	if h.DType, h.Order, err = parseDescr(descr); err != nil {
		return h, err
	}
	fo, ok := value(text, "fortran_order")
	switch {
	case ok && fo == "True":
		h.Fortran = true
	case ok && fo == "False":
	default:
		return h, fmt.Errorf("%w: header has no valid fortran_order", ErrFormat)
	}
	sh, ok := value(text, "shape")
	if !ok || !strings.HasPrefix(sh, "(") {
		return h, fmt.Errorf("%w: header has no shape", ErrFormat)
	}
	for _, f := range strings.Split(strings.Trim(sh, "()"), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(f, "L"), 10, 64)
		if err != nil || n < 0 || n > math.MaxInt32*int64(1<<16) {
			return h, fmt.Errorf("%w: shape %s", ErrFormat, sh)
		}
		h.Shape = append(h.Shape, int(n))
	}
	if len(h.Shape) > array.MaxNDim {
		return h, fmt.Errorf("%w: %d dimensions, at most %d supported", ErrFormat, len(h.Shape), array.MaxNDim)
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
	n, overflow := 1, false
	for _, s := range shape {
		if s != 0 && n > math.MaxInt64/8/s {
			overflow = true
		}
		n *= s
	}
	if overflow {
		return array.View{}, h, fmt.Errorf("%w: shape %v too large", ErrFormat, h.Shape)
	}
	if need := n * h.DType.Size(); len(b)-h.Offset < need {
		return array.View{}, h, fmt.Errorf("%w: truncated data: shape %v needs %d bytes, file has %d", ErrFormat, h.Shape, need, len(b)-h.Offset)
	}
	st := h.Strides()
	if len(h.Shape) == 0 {
		st = []int{h.DType.Size()}
	}
	v, err := array.New(h.DType, h.Order, shape, st, b, h.Offset)
	return v, h, err
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
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{View: v, Header: h, data: data, unmap: unmap}, nil
}

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

// WriteAtomic writes a file so that it appears complete or not at all:
// fill writes to a temporary file in the same folder, which is synced and
// renamed to path; on any error the temporary file is removed.
func WriteAtomic(path string, fill func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".ipcf-*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = fill(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644) // CreateTemp makes 0600 files
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
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
