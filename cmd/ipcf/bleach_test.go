package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/source"
)

// bleachInput writes a (T, H, W) uint16 stack with a decaying trend and
// returns its path and the data.
func bleachInput(t *testing.T, dir string, T, H, W int) (string, []byte) {
	t.Helper()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{T, H, W}, func(i int) float64 {
		tt, p := i/(H*W), i%(H*W)
		return float64(200 + 3*p%17 + (1000*(T-tt))/T + (i*7919)%23)
	})
	return in, npyData(t, in)
}

// npyData returns the data bytes of a C-ordered .npy file.
func npyData(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := npy.View(b)
	if err != nil {
		t.Fatal(err)
	}
	return v.Data[v.Offset:]
}

// bleached is bleach.Stack's correction of src (T, H, W uint16) with
// filter size f, the real mean and one thread: what the CLI must write.
func bleached(t *testing.T, src array.View, f int) []byte {
	t.Helper()
	T, H, W := src.Shape[0], src.Shape[1], src.Shape[2]
	want, err := array.Contiguous(array.Uint16, []int{T - 2*f, H, W}, make([]byte, (T-2*f)*H*W*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := bleach.Stack(context.Background(), want, src, f, bleach.Real, 1, nil); err != nil {
		t.Fatal(err)
	}
	return want.Data
}

// The CLI corrects a mapped stack where it lies: the same bytes as
// bleach.Stack on a copy in memory, for 1 and 2 threads.
func TestBleachMappedEqualsInMemory(t *testing.T) {
	dir := t.TempDir()
	const T, H, W, F = 600, 9, 70, 40
	in, data := bleachInput(t, dir, T, H, W)
	src, err := array.Contiguous(array.Uint16, []int{T, H, W}, data)
	if err != nil {
		t.Fatal(err)
	}
	want := bleached(t, src, F)
	for _, threads := range []string{"1", "2"} {
		out := filepath.Join(dir, "out"+threads+".npy")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"bleach", in, "-o", out, "--filtersize", "40", "--threads", threads, "--quiet"}, &stdout, &stderr); code != 0 {
			t.Fatalf("threads %s: exit %d: %s", threads, code, stderr.String())
		}
		if got := npyData(t, out); !bytes.Equal(got, want) {
			t.Errorf("threads %s: the CLI's correction differs from bleach.Stack on the data in memory", threads)
		}
	}
	// A crop of rows, columns and frames corrects that part of the mapping.
	sub, err := array.New(array.Uint16, src.Order, []int{570, 6, 50}, src.Strides, data, 10*src.Strides[0]+2*src.Strides[1]+7*src.Strides[2])
	if err != nil {
		t.Fatal(err)
	}
	want = bleached(t, sub, F)
	out := filepath.Join(dir, "crop.npy")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bleach", in, "-o", out, "--filtersize", "40", "--crop", "2:8,7:57", "--frames", "10:580", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crop: exit %d: %s", code, stderr.String())
	}
	if got := npyData(t, out); !bytes.Equal(got, want) {
		t.Error("crop: the CLI's correction differs from bleach.Stack on the cropped data")
	}
}

// A 2-D (time, x) .npy is a line scan, as for pcf --preset line: corrected
// as the (time, 1, x) stack it is and written as (time, x), with a crop of
// its columns and frames; its output is an input pcf --preset line takes
// (checked against its metadata), and the 3-D stack of one row gives the
// same bytes with its own shape.
func TestBleachLineScan(t *testing.T) {
	dir := t.TempDir()
	const T, W, F = 500, 40, 30
	in3, data := bleachInput(t, dir, T, 1, W)
	in := filepath.Join(dir, "line.npy")
	writeNpy(t, in, array.Uint16, []int{T, W}, func(i int) float64 {
		return float64(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
	})
	src, err := array.Contiguous(array.Uint16, []int{T, 1, W}, data)
	if err != nil {
		t.Fatal(err)
	}
	want := bleached(t, src, F)
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "out.npy")
	if code := run([]string{"bleach", in, "-o", out, "--filtersize", "30", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := npy.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	shape := fmt.Sprint(f.Header.Shape)
	f.Close()
	if shape != fmt.Sprint([]int{T - 2*F, W}) {
		t.Errorf("shape %s, want [%d %d]", shape, T-2*F, W)
	}
	if got := npyData(t, out); !bytes.Equal(got, want) {
		t.Error("the line scan's correction differs from bleach.Stack on its (time, 1, x) stack")
	}
	meta, err := os.ReadFile(out + ".json")
	if err != nil || !strings.Contains(string(bytes.Join(bytes.Fields(meta), nil)), fmt.Sprintf(`"input_shape":[%d,%d]`, T, W)) {
		t.Errorf("metadata: %v %s, want input_shape [%d, %d]", err, meta, T, W)
	}
	out3 := filepath.Join(dir, "out3.npy")
	if code := run([]string{"bleach", in3, "-o", out3, "--filtersize", "30", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("3-D: exit %d: %s", code, stderr.String())
	}
	if f, err = npy.Open(out3); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(f.Header.Shape); s != fmt.Sprint([]int{T - 2*F, 1, W}) {
		t.Errorf("3-D input of one row: shape %s, want [%d 1 %d]", s, T-2*F, W)
	}
	f.Close()
	if !bytes.Equal(npyData(t, out3), want) {
		t.Error("3-D input of one row: other bytes")
	}
	sub, err := array.New(array.Uint16, src.Order, []int{470, 1, 25}, src.Strides, data, 10*src.Strides[0]+5*src.Strides[2])
	if err != nil {
		t.Fatal(err)
	}
	crop := filepath.Join(dir, "crop.npy")
	if code := run([]string{"bleach", in, "-o", crop, "--filtersize", "30", "--crop", "0:1,5:30", "--frames", "10:480", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crop: exit %d: %s", code, stderr.String())
	}
	if !bytes.Equal(npyData(t, crop), bleached(t, sub, F)) {
		t.Error("crop: the CLI's correction differs from bleach.Stack on the cropped line scan")
	}
	stderr.Reset()
	if code := run([]string{"pcf", out, "-o", filepath.Join(dir, "p.npy"), "--preset", "line", "--radius", "2", "--nbins", "8", "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("pcf of the corrected line scan: exit %d: %s", code, stderr.String())
	}
	// A line scan saved as one image (a kymograph from Fiji, one frame of T rows) is not read as one:
	// the message says how (it said "leaves no frame of 1", "1 frames usable")
	img := filepath.Join(dir, "kymo.npy")
	writeNpy(t, img, array.Uint16, []int{1, T, W}, func(i int) float64 { return float64(100 + i%7) })
	for _, args := range [][]string{{"bleach", img, "-o", filepath.Join(dir, "kb.npy"), "--filtersize", "30"},
		{"pcf", img, "-o", filepath.Join(dir, "kp.npy"), "--preset", "line", "--radius", "2"}} {
		stderr.Reset()
		if code := run(append(args, "--quiet"), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), fmt.Sprintf("holds one frame (a single image of %d rows)", T)) || !strings.Contains(stderr.String(), "2-D (time, x) .npy") {
			t.Errorf("%s of one image of %d rows: exit %d, %q; want exit 1 and the line scan's advice", args[0], T, code, stderr.String())
		}
	}
}

// An input truncated while it is corrected (the workers fault on the
// mapping) or rewritten in place with the same size is an error naming it,
// exit status 1, and no output; the process survives the fault.
func TestBleachInputChangedDuringRun(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, in string)
	}{
		{"truncated", func(t *testing.T, in string) {
			st, err := os.Stat(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(in, st.Size()/3); err != nil {
				t.Fatal(err)
			}
		}},
		{"rewritten", func(t *testing.T, in string) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-1] ^= 1
			if err := os.WriteFile(in, b, 0o644); err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(in, later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"rewritten in place, size and time kept", func(t *testing.T, in string) {
			st, err := os.Stat(in)
			if err != nil {
				t.Fatal(err)
			}
			// A sample in the middle: between the blocks a key samples.
			rewriteInPlace(t, in, st.Size()/2+1001, []byte{0x5a})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in, _ := bleachInput(t, dir, 4096, 8, 64)
			out := filepath.Join(dir, "out.npy")
			testHookBleach = func() { c.change(t, in) }
			defer func() { testHookBleach = nil }()
			for _, threads := range []string{"1", "2"} {
				var stdout, stderr bytes.Buffer
				code := run([]string{"bleach", in, "-o", out, "--filtersize", "16", "--threads", threads, "--quiet"}, &stdout, &stderr)
				msg := stderr.String()
				if code != 1 || !strings.Contains(msg, in) || !strings.Contains(msg, "changed") || strings.Contains(msg, "goroutine ") {
					t.Errorf("threads %s: exit %d, %q: want 1 and an error naming the input that changed", threads, code, msg)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("threads %s: an output was written (%v)", threads, err)
				}
				// The input again, for the next thread count.
				bleachInput(t, dir, 4096, 8, 64)
			}
		})
	}
}

// Data that are not counts in 0..65535 are corrected as defined (rounded
// and clipped) with a warning naming a sample: ipcf bleach and pcf --bleach.
func TestBleachWarnsForDataThatAreNotCounts(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		dt   array.DType
		f    func(i int) float64
		warn bool
	}{
		{"fractions", array.Float64, func(i int) float64 { return 0.05 + float64(i%7)/100 }, true},
		{"int32 counts of 10^7", array.Int32, func(i int) float64 { return 1e7 + float64(i%13) }, true},
		{"negative int16", array.Int16, func(i int) float64 { return float64(i%9) - 4 }, true},
		{"float counts", array.Float32, func(i int) float64 { return float64(100 + i%13) }, false},
	} {
		in := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
		writeNpy(t, in, c.dt, []int{200, 6, 6}, c.f)
		for _, args := range [][]string{
			{"bleach", in, "-o", in + ".b.npy", "--filtersize", "10", "--quiet"},
			{"pcf", in, "-o", in + ".p.npy", "--bleach", "10", "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"},
		} {
			code, msg := runIn(t, args...)
			warned := strings.Contains(msg, "warning") && strings.Contains(msg, "not counts in 0..65535")
			if code != 0 || warned != c.warn {
				t.Errorf("%s, %s: exit %d, warned %v (want %v): %q", c.name, args[0], code, warned, c.warn, msg)
			}
		}
	}
	// A TIFF whose pages are not one mapped stack (unevenly spaced: the
	// first has a description) is checked a frame at a time: int16 pages
	// whose samples (page*1000 + i) pass 32767 from page 33 on are negative
	// there.
	tif := filepath.Join(dir, "int16.tif")
	writeTIFF(t, tif, tiffSpec{pages: 40, h: 6, w: 6, extra: map[uint16]uint32{339: 2}, desc: "uneven pages: not one mapped stack"})
	for _, engine := range []string{"memory", "ooc"} {
		code, msg := runIn(t, "pcf", tif, "-o", filepath.Join(dir, "tif-"+engine+".npy"), "--bleach", "5", "--radius", "1", "--npoints", "4", "--nbins", "4", "--engine", engine, "--quiet")
		if code != 0 || !strings.Contains(msg, "not counts in 0..65535") || !strings.Contains(msg, "at frame 33, pixel (row 0, column 0)") {
			t.Errorf("int16 TIFF pages, %s: exit %d: %q", engine, code, msg)
		}
	}
	// With --frames and --crop the sample named is the file's: it was the
	// selection's, a count there (EDGE19's m3). The TIFF, a frame at a
	// time; a .npy, mapped.
	one := filepath.Join(dir, "one.npy")
	writeNpy(t, one, array.Float64, []int{90, 8, 9}, func(i int) float64 {
		if i == (10*8+3)*9+3 {
			return -5 // frame 10, row 3, column 3
		}
		return 40 + float64(i%2)
	})
	sel := []string{"--frames", "5:80", "--crop", "1:7,2:9"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append([]string{"pcf", one, "-o", filepath.Join(dir, "sel.npy"), "--bleach", "3", "--offsets", "1,0", "--quiet"}, sel...), "at frame 10, pixel (row 3, column 3)"},
		{append([]string{"pcf", one, "-o", filepath.Join(dir, "sel-ooc.npy"), "--bleach", "3", "--offsets", "1,0", "--engine", "ooc", "--quiet"}, sel...), "at frame 10, pixel (row 3, column 3)"},
		{append([]string{"bleach", one, "-o", filepath.Join(dir, "sel-b.npy"), "--filtersize", "3", "--quiet"}, sel...), "at frame 10, pixel (row 3, column 3)"},
		{[]string{"pcf", tif, "-o", filepath.Join(dir, "tif-sel.npy"), "--bleach", "3", "--radius", "1", "--npoints", "4", "--nbins", "4", "--frames", "30:40", "--crop", "1:5,2:6", "--quiet"}, "at frame 33, pixel (row 1, column 2)"},
	} {
		if code, msg := runIn(t, c.args...); code != 0 || !strings.Contains(msg, c.want) {
			t.Errorf("%v: exit %d: %q, want %q", c.args, code, msg, c.want)
		}
	}
}

// The mapped stack is not copied: the peak memory of ipcf bleach on a
// 64 MiB input stays below input + output + 48 MiB (the copy made it
// input x 2 + output: 770 MB against 513 for the default dataset).
func TestBleachPeakMemoryWithoutCopy(t *testing.T) {
	dir := t.TempDir()
	const T, H, W = 2048, 128, 128 // 64 MiB of uint16
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{T, H, W}, func(i int) float64 { return float64(300 + i%97) })
	out := filepath.Join(dir, "out.npy")
	cmd := exec.Command(binary(t), "bleach", in, "-o", out, "--filtersize", "16", "--threads", "2", "--json", "--quiet")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	peak := childPeak(t, b)
	input, output := int64(T*H*W*2), int64((T-32)*H*W*2)
	if limit := input + output + 48<<20; peak > limit {
		t.Errorf("peak %d MiB > input + output + 48 MiB = %d MiB: the input was copied?", peak>>20, limit>>20)
	}
	t.Logf("peak %d MiB for %d MiB in, %d MiB out", peak>>20, input>>20, output>>20)
}

// TestBleachTIFFRewrittenDuringRun: an input that is not one mapped stack
// (a folder of TIFFs, copied into memory with its checksum), one file rewritten
// in place while it is corrected, its size and time set back, is an error
// naming it, and no output: its frames are read again at the end.
func TestBleachTIFFRewrittenDuringRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "series")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 64; i++ {
		writeTIFF(t, filepath.Join(in, fmt.Sprintf("f%03d.tif", i)), tiffSpec{pages: 1, h: 4, w: 6})
	}
	page := filepath.Join(in, "f031.tif")
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	_, mapped := src.Stack()
	src.Close()
	if mapped {
		t.Fatal("the TIFF is one mapped stack: the test wants one copied into memory")
	}
	out := filepath.Join(dir, "out.npy")
	testHookBleach = func() { rewriteInPlace(t, page, 8+5, []byte{0x77}) } // a sample of the page
	defer func() { testHookBleach = nil }()
	var stdout, stderr bytes.Buffer
	code := run([]string{"bleach", in, "-o", out, "--filtersize", "4", "--quiet"}, &stdout, &stderr)
	if msg := stderr.String(); code != 1 || !strings.Contains(msg, in) || !strings.Contains(msg, "changed") {
		t.Errorf("exit %d, %q: want 1 and an error naming the input that changed", code, msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written (%v)", err)
	}
}

// rewriteInPlace writes b at byte at of the file path, in place, and sets
// its modification time back: the size and time are as they were, only
// the status-change time tells (it waits out that clock's tick first).
func rewriteInPlace(t *testing.T, path string, at int64, b []byte) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt(b, at)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(path, st.ModTime(), st.ModTime())
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Without --filtersize the CLI corrects with bleach.DefaultFilterSize, the
// C API's and the bindings' default (it was a usage error), and its
// metadata say so.
func TestBleachDefaultFilterSize(t *testing.T) {
	dir := t.TempDir()
	const T, H, W = 2*bleach.DefaultFilterSize + 40, 3, 4
	in, data := bleachInput(t, dir, T, H, W)
	src, err := array.Contiguous(array.Uint16, []int{T, H, W}, data)
	if err != nil {
		t.Fatal(err)
	}
	const F = bleach.DefaultFilterSize
	want := bleached(t, src, F)
	out := filepath.Join(dir, "out.npy")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bleach", in, "-o", out, "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := npyData(t, out); !bytes.Equal(got, want) {
		t.Error("bleach without --filtersize differs from bleach.Stack with the default filter size")
	}
	side, err := os.ReadFile(out + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ReplaceAll(string(side), " ", ""), fmt.Sprintf(`"bleach_filtersize":%d`, F)) {
		t.Errorf("metadata %s: want bleach_filtersize %d", side, F)
	}
	// Too few frames for the default: the message says it was the default.
	short, _ := bleachInput(t, t.TempDir(), 100, 2, 2)
	stderr.Reset()
	if code := run([]string{"bleach", short, "-o", filepath.Join(dir, "short.npy")}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "1024 is the default filter size: give a smaller --filtersize") {
		t.Errorf("short input without --filtersize: exit %d: %s", code, stderr.String())
	}
}

// An image without pixels (a .npy of T x H x 0 or T x 0 x W) is corrected to
// an empty result of T - 2*filtersize frames, as the library and numpy do;
// its input checksum read past the empty mapping (internal error, exit 70).
func TestBleachImageWithoutPixels(t *testing.T) {
	dir := t.TempDir()
	// (1e9 frames: read one by one, they took minutes; 1e10 x 1e10 x 0
	// overflowed the size check)
	for _, shape := range [][]int{{100, 5, 0}, {100, 0, 5}, {100, 1e14, 0}, {1e9, 8, 0}, {1e10, 1e10, 0}} {
		in := filepath.Join(dir, "in.npy")
		writeNpy(t, in, array.Uint16, shape, func(int) float64 { return 0 })
		out := filepath.Join(dir, "out.npy")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"bleach", in, "-o", out, "--filtersize", "4", "--quiet"}, &stdout, &stderr); code != 0 {
			t.Fatalf("shape %v: exit %d: %s", shape, code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		_, h, err := npy.View(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{shape[0] - 8, shape[1], shape[2]}; fmt.Sprint(h.Shape) != fmt.Sprint(want) || h.DType != array.Uint16 {
			t.Errorf("shape %v: result %v of %v, want %v uint16", shape, h.Shape, h.DType, want)
		}
	}
}

// TestBleachMappedOutput: the corrected stack is computed into a shared
// mapping of the output's temporary file; the file and its sidecar are
// those of the path from memory, byte for byte. The temporary file cut
// short while the result is written into it is an error saying so (never
// SIGBUS, nothing published, nothing left); a disk without room for the
// result is refused before the work.
func TestBleachMappedOutput(t *testing.T) {
	dir := t.TempDir()
	in, _ := bleachInput(t, dir, 4096, 8, 64)
	p := func(s string) string { return filepath.Join(dir, s) }
	args := func(out string) []string { return []string{"bleach", in, "-o", out, "--filtersize", "16", "--quiet"} }
	mappedEqualsMemory(t, p, args)
	sa, _ := os.ReadFile(p("mapped.npy.json"))
	sb, _ := os.ReadFile(p("memory.npy.json"))
	if strings.ReplaceAll(string(sa), "mapped.npy", "X") != strings.ReplaceAll(string(sb), "memory.npy", "X") {
		t.Errorf("sidecars differ:\n%s\n%s", sa, sb)
	}

	// Its temporary file cut short under the mapping.
	testHookBleach = func() {
		tmps, _ := filepath.Glob(p(".ipcf-*.tmp"))
		if len(tmps) != 1 {
			t.Errorf("temporary files %v, want the mapped output's", tmps)
			return
		}
		if err := os.Truncate(tmps[0], 4096); err != nil {
			t.Error(err)
		}
	}
	code, msg := runIn(t, args(p("cut.npy"))...)
	testHookBleach = nil
	if code != 1 || !strings.Contains(msg, "cut.npy") || !strings.Contains(msg, "cut short") || strings.Contains(msg, "goroutine ") {
		t.Errorf("temporary file cut short: exit %d, %q", code, msg)
	}
	if _, err := os.Stat(p("cut.npy")); !os.IsNotExist(err) {
		t.Errorf("cut.npy published: %v", err)
	}
	if tmps, _ := filepath.Glob(p(".ipcf-*.tmp")); len(tmps) != 0 {
		t.Errorf("left %v", tmps)
	}

	// No room: refused at once (a file size limit stands for a full disk).
	cmd := exec.Command("bash", append([]string{"-c", `ulimit -f 1024 && exec "$0" "$@"`, binary(t)}, args(p("big.npy"))...)...)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "big.npy") || !strings.Contains(string(out), "file too large") {
		t.Errorf("result over the file size limit: exit %d, %q", code, out)
	}
	if _, err := os.Stat(p("big.npy")); !os.IsNotExist(err) {
		t.Errorf("big.npy published: %v", err)
	}
}

// TestMappedCRC: the checksum of a mapped file cut short is an error, not
// SIGBUS.
func TestMappedCRC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 3*4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, 3*4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	if c, err := mappedCRC(b); err != nil || c != crc32.Checksum(make([]byte, 3*4096), castagnoli) {
		t.Errorf("whole: %08x, %v", c, err)
	}
	if err := f.Truncate(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := mappedCRC(b); err == nil || !strings.Contains(err.Error(), "fault") {
		t.Errorf("cut short: %v, want a fault", err)
	}
}

// TestSimulateMappedOutput: ipcf simulate computes into the mapped
// output too; the bytes are those written from memory.
func TestSimulateMappedOutput(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	args := func(out string) []string {
		return []string{"simulate", "-o", out, "--frames", "300", "--size", "16", "--seed", "9", "--quiet"}
	}
	mappedEqualsMemory(t, p, args)
}

// mappedEqualsMemory runs the command args(OUT) into p("mapped.npy") (its
// result computed into the output's mapping) and into p("memory.npy")
// (mapPlainOutputs off: computed in memory, then written), and checks
// that the two files are the same bytes.
func mappedEqualsMemory(t *testing.T, p func(string) string, args func(out string) []string) {
	t.Helper()
	if code, msg := runIn(t, args(p("mapped.npy"))...); code != 0 {
		t.Fatal(code, msg)
	}
	mapPlainOutputs = false
	code, msg := runIn(t, args(p("memory.npy"))...)
	mapPlainOutputs = true
	if code != 0 {
		t.Fatal(code, msg)
	}
	a, _ := os.ReadFile(p("mapped.npy"))
	b, _ := os.ReadFile(p("memory.npy"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("mapped output (%d bytes) differs from the one written from memory (%d)", len(a), len(b))
	}
}
