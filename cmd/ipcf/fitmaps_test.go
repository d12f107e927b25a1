package main

import (
	"bytes"
	byteorder "encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
)

// npyLEBytes returns the data of a C-order .npy file as little-endian bytes
// (the bytes after its header, converted from the native order).
func npyLEBytes(t *testing.T, path string) ([]int, []byte) {
	t.Helper()
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	shape, size, n := append([]int(nil), f.Shape...), f.DType.Size(), f.Len()
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte(nil), b[len(b)-n*size:]...)
	if size == 4 {
		for i := 0; i < len(data); i += 4 {
			byteorder.LittleEndian.PutUint32(data[i:], byteorder.NativeEndian.Uint32(data[i:]))
		}
	}
	return shape, data
}

// zarrBytes reads an array of the maps' Zarr group on its own (not through
// the plot's reader): .zarray (uncompressed, C order, chunks of whole rows)
// and its chunks in order, the padding of the last one cut; it returns the
// shape, the bytes, the number of chunks and .zattrs.
func zarrBytes(t *testing.T, dir string) ([]int, []byte, int, map[string]any) {
	t.Helper()
	var z struct {
		Format     int    `json:"zarr_format"`
		Shape      []int  `json:"shape"`
		Chunks     []int  `json:"chunks"`
		DType      string `json:"dtype"`
		Compressor any    `json:"compressor"`
		Order      string `json:"order"`
		Sep        string `json:"dimension_separator"`
	}
	b, err := os.ReadFile(filepath.Join(dir, ".zarray"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &z); err != nil {
		t.Fatal(err)
	}
	if z.Format != 2 || z.Compressor != nil || z.Order != "C" || z.Sep != "." || len(z.Chunks) != len(z.Shape) {
		t.Fatalf("%s: .zarray %s", dir, b)
	}
	for i := 1; i < len(z.Shape); i++ {
		if z.Chunks[i] != z.Shape[i] {
			t.Fatalf("%s: chunks %v for shape %v: want whole rows", dir, z.Chunks, z.Shape)
		}
	}
	size := map[string]int{"<f4": 4, "|u1": 1}[z.DType]
	if size == 0 {
		t.Fatalf("%s: dtype %q", dir, z.DType)
	}
	row := size
	for _, n := range z.Shape[1:] {
		row *= n
	}
	var data []byte
	n := 0
	for c := 0; c*z.Chunks[0] < z.Shape[0]; c++ {
		name := filepath.Join(dir, strconv.Itoa(c)+strings.Repeat(".0", len(z.Shape)-1))
		ch, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch) != z.Chunks[0]*row {
			t.Fatalf("%s: %d bytes, want %d", name, len(ch), z.Chunks[0]*row)
		}
		data = append(data, ch...)
		n++
	}
	var attrs map[string]any
	b, err = os.ReadFile(filepath.Join(dir, ".zattrs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &attrs); err != nil {
		t.Fatal(err)
	}
	return z.Shape, data[:z.Shape[0]*row], n, attrs
}

func strs(v any) []string {
	var s []string
	for _, x := range v.([]any) {
		s = append(s, x.(string))
	}
	return s
}

// TestFitMapsZarr: ipcf fit -o MAPS.zarr writes a Zarr v2 group whose
// arrays params, stderr, chisq and status hold, bit for bit, what
// MAPS.npy and its companions hold (chunks of whole rows, the last one
// padded), with _ARRAY_DIMENSIONS (y, x[, offset], param), the parameters'
// names and units and the model; .zattrs holds the metadata of
// MAPS.npy.json. Python's zarr (and xarray, when installed) read it;
// tifffile reads MAPS.tif, one slice per parameter then the standard
// errors, chi-square and status, labelled and calibrated. A rerun replaces
// the group; a folder that is not an ipcf Zarr is not replaced.
func TestFitMapsZarr(t *testing.T) {
	if out, err := exec.Command(python, "-c", "import numpy, zarr, tifffile").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks numpy, zarr or tifffile (%v: %s): run make deps (python3-numpy, python3-zarr, python3-tifffile)", python, err, out)
	}
	defer func(n int) { zarrChunkBytes = n }(zarrChunkBytes)
	r := newFitRig(t)
	calib := r.pcf(t, "calib.npy", "--radius", "3", "--npoints", "8", "--pixel-size", "0.1", "--frame-interval", "0.002")
	acf := r.pcf(t, "acf.npy", "--offsets", "2,0;0,0;0,2")
	for _, c := range []struct {
		name, result string
		args         []string
		dims         []string
		chunk        int // zarrChunkBytes
		chunks       int // the params' chunks
	}{
		// 14 x 14 x 8 x 4 float32: rows of 1792 bytes, 3 a chunk: 5 chunks, the last padded.
		{"pcf1d per offset", calib, []string{"--waist-um", "0.2"}, []string{"y", "x", "offset", "param"}, 3 * 1792, 5},
		{"acf2d", acf, []string{"--model", "acf2d", "--flow", "--ginf"}, []string{"y", "x", "param"}, 8 << 20, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			zarrChunkBytes = c.chunk
			dir := t.TempDir()
			np, z, tif := filepath.Join(dir, "maps.npy"), filepath.Join(dir, "maps.zarr"), filepath.Join(dir, "maps.tif")
			for _, out := range []string{np, z, tif, z} { // the second .zarr replaces the first
				if code, msg := ipcf(t, append([]string{"fit", c.result, "-o", out, "--quiet"}, c.args...)...); code != 0 {
					t.Fatalf("fit -o %s: exit %d: %s", out, code, msg)
				}
			}
			var meta map[string]any
			b, _ := os.ReadFile(np + ".json")
			if err := json.Unmarshal(b, &meta); err != nil {
				t.Fatal(err)
			}
			var names, units []string
			for _, p := range meta["parameters"].([]any) {
				names = append(names, p.(map[string]any)["name"].(string))
				units = append(units, p.(map[string]any)["unit"].(string))
			}
			sdims := c.dims[:len(c.dims)-1]
			for _, a := range []struct {
				name, npy string
				dims      []string
			}{{"params", np, c.dims}, {"stderr", filepath.Join(dir, "maps.stderr.npy"), c.dims},
				{"chisq", filepath.Join(dir, "maps.chisq.npy"), sdims}, {"status", filepath.Join(dir, "maps.status.npy"), sdims}} {
				ws, wb := npyLEBytes(t, a.npy)
				gs, gb, n, attrs := zarrBytes(t, filepath.Join(z, a.name))
				if len(gs) != len(ws) || !bytes.Equal(gb, wb) {
					t.Errorf("%s: the Zarr array (shape %v) differs from %s (shape %v)", a.name, gs, filepath.Base(a.npy), ws)
				}
				if a.name == "params" && n != c.chunks {
					t.Errorf("params: %d chunks, want %d", n, c.chunks)
				}
				if d := strs(attrs["_ARRAY_DIMENSIONS"]); strings.Join(d, ",") != strings.Join(a.dims, ",") {
					t.Errorf("%s: _ARRAY_DIMENSIONS %v, want %v", a.name, d, a.dims)
				}
				if attrs["model"] != meta["model"] {
					t.Errorf("%s: model %v, want %v", a.name, attrs["model"], meta["model"])
				}
				if a.name == "params" || a.name == "stderr" {
					if strings.Join(strs(attrs["parameters"]), ",") != strings.Join(names, ",") || strings.Join(strs(attrs["units"]), ",") != strings.Join(units, ",") {
						t.Errorf("%s: parameters %v in %v, want %v in %v", a.name, attrs["parameters"], attrs["units"], names, units)
					}
				}
			}
			// The group's metadata: MAPS.npy.json's, the files naming the arrays.
			var group map[string]any
			b, _ = os.ReadFile(filepath.Join(z, ".zattrs"))
			if err := json.Unmarshal(b, &group); err != nil {
				t.Fatal(err)
			}
			for k, v := range meta {
				if k == "files" || k == "output_bytes" || k == "output_crc32c" || k == "companions" || k == ooc.SealKey { // MAPS.npy's own
					continue
				}
				if gv, _ := json.Marshal(group[k]); string(gv) != string(mustJSON(v)) {
					t.Errorf(".zattrs %s: %s, MAPS.npy.json %s", k, gv, mustJSON(v))
				}
			}
			if f := group["files"].(map[string]any); f["params"] != "params" || f["status"] != "status" || group["format"] != "zarr" || group["software"] != "ipcf" {
				t.Errorf(".zattrs: files %v, format %v, software %v", f, group["format"], group["software"])
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".ipcf-*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			script := `import sys, json, numpy, zarr, tifffile
npy, z, tif = sys.argv[1:4]
base = npy[:-4]
meta = json.load(open(npy + '.json'))
names = [p['name'] for p in meta['parameters']]
units = [p['unit'] for p in meta['parameters']]
g = zarr.open_group(z, mode='r')
for name, path in [('params', npy), ('stderr', base + '.stderr.npy'), ('chisq', base + '.chisq.npy'), ('status', base + '.status.npy')]:
    a, want = g[name][:], numpy.load(path)
    assert a.shape == want.shape and a.dtype == want.dtype, (name, a.shape, a.dtype, want.shape, want.dtype)
    assert a.tobytes() == want.tobytes(), name + ': values differ'
p = g['params']
assert p.attrs['parameters'] == names and p.attrs['units'] == units, (p.attrs['parameters'], p.attrs['units'])
assert p.attrs['_ARRAY_DIMENSIONS'][-1] == 'param' and g['status'].attrs['flag_values'] == [0, 1, 2, 3]
assert g.attrs['model'] == meta['model'] and g.attrs['parameters'] == meta['parameters']
print('zarr ok', p.shape, p.chunks)
try:
    import xarray
except ImportError:
    xarray = None
if xarray is not None:
    ds = xarray.open_zarr(z, consolidated=False)
    assert tuple(ds['params'].dims) == tuple(p.attrs['_ARRAY_DIMENSIONS']), ds
    assert ds['status'].dtype == numpy.uint8
    print('xarray ok', dict(ds.sizes))
want = numpy.load(npy)
se = numpy.load(base + '.stderr.npy')
with tifffile.TiffFile(tif) as f:
    assert f.is_imagej
    s = f.series[0]
    a = s.asarray()
    P = len(names)
    if want.ndim == 4:
        assert s.axes == 'ZCYX', s.axes
        stack = lambda m: m.transpose(3, 2, 0, 1)
        plane = lambda m: m.transpose(2, 0, 1)
    else:
        assert s.axes == 'ZYX', s.axes
        stack = lambda m: m.transpose(2, 0, 1)
        plane = lambda m: m
    assert a.shape[0] == 2 * P + 2, a.shape
    assert a.dtype == numpy.float32
    assert a[:P].tobytes() == stack(want).tobytes(), 'TIFF parameters differ'
    assert a[P:2 * P].tobytes() == stack(se).tobytes(), 'TIFF standard errors differ'
    assert a[2 * P].tobytes() == plane(numpy.load(base + '.chisq.npy')).tobytes(), 'TIFF chi-square differs'
    assert numpy.array_equal(a[2 * P + 1], plane(numpy.load(base + '.status.npy')).astype(numpy.float32)), 'TIFF status differs'
    ij = f.imagej_metadata
    labels = ij['Labels']
    per = len(labels) // (2 * P + 2)
    label = lambda n, u: n if u == '1' else '%s (%s)' % (n, u)
    for j in range(P):
        assert labels[j * per].startswith(label(names[j], units[j])), (labels[j * per], names[j], units[j])
        assert labels[(P + j) * per].startswith(label(names[j] + ' stderr', units[j])), labels[(P + j) * per]
    assert json.loads(ij['Info'].split('\n', 1)[1])['model'] == meta['model']
    ps = meta['units']['pixel_size_um']
    if ps:
        assert ij['unit'] == 'micron', ij
        num, den = f.pages[0].tags['XResolution'].value
        assert abs(den / num - ps) < 1e-9, (num, den)
    print('tifffile ok', s.axes, s.shape, labels[per])
`
			out, err := exec.Command(python, "-c", script, np, z, tif).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Log(strings.TrimSpace(string(out)))
		})
	}
	// A folder that is not an ipcf Zarr is not replaced (nothing fitted);
	// an OME-Zarr is refused.
	dir := t.TempDir()
	foreign := filepath.Join(dir, "data.zarr")
	os.Mkdir(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, ".zattrs"), []byte(`{"software": "other"}`), 0o644)
	if code, msg := ipcf(t, "fit", acf, "-o", foreign, "--model", "acf2d", "--quiet"); code != 2 || !strings.Contains(msg, "not an ipcf Zarr") {
		t.Errorf("fit over a foreign Zarr: exit %d: %s", code, firstLine(msg))
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, ".zattrs")); string(b) != `{"software": "other"}` {
		t.Errorf("the foreign Zarr changed: %s", b)
	}
	// A pCF result's Zarr is another command's output: exit status 1, as
	// over a pCF result's .npy (it was 2, a usage error), untouched.
	pz := r.pcf(t, "pcf.zarr", "--offsets", "2,0;0,0;0,2")
	before, _ := os.ReadFile(filepath.Join(pz, ".zattrs"))
	if code, msg := ipcf(t, "fit", acf, "-o", pz, "--model", "acf2d", "--quiet"); code != 1 || !strings.Contains(msg, "it is a pCF result") {
		t.Errorf("fit over a pCF Zarr: exit %d: %s", code, firstLine(msg))
	}
	if after, _ := os.ReadFile(filepath.Join(pz, ".zattrs")); !bytes.Equal(before, after) || len(before) == 0 {
		t.Errorf("the pCF Zarr changed")
	}
	if code, msg := ipcf(t, "fit", acf, "-o", filepath.Join(dir, "m.ome.zarr"), "--model", "acf2d"); code != 2 || !strings.Contains(msg, "want MAPS.npy, MAPS.zarr or MAPS.tif") {
		t.Errorf("fit -o m.ome.zarr: exit %d: %s", code, firstLine(msg))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".ipcf-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// decodePNG reads a picture.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// colourBarColumn finds the colour bar: a column of the right third whose
// longest run of coloured pixels (not white, not black) spans
// half the picture's height, and ok(bottom, top) of its ends' colours.
func colourBarColumn(img image.Image, ok func(bottom, top [3]int) bool) int {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	rgb := func(x, y int) [3]int {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	}
	for x := w * 2 / 3; x < w; x++ {
		run, best, end := 0, 0, 0
		for y := 0; y < h; y++ {
			c := rgb(x, y)
			white, black := c[0] > 245 && c[1] > 245 && c[2] > 245, c[0] < 60 && c[1] < 60 && c[2] < 60
			if !white && !black {
				run++
				if run > best {
					best, end = run, y
				}
			} else {
				run = 0
			}
		}
		if best >= h/2 && ok(rgb(x, end-2), rgb(x, end-best+3)) {
			return x
		}
	}
	return -1
}

// TestPlotMaps: ipcf plot draws ipcf fit's maps, told by their metadata:
// the default parameter D on a sequential scale (dark at the bottom of
// the colour bar, yellow at the top), the velocity components on a
// diverging one (blue to red), the status categories, failed fits grey;
// the picture has the asked size; MAPS.zarr draws the same picture as
// MAPS.npy; a bad --param exits 2 with the list of parameters, a bad
// --offset or pCF options with exit 2.
func TestPlotMaps(t *testing.T) {
	r := newFitRig(t)
	calib := r.pcf(t, "calib.npy", "--radius", "3", "--npoints", "8", "--pixel-size", "0.1", "--frame-interval", "0.002")
	delta := r.pcf(t, "delta.npy", "--radius", "3", "--npoints", "8", "--delta")
	dir := t.TempDir()
	maps, zmaps, ccf := filepath.Join(dir, "maps.npy"), filepath.Join(dir, "maps.zarr"), filepath.Join(dir, "ccf.npy")
	for _, a := range [][]string{
		{"fit", calib, "-o", maps, "--waist-um", "0.2", "--quiet"},
		{"fit", calib, "-o", zmaps, "--waist-um", "0.2", "--quiet"},
		{"fit", delta, "-o", ccf, "--model", "ccf2d", "--quiet"},
	} {
		if code, msg := ipcf(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, msg)
		}
	}
	png := func(name string, args ...string) image.Image {
		t.Helper()
		out := filepath.Join(dir, name)
		if code, msg := ipcf(t, append([]string{"plot"}, append(args, "-o", out)...)...); code != 0 {
			t.Fatalf("plot %v: exit %d: %s", args, code, msg)
		}
		return decodePNG(t, out)
	}
	size := func(name string, img image.Image, w, h int) {
		t.Helper()
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Errorf("%s: %dx%d, want %dx%d", name, img.Bounds().Dx(), img.Bounds().Dy(), w, h)
		}
	}
	// D (the default) at offset 3: viridis, dark purple to yellow.
	img := png("d.png", maps, "--offset", "3")
	size("d.png", img, 720, 560)
	sequential := func(bottom, top [3]int) bool {
		return bottom[0]+bottom[1]+bottom[2] < 300 && top[0] > 180 && top[1] > 180 && top[2] < 120
	}
	if colourBarColumn(img, sequential) < 0 {
		t.Error("d.png: no colour bar running from dark (bottom) to yellow (top)")
	}
	img = png("tau.png", maps, "--param", "tauD", "--width", "900", "--height", "500")
	size("tau.png", img, 900, 500)
	// The Zarr group draws the same picture.
	a, _ := os.ReadFile(filepath.Join(dir, "d.png"))
	png("dz.png", zmaps, "--offset", "3")
	if b, _ := os.ReadFile(filepath.Join(dir, "dz.png")); !bytes.Equal(a, b) {
		t.Error("the picture of MAPS.zarr differs from that of MAPS.npy")
	}
	// A companion of the maps is no pCF result: the standard errors (the
	// maps' shape) were drawn as "G(tau) at offset 0, delay bin 2", exit
	// 0; the maps as TIFF said "no .npy magic".
	tmaps := filepath.Join(dir, "maps.tif")
	if code, msg := ipcf(t, "fit", calib, "-o", tmaps, "--waist-um", "0.2", "--quiet"); code != 0 {
		t.Fatalf("fit -o maps.tif: exit %d: %s", code, msg)
	}
	for _, c := range []struct{ in, want string }{
		{filepath.Join(dir, "maps.stderr.npy"), "maps.stderr.npy holds the standard errors of ipcf fit's maps " + maps + ", not a pCF result"},
		{filepath.Join(dir, "maps.chisq.npy"), "maps.chisq.npy holds the chi-square of ipcf fit's maps"},
		{filepath.Join(dir, "maps.status.npy"), "maps.status.npy holds the fit status of ipcf fit's maps"},
		{tmaps, "maps.tif holds ipcf fit's maps as an ImageJ stack (open it in ImageJ or Fiji): ipcf plot draws maps written as MAPS.npy or MAPS.zarr"},
		// an array of the Zarr maps: "not ipcf's metadata ... remove or
		// rename .zattrs to draw it as an array without metadata"
		{filepath.Join(zmaps, "stderr"), "stderr is an array of ipcf fit's maps " + zmaps + ": draw the maps (ipcf plot " + zmaps + " --param D"},
		{filepath.Join(zmaps, "params") + "/", "params/ is an array of ipcf fit's maps " + zmaps + ": draw the maps"},
	} {
		out := filepath.Join(dir, "companion.png")
		if code, msg := ipcf(t, "plot", c.in, "-o", out); code != 1 || !strings.Contains(msg, c.want) {
			t.Errorf("plot %s: exit %d, %q; want 1 and %q", c.in, code, msg, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("plot %s: a picture written", c.in)
		}
	}
	// vx of a delta-CCF fit: a diverging scale, blue to red.
	img = png("vx.png", ccf, "--param", "vx")
	size("vx.png", img, 720, 560)
	if colourBarColumn(img, func(bottom, top [3]int) bool {
		return bottom[2] > 150 && bottom[2]-bottom[0] > 80 && top[0] > 150 && top[0]-top[2] > 80
	}) < 0 {
		t.Error("vx.png: no colour bar running from blue (bottom) to red (top)")
	}
	// The status categories: converged green in the bar.
	img = png("status.png", maps, "--param", "status")
	green := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 44 && g>>8 == 160 && b>>8 == 44 {
				green++
			}
		}
	}
	if green < 1000 {
		t.Errorf("status.png: %d green (converged) pixels", green)
	}
	// Failed fits grey: a copy of the maps whose first row of fits failed.
	fdir := t.TempDir()
	for _, n := range []string{"maps.npy", "maps.npy.json", "maps.stderr.npy", "maps.chisq.npy", "maps.status.npy"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == "maps.status.npy" {
			shape, data := npyLEBytes(t, filepath.Join(dir, n))
			row := shape[1] * shape[2]
			for i := 0; i < row; i++ {
				b[len(b)-len(data)+i] = 3
			}
		}
		if n == "maps.npy" {
			// tauD (column 2) of pixel (1, 0) at offset 0 infinite, as
			// of a fit on its bound D = 0.
			shape, data := npyLEBytes(t, filepath.Join(dir, n))
			at := len(b) - len(data) + 4*((1*shape[1]*shape[2])*shape[3]+2)
			byteorder.NativeEndian.PutUint32(b[at:], math.Float32bits(float32(math.Inf(1))))
		}
		os.WriteFile(filepath.Join(fdir, n), b, 0o644)
	}
	// The metadata record the edited status map, as a fit that failed
	// there would have written them.
	side := filepath.Join(fdir, "maps.npy.json")
	var sm map[string]any
	if b, err := os.ReadFile(side); err != nil || json.Unmarshal(b, &sm) != nil {
		t.Fatalf("%s: %v", side, err)
	}
	crc, _, err := ooc.FileCRC(filepath.Join(fdir, "maps.status.npy"))
	if err != nil {
		t.Fatal(err)
	}
	sm["companions"].(map[string]any)["status"].(map[string]any)["crc32c"] = fmt.Sprintf("%08x", crc)
	if crc, _, err = ooc.FileCRC(filepath.Join(fdir, "maps.npy")); err != nil {
		t.Fatal(err)
	}
	sm["output_crc32c"] = fmt.Sprintf("%08x", crc)
	if err := os.WriteFile(side, sealed(t, sm), 0o644); err != nil {
		t.Fatal(err)
	}
	grey := func(img image.Image) int {
		n := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx()*2/3; x++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 200 && g>>8 == 200 && b>>8 == 200 {
					n++
				}
			}
		}
		return n
	}
	before := grey(png("d0.png", maps))
	after := grey(png("dfailed.png", filepath.Join(fdir, "maps.npy")))
	if after < before+1000 {
		t.Errorf("failed fits: %d grey pixels, %d before: want a grey row", after, before)
	}
	// The picture's metadata count the grey pixels by cause, as its
	// title does: an infinite tauD was drawn grey and counted as nothing.
	greyOf := func(name string) map[string]int {
		t.Helper()
		var m struct {
			Grey map[string]int `json:"grey_pixels"`
		}
		if b, err := os.ReadFile(filepath.Join(dir, name+".json")); err != nil || json.Unmarshal(b, &m) != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		return m.Grey
	}
	shape, _ := npyLEBytes(t, filepath.Join(fdir, "maps.status.npy"))
	if g := greyOf("dfailed.png"); g["failed"] != shape[1] || g["infinite"] != 0 || g["not_a_number"] != 0 {
		t.Errorf("dfailed.png: grey %v, want %d failed", g, shape[1])
	}
	png("tauD.png", filepath.Join(fdir, "maps.npy"), "--param", "tauD")
	// The infinite tauD at offset 0 of the pixels that did not fail (row
	// 0 failed): the one set above, and any fit on its bound D = 0.
	ms, md := npyLEBytes(t, filepath.Join(fdir, "maps.npy"))
	inf := 0
	for px := ms[1]; px < ms[0]*ms[1]; px++ {
		if math.IsInf(float64(math.Float32frombits(byteorder.LittleEndian.Uint32(md[4*(px*ms[2]*ms[3]+2):]))), 0) {
			inf++
		}
	}
	if g := greyOf("tauD.png"); g["failed"] != shape[1] || g["infinite"] != inf || inf < 1 {
		t.Errorf("tauD.png: grey %v, want %d failed and %d infinite", g, shape[1], inf)
	}
	// Mistakes: exit 2 with a message, no picture.
	bad := filepath.Join(dir, "bad.png")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{maps, "--param", "nope"}, "DC, D, tauD, tau_peak (or give chisq, status)"},
		{[]string{ccf, "--param", "tauD2"}, "G0, D, vx, vy, tauD, speed, angle"},
		{[]string{maps, "--offset", "8"}, "--offset 8: the maps of"},
		{[]string{maps, "--offset", "-1"}, "want 0 to 7"},
		{[]string{ccf, "--offset", "1"}, "no offset axis"},
		{[]string{maps, "--point", "1"}, "--point draws a pCF result"},
		{[]string{calib, "--param", "D"}, "--param and --offset draw ipcf fit's maps"},
	} {
		code, msg := ipcf(t, append([]string{"plot"}, append(c.args, "-o", bad)...)...)
		if code != 2 || !strings.Contains(msg, c.msg) {
			t.Errorf("plot %v: exit %d, want 2 with %q: %s", c.args, code, c.msg, firstLine(msg))
		}
		if _, err := os.Stat(bad); err == nil {
			t.Fatalf("plot %v: %s written", c.args, bad)
		}
	}
	// A damaged MAPS.zarr: exit 1 naming what, never a crash, a hang or
	// terabytes allocated (a copy of the group for each).
	copyZarr := func(name string) string {
		dst := filepath.Join(t.TempDir(), name)
		if err := os.CopyFS(dst, os.DirFS(zmaps)); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	chunk := func(z string) string {
		m, _ := filepath.Glob(filepath.Join(z, "params", "0.*"))
		if len(m) == 0 {
			t.Fatalf("%s: no chunk", z)
		}
		return m[0]
	}
	editZarray := func(z string, f func(map[string]any)) {
		p := filepath.Join(z, "params", ".zarray")
		b, _ := os.ReadFile(p)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ = json.Marshal(m)
		os.WriteFile(p, b, 0o644)
	}
	for _, c := range []struct {
		name string
		harm func(z string)
		msg  string
	}{
		{"shape enlarged", func(z string) {
			editZarray(z, func(m map[string]any) { m["shape"] = []int{600000, 600000, 8, 4} })
		}, "not enough memory"},
		{"shape of 2^61 values", func(z string) {
			editZarray(z, func(m map[string]any) { m["shape"] = []int{1 << 29, 1 << 29, 4, 2} })
		}, "too large"},
		{"a FIFO for a chunk", func(z string) {
			c := chunk(z)
			os.Remove(c)
			if err := syscall.Mkfifo(c, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "named pipe"},
		{"a link to /dev/zero for a chunk", func(z string) {
			c := chunk(z)
			os.Remove(c)
			os.Symlink("/dev/zero", c)
		}, "character device"},
		{"a FIFO for .zarray", func(z string) {
			p := filepath.Join(z, "params", ".zarray")
			os.Remove(p)
			syscall.Mkfifo(p, 0o644)
		}, "named pipe"},
		{"zarr_format 3", func(z string) { editZarray(z, func(m map[string]any) { m["zarr_format"] = 3 }) }, "zarr_format 3"},
		{"a longer chunk", func(z string) {
			c := chunk(z)
			b, _ := os.ReadFile(c)
			os.WriteFile(c, append(b, 0, 0, 0, 0), 0o644)
		}, "more than the"},
	} {
		// Maps of 0.3.1 record every file's checksum (files_crc32c): the
		// harm is found there. Maps of 0.3.0 (no checksums, no seal) are
		// read, and the reader's own checks must find it.
		for _, older := range []bool{false, true} {
			z := copyZarr(strings.ReplaceAll(c.name, " ", "_") + fmt.Sprint(older) + ".zarr")
			want := "files_crc32c"
			if older {
				want = c.msg
				za := filepath.Join(z, ".zattrs")
				var m map[string]any
				if b, err := os.ReadFile(za); err != nil || json.Unmarshal(b, &m) != nil || m["files_crc32c"] == nil {
					t.Fatalf("%s: %v, no files_crc32c", za, err)
				}
				delete(m, "files_crc32c")
				delete(m, ooc.SealKey)
				delete(m, "bins_averaged") // (0.3.0 never wrote it)
				m["version"] = "0.3.0"
				b, _ := json.Marshal(m)
				os.WriteFile(za, b, 0o644)
			}
			c.harm(z)
			done := make(chan struct{})
			var code int
			var msg string
			go func() { code, msg = ipcf(t, "plot", z, "-o", bad); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("plot of a Zarr with %s: still running after 30 s", c.name)
			}
			if code != 1 || !strings.Contains(msg, want) {
				t.Errorf("plot of a Zarr (older %v) with %s: exit %d, want 1 with %q: %s", older, c.name, code, want, firstLine(msg))
			}
		}
	}
	// The colour maps.
	cm := &listMap{cols: viridisColours, lo: 0, hi: 1}
	if c, _ := cm.At(0); c != viridisColours[0] {
		t.Errorf("viridis at 0: %v", c)
	}
	st := &listMap{cols: statusColours, lo: -0.5, hi: 3.5, steps: true}
	for i, want := range statusColours {
		if c, _ := st.At(float64(i)); c != want {
			t.Errorf("status %d: %v, want %v", i, c, want)
		}
	}
	if q := quantile([]float64{1, 2, 3, 4, 5}, 0.99); q != 5 {
		t.Errorf("quantile: %v", q)
	}
	if u := prettyUnit("um^2/s"); u != "µm²/s" {
		t.Errorf("prettyUnit: %q", u)
	}
}

// TestFitMapsTIFFReadByImageJ opens MAPS.tif with ImageJ 1.x, headless
// (cmd/ipcf/testdata/imagej/ReadMaps.java): a 32-bit stack of the maps'
// size, the offsets as channels and a slice per parameter, standard
// error, chi-square and status, calibrated in microns; the label of D's
// slice names it with its unit and the offset; the value is MAPS.npy's.
func TestFitMapsTIFFReadByImageJ(t *testing.T) {
	const ij = "/usr/share/java/ij.jar"
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (%v): make deps installs imagej and its Java runtime", err)
	}
	if _, err := os.Stat(ij); err != nil {
		t.Fatalf("%v: make deps installs imagej", err)
	}
	r := newFitRig(t)
	calib := r.pcf(t, "calib.npy", "--radius", "3", "--npoints", "8", "--pixel-size", "0.1", "--frame-interval", "0.002")
	np, tif := filepath.Join(r.dir, "maps.npy"), filepath.Join(r.dir, "maps.tif")
	for _, out := range []string{np, tif} {
		if code, msg := ipcf(t, "fit", calib, "-o", out, "--waist-um", "0.2", "--quiet"); code != 0 {
			t.Fatalf("fit -o %s: exit %d: %s", out, code, msg)
		}
	}
	f, err := npy.Open(np)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	H, W, K, P := f.Shape[0], f.Shape[1], f.Shape[2], f.Shape[3]
	c, z, y, x := 3, 2, 5, 7 // channel (offset 2) and slice (D) from 1
	want := math.Float32bits(float32(f.At(y, x, c-1, z-1)))
	out, err := exec.Command(java, "-Djava.awt.headless=true", "-cp", ij, filepath.Join("testdata", "imagej", "ReadMaps.java"),
		tif, strconv.Itoa(c), strconv.Itoa(z), strconv.Itoa(y), strconv.Itoa(x)).CombinedOutput()
	if err != nil {
		t.Fatalf("ImageJ: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, " ")
		got[k] = v
	}
	for k, w := range map[string]string{
		"dims":     fmt.Sprintf("%d %d %d %d 1", W, H, K, 2*P+2),
		"bitdepth": "32",
		"pixel":    "0.1 0.1 micron",
		"bits":     strconv.FormatUint(uint64(want), 10),
		"info":     "ipcf parameter maps",
	} {
		if got[k] != w {
			t.Errorf("ImageJ %s: %q, want %q\n%s", k, got[k], w, out)
		}
	}
	if l := got["label"]; !strings.HasPrefix(l, "D (um^2/s); offset 2: (u, v) = ") {
		t.Errorf("ImageJ label %q, want D (um^2/s) at offset 2", l)
	}
	t.Logf("ImageJ: %s", strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; "))
}

// TestFitTIFFEditedIsAUsersFile: MAPS.tif is published with MAPS.tif.json
// (its size and CRC-32C): a rerun replaces it, but not once it was edited
// (saved from ImageJ, say), nor a TIFF without the sidecar whose Info
// names ipcf's fit.
func TestFitTIFFEditedIsAUsersFile(t *testing.T) {
	r := newFitRig(t)
	calib := r.pcf(t, "calib.npy", "--radius", "3", "--npoints", "8", "--pixel-size", "0.1", "--frame-interval", "0.002")
	tif := filepath.Join(r.dir, "maps.tif")
	fit := func() (int, string) { return ipcf(t, "fit", calib, "-o", tif, "--waist-um", "0.2", "--quiet") }
	if code, msg := fit(); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, msg)
	}
	if c, ok := ooc.Describes(tif); !ok || c != "fit" {
		t.Fatalf("maps.tif.json does not describe maps.tif as the fit's (%q, %v)", c, ok)
	}
	if code, msg := fit(); code != 0 {
		t.Fatalf("rerun over its own maps: exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(tif)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[len(b)/2:], "USEREDIT")
	if err := os.WriteFile(tif, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := fit(); code != 1 || !strings.Contains(msg, "not an output of ipcf fit") {
		t.Fatalf("rerun over edited maps: exit %d: %s", code, msg)
	}
	if now, _ := os.ReadFile(tif); !bytes.Equal(now, b) {
		t.Fatal("the edited maps.tif was replaced")
	}
	os.Remove(tif + ".json") // a TIFF without the sidecar (written before it)
	if code, msg := fit(); code != 1 || !strings.Contains(msg, "no sidecar") {
		t.Fatalf("rerun over maps without sidecar: exit %d: %s", code, msg)
	}
}

// TestFitZarrKillPublish kills a fit that replaces earlier maps in a Zarr
// folder at the moment of the replacement: the new maps are whole at the
// output (swapped in one step), and a rerun leaves them and nothing else;
// on a system without the swap (two renames) the kill leaves nothing at
// the output, and a rerun publishes the maps.
func TestFitZarrKillPublish(t *testing.T) {
	r := newFaultRig(t)
	res1, res2 := filepath.Join(r.dir, "r1.npy"), filepath.Join(r.dir, "r2.npy")
	for i, res := range []string{res1, res2} {
		if msg, err := r.run(nil, r.args(res, "--smooth", []string{"0.7", "0"}[i])...); err != nil {
			t.Fatalf("%v %s", err, msg)
		}
	}
	z := filepath.Join(r.dir, "maps.zarr")
	fit := func(res string) []string { return []string{"fit", res, "-o", z, "--quiet"} }
	for _, two := range []bool{false, true} {
		os.RemoveAll(z)
		if msg, err := r.run(nil, fit(res1)...); err != nil {
			t.Fatalf("%v %s", err, msg)
		}
		earlier := tree(t, z)
		env := []string{"IPCF_FAULT_KILL=publish"}
		if two {
			env = append(env, "IPCF_FAULT_NO_EXCHANGE=1")
		}
		if msg, err := r.run(env, fit(res2)...); err == nil {
			t.Fatalf("two renames %v: not killed: %s", two, msg)
		}
		_, gone := os.Stat(z)
		var killed map[string][]byte
		if gone == nil {
			killed = tree(t, z)
		}
		old, _ := filepath.Glob(filepath.Join(r.dir, ".ipcf-maps.zarr-*.old"))
		if msg, err := r.run(nil, fit(res2)...); err != nil {
			t.Fatalf("two renames %v: rerun: %v %s", two, err, msg)
		}
		want := tree(t, z)
		if equalTrees(want, earlier) {
			t.Fatal("the two fits gave the same maps: the test cannot tell them apart")
		}
		if !two && (gone != nil || !equalTrees(killed, want) || len(old) != 0) {
			t.Errorf("killed while replacing: the output is not the new maps (stat: %v, aside: %v)", gone, old)
		}
		if two && (gone == nil || len(old) != 1) {
			t.Errorf("two renames, killed between them: stat %v, aside %v", gone, old)
		}
		if left, _ := filepath.Glob(filepath.Join(r.dir, ".ipcf-*")); len(left) > 0 {
			t.Errorf("two renames %v: left after the rerun: %v", two, left)
		}
	}
}
