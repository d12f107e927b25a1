package ooc

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
)

// MaxTIFFBytes is the largest TIFF output: a classic TIFF (what ImageJ 1.x
// reads) addresses 4 GiB. Larger results are refused before they are
// computed (.npy and Zarr have no such limit).
const MaxTIFFBytes = 1<<32 - 1

// TIFFBytes is the size of the TIFF output of a result of shape (rows,
// columns, offsets, delays), for a check before the job runs; the ImageJ
// metadata (labels, ranges, the job's metadata as Info) are bounded by
// its last term.
func TIFFBytes(shape [4]int) int64 {
	planes := int64(shape[2]) * int64(shape[3])
	return 8 + planes*int64(shape[0])*int64(shape[1])*4 + planes*(tiffIFDBytes+2*256) + 1<<20
}

// tiffIFDBytes is the size of the IFD of every page but the first.
const tiffIFDBytes = 2 + 15*12 + 4

// TiffOutput writes an ImageJ hyperstack: a little-endian classic TIFF of
// float32 pages, the offsets as channels and the delay points as frames
// (page j*offsets + k is the image of offset k at delay j: tifffile reads
// it as axes TCYX), one strip per page, the pages contiguous after the
// 8-byte header and the IFDs after them. ImageJ's calibration: the pixel
// size (XResolution, YResolution, unit=micron), the frame interval
// (finterval) when the delays are evenly spaced, a display range
// symmetric about 0; each page's label names its offset (u, v) and delay,
// and the Info property holds the job's metadata. Like a .npy output, the
// metadata with the file's checksum are in the sidecar OUT.tif.json, and
// the tiles are written in place into a partial file that is renamed when
// complete, so resume and commit work as for .npy.
type TiffOutput struct {
	Absent, SidecarAbsent func() bool // as NpyOutput's

	path  string
	f     *os.File
	shape [4]int
}

// NewTiffOutput returns an output that will be written to path.
func NewTiffOutput(path string) *TiffOutput { return &TiffOutput{path: path} }

func (o *TiffOutput) Path() string { return o.path }

func (o *TiffOutput) PartialExists() bool {
	st, err := os.Lstat(PartialName(o.path))
	return err == nil && st.Mode().IsRegular()
}

func (o *TiffOutput) plane() int64 { return int64(o.shape[0]) * int64(o.shape[1]) * 4 }

// dataEnd is the end of the pages: the first IFD's offset.
func (o *TiffOutput) dataEnd() int64 {
	return 8 + int64(o.shape[2])*int64(o.shape[3])*o.plane()
}

func (o *TiffOutput) Open(shape [4]int, tile [2]int, resume bool) error {
	o.shape = shape
	if TIFFBytes(shape) > MaxTIFFBytes {
		return fmt.Errorf("output %s: %d MiB: a TIFF holds at most 4 GiB (write .npy, .zarr or .ome.zarr)", o.path, TIFFBytes(shape)>>20)
	}
	p := PartialName(o.path)
	flags := os.O_RDWR | os.O_CREATE
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := openOwn(p, flags)
	if err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	hdr := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(hdr[4:], uint32(o.dataEnd()))
	if _, err := f.WriteAt(hdr, 0); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	// The IFDs of an unfinished run go; the pages stay (a truncated file
	// grows back with zeros, whose tiles fail their checksums).
	if err := f.Truncate(o.dataEnd()); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	o.f = f
	return nil
}

// tileIO writes (or with read, reads) a tile's rows of every page, page
// by page, each page's rows in order, and returns the CRC-32C of those
// bytes in that order.
func (o *TiffOutput) tileIO(y0, x0, ty, tx int, data []float32, read bool) (uint32, error) {
	np, nb, W := o.shape[2], o.shape[3], o.shape[1]
	buf := make([]byte, ty*tx*4)
	var crc uint32
	for j := 0; j < nb; j++ {
		for k := 0; k < np; k++ {
			base := 8 + int64(j*np+k)*o.plane()
			if !read {
				for y := 0; y < ty; y++ {
					for x := 0; x < tx; x++ {
						binary.LittleEndian.PutUint32(buf[4*(y*tx+x):], math.Float32bits(data[((y*tx+x)*np+k)*nb+j]))
					}
				}
			}
			for y := 0; y < ty; y++ {
				off := base + (int64(y0+y)*int64(W)+int64(x0))*4
				row := buf[y*tx*4 : (y+1)*tx*4]
				if tx == W && y == 0 {
					row = buf // whole rows: one contiguous block
				}
				var err error
				if read {
					_, err = o.f.ReadAt(row, off)
				} else {
					_, err = o.f.WriteAt(row, off)
				}
				if err != nil {
					return 0, fmt.Errorf("output %s: %w", PartialName(o.path), err)
				}
				if tx == W {
					break
				}
			}
			crc = CRCUpdate(crc, buf)
		}
	}
	return crc, nil
}

func (o *TiffOutput) WriteTile(y0, x0, ty, tx int, data []float32) (uint32, error) {
	return o.tileIO(y0, x0, ty, tx, data, false)
}

func (o *TiffOutput) TileCRC(y0, x0, ty, tx int) (uint32, error) {
	return o.tileIO(y0, x0, ty, tx, nil, true)
}

// Sync flushes the written tiles to disk.
func (o *TiffOutput) Sync() error { return o.f.Sync() }

func (o *TiffOutput) Close() error {
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}

// Finish reads the pages once (their checksum and largest magnitude),
// appends the IFDs with the ImageJ metadata, syncs, and returns the
// checksum of the whole file.
func (o *TiffOutput) Finish(meta map[string]any) (uint32, error) {
	p := PartialName(o.path)
	h := crc32.New(castagnoli)
	var absMax float64
	buf := make([]byte, 1<<20)
	end := o.dataEnd()
	for off := int64(0); off < end; {
		n := int(min(int64(len(buf)), end-off))
		if _, err := o.f.ReadAt(buf[:n], off); err != nil {
			return 0, fmt.Errorf("output %s: %w", p, err)
		}
		h.Write(buf[:n])
		for i := 0; i < n; i += 4 {
			if off+int64(i) < 8 {
				continue
			}
			v := math.Abs(float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))))
			if v > absMax && !math.IsInf(v, 0) {
				absMax = v
			}
		}
		off += int64(n)
	}
	if !(absMax > 0) {
		absMax = 1
	}
	ifds := o.ifds(infoOf(meta, o.shape), o.attrs(meta), absMax)
	if int64(len(ifds))+end > MaxTIFFBytes {
		return 0, fmt.Errorf("output %s: %d MiB: a TIFF holds at most 4 GiB (write .npy, .zarr or .ome.zarr)", o.path, (int64(len(ifds))+end)>>20)
	}
	if _, err := o.f.WriteAt(ifds, end); err != nil {
		return 0, fmt.Errorf("output %s: %w", p, err)
	}
	h.Write(ifds)
	if err := o.f.Sync(); err != nil {
		return 0, fmt.Errorf("output %s: %w", p, err)
	}
	return h.Sum32(), o.Close()
}

func (o *TiffOutput) Publish(meta map[string]any, crc uint32) error {
	return publishFiles(o.path, "", o.attrs(meta), crc, 0, freshness{out: absent(o.Absent), sidecar: absent(o.SidecarAbsent)})
}

// attrs are the metadata with the pages' axes and their units.
func (o *TiffOutput) attrs(meta map[string]any) map[string]any {
	m := copyMeta(meta)
	m["stored_axes"] = NGFFAxes // page j*offsets + k: delay j, offset k; then rows, columns
	m["axis_units"] = infoOf(meta, o.shape).axisUnits()
	return m
}

func (o *TiffOutput) Verify(key string) bool { return verifyFile(o.path, key) }

// ImageJDescription is the ImageJ header of a hyperstack of the given
// shape (rows, columns, offsets, delays) with the display range [-a, a].
func imageJDescription(in resultInfo, a float64) string {
	np, nb := in.shape[2], in.shape[3]
	var b strings.Builder
	fmt.Fprintf(&b, "ImageJ=1.53t\nimages=%d\n", np*nb)
	if np > 1 {
		fmt.Fprintf(&b, "channels=%d\n", np)
	}
	if nb > 1 {
		fmt.Fprintf(&b, "frames=%d\n", nb)
	}
	if np > 1 || nb > 1 {
		b.WriteString("hyperstack=true\nmode=grayscale\n")
	}
	if in.pixelSize > 0 {
		b.WriteString("unit=micron\n")
	}
	if fi := in.uniformDelay(); fi > 0 {
		fmt.Fprintf(&b, "finterval=%s\ntunit=s\n", strconv.FormatFloat(fi, 'g', -1, 64))
	}
	fmt.Fprintf(&b, "loop=false\nmin=%s\nmax=%s\n", strconv.FormatFloat(-a, 'g', -1, 64), strconv.FormatFloat(a, 'g', -1, 64))
	return b.String()
}

// uniformDelay is the spacing in seconds of delays 0, d, 2d, ... (what
// ImageJ's finterval can say), or 0 when they are not evenly spaced from
// 0 or their seconds are unknown.
func (in resultInfo) uniformDelay() float64 {
	s := in.delaysS
	if len(s) < 2 || s[0] != 0 || !(s[1] > 0) {
		return 0
	}
	d := s[1]
	for j, v := range s {
		if math.Abs(v-float64(j)*d) > 1e-9*math.Abs(float64(j)*d) {
			return 0
		}
	}
	return d
}

// ifds are the IFDs of every page and their values, to be written at the
// end of the pages.
func (o *TiffOutput) ifds(in resultInfo, meta map[string]any, a float64) []byte {
	np, nb, H, W := o.shape[2], o.shape[3], o.shape[0], o.shape[1]
	pages := np * nb
	base := uint32(o.dataEnd())
	le := binary.LittleEndian
	// The first IFD's values: description, resolution, ImageJ metadata.
	desc := append([]byte(imageJDescription(in, a)), 0)
	var res []byte // XResolution, YResolution rationals
	if in.pixelSize > 0 {
		num, den := Rational(1 / in.pixelSize)
		res = le.AppendUint32(le.AppendUint32(nil, num), den)
		res = append(res, res...)
	}
	ijCounts, ijData := imageJMetadata(in, meta, a)
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32 // a value that fits, or an offset
	}
	const (
		short    = 3
		long     = 4
		rat      = 5
		ascii    = 2
		byteType = 1
	)
	// Layout: IFD0, its values, then the other IFDs (fixed size) and their
	// shared resolution values. entries lists a page's tags, ascending,
	// given where the values lie.
	var descOff, resOff, cntOff, ijOff, resN uint32
	entries := func(page int, first bool) []entry {
		e := []entry{
			{254, long, 1, 0},
			{256, long, 1, uint32(W)},
			{257, long, 1, uint32(H)},
			{258, short, 1, 32},
			{259, short, 1, 1},
			{262, short, 1, 1},
		}
		if first {
			e = append(e, entry{270, ascii, uint32(len(desc)), descOff})
		}
		e = append(e,
			entry{273, long, 1, 8 + uint32(int64(page)*o.plane())},
			entry{277, short, 1, 1},
			entry{278, long, 1, uint32(H)},
			entry{279, long, 1, uint32(o.plane())})
		if res != nil {
			r := resN
			if first {
				r = resOff
			}
			e = append(e, entry{282, rat, 1, r}, entry{283, rat, 1, r + 8}, entry{296, short, 1, 1})
		}
		e = append(e, entry{339, short, 1, 3})
		if first && ijData != nil {
			e = append(e, entry{50838, long, uint32(len(ijCounts)), cntOff}, entry{50839, byteType, uint32(len(ijData)), ijOff})
		}
		return e
	}
	ifd0 := uint32(2 + len(entries(0, true))*12 + 4)
	off := base + ifd0
	descOff = off
	off += uint32(len(desc) + len(desc)%2)
	resOff = off
	off += uint32(len(res))
	cntOff = off
	off += uint32(4 * len(ijCounts))
	ijOff = off
	off += uint32(len(ijData) + len(ijData)%2)
	ifdN := uint32(2 + len(entries(1, false))*12 + 4)
	firstN := off
	resN = firstN + uint32(pages-1)*ifdN
	out := make([]byte, 0, int(resN-base)+len(res))
	ifd := func(page int, next uint32, first bool) {
		e := entries(page, first)
		out = le.AppendUint16(out, uint16(len(e)))
		for _, x := range e {
			out = le.AppendUint16(out, x.tag)
			out = le.AppendUint16(out, x.typ)
			out = le.AppendUint32(out, x.count)
			out = le.AppendUint32(out, x.value) // a SHORT sits in the low bytes, little-endian
		}
		out = le.AppendUint32(out, next)
	}
	next := uint32(0)
	if pages > 1 {
		next = firstN
	}
	ifd(0, next, true)
	out = append(out, desc...)
	if len(desc)%2 == 1 {
		out = append(out, 0)
	}
	out = append(out, res...)
	for _, c := range ijCounts {
		out = le.AppendUint32(out, c)
	}
	out = append(out, ijData...)
	if len(ijData)%2 == 1 {
		out = append(out, 0)
	}
	for p := 1; p < pages; p++ {
		next := uint32(0)
		if p < pages-1 {
			next = firstN + uint32(p)*ifdN
		}
		ifd(p, next, false)
	}
	out = append(out, res...)
	return out
}

// Rational is v (> 0) as a TIFF RATIONAL: the last convergent of its
// continued fraction whose terms fit in 31 bits (readers that take a
// RATIONAL's terms as signed read them right too: REVIEW14's m2; exact
// where v is such a fraction, else within about 1e-9 for the resolutions
// of pixel sizes of 1e-6 to 1e6 um). A fixed denominator of 10^6 kept few digits of a small
// v: ImageJ read a pixel of 700000 um as 1e6 um (UNITS14's F9).
func Rational(v float64) (num, den uint32) {
	const most = math.MaxInt32
	switch {
	case !(v > 1.0/most):
		return 1, most
	case v >= most:
		return most, 1
	}
	hPrev, h, kPrev, k := 0.0, 1.0, 1.0, 0.0
	for x := v; ; {
		a := math.Floor(x)
		hn, kn := a*h+hPrev, a*k+kPrev
		if hn > most || kn > most {
			break
		}
		hPrev, h, kPrev, k = h, hn, k, kn
		f := x - a
		if h/k == v || f <= 0 {
			break
		}
		x = 1 / f
	}
	if h < 1 || k < 1 {
		return 1, most
	}
	return uint32(h), uint32(k)
}

// imageJMetadata is ImageJ's IJMetadata tag (50839) and its byte counts
// (50838): the Info property (the job's metadata as JSON), a label per
// page (its offset and delay) and each channel's display range.
func imageJMetadata(in resultInfo, meta map[string]any, a float64) ([]uint32, []byte) {
	np, nb := in.shape[2], in.shape[3]
	le := binary.LittleEndian
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range utf16.Encode([]rune(s)) {
			b = le.AppendUint16(b, r)
		}
		return b
	}
	// The engine that computed the result is in the sidecar only: the
	// file's bytes do not depend on it.
	m := copyMeta(meta)
	delete(m, "engine")
	info, _ := json.MarshalIndent(m, "", " ")
	var entries [][]byte
	entries = append(entries, utf16le("ipcf pCF result\n"+string(info)+"\n"))
	for j := 0; j < nb; j++ {
		for k := 0; k < np; k++ {
			entries = append(entries, utf16le(in.offsetLabel(k)+"; "+in.delayLabel(j)))
		}
	}
	var ranges []byte
	for k := 0; k < np; k++ {
		ranges = le.AppendUint64(ranges, math.Float64bits(-a))
		ranges = le.AppendUint64(ranges, math.Float64bits(a))
	}
	entries = append(entries, ranges)
	// The header: magic, then (type, count) of info, labels, ranges.
	hdr := le.AppendUint32(nil, 0x494a494a) // "IJIJ" in the file's byte order
	for _, t := range []struct {
		typ uint32
		n   int
	}{{0x696e666f, 1}, {0x6c61626c, np * nb}, {0x72616e67, 1}} {
		hdr = le.AppendUint32(le.AppendUint32(hdr, t.typ), uint32(t.n))
	}
	counts := []uint32{uint32(len(hdr))}
	data := hdr
	for _, e := range entries {
		counts = append(counts, uint32(len(e)))
		data = append(data, e...)
	}
	return counts, data
}

var _ io.Closer = (*TiffOutput)(nil)
