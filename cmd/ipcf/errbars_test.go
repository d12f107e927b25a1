package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

// errRig is a small simulation (512 frames of 16 x 16 pixels), a second
// channel and a mask for the error bars' tests.
type errRig struct {
	dir, in, in2, mask string
}

func newErrRig(t *testing.T) *errRig {
	t.Helper()
	r := &errRig{dir: t.TempDir()}
	r.in = filepath.Join(r.dir, "in.npy")
	r.in2 = filepath.Join(r.dir, "in2.npy")
	for i, p := range []string{r.in, r.in2} {
		if code, msg := ipcf(t, "simulate", "-o", p, "--frames", "512", "--size", "16", "--seed", fmt.Sprint(i+5), "--quiet"); code != 0 {
			t.Fatalf("simulate: %d %s", code, msg)
		}
	}
	r.mask = filepath.Join(r.dir, "mask.npy")
	m := make([]byte, 16*16)
	for i := range m {
		m[i] = byte(1 - i%7/6) // every 7th pixel masked
	}
	if err := npy.WriteFile(r.mask, array.Uint8, []int{16, 16}, m); err != nil {
		t.Fatal(err)
	}
	return r
}

// errSidecar is what the tests read of a result's sidecar.
type errSidecar struct {
	JobKey string `json:"job_key"`
	Shape  []int  `json:"shape"`
	Errors *struct {
		File     string `json:"file"`
		Method   string `json:"method"`
		Segments *int   `json:"segments"`
		CRC      string `json:"crc32c"`
		Bytes    int64  `json:"bytes"`
		Shape    []int  `json:"shape"`
	} `json:"errors"`
	CRC string `json:"output_crc32c"`
}

func readSidecar(t *testing.T, out string) (errSidecar, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(out + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s errSidecar
	var m map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &m)
	return s, m
}

func sdName(out string) string { return strings.TrimSuffix(out, ".npy") + ".sd.npy" }

// errorBarsDirect computes the error bars with pcf.ErrorBars on the input
// files, as little-endian float32 bytes.
func errorBarsDirect(t *testing.T, in, in2, mask string, o pcf.Options, e pcf.ErrOptions) []byte {
	t.Helper()
	open := func(p string) *array.View {
		f, err := npy.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return &f.View
	}
	data := open(in)
	if in2 != "" {
		o.Data2 = open(in2)
	}
	if mask != "" {
		o.Mask = open(mask)
	}
	g, err := pcf.Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	s := g.OutShape
	buf := make([]byte, 4*s[0]*s[1]*s[2]*s[3])
	sv, err := array.New(array.Float32, array.Little, s[:], []int{4 * s[1] * s[2] * s[3], 4 * s[2] * s[3], 4 * s[3], 4}, buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := pcf.ErrorBars(context.Background(), sv, *data, o, e); err != nil {
		t.Fatal(err)
	}
	return buf
}

// TestErrorsCLI: ipcf pcf --errors writes OUT.sd.npy beside OUT.npy, the
// bytes of pcf.ErrorBars on the same data and options, the same with
// both engines (out of core in small tiles); the sidecar records it and
// the key covers it.
func TestErrorsCLI(t *testing.T) {
	r := newErrRig(t)
	type errCase struct {
		name string
		args []string
	}
	cases := []errCase{
		{"circle blocking", []string{"--radius", "2", "--npoints", "6", "--nbins", "8", "--errors", "blocking"}},
		{"acf multitau bleach segments", []string{"--acf", "--bins", "multitau", "--m", "8", "--bleach", "16", "--errors", "segments", "--segments", "5"}},
		{"delta disk mask threshold", []string{"--preset", "disk", "--radius", "1", "--delta", "--mask", r.mask, "--threshold", "1", "--nbins", "6", "--errors", "blocking"}},
		{"input2 offsets linear", []string{"--input2", r.in2, "--offsets", "1,0;0,2;-1,-1", "--bins", "linear", "--nbins", "6", "--smooth", "0", "--errors", "segments"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := filepath.Join(r.dir, fmt.Sprintf("mem%d.npy", i))
			oc := filepath.Join(r.dir, fmt.Sprintf("ooc%d.npy", i))
			args := append([]string{"pcf", r.in, "-o", mem, "--engine", "memory", "--quiet", "--json"}, c.args...)
			code, stdout, stderr := runSplit(args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			var sum struct {
				Engine, JobKey string
				Errors         *string
				ErrorsOutput   *string `json:"errors_output"`
			}
			json.Unmarshal([]byte(stdout), &sum)
			if sum.Errors == nil || sum.ErrorsOutput == nil || *sum.ErrorsOutput != sdName(mem) {
				t.Errorf("--json: %s", stdout)
			}
			if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", oc, "--engine", "ooc", "--tile", "5,3", "--threads", "2", "--quiet"}, c.args...)...); code != 0 {
				t.Fatalf("ooc: exit %d: %s", code, msg)
			}
			// Both engines: the same curves and error bars, bit for bit.
			for _, p := range [][2]string{{mem, oc}, {sdName(mem), sdName(oc)}} {
				a, _ := os.ReadFile(p[0])
				b, _ := os.ReadFile(p[1])
				if len(a) == 0 || !bytes.Equal(a, b) {
					t.Fatalf("%s and %s differ (in memory, out of core)", p[0], p[1])
				}
			}
			// pcf.ErrorBars on the same data and options.
			spec, _, err := parsePCF(args[1:])
			if err != nil {
				t.Fatal(err)
			}
			o := spec.PCF
			want := errorBarsDirect(t, r.in, spec.Input2, spec.Mask, o, *spec.Errors)
			got := npyBytes(t, sdName(mem))
			if !bytes.Equal(got, want) {
				t.Fatalf("OUT.sd.npy differs from pcf.ErrorBars")
			}
			// The shape of the curves; NaN exactly where the curves are.
			cf, _ := npy.Open(mem)
			sf, _ := npy.Open(sdName(mem))
			defer cf.Close()
			defer sf.Close()
			if fmt.Sprint(cf.Shape) != fmt.Sprint(sf.Shape) || sf.DType != array.Float32 {
				t.Fatalf("error bars %s %v, curves %v", sf.DType, sf.Shape, cf.Shape)
			}
			nan, pos := 0, 0
			for k := 0; k < cf.Len(); k++ {
				c, s := cf.Load(cf.Offset+4*k), sf.Load(sf.Offset+4*k)
				if math.IsNaN(c) != math.IsNaN(s) {
					t.Fatalf("point %d: curve %v, error bar %v", k, c, s)
				}
				if math.IsNaN(s) {
					nan++
				} else if s > 0 {
					pos++
				}
			}
			if pos == 0 || (spec.Mask != "") != (nan > 0) {
				t.Errorf("%d positive error bars, %d NaN", pos, nan)
			}
			// The sidecar: file, method, segments, checksum, size.
			sc, _ := readSidecar(t, mem)
			e := sc.Errors
			method := spec.Errors.Method.String()
			if e == nil || e.File != filepath.Base(sdName(mem)) || e.Method != method || fmt.Sprint(e.Shape) != fmt.Sprint(sc.Shape) {
				t.Fatalf("sidecar errors: %+v", e)
			}
			segs := spec.Errors.Segments
			if segs == 0 {
				segs = pcf.DefaultSegments
			}
			if (method == "segments") != (e.Segments != nil) || (e.Segments != nil && *e.Segments != segs) {
				t.Errorf("sidecar errors: segments %v, want %d", e.Segments, segs)
			}
			b, _ := os.ReadFile(sdName(mem))
			if e.CRC != fmt.Sprintf("%08x", ooc.CRC(b)) || e.Bytes != int64(len(b)) {
				t.Errorf("sidecar errors: crc %s bytes %d, the file %08x %d", e.CRC, e.Bytes, ooc.CRC(b), len(b))
			}
			so, _ := readSidecar(t, oc)
			if so.Errors == nil || so.Errors.CRC != e.CRC || so.JobKey == sc.JobKey {
				t.Errorf("out of core sidecar: %+v (key %s, in memory %s)", so.Errors, so.JobKey, sc.JobKey)
			}
		})
	}
	// A rerun of the same job changes nothing; the key covers the method
	// and the segments (the default segments are 8); without --errors the
	// error bars of the result replaced go with it.
	out := filepath.Join(r.dir, "key.npy")
	base := []string{"pcf", r.in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "6", "--json"}
	keyOf := func(extra ...string) (string, bool) {
		t.Helper()
		code, stdout, stderr := runSplit(append(base, extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		var s struct {
			JobKey          string `json:"job_key"`
			AlreadyComplete bool   `json:"already_complete"`
		}
		json.Unmarshal([]byte(stdout), &s)
		return s.JobKey, s.AlreadyComplete
	}
	k0, _ := keyOf()
	if _, err := os.Stat(sdName(out)); err == nil {
		t.Fatal("error bars written without --errors")
	}
	if _, m := readSidecar(t, out); m["errors"] != nil {
		t.Fatalf("sidecar errors %v without --errors", m["errors"])
	}
	kb, done := keyOf("--errors", "blocking")
	if done || kb == k0 {
		t.Fatalf("--errors blocking after none: key %s (none %s), already complete %v", kb, k0, done)
	}
	if kb2, done := keyOf("--errors", "blocking"); !done || kb2 != kb {
		t.Fatalf("rerun: key %s, already complete %v", kb2, done)
	}
	k8, _ := keyOf("--errors", "segments")
	if k8b, done := keyOf("--errors", "segments", "--segments", "8"); !done || k8b != k8 {
		t.Errorf("--segments 8 is the default: key %s, %s, already complete %v", k8, k8b, done)
	}
	k4, _ := keyOf("--errors", "segments", "--segments", "4")
	if len(map[string]bool{k0: true, kb: true, k8: true, k4: true}) != 4 {
		t.Errorf("keys: none %s blocking %s segments 8 %s segments 4 %s", k0, kb, k8, k4)
	}
	if sc, _ := readSidecar(t, out); sc.Errors == nil || sc.Errors.Segments == nil || *sc.Errors.Segments != 4 {
		t.Errorf("sidecar after --segments 4: %+v", sc.Errors)
	}
	if k, _ := keyOf(); k != k0 {
		t.Errorf("key without --errors %s, before %s", k, k0)
	}
	if _, err := os.Stat(sdName(out)); err == nil {
		t.Error("the error bars of the result replaced are still there")
	}
	// Relative paths: the sidecar names the error bars beside the result.
	t.Chdir(r.dir)
	rel := []string{"pcf", "in.npy", "-o", "rel.npy", "--radius", "1", "--npoints", "4", "--nbins", "8", "--errors", "blocking"}
	for i, want := range []string{"in memory", "already complete"} {
		if code, msg := ipcf(t, rel...); code != 0 || !strings.Contains(msg, want) {
			t.Fatalf("relative paths, run %d: exit %d: %s", i, code, msg)
		}
	}
	if code, msg := ipcf(t, "fit", "rel.npy", "-o", "relmaps.npy", "--json"); code != 0 || !strings.Contains(msg, `"used":true`) {
		t.Fatalf("fit with relative paths: exit %d: %s", code, msg)
	}
}

// TestErrorsCLIBadInput: bad --errors and --segments values and outputs
// that cannot take error bars exit with status 2; a file in the way of
// OUT.sd.npy is not replaced (exit 1), and nothing is written.
func TestErrorsCLIBadInput(t *testing.T) {
	r := newErrRig(t)
	out := filepath.Join(r.dir, "out.npy")
	common := []string{"--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"}
	cases := []struct {
		name string
		out  string
		args []string
		code int
		msg  string
	}{
		{"bad method", out, []string{"--errors", "bootstrap"}, 2, "--errors"},
		{"segments without errors", out, []string{"--segments", "4"}, 2, "--segments"},
		{"segments with blocking", out, []string{"--errors", "blocking", "--segments", "4"}, 2, "--segments"},
		{"one segment", out, []string{"--errors", "segments", "--segments", "1"}, 2, "--segments"},
		{"negative segments", out, []string{"--errors", "segments", "--segments", "-3"}, 2, "--segments"},
		{"more segments than frames", out, []string{"--errors", "segments", "--segments", "513"}, 2, "--segments 513: want 2 to 512 (the frames used)"},
		// the default named as "--segments 0", a value never given (a campaign)
		{"the default more than the frames", out, []string{"--errors", "segments", "--frames", "0:6"}, 2, "--segments: the default, 8, is more than the 4 frames used: give 2 to 4"},
		{"zarr", filepath.Join(r.dir, "out.zarr"), []string{"--errors", "blocking"}, 2, ".npy"},
		{"ome-zarr", filepath.Join(r.dir, "out.ome.zarr"), []string{"--errors", "blocking"}, 2, ".npy"},
		{"tif", filepath.Join(r.dir, "out.tif"), []string{"--errors", "blocking"}, 2, ".npy"},
	}
	for _, c := range cases {
		code, msg := ipcf(t, append(append([]string{"pcf", r.in, "-o", c.out}, common...), c.args...)...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: exit %d, want %d with %q: %s", c.name, code, c.code, c.msg, firstLine(msg))
		}
		if left, _ := filepath.Glob(filepath.Join(r.dir, "out*")); len(left) > 0 {
			t.Fatalf("%s: wrote %v", c.name, left)
		}
	}
	// A file of another program where the error bars go.
	theirs := []byte("not ours")
	os.WriteFile(sdName(out), theirs, 0o644)
	code, msg := ipcf(t, append(append([]string{"pcf", r.in, "-o", out}, common...), "--errors", "blocking")...)
	if code != 1 || !strings.Contains(msg, "not the error bars of an ipcf result") {
		t.Errorf("OUT.sd.npy in the way: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(sdName(out)); !bytes.Equal(b, theirs) {
		t.Fatal("OUT.sd.npy of another program replaced")
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("OUT.npy written")
	}
	// Nor beside our own result without error bars.
	os.Remove(sdName(out))
	if code, msg := ipcf(t, append([]string{"pcf", r.in, "-o", out}, common...)...); code != 0 {
		t.Fatal(msg)
	}
	os.WriteFile(sdName(out), theirs, 0o644)
	if code, _ := ipcf(t, append(append([]string{"pcf", r.in, "-o", out}, common...), "--errors", "blocking")...); code != 1 {
		t.Errorf("OUT.sd.npy of another program beside our result: exit %d", code)
	}
	os.Remove(sdName(out))
	os.Mkdir(sdName(out), 0o755)
	if code, msg := ipcf(t, append(append([]string{"pcf", r.in, "-o", out}, common...), "--errors", "blocking")...); code != 1 || !strings.Contains(msg, "not a file") {
		t.Errorf("OUT.sd.npy a folder: exit %d: %s", code, msg)
	}
	// The input as the error bars' file.
	in := filepath.Join(r.dir, "x.sd.npy")
	b, _ := os.ReadFile(r.in)
	os.WriteFile(in, b, 0o644)
	if code, msg := ipcf(t, append(append([]string{"pcf", in, "-o", filepath.Join(r.dir, "x.npy")}, common...), "--errors", "blocking")...); code != 1 || !strings.Contains(msg, "is an input") {
		t.Errorf("OUT.sd.npy is the input: exit %d: %s", code, msg)
	}
	if b2, _ := os.ReadFile(in); !bytes.Equal(b, b2) {
		t.Fatal("the input was changed")
	}
	// A user's file put in place of our result's error bars (the sidecar
	// still names them): another job neither removes it (no --errors) nor
	// replaces it (--errors).
	os.Remove(sdName(out))
	os.Remove(out)
	if code, msg := ipcf(t, append(append([]string{"pcf", r.in, "-o", out}, common...), "--errors", "blocking")...); code != 0 {
		t.Fatal(msg)
	}
	mine := append([]byte(nil), theirs...)
	mine = append(mine, " but a user's own, same name"...)
	os.WriteFile(sdName(out), mine, 0o644)
	other := []string{"pcf", r.in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet"}
	if code, msg := ipcf(t, other...); code != 0 {
		t.Fatalf("another job without error bars: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(sdName(out)); !bytes.Equal(b, mine) {
		t.Fatal("a user's file where the error bars were was removed or replaced by a job without error bars")
	}
	os.Remove(out)
	os.Remove(out + ".json")
	os.Remove(sdName(out))
	if code, msg := ipcf(t, append(append([]string{"pcf", r.in, "-o", out}, common...), "--errors", "blocking")...); code != 0 {
		t.Fatal(msg)
	}
	os.WriteFile(sdName(out), mine, 0o644)
	if code, msg := ipcf(t, append(other, "--errors", "segments")...); code != 1 || !strings.Contains(msg, "not the error bars of an ipcf result") {
		t.Errorf("a user's file where the error bars were, another job with error bars: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(sdName(out)); !bytes.Equal(b, mine) {
		t.Fatal("a user's file where the error bars were was replaced")
	}
}

// TestFitWeighted: ipcf fit weights the fits by the result's error bars
// (found through its sidecar, or --sigma): the maps are those of
// core/fit.FitAll with the error bars as Curves.Sigma, bit for bit, and
// MAPS.npy.json says so; --no-sigma fits unweighted; error bars that are
// missing, of another result or of another shape are refused.
func TestFitWeighted(t *testing.T) {
	r := newFitRig(t)
	circle := r.pcf(t, "circle.npy", "--radius", "3", "--npoints", "8", "--errors", "blocking")
	acf := r.pcf(t, "acf.npy", "--offsets", "2,0;0,0;0,2", "--errors", "segments", "--segments", "4")
	weights := func(out string) map[string]any {
		t.Helper()
		b, _ := os.ReadFile(out + ".json")
		var m struct {
			Weights map[string]any `json:"weights"`
			ChiSq   string         `json:"chisq"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if (m.Weights["used"] == true) != strings.Contains(m.ChiSq, "weighted residuals") {
			t.Errorf("%s: weights %v, chisq %q", out, m.Weights, m.ChiSq)
		}
		return m.Weights
	}
	pcf1d := fitCase{name: "pcf1d", model: fit.PCF1D{W: 2}, acfK: -1, waistPx: 2, ps: 1, fi: 1,
		names: []string{"DC", "D", "tauD", "tau_peak"}, units: []string{"1", "px^2/frame", "frame", "frame"}, perK: true, distUnit: "px"}
	acf2d := fitCase{name: "acf2d", model: fit.ACF2D{W: 2}, acfK: 1, waistPx: 2, ps: 1, fi: 1,
		names: []string{"G0", "D", "tauD"}, units: []string{"1", "px^2/frame", "frame"}, distUnit: "px"}

	// Found through the sidecar.
	out := filepath.Join(r.dir, "w1.npy")
	if code, msg := ipcf(t, "fit", circle, "-o", out, "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	want, sc := fitDirectSigma(t, circle, sdName(circle), pcf1d.model, -1, false)
	checkFitMaps(t, pcf1d, out, want, sc)
	if w := weights(out); w["used"] != true || w["sigma"] != sdName(circle) || w["method"] != "blocking" {
		t.Errorf("weights %v", w)
	}
	unweighted, _ := fitDirect(t, circle, pcf1d.model, -1, false)
	if fmt.Sprint(unweighted.Params) == fmt.Sprint(want.Params) {
		t.Fatal("the weighted fits equal the unweighted ones")
	}
	// The autocorrelation among other offsets; joint fits.
	out2 := filepath.Join(r.dir, "w2.npy")
	if code, msg := ipcf(t, "fit", acf, "-o", out2, "--model", "acf2d", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	want, sc = fitDirectSigma(t, acf, sdName(acf), acf2d.model, 1, false)
	checkFitMaps(t, acf2d, out2, want, sc)
	if w := weights(out2); w["method"] != "segments" || w["segments"] != 4.0 {
		t.Errorf("weights %v", w)
	}
	joint := pcf1d
	joint.name, joint.joint, joint.perK, joint.names, joint.units = "joint", true, false, []string{"DC", "D", "tauD"}, []string{"1", "px^2/frame", "frame"}
	out3 := filepath.Join(r.dir, "w3.npy")
	if code, msg := ipcf(t, "fit", circle, "-o", out3, "--joint", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	want, sc = fitDirectSigma(t, circle, sdName(circle), joint.model, -1, true)
	checkFitMaps(t, joint, out3, want, sc)

	// --sigma names error bars of the result's shape: another result's.
	plain := r.pcf(t, "plain.npy", "--radius", "3", "--npoints", "8")
	out4 := filepath.Join(r.dir, "w4.npy")
	if code, msg := ipcf(t, "fit", plain, "-o", out4, "--sigma", sdName(circle), "--quiet"); code != 0 {
		t.Fatalf("--sigma: exit %d: %s", code, msg)
	}
	want, sc = fitDirectSigma(t, plain, sdName(circle), pcf1d.model, -1, false)
	checkFitMaps(t, pcf1d, out4, want, sc)
	if w := weights(out4); w["from"] != "--sigma" {
		t.Errorf("weights %v", w)
	}
	// --no-sigma, and a result without error bars: unweighted.
	for _, c := range []struct{ result, flag string }{{circle, "--no-sigma"}, {plain, "--quiet"}} {
		out5 := filepath.Join(r.dir, "w5.npy")
		if code, msg := ipcf(t, "fit", c.result, "-o", out5, c.flag, "--quiet"); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.flag, code, msg)
		}
		want, sc = fitDirect(t, c.result, pcf1d.model, -1, false)
		checkFitMaps(t, pcf1d, out5, want, sc)
		if w := weights(out5); w["used"] != false {
			t.Errorf("%s: weights %v", c.flag, w)
		}
	}

	// Refused: --sigma with --no-sigma, an empty --sigma, error bars of
	// another shape (status 2); the recorded error bars missing or of
	// another run (status 1); an output over the error bars (2).
	bad := filepath.Join(r.dir, "bad.npy")
	// float16 error bars: refused with the fix for error bars (the .npy
	// reader's advice was astype(numpy.uint16), refused next).
	f16 := filepath.Join(r.dir, "sd16.npy")
	{
		rf, err := npy.Open(circle)
		if err != nil {
			t.Fatal(err)
		}
		sh := rf.Shape
		rf.Close()
		hdr := fmt.Sprintf("{'descr': '<f2', 'fortran_order': False, 'shape': (%d, %d, %d, %d), }", sh[0], sh[1], sh[2], sh[3])
		for (10+len(hdr)+1)%64 != 0 {
			hdr += " "
		}
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)+1), byte((len(hdr)+1)>>8))
		b = append(append(b, hdr...), '\n')
		b = append(b, make([]byte, 2*sh[0]*sh[1]*sh[2]*sh[3])...)
		if err := os.WriteFile(f16, b, 0o644); err != nil {
			t.Fatal(err)
		}
		// A .npy of another format version is not a dtype to convert:
		// the reader's own refusal (exit 1), not the float32 advice.
		b[6] = 4
		v4 := filepath.Join(r.dir, "sdv4.npy")
		os.WriteFile(v4, b, 0o644)
		if code, msg := ipcf(t, "fit", circle, "-o", bad, "--sigma", v4); code != 1 || !strings.Contains(msg, "format version 4.0 not supported") || strings.Contains(msg, "float32") {
			t.Errorf("--sigma of format version 4.0: exit %d: %s", code, firstLine(msg))
		}
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"float16", []string{"fit", circle, "-o", bad, "--sigma", f16}, 2, "want float32 or float64 error bars of the result's shape"},
		{"both", []string{"fit", circle, "-o", bad, "--sigma", sdName(circle), "--no-sigma"}, 2, "not both"},
		{"empty", []string{"fit", circle, "-o", bad, "--sigma", ""}, 2, "empty"},
		{"shape", []string{"fit", circle, "-o", bad, "--sigma", sdName(acf)}, 2, "shape"},
		{"over the error bars", []string{"fit", circle, "-o", sdName(circle)}, 1, "is the name of " + circle + "'s error bars, which the fit reads where they are"},
	} {
		code, msg := ipcf(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: exit %d, want %d with %q: %s", c.name, code, c.code, c.msg, firstLine(msg))
		}
		if _, err := os.Stat(bad); err == nil {
			t.Fatalf("%s: wrote the maps", c.name)
		}
	}
	other := r.pcf(t, "other.npy", "--radius", "3", "--npoints", "8", "--errors", "segments")
	b, _ := os.ReadFile(sdName(other))
	os.WriteFile(sdName(circle), b, 0o644) // same shape, other bytes
	if code, msg := ipcf(t, "fit", circle, "-o", bad); code != 1 || !strings.Contains(msg, "not the error bars of this result") {
		t.Errorf("error bars of another run: exit %d: %s", code, firstLine(msg))
	}
	// A file of another dtype or shape at their name (a user's array
	// beside a copied result) is not this result's either: no usage error
	// (REVIEW15's m4).
	for _, f := range []string{f16, sdName(acf)} {
		b, _ := os.ReadFile(f)
		os.WriteFile(sdName(circle), b, 0o644)
		if code, msg := ipcf(t, "fit", circle, "-o", bad); code != 1 || !strings.Contains(msg, "not the error bars of this result") {
			t.Errorf("%s at the error bars' name: exit %d: %s; want 1, not this result's", filepath.Base(f), code, firstLine(msg))
		}
	}
	// --sigma naming another result's error bars: checked against that
	// result's record too (TOOLS14's m7: damaged since, read unchecked)
	if code, msg := ipcf(t, "fit", circle, "-o", bad, "--sigma", sdName(other), "--quiet"); code != 0 {
		t.Errorf("--sigma another result's error bars: exit %d: %s", code, firstLine(msg))
	}
	os.Remove(bad)
	// --sigma naming the result itself, another result's curves or fit
	// maps' companions: not error bars (FITPLOT16's m1: the result itself,
	// of its own shape, weighted its fits, exit 0).
	p := func(s string) string { return filepath.Join(r.dir, s) }
	if code, msg := ipcf(t, "fit", other, "-o", p("m.npy"), "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	for sigma, want := range map[string]string{circle: "is the result itself", other: "an ipcf output of its own",
		p("m.npy"): "an ipcf output of its own", p("m.stderr.npy"): "holds the standard errors of the fit maps"} {
		if code, msg := ipcf(t, "fit", circle, "-o", bad, "--sigma", sigma); code != 2 || !strings.Contains(msg, want) {
			t.Errorf("--sigma %s: exit %d: %s; want 2, %q", filepath.Base(sigma), code, firstLine(msg), want)
		}
	}
	ob, _ := os.ReadFile(sdName(other))
	ob[len(ob)-1] ^= 0x40
	os.WriteFile(sdName(other), ob, 0o644)
	if code, msg := ipcf(t, "fit", circle, "-o", bad, "--sigma", sdName(other)); code != 1 || !strings.Contains(msg, "damaged or replaced since that result was computed") {
		t.Errorf("--sigma another result's damaged error bars: exit %d: %s; want 1, refused by their record", code, firstLine(msg))
	}
	os.Remove(sdName(circle))
	if code, msg := ipcf(t, "fit", circle, "-o", bad); code != 1 || !strings.Contains(msg, "missing") {
		t.Errorf("error bars missing: exit %d: %s", code, firstLine(msg))
	}
	if code, msg := ipcf(t, "fit", circle, "-o", bad, "--no-sigma", "--quiet"); code != 0 {
		t.Errorf("error bars missing, --no-sigma: exit %d: %s", code, msg)
	}
}

// TestPlotErrorBarsRefused: a result's error bars (OUT.sd.npy, recorded in
// OUT.npy.json) are no pCF result: they were drawn as G(tau) curves
// against the delay, exit 0 (the tools campaign's F9), where fit's
// MAPS.stderr.npy is refused.
func TestPlotErrorBarsRefused(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	if code, msg := ipcf(t, "simulate", "-o", p("e.npy"), "--frames", "512", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", p("e.npy"), "-o", p("a.npy"), "--acf", "--errors", "blocking", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	code, msg := ipcf(t, "plot", p("a.sd.npy"), "-o", p("s.png"), "--pixel", "1,1")
	if want := "a.sd.npy holds the error bars of the result " + p("a.npy"); code != 1 || !strings.Contains(msg, want) {
		t.Errorf("plot a.sd.npy: exit %d, %q; want 1 and %q", code, msg, want)
	}
	if _, err := os.Stat(p("s.png")); err == nil {
		t.Error("plot a.sd.npy: a picture written")
	}
	// fit names the result too (it said a.sd.npy.json was not found)
	code, msg = ipcf(t, "fit", p("a.sd.npy"), "-o", p("m.npy"))
	if want := "a.sd.npy holds the error bars of the result " + p("a.npy"); code != 1 || !strings.Contains(msg, want) {
		t.Errorf("fit a.sd.npy: exit %d, %q; want 1 and %q", code, msg, want)
	}
	if code, msg := ipcf(t, "plot", p("a.npy"), "-o", p("a.png"), "--pixel", "1,1"); code != 0 {
		t.Errorf("plot a.npy: exit %d: %s", code, msg)
	}
}

// TestRenamedResultKeepsItsParts: a result renamed or copied with its
// files (g.npy, g.npy.json, g.sd.npy) is fitted with its own error bars,
// and maps renamed or copied with their companions draw their own: they
// were looked for under the names recorded when they were written (the
// original's), said missing, or the original's were read and refused by
// checksum after it was computed again (OUT15's F9, F9b). Error bars of
// other bytes under the result's name are still refused.
func TestRenamedResultKeepsItsParts(t *testing.T) {
	r := newFitRig(t)
	r.pcf(t, "e.npy", "--radius", "2", "--npoints", "4", "--errors", "blocking")
	at := func(n string) string { return filepath.Join(r.dir, n) }
	move := func(from, to string, keep bool) {
		t.Helper()
		for _, s := range []string{".npy", ".npy.json", ".sd.npy", ".stderr.npy", ".chisq.npy", ".status.npy"} {
			b, err := os.ReadFile(at(from + s))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(at(to+s), b, 0o644); err != nil {
				t.Fatal(err)
			}
			if !keep {
				os.Remove(at(from + s))
			}
		}
	}
	move("e", "b", true)  // a backup copy
	move("e", "g", false) // renamed
	// The original name computed again, with other error bars.
	r.pcf(t, "e.npy", "--radius", "2", "--npoints", "4", "--errors", "segments", "--segments", "4")
	for _, name := range []string{"g", "b"} {
		out := at(name + "maps.npy")
		if code, msg := ipcf(t, "fit", at(name+".npy"), "-o", out, "--quiet"); code != 0 {
			t.Fatalf("fit of %s.npy, renamed or copied with its error bars: exit %d: %s", name, code, msg)
		}
		want, sc := fitDirectSigma(t, at(name+".npy"), at(name+".sd.npy"), fit.PCF1D{W: 2}, -1, false)
		checkFitMaps(t, fitCase{name: "pcf1d", model: fit.PCF1D{W: 2}, acfK: -1, waistPx: 2, ps: 1, fi: 1,
			names: []string{"DC", "D", "tauD", "tau_peak"}, units: []string{"1", "px^2/frame", "frame", "frame"}, perK: true, distUnit: "px"}, out, want, sc)
		b, _ := os.ReadFile(out + ".json")
		if !strings.Contains(string(b), `"sigma": "`+at(name+".sd.npy")+`"`) {
			t.Errorf("%s: the maps' weights do not name %s.sd.npy: %s", name, name, b)
		}
	}
	// Computed again in place under its new name: its error bars are its
	// own (they were "not the error bars of an ipcf result").
	if code, msg := ipcf(t, "pcf", r.sim, "-o", at("g.npy"), "--quiet", "--bins", "multitau", "--smooth", "0", "--radius", "2", "--npoints", "4", "--errors", "segments"); code != 0 {
		t.Errorf("pcf over the renamed result: exit %d: %s", code, msg)
	}
	// Maps: copied, the original fitted again with other weights; renamed.
	move("gmaps", "kmaps", true)
	if code, msg := ipcf(t, "fit", at("g.npy"), "-o", at("gmaps.npy"), "--no-sigma", "--quiet"); code != 0 {
		t.Fatalf("refit: exit %d: %s", code, msg)
	}
	move("gmaps", "nmaps", false)
	for _, name := range []string{"kmaps", "nmaps"} {
		for _, p := range []string{"chisq", "status"} {
			if code, msg := ipcf(t, "plot", at(name+".npy"), "-o", at(name+p+".png"), "--param", p); code != 0 {
				t.Errorf("plot --param %s of %s.npy, renamed or copied with its companions: exit %d: %s", p, name, code, msg)
			}
		}
	}
	if code, msg := ipcf(t, "fit", at("g.npy"), "-o", at("nmaps.npy"), "--quiet"); code != 0 {
		t.Errorf("fit over the renamed maps: exit %d: %s", code, msg)
	}
	// Parts of a copy are told as parts (they were drawn as a pCF result
	// and as maps: REVIEW15's F1).
	if code, msg := ipcf(t, "plot", at("b.sd.npy"), "-o", at("bsd.png")); code != 1 || !strings.Contains(msg, "holds the error bars of the result") {
		t.Errorf("plot of a copied result's error bars: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "plot", at("kmaps.stderr.npy"), "-o", at("kse.png")); code == 0 {
		t.Errorf("plot of copied maps' standard errors as maps: exit 0: %s", msg)
	}
	// Another result's error bars under the name: refused by checksum.
	sd, _ := os.ReadFile(at("e.sd.npy"))
	if err := os.WriteFile(at("b.sd.npy"), sd, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := ipcf(t, "fit", at("b.npy"), "-o", at("bad.npy"), "--quiet"); code != 1 || !strings.Contains(msg, "its checksum is not the one") {
		t.Errorf("fit with another result's error bars: exit %d: %s", code, msg)
	}
}

// TestPlotKeptFileRefused: a file a stopped fit kept aside
// (.ipcf-MAPS.npy-DIGITS.old), which plot's message named as the earlier
// maps, was drawn as pCF curves with exit 0 (FITPLOT16's F3): refused,
// with how to restore the set.
func TestPlotKeptFileRefused(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	b := make([]byte, 4*4*2*3*4)
	if err := npy.WriteFile(p(".ipcf-m.npy-123.old"), array.Float32, []int{4, 4, 2, 3}, b); err != nil {
		t.Fatal(err)
	}
	code, msg := ipcf(t, "plot", p(".ipcf-m.npy-123.old"), "-o", p("k.png"), "--pixel", "1,1")
	if code != 1 || !strings.Contains(msg, "is a file ipcf kept aside") {
		t.Errorf("plot of a kept file: exit %d, %q", code, msg)
	}
	if _, err := os.Stat(p("k.png")); err == nil {
		t.Error("plot of a kept file: a picture written")
	}
}
