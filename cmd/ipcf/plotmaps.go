package main

import (
	byteorder "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"

	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// maxJSON is the largest sidecar or Zarr metadata file that plot and fit
// read: an ipcf sidecar holds a few offsets and delays per point.
const maxJSON = 256 << 20

// Pictures of ipcf fit's parameter maps: ipcf plot MAPS.npy (or MAPS.zarr)
// [--param D] [--offset K]. A maps file is told from a pCF result by its
// metadata (MAPS.npy.json, or the Zarr group's .zattrs), which name the
// model and the parameters.

// mapsMeta is what a picture takes from the maps' metadata.
type mapsMeta struct {
	Model      string `json:"model"`
	Parameters []struct {
		Name        string `json:"name"`
		Unit        string `json:"unit"`
		Description string `json:"description"`
	} `json:"parameters"`
	Shape      []int `json:"shape"`
	OffsetAxis bool  `json:"offset_axis"`
	Offsets    []struct {
		U    int      `json:"u"`
		V    int      `json:"v"`
		Dist float64  `json:"distance_px"`
		Um   *float64 `json:"distance_um"`
	} `json:"offsets"`
	Units struct {
		PixelSize *float64 `json:"pixel_size_um"`
	} `json:"units"`
	Files  map[string]string `json:"files"`
	Origin []int             `json:"origin_px"`
	// The checksums of MAPS.npy (output_crc32c, output_bytes) and of its
	// companions: a picture is drawn only of the files they describe.
	OutputCRC   string                  `json:"output_crc32c"`
	OutputBytes *int64                  `json:"output_bytes"`
	Companions  map[string]fitCompanion `json:"companions"`
	FilesCRC    map[string]string       `json:"files_crc32c"` // a Zarr group's files (since 0.3.1)
}

// readMapsMeta reads the metadata of path when it is ipcf fit's maps: a
// .npy with its sidecar, or a Zarr group, whose metadata name the model
// and the parameters.
func readMapsMeta(path string) (*mapsMeta, bool) {
	m, ok, _ := readMapsMetaErr(path)
	return m, ok
}

// readMapsMetaErr is readMapsMeta with an error for metadata that are
// there but cannot be read (an I/O error: maps were called no maps, and
// drawn as a pCF result's curves or refused as a usage error: FAULT8's
// F7).
func readMapsMetaErr(path string) (*mapsMeta, bool, error) {
	side := npySidecar(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		side = filepath.Join(path, ".zattrs")
	}
	b, err := npy.ReadRegular(side, maxJSON)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w: the metadata of %s cannot be read", side, err, path)
	}
	var m mapsMeta
	if json.Unmarshal(b, &m) != nil || m.Model == "" || len(m.Parameters) == 0 {
		return nil, false, nil
	}
	for _, p := range m.Parameters {
		if p.Name == "" {
			return nil, false, nil
		}
	}
	return &m, true, nil
}

// mapsArrayOf returns the group of ipcf fit's Zarr maps (MAPS.zarr) when
// path is one of its array folders (MAPS.zarr/params, stderr, chisq,
// status), else "": fit called such an array a Zarr result, and plot a
// file whose metadata were not ipcf's.
func mapsArrayOf(path string) string {
	if st, err := os.Stat(filepath.Join(path, ".zarray")); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	group := filepath.Dir(filepath.Clean(path))
	if st, err := os.Stat(filepath.Join(group, ".zgroup")); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	m, ok := readMapsMeta(group)
	if !ok {
		return ""
	}
	// one of the arrays the maps' metadata record (a user's own Zarr
	// result written inside the group is none: a review)
	name := filepath.Base(filepath.Clean(path)) + "/"
	for f := range m.FilesCRC {
		if strings.HasPrefix(f, name) {
			return group
		}
	}
	return ""
}

// mapsCompanion returns the maps (MAPS.npy) whose metadata name the file
// at path as a companion (MAPS.stderr.npy, .chisq.npy, .status.npy) and
// what it holds, or "" when it is none: the standard errors have the
// maps' shape and would be drawn as a pCF result's curves.
func mapsCompanion(path string) (maps, what string) {
	for key, what := range map[string]string{"stderr": "standard errors", "chisq": "chi-square", "status": "fit status"} {
		suffix := "." + key + ".npy"
		if !strings.HasSuffix(path, suffix) {
			continue
		}
		cand := strings.TrimSuffix(path, suffix) + ".npy"
		if m, ok := readMapsMeta(cand); ok && m.Files[key] != "" { // (any recorded name: OUT15's F9b)
			return cand, what
		}
	}
	return "", ""
}

// errorsCompanion returns the result (OUT.npy) whose metadata record the
// file at path (OUT.sd.npy) as its error bars, or "" when none does: the
// error bars have the result's shape and were drawn as its curves, G(tau)
// against the delay, with exit status 0.
func errorsCompanion(path string) string {
	if !strings.HasSuffix(path, ".sd.npy") {
		return ""
	}
	res := strings.TrimSuffix(path, ".sd.npy") + ".npy"
	if e := sidecarErrorsRecord(res); e == nil || e.File == "" { // (any recorded name: the name rule, OUT15's F9)
		return ""
	}
	return res
}

// mapsData are the maps read for a picture, in C order: params (H, W, K,
// P), chisq and status (H, W, K), K = 1 without the offset axis; chisq and
// status nil when their files are missing.
type mapsData struct {
	h, w, k, p int
	params     []float64
	chisq      []float64
	status     []float64
}

// loadMaps reads the maps of path (MAPS.npy and its companions named in
// the metadata, or the Zarr group's arrays).
func loadMaps(path string, m *mapsMeta) (*mapsData, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// rec: the CRC-32C and size the metadata record for a .npy file
	// (crc "": none), checked on the bytes read.
	read := func(name, crc string, bytes *int64) ([]int, []float64, error) {
		if st.IsDir() {
			// Each file read is checked against the CRC-32C .zattrs
			// records: checkZarrFiles checked the files before, and
			// one replaced since would be read unchecked.
			return readZarrValues(filepath.Join(path, name), func(file string, b []byte) error {
				rel := name + "/" + file
				want, ok := m.FilesCRC[rel]
				switch {
				case !ok:
					return nil
				case b == nil:
					return fmt.Errorf("%s: listed in .zattrs (files_crc32c) but gone: compute the maps again", filepath.Join(path, filepath.FromSlash(rel)))
				case fmt.Sprintf("%08x", ooc.CRC(b)) != want:
					return fmt.Errorf("%s: its checksum is not the one .zattrs records (files_crc32c %s): changed or damaged since ipcf fit wrote it; compute the maps again", filepath.Join(path, filepath.FromSlash(rel)), want)
				}
				return nil
			})
		}
		return readNpyValues(name, func(f *npy.File) error {
			if crc == "" {
				return nil
			}
			return checkRecorded(f, name, npySidecar(path), crc, bytes)
		})
	}
	dir := ooc.Folder(path) // (the maps' folder as the kernel finds it: through link/.. too)
	companion := func(key, suffix string) string {
		if st.IsDir() {
			return key
		}
		// By the name rule (MAPS.KEY.npy), not the name recorded: maps
		// renamed with their companions read them, and a copy never reads
		// the original's (OUT15's F9b); the recorded checksum decides.
		return filepath.Join(dir, filepath.Base(strings.TrimSuffix(path, filepath.Ext(path))+suffix))
	}
	pname := "params"
	if st.IsDir() {
		if err := checkZarrFiles(path, m.FilesCRC); err != nil {
			return nil, err
		}
	}
	var pcrc string
	var pbytes *int64
	if !st.IsDir() {
		pname, pcrc, pbytes = path, m.OutputCRC, m.OutputBytes
	}
	shape, params, err := read(pname, pcrc, pbytes)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(shape, m.Shape) || (len(shape) != 3 && len(shape) != 4) || shape[len(shape)-1] != len(m.Parameters) {
		return nil, fmt.Errorf("%s: shape %v, but its metadata say %v with %d parameters: not these maps' metadata", path, shape, m.Shape, len(m.Parameters))
	}
	d := &mapsData{h: shape[0], w: shape[1], k: 1, p: shape[len(shape)-1], params: params}
	if len(shape) == 4 {
		d.k = shape[2]
	}
	for _, c := range []struct {
		key, suffix string
		dst         *[]float64
	}{{"chisq", ".chisq.npy", &d.chisq}, {"status", ".status.npy", &d.status}} {
		name := companion(c.key, c.suffix)
		var crc string
		var bytes *int64
		if r, ok := m.Companions[c.key]; ok && !st.IsDir() {
			crc, bytes = r.CRC, &r.Bytes
		}
		s, v, err := read(name, crc, bytes)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !slices.Equal(s, shape[:len(shape)-1]) {
			return nil, fmt.Errorf("%s: the %s map has shape %v, want %v", path, c.key, s, shape[:len(shape)-1])
		}
		*c.dst = v
	}
	return d, nil
}

// checkZarrFiles checks the files of fit's Zarr maps at path against the
// CRC-32C its .zattrs records of each (files_crc32c; none in maps of
// 0.3.0): a changed chunk or array metadata (its units, its dtype, its
// chunk layout) would draw other numbers.
func checkZarrFiles(path string, crcs map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(crcs)) {
		if name == "" || strings.HasPrefix(name, "/") || slices.Contains(strings.Split(name, "/"), "..") || strings.Contains(name, "\\") {
			return fmt.Errorf("%s: .zattrs lists %q (files_crc32c), not a file of the folder", path, name)
		}
		file := filepath.Join(path, filepath.FromSlash(name))
		ok, err := ooc.FileMatches(file, crcs[name], nil)
		if err != nil {
			return fmt.Errorf("%s: listed in .zattrs (files_crc32c) but not readable: %w; compute the maps again", file, err)
		}
		if !ok {
			return fmt.Errorf("%s: its checksum is not the one .zattrs records (files_crc32c %s): changed or damaged since ipcf fit wrote it; compute the maps again", file, crcs[name])
		}
	}
	return nil
}

// readNpyValues reads a .npy array's values in C order, after check
// (if not nil) passed on the file opened.
func readNpyValues(path string, check func(*npy.File) error) ([]int, []float64, error) {
	if testHookOpened != nil {
		testHookOpened(path) // (before: the maps' metadata were read before)
	}
	f, err := npy.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if check != nil {
		if err := check(f); err != nil {
			return nil, nil, err
		}
		if testHookChecked != nil {
			testHookChecked(path)
		}
	}
	vals := make([]float64, f.Len())
	err = source.Guard(path, func() error {
		idx := make([]int, f.NDim())
		for i := range vals {
			o := f.Offset
			for a, j := range idx {
				o += j * f.Strides[a]
			}
			vals[i] = f.Load(o)
			for a := len(idx) - 1; a >= 0; a-- {
				if idx[a]++; idx[a] < f.Shape[a] {
					break
				}
				idx[a] = 0
			}
		}
		return nil
	})
	if err == nil && check != nil {
		// The values copied are those checked only if the file still
		// passes (rewritten in place meanwhile, it may hold either's).
		if cerr := check(f); cerr != nil {
			err = fmt.Errorf("%w: %s changed while it was read: %w", source.ErrChanged, path, cerr)
		}
	}
	return f.Shape, vals, err
}

// readZarrValues reads an uncompressed Zarr v2 array (what ipcf writes:
// little-endian float32, float64 or uint8, C order) in C order.
func readZarrValues(dir string, check func(file string, b []byte) error) ([]int, []float64, error) {
	b, err := npy.ReadRegular(filepath.Join(dir, ".zarray"), maxJSON)
	if err != nil {
		return nil, nil, err
	}
	if err := check(".zarray", b); err != nil {
		return nil, nil, err
	}
	var z struct {
		Shape      []int           `json:"shape"`
		Chunks     []int           `json:"chunks"`
		DType      string          `json:"dtype"`
		Compressor json.RawMessage `json:"compressor"`
		Filters    json.RawMessage `json:"filters"`
		Order      string          `json:"order"`
		Fill       any             `json:"fill_value"`
		Sep        string          `json:"dimension_separator"`
		Format     int             `json:"zarr_format"`
	}
	if err := json.Unmarshal(b, &z); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	if z.Format != 2 {
		return nil, nil, fmt.Errorf("%s: zarr_format %d: plot reads Zarr v2, as ipcf writes it", dir, z.Format)
	}
	if z.Sep != "" && z.Sep != "." && z.Sep != "/" {
		return nil, nil, fmt.Errorf("%s: dimension_separator %q: want \".\" or \"/\"", dir, z.Sep)
	}
	size := map[string]int{"<f4": 4, "<f8": 8, "|u1": 1, "<u1": 1}[z.DType]
	switch {
	case size == 0:
		return nil, nil, fmt.Errorf("%s: dtype %q: plot reads <f4, <f8 and |u1", dir, z.DType)
	case len(z.Compressor) > 0 && string(z.Compressor) != "null", len(z.Filters) > 0 && string(z.Filters) != "null":
		return nil, nil, fmt.Errorf("%s: compressed or filtered: plot reads the uncompressed Zarr arrays ipcf writes", dir)
	case z.Order != "C" || len(z.Chunks) != len(z.Shape) || len(z.Shape) == 0:
		return nil, nil, fmt.Errorf("%s: order %q, chunks %v for shape %v: want C order", dir, z.Order, z.Chunks, z.Shape)
	}
	if z.Sep == "" {
		z.Sep = "."
	}
	// The values (8 bytes each) and a chunk must fit in memory: a shape
	// that lies would otherwise allocate terabytes.
	n, clenOK := int64(1), int64(size)
	for i, s := range z.Shape {
		if s < 0 || z.Chunks[i] < 1 {
			return nil, nil, fmt.Errorf("%s: shape %v, chunks %v", dir, z.Shape, z.Chunks)
		}
		if s > 0 && n > (1<<59)/int64(s) || clenOK > (1<<59)/int64(z.Chunks[i]) { // 8*n + clen fits int64
			return nil, nil, fmt.Errorf("%s: shape %v, chunks %v: too large", dir, z.Shape, z.Chunks)
		}
		n, clenOK = n*int64(s), clenOK*int64(z.Chunks[i])
	}
	if err := pcf.CheckMemory("the maps", 8*n+clenOK); err != nil {
		return nil, nil, fmt.Errorf("%s: shape %v: %w", dir, z.Shape, err)
	}
	fill := math.NaN()
	if f, ok := z.Fill.(float64); ok {
		fill = f
	}
	vals := make([]float64, n)
	nd := len(z.Shape)
	grid := make([]int, nd)
	clen := size
	for i := range grid {
		grid[i] = (z.Shape[i] + z.Chunks[i] - 1) / z.Chunks[i]
		clen *= z.Chunks[i]
	}
	if n == 0 {
		return z.Shape, vals, nil
	}
	cidx := make([]int, nd)
	for {
		key := make([]string, nd)
		for i, c := range cidx {
			key[i] = strconv.Itoa(c)
		}
		data, err := npy.ReadRegular(filepath.Join(dir, filepath.FromSlash(strings.Join(key, z.Sep))), int64(clen))
		if err == nil || errors.Is(err, os.ErrNotExist) {
			if err := check(strings.Join(key, z.Sep), data); err != nil {
				return nil, nil, err
			}
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
			data = nil
		case err != nil:
			return nil, nil, fmt.Errorf("%s: chunk %s: %w", dir, strings.Join(key, z.Sep), err)
		case len(data) != clen:
			return nil, nil, fmt.Errorf("%s: chunk %s of %d bytes, want %d", dir, strings.Join(key, z.Sep), len(data), clen)
		}
		in := make([]int, nd)
		for e := 0; e < clen/size; e++ {
			g, ok := 0, true
			for i := range in {
				x := cidx[i]*z.Chunks[i] + in[i]
				ok = ok && x < z.Shape[i]
				g = g*z.Shape[i] + x
			}
			if ok {
				v := fill
				switch {
				case data == nil:
				case size == 4:
					v = float64(math.Float32frombits(byteorder.LittleEndian.Uint32(data[4*e:])))
				case size == 8:
					v = math.Float64frombits(byteorder.LittleEndian.Uint64(data[8*e:]))
				default:
					v = float64(data[e])
				}
				vals[g] = v
			}
			for i := nd - 1; i >= 0; i-- {
				if in[i]++; in[i] < z.Chunks[i] {
					break
				}
				in[i] = 0
			}
		}
		i := nd - 1
		for ; i >= 0; i-- {
			if cidx[i]++; cidx[i] < grid[i] {
				break
			}
			cidx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return z.Shape, vals, nil
}

// mapsParamNames lists what --param takes: the parameters, chisq, status.
func mapsParamNames(m *mapsMeta) []string {
	var n []string
	for _, p := range m.Parameters {
		n = append(n, p.Name)
	}
	return append(n, "chisq", "status")
}

// prettyUnit writes a unit of the metadata for a picture: "um^2/s" as
// "µm²/s", "deg" as "°".
func prettyUnit(u string) string {
	if u == "deg" {
		return "°"
	}
	return strings.NewReplacer("um", "µm", "^2", "²").Replace(u)
}

// statusColours are the status categories' colours: converged, at a
// bound, out of iterations, failed (grey, as NaN values).
var statusColours = []color.Color{color.RGBA{44, 160, 44, 255}, color.RGBA{255, 160, 20, 255}, color.RGBA{148, 103, 189, 255}, nanColour}

// viridisColours are control points of matplotlib's viridis, a
// sequential colour map of increasing lightness.
var viridisColours = []color.Color{
	color.RGBA{68, 1, 84, 255}, color.RGBA{72, 40, 120, 255}, color.RGBA{62, 73, 137, 255}, color.RGBA{49, 104, 142, 255},
	color.RGBA{38, 130, 142, 255}, color.RGBA{31, 158, 137, 255}, color.RGBA{53, 183, 121, 255}, color.RGBA{110, 206, 88, 255},
	color.RGBA{181, 222, 43, 255}, color.RGBA{253, 231, 37, 255},
}

// listMap is a palette.ColorMap through control colours evenly spread
// over [lo, hi]: interpolated linearly, or categories (steps: value v
// takes colour floor(v - lo)).
type listMap struct {
	cols   []color.Color
	lo, hi float64
	alpha  float64
	steps  bool
}

func (m *listMap) At(v float64) (color.Color, error) {
	if math.IsNaN(v) {
		return nanColour, nil
	}
	f := 0.0
	if m.hi > m.lo {
		f = min(1, max(0, (v-m.lo)/(m.hi-m.lo)))
	}
	n := len(m.cols)
	if m.steps {
		return m.cols[min(n-1, int(f*float64(n)))], nil
	}
	x := f * float64(n-1)
	i := min(n-2, int(x))
	t := x - float64(i)
	a, b := color.RGBAModel.Convert(m.cols[i]).(color.RGBA), color.RGBAModel.Convert(m.cols[i+1]).(color.RGBA)
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-t) + float64(q)*t)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}, nil
}

func (m *listMap) Max() float64       { return m.hi }
func (m *listMap) SetMax(v float64)   { m.hi = v }
func (m *listMap) Min() float64       { return m.lo }
func (m *listMap) SetMin(v float64)   { m.lo = v }
func (m *listMap) Alpha() float64     { return 1 }
func (m *listMap) SetAlpha(a float64) { m.alpha = a }
func (m *listMap) Palette(n int) palette.Palette {
	p := make(listPalette, n)
	for i := range p {
		v := m.lo
		if n > 1 {
			v += (m.hi - m.lo) * float64(i) / float64(n-1)
		}
		p[i], _ = m.At(v)
	}
	return p
}

type listPalette []color.Color

func (p listPalette) Colors() []color.Color { return p }

// hueWheel is a cyclic colour map (equal hues at both ends), for angles.
func hueWheel() []color.Color {
	var c []color.Color
	for i := 0; i <= 12; i++ {
		h := float64(i) / 12
		c = append(c, palette.HSVA{H: h, S: 0.75, V: 0.9, A: 1})
	}
	return c
}

// quantile is the q-quantile of the sorted values s (nearest rank).
func quantile(s []float64, q float64) float64 {
	return s[min(len(s)-1, max(0, int(math.Round(q*float64(len(s)-1)))))]
}

// mapsScale is how a parameter is coloured.
type mapsScale int

const (
	scaleSequential mapsScale = iota // viridis over its 1st to 99th percentile
	scaleSigned                      // blue-white-red, symmetric about 0
	scaleCyclic                      // hue wheel over [-180, 180] degrees
	scaleStatus                      // the status categories
)

// mapsScaleOf chooses a parameter's colour scale: velocity components
// and the offset Ginf are signed, the flow angle cyclic, the rest
// (D, speeds, times, amplitudes, chi-square) sequential.
func mapsScaleOf(name string) mapsScale {
	switch name {
	case "vx", "vy", "Ginf":
		return scaleSigned
	case "angle":
		return scaleCyclic
	case "status":
		return scaleStatus
	}
	return scaleSequential
}

// plotMaps draws one map of ipcf fit's maps: a parameter (or chisq,
// status) at one offset, with its colour bar.
func plotMaps(path string, m *mapsMeta, param string, offset int, offsetGiven bool, out picture, w, h vg.Length) error {
	names := mapsParamNames(m)
	j := slices.Index(names, param)
	if j < 0 {
		for i, n := range names {
			if strings.EqualFold(n, param) {
				j = i
			}
		}
	}
	if j < 0 {
		return fitNeeds("--param %q: %s holds the maps of %s (or give chisq, status)", param, path, strings.Join(names[:len(names)-2], ", "))
	}
	name := names[j]
	if !m.OffsetAxis && offsetGiven && offset != 0 {
		return fitNeeds("--offset %d: the maps of %s have no offset axis (one fit per pixel)", offset, path)
	}
	if len(m.Shape) >= 2 && (m.Shape[0] == 0 || m.Shape[1] == 0) {
		return fmt.Errorf("%s: maps of %d x %d pixels: nothing to draw", path, m.Shape[0], m.Shape[1])
	}
	d, err := loadMaps(path, m)
	if err != nil {
		// Files of two fits while a live fit republishes them: read again
		// once it has renamed its set (FITPLOT16's F2; without a live
		// run's lock the error stands: a file changed while it was read).
		if _, found, live := job.LockHolder(path); !found || !live {
			return err
		}
		if err := waitLive(out.ctx, func() bool {
			_, found, live := job.LockHolder(path)
			return !found || !live
		}); err != nil {
			return err
		}
		m2, ok, merr := readMapsMetaErr(path)
		if merr != nil || !ok || !slices.Equal(mapsParamNames(m2), names) {
			return err
		}
		if d, err = loadMaps(path, m2); err != nil {
			return err
		}
		m = m2
	}
	if offset < 0 || offset >= d.k {
		return fitNeeds("--offset %d: the maps of %s have %d offset(s): want 0 to %d", offset, path, d.k, d.k-1)
	}
	img := mat.NewDense(d.h, d.w, nil)
	unit, desc := "", ""
	scale := mapsScaleOf(name)
	// Grey: failed fits, and values that are not finite (tauD = +Inf of a
	// fit at D = 0, on its bound); counted apart in the title.
	var failed, infinite, nan int
	for y := 0; y < d.h; y++ {
		for x := 0; x < d.w; x++ {
			f := (y*d.w+x)*d.k + offset
			var v float64
			switch name {
			case "status":
				if d.status == nil {
					return fmt.Errorf("%s: the status map is missing", path)
				}
				v = d.status[f]
			case "chisq":
				if d.chisq == nil {
					return fmt.Errorf("%s: the chi-square map is missing", path)
				}
				v = d.chisq[f]
			default:
				v = d.params[f*d.p+j]
			}
			switch {
			case name != "status" && d.status != nil && d.status[f] == 3:
				v = math.NaN() // a failed fit: grey
				failed++
			case math.IsInf(v, 0):
				v = math.NaN()
				infinite++
			case math.IsNaN(v):
				nan++
			}
			img.Set(y, x, v)
		}
	}
	switch {
	case name == "chisq":
		desc = "chi-square"
	case name == "status":
	default:
		unit, desc = m.Parameters[j].Unit, shortDescription(m.Parameters[j].Description)
	}
	label := name
	if unit != "" && unit != "1" {
		label += " (" + prettyUnit(unit) + ")"
	}
	var finite []float64
	for _, v := range img.RawMatrix().Data {
		if !math.IsNaN(v) {
			finite = append(finite, v)
		}
	}
	slices.Sort(finite)
	var cm palette.ColorMap
	var bar *plot.Plot
	barW := vg.Length(0)
	switch scale {
	case scaleStatus:
		cm = &listMap{cols: statusColours, lo: -0.5, hi: 3.5, steps: true}
		bar = statusBar(cm, finite)
		barW = 48 * vg.Millimeter
	case scaleSigned:
		a := 1.0
		if len(finite) > 0 {
			abs := make([]float64, len(finite))
			for i, v := range finite {
				abs[i] = math.Abs(v)
			}
			slices.Sort(abs)
			if q := quantile(abs, 0.99); q > 0 {
				a = q
			}
		}
		cm = diverging(-a, a)
	case scaleCyclic:
		cm = &listMap{cols: hueWheel(), lo: -180, hi: 180}
	default:
		lo, hi := finiteRange(img)
		if len(finite) > 0 {
			if l, u := quantile(finite, 0.01), quantile(finite, 0.99); u > l {
				lo, hi = l, u
			}
		}
		cm = &listMap{cols: viridisColours, lo: lo, hi: hi}
	}
	if bar == nil {
		bar = colourBar(cm, label)
	}
	ps := 0.0
	if m.Units.PixelSize != nil && *m.Units.PixelSize > 0 && !math.IsInf(*m.Units.PixelSize, 0) {
		ps = *m.Units.PixelSize
	}
	rm := resultMeta{pixelSize: ps}
	if len(m.Origin) == 2 {
		rm.origin = [2]int{max(0, m.Origin[0]), max(0, m.Origin[1])}
	}
	ext, xl, yl := rm.spatial(d.h, d.w)
	if ps == 0 {
		xl, yl = "column (pixel)", "row (pixel)"
	}
	p := plot.New()
	title := fmt.Sprintf("%s fit: %s", m.Model, name)
	if desc != "" {
		title += ", " + desc
	}
	switch {
	case m.OffsetAxis && offset < len(m.Offsets):
		o := m.Offsets[offset]
		title += fmt.Sprintf("\noffset %d of %d: (u, v) = (%d, %d)", offset, d.k, o.U, o.V)
		if o.Um != nil {
			title += ", " + formatLength(*o.Um)
		} else {
			title += fmt.Sprintf(", %.3g px", o.Dist)
		}
	case m.OffsetAxis:
		title += fmt.Sprintf("\noffset %d of %d", offset, d.k)
	}
	var grey []string
	for _, g := range []struct {
		n    int
		what string
	}{{failed, "failed fit(s)"}, {infinite, "infinite"}, {nan, "not a number"}} {
		if g.n > 0 {
			grey = append(grey, fmt.Sprintf("%d %s", g.n, g.what))
		}
	}
	if len(grey) > 0 {
		title += "\ngrey: " + strings.Join(grey, ", ")
	}
	out.meta = map[string]any{"grey_pixels": map[string]int{"failed": failed, "infinite": infinite, "not_a_number": nan}}
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xl, yl
	addRaster(p, img, ext, cm)
	return savePanels(out, w, h, panel{p: p, aspect: ext.aspect(), bar: bar, barW: barW})
}

// statusBar is the status map's legend: a colour bar of the four
// categories, each labelled with its name and count.
func statusBar(cm palette.ColorMap, vals []float64) *plot.Plot {
	var counts [4]int
	for _, v := range vals {
		if i := int(v); i >= 0 && i < 4 && float64(i) == v {
			counts[i]++
		}
	}
	p := plot.New()
	cats := mat.NewDense(4, 1, []float64{0, 1, 2, 3})
	addRaster(p, cats, extent{0, 1, -0.5, 3.5}, cm)
	p.HideX()
	p.Y.Tick.Marker = statusTicks(counts)
	p.Y.Label.Text = "fit status"
	return p
}

// statusTicks label the status bar's rows (row i at -i).
type statusTicks [4]int

func (s statusTicks) Ticks(_, _ float64) []plot.Tick {
	names := []string{"converged", "at a bound", "max iterations", "failed"}
	var t []plot.Tick
	for i, n := range names {
		t = append(t, plot.Tick{Value: -float64(i), Label: fmt.Sprintf("%s: %d", n, s[i])})
	}
	return t
}

// shortDescription is the first words of a parameter's description, for
// a title: "flow direction, degrees from ..." is "flow direction", and
// "amplitude G(0) (1/N ...)" is "amplitude G(0)" (it was "amplitude G":
// FIT13's M5).
func shortDescription(desc string) string {
	if i := strings.IndexAny(desc, ",;"); i > 0 {
		desc = strings.TrimSpace(desc[:i])
	}
	if i := strings.Index(desc, " ("); i > 0 {
		desc = desc[:i]
	}
	return desc
}
