package array

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// MaxNDim is the largest number of dimensions a View may have.
const MaxNDim = 8

// DType is the sample type of a View. The values are part of the C ABI
// (IPCF_DTYPE_*) and are never renumbered.
type DType uint32

// The supported sample types.
const (
	Invalid DType = 0
	Uint8   DType = 1
	Uint16  DType = 2
	Int16   DType = 3
	Int32   DType = 4
	Float32 DType = 5
	Float64 DType = 6
)

// Size returns the number of bytes of one sample, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case Uint8:
		return 1
	case Uint16, Int16:
		return 2
	case Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// IsInteger reports whether d is an integer type.
func (d DType) IsInteger() bool { return d >= Uint8 && d <= Int32 }

// Range returns the smallest and largest value representable in d.
func (d DType) Range() (lo, hi float64) {
	switch d {
	case Uint8:
		return 0, math.MaxUint8
	case Uint16:
		return 0, math.MaxUint16
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Int32:
		return math.MinInt32, math.MaxInt32
	case Float32:
		return -math.MaxFloat32, math.MaxFloat32
	}
	return -math.MaxFloat64, math.MaxFloat64
}

func (d DType) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Uint16:
		return "uint16"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("dtype(%d)", uint32(d))
}

// ByteOrder is the byte order of the samples. The values are part of the
// C ABI (IPCF_ORDER_*).
type ByteOrder uint32

// The byte orders. Native is resolved to Little or Big by New.
const (
	Native ByteOrder = 0
	Little ByteOrder = 1
	Big    ByteOrder = 2
)

// NativeOrder is the byte order of this machine.
var NativeOrder = func() ByteOrder {
	var x uint16 = 1
	b := (*[2]byte)(unsafePointer(&x))
	if b[0] == 1 {
		return Little
	}
	return Big
}()

// Errors returned by New. Their messages are extended with the details.
var (
	ErrDType  = errors.New("array: unknown dtype")
	ErrShape  = errors.New("array: invalid shape")
	ErrLayout = errors.New("array: unsupported layout")
)

// View is a strided n-dimensional array over a byte slice.
//
// The sample with index (i0, i1, ...) starts at byte
// Offset + i0*Strides[0] + i1*Strides[1] + ... of Data. New guarantees that
// every sample of the view lies inside Data.
type View struct {
	DType   DType
	Order   ByteOrder // Little or Big after New
	Shape   []int
	Strides []int // in bytes, may be negative or zero
	Data    []byte
	Offset  int
}

// Extent returns the byte range [lo, hi) relative to the first sample that
// an array of the given shape, strides and item size touches, checking
// every product and sum for overflow. An empty array has lo == hi == 0.
func Extent(shape, strides []int, itemsize int) (lo, hi int, err error) {
	if len(shape) != len(strides) {
		return 0, 0, fmt.Errorf("%w: %d shape values, %d strides", ErrShape, len(shape), len(strides))
	}
	empty := false
	for i, s := range shape {
		if s < 0 {
			return 0, 0, fmt.Errorf("%w: shape[%d]=%d is negative", ErrShape, i, s)
		}
		empty = empty || s == 0
	}
	if empty { // no sample, whatever the other dimensions
		return 0, 0, nil
	}
	n := 1
	for _, s := range shape {
		hi, lo := bits.Mul64(uint64(n), uint64(s))
		if hi != 0 || lo > math.MaxInt64/16 {
			return 0, 0, fmt.Errorf("%w: shape %v has too many elements", ErrShape, shape)
		}
		n = int(lo)
	}
	const limit = math.MaxInt64 / 4
	for i, s := range shape {
		st := strides[i]
		if st > limit || st < -limit {
			return 0, 0, fmt.Errorf("%w: strides[%d]=%d overflows", ErrShape, i, st)
		}
		m := int64(s - 1)
		a := st
		if a < 0 {
			a = -a
		}
		h, l := bits.Mul64(uint64(m), uint64(a))
		if h != 0 || l > limit {
			return 0, 0, fmt.Errorf("%w: (shape[%d]-1)*strides[%d]=%d*%d overflows", ErrShape, i, i, m, st)
		}
		if st < 0 {
			lo -= int(l)
		} else {
			hi += int(l)
		}
		if lo < -limit || hi > limit {
			return 0, 0, fmt.Errorf("%w: the strides span more than %d bytes", ErrShape, limit)
		}
	}
	return lo, hi + itemsize, nil
}

// New validates a view over data whose first sample (index 0, 0, ...)
// starts at byte offset. It returns an error, never panics, for an unknown
// dtype or byte order, a negative or overflowing shape or stride, or a view
// that reaches outside data.
func New(dt DType, order ByteOrder, shape, strides []int, data []byte, offset int) (View, error) {
	if dt.Size() == 0 {
		return View{}, fmt.Errorf("%w: %d (want uint8, uint16, int16, int32, float32 or float64)", ErrDType, uint32(dt))
	}
	switch order {
	case Native:
		order = NativeOrder
	case Little, Big:
	default:
		return View{}, fmt.Errorf("%w: byte order %d (want native, little or big)", ErrLayout, uint32(order))
	}
	if len(shape) < 1 || len(shape) > MaxNDim {
		return View{}, fmt.Errorf("%w: ndim=%d, want 1..%d", ErrShape, len(shape), MaxNDim)
	}
	lo, hi, err := Extent(shape, strides, dt.Size())
	if err != nil {
		return View{}, err
	}
	// Compared without forming offset+hi, which can overflow.
	if hi > lo && (offset < 0 || offset > len(data) || lo < -offset || hi > len(data)-offset) {
		return View{}, fmt.Errorf("%w: the view spans bytes [%d, %d) from offset %d, outside a %d-byte buffer", ErrShape, lo, hi, offset, len(data))
	}
	return View{DType: dt, Order: order, Shape: append([]int(nil), shape...), Strides: append([]int(nil), strides...), Data: data, Offset: offset}, nil
}

// Contiguous returns a C-order view over data with the given shape.
func Contiguous(dt DType, shape []int, data []byte) (View, error) {
	strides := make([]int, len(shape))
	st := dt.Size()
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = st
		if shape[i] > 0 && st > math.MaxInt64/shape[i] {
			return View{}, fmt.Errorf("%w: shape %v overflows", ErrShape, shape)
		}
		st *= shape[i]
	}
	return New(dt, Native, shape, strides, data, 0)
}

// Len returns the number of samples.
func (v View) Len() int {
	n := 1
	for _, s := range v.Shape {
		n *= s
	}
	return n
}

// NDim returns the number of dimensions.
func (v View) NDim() int { return len(v.Shape) }

// IsCContiguous reports whether the samples are packed in C order in the
// machine's byte order.
func (v View) IsCContiguous() bool {
	if v.Order != NativeOrder {
		return false
	}
	st := v.DType.Size()
	for i := len(v.Shape) - 1; i >= 0; i-- {
		if v.Shape[i] != 1 && v.Strides[i] != st {
			return false
		}
		st *= v.Shape[i]
	}
	return true
}

// Overlaps reports whether the bytes of v and w may share memory.
func (v View) Overlaps(w View) bool {
	if v.Len() == 0 || w.Len() == 0 || len(v.Data) == 0 || len(w.Data) == 0 {
		return false
	}
	a0, a1, _ := Extent(v.Shape, v.Strides, v.DType.Size())
	b0, b1, _ := Extent(w.Shape, w.Strides, w.DType.Size())
	pa := uintptrOf(&v.Data[0]) + uintptr(v.Offset)
	pb := uintptrOf(&w.Data[0]) + uintptr(w.Offset)
	return int64(pa)+int64(a0) < int64(pb)+int64(b1) && int64(pb)+int64(b0) < int64(pa)+int64(a1)
}

// SelfOverlaps reports whether two different samples of v may share a
// byte, as a zero stride or strides that interleave too tightly make them.
// It sorts the axes of extent > 1 by |stride| and requires each stride to
// step over everything the smaller axes span (numpy's sufficient test for
// non-overlap): a layout that passes writes every sample to its own bytes.
// A few exotic interleaved layouts that do not overlap are reported too.
func (v View) SelfOverlaps() bool {
	type axis struct{ n, st int }
	var ax []axis
	for i, n := range v.Shape {
		if n == 0 {
			return false
		}
		if n > 1 {
			st := v.Strides[i]
			if st < 0 {
				st = -st
			}
			ax = append(ax, axis{n, st})
		}
	}
	for i := 1; i < len(ax); i++ { // insertion sort: at most MaxNDim axes
		for j := i; j > 0 && ax[j].st < ax[j-1].st; j-- {
			ax[j], ax[j-1] = ax[j-1], ax[j]
		}
	}
	span := v.DType.Size() // bytes covered by the smaller axes, from the first sample
	for _, a := range ax {
		if a.st < span {
			return true
		}
		// Extent has bounded (n-1)*st, so this cannot overflow.
		span = (a.n-1)*a.st + span
	}
	return false
}

// offset returns the byte offset of the sample at idx.
func (v View) offset(idx []int) int {
	o := v.Offset
	for i, j := range idx {
		o += j * v.Strides[i]
	}
	return o
}

// At returns the sample at idx as float64. It panics if idx is out of range.
func (v View) At(idx ...int) float64 {
	for i, j := range idx {
		if j < 0 || j >= v.Shape[i] {
			panic("array: index out of range")
		}
	}
	return v.Load(v.offset(idx))
}

// Set stores x, converted to the view's dtype, at idx.
func (v View) Set(x float64, idx ...int) {
	for i, j := range idx {
		if j < 0 || j >= v.Shape[i] {
			panic("array: index out of range")
		}
	}
	v.Store(v.offset(idx), x)
}

func (v View) u16(o int) uint16 {
	if v.Order == Little {
		return binary.LittleEndian.Uint16(v.Data[o:])
	}
	return binary.BigEndian.Uint16(v.Data[o:])
}

func (v View) u32(o int) uint32 {
	if v.Order == Little {
		return binary.LittleEndian.Uint32(v.Data[o:])
	}
	return binary.BigEndian.Uint32(v.Data[o:])
}

func (v View) u64(o int) uint64 {
	if v.Order == Little {
		return binary.LittleEndian.Uint64(v.Data[o:])
	}
	return binary.BigEndian.Uint64(v.Data[o:])
}

// Load returns the sample starting at byte o of Data as float64.
func (v View) Load(o int) float64 {
	switch v.DType {
	case Uint8:
		return float64(v.Data[o])
	case Uint16:
		return float64(v.u16(o))
	case Int16:
		return float64(int16(v.u16(o)))
	case Int32:
		return float64(int32(v.u32(o)))
	case Float32:
		return float64(math.Float32frombits(v.u32(o)))
	case Float64:
		return math.Float64frombits(v.u64(o))
	}
	panic("array: invalid dtype")
}

// Store writes x, converted to the view's dtype, at byte o of Data. Integer
// conversions truncate toward zero; callers round and clip first.
func (v View) Store(o int, x float64) {
	d := v.Data
	le := v.Order == Little
	switch v.DType {
	case Uint8:
		d[o] = uint8(x)
	case Uint16, Int16:
		var u uint16
		if v.DType == Uint16 {
			u = uint16(x)
		} else {
			u = uint16(int16(x))
		}
		if le {
			binary.LittleEndian.PutUint16(d[o:], u)
		} else {
			binary.BigEndian.PutUint16(d[o:], u)
		}
	case Int32, Float32:
		var u uint32
		if v.DType == Int32 {
			u = uint32(int32(x))
		} else {
			u = math.Float32bits(float32(x))
		}
		if le {
			binary.LittleEndian.PutUint32(d[o:], u)
		} else {
			binary.BigEndian.PutUint32(d[o:], u)
		}
	case Float64:
		if le {
			binary.LittleEndian.PutUint64(d[o:], math.Float64bits(x))
		} else {
			binary.BigEndian.PutUint64(d[o:], math.Float64bits(x))
		}
	default:
		panic("array: invalid dtype")
	}
}

// Gather reads n samples along a line starting at byte offset o with byte
// stride st into dst[0:n] as float64. It is the fast path for reading a
// pixel's time series: the dtype and byte order switch is outside the loop.
func (v View) Gather(dst []float64, o, st, n int) {
	dst = dst[:n]
	d := v.Data
	le := v.Order == Little
	switch v.DType {
	case Uint8:
		for i := range dst {
			dst[i] = float64(d[o])
			o += st
		}
	case Uint16:
		if le {
			for i := range dst {
				dst[i] = float64(binary.LittleEndian.Uint16(d[o:]))
				o += st
			}
		} else {
			for i := range dst {
				dst[i] = float64(binary.BigEndian.Uint16(d[o:]))
				o += st
			}
		}
	case Int16:
		for i := range dst {
			dst[i] = float64(int16(v.u16(o)))
			o += st
		}
	case Int32:
		for i := range dst {
			dst[i] = float64(int32(v.u32(o)))
			o += st
		}
	case Float32:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(v.u32(o)))
			o += st
		}
	case Float64:
		for i := range dst {
			dst[i] = math.Float64frombits(v.u64(o))
			o += st
		}
	}
}

// Gather2 reads a block of samples: for j < m and i < n, dst[j][i] is the
// sample at byte o + i*st + j*sj. It reads the block row by row (i outer),
// so a time-major image stack is read sequentially while being transposed
// into time-contiguous series.
func (v View) Gather2(dst [][]float64, o, st, n, sj int) {
	m := len(dst)
	d := v.Data
	if v.DType == Uint16 && v.Order == Little {
		for i := 0; i < n; i++ {
			p := o + i*st
			for j := 0; j < m; j++ {
				dst[j][i] = float64(binary.LittleEndian.Uint16(d[p:]))
				p += sj
			}
		}
		return
	}
	if v.DType == Uint16 && v.Order == Big {
		for i := 0; i < n; i++ {
			p := o + i*st
			for j := 0; j < m; j++ {
				dst[j][i] = float64(binary.BigEndian.Uint16(d[p:]))
				p += sj
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		p := o + i*st
		for j := 0; j < m; j++ {
			dst[j][i] = v.Load(p)
			p += sj
		}
	}
}

// GatherF32 transposes a block of samples into float32 series: for
// i < n, y < ny and x < nx, dst[y*nx+x][i] is the sample at byte
// o + i*st + y*sy + x*sx. The loop runs over i outermost, so a time-major
// image stack is read frame by frame: each frame's block of ny rows is
// read in one sweep, which keeps many memory reads in flight. It is exact
// for the dtypes ExactInFloat32 reports.
func (v View) GatherF32(dst [][]float32, o, st, n, ny, sy, nx, sx int) {
	d := v.Data
	dst = dst[:ny*nx]
	if v.DType == Uint16 && sx == 2 {
		// Blocked transpose: 8 frames at a time, so that each pixel's
		// floats are written together while the frame rows being read stay
		// in L1. Not 16: frames of power-of-two size map to one L1 set, and
		// 16 of them exceed its 12 ways (BenchmarkTranspose: 8 frames 1.5x
		// faster than 16 for 64x64 frames).
		const tb = 8
		le := v.Order == Little
		for i0 := 0; i0 < n; i0 += tb {
			i1 := min(n, i0+tb)
			for y := 0; y < ny; y++ {
				p0 := o + i0*st + y*sy
				out := dst[y*nx : y*nx+nx]
				for x := range out {
					col := out[x][i0:i1]
					p := p0 + 2*x
					if le {
						for k := range col {
							col[k] = float32(binary.LittleEndian.Uint16(d[p:]))
							p += st
						}
					} else {
						for k := range col {
							col[k] = float32(binary.BigEndian.Uint16(d[p:]))
							p += st
						}
					}
				}
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		for y := 0; y < ny; y++ {
			p := o + i*st + y*sy
			for x := 0; x < nx; x++ {
				dst[y*nx+x][i] = float32(v.Load(p))
				p += sx
			}
		}
	}
}

// ExactInFloat32 reports.
func (v View) Gather2F32(dst [][]float32, o, st, n, sj int) {
	m := len(dst)
	d := v.Data
	switch {
	case v.DType == Uint16 && v.Order == Little:
		for i := 0; i < n; i++ {
			p := o + i*st
			for j := 0; j < m; j++ {
				dst[j][i] = float32(binary.LittleEndian.Uint16(d[p:]))
				p += sj
			}
		}
	case v.DType == Uint16 && v.Order == Big:
		for i := 0; i < n; i++ {
			p := o + i*st
			for j := 0; j < m; j++ {
				dst[j][i] = float32(binary.BigEndian.Uint16(d[p:]))
				p += sj
			}
		}
	default:
		for i := 0; i < n; i++ {
			p := o + i*st
			for j := 0; j < m; j++ {
				dst[j][i] = float32(v.Load(p))
				p += sj
			}
		}
	}
}

// ExactInFloat32 reports whether every value of the dtype is a float32.
func (d DType) ExactInFloat32() bool {
	return d == Uint8 || d == Uint16 || d == Int16 || d == Float32
}
