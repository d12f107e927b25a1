package main

import (
	"bytes"
	"context"
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

// The correlation toolkit through the CLI: every mode against pcf.Compute
// on the same data, bitwise; the out-of-core engine against the in-memory
// one, bitwise, with a memory budget small enough for several tiles; the
// metadata; the job key; a changed option on a resumed job.

const tkT, tkH, tkW = 128, 24, 24

// tkLineW is the width of the line scans: wide enough for several tiles.
const tkLineW = 160

// tkValue is a deterministic sample: a mean that varies from pixel to
// pixel (5..53, for the threshold) plus noise; pixel (3, 4) of the first
// channel is always 0 (NaN curves wherever it takes part).
func tkValue(seed uint32, h, w int) func(int) float64 {
	return func(i int) float64 {
		p := i % (h * w)
		if seed == 1 && p == 3*w+4 {
			return 0
		}
		x := uint32(i)*2654435761 + seed*40503
		x ^= x >> 13
		x *= 2246822519
		x ^= x >> 16
		return float64(5+(p*7)%13*4) + float64(x%17)
	}
}

// tkData writes the toolkit's test inputs into dir.
type tkData struct {
	dir, a, b, line, line2, a32, small string
}

func newTKData(t *testing.T) tkData {
	d := tkData{dir: t.TempDir()}
	p := func(n string) string { return filepath.Join(d.dir, n) }
	d.a, d.b, d.line, d.line2, d.a32, d.small = p("a.npy"), p("b.npy"), p("line.npy"), p("line2.npy"), p("a32.npy"), p("small.npy")
	writeNpy(t, d.a, array.Uint16, []int{tkT, tkH, tkW}, tkValue(1, tkH, tkW))
	writeNpy(t, d.b, array.Uint16, []int{tkT, tkH, tkW}, tkValue(2, tkH, tkW))
	writeNpy(t, d.line, array.Uint16, []int{tkT, tkLineW}, tkValue(3, 1, tkLineW))
	writeNpy(t, d.line2, array.Uint16, []int{tkT, tkLineW}, tkValue(4, 1, tkLineW))
	writeNpy(t, d.a32, array.Float32, []int{tkT, tkH, tkW}, tkValue(2, tkH, tkW))
	writeNpy(t, d.small, array.Uint16, []int{tkT, tkH - 2, tkW}, tkValue(2, tkH-2, tkW))
	return d
}

// loadView opens a .npy input as (T, H, W); a 2-D (T, W) one as (T, 1, W).
func loadView(t *testing.T, path string) (array.View, func()) {
	t.Helper()
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v := f.View
	if v.NDim() == 2 {
		v, err = array.New(v.DType, v.Order, []int{v.Shape[0], 1, v.Shape[1]},
			[]int{v.Strides[0], v.Strides[0], v.Strides[1]}, v.Data, v.Offset)
		if err != nil {
			t.Fatal(err)
		}
	}
	return v, func() { f.Close() }
}

// reference is pcf.Compute's result on in (and in2), as bytes.
func reference(t *testing.T, in, in2 string, o pcf.Options) []byte {
	t.Helper()
	v, done := loadView(t, in)
	defer done()
	if in2 != "" {
		v2, done2 := loadView(t, in2)
		defer done2()
		o.Data2 = &v2
	}
	o.Device = "cpu"
	g, err := pcf.Plan(v.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	s := g.OutShape
	out := make([]byte, s[0]*s[1]*s[2]*s[3]*4)
	rv, err := array.Contiguous(array.Float32, s[:], out)
	if err != nil {
		t.Fatal(err)
	}
	if err := pcf.Compute(context.Background(), rv, v, o); err != nil {
		t.Fatal(err)
	}
	return out
}

// tkCase is a toolkit mode: its CLI arguments and the same options built
// with the pcf API.
type tkCase struct {
	name    string
	in, in2 string
	args    []string
	opts    func(o *pcf.Options)
}

func tkCases(t *testing.T, d tkData) []tkCase {
	offsFile := filepath.Join(d.dir, "offsets.txt")
	if err := os.WriteFile(offsFile, []byte("# u v\n1 0\n\n0,-1   # a comma too\n-2 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	circle := func(r, n int) func(o *pcf.Options) {
		return func(o *pcf.Options) { o.Radius, o.Npoints = r, n }
	}
	must := func(offs []pcf.Offset, err error) []pcf.Offset {
		if err != nil {
			t.Fatal(err)
		}
		return offs
	}
	return []tkCase{
		{"offsets", d.a, "", []string{"--offsets", "1,0;0,1;-2,1;0,0"}, func(o *pcf.Options) {
			o.Offsets = []pcf.Offset{{U: 1, V: 0}, {U: 0, V: 1}, {U: -2, V: 1}, {U: 0, V: 0}}
		}},
		{"offsets file", d.a, "", []string{"--offsets", offsFile, "--nbins", "12"}, func(o *pcf.Options) {
			o.Offsets, o.Nbins = []pcf.Offset{{U: 1, V: 0}, {U: 0, V: -1}, {U: -2, V: 2}}, 12
		}},
		{"disk", d.a, "", []string{"--preset", "disk", "--radius", "2"}, func(o *pcf.Options) { o.Offsets = must(pcf.Disk(2)) }},
		{"line", d.line, "", []string{"--preset", "line", "--radius", "3"}, func(o *pcf.Options) { o.Offsets = must(pcf.Line(3)) }},
		{"line offsets", d.line, "", []string{"--offsets", "2,0;0,0"}, func(o *pcf.Options) {
			o.Offsets = []pcf.Offset{{U: 2, V: 0}, {U: 0, V: 0}}
		}},
		{"acf", d.a, "", []string{"--acf"}, func(o *pcf.Options) { o.Offsets = []pcf.Offset{{}} }},
		{"delta", d.a, "", []string{"--radius", "2", "--npoints", "8", "--delta"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.Delta = true
		}},
		{"linear", d.a, "", []string{"--radius", "2", "--npoints", "8", "--bins", "linear", "--nbins", "8"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.Bins, o.Nbins = pcf.LinearBinning, 8
		}},
		{"multitau", d.a, "", []string{"--radius", "2", "--npoints", "8", "--bins", "multitau", "--m", "8"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.Bins, o.M = pcf.Multitau, 8
		}},
		{"multitau default m", d.a, "", []string{"--offsets", "1,0;-1,0", "--bins", "multitau"}, func(o *pcf.Options) {
			o.Offsets, o.Bins = []pcf.Offset{{U: 1}, {U: -1}}, pcf.Multitau
		}},
		{"smooth 0", d.a, "", []string{"--radius", "2", "--npoints", "8", "--smooth", "0"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.SetSmooth(0)
		}},
		{"smooth 0.5", d.a, "", []string{"--radius", "2", "--npoints", "8", "--smooth", "0.5"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.SetSmooth(0.5)
		}},
		{"threshold", d.a, "", []string{"--radius", "2", "--npoints", "8", "--threshold", "30"}, func(o *pcf.Options) {
			circle(2, 8)(o)
			o.SetThreshold(30)
		}},
		{"threshold float input", d.a32, "", []string{"--preset", "disk", "--radius", "1", "--threshold", "20.5", "--smooth", "0"}, func(o *pcf.Options) {
			o.Offsets = must(pcf.Disk(1))
			o.SetThreshold(20.5)
			o.SetSmooth(0)
		}},
		{"input2", d.a, d.b, []string{"--radius", "2", "--npoints", "8"}, circle(2, 8)},
		{"input2 delta multitau", d.a, d.b, []string{"--offsets", "1,0;0,0;0,-2", "--delta", "--bins", "multitau", "--m", "4"}, func(o *pcf.Options) {
			o.Offsets = []pcf.Offset{{U: 1}, {}, {V: -2}}
			o.Delta, o.Bins, o.M = true, pcf.Multitau, 4
		}},
		{"input2 line", d.line, d.line2, []string{"--preset", "line", "--radius", "2", "--bins", "linear", "--nbins", "6", "--threshold", "25"}, func(o *pcf.Options) {
			o.Offsets = must(pcf.Line(2))
			o.Bins, o.Nbins = pcf.LinearBinning, 6
			o.SetThreshold(25)
		}},
		{"bleach disk", d.a, "", []string{"--preset", "disk", "--radius", "1", "--bleach", "8", "--bins", "linear", "--nbins", "5"}, func(o *pcf.Options) {
			o.Offsets, o.Bleach = must(pcf.Disk(1)), 8
			o.Bins, o.Nbins = pcf.LinearBinning, 5
		}},
	}
}

var tilesRe = regexp.MustCompile(`out of core: (\d+) tiles \((\d+) resumed\), (\d+) chunks`)

// checkOOC runs args out of core with smaller and smaller memory budgets
// until the job takes at least 4 tiles, and checks every result against
// want, bitwise. It returns the most tiles and chunks a run took.
func checkOOC(t *testing.T, name string, args []string, want []byte) (tiles, chunks int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ooc.npy")
	for _, kib := range []int{8192, 4096, 2048, 1536, 1024, 768, 512, 384, 256, 192, 128, 96, 64} {
		os.Remove(out)
		os.Remove(out + ".json")
		// kib for the data, after the process's own
		a := append(append([]string{}, args...), "-o", out, "--engine", "ooc", "--memory", fmt.Sprintf("%dKiB", ooc.ProcessOverhead>>10+kib), "--quiet=false")
		code, msg := runCLI(t, name, time.Minute, a...)
		if code != 0 {
			if strings.Contains(msg, "too small") {
				break
			}
			t.Fatalf("%s: out of core, %d KiB: exit %d: %s", name, kib, code, msg)
		}
		m := tilesRe.FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("%s: no out-of-core summary in %q", name, msg)
		}
		nt, _ := strconv.Atoi(m[1])
		nc, _ := strconv.Atoi(m[3])
		if got := npyBytes(t, out); !bytes.Equal(got, want) {
			t.Fatalf("%s: out of core (%d KiB: %d tiles, %d chunks): the result differs from in memory (%s)", name, kib, nt, nc, firstDiff(got, want))
		}
		tiles, chunks = max(tiles, nt), max(chunks, nc)
		if nt >= 4 {
			break
		}
	}
	return tiles, chunks
}

// TestToolkitModes: each mode through the CLI equals pcf.Compute on the
// same data, and the out-of-core engine (many tiles) equals the
// in-memory one, bitwise.
func TestToolkitModes(t *testing.T) {
	d := newTKData(t)
	for _, c := range tkCases(t, d) {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			o := pcf.DefaultOptions()
			c.opts(&o)
			want := reference(t, c.in, c.in2, o)
			nan := 0
			for i := 0; i < len(want); i += 4 {
				if math.IsNaN(float64(math.Float32frombits(bin.LittleEndian.Uint32(want[i:])))) {
					nan++
				}
			}
			// The zero pixel's curves are NaN; the threshold makes a third
			// of the pixels NaN; most curves are numbers.
			if frac := float64(nan) / float64(len(want)/4); frac == 0 && c.in == d.a || frac > 0.6 ||
				strings.Contains(c.name, "threshold") && frac < 0.15 {
				t.Errorf("%.2f of the values are NaN", frac)
			}
			args := append([]string{"pcf", c.in, "--threads", "2", "--device", "cpu"}, c.args...)
			if c.in2 != "" {
				args = append(args, "--input2", c.in2)
			}
			mem := filepath.Join(t.TempDir(), "mem.npy")
			if code, msg := runCLI(t, c.name, time.Minute, append(args, "-o", mem, "--engine", "memory", "--quiet")...); code != 0 {
				t.Fatalf("in memory: exit %d: %s", code, msg)
			}
			if got := npyBytes(t, mem); !bytes.Equal(got, want) {
				t.Fatalf("in memory: the CLI's result differs from pcf.Compute's (%s)", firstDiff(got, want))
			}
			tiles, chunks := checkOOC(t, c.name, args, want)
			// Out of core the CPU streams bands of full rows: a line scan
			// (one row) is one band.
			if tiles < 4 && c.in != d.line {
				t.Errorf("out of core: at most %d tiles (%d chunks), want several", tiles, chunks)
			}
			t.Logf("out of core: up to %d tiles and %d chunks, bitwise the in-memory result", tiles, chunks)
			// Small tiles of odd sizes, narrower than the halo.
			small := filepath.Join(t.TempDir(), "small.npy")
			if code, msg := runCLI(t, c.name, time.Minute, append(args, "-o", small, "--engine", "ooc", "--tile", "5,7", "--quiet")...); code != 0 {
				t.Fatalf("out of core, tiles 5x7: exit %d: %s", code, msg)
			}
			if got := npyBytes(t, small); !bytes.Equal(got, want) {
				t.Fatalf("out of core, tiles 5x7: the result differs from in memory (%s)", firstDiff(got, want))
			}
		})
	}
}

// execCLI is the built CLI with args, to run with another environment.
func execCLI(t *testing.T, args ...string) *exec.Cmd {
	return exec.Command(binary(t), args...)
}

// firstDiff describes the first float32 that differs.
func firstDiff(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	for i := 0; i+4 <= len(got); i += 4 {
		if !bytes.Equal(got[i:i+4], want[i:i+4]) {
			f := func(b []byte) float32 {
				return math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
			}
			return fmt.Sprintf("value %d: %v, want %v", i/4, f(got[i:]), f(want[i:]))
		}
	}
	return "equal"
}

// readMeta reads a result's metadata: a .npy's sidecar or a Zarr's .zattrs.
func readMeta(t *testing.T, out string) map[string]any {
	t.Helper()
	name := out + ".json"
	if strings.HasSuffix(out, ".zarr") {
		name = filepath.Join(out, ".zattrs")
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func floats(t *testing.T, v any) []float64 {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%v (%T) is not a list", v, v)
	}
	f := make([]float64, len(a))
	for i, x := range a {
		if f[i], ok = x.(float64); !ok {
			t.Fatalf("%v: element %d is %T", v, i, x)
		}
	}
	return f
}

// TestToolkitMetadata: the sidecar and .zattrs record the mode, the
// offsets with their distances, each point's delay in frames (and
// seconds with --frame-interval), the bins, m, smoothing, threshold,
// delta and the second channel.
func TestToolkitMetadata(t *testing.T) {
	d := newTKData(t)
	cases := []struct {
		name string
		args []string
		o    func(o *pcf.Options)
		want map[string]any
		fi   float64
		px   float64
	}{
		{"log circle", []string{"--radius", "2", "--npoints", "4", "--nbins", "10"}, func(o *pcf.Options) { o.Radius, o.Npoints, o.Nbins = 2, 4, 10 },
			map[string]any{"mode": "circle", "bins_mode": "log", "nbins_requested": 10.0, "multitau_m": nil, "smooth": 0.7, "threshold": nil, "delta": false, "channels": 1.0, "input2": nil, "delay_s": nil}, 0, 0},
		{"linear offsets", []string{"--offsets", "3,4;0,0", "--bins", "linear", "--nbins", "9", "--smooth", "0", "--threshold", "12.5"},
			func(o *pcf.Options) {
				o.Offsets, o.Bins, o.Nbins = []pcf.Offset{{U: 3, V: 4}, {}}, pcf.LinearBinning, 9
			},
			map[string]any{"mode": "offsets", "bins_mode": "linear", "smooth": 0.0, "threshold": 12.5, "delta": false}, 0.002, 0.25},
		{"multitau disk delta", []string{"--preset", "disk", "--radius", "1", "--bins", "multitau", "--m", "6", "--delta", "--smooth", "0.4"},
			func(o *pcf.Options) { o.Offsets, _ = pcf.Disk(1); o.Bins, o.M = pcf.Multitau, 6 },
			map[string]any{"mode": "disk", "bins_mode": "multitau", "nbins_requested": nil, "delays_frames": nil, "multitau_m": 6.0, "smooth": 0.4, "delta": true, "radius": 1.0, "npoints": nil}, 0.5, 0},
		{"acf two channels zarr", []string{"--acf", "--input2", d.b, "--bins", "multitau"},
			func(o *pcf.Options) { o.Offsets, o.Bins = []pcf.Offset{{}}, pcf.Multitau },
			map[string]any{"mode": "acf", "multitau_m": 16.0, "channels": 2.0, "input2": d.b, "radius": nil, "npoints": nil}, 1e-3, 0.1},
		{"line", []string{"--preset", "line", "--radius", "2"}, func(o *pcf.Options) { o.Offsets, _ = pcf.Line(2) },
			map[string]any{"mode": "line", "radius": 2.0}, 0, 0.1},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			in := d.a
			if c.name == "line" {
				in = d.line
			}
			out := filepath.Join(t.TempDir(), "out.npy")
			if strings.HasSuffix(c.name, "zarr") {
				out = strings.TrimSuffix(out, ".npy") + ".zarr"
			}
			args := append([]string{"pcf", in, "-o", out, "--quiet"}, c.args...)
			if c.fi > 0 {
				args = append(args, "--frame-interval", strconv.FormatFloat(c.fi, 'g', -1, 64))
			}
			if c.px > 0 {
				args = append(args, "--pixel-size", strconv.FormatFloat(c.px, 'g', -1, 64))
			}
			if code, msg := runCLI(t, c.name, time.Minute, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, msg)
			}
			m := readMeta(t, out)
			for k, w := range c.want {
				if got, ok := m[k]; !ok || fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("%s = %v (present %v), want %v", k, got, ok, w)
				}
			}
			v, done := loadView(t, in)
			defer done()
			o := pcf.DefaultOptions()
			c.o(&o)
			g, err := pcf.Plan(v.Shape, o)
			if err != nil {
				t.Fatal(err)
			}
			delays := floats(t, m["delay_frames"])
			if fmt.Sprint(delays) != fmt.Sprint(g.Delays) {
				t.Errorf("delay_frames %v, want %v", delays, g.Delays)
			}
			if o.Bins == pcf.Multitau {
				for i, l := range g.Lags {
					if delays[i] != float64(l) {
						t.Errorf("multi-tau point %d: delay %v frames, want its lag %d", i, delays[i], l)
					}
				}
			} else {
				lo := 0
				for i, hi := range g.Bins {
					if delays[i] != float64(lo+hi-1)/2 {
						t.Errorf("bin %d [%d, %d): delay %v frames, want %v", i, lo, hi, delays[i], float64(lo+hi-1)/2)
					}
					lo = hi
				}
			}
			if c.fi > 0 {
				secs := floats(t, m["delay_s"])
				for i := range delays {
					if secs[i] != delays[i]*c.fi {
						t.Errorf("delay_s[%d] = %v, want %v", i, secs[i], delays[i]*c.fi)
					}
				}
			} else if m["delay_s"] != nil {
				t.Errorf("delay_s = %v without a frame interval, want null", m["delay_s"])
			}
			offs, _ := m["offsets"].([]any)
			if len(offs) != len(g.Offsets) {
				t.Fatalf("offsets %v, want %d", m["offsets"], len(g.Offsets))
			}
			// named twice (offsets, offsets_uv), no more: a third list, "circle" with Go's U and V, named
			// the offsets of every preset
			if _, ok := m["circle"]; ok {
				t.Errorf("metadata name the offsets under \"circle\" too: %v", m["circle"])
			}
			if uv, _ := m["offsets_uv"].([]any); len(uv) != len(g.Offsets) {
				t.Errorf("offsets_uv %v, want %d pairs", m["offsets_uv"], len(g.Offsets))
			}
			for i, x := range offs {
				e := x.(map[string]any)
				u, vv := g.Offsets[i].U, g.Offsets[i].V
				dist := math.Hypot(float64(u), float64(vv))
				if e["u"] != float64(u) || e["v"] != float64(vv) || e["distance_px"] != dist {
					t.Errorf("offset %d: %v, want u=%d v=%d distance %v", i, e, u, vv, dist)
				}
				switch {
				case c.px > 0 && e["distance_um"] != dist*c.px:
					t.Errorf("offset %d: distance_um %v, want %v", i, e["distance_um"], dist*c.px)
				case c.px == 0 && e["distance_um"] != nil:
					t.Errorf("offset %d: distance_um %v without a pixel size, want null", i, e["distance_um"])
				}
			}
			shape := floats(t, m["shape"])
			if fmt.Sprint(shape) != fmt.Sprint(g.OutShape) {
				t.Errorf("shape %v, want %v", shape, g.OutShape)
			}
			if c.name == "linear offsets" && (len(delays) != 9 || delays[0] != 0) {
				t.Errorf("linear bins: delays %v", delays)
			}
			if m["channels"] == 2.0 && (m["input2_crc32c"] == nil || m["input2_fingerprint"] == nil) {
				t.Errorf("two channels: no input2 checksum or fingerprint: %v", m)
			}
		})
	}
}

// TestToolkitKey: every option that changes the output's bytes changes
// the job key (the CLI's parsing through job.Open); the thread count does
// not.
func TestToolkitKey(t *testing.T) {
	d := newTKData(t)
	out := filepath.Join(d.dir, "out.npy")
	key := func(extra ...string) string {
		t.Helper()
		spec, _, err := parsePCF(append([]string{d.a, "-o", out}, extra...))
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		j, err := job.Open(spec)
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		defer j.Close()
		return j.Key()
	}
	base := key()
	if k := key("--threads", "1"); k != base {
		t.Errorf("--threads changed the key")
	}
	if k := key("--smooth", "0.7", "--bins", "log", "--preset", "circle"); k != base {
		t.Errorf("the defaults given explicitly changed the key")
	}
	variants := map[string][]string{
		"offsets":       {"--offsets", "1,0;0,1"},
		"offsets order": {"--offsets", "0,1;1,0"},
		"acf":           {"--acf"},
		"disk":          {"--preset", "disk", "--radius", "2"},
		"disk radius":   {"--preset", "disk", "--radius", "3"},
		"line":          {"--preset", "line", "--radius", "2"},
		"linear":        {"--bins", "linear"},
		"multitau":      {"--bins", "multitau"},
		"multitau m":    {"--bins", "multitau", "--m", "8"},
		"smooth":        {"--smooth", "0.5"},
		"smooth off":    {"--smooth", "0"},
		"threshold":     {"--threshold", "10"},
		"threshold 2":   {"--threshold", "11"},
		"delta":         {"--delta"},
		"input2":        {"--input2", d.b},
		"input2 other":  {"--input2", d.a},
	}
	seen := map[string]string{base: "defaults"}
	for name, args := range variants {
		k := key(args...)
		if prev, ok := seen[k]; ok {
			t.Errorf("%s: the same key as %s", name, prev)
		}
		seen[k] = name
	}
	// The second channel's content, same size and modification time.
	k0 := key("--input2", d.b)
	st, _ := os.Stat(d.b)
	writeNpy(t, d.b, array.Uint16, []int{tkT, tkH, tkW}, tkValue(5, tkH, tkW))
	os.Chtimes(d.b, st.ModTime(), st.ModTime())
	if key("--input2", d.b) == k0 {
		t.Errorf("input2 content: the key did not change")
	}
}

// TestToolkitChangedOption: a job killed at its commit resumes with the
// same options, and is another job with a changed option: its scratch is
// removed and the new result is that option's; a finished job is done
// again with a changed option, and not with the same ones.
func TestToolkitChangedOption(t *testing.T) {
	d := newTKData(t)
	out := filepath.Join(d.dir, "out.npy")
	args := func(extra ...string) []string {
		return append([]string{"pcf", d.a, "-o", out, "--engine", "ooc", "--tile", "12,12", "--threads", "1", "--device", "cpu"}, extra...)
	}
	ref := func(extra ...string) []byte {
		p := filepath.Join(d.dir, "ref.npy")
		os.Remove(p)
		os.Remove(p + ".json")
		a := append([]string{"pcf", d.a, "-o", p, "--engine", "memory", "--quiet", "--device", "cpu"}, extra...)
		if code, msg := runCLI(t, "reference", time.Minute, a...); code != 0 {
			t.Fatalf("reference %v: %d %s", extra, code, msg)
		}
		return npyBytes(t, p)
	}
	killed := func(extra ...string) {
		t.Helper()
		os.Remove(out)
		os.Remove(out + ".json")
		cmd := execCLI(t, append(args(extra...), "--quiet")...)
		cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
		if err := cmd.Run(); err == nil {
			t.Fatalf("%v: not killed at the commit", extra)
		}
		if left, _ := filepath.Glob(filepath.Join(d.dir, ".ipcf-scratch-*", "journal")); len(left) != 1 {
			t.Fatalf("%v: no scratch left by the killed run", extra)
		}
	}
	changes := []struct {
		name          string
		before, after []string
		field         string
	}{
		{"offsets", []string{"--offsets", "1,0;0,1"}, []string{"--offsets", "1,0;0,2"}, "offsets"},
		{"bins", []string{"--acf", "--bins", "linear"}, []string{"--acf", "--bins", "multitau"}, "bins"},
		{"m", []string{"--acf", "--bins", "multitau", "--m", "8"}, []string{"--acf", "--bins", "multitau", "--m", "4"}, "multitau_m"},
		{"smooth", []string{"--radius", "2", "--npoints", "4"}, []string{"--radius", "2", "--npoints", "4", "--smooth", "0.2"}, "smooth"},
		{"threshold", []string{"--acf", "--threshold", "20"}, []string{"--acf", "--threshold", "30"}, "threshold"},
		{"delta", []string{"--radius", "2", "--npoints", "4"}, []string{"--radius", "2", "--npoints", "4", "--delta"}, "delta"},
		{"input2", []string{"--acf", "--input2", d.b}, []string{"--acf", "--input2", d.a32}, "input2"},
		{"second channel added", []string{"--offsets", "1,0"}, []string{"--offsets", "1,0", "--input2", d.b}, "input2"},
	}
	for _, c := range changes {
		if c.name == "input2" {
			// A second channel of the first's type: a uint16 copy of b.
			writeNpy(t, d.a32, array.Uint16, []int{tkT, tkH, tkW}, tkValue(6, tkH, tkW))
		}
		// Same options: the killed run's commit is finished.
		killed(c.before...)
		code, msg := runCLI(t, c.name, time.Minute, args(c.before...)...)
		if code != 0 || !strings.Contains(msg, "resumed") || tilesRe.FindStringSubmatch(msg) == nil {
			t.Fatalf("%s: same options after a kill: exit %d: %s", c.name, code, msg)
		}
		if m := tilesRe.FindStringSubmatch(msg); m[1] != m[2] {
			t.Errorf("%s: same options after a kill at the commit: %s of %s tiles resumed", c.name, m[2], m[1])
		}
		if !bytes.Equal(npyBytes(t, out), ref(c.before...)) {
			t.Fatalf("%s: the resumed result differs", c.name)
		}
		code, msg = runCLI(t, c.name, time.Minute, args(c.before...)...)
		if code != 0 || !strings.Contains(msg, "already") {
			t.Errorf("%s: a rerun of the finished job: exit %d: %s", c.name, code, msg)
		}
		// A changed option after a kill: another job.
		killed(c.before...)
		code, msg = runCLI(t, c.name, time.Minute, args(c.after...)...)
		if code != 0 {
			t.Fatalf("%s: changed option after a kill: exit %d: %s", c.name, code, msg)
		}
		if !strings.Contains(msg, "removed the scratch") || !strings.Contains(msg, c.field) {
			t.Errorf("%s: the stale scratch was not reported as changed %s: %s", c.name, c.field, msg)
		}
		if m := tilesRe.FindStringSubmatch(msg); m == nil || m[2] != "0" {
			t.Errorf("%s: tiles of another job were resumed: %s", c.name, msg)
		}
		want := ref(c.after...)
		if !bytes.Equal(npyBytes(t, out), want) {
			t.Fatalf("%s: the result after the change is not the new job's", c.name)
		}
		// A finished job with a changed option: done again.
		code, msg = runCLI(t, c.name, time.Minute, args(c.before...)...)
		if code != 0 || strings.Contains(msg, "already") {
			t.Errorf("%s: the finished job of other options was taken as this one: exit %d: %s", c.name, code, msg)
		}
		if !bytes.Equal(npyBytes(t, out), ref(c.before...)) {
			t.Fatalf("%s: back to the first options: wrong result", c.name)
		}
	}
}

// TestToolkitLineScan: a 2-D (time, x) .npy is a line scan with --preset
// line or offsets of v = 0, and refused (with the hint) otherwise.
func TestToolkitLineScan(t *testing.T) {
	d := newTKData(t)
	out := filepath.Join(d.dir, "out.npy")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--preset", "line", "--radius", "2"}, 0, ""},
		{[]string{"--offsets", "1,0"}, 0, ""},
		{[]string{"--acf"}, 0, ""},
		{[]string{"--preset", "line", "--radius", "2", "--crop", "0:1,3:20", "--frames", "0:64"}, 0, ""},
		// (a line scan the options do not fit: a usage mistake, exit 2)
		{[]string{"--radius", "1"}, 2, "line scan"},
		{[]string{"--offsets", "1,1"}, 2, "line scan"},
		{[]string{"--preset", "disk", "--radius", "1"}, 2, "3 dimensions"},
		{[]string{"--preset", "line", "--radius", "80"}, 2, "too far"},
		{[]string{"--preset", "line", "--radius", "2", "--input2", d.a}, 2, "second channel"},
	} {
		os.Remove(out)
		code, msg := runCLI(t, strings.Join(c.args, " "), time.Minute, append([]string{"pcf", d.line, "-o", out, "--quiet"}, c.args...)...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%v: exit %d %q, want %d and %q", c.args, code, msg, c.code, c.msg)
		}
	}
}

// TestToolkitLineScanFortran: a (time, x) line scan saved in Fortran
// order (numpy's asfortranarray, MATLAB's column-major arrays), big-endian
// too, is read as the C-order file of the same samples: the same bytes
// for the pCF (in memory and out of core), the ACF and the correction of
// bleaching (READERS13's m8: it was refused, though the README promised
// ".npy (C or Fortran order)").
func TestToolkitLineScanFortran(t *testing.T) {
	d := newTKData(t)
	p := func(n string) string { return filepath.Join(d.dir, n) }
	val := tkValue(3, 1, tkLineW) // d.line's samples, C order: i = t*W + x
	for _, c := range []struct {
		name, descr string
		put         func(b []byte, v uint16)
	}{
		{"little", "<u2", func(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }},
		{"big", ">u2", func(b []byte, v uint16) { b[0], b[1] = byte(v>>8), byte(v) }},
	} {
		data := make([]byte, 2*tkT*tkLineW)
		for ti := 0; ti < tkT; ti++ {
			for x := 0; x < tkLineW; x++ {
				c.put(data[2*(x*tkT+ti):], uint16(val(ti*tkLineW+x)))
			}
		}
		in := p("fortran-" + c.name + ".npy")
		dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': True, 'shape': (%d, %d), }", c.descr, tkT, tkLineW)
		if err := os.WriteFile(in, npyHeader(t, dict, data), 0o644); err != nil {
			t.Fatal(err)
		}
		for i, args := range [][]string{
			{"pcf", "--preset", "line", "--radius", "2"},
			{"pcf", "--preset", "line", "--radius", "2", "--engine", "ooc", "--tile", "1,40"},
			{"pcf", "--acf", "--crop", "0:1,3:90", "--frames", "5:120"},
			{"bleach", "--filtersize", "10"},
		} {
			want, got := p(fmt.Sprintf("c-%s-%d.npy", c.name, i)), p(fmt.Sprintf("f-%s-%d.npy", c.name, i))
			for _, r := range []struct{ in, out string }{{d.line, want}, {in, got}} {
				cmdArgs := append([]string{args[0], r.in, "-o", r.out, "--quiet"}, args[1:]...)
				if code, msg := runCLI(t, c.name, time.Minute, cmdArgs...); code != 0 {
					t.Fatalf("%s %v: exit %d: %s", c.name, cmdArgs, code, msg)
				}
			}
			if !bytes.Equal(npyData(t, got), npyData(t, want)) {
				t.Errorf("%s %v: the Fortran-order line scan's result differs from the C-order file's", c.name, args)
			}
		}
	}
}

// TestToolkitPlot: ipcf plot draws the toolkit's results: one offset (an
// ACF), multi-tau points, a line scan's single row, two channels.
func TestToolkitPlot(t *testing.T) {
	d := newTKData(t)
	for _, c := range []struct {
		name string
		in   string
		args []string
	}{
		{"acf", d.a, []string{"--acf"}},
		{"multitau", d.a, []string{"--offsets", "1,0", "--bins", "multitau", "--m", "4"}},
		{"line", d.line, []string{"--preset", "line", "--radius", "1"}},
		{"two channels delta", d.a, []string{"--preset", "disk", "--radius", "1", "--input2", d.b, "--delta"}},
	} {
		res := filepath.Join(d.dir, "res-"+c.name+".npy")
		if code, msg := runCLI(t, c.name, time.Minute, append([]string{"pcf", c.in, "-o", res, "--quiet"}, c.args...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, msg)
		}
		for i, view := range [][]string{nil, {"--pixel", "0,0"}, {"--point", "0", "--bin", "0"}} {
			png := filepath.Join(d.dir, fmt.Sprintf("%s-%d.png", c.name, i))
			if code, msg := runCLI(t, c.name, time.Minute, append([]string{"plot", res, "-o", png}, view...)...); code != 0 {
				t.Errorf("%s: plot %v: exit %d: %s", c.name, view, code, msg)
			} else if st, err := os.Stat(png); err != nil || st.Size() == 0 {
				t.Errorf("%s: plot %v: no picture: %v", c.name, view, err)
			}
		}
	}
}

// TestToolkitLineScanMask: a line scan's mask is its columns, (columns,)
// as Python takes it, or the one row (1, columns): the same result, that
// of the library with the mask; a 1-D mask of an image is refused.
func TestToolkitLineScanMask(t *testing.T) {
	d := newTKData(t)
	p := func(n string) string { return filepath.Join(d.dir, n) }
	keep := func(i int) float64 {
		if i == 7 || i == 100 {
			return 0
		}
		return 1
	}
	writeNpy(t, p("m1.npy"), array.Uint8, []int{tkLineW}, keep)
	writeNpy(t, p("m2.npy"), array.Uint8, []int{1, tkLineW}, keep)
	args := []string{"--preset", "line", "--radius", "2", "--nbins", "8", "--quiet"}
	for _, m := range []string{"m1", "m2"} {
		if code, msg := runCLI(t, m, time.Minute, append([]string{"pcf", d.line, "-o", p(m + ".out.npy"), "--mask", p(m + ".npy")}, args...)...); code != 0 {
			t.Fatalf("mask %s: exit %d: %s", m, code, msg)
		}
	}
	mv, done := loadView(t, p("m2.npy"))
	defer done()
	o := pcf.DefaultOptions()
	offs, err := pcf.Line(2)
	if err != nil {
		t.Fatal(err)
	}
	o.Offsets, o.Nbins = offs, 8
	m2 := array.View{DType: mv.DType, Order: mv.Order, Shape: []int{1, tkLineW}, Strides: []int{tkLineW, 1}, Data: mv.Data, Offset: mv.Offset}
	o.Mask = &m2
	want := reference(t, d.line, "", o)
	if got1, got2 := npyBytes(t, p("m1.out.npy")), npyBytes(t, p("m2.out.npy")); !bytes.Equal(got1, want) || !bytes.Equal(got2, want) {
		t.Errorf("line scan masks (columns,) and (1, columns): equal to the library's result: %v, %v", bytes.Equal(got1, want), bytes.Equal(got2, want))
	}
	code, msg := runCLI(t, "image", time.Minute, "pcf", d.a, "-o", p("img.npy"), "--mask", p("m1.npy"), "--quiet")
	if code != 2 || !strings.Contains(msg, "want (rows, columns)") || !strings.Contains(msg, "m1.npy") {
		t.Errorf("a 1-D mask of an image: exit %d: %s, want 2 (a mask file that does not fit the input), the file and the shape wanted", code, msg)
	}
}
