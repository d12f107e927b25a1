package main

import (
	"bytes"
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

// A channel axis: --channel N reads channel N (from 1, as ImageJ) of a
// multi-channel ImageJ hyperstack; --channel2 N makes channel N of the
// input (or of --input2) the second channel.

// writeHyperstack writes an ImageJ hyperstack of C channels and T frames
// of h x w uint16 samples as ImageJ lays it out: every image's samples
// back to back in ImageJ's order (channel c of frame t is image t*C + c),
// then the IFDs, the first with the description. value(c, i) is sample i
// of channel c's (T, h, w) series in C order.
func writeHyperstack(t *testing.T, path string, C, T, h, w int, desc string, value func(c, i int) float64) {
	t.Helper()
	le := bin.LittleEndian
	frame := h * w * 2
	b := make([]byte, 8, 8+C*T*frame)
	copy(b, "II*\x00")
	for tt := 0; tt < T; tt++ {
		for c := 0; c < C; c++ {
			for i := 0; i < h*w; i++ {
				b = le.AppendUint16(b, uint16(value(c, tt*h*w+i)))
			}
		}
	}
	descOff := len(b)
	b = append(append(b, desc...), 0)
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	next := 4
	for p := 0; p < C*T; p++ {
		type entry struct {
			tag, typ   uint16
			count, val uint32
		}
		es := []entry{{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)}, {258, 3, 1, 16}, {259, 3, 1, 1}, {262, 3, 1, 1}}
		if p == 0 {
			es = append(es, entry{270, 2, uint32(len(desc) + 1), uint32(descOff)})
		}
		es = append(es, entry{273, 4, 1, uint32(8 + p*frame)}, entry{277, 3, 1, 1}, entry{278, 4, 1, uint32(h)}, entry{279, 4, 1, uint32(frame)})
		le.PutUint32(b[next:], uint32(len(b)))
		b = le.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, e.count)
			if e.typ == 3 {
				b = le.AppendUint16(b, uint16(e.val))
				b = append(b, 0, 0)
			} else {
				b = le.AppendUint32(b, e.val)
			}
		}
		next = len(b)
		b = le.AppendUint32(b, 0)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// chData is the channel tests' inputs: a 2-channel hyperstack, its
// channels de-interleaved from the file's images into .npy files, and
// channel 2 alone as a TIFF of one channel.
type chData struct {
	dir, hyper, c1, c2, c2tif, three string
}

func newChData(t *testing.T) chData {
	d := chData{dir: t.TempDir()}
	p := func(n string) string { return filepath.Join(d.dir, n) }
	d.hyper, d.c1, d.c2, d.c2tif, d.three = p("hyper.tif"), p("c1.npy"), p("c2.npy"), p("c2.tif"), p("three.tif")
	ch := []func(int) float64{tkValue(1, tkH, tkW), tkValue(2, tkH, tkW), tkValue(7, tkH, tkW)}
	val := func(c, i int) float64 { return ch[c](i) }
	writeHyperstack(t, d.hyper, 2, tkT, tkH, tkW,
		fmt.Sprintf("ImageJ=1.54f\nimages=%d\nchannels=2\nframes=%d\nhyperstack=true\nmode=composite\nfinterval=0.01\n", 2*tkT, tkT), val)
	writeHyperstack(t, d.three, 3, tkT, tkH, tkW,
		fmt.Sprintf("ImageJ=1.54f\nimages=%d\nchannels=3\nframes=%d\nhyperstack=true\n", 3*tkT, tkT), val)
	writeHyperstack(t, d.c2tif, 1, tkT, tkH, tkW, fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=0.01\n", tkT, tkT),
		func(_, i int) float64 { return ch[1](i) })
	// De-interleave: channel c of frame t is image t*2 + c of the file.
	raw, err := os.ReadFile(d.hyper)
	if err != nil {
		t.Fatal(err)
	}
	frame := tkH * tkW
	for c, path := range []string{d.c1, d.c2} {
		writeNpy(t, path, array.Uint16, []int{tkT, tkH, tkW}, func(i int) float64 {
			tt, k := i/frame, i%frame
			return float64(bin.LittleEndian.Uint16(raw[8+2*((tt*2+c)*frame+k):]))
		})
	}
	return d
}

// TestChannelCrossCorrelation: --channel 1 --channel2 2 (one file, two
// channels) equals pcf.Compute with Data2 on the de-interleaved channels,
// bitwise, in memory and out of core (several tiles); so does channel 2
// of the hyperstack given as --input2 of channel 1's .npy.
func TestChannelCrossCorrelation(t *testing.T) {
	d := newChData(t)
	cases := []struct {
		name string
		args []string
		opts func(o *pcf.Options)
	}{
		{"acf", []string{d.hyper, "--channel", "1", "--channel2", "2", "--acf"}, func(o *pcf.Options) { o.Offsets = []pcf.Offset{{}} }},
		{"circle", []string{d.hyper, "--channel", "1", "--channel2", "2", "--radius", "2", "--npoints", "8"}, func(o *pcf.Options) { o.Radius, o.Npoints = 2, 8 }},
		{"input2 channel2", []string{d.c1, "--input2", d.hyper, "--channel2", "2", "--acf", "--bins", "multitau", "--m", "8"}, func(o *pcf.Options) {
			o.Offsets, o.Bins, o.M = []pcf.Offset{{}}, pcf.Multitau, 8
		}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			o := pcf.DefaultOptions()
			c.opts(&o)
			want := reference(t, d.c1, d.c2, o)
			args := append([]string{"pcf", "--threads", "2", "--device", "cpu"}, c.args...)
			mem := filepath.Join(t.TempDir(), "mem.npy")
			if code, msg := runCLI(t, c.name, time.Minute, append(args, "-o", mem, "--engine", "memory", "--quiet")...); code != 0 {
				t.Fatalf("in memory: exit %d: %s", code, msg)
			}
			if got := npyBytes(t, mem); !bytes.Equal(got, want) {
				t.Fatalf("in memory: the CLI's result differs from pcf.Compute's with Data2 (%s)", firstDiff(got, want))
			}
			tiles, chunks := checkOOC(t, c.name, args, want)
			if tiles < 4 {
				t.Errorf("out of core: at most %d tiles (%d chunks), want several", tiles, chunks)
			}
			m := readMeta(t, mem)
			if m["channels"] != 2.0 || m["channel2"] != 2.0 || m["input2"] != d.hyper {
				t.Errorf("metadata: channels %v, channel2 %v, input2 %v; want 2, 2, %s", m["channels"], m["channel2"], m["input2"], d.hyper)
			}
			if wantCh := map[bool]any{true: nil, false: 1.0}[strings.HasPrefix(c.name, "input2")]; m["channel"] != wantCh {
				t.Errorf("metadata: channel %v, want %v", m["channel"], wantCh)
			}
		})
	}
}

// TestChannelSelect: --channel 2 of the hyperstack equals the file of
// channel 2 alone (in memory and out of core, bitwise); --channel 1 of a
// file of one channel equals no channel; ipcf bleach --channel 2 equals
// bleach on channel 2 alone.
func TestChannelSelect(t *testing.T) {
	d := newChData(t)
	run := func(name string, args ...string) []byte {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out.npy")
		if code, msg := runCLI(t, name, time.Minute, append(args, "-o", out, "--quiet")...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, msg)
		}
		return npyBytes(t, out)
	}
	for _, mode := range [][]string{{"--radius", "2", "--npoints", "8"}, {"--acf", "--bins", "linear"}} {
		name := strings.Join(mode, " ")
		single := run(name+" one-channel file", append([]string{"pcf", d.c2tif, "--device", "cpu"}, mode...)...)
		if want := reference(t, d.c2, "", func() pcf.Options {
			o := pcf.DefaultOptions()
			if mode[0] == "--acf" {
				o.Offsets, o.Bins = []pcf.Offset{{}}, pcf.LinearBinning
			} else {
				o.Radius, o.Npoints = 2, 8
			}
			return o
		}()); !bytes.Equal(single, want) {
			t.Fatalf("%s: the file of channel 2 differs from pcf.Compute on it (%s)", name, firstDiff(single, want))
		}
		args := append([]string{"pcf", d.hyper, "--channel", "2", "--device", "cpu"}, mode...)
		if got := run(name+" --channel 2", append(args, "--engine", "memory")...); !bytes.Equal(got, single) {
			t.Fatalf("%s: --channel 2 in memory differs from the file of channel 2 (%s)", name, firstDiff(got, single))
		}
		if tiles, _ := checkOOC(t, name+" --channel 2", args, single); tiles < 4 {
			t.Errorf("%s: out of core: at most %d tiles", name, tiles)
		}
		if got := run(name+" --channel 3 of 3", append([]string{"pcf", d.three, "--channel", "3", "--device", "cpu"}, mode...)...); bytes.Equal(got, single) {
			t.Errorf("%s: channel 3 of 3 gave channel 2's result", name)
		}
	}
	if got, want := run("--channel 1 of one channel", "pcf", d.c2tif, "--channel", "1", "--acf"), run("no channel", "pcf", d.c2tif, "--acf"); !bytes.Equal(got, want) {
		t.Errorf("--channel 1 of a file of one channel differs from no channel (%s)", firstDiff(got, want))
	}
	if got, want := run("npy --channel 1", "pcf", d.c2, "--channel", "1", "--acf"), run("npy", "pcf", d.c2, "--acf"); !bytes.Equal(got, want) {
		t.Errorf("--channel 1 of a .npy differs from no channel (%s)", firstDiff(got, want))
	}
	bl := func(in string, extra ...string) []byte {
		out := filepath.Join(t.TempDir(), "bleach.npy")
		if code, msg := runCLI(t, "bleach", time.Minute, append([]string{"bleach", in, "-o", out, "--filtersize", "4", "--quiet"}, extra...)...); code != 0 {
			t.Fatalf("bleach %s %v: exit %d: %s", in, extra, code, msg)
		}
		return npyBytes(t, out)
	}
	if got, want := bl(d.hyper, "--channel", "2"), bl(d.c2tif); !bytes.Equal(got, want) {
		t.Errorf("bleach --channel 2 differs from bleach on the file of channel 2")
	}
	// The selection corrected is recorded (it was not): the channel, the
	// crop's origin and the input's frame of the output's first (the
	// correction drops --filtersize frames at each end).
	for _, c := range []struct {
		extra []string
		want  map[string]any
	}{
		{[]string{"--channel", "2"}, map[string]any{"channel": 2.0, "crop_origin": []any{0.0, 0.0}, "first_frame": 4.0}},
		{[]string{"--channel", "1", "--crop", "1:4,2:5", "--frames", "3:60"}, map[string]any{"channel": 1.0, "crop_origin": []any{1.0, 2.0}, "first_frame": 7.0}},
	} {
		out := filepath.Join(t.TempDir(), "bleach.npy")
		if code, msg := runCLI(t, "bleach", time.Minute, append([]string{"bleach", d.hyper, "-o", out, "--filtersize", "4", "--quiet"}, c.extra...)...); code != 0 {
			t.Fatalf("bleach %v: exit %d: %s", c.extra, code, msg)
		}
		b, err := os.ReadFile(out + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]any
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatal(err)
		}
		for k, v := range c.want {
			if !reflect.DeepEqual(meta[k], v) {
				t.Errorf("bleach %v: %s %v, want %v", c.extra, k, meta[k], v)
			}
		}
	}
	out := filepath.Join(t.TempDir(), "bleach.npy")
	if code, msg := runCLI(t, "bleach", time.Minute, "bleach", d.c2, "-o", out, "--filtersize", "4", "--quiet"); code != 0 {
		t.Fatalf("bleach: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(out + ".json"); !bytes.Contains(b, []byte(`"channel": null`)) {
		t.Errorf("bleach of a file of one channel: metadata %s, want channel null", b)
	}
}

// TestChannelBadInput: channel numbers a file does not have, channel 0
// or negative, and a hyperstack without --channel, exit 2 (1 for the file
// refused) with a message naming the option, and write nothing.
func TestChannelBadInput(t *testing.T) {
	d := newChData(t)
	out := filepath.Join(d.dir, "out.npy")
	raw := filepath.Join(d.dir, "c.raw")
	if err := os.WriteFile(raw, make([]byte, tkT*tkH*tkW*2), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  []string
	}{
		{"channel 0", []string{"pcf", d.hyper, "--channel", "0"}, 2, []string{"--channel 0: want a channel number from 1"}},
		{"channel -1", []string{"pcf", d.hyper, "--channel", "-1"}, 2, []string{"--channel -1: want a channel number from 1"}},
		{"channel2 0", []string{"pcf", d.hyper, "--channel", "1", "--channel2", "0"}, 2, []string{"--channel2 0: want a channel number from 1"}},
		{"channel beyond", []string{"pcf", d.hyper, "--channel", "3"}, 2, []string{"--channel 3", d.hyper, "the input has 2 channels (1 to 2)"}},
		{"channel2 beyond", []string{"pcf", d.hyper, "--channel", "1", "--channel2", "3"}, 2, []string{"--channel2 3", "the input has 2 channels (1 to 2)"}},
		{"channel 2 of a TIFF of one channel", []string{"pcf", d.c2tif, "--channel", "2"}, 2, []string{"--channel 2", d.c2tif, "the input has one channel (only channel 1)"}},
		{"channel 2 of a .npy", []string{"pcf", d.c2, "--channel", "2"}, 2, []string{"--channel 2", d.c2, "only channel 1"}},
		{"channel 2 of raw", []string{"pcf", raw, "--shape", fmt.Sprintf("%d,%d,%d", tkT, tkH, tkW), "--channel", "2"}, 2, []string{"--channel 2", raw, "only channel 1"}},
		{"channel2 2 of a .npy", []string{"pcf", d.c2, "--channel2", "2"}, 2, []string{"--channel2 2", "only channel 1"}},
		{"channel2 2 of input2 of one channel", []string{"pcf", d.hyper, "--channel", "1", "--input2", d.c2tif, "--channel2", "2"}, 2, []string{"--channel2 2", d.c2tif, "one channel"}},
		{"hyperstack without --channel", []string{"pcf", d.hyper}, 1, []string{d.hyper, "ImageJ hyperstack with 2 channels", "select one with --channel N (1 to 2"}},
		{"hyperstack as input2 without --channel2", []string{"pcf", d.c1, "--input2", d.hyper}, 1, []string{"input2", d.hyper, "for the second channel: --channel2 N"}},
		{"bleach channel 0", []string{"bleach", d.hyper, "--filtersize", "4", "--channel", "0"}, 2, []string{"--channel 0"}},
		{"bleach channel beyond", []string{"bleach", d.hyper, "--filtersize", "4", "--channel", "5"}, 2, []string{"--channel 5", "the input has 2 channels"}},
		{"bleach hyperstack without --channel", []string{"bleach", d.hyper, "--filtersize", "4"}, 1, []string{"select one with --channel N"}},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			os.Remove(out)
			code, msg := runCLI(t, c.name, time.Minute, append(c.args, "-o", out, "--quiet")...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, msg)
			}
			for _, f := range c.msg {
				if !strings.Contains(msg, f) {
					t.Errorf("message %q does not contain %q", msg, f)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("an output was written")
			}
		})
	}
}

// TestChannelKey: the channel selections are in the job key; the
// metadata records them (null when none).
func TestChannelKey(t *testing.T) {
	d := newChData(t)
	out := filepath.Join(d.dir, "out.npy")
	key := func(in string, extra ...string) string {
		t.Helper()
		spec, _, err := parsePCF(append([]string{in, "-o", out, "--acf"}, extra...))
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
	seen := map[string]string{}
	for _, v := range []struct {
		in   string
		args []string
	}{
		{d.hyper, []string{"--channel", "1"}},
		{d.hyper, []string{"--channel", "2"}},
		{d.hyper, []string{"--channel", "1", "--channel2", "1"}},
		{d.hyper, []string{"--channel", "1", "--channel2", "2"}},
		{d.hyper, []string{"--channel", "2", "--channel2", "1"}},
		{d.c2tif, nil},
		{d.c2tif, []string{"--channel", "1"}},
		{d.c2tif, []string{"--channel2", "1"}},
	} {
		name := fmt.Sprint(filepath.Base(v.in), v.args)
		k := key(v.in, v.args...)
		if prev, ok := seen[k]; ok {
			t.Errorf("%s: the same key as %s", name, prev)
		}
		seen[k] = name
	}
	// --input2 of the same file is --channel2 alone: the same job.
	if a, b := key(d.hyper, "--channel", "1", "--channel2", "2"), key(d.hyper, "--channel", "1", "--input2", d.hyper, "--channel2", "2"); a != b {
		t.Errorf("--channel2 2 alone and with --input2 of the same file: two keys")
	}
	// Metadata without a channel: channel and channel2 are null.
	if code, msg := runCLI(t, "no channel", time.Minute, "pcf", d.c2, "-o", out, "--acf", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	m := readMeta(t, out)
	for _, k := range []string{"channel", "channel2"} {
		if v, ok := m[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
	if code, msg := runCLI(t, "channel 2", time.Minute, "pcf", d.hyper, "--channel", "2", "-o", out, "--acf", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	m = readMeta(t, out)
	if m["channel"] != 2.0 || m["channel2"] != nil || m["channels"] != 1.0 {
		t.Errorf("--channel 2: channel %v, channel2 %v, channels %v; want 2, null, 1", m["channel"], m["channel2"], m["channels"])
	}
	if u, _ := m["units"].(map[string]any); u["frame_interval_s"] != 0.01 {
		t.Errorf("--channel 2: units %v, want the file's frame interval 0.01 s", m["units"])
	}
}

// TestPlotMeanInputOptions: plot --mean reads every input pcf reads, with
// pcf's options (it said "give --shape" or "select one with --channel N"
// and then refused those flags): a raw file (--shape, --dtype, --byteorder
// and --raw-offset, since --offset picks a map), a channel of a hyperstack
// (--channel), a crop and frames. Each picture is that of the same samples
// in a .npy. Without --mean the options are a usage error.
func TestPlotMeanInputOptions(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W = 64, 6, 10
	value := func(c, i int) float64 { return float64(100 + 50*c + (i*37)%23 + i/(H*W)) }
	le, be := make([]byte, T*H*W*2), make([]byte, 16+T*H*W*2) // be: 16 header bytes
	for i := 0; i < T*H*W; i++ {
		bin.LittleEndian.PutUint16(le[2*i:], uint16(value(1, i)))
		bin.BigEndian.PutUint16(be[16+2*i:], uint16(value(1, i)))
	}
	if err := npy.WriteFile(p("in.npy"), array.Uint16, []int{T, H, W}, le); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("in.raw"), be, 0o644); err != nil {
		t.Fatal(err)
	}
	writeHyperstack(t, p("hs.tif"), 2, T, H, W,
		fmt.Sprintf("ImageJ=1.54f\nimages=%d\nchannels=2\nframes=%d\nhyperstack=true\n", 2*T, T), value)
	// The crop's and frames' samples as a .npy of their own.
	const y0, y1, x0, x1, t0, t1 = 1, 5, 2, 8, 8, 40
	sub := make([]byte, 0, (t1-t0)*(y1-y0)*(x1-x0)*2)
	for tt := t0; tt < t1; tt++ {
		for y := y0; y < y1; y++ {
			o := 2 * ((tt*H+y)*W + x0)
			sub = append(sub, le[o:o+2*(x1-x0)]...)
		}
	}
	if err := npy.WriteFile(p("sub.npy"), array.Uint16, []int{t1 - t0, y1 - y0, x1 - x0}, sub); err != nil {
		t.Fatal(err)
	}
	draw := func(name string, args ...string) []byte {
		t.Helper()
		out := p(name + ".png")
		if code, msg := ipcf(t, append([]string{"plot", "-o", out, "--width", "500", "--height", "300"}, args...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := draw("npy", "--mean", p("in.npy"))
	for name, args := range map[string][]string{
		"raw":     {"--mean", p("in.raw"), "--shape", fmt.Sprintf("%d,%d,%d", T, H, W), "--dtype", "uint16", "--byteorder", "big", "--raw-offset", "16"},
		"channel": {"--mean", p("hs.tif"), "--channel", "2"},
	} {
		if got := draw(name, args...); !bytes.Equal(got, want) {
			t.Errorf("%s: the picture differs from the .npy's of the same samples", name)
		}
	}
	if got, want := draw("crop", "--mean", p("in.npy"), "--crop", fmt.Sprintf("%d:%d,%d:%d", y0, y1, x0, x1),
		"--frames", fmt.Sprintf("%d:%d", t0, t1)), draw("sub", "--mean", p("sub.npy")); !bytes.Equal(got, want) {
		t.Error("--crop and --frames: the picture differs from the .npy's of those samples")
	}
	if code, msg := ipcf(t, "plot", "--mean", p("hs.tif"), "-o", p("x.png")); code != 1 || !strings.Contains(msg, "--channel") {
		t.Errorf("hyperstack without --channel: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "plot", p("in.npy"), "-o", p("y.png"), "--shape", "64,6,10"); code != 2 || !strings.Contains(msg, "--shape describes the input of --mean") {
		t.Errorf("--shape without --mean: exit %d: %s, want 2", code, msg)
	}
	if code, msg := ipcf(t, "plot", "--mean", p("in.npy"), "-o", p("z.png"), "--raw-offset", "16"); code != 2 || !strings.Contains(msg, "--raw-offset: describes raw input only") {
		t.Errorf("--raw-offset on a .npy: exit %d: %s, want 2", code, msg)
	}
	// What draws a result or maps is refused with --mean (ignored before):
	// --offset, pcf's and bleach's raw header flag, names --raw-offset.
	for _, c := range [][]string{{"--offset", "16", "--raw-offset"}, {"--point", "1", "--point draws"}, {"--bin", "2", "--bin draws"},
		{"--pixel", "1,1", "--pixel draws"}, {"--param", "D", "--param draws"}} {
		if code, msg := ipcf(t, "plot", "--mean", p("in.raw"), "--shape", "64,6,10", "-o", p("w.png"), c[0], c[1]); code != 2 || !strings.Contains(msg, c[2]) {
			t.Errorf("--mean with %s: exit %d: %s, want 2 naming %s", c[0], code, msg, c[2])
		}
	}
	if _, err := os.Stat(p("w.png")); err == nil {
		t.Error("a refused plot wrote its picture")
	}
}

// TestBleachKeepsUnits: a stack ipcf bleach corrected keeps its input's
// units for a pCF of it (read from its record, checked with it): they
// were dropped, and the pCF of the corrected stack had none.
func TestBleachKeepsUnits(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "cal.tif")
	const T = 400
	writeHyperstack(t, in, 1, T, tkH, tkW, fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=2.5\ntunit=ms\n", T, T), func(_, i int) float64 {
		return float64(100 + (i*2654435761>>11)%37)
	})
	cor, res := filepath.Join(dir, "cor.npy"), filepath.Join(dir, "res.npy")
	if code, msg := ipcf(t, "bleach", in, "-o", cor, "--filtersize", "20", "--quiet"); code != 0 {
		t.Fatalf("bleach: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "pcf", cor, "-o", res, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatalf("pcf of the corrected stack: exit %d: %s", code, msg)
	}
	var m struct {
		Units struct {
			FrameInterval *float64          `json:"frame_interval_s"`
			From          map[string]string `json:"from"`
		} `json:"units"`
	}
	b, _ := os.ReadFile(res + ".json")
	if err := json.Unmarshal(b, &m); err != nil || m.Units.FrameInterval == nil || *m.Units.FrameInterval != 0.0025 ||
		m.Units.From["frame_interval_s"] != "ipcf bleach" {
		t.Errorf("units of the pCF of the corrected stack: %s", b)
	}
	// A stack corrected twice keeps them too.
	cor2, res2 := filepath.Join(dir, "cor2.npy"), filepath.Join(dir, "res2.npy")
	if code, msg := ipcf(t, "bleach", cor, "-o", cor2, "--filtersize", "20", "--quiet"); code != 0 {
		t.Fatalf("bleach again: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "pcf", cor2, "-o", res2, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatalf("pcf: exit %d: %s", code, msg)
	}
	b, _ = os.ReadFile(res2 + ".json")
	if err := json.Unmarshal(b, &m); err != nil || m.Units.FrameInterval == nil || *m.Units.FrameInterval != 0.0025 {
		t.Errorf("units of the pCF of the stack corrected twice: %s", b)
	}
	// Units from sealed metadata only: metadata set back to 0.3.0, whose
	// sidecars were not sealed, could be edited to give any.
	var side map[string]any
	b, _ = os.ReadFile(cor + ".json")
	if err := json.Unmarshal(b, &side); err != nil {
		t.Fatal(err)
	}
	delete(side, "self_crc32c")
	side["version"] = "0.3.0"
	side["units"] = map[string]any{"frame_interval_s": 7.5, "pixel_size_um": 3.0, "from": "ImageJ"}
	b, _ = json.Marshal(side)
	os.WriteFile(cor+".json", b, 0o644)
	res3 := filepath.Join(dir, "res3.npy")
	code, msg := ipcf(t, "pcf", cor, "-o", res3, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet")
	b, _ = os.ReadFile(res3 + ".json")
	var m3 struct {
		Units struct {
			FrameInterval *float64 `json:"frame_interval_s"`
			PixelSize     *float64 `json:"pixel_size_um"`
		} `json:"units"`
	}
	if code == 0 && (json.Unmarshal(b, &m3) != nil || m3.Units.FrameInterval != nil || m3.Units.PixelSize != nil) {
		t.Errorf("units of an unsealed sidecar taken: %s", b)
	}
	_ = msg
}

// TestBleachSaysUnitsNotKept: a frame interval of its input that ipcf
// bleach does not keep (out of the range a result may carry, in a unit
// ipcf does not know, no positive number) is said on stderr, as pcf says
// it of the same input; bleach dropped it silently, and the pCF of the
// corrected stack then had none, without a word (CLI11's M7).
func TestBleachSaysUnitsNotKept(t *testing.T) {
	dir := t.TempDir()
	const T = 128
	for i, c := range []struct{ desc, want string }{
		{"finterval=1e-13\ntunit=sec\n", "warning: the input's frame interval is out of range, frame interval 1e-13: want 1e-12 to 1e+06 s"},
		{"finterval=2\ntunit=fortnight\n", `in a unit ipcf does not know as a time, "fortnight"`},
		{"finterval=-2\ntunit=sec\n", "the input's frame interval is no positive number"},
	} {
		in := filepath.Join(dir, fmt.Sprintf("in%d.tif", i))
		writeHyperstack(t, in, 1, T, tkH, tkW, fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\n%s", T, T, c.desc), func(_, i int) float64 {
			return float64(100 + (i*2654435761>>11)%37)
		})
		cor := filepath.Join(dir, fmt.Sprintf("cor%d.npy", i))
		code, msg := ipcf(t, "bleach", in, "-o", cor, "--filtersize", "8", "--quiet")
		if code != 0 || !strings.Contains(msg, c.want) || !strings.Contains(msg, "the corrected stack records none") {
			t.Errorf("bleach of %q: exit %d: %q, want a note with %q", c.desc, code, msg, c.want)
		}
		// pcf of the input says the same
		res := filepath.Join(dir, fmt.Sprintf("res%d.npy", i))
		if code, msg := ipcf(t, "pcf", in, "-o", res, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 || !strings.Contains(msg, c.want) {
			t.Errorf("pcf of %q: exit %d: %q, want a note with %q", c.desc, code, msg, c.want)
		}
		var side struct {
			Units map[string]any `json:"units"`
		}
		b, _ := os.ReadFile(cor + ".json")
		if err := json.Unmarshal(b, &side); err != nil || side.Units["frame_interval_s"] != nil {
			t.Errorf("bleach of %q: units %s, want no frame interval", c.desc, b)
		}
	}
}

// TestBleachKeepsPixelsNotSquare: a corrected stack whose input's pixels
// were not square (no pixel size) says so in its record, and a pCF of it
// warns and records it as a pCF of the input does (both were lost).
func TestBleachKeepsPixelsNotSquare(t *testing.T) {
	dir := t.TempDir()
	in, cor, res := filepath.Join(dir, "in.npy"), filepath.Join(dir, "cor.npy"), filepath.Join(dir, "res.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "300", "--size", "12", "--quiet"); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "bleach", in, "-o", cor, "--filtersize", "20", "--quiet"); code != 0 {
		t.Fatalf("bleach: exit %d: %s", code, msg)
	}
	// The record ipcf bleach writes for an input of 0.1 x 0.3 um pixels.
	var side map[string]any
	b, _ := os.ReadFile(cor + ".json")
	if err := json.Unmarshal(b, &side); err != nil {
		t.Fatal(err)
	}
	delete(side, "self_crc32c")
	side["units"] = map[string]any{"frame_interval_s": 0.01, "pixel_size_um": nil, "from": "ImageJ", "pixels_not_square": "0.1 x 0.3 um (ImageJ)"}
	b, err := ooc.Seal(side)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cor+".json", b, 0o644)
	code, msg := ipcf(t, "pcf", cor, "-o", res, "--radius", "1", "--npoints", "4", "--nbins", "6")
	if code != 0 || !strings.Contains(msg, "the input's pixels are not square (0.1 x 0.3 um (ImageJ))") {
		t.Fatalf("pcf: exit %d: %s", code, msg)
	}
	var m struct {
		Units map[string]any `json:"units"`
	}
	b, _ = os.ReadFile(res + ".json")
	if json.Unmarshal(b, &m) != nil || m.Units["pixels_not_square"] != "0.1 x 0.3 um (ImageJ)" || m.Units["pixel_size_um"] != nil || m.Units["frame_interval_s"] != 0.01 {
		t.Errorf("units: %s", b)
	}
}

// TestPlotMeanOfBleachedStackKeepsUnits: plot --mean of a stack ipcf
// bleach wrote takes the units of its record, as a pCF of it does: it drew
// pixels and frames, the picture of the same samples without units. Its
// picture is that of the same samples in a TIFF with the input's frame
// interval.
func TestPlotMeanOfBleachedStackKeepsUnits(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W, F = 200, 6, 8, 10
	desc := func(n int) string { return fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=0.005\n", n, n) }
	writeHyperstack(t, p("d.tif"), 1, T, H, W, desc(T), func(_, i int) float64 { return float64(100 + (i*37)%23 + i/(H*W)/4) })
	if code, msg := ipcf(t, "bleach", p("d.tif"), "-o", p("b.npy"), "--filtersize", fmt.Sprint(F), "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	b := npyBytes(t, p("b.npy"))
	writeHyperstack(t, p("b.tif"), 1, T-2*F, H, W, desc(T-2*F), func(_, i int) float64 { return float64(bin.LittleEndian.Uint16(b[2*i:])) })
	if err := os.WriteFile(p("plain.npy"), mustRead(t, p("b.npy")), 0o644); err != nil { // no sidecar: no units
		t.Fatal(err)
	}
	for _, n := range []string{"b", "plain"} {
		if code, msg := ipcf(t, "plot", "--mean", p(n+".npy"), "-o", p(n+".png")); code != 0 {
			t.Fatal(msg)
		}
	}
	if code, msg := ipcf(t, "plot", "--mean", p("b.tif"), "-o", p("tif.png")); code != 0 {
		t.Fatal(msg)
	}
	got, tif, plain := mustRead(t, p("b.png")), mustRead(t, p("tif.png")), mustRead(t, p("plain.png"))
	if !bytes.Equal(got, tif) {
		t.Error("plot --mean of the bleached stack differs from that of its frames in a TIFF with the input's frame interval")
	}
	if bytes.Equal(got, plain) {
		t.Error("plot --mean of the bleached stack is that of its samples without units")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlotMeanSelectionInTheInputsTime: plot --mean --frames of a file with
// a frame interval draws the trace at the selection's times in the input,
// as a pCF of it places its pixels: it drew it from 0 s (the tools
// campaign's F7), the picture of the same samples in a file of their own.
func TestPlotMeanSelectionInTheInputsTime(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W, t0 = 120, 6, 8, 40
	desc := func(n int) string { return fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=0.005\n", n, n) }
	value := func(_, i int) float64 { return float64(100 + (i*37)%23 + i/(H*W)) }
	writeHyperstack(t, p("d.tif"), 1, T, H, W, desc(T), value)
	writeHyperstack(t, p("sub.tif"), 1, T-t0, H, W, desc(T-t0), func(c, i int) float64 { return value(c, i+t0*H*W) })
	draw := func(name string, args ...string) []byte {
		out := p(name + ".png")
		if code, msg := ipcf(t, append([]string{"plot", "--mean"}, append(args, "-o", out)...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, msg)
		}
		return mustRead(t, out)
	}
	if bytes.Equal(draw("sel", p("d.tif"), "--frames", fmt.Sprintf("%d:%d", t0, T)), draw("sub", p("sub.tif"))) {
		t.Error("--frames 40:120 of a file with a frame interval is drawn from 0 s, as a file of those frames")
	}
	if !bytes.Equal(draw("all", p("d.tif"), "--frames", fmt.Sprintf("0:%d", T)), draw("whole", p("d.tif"))) {
		t.Error("--frames 0:T differs from the whole file")
	}
}
