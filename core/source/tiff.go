package source

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
)

// page is one image of a TIFF file: its samples' location. The parser has
// checked that every strip holds its rows inside the file.
type page struct {
	ifd     int64 // the offset of its IFD
	w, h    int
	dtype   array.DType
	rps     int // rows per strip, 1..h
	offsets []int64
	desc    string
	// tags are the byte ranges [start, end) of the IFD and of its
	// entries' values stored outside it: no image data lies there.
	tags [][2]int64
}

func (p page) rowBytes() int   { return p.w * p.dtype.Size() }
func (p page) frameBytes() int { return p.h * p.rowBytes() }

// stripBytes returns the bytes of image data in strip i (the last strip
// may hold fewer rows); bytes beyond them in a strip are padding.
func (p page) stripBytes(i int) int {
	return min(p.rps, p.h-i*p.rps) * p.rowBytes()
}

// contiguous returns the offset of the page's samples if its strips are
// stored back to back, else -1.
func (p page) contiguous() int64 {
	o0 := p.offsets[0]
	step := int64(p.rps * p.rowBytes())
	for i, o := range p.offsets {
		if o != o0+int64(i)*step {
			return -1
		}
	}
	return o0
}

type tiffReader struct {
	b     []byte
	bo    binary.ByteOrder
	order array.ByteOrder
	big   bool
	path  string
	first int64 // offset of the first IFD

	// Pages may share out-of-line values (a crafted file: 3000 pages of
	// one 1 MB description took 5.6 GB): each description is copied, and
	// the descriptions of a page weighed, once.
	descs map[[2]int64]string // by where its bytes lie
	// descBytes counts the bytes of descs: at most the file's, each
	// description in bytes of its own (descriptions shifted by a byte from
	// page to page, each read as its own text, made 410 MB of a 384 KB file)
	descBytes int64
	metas     map[string]string // metaDesc by those places
}

func (r *tiffReader) errf(format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrFormat, r.path, fmt.Sprintf(format, a...))
}

func (r *tiffReader) u16(o int64) (uint16, error) {
	if o < 0 || o > int64(len(r.b))-2 {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint16(r.b[o:]), nil
}

func (r *tiffReader) u32(o int64) (uint32, error) {
	if o < 0 || o > int64(len(r.b))-4 {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint32(r.b[o:]), nil
}

func (r *tiffReader) u64(o int64) (uint64, error) {
	if o < 0 || o > int64(len(r.b))-8 {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint64(r.b[o:]), nil
}

// offset reads an IFD or value offset (4 bytes, 8 in BigTIFF); one beyond
// int64 reads as -1, which every bounds check refuses.
func (r *tiffReader) offset(o int64) (int64, error) {
	if !r.big {
		v, err := r.u32(o)
		return int64(v), err
	}
	v, err := r.u64(o)
	if err == nil && v > math.MaxInt64 {
		return -1, r.errf("offset %d at byte %d: beyond any file", v, o)
	}
	return int64(v), err
}

var typeSize = map[uint16]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8}

// tagNames names the tags the reader uses, for messages.
var tagNames = map[uint16]string{
	254: "NewSubfileType", 256: "ImageWidth", 257: "ImageLength", 258: "BitsPerSample",
	259: "Compression", 262: "PhotometricInterpretation", 266: "FillOrder", 270: "ImageDescription", 273: "StripOffsets", 274: "Orientation",
	277: "SamplesPerPixel", 278: "RowsPerStrip", 279: "StripByteCounts", 284: "PlanarConfiguration",
	322: "TileWidth", 323: "TileLength", 324: "TileOffsets", 325: "TileByteCounts", 339: "SampleFormat",
}

// values reads the values of the tag entry at e: integers for the
// unsigned integer types (BYTE, SHORT, LONG, LONG8, IFD, IFD8), the bytes
// for ASCII. ok is false for any other type.
func (r *tiffReader) values(e int64) (typ uint16, vals []int64, raw []byte, ok bool, err error) {
	typ, count, data, n, known, err := r.locate(e)
	if err != nil || !known {
		return typ, nil, nil, false, err // unknown type, or more values than the file has bytes
	}
	if data < 0 || data > int64(len(r.b))-n {
		return typ, nil, nil, false, r.errf("tag data outside the file")
	}
	raw = r.b[data : data+n]
	switch typ {
	case 1, 3, 4, 13, 16, 18: // (not ASCII, 2: one damaged byte typed a strip's offset ASCII and it was read as its first byte, exit 0: READ16's F4)
	default:
		return typ, nil, raw, false, nil
	}
	vals = make([]int64, count)
	size := typeSize[typ]
	for i := range vals {
		switch size {
		case 1:
			vals[i] = int64(raw[i])
		case 2:
			vals[i] = int64(r.bo.Uint16(raw[2*i:]))
		case 4:
			vals[i] = int64(r.bo.Uint32(raw[4*i:]))
		case 8:
			v := r.bo.Uint64(raw[8*i:])
			vals[i] = int64(v)
			if v > math.MaxInt64 {
				vals[i] = -1
			}
		}
	}
	return typ, vals, raw, true, nil
}

// maxDescriptions is the most ImageDescription tags a page may have
// (tifffile writes two: a user's and its own); maxTagValues the most values
// of another tag the reader uses, other than the strips' (one per sample,
// and one sample per pixel is all it reads).
const (
	maxDescriptions = 16
	maxTagValues    = 16
)

// intValues is values for a tag the reader uses (name, of page i):
// unsigned integers, at least one, or an error saying what it holds.
func (r *tiffReader) intValues(e int64, i int, name string) ([]int64, error) {
	typ, vals, _, ok, err := r.values(e)
	if err != nil {
		return nil, err
	}
	if !ok || len(vals) == 0 {
		return nil, r.errf("page %d: tag %s has type %d and %d values; want unsigned integers", i, name, typ, len(vals))
	}
	return vals, nil
}

// stripValues is intValues of StripOffsets or StripByteCounts, which TIFF
// types SHORT or LONG (LONG8 or IFD8 in BigTIFF): one bit flipped typed an
// offset BYTE, read as its first byte, and a frame was taken from the
// header, exit 0 (READ19's m4; ASCII: READ16's F4).
func (r *tiffReader) stripValues(e int64, i int, name string) ([]int64, error) {
	vals, err := r.intValues(e, i, name)
	if err != nil {
		return nil, err
	}
	if typ, _, _, _, _ := r.values(e); typ == 1 {
		return nil, r.errf("page %d: tag %s has type BYTE; TIFF types it SHORT or LONG (damaged?)", i, name)
	}
	return vals, nil
}

// header reads the byte order, the version and the first IFD's offset.
func (r *tiffReader) header() error {
	if len(r.b) < 8 {
		return r.errf("too short for a TIFF header (%d bytes)", len(r.b))
	}
	switch string(r.b[:2]) {
	case "II":
		r.bo, r.order = binary.LittleEndian, array.Little
	case "MM":
		r.bo, r.order = binary.BigEndian, array.Big
	default:
		return r.errf("not a TIFF file")
	}
	magic, _ := r.u16(2)
	switch magic {
	case 42:
		o, _ := r.u32(4)
		r.first = int64(o)
	case 43:
		r.big = true
		if sz, _ := r.u16(4); sz != 8 {
			return r.errf("BigTIFF with %d-byte offsets not supported", sz)
		}
		o, err := r.offset(8)
		if err != nil {
			return err
		}
		r.first = o
	default:
		// (raw counts whose first sample is 18761 or 19789, the bytes
		// "II" or "MM", come here: READ16's F3)
		return r.errf("TIFF version %d not supported (or not a TIFF file: for raw data give its shape and dtype: --shape and --dtype; shape= and dtype= in Python, 'Shape' and 'Dtype' in MATLAB/Octave)", magic)
	}
	if r.first == 0 {
		return r.errf("no image")
	}
	return nil
}

// compressions names common TIFF compression schemes for messages.
var compressions = map[int64]string{
	2: "CCITT RLE", 3: "CCITT fax 3", 4: "CCITT fax 4", 5: "LZW", 6: "old JPEG", 7: "JPEG",
	8: "Adobe Deflate", 32773: "PackBits", 32946: "Deflate", 34712: "JPEG 2000",
	34925: "LZMA", 50000: "Zstandard", 50001: "WebP", 50002: "JPEG XL",
}

// pages parses the IFD chain (at most max pages; max < 0 means all). It
// refuses what it cannot read as one grayscale image per page, naming the
// feature: tiles, compression, several samples per pixel, planar
// configuration 2, bit-reversed fill order, reduced-resolution pages and
// masks, strips that do not hold their rows.
func (r *tiffReader) pages(max int) ([]page, error) {
	if err := r.header(); err != nil {
		return nil, err
	}
	var out []page
	seen := map[int64]bool{}
	var pixels int64 // the pages' samples, in bytes
	for next := r.first; next != 0 && (max < 0 || len(out) < max); {
		if seen[next] {
			return nil, r.errf("IFD loop at byte %d", next)
		}
		seen[next] = true
		p, n, err := r.page(next, len(out))
		if err != nil {
			return nil, err
		}
		// Uncompressed pages hold their samples in the file: more than
		// the file has bytes is pages pointing at the same data (a
		// crafted file: 200 KB read as a 200 MB stack), refused.
		pixels += int64(p.w) * int64(p.h) * int64(p.dtype.Size())
		if pixels > int64(len(r.b)) {
			return nil, r.errf("pages 1 to %d hold %d bytes of samples, more than the file's %d: pages share their data (a damaged or crafted file)", len(out)+1, pixels, len(r.b))
		}
		out = append(out, p)
		if next, err = r.offset(n); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, r.errf("no image")
	}
	return out, nil
}

// page parses the IFD at ifd, page number i, and returns the page and the
// offset of the next-IFD field.
func (r *tiffReader) page(ifd int64, i int) (page, int64, error) {
	var n int64
	entry, at := int64(12), ifd
	if r.big {
		c, err := r.u64(at)
		if err != nil {
			return page{}, 0, err
		}
		if c > 1<<16 {
			return page{}, 0, r.errf("page %d: IFD with %d entries", i, c)
		}
		n, entry = int64(c), 20
		at += 8
	} else {
		c, err := r.u16(at)
		if err != nil {
			return page{}, 0, err
		}
		n = int64(c)
		at += 2
	}
	if at+n*entry > int64(len(r.b)) {
		return page{}, 0, r.errf("page %d: IFD of %d entries at byte %d outside the file (truncated?)", i, n, ifd)
	}
	if n == 0 {
		return page{}, 0, r.errf("page %d: an IFD without entries at byte %d (no image size, no strips)", i, ifd)
	}
	tags := map[uint16][]int64{}
	strips := map[uint16]int64{} // the entries of StripOffsets and StripByteCounts, read once the strips are known
	var descs []string
	var descAt []byte // where descs lie, the key of r.metas
	offSize := int64(4)
	if r.big {
		offSize = 8
	}
	extents := [][2]int64{{ifd, at + n*entry + offSize}}
	for k := int64(0); k < n; k++ {
		e := at + k*entry
		tag, err := r.u16(e)
		if err != nil {
			return page{}, 0, err
		}
		if x, ok := r.outOfLine(e); ok {
			extents = append(extents, x)
		}
		if tag == 33629 { // UIC2Tag: MetaMorph's planes (its count), stored after one IFD
			if _, planes, _, _, _, err := r.locate(e); err != nil || planes > 1 {
				return page{}, 0, r.errf("a MetaMorph STK file of %d planes (they follow one IFD, UIC2Tag): not supported; save it as a multi-page TIFF (Fiji: File > Save As > Tiff)", planes)
			}
		}
		name, used := tagNames[tag]
		if !used {
			continue
		}
		if _, dup := tags[tag]; dup && tag != 270 { // tifffile writes a user's description and its own
			return page{}, 0, r.errf("page %d has tag %s twice", i, name)
		}
		if tag == 270 {
			// (tifffile writes two; a page of thousands, all naming one
			// long text, was parsed once per entry: minutes for a small file)
			if len(descs) >= maxDescriptions {
				return page{}, 0, r.errf("page %d has more than %d ImageDescription tags", i, maxDescriptions)
			}
			// (its bytes: values() would make an integer of each)
			typ, _, data, n, known, err := r.locate(e)
			if err != nil {
				return page{}, 0, err
			}
			if known && (data < 0 || data > int64(len(r.b))-n) {
				return page{}, 0, r.errf("tag data outside the file")
			}
			if known && typ == 2 {
				key := [2]int64{data, n}
				d, seen := r.descs[key]
				if !seen {
					if r.descBytes += n; r.descBytes > int64(len(r.b)) {
						return page{}, 0, r.errf("page %d: its descriptions and those before it hold %d bytes, more than the file's %d: descriptions overlapping one another", i, r.descBytes, len(r.b))
					}
					d = strings.TrimRight(string(r.b[data:data+n]), "\x00")
					if r.descs == nil {
						r.descs = map[[2]int64]string{}
					}
					r.descs[key] = d
				}
				descs = append(descs, d)
				descAt = fmt.Appendf(descAt, "%d+%d,", data, n)
			}
			tags[tag] = nil
			continue
		}
		// The values are made integers of only where their count can be
		// right: a small file whose tags each claimed its whole length
		// (or one shared array per page, thousands of pages) took gigabytes
		// and minutes before the page was refused.
		_, count, _, _, _, err := r.locate(e)
		if err != nil {
			return page{}, 0, err
		}
		switch {
		case tag >= 322 && tag <= 325: // tiled: refused below, by its presence
			tags[tag] = nil
			continue
		case tag == 273 || tag == 279:
			if _, dup := strips[tag]; dup {
				return page{}, 0, r.errf("page %d has tag %s twice", i, name)
			}
			strips[tag] = e
			continue
		case count > maxTagValues && (tag == 258 || tag == 339):
			return page{}, 0, r.errf("page %d: tag %s has %d values, one per sample: %d samples per pixel? Not supported, want 1 sample per pixel (grayscale); split the channels first", i, name, count, count)
		case count > maxTagValues:
			return page{}, 0, r.errf("page %d: tag %s has %d values, want 1", i, name, count)
		}
		vals, err := r.intValues(e, i, name)
		if err != nil {
			return page{}, 0, err
		}
		tags[tag] = vals
	}
	one := func(tag uint16, def int64) int64 {
		if v, ok := tags[tag]; ok {
			return v[0]
		}
		return def
	}
	for _, t := range []uint16{322, 323, 324, 325} {
		if _, ok := tags[t]; ok {
			return page{}, 0, r.errf("page %d is tiled (%s): tiled TIFF is not supported, only stripped", i, tagNames[t])
		}
	}
	if c := one(259, 1); c != 1 {
		name := compressions[c]
		if name != "" {
			name = ", " + name
		}
		return page{}, 0, r.errf("page %d is compressed (TIFF compression %d%s): only uncompressed TIFF is supported", i, c, name)
	}
	spp, planar := one(277, 1), one(284, 1)
	if spp != 1 {
		return page{}, 0, r.errf("page %d has %d samples per pixel (planar configuration %d): not supported, want 1 sample per pixel (grayscale); split the channels first", i, spp, planar)
	}
	// Grayscale: BlackIsZero (1, or absent); WhiteIsZero (0) and a palette
	// (3) are read as their samples' values too, as ImageJ reads them: it
	// saves a stack shown with an inverted lookup table as WhiteIsZero and
	// one with a colour table (Green, Fire) as a palette, the samples the
	// intensities either way.
	switch ph := one(262, 1); ph {
	case 0, 1, 3:
	default:
		what := map[int64]string{2: "RGB", 3: "a palette: the samples are colour-map indices", 4: "a transparency mask", 5: "CMYK", 6: "YCbCr", 8: "CIELab"}[ph]
		if what != "" {
			what = ", " + what
		}
		return page{}, 0, r.errf("page %d has PhotometricInterpretation %d%s: not grayscale intensities; not supported, want BlackIsZero (1)", i, ph, what)
	}
	if o := one(274, 1); o != 1 {
		return page{}, 0, r.errf("page %d has Orientation %d (rows or columns flipped, or the image transposed): not supported, want 1 (rows from the top, columns from the left): the offsets would name other neighbours", i, o)
	}
	if planar != 1 && planar != 2 { // 2 with one sample per pixel is 1 (TIFF 6.0)
		return page{}, 0, r.errf("page %d has planar configuration %d: not supported, want 1 or 2 (chunky or planar)", i, planar)
	}
	if f := one(266, 1); f != 1 {
		return page{}, 0, r.errf("page %d has fill order %d: not supported, want 1", i, f)
	}
	if s := one(254, 0); s&5 != 0 {
		return page{}, 0, r.errf("page %d is a reduced-resolution image or a mask (NewSubfileType %d): not supported", i, s)
	}
	for _, t := range []uint16{258, 339} { // one value per sample, all equal
		for _, v := range tags[t] {
			if v != tags[t][0] {
				return page{}, 0, r.errf("page %d: %s %v differ", i, tagNames[t], tags[t])
			}
		}
	}
	p := page{ifd: ifd}
	switch bps, sf := one(258, 1), one(339, 1); {
	case sf == 1 && bps == 8:
		p.dtype = array.Uint8
	case sf == 1 && bps == 16:
		p.dtype = array.Uint16
	case sf == 2 && bps == 16:
		p.dtype = array.Int16
	case sf == 2 && bps == 32:
		p.dtype = array.Int32
	case sf == 3 && bps == 32:
		p.dtype = array.Float32
	case sf == 3 && bps == 64:
		p.dtype = array.Float64
	default:
		what := map[int64]string{1: "unsigned", 2: "signed", 3: "float"}[sf]
		if what == "" {
			what = fmt.Sprintf("of format %d", sf)
		}
		return page{}, 0, r.errf("page %d: %d-bit %s samples are not supported (SampleFormat %d; want 8/16-bit unsigned, 16/32-bit signed, 32/64-bit float): convert it, e.g. to 32-bit float (Fiji: Image > Type > 32-bit) or, counts in 0..65535, to 16-bit", i, bps, what, sf)
	}
	w, h := one(256, 0), one(257, 0)
	if w < 1 || h < 1 {
		return page{}, 0, r.errf("page %d: image size %d x %d (rows x columns)", i, h, w)
	}
	es := int64(p.dtype.Size())
	if hi, lo := bits.Mul64(uint64(w), uint64(h)); hi != 0 || lo > uint64(len(r.b))/uint64(es) {
		return page{}, 0, r.errf("page %d of %d x %d (rows x columns) %s samples is larger than the file of %d bytes (truncated?)", i, h, w, p.dtype, len(r.b))
	}
	p.w, p.h = int(w), int(h)
	rps := one(278, h)
	if rps < 1 {
		return page{}, 0, r.errf("page %d: RowsPerStrip %d", i, rps)
	}
	p.rps = int(min(rps, h))
	nstrips := (p.h + p.rps - 1) / p.rps
	eo, ok := strips[273]
	if !ok {
		return page{}, 0, r.errf("page %d has no StripOffsets", i)
	}
	if _, c, _, _, _, err := r.locate(eo); err != nil || c != uint64(nstrips) {
		return page{}, 0, r.errf("page %d has %d strips, want %d (%d rows, %d rows per strip)", i, c, nstrips, p.h, p.rps)
	}
	offs, err := r.stripValues(eo, i, tagNames[273])
	if err != nil {
		return page{}, 0, err
	}
	var counts []int64
	ec, ok := strips[279]
	if ok {
		if _, c, _, _, _, err := r.locate(ec); err != nil || c != uint64(len(offs)) {
			return page{}, 0, r.errf("page %d has %d StripOffsets and %d StripByteCounts", i, len(offs), c)
		}
		if counts, err = r.stripValues(ec, i, tagNames[279]); err != nil {
			return page{}, 0, err
		}
	}
	for k, o := range offs {
		need := int64(p.stripBytes(k))
		if ok && counts[k] < need {
			return page{}, 0, r.errf("page %d: strip %d holds %d bytes, want %d", i, k, counts[k], need)
		}
		if o < 0 || o > int64(len(r.b))-need {
			return page{}, 0, r.errf("page %d: strip %d (bytes %d to %d) outside the file of %d bytes (truncated?)", i, k, o, o+need, len(r.b))
		}
	}
	meta, seen := r.metas[string(descAt)]
	if !seen {
		meta = metaDesc(descs)
		if r.metas == nil {
			r.metas = map[string]string{}
		}
		r.metas[string(descAt)] = meta
	}
	p.offsets, p.desc, p.tags = offs, meta, extents
	return p, at + n*entry, nil
}

// locate reads the type and count of the IFD entry at e and where its
// n bytes of values lie (data: inside the entry or at its offset); known
// is false for an unknown type or more values than the file has bytes.
func (r *tiffReader) locate(e int64) (typ uint16, count uint64, data, n int64, known bool, err error) {
	if typ, err = r.u16(e + 2); err != nil {
		return
	}
	inline := int64(4)
	if r.big {
		count, err = r.u64(e + 4)
		inline = 8
	} else {
		var c uint32
		c, err = r.u32(e + 4)
		count = uint64(c)
	}
	size := typeSize[typ]
	if err != nil || size == 0 || count > uint64(len(r.b)) {
		return typ, count, 0, 0, false, err
	}
	n = int64(count) * size
	data = e + 4 + inline
	if n > inline {
		data, err = r.offset(data)
	}
	return typ, count, data, n, err == nil, err
}

// outOfLine returns the byte range of the values of the IFD entry at e
// when they are stored outside the IFD (ok false when inline, or when the
// entry is unreadable: values then says why if the entry is used).
func (r *tiffReader) outOfLine(e int64) (x [2]int64, ok bool) {
	_, _, data, n, known, err := r.locate(e)
	inline := int64(4)
	if r.big {
		inline = 8
	}
	if err != nil || !known || n <= inline || data < 0 || data > int64(len(r.b))-n {
		return x, false
	}
	return [2]int64{data, data + n}, true
}

// imagej holds the dimensions an ImageJ description announces, and its
// pixel value calibration (cf, c0, c1: "" where not given).
type imagej struct {
	images, channels, slices, frames int
	cf, c0, c1                       string
	coef                             []string // "cN=value" in the description's order
}

// parseImageJ reads the description ImageJ writes ("ImageJ=1.54f\n
// images=40\nchannels=2\nframes=20\n...") or Fiji's SCIFIO writer
// ("SCIFIO=0.46.0\n..." with the same keys); ok is false for another one.
func parseImageJ(desc string) (ij imagej, ok bool) {
	if !strings.HasPrefix(desc, "ImageJ=") && !strings.HasPrefix(desc, "SCIFIO=") {
		return ij, false
	}
	for _, line := range strings.Split(desc, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		switch k {
		case "images":
			ij.images = n
		case "channels":
			ij.channels = n
		case "slices":
			ij.slices = n
		case "frames":
			ij.frames = n
		case "cf":
			ij.cf = v
		case "c0":
			ij.c0 = v
		case "c1":
			ij.c1 = v
		}
		if len(k) > 1 && k[0] == 'c' && strings.Trim(k[1:], "0123456789") == "" && len(ij.coef) < 8 {
			ij.coef = append(ij.coef, k+"="+v)
		}
	}
	return ij, true
}

// calibrated refuses an ImageJ file whose pixel values are a function of
// the stored samples (cf=: ImageJ's signed 16-bit images are stored as
// unsigned plus 32768 with c0=-32768): the pCF of the stored samples is
// not that of the values (G changes with an offset).
func (ij imagej) calibrated(r *tiffReader) error {
	if ij.cf == "" || ij.cf == "20" { // 20: Calibration.NONE
		return nil
	}
	c0, err0 := ParseDecimal(ij.c0)
	c1, err1 := ParseDecimal(ij.c1)
	if ij.cf == "0" && err0 == nil && err1 == nil && c0 == 0 && c1 > 0 && !math.IsInf(c1, 0) {
		return nil // values = c1 * samples: the same pCF (G does not change with a scale)
	}
	if err0 == nil && c0 == -32768 && ij.cf == "0" {
		return r.errf("an ImageJ signed 16-bit image (stored as unsigned samples plus 32768, calibration c0=-32768): " +
			"its values are not the stored samples; save it as 32-bit (Image > Type > 32-bit) or as a .npy of int16")
	}
	// ImageJ's Calibration: 21 is UNCALIBRATED_OD (no coefficients), 0
	// to 13 its curve-fitting functions.
	fn := "function cf=" + ij.cf
	if ij.cf == "21" {
		fn = "uncalibrated OD, cf=21"
	}
	if len(ij.coef) > 0 {
		fn += ", " + strings.Join(ij.coef, ", ")
	}
	return r.errf("an ImageJ image with a pixel value calibration (%s): its values are not the stored samples; "+
		"remove the calibration (Analyze > Calibrate: None) or save the values as 32-bit", fn)
}

var (
	omeRoot   = regexp.MustCompile(`<(?:[\w.-]+:)?OME\b`)
	omePixels = regexp.MustCompile(`<(?:[\w.-]+:)?Pixels\b`)
)

var omeMetadataFile = regexp.MustCompile(`\bMetadataFile\s*=\s*["']([^"']*)["']`)

// omeStubErr refuses a description that is OME-XML without a Pixels
// element where no ImageJ description tells the pages' layout: a
// companion file's stub (BinaryOnly MetadataFile=...) or damaged XML.
// Its pages were read as one time series, several channels interleaved,
// exit 0 (READ19's F1); Micro-Manager's stubs come with its ImageJ
// description, which metaDesc takes first.
func (r *tiffReader) omeStubErr(desc string) error {
	if !isOME(desc) || omePixels.MatchString(omeText(desc)) {
		return nil
	}
	where := "damaged, or its metadata kept in a companion file"
	if m := omeMetadataFile.FindStringSubmatch(desc); m != nil {
		where = fmt.Sprintf("its metadata are in the companion file %q (BinaryOnly), which ipcf does not read", m[1])
	}
	return r.errf("OME-TIFF whose OME-XML has no Pixels element (%s): how its pages divide into channels, z slices and time points is not in this file, and ipcf refuses rather than guesses; save the image as one OME-TIFF or an ImageJ TIFF (with Fiji or bfconvert)", where)
}

// isOME reports whether a description is OME-XML (also with a namespace
// prefix, <ome:OME>).
func isOME(desc string) bool { return omeRoot.MatchString(desc) }

// isShaped reports whether a description is tifffile's JSON ({"shape":
// [...]}), written on the first page of each series.
func isShaped(desc string) bool {
	d := strings.TrimSpace(desc)
	return strings.HasPrefix(d, "{") && strings.Contains(d, `"shape"`)
}

// shapeOK reports whether a description holds a shape tifffileShape reads.
func shapeOK(d string) bool { _, ok := tifffileShape(d); return ok }

// tifffileShape reads the shape of tifffile's description; ok is false
// where it is not one.
func tifffileShape(desc string) ([]int64, bool) {
	var meta struct {
		Shape []int64 `json:"shape"`
	}
	if err := json.Unmarshal([]byte(desc), &meta); err != nil {
		// Python's json writes NaN and Infinity, which tifffile reads back
		// (a user's metadata of a NaN temperature): taken for null here.
		// The file of time and channels was read as one series of both,
		// interleaved (READ19's F2).
		meta.Shape = nil
		if err := json.Unmarshal(pyJSON(desc), &meta); err != nil {
			return nil, false
		}
	}
	if meta.Shape == nil {
		return nil, false
	}
	return meta.Shape, true
}

// pyJSON is the JSON text b written by Python's json, its NaN, Infinity
// and -Infinity outside strings replaced by null (not JSON: encoding/json
// refuses them).
func pyJSON(b string) []byte {
	out := make([]byte, 0, len(b))
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case in && c == '\\' && i+1 < len(b):
			out = append(out, c, b[i+1])
			i++
			continue
		case c == '"':
			in = !in
		case !in:
			for _, w := range []string{"-Infinity", "Infinity", "NaN"} {
				if strings.HasPrefix(b[i:], w) {
					out = append(out, "null"...)
					i += len(w) - 1
					c = 0
					break
				}
			}
			if c == 0 {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// metaDesc is the description of a page that carries metadata (ImageJ,
// SCIFIO, OME-XML or tifffile's shape), else the first ("" for none):
// tifffile writes a user's description and then its own.
//
// An OME-XML without Pixels (Micro-Manager's stub in the other files of a
// dataset, pointing to the one holding the metadata) tells nothing about
// this file's planes: another description (Micro-Manager's ImageJ one)
// comes first.
func metaDesc(descs []string) string {
	for _, d := range descs {
		// (a user's JSON with a "shape" that is no shape, which tifffile
		// writes before its own, was taken for it: READ19's F2)
		if _, ok := parseImageJ(d); ok || (isOME(d) && omePixels.MatchString(omeText(d))) || isShaped(d) && shapeOK(d) {
			return d
		}
	}
	for _, d := range descs {
		if isShaped(d) {
			return d // (damaged: shapedSeries reads its pages, as tifffile does)
		}
	}
	for _, d := range descs {
		if isOME(d) {
			return d
		}
	}
	if len(descs) > 0 {
		return descs[0]
	}
	return ""
}

var omeHidden = regexp.MustCompile(`(?s)<!--.*?-->|<!\[CDATA\[.*?\]\]>`)

// omeText is OME-XML without its comments and CDATA sections, whose text
// is not elements (a "<Pixels" there is no image).
func omeText(desc string) string {
	if !strings.Contains(desc, "<!") {
		return desc
	}
	return omeHidden.ReplaceAllString(desc, "")
}

// shapedSeries refuses a file that tifffile wrote as several series (a
// description {"shape": ...} on a later page starts one) or as one series
// of more axes than (time, rows, columns) (time and channels, [256, 2, 8,
// 10]), which would otherwise be read as one time series of every page.
// It returns the planes of a series tifffile wrote with truncate=True (one
// page, {"truncated": true}: the planes lie back to back from the page's
// samples), else 0.
func (r *tiffReader) shapedSeries(pages []page) (int, error) {
	// A file written a frame at a time (imwrite(..., append=True)) is a
	// series of one plane per page: its pages are frames.
	var starts []int
	one := true
	// Pages naming one description (the same bytes, shared by the reader:
	// the comparison is of two pointers) are read once: a file of 2048 pages
	// naming one 1 MB description took 19 s.
	var last struct {
		desc          string
		w, h          int
		shaped, plane bool
	}
	for i, p := range pages {
		if i == 0 || p.desc != last.desc || p.w != last.w || p.h != last.h {
			last.desc, last.w, last.h, last.shaped, last.plane = p.desc, p.w, p.h, isShaped(p.desc), false
			if last.shaped {
				sh, ok := tifffileShape(p.desc)
				sh = samplesOff(sh, p)
				last.plane = ok && len(sh) >= 2 && !slices.ContainsFunc(sh[:len(sh)-2], func(s int64) bool { return s != 1 })
			}
		}
		if last.shaped {
			starts = append(starts, i)
			one = one && last.plane
		}
	}
	if len(starts) > 1 && starts[0] == 0 && one && len(starts) == len(pages) {
		return 0, nil
	}
	if len(starts) > 1 || (len(starts) == 1 && starts[0] > 0) {
		at := starts[0] // the first series that does not start at page 0
		if at == 0 {
			at = starts[1]
		}
		return 0, r.errf("a file of several series (tifffile: a series starts at page %d): ipcf reads one time series per file; save each series to its own file", at)
	}
	if len(starts) == 0 {
		return 0, nil
	}
	shape, ok := tifffileShape(pages[0].desc)
	shape = samplesOff(shape, pages[0])
	if !ok || len(shape) < 2 {
		return 0, nil // not tifffile's (or a shape this reader does not use)
	}
	lead := shape[:len(shape)-2]
	axes, n := 0, int64(1)
	for _, s := range lead {
		if s > 1 {
			axes++
		}
		if s < 0 || (s > 0 && n > math.MaxInt64/s) {
			return 0, r.errf("tifffile shape %v: not a shape", shape)
		}
		n *= s
	}
	switch {
	case axes > 1:
		return 0, r.errf("tifffile shape %v: %d axes before the image (time and channels?), stored one plane after the other; ipcf reads (time, rows, columns): "+
			"save one channel per file, or an ImageJ hyperstack (imwrite(..., imagej=True, metadata={'axes': 'TCYX'})) and select a channel with --channel", shape, axes)
	case n > 1 && len(pages) == 1 && tifffileTruncated(pages[0].desc) && n <= math.MaxInt32:
		// The planes are the page's: a shape of other planes would read
		// the samples in other rows.
		if h, w := shape[len(shape)-2], shape[len(shape)-1]; h != int64(pages[0].h) || w != int64(pages[0].w) {
			return 0, r.errf("tifffile shape %v: planes of %d x %d (rows x columns), but its page is %d x %d", shape, h, w, pages[0].h, pages[0].w)
		}
		return int(n), nil
	case n != int64(len(pages)):
		return 0, r.errf("tifffile shape %v: %d planes, but the file holds %d pages", shape, n, len(pages))
	}
	return 0, nil
}

// tifffileTruncated reports whether a tifffile description says the
// series was written with truncate=True: its first page alone, the
// planes' samples back to back.
func tifffileTruncated(desc string) bool {
	var meta struct {
		Truncated bool `json:"truncated"`
	}
	return json.Unmarshal([]byte(desc), &meta) == nil && meta.Truncated
}

// samplesOff is a tifffile shape without its trailing samples axis of 1
// (imwrite of a (..., rows, columns, 1) array) where the two sizes
// before it are the page's rows and columns.
func samplesOff(sh []int64, p page) []int64 {
	if n := len(sh); n >= 3 && sh[n-1] == 1 && sh[n-3] == int64(p.h) && sh[n-2] == int64(p.w) {
		return sh[:n-1]
	}
	return sh
}

var (
	omeSize     = regexp.MustCompile(`\bSize([CZT])\s*=\s*["'](\d+)["']`)
	omeOrder    = regexp.MustCompile(`\bDimensionOrder\s*=\s*["']([^"']*)["']`)
	omeTiffData = regexp.MustCompile(`<(?:[\w.-]+:)?TiffData\b([^>]*)>`)
	// a TiffData element with its content (a UUID naming the file)
	omeTiffDataFull = regexp.MustCompile(`(?s)<(?:[\w.-]+:)?TiffData\b(?:[^>]*/>|[^>]*>.*?</(?:[\w.-]+:)?TiffData\s*>)`)
	omeAttr         = regexp.MustCompile(`\b(IFD|FirstC|FirstZ|FirstT|PlaneCount)\s*=\s*["']([^"']*)["']`)
)

// planes says how a multi-channel TIFF file stores its channels: channel
// c of time point t is image t*tstride + c*cstride (in file order; an
// ImageJ file over 4 GiB has one IFD for all its images).
type planes struct {
	what             string // "ImageJ hyperstack" or "OME-TIFF", for messages
	channels, frames int
	cstride, tstride int
}

// channelHint says how a user selects one of n channels, for messages.
func channelHint(n int) string {
	return fmt.Sprintf("select one with --channel N (1 to %d, as ImageJ numbers them; channel= in Python, 'Channel' in MATLAB/Octave)", n)
}

// omePlanes reads the OME-XML of an OME-TIFF's first page (desc) holding
// images planes in this file. It refuses what is not all time frames of
// one or more channels (z slices and time points); a file of several
// channels is read only when a channel is selected (ch >= 0) and its
// layout is simple: one image whose planes are all in this file, in its
// DimensionOrder (TiffData, when it maps planes, agreeing). ok is false
// for a file of one channel (or no OME-XML).
func (r *tiffReader) omePlanes(desc string, images, ch int) (pl planes, ok bool, err error) {
	if !isOME(desc) {
		return pl, false, nil
	}
	desc = omeText(desc)
	root := omeRootID(desc)
	pixels := omePixels.Split(desc, -1)[1:]
	if len(pixels) > 1 {
		if pixels, err = r.omeHeld(pixels, root); err != nil {
			return pl, false, err
		}
	}
	for _, block := range pixels {
		px, _, _ := strings.Cut(block, ">")
		size := omeSizes(block)
		switch {
		case size["C"] < 1 || size["Z"] < 1 || size["T"] < 1:
			return pl, false, r.errf("OME-TIFF with a bad SizeC, SizeZ or SizeT (%d, %d, %d)", size["C"], size["Z"], size["T"])
		case size["Z"] > 1 && size["T"] > 1:
			return pl, false, r.errf("OME-TIFF with %d z slices and %d time points: not supported (its pages are not all time frames)", size["Z"], size["T"])
		case omeFewerPlanes(size, images):
			return pl, false, r.errf("OME-TIFF of %d channels x %d z slices x %d time points holds %d pages, more than its planes: not read as one time series",
				size["C"], size["Z"], size["T"], images)
		case size["C"] <= 1:
			// One channel: its pages are read in file order, so the
			// TiffData must put them in time (or z) order.
			idx := func(at map[string]int) int { return at["FirstZ"] + at["FirstT"] }
			if err := r.omePlaneMap(block, root, size, idx, images, "XYCZT"); err != nil {
				return pl, false, err
			}
			continue
		case size["C"] > 1 && r.omeHeldChannel(block, root, size, images) >= 0:
			// A file of a dataset split by channel (bfconvert's %c): it
			// holds one channel's planes, and neither "select one with
			// --channel" (which was said first) nor --channel reads it
			// (READERS13's F3).
			return pl, false, r.errf("OME-TIFF of %d channels whose TiffData put channel %d alone in this file (%d of its %d planes; a multi-file OME-TIFF split by channel): reading such a file is not supported; save that channel as one TIFF (Fiji: open the dataset with Bio-Formats, Image > Duplicate the channel, save as TIFF)",
				size["C"], r.omeHeldChannel(block, root, size, images)+1, images, size["C"]*max(size["Z"], size["T"]))
		case ch < 0 && size["C"] > 1 && !omeFewerPlanes(size, images) && omePlanesCount(size) > images:
			// Fewer pages than planes: said before "select one with
			// --channel", which then refused the file as this does
			// (REVIEW13's m9: one file of a dataset split by plane).
			return pl, false, r.errf("OME-TIFF of %d channels x %d z slices x %d time points = %d planes holds %d pages (cut short, or one file of a multi-file OME-TIFF): not read, with or without --channel (a file of several channels is read where it holds every plane); give the image as one file",
				size["C"], size["Z"], size["T"], omePlanesCount(size), images)
		case ch < 0 && size["Z"] <= 1 && size["T"] <= 1:
			// tifffile labels a plain 3-D stack written with ome=True and no axes as channels
			return pl, false, r.errf("OME-TIFF with %d channels (SizeC): %s, or split the channels first "+
				"(a time series written by tifffile needs metadata={'axes': 'TYX'})", size["C"], channelHint(size["C"]))
		case ch < 0:
			return pl, false, r.errf("OME-TIFF with %d channels (SizeC): %s, or split the channels first", size["C"], channelHint(size["C"]))
		}
		m := omeOrder.FindStringSubmatch(px)
		if m == nil {
			// (required by the OME schema: guessed XYCZT, a file of channel
			// after channel was read across them: READ19's m2)
			return pl, false, r.errf("OME-TIFF of %d channels without DimensionOrder (which OME requires): the order of its channels' planes is not stated; save it again with Bio-Formats or Fiji", size["C"])
		}
		order := strings.ToUpper(m[1])
		if len(order) != 5 || order[:2] != "XY" || strings.Count(order[2:], "C") != 1 || strings.Count(order[2:], "Z") != 1 || strings.Count(order[2:], "T") != 1 {
			return pl, false, r.errf("OME-TIFF with DimensionOrder %q: want XY followed by C, Z and T in some order", order)
		}
		// C*Z*T == images, without overflow (every size >= 1 here)
		if n := images / size["C"]; images%size["C"] != 0 || n%size["Z"] != 0 || n/size["Z"] != size["T"] {
			planes := "more than 2^63"
			if n := omePlanesCount(size); n >= 0 {
				planes = strconv.Itoa(n)
			}
			return pl, false, r.errf("OME-TIFF of %d channels x %d z slices x %d time points = %s planes holds %d pages: "+
				"reading a channel is supported when this file holds every plane", size["C"], size["Z"], size["T"], planes, images)
		}
		stride := map[byte]int{}
		s := 1
		for _, d := range []byte(order[2:]) {
			stride[d] = s
			s *= size[string(d)]
		}
		// TiffData that maps a plane to an IFD must agree with the order.
		idx := func(at map[string]int) int {
			return at["FirstC"]*stride['C'] + at["FirstZ"]*stride['Z'] + at["FirstT"]*stride['T']
		}
		if err := r.omePlaneMap(block, root, size, idx, images, order); err != nil {
			return pl, false, err
		}
		pl = planes{what: "OME-TIFF", channels: size["C"], frames: size["Z"] * size["T"], cstride: stride['C'], tstride: stride['T']}
		if size["Z"] > 1 { // z slices as time points, as in a file of one channel
			pl.tstride = stride['Z']
		}
		ok = true
	}
	return pl, ok, nil
}

// omeHeldChannel returns the channel that this file of a dataset split by
// channel holds: the one (FirstC) that every TiffData of an image's Pixels
// block placing planes here names, where the file's images are that
// channel's planes (Z*T, more than one: a file of a dataset split by plane
// holds one: REVIEW13's F4) and a TiffData of several planes runs along
// time (or z), not over the channels, in the DimensionOrder (a file of
// every plane cut short is not one channel's: F4b); else -1.
func (r *tiffReader) omeHeldChannel(block, root string, size map[string]int, images int) int {
	if images < 2 || images != size["Z"]*size["T"] {
		return -1
	}
	order := "XYCZT"
	px, _, _ := strings.Cut(block, ">")
	if m := omeOrder.FindStringSubmatch(px); m != nil {
		order = strings.ToUpper(m[1])
	}
	axis := "T"
	if size["Z"] > 1 {
		axis = "Z"
	}
	alongTime := strings.Index(order, axis) >= 0 && strings.Index(order, axis) < strings.Index(order, "C")
	c := -1
	for _, full := range omeTiffDataFull.FindAllString(block, -1) {
		if !omeHeldHere(full, filepath.Base(r.path), root) {
			continue
		}
		at, ok, err := r.omeTiffDataAttrs(full)
		if err != nil || !ok || (c >= 0 && at["FirstC"] != c) {
			return -1
		}
		if omeTiffDataCount(at, images) > 1 && !alongTime {
			return -1
		}
		c = at["FirstC"]
	}
	return c
}

// omePlaneMap checks the TiffData of an image (its Pixels block, of
// size C x Z x T planes) that place planes in this file (no UUID
// FileName, or this file's): IFD i must hold plane offset + i, planes
// numbered by index (DimensionOrder's), for one offset, which is 0 when
// the file holds every plane (a file of a multi-file dataset may hold a
// later run of them). The pages are read in file order, so a series
// stored in another order (backwards, shuffled) is refused, as are
// TiffData naming a plane outside the image or an IFD past the pages.
func (r *tiffReader) omePlaneMap(block, root string, size map[string]int, index func(map[string]int) int, images int, order string) error {
	base := filepath.Base(r.path)
	planes := omePlanesCount(size) // C*Z*T, -1 beyond 2^62 (every size >= 1 here)
	if planes >= 1<<62 {
		planes = -1
	}
	offset, first := 0, true
	firstPlane, firstIFD := 0, 0
	elsewhere := false // a TiffData puts planes in another file
	tds := omeTiffDataFull.FindAllString(block, -1)
	other, held := "", 0 // a file that TiffData name; how many name this one
	for _, full := range tds {
		if !omeHeldHere(full, base, root) {
			elsewhere = true
			if m := omeUUIDFile.FindStringSubmatch(full); m != nil && other == "" {
				other = m[1]
			}
			continue // a plane of another file
		}
		held++
		at, ok, err := r.omeTiffDataAttrs(full)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if at["FirstC"] >= size["C"] || at["FirstZ"] >= size["Z"] || at["FirstT"] >= size["T"] {
			return r.errf("OME-TIFF whose TiffData names plane C=%d Z=%d T=%d of an image of %d channels x %d z slices x %d time points",
				at["FirstC"], at["FirstZ"], at["FirstT"], size["C"], size["Z"], size["T"])
		}
		count := omeTiffDataCount(at, images)
		want := index(at)
		if at["IFD"] >= images || count > images-at["IFD"] || (planes >= 0 && count > planes-want) {
			return r.errf("OME-TIFF whose TiffData maps %d planes from C=%d Z=%d T=%d to IFD %d: past the file's %d pages or the image's planes",
				count, at["FirstC"], at["FirstZ"], at["FirstT"], at["IFD"], images)
		}
		switch {
		case planes == images && want != at["IFD"]:
			return r.errf("OME-TIFF whose TiffData puts plane C=%d Z=%d T=%d at IFD %d, not at %d as DimensionOrder %s does: not supported (ipcf reads the pages in file order)",
				at["FirstC"], at["FirstZ"], at["FirstT"], at["IFD"], want, order)
		case !first && want-at["IFD"] != offset:
			return r.errf("OME-TIFF whose TiffData puts plane C=%d Z=%d T=%d at IFD %d, out of the order of plane %d at IFD %d (planes numbered as DimensionOrder %s stores them): not supported (ipcf reads the pages in file order)",
				at["FirstC"], at["FirstZ"], at["FirstT"], at["IFD"], firstPlane, firstIFD, order)
		case first:
			firstPlane, firstIFD = want, at["IFD"]
		}
		offset, first = want-at["IFD"], false
	}
	if len(tds) > 0 && held == 0 {
		// every TiffData puts its planes in other files: by its metadata this file holds none of
		// them, and its pages were read in file order unchecked
		if other == "" {
			other = "other files"
		}
		return r.errf("OME-TIFF whose TiffData put every plane of its image in %s, none in this file (%s): not read as its image (a file of a multi-file dataset renamed? give it its name again)", other, base)
	}
	if offset < 0 || (planes >= 0 && offset > planes-images) {
		return r.errf("OME-TIFF whose TiffData put its %d pages at planes %d to %d of an image of %d: not supported (pages that are not its planes)",
			images, offset, offset+images-1, planes)
	}
	if len(tds) > 0 && !elsewhere && offset == 0 && planes >= 0 && images < planes {
		// TiffData that put no plane in another file, and this file's
		// pages at the image's first planes: this file is the whole
		// image, and it holds fewer pages than the image's planes (an
		// ImageJ file that does the same is refused too). Pages at a later
		// run of planes are a file of a multi-file dataset that names no
		// other file, read as before (REVIEW12's m).
		return r.errf("OME-TIFF of %d channels x %d z slices x %d time points = %d planes holds %d pages, and its TiffData name no other file: "+
			"not read (truncated, or an acquisition stopped before its end whose metadata were not rewritten)",
			size["C"], size["Z"], size["T"], planes, images)
	}
	return nil
}

var (
	omeUUIDFile = regexp.MustCompile(`<(?:[\w.-]+:)?UUID\b[^>]*\bFileName\s*=\s*["']([^"']*)["']`)
	// a UUID element's text: the file it names, when it has no FileName
	omeUUIDText = regexp.MustCompile(`(?s)<(?:[\w.-]+:)?UUID\b[^>]*>\s*([^<]*?)\s*</(?:[\w.-]+:)?UUID\s*>`)
	// the UUID of the file whose OME-XML this is (the root OME element's)
	omeRootUUID = regexp.MustCompile(`<(?:[\w.-]+:)?OME\b[^>]*\bUUID\s*=\s*["']([^"']*)["']`)
)

// omeHeldHere reports whether the TiffData element td places its planes
// in this file (named base, its OME-XML's root UUID root, "" if none):
// TiffData without a UUID do; one whose UUID is this file's root UUID
// does, whatever FileName it names (a file renamed, copied or reached
// through a link keeps its UUID: taken for another file's, its planes'
// order went unchecked and a channel-by-channel file was read
// interleaved); one whose UUID names a FileName does if it is this file's;
// one whose UUID has no FileName (optional in the schema) does if its
// value is this file's UUID, or when the file has none.
func omeHeldHere(td, base, root string) bool {
	if m := omeUUIDText.FindStringSubmatch(td); m != nil && root != "" && m[1] == root {
		return true
	}
	if m := omeUUIDFile.FindStringSubmatch(td); m != nil {
		return m[1] == base
	}
	if m := omeUUIDText.FindStringSubmatch(td); m != nil && root != "" {
		return m[1] == root
	}
	return true
}

// omeHeld picks, of the Pixels blocks of an OME-XML that describes
// several images (series or positions: text from each <Pixels to the
// next), the one whose planes this file holds: Micro-Manager writes a
// dataset's OME-XML, every position, into the file of each, and its
// TiffData name the file that holds a plane (UUID FileName; TiffData
// without UUID: this file). More than one image here, or images whose
// TiffData do not tell, are refused: their pages would be read as one
// series.
func (r *tiffReader) omeHeld(blocks []string, root string) ([]string, error) {
	k, err := r.omeHeldAt(blocks, root)
	if err != nil {
		return nil, err
	}
	return blocks[k : k+1], nil
}

// omeHeldAt is omeHeld's choice as an index into blocks.
func (r *tiffReader) omeHeldAt(blocks []string, root string) (int, error) {
	base := filepath.Base(r.path)
	var held []int
	for i, b := range blocks {
		tds := omeTiffDataFull.FindAllString(b, -1)
		if len(tds) == 0 {
			return 0, r.errf("OME-TIFF of %d images (series or positions) that does not say which are in this file: ipcf reads one time series per file; save each image to its own file", len(blocks))
		}
		for _, td := range tds {
			if omeHeldHere(td, base, root) {
				held = append(held, i)
				break
			}
		}
	}
	switch len(held) {
	case 1:
		return held[0], nil
	case 0:
		return 0, r.errf("OME-TIFF of %d images (series or positions), none of them stored in this file (%s) by its TiffData", len(blocks), base)
	}
	return 0, r.errf("OME-TIFF holding %d of its %d images (series or positions): ipcf reads one time series per file; save each image to its own file", len(held), len(blocks))
}

// omeSeriesPlane reads the OME-XML description desc of a single-page
// file of a series (a folder or pattern; Bio-Formats writes a multi-file
// OME-TIFF dataset one plane a file, each with the dataset's OME-XML):
// the plane this file holds (series.follows checks them in name order).
func (r *tiffReader) omeSeriesPlane(desc string) (omePlane, error) {
	pl := omePlane{c: -1, z: -1, t: -1, channels: 1, slices: 1, times: 1}
	block, _, root, ok, err := r.omeHeldBlock(desc)
	if err == nil && !ok {
		// a stub without ImageJ's description (Micro-Manager's have one,
		// which metaDesc takes first: then desc is no OME-XML)
		err = r.omeStubErr(desc)
	}
	if !ok || err != nil {
		return pl, err // no OME-XML
	}
	size := omeSizes(block)
	if size["C"] < 1 || size["Z"] < 1 || size["T"] < 1 {
		return pl, r.errf("OME-TIFF with a bad SizeC, SizeZ or SizeT (%d, %d, %d)", size["C"], size["Z"], size["T"])
	}
	pl.channels, pl.slices, pl.times = size["C"], size["Z"], size["T"]
	base := filepath.Base(r.path)
	for _, full := range omeTiffDataFull.FindAllString(block, -1) {
		if !omeHeldHere(full, base, root) {
			continue
		}
		at, ok, err := r.omeTiffDataAttrs(full)
		if err != nil {
			return pl, err
		}
		if !ok || at["IFD"] != 0 {
			continue
		}
		pl.c, pl.z, pl.t = at["FirstC"], at["FirstZ"], at["FirstT"]
		break
	}
	return pl, nil
}

// omeSeriesPlanes reads, from the OME-XML description desc of one file
// of a multi-file OME-TIFF (omeSeriesPlane), the plane of every file its
// TiffData name (UUID FileName, at IFD 0): the series checks each file's
// place by name once against the first file's list, instead of reading
// every file's list (each as long as the dataset).
func (r *tiffReader) omeSeriesPlanes(desc string) (map[string]omePlane, error) {
	block, _, _, ok, err := r.omeHeldBlock(desc)
	if !ok || err != nil {
		return nil, err
	}
	size := omeSizes(block)
	planes := map[string]omePlane{}
	for _, full := range omeTiffDataFull.FindAllString(block, -1) {
		m := omeUUIDFile.FindStringSubmatch(full)
		if m == nil {
			continue
		}
		at, ok, err := r.omeTiffDataAttrs(full)
		if err != nil {
			return nil, err
		}
		if _, seen := planes[m[1]]; !ok || at["IFD"] != 0 || seen {
			continue
		}
		pl := omePlane{c: at["FirstC"], z: at["FirstZ"], t: at["FirstT"], channels: size["C"], slices: size["Z"], times: size["T"]}
		if u := omeUUIDText.FindStringSubmatch(full); u != nil {
			pl.uuid = u[1] // the file's own (its root UUID), to tell another file put at its name
		}
		planes[m[1]] = pl
	}
	return planes, nil
}

// omeHeldBlock returns, of the OME-XML description desc, the Pixels
// block (text from <Pixels to the next) of the image this file holds
// (omeHeld; the only one of an OME-XML of one image), its index and the
// root's UUID; ok is false for a description that is no OME-XML or has no
// Pixels element.
func (r *tiffReader) omeHeldBlock(desc string) (block string, k int, root string, ok bool, err error) {
	if !isOME(desc) {
		return "", 0, "", false, nil
	}
	desc = omeText(desc)
	blocks := omePixels.Split(desc, -1)[1:]
	if len(blocks) == 0 {
		return "", 0, "", false, nil
	}
	root = omeRootID(desc)
	if len(blocks) > 1 {
		if k, err = r.omeHeldAt(blocks, root); err != nil {
			return "", 0, root, false, err
		}
	}
	return blocks[k], k, root, true, nil
}

// omeRootID is the UUID of the OME element of the description desc, "" if
// none.
func omeRootID(desc string) string {
	if m := omeRootUUID.FindStringSubmatch(desc); m != nil {
		return m[1]
	}
	return ""
}

// omeSizes reads SizeC, SizeZ and SizeT of a Pixels block (1 where
// absent, -1 where malformed).
func omeSizes(block string) map[string]int {
	px, _, _ := strings.Cut(block, ">")
	size := map[string]int{"C": 1, "Z": 1, "T": 1}
	for _, m := range omeSize.FindAllStringSubmatch(px, -1) {
		n, err := strconv.Atoi(m[2])
		if err != nil {
			n = -1
		}
		size[m[1]] = n
	}
	return size
}

// omeTiffDataAttrs reads the attributes IFD, FirstC, FirstZ, FirstT and
// PlaneCount of the TiffData element full; ok is false where full has no
// start tag to read, and a value that is no whole number >= 0 is an error.
func (r *tiffReader) omeTiffDataAttrs(full string) (at map[string]int, ok bool, err error) {
	tag := omeTiffData.FindStringSubmatch(full)
	if tag == nil {
		return nil, false, nil
	}
	at = map[string]int{}
	for _, a := range omeAttr.FindAllStringSubmatch(tag[1], -1) {
		v, err := strconv.Atoi(a[2])
		if err != nil || v < 0 {
			return nil, false, r.errf("OME-TIFF TiffData with %s=%q", a[1], a[2])
		}
		at[a[1]] = v
	}
	return at, true, nil
}

// omeImage returns which Pixels element (from 0) of the OME-XML
// description desc describes the image this file holds (omeHeld): 0 for
// an OME-XML of one image, and for one that omePlanes refuses.
func (r *tiffReader) omeImage(desc string) int {
	_, k, _, ok, err := r.omeHeldBlock(desc)
	if !ok || err != nil {
		return 0
	}
	return k
}

// omeTiffDataCount is the planes a TiffData element (its attributes at)
// places in a file of images pages: its PlaneCount, 1 by default where it
// names an IFD, else every page.
func omeTiffDataCount(at map[string]int, images int) int {
	count, ok := at["PlaneCount"]
	if _, ifd := at["IFD"]; !ok && !ifd {
		return images
	} else if !ok {
		return 1
	}
	return count
}

// omePlanesCount is C*Z*T, or -1 beyond 2^63.
func omePlanesCount(size map[string]int) int {
	hi, lo := bits.Mul64(uint64(size["C"]), uint64(size["Z"]))
	if hi == 0 {
		hi, lo = bits.Mul64(lo, uint64(size["T"]))
	}
	if hi != 0 || lo >= 1<<63 {
		return -1
	}
	return int(lo)
}

// omeFewerPlanes reports whether an image of size C x Z x T (each >= 1)
// has fewer planes than pages: the file holds more than this image (a
// file of several images may also hold part of one).
func omeFewerPlanes(size map[string]int, pages int) bool {
	n := omePlanesCount(size)
	return n >= 0 && n < pages
}

// imagejPlanes reads the dimensions of an ImageJ description: a
// hyperstack of several channels (ImageJ stores channel c of time point t
// as image t*channels + c) is read only when a channel is selected
// (ch >= 0), and only with slices or frames, not both. ok is false for a
// file of one channel.
func (r *tiffReader) imagejPlanes(ij imagej, images, ch int) (pl planes, ok bool, err error) {
	switch {
	case ij.images < 0 || ij.channels < 0 || ij.slices < 0 || ij.frames < 0:
		return pl, false, r.errf("ImageJ description with a bad images, channels, slices or frames value")
	case ij.slices > 1 && ij.frames > 1:
		return pl, false, r.errf("ImageJ hyperstack with %d slices and %d frames: not supported (its pages are not all time frames), split the slices first", ij.slices, ij.frames)
	case ij.channels <= 1:
		return pl, false, nil
	case ch < 0 && ij.slices <= 1 && ij.frames <= 1:
		// tifffile labels a plain 3-D stack written with imagej=True and no axes as channels
		return pl, false, r.errf("ImageJ hyperstack with %d channels: %s, or split the channels first "+
			"(a time series written by tifffile needs metadata={'axes': 'TYX'})", ij.channels, channelHint(ij.channels))
	case ch < 0:
		return pl, false, r.errf("ImageJ hyperstack with %d channels: %s, or split the channels first", ij.channels, channelHint(ij.channels))
	}
	t := max(ij.slices, ij.frames, 1)
	if images%ij.channels != 0 || images/ij.channels != t { // images == channels*t, without overflow
		want := "more than 2^63"
		if hi, lo := bits.Mul64(uint64(ij.channels), uint64(t)); hi == 0 && lo < 1<<63 {
			want = strconv.FormatUint(lo, 10)
		}
		return pl, false, r.errf("ImageJ hyperstack of %d channels x %d frames holds %d images, want %s", ij.channels, t, images, want)
	}
	return planes{what: "ImageJ hyperstack", channels: ij.channels, frames: t, cstride: 1, tstride: ij.channels}, true, nil
}

// channelErr reports channel ch (0-based) of a file of n channels (n is
// 1 for a file that is not multi-channel), numbering channels from 1.
func channelErr(name string, ch, n int) error {
	if n <= 1 {
		return fmt.Errorf("%w: %s: channel %d: the input has one channel (only channel 1)", ErrChannel, name, ch+1)
	}
	return fmt.Errorf("%w: %s: channel %d: the input has %d channels (1 to %d)", ErrChannel, name, ch+1, n, n)
}

// OpenTIFF opens a multi-page TIFF, BigTIFF or ImageJ hyperstack file;
// its pages (in file order) are the frames. An ImageJ or OME-TIFF file
// whose pages are not all time frames (channels, or slices and frames) is
// refused.
func OpenTIFF(path string) (Source, error) {
	return openTIFFPath(path, -1)
}

// openTIFFPath opens a TIFF file and selects channel ch (0-based; -1:
// none selected).
func openTIFFPath(path string, ch int) (Source, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	src, err := parsed(m, func() (Source, error) { return openTIFF(m, ch) })
	if err != nil {
		m.close()
		return nil, err
	}
	return src, nil
}

// openTIFF reads the pages of a mapped TIFF file as frames, or, with a
// channel selected (ch >= 0), the frames of that channel of a
// multi-channel ImageJ hyperstack or OME-TIFF (of a file of one channel,
// only channel 0 exists).
func openTIFF(m *mapping, ch int) (Source, error) {
	r := &tiffReader{b: m.data, path: m.path}
	pages, err := r.pages(-1)
	if err != nil {
		return nil, err
	}
	p0 := pages[0]
	es := p0.dtype.Size()
	frame := p0.frameBytes()
	for i, p := range pages {
		if p.w != p0.w || p.h != p0.h || p.dtype != p0.dtype {
			return nil, r.errf("page %d is %dx%d (rows x columns) %s, page 0 %dx%d %s", i, p.h, p.w, p.dtype, p0.h, p0.w, p0.dtype)
		}
	}
	truncated, err := r.shapedSeries(pages)
	if err != nil {
		return nil, err
	}
	pl, multi, err := r.omePlanes(p0.desc, len(pages), ch)
	if err != nil {
		return nil, err
	}
	ij, isIJ := parseImageJ(p0.desc)
	if isIJ {
		if err := ij.calibrated(r); err != nil {
			return nil, err
		}
		images := ij.images
		if images == 0 {
			images = len(pages)
		}
		ipl, imulti, err := r.imagejPlanes(ij, images, ch)
		if err != nil {
			return nil, err
		}
		if imulti {
			pl, multi = ipl, true
		}
	}
	if !multi && !isIJ {
		if err := r.omeStubErr(p0.desc); err != nil {
			return nil, err
		}
	}
	if !multi && !isIJ && !isOME(p0.desc) {
		// Micro-Manager writes a file's ImageJ and OME descriptions when
		// the acquisition ends: an unfinished file of several channels
		// (or z slices and time points) was read as one series of them
		// interleaved, exit 0 (READ16's F6). Its summary says so.
		if err := r.mmUnfinished(pages); err != nil {
			return nil, err
		}
	}
	switch {
	case multi && ch >= pl.channels:
		return nil, channelErr(m.path, ch, pl.channels)
	case !multi && ch > 0:
		return nil, channelErr(m.path, ch, 1)
	}
	frames := len(pages)
	if multi {
		frames = pl.frames
	}
	u := tiffUnits(r, r.mmTimed(pages[len(pages)-1].ifd), frames)
	// backToBack is the stack of n images lying back to back from the
	// first page's samples (writer: who says so), of channel ch where
	// multi.
	backToBack := func(writer string, n int) (Source, error) {
		o := p0.contiguous()
		if o < 0 {
			return nil, r.errf("%s file announces %d images stored back to back, but its first page's samples are not in one piece", writer, n)
		}
		shape, stride, off := []int{n, p0.h, p0.w}, frame, int(o)
		if multi {
			shape[0], stride, off = pl.frames, pl.tstride*frame, off+ch*pl.cstride*frame
		}
		v, err := array.New(p0.dtype, r.order, shape, []int{stride, p0.w * es, es}, m.data, off)
		if err != nil {
			return nil, r.errf("%s file announces %d images of %d bytes from byte %d; the file of %d bytes holds fewer (truncated?)", writer, n, frame, o, len(m.data))
		}
		// The images lie back to back from o (array.New checked that
		// they fit the file): none may hold the IFD or its tags' data,
		// or the "frames" past the stored ones would be metadata.
		end := o + int64(n)*int64(frame)
		for _, x := range p0.tags {
			if x[0] < end && x[1] > o {
				return nil, r.errf("%s file announces %d images of %d bytes from byte %d, but bytes %d to %d hold the TIFF's tags: it holds fewer images (truncated, or the description is wrong)",
					writer, n, frame, o, x[0], x[1]-1)
			}
		}
		return &stack{m: m, v: v, name: m.path, u: u}, nil
	}
	if truncated > 0 && !isIJ && !multi {
		if ch > 0 {
			return nil, channelErr(m.path, ch, 1)
		}
		return backToBack("tifffile (truncate=True)", truncated)
	}
	if isIJ {
		// ImageJ writes files over 4 GiB with one IFD for all images, stored contiguously.
		n := ij.images
		switch o := p0.contiguous(); {
		case n > len(pages) && len(pages) == 1 && o >= 0:
			return backToBack("ImageJ", n)
		case n > 0 && n != len(pages):
			return nil, r.errf("ImageJ file announces %d images but holds %d pages", n, len(pages))
		}
	}
	if multi {
		// The pages of the selected channel, in time order.
		sel := make([]page, pl.frames)
		for t := range sel {
			sel[t] = pages[t*pl.tstride+ch*pl.cstride]
		}
		pages, p0 = sel, sel[0]
	}
	// Pages at a constant stride: one strided view.
	if o0 := p0.contiguous(); o0 >= 0 {
		stride := int64(frame)
		if len(pages) > 1 {
			stride = pages[1].contiguous() - o0
		}
		regular := stride > 0 && stride <= math.MaxInt32*int64(1<<16)
		for i, p := range pages {
			if !regular || p.contiguous() != o0+int64(i)*stride {
				regular = false
				break
			}
		}
		if regular {
			v, err := array.New(p0.dtype, r.order, []int{len(pages), p0.h, p0.w}, []int{int(stride), p0.w * es, es}, m.data, int(o0))
			if err == nil {
				return &stack{m: m, v: v, name: m.path, u: u}, nil
			}
		}
	}
	return &pageSource{m: m, r: r, pages: pages, name: m.path, u: u}, nil
}

// pageSource serves the pages of a TIFF file with irregular layout.
type pageSource struct {
	m     *mapping
	r     *tiffReader
	pages []page
	name  string
	u     Units
}

func (s *pageSource) Shape() (int, int, int) { return len(s.pages), s.pages[0].h, s.pages[0].w }
func (s *pageSource) DType() array.DType     { return s.pages[0].dtype }
func (s *pageSource) Name() string           { return s.name }
func (s *pageSource) Close() error           { return s.m.close() }
func (s *pageSource) paths() []string        { return []string{s.m.path} }
func (s *pageSource) Stack() (array.View, bool) {
	return array.View{}, false
}

// Release drops the pages of frames [t0, t1) from memory.
func (s *pageSource) Release(t0, t1 int) {
	for t := max(0, t0); t < min(t1, len(s.pages)); t++ {
		p := s.pages[t]
		for i, o := range p.offsets {
			s.m.release(int(o), int(o)+p.stripBytes(i))
		}
	}
}

func (s *pageSource) Frame(t int) (array.View, error) {
	if t < 0 || t >= len(s.pages) {
		return array.View{}, fmt.Errorf("source: %s: frame %d outside 0..%d", s.name, t, len(s.pages)-1)
	}
	v, err := pageView(s.pages[t], s.r.order, s.m.data)
	if err != nil {
		return v, fmt.Errorf("%w: %s: page %d: %w", ErrFormat, s.name, t, err)
	}
	return v, nil
}

// pageView returns the page's samples: a view into data if its strips are
// back to back, else a copy of the rows of each strip.
func pageView(p page, order array.ByteOrder, data []byte) (array.View, error) {
	es := p.dtype.Size()
	if o := p.contiguous(); o >= 0 {
		return array.New(p.dtype, order, []int{p.h, p.w}, []int{p.w * es, es}, data, int(o))
	}
	buf := make([]byte, 0, p.frameBytes())
	for i, o := range p.offsets {
		buf = append(buf, data[o:int(o)+p.stripBytes(i)]...)
	}
	return array.New(p.dtype, order, []int{p.h, p.w}, []int{p.w * es, es}, buf, 0)
}

// mmUnfinished refuses a Micro-Manager file whose summary metadata state
// several channels, or z slices and time points, where no ImageJ or OME
// description says how its pages hold them (see openTIFF).
// mmPositionsMixed reports whether the pages of a Micro-Manager file name
// more than one stage position in their own metadata (PositionIndex, or
// Micro-Manager 2's Axes.position), or none says: a file of several
// positions; a file of one (Micro-Manager's file a position, whose summary
// counts them all) names one. Every page is looked at: an acquisition in
// the order "Position, Time" holds one position's pages after the other's
// (its first pages alone were read as one series: REVIEW24's F3).
func (r *tiffReader) mmPositionsMixed(pages []page) bool {
	seen := -1
	for i := range pages {
		var m map[string]any
		if json.Unmarshal(r.mmTimed(pages[i].ifd), &m) != nil {
			continue
		}
		objs := []map[string]any{m}
		if a, ok := m["Axes"].(map[string]any); ok {
			objs = append(objs, map[string]any{"PositionIndex": a["position"]})
		}
		v, ok := mmNumber(objs, "PositionIndex")
		if !ok {
			continue
		}
		switch {
		case seen < 0:
			seen = int(v)
		case int(v) != seen:
			return true
		}
	}
	return seen < 0 // (no page says: refused rather than guessed)
}

func (r *tiffReader) mmUnfinished(pages []page) error {
	b, nd := r.mmSummaryOf()
	if b == nil {
		return nil
	}
	var top map[string]any
	if json.Unmarshal([]byte(strings.TrimRight(string(b), "\x00")), &top) != nil {
		return nil
	}
	objs := []map[string]any{top}
	if s, ok := top["Summary"].(map[string]any); ok {
		objs = append(objs, s)
	}
	count := func(k, intended string) int {
		v, _ := mmNumber(objs, k)
		for _, o := range objs { // (Micro-Manager 2's IntendedDimensions)
			if d, ok := o["IntendedDimensions"].(map[string]any); ok {
				if w, ok := mmNumber([]map[string]any{d}, intended); ok && w > v {
					v = w
				}
			}
		}
		return int(v)
	}
	sum := struct{ Channels, Slices, Frames, Positions int }{count("Channels", "channel"), count("Slices", "z"), count("Frames", "time"), count("Positions", "position")}
	why := "an acquisition that did not finish: Micro-Manager writes them at its end"
	if nd {
		why = "an NDTiff file, which has none"
	}
	switch {
	case sum.Channels > 1 || (sum.Slices > 1 && sum.Frames > 1):
		return r.errf("a Micro-Manager file of %d channels, %d z slices and %d time points without its ImageJ or OME-XML description (%s): its pages interleave them, not one time series; save one channel's time series as a TIFF (Fiji)",
			sum.Channels, sum.Slices, sum.Frames, why)
	case sum.Positions > 1 && r.mmPositionsMixed(pages):
		// (the positions of one file were read as one series: READ19's F3;
		// a file of one position of several, which its pages' metadata
		// say, is read: REVIEW23's F1)
		return r.errf("a Micro-Manager file of %d stage positions without its ImageJ or OME-XML description (%s): its pages interleave them, not one time series; save one position's time series as a TIFF (Fiji)",
			sum.Positions, why)
	}
	return nil
}
