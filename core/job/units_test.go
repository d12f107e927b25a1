package job

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeImageJTIFF writes a little-endian uint16 TIFF of t frames of h x w
// pixels whose first page has an ImageJ description with finterval=fi
// (seconds) and resolution tags of res pixels per micron.
func writeImageJTIFF(t *testing.T, path string, frames, h, w int, fi float64, res uint32) {
	writeImageJTIFFRes(t, path, frames, h, w, fi, res, res)
}

// writeImageJTIFFRes is writeImageJTIFF with X and Y resolutions of their own.
func writeImageJTIFFRes(t *testing.T, path string, frames, h, w int, fi float64, res, yres uint32) {
	desc := "ImageJ=1.53t\nimages=" + itoa(frames) + "\nframes=" + itoa(frames) + "\nunit=micron\nfinterval=" +
		ftoa(fi) + "\n\x00"
	le := binary.LittleEndian
	var b []byte
	b = append(b, 'I', 'I', 42, 0, 0, 0, 0, 0)
	type tag struct {
		id, typ uint16
		n, val  uint32
	}
	var prevNext int
	for f := 0; f < frames; f++ {
		// pixel data
		dataOff := len(b)
		for i := 0; i < h*w; i++ {
			b = le.AppendUint16(b, uint16(100+(i*7+f*13)%50))
		}
		tags := []tag{{256, 3, 1, uint32(w)}, {257, 3, 1, uint32(h)}, {258, 3, 1, 16}, {259, 3, 1, 1}, {262, 3, 1, 1}}
		var descOff, resOff int
		if f == 0 {
			descOff = len(b)
			b = append(b, desc...)
			if len(b)%2 == 1 {
				b = append(b, 0)
			}
			resOff = len(b)
			b = le.AppendUint32(b, res)
			b = le.AppendUint32(b, 1)
			b = le.AppendUint32(b, yres)
			b = le.AppendUint32(b, 1)
			tags = append(tags, tag{270, 2, uint32(len(desc)), uint32(descOff)})
		}
		tags = append(tags, tag{273, 4, 1, uint32(dataOff)}, tag{277, 3, 1, 1}, tag{278, 3, 1, uint32(h)},
			tag{279, 4, 1, uint32(2 * h * w)})
		if f == 0 {
			tags = append(tags, tag{282, 5, 1, uint32(resOff)}, tag{283, 5, 1, uint32(resOff + 8)}, tag{296, 3, 1, 1})
		}
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		ifd := len(b)
		if f == 0 {
			le.PutUint32(b[4:], uint32(ifd))
		} else {
			le.PutUint32(b[prevNext:], uint32(ifd))
		}
		b = le.AppendUint16(b, uint16(len(tags)))
		for _, tg := range tags {
			b = le.AppendUint16(b, tg.id)
			b = le.AppendUint16(b, tg.typ)
			b = le.AppendUint32(b, tg.n)
			if tg.typ == 3 {
				b = le.AppendUint16(b, uint16(tg.val))
				b = le.AppendUint16(b, 0)
			} else {
				b = le.AppendUint32(b, tg.val)
			}
		}
		prevNext = len(b)
		b = le.AppendUint32(b, 0)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// openUnits opens a small job on in (the pixel size px given, 0: none)
// and returns what it logged and the units of its metadata.
func openUnits(t *testing.T, in string, px float64) ([]string, map[string]any) {
	t.Helper()
	s := DefaultSpec()
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 8
	s.Input.Path = in
	s.Output = filepath.Join(filepath.Dir(in), "out.npy")
	s.PixelSize = px
	var logs []string
	s.Log = func(m string) { logs = append(logs, m) }
	j, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	return logs, j.Metadata(0, 0)["units"].(map[string]any)
}

// TestUnitsPixelsNotSquare: an input whose metadata give pixels that are
// not square has no pixel size, and the job says so (a warning, and
// units.pixels_not_square in the metadata) instead of dropping it
// silently; --pixel-size gives one, without the warning.
func TestUnitsPixelsNotSquare(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "aniso.tif")
	// ImageJ's description, X resolution 10 and Y resolution 5 pixels per
	// micron: 0.1 x 0.2 um.
	writeImageJTIFFRes(t, in, 64, 12, 12, 0.005, 10, 5)
	for _, px := range []float64{0, 0.3} {
		logs, u := openUnits(t, in, px)
		warned := strings.Contains(strings.Join(logs, "\n"), "pixels are not square (0.1 x 0.2 um (ImageJ))")
		note, _ := u["pixels_not_square"].(string)
		if px == 0 && (!warned || note != "0.1 x 0.2 um (ImageJ)" || u["pixel_size_um"] != nil) {
			t.Errorf("not square, no --pixel-size: logs %q, units %v", logs, u)
		}
		if px > 0 && (warned || note != "" || u["pixel_size_um"] != px) {
			t.Errorf("not square, --pixel-size %g: logs %q, units %v", px, logs, u)
		}
	}
}

// TestUnitsFromMetadata: the frame interval and pixel size come from the
// file's metadata unless given, and the metadata says where from.
func TestUnitsFromMetadata(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "ij.tif")
	writeImageJTIFF(t, in, 64, 12, 12, 0.005, 10)
	for _, c := range []struct {
		name           string
		fi, px         float64
		wantFI, wantPX float64
		from           map[string]string
	}{
		{"from the file", 0, 0, 0.005, 0.1, map[string]string{"frame_interval_s": "ImageJ", "pixel_size_um": "ImageJ"}},
		{"given", 0.002, 0.25, 0.002, 0.25, map[string]string{"frame_interval_s": "options", "pixel_size_um": "options"}},
		{"mixed", 0.002, 0, 0.002, 0.1, map[string]string{"frame_interval_s": "options", "pixel_size_um": "ImageJ"}},
	} {
		s := DefaultSpec()
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 8
		s.Input.Path = in
		s.Output = filepath.Join(dir, "out.npy")
		s.FrameInterval, s.PixelSize = c.fi, c.px
		j, err := Open(s)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m := j.Metadata(0, 0)
		j.Close()
		u := m["units"].(map[string]any)
		if u["frame_interval_s"] != c.wantFI || u["pixel_size_um"] != c.wantPX {
			t.Errorf("%s: units %v, want %g s and %g um", c.name, u, c.wantFI, c.wantPX)
		}
		from := u["from"].(map[string]string)
		for k, v := range c.from {
			if from[k] != v {
				t.Errorf("%s: units from %v, want %v", c.name, from, c.from)
			}
		}
		if d := m["delay_s"].([]float64); len(d) < 2 || d[1] != 1*c.wantFI {
			t.Errorf("%s: delay_s %v, want the second delay 1 frame = %g s", c.name, d, c.wantFI)
		}
	}
}

// TestUnitsUnknownWarned: an input calibrated in a unit ipcf does not know
// gives no pixel size, with a warning naming the unit (it was silent).
func TestUnitsUnknownWarned(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "fur.tif")
	writeImageJTIFF(t, in, 64, 12, 12, 0.005, 10)
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, bytes.Replace(b, []byte("unit=micron"), []byte("unit=furlon"), 1), 0o644) // the same length
	logs, u := openUnits(t, in, 0)
	if !strings.Contains(strings.Join(logs, "\n"), `the input's pixel size is in a unit ipcf does not know as a length, "furlon" (ImageJ)`) || u["pixel_size_um"] != nil {
		t.Errorf("unknown unit: logs %q, units %v", logs, u)
	}
}

// TestUnitsSecondChannelFile: a second channel's file that records other
// units than the first is refused (the result took the first file's
// silently: a cross-correlation of stacks at other frame intervals has no
// one delay axis) unless the unit is given; where only the second records
// one, the job says so; equal units pass.
func TestUnitsSecondChannelFile(t *testing.T) {
	dir := t.TempDir()
	a, b, same := filepath.Join(dir, "a.tif"), filepath.Join(dir, "b.tif"), filepath.Join(dir, "same.tif")
	writeImageJTIFF(t, a, 64, 12, 12, 0.001, 10) // 0.1 um, 1 ms
	writeImageJTIFF(t, b, 64, 12, 12, 0.05, 2)   // 0.5 um, 50 ms
	writeImageJTIFF(t, same, 64, 12, 12, 0.001, 10)
	plain := writeInput(t, dir, 3) // in.npy, 64 x 12 x 12 uint16, no units
	open := func(in, in2 string, fi, px float64) ([]string, error) {
		s := DefaultSpec()
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 8
		s.Input.Path, s.Input2 = in, in2
		s.Output = filepath.Join(dir, "out.npy")
		s.FrameInterval, s.PixelSize = fi, px
		var logs []string
		s.Log = func(m string) { logs = append(logs, m) }
		j, err := Open(s)
		if err == nil {
			j.Close()
		}
		return logs, err
	}
	for _, c := range [][2]string{{a, b}, {b, a}} {
		_, err := open(c[0], c[1], 0, 0)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "the two channels' files record other frame intervals") {
			t.Errorf("%s with %s: %v, want ErrInput naming the frame intervals", c[0], c[1], err)
		}
		_, err = open(c[0], c[1], 0.01, 0)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "other pixel sizes") {
			t.Errorf("%s with %s, frame interval given: %v, want ErrInput naming the pixel sizes", c[0], c[1], err)
		}
		if _, err := open(c[0], c[1], 0.01, 0.2); err != nil {
			t.Errorf("%s with %s, both units given: %v", c[0], c[1], err)
		}
	}
	if logs, err := open(a, same, 0, 0); err != nil || len(logs) != 0 {
		t.Errorf("equal units: %v, logs %q", err, logs)
	}
	// measured intervals of two cameras differ a little (a review: 0.01002 and 0.00999 s were refused)
	j1, j2 := filepath.Join(dir, "j1.tif"), filepath.Join(dir, "j2.tif")
	writeImageJTIFF(t, j1, 64, 12, 12, 0.01002, 10)
	writeImageJTIFF(t, j2, 64, 12, 12, 0.00999, 10)
	if _, err := open(j1, j2, 0, 0); err != nil {
		t.Errorf("intervals 0.3 %% apart: %v", err)
	}
	logs, err := open(plain, a, 0, 0)
	if err != nil || !strings.Contains(strings.Join(logs, "\n"), "the second channel's file "+a+" records a frame interval of 0.001 s, the first file none") {
		t.Errorf("units only in the second file: %v, logs %q", err, logs)
	}
	// A second file whose pixels are not square, beside square ones: other
	// pixel sizes, refused unless given; one whose calibration is in a
	// unit ipcf does not know: said (both went without a word: UNITS14's F7).
	oblong, fur := filepath.Join(dir, "oblong.tif"), filepath.Join(dir, "fur.tif")
	writeImageJTIFFRes(t, oblong, 64, 12, 12, 0.001, 10, 5) // 0.1 x 0.2 um
	writeImageJTIFF(t, fur, 64, 12, 12, 0.001, 10)
	fb, _ := os.ReadFile(fur)
	os.WriteFile(fur, bytes.Replace(fb, []byte("unit=micron"), []byte("unit=furlon"), 1), 0o644)
	if _, err := open(a, oblong, 0, 0); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "pixels not square, 0.1 x 0.2 um") {
		t.Errorf("a second file of pixels not square: %v, want ErrInput naming them", err)
	}
	if _, err := open(oblong, a, 0, 0); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "pixels not square, 0.1 x 0.2 um") {
		t.Errorf("a first file of pixels not square beside square ones: %v, want ErrInput naming them (REVIEW14's F2)", err)
	}
	if _, err := open(a, oblong, 0, 0.1); err != nil {
		t.Errorf("a second file of pixels not square, the pixel size given: %v", err)
	}
	logs, err = open(a, fur, 0, 0)
	if err != nil || !strings.Contains(strings.Join(logs, "\n"), "the second channel's file "+fur+` records a pixel size ipcf cannot read ("furlon" (ImageJ))`) {
		t.Errorf("a second file in an unknown unit: %v, logs %q", err, logs)
	}
}

// TestUnitsBadValuesWarned: a frame interval the metadata state that is
// no positive number (negative, NaN, Inf) is not used, and said (it was
// dropped without a word, the delays in frames).
func TestUnitsBadValuesWarned(t *testing.T) {
	dir := t.TempDir()
	for _, fi := range []float64{-0.001, math.Inf(1), math.NaN()} {
		in := filepath.Join(dir, "bad.tif")
		writeImageJTIFF(t, in, 64, 12, 12, fi, 10)
		logs, u := openUnits(t, in, 0)
		want := fmt.Sprintf("%g s", fi)
		if math.IsNaN(fi) {
			want = "not a number"
		}
		if !strings.Contains(strings.Join(logs, "\n"), "the input's frame interval is no positive number, "+want+" (ImageJ)") || u["frame_interval_s"] != nil {
			t.Errorf("finterval=%g: logs %q, units %v", fi, logs, u)
		}
	}
}
