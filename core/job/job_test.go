package job

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"2GiB": 2 << 30, "512MiB": 512 << 20, "1.5G": 3 << 29, "100M": 100 << 20,
		"64KiB": 64 << 10, "1000": 1000, " 3 MB ": 3e6, "1TiB": 1 << 40, "2gib": 2 << 30, "512mib": 512 << 20, "2g": 2 << 30,
		"3mb": 3e6, "1tib": 1 << 40} {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "lots", "-1GiB", "0", "NaN", "Inf", "1e300GiB", "0.1", "99999999TiB"} {
		if v, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", s, v)
		}
	}
	if _, err := ParseSize("99999999TiB"); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("ParseSize(99999999TiB): %v, want 'too large'", err)
	}
	// The message lists every unit taken (it named GiB to B, not TiB), and
	// the limit for one it does not take.
	if _, err := ParseSize("16EiB"); err == nil || !strings.Contains(err.Error(), "TiB") || !strings.Contains(err.Error(), "less than 4 EiB") {
		t.Errorf("ParseSize(16EiB): %v, want the units and the limit", err)
	}
	// ... and which are binary (CLI11's M5: 512M is 512 MiB, 512MB 512e6
	// bytes, which the message did not say).
	if _, err := ParseSize("lots"); err == nil || !strings.Contains(err.Error(), "T, G, M, K: powers of 1024; TB, GB, MB, KB: powers of 1000") {
		t.Errorf("ParseSize(lots): %v, want the binary and decimal units told apart", err)
	}
}

func writeInput(t *testing.T, dir string, seed byte) string {
	buf := make([]byte, 64*12*12*2)
	for i := range buf {
		buf[i] = byte(i*7) ^ seed
	}
	p := filepath.Join(dir, "in.npy")
	if err := npy.WriteFile(p, array.Uint16, []int{64, 12, 12}, buf); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKeyScaledSeries: the results of integer input (and of bleaching)
// changed in the last bits when their series came to be scaled as float
// series were: their jobs' keys say so ("scaled"), so a result or scratch
// from before is computed again; a float job keeps its key.
func TestKeyScaledSeries(t *testing.T) {
	dir := t.TempDir()
	u16 := writeInput(t, dir, 0)
	f32 := filepath.Join(dir, "f32.npy")
	if err := npy.WriteFile(f32, array.Float32, []int{64, 12, 12}, make([]byte, 64*12*12*4)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in     string
		bleach int
		want   bool
	}{{u16, 0, true}, {u16, 4, true}, {f32, 4, true}, {f32, 0, false}} {
		s := DefaultSpec()
		s.Input.Path, s.Output = c.in, filepath.Join(dir, "out.npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins, s.PCF.Bleach = 2, 8, 6, c.bleach
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := j.fields["scaled"]; ok != c.want {
			t.Errorf("%s bleach %d: key field scaled %v, want %v", filepath.Base(c.in), c.bleach, ok, c.want)
		}
		// Constant series and extreme float64 ones changed every kind
		// of job's results since: every key names that revision.
		if got := j.fields["numerics"]; got != numerics {
			t.Errorf("%s bleach %d: key field numerics %q, want %q", filepath.Base(c.in), c.bleach, got, numerics)
		}
		j.Close()
	}
}

// runSpec opens the job of s (failing the test if it cannot), runs it
// and closes it.
func runSpec(t *testing.T, s Spec) (Summary, error) {
	t.Helper()
	j, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	return j.Run(t.Context())
}

// specKey is the key of the job s opens.
func specKey(t *testing.T, s Spec) string {
	t.Helper()
	j, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	return j.Key()
}

// TestKeyCoversEverySetting: every setting that changes the output's
// bytes changes the key; the thread count and the budget do not.
func TestKeyCoversEverySetting(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	base := DefaultSpec()
	base.Input.Path, base.Output = in, filepath.Join(dir, "out.npy")
	base.PCF.Radius, base.PCF.Npoints, base.PCF.Nbins = 2, 8, 6
	linked := filepath.Join(t.TempDir(), "linked")
	if err := os.Symlink(dir, linked); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(dir))
	rel := filepath.Join(filepath.Base(dir), "in.npy")
	key := func(s Spec) string { return specKey(t, s) }
	k0 := key(base)
	same := []func(*Spec){
		func(s *Spec) { s.PCF.Threads = 1 },
		func(s *Spec) { s.Memory = 1 << 30 },
		func(s *Spec) { s.Engine = "ooc" },
	}
	same = append(same,
		func(s *Spec) { s.PCF.SetSmooth(pcf.DefaultSmooth) },
		func(s *Spec) { s.PCF.M = 8 }, // not multitau: m does nothing
		// the format read, named, detected ("auto") or left to detection
		// (C's NULL, Fiji's): the same samples, the same job on every host
		func(s *Spec) { s.Input.Format = "" },
		func(s *Spec) { s.Input.Format = "npy" },
		// the selection as read: the whole input however it is spelt
		func(s *Spec) { s.Input.Frames = "0:64" },
		func(s *Spec) { s.Input.Crop = "0:12,0:12" },
		func(s *Spec) { s.Input.Crop, s.Input.Frames = ":,:", ":" },
		// the input's path however it is spelt: through a linked folder,
		// relative, with ./ (a Fiji dialog gives absolute paths)
		func(s *Spec) { s.Input.Path = filepath.Join(linked, "in.npy") },
		func(s *Spec) { s.Input.Path = rel },
		func(s *Spec) { s.Input.Path = "./" + rel },
	)
	for i, f := range same {
		s := base
		f(&s)
		if key(s) != k0 {
			t.Errorf("setting %d changed the key but not the output", i)
		}
	}
	differ := map[string]func(*Spec){
		"radius":      func(s *Spec) { s.PCF.Radius = 3 },
		"npoints":     func(s *Spec) { s.PCF.Npoints = 7 },
		"nbins":       func(s *Spec) { s.PCF.Nbins = 5 },
		"bleach":      func(s *Spec) { s.PCF.Bleach = 4 },
		"bleach mean": func(s *Spec) { s.PCF.Bleach = 4; s.PCF.BleachMean = 1 },
		"crop":        func(s *Spec) { s.Input.Crop = "1:12,0:12" },
		"frames":      func(s *Spec) { s.Input.Frames = "1:64" },
		"device":      func(s *Spec) { s.PCF.Device = "cpu" },
		"output":      func(s *Spec) { s.Output = filepath.Join(dir, "other.npy") },
		"offsets":     func(s *Spec) { s.PCF.Offsets = []pcf.Offset{{U: 1}} },
		"acf":         func(s *Spec) { s.PCF.Offsets = []pcf.Offset{{}} },
		"linear":      func(s *Spec) { s.PCF.Bins = pcf.LinearBinning },
		"multitau":    func(s *Spec) { s.PCF.Bins = pcf.Multitau },
		"multitau m":  func(s *Spec) { s.PCF.Bins, s.PCF.M = pcf.Multitau, 4 },
		"smooth":      func(s *Spec) { s.PCF.SetSmooth(0.5) },
		"smooth off":  func(s *Spec) { s.PCF.SetSmooth(0) },
		"threshold":   func(s *Spec) { s.PCF.SetThreshold(3) },
		"delta":       func(s *Spec) { s.PCF.Delta = true },
		"input2":      func(s *Spec) { s.Input2 = in },
		// in the result's metadata and the TIFF's resolution
		"frame interval": func(s *Spec) { s.FrameInterval = 0.005 },
		"pixel size":     func(s *Spec) { s.PixelSize = 0.2 },
		"data2": func(s *Spec) {
			f, err := npy.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			s.PCF.Data2 = &f.View
		},
		"mask": func(s *Spec) {
			m := make([]byte, 144)
			m[5] = 1
			v, _ := array.Contiguous(array.Uint8, []int{12, 12}, m)
			s.MaskView = &v
		},
	}
	for name, f := range differ {
		s := base
		f(&s)
		if key(s) == k0 {
			t.Errorf("%s: the key did not change", name)
		}
	}
	// The same size and modification time, other content.
	st, _ := os.Stat(in)
	writeInput(t, dir, 1)
	os.Chtimes(in, st.ModTime(), st.ModTime())
	if key(base) == k0 {
		t.Errorf("input content: the key did not change")
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	s := DefaultSpec()
	s.Input.Path = in
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
	for name, c := range map[string]struct {
		out string
		err error
	}{
		"output is the input":  {in, ErrOutput},
		"unknown extension":    {filepath.Join(dir, "out.txt"), ErrOutput},
		"OME-TIFF":             {filepath.Join(dir, "out.ome.tif"), ErrOutput},
		"missing folder":       {filepath.Join(dir, "no", "out.npy"), ErrOutput},
		"foreign .npy":         {in, ErrOutput},
		"foreign folder .zarr": {dir, ErrOutput},
	} {
		s.Output = c.out
		if name == "foreign folder .zarr" {
			os.Mkdir(filepath.Join(dir, "x.zarr"), 0o755)
			s.Output = filepath.Join(dir, "x.zarr")
		}
		if j, err := Open(s); !errors.Is(err, c.err) {
			if j != nil {
				j.Close()
			}
			t.Errorf("%s: %v, want %v", name, err, c.err)
		}
	}
	s.Output = filepath.Join(dir, "out.npy")
	s.Engine = "gpu"
	if _, err := Open(s); !errors.Is(err, pcf.ErrParam) {
		t.Errorf("engine gpu: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 { // in.npy, x.zarr
		t.Errorf("Open created files: %v", ents)
	}
}

// An input cut short between its stat and its sampling is a changed
// input, named, not a bare EOF.
func TestSampleCRCShrunkInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.raw")
	if err := os.WriteFile(path, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sampleCRC(path, 40<<20) // the size it had when stat'ed
	if !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("sampleCRC of a shrunk file: %v, want source.ErrChanged naming %s", err, path)
	}
}

// TestRunFailsWhenInputChangesWhileRead: an input rewritten in place
// while the job reads it, with its size and modification time set back,
// fails the run with source.ErrChanged and publishes nothing: in memory
// and out of core (its status changed: the frames are read again before
// the commit and differ from those used).
func TestRunFailsWhenInputChangesWhileRead(t *testing.T) {
	for _, c := range []struct {
		engine string
		copy   bool
		phase  string
	}{{"memory", false, "read"}, {"ooc", true, "transpose"}} {
		dir := t.TempDir()
		in := writeInput(t, dir, 0)
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, "out.npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		s.Engine, s.CopyInput = c.engine, c.copy
		s.Memory = 256 << 20
		changed := false
		s.Progress = func(phase string, done, total int) bool {
			if phase != c.phase || changed {
				return true
			}
			changed = true
			time.Sleep(10 * time.Millisecond) // a clock tick after the input was written
			st, err := os.Stat(in)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(in, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte{0xff}, st.Size()-64*12*12*2+3) // frame 0, read already
			f.Close()
			os.Chtimes(in, st.ModTime(), st.ModTime())
			return true
		}
		_, err := runSpec(t, s)
		if !changed {
			t.Fatalf("%s: no %q progress", c.engine, c.phase)
		}
		if !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), in) {
			t.Errorf("%s: %v, want source.ErrChanged naming the input", c.engine, err)
		}
		if _, err := os.Stat(s.Output); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: an output was published: %v", c.engine, err)
		}
	}
}

// TestMaskSelectingNothingWarned: a mask that is 0 at every pixel of the
// frames used (of the crop: its region elsewhere) gives NaN curves only,
// which is said (HOSTS11's m7: exit 0 without a word); one that selects
// a pixel is not warned of.
func TestMaskSelectingNothingWarned(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0) // 64 frames of 12 x 12
	for _, c := range []struct {
		crop string
		at   int // the one pixel the mask selects (row*12 + column)
		warn string
	}{
		{"4:12,4:12", 0, "(6x6, the frames used less 1 rows and 1 columns at each border)"}, // outside the crop
		{"", 0, "(10x10, the frames used less 1 rows and 1 columns at each border)"},        // within the margin alone (REVIEW12's F4)
		{"", 5*12 + 5, ""},
		{"", 1*12 + 1, ""}, // the first computed pixel
	} {
		m := make([]byte, 12*12)
		m[c.at] = 1
		v, _ := array.Contiguous(array.Uint8, []int{12, 12}, m)
		var logs []string
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Input.Crop, s.MaskView = in, filepath.Join(dir, "out.npy"), c.crop, &v
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 1, 4, 6
		s.Log = func(msg string) { logs = append(logs, msg) }
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		all := strings.Join(logs, "\n")
		warned := strings.Contains(all, "warning: the mask is 0 at every pixel whose curves are computed")
		if warned != (c.warn != "") || !strings.Contains(all, c.warn) {
			t.Errorf("crop %q, pixel %d: logs %q, want the warning %q", c.crop, c.at, logs, c.warn)
		}
	}
}

// TestAllNaNResultWarned: a file job whose every curve is NaN says so
// (REVIEW12's F4: a threshold above every pixel's mean gave exit 0 and
// no word), in memory and out of core; a mask already warned of is not
// warned of twice, and a result with a finite curve is not warned of.
func TestAllNaNResultWarned(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0) // 64 frames of 12 x 12, samples 0..255
	zero := filepath.Join(dir, "zero.npy")
	if err := npy.WriteFile(zero, array.Uint16, []int{64, 12, 12}, make([]byte, 64*12*12*2)); err != nil {
		t.Fatal(err)
	}
	none := make([]byte, 12*12)
	noneMask, _ := array.Contiguous(array.Uint8, []int{12, 12}, none)
	for _, engine := range []string{"memory", "ooc"} {
		for _, c := range []struct {
			name, in  string
			threshold float64 // < 0: none
			mask      *array.View
			warn      string // "": no warning of NaN curves
		}{
			{"threshold above every mean", in, 1e6, nil, "(the threshold 1e+06 is at or above every pixel's mean intensity, or their series sum to zero)"},
			{"series of zeros", zero, -1, nil, "(pixels whose series sum to zero or hold NaN)"},
			{"threshold below the means", in, 1, nil, ""},
			{"no threshold", in, -1, nil, ""},
			{"mask of nothing, warned of once", in, -1, &noneMask, ""},
		} {
			var logs []string
			s := DefaultSpec()
			s.Input.Path, s.Output = c.in, filepath.Join(dir, engine+".npy")
			os.Remove(s.Output)
			s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 1, 4, 6
			s.Engine, s.Memory, s.MaskView = engine, 256<<20, c.mask
			if c.threshold >= 0 {
				s.PCF.SetThreshold(c.threshold)
			}
			s.Log = func(msg string) { logs = append(logs, msg) }
			if _, err := runSpec(t, s); err != nil {
				t.Fatalf("%s, %s: %v", engine, c.name, err)
			}
			r, err := npy.Open(s.Output)
			if err != nil {
				t.Fatal(err)
			}
			got := ooc.AnyFinite(unsafeFloat32(r.View.Data[r.View.Offset:]))
			r.Close()
			if got != (c.warn == "" && c.mask == nil) {
				t.Fatalf("%s, %s: a finite curve %v", engine, c.name, got)
			}
			all := strings.Join(logs, "\n")
			warned := strings.Count(all, "every curve of "+s.Output+" is NaN")
			if c.warn != "" && (warned != 1 || !strings.Contains(all, c.warn)) || c.warn == "" && warned != 0 {
				t.Errorf("%s, %s: logs %q, want the warning %q", engine, c.name, logs, c.warn)
			}
			if c.mask != nil && strings.Count(all, "every curve is NaN") != 1 {
				t.Errorf("%s, %s: logs %q, want the mask's warning once", engine, c.name, logs)
			}
		}
	}
}

// A mask has the crop's shape or the whole frame's (then the crop is
// taken from it, the same mask); any other shape is refused, also one
// that the crop's rows and columns happen to fit.
func TestMaskShapeWithCrop(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0) // 64 frames of 12 x 12
	mask := func(h, w, y0, x0 int) *array.View {
		m := make([]byte, h*w)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if (y+y0)%5 != 3 || (x+x0)%4 != 1 { // holes at absolute rows 3, 8 and columns 1, 5, 9
					m[y*w+x] = 1
				}
			}
		}
		v, _ := array.Contiguous(array.Uint8, []int{h, w}, m)
		return &v
	}
	open := func(crop string, m *array.View) (*Job, error) {
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Input.Crop, s.MaskView = in, filepath.Join(dir, "out.npy"), crop, m
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 1, 4, 6
		return Open(s)
	}
	key := func(crop string, m *array.View) string {
		j, err := open(crop, m)
		if err != nil {
			t.Fatalf("crop %q, mask %v: %v", crop, m.Shape, err)
		}
		defer j.Close()
		return j.Key()
	}
	if a, b := key("1:11,2:12", mask(10, 10, 1, 2)), key("1:11,2:12", mask(12, 12, 0, 0)); a != b {
		t.Error("the whole frame's mask is not the crop's mask cropped from it")
	}
	for _, c := range []struct {
		crop string
		h, w int
	}{{"0:12,0:12", 14, 14}, {"1:11,2:12", 11, 10}, {"", 10, 10}, {"1:7,1:7", 10, 10}} {
		if j, err := open(c.crop, mask(c.h, c.w, 0, 0)); !errors.Is(err, pcf.ErrShape) {
			if j != nil {
				j.Close()
			}
			t.Errorf("crop %q, mask %dx%d: %v, want pcf.ErrShape", c.crop, c.h, c.w, err)
		}
	}
}

// A chmod changes only the input's status: a run it happens during
// finishes (its frames read again are those used) and a finished result
// stays complete after a check; a rewrite that keeps the size and time is
// computed again (here the key's samples cover this small file; the CLI's
// TestRerunAfterInputRewrittenUnsampled rewrites bytes they miss).
func TestInputStatusOnlyChanged(t *testing.T) {
	for _, engine := range []string{"memory", "ooc"} {
		dir := t.TempDir()
		in := writeInput(t, dir, 0)
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine, s.Memory = in, filepath.Join(dir, "out.npy"), engine, 256<<20
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		var phases []string
		chmod := func(mode os.FileMode) {
			time.Sleep(10 * time.Millisecond) // a clock tick later
			if err := os.Chmod(in, mode); err != nil {
				t.Fatal(err)
			}
		}
		run := func(during bool) Summary {
			t.Helper()
			s := s
			phases = nil
			s.Progress = func(phase string, done, total int) bool {
				if len(phases) == 0 || phases[len(phases)-1] != phase {
					phases = append(phases, phase)
					if during && phase == "pcf" {
						chmod(0o600)
					}
				}
				return true
			}
			sum, err := runSpec(t, s)
			if err != nil {
				t.Fatalf("%s: %v (phases %v)", engine, err, phases)
			}
			return sum
		}
		if sum := run(true); sum.AlreadyComplete {
			t.Fatalf("%s: first run already complete", engine)
		}
		first, _ := os.ReadFile(s.Output)
		chmod(0o644)
		if sum := run(false); !sum.AlreadyComplete || fmt.Sprint(phases) != "[check]" {
			t.Errorf("%s: after a chmod: already complete %v, phases %v; want true after a check", engine, sum.AlreadyComplete, phases)
		}
		// Rewritten in place, size and time set back: computed again.
		st, _ := os.Stat(in)
		time.Sleep(10 * time.Millisecond)
		f, _ := os.OpenFile(in, os.O_WRONLY, 0)
		f.WriteAt([]byte{1, 2, 3}, st.Size()/2)
		f.Close()
		os.Chtimes(in, st.ModTime(), st.ModTime())
		if sum := run(false); sum.AlreadyComplete {
			t.Errorf("%s: after a rewrite: already complete", engine)
		}
		if second, _ := os.ReadFile(s.Output); bytes.Equal(first, second) {
			t.Errorf("%s: the result of the rewritten input is the old one", engine)
		}
	}
}

// A rewrite during the work (the frames read, the curves computing) that
// sets the size and time back fails the run with source.ErrChanged and
// publishes nothing, in both engines: the in-memory engine checked the
// input after reading only, and published the result of frames the file
// no longer held.
//
// With a second channel (--input2), the error names the file that changed:
// it named the first input whichever had.
func TestInputRewrittenDuringWork(t *testing.T) {
	for _, c := range []struct{ engine, changed string }{{"memory", "in"}, {"ooc", "in"}, {"memory", "in2"}, {"ooc", "in2"}} {
		engine := c.engine
		dir := t.TempDir()
		// rows of 2200 bytes: the out-of-core engine reads them in place
		in, in2 := filepath.Join(dir, "in.npy"), filepath.Join(dir, "in2.npy")
		buf := make([]byte, 64*8*1100*2)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		if err := npy.WriteFile(in, array.Uint16, []int{64, 8, 1100}, buf); err != nil {
			t.Fatal(err)
		}
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine, s.Memory = in, filepath.Join(dir, "out.npy"), engine, 256<<20
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		if c.changed == "in2" {
			for i := range buf {
				buf[i] = byte(i * 5)
			}
			if err := npy.WriteFile(in2, array.Uint16, []int{64, 8, 1100}, buf); err != nil {
				t.Fatal(err)
			}
			s.Input2 = in2
		}
		other := in2
		if c.changed == "in2" {
			in, other = in2, filepath.Join(dir, "in.npy")
		}
		st, err := os.Stat(in)
		if err != nil {
			t.Fatal(err)
		}
		done := false
		s.Progress = func(phase string, _, _ int) bool {
			if phase == "pcf" && !done {
				done = true
				time.Sleep(10 * time.Millisecond) // a clock tick later
				f, err := os.OpenFile(in, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteAt([]byte{1, 2, 3}, st.Size()/2)
				f.Close()
				os.Chtimes(in, st.ModTime(), st.ModTime())
			}
			return true
		}
		sum, err := runSpec(t, s)
		if !done || !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), in+" changed") || strings.Contains(err.Error(), other) {
			t.Errorf("%s: %s rewritten during the work (%v): %v, want source.ErrChanged naming it alone", engine, c.changed, done, err)
		}
		if engine == "ooc" && !sum.InPlace {
			t.Errorf("ooc: the input was copied, not read in place")
		}
		if _, serr := os.Stat(s.Output); !os.IsNotExist(serr) {
			t.Errorf("%s: a result was published: %v", engine, serr)
		}
	}
}

// With CopyInput, the input may change once it is copied (the work reads
// the copy alone): the run finishes with the result of the frames as
// copied, and a rerun computes the changed input's. The run failed with
// source.ErrChanged at its end, discarding its work.
func TestCopiedInputChangedDuringWork(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	orig, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSpec()
	s.Input.Path, s.Output, s.Engine, s.Memory, s.CopyInput = in, filepath.Join(dir, "out.npy"), "ooc", 256<<20, true
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
	ref := s
	ref.Input.Path, ref.Output, ref.Engine = filepath.Join(dir, "orig.npy"), filepath.Join(dir, "ref.npy"), "memory"
	if err := os.WriteFile(ref.Input.Path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(s Spec) (Summary, error) { return runSpec(t, s) }
	if _, err := run(ref); err != nil {
		t.Fatal(err)
	}
	done := false
	s.Progress = func(phase string, _, _ int) bool {
		if phase == "pcf" && !done {
			done = true
			f, err := os.OpenFile(in, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte{1, 2, 3}, int64(len(orig)/2))
			f.Close()
		}
		return true
	}
	if _, err := run(s); err != nil || !done {
		t.Fatalf("changed after the copy (%v): %v", done, err)
	}
	got, _ := os.ReadFile(s.Output)
	want, _ := os.ReadFile(ref.Output)
	if len(got) != len(want) || !bytes.Equal(got[len(got)-len(want)/2:], want[len(want)-len(want)/2:]) {
		t.Error("the result is not that of the input as copied")
	}
	s.Progress = nil
	if sum, err := run(s); err != nil || sum.AlreadyComplete {
		t.Errorf("rerun on the changed input: already complete %v, %v", sum.AlreadyComplete, err)
	}
	if again, _ := os.ReadFile(s.Output); bytes.Equal(again, got) {
		t.Error("the rerun kept the result of the input as it was")
	}
}

// A scratch folder inside a Zarr output (the output itself, or below it)
// is refused before any work: the run computed everything, could not
// publish, and left its scratch in the output, which no later run would
// replace ("holds ... which ipcf did not write").
func TestScratchInsideZarrOutput(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	out := filepath.Join(dir, "res.zarr")
	for _, scratch := range []string{out, filepath.Join(out, "sub")} {
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			t.Fatal(err)
		}
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Scratch, s.Engine, s.CopyInput = in, out, scratch, "ooc", true
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		j, err := Open(s)
		if err == nil {
			_, err = j.Run(t.Context())
			j.Close()
		}
		if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "lies inside the output") {
			t.Errorf("--scratch %s: %v, want ErrOutput", scratch, err)
		}
		left, _ := filepath.Glob(filepath.Join(scratch, ".ipcf-scratch-*"))
		if len(left) > 0 {
			t.Errorf("--scratch %s: left %v", scratch, left)
		}
	}
}

// TestKeyRaw: a raw reading's shape, type, byte order and offset are in
// the key, and a raw reading of a file is not its .npy reading.
func TestKeyRaw(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	f, err := npy.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	hdr := f.Header.Offset
	f.Close()
	key := func(s Spec) string { return specKey(t, s) }
	spec := func(r source.Raw) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, "out.npy")
		s.Input.Raw = r
		if r.T > 0 {
			s.Input.Format = "raw" // (a .npy's bytes read as raw: only when asked)
		}
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		return s
	}
	raw := source.Raw{T: 64, H: 12, W: 12, DType: array.Uint16, Order: array.Little, Offset: hdr}
	keys := map[string]string{"npy": key(spec(source.Raw{}))}
	for name, r := range map[string]source.Raw{
		"raw":        raw,
		"big-endian": {T: 64, H: 12, W: 12, DType: array.Uint16, Order: array.Big, Offset: hdr},
		"int16":      {T: 64, H: 12, W: 12, DType: array.Int16, Order: array.Little, Offset: hdr},
		"offset":     {T: 63, H: 12, W: 12, DType: array.Uint16, Order: array.Little, Offset: hdr + 288},
		"shape":      {T: 64, H: 6, W: 24, DType: array.Uint16, Order: array.Little, Offset: hdr},
	} {
		k := key(spec(r))
		for other, ko := range keys {
			if k == ko {
				t.Errorf("raw reading %s has the key of %s", name, other)
			}
		}
		keys[name] = k
	}
	// a raw file (not a .npy: READERS13's F6) read with the format named
	// or implied by the shape: one key
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	rawFile := filepath.Join(dir, "in.raw")
	if err := os.WriteFile(rawFile, b[hdr:], 0o644); err != nil {
		t.Fatal(err)
	}
	s := spec(source.Raw{T: 64, H: 12, W: 12, DType: array.Uint16, Order: array.Little})
	s.Input.Path = rawFile
	named := key(s)
	s.Input.Format = ""
	if key(s) != named {
		t.Error("format raw named or implied by the shape: another key")
	}
	s = spec(raw)
	s.Input.Raw.DType = 0 // read as uint16
	if key(s) != keys["raw"] {
		t.Error("a raw type not given (uint16) and uint16: another key")
	}
}

// TestResultFromBeforeNumerics: a result whose sidecar holds the key a job
// had before the numerics revision (every field but "numerics") is not
// taken for this job's: it is computed again, and the result is the same
// as a fresh run's, its sidecar naming the current key.
func TestResultFromBeforeNumerics(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 3), filepath.Join(dir, "out.npy")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
	run := func() Summary {
		t.Helper()
		sum, err := runSpec(t, s)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if sum := run(); sum.AlreadyComplete {
		t.Fatal("first run already complete")
	}
	first, err := os.ReadFile(s.Output)
	if err != nil {
		t.Fatal(err)
	}
	j, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]string{}
	for k, v := range j.fields {
		if k != "numerics" {
			old[k] = v
		}
	}
	key := j.Key()
	j.Close()
	oldKey := keyOf(old)
	if oldKey == key {
		t.Fatal("the key before the revision is the key after it")
	}
	side := ooc.SidecarName(s.Output)
	b, err := os.ReadFile(side)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(key)) {
		t.Fatalf("sidecar does not hold the job's key %s:\n%s", key, b)
	}
	if err := os.WriteFile(side, resealed(t, bytes.ReplaceAll(b, []byte(key), []byte(oldKey))), 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := run(); sum.AlreadyComplete {
		t.Error("a result from before the numerics revision taken as already complete")
	}
	again, _ := os.ReadFile(s.Output)
	if !bytes.Equal(again, first) {
		t.Error("the result computed again differs from the first run's")
	}
	if b, _ := os.ReadFile(side); !bytes.Contains(b, []byte(key)) || bytes.Contains(b, []byte(oldKey)) {
		t.Errorf("sidecar after the rerun does not name the current key:\n%s", b)
	}
	if sum := run(); !sum.AlreadyComplete {
		t.Error("the recomputed result is not complete on the next run")
	}
}

// TestUserFileAppearingDuringRun: a file that is not ipcf's, put at the
// output's path (or its sidecar's, or the error bars') while the job
// runs, is never replaced: the run fails naming it, in memory and out of
// core (whose own scratch must not vouch for it), also when it is shaped
// like a result (another result's .npy copied without its sidecar) or
// the output is a TIFF; a run after it is removed publishes the result.
func TestUserFileAppearingDuringRun(t *testing.T) {
	other := t.TempDir()
	o := DefaultSpec()
	o.Input.Path, o.Output = writeInput(t, other, 9), filepath.Join(other, "other.npy")
	o.PCF.Radius, o.PCF.Npoints, o.PCF.Nbins = 2, 8, 6
	if _, err := runSpec(t, o); err != nil {
		t.Fatal(err)
	}
	shaped, err := os.ReadFile(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("a user's file\n")
	for _, engine := range []string{"memory", "ooc"} {
		for _, c := range []struct {
			out, victim string
			content     []byte
		}{
			{"out.npy", "out.npy", text}, {"out.npy", "out.npy.json", text}, {"out.npy", "out.sd.npy", text},
			{"out.npy", "out.npy", shaped}, {"out.npy", "out.sd.npy", shaped}, {"out.tif", "out.tif", text},
		} {
			t.Run(fmt.Sprintf("%s/%s/%d", engine, c.victim, len(c.content)), func(t *testing.T) {
				dir := t.TempDir()
				s := DefaultSpec()
				s.Input.Path, s.Output = writeInput(t, dir, 3), filepath.Join(dir, c.out)
				s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
				s.Engine = engine
				if c.out == "out.npy" {
					s.Errors = &pcf.ErrOptions{}
				}
				user := filepath.Join(dir, c.victim)
				dropped := false
				s.Progress = func(phase string, done, total int) bool {
					if !dropped && phase != "read" && phase != "transpose" {
						dropped = true
						if err := os.WriteFile(user, c.content, 0o644); err != nil {
							t.Error(err)
						}
					}
					return true
				}
				_, err := runSpec(t, s)
				if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), c.victim) {
					t.Fatalf("run with %s appearing: %v, want ErrOutput naming it", c.victim, err)
				}
				if b, _ := os.ReadFile(user); !bytes.Equal(b, c.content) {
					t.Fatalf("%s replaced", c.victim)
				}
				os.Remove(user)
				s.Progress = nil
				if _, err := runSpec(t, s); err != nil {
					t.Fatalf("run after the user's file went: %v", err)
				}
				if !ooc.NpyIsOurs(s.Output) {
					t.Fatal("no result after the user's file went")
				}
			})
		}
	}
}

// TestUserFileIntoZarrDuringRun: a file put into the earlier Zarr result
// while a run that replaces it works is refused before anything is
// replaced; once moved out, the run publishes.
func TestUserFileIntoZarrDuringRun(t *testing.T) {
	for _, engine := range []string{"auto", "ooc"} {
		dir := t.TempDir()
		s := DefaultSpec()
		s.Input.Path, s.Output = writeInput(t, dir, 5), filepath.Join(dir, "out.zarr")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		s.Engine = engine
		if _, err := runSpec(t, s); err != nil {
			t.Fatal(err)
		}
		attrs, _ := os.ReadFile(filepath.Join(s.Output, ".zattrs"))
		s.PCF.Nbins = 5
		notes := filepath.Join(s.Output, "notes.txt")
		dropped := false
		s.Progress = func(phase string, done, total int) bool {
			if !dropped && phase != "read" && phase != "transpose" {
				dropped = true
				if err := os.WriteFile(notes, []byte("mine\n"), 0o644); err != nil {
					t.Error(err)
				}
			}
			return true
		}
		_, err := runSpec(t, s)
		if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "notes.txt") {
			t.Fatalf("%s: run with notes.txt put into the result: %v, want ErrOutput naming it", engine, err)
		}
		if b, _ := os.ReadFile(notes); string(b) != "mine\n" {
			t.Fatalf("%s: notes.txt lost", engine)
		}
		if now, _ := os.ReadFile(filepath.Join(s.Output, ".zattrs")); !bytes.Equal(now, attrs) {
			t.Fatalf("%s: the earlier result was replaced", engine)
		}
		os.Remove(notes)
		s.Progress = nil
		if _, err := runSpec(t, s); err != nil {
			t.Fatalf("%s: run after notes.txt went: %v", engine, err)
		}
		if now, _ := os.ReadFile(filepath.Join(s.Output, ".zattrs")); bytes.Equal(now, attrs) {
			t.Fatalf("%s: the result was not replaced", engine)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*.old")); len(left) != 0 {
			t.Fatalf("%s: left %v", engine, left)
		}
	}
}

// TestUserTIFFWithScratchLeft: a user's file at OUT.tif is refused at
// Open also when the scratch folder of an interrupted run of that output
// is there (which took any TIFF as what a killed run left).
func TestUserTIFFWithScratchLeft(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 7), filepath.Join(dir, "out.tif")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
	s.Engine, s.Tile = "ooc", [2]int{2, 2}
	calls := 0
	s.Progress = func(phase string, done, total int) bool {
		calls++
		return phase != "pcf" || done == 0 // interrupted once the pCF has begun
	}
	if _, err := runSpec(t, s); err == nil {
		t.Fatal("the interrupted run succeeded")
	}
	if p, _ := ooc.OutputPath(s.Output); !ooc.HasScratch("", p) {
		t.Fatal("no scratch left by the interrupted run")
	}
	user := []byte("II*\x00 a user's TIFF")
	if err := os.WriteFile(s.Output, user, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Progress = nil
	j, err := Open(s)
	if err == nil {
		j.Close()
		t.Fatal("Open took a user's TIFF for what a killed run left")
	}
	if !errors.Is(err, ErrOutput) {
		t.Fatalf("Open: %v, want ErrOutput", err)
	}
	if b, _ := os.ReadFile(s.Output); !bytes.Equal(b, user) {
		t.Fatal("the user's TIFF changed")
	}
	os.Remove(s.Output)
	if _, err := runSpec(t, s); err != nil {
		t.Fatalf("the resumed run: %v", err)
	}
}

// resealed is metadata text b edited as ipcf would have written it: with
// its seal (ooc.SealKey) computed again.
func resealed(t *testing.T, b []byte) []byte {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out, err := ooc.Seal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A run killed (here: cancelled) out of core leaves its scratch folder to
// resume from; a later run of the same output that keeps its scratch
// elsewhere (another Scratch, or the output reached through another bind
// mount of its folder: the scratch is named by the output's path) removes
// it, by the note beside the output (ooc.NoteScratch). Both folders stayed
// for good, about the size of the frames used.
func TestScratchKeptElsewhereRemoved(t *testing.T) {
	// (a Latin-1 folder name: the note recorded its paths with U+FFFD,
	// and the earlier scratch stayed)
	cases := []string{"another scratch folder", "the folder moved", "a folder name not in UTF-8"}
	if os.Geteuid() == 0 {
		cases = append(cases, "another mount")
	} else {
		t.Log("not root: the bind-mount case is not run (CI runs as root)")
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.npy")
			buf := make([]byte, 64*24*40*2)
			for i := range buf {
				buf[i] = byte(i * 7)
			}
			if err := npy.WriteFile(in, array.Uint16, []int{64, 24, 40}, buf); err != nil {
				t.Fatal(err)
			}
			od := "o"
			if c == "a folder name not in UTF-8" {
				od = "o\xe9"
			}
			out1, out2 := filepath.Join(dir, od, "out.npy"), filepath.Join(dir, od, "out.npy")
			s1, s2 := "", ""
			os.Mkdir(filepath.Join(dir, od), 0o755)
			switch c {
			case "another scratch folder", "a folder name not in UTF-8":
				s1, s2 = filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
				os.Mkdir(s1, 0o755)
				os.Mkdir(s2, 0o755)
			case "another mount":
				m := filepath.Join(dir, "m")
				os.Mkdir(m, 0o755)
				if out, err := exec.Command("mount", "--bind", filepath.Join(dir, "o"), m).CombinedOutput(); err != nil {
					t.Skipf("mount --bind failed although root (a container without CAP_SYS_ADMIN?): %v: %s", err, out)
				}
				defer exec.Command("umount", m).Run()
				out1 = filepath.Join(m, "out.npy")
			}
			spec := func(out, scratch string) Spec {
				s := DefaultSpec()
				s.Input.Path, s.Output, s.Engine, s.Memory, s.Tile = in, out, "ooc", 256<<20, [2]int{4, 0}
				s.Scratch = scratch
				s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
				return s
			}
			first := spec(out1, s1)
			calls := 0
			first.Progress = func(phase string, done, total int) bool {
				if phase == "pcf" && done > 0 {
					calls++
				}
				return calls < 2 // cancelled after a tile or two
			}
			if _, err := runSpec(t, first); err == nil {
				t.Fatal("the first run was not cancelled")
			}
			old := ooc.ScratchDir(s1, out1)
			if _, err := os.Stat(filepath.Join(old, "job.json")); err != nil {
				t.Fatalf("the cancelled run left no scratch to resume: %v", err)
			}
			if c == "the folder moved" {
				// mv o o2: the scratch beside the output goes with it, under
				// the name of the old path, which the next run does not use
				if err := os.Rename(filepath.Join(dir, "o"), filepath.Join(dir, "o2")); err != nil {
					t.Fatal(err)
				}
				out2 = filepath.Join(dir, "o2", "out.npy")
				old = filepath.Join(dir, "o2", filepath.Base(old))
			}
			second := spec(out2, s2)
			var logs []string
			second.Log = func(msg string) { logs = append(logs, msg) }
			if _, err := runSpec(t, second); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(old); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the scratch of the cancelled run stays: %s (%v); log %q", old, err, logs)
			}
			if !strings.Contains(strings.Join(logs, "\n"), "removed the scratch of an earlier run") {
				t.Errorf("no note of the removal: %q", logs)
			}
			if _, err := os.Lstat(ooc.ScratchNoteName(out2)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the scratch note stays after the run: %v", err)
			}
			// The result is the job's, as a run without any earlier one gives.
			clean := spec(filepath.Join(dir, "clean.npy"), "")
			if _, err := runSpec(t, clean); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(out2)
			b, _ := os.ReadFile(clean.Output)
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("the result differs from a clean run's (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

// A note that names a folder of another output, or any other folder, is
// left alone with what it names.
func TestScratchNoteNamesNothingElse(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.npy")
	victim := filepath.Join(dir, "data")
	os.Mkdir(victim, 0o755)
	other := ooc.ScratchDir("", filepath.Join(dir, "other.npy"))
	os.Mkdir(other, 0o755)
	for _, note := range []string{
		fmt.Sprintf(`{"scratch":%q,"output":%q}`, victim, out),
		fmt.Sprintf(`{"scratch":%q,"output":%q}`, other, out),
		fmt.Sprintf(`{"scratch":%q,"output":%q}`, other, filepath.Join(dir, "other.npy")),
		`not json`,
	} {
		if err := os.WriteFile(ooc.ScratchNoteName(out), []byte(note), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, _, err := ooc.SweepScratch(out, ooc.ScratchDir("", out), false); got != "" || err != nil {
			t.Errorf("note %s: removed %q (%v)", note, got, err)
		}
		for _, d := range []string{victim, other} {
			if _, err := os.Stat(d); err != nil {
				t.Fatalf("note %s: %s is gone", note, d)
			}
		}
	}
	// A file of the note's name that is not a note is not removed.
	ooc.ForgetScratch(out)
	if _, err := os.Stat(ooc.ScratchNoteName(out)); err != nil {
		t.Errorf("a file of the note's name that is not one was removed: %v", err)
	}
}

// The scratch note's folder spelled another way (through a linked folder)
// is this run's own: a killed run resumes from it, never removes it. A
// scratch elsewhere that records a result being published (a run killed
// among its renames) is kept, and the run refuses naming it: only a run
// with it tells that run's files from a user's (removed, it stranded the
// error bars that run had published).
func TestScratchNoteSameFolderAndPublishing(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 3)
	real := filepath.Join(dir, "real")
	os.Mkdir(real, 0o755)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	spec := func(scratch string) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine, s.Memory, s.Tile = in, out, "ooc", 256<<20, [2]int{2, 0}
		s.Scratch = scratch
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		return s
	}
	first := spec(link)
	calls := 0
	first.Progress = func(phase string, done, total int) bool {
		if phase == "pcf" && done > 0 {
			calls++
		}
		return calls < 2
	}
	if _, err := runSpec(t, first); err == nil {
		t.Fatal("the first run was not cancelled")
	}
	second := spec(real)
	var logs []string
	second.Log = func(msg string) { logs = append(logs, msg) }
	sum, err := runSpec(t, second)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed == 0 || strings.Contains(strings.Join(logs, "\n"), "removed the scratch") {
		t.Errorf("the same scratch folder through a link: resumed %d tiles, log %q; want resumed, nothing removed", sum.Resumed, logs)
	}

	// A scratch elsewhere recording a publication in progress.
	os.Remove(out)
	os.Remove(out + ".json")
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	old := ooc.ScratchDir(other, out)
	if err := os.Mkdir(old, 0o755); err != nil {
		t.Fatal(err)
	}
	key := specKey(t, second)
	if err := ooc.MarkPublishing(old, key, map[string]string{}, 0x1234, false, 0); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(out)
	if err := ooc.NoteScratch(abs, old); err != nil {
		t.Fatal(err)
	}
	_, err = runSpec(t, spec(real))
	if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "killed while it published") || !strings.Contains(err.Error(), other) ||
		!strings.Contains(err.Error(), "-o "+abs) {
		t.Errorf("a scratch elsewhere recording a publication: %v; want ErrOutput naming it", err)
	}
	if _, serr := os.Stat(old); serr != nil {
		t.Errorf("the scratch recording a publication was removed: %v", serr)
	}
	// The result that run had renamed into place, without its sidecar yet:
	// refused naming that scratch, not as a user's file to remove.
	if err := os.WriteFile(out, []byte("the published result"), 0o644); err != nil {
		t.Fatal(err)
	}
	if j, err := Open(spec(real)); err == nil {
		j.Close()
		t.Error("a result being published by a run with another scratch: opened")
	} else if !strings.Contains(err.Error(), "killed while it published") || !strings.Contains(err.Error(), other) {
		t.Errorf("a result being published by a run with another scratch: %v; want the refusal naming its scratch", err)
	}

	// A relative scratch folder from a working folder reached through a
	// link is noted where the system puts it (../ taken physically).
	deep := filepath.Join(dir, "deep", "c")
	os.MkdirAll(deep, 0o755)
	os.Mkdir(filepath.Join(dir, "deep", "S"), 0o755)
	os.Symlink(deep, filepath.Join(dir, "L"))
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(filepath.Join(dir, "L")); err != nil {
		t.Fatal(err)
	}
	os.Setenv("PWD", filepath.Join(dir, "L"))
	defer os.Setenv("PWD", wd)
	rel := ooc.ScratchDir("../S", abs)
	if err := ooc.NoteScratch(abs, rel); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ooc.ScratchNoteName(abs))
	if want := filepath.Join(dir, "deep", "S"); !strings.Contains(string(b), want+"/") {
		t.Errorf("note of ../S from a linked folder: %s; want it in %s", b, want)
	}
}

// TestInputTruncatedDuringWork: an input cut short while the in-memory
// engine computes the pCF (its later rows' frames not read yet: the
// engine reads them in the file's mapping) is source.ErrChanged naming
// it, from the fault of the read (not only the check at the end), never
// a crash, and nothing is published.
func TestInputTruncatedDuringWork(t *testing.T) {
	for _, engine := range []string{"memory"} {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.npy")
		buf := make([]byte, 256*24*48*2)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		if err := npy.WriteFile(in, array.Uint16, []int{256, 24, 48}, buf); err != nil {
			t.Fatal(err)
		}
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine, s.Memory = in, filepath.Join(dir, "out.npy"), engine, 256<<20
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		cut := false
		s.Progress = func(phase string, _, _ int) bool {
			if phase == "pcf" && !cut {
				cut = true
				if err := os.Truncate(in, int64(len(buf)/3)); err != nil {
					t.Fatal(err)
				}
			}
			return true
		}
		_, err := runSpec(t, s)
		if !cut || !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "fault at") {
			t.Errorf("%s: input cut short during the work (%v): %v, want source.ErrChanged naming it, from a fault", engine, cut, err)
		}
		if _, serr := os.Stat(s.Output); !os.IsNotExist(serr) {
			t.Errorf("%s: a result was published: %v", engine, serr)
		}
	}
}

// smallJobs returns the spec of a small pCF job of writeInput's input
// (seed) that writes out in a temporary folder, and the result of an
// in-memory run of it.
func smallJobs(t *testing.T, seed byte) (spec func(out string) Spec, want []byte) {
	t.Helper()
	dir := t.TempDir()
	in := writeInput(t, dir, seed)
	spec = func(out string) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, out)
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		return s
	}
	ref := spec("ref.npy")
	if _, err := runSpec(t, ref); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(ref.Output)
	if err != nil {
		t.Fatal(err)
	}
	return spec, want
}

// TestUserEntryAtPartialName: a user's file or folder at an output's
// hidden partial name (.OUT.partial) is refused before any work and left
// as it was (a run removed a folder of that name with what it held, and
// overwrote a file); what ipcf leaves there (an empty file, a header cut
// short, an empty folder, a damaged partial Zarr) is replaced by a run
// that gives the result.
func TestUserEntryAtPartialName(t *testing.T) {
	spec, want := smallJobs(t, 3)
	type entry struct {
		file   []byte // a file with these bytes, or with nil:
		folder map[string]string
	}
	place := func(p string, e entry) {
		os.RemoveAll(p)
		if e.folder == nil {
			if err := os.WriteFile(p, e.file, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		for name, text := range e.folder {
			os.MkdirAll(filepath.Dir(filepath.Join(p, name)), 0o755)
			if err := os.WriteFile(filepath.Join(p, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.MkdirAll(p, 0o755)
	}
	same := func(p string, e entry) bool {
		if e.folder == nil {
			b, err := os.ReadFile(p)
			return err == nil && bytes.Equal(b, e.file)
		}
		for name, text := range e.folder {
			if b, err := os.ReadFile(filepath.Join(p, name)); err != nil || string(b) != text {
				return false
			}
		}
		return true
	}
	for _, c := range []struct {
		out     string
		e       entry
		refused bool
	}{
		{"a.npy", entry{file: []byte("my notes\n")}, true},
		{"a.npy", entry{folder: map[string]string{"thesis.txt": "chapter 1"}}, true},
		{"a.tif", entry{file: []byte("MM\x00*big-endian: not ipcf's")}, true},
		{"a.zarr", entry{folder: map[string]string{"notes.txt": "x", "0.0.0.0": "chunk"}}, true},
		{"a.zarr", entry{folder: map[string]string{"sub/data.csv": "1,2"}}, true},
		{"a.zarr", entry{file: []byte("a file")}, true},
		{"a.npy", entry{file: []byte{}}, false},
		{"a.npy", entry{file: []byte("\x93NU")}, false},
		{"a.npy", entry{file: []byte("\x92NUMPY\x01\x00")}, false}, // a damaged magic
		{"a.tif", entry{file: []byte("IJ*\x00\x08\x00")}, false},
		{"a.npy", entry{file: append([]byte("\x93NUMPY"), 0xff, 0, 1, 2)}, false},
		{"a.tif", entry{file: []byte("II*\x00\x08")}, false},
		{"a.npy", entry{folder: map[string]string{}}, false},
		{"a.zarr", entry{folder: map[string]string{".zarray": "{damaged", "0.0.0.0": "xx", "1.0.0.0.tmp": "",
			".ipcf-1.tmp": ""}}, false},
		{"a.ome.zarr", entry{folder: map[string]string{".zgroup": "{}", "0/.zarray": "{", "0/0/0/1/2": "x"}}, false},
	} {
		s := spec(c.out)
		os.RemoveAll(s.Output)
		os.Remove(s.Output + ".json")
		p := ooc.PartialName(s.Output)
		place(p, c.e)
		_, err := runSpec(t, s)
		if !c.refused {
			if err != nil {
				t.Errorf("%s, %q at the partial name: %v, want the result", c.out, c.e, err)
				continue
			}
			if c.out == "a.npy" {
				if got, _ := os.ReadFile(s.Output); !bytes.Equal(got, want) {
					t.Errorf("%s, %q at the partial name: the result differs from a run without it", c.out, c.e)
				}
			}
			if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s, %q at the partial name: still there after the run (%v)", c.out, c.e, err)
			}
			continue
		}
		if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "move it away") {
			t.Errorf("%s, %q at the partial name: %v, want ErrOutput naming it", c.out, c.e, err)
		}
		if !same(p, c.e) {
			t.Errorf("%s, %q at the partial name: changed by the refused run", c.out, c.e)
		}
		if _, err := os.Lstat(s.Output); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: an output was written (%v)", c.out, err)
		}
	}
}

// TestUserEntryAtOldName: a user's folder or file at the name where
// publishing a Zarr output sets the earlier result aside (.OUT.old) is
// refused before any work and kept; the run published the result, then
// failed, and so did every rerun (a campaign's finding). An earlier
// result of ipcf's left there (a run killed while it published) or an
// empty folder is removed by a run that gives the result.
func TestUserEntryAtOldName(t *testing.T) {
	spec, _ := smallJobs(t, 6)
	s := spec("z.zarr")
	old := ooc.OldName(s.Output)
	// An earlier result of ipcf's, as a killed publication leaves it.
	if _, err := runSpec(t, s); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.Output, old); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		place   func()
		refused bool
	}{
		{"ipcf's earlier result", func() {}, false},
		{"an empty folder", func() { os.Mkdir(old, 0o755) }, false},
		{"a user's folder", func() { os.Mkdir(old, 0o755); os.WriteFile(filepath.Join(old, "notes.txt"), []byte("mine"), 0o644) }, true},
		{"a user's file", func() { os.WriteFile(old, []byte("mine"), 0o644) }, true},
	} {
		if c.name != "ipcf's earlier result" {
			os.RemoveAll(old)
			os.RemoveAll(s.Output)
		}
		c.place()
		_, err := runSpec(t, s)
		if !c.refused {
			if err != nil {
				t.Errorf("%s at %s: %v, want the result", c.name, old, err)
			}
			if _, err := os.Lstat(old); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s at %s: still there (%v)", c.name, old, err)
			}
			continue
		}
		if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), old) {
			t.Errorf("%s at %s: %v, want ErrOutput naming it", c.name, old, err)
		}
		if _, err := os.Lstat(s.Output); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s at %s: the result was published (%v)", c.name, old, err)
		}
		b, err := os.ReadFile(old)
		if err != nil {
			b, err = os.ReadFile(filepath.Join(old, "notes.txt"))
		}
		if err != nil || string(b) != "mine" {
			t.Errorf("%s at %s: changed or gone (%v)", c.name, old, err)
		}
	}
}

// TestInputAtOwnName: an input at a name of ipcf's own beside the output
// (the partial output of the curves or of the error bars, the scratch
// folder, a temporary file's name in the output's folder) is refused
// before any work and left as it was. An input of ipcf's format at
// .OUT.partial passed for a partial output: it was overwritten, renamed
// to the output in memory (exit 0, the input gone) and removed out of
// core (a campaign's finding).
func TestInputAtOwnName(t *testing.T) {
	spec, _ := smallJobs(t, 5)
	orig, err := os.ReadFile(spec("x").Input.Path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(spec("x").Output)
	other := t.TempDir()
	for _, c := range []struct {
		out, engine string
		errors      bool
		at          func(s Spec) string // where the input is put
		refused     bool
	}{
		{"a.npy", "memory", false, func(s Spec) string { return ooc.PartialName(s.Output) }, true},
		{"a.npy", "ooc", false, func(s Spec) string { return ooc.PartialName(s.Output) }, true},
		{"a.tif", "memory", false, func(s Spec) string { return ooc.PartialName(s.Output) }, true},
		{"a.npy", "memory", true, func(s Spec) string { return ooc.PartialName(ooc.ErrorsName(s.Output)) }, true},
		{"a.npy", "memory", false, func(s Spec) string {
			return filepath.Join(ooc.ScratchDir("", s.Output), "in.npy")
		}, true},
		{"a.npy", "memory", false, func(s Spec) string { return filepath.Join(dir, ".ipcf-7.tmp") }, true},
		{"a.zarr", "memory", false, func(s Spec) string { return filepath.Join(s.Output, ".ipcf-7.tmp") }, true},
		// Not ipcf's names for this output: taken.
		{"a.npy", "memory", false, func(s Spec) string { return filepath.Join(other, ".ipcf-7.tmp") }, false},
		{"a.npy", "memory", false, func(s Spec) string { return ooc.PartialName(filepath.Join(dir, "b.npy")) }, false},
		{"a.npy", "memory", false, func(s Spec) string { return filepath.Join(dir, ".ipcf-7.tmp.npy") }, false},
	} {
		s := spec(c.out)
		s.Engine = c.engine
		if c.errors {
			s.Errors = &pcf.ErrOptions{}
		}
		in := c.at(s)
		name := fmt.Sprintf("%s %s errors=%v, input %s", c.out, c.engine, c.errors, in)
		os.MkdirAll(filepath.Dir(in), 0o755)
		if err := os.WriteFile(in, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		s.Input.Path = in
		j, err := Open(s)
		if err == nil {
			_, err = j.Run(t.Context())
			j.Close()
		}
		if c.refused {
			if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), in) {
				t.Errorf("%s: %v, want ErrOutput naming the input", name, err)
			}
			if _, err := os.Lstat(s.Output); !errors.Is(err, os.ErrNotExist) && c.out != "a.zarr" {
				t.Errorf("%s: an output was written (%v)", name, err)
			}
		} else if err != nil {
			t.Errorf("%s: %v, want the result", name, err)
		}
		if b, err := os.ReadFile(in); err != nil || !bytes.Equal(b, orig) {
			t.Errorf("%s: the input changed or is gone (%v)", name, err)
		}
		os.RemoveAll(in)
		os.RemoveAll(s.Output)
		os.Remove(s.Output + ".json")
		os.Remove(ooc.ErrorsName(s.Output))
		os.RemoveAll(ooc.ScratchDir("", s.Output))
	}
}

// TestDamagedOwnFilesRecovered: files of ipcf's that a campaign damaged
// between runs no longer block reruns, and a user's file at the scratch
// note's name is no longer replaced: a folder with a file in place of a
// scratch piece (every rerun failed: "directory not empty"), a finished
// Zarr result whose .zarray is gone (refused as holding chunks ipcf did
// not write), a user's .OUT.scratch (replaced without a word).
func TestDamagedOwnFilesRecovered(t *testing.T) {
	spec, want := smallJobs(t, 9)

	// A folder in place of a scratch piece of an interrupted run.
	s := spec("a.npy")
	s.Engine, s.Tile = "ooc", [2]int{2, 2}
	s.Progress = func(phase string, done, total int) bool { return phase != "pcf" || done == 0 }
	if _, err := runSpec(t, s); err == nil {
		t.Fatal("the interrupted run succeeded")
	}
	scratch := ooc.ScratchDir("", s.Output)
	pieces, _ := filepath.Glob(filepath.Join(scratch, "*.bin"))
	if len(pieces) == 0 {
		t.Fatalf("no scratch pieces in %s", scratch)
	}
	p := pieces[len(pieces)-1] // one piece: the run reads it again
	os.Remove(p)
	os.MkdirAll(filepath.Join(p, "sub"), 0o755)
	os.WriteFile(filepath.Join(p, "sub", "x"), []byte("x"), 0o644)
	s.Progress = nil
	if _, err := runSpec(t, s); err != nil {
		t.Fatalf("the rerun over folders in place of scratch pieces: %v", err)
	}
	if got, _ := os.ReadFile(s.Output); !bytes.Equal(got, want) {
		t.Error("the rerun over folders in place of scratch pieces: the result differs")
	}

	// A finished Zarr result without its .zarray: computed again.
	z := spec("z.zarr")
	if _, err := runSpec(t, z); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(z.Output, ".zarray"))
	if _, err := runSpec(t, z); err != nil {
		t.Fatalf("a rerun over a Zarr result without .zarray: %v", err)
	}
	if _, err := os.Stat(filepath.Join(z.Output, ".zarray")); err != nil {
		t.Errorf("the rerun did not write .zarray again: %v", err)
	}

	// The scratch note's name: a user's file stays; ipcf's damaged note
	// is replaced, and removed with the scratch.
	for _, c := range []struct {
		text string
		kept bool
	}{{"my notes\n", true}, {`{"scratch":"/tmp/x", "outp`, false}, {"", false}} {
		u := spec("u.npy")
		os.Remove(u.Output)
		os.Remove(u.Output + ".json")
		note := ooc.ScratchNoteName(u.Output)
		os.WriteFile(note, []byte(c.text), 0o644)
		if _, err := runSpec(t, u); err != nil {
			t.Fatalf("%q at the note's name: %v", c.text, err)
		}
		b, err := os.ReadFile(note)
		switch {
		case c.kept && (err != nil || string(b) != c.text):
			t.Errorf("a user's %q at the note's name: now %q, %v", c.text, b, err)
		case !c.kept && err == nil:
			t.Errorf("ipcf's damaged note %q: still there after the run (%q)", c.text, b)
		}
	}
}

// TestAutoCopiedInputChangedDuringWork: an input that the out-of-core
// engine copies into scratch of its own accord (here a narrow image; also
// a TIFF series), changed or removed after the copy, is refused before
// the result is published, as the in-memory engine and the in-place read
// refuse it; the run published the copy's result with no error (a
// campaign). With --copy-input the copy's result stands
// (TestCopiedInputChangedDuringWork).
func TestAutoCopiedInputChangedDuringWork(t *testing.T) {
	for _, change := range []string{"rewrite", "remove", "truncate"} {
		dir := t.TempDir()
		in := writeInput(t, dir, 4)
		orig, _ := os.ReadFile(in)
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine, s.Memory = in, filepath.Join(dir, "out.npy"), "ooc", 256<<20
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		s.Tile = [2]int{4, 4}
		done := false
		s.Progress = func(phase string, _, _ int) bool {
			if phase == "pcf" && !done {
				done = true
				switch change {
				case "rewrite": // same size, its time kept
					st, _ := os.Stat(in)
					f, _ := os.OpenFile(in, os.O_WRONLY, 0)
					f.WriteAt([]byte{1, 2, 3}, int64(len(orig)/2))
					f.Close()
					os.Chtimes(in, st.ModTime(), st.ModTime())
				case "remove":
					os.Remove(in)
				case "truncate":
					os.Truncate(in, 1000)
				}
			}
			return true
		}
		if p, _ := ooc.OutputPath(s.Output); ooc.HasScratch("", p) {
			t.Fatal("scratch before the run")
		}
		_, err := runSpec(t, s)
		if !done {
			t.Fatalf("%s: the input was not changed during the pCF", change)
		}
		if !errors.Is(err, source.ErrChanged) && !errors.Is(err, ErrInput) {
			t.Errorf("%s after the copy: %v, want the input refused as changed", change, err)
		}
		if _, serr := os.Lstat(s.Output); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("%s after the copy: a result was published (%v)", change, serr)
		}
	}
}

// TestAlreadyCompleteNamesItsEngine: an "already complete" rerun reports
// the engine that computed the result (its metadata's), not the one the
// rerun's options would take (CLI11's M1: --json said "ooc" of a result
// computed in memory).
func TestAlreadyCompleteNamesItsEngine(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	for _, c := range []struct{ first, rerun string }{{"memory", "ooc"}, {"ooc", "memory"}} {
		out := filepath.Join(dir, c.first+".npy")
		for i, engine := range []string{c.first, c.rerun} {
			s := DefaultSpec()
			s.Input.Path, s.Output = in, out
			s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 1, 4, 6
			s.Engine, s.Memory = engine, 256<<20
			sum, err := runSpec(t, s)
			if err != nil {
				t.Fatal(err)
			}
			if sum.AlreadyComplete != (i == 1) || sum.Engine != c.first {
				t.Errorf("%s then %s, run %d: already complete %v, engine %q; want %v, %q",
					c.first, c.rerun, i, sum.AlreadyComplete, sum.Engine, i == 1, c.first)
			}
		}
	}
}

// TestInputReadErrorWords: an input the storage failed to read is ErrInput
// (nothing of the run is resumed from it) but said as unreadable, not as a
// bad input (the job said "bad input: read ...: input/output error" of a
// failing disk); a refused input stays "bad input".
func TestInputReadErrorWords(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "read", Path: "/d/in.npy", Err: syscall.EIO}, "job: the input could not be read: read /d/in.npy: input/output error"},
		{fmt.Errorf("source: %w", &os.PathError{Op: "read", Path: "/nfs/in.tif", Err: syscall.ESTALE}), "job: the input could not be read: source: read /nfs/in.tif: stale file handle"},
		{fmt.Errorf("%w: 3 frames", source.ErrFormat), "job: bad input: "},
	} {
		err := inputErr(c.err)
		if !errors.Is(err, ErrInput) || !errors.Is(err, c.err) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("inputErr(%v) = %v; want ErrInput and its cause, %q", c.err, err, c.want)
		}
	}
}

// TestKeyOfOffsetsIgnoresTheCircle: with offsets given, the circle's
// radius and points change no byte and so no key; with multi-tau bins,
// nbins likewise. The hosts filled them differently (the CLI kept a
// preset's --radius, Python the defaults, Octave what was given): one
// request was two jobs, recomputed or its scratch discarded when rerun
// from another host (EQUIV13's F1).
func TestKeyOfOffsetsIgnoresTheCircle(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	spec := func(radius, npoints, nbins int, multitau bool) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, "out.npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = radius, npoints, nbins
		s.PCF.Offsets = []pcf.Offset{{U: 1, V: 0}, {U: 0, V: -1}}
		if multitau {
			s.PCF.Bins, s.PCF.M = pcf.Multitau, 4
		}
		return s
	}
	k0 := specKey(t, spec(6, 32, 6, false))
	if k := specKey(t, spec(2, 8, 6, false)); k != k0 {
		t.Errorf("offsets with radius 2, 8 points: key %s, with the defaults %s", k, k0)
	}
	if k := specKey(t, spec(6, 32, 5, false)); k == k0 {
		t.Errorf("offsets with 5 log bins: the key of 6 bins")
	}
	m0 := specKey(t, spec(6, 32, 32, true))
	if k := specKey(t, spec(3, 4, 20, true)); k != m0 {
		t.Errorf("multi-tau offsets with radius 3, 4 points, 20 bins: key %s, with the defaults %s", k, m0)
	}
}

// TestZarrEditedInPlaceKept: a Zarr result whose chunk a user changed in
// place (zarr's r+ mode) is not replaced by a rerun of that job or of
// another, as a .npy whose sidecar describes other bytes is not: the rerun
// replaced the store, exit 0, and the edit was lost (ZARR17's F1). The
// untouched result is still found complete, and replaced by another job.
// runSmall runs the job of in to out with radius 2, 8 points and nbins.
func runSmall(t *testing.T, in, out string, nbins int) error {
	s := DefaultSpec()
	s.Input.Path, s.Output = in, out
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, nbins
	j, err := Open(s)
	if err != nil {
		return err
	}
	defer j.Close()
	_, err = j.Run(t.Context())
	return err
}

func TestZarrEditedInPlaceKept(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	out := filepath.Join(dir, "res.zarr")
	run := func(nbins int) error { return runSmall(t, in, out, nbins) }
	if err := run(6); err != nil {
		t.Fatal(err)
	}
	if err := run(6); err != nil {
		t.Fatalf("the same job again, result untouched: %v", err)
	}
	if err := run(5); err != nil {
		t.Fatalf("another job over an untouched result: %v", err)
	}
	chunk := filepath.Join(out, "0.0.0.0")
	b, err := os.ReadFile(chunk)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(chunk, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, nbins := range []int{5, 6} {
		err := run(nbins)
		if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "its 0.0.0.0 was changed since ipcf wrote it") {
			t.Errorf("nbins %d over an edited result: %v, want ErrOutput naming the chunk", nbins, err)
		}
		if got, _ := os.ReadFile(chunk); !bytes.Equal(got, b) {
			t.Errorf("nbins %d: the edited chunk was replaced", nbins)
		}
	}
	// Its .zarray damaged (not a user's data): computed again, as the
	// README says (REVIEW18's m6); then untouched, replaced by another job.
	b[len(b)-1] ^= 1
	os.WriteFile(chunk, b, 0o644)
	if err := os.WriteFile(filepath.Join(out, ".zarray"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(5); err != nil {
		t.Fatalf("the same job over its result with a damaged .zarray: %v", err)
	}
	// A chunk overwritten in place while another job computes (the
	// folder's stat unchanged): kept at publication (REVIEW18's F2).
	s := DefaultSpec()
	s.Input.Path, s.Output = in, out
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 4
	edited := false
	s.Progress = func(phase string, done, total int) bool {
		if !edited {
			f, err := os.OpenFile(chunk, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte{0x7f}, 100)
			f.Close()
			edited = true
		}
		return true
	}
	j, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.Run(t.Context())
	j.Close()
	if !edited || err == nil || !strings.Contains(err.Error(), "its 0.0.0.0 was changed since ipcf wrote it") {
		t.Errorf("a chunk edited during another job's run: %v (edited %v), want refused at publication", err, edited)
	}
	if got, _ := os.ReadFile(chunk); len(got) <= 100 || got[100] != 0x7f {
		t.Error("the chunk edited during the run was replaced")
	}
	// The same through a new file renamed over the chunk (zarr-python's
	// way: the folder's stat changes, so the run checks its output again
	// under its own lock): changed, not "being written by another ipcf
	// run", this run's own pid (REVIEW19's m4).
	if err := os.Remove(chunk); err != nil {
		t.Fatal(err)
	}
	if err := run(5); err != nil {
		t.Fatal(err)
	}
	edited = false
	s.Progress = func(phase string, done, total int) bool {
		if !edited {
			c, _ := os.ReadFile(chunk)
			c[100] ^= 1
			os.WriteFile(chunk+".new", c, 0o644)
			os.Rename(chunk+".new", chunk)
			edited = true
		}
		return true
	}
	if j, err = Open(s); err != nil {
		t.Fatal(err)
	}
	_, err = j.Run(t.Context())
	j.Close()
	if !edited || err == nil || !strings.Contains(err.Error(), "its 0.0.0.0 was changed since ipcf wrote it") {
		t.Errorf("a chunk renamed over during another job's run: %v (edited %v), want it named as changed", err, edited)
	}
}

// TestCompleteDespiteAnotherJobsScratch: the complete result of a job is
// not computed again because another job to that output was stopped and
// left its scratch (or a folder it failed to record its job in, on a full
// disk): "already complete", and the other job's scratch stays for its
// own rerun, which resumes it (DISK17's m5: everything was computed again,
// and failed again while the disk was full).
func TestCompleteDespiteAnotherJobsScratch(t *testing.T) {
	spec, want := smallJobs(t, 5)
	a := spec("o.npy")
	if _, err := runSpec(t, a); err != nil {
		t.Fatal(err)
	}
	b := spec("o.npy")
	b.PCF.Nbins = 5
	b.Engine, b.Tile = "ooc", [2]int{2, 2}
	b.Progress = func(phase string, done, total int) bool { return phase != "pcf" || done == 0 }
	if _, err := runSpec(t, b); err == nil {
		t.Fatal("the interrupted run of another job succeeded")
	}
	scratch := ooc.ScratchDir("", a.Output)
	if _, err := os.Stat(filepath.Join(scratch, "job.json")); err != nil {
		t.Fatalf("the other job left no scratch: %v", err)
	}
	sum, err := runSpec(t, a)
	if err != nil || !sum.AlreadyComplete {
		t.Errorf("the completed job again, beside another job's scratch: %+v, %v; want already complete", sum, err)
	}
	if got, _ := os.ReadFile(a.Output); !bytes.Equal(got, want) {
		t.Error("the complete result changed")
	}
	if _, err := os.Stat(filepath.Join(scratch, "job.json")); err != nil {
		t.Errorf("the other job's scratch went: %v", err)
	}
	b.Progress = nil
	if sum, err := runSpec(t, b); err != nil || sum.Resumed == 0 {
		t.Fatalf("the other job's rerun: %+v, %v; want it resumed from its scratch", sum, err)
	}
	// A scratch folder with nothing recorded in it (a run that failed to
	// write its job.json): nothing to finish either.
	if _, err := runSpec(t, a); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	if sum, err := runSpec(t, a); err != nil || !sum.AlreadyComplete {
		t.Errorf("the completed job again, beside an empty scratch folder: %+v, %v; want already complete", sum, err)
	}
}

// TestLockRemovedDuringRunPublishesNothing: the output's folder emptied
// during a run (its lock removed) and another run started there, which
// took a lock of its own: the first run published that run's partial
// file and removed its scratch, exit 0 (OOC20's F1). It now fails,
// publishing and removing nothing there, and leaves the other lock.
func TestLockRemovedDuringRunPublishesNothing(t *testing.T) {
	for _, engine := range []string{"memory", "ooc"} {
		dir := t.TempDir()
		in := writeInput(t, dir, 0)
		out := filepath.Join(dir, "res.npy")
		other := []byte("pid 1 on elsewhere since 2026-12-08T00:00:00Z\n")
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine = in, out, engine
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 4
		if engine == "ooc" {
			s.Tile = [2]int{4, 4}
		}
		replaced := false
		s.Progress = func(phase string, done, total int) bool {
			if !replaced {
				// (as rm -rf of the folder and a new run's lock)
				if err := os.Remove(LockName(out)); err != nil {
					t.Error(err)
				}
				if err := os.WriteFile(LockName(out), other, 0o644); err != nil {
					t.Error(err)
				}
				// and that run's partial file, a new one (REVIEW25's F1: overwritten)
				os.Remove(ooc.PartialName(out))
				if err := os.WriteFile(ooc.PartialName(out), other, 0o644); err != nil {
					t.Error(err)
				}
				replaced = true
			}
			return true
		}
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = j.Run(t.Context())
		j.Close()
		if !replaced || !errors.Is(err, ErrOutput) || strings.Count(err.Error(), "was removed or replaced during the run") != 1 {
			t.Errorf("%s: the lock replaced during the run: %v (replaced %v), want ErrOutput", engine, err, replaced)
		}
		if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %s published: %v", engine, out, err)
		}
		if got, _ := os.ReadFile(LockName(out)); !bytes.Equal(got, other) {
			t.Errorf("%s: the other run's lock became %q", engine, got)
		}
		if got, _ := os.ReadFile(ooc.PartialName(out)); !bytes.Equal(got, other) {
			t.Errorf("%s: the other run's partial file became %d bytes", engine, len(got))
		}
	}
}

// TestCompleteResultWithTrashKept: a rerun of a complete job whose earlier
// scratch, left at its trash name, cannot be removed says the result is
// complete (it said the bare removal error, as any failure: CLI20's m4);
// a job that is not complete still stops there.
func TestCompleteResultWithTrashKept(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	out := filepath.Join(dir, "res.npy")
	run := func(nbins int) error { return runSmall(t, in, out, nbins) }
	if err := run(4); err != nil {
		t.Fatal(err)
	}
	// (a trash the system will not remove: an immutable file, chattr +i)
	defer func(f func(string) error) { removeTrash = f }(removeTrash)
	removeTrash = func(string) error { return errors.New("scratch: unlinkat TRASH/job.json: operation not permitted") }
	err := run(4)
	if err == nil || !strings.Contains(err.Error(), "is already the complete result of this job (checked: nothing to compute), but an earlier run's scratch could not be removed") {
		t.Errorf("the complete job again, its trash kept: %v", err)
	}
	if err := run(5); err == nil || strings.Contains(err.Error(), "complete result") || !strings.Contains(err.Error(), "operation not permitted") {
		t.Errorf("another job, the trash kept: %v", err)
	}
}
