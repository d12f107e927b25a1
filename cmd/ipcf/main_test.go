package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/internal/ctxtest"
	"gonum.org/v1/gonum/mat"
)

var conformance = filepath.Join("..", "..", "..", "shared", "conformance")

type manifest struct {
	Cases []struct {
		Name, Op string
		Params   map[string]any
		Input    struct{ File string }
		Outputs  []struct{ Role, File string }
	}
}

func ipcf(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String() + errb.String()
}

func compare(t *testing.T, name, gotPath, wantPath string, atol float64) {
	t.Helper()
	got, err := npy.Open(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	want, err := npy.Open(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if got.DType != want.DType || len(got.Shape) != len(want.Shape) {
		t.Fatalf("%s: %s %v, want %s %v", name, got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := range got.Shape {
		if got.Shape[i] != want.Shape[i] {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
		}
	}
	sz := got.DType.Size()
	for i := 0; i < got.Len(); i++ {
		g, w := got.Load(got.Offset+i*sz), want.Load(want.Offset+i*sz)
		if math.IsNaN(g) != math.IsNaN(w) || math.Abs(g-w) > atol {
			t.Fatalf("%s: element %d = %v, want %v", name, i, g, w)
		}
	}
}

// golden holds the project's own cases (tools/golden).
var golden = filepath.Join("..", "..", "testdata", "golden")

func TestConformanceThroughCLI(t *testing.T) {
	for _, dir := range []string{golden, conformance} {
		t.Run(filepath.Base(dir), func(t *testing.T) { testConformanceThroughCLI(t, dir) })
	}
}

func testConformanceThroughCLI(t *testing.T, conformance string) {
	b, err := os.ReadFile(filepath.Join(conformance, "manifest.json"))
	if err != nil {
		t.Fatalf("cases not found (%v): testdata/golden is in the repository and ../shared must be beside the checkout", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range m.Cases {
		in := filepath.Join(conformance, c.Input.File)
		num := func(k string) string { return strconv.Itoa(int(c.Params[k].(float64))) }
		mean := "real"
		if c.Params["mean"] == "int" || c.Params["mean"] == "floor" {
			mean = "floor"
		}
		for _, o := range c.Outputs {
			res := filepath.Join(dir, c.Name+"."+o.Role+".npy")
			var args []string
			atol := 0.0
			switch {
			case o.Role == "expected_corrected" || c.Op == "bleach":
				args = []string{"bleach", in, "-o", res, "--filtersize", num("filtersize"), "--bleach-mean", mean, "--quiet"}
			case c.Op == "pcf":
				args = []string{"pcf", in, "-o", res, "--radius", num("radius"), "--npoints", num("npoints"), "--nbins", num("nbins"), "--quiet"}
				atol = 1e-6
			case c.Op == "bleach+pcf":
				args = []string{"pcf", in, "-o", res, "--radius", num("radius"), "--npoints", num("npoints"), "--nbins", num("nbins"),
					"--bleach", num("filtersize"), "--bleach-mean", mean, "--threads", "1", "--quiet"}
				atol = 1e-6
			}
			if code, msg := ipcf(t, args...); code != 0 {
				t.Fatalf("%s: exit %d: %s", c.Name, code, msg)
			}
			compare(t, c.Name+"/"+o.Role, res, filepath.Join(conformance, o.File), atol)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npy")
	if code, msg := ipcf(t, "simulate", "-o", good, "--frames", "64", "--size", "12", "--quiet"); code != 0 {
		t.Fatalf("simulate: %d %s", code, msg)
	}
	raw, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	trunc := write("trunc.npy", raw[:len(raw)-10])
	corrupt := write("corrupt.npy", append([]byte("\x93NUMPX"), raw[6:]...))
	empty := write("empty.tif", nil)
	oneDict := "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 8, 8), }"
	oneFrame := write("one.npy", []byte("\x93NUMPY\x01\x00v\x00"+oneDict+strings.Repeat(" ", 118-len(oneDict)-1)+"\n"+strings.Repeat("\x01\x00", 64)))
	dict := "{'descr': '<i8', 'fortran_order': False, 'shape': (4, 2, 2), }"
	int64s := write("int64.npy", []byte("\x93NUMPY\x01\x00v\x00"+dict+strings.Repeat(" ", 118-len(dict)-1)+"\n"+strings.Repeat("\x00", 4*4*8)))
	short := filepath.Join(dir, "short.npy")
	ipcf(t, "simulate", "-o", short, "--frames", "3", "--size", "12", "--quiet")
	badmask := filepath.Join(dir, "mask.npy")
	ipcf(t, "simulate", "-o", badmask, "--frames", "1", "--size", "5", "--channel-width", "0", "--quiet")
	out := filepath.Join(dir, "out.npy")
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no args", []string{}, 2, "usage"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"no output", []string{"pcf", good}, 2, "is required"},
		{"missing input", []string{"pcf", filepath.Join(dir, "nope.npy"), "-o", out}, 1, "no such file"},
		{"truncated npy", []string{"pcf", trunc, "-o", out}, 1, "truncated data"},
		{"corrupt npy", []string{"pcf", corrupt, "-o", out}, 1, "neither .npy nor TIFF"},
		{"empty file", []string{"pcf", empty, "-o", out}, 1, "empty.tif is empty (0 bytes)"},
		{"one frame (a single image)", []string{"pcf", oneFrame, "-o", out, "--radius", "2"}, 1, "holds one frame (a single image)"},
		{"int64 npy (numpy's integers)", []string{"pcf", int64s, "-o", out}, 1, `dtype "<i8" not supported (want b1, u1, u2, i2, i4, f4 or f8); convert it, e.g. numpy.save(path, a.astype(numpy.uint16))`},
		{"radius too large", []string{"pcf", good, "-o", out, "--radius", "6"}, 2, "radius=6 too large"},
		{"nbins 1", []string{"pcf", good, "-o", out, "--radius", "2", "--nbins", "1"}, 2, "nbins=1"},
		{"npoints 0", []string{"pcf", good, "-o", out, "--radius", "2", "--npoints", "0"}, 2, "npoints=0"},
		{"fewer than 4 frames", []string{"pcf", short, "-o", out, "--radius", "2"}, 1, "holds 3 frames: the pCF correlates a time series of 4 frames or more"},
		{"mask wrong shape", []string{"pcf", good, "-o", out, "--radius", "2", "--mask", badmask}, 2, "mask shape"},
		{"bad bleach mean", []string{"pcf", good, "-o", out, "--bleach-mean", "median"}, 2, "want real or floor"},
		{"bleach too large", []string{"bleach", good, "-o", out, "--filtersize", "40"}, 2, "filtersize=40"},
		{"bad flag", []string{"pcf", good, "-o", out, "--radius", "x"}, 2, "invalid value"},
		{"negative threads", []string{"pcf", good, "-o", out, "--threads", "-2", "--radius", "2"}, 2, "threads=-2"},
	}
	for _, c := range cases {
		code, msg := ipcf(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: exit %d, %q; want exit %d and %q", c.name, code, msg, c.code, c.msg)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}

func TestZeroPixelGivesNaN(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	// 16 frames of 6 x 6 ones with pixel (2, 3) all zero.
	data := make([]byte, 16*36*2)
	for i := 0; i < 16*36; i++ {
		if i%36 != 2*6+3 {
			data[2*i] = byte(1 + i%5)
		}
	}
	if err := npy.WriteFile(in, 2, []int{16, 6, 6}, data); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	if code, msg := ipcf(t, "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	f, err := npy.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Output pixel (1, 2) is the zero pixel: all its curves are NaN;
	// its left neighbour (1, 1) at point 0 (u=1, v=0) involves it too.
	if !math.IsNaN(f.At(1, 2, 0, 0)) || !math.IsNaN(f.At(1, 1, 0, 1)) || math.IsNaN(f.At(0, 0, 0, 0)) {
		t.Fatalf("NaN pattern wrong: %v %v %v", f.At(1, 2, 0, 0), f.At(1, 1, 0, 1), f.At(0, 0, 0, 0))
	}
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	res := filepath.Join(dir, "res.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "64", "--size", "16", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", in, "-o", res, "--radius", "2", "--npoints", "8", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for name, args := range map[string][]string{
		"image":  {"plot", res, "--point", "1", "--bin", "2", "-o"},
		"carpet": {"plot", res, "--pixel", "3,4", "--width", "900", "--height", "300", "-o"},
		"mean":   {"plot", "--mean", in, "--width", "800", "--height", "400", "-o"},
	} {
		png := filepath.Join(dir, name+".png")
		if code, msg := ipcf(t, append(args, png)...); code != 0 {
			t.Fatalf("%s: %s", name, msg)
		}
		f, _ := os.Open(png)
		cfg, err := pngDecodeConfig(f)
		f.Close()
		want := map[string][2]int{"image": {720, 560}, "carpet": {900, 300}, "mean": {800, 400}}[name]
		if err != nil || cfg.Width != want[0] || cfg.Height != want[1] {
			t.Fatalf("%s: %dx%d (%v), want %dx%d", name, cfg.Width, cfg.Height, err, want[0], want[1])
		}
	}
	if code, _ := ipcf(t, "plot", res, "--pixel", "99,0", "-o", filepath.Join(dir, "x.png")); code != 2 {
		t.Fatalf("pixel outside the result: exit %d, want 2 (a usage mistake)", code)
	}
}

var pngDecodeConfig = png.DecodeConfig

func TestConvolve(t *testing.T) {
	dir := t.TempDir()
	img, ker, even, out := filepath.Join(dir, "f.npy"), filepath.Join(dir, "g.npy"), filepath.Join(dir, "e.npy"), filepath.Join(dir, "h.npy")
	// f = [[1 2 3] [4 5 6]] (int16), g = [[1 0 -1]] (uint8 cannot hold -1: int16)
	i16 := func(v ...int16) []byte {
		b := make([]byte, 2*len(v))
		for i, x := range v {
			b[2*i], b[2*i+1] = byte(uint16(x)), byte(uint16(x)>>8)
		}
		return b
	}
	npy.WriteFile(img, 3, []int{2, 3}, i16(1, 2, 3, 4, 5, 6))
	npy.WriteFile(ker, 3, []int{1, 3}, i16(1, 0, -1))
	npy.WriteFile(even, 3, []int{1, 2}, i16(1, -1))
	if code, msg := ipcf(t, "convolve", img, ker, "-o", out); code != 0 {
		t.Fatal(msg)
	}
	f, err := npy.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// scipy.signal.convolve2d(f, g): [[1 2 2 -2 -3] [4 5 2 -5 -6]]
	want := []float64{1, 2, 2, -2, -3, 4, 5, 2, -5, -6}
	for i, w := range want {
		if got := f.At(i/5, i%5); got != w {
			t.Fatalf("h[%d] = %v, want %v", i, got, w)
		}
	}
	if code, msg := ipcf(t, "convolve", img, even, "-o", out+"2.npy"); code != 1 || !strings.Contains(msg, "only odd kernel dimensions") {
		t.Fatalf("even kernel: exit %d, %q", code, msg)
	}
}

// TestInterrupt sends SIGINT to a running pcf and expects a prompt exit
// with status 130 (128 + SIGINT, as a shell reports a process SIGINT
// ended), an "interrupted" message and no output file.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and simulates 32768 frames: skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ipcf")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	in, out := filepath.Join(dir, "in.npy"), filepath.Join(dir, "out.npy")
	// (a pCF of 8192 frames took 0.38 s on a 2026-12-07 VM: it ended
	// before the signals, sent after 300 ms, and exited 0; 32768 frames
	// take 4 times longer)
	if o, err := exec.Command(bin, "simulate", "-o", in, "--frames", "32768", "--size", "64", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("simulate: %v\n%s", err, o)
	}
	cmd := exec.Command(bin, "pcf", in, "-o", out, "--threads", "1", "--quiet")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	t0 := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if d := time.Since(t0); d > time.Second {
		t.Errorf("exit took %v after SIGINT, want < 1 s", d)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d (%v), stderr %q; want 130 and 'interrupted'", code, err, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted run left %s", out)
	}
	// Two signals at once (SIGTERM and SIGINT): the run ends with 128 + the
	// first signal received (the kernel delivers pending SIGINT before
	// SIGTERM: 130 or 143), at once if the first has not ended it yet;
	// never a hang, never an output.
	cmd = exec.Command(bin, "pcf", in, "-o", out, "--threads", "1", "--quiet")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	t0 = time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if d := time.Since(t0); d > time.Second {
		t.Errorf("exit took %v after two signals, want < 1 s", d)
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 && code != 130 {
		t.Errorf("exit %d after two signals, want 143 or 130", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted run left %s", out)
	}
}

// TestPlotMeanLineScan: plot --mean reads every input pcf reads, a 2-D
// (time, x) line scan too (refused before): its mean image is the one row
// of the same samples stored as (time, 1, x), its mean series the same.
func TestPlotMeanLineScan(t *testing.T) {
	dir := t.TempDir()
	const T, W = 300, 7
	b := make([]byte, 2*T*W)
	for i := 0; i < T*W; i++ {
		v := uint16(100 + (i*37)%23)
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	line, stack := filepath.Join(dir, "line.npy"), filepath.Join(dir, "stack.npy")
	if npy.WriteFile(line, array.Uint16, []int{T, W}, b) != nil || npy.WriteFile(stack, array.Uint16, []int{T, 1, W}, b) != nil {
		t.Fatal("write")
	}
	var imgs [2]*mat.Dense
	var series [2][]float64
	for i, p := range []string{line, stack} {
		src, err := job.OpenSource(job.Input{Path: p, Lines: true})
		if err != nil {
			t.Fatal(err)
		}
		imgs[i], series[i], _, err = means(context.Background(), src)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if !mat.Equal(imgs[0], imgs[1]) || !slices.Equal(series[0], series[1]) || len(series[0]) != T {
		t.Errorf("line scan: mean image %v and %d-frame series differ from the (time, 1, x) stack's %v",
			mat.Formatted(imgs[0]), len(series[0]), mat.Formatted(imgs[1]))
	}
	if r, c := imgs[0].Dims(); r != 1 || c != W {
		t.Fatalf("line scan: mean image %d x %d, want 1 x %d", r, c, W)
	}
	for x := 0; x < W; x++ {
		var sum float64
		for tt := 0; tt < T; tt++ {
			sum += float64(100 + ((tt*W+x)*37)%23)
		}
		if got, want := imgs[0].At(0, x), sum/T; math.Abs(got-want) > 1e-12*want {
			t.Errorf("line scan: mean of column %d is %v, want %v", x, got, want)
		}
	}
	png := filepath.Join(dir, "line.png")
	if code, msg := ipcf(t, "plot", "--mean", line, "-o", png, "--width", "600", "--height", "300"); code != 0 {
		t.Fatalf("plot --mean of a line scan: exit %d: %s", code, msg)
	}
	f, _ := os.Open(png)
	cfg, err := pngDecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width != 600 || cfg.Height != 300 {
		t.Errorf("line scan picture: %dx%d (%v), want 600x300", cfg.Width, cfg.Height, err)
	}
}

// TestInterruptConvolveAndPlot: convolve and plot stop at a signal (they
// finished, wrote their output and exited 0 before): exit 143 after
// SIGTERM, no output; and in process, a cancelled context writes nothing.
func TestInterruptConvolveAndPlot(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	img, ker := p("img.npy"), p("ker.npy")
	if npy.WriteFile(img, array.Float64, []int{400, 400}, make([]byte, 8*400*400)) != nil ||
		npy.WriteFile(ker, array.Float64, []int{61, 61}, make([]byte, 8*61*61)) != nil {
		t.Fatal("write")
	}
	in := p("in.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "64", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if err := cmdConvolve(ctx, []string{img, ker, "-o", p("c.npy")}, &stdout, &stderr); !errors.Is(err, context.Canceled) {
		t.Errorf("convolve, cancelled: %v", err)
	}
	if err := cmdPlot(ctx, []string{"--mean", in, "-o", p("m.png")}, &stdout, &stderr); !errors.Is(err, context.Canceled) {
		t.Errorf("plot --mean, cancelled: %v", err)
	}
	for _, f := range []string{"c.npy", "c.npy.json", "m.png", "m.png.json"} {
		if _, err := os.Stat(p(f)); !os.IsNotExist(err) {
			t.Errorf("a cancelled command wrote %s", f)
		}
	}
	if testing.Short() {
		return
	}
	cmd := exec.Command(binary(t), "convolve", img, ker, "-o", p("c.npy"))
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 143 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("convolve after SIGTERM: exit %d, %q; want 143 (it took longer than the signal?)", code, stderr.String())
	}
	if _, err := os.Stat(p("c.npy")); !os.IsNotExist(err) {
		t.Error("convolve wrote its output after SIGTERM")
	}
}

// TestPlotRefusesChangedFiles: a picture is drawn only of the files their
// metadata describe (the checksums ipcf fit checks too): a pCF result, a
// fit's maps or a companion changed since they were written exit 1.
func TestPlotRefusesChangedFiles(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	in := p("in.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "256", "--size", "10", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", in, "-o", p("r.npy"), "--radius", "2", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", in, "-o", p("acf.npy"), "--acf", "--bins", "multitau", "--m", "8", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for _, m := range []string{"m.npy", "m2.npy"} {
		if code, msg := ipcf(t, "fit", p("acf.npy"), "-o", p(m), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
			t.Fatal(msg)
		}
	}
	flip := func(f string) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-1] ^= 0x40
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name    string
		changed string
		args    []string
	}{
		{"pCF result", "r.npy", []string{"plot", p("r.npy"), "-o", p("a.png")}},
		{"pCF result, --pixel", "", []string{"plot", p("r.npy"), "--pixel", "1,1", "-o", p("b.png")}},
		{"maps' chi-square", "m.chisq.npy", []string{"plot", p("m.npy"), "--param", "chisq", "-o", p("d.png")}},
		{"maps", "m2.npy", []string{"plot", p("m2.npy"), "--param", "D", "-o", p("c.png")}},
	} {
		if c.changed != "" {
			if code, msg := ipcf(t, c.args...); code != 0 {
				t.Fatalf("%s before the change: exit %d, %s", c.name, code, msg)
			}
			os.Remove(c.args[len(c.args)-1])
			os.Remove(c.args[len(c.args)-1] + ".json")
			flip(p(c.changed))
		}
		code, msg := ipcf(t, c.args...)
		if code != 1 || !strings.Contains(msg, "its checksum is not the one") {
			t.Errorf("%s changed: exit %d, %q; want 1 and the checksum named", c.name, code, msg)
		}
		if _, err := os.Stat(c.args[len(c.args)-1]); !os.IsNotExist(err) {
			t.Errorf("%s changed: a picture was drawn", c.name)
		}
	}
}

// TestEnvelope: a series longer than twice the columns is drawn by each
// column's smallest and largest finite value, in their order; shorter
// ones whole.
func TestEnvelope(t *testing.T) {
	v := []float64{5, 1, 9, 3, math.NaN(), 7, 2, 8, math.Inf(1), math.NaN(), math.NaN(), math.NaN()}
	if got := envelope(v, 6); len(got) != len(v) {
		t.Errorf("12 values in 6 columns: %v, want all", got)
	}
	// Columns of 3: [5 1 9] [3 NaN 7] [2 8 Inf] [NaN NaN NaN].
	if got, want := envelope(v, 4), []int{1, 2, 3, 5, 6, 7}; !slices.Equal(got, want) {
		t.Errorf("envelope = %v, want %v", got, want)
	}
	if got, want := envelope([]float64{4, 4, 4, 9, 1, 0}, 2), []int{0, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("a level column and a falling one: %v, want %v", got, want)
	}
}

// TestUsageStatesTheDefaults: the defaults the usage text and the bleach
// help state are their owners' (core/pcf's options, core/bleach's filter
// size), not copies that drift.
func TestUsageStatesTheDefaults(t *testing.T) {
	o := pcf.DefaultOptions()
	for _, want := range []string{
		fmt.Sprintf("[--radius %d]", o.Radius),
		fmt.Sprintf("[--npoints %d]", o.Npoints),
		fmt.Sprintf("[--nbins %d]", o.Nbins),
		fmt.Sprintf("[--filtersize F (%d)]", bleach.DefaultFilterSize),
	} {
		if !strings.Contains(usage, want) {
			t.Errorf("the usage text lacks %q", want)
		}
	}
	if h := helps["bleach"]; !strings.Contains(h.about, fmt.Sprintf("default %d", bleach.DefaultFilterSize)) {
		t.Errorf("bleach help %q: want its default filter size %d", h.about, bleach.DefaultFilterSize)
	}
}

// TestStopSignalsAndClosedStdout: SIGHUP (the terminal closed) and SIGQUIT
// stop a command cleanly as SIGTERM does (SIGHUP ended it silently with
// its locks' files left, SIGQUIT dumped goroutines with exit 2): exit 129
// and 131, nothing written, no lock file; a closed terminal's two SIGHUPs
// are one. A SIGHUP the process was started ignoring (nohup) stays
// ignored. A closed stdout (the reader of --json
// quit) gives 141 after the command finished and cleaned up (SIGPIPE ended
// it while printing, its lock file left).
func TestStopSignalsAndClosedStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary several times (-short)")
	}
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	img, ker := p("img.npy"), p("ker.npy")
	big := p("big.npy") // some 7 times the work: still running at the signals on a fast machine
	if npy.WriteFile(img, array.Float64, []int{400, 400}, make([]byte, 8*400*400)) != nil ||
		npy.WriteFile(big, array.Float64, []int{800, 800}, make([]byte, 8*800*800)) != nil ||
		npy.WriteFile(ker, array.Float64, []int{61, 61}, make([]byte, 8*61*61)) != nil {
		t.Fatal("writing inputs")
	}
	noLock := func(what, out string) {
		t.Helper()
		if m, _ := filepath.Glob(filepath.Join(dir, "."+filepath.Base(out)+".lock")); len(m) > 0 {
			t.Errorf("%s: lock file left: %v", what, m)
		}
	}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGHUP, 129}, {syscall.SIGQUIT, 131}} {
		out := p(fmt.Sprintf("c%d.npy", c.code))
		cmd := exec.Command(binary(t), "convolve", big, ker, "-o", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		cmd.Process.Signal(c.sig)
		if c.sig == syscall.SIGHUP {
			cmd.Process.Signal(c.sig) // a closed terminal sends two
		}
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != c.code || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("convolve after %v: exit %d, %q; want %d", c.sig, code, stderr.String(), c.code)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("convolve wrote its output after %v", c.sig)
		}
		noLock(c.sig.String(), out)
	}
	// Started with SIGHUP ignored, as nohup starts it: it finishes.
	out := p("nohup.npy")
	cmd := exec.Command("bash", "-c", `trap "" HUP; exec "$0" "$@"`, binary(t), "convolve", img, ker, "-o", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGHUP)
	if err := cmd.Wait(); err != nil {
		t.Errorf("convolve started ignoring SIGHUP, after one: %v", err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("convolve started ignoring SIGHUP did not finish: %v", err)
	}
	// stdout a pipe whose reader quit.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	sim := p("sim.npy")
	cmd = exec.Command(binary(t), "simulate", "-o", sim, "--frames", "64", "--size", "8", "--json", "--quiet")
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	if code := cmd.ProcessState.ExitCode(); code != 141 || !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("simulate --json into a closed pipe: exit %d (%v), %q; want 141", code, err, stderr.String())
	}
	if f, err := npy.Open(sim); err != nil {
		t.Errorf("simulate's output after the closed pipe: %v", err)
	} else {
		f.Close()
	}
	noLock("closed stdout", sim)
	// What only prints (version, devices, help) says so too: it exited 0.
	// A command's help too (it exited 1).
	for _, args := range [][]string{{"version"}, {"devices"}, {"help"}, {"help", "pcf"}, {"pcf", "--help"}, {"bleach", "-h"}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		cmd := exec.Command(binary(t), args...)
		cmd.Stdout = w
		cmd.Run()
		w.Close()
		if code := cmd.ProcessState.ExitCode(); code != 141 {
			t.Errorf("%s into a closed pipe: exit %d, want 141", strings.Join(args, " "), code)
		}
	}
}

// TestPlotMeanNearMaxFloat: a frame of finite float64 samples whose sum
// overflows (near 1.8e308) has a finite mean series point, the mean of its
// samples; it was +Inf, and the time-series panel was drawn empty.
func TestPlotMeanNearMaxFloat(t *testing.T) {
	dir := t.TempDir()
	const T, H, W = 4, 2, 3
	vals := make([]float64, T*H*W)
	for i := range vals {
		vals[i] = math.MaxFloat64 / float64(1+i%3)
	}
	vals[0] = -math.MaxFloat64 // frame 0: a negative one too
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		for k, u := 0, math.Float64bits(v); k < 8; k++ {
			b[8*i+k] = byte(u >> (8 * k))
		}
	}
	in := filepath.Join(dir, "big.npy")
	if err := npy.WriteFile(in, array.Float64, []int{T, H, W}, b); err != nil {
		t.Fatal(err)
	}
	src, err := job.OpenSource(job.Input{Path: in})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, series, _, err := means(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for f := 0; f < T; f++ {
		var want float64
		for i := f * H * W; i < (f+1)*H*W; i++ {
			want += vals[i] / (H * W)
		}
		if got := series[f]; math.IsInf(got, 0) || math.Abs(got-want) > 1e-15*math.Abs(want) {
			t.Errorf("frame %d: mean %v, want %v", f, got, want)
		}
	}
}

// TestPlotMeanDeadPixel: a pixel of NaN (or Inf) in every frame, a dead
// or masked pixel, is grey in the mean image and left out of the mean
// time series, the mean of the other pixels (one such pixel made every
// frame's mean NaN: an empty trace with exit 0, a campaign's finding); a
// frame of none finite is NaN there, and left out of each pixel's mean.
// TestPlotMeanBrightestNotWhite: the mean image's brightest pixels are
// drawn in the colour map's top colour (viridis' yellow, as the fit
// maps), not in white, the figure's background: they looked like missing
// data (TOOLS14's F1).
func TestPlotMeanBrightestNotWhite(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "s.npy"), filepath.Join(dir, "m.png")
	writeNpy(t, in, array.Uint16, []int{4, 1, 3}, func(i int) float64 { return float64(10 * (i % 3 / 2)) }) // means 0, 0, 10
	if code, msg := ipcf(t, "plot", "--mean", in, "-o", out); code != 0 {
		t.Fatal(code, msg)
	}
	img := decodePNG(t, out)
	top := viridisColours[len(viridisColours)-1].(color.RGBA)
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == uint32(top.R) && g>>8 == uint32(top.G) && b>>8 == uint32(top.B) {
				n++
			}
		}
	}
	if n < 100 {
		t.Errorf("%d pixels of the top colour %v, want the brightest column drawn in it", n, top)
	}
}

func TestPlotMeanDeadPixel(t *testing.T) {
	const T, H, W = 5, 3, 4
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		vals := make([]float64, T*H*W)
		for i := range vals {
			vals[i] = float64(i%7) + 0.5
			if i%(H*W) == 5 || i/(H*W) == T-1 {
				vals[i] = bad // pixel (1, 1) in every frame; all of the last frame
			}
		}
		b := make([]byte, 8*len(vals))
		for i, v := range vals {
			for k, u := 0, math.Float64bits(v); k < 8; k++ {
				b[8*i+k] = byte(u >> (8 * k))
			}
		}
		in := filepath.Join(t.TempDir(), "dead.npy")
		if err := npy.WriteFile(in, array.Float64, []int{T, H, W}, b); err != nil {
			t.Fatal(err)
		}
		src, err := job.OpenSource(job.Input{Path: in})
		if err != nil {
			t.Fatal(err)
		}
		img, series, partial, err := means(context.Background(), src)
		src.Close()
		if err != nil || !partial {
			t.Fatalf("%v: partial %v, %v", bad, partial, err)
		}
		for f := 0; f < T-1; f++ {
			var want float64
			for i := f * H * W; i < (f+1)*H*W; i++ {
				if i%(H*W) != 5 {
					want += vals[i]
				}
			}
			want /= H*W - 1
			if got := series[f]; math.Abs(got-want) > 1e-12 {
				t.Errorf("%v: frame %d: mean %v, want %v (of the finite pixels)", bad, f, got, want)
			}
		}
		if v := series[T-1]; !math.IsNaN(v) {
			t.Errorf("%v: a frame of no finite sample: mean %v, want NaN", bad, v)
		}
		if v := img.At(1, 1); v-v == 0 {
			t.Errorf("%v: the dead pixel's mean %v, want non-finite (grey)", bad, v)
		}
		// every other pixel: its mean over the frames where it is finite
		// (the last frame, all NaN, greyed the whole image: CLI11's M10)
		for p := 0; p < H*W; p++ {
			if p == 5 {
				continue
			}
			var want float64
			for f := 0; f < T-1; f++ {
				want += vals[f*H*W+p]
			}
			want /= T - 1
			if got := img.At(p/W, p%W); math.Abs(got-want) > 1e-12 {
				t.Errorf("%v: pixel (%d, %d): mean %v, want %v (of its finite samples)", bad, p/W, p%W, got, want)
			}
		}
	}
}

// TestRerunSpelledOtherwise: a finished job rerun with its input spelt
// otherwise (relative, ./, through a linked folder, --frames and --crop of
// the whole input) is already complete, without reading the input again
// (before, each spelling was another job, computed again, and once the key
// was one, the recorded status named the path as spelt and the frames
// were read again to compare).
func TestRerunSpelledOtherwise(t *testing.T) {
	dir := t.TempDir()
	const T, H, W = 256, 8, 8
	writeNpy(t, filepath.Join(dir, "s.npy"), array.Uint16, []int{T, H, W}, func(i int) float64 { return float64(100 + (i*7919)%31) })
	linked := filepath.Join(t.TempDir(), "l")
	if err := os.Symlink(dir, linked); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	out := filepath.Join(dir, "o.npy")
	args := func(in string, more ...string) []string {
		return append([]string{"pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6"}, more...)
	}
	if code, msg := ipcf(t, args("s.npy")...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, msg)
	}
	first := npyBytes(t, out)
	for _, c := range [][]string{
		args(filepath.Join(dir, "s.npy")),
		args("./s.npy"),
		args(filepath.Join(linked, "s.npy")),
		args("s.npy", "--frames", fmt.Sprintf("0:%d", T), "--crop", fmt.Sprintf("0:%d,0:%d", H, W)),
	} {
		code, msg := ipcf(t, c...)
		if code != 0 || !strings.Contains(msg, "already the complete result") || strings.Contains(msg, "comparing its frames") {
			t.Errorf("%v: exit %d: %s, want already complete without a check", c[1:], code, msg)
		}
	}
	if !bytes.Equal(npyBytes(t, out), first) {
		t.Error("the result changed")
	}
}

// A usage mistake in a command prints the message in the command line's
// spelling of flags and that command's synopsis, not the usage of every
// command; an unknown command still gets the whole usage.
func TestCommandUsageErrors(t *testing.T) {
	cases := []struct {
		args      []string
		msg, synt string
	}{
		{[]string{"pcf", "in.npy", "-o", "out.npy", "--bogus"}, "ipcf pcf: unknown flag --bogus\n", "usage: ipcf pcf INPUT"},
		{[]string{"pcf", "in.npy", "-o"}, "ipcf pcf: flag needs a value: -o\n", "usage: ipcf pcf INPUT"},
		{[]string{"pcf", "in.npy", "-o", "x.npy", "--radius", "x"}, `ipcf pcf: invalid value "x" for flag --radius: want a whole number in decimal digits`, "usage: ipcf pcf INPUT"},
		{[]string{"bleach", "in.npy", "-o", "x.npy", "--quiet=maybe"}, `ipcf bleach: invalid boolean value "maybe" for --quiet: parse error`, "usage: ipcf bleach INPUT"},
		{[]string{"fit"}, "ipcf fit: want 1 input file(s), got 0", "usage: ipcf fit RESULT.npy"},
		{[]string{"plot", "r.npy"}, "-o FIG.png is required", "usage: ipcf plot RESULT.npy"},
		{[]string{"devices", "x"}, "devices: want 0 input file(s), got 1", "usage: ipcf devices\n"},
		// an invalid value found by the library, not the flag parser
		{[]string{"simulate", "-o", filepath.Join(t.TempDir(), "s.npy"), "--size", "0"}, "ipcf simulate: invalid parameter: size=0", "usage: ipcf simulate -o"},
		{[]string{"plot", "r.npy", "-o", "f.png", "--pixel", "1,1", "--point", "2"}, "give one or the other", "usage: ipcf plot RESULT.npy"},
	}
	for _, c := range cases {
		code, msg := ipcf(t, c.args...)
		if code != 2 || !strings.Contains(msg, c.msg) || !strings.Contains(msg, c.synt) ||
			!strings.Contains(msg, "ipcf help "+c.args[0]+" lists its flags") {
			t.Errorf("%q: exit %d, %q; want exit 2 with %q and %q", c.args, code, msg, c.msg, c.synt)
		}
		if strings.Contains(" "+msg, " "+c.args[0]+": "+c.args[0]+": ") {
			t.Errorf("%q: the command named twice: %q", c.args, msg)
		}
		if strings.Contains(msg, "ipcf simulate") && c.args[0] != "simulate" {
			t.Errorf("%q: printed the usage of every command: %q", c.args, msg)
		}
	}
	if code, msg := ipcf(t, "frobnicate"); code != 2 || !strings.Contains(msg, "ipcf simulate -o") {
		t.Errorf("unknown command: exit %d, %q; want 2 and the whole usage", code, msg)
	}
}

// TestJSONSpellingsAndDoubleDash: --json as the flag parser takes it
// (=1, =t, =TRUE; the last one counts) reports a usage error as JSON too
// (CLI11's F1), and every argument after "--" is a file, even one that
// starts with "-" (CLI11's F2: only the first was), while "--" as a
// flag's value stays that value.
func TestJSONSpellingsAndDoubleDash(t *testing.T) {
	for _, c := range []struct {
		args []string
		json bool
	}{
		{[]string{"pcf", "--json"}, true},
		{[]string{"pcf", "--json=1"}, true},
		{[]string{"pcf", "-json=t"}, true},
		{[]string{"pcf", "--json=TRUE"}, true},
		{[]string{"pcf", "--json", "--json=false"}, false},
		{[]string{"pcf", "--json=0", "--json"}, true},
		{[]string{"pcf", "--", "--json"}, false},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		var m map[string]any
		got := json.Unmarshal(out.Bytes(), &m) == nil && m["exit_code"] == float64(2)
		if code != 2 || got != c.json {
			t.Errorf("%q: exit %d, stdout %q; want exit 2 and JSON %v", c.args, code, out.String(), c.json)
		}
	}
	dir := t.TempDir()
	a, k, out := filepath.Join(dir, "-a.npy"), filepath.Join(dir, "-k.npy"), filepath.Join(dir, "o.npy")
	npy.WriteFile(a, 3, []int{2, 3}, make([]byte, 12))
	npy.WriteFile(k, 3, []int{1, 1}, []byte{1, 0})
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	if code, msg := ipcf(t, "convolve", "-o", out, "--", "-a.npy", "-k.npy"); code != 0 {
		t.Errorf("convolve -o o.npy -- -a.npy -k.npy: exit %d, %q; want both read as files", code, msg)
	}
	if code, msg := ipcf(t, "convolve", "-a.npy", "-k.npy", "-o", out+"2.npy"); code != 2 || !strings.Contains(msg, "unknown flag") {
		t.Errorf("files starting with - without --: exit %d, %q; want a usage error", code, msg)
	}
	// A script of "--" before the options (when it took only the next
	// argument) is told why it has too many files (REVIEW11's M2).
	if code, msg := ipcf(t, "pcf", "--", "x.npy", "-o", out); code != 2 || !strings.Contains(msg, "got 3 (every argument after -- is a file, 3 here: give the options before --)") {
		t.Errorf("pcf -- x.npy -o o.npy: exit %d, %q; want the files after -- counted", code, msg)
	}
	// plot of two results, or of options after --: told so (REVIEW12's F9:
	// "give a RESULT.npy", of a command that had two)
	if code, msg := ipcf(t, "plot", "a.npy", "b.npy", "-o", "x.png"); code != 2 || !strings.Contains(msg, "give one RESULT.npy (or MAPS.npy), not 2: a.npy b.npy") {
		t.Errorf("plot of two results: exit %d, %q", code, msg)
	}
	if code, msg := ipcf(t, "plot", "-o", "x.png", "--", "a.npy", "--point", "1"); code != 2 || !strings.Contains(msg, "every argument after -- is a file") {
		t.Errorf("plot -o x.png -- a.npy --point 1: exit %d, %q", code, msg)
	}
	// "--" as the value of -o: the output's name, then the files.
	if code, msg := ipcf(t, "convolve", "x.npy", "y.npy", "-o", "--"); code != 2 || !strings.Contains(msg, "--") {
		t.Errorf("-o --: exit %d, %q; want the output -- refused", code, msg)
	}
}

// An input rewritten while plot --mean reads it (size and time set back:
// only its status changed) fails the plot, which would draw the means of
// neither version, and leaves no picture; one left alone is drawn.
func TestPlotMeanInputRewrittenWhileRead(t *testing.T) {
	dir := t.TempDir()
	in, fig := filepath.Join(dir, "in.npy"), filepath.Join(dir, "mean.png")
	b := make([]byte, 2*64*6*6)
	for i := range b {
		b[i] = byte(i * 13)
	}
	if err := npy.WriteFile(in, array.Uint16, []int{64, 6, 6}, b); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(in, old, old)
	if code, msg := ipcf(t, "plot", "--mean", in, "-o", fig); code != 0 {
		t.Fatalf("left alone: exit %d, %s", code, msg)
	}
	os.Remove(fig)
	os.Remove(fig + ".json")
	testHookMeanRead = func(path string) {
		time.Sleep(30 * time.Millisecond) // past the status clock's tick
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{9, 9, 9, 9}, 200)
		f.Close()
		os.Chtimes(path, old, old)
	}
	defer func() { testHookMeanRead = nil }()
	code, msg := ipcf(t, "plot", "--mean", in, "-o", fig)
	if code != 1 || !strings.Contains(msg, "changed while ipcf plot read it") {
		t.Errorf("rewritten while read: exit %d, %q; want 1, the input changed", code, msg)
	}
	if _, err := os.Stat(fig); !os.IsNotExist(err) {
		t.Errorf("a picture was written: %v", err)
	}
}

// TestPlotMeanStopsWithinAFrame: plot --mean looks at Ctrl+C within a
// frame (every 64 rows), not only every 64 frames: frames of 4096 x 4096
// took 17 to 19 s to stop (a campaign).
func TestPlotMeanStopsWithinAFrame(t *testing.T) {
	in := filepath.Join(t.TempDir(), "one.npy")
	if err := npy.WriteFile(in, array.Uint8, []int{1, 128, 4}, make([]byte, 128*4)); err != nil {
		t.Fatal(err)
	}
	src, err := job.OpenSource(job.Input{Path: in})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := ctxtest.New()
	if _, _, _, err := means(ctx, src); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled after the frame's first look: %v after %d looks, want context.Canceled", err, ctx.Looks)
	}
}

// TestPlotLeavesItsDrawingOnCancel: gonum/plot draws and encodes without
// a look at the context (a picture of 16,000 x 16,000 pixels took 2 to 20
// s to answer Ctrl+C), so a cancelled command returns without waiting for
// the drawing, and writes nothing.
func TestPlotLeavesItsDrawingOnCancel(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.npy"), filepath.Join(dir, "m.png")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "64", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	drawing := make(chan struct{})
	drawHook = func() { close(drawing); cancel(); <-release } // a drawing that does not end by itself
	defer func() { drawHook = nil }()
	var stdout, stderr bytes.Buffer
	err := cmdPlot(ctx, []string{"--mean", in, "-o", out}, &stdout, &stderr)
	select {
	case <-drawing:
	default:
		t.Fatalf("returned before the drawing started: %v", err)
	}
	close(release)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled before") {
		t.Errorf("cancelled while drawing: %v", err)
	}
	for _, f := range []string{out, out + ".json"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("a cancelled plot wrote %s", f)
		}
	}
}
