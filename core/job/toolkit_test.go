package job

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/conv"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/core/source"
)

func TestParseOffsets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "offs.txt")
	os.WriteFile(file, []byte("\xef\xbb\xbf# u v\n 1 0\n0,-1 # comment\r\n\n-3\t2\n"), 0o644) // (a BOM first, as Windows editors save: READ16's minor)
	for arg, want := range map[string][]pcf.Offset{
		"1,0":             {{U: 1}},
		"1,0;0,1;-2, 3;":  {{U: 1}, {V: 1}, {U: -2, V: 3}},
		" 0,0 ":           {{}},
		file:              {{U: 1}, {V: -1}, {U: -3, V: 2}},
		"+1,-1;-1,+1":     {{U: 1, V: -1}, {U: -1, V: 1}},
		"1048576,0":       {{U: 1 << 20}},
		"1,0;1,0":         {{U: 1}, {U: 1}}, // repeats are allowed (docs/toolkit.md)
		"0,-1048576;1,-1": {{V: -1 << 20}, {U: 1, V: -1}},
	} {
		got, err := ParseOffsets(arg)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseOffsets(%q) = %v, %v; want %v", arg, got, err, want)
		}
	}
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing\n"), 0o644)
	for _, arg := range []string{"1", "1;2", "1,2,3", "a,b", ";", "1,0;;2,0", "1.5,0", "1048577,0", empty, dir} {
		if got, err := ParseOffsets(arg); !errors.Is(err, ErrOption) || !errors.Is(err, pcf.ErrParam) {
			t.Errorf("ParseOffsets(%q) = %v, %v; want ErrOption (and pcf.ErrParam)", arg, got, err)
		}
	}
}

// A list of offsets that also names a file in the working folder is
// refused: the file "1,0" (holding "0 1") was read silently for the
// offset (1, 0). A path with a folder names the file.
func TestParseOffsetsTextNamingAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "1,0"), []byte("0 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if got, err := ParseOffsets("1,0"); !errors.Is(err, ErrOption) || !strings.Contains(fmt.Sprint(err), `write "./1,0"`) {
		t.Errorf(`ParseOffsets("1,0") beside a file "1,0" = %v, %v; want ErrOption naming "./1,0"`, got, err)
	}
	if got, err := ParseOffsets("./1,0"); err != nil || !reflect.DeepEqual(got, []pcf.Offset{{V: 1}}) {
		t.Errorf(`ParseOffsets("./1,0") = %v, %v; want the file's [(0, 1)]`, got, err)
	}
	if got, err := ParseOffsets("2,0"); err != nil || !reflect.DeepEqual(got, []pcf.Offset{{U: 2}}) {
		t.Errorf(`ParseOffsets("2,0") = %v, %v; want [(2, 0)]`, got, err)
	}
}

func TestMode(t *testing.T) {
	disk, _ := pcf.Disk(2)
	line, _ := pcf.Line(3)
	for want, offs := range map[string][]pcf.Offset{
		"circle": nil, "acf": {{}}, "disk": disk, "line": line,
		"offsets": {{U: 1}, {U: -1}, {U: 2}}, // not Line(2): (-2, 0) is missing
	} {
		if got := Mode(offs); got != want {
			t.Errorf("Mode(%v) = %s, want %s", offs, got, want)
		}
	}
	if Mode(disk[:len(disk)-1]) != "offsets" {
		t.Errorf("a partial disk is a disk")
	}
}

// TestToolkitApply: the options set the pCF options; conflicts are
// refused only when both options were given.
func TestToolkitApply(t *testing.T) {
	apply := func(tk Toolkit, given ...string) (Spec, error) {
		s := DefaultSpec()
		s.PCF.Radius = 2
		tk.Given = map[string]bool{}
		for _, g := range given {
			tk.Given[g] = true
		}
		return s, tk.Apply(&s)
	}
	d := DefaultToolkit()
	s, err := apply(d)
	if err != nil || s.PCF.Offsets != nil || s.PCF.Bins != pcf.LogBinning || s.PCF.NoSmooth || s.PCF.ThresholdOn || s.PCF.Delta {
		t.Fatalf("defaults: %+v, %v", s.PCF, err)
	}
	tk := d
	tk.Preset = "disk"
	if s, err = apply(tk, "preset", "radius"); err != nil || len(s.PCF.Offsets) != 12 {
		t.Errorf("disk radius 2: %v, %v", s.PCF.Offsets, err)
	}
	tk = d
	tk.Bins, tk.Smooth, tk.Threshold, tk.Delta, tk.Input2 = "multitau", 0, "7.5", true, "b.npy"
	s, err = apply(tk)
	if err != nil || s.PCF.Bins != pcf.Multitau || s.PCF.M != pcf.DefaultM || !s.PCF.NoSmooth ||
		!s.PCF.ThresholdOn || s.PCF.Threshold != 7.5 || !s.PCF.Delta || s.Input2 != "b.npy" {
		t.Errorf("multitau, no smoothing, threshold, delta, input2: %+v %q, %v", s.PCF, s.Input2, err)
	}
	tk = d
	tk.Channel, tk.Channel2 = 2, 1
	if s, err = apply(tk, "channel", "channel2"); err != nil || s.Input.Channel != 2 || s.Channel2 != 1 {
		t.Errorf("channel 2, channel2 1: %d, %d, %v", s.Input.Channel, s.Channel2, err)
	}
	if s, err = apply(d); err != nil || s.Input.Channel != 0 || s.Channel2 != 0 {
		t.Errorf("no channel: %d, %d, %v", s.Input.Channel, s.Channel2, err)
	}
	bad := []struct {
		tk    func(*Toolkit)
		given []string
		msg   string
	}{
		{func(k *Toolkit) { k.Offsets, k.Preset = "1,0", "disk" }, []string{"offsets", "preset"}, "--preset disk"},
		{func(k *Toolkit) { k.Offsets, k.ACF = "1,0", true }, []string{"offsets", "acf"}, "--acf"},
		{func(k *Toolkit) { k.ACF = true }, []string{"acf", "preset"}, "--preset"},
		{func(k *Toolkit) { k.ACF = true }, []string{"acf", "radius"}, "--radius"},
		{func(k *Toolkit) { k.Offsets = "" }, []string{"offsets"}, "empty"},
		{func(k *Toolkit) { k.Preset = "line" }, []string{"preset", "npoints"}, "--npoints"},
		{func(k *Toolkit) { k.Preset = "star" }, []string{"preset"}, "star"},
		{func(k *Toolkit) { k.Bins = "log2" }, nil, "log2"},
		{func(k *Toolkit) { k.Bins, k.M = "multitau", 5 }, []string{"m"}, "--m 5"},
		{func(k *Toolkit) { k.Bins, k.M = "multitau", 0 }, []string{"m"}, "--m 0"},
		{func(k *Toolkit) { k.M = 8 }, []string{"m"}, "multitau"},
		{func(k *Toolkit) { k.Bins = "multitau" }, []string{"nbins"}, "--nbins"},
		{func(k *Toolkit) { k.Smooth = 1 }, nil, "--smooth 1"},
		{func(k *Toolkit) { k.Smooth = -0.5 }, nil, "--smooth -0.5"},
		{func(k *Toolkit) { k.Threshold = "NaN" }, nil, "NaN"},
		{func(k *Toolkit) { k.Threshold = "+Inf" }, nil, "Inf"},
		{func(k *Toolkit) { k.Channel = 0 }, []string{"channel"}, "--channel 0: want a channel number from 1"},
		{func(k *Toolkit) { k.Channel = -2 }, nil, "--channel -2"},
		{func(k *Toolkit) { k.Channel2 = 0 }, []string{"channel2"}, "--channel2 0"},
		{func(k *Toolkit) { k.Channel2 = -1 }, []string{"channel2"}, "--channel2 -1"},
	}
	for _, b := range bad {
		tk := d
		b.tk(&tk)
		if _, err := apply(tk, b.given...); !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%+v given %v: %v, want ErrOption saying %q", tk, b.given, err, b.msg)
		}
	}
	// Without the conflicting option given, the default is overridden.
	tk = d
	tk.Offsets = "1,0"
	if s, err := apply(tk); err != nil || len(s.PCF.Offsets) != 1 {
		t.Errorf("offsets with the default preset and radius: %v, %v", s.PCF.Offsets, err)
	}
}

// TestUsage checks the line between a user's mistake in the options (the
// CLI's exit status 2) and a failed run or a bad file (1), on the errors
// Open returns for real specs.
func TestUsage(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0) // 64 x 12 x 12
	mask := filepath.Join(dir, "mask.npy")
	buf := make([]byte, 12*12*8)
	for i := 0; i < 12*12; i++ {
		v := 1.0
		if i == 5 {
			v = math.NaN()
		}
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
	}
	if err := npy.WriteFile(mask, array.Float64, []int{12, 12}, buf); err != nil {
		t.Fatal(err)
	}
	spec := func(f func(*Spec)) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, "out.npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		f(&s)
		return s
	}
	cases := []struct {
		name  string
		spec  Spec
		usage bool
	}{
		{"radius zero", spec(func(s *Spec) { s.PCF.Radius = 0 }), true},
		{"radius beyond the image", spec(func(s *Spec) { s.PCF.Radius = 6 }), true},
		{"frames malformed", spec(func(s *Spec) { s.Input.Frames = "5:2" }), true},
		{"frames past the end", spec(func(s *Spec) { s.Input.Frames = "0:99" }), true},
		{"crop outside", spec(func(s *Spec) { s.Input.Crop = "0:13,0:4" }), true},
		{"engine", spec(func(s *Spec) { s.Engine = "fast" }), true},
		{"frame interval", spec(func(s *Spec) { s.FrameInterval = math.NaN() }), true},
		{"missing input", spec(func(s *Spec) { s.Input.Path = filepath.Join(dir, "nope.npy") }), false},
		{"input not an array", spec(func(s *Spec) { s.Input.Path = dir }), false},
		{"NaN in the mask file", spec(func(s *Spec) { s.Mask = mask }), false},
	}
	for _, c := range cases {
		j, err := Open(c.spec)
		if err == nil {
			j.Close()
			t.Errorf("%s: no error", c.name)
			continue
		}
		if got := Usage(err); got != c.usage {
			t.Errorf("%s: Usage(%q) = %v, want %v", c.name, err, got, c.usage)
		}
	}
	for _, err := range []error{ErrOption, bleach.ErrParam, simulate.ErrParam, fit.ErrModel, ooc.ErrBudget} {
		if !Usage(fmt.Errorf("wrapped: %w", err)) {
			t.Errorf("Usage(%v) = false", err)
		}
	}
	for _, err := range []error{ErrInput, ErrOutput, source.ErrFormat, source.ErrChanged, npy.ErrFormat, conv.ErrParam, os.ErrNotExist, pcf.ErrMemory} {
		if Usage(fmt.Errorf("wrapped: %w", err)) {
			t.Errorf("Usage(%v) = true", err)
		}
	}
}
