package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
)

// emptyCopy writes the first 0 rows of the .npy at src (with its
// metadata, shape and checksum rewritten as ipcf writes them) to dst.
func emptyCopy(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	_, h, err := npy.View(b)
	if err != nil {
		t.Fatal(err)
	}
	shape := append([]int{0}, h.Shape[1:]...)
	if err := npy.WriteFile(dst, h.DType, shape, nil); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	side, err := os.ReadFile(src + ".json")
	if err != nil || json.Unmarshal(side, &meta) != nil {
		t.Fatalf("%s.json: %v", src, err)
	}
	meta["shape"] = shape
	meta["output_bytes"] = len(out)
	meta["output_crc32c"] = fmt.Sprintf("%08x", crc32.Checksum(out, crc32.MakeTable(crc32.Castagnoli)))
	if err := os.WriteFile(dst+".json", sealed(t, meta), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Pictures of awkward data are drawn or refused with a message, never an
// internal error (gonum/plot panicked on each of these: exit 70).
func TestPlotAwkwardData(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	// A constant series of 1e16: gonum's +-1 widening left an empty range.
	for _, c := range []struct {
		name string
		v    float64
	}{{"c1e16.npy", 1e16}, {"cneg.npy", -1e16}, {"c5.npy", 5}} {
		writeNpy(t, p(c.name), array.Float64, []int{8, 3, 3}, func(int) float64 { return c.v })
		if code, msg := ipcf(t, "plot", "--mean", p(c.name), "-o", p(c.name+".png")); code != 0 {
			t.Errorf("plot --mean of a constant %g: exit %d: %s", c.v, code, msg)
		} else if img := decodePNG(t, p(c.name+".png")); img.Bounds().Dx() != 1100 {
			t.Errorf("plot --mean of a constant %g: width %d", c.v, img.Bounds().Dx())
		}
	}
	// Too small a picture for its labels: refused, naming the options.
	writeNpy(t, p("p3.npy"), array.Uint16, []int{64, 3, 3}, func(i int) float64 { return float64(100 + i%7) })
	code, msg := ipcf(t, "plot", "--mean", p("p3.npy"), "-o", p("small.png"), "--height", "27")
	if code != 2 || !strings.Contains(msg, "1100 x 27 pixels leaves no room") || !strings.Contains(msg, "--height") {
		t.Errorf("plot --height 27: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(p("small.png")); !os.IsNotExist(err) {
		t.Errorf("a refused picture was written: %v", err)
	}
	// Maps and results of no pixel: fit and plot refuse them.
	r := newFitRig(t)
	res := r.pcf(t, "res.npy", "--radius", "2", "--npoints", "4")
	if code, msg := ipcf(t, "fit", res, "-o", p("maps.npy"), "--quiet"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "plot", p("maps.npy"), "-o", p("tiny.png"), "--height", "45"); code != 2 || !strings.Contains(msg, "no room") {
		t.Errorf("plot of maps --height 45: exit %d: %s", code, msg)
	}
	emptyCopy(t, p("maps.npy"), p("maps0.npy"))
	if code, msg := ipcf(t, "plot", p("maps0.npy"), "-o", p("maps0.png")); code != 1 || !strings.Contains(msg, "maps of 0 x 16 pixels: nothing to draw") {
		t.Errorf("plot of maps of no row: exit %d: %s", code, msg)
	}
	emptyCopy(t, res, p("res0.npy"))
	for _, out := range []string{"m0.npy", "m0.tif", "m0.zarr"} {
		if code, msg := ipcf(t, "fit", p("res0.npy"), "-o", p(out), "--quiet"); code != 1 || !strings.Contains(msg, "an empty result, nothing to fit") {
			t.Errorf("fit of a result of no row into %s: exit %d: %s", out, code, msg)
		}
	}
}

// The row axis runs down: the value -y is row y, the top edge row -0.5.
func TestRowAxisLabels(t *testing.T) {
	got := map[float64]string{}
	for _, tk := range (absTicks{}).Ticks(-2.5, 0.5) {
		if tk.Label != "" {
			got[tk.Value] = tk.Label
		}
	}
	for v, want := range map[float64]string{0.5: "-0.5", 0: "0", -1.5: "1.5", -2.5: "2.5"} {
		if l, ok := got[v]; ok && l != want {
			t.Errorf("value %g labelled %q, want %q", v, l, want)
		}
	}
	if got[0.5] != "-0.5" {
		t.Errorf("labels %v: want the top edge 0.5 labelled -0.5", got)
	}
	for _, c := range []struct{ v, lo, hi float64 }{{1e16, 0.9e16, 1.1e16}, {-1e16, -1.1e16, -0.9e16}, {100, 100, 100}, {1 << 52, 1 << 52, 1 << 52}} {
		var a plot.Axis
		a.Scale = plot.LinearScale{}
		a.Min, a.Max = c.v, c.v
		widenFlat(&a)
		if a.Min != c.lo || a.Max != c.hi { // (gonum's +-1 stays below 2^53)
			t.Errorf("widenFlat(%g): [%g, %g], want [%g, %g]", c.v, a.Min, a.Max, c.lo, c.hi)
		}
	}
}

// TestFiniteRangeOfOneValue: an image or map of one value is drawn on a
// scale of 1 % about it (of 1 about 0): a map of D = 0.18 everywhere was
// drawn on -0.82 to 1.18, negative D on its colour bar.
func TestFiniteRangeOfOneValue(t *testing.T) {
	for _, c := range []struct{ v, lo, hi float64 }{
		{0.18, 0.1782, 0.1818}, {-5, -5.05, -4.95}, {0, -1, 1}, {1e-300, 0.99e-300, 1.01e-300}, {5e-324, -1, 1}, {math.MaxFloat64, math.MaxFloat64 * 0.99, math.MaxFloat64},
	} {
		m := mat.NewDense(2, 3, []float64{c.v, c.v, math.NaN(), c.v, math.Inf(1), c.v})
		lo, hi := finiteRange(m)
		if math.Abs(lo-c.lo) > 1e-12*math.Abs(c.lo) || math.Abs(hi-c.hi) > 1e-12*math.Abs(c.hi) || !(hi > lo) {
			t.Errorf("finiteRange of %g: %g to %g, want %g to %g", c.v, lo, hi, c.lo, c.hi)
		}
	}
}

// TestMetaUnreadableIsAnError: metadata that are there but cannot be read
// (here a folder at the sidecar's name: an I/O error in the campaign) are
// an error of readResultMeta and readMapsMetaErr, not absent metadata
// (ipcf plot drew an unlabelled figure and fit's maps lost their origin,
// with exit 0: FAULT8's F7); absent ones are none, without an error.
func TestMetaUnreadableIsAnError(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.npy")
	if _, err := readResultMeta(res, [4]int{1, 1, 1, 1}); err != nil {
		t.Errorf("no metadata: %v", err)
	}
	if _, ok, err := readMapsMetaErr(res); ok || err != nil {
		t.Errorf("no maps metadata: %v %v", ok, err)
	}
	if err := os.Mkdir(res+".json", 0o755); err != nil {
		t.Fatal(err)
	}
	if rm, err := readResultMeta(res, [4]int{1, 1, 1, 1}); err == nil || rm.known || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("unreadable metadata: %v (known %v)", err, rm.known)
	}
	if _, ok, err := readMapsMetaErr(res); ok || err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("unreadable maps metadata: %v %v", ok, err)
	}
}

// TestPlotMissingMaps: maps that are not there are said to be missing,
// with --param too (a usage error called them no maps), and where a fit
// was stopped while it replaced a MAPS.zarr, the earlier maps it kept
// (a folder) are named, as those of a MAPS.npy (FAULT8's F4).
func TestPlotMissingMaps(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	for _, args := range [][]string{{"plot", p("nothere.npy"), "-o", p("f.png"), "--param", "D"}, {"plot", p("nothere.zarr"), "-o", p("f.png")}} {
		if code, msg := runIn(t, args...); code != 1 || !strings.Contains(msg, "is not there") || strings.Contains(msg, "is not one") {
			t.Errorf("%v: exit %d, %q; want 1, saying it is not there", args, code, msg)
		}
	}
	if err := os.Mkdir(p(".ipcf-m.zarr-123.old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "plot", p("m.zarr"), "-o", p("f.png"), "--param", "D"); code != 1 || !strings.Contains(msg, "kept the earlier ones as "+p(".ipcf-m.zarr-123.old")) {
		t.Errorf("a MAPS.zarr kept aside: exit %d, %q; want 1, naming it", code, msg)
	}
}

// TestShortDescription: a map's title takes the first words of its
// parameter's description, whole ("amplitude G(0)", not "amplitude G":
// FIT13's M5).
func TestShortDescription(t *testing.T) {
	for in, want := range map[string]string{
		"amplitude G(0) (1/N for N particles in the PSF)": "amplitude G(0)",
		"flow direction, degrees from the +x axis":        "flow direction",
		"diffusion coefficient":                           "diffusion coefficient",
		"offset G(inf); the curve's tail":                 "offset G(inf)",
	} {
		if got := shortDescription(in); got != want {
			t.Errorf("shortDescription(%q) = %q, want %q", in, got, want)
		}
	}
}
