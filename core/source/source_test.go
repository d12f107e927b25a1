package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pool"
)

// The files in testdata were written by tifffile 2023.2.3 and numpy 1.24
// from one (20, 6, 7) uint16 stack, testdata/stack.npy. In imagej.tif,
// "channels=20" (tifffile's label for a 3-D stack written with imagej=True
// and no axes, which the reader refuses) was replaced by "frames=20  ".

func reference(t *testing.T) array.View {
	f, err := npy.Open(filepath.Join("testdata", "stack.npy"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f.View
}

func compare(t *testing.T, name string, src Source, want array.View, scale float64) {
	t.Helper()
	T, H, W := src.Shape()
	if T != want.Shape[0] || H != want.Shape[1] || W != want.Shape[2] {
		t.Fatalf("%s: shape %d,%d,%d, want %v", name, T, H, W, want.Shape)
	}
	for ti := 0; ti < T; ti++ {
		fr, err := src.Frame(ti)
		if err != nil {
			t.Fatalf("%s: frame %d: %v", name, ti, err)
		}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				w := want.At(ti, y, x)
				if scale != 1 {
					w = float64(float32(float32(w) / float32(scale)))
				}
				if got := fr.At(y, x); got != w {
					t.Fatalf("%s: frame %d (%d,%d) = %v, want %v", name, ti, y, x, got, w)
				}
			}
		}
	}
	if v, ok := src.Stack(); ok {
		for ti := 0; ti < T; ti++ {
			if got, w := v.At(ti, H-1, W-1), want.At(ti, H-1, W-1); scale == 1 && got != w {
				t.Fatalf("%s: stack view (%d,%d,%d) = %v, want %v", name, ti, H-1, W-1, got, w)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	want := reference(t)
	cases := []struct {
		name  string
		open  func() (Source, error)
		stack bool
		scale float64
	}{
		{"npy", func() (Source, error) { return Open("testdata/stack.npy") }, true, 1},
		{"multi-page little-endian TIFF", func() (Source, error) { return Open("testdata/multipage_le.tif") }, true, 1},
		{"big-endian BigTIFF", func() (Source, error) { return Open("testdata/bigtiff_be.tif") }, true, 1},
		{"ImageJ hyperstack", func() (Source, error) { return Open("testdata/imagej.tif") }, true, 1},
		{"big-endian float32 TIFF", func() (Source, error) { return Open("testdata/float_be.tif") }, true, 7},
		{"Micro-Manager folder of big-endian single pages", func() (Source, error) { return Open("testdata/mm") }, false, 1},
		{"glob", func() (Source, error) { return Open("testdata/mm/Pos0/img_*_Default_000.tif") }, false, 1},
		{"link to the Micro-Manager folder", func() (Source, error) {
			link := filepath.Join(t.TempDir(), "mmlink")
			abs, _ := filepath.Abs("testdata/mm")
			if err := os.Symlink(abs, link); err != nil {
				return nil, err
			}
			return Open(link) // not "link/": WalkDir did not follow the link, "no .tif files"
		}, false, 1},
		{"raw little-endian", func() (Source, error) {
			return OpenRaw("testdata/raw_le.bin", Raw{T: 20, H: 6, W: 7, DType: array.Uint16, Order: array.Little})
		}, true, 1},
		{"raw big-endian with offset", func() (Source, error) {
			return OpenRaw("testdata/raw_be_offset.bin", Raw{T: 20, H: 6, W: 7, DType: array.Uint16, Order: array.Big, Offset: 8})
		}, true, 1},
	}
	for _, c := range cases {
		src, err := c.open()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, ok := src.Stack(); ok != c.stack {
			t.Errorf("%s: Stack() ok=%v, want %v", c.name, ok, c.stack)
		}
		compare(t, c.name, src, want, c.scale)
		src.Close()
	}
}

// TestParseRangeAndCrop: ranges of decimal digits alone, either bound left
// out; a sign, spaces or a third part of a crop are refused, the crop's
// named as such (APIS12's M5: "+1:15" was read as 1:15, and "1:2,3:4,5:6"
// refused as "stop \"4,5:6\"").
func TestParseRangeAndCrop(t *testing.T) {
	for s, want := range map[string]Range{"3:17": {3, 17}, ":5": {0, 5}, "2:": {2, 0}, ":": {}, "007:08": {7, 8}} {
		if got, err := ParseRange(s); err != nil || got != want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"+1:5", "1:+5", "-1:5", " 1:5", "1:5 ", "1:0x5", "5:5", "6:5", "1", "1_0:20", "１:5"} {
		if got, err := ParseRange(s); err == nil {
			t.Errorf("ParseRange(%q) = %v, want an error", s, got)
		}
	}
	if _, _, err := ParseCrop("1:2,3:4,5:6"); err == nil || !strings.Contains(err.Error(), "two ranges, rows then columns") {
		t.Errorf("a crop of three parts: %v", err)
	}
	if rows, cols, err := ParseCrop("1:5,2:7"); err != nil || rows != (Range{1, 5}) || cols != (Range{2, 7}) {
		t.Errorf("ParseCrop(1:5,2:7) = %v %v %v", rows, cols, err)
	}
}

func TestSelection(t *testing.T) {
	want := reference(t)
	for _, path := range []string{"testdata/imagej.tif", "testdata/mm"} {
		src, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols, _ := ParseCrop("1:5,2:7")
		frames, _ := ParseRange("3:17")
		sel, err := Select(src, frames, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := array.New(want.DType, want.Order, []int{14, 4, 5}, want.Strides, want.Data, want.Offset+3*want.Strides[0]+1*want.Strides[1]+2*want.Strides[2])
		compare(t, path+" selected", sel, sub, 1)
		if _, err := Select(src, Range{0, 30}, Range{}, Range{}); err == nil {
			t.Error("frames beyond the end: no error")
		}
		sel.Close()
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile("testdata/multipage_le.tif")
	trunc := filepath.Join(dir, "trunc.tif")
	os.WriteFile(trunc, good[:len(good)/2], 0o644)
	junk := filepath.Join(dir, "junk.tif")
	os.WriteFile(junk, []byte("this is not an image at all"), 0o644)
	unreadable := filepath.Join(dir, "secret.tif")
	os.WriteFile(unreadable, good, 0o000)
	for name, path := range map[string]string{
		"compressed": "testdata/zlib.tif", "truncated": trunc, "not an image": junk,
		"missing": filepath.Join(dir, "nope.tif"), "empty folder": dir + "/empty",
	} {
		if name == "empty folder" {
			os.Mkdir(path, 0o755)
		}
		src, err := Open(path)
		if err == nil {
			// a truncated file may open; its frames must then fail
			_, T := 0, 0
			T, _, _ = src.Shape()
			for i := 0; i < T && err == nil; i++ {
				_, err = src.Frame(i)
			}
			src.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if os.Geteuid() != 0 {
		if _, err := Open(unreadable); !errors.Is(err, os.ErrPermission) {
			t.Errorf("unreadable: %v", err)
		}
	}
	if _, err := OpenRaw("testdata/raw_le.bin", Raw{T: 21, H: 6, W: 7, DType: array.Uint16}); !errors.Is(err, ErrFormat) {
		t.Errorf("raw too short: %v", err)
	}
}

// TestFolderNaturalOrder: a folder (or glob) of single-page TIFFs named
// without zero padding is read in numeric order (frame_2 before
// frame_10), as Fiji's Image Sequence import reads it; hidden files and
// folders (.thumb.tif, macOS's ._frame_0.tif, .cache/) are not frames.
func TestFolderNaturalOrder(t *testing.T) {
	dir := t.TempDir()
	ps := grayPages(le, 12, 4, 5, 0)
	write := func(name string, b []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range ps {
		write(fmt.Sprintf("frame_%d.tif", i), writeTIFF(tiffOpts{}, []tpage{p}))
	}
	write(".thumb.tif", writeTIFF(tiffOpts{}, []tpage{ps[3]}))
	write("._frame_0.tif", []byte("\x00\x05\x16\x07AppleDouble"))
	write(".cache/frame_5.tif", writeTIFF(tiffOpts{}, []tpage{ps[5]}))
	for _, in := range []string{dir, filepath.Join(dir, "frame_*.tif"), filepath.Join(dir, "*.tif")} {
		src, err := Open(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		checkStack(t, src, 12, 4, 5)
		src.Close()
	}
	// a pattern that names hidden files takes them
	src, err := Open(filepath.Join(dir, ".thumb*.tif"))
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := src.Shape(); n != 1 {
		t.Fatalf(".thumb*.tif: %d frames, want 1", n)
	}
	src.Close()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"frame_2.tif", "frame_10.tif", -1}, {"frame_10.tif", "frame_9.tif", 1}, {"f_002.tif", "f_010.tif", -1},
		{"a1b2", "a1b10", -1}, {"a01", "a1", -1}, {"a1", "a01", 1}, {"x", "x", 0}, {"a", "a1", -1}, {"b", "a10", 1},
		{"Pos0/img_000000002_Default_000.tif", "Pos0/img_000000010_Default_000.tif", -1}, {"9", "10", -1}, {"", "0", -1},
	} {
		if got := naturalCompare(c.a, c.b); got != c.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestFolderOfTruncatedFiles: a folder or pattern of tifffile's
// truncate=True files (one page, the planes back to back after it) was
// read as one frame a file, the other planes dropped, exit 0 (READ16's
// F2): refused naming the file, as a multi-page file is; a file of one
// plane so written is a frame.
func TestFolderOfTruncatedFiles(t *testing.T) {
	dir := t.TempDir()
	truncated := func(planes int) []byte {
		p := grayPages(le, 1, 4, 5, 0)[0]
		for k := 1; k < planes; k++ {
			p.strips[0] = append(p.strips[0], stripsOf(le, k, 4, 5, 4)[0]...)
		}
		desc := fmt.Sprintf(`{"truncated": true, "shape": [%d, 4, 5]}`, planes)
		return writeTIFF(tiffOpts{}, []tpage{with(p, ij(desc), ttag{279, 4, []uint64{uint64(40 * planes)}, ""})})
	}
	for i := 0; i < 3; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("chunk_%d.tif", i)), truncated(4), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range []string{dir, filepath.Join(dir, "chunk_*.tif")} {
		src, err := Open(in)
		if err == nil {
			n, _, _ := src.Shape()
			src.Close()
			t.Errorf("%s: opened, %d frames; want refused (12 planes in 3 files)", in, n)
			continue
		}
		if !strings.Contains(err.Error(), "tifffile file of 4 planes in one page") || !strings.Contains(err.Error(), "chunk_0.tif") {
			t.Errorf("%s: %v", in, err)
		}
	}
	one := t.TempDir()
	for i := 0; i < 3; i++ {
		if err := os.WriteFile(filepath.Join(one, fmt.Sprintf("f_%d.tif", i)), truncated(1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open(one)
	if err != nil {
		t.Fatalf("files of one plane each: %v", err)
	}
	defer src.Close()
	if n, _, _ := src.Shape(); n != 3 {
		t.Errorf("files of one plane each: %d frames, want 3", n)
	}
}

// TestSeriesCheckedWhole: every file of a folder or pattern is parsed
// when it is opened, not only the frames a job reads (the pCF uses a power
// of two of them): a ninth file that is not a TIFF, or one of another size,
// after eight good frames, and a text file matched by a pattern, are
// refused naming the file (they were counted as frames, exit 0).
func TestSeriesCheckedWhole(t *testing.T) {
	ps := grayPages(le, 8, 4, 5, 0)
	other := grayPages(le, 1, 3, 5, 0)[0]
	for _, c := range []struct {
		name, last string
		body       []byte
		pattern    bool
		want       string
	}{
		{"junk ninth file", "frame_8.tif", []byte("junk\n"), false, "frame_8.tif: too short for a TIFF header"},
		{"ninth file of another size", "frame_8.tif", writeTIFF(tiffOpts{}, []tpage{other}), false, "frame_8.tif is 3x5"},
		{"text file matched by a pattern", "notes.txt", []byte("calibration notes\n"), true, "notes.txt"},
	} {
		dir := t.TempDir()
		for i, p := range ps {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame_%d.tif", i)), writeTIFF(tiffOpts{}, []tpage{p}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		in := dir
		if c.pattern {
			in = filepath.Join(dir, "*")
		}
		// without the bad file: opens
		src, err := Open(in)
		if err != nil {
			t.Fatalf("%s: good files: %v", c.name, err)
		}
		src.Close()
		if err := os.WriteFile(filepath.Join(dir, c.last), c.body, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err = Open(in)
		if err == nil {
			n, _, _ := src.Shape()
			src.Close()
			t.Fatalf("%s: opened as %d frames, want refused", c.name, n)
		}
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want ErrFormat saying %q", c.name, err, c.want)
		}
	}
}

// TestSeriesCheckPanicIsAnError: a panic while the files of a series are
// checked (on goroutines of their own) is returned as a pool worker's
// panic, naming the file, not the end of the host process.
func TestSeriesCheckPanicIsAnError(t *testing.T) {
	dir := t.TempDir()
	for i, p := range grayPages(le, 8, 4, 5, 0) {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame_%d.tif", i)), writeTIFF(tiffOpts{}, []tpage{p}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testHookMapped = func(path string) {
		if strings.HasSuffix(path, "frame_5.tif") {
			panic("a parser bug")
		}
	}
	defer func() { testHookMapped = nil }()
	src, err := Open(dir)
	if err == nil {
		src.Close()
		t.Fatal("opened, want the panic as an error")
	}
	var pe *pool.PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "frame_5.tif") || !strings.Contains(err.Error(), "a parser bug") {
		t.Fatalf("%v, want a *pool.PanicError naming frame_5.tif", err)
	}
}

// TestZarrFolderInput: a Zarr folder given as input is named as such.
func TestZarrFolderInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "in.zarr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".zarray"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "is a Zarr folder: not supported as input") {
		t.Fatalf("Open(%s) = %v, want ErrFormat naming a Zarr folder", dir, err)
	}
}

// TestFolderOfCalibratedImageJ: a folder of ImageJ signed 16-bit pages
// (stored +32768) is refused as a single such file is.
// TestFolderLinkedSubfolders: a link to a folder inside an input folder
// is walked as the folder: its frames were left out with exit 0 (a
// campaign's finding: half a series read). With frames beside it, the
// frames of two folders are refused as two real folders' are; alone
// (Pos0 a link), read; a loop or a second link to a folder walked is
// not walked again.
func TestFolderLinkedSubfolders(t *testing.T) {
	ps := grayPages(le, 8, 4, 5, 0)
	frames := func(dir string, from, to int) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := from; i < to; i++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame_%d.tif", i)), writeTIFF(tiffOpts{}, []tpage{ps[i]}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	top := t.TempDir()
	// d/part1 real, d/part2 a link: two folders, refused.
	d := filepath.Join(top, "d")
	frames(filepath.Join(d, "part1"), 0, 4)
	frames(filepath.Join(top, "elsewhere", "part2"), 4, 8)
	link(filepath.Join(top, "elsewhere", "part2"), filepath.Join(d, "part2"))
	if src, err := Open(d); err == nil || !strings.Contains(err.Error(), "TIFF files in 2 folders") {
		if src != nil {
			n, _, _ := src.Shape()
			t.Errorf("part1 and a linked part2: %d frames read, want the two folders refused", n)
			src.Close()
		} else {
			t.Errorf("part1 and a linked part2: %v, want the two folders refused", err)
		}
	}
	// e/Pos0 a link, and links back to e and to Pos0's target: read once.
	e := filepath.Join(top, "e")
	frames(filepath.Join(top, "data"), 0, 8)
	if err := os.Mkdir(e, 0o755); err != nil {
		t.Fatal(err)
	}
	link(filepath.Join(top, "data"), filepath.Join(e, "Pos0"))
	link(filepath.Join(top, "data"), filepath.Join(e, "again"))
	link(e, filepath.Join(top, "data", "loop"))
	src, err := Open(e)
	if err != nil {
		t.Fatal(err)
	}
	checkStack(t, src, 8, 4, 5)
	src.Close()
	// A link to a folder that holds the input folder (/, its parent) is
	// refused at once, named: it walked the whole file system.
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for i, target := range []string{"/", top} {
		f := filepath.Join(top, fmt.Sprintf("g%d", i), "f")
		frames(f, 0, 8)
		link(target, filepath.Join(f, "lnk"))
		// the input folder spelt absolute and relative (a relative one
		// was compared with the absolute target, and / walked)
		rel, err := filepath.Rel(cwd, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{f, rel} {
			if src, err := Open(in); err == nil || !strings.Contains(err.Error(), "lnk is a link to a folder that holds the input folder") {
				if src != nil {
					src.Close()
				}
				t.Errorf("a link to %s inside the input folder %s: %v, want it refused, named", target, in, err)
			}
		}
	}
}

func TestFolderOfCalibratedImageJ(t *testing.T) {
	dir := t.TempDir()
	for i, p := range grayPages(le, 3, 4, 5, 0) {
		b := writeTIFF(tiffOpts{}, []tpage{with(p, ij("ImageJ=1.54f\ncf=0\nc0=-32768.0\nc1=1.0\nvunit=Gray Value\n"))})
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.tif", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(dir)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "ImageJ signed 16-bit image") {
		t.Fatalf("Open(%s) = %v, want the signed 16-bit refusal", dir, err)
	}
}

// TestFolderOfOMEPlanes: a folder (or pattern) of single-page OME-TIFF
// files, one plane of an image each, with the dataset's OME-XML in every
// file naming which file holds which plane (Bio-Formats' multi-file
// OME-TIFF): the planes of several channels are refused (in name order
// they were read as one series, the channels end to end), one channel's
// files are read, and files whose names do not put the planes in order are
// refused; files that are each their own image of one plane are read.
func TestFolderOfOMEPlanes(t *testing.T) {
	const C, T = 2, 4
	root := t.TempDir()
	ps := grayPages(le, C*T, 4, 5, 0)
	name := func(c, t int) string { return fmt.Sprintf("img_C%d_T%d.ome.tif", c, t) }
	// names that do not tell the planes (indexedNames refuses img_C0_T0 .. img_C1_T0 by name)
	plain := func(c, t int) string { return fmt.Sprintf("p%02d.ome.tif", c*T+t) }
	dataset := func(dir string, sizeC int, rename func(c, t int) string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var tds strings.Builder
		for tt := range T {
			for c := range C {
				fmt.Fprintf(&tds, `<TiffData FirstC="%d" FirstT="%d" FirstZ="0" IFD="0" PlaneCount="1"><UUID FileName="%s">urn:uuid:%d</UUID></TiffData>`,
					c, tt, rename(c, tt), 100+c*T+tt)
			}
		}
		for c := range sizeC {
			for tt := range T {
				xml := fmt.Sprintf(`<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:%d">`+
					`<Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="5" SizeY="4" SizeC="%d" SizeZ="1" SizeT="%d">%s</Pixels></Image></OME>`,
					100+c*T+tt, sizeC, T, tds.String())
				b := writeTIFF(tiffOpts{}, []tpage{with(ps[c*T+tt], ij(xml))})
				if err := os.WriteFile(filepath.Join(dir, rename(c, tt)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	both := filepath.Join(root, "both")
	dataset(both, C, plain)
	for _, in := range []string{both, filepath.Join(both, "p*.ome.tif")} {
		_, err := Open(in)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "holds channel 1 and") || !strings.Contains(err.Error(), "of an OME image of 2 channels") {
			t.Errorf("%s: %v, want the refusal of several channels", in, err)
		}
	}
	// one channel's files (a pattern) are that channel's frames
	src, err := Open(filepath.Join(both, "p0[4-7].ome.tif"))
	if err != nil {
		t.Fatalf("channel 2's files: %v", err)
	}
	if n, h, w := src.Shape(); n != T || h != 4 || w != 5 {
		t.Fatalf("channel 2's files: shape %d,%d,%d, want %d,4,5", n, h, w, T)
	}
	for tt := range T {
		fr, err := src.Frame(tt)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fr.At(3, 4), float64(frameValue(T+tt, 3, 4)); got != want {
			t.Errorf("channel 2's frame %d: %v, want file %s's %v", tt, got, plain(1, tt), want)
		}
	}
	src.Close()
	// names that sort the planes out of time order
	swapped := filepath.Join(root, "swapped")
	dataset(swapped, C, name)
	if err := os.Rename(filepath.Join(swapped, name(0, 1)), filepath.Join(swapped, "x.tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(swapped, name(0, 2)), filepath.Join(swapped, name(0, 1))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(swapped, "x.tmp"), filepath.Join(swapped, name(0, 2))); err != nil {
		t.Fatal(err)
	}
	_, err = Open(filepath.Join(swapped, "img_C0_*.ome.tif"))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "do not put the planes in order") {
		t.Errorf("swapped names: %v, want the refusal of the order", err)
	}
	// an image of 2 z slices x T time points, one plane a file: one slice's files are read (a
	// review: all z x t images were refused, also one slice selected by a pattern), the files
	// of both slices (names that do not tell) are refused
	zt := filepath.Join(root, "zt")
	if err := os.MkdirAll(zt, 0o755); err != nil {
		t.Fatal(err)
	}
	ztName := func(z, tt int) string { return fmt.Sprintf("q%d%d.ome.tif", z, tt) }
	var ztds strings.Builder
	for z := range 2 {
		for tt := range T {
			fmt.Fprintf(&ztds, `<TiffData FirstC="0" FirstT="%d" FirstZ="%d" IFD="0" PlaneCount="1"><UUID FileName="%s">urn:uuid:%d</UUID></TiffData>`,
				tt, z, ztName(z, tt), 200+z*T+tt)
		}
	}
	for z := range 2 {
		for tt := range T {
			xml := fmt.Sprintf(`<OME UUID="urn:uuid:%d"><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="1" SizeZ="2" SizeT="%d">%s</Pixels></Image></OME>`,
				200+z*T+tt, T, ztds.String())
			if err := os.WriteFile(filepath.Join(zt, ztName(z, tt)), writeTIFF(tiffOpts{}, []tpage{with(ps[z*T+tt], ij(xml))}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	src, err = Open(filepath.Join(zt, "q1*.ome.tif"))
	if err != nil {
		t.Errorf("one z slice's files: %v", err)
	} else {
		if n, _, _ := src.Shape(); n != T {
			t.Errorf("one z slice's files: %d frames, want %d", n, T)
		}
		src.Close()
	}
	if _, err := Open(zt); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "z slice") {
		t.Errorf("both slices' files: %v, want the refusal of several slices", err)
	}
	// files that are each an image of one plane: no order to check
	single := filepath.Join(root, "single")
	if err := os.MkdirAll(single, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range T {
		xml := `<OME><Image><Pixels SizeC="1" SizeZ="1" SizeT="1"><TiffData IFD="0" PlaneCount="1"/></Pixels></Image></OME>`
		if err := os.WriteFile(filepath.Join(single, fmt.Sprintf("f%d.ome.tif", i)), writeTIFF(tiffOpts{}, []tpage{with(ps[i], ij(xml))}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err = Open(single)
	if err != nil {
		t.Fatalf("one-plane images: %v", err)
	}
	checkStack(t, src, T, 4, 5)
	src.Close()
}

// TestFolderOfOMEPlanesEveryFile: every file of a multi-file OME-TIFF is
// checked, not only the second, the middle and the last: two planes
// swapped by name elsewhere were read swapped with exit status 0, as were
// the files of another channel there; and a plain TIFF that sorts first
// switched the checks off for every file.
func TestFolderOfOMEPlanesEveryFile(t *testing.T) {
	const T = 16 // checked by the files' own lists: 1, 8 and 15
	ps := grayPages(le, T+1, 4, 5, 0)
	name := func(tt int) string { return fmt.Sprintf("img_%04d.ome.tif", tt) }
	// dataset writes T files, file i holding time point plane(i) of channel channel(i)
	dataset := func(plane, channel func(i int) int) string {
		dir := t.TempDir()
		var tds strings.Builder
		for i := range T {
			fmt.Fprintf(&tds, `<TiffData FirstC="%d" FirstT="%d" FirstZ="0" IFD="0" PlaneCount="1"><UUID FileName="%s">urn:uuid:%d</UUID></TiffData>`,
				channel(i), plane(i), name(i), 300+i)
		}
		for i := range T {
			xml := fmt.Sprintf(`<OME UUID="urn:uuid:%d"><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d">%s</Pixels></Image></OME>`,
				300+i, T, tds.String())
			if err := os.WriteFile(filepath.Join(dir, name(i)), writeTIFF(tiffOpts{}, []tpage{with(ps[i], ij(xml))}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	id := func(i int) int { return i }
	zero := func(int) int { return 0 }
	src, err := Open(dataset(id, zero))
	if err != nil {
		t.Fatalf("planes in order: %v", err)
	}
	checkStack(t, src, T, 4, 5)
	src.Close()
	swap := func(i int) int {
		switch i {
		case 3:
			return 5
		case 5:
			return 3
		}
		return i
	}
	if _, err := Open(dataset(swap, zero)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0003.ome.tif plane 5") {
		t.Errorf("planes 3 and 5 swapped by name: %v, want the refusal of the order naming img_0003.ome.tif", err)
	}
	other := func(i int) int { return map[bool]int{true: 1}[i == 6] }
	if _, err := Open(dataset(id, other)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0006.ome.tif channel 2") {
		t.Errorf("file 6 of channel 2: %v, want the refusal of several channels naming img_0006.ome.tif", err)
	}
	// files renamed so (their contents swapped): each file's own UUID places
	// it, not its name (read swapped with exit 0: a review); a file of
	// another image under a plane's name is refused
	renamed := dataset(id, zero)
	for _, r := range [][2]string{{name(3), "x"}, {name(5), name(3)}, {"x", name(5)}} {
		if err := os.Rename(filepath.Join(renamed, r[0]), filepath.Join(renamed, r[1])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(renamed); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "do not put the planes in order") {
		t.Errorf("files 3 and 5 renamed into each other: %v, want the refusal of the order", err)
	}
	// a root UUID differing from the list's in letter case only: the same
	// file (UUIDs are case-insensitive), read
	upper := dataset(id, zero)
	xmlU := fmt.Sprintf(`<OME UUID="URN:UUID:%d"><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="16"></Pixels></Image></OME>`, 306)
	if err := os.WriteFile(filepath.Join(upper, name(6)), writeTIFF(tiffOpts{}, []tpage{with(ps[6], ij(xmlU))}), 0o644); err != nil {
		t.Fatal(err)
	}
	if src, err := Open(upper); err != nil {
		t.Errorf("a UUID in upper case: %v", err)
	} else {
		src.Close()
	}
	foreign := dataset(id, zero)
	xml := `<OME UUID="urn:uuid:999"><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="16"></Pixels></Image></OME>`
	if err := os.WriteFile(filepath.Join(foreign, name(6)), writeTIFF(tiffOpts{}, []tpage{with(ps[6], ij(xml))}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(foreign); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0006.ome.tif is not a file the dataset's list") {
		t.Errorf("another image's file at name 6: %v, want its refusal", err)
	}
	// a plain TIFF (no OME-XML: Fiji's save of the plane) over a file
	// the list names that is not sampled: refused, not read as its frame
	// (READERS13's F7)
	plain := dataset(id, zero)
	if err := os.WriteFile(filepath.Join(plain, name(6)), writeTIFF(tiffOpts{}, []tpage{with(ps[6], ij("ImageJ=1.54f\nmin=0.0\nmax=100.0\n"))}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(plain); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0006.ome.tif none (no OME-XML)") {
		t.Errorf("a plain TIFF at name 6: %v, want its refusal", err)
	}
	// names against time, and a plain TIFF that sorts first
	back := dataset(func(i int) int { return T - 1 - i }, zero)
	if _, err := Open(back); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "do not put the planes in order") {
		t.Errorf("names against time: %v, want the refusal of the order", err)
	}
	if err := os.WriteFile(filepath.Join(back, "a_overview.tif"), writeTIFF(tiffOpts{}, []tpage{ps[T]}), 0o644); err != nil {
		t.Fatal(err)
	}
	// (a folder refuses it by its name, oneNameForm; a pattern that takes
	// it, by its content)
	if _, err := Open(back); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "a_overview.tif is not named as the 16 files of the series (such as img_0000.ome.tif)") {
		t.Errorf("a plain TIFF first, in the folder: %v, want its refusal by name", err)
	}
	if _, err := Open(filepath.Join(back, "*")); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0000.ome.tif holds a plane of a multi-file OME-TIFF and ") || !strings.Contains(err.Error(), "a_overview.tif none") {
		t.Errorf("a plain TIFF first: %v, want its refusal", err)
	}
	// a file the first file's list does not name, where none is checked by its own list
	stray := dataset(id, zero)
	if err := os.WriteFile(filepath.Join(stray, "img_0004b.tif"), writeTIFF(tiffOpts{}, []tpage{ps[T]}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(stray); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0004b.tif is not named as the 16 files") {
		t.Errorf("a plain TIFF among the planes, in the folder: %v, want its refusal by name", err)
	}
	if _, err := Open(filepath.Join(stray, "img_*")); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_0004b.tif none") {
		t.Errorf("a plain TIFF among the planes: %v, want its refusal", err)
	}
}

// TestFolderIndexedNames: files whose names index their planes (t, z, c
// or ch and digits, as Leica and others name them) are read only as one
// channel's time points in order, each once: the channels of Leica's
// _t00_ch00 names alternated as frames, two series in one folder joined
// end to end, and a missing time point shifted the later frames, each
// with exit 0. Names whose index does not vary, or channel numbers alone,
// are taken in name order.
func TestFolderIndexedNames(t *testing.T) {
	ps := grayPages(le, 8, 4, 5, 0)
	folder := func(names ...string) string { return pageFolder(t, ps, names...) }
	for _, c := range []struct {
		name  string
		files []string
		want  string // "" = read
	}{
		{"Leica channels", []string{"Series001_t00_ch00.tif", "Series001_t00_ch01.tif", "Series001_t01_ch00.tif", "Series001_t01_ch01.tif"}, "named as planes of 2 channels"},
		{"two series", []string{"cell1_t001.tif", "cell1_t002.tif", "cell2_t001.tif", "cell2_t002.tif"}, "(time point 1) follows"},
		{"time stamps (an hour repeats)", []string{"a_T10-59-40.tif", "a_T10-59-50.tif", "a_T11-00-00.tif"}, ""},
		{"time stamps HHMMSS", []string{"a_T105958.tif", "a_T105959.tif", "a_T110000.tif"}, ""},
		{"every 10th frame", []string{"img_t0000.tif", "img_t0010.tif", "img_t0020.tif"}, ""},
		{"decimal times", []string{"img_t0.05s.tif", "img_t0.10s.tif", "img_t1.00s.tif"}, ""},
		{"a gap (taken)", []string{"cell_t1.tif", "cell_t2.tif", "cell_t4.tif", "cell_t5.tif"}, ""},
		{"z slices and times", []string{"s_t1_z1.tif", "s_t1_z2.tif", "s_t2_z1.tif", "s_t2_z2.tif"}, "2 z slices at 2 time points"},
		{"Olympus channels (_C001T001)", []string{"a_C001T001.tif", "a_C001T002.tif", "a_C002T001.tif", "a_C002T002.tif"}, "named as planes of 2 channels"},
		{"t001c1 names of two channels", []string{"x_t001c1.tif", "x_t001c2.tif", "x_t002c1.tif", "x_t002c2.tif"}, "named as planes of 2 channels"},
		{"ch and t inside words", []string{"batch12_watch3_0001.tif", "batch12_watch3_0002.tif", "batch12_watch3_0003.tif"}, ""},
		{"Leica one channel", []string{"Series001_t00_ch00.tif", "Series001_t01_ch00.tif", "Series001_t02_ch00.tif"}, ""},
		{"z stack", []string{"stack_z0.tif", "stack_z1.tif", "stack_z2.tif"}, ""},
		{"a constant _t1 among frame counters", []string{"exp_t1_0001.tif", "exp_t1_0002.tif", "exp_t1_0003.tif"}, ""},
		{"channel numbers alone (a counter)", []string{"f_c0001.tif", "f_c0002.tif", "f_c0003.tif"}, ""},
		// channels beside a frame counter without t: alternated as frames (REVIEW11's F8)
		{"channels beside a counter", []string{"img_0001_c1.tif", "img_0001_c2.tif", "img_0002_c1.tif", "img_0002_c2.tif"}, "named as planes of 2 channels (c or ch in their names) beside another number"},
		{"Leica channels beside a counter", []string{"Series001_0001_ch00.tif", "Series001_0001_ch01.tif", "Series001_0002_ch00.tif", "Series001_0002_ch01.tif"}, "named as planes of 2 channels"},
		{"one channel beside a counter", []string{"img_0001_c1.tif", "img_0002_c1.tif", "img_0003_c1.tif"}, ""},
		{"plain numbers", []string{"frame_1.tif", "frame_2.tif", "frame_10.tif"}, ""},
		// One file not named as a plane beside the series (an overview, a
		// projection) switched every check of the names off: the channels
		// were read alternately as frames, with exit status 0.
		{"Leica channels and an overview", []string{"Series001.tif", "Series001_t00_ch00.tif", "Series001_t00_ch01.tif", "Series001_t01_ch00.tif", "Series001_t01_ch01.tif"}, "Series001.tif is not named as a plane of the series of Series001_t00_ch00.tif"},
		{"Leica one channel and an overview", []string{"Series001.tif", "Series001_t00_ch00.tif", "Series001_t01_ch00.tif", "Series001_t02_ch00.tif"}, "Series001.tif is not named as a plane"},
		{"ImageJ sequence of 2 channels and a projection", []string{"stack_max.tif", "stack_t001_c001.tif", "stack_t001_c002.tif", "stack_t002_c001.tif", "stack_t002_c002.tif"}, "ImageJ hyperstack of 2 channels (c001, c002"},
		{"ImageJ sequence and a projection", []string{"stack_max.tif", "stack_t001.tif", "stack_t002.tif", "stack_t003.tif"}, "stack_max.tif is not named as a plane"},
		{"two series and an overview", []string{"cell1_t001.tif", "cell1_t002.tif", "cell2_t001.tif", "cell2_t002.tif", "overview.tif"}, "overview.tif is not named as a plane"},
		{"z slices and times and an overview", []string{"overview.tif", "s_t1_z1.tif", "s_t1_z2.tif", "s_t2_z1.tif", "s_t2_z2.tif"}, "2 z slices at 2 time points"},
		{"Micro-Manager channels and a projection", []string{"img_000000000_Cy5_000.tif", "img_000000000_DAPI_000.tif", "img_000000001_Cy5_000.tif", "img_000000001_DAPI_000.tif", "projection.tif"}, "projection.tif is not named as a plane of the series of img_000000000_Cy5_000.tif (Micro-Manager's names)"},
		{"Micro-Manager one channel and a projection", []string{"img_000000000_Cy5_000.tif", "img_000000001_Cy5_000.tif", "img_000000002_Cy5_000.tif", "projection.tif"}, "projection.tif is not named as a plane"},
		// Files of two exports, one with a channel index: an index out of
		// range (exit status 70) building the message.
		{"ImageJ sequence, one file with a channel", []string{"stack_t000.tif", "stack_t001.tif", "stack_t002.tif", "stack_t002_c002.tif", "stack_t003.tif"}, "stack_t002_c002.tif and stack_t000.tif are named as images of ImageJ hyperstacks"},
		{"ImageJ sequence, the first file with a channel", []string{"stack_t000_c001.tif", "stack_t001.tif", "stack_t002.tif"}, "one with a channel index (_c) and one without"},
	} {
		src, err := Open(folder(c.files...))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want ErrFormat saying %q", c.name, err, c.want)
		}
		if err == nil {
			src.Close()
		}
	}
}

// A name in a folder of frames that is another frame's file (a link to a
// frame of the folder, a hard link) was read as one more time point, with
// exit status 0. Links to distinct frames elsewhere are read as those.
func TestFolderSameFileTwice(t *testing.T) {
	ps := grayPages(le, 8, 4, 5, 0)
	write := func(dir string, n int) {
		for i := range n {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame_%d.tif", i)), writeTIFF(tiffOpts{}, []tpage{ps[i]}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		name string
		link func(old, new string) error
	}{{"link", os.Symlink}, {"hard link", os.Link}} {
		dir := t.TempDir()
		write(dir, 4)
		if err := c.link(filepath.Join(dir, "frame_1.tif"), filepath.Join(dir, "frame_4.tif")); err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{dir, filepath.Join(dir, "frame_*.tif")} {
			src, err := Open(in)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "frame_1.tif and "+filepath.Join(dir, "frame_4.tif")+" are one file") {
				t.Errorf("%s, %s: %v, want ErrFormat naming frame_1.tif and frame_4.tif", c.name, in, err)
			}
			if err == nil {
				src.Close()
			}
		}
	}
	// a folder of links to the frames of another: read as they are
	orig, links := t.TempDir(), t.TempDir()
	write(orig, 4)
	for i := range 4 {
		if err := os.Symlink(filepath.Join(orig, fmt.Sprintf("frame_%d.tif", i)), filepath.Join(links, fmt.Sprintf("frame_%d.tif", i))); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(links)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, _, _ := b.Shape(); n != 4 {
		t.Fatalf("%d frames through the links, want 4", n)
	}
	for i := range 4 {
		va, err := a.Frame(i)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Frame(i) // (a's view stays valid: another source)
		if err != nil {
			t.Fatal(err)
		}
		for y := range 4 {
			for x := range 5 {
				if va.At(y, x) != vb.At(y, x) {
					t.Fatalf("frame %d (%d, %d) through a link: %v, want %v", i, y, x, vb.At(y, x), va.At(y, x))
				}
			}
		}
	}
}

// TestFolderOneNameForm: a folder's file named otherwise than the frames
// of its series (an overview, a projection, another export: Series001.tif
// or max.tif beside frame_0001.tif ...) is refused, naming it and the
// series' form: it was read as frame 0, the series shifted by one, exit
// 0 (a campaign's M12). A pattern takes what it names; names of one form
// with numbers of any width, and extensions in either case, are one
// series.
func TestFolderOneNameForm(t *testing.T) {
	ps := grayPages(le, 9, 4, 5, 0)
	folder := func(names ...string) string { return pageFolder(t, ps, names...) }
	var frames []string
	for i := 1; i <= 8; i++ {
		frames = append(frames, fmt.Sprintf("frame_%04d.tif", i))
	}
	for _, odd := range []string{"Series001.tif", "max.tif", "frame_0009_max.tif", "max.tiff"} {
		dir := folder(append(append([]string(nil), frames...), odd)...)
		_, err := Open(dir)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), odd+" is not named as the 8 files of the series (such as frame_0001.tif)") {
			t.Errorf("%s beside 8 frames: %v; want its refusal by name", odd, err)
		}
		// The pattern advised names the frames alone (REVIEW11's F4:
		// frame_*.tif took frame_0009_max.tif); none where none does.
		pattern := filepath.Join(dir, "frame_[0-9]*.tif")
		if advised := strings.Contains(err.Error(), fmt.Sprintf("(%q)", pattern)); advised != (odd != "frame_0009_max.tif") {
			t.Errorf("%s beside 8 frames: %v; want the pattern %s advised: %v", odd, err, pattern, !advised)
		}
		if odd == "frame_0009_max.tif" {
			pattern = filepath.Join(dir, "frame_????.tif")
		}
		src, err := Open(pattern)
		if err != nil {
			t.Fatalf("%s beside 8 frames, the pattern of the frames: %v", odd, err)
		}
		checkStack(t, src, 8, 4, 5)
		src.Close()
	}
	// no form shared: their own checks speak (REVIEW11's F13: Micro-Manager's
	// stacks split at 4 GB, X_MMStack_Pos0.ome.tif and X_MMStack_Pos0_1.ome.tif,
	// were "not named as the 1 files of the series")
	if err := oneNameForm([]string{"X_MMStack_Pos0.ome.tif", "X_MMStack_Pos0_1.ome.tif"}); err != nil {
		t.Errorf("two files of two forms: %v; want no name-form refusal", err)
	}
	// one form: numbers of any width, padded with spaces (printf's %5d:
	// REVIEW11's F5), upper-case extensions
	// every frame twice, as .tif and .tiff (or in another case): refused,
	// not read twice (REVIEW12's F1)
	for _, names := range [][]string{{"f_1.tif", "f_1.tiff", "f_2.tif", "f_2.tiff"}, {"g_1.tif", "g_1.TIF", "g_2.tif"}} {
		if _, err := Open(folder(names...)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "name one frame") {
			t.Errorf("%q: %v; want the names of one frame refused", names, err)
		}
	}
	// names alike but for the case of their letters (frame_0, Frame_1):
	// read every upper-case one first, out of time order (READ19's F5)
	for _, names := range [][]string{{"frame_0.tif", "Frame_1.tif", "frame_2.tif", "Frame_3.tif"}, {"cell1_1.tif", "Cell1_2.tif", "cell1_3.tif"}} {
		if _, err := Open(folder(names...)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "alike but for the case of their letters") {
			t.Errorf("%q: %v; want names of two letter cases refused", names, err)
		}
	}
	// (.tif and .tiff: one form, REVIEW11's M6)
	for _, names := range [][]string{{"t_9.tif", "t_10.TIF", "t_11.tif"}, {"img    9.tif", "img   10.tif", "img   11.tif"}, {"f_1.tif", "f_2.tiff", "f_3.TIFF"}} {
		src, err := Open(folder(names...))
		if err != nil {
			t.Fatalf("%q: %v", names, err)
		}
		if n, _, _ := src.Shape(); n != 3 {
			t.Errorf("%q: %d frames, want 3", names, n)
		}
		src.Close()
	}
}

// pageFolder writes the single-page TIFF files names into a new folder,
// file i holding page ps[i], and returns the folder.
func pageFolder(t *testing.T, ps []tpage, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), writeTIFF(tiffOpts{}, []tpage{ps[i]}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFolderNamesOneReading: names whose numbers after a decimal point
// differ in length order the frames one way as decimals and another as
// counters: refused, in a folder and a pattern (READERS13's F1: t0.5s was
// read before t0.25s, exit 0); names of one reading are read in order.
// One frame under two names, padded and not (img_7, img_0007), is refused
// (READERS13's F5: every frame read twice), a pattern's too.
func TestFolderNamesOneReading(t *testing.T) {
	ps := grayPages(le, 12, 4, 5, 0)
	folder := func(names ...string) string { return pageFolder(t, ps, names...) }
	counters := []string{"Run1.1.tif", "Run1.2.tif", "Run1.3.tif", "Run1.4.tif", "Run1.5.tif", "Run1.6.tif", "Run1.7.tif", "Run1.8.tif", "Run1.9.tif", "Run1.10.tif"}
	for _, names := range [][]string{
		{"t0.0s.tif", "t0.25s.tif", "t0.5s.tif", "t0.75s.tif", "t1.0s.tif", "t1.25s.tif"},
		counters,
	} {
		dir := folder(names...)
		for _, in := range []string{dir, filepath.Join(dir, "*.tif")} {
			if _, err := Open(in); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "the order is not certain") {
				t.Errorf("%q (%s): %v; want the order refused as uncertain", names, filepath.Base(in), err)
			}
		}
	}
	for _, names := range [][]string{
		{"t0.00s.tif", "t0.25s.tif", "t0.50s.tif", "t0.75s.tif", "t1.00s.tif", "t1.25s.tif"}, // one number of decimals
		{"t0.05s.tif", "t0.5s.tif", "t0.75s.tif"},                                            // 0.05 is not 0.5, and is first either way
		{"stack.2.tif", "stack.10.tif", "stack.11.tif"},                                      // a point after a letter: counters
		{"t_9.tif", "t_10.tif", "t_11.tif"},
	} {
		dir := folder(names...)
		for _, in := range []string{dir, filepath.Join(dir, "*.tif")} {
			src, err := Open(in)
			if err != nil {
				t.Fatalf("%q (%s): %v", names, filepath.Base(in), err)
			}
			checkStack(t, src, len(names), 4, 5) // file i holds frame i: in this order
			src.Close()
		}
	}
	// one frame a folder under one name (MetaXpress's TimePoint_N/scan.tif):
	// a pattern reads them, in order (REVIEW13's F1: refused as two names
	// of one frame)
	root := t.TempDir()
	for i := range 3 {
		d := filepath.Join(root, fmt.Sprintf("TimePoint_%d", i+1))
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "scan_A01_w1.tif"), writeTIFF(tiffOpts{}, []tpage{ps[i]}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if src, err := Open(filepath.Join(root, "TimePoint_*", "scan_A01_w1.tif")); err != nil {
		t.Errorf("a frame a folder, by a pattern: %v", err)
	} else {
		checkStack(t, src, 3, 4, 5)
		src.Close()
	}
	for _, names := range [][]string{{"img_7.tif", "img_0007.tif", "img_8.tif", "img_0008.tif"}, {"a_0.tif", "a_00.tif"}} {
		dir := folder(names...)
		for _, in := range []string{dir, filepath.Join(dir, "img_*.tif"), filepath.Join(dir, "a_*.tif")} {
			if strings.Contains(in, "_*") && !strings.Contains(filepath.Base(in), names[0][:2]) {
				continue
			}
			if _, err := Open(in); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "name one frame") {
				t.Errorf("%q (%s): %v; want the two names of one frame refused", names, filepath.Base(in), err)
			}
		}
	}
}

// TestOMEPlanesOfOneChannel: the one-plane files of one channel of a
// multi-file OME-TIFF of two are read as that channel: --channel of the
// files' own (or none) reads them, another is refused naming theirs
// (READERS13's F4: channel 2's files were read as channel 1 and labelled
// so, and channel 2 was refused).
func TestOMEPlanesOfOneChannel(t *testing.T) {
	const T = 6
	ps := grayPages(le, T, 4, 5, 0)
	for c := range 2 {
		dir := t.TempDir()
		for i := range T {
			xml := fmt.Sprintf(`<OME><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d"><TiffData FirstC="%d" FirstT="%d" FirstZ="0" IFD="0" PlaneCount="1"/></Pixels></Image></OME>`, T, c, i)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("img_C%d_T%d.ome.tif", c, i)), writeTIFF(tiffOpts{}, []tpage{with(ps[i], ij(xml))}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pattern := filepath.Join(dir, fmt.Sprintf("img_C%d_*.ome.tif", c))
		for _, ch := range []int{-1, c} {
			src, err := Open(pattern)
			if ch >= 0 {
				src, err = OpenChannel(pattern, ch)
			}
			if err != nil {
				t.Fatalf("channel %d's files, --channel %d: %v", c+1, ch+1, err)
			}
			checkStack(t, src, T, 4, 5)
			src.Close()
		}
		other := 1 - c
		// both channels' files: refused as such, not told to give the
		// first file's channel (REVIEW13's F2)
		if c == 1 {
			// (names without a channel index: Bio-Formats' img_0000 = C0 T0,
			// img_0001 = C1 T0, ...)
			both := t.TempDir()
			for i := range T {
				xml := fmt.Sprintf(`<OME><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d"><TiffData FirstC="%d" FirstT="%d" FirstZ="0" IFD="0" PlaneCount="1"/></Pixels></Image></OME>`, T/2, i%2, i/2)
				if err := os.WriteFile(filepath.Join(both, fmt.Sprintf("img_%04d.ome.tif", i)), writeTIFF(tiffOpts{}, []tpage{with(ps[i], ij(xml))}), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := OpenChannel(both, 1); err == nil || strings.Contains(err.Error(), "give --channel 1") {
				t.Errorf("both channels' files, --channel 2: %v; want them refused as of two channels", err)
			}
		}
		if c == 0 {
			// a plain TIFF at a plane's file that is not sampled (files 1,
			// 3 and 5 are), with no list of the files: refused, not read as
			// its frame (REVIEW13's F3)
			plain := t.TempDir()
			for i := range T {
				desc := "ImageJ=1.54f\nmin=0.0\nmax=100.0\n"
				if i != 2 {
					desc = fmt.Sprintf(`<OME><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d"><TiffData FirstC="0" FirstT="%d" FirstZ="0" IFD="0" PlaneCount="1"/></Pixels></Image></OME>`, T, i)
				}
				if err := os.WriteFile(filepath.Join(plain, fmt.Sprintf("img_C0_T%d.ome.tif", i)), writeTIFF(tiffOpts{}, []tpage{with(ps[i], ij(desc))}), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Open(plain); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "img_C0_T2.ome.tif none (no OME-XML)") {
				t.Errorf("a plain TIFF at file 2 of one-plane OME files without a list: %v; want its refusal", err)
			}
		}
		want := fmt.Sprintf("channel %d: the files hold channel %d of an OME image of 2 channels", other+1, c+1)
		if _, err := OpenChannel(pattern, other); !errors.Is(err, ErrChannel) || !strings.Contains(err.Error(), want) {
			t.Errorf("channel %d's files, --channel %d: %v; want %q", c+1, other+1, err, want)
		}
	}
}

// TestOMEChannelSplitFile: a file of a multi-file OME-TIFF split by
// channel (one multi-page file a channel: bfconvert's %c) is refused as
// such, with and without --channel; it said "select one with --channel",
// and --channel was refused next (READERS13's F3).
func TestOMEChannelSplitFile(t *testing.T) {
	const T = 8
	ps := grayPages(le, T, 4, 5, 0)
	td := fmt.Sprintf(`<TiffData IFD="0" FirstC="0" PlaneCount="%d"><UUID FileName="img_C0.ome.tif">urn:uuid:a</UUID></TiffData>`+
		`<TiffData IFD="0" FirstC="1" PlaneCount="%d"><UUID FileName="img_C1.ome.tif">urn:uuid:b</UUID></TiffData>`, T, T)
	xml := fmt.Sprintf(`<OME UUID="urn:uuid:b"><Image><Pixels DimensionOrder="XYTCZ" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d">%s</Pixels></Image></OME>`, T, td)
	for i := range ps {
		ps[i] = with(ps[i], ij(xml))
	}
	path := filepath.Join(t.TempDir(), "img_C1.ome.tif")
	if err := os.WriteFile(path, writeTIFF(tiffOpts{}, ps), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []int{-1, 0, 1} {
		src, err := Open(path)
		if ch >= 0 {
			src, err = OpenChannel(path, ch)
		}
		if err == nil {
			src.Close()
		}
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "put channel 2 alone in this file (8 of its 16 planes; a multi-file OME-TIFF split by channel)") ||
			strings.Contains(err.Error(), "select one with --channel") {
			t.Errorf("channel %d: %v; want the channel-split file named as such", ch+1, err)
		}
	}
	// not so named (REVIEW13's F4): one file of a dataset split by plane
	// (one page), and a file of every plane cut short, whose one TiffData
	// runs over both channels in XYCZT (F4b)
	one := fmt.Sprintf(`<OME UUID="urn:uuid:c"><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="%d"><TiffData IFD="0" FirstC="1" FirstT="1" PlaneCount="1"><UUID FileName="img_0003.ome.tif">urn:uuid:c</UUID></TiffData><TiffData IFD="0" FirstC="0" FirstT="0" PlaneCount="1"><UUID FileName="img_0000.ome.tif">urn:uuid:d</UUID></TiffData></Pixels></Image></OME>`, T)
	cut := `<OME><Image><Pixels DimensionOrder="XYCZT" SizeX="5" SizeY="4" SizeC="2" SizeZ="1" SizeT="8"><TiffData IFD="0" PlaneCount="16"/></Pixels></Image></OME>`
	for _, c := range []struct {
		name, xml string
		pages     int
	}{{"img_0003.ome.tif", one, 1}, {"cut.ome.tif", cut, 12}} {
		var pages []tpage
		for i := range c.pages {
			pages = append(pages, with(grayPages(le, c.pages, 4, 5, 0)[i], ij(c.xml)))
		}
		p := filepath.Join(t.TempDir(), c.name)
		if err := os.WriteFile(p, writeTIFF(tiffOpts{}, pages), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := OpenChannel(p, 0)
		if err == nil {
			src.Close()
		}
		if err == nil || strings.Contains(err.Error(), "split by channel") {
			t.Errorf("%s: %v; want it refused, not as a file of a dataset split by channel", c.name, err)
		}
		// without --channel: refused as holding too few pages, not sent to
		// --channel, which refuses it too (REVIEW13's m9)
		if _, err := Open(p); err == nil || strings.Contains(err.Error(), "select one with --channel") || !strings.Contains(err.Error(), "not read, with or without --channel") {
			t.Errorf("%s, no channel: %v; want it refused as too few pages", c.name, err)
		}
	}
}
