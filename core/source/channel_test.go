//go:build unix

package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// checkPages asserts that src is the (len(idx), h, w) uint16 series whose
// frame t is page idx[t] of the test writer's stack (frameValue).
func checkPages(t *testing.T, src Source, idx []int, h, w int) {
	t.Helper()
	T, H, W := src.Shape()
	if T != len(idx) || H != h || W != w || src.DType() != array.Uint16 {
		t.Fatalf("shape %d,%d,%d %v, want %d,%d,%d uint16", T, H, W, src.DType(), len(idx), h, w)
	}
	for ti, p := range idx {
		fr, err := src.Frame(ti)
		if err != nil {
			t.Fatalf("frame %d: %v", ti, err)
		}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				if got, want := fr.At(y, x), float64(frameValue(p, y, x)); got != want {
					t.Fatalf("frame %d (%d,%d) = %v, want %v (page %d)", ti, y, x, got, want, p)
				}
			}
		}
	}
	if v, ok := src.Stack(); ok {
		for ti, p := range idx {
			if got, want := v.At(ti, h-1, w-1), float64(frameValue(p, h-1, w-1)); got != want {
				t.Fatalf("stack view (%d,%d,%d) = %v, want %v", ti, h-1, w-1, got, want)
			}
		}
	}
	if _, err := src.Frame(T); err == nil {
		t.Fatalf("frame %d of %d: no error", T, T)
	}
}

// tempWriter gives a test's temporary folder and write(name, bytes), which
// writes a file there (its folders made) and returns its path.
func tempWriter(t *testing.T) (dir string, write func(name string, b []byte) string) {
	dir = t.TempDir()
	return dir, func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// TestChannels reads each channel of multi-channel ImageJ hyperstacks and
// OME-TIFFs (OpenChannel, 0-based) and checks that channel c's frame t is
// the page the file's order puts it on; an input of one channel has
// channel 0 only.
func TestChannels(t *testing.T) {
	_, write := tempWriter(t)
	hyper := func(bo order, big bool, desc string, n, rps int) []byte {
		ps := grayPages(bo, n, 4, 5, rps)
		ps[0] = with(ps[0], ij(desc))
		return writeTIFF(tiffOpts{bo: bo, big: big}, ps)
	}
	const ij2x3 = "ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\nmode=composite\nfinterval=0.25\n"
	// czt: ImageJ's order, channel c of time point t is page t*C + c.
	czt := func(C, T, c int) []int {
		idx := make([]int, T)
		for t := range idx {
			idx[t] = t*C + c
		}
		return idx
	}
	// tcz: OME's XYTCZ, channel c of time point t is page c*T + t.
	tcz := func(C, T, c int) []int {
		idx := make([]int, T)
		for t := range idx {
			idx[t] = c*T + t
		}
		return idx
	}
	omeDesc := func(order string, c, z, tt int, content string) string {
		return `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0">` +
			`<Pixels DimensionOrder="` + order + `" ID="Pixels:0" SizeC="` + itoa(c) + `" SizeT="` + itoa(tt) + `" SizeX="5" SizeY="4" SizeZ="` + itoa(z) +
			`" Type="uint16">` + content + `</Pixels></Image></OME>`
	}
	gaps := func() []byte { // strips with gaps: not one strided view
		ps := grayPages(le, 6, 4, 5, 2)
		for i := range ps {
			ps[i].gap = 2 + 2*i
		}
		ps[0] = with(ps[0], ij(ij2x3))
		return writeTIFF(tiffOpts{}, ps)
	}
	oneIFD := func() []byte { // ImageJ's files over 4 GiB: one IFD for all images
		p := grayPages(le, 1, 4, 5, 0)[0]
		for t := 1; t < 6; t++ {
			p.strips[0] = append(p.strips[0], stripsOf(le, t, 4, 5, 4)[0]...)
		}
		p = with(p, ij("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n"), ttag{279, 4, []uint64{40}, ""})
		return writeTIFF(tiffOpts{}, []tpage{p})
	}
	cases := []struct {
		name  string
		file  []byte
		C     int
		pages func(C, T, c int) []int
		T     int
		stack bool // some channel is one strided view (the test writer's first page, with the description, is longer than the others)
	}{
		{"ImageJ 2 channels x 3 frames", hyper(le, false, ij2x3, 6, 0), 2, czt, 3, true},
		{"ImageJ big-endian BigTIFF, strips of 2 rows", hyper(be, true, ij2x3, 6, 2), 2, czt, 3, true},
		{"ImageJ 3 channels x 2 frames", hyper(le, false, "ImageJ=1.54f\nimages=6\nchannels=3\nframes=2\nhyperstack=true\n", 6, 0), 3, czt, 2, true},
		{"ImageJ channels and slices (slices as frames)", hyper(le, false, "ImageJ=1.54f\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n", 6, 0), 2, czt, 3, true},
		{"ImageJ channels only", hyper(le, false, "ImageJ=1.54f\nimages=2\nchannels=2\nhyperstack=true\n", 2, 0), 2, czt, 1, true},
		{"ImageJ strips with gaps", gaps(), 2, czt, 3, false},
		{"ImageJ one IFD for all images", oneIFD(), 2, czt, 3, true},
		{"OME XYCZT", hyper(le, false, omeDesc("XYCZT", 2, 1, 3, ""), 6, 0), 2, czt, 3, true},
		{"OME XYZCT", hyper(le, false, omeDesc("XYZCT", 2, 1, 3, `<TiffData IFD="0" PlaneCount="6"/>`), 6, 0), 2, czt, 3, true},
		{"OME XYTCZ", hyper(be, false, omeDesc("XYTCZ", 2, 1, 3, `<TiffData/>`), 6, 0), 2, tcz, 3, true},
		{"OME XYCTZ with TiffData per plane", hyper(le, false, omeDesc("XYCTZ", 3, 1, 2,
			`<TiffData FirstC="0" FirstT="0" FirstZ="0" IFD="0" PlaneCount="1"/><TiffData FirstC="1" FirstT="0" IFD="1" PlaneCount="1"/>`+
				`<TiffData FirstC="2" FirstT="1" IFD="5" PlaneCount="1"/>`), 6, 0), 3, czt, 2, true},
		{"OME XYCZT, z slices as frames", hyper(le, false, omeDesc("XYCZT", 2, 3, 1, ""), 6, 0), 2, czt, 3, true},
		{"OME XYZTC, z slices as frames", hyper(le, false, omeDesc("XYZTC", 2, 3, 1, ""), 6, 0), 2, tcz, 3, true},
		{"OME with a namespace prefix and single quotes", hyper(le, false, `<?xml version='1.0'?><ome:OME xmlns:ome='http://www.openmicroscopy.org/Schemas/OME/2016-06'>`+
			`<ome:Image ID='Image:0'><ome:Pixels DimensionOrder='XYTCZ' ID='Pixels:0' SizeC='2' SizeT='3' SizeX='5' SizeY='4' SizeZ='1' Type='uint16'>`+
			`<ome:TiffData IFD='0' PlaneCount='6'/></ome:Pixels></ome:Image></ome:OME>`, 6, 0), 2, tcz, 3, true},
		{"SCIFIO hyperstack", hyper(le, false, "SCIFIO=0.46.0\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n", 6, 0), 2, czt, 3, true},
		{"ImageJ description after a user's", func() []byte {
			ps := grayPages(le, 6, 4, 5, 0)
			ps[0] = with(ps[0], ij("Acquired on scope 3"), ij(ij2x3))
			return writeTIFF(tiffOpts{}, ps)
		}(), 2, czt, 3, true},
	}
	for _, c := range cases {
		t.Run(strings.NewReplacer(" ", "_", ",", "").Replace(c.name), func(t *testing.T) {
			path := write(strings.NewReplacer(" ", "_", ",", "", "(", "", ")", "").Replace(c.name)+".tif", c.file)
			stack := false
			for ch := 0; ch < c.C; ch++ {
				src, err := OpenChannel(path, ch)
				if err != nil {
					t.Fatalf("channel %d: %v", ch, err)
				}
				checkPages(t, src, c.pages(c.C, c.T, ch), 4, 5)
				if _, ok := src.Stack(); ok {
					stack = true
				}
				if fi := UnitsOf(src).FrameInterval; strings.Contains(c.name, "2 channels x 3") && fi != 0.25 {
					t.Errorf("channel %d: frame interval %v, want the file's 0.25 s", ch, fi)
				}
				if got := Files(src); len(got) != 1 || got[0] != path {
					t.Errorf("files %v, want %s", got, path)
				}
				src.Close()
			}
			if stack != c.stack {
				t.Errorf("a channel read as one strided view: %v, want %v", stack, c.stack)
			}
			_, err := OpenChannel(path, c.C)
			checkError(t, err, path, "channel "+itoa(c.C+1)+": the input has "+itoa(c.C)+" channels (1 to "+itoa(c.C)+")")
			if !errors.Is(err, ErrChannel) {
				t.Errorf("channel beyond: %v is not ErrChannel", err)
			}
			_, err = Open(path)
			checkError(t, err, path, "with "+itoa(c.C)+" channels", "select one with --channel N (1 to "+itoa(c.C), "split the channels first")
			if !errors.Is(err, ErrFormat) {
				t.Errorf("no channel selected: %v is not ErrFormat", err)
			}
		})
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestChannelBadInput checks the channel selections an input does not
// have (ErrChannel, numbered from 1 in messages) and that a channel
// selected keeps every refusal of what is not a series of frames.
func TestChannelBadInput(t *testing.T) {
	_, write := tempWriter(t)
	hyper := func(desc string, n int) []byte {
		ps := grayPages(le, n, 4, 5, 0)
		ps[0] = with(ps[0], ij(desc))
		return writeTIFF(tiffOpts{}, ps)
	}
	ome := func(px string, content string, n int) []byte {
		return hyper(`<OME><Image ID="Image:0"><Pixels `+px+`>`+content+`</Pixels></Image></OME>`, n)
	}
	plain := write("plain.tif", writeTIFF(tiffOpts{}, grayPages(le, 3, 4, 5, 0)))
	ij1 := write("ij1.tif", hyper("ImageJ=1.54f\nimages=3\nchannels=1\nframes=3\n", 3))
	ij2 := write("ij2.tif", hyper("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n", 6))
	folder := filepath.Dir(write("folder/Pos0/img_0.tif", writeTIFF(tiffOpts{}, grayPages(le, 1, 4, 5, 0))))
	write("folder/Pos0/img_1.tif", writeTIFF(tiffOpts{}, grayPages(le, 1, 4, 5, 0)))
	oneFile := filepath.Dir(write("onefile/a.tif", hyper("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n", 6)))
	npyPath := filepath.Join(mustAbs(t, "testdata"), "stack.npy")
	cases := []struct {
		name string
		open func() (Source, error)
		want []string // fragments; nil: valid, its frames are the pages idx
		err  error
		idx  []int
	}{
		{"channel 2 of a plain TIFF", func() (Source, error) { return OpenChannel(plain, 1) }, []string{plain, "channel 2: the input has one channel (only channel 1)"}, ErrChannel, nil},
		{"channel 2 of an ImageJ file of one channel", func() (Source, error) { return OpenChannel(ij1, 1) }, []string{ij1, "channel 2: the input has one channel"}, ErrChannel, nil},
		{"channel 3 of 2", func() (Source, error) { return OpenChannel(ij2, 2) }, []string{ij2, "channel 3: the input has 2 channels (1 to 2)"}, ErrChannel, nil},
		{"channel 100 of 2", func() (Source, error) { return OpenChannel(ij2, 99) }, []string{ij2, "channel 100: the input has 2 channels"}, ErrChannel, nil},
		{"negative channel", func() (Source, error) { return OpenChannel(ij2, -1) }, []string{ij2, "channel index -1"}, ErrChannel, nil},
		{"channel 2 of a .npy", func() (Source, error) { return OpenChannel(npyPath, 1) }, []string{npyPath, "the input has one channel"}, ErrChannel, nil},
		{"channel 2 of a folder of single pages", func() (Source, error) { return OpenChannel(folder, 1) }, []string{"img_0.tif", "the input has one channel"}, ErrChannel, nil},
		{"channel 2 of a pattern", func() (Source, error) { return OpenChannel(filepath.Join(folder, "img_*.tif"), 1) }, []string{"img_0.tif", "one channel"}, ErrChannel, nil},
		{"channel 3 of a folder of one hyperstack", func() (Source, error) { return OpenChannel(oneFile, 2) }, []string{"a.tif", "2 channels (1 to 2)"}, ErrChannel, nil},
		{"SingleChannel 2", func() (Source, error) {
			src, err := OpenNpy(npyPath)
			if err != nil {
				return nil, err
			}
			return SingleChannel(src, 1)
		}, []string{npyPath, "channel 2: the input has one channel"}, ErrChannel, nil},
		// layouts refused with a channel selected too
		{"ImageJ channels, slices and frames", func() (Source, error) {
			return OpenChannel(write("czt.tif", hyper("ImageJ=1.54f\nimages=12\nchannels=2\nslices=2\nframes=3\nhyperstack=true\n", 12)), 0)
		}, []string{"czt.tif", "ImageJ hyperstack with 2 slices and 3 frames: not supported"}, ErrFormat, nil},
		{"ImageJ images not channels x frames", func() (Source, error) {
			return OpenChannel(write("count.tif", hyper("ImageJ=1.54f\nimages=5\nchannels=2\nframes=3\nhyperstack=true\n", 5)), 0)
		}, []string{"count.tif", "ImageJ hyperstack of 2 channels x 3 frames holds 5 images, want 6"}, ErrFormat, nil},
		// 6 x 3074457345618258603 and 4 x (2^62+1) wrap to the images
		// counted (2 and 4) in 64 bits.
		{"ImageJ channels x frames past 2^64", func() (Source, error) {
			return OpenChannel(write("ovf.tif", hyper("ImageJ=1.54f\nimages=2\nchannels=6\nframes=3074457345618258603\nhyperstack=true\n", 2)), 0)
		}, []string{"ovf.tif", "holds 2 images, want more than 2^63"}, ErrFormat, nil},
		{"ImageJ channels past 2^62, one IFD", func() (Source, error) {
			return OpenChannel(write("ovf1.tif", hyper("ImageJ=1.54f\nimages=4\nchannels=4611686018427387905\nframes=4\n", 1)), 2)
		}, []string{"ovf1.tif", "holds 4 images, want more than 2^63"}, ErrFormat, nil},
		{"OME channels x time points past 2^64", func() (Source, error) {
			return OpenChannel(write("ovfome.tif", ome(`DimensionOrder="XYCZT" SizeC="6" SizeZ="1" SizeT="3074457345618258603"`, "", 2)), 0)
		}, []string{"ovfome.tif", "more than 2^63 planes holds 2 pages"}, ErrFormat, nil},
		{"OME SizeZ 0", func() (Source, error) {
			return OpenChannel(write("omez0.tif", ome(`DimensionOrder="XYCZT" SizeC="2" SizeZ="0" SizeT="2"`, "", 4)), 0)
		}, []string{"omez0.tif", "bad SizeC, SizeZ or SizeT (2, 0, 2)"}, ErrFormat, nil},
		{"ImageJ fewer pages than images", func() (Source, error) {
			return OpenChannel(write("short.tif", hyper("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n", 4)), 0)
		}, []string{"short.tif", "ImageJ file announces 6 images but holds 4 pages"}, ErrFormat, nil},
		{"RGB hyperstack", func() (Source, error) {
			p := grayPages(le, 2, 4, 5, 0)
			for i := range p {
				p[i] = with(p[i], u(277, 3), ttag{258, 3, []uint64{16, 16, 16}, ""})
			}
			p[0] = with(p[0], ij("ImageJ=1.54f\nimages=2\nchannels=2\nhyperstack=true\n"))
			return OpenChannel(write("rgb.tif", writeTIFF(tiffOpts{}, p)), 0)
		}, []string{"rgb.tif", "3 samples per pixel"}, ErrFormat, nil},
		{"compressed hyperstack", func() (Source, error) {
			p := grayPages(le, 2, 4, 5, 0)
			p[0] = with(p[0], ij("ImageJ=1.54f\nimages=2\nchannels=2\nhyperstack=true\n"), u(259, 5))
			return OpenChannel(write("lzw.tif", writeTIFF(tiffOpts{}, p)), 0)
		}, []string{"lzw.tif", "compressed"}, ErrFormat, nil},
		{"OME z slices and time points", func() (Source, error) {
			return OpenChannel(write("omezt.tif", ome(`SizeC="2" SizeZ="2" SizeT="3"`, "", 12)), 0)
		}, []string{"omezt.tif", "OME-TIFF with 2 z slices and 3 time points"}, ErrFormat, nil},
		{"OME planes in other files", func() (Source, error) {
			return OpenChannel(write("omefew.tif", ome(`DimensionOrder="XYCZT" SizeC="2" SizeZ="1" SizeT="3"`, "", 4)), 0)
		}, []string{"omefew.tif", "= 6 planes holds 4 pages", "when this file holds every plane"}, ErrFormat, nil},
		{"OME bad DimensionOrder", func() (Source, error) {
			return OpenChannel(write("omeorder.tif", ome(`DimensionOrder="XYCCT" SizeC="2" SizeZ="1" SizeT="3"`, "", 6)), 0)
		}, []string{"omeorder.tif", `DimensionOrder "XYCCT"`}, ErrFormat, nil},
		{"OME TiffData against the order", func() (Source, error) {
			return OpenChannel(write("ometd.tif", ome(`DimensionOrder="XYCZT" SizeC="2" SizeZ="1" SizeT="3"`, `<TiffData FirstC="1" IFD="3" PlaneCount="1"/>`, 6)), 0)
		}, []string{"ometd.tif", "TiffData puts plane C=1 Z=0 T=0 at IFD 3, not at 1"}, ErrFormat, nil},
		{"OME two images", func() (Source, error) {
			return OpenChannel(write("ome2.tif", hyper(`<OME><Image><Pixels SizeC="2" SizeT="3"/></Image><Image><Pixels SizeC="2" SizeT="3"/></Image></OME>`, 12)), 0)
		}, []string{"ome2.tif", "OME-TIFF of 2 images"}, ErrFormat, nil},
		// valid
		{"channel 1 of a plain TIFF", func() (Source, error) { return OpenChannel(plain, 0) }, nil, nil, []int{0, 1, 2}},
		{"channel 1 of an ImageJ file of one channel", func() (Source, error) { return OpenChannel(ij1, 0) }, nil, nil, []int{0, 1, 2}},
		{"channel 1 of a folder", func() (Source, error) { return OpenChannel(folder, 0) }, nil, nil, []int{0, 0}},
		{"channel 2 of a folder of one hyperstack", func() (Source, error) { return OpenChannel(oneFile, 1) }, nil, nil, []int{1, 3, 5}},
		{"channel 2 of an OME-TIFF of one time point", func() (Source, error) {
			return OpenChannel(write("ome1t.tif", ome(`DimensionOrder="XYCZT" SizeC="3" SizeZ="1" SizeT="1"`, "", 3)), 1)
		}, nil, nil, []int{1}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			src, err := within(t, c.open)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				checkPages(t, src, c.idx, 4, 5)
				return
			}
			if err == nil {
				src.Close()
			}
			checkError(t, err, c.want...)
			if err != nil && !errors.Is(err, c.err) {
				t.Errorf("%v is not %v", err, c.err)
			}
		})
	}
}
