package source

import (
	"encoding/binary"
	"sort"
)

// ttag is one TIFF tag for the test writer: integers of type typ (1 BYTE,
// 3 SHORT, 4 LONG, 5 RATIONAL v/1, 16 LONG8), or ASCII text when typ is 2.
// With typ ratPairs the values are numerator, denominator pairs of one
// RATIONAL each (written as type 5). A tag with typ 0 removes a default
// tag.
type ttag struct {
	id, typ uint16
	vals    []uint64
	ascii   string
}

// ratPairs is the test writer's type for RATIONAL tags given as pairs.
const ratPairs = 0x105

// tpage is one page for the test writer. Its strips are written in order
// with gap bytes between them (and pad bytes after each, counted in
// StripByteCounts); the writer adds the baseline tags of a grayscale
// image, which tags replaces or removes by id.
type tpage struct {
	w, h, bps, sf, rps int
	strips             [][]byte
	gap, pad           int
	tags               []ttag
}

// tiffOpts selects the byte order and BigTIFF; noNext leaves the last
// page's next-IFD offset at loopTo (0: end of chain).
type tiffOpts struct {
	bo     order
	big    bool
	loopTo int
}

// order is binary.LittleEndian or binary.BigEndian.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// writeTIFF lays out a TIFF file: header, then per page its strips, its
// IFD and the IFD's out-of-line values.
func writeTIFF(o tiffOpts, pages []tpage) []byte {
	bo := o.bo
	if bo == nil {
		bo = binary.LittleEndian
	}
	var b []byte
	put16 := func(v uint16) { b = bo.AppendUint16(b, v) }
	put32 := func(v uint32) { b = bo.AppendUint32(b, v) }
	put64 := func(v uint64) { b = bo.AppendUint64(b, v) }
	putOff := func(v uint64) {
		if o.big {
			put64(v)
		} else {
			put32(uint32(v))
		}
	}
	if bo == order(binary.LittleEndian) {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	var nextField int // where the previous next-IFD offset goes
	if o.big {
		put16(43)
		put16(8)
		put16(0)
		nextField = len(b)
		put64(0)
	} else {
		put16(42)
		nextField = len(b)
		put32(0)
	}
	patch := func(at int, v uint64) {
		if o.big {
			bo.PutUint64(b[at:], v)
		} else {
			bo.PutUint32(b[at:], uint32(v))
		}
	}
	var ifds []int
	for _, p := range pages {
		var offs, counts []uint64
		for _, s := range p.strips {
			b = append(b, make([]byte, p.gap)...)
			offs = append(offs, uint64(len(b)))
			b = append(b, s...)
			b = append(b, make([]byte, p.pad)...)
			counts = append(counts, uint64(len(s)+p.pad))
		}
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		rps := p.rps
		if rps == 0 {
			rps = p.h
		}
		tags := map[uint16]ttag{
			256: {256, 4, []uint64{uint64(p.w)}, ""},
			257: {257, 4, []uint64{uint64(p.h)}, ""},
			258: {258, 3, []uint64{uint64(p.bps)}, ""},
			259: {259, 3, []uint64{1}, ""},
			262: {262, 3, []uint64{1}, ""},
			273: {273, 4, offs, ""},
			277: {277, 3, []uint64{1}, ""},
			278: {278, 4, []uint64{uint64(rps)}, ""},
			279: {279, 4, counts, ""},
			339: {339, 3, []uint64{uint64(p.sf)}, ""},
		}
		// A tag given twice in p.tags is written twice (tifffile writes two
		// ImageDescriptions), the second right after the first.
		given := map[uint16]bool{}
		dups := map[uint16][]ttag{}
		for _, t := range p.tags {
			switch {
			case t.typ == 0:
				delete(tags, t.id)
			case given[t.id]:
				dups[t.id] = append(dups[t.id], t)
			default:
				tags[t.id] = t
			}
			given[t.id] = true
		}
		ids := make([]int, 0, len(tags))
		for id := range tags {
			ids = append(ids, int(id))
		}
		sort.Ints(ids)
		var entries []ttag
		for _, id := range ids {
			entries = append(append(entries, tags[uint16(id)]), dups[uint16(id)]...)
		}
		ifd := len(b)
		ifds = append(ifds, ifd)
		patch(nextField, uint64(ifd))
		entry, inline := 12, 4
		if o.big {
			entry, inline = 20, 8
			put64(uint64(len(entries)))
		} else {
			put16(uint16(len(entries)))
		}
		extra := len(b) + len(entries)*entry + inline // out-of-line values go after the IFD
		var ext []byte
		for _, t := range entries {
			var val []byte
			count, typ := len(t.vals), t.typ
			switch t.typ {
			case ratPairs:
				for i := 0; i+1 < len(t.vals); i += 2 {
					val = bo.AppendUint32(bo.AppendUint32(val, uint32(t.vals[i])), uint32(t.vals[i+1]))
				}
				count, typ = len(t.vals)/2, 5
			case 2:
				val = append([]byte(t.ascii), 0)
				count = len(val)
			default:
				for _, v := range t.vals {
					switch t.typ {
					case 1:
						val = append(val, byte(v))
					case 3:
						val = bo.AppendUint16(val, uint16(v))
					case 4:
						val = bo.AppendUint32(val, uint32(v))
					case 5:
						val = bo.AppendUint32(bo.AppendUint32(val, uint32(v)), 1)
					case 16:
						val = bo.AppendUint64(val, v)
					}
				}
			}
			put16(t.id)
			put16(typ)
			putOff(uint64(count))
			if len(val) <= inline {
				b = append(b, val...)
				b = append(b, make([]byte, inline-len(val))...)
			} else {
				putOff(uint64(extra + len(ext)))
				ext = append(ext, val...)
				if len(ext)%2 == 1 {
					ext = append(ext, 0)
				}
			}
		}
		nextField = len(b)
		putOff(0)
		b = append(b, ext...)
	}
	if o.loopTo != 0 && len(ifds) > 0 {
		patch(nextField, uint64(ifds[o.loopTo-1]))
	}
	return b
}

// frameValue is the sample (t, y, x) of the test stacks.
func frameValue(t, y, x int) uint16 { return uint16(t*100 + y*10 + x + 1) }

// stripsOf returns frame t of an h x w uint16 stack in strips of rps rows.
func stripsOf(bo order, t, h, w, rps int) [][]byte {
	if rps == 0 {
		rps = h
	}
	var out [][]byte
	for y0 := 0; y0 < h; y0 += rps {
		var s []byte
		for y := y0; y < min(h, y0+rps); y++ {
			for x := 0; x < w; x++ {
				s = bo.AppendUint16(s, frameValue(t, y, x))
			}
		}
		out = append(out, s)
	}
	return out
}

// grayPages returns n pages of an h x w uint16 stack.
func grayPages(bo order, n, h, w, rps int) []tpage {
	var ps []tpage
	for t := 0; t < n; t++ {
		ps = append(ps, tpage{w: w, h: h, bps: 16, sf: 1, rps: rps, strips: stripsOf(bo, t, h, w, rps)})
	}
	return ps
}
