package main

import (
	"bufio"
	byteorder "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
)

// The parameter maps of ipcf fit in Zarr and ImageJ TIFF: -o MAPS.zarr
// writes a Zarr v2 group (arrays params, stderr, chisq, status with
// xarray's _ARRAY_DIMENSIONS), -o MAPS.tif an ImageJ stack with one slice
// per parameter, then their standard errors, chi-square and status.
// MAPS.npy (fit.go) writes the four .npy files and MAPS.npy.json.

// fitFormatOf is the maps' format that -o's extension chooses: "npy",
// "zarr", "tif", or "" for any other (OME-Zarr and OME-TIFF included).
func fitFormatOf(out string) string {
	l := strings.ToLower(strings.TrimRight(out, "/"))
	switch {
	case strings.HasSuffix(l, ".ome.zarr"), strings.HasSuffix(l, ".ome.tif"), strings.HasSuffix(l, ".ome.tiff"):
		return ""
	case strings.HasSuffix(l, ".npy"):
		return "npy"
	case strings.HasSuffix(l, ".zarr"):
		return "zarr"
	case strings.HasSuffix(l, ".tif"), strings.HasSuffix(l, ".tiff"):
		return "tif"
	}
	return ""
}

// fitStatusMeanings are the status codes' names, CF's flag_meanings.
var fitStatusMeanings = []string{"converged", "at_bound", "max_iterations", "failed"}

// fitMapsData is what fit writes: the maps as native-endian bytes, their
// shapes, and the metadata of MAPS.npy.json.
type fitMapsData struct {
	meta          map[string]any
	cols          []fit.Column
	shape, sshape []int // (H, W[, K], P) and (H, W[, K])
	params, ses   []byte
	chisq, status []byte
	offsets       []fitOffset // the offsets of the K axis (perOffset), else nil
	pixelSize     float64     // micrometres, 0: unknown
	perOffset     bool
}

// checkFitTarget refuses, before anything is fitted, an output that fit
// must not replace or cannot write: an existing MAPS.zarr that is not an
// ipcf Zarr (a folder without .zattrs naming ipcf), and a TIFF beyond
// 4 GiB.
func checkFitTarget(out string, h, w, k, np int) error {
	switch fitFormatOf(out) {
	case "zarr":
		st, err := os.Lstat(out)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fitZarrReplaceable(out, st); err != nil {
			return err
		}
	case "tif":
		// (An existing MAPS.tif is checked as every plain output is:
		// plainCheck, by the fit command.)
		pages := int64(k) * int64(2*np+2)
		if n := 8 + pages*(int64(h)*int64(w)*4+256) + 1<<20; n > ooc.MaxTIFFBytes {
			return fitNeeds("the output %s would take %d MiB: a TIFF holds at most 4 GiB (write MAPS.npy or MAPS.zarr)", out, n>>20)
		}
	}
	return nil
}

// removeStaleZarrs removes the folders a fit into the Zarr out that was
// killed left beside it (".ipcf-OUT-DIGITS.tmp", the new maps being
// written, and ".ipcf-OUT-DIGITS.old", the earlier maps set aside). The
// caller holds out's lock, so no other run writes them.
func removeStaleZarrs(out string) {
	dir := ooc.Folder(out)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() || !leftoverOf(n, strings.TrimRight(out, "/"), ".tmp", ".old") {
			continue // another output's, or not one of ours
		}
		if strings.HasSuffix(n, ".old") {
			ooc.RemoveOldZarr(filepath.Join(dir, n)) // kept if it holds a user's file
			continue
		}
		os.RemoveAll(filepath.Join(dir, n))
	}
}

// fitLeftoverInput refuses an input that is, or lies inside, a file or
// folder named as those a fit to one of outs leaves beside it
// (leftoverOf): removeKept and removeStaleZarrs remove them, and the input
// was gone after an exit 0 (a review's finding).
func fitLeftoverInput(outs, inputs []string) error {
	for _, in := range inputs {
		if _, err := os.Stat(in); err != nil {
			continue
		}
		abs, err := filepath.Abs(in)
		if err != nil {
			continue
		}
		for a := abs; a != filepath.Dir(a); a = filepath.Dir(a) {
			for _, o := range outs {
				if !leftoverOf(filepath.Base(a), strings.TrimRight(o, "/"), ".old", ".tmp") {
					continue
				}
				d1, err1 := os.Stat(filepath.Dir(a))
				d2, err2 := os.Stat(ooc.Folder(o))
				if err1 == nil && err2 == nil && os.SameFile(d1, d2) {
					return fmt.Errorf("fit: %w: the input %s is named as what a fit to %s leaves beside it (%s), which a run removes: move it away or choose another output name",
						errTarget, in, o, filepath.Base(a))
				}
			}
		}
	}
	return nil
}

// leftoverOf reports whether the file name n is one that a fit to out
// leaves beside it while it writes, ".ipcf-OUT-DIGITS" and one of the
// suffixes (removeStaleZarrs, removeKept).
// keptDigits is the digits of the kept file n of out
// (.ipcf-OUT-DIGITS.old), which its set's other kept files share.
func keptDigits(n, out string) string {
	rest, _ := strings.CutPrefix(n, ".ipcf-"+filepath.Base(out)+"-")
	return strings.TrimSuffix(rest, ".old")
}

func leftoverOf(n, out string, suffixes ...string) bool {
	rest, ok := strings.CutPrefix(n, ".ipcf-"+filepath.Base(out)+"-")
	if !ok {
		return false
	}
	for _, s := range suffixes {
		if digits, ok := strings.CutSuffix(rest, s); ok {
			return digits != "" && strings.Trim(digits, "0123456789") == ""
		}
	}
	return false
}

// syncFolder flushes a folder's entries to disk.
func syncFolder(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// zarrChunkBytes bounds a chunk of the maps' Zarr arrays: chunks are
// blocks of whole rows (every column, offset and parameter), as many rows
// as fit in it (at least one).
var zarrChunkBytes = 8 << 20 // a variable for the tests

// zarrArray is one array of the maps' Zarr group.
type zarrArray struct {
	name  string
	dims  []string
	shape []int
	dtype string // "<f4" or "|u1"
	fill  any    // .zarray's fill_value
	data  []byte // native-endian elements in C order
	attrs map[string]any
}

// writeMapsZarr writes the maps as a Zarr v2 group at out: into a hidden
// temporary folder beside it (every file synced), renamed to out when
// complete; an earlier ipcf Zarr at out is moved aside first and removed
// after.
func writeMapsZarr(out string, d *fitMapsData) error {
	out = strings.TrimRight(out, "/")
	dims := []string{"y", "x"}
	if d.perOffset {
		dims = append(dims, "offset")
	}
	names, units := fitNames(d.cols), make([]string, len(d.cols))
	for i, c := range d.cols {
		units[i] = c.Unit
	}
	model := d.meta["model"]
	arrays := []zarrArray{
		{name: "params", dims: append(append([]string(nil), dims...), "param"), shape: d.shape, dtype: "<f4", fill: "NaN", data: d.params,
			attrs: map[string]any{"long_name": "fitted and derived parameters", "parameters": names, "units": units, "model": model}},
		{name: "stderr", dims: append(append([]string(nil), dims...), "param"), shape: d.shape, dtype: "<f4", fill: "NaN", data: d.ses,
			attrs: map[string]any{"long_name": "standard errors of the parameters", "parameters": names, "units": units, "model": model}},
		{name: "chisq", dims: dims, shape: d.sshape, dtype: "<f4", fill: "NaN", data: d.chisq,
			attrs: map[string]any{"long_name": "chi-square of each fit", "description": d.meta["chisq"], "model": model}},
		{name: "status", dims: dims, shape: d.sshape, dtype: "|u1", fill: nil, data: d.status,
			attrs: map[string]any{"long_name": "status of each fit", "flag_values": []int{0, 1, 2, 3},
				"flag_meanings": strings.Join(fitStatusMeanings, " "), "model": model}},
	}
	meta := make(map[string]any, len(d.meta)+2)
	for k, v := range d.meta {
		meta[k] = v
	}
	meta["format"] = "zarr"
	meta["files"] = map[string]string{"params": "params", "stderr": "stderr", "chisq": "chisq", "status": "status"}
	meta["arrays_dimensions"] = map[string][]string{"params": arrays[0].dims, "stderr": arrays[1].dims, "chisq": dims, "status": dims}

	dir := ooc.Folder(out)
	removeStaleZarrs(out)
	tmp, err := os.MkdirTemp(dir, ".ipcf-"+filepath.Base(out)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, npy.CreateMode(0o777)); err != nil { // MkdirTemp makes 0700 folders
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	// The CRC-32C of every file but the group's .zattrs, which records
	// them (files_crc32c) and is written last, sealed: plot checks them.
	crcs := map[string]string{}
	put := func(path string, b []byte) error {
		if rel, err := filepath.Rel(tmp, path); err == nil {
			crcs[filepath.ToSlash(rel)] = fmt.Sprintf("%08x", ooc.CRC(b))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	putJSON := func(path string, v any) error {
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			return err
		}
		return put(path, append(ooc.ASCII(b), '\n'))
	}
	rowBytes := 4
	for _, n := range d.shape[1:] {
		rowBytes *= n
	}
	cy := max(1, min(d.shape[0], zarrChunkBytes/max(1, rowBytes)))
	err = func() error {
		if err := putJSON(filepath.Join(tmp, ".zgroup"), map[string]any{"zarr_format": 2}); err != nil {
			return err
		}
		for _, a := range arrays {
			if err := writeZarrArray(filepath.Join(tmp, a.name), a, cy, put, putJSON); err != nil {
				return err
			}
		}
		meta["files_crc32c"] = crcs
		sealed, err := ooc.Seal(meta)
		if err != nil {
			return err
		}
		if err := put(filepath.Join(tmp, ".zattrs"), sealed); err != nil {
			return err
		}
		return syncFolder(tmp)
	}()
	if err != nil {
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	// Publish: the new maps in place of earlier ones, which are removed.
	old := strings.TrimSuffix(tmp, ".tmp") + ".old"
	st, err := os.Lstat(out)
	switch {
	case err == nil:
		if err := fitZarrReplaceable(out, st); err != nil {
			var fn fitNeedsError
			if errors.As(err, &fn) {
				// Put there during the fit: a refused output, not a usage
				// mistake (exit status 1).
				return fmt.Errorf("fit: %w: %s", errTarget, fn.msg)
			}
			return err
		}
		// In one step where the system can: a kill leaves the earlier
		// maps or the new ones at out, and the other in a folder that the
		// next run removes (removeStaleZarrs).
		if err := ooc.ReplaceDir(tmp, out, old); err != nil {
			return fmt.Errorf("fit: writing %s: %w", out, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("fit: writing %s: %w", out, err)
		}
	default:
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	published = true
	if err := syncFolder(dir); err != nil {
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	if err := ooc.RemoveOldZarr(old); err != nil {
		return fmt.Errorf("fit: the maps are published at %s; the earlier ones, set aside at %s, could not be removed: %w", out, old, err)
	}
	// The earlier maps, where setting them aside failed after the swap
	// (ReplaceDir: best effort), are still at tmp: removed now, not left
	// for another fit to find (FAULT11's M1).
	if _, err := os.Lstat(tmp); err == nil {
		if err := ooc.RemoveOldZarr(tmp); err != nil {
			return fmt.Errorf("fit: the maps are published; the earlier %s, left at %s, could not be removed: %w", out, tmp, err)
		}
	}
	return nil
}

// writeZarrArray writes one array into the folder p: .zarray, .zattrs
// and its chunks of cy rows (the last one padded), little-endian,
// uncompressed.
func writeZarrArray(p string, a zarrArray, cy int, put func(string, []byte) error, putJSON func(string, any) error) error {
	if err := os.Mkdir(p, 0o755); err != nil {
		return err
	}
	size := 4
	if a.dtype == "|u1" {
		size = 1
	}
	chunks := append([]int{cy}, a.shape[1:]...)
	if err := putJSON(filepath.Join(p, ".zarray"), map[string]any{
		"zarr_format": 2, "shape": a.shape, "chunks": chunks, "dtype": a.dtype, "compressor": nil,
		"fill_value": a.fill, "order": "C", "filters": nil, "dimension_separator": ".",
	}); err != nil {
		return err
	}
	attrs := map[string]any{"_ARRAY_DIMENSIONS": a.dims}
	for k, v := range a.attrs {
		attrs[k] = v
	}
	if err := putJSON(filepath.Join(p, ".zattrs"), attrs); err != nil {
		return err
	}
	row := size
	for _, n := range a.shape[1:] {
		row *= n
	}
	suffix := strings.Repeat(".0", len(a.shape)-1)
	for c := 0; c*cy < a.shape[0]; c++ {
		buf := make([]byte, cy*row)
		src := a.data[c*cy*row : min(len(a.data), (c+1)*cy*row)]
		if size == 4 {
			for i := 0; i < len(buf); i += 4 {
				v := uint32(0x7fc00000) // NaN: the padding rows
				if i < len(src) {
					v = byteorder.NativeEndian.Uint32(src[i:])
				}
				byteorder.LittleEndian.PutUint32(buf[i:], v)
			}
		} else {
			copy(buf, src)
			for i := len(src); i < len(buf); i++ {
				buf[i] = uint8(fit.Failed)
			}
		}
		if err := put(filepath.Join(p, strconv.Itoa(c)+suffix), buf); err != nil {
			return err
		}
	}
	return syncFolder(p)
}

// fitUnitLabel is a parameter's label with its unit: "D (um^2/s)", "G0".
func fitUnitLabel(name, unit string) string {
	if unit == "" || unit == "1" {
		return name
	}
	return name + " (" + unit + ")"
}

// writeMapsTIFF writes the maps as an ImageJ stack (a little-endian
// classic TIFF of float32 pages, written atomically): one slice per
// parameter, then one per standard error, the chi-square and the status
// (its codes as numbers); with an offset axis the offsets are the
// channels (tifffile: axes ZCYX; page s * offsets + k). The slices'
// labels name the parameter and its unit ("D (um^2/s)", "D stderr
// (um^2/s)") and the offset; the pixel size calibrates the pages
// (micron); the Info property holds the metadata of MAPS.npy.json.
func writeMapsTIFF(out string, d *fitMapsData) error {
	H, W := d.shape[0], d.shape[1]
	C, P := 1, len(d.cols)
	if d.perOffset {
		C = d.shape[2]
	}
	var labels []string
	for _, c := range d.cols {
		labels = append(labels, fitUnitLabel(c.Name, c.Unit))
	}
	for _, c := range d.cols {
		labels = append(labels, fitUnitLabel(c.Name+" stderr", c.Unit))
	}
	labels = append(labels, "chisq", "status (0 converged, 1 at bound, 2 max iterations, 3 failed)")
	S := len(labels)
	ne := byteorder.NativeEndian
	// value returns slice s at pixel i (y * W + x) and channel c.
	value := func(s, i, c int) float32 {
		f := i*C + c
		switch {
		case s < P:
			return math.Float32frombits(ne.Uint32(d.params[4*(f*P+s):]))
		case s < 2*P:
			return math.Float32frombits(ne.Uint32(d.ses[4*(f*P+s-P):]))
		case s == 2*P:
			return math.Float32frombits(ne.Uint32(d.chisq[4*f:]))
		}
		return float32(d.status[f])
	}
	var pageLabels []string
	for s := 0; s < S; s++ {
		for c := 0; c < C; c++ {
			l := labels[s]
			if d.perOffset {
				o := d.offsets[c]
				l += fmt.Sprintf("; offset %d: (u, v) = (%d, %d)", c, o.U, o.V)
			}
			pageLabels = append(pageLabels, l)
		}
	}
	meta := make(map[string]any, len(d.meta)+3)
	for k, v := range d.meta {
		meta[k] = v
	}
	base := filepath.Base(out)
	meta["format"] = "tif"
	meta["files"] = map[string]string{"params": base, "stderr": base, "chisq": base, "status": base}
	if d.perOffset {
		meta["stored_axes"] = []string{"slice", "offset", "y", "x"}
	} else {
		meta["stored_axes"] = []string{"slice", "y", "x"}
	}
	meta["slices"] = labels
	info, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return err
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "ImageJ=1.53t\nimages=%d\n", S*C)
	if C > 1 {
		fmt.Fprintf(&desc, "channels=%d\n", C)
	}
	if S > 1 {
		fmt.Fprintf(&desc, "slices=%d\n", S)
	}
	if C > 1 {
		desc.WriteString("hyperstack=true\nmode=grayscale\n")
	}
	if d.pixelSize > 0 {
		desc.WriteString("unit=micron\n")
	}
	desc.WriteString("loop=false\n")
	tw := imageJStack{w: W, h: H, pages: S * C, desc: desc.String(), labels: pageLabels,
		info: "ipcf parameter maps\n" + string(info) + "\n", pixelSize: d.pixelSize}
	ifds := tw.ifds()
	if tw.dataEnd()+int64(len(ifds)) > ooc.MaxTIFFBytes {
		return fitNeeds("the output %s would take %d MiB: a TIFF holds at most 4 GiB (write MAPS.npy or MAPS.zarr)", out, (tw.dataEnd()+int64(len(ifds)))>>20)
	}
	fill := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		le := byteorder.LittleEndian
		hdr := []byte{'I', 'I', 42, 0}
		bw.Write(le.AppendUint32(hdr, uint32(tw.dataEnd())))
		var b [4]byte
		for s := 0; s < S; s++ {
			for c := 0; c < C; c++ {
				for i := 0; i < H*W; i++ {
					le.PutUint32(b[:], math.Float32bits(value(s, i, c)))
					bw.Write(b[:])
				}
			}
		}
		bw.Write(ifds)
		return bw.Flush()
	}
	// Published as every plain output is (writeOwned): with MAPS.tif.json
	// naming the file's size and CRC-32C, so that an edited MAPS.tif is a
	// user's file (its ImageJ Info holds the metadata too, for ImageJ).
	h := crc32.New(castagnoli)
	cw := &countingWriter{w: h}
	if err := fill(cw); err != nil {
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	return writeOwned("fit", out, h.Sum32(), cw.n, func(before func() error) error {
		return npy.WriteAtomicThen(out, fill, before)
	}, d.meta)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// imageJStack lays out an ImageJ TIFF of float32 pages of w x h pixels,
// stored one after the other after the 8-byte header, the IFDs after them.
type imageJStack struct {
	w, h, pages int
	desc        string   // ImageJ's header (ImageDescription)
	labels      []string // one per page
	info        string   // the Info property
	pixelSize   float64  // micrometres, 0: uncalibrated
}

func (t imageJStack) plane() int64   { return int64(t.w) * int64(t.h) * 4 }
func (t imageJStack) dataEnd() int64 { return 8 + int64(t.pages)*t.plane() }

// ifds are the IFDs of every page and their values, written after the
// pages: the first IFD holds the ImageJ header, the resolution and the
// ImageJ metadata (Info, labels); the others point at the same resolution.
func (t imageJStack) ifds() []byte {
	le := byteorder.LittleEndian
	const (
		byteType = 1
		ascii    = 2
		short    = 3
		long     = 4
		rat      = 5
	)
	type entry struct {
		tag, typ     uint16
		count, value uint32
	}
	desc := append([]byte(t.desc), 0)
	var res []byte
	if t.pixelSize > 0 {
		num, den := ooc.Rational(1 / t.pixelSize)
		res = le.AppendUint32(le.AppendUint32(nil, num), den)
		res = append(res, res...)
	}
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range utf16.Encode([]rune(s)) {
			b = le.AppendUint16(b, r)
		}
		return b
	}
	hdr := le.AppendUint32(nil, 0x494a494a)                                  // "IJIJ"
	hdr = le.AppendUint32(le.AppendUint32(hdr, 0x696e666f), 1)               // info
	hdr = le.AppendUint32(le.AppendUint32(hdr, 0x6c61626c), uint32(t.pages)) // labl
	counts := []uint32{uint32(len(hdr))}
	ij := hdr
	for _, e := range append([]string{t.info}, t.labels...) {
		b := utf16le(e)
		counts = append(counts, uint32(len(b)))
		ij = append(ij, b...)
	}
	var descOff, resOff, cntOff, ijOff uint32
	entries := func(page int, first bool) []entry {
		e := []entry{{254, long, 1, 0}, {256, long, 1, uint32(t.w)}, {257, long, 1, uint32(t.h)},
			{258, short, 1, 32}, {259, short, 1, 1}, {262, short, 1, 1}}
		if first {
			e = append(e, entry{270, ascii, uint32(len(desc)), descOff})
		}
		e = append(e, entry{273, long, 1, uint32(8 + int64(page)*t.plane())}, entry{277, short, 1, 1},
			entry{278, long, 1, uint32(t.h)}, entry{279, long, 1, uint32(t.plane())})
		if res != nil {
			e = append(e, entry{282, rat, 1, resOff}, entry{283, rat, 1, resOff + 8}, entry{296, short, 1, 1})
		}
		e = append(e, entry{339, short, 1, 3})
		if first {
			e = append(e, entry{50838, long, uint32(len(counts)), cntOff}, entry{50839, byteType, uint32(len(ij)), ijOff})
		}
		return e
	}
	even := func(n int) uint32 { return uint32(n + n%2) }
	base := uint32(t.dataEnd())
	off := base + uint32(2+len(entries(0, true))*12+4)
	descOff = off
	off += even(len(desc))
	resOff = off
	off += uint32(len(res))
	cntOff = off
	off += uint32(4 * len(counts))
	ijOff = off
	off += even(len(ij))
	firstN := off
	ifdN := uint32(2 + len(entries(1, false))*12 + 4)
	var out []byte
	ifd := func(page int, first bool) {
		e := entries(page, first)
		out = le.AppendUint16(out, uint16(len(e)))
		for _, x := range e {
			out = le.AppendUint16(out, x.tag)
			out = le.AppendUint16(out, x.typ)
			out = le.AppendUint32(out, x.count)
			out = le.AppendUint32(out, x.value) // a SHORT sits in the low bytes, little-endian
		}
		next := uint32(0)
		if page < t.pages-1 {
			next = firstN + uint32(page)*ifdN
		}
		out = le.AppendUint32(out, next)
	}
	pad := func(b []byte) {
		out = append(out, b...)
		if len(b)%2 == 1 {
			out = append(out, 0)
		}
	}
	ifd(0, true)
	pad(desc)
	out = append(out, res...)
	for _, c := range counts {
		out = le.AppendUint32(out, c)
	}
	pad(ij)
	for p := 1; p < t.pages; p++ {
		ifd(p, false)
	}
	return out
}

// fitZarrReplaceable refuses an existing output MAPS.zarr (st: its Lstat)
// that is not the maps of an ipcf fit holding only what ipcf wrote: a
// folder that is no ipcf Zarr (exit status 2, as a wrong name is), or
// another command's output or one holding a user's files (exit status 1,
// as every command's output it will not replace).
func fitZarrReplaceable(out string, st os.FileInfo) error {
	c, ok, rerr := ooc.ZarrCommandErr(out)
	switch {
	case st.IsDir() && rerr != nil:
		// Unreadable (a permission refused, an I/O error), not another
		// program's folder (REVIEW11's F3: "not an ipcf Zarr", exit 2).
		return fmt.Errorf("fit: %s exists and its .zattrs could not be read to check that it is the maps of an ipcf fit: %w; nothing was replaced", out, rerr)
	case !st.IsDir() || !ok:
		return fitNeeds("the output %s exists and is not an ipcf Zarr (no .zattrs naming ipcf): not replacing it", out)
	case c != "fit":
		what := "a pCF result"
		if c != "" && c != "pcf" {
			what = "the output of ipcf " + c
		}
		return fmt.Errorf("fit: %w: %s exists and is not the maps of an ipcf fit (it is %s): not replacing it; remove it or choose another name", errTarget, out, what)
	}
	if f := ooc.ZarrForeign(out); f != "" {
		return fmt.Errorf("fit: %w: %s holds %s, which ipcf did not write: not replacing the folder; move it out or choose another name", errTarget, out, f)
	}
	// Maps edited in place or damaged since: kept, as a pCF result's
	// (ZARR17's F1).
	if f, err := ooc.ZarrChanged(out); err != nil {
		return fmt.Errorf("fit: %s exists and its %s could not be read to check that it is the maps of an ipcf fit: %w; nothing was replaced", out, f, err)
	} else if f != "" {
		return fmt.Errorf("fit: %w: %s exists and is not the maps its .zattrs records: its %s was changed since ipcf wrote it (edited in place, or damaged): not replacing it; remove it or choose another name", errTarget, out, f)
	}
	return nil
}
