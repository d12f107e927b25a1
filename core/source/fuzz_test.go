package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// inside fails t if view v reaches outside its data or is not (h, w) for
// a frame, and reads its first and last samples.
func inside(t *testing.T, v array.View, shape ...int) {
	t.Helper()
	for i, n := range shape {
		if v.Shape[i] != n {
			t.Fatalf("view shape %v, want %v", v.Shape, shape)
		}
	}
	lo, hi, err := array.Extent(v.Shape, v.Strides, v.DType.Size())
	if err != nil || v.Offset+lo < 0 || (hi > lo && v.Offset+hi > len(v.Data)) {
		t.Fatalf("view %v %v at %d outside %d bytes: %v", v.Shape, v.Strides, v.Offset, len(v.Data), err)
	}
	if v.Len() > 0 {
		first := make([]int, len(v.Shape))
		last := make([]int, len(v.Shape))
		for i, n := range v.Shape {
			last[i] = n - 1
		}
		v.At(first...)
		v.At(last...)
	}
}

// FuzzTIFF feeds arbitrary bytes to the TIFF reader as a file: it must
// never panic, must name the file in every error, and a file it accepts
// must have a consistent shape whose frames (and stack view) lie inside
// the file.
func FuzzTIFF(f *testing.F) {
	for _, name := range []string{"multipage_le.tif", "bigtiff_be.tif", "imagej.tif", "float_be.tif", "zlib.tif",
		"mm/Pos0/img_000000000_Default_000.tif"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	gaps := grayPages(le, 2, 5, 3, 2)
	for i := range gaps {
		gaps[i].gap, gaps[i].pad = 2, 2
	}
	f.Add(writeTIFF(tiffOpts{}, gaps))
	f.Add(writeTIFF(tiffOpts{bo: be, big: true}, grayPages(be, 2, 3, 2, 1)))
	p := grayPages(le, 1, 2, 2, 0)[0]
	p.strips[0] = append(p.strips[0], stripsOf(le, 1, 2, 2, 2)[0]...)
	f.Add(writeTIFF(tiffOpts{}, []tpage{with(p, ij("ImageJ=1.54f\nimages=2\nframes=2\n"))}))
	f.Add(writeTIFF(tiffOpts{}, withFirst(grayPages(le, 2, 2, 2, 0), asc(270, "ImageJ=1.54f\nimages=2\nframes=2\nunit=micron\nfinterval=0.1\n"),
		rat(282, 5, 1), rat(283, 5, 1), asc(51123, `{"PixelSizeUm":"0.2","Summary":{"Interval_ms":100}}`))))
	f.Add(writeTIFF(tiffOpts{}, withFirst(grayPages(le, 2, 2, 2, 0), asc(270, ome(`PhysicalSizeX="0.5" PhysicalSizeY="0.5" TimeIncrement="25" TimeIncrementUnit="ms"`,
		`<Plane TheT="0" DeltaT="1"/><Plane TheT="1" DeltaT="2"/>`)))))
	f.Add(mmHeaderFile(`{"PixelSize_um":0.0645,"Interval_ms":20}`))
	f.Add(writeTIFF(tiffOpts{}, withFirst(grayPages(le, 4, 2, 2, 0), asc(270, "ImageJ=1.54f\nimages=4\nchannels=2\nframes=2\nhyperstack=true\n"))))
	f.Add(writeTIFF(tiffOpts{}, withFirst(grayPages(le, 4, 2, 2, 0), asc(270,
		`<OME><Image><Pixels DimensionOrder="XYTCZ" SizeC="2" SizeT="2" SizeZ="1"><TiffData IFD="2" FirstC="1"/></Pixels></Image></OME>`))))
	f.Fuzz(func(t *testing.T, b []byte) {
		const name = "fuzz.tif"
		if _, _, err := singlePage(&mapping{path: name, data: b}); err != nil && !strings.Contains(err.Error(), name) {
			t.Fatalf("error does not name the file: %v", err)
		}
		// No channel selected, then the second channel (0-based 1) of a
		// multi-channel file.
		for _, ch := range []int{-1, 1} {
			src, err := openTIFF(&mapping{path: name, data: b}, ch)
			if err != nil {
				if !(errors.Is(err, ErrFormat) || ch >= 0 && errors.Is(err, ErrChannel)) || !strings.Contains(err.Error(), name) {
					t.Fatalf("channel %d: error is not ErrFormat (or ErrChannel) or does not name the file: %v", ch, err)
				}
				continue
			}
			T, H, W := src.Shape()
			if T < 1 || H < 1 || W < 1 || H*W*src.DType().Size() > len(b) {
				t.Fatalf("channel %d: shape %d,%d,%d %v from %d bytes", ch, T, H, W, src.DType(), len(b))
			}
			if v, ok := src.Stack(); ok {
				inside(t, v, T, H, W)
			}
			for i := 0; i < T && i < 64; i++ {
				fr, err := src.Frame(i)
				if err != nil {
					t.Fatalf("channel %d: frame %d of an accepted file: %v", ch, i, err)
				}
				inside(t, fr, H, W)
			}
			if _, err := src.Frame(T); err == nil {
				t.Fatal("frame T: no error")
			}
			// units are unknown (0) or finite and positive
			for _, v := range []float64{UnitsOf(src).FrameInterval, UnitsOf(src).PixelSize} {
				if v != 0 && !good(v) {
					t.Fatalf("units %+v", UnitsOf(src))
				}
			}
		}
	})
}

// FuzzRaw opens raw files of every size with arbitrary options: an
// accepted file holds exactly its samples, every error names the file.
func FuzzRaw(f *testing.F) {
	f.Add(int64(20), int64(6), int64(7), uint8(array.Uint16), uint8(array.Little), int64(0), uint32(1680))
	f.Add(int64(20), int64(6), int64(7), uint8(array.Uint16), uint8(array.Big), int64(8), uint32(1688))
	f.Add(int64(1), int64(1), int64(1), uint8(array.Float64), uint8(array.Native), int64(1<<62), uint32(8))
	f.Add(int64(1<<62), int64(4), int64(4), uint8(array.Uint8), uint8(array.Little), int64(0), uint32(100))
	f.Add(int64(3), int64(3), int64(3), uint8(array.Int32), uint8(array.Little), int64(1), uint32(109))
	f.Fuzz(func(t *testing.T, T, H, W int64, dt, order uint8, offset int64, size uint32) {
		const name = "fuzz.raw"
		r := Raw{T: int(T), H: int(H), W: int(W), DType: array.DType(dt), Order: array.ByteOrder(order), Offset: int(offset)}
		data := make([]byte, size%(1<<20))
		src, err := openRaw(&mapping{path: name, data: data}, r)
		if err != nil {
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), name) {
				t.Fatalf("error is not ErrFormat or does not name the file: %v", err)
			}
			return
		}
		es := r.DType.Size()
		if r.T*r.H*r.W*es+r.Offset != len(data) || r.T < 1 || r.H < 1 || r.W < 1 || r.Offset < 0 {
			t.Fatalf("accepted %+v for %d bytes", r, len(data))
		}
		v, ok := src.Stack()
		if !ok {
			t.Fatal("raw without a stack view")
		}
		inside(t, v, r.T, r.H, r.W)
		for _, i := range []int{0, r.T - 1} {
			fr, err := src.Frame(i)
			if err != nil {
				t.Fatal(err)
			}
			inside(t, fr, r.H, r.W)
		}
	})
}
