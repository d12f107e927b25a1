package source

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"

	"github.com/ipcf/ipcf/core/array"
)

// page is one image of a TIFF file: its samples' location.
type page struct {
	w, h    int
	dtype   array.DType
	offsets []int64
	counts  []int64
	desc    string
}

// contiguous returns the offset of the page's samples if its strips are
// stored back to back and cover the image, else -1.
func (p page) contiguous() int64 {
	if len(p.offsets) == 0 {
		return -1
	}
	end := p.offsets[0]
	var total int64
	for i, o := range p.offsets {
		if o != end {
			return -1
		}
		end += p.counts[i]
		total += p.counts[i]
	}
	if total < int64(p.w*p.h*p.dtype.Size()) {
		return -1
	}
	return p.offsets[0]
}

type tiffReader struct {
	b     []byte
	bo    binary.ByteOrder
	order array.ByteOrder
	big   bool
	path  string
}

func (r *tiffReader) errf(format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrFormat, r.path, fmt.Sprintf(format, a...))
}

func (r *tiffReader) u16(o int64) (uint16, error) {
	if o < 0 || o+2 > int64(len(r.b)) {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint16(r.b[o:]), nil
}

func (r *tiffReader) u32(o int64) (uint32, error) {
	if o < 0 || o+4 > int64(len(r.b)) {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint32(r.b[o:]), nil
}

func (r *tiffReader) u64(o int64) (uint64, error) {
	if o < 0 || o+8 > int64(len(r.b)) {
		return 0, r.errf("truncated at byte %d", o)
	}
	return r.bo.Uint64(r.b[o:]), nil
}

var typeSize = map[uint16]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8}

// values reads the integer values of a tag entry at e.
func (r *tiffReader) values(e int64) (typ uint16, vals []int64, raw []byte, err error) {
	if typ, err = r.u16(e + 2); err != nil {
		return
	}
	var count uint64
	var inline int64
	if r.big {
		count, err = r.u64(e + 4)
		inline = 8
	} else {
		var c uint32
		c, err = r.u32(e + 4)
		count, inline = uint64(c), 4
	}
	if err != nil {
		return
	}
	size := typeSize[typ]
	if size == 0 || count > 1<<28 {
		return typ, nil, nil, nil // unknown type or absurd count: ignore the tag
	}
	n := int64(count) * size
	data := e + 4 + inline
	if n > inline {
		var p uint64
		if r.big {
			p, err = r.u64(e + 12)
		} else {
			var q uint32
			q, err = r.u32(e + 8)
			p = uint64(q)
		}
		if err != nil {
			return
		}
		data = int64(p)
	}
	if data < 0 || data+n > int64(len(r.b)) {
		return typ, nil, nil, r.errf("tag data outside the file")
	}
	raw = r.b[data : data+n]
	for i := int64(0); i < int64(count); i++ {
		switch size {
		case 1:
			vals = append(vals, int64(raw[i]))
		case 2:
			vals = append(vals, int64(r.bo.Uint16(raw[2*i:])))
		case 4:
			vals = append(vals, int64(r.bo.Uint32(raw[4*i:])))
		case 8:
			if typ == 16 || typ == 17 || typ == 18 {
				vals = append(vals, int64(r.bo.Uint64(raw[8*i:])))
			} else {
				vals = append(vals, 0) // rationals: not needed
			}
		}
	}
	return
}

// pages parses the IFD chain (at most max pages; max < 0 means all).
func (r *tiffReader) pages(max int) ([]page, error) {
	var next int64
	if len(r.b) < 8 {
		return nil, r.errf("too short for a TIFF header")
	}
	switch string(r.b[:2]) {
	case "II":
		r.bo, r.order = binary.LittleEndian, array.Little
	case "MM":
		r.bo, r.order = binary.BigEndian, array.Big
	default:
		return nil, r.errf("not a TIFF file")
	}
	magic, _ := r.u16(2)
	switch magic {
	case 42:
		o, _ := r.u32(4)
		next = int64(o)
	case 43:
		r.big = true
		o, err := r.u64(8)
		if err != nil {
			return nil, err
		}
		next = int64(o)
	default:
		return nil, r.errf("TIFF version %d not supported", magic)
	}
	var out []page
	seen := map[int64]bool{}
	for next != 0 && (max < 0 || len(out) < max) {
		if seen[next] {
			return nil, r.errf("IFD loop")
		}
		seen[next] = true
		var n int64
		entry := int64(12)
		if r.big {
			c, err := r.u64(next)
			if err != nil {
				return nil, err
			}
			n, entry = int64(c), 20
			next += 8
		} else {
			c, err := r.u16(next)
			if err != nil {
				return nil, err
			}
			n = int64(c)
			next += 2
		}
		if n > 4096 {
			return nil, r.errf("IFD with %d entries", n)
		}
		p := page{}
		bps, sf, spp, comp, planar := int64(1), int64(1), int64(1), int64(1), int64(1)
		for i := int64(0); i < n; i++ {
			e := next + i*entry
			tag, err := r.u16(e)
			if err != nil {
				return nil, err
			}
			_, vals, raw, err := r.values(e)
			if err != nil {
				return nil, err
			}
			first := int64(0)
			if len(vals) > 0 {
				first = vals[0]
			}
			switch tag {
			case 256:
				p.w = int(first)
			case 257:
				p.h = int(first)
			case 258:
				bps = first
			case 259:
				comp = first
			case 270:
				p.desc = string(raw)
			case 273:
				p.offsets = vals
			case 277:
				spp = first
			case 279:
				p.counts = vals
			case 284:
				planar = first
			case 339:
				sf = first
			}
		}
		if comp != 1 {
			return nil, r.errf("page %d is compressed (TIFF compression %d); only uncompressed TIFF is supported", len(out), comp)
		}
		if spp != 1 && planar != 2 {
			return nil, r.errf("page %d has %d samples per pixel; want 1 (grayscale)", len(out), spp)
		}
		switch {
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
			return nil, r.errf("page %d: %d-bit samples of format %d are not supported", len(out), bps, sf)
		}
		if p.w < 1 || p.h < 1 || len(p.offsets) == 0 || len(p.offsets) != len(p.counts) {
			return nil, r.errf("page %d: bad size or strips", len(out))
		}
		for i, o := range p.offsets {
			if o < 0 || o+p.counts[i] > int64(len(r.b)) {
				return nil, r.errf("page %d: strip %d outside the file (truncated?)", len(out), i)
			}
		}
		out = append(out, p)
		if r.big {
			o, err := r.u64(next + n*entry)
			if err != nil {
				return nil, err
			}
			next = int64(o)
		} else {
			o, err := r.u32(next + n*entry)
			if err != nil {
				return nil, err
			}
			next = int64(o)
		}
	}
	if len(out) == 0 {
		return nil, r.errf("no image")
	}
	return out, nil
}

var imagejImages = regexp.MustCompile(`(?m)^images=(\d+)$`)

// OpenTIFF opens a multi-page TIFF, BigTIFF or ImageJ hyperstack file;
// its pages (in file order) are the frames.
func OpenTIFF(path string) (Source, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	r := &tiffReader{b: m.data, path: path}
	pages, err := r.pages(-1)
	if err != nil {
		m.close()
		return nil, err
	}
	p0 := pages[0]
	es := p0.dtype.Size()
	frame := p0.w * p0.h * es
	// ImageJ hyperstacks: one IFD may describe all images, stored contiguously.
	if mm := imagejImages.FindStringSubmatch(p0.desc); mm != nil {
		n, _ := strconv.Atoi(mm[1])
		if o := p0.contiguous(); n > len(pages) && o >= 0 {
			v, err := array.New(p0.dtype, r.order, []int{n, p0.h, p0.w}, []int{frame, p0.w * es, es}, m.data, int(o))
			if err != nil {
				m.close()
				return nil, r.errf("ImageJ file announces %d images; the file holds fewer (truncated?)", n)
			}
			return &stack{m: m, v: v, name: path}, nil
		}
	}
	for i, p := range pages {
		if p.w != p0.w || p.h != p0.h || p.dtype != p0.dtype {
			m.close()
			return nil, r.errf("page %d is %dx%d %s, page 0 %dx%d %s", i, p.w, p.h, p.dtype, p0.w, p0.h, p0.dtype)
		}
	}
	// Pages at a constant stride: one strided view.
	if o0 := p0.contiguous(); o0 >= 0 {
		stride := int64(frame)
		if len(pages) > 1 {
			stride = pages[1].contiguous() - o0
		}
		regular := stride > 0
		for i, p := range pages {
			if p.contiguous() != o0+int64(i)*stride {
				regular = false
				break
			}
		}
		if regular {
			v, err := array.New(p0.dtype, r.order, []int{len(pages), p0.h, p0.w}, []int{int(stride), p0.w * es, es}, m.data, int(o0))
			if err == nil {
				return &stack{m: m, v: v, name: path}, nil
			}
		}
	}
	return &pageSource{m: m, r: r, pages: pages, name: path}, nil
}

// pageSource serves the pages of a TIFF file with irregular layout.
type pageSource struct {
	m     *mapping
	r     *tiffReader
	pages []page
	name  string
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
			s.m.release(int(o), int(o+p.counts[i]))
		}
	}
}

func (s *pageSource) Frame(t int) (array.View, error) {
	if t < 0 || t >= len(s.pages) {
		return array.View{}, fmt.Errorf("source: frame %d outside 0..%d", t, len(s.pages)-1)
	}
	return pageView(s.pages[t], s.r.order, s.m.data)
}

func pageView(p page, order array.ByteOrder, data []byte) (array.View, error) {
	es := p.dtype.Size()
	if o := p.contiguous(); o >= 0 {
		return array.New(p.dtype, order, []int{p.h, p.w}, []int{p.w * es, es}, data, int(o))
	}
	buf := make([]byte, 0, p.w*p.h*es)
	for i, o := range p.offsets {
		buf = append(buf, data[o:o+p.counts[i]]...)
	}
	if len(buf) < p.w*p.h*es {
		return array.View{}, fmt.Errorf("%w: page strips hold %d bytes, want %d", ErrFormat, len(buf), p.w*p.h*es)
	}
	return array.New(p.dtype, order, []int{p.h, p.w}, []int{p.w * es, es}, buf, 0)
}

// series is a sequence of single-page TIFF files, one frame each. Files
// are mapped when their frame is asked for, one at a time.
type series struct {
	files []string
	w, h  int
	dtype array.DType
	cur   *mapping
	curI  int
}

// OpenTIFFSeries opens single-page TIFF files (sorted by the caller) as
// frames; all must have the first file's size and sample type.
func OpenTIFFSeries(files []string) (Source, error) {
	if len(files) == 1 {
		return OpenTIFF(files[0])
	}
	m, err := mapFile(files[0])
	if err != nil {
		return nil, err
	}
	r := &tiffReader{b: m.data, path: files[0]}
	pages, err := r.pages(1)
	m.close()
	if err != nil {
		return nil, err
	}
	return &series{files: files, w: pages[0].w, h: pages[0].h, dtype: pages[0].dtype, curI: -1}, nil
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
		return array.View{}, fmt.Errorf("source: frame %d outside 0..%d", t, len(s.files)-1)
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
	r := &tiffReader{b: s.cur.data, path: s.files[t]}
	pages, err := r.pages(1)
	if err != nil {
		return array.View{}, err
	}
	p := pages[0]
	if p.w != s.w || p.h != s.h || p.dtype != s.dtype {
		return array.View{}, fmt.Errorf("%w: %s is %dx%d %s, the first file %dx%d %s", ErrFormat, s.files[t], p.w, p.h, p.dtype, s.w, s.h, s.dtype)
	}
	return pageView(p, r.order, s.cur.data)
}
