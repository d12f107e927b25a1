package main

import (
	"bytes"
	"compress/gzip"
	bin "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/source"
)

// runSplit runs the CLI in this process with stdout and stderr apart.
func runSplit(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// outRig is a small input and the .npy result every output is compared
// with: 13 x 15 pixels, the circle of radius 2 with 6 points, 5 log bins,
// pixel size 0.16 um, frame interval 2 ms.
type outRig struct {
	dir, in, ref string
	ref4         *npy.File
	common       []string
}

func newOutRig(t *testing.T) *outRig {
	r := &outRig{dir: t.TempDir()}
	r.in = filepath.Join(r.dir, "in.npy")
	if code, msg := ipcf(t, "simulate", "-o", r.in, "--frames", "512", "--size", "17", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	r.common = []string{"--radius", "2", "--npoints", "6", "--nbins", "5", "--pixel-size", "0.16", "--frame-interval", "0.002", "--quiet"}
	r.ref = filepath.Join(r.dir, "ref.npy")
	if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", r.ref, "--engine", "memory"}, r.common...)...); code != 0 {
		t.Fatal(msg)
	}
	f, err := npy.Open(r.ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r.ref4 = f
	return r
}

// at is the reference's value bits at (y, x, offset k, delay j).
func (r *outRig) at(y, x, k, j int) uint32 {
	return math.Float32bits(float32(r.ref4.At(y, x, k, j)))
}

func (r *outRig) shape() [4]int {
	s := r.ref4.Shape
	return [4]int{s[0], s[1], s[2], s[3]}
}

func (r *outRig) pcf(t *testing.T, out string, extra ...string) {
	t.Helper()
	a := append([]string{"pcf", r.in, "-o", out}, r.common...)
	if code, msg := ipcf(t, append(a, extra...)...); code != 0 {
		t.Fatalf("%s %v: exit %d: %s", out, extra, code, msg)
	}
}

// refMeta is the reference's sidecar.
func (r *outRig) refMeta(t *testing.T) map[string]any {
	b, err := os.ReadFile(r.ref + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOutputTIFF writes the ImageJ hyperstack with both engines: the same
// bytes; every page is the reference's (offset k, delay j) image; the
// calibration, labels and display range are ImageJ's.
func TestOutputTIFF(t *testing.T) {
	r := newOutRig(t)
	sh := r.shape()
	out := filepath.Join(r.dir, "out.tif")
	var first []byte
	for _, engine := range [][]string{{"--engine", "memory"}, {"--engine", "ooc", "--tile", "4,6", "--memory", "64MiB"}} {
		os.Remove(out)
		os.Remove(out + ".json")
		r.pcf(t, out, engine...)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Errorf("engine %v: the TIFF differs from the in-memory engine's", engine)
		}
		var side struct {
			Engine string            `json:"engine"`
			Axes   []string          `json:"stored_axes"`
			CRC    string            `json:"output_crc32c"`
			Units  map[string]string `json:"axis_units"`
		}
		sb, _ := os.ReadFile(out + ".json")
		if err := json.Unmarshal(sb, &side); err != nil || side.Engine != engine[1] || strings.Join(side.Axes, ",") != "delay,offset,y,x" || side.CRC == "" ||
			side.Units["y"] != "micrometer" || side.Units["delay"] != "second" {
			t.Errorf("sidecar: %v %+v", err, side)
		}
	}
	// Header, ImageJ description, pages.
	if string(first[:4]) != "II*\x00" {
		t.Fatalf("not a little-endian TIFF: % x", first[:4])
	}
	desc := tiffDescription(t, first)
	for _, w := range []string{"ImageJ=", fmt.Sprintf("images=%d\n", sh[2]*sh[3]), fmt.Sprintf("channels=%d\n", sh[2]),
		fmt.Sprintf("frames=%d\n", sh[3]), "hyperstack=true\n", "unit=micron\n"} {
		if !strings.Contains(desc, w) {
			t.Errorf("ImageJ description %q lacks %q", desc, w)
		}
	}
	if strings.Contains(desc, "finterval") {
		t.Errorf("finterval with log-spaced delays: %q", desc)
	}
	var lo, hi float64
	for _, l := range strings.Split(desc, "\n") {
		if v, ok := strings.CutPrefix(l, "min="); ok {
			lo, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(l, "max="); ok {
			hi, _ = strconv.ParseFloat(v, 64)
		}
	}
	if !(hi > 0) || lo != -hi {
		t.Errorf("display range [%v, %v], want symmetric about 0", lo, hi)
	}
	for k := 0; k < sh[2]; k++ {
		src, err := source.OpenChannel(out, k)
		if err != nil {
			t.Fatal(err)
		}
		T, H, W := src.Shape()
		if T != sh[3] || H != sh[0] || W != sh[1] || src.DType() != array.Float32 {
			t.Fatalf("channel %d: %dx%dx%d %s, want %dx%dx%d float32", k, T, H, W, src.DType(), sh[3], sh[0], sh[1])
		}
		if u := source.UnitsOf(src); math.Abs(u.PixelSize-0.16) > 1e-6 {
			t.Errorf("pixel size %v um, want 0.16", u.PixelSize)
		}
		for j := 0; j < T; j++ {
			fr, _ := src.Frame(j)
			for y := 0; y < H; y++ {
				for x := 0; x < W; x++ {
					got := math.Float32bits(float32(fr.Load(fr.Offset + y*fr.Strides[0] + x*fr.Strides[1])))
					if want := r.at(y, x, k, j); got != want {
						t.Fatalf("page (offset %d, delay %d) (%d, %d): %08x, want %08x (the .npy's)", k, j, y, x, got, want)
					}
				}
			}
		}
		src.Close()
	}
}

// tiffDescription returns the first page's ImageDescription.
func tiffDescription(t *testing.T, b []byte) string {
	le := bin.LittleEndian
	ifd := le.Uint32(b[4:])
	n := int(le.Uint16(b[ifd:]))
	for i := 0; i < n; i++ {
		e := b[int(ifd)+2+12*i:]
		if le.Uint16(e) == 270 {
			cnt, off := le.Uint32(e[4:]), le.Uint32(e[8:])
			return strings.TrimRight(string(b[off:off+cnt]), "\x00")
		}
	}
	t.Fatal("no ImageDescription")
	return ""
}

// TestOutputZarr checks both Zarr layouts: the plain array (the .npy's
// axes, _ARRAY_DIMENSIONS, axis_units) and OME-Zarr (NGFF 0.4 axes with
// the spatial axes last, the scale the pixel size): every value the
// reference's, in the layout's order, edge chunks padded with NaN.
func TestOutputZarr(t *testing.T) {
	r := newOutRig(t)
	sh := r.shape()
	plain, ome := filepath.Join(r.dir, "out.zarr"), filepath.Join(r.dir, "out.ome.zarr")
	r.pcf(t, plain, "--tile", "4,6")
	r.pcf(t, ome, "--tile", "4,6")
	if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", ome, "--engine", "memory"}, r.common...)...); code != 2 || !strings.Contains(msg, "out-of-core") {
		t.Errorf("OME-Zarr in memory: exit %d %q, want 2 (Zarr is written out of core)", code, msg)
	}
	readJSON := func(p string, v any) {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	type zarray struct {
		Shape  []int  `json:"shape"`
		Chunks []int  `json:"chunks"`
		DType  string `json:"dtype"`
		Sep    string `json:"dimension_separator"`
	}
	var za zarray
	readJSON(filepath.Join(plain, ".zarray"), &za)
	if fmt.Sprint(za.Shape) != fmt.Sprint(sh[:]) || fmt.Sprint(za.Chunks) != fmt.Sprint([]int{4, sh[1], sh[2], sh[3]}) || za.DType != "<f4" {
		t.Fatalf("plain .zarray %+v", za)
	}
	var attrs struct {
		Dims  []string          `json:"_ARRAY_DIMENSIONS"`
		Units map[string]string `json:"axis_units"`
		Delay []float64         `json:"delay_s"`
	}
	readJSON(filepath.Join(plain, ".zattrs"), &attrs)
	if strings.Join(attrs.Dims, ",") != "y,x,offset,delay" || attrs.Units["y"] != "micrometer" || attrs.Units["x"] != "micrometer" ||
		attrs.Units["delay"] != "second" || len(attrs.Delay) != sh[3] {
		t.Errorf("plain .zattrs: %+v", attrs)
	}
	value := func(c []byte, i int) uint32 { return bin.LittleEndian.Uint32(c[4*i:]) }
	nan := func(v uint32) bool { return math.IsNaN(float64(math.Float32frombits(v))) }
	cw := za.Chunks[1] // the CPU writes bands of full rows
	for cy := 0; cy*4 < sh[0]; cy++ {
		for cx := 0; cx*cw < sh[1]; cx++ {
			c, err := os.ReadFile(filepath.Join(plain, fmt.Sprintf("%d.%d.0.0", cy, cx)))
			if err != nil {
				t.Fatal(err)
			}
			for y := 0; y < 4; y++ {
				for x := 0; x < cw; x++ {
					for k := 0; k < sh[2]; k++ {
						for j := 0; j < sh[3]; j++ {
							v := value(c, ((y*cw+x)*sh[2]+k)*sh[3]+j)
							yy, xx := cy*4+y, cx*cw+x
							if yy >= sh[0] || xx >= sh[1] {
								if !nan(v) {
									t.Fatal("plain: edge padding not NaN")
								}
							} else if v != r.at(yy, xx, k, j) {
								t.Fatalf("plain (%d,%d,%d,%d) differs from the .npy", yy, xx, k, j)
							}
						}
					}
				}
			}
		}
	}
	// OME-Zarr.
	var zg struct {
		Format int `json:"zarr_format"`
	}
	readJSON(filepath.Join(ome, ".zgroup"), &zg)
	var oa zarray
	readJSON(filepath.Join(ome, "0", ".zarray"), &oa)
	if zg.Format != 2 || fmt.Sprint(oa.Shape) != fmt.Sprint([]int{sh[3], sh[2], sh[0], sh[1]}) ||
		fmt.Sprint(oa.Chunks) != fmt.Sprint([]int{sh[3], sh[2], 4, sh[1]}) || oa.Sep != "/" {
		t.Fatalf("OME-Zarr .zgroup %+v, 0/.zarray %+v", zg, oa)
	}
	var ms struct {
		Multiscales []struct {
			Version string `json:"version"`
			Axes    []struct {
				Name string `json:"name"`
				Type string `json:"type"`
				Unit string `json:"unit"`
			} `json:"axes"`
			Datasets []struct {
				Path string `json:"path"`
				CT   []struct {
					Type        string    `json:"type"`
					Scale       []float64 `json:"scale"`
					Translation []float64 `json:"translation"`
				} `json:"coordinateTransformations"`
			} `json:"datasets"`
		} `json:"multiscales"`
		Software string `json:"software"`
	}
	readJSON(filepath.Join(ome, ".zattrs"), &ms)
	if len(ms.Multiscales) != 1 || ms.Software != "ipcf" {
		t.Fatalf("OME-Zarr .zattrs: %+v", ms)
	}
	m := ms.Multiscales[0]
	var axes []string
	for _, a := range m.Axes {
		axes = append(axes, a.Name+"/"+a.Type+"/"+a.Unit)
	}
	if m.Version != "0.4" || strings.Join(axes, " ") != "delay/time/ offset/channel/ y/space/micrometer x/space/micrometer" {
		t.Errorf("NGFF axes %v (version %s), want delay (time), offset (channel), then y, x (space, micrometer)", axes, m.Version)
	}
	// The scale is the pixel size; the translation the first output
	// pixel's place in the frame (the circle's margin of 2 pixels).
	if len(m.Datasets) != 1 || m.Datasets[0].Path != "0" || len(m.Datasets[0].CT) != 2 ||
		fmt.Sprint(m.Datasets[0].CT[0].Scale) != "[1 1 0.16 0.16]" || math.Abs(m.Datasets[0].CT[1].Translation[2]-0.32) > 1e-12 {
		t.Errorf("NGFF datasets %+v", m.Datasets)
	}
	ocw := oa.Chunks[3]
	for cy := 0; cy*4 < sh[0]; cy++ {
		for cx := 0; cx*ocw < sh[1]; cx++ {
			c, err := os.ReadFile(filepath.Join(ome, "0", "0", "0", strconv.Itoa(cy), strconv.Itoa(cx)))
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; j < sh[3]; j++ {
				for k := 0; k < sh[2]; k++ {
					for y := 0; y < 4; y++ {
						for x := 0; x < ocw; x++ {
							v := value(c, ((j*sh[2]+k)*4+y)*ocw+x)
							yy, xx := cy*4+y, cx*ocw+x
							if yy >= sh[0] || xx >= sh[1] {
								if !nan(v) {
									t.Fatal("OME-Zarr: edge padding not NaN")
								}
							} else if v != r.at(yy, xx, k, j) {
								t.Fatalf("OME-Zarr (%d,%d,%d,%d) differs from the .npy", j, k, yy, xx)
							}
						}
					}
				}
			}
		}
	}
}

// python is Debian's interpreter, with python3-numpy, python3-zarr and
// python3-tifffile (make deps installs them).
const python = "/usr/bin/python3"

// TestOutputsReadByPython reads the TIFF with tifffile and both Zarr
// layouts with zarr: shape, axis names, calibration and values (the .npy
// result's, read by numpy). A missing package fails the test: make deps
// installs it.
func TestOutputsReadByPython(t *testing.T) {
	if out, err := exec.Command(python, "-c", "import numpy, zarr, tifffile").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks numpy, zarr or tifffile (%v: %s): run make deps (python3-numpy, python3-zarr, python3-tifffile)", python, err, out)
	}
	r := newOutRig(t)
	tif, z, ome := filepath.Join(r.dir, "out.tif"), filepath.Join(r.dir, "out.zarr"), filepath.Join(r.dir, "out.ome.zarr")
	r.pcf(t, tif, "--engine", "ooc", "--tile", "5,4")
	r.pcf(t, z, "--tile", "5,4")
	r.pcf(t, ome, "--tile", "5,4")
	script := `import sys, json, numpy, zarr, tifffile
ref_path, tif, z, ome = sys.argv[1:5]
ref = numpy.load(ref_path)
meta = json.load(open(ref_path + '.json'))
ny, nx, no, nd = ref.shape
# ImageJ hyperstack
with tifffile.TiffFile(tif) as f:
    assert f.is_imagej, 'not an ImageJ file'
    assert len(f.pages) == no * nd, len(f.pages)
    s = f.series[0]
    assert s.axes == 'TCYX', s.axes
    assert s.shape == (nd, no, ny, nx), s.shape
    a = s.asarray()
    assert a.dtype == numpy.float32, a.dtype
    assert numpy.array_equal(a, ref.transpose(3, 2, 0, 1), equal_nan=True), 'TIFF values differ'
    ij = f.imagej_metadata
    assert ij['channels'] == no and ij['frames'] == nd and ij['hyperstack'], ij
    assert ij['unit'] == 'micron', ij['unit']
    assert ij['min'] == -ij['max'] > -1e30, (ij['min'], ij['max'])
    labels = ij['Labels']
    assert len(labels) == no * nd, len(labels)
    u, v = meta['offsets'][1]['u'], meta['offsets'][1]['v']
    assert '(u, v) = (%d, %d)' % (u, v) in labels[1], labels[1]
    assert ('%.4g s' % meta['delay_s'][2]) in labels[2 * no], (labels[2 * no], meta['delay_s'][2])
    assert json.loads(ij['Info'].split('\n', 1)[1])['software'] == 'ipcf'
    num, den = f.pages[0].tags['XResolution'].value
    assert abs(den / num - 0.16) < 1e-9, (num, den)
    assert f.pages[0].tags['SampleFormat'].value == 3
print('tifffile ok', s.axes, s.shape)
# plain Zarr
a = zarr.open(z, mode='r')
assert a.shape == ref.shape and a.dtype == numpy.float32, (a.shape, a.dtype)
assert a.attrs['_ARRAY_DIMENSIONS'] == ['y', 'x', 'offset', 'delay'], a.attrs['_ARRAY_DIMENSIONS']
assert a.attrs['axis_units'] == {'y': 'micrometer', 'x': 'micrometer', 'offset': 'micrometer', 'delay': 'second'}, a.attrs['axis_units']
assert a.attrs['units']['pixel_size_um'] == 0.16
assert numpy.array_equal(a[:], ref, equal_nan=True), 'Zarr values differ'
print('zarr ok', a.shape, a.chunks)
# OME-Zarr (NGFF 0.4)
g = zarr.open_group(ome, mode='r')
ms = g.attrs['multiscales'][0]
assert ms['version'] == '0.4'
assert [x['name'] for x in ms['axes']] == ['delay', 'offset', 'y', 'x'], ms['axes']
assert [x['type'] for x in ms['axes']] == ['time', 'channel', 'space', 'space'], ms['axes']
assert [x.get('unit') for x in ms['axes']][2:] == ['micrometer', 'micrometer'], ms['axes']
ds = ms['datasets'][0]
assert ds['coordinateTransformations'][0] == {'type': 'scale', 'scale': [1, 1, 0.16, 0.16]}, ds
a = g[ds['path']]
assert a.shape == (nd, no, ny, nx), a.shape
assert a.attrs['_ARRAY_DIMENSIONS'] == ['delay', 'offset', 'y', 'x']
assert numpy.array_equal(a[:], ref.transpose(3, 2, 0, 1), equal_nan=True), 'OME-Zarr values differ'
print('ome-zarr ok', a.shape, a.chunks)
`
	out, err := exec.Command(python, "-c", script, r.ref, tif, z, ome).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}

// TestOutputTIFFReadByImageJ opens the TIFF with ImageJ 1.x, headless
// (cmd/ipcf/testdata/imagej/ReadTiff.java, run by java's source launcher):
// a 32-bit hyperstack of the right dimensions (width, height, channels:
// offsets, slices 1, frames: delays), calibrated in microns, a symmetric
// display range, a label naming the offset and delay, the .npy's value.
func TestOutputTIFFReadByImageJ(t *testing.T) {
	const ij = "/usr/share/java/ij.jar"
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (%v): make deps installs imagej and its Java runtime", err)
	}
	if _, err := os.Stat(ij); err != nil {
		t.Fatalf("%v: make deps installs imagej", err)
	}
	r := newOutRig(t)
	sh := r.shape()
	tif := filepath.Join(r.dir, "out.tif")
	r.pcf(t, tif)
	c, tt, y, x := 3, 4, 5, 7 // channel and frame from 1
	cmd := exec.Command(java, "-Djava.awt.headless=true", "-cp", ij, filepath.Join("testdata", "imagej", "ReadTiff.java"),
		tif, strconv.Itoa(c), strconv.Itoa(tt), strconv.Itoa(y), strconv.Itoa(x))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ImageJ: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, " ")
		got[k] = v
	}
	meta := r.refMeta(t)
	off := meta["offsets"].([]any)[c-1].(map[string]any)
	delay := meta["delay_s"].([]any)[tt-1].(float64)
	want := map[string]string{
		"dims":       fmt.Sprintf("%d %d %d 1 %d", sh[1], sh[0], sh[2], sh[3]),
		"bitdepth":   "32",
		"hyperstack": "true",
		"pixel":      "0.16 0.16 micron",
		"finterval":  "0.0",
		"bits":       strconv.FormatUint(uint64(r.at(y, x, c-1, tt-1)), 10),
		"info":       "ipcf pCF result",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("ImageJ %s: %q, want %q\n%s", k, got[k], w, out)
		}
	}
	wantLabel := fmt.Sprintf("(u, v) = (%v, %v)", off["u"], off["v"])
	if l := got["label"]; !strings.Contains(l, wantLabel) || !strings.Contains(l, fmt.Sprintf("%.4g s", delay)) {
		t.Errorf("ImageJ label %q, want %q and the delay %.4g s", l, wantLabel, delay)
	}
	var lo, hi float64
	fmt.Sscan(got["range"], &lo, &hi)
	if !(hi > 0) || lo != -hi {
		t.Errorf("ImageJ display range %q, want symmetric about 0", got["range"])
	}
	t.Logf("ImageJ: %s", strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; "))
}

// TestOutputExtension: the extension chooses the format; an unknown one,
// or an OME-TIFF, is a usage error (exit 2) and nothing is written; the
// commands that write .npy only refuse any other extension (a .tif never
// holds .npy bytes); plot writes .png only.
func TestOutputExtension(t *testing.T) {
	r := newOutRig(t)
	p := func(n string) string { return filepath.Join(r.dir, n) }
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"pcf", r.in, "-o", p("x.txt")}, "want OUT.npy, OUT.zarr, OUT.ome.zarr or OUT.tif"},
		{[]string{"pcf", r.in, "-o", p("x.ome.tif")}, ".ome.tif is not written"},
		{[]string{"pcf", r.in, "-o", p("x.npz")}, "x.npz"},
		{[]string{"bleach", r.in, "-o", p("x.tif"), "--filtersize", "3"}, "bleach writes .npy only"},
		{[]string{"simulate", "-o", p("x.tif"), "--frames", "8", "--size", "4"}, "simulate writes .npy only"},
		{[]string{"convolve", r.in, r.in, "-o", p("x.tif")}, "convolve writes .npy only"},
		{[]string{"plot", r.ref, "-o", p("x.jpg")}, "PNG only"},
	} {
		args := c.args
		if args[0] != "convolve" && args[0] != "plot" {
			args = append(args, "--quiet")
		}
		code, msg := ipcf(t, args...)
		if code != 2 || !strings.Contains(msg, c.msg) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, msg, c.msg)
		}
	}
	ents, _ := os.ReadDir(r.dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "x.") || strings.HasPrefix(e.Name(), ".x.") {
			t.Errorf("a refused command wrote %s", e.Name())
		}
	}
	// Extensions are case-insensitive.
	r.pcf(t, p("UPPER.TIF"))
	if b, err := os.ReadFile(p("UPPER.TIF")); err != nil || string(b[:4]) != "II*\x00" {
		t.Errorf("UPPER.TIF: not a TIFF (%v)", err)
	}
}

// TestHelp: every command prints its synopsis and every flag with its
// default on --help, -h and `ipcf help COMMAND` (stdout, exit 0).
func TestHelp(t *testing.T) {
	for name := range helps {
		code, out, errs := runSplit(name, "--help")
		if code != 0 || errs != "" || !strings.HasPrefix(out, "usage: ipcf "+name) {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, out, errs)
			continue
		}
		for _, l := range strings.Split(out, "\n") {
			f := strings.TrimSpace(l)
			if (strings.HasPrefix(f, "--") || strings.HasPrefix(f, "-o ")) && !strings.Contains(f, "default") && !strings.Contains(f, "required") {
				t.Errorf("%s --help: flag without its default: %q", name, l)
			}
			// one default per flag: --segments said "(0: 8; ...) (default 0)", and 0 is refused
			if strings.Count(f, "default") > 1 {
				t.Errorf("%s --help: two defaults: %q", name, l)
			}
			// a default that, given, is refused: --channel 0 ("want a channel number from 1")
			if strings.HasPrefix(f, "--channel") && strings.Contains(f, "(default 0)") {
				t.Errorf("%s --help: %q: 0, given, is refused", name, l)
			}
		}
		if _, h, _ := runSplit(name, "-h"); h != out {
			t.Errorf("%s -h differs from --help", name)
		}
		if code, h, _ := runSplit("help", name); code != 0 || h != out {
			t.Errorf("ipcf help %s: exit %d, differs from --help", name, code)
		}
	}
	// -o is required by every command that writes, and its help says so
	// (bleach, simulate and convolve said "default: none").
	for name, pos := range map[string][]string{"pcf": {"x.npy"}, "bleach": {"x.npy"}, "simulate": nil,
		"convolve": {"a.npy", "b.npy"}, "fit": {"r.npy"}, "plot": {"r.npy"}} {
		code, _, errs := runSplit(append([]string{name}, pos...)...)
		if code != 2 || !strings.Contains(errs, "-o") || !strings.Contains(errs, "required") {
			t.Errorf("%s without -o: exit %d, %q", name, code, errs)
		}
		_, out, _ := runSplit(name, "--help")
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "-o ") && !strings.Contains(l, "(required)") {
				t.Errorf("%s --help: %q, want (required)", name, l)
			}
		}
	}
	if code, out, _ := runSplit("help", "help"); code != 0 || out != usage {
		t.Errorf("ipcf help help: exit %d, %.80q, want the usage", code, out)
	}
	_, out, _ := runSplit("pcf", "--help")
	for _, w := range []string{"--radius int", "(default 6)", "--npoints int", "(default 32)", "--nbins int", "--engine string",
		"(default auto)", "--json", "--smooth float", "(default 0.7)", "--segments int", "(default 8; refused with --errors blocking)", "OUT.npy", "OUT.zarr", "OUT.ome.zarr", "OUT.tif", "_ARRAY_DIMENSIONS",
		"OME-NGFF 0.4", "ImageJ hyperstack"} {
		if !strings.Contains(out, w) {
			t.Errorf("pcf --help lacks %q", w)
		}
	}
	_, out, _ = runSplit("simulate", "--help")
	for _, w := range []string{"--frames int", "(default 32000)", "--size int", "(default 64)", "--seed uint", "(default 1)"} {
		if !strings.Contains(out, w) {
			t.Errorf("simulate --help lacks %q", w)
		}
	}
	if code, _, msg := runSplit("help", "nope"); code != 2 || !strings.Contains(msg, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d %q", code, msg)
	}
	if code, _, msg := runSplit("help", ""); code != 2 || !strings.Contains(msg, `unknown command ""`) {
		t.Errorf("help '': exit %d %q", code, msg) // printed the usage, exit 0 (REVIEW14's m4)
	}
	// an argument after the command was ignored, exit 0 (as "ipcf version extra" is not: TOOLS14's m4)
	if code, _, msg := runSplit("help", "version", "extra"); code != 2 || !strings.Contains(msg, "one command at a time") {
		t.Errorf("help version extra: exit %d %q", code, msg)
	}
	if code, out, _ := runSplit("help"); code != 0 || !strings.Contains(out, "ipcf help COMMAND") || !strings.Contains(out, "130 interrupted") {
		t.Errorf("help: exit %d %q", code, out)
	}
	if code, _, msg := runSplit("version", "--bogus"); code != 2 || !strings.Contains(msg, "bogus") {
		t.Errorf("version --bogus: exit %d %q", code, msg)
	}
}

// TestJSONSummary: --json prints one JSON object on stdout: the output,
// its format and shape, the engine and seconds; on failure the error and
// the exit code.
func TestJSONSummary(t *testing.T) {
	r := newOutRig(t)
	type summary struct {
		Command         string  `json:"command"`
		OK              bool    `json:"ok"`
		Output          string  `json:"output"`
		Format          string  `json:"format"`
		Shape           []int   `json:"shape"`
		Engine          string  `json:"engine"`
		Seconds         float64 `json:"seconds"`
		Tiles           int     `json:"tiles"`
		AlreadyComplete bool    `json:"already_complete"`
		Peak            int64   `json:"peak_memory_bytes"`
		ExitCode        int     `json:"exit_code"`
		Error           string  `json:"error"`
	}
	get := func(args ...string) (int, summary, string) {
		t.Helper()
		code, out, errs := runSplit(args...)
		var s summary
		var raw map[string]any
		if err := json.Unmarshal([]byte(out), &raw); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Fatalf("%v: stdout is not one JSON object (%v): %q (stderr %q)", args, err, out, errs)
		}
		json.Unmarshal([]byte(out), &s)
		return code, s, errs
	}
	out := filepath.Join(r.dir, "j.npy")
	code, s, errs := get(append([]string{"pcf", r.in, "-o", out, "--json"}, r.common...)...)
	sh := r.shape()
	if code != 0 || !s.OK || s.Command != "pcf" || s.Output != out || s.Format != "npy" || fmt.Sprint(s.Shape) != fmt.Sprint(sh[:]) ||
		s.Engine != "memory" || !(s.Seconds > 0) || s.Peak <= 0 {
		t.Errorf("pcf --json: exit %d %+v (stderr %q)", code, s, errs)
	}
	code, s, _ = get(append([]string{"pcf", r.in, "-o", out, "--json"}, r.common...)...)
	if code != 0 || !s.AlreadyComplete {
		t.Errorf("rerun: exit %d %+v, want already_complete", code, s)
	}
	// Other units are another job: the metadata (sidecar, TIFF resolution)
	// follows them, never "already complete" with the old ones.
	for _, o := range []string{out, filepath.Join(r.dir, "j.tif")} {
		for i, units := range [][]string{{"--frame-interval", "0.001", "--pixel-size", "0.1"}, {"--frame-interval", "0.002", "--pixel-size", "0.2"}} {
			code, s, _ = get(append(append([]string{"pcf", r.in, "-o", o, "--json"}, r.common...), units...)...)
			if code != 0 || s.AlreadyComplete {
				t.Errorf("%s with units %v: exit %d %+v, want a new run", o, units, code, s)
			}
			b, _ := os.ReadFile(o + ".json")
			var m struct {
				Units struct {
					FI float64 `json:"frame_interval_s"`
					PS float64 `json:"pixel_size_um"`
				} `json:"units"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if want := []float64{0.001, 0.002}[i]; m.Units.FI != want || m.Units.PS != want*100 {
				t.Errorf("%s with units %v: sidecar says %+v", o, units, m)
			}
		}
	}
	ome := filepath.Join(r.dir, "j.ome.zarr")
	code, s, _ = get(append([]string{"pcf", r.in, "-o", ome, "--json", "--tile", "5,5"}, r.common...)...)
	if code != 0 || s.Engine != "ooc" || s.Format != "ome-zarr" || s.Tiles != (sh[0]+4)/5 { // bands of 5 rows
		t.Errorf("pcf --json to OME-Zarr: exit %d %+v", code, s)
	}
	missing := filepath.Join(r.dir, "missing.npy")
	code, s, errs = get("pcf", missing, "-o", filepath.Join(r.dir, "m.npy"), "--json", "--quiet")
	if code != 1 || s.OK || s.ExitCode != 1 || !strings.Contains(s.Error, "missing.npy") || !strings.Contains(errs, "missing.npy") {
		t.Errorf("failed run: exit %d %+v, stderr %q", code, s, errs)
	}
	code, s, _ = get("pcf", r.in, "-o", filepath.Join(r.dir, "m.txt"), "--json")
	if code != 2 || s.OK || s.ExitCode != 2 {
		t.Errorf("usage error: exit %d %+v", code, s)
	}
	sim := filepath.Join(r.dir, "sim.npy")
	code, s, _ = get("simulate", "-o", sim, "--frames", "16", "--size", "8", "--json", "--quiet")
	if code != 0 || !s.OK || fmt.Sprint(s.Shape) != "[16 8 8]" || s.Output != sim {
		t.Errorf("simulate --json: exit %d %+v", code, s)
	}
	code, s, _ = get("bleach", sim, "-o", filepath.Join(r.dir, "b.npy"), "--filtersize", "2", "--json", "--quiet")
	if code != 0 || !s.OK || fmt.Sprint(s.Shape) != "[12 8 8]" {
		t.Errorf("bleach --json: exit %d %+v", code, s)
	}
}

// TestProgressBarThrottled: however often the work reports, the bar is
// redrawn a few times a second, and always for the first and last unit.
func TestProgressBarThrottled(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	b := &bar{w: &buf, name: "pcf", on: true, start: clock, now: func() time.Time { return clock }}
	const n = 10000
	for i := 1; i <= n; i++ {
		clock = clock.Add(200 * time.Microsecond) // 2 s in all, 5000 reports a second
		b.update(i, n)
	}
	if b.draws < 5 || b.draws > 2*int(2*time.Second/barInterval)+2 {
		t.Errorf("%d redraws for %d reports over 2 s, want a few a second", b.draws, n)
	}
	if !strings.HasSuffix(strings.TrimSpace(buf.String()), "ETA 0s") || !strings.Contains(buf.String(), fmt.Sprintf("%d/%d", n, n)) {
		t.Errorf("the last unit was not drawn: %q", buf.String()[max(0, buf.Len()-120):])
	}
	if barInterval < 100*time.Millisecond || barInterval > 500*time.Millisecond {
		t.Errorf("barInterval %v: want 2 to 10 redraws a second", barInterval)
	}
}

// TestPlotColourBarAndSymmetricScale draws a result whose values are
// asymmetric (-0.1 to 0.5): the picture has a colour bar (a column
// running from blue at the bottom through neutral to red at the top), a
// value of 0 is drawn neutral (the scale is symmetric about 0 and
// diverging), and with the metadata the labels name the offset (u, v),
// the delay in seconds and micrometres.
func TestPlotColourBarAndSymmetricScale(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "res.npy")
	ny, nx, no, nd := 8, 10, 2, 3
	writeNpy(t, res, array.Float32, []int{ny, nx, no, nd}, func(i int) float64 {
		x := i / (no * nd) % nx
		switch {
		case i/(no*nd) == 0:
			return -0.1
		case x < 5:
			return 0
		}
		return 0.5
	})
	meta := map[string]any{
		"software": "ipcf", "units": map[string]any{"frame_interval_s": 0.01, "pixel_size_um": 0.2},
		"delay_frames": []float64{0, 1.5, 5}, "delay_s": []float64{0, 0.015, 0.05},
		"offsets": []map[string]any{{"u": 2, "v": 0}, {"u": 0, "v": -2}}, "mode": "offsets", "crop_origin": []int{0, 0},
	}
	b, _ := json.Marshal(meta)
	os.WriteFile(res+".json", b, 0o644)
	fig := filepath.Join(dir, "fig.png")
	if code, msg := ipcf(t, "plot", res, "--point", "1", "--bin", "1", "-o", fig); code != 0 {
		t.Fatal(msg)
	}
	f, err := os.Open(fig)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w != 720 || h != 560 {
		t.Errorf("picture %dx%d, want 720x560 (wider than the 640 of a picture without a colour bar)", w, h)
	}
	rgb := func(x, y int) (int, int, int) {
		r, g, b, _ := img.At(x, y).RGBA()
		return int(r >> 8), int(g >> 8), int(b >> 8)
	}
	// The colour bar: in the right quarter, a column whose longest run of
	// coloured pixels goes from blue (bottom) to red (top) through neutral.
	barX, barCols := -1, 0
	for x := w / 2; x < w; x++ {
		// The longest run of coloured (not white, not black) pixels.
		run, best, end := 0, 0, 0
		for y := 0; y < h; y++ {
			r, g, b := rgb(x, y)
			if !(r > 245 && g > 245 && b > 245) && !(r < 60 && g < 60 && b < 60) {
				run++
				if run > best {
					best, end = run, y
				}
			} else {
				run = 0
			}
		}
		if best < h/2 {
			continue
		}
		top, bottom := end-best+1, end
		rt, _, bt := rgb(x, top+2)
		rb, _, bb := rgb(x, bottom-2)
		rm, gm, bm := rgb(x, (top+bottom)/2)
		if rt > 150 && rt-bt > 80 && bb > 150 && bb-rb > 80 && abs(rm-bm) < 30 && gm > 150 {
			barCols++ // red at the top, blue at the bottom, neutral (0) in the middle
			if barX < 0 {
				barX = x
			}
		}
	}
	if barX < 0 {
		t.Fatal("no colour bar: no column of the right half runs from blue (bottom) through neutral to red (top) over half the picture's height")
	}
	// A strip of 4 mm (15 pixels): beside its tick labels, a result wider
	// than tall (as this one) had a bar of 2 pixels at the picture's edge
	// (the DOCS campaign's F9).
	if barCols < 12 {
		t.Errorf("the colour bar is %d pixels wide, want 12 or more", barCols)
	}

	// The heat map: zeros neutral, 0.5 red (-0.1 light blue).
	neutral, red := 0, 0
	for y := h / 4; y < h*3/4; y += 7 {
		for x := 0; x < barX-40; x++ {
			r, g, b := rgb(x, y)
			switch {
			case abs(r-b) < 20 && r > 180 && g > 180 && r < 240:
				neutral++
			case r > 150 && b < 80:
				red++
			}
		}
	}
	if neutral < 1000 || red < 1000 {
		t.Errorf("heat map: %d neutral pixels (value 0) and %d red (0.5); want both: a scale symmetric about 0", neutral, red)
	}
	if lo, hi := symmetricRange(matOf([]float64{-0.1, 0, 0.5, math.NaN(), math.Inf(1)})); lo != -0.5 || hi != 0.5 {
		t.Errorf("symmetricRange: [%v, %v], want [-0.5, 0.5]", lo, hi)
	}
	rm2, err := readResultMeta(res, [4]int{ny, nx, no, nd})
	if err != nil {
		t.Fatal(err)
	}
	if s := rm2.offsetText(1); s != "(u, v) = (0, -2), 0.4 µm" {
		t.Errorf("offset label %q", s)
	}
	if s := rm2.delayText(1); s != "τ = 15 ms" {
		t.Errorf("delay label %q", s)
	}
	if ext, xl, yl := rm2.spatial(ny, nx); xl != "x (µm)" || yl != "y (µm)" || math.Abs(ext.x0-(2*0.2-0.1)) > 1e-12 {
		t.Errorf("axes %q %q, extent %+v: want micrometres from the margin", xl, yl, ext)
	}
}

func matOf(v []float64) *mat.Dense { return mat.NewDense(1, len(v), v) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestOutputKillAndResume kills out-of-core jobs writing a TIFF and an
// OME-Zarr output (while tiles are written, and at the commit's narrow
// points) and checks that a rerun gives the bytes of an uninterrupted run.
func TestOutputKillAndResume(t *testing.T) {
	r := newFaultRig(t)
	for _, name := range []string{"out.tif", "out.ome.zarr"} {
		out := filepath.Join(r.dir, name)
		if msg, err := r.run(nil, r.args(out)...); err != nil {
			t.Fatalf("%s: %v %s", name, err, msg)
		}
		want := tree(t, out)
		clean := func() {
			os.RemoveAll(out)
			os.Remove(out + ".json")
		}
		for _, kill := range []string{"tile 5", "commit", "publish", "publish, two renames"} {
			env := []string{"IPCF_FAULT_KILL=" + strings.TrimSuffix(kill, ", two renames")}
			if kill == "publish, two renames" {
				if !strings.HasSuffix(name, ".zarr") {
					continue
				}
				// As on a file system without RENAME_EXCHANGE.
				env = append(env, "IPCF_FAULT_NO_EXCHANGE=1")
			}
			if strings.HasPrefix(kill, "publish") && strings.HasSuffix(name, ".zarr") {
				// A Zarr output's commit point is moving an earlier
				// result aside: one there, not this job's (a chunk gone;
				// a chunk of other bytes is refused as edited:
				// TestZarrEditedInPlaceKept).
				os.Remove(filepath.Join(out, "0", "0", "0", "0", "0"))
			} else {
				clean()
			}
			if kill == "tile 5" {
				if !r.killWhen("tile", 5, out) {
					t.Fatalf("%s: the job ended before its fifth tile", name)
				}
			} else if msg, err := r.run(env, r.args(out)...); err == nil {
				t.Fatalf("%s: not killed at %s: %s", name, kill, msg)
			}
			old := filepath.Join(r.dir, "."+name+".old")
			switch {
			case kill == "publish" && strings.HasSuffix(name, ".zarr"):
				// Swapped in one step: the new result is whole at out
				// before any rerun, the earlier one in the partial folder.
				if got := tree(t, out); !equalTrees(got, want) {
					t.Errorf("%s, killed at %s: out is not the new result before the rerun", name, kill)
				}
				if _, err := os.Stat(old); err == nil {
					t.Errorf("%s, killed at %s: %s exists", name, kill, old)
				}
			case kill == "publish, two renames":
				// Between the renames: nothing at out, the earlier result
				// set aside (the window the swap closes).
				if _, err := os.Stat(out); err == nil {
					t.Errorf("%s, killed at %s: out exists", name, kill)
				}
				if _, err := os.Stat(old); err != nil {
					t.Errorf("%s, killed at %s: the earlier result is not at %s: %v", name, kill, old, err)
				}
			}
			if msg, err := r.run(nil, r.args(out)...); err != nil {
				t.Fatalf("%s, killed at %s: rerun failed: %v %s", name, kill, err, msg)
			}
			if got := tree(t, out); !equalTrees(got, want) {
				t.Errorf("%s, killed at %s: the rerun's output differs from an uninterrupted run's", name, kill)
			}
			for _, left := range []string{old, filepath.Join(r.dir, "."+name+".partial")} {
				if _, err := os.Stat(left); err == nil {
					t.Errorf("%s, killed at %s: %s left after the rerun", name, kill, left)
				}
			}
		}
		clean()
	}
}

// TestZarrEarlierResultNotRemoved: a Zarr result published whose earlier
// result, set aside, could not be removed (an injected I/O error; a
// read-only earlier result for a user) fails saying so, and so does a
// rerun, without building the result again; it said "the finished output
// did not match its checksum ... checking every tile", wrote a second
// copy into .OUT.partial and failed the same way (OUT15's F13). Once the
// removal works, a rerun finishes it.
func TestZarrEarlierResultNotRemoved(t *testing.T) {
	r := newFaultRig(t)
	out := filepath.Join(r.dir, "out.zarr")
	if msg, err := r.run(nil, r.args(out)...); err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	fail := []string{"IPCF_FAULT_FAIL=remove-old"}
	for run := 0; run < 2; run++ {
		msg, err := r.run(fail, r.args(out, "--smooth", "0.5")...)
		if err == nil || !strings.Contains(msg, "the result is published; the earlier result, set aside at") || strings.Contains(msg, "did not match its checksum") {
			t.Errorf("run %d with the earlier result's removal failing: %v %s", run, err, msg)
		}
		if _, err := os.Lstat(filepath.Join(r.dir, ".out.zarr.partial")); err == nil {
			t.Errorf("run %d: a partial copy built again", run)
		}
	}
	want := tree(t, out)
	if msg, err := r.run(nil, r.args(out, "--smooth", "0.5")...); err != nil {
		t.Fatalf("rerun with the removal working: %v %s", err, msg)
	}
	if got := tree(t, out); !equalTrees(got, want) {
		t.Error("the published result changed")
	}
	if _, err := os.Lstat(filepath.Join(r.dir, ".out.zarr.old")); err == nil {
		t.Error("the earlier result is still set aside")
	}
}

// TestZarrEarlierResultNotSetAside: a Zarr result replaced where setting
// the earlier result aside fails after the swap (an injected I/O error;
// best effort) leaves no copy of it: the earlier result stayed whole in
// .OUT.partial, exit 0, and an "already complete" rerun left it there too
// (FAULT11's M1); fit's earlier maps likewise.
func TestZarrEarlierResultNotSetAside(t *testing.T) {
	r := newFaultRig(t)
	fail := []string{"IPCF_FAULT_FAIL=set-aside"}
	for _, name := range []string{"out.zarr", "out.ome.zarr"} {
		out := filepath.Join(r.dir, name)
		if msg, err := r.run(nil, r.args(out)...); err != nil {
			t.Fatalf("%s: %v %s", name, err, msg)
		}
		want := tree(t, out)
		ref := filepath.Join(r.dir, "ref-"+name)
		if err := os.CopyFS(ref, os.DirFS(out)); err != nil {
			t.Fatal(err)
		}
		if msg, err := r.run(nil, r.args(out, "--smooth", "0.5")...); err != nil {
			t.Fatalf("%s: %v %s", name, err, msg)
		}
		partial, old := filepath.Join(r.dir, "."+name+".partial"), filepath.Join(r.dir, "."+name+".old")
		if msg, err := r.run(fail, r.args(out)...); err != nil {
			t.Fatalf("%s: replacing with the set-aside failing: %v %s", name, err, msg)
		}
		if got := tree(t, out); !equalTrees(got, want) {
			t.Errorf("%s: not the new result", name)
		}
		for _, left := range []string{partial, old} {
			if _, err := os.Lstat(left); err == nil {
				t.Errorf("%s: %s left after the replacement", name, left)
			}
		}
		// A partial folder an "already complete" rerun finds is left as it
		// is: it may be another job's finished, unpublished result, whose
		// scratch is elsewhere (REVIEW12's F3: removed, all its work lost).
		if err := os.CopyFS(partial, os.DirFS(ref)); err != nil {
			t.Fatal(err)
		}
		if msg, err := r.run(nil, r.args(out)...); err != nil || !strings.Contains(msg, "already the complete result") {
			t.Errorf("%s: rerun beside a partial folder: %v %s", name, err, msg)
		}
		if got := tree(t, partial); !equalTrees(got, want) {
			t.Errorf("%s: the partial folder changed by an already complete rerun", name)
		}
		os.RemoveAll(partial)
	}
	// fit's maps: the earlier ones, not set aside, are not left beside them
	res := filepath.Join(r.dir, "res.npy")
	if msg, err := r.run(nil, "pcf", r.in, "-o", res, "--radius", "3", "--npoints", "4", "--nbins", "12", "--smooth", "0", "--quiet"); err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	maps := filepath.Join(r.dir, "m.zarr")
	if msg, err := r.run(nil, "fit", res, "-o", maps, "--model", "pcf1d", "--quiet"); err != nil {
		t.Fatalf("fit: %v %s", err, msg)
	}
	if msg, err := r.run(fail, "fit", res, "-o", maps, "--model", "pcf1d", "--quiet"); err != nil {
		t.Fatalf("fit again, the set-aside failing: %v %s", err, msg)
	}
	ents, _ := os.ReadDir(r.dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "m.zarr") && e.Name() != "m.zarr" {
			t.Errorf("fit: %s left beside the maps", e.Name())
		}
	}
}

// TestPublishedScratchNotRemoved: a run whose result is published but
// whose scratch cannot be removed (an injected I/O error) says that the
// result is in place (it said only "scratch: rename ...: input/output
// error", exit 1: FAULT11's M2), and a rerun finds it published and
// removes the scratch, the result unchanged.
func TestPublishedScratchNotRemoved(t *testing.T) {
	r := newFaultRig(t)
	for _, name := range []string{"out.npy", "out.zarr"} {
		out := filepath.Join(r.dir, name)
		msg, err := r.run([]string{"IPCF_FAULT_FAIL=scratch-rename"}, r.args(out)...)
		if err == nil || !strings.Contains(msg, out+" is published, complete, but this run's scratch could not be removed (a rerun removes it)") {
			t.Errorf("%s: %v %s", name, err, msg)
		}
		want := tree(t, out)
		if msg, err := r.run(nil, r.args(out)...); err != nil {
			t.Errorf("%s: rerun: %v %s", name, err, msg)
		}
		if got := tree(t, out); !equalTrees(got, want) {
			t.Errorf("%s: the rerun changed the result", name)
		}
		ents, _ := os.ReadDir(r.dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".ipcf-scratch-") || strings.HasSuffix(e.Name(), ".scratch") {
				t.Errorf("%s: %s left after the rerun", name, e.Name())
			}
		}
	}
}

// tree reads a file (and its sidecar) or every file of a folder.
func tree(t *testing.T, path string) map[string][]byte {
	m := map[string][]byte{}
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[strings.TrimPrefix(p, path)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path + ".json"); err == nil {
		var side map[string]any
		json.Unmarshal(b, &side)
		m[".json crc"] = []byte(fmt.Sprint(side["output_crc32c"]))
	}
	return m
}

func equalTrees(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestEmptyFlagValues: every option that takes a string, given an empty
// value (an unset shell variable: --mask "$MASK"), is a usage error naming
// it; --threshold "", --mask "" and --frames "" ran as if left out.
func TestEmptyFlagValues(t *testing.T) {
	pos := map[string][]string{"pcf": {"x.npy"}, "bleach": {"x.npy"}, "convolve": {"a.npy", "b.npy"}, "fit": {"r.npy"}, "plot": {"r.npy"}}
	// each flag of the types, every command, refused with msg for each value
	refused := func(types []string, values []string, msg string) int {
		n := 0
		for name := range helps {
			_, out, _ := runSplit(name, "--help")
			for _, l := range strings.Split(out, "\n") {
				f := strings.Fields(l)
				if len(f) < 2 || !slices.Contains(types, f[1]) || !strings.HasPrefix(f[0], "-") {
					continue
				}
				for _, v := range values {
					args := append(append([]string{name}, pos[name]...), f[0], v, "-o", "out.npy")
					code, _, errs := runSplit(args...)
					if code != 2 || !strings.Contains(errs, fmt.Sprintf("invalid value %q for flag %s: %s", v, f[0], msg)) {
						t.Errorf("ipcf %q: exit %d, %q", args, code, errs)
					}
				}
				n++
			}
		}
		return n
	}
	if n := refused([]string{"int", "uint"}, []string{"0x10", "0b11", "1_0", "0o7", "1e3", " 3", "+3"}, "want a whole number in decimal digits"); n < 20 {
		t.Errorf("%d whole-number flags checked, want the 20 or more the commands have", n)
	}
	// Numbers with a fraction are read in decimal too: Go's flag.Float64
	// read --threshold 0_5 as 5 and --smooth 0x1p-1 as 0.5 (a campaign's
	// finding); --threshold and --memory, read as strings, the same.
	if n := refused([]string{"float"}, []string{"0_5", "0x1p-1", "-0X1", "1_0e1", " 0.5"}, "want a number in decimal digits"); n < 10 {
		t.Errorf("%d float flags checked, want the 10 or more the commands have", n)
	}
	// (a plus sign before a count or size was taken by the int flags,
	// --pixel, --shape and --tile, and refused by --frames and --crop:
	// TOOLS14's m10; --offsets, directions, take +1,-1)
	for _, c := range [][]string{{"--threshold", "0_5"}, {"--threshold", "0x10"}, {"--threshold", " 40"}, {"--threshold", "40 "}, {"--memory", "1_0GiB"}, {"--memory", "0x10MiB"},
		{"--shape", "64,+8,8"}, {"--tile", "+4,4"}} {
		args := []string{"pcf", "x.npy", "-o", "out.npy", c[0], c[1]}
		if code, _, errs := runSplit(args...); code != 2 || !strings.Contains(errs, c[1]) {
			t.Errorf("ipcf %q: exit %d, %q", args, code, errs)
		}
	}
	// Leading zeros are decimal: the same simulation as without them.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	if code, _, errs := runSplit("simulate", "-o", a, "--frames", "0100", "--size", "016", "--seed", "010", "--particles", "09", "--threads", "01", "--quiet"); code != 0 {
		t.Fatalf("zero-padded simulate: exit %d, %s", code, errs)
	}
	if code, _, errs := runSplit("simulate", "-o", b, "--frames", "100", "--size", "16", "--seed", "10", "--particles", "9", "--threads", "1", "--quiet"); code != 0 {
		t.Fatalf("simulate: exit %d, %s", code, errs)
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ba) != 128+2*100*16*16 || !bytes.Equal(ba, bb) {
		t.Errorf("--frames 0100 --size 016 --seed 010: %d bytes, equal to the undecorated run: %v", len(ba), bytes.Equal(ba, bb))
	}
	r := filepath.Join(dir, "r.npy")
	if code, _, errs := runSplit("pcf", a, "-o", r, "--radius", "03", "--npoints", "08", "--nbins", "010", "--quiet"); code != 0 {
		t.Fatalf("zero-padded pcf: exit %d, %s", code, errs)
	}
	f, err := npy.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := []int{16 - 6, 16 - 6, 8}; !slices.Equal(f.Shape[:3], want) {
		t.Errorf("--radius 03 --npoints 08: shape %v, want %v and delays", f.Shape, want)
	}
}

// TestCPUProfileNeverReplaces: --cpuprofile writes a new file or one an
// earlier run wrote (a profile: the same command line runs again), never
// the input, a result, the output to be, a link or a user's file.
func TestCPUProfileNeverReplaces(t *testing.T) {
	r := newOutRig(t)
	res := filepath.Join(r.dir, "res.npy")
	r.pcf(t, res)
	user := filepath.Join(r.dir, "notes.txt")
	if err := os.WriteFile(user, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(r.dir, "dangling")
	if err := os.Symlink(filepath.Join(r.dir, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	// A user's gzip archive, as gzip(1) writes it (OS Unix, a time).
	archive := filepath.Join(r.dir, "backup.tar.gz")
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.OS, zw.ModTime = 3, time.Unix(1.7e9, 0)
	zw.Write([]byte("precious"))
	zw.Close()
	if err := os.WriteFile(archive, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	x := filepath.Join(r.dir, "x.npy")
	// The output's hidden files: its partial output (also the error
	// bars'), its lock; a profile opened there went into the result.
	hidden := []string{ooc.PartialName(x), ooc.PartialName(ooc.ErrorsName(x)), job.LockName(x)}
	for _, p := range append([]string{r.in, res, user, link, x, archive}, hidden...) {
		before, _ := os.ReadFile(p)
		code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", x, "--errors", "blocking", "--cpuprofile", p}, r.common...)...)
		if code != 1 || !strings.Contains(msg, "--cpuprofile") {
			t.Errorf("--cpuprofile %s: exit %d, %q; want 1 naming the option", p, code, msg)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("--cpuprofile %s changed it", p)
		}
	}
	if _, err := os.Lstat(filepath.Join(r.dir, "nowhere")); err == nil {
		t.Error("--cpuprofile followed a dangling link")
	}
	// The partial output named through a link and "..": the same file to
	// the kernel (a lexical clean let the profile become the result).
	for _, d := range []string{"t", "w"} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(r.dir, "t"), filepath.Join(r.dir, "w", "L")); err != nil {
		t.Fatal(err)
	}
	via := filepath.Join(r.dir, "w", "L") + "/../" + filepath.Base(ooc.PartialName(x))
	if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", x, "--cpuprofile", via}, r.common...)...); code != 1 || !strings.Contains(msg, "hidden file of this job's output") {
		t.Errorf("--cpuprofile %s: exit %d, %q; want 1, a hidden file of the output", via, code, msg)
	}
	prof := filepath.Join(r.dir, "cpu.prof")
	for run := 0; run < 2; run++ { // the second: the same command line, its profile there
		if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", filepath.Join(r.dir, "y.npy"), "--cpuprofile", prof}, r.common...)...); code != 0 {
			t.Fatalf("run %d with --cpuprofile %s: exit %d: %s", run, prof, code, msg)
		}
		if b, err := os.ReadFile(prof); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("run %d: no profile written: %v", run, err)
		}
	}
}

// TestPlainOutputAppearingDuringRun: a user's file put at a plain
// command's output (or its sidecar) after the command's first check is
// never replaced when it publishes (writeOwned checks again).
func TestPlainOutputAppearingDuringRun(t *testing.T) {
	for _, victim := range []string{"out.npy", "out.npy.json"} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.npy")
		if err := plainCheck("simulate", out); err != nil {
			t.Fatal(err)
		}
		user := filepath.Join(dir, victim)
		if err := os.WriteFile(user, []byte("a user's file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := writePlain("simulate", out, array.Uint16, []int{2, 3}, make([]byte, 12), nil)
		if !errors.Is(err, errTarget) || !strings.Contains(err.Error(), victim) {
			t.Errorf("%s appearing: %v, want errTarget naming it", victim, err)
		}
		if b, _ := os.ReadFile(user); string(b) != "a user's file\n" {
			t.Errorf("%s replaced: %q", victim, b)
		}
		if left, _ := os.ReadDir(dir); len(left) != 1 {
			t.Errorf("%s appearing: left %v, want the user's file only", victim, left)
		}
	}
}

// TestPlotNarrowPictureDrawn: a picture too narrow for the colour bar's
// measured room keeps the fixed room, and is drawn as before (220 to 230
// pixels wide were refused, exit 2: REVIEW5's F1).
func TestPlotNarrowPictureDrawn(t *testing.T) {
	dir := t.TempDir()
	in, res := filepath.Join(dir, "sim.npy"), filepath.Join(dir, "r.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "256", "--size", "16", "--threads", "1", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", in, "-o", res, "--threads", "1", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for _, w := range []string{"220", "230"} {
		if code, msg := ipcf(t, "plot", res, "--width", w, "--height", "480", "-o", filepath.Join(dir, w+".png")); code != 0 {
			t.Errorf("a picture %s pixels wide: exit %d, %q", w, code, msg)
		}
	}
}

// TestOMEZarrWithoutZgroupRecomputed: an OME-Zarr result whose .zgroup was
// deleted is ipcf's (its group's .zattrs say OME-NGFF), and the same job
// computes it again; every rerun refused it, calling ipcf's own
// 0/.zarray a file ipcf did not write (FAULT8's F8). A user's file in it
// is still refused.
func TestOMEZarrWithoutZgroupRecomputed(t *testing.T) {
	_, p, in := smallInput(t)
	out := p("o.ome.zarr")
	args := []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"}
	if code, msg := runIn(t, args...); code != 0 {
		t.Fatal(code, msg)
	}
	want, err := os.ReadFile(filepath.Join(out, "0", ".zarray"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out, ".zgroup"))
	if code, msg := runIn(t, args...); code != 0 {
		t.Fatalf(".zgroup deleted: exit %d, %q; want the result computed again", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, ".zgroup")); err != nil {
		t.Errorf("the rerun left no .zgroup: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "0", ".zarray")); string(got) != string(want) {
		t.Errorf("0/.zarray after the rerun: %s, want %s", got, want)
	}
	os.Remove(filepath.Join(out, ".zgroup"))
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	if code, msg := runIn(t, args...); code != 1 || !strings.Contains(msg, "notes.txt") {
		t.Errorf("a user's file in it: exit %d, %q; want it refused, named", code, msg)
	}
}
