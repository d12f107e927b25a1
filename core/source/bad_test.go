//go:build unix

package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

var le, be = binary.LittleEndian, binary.BigEndian

// within runs open and fails the test if it takes more than 5 s (a named
// pipe opened for reading blocks until a writer appears).
func within(t *testing.T, open func() (Source, error)) (Source, error) {
	t.Helper()
	type result struct {
		src Source
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := open()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.src, r.err
	case <-time.After(5 * time.Second):
		t.Fatal("open blocked for 5 s")
		return nil, nil
	}
}

// readAll reads every frame, returning the first error.
func readAll(src Source) error {
	T, _, _ := src.Shape()
	for i := 0; i < T; i++ {
		if _, err := src.Frame(i); err != nil {
			return err
		}
	}
	return nil
}

// checkError asserts that err is not nil and contains every fragment
// (the file's name among them).
func checkError(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

// checkStack asserts that src is the (n, h, w) stack of frameValue.
func checkStack(t *testing.T, src Source, n, h, w int) {
	t.Helper()
	T, H, W := src.Shape()
	if T != n || H != h || W != w || src.DType() != array.Uint16 {
		t.Fatalf("shape %d,%d,%d %v, want %d,%d,%d uint16", T, H, W, src.DType(), n, h, w)
	}
	for ti := 0; ti < T; ti++ {
		fr, err := src.Frame(ti)
		if err != nil {
			t.Fatalf("frame %d: %v", ti, err)
		}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				if got, want := fr.At(y, x), float64(frameValue(ti, y, x)); got != want {
					t.Fatalf("frame %d (%d,%d) = %v, want %v", ti, y, x, got, want)
				}
			}
		}
	}
}

func with(p tpage, tags ...ttag) tpage {
	p.tags = append(append([]ttag(nil), p.tags...), tags...)
	return p
}

func ij(desc string) ttag { return ttag{id: 270, typ: 2, ascii: desc} }

func u(id uint16, v ...uint64) ttag { return ttag{id: id, typ: 3, vals: v} }

// manyDescs is n ImageDescription tags, each its own text.
func manyDescs(n int) []ttag {
	var ts []ttag
	for i := 0; i < n; i++ {
		ts = append(ts, ttag{id: 270, typ: 2, ascii: fmt.Sprintf("description %d", i)})
	}
	return ts
}

// TestTIFFBadInput checks that every TIFF the reader cannot read as one
// grayscale time frame per page is refused with a message naming the
// file and the feature, and that valid but unusual layouts read right.
func TestTIFFBadInput(t *testing.T) {
	g := grayPages(le, 3, 4, 5, 0)
	g2 := grayPages(le, 1, 4, 5, 2)[0]
	rgb := tpage{w: 5, h: 4, bps: 8, sf: 1, strips: [][]byte{make([]byte, 60)},
		tags: []ttag{{258, 3, []uint64{8, 8, 8}, ""}, u(277, 3), u(262, 2)}}
	planar := tpage{w: 5, h: 4, bps: 8, sf: 1, rps: 4, strips: [][]byte{make([]byte, 20), make([]byte, 20), make([]byte, 20)},
		tags: []ttag{{258, 3, []uint64{8, 8, 8}, ""}, u(277, 3), u(262, 2), u(284, 2)}}
	tiled := tpage{w: 16, h: 16, bps: 16, sf: 1, strips: [][]byte{make([]byte, 512)},
		tags: []ttag{{273, 0, nil, ""}, {279, 0, nil, ""}, {278, 0, nil, ""}, u(322, 16), u(323, 16),
			{324, 4, []uint64{8}, ""}, {325, 4, []uint64{512}, ""}}}
	hyper := func(desc string, n int) []byte {
		ps := grayPages(le, n, 4, 5, 0)
		ps[0] = with(ps[0], ij(desc))
		return writeTIFF(tiffOpts{}, ps)
	}
	valid := writeTIFF(tiffOpts{}, g)
	// Pages pointing at the first page's strip (byte 8): 3 pages of 4096
	// samples in a file of about 4.5 KB.
	shared := []tpage{{w: 64, h: 64, bps: 8, sf: 1, strips: [][]byte{make([]byte, 4096)}}}
	for range 2 {
		shared = append(shared, tpage{w: 64, h: 64, bps: 8, sf: 1, strips: [][]byte{{}},
			tags: []ttag{{273, 4, []uint64{8}, ""}, {279, 0, nil, ""}}})
	}
	cases := []struct {
		name string
		file []byte
		want []string // fragments besides the file name; nil: valid, frames checked
		n    int      // frames of a valid file
	}{
		{"tiled", writeTIFF(tiffOpts{}, []tpage{tiled}), []string{"tiled TIFF is not supported", "TileWidth"}, 0},
		{"pages sharing one strip", writeTIFF(tiffOpts{}, shared), []string{"pages 1 to 2 hold 8192 bytes of samples, more than the file's", "pages share their data"}, 0},
		{"tiled with strips", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(322, 16), u(323, 16))}), []string{"tiled TIFF is not supported"}, 0},
		{"RGB chunky", writeTIFF(tiffOpts{}, []tpage{rgb}), []string{"3 samples per pixel", "not supported"}, 0},
		{"RGB planar", writeTIFF(tiffOpts{}, []tpage{planar}), []string{"3 samples per pixel (planar configuration 2)", "not supported"}, 0},
		{"planar configuration 2, one sample (TIFF 6.0: the same as 1)", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(284, 2))}), nil, 1},
		{"two samples, extra sample", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(277, 2), u(338, 0))}), []string{"2 samples per pixel"}, 0},
		{"LZW", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(259, 5))}), []string{"compression 5, LZW", "only uncompressed TIFF is supported"}, 0},
		{"Deflate", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(259, 8))}), []string{"compression 8, Adobe Deflate"}, 0},
		{"PackBits on page 2", writeTIFF(tiffOpts{}, []tpage{g[0], with(g[1], u(259, 32773))}), []string{"page 1 is compressed", "PackBits"}, 0},
		{"12-bit", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(258, 12))}), []string{"12-bit unsigned samples are not supported (SampleFormat 1"}, 0},
		{"uint32", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(258, 32))}), []string{"32-bit unsigned samples are not supported", "convert it, e.g. to 32-bit float"}, 0},
		{"complex float", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(258, 64), u(339, 6))}), []string{"64-bit of format 6 samples"}, 0},
		{"fill order 2", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(266, 2))}), []string{"fill order 2"}, 0},
		// read as intensities, they gave a pCF of colour-map indices or inverted values, and flipped images other neighbours
		// ImageJ saves a stack shown with an inverted LUT as WhiteIsZero, one with a colour LUT as a
		// palette: their samples are the intensities, read as ImageJ reads them
		{"WhiteIsZero (ImageJ's inverted LUT)", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(262, 0)), with(g[1], u(262, 0))}), nil, 2},
		{"palette (ImageJ's colour LUT)", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(262, 3), ttag{320, 3, make([]uint64, 3*65536), ""}), with(g[1], u(262, 3))}), nil, 2},
		{"CMYK", writeTIFF(tiffOpts{}, []tpage{g[0], with(g[1], u(262, 5))}), []string{"page 1 has PhotometricInterpretation 5, CMYK"}, 0},
		{"RGB of one sample", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(262, 2))}), []string{"PhotometricInterpretation 2, RGB"}, 0},
		{"transparency mask", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(262, 4))}), []string{"PhotometricInterpretation 4, a transparency mask"}, 0},
		{"no PhotometricInterpretation (BlackIsZero)", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{262, 0, nil, ""})}), nil, 1},
		{"flipped", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(274, 3))}), []string{"page 0 has Orientation 3", "want 1"}, 0},
		{"Orientation 1", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(274, 1))}), nil, 1},
		// counts that cannot be right are refused before their values are read: a small file of such tags
		// took gigabytes, or minutes when thousands of pages shared one array
		{"BitsPerSample of 100000 values", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(258, make([]uint64, 100000)...))}), []string{"tag BitsPerSample has 100000 values, one per sample", "want 1 sample per pixel"}, 0},
		{"StripOffsets twice", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{273, 4, []uint64{8}, ""}, ttag{273, 4, []uint64{8}, ""})}), []string{"page 0 has tag StripOffsets twice"}, 0},
		{"ImageWidth of 17 values", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{256, 4, make([]uint64, 17), ""})}), []string{"tag ImageWidth has 17 values"}, 0},
		{"17 descriptions", writeTIFF(tiffOpts{}, []tpage{with(g[0], manyDescs(17)...)}), []string{"page 0 has more than 16 ImageDescription tags"}, 0},
		{"16 descriptions", writeTIFF(tiffOpts{}, []tpage{with(g[0], manyDescs(16)...)}), nil, 1},
		{"reduced-resolution page", writeTIFF(tiffOpts{}, []tpage{g[0], with(g[1], ttag{254, 4, []uint64{1}, ""})}), []string{"page 1 is a reduced-resolution image or a mask"}, 0},
		{"pages of two sizes", writeTIFF(tiffOpts{}, []tpage{g[0], grayPages(le, 1, 3, 5, 0)[0]}), []string{"page 1 is 3x5 (rows x columns) uint16, page 0 4x5 uint16"}, 0},
		{"pages of two dtypes", writeTIFF(tiffOpts{}, []tpage{g[0], with(g[1], u(339, 2))}), []string{"page 1 is 4x5 (rows x columns) int16, page 0 4x5 uint16"}, 0},
		{"truncated strip", valid[:len(valid)-200], []string{"outside the file"}, 0},
		{"truncated IFD", valid[:len(valid)-20], []string{"outside the file (truncated?)"}, 0},
		{"short StripByteCounts", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{279, 4, []uint64{39}, ""})}), []string{"strip 0 holds 39 bytes, want 40"}, 0},
		{"too few strips", writeTIFF(tiffOpts{}, []tpage{with(g2, ttag{278, 4, []uint64{1}, ""})}), []string{"has 2 strips, want 4"}, 0},
		{"no StripOffsets", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{273, 0, nil, ""})}), []string{"no StripOffsets"}, 0},
		{"counts and offsets differ", writeTIFF(tiffOpts{}, []tpage{with(g2, ttag{279, 4, []uint64{20}, ""})}), []string{"2 StripOffsets and 1 StripByteCounts"}, 0},
		{"IFD loop", writeTIFF(tiffOpts{loopTo: 1}, g), []string{"IFD loop"}, 0},
		{"first IFD outside", append([]byte("II*\x00\xff\xff\x00\x00"), make([]byte, 16)...), []string{"truncated at byte 65535"}, 0},
		{"IFD without entries", append([]byte("II*\x00\x08\x00\x00\x00"), make([]byte, 6)...), []string{"IFD without entries at byte 8"}, 0},
		{"BigTIFF first IFD past 2^63", append([]byte("II+\x00\x08\x00\x00\x00"), 5, 0, 0, 0, 0, 0, 0, 0x80), []string{"offset 9223372036854775813 at byte 8: beyond any file"}, 0},
		{"version 44", []byte("II,\x00\x08\x00\x00\x00\x00\x00"), []string{"TIFF version 44 not supported"}, 0},
		// raw counts whose first sample is 18761, the bytes "II": told to give their shape (READ16's F3)
		{"raw counts starting II", []byte("IIJ\x00\x10\x00\x11\x00\x12\x00"), []string{"TIFF version 74 not supported (or not a TIFF file", "--shape and --dtype"}, 0},
		{"too short", []byte("II*\x00\x08"), []string{"too short for a TIFF header"}, 0},
		{"no IFD", []byte("MM\x00*\x00\x00\x00\x00"), []string{"no image"}, 0},
		{"zero width", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{256, 4, []uint64{0}, ""})}), []string{"image size 4 x 0 (rows x columns)"}, 0},
		{"absurd size", writeTIFF(tiffOpts{big: true}, []tpage{with(g[0], ttag{256, 16, []uint64{1 << 40}, ""}, ttag{257, 16, []uint64{1 << 40}, ""})}), []string{"1099511627776 x 1099511627776 (rows x columns) uint16 samples is larger than the file"}, 0},
		{"width as rational", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{256, 5, []uint64{5}, ""})}), []string{"tag ImageWidth has type 5"}, 0},
		// an integer tag typed ASCII (one damaged byte) was read as its bytes: a strip's offset as its
		// first byte, the samples read from the header, exit 0 (READ16's F4)
		{"width as ASCII", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{256, 2, nil, "\x05"})}), []string{"tag ImageWidth has type 2"}, 0},
		{"BigTIFF offset size 4", func() []byte {
			b := writeTIFF(tiffOpts{big: true}, g)
			b[4] = 4
			return b
		}(), []string{"BigTIFF with 4-byte offsets not supported"}, 0},
		{"ImageJ 2 channels x 3 frames", hyper("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\nmode=composite\n", 6), []string{"ImageJ hyperstack with 2 channels: select one with --channel N (1 to 2", "or split the channels first"}, 0},
		{"ImageJ channels only (tifffile default)", hyper("ImageJ=1.54f\nimages=3\nchannels=3\nhyperstack=true\nmode=grayscale\n", 3), []string{"ImageJ hyperstack with 3 channels", "axes"}, 0},
		{"ImageJ slices and frames", hyper("ImageJ=1.54f\nimages=6\nslices=2\nframes=3\nhyperstack=true\n", 6), []string{"ImageJ hyperstack with 2 slices and 3 frames: not supported"}, 0},
		{"ImageJ more images than pages", hyper("ImageJ=1.54f\nimages=5\nframes=5\n", 3), []string{"ImageJ file announces 5 images but holds 3 pages"}, 0},
		{"ImageJ one IFD, truncated", hyper("ImageJ=1.54f\nimages=9\nframes=9\n", 1), []string{"ImageJ file announces 9 images", "holds fewer (truncated?)"}, 0},
		{"ImageJ one IFD, images past the stored ones", func() []byte {
			// One stored frame, then the IFD and a long description: 3
			// announced images fit the file only by counting those bytes.
			p := grayPages(le, 1, 4, 5, 0)[0]
			return writeTIFF(tiffOpts{}, []tpage{with(p, ij("ImageJ=1.54f\nimages=3\nframes=3\n"+strings.Repeat("x", 200)))})
		}(), []string{"ImageJ file announces 3 images of 40 bytes", "hold the TIFF's tags"}, 0},
		// valid files
		{"little-endian, one strip", valid, nil, 3},
		{"big-endian, strips of 2 rows", writeTIFF(tiffOpts{bo: be}, grayPages(be, 3, 4, 5, 2)), nil, 3},
		{"big-endian BigTIFF, last strip short", writeTIFF(tiffOpts{bo: be, big: true}, grayPages(be, 2, 5, 3, 2)), nil, 2},
		{"strips with gaps and padding", writeTIFF(tiffOpts{}, func() []tpage {
			ps := grayPages(le, 3, 5, 4, 2)
			for i := range ps {
				ps[i].gap, ps[i].pad = 6, 2
			}
			return ps
		}()), nil, 3},
		{"no StripByteCounts", writeTIFF(tiffOpts{}, func() []tpage {
			ps := grayPages(le, 2, 4, 5, 0)
			for i := range ps {
				ps[i] = with(ps[i], ttag{279, 0, nil, ""})
			}
			return ps
		}()), nil, 2},
		{"OME-TIFF of 6 channels and nothing else (tifffile's ome=True without axes)", hyper(`<OME><Image><Pixels DimensionOrder="XYCZT" SizeC="6" SizeT="1" SizeZ="1"></Pixels></Image></OME>`, 6),
			[]string{"OME-TIFF with 6 channels (SizeC)", "metadata={'axes': 'TYX'}"}, 0},
		{"OME-TIFF of 2 channels", hyper(`<?xml version="1.0"?><OME><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" ID="Pixels:0" SizeC="2" SizeT="3" SizeX="5" SizeY="4" SizeZ="1" Type="uint16"></Pixels></Image></OME>`, 6), []string{"OME-TIFF with 2 channels (SizeC): select one with --channel N (1 to 2"}, 0},
		{"OME-TIFF of z slices and time points", hyper(`<OME><Image><Pixels SizeZ="2" SizeT="3" SizeC="1"/></Image></OME>`, 6), []string{"OME-TIFF with 2 z slices and 3 time points"}, 0},
		{"OME-TIFF of time points", hyper(`<OME><Image><Pixels SizeZ="1" SizeT="3" SizeC="1"/></Image></OME>`, 3), nil, 3},
		{"ImageJ slices only", hyper("ImageJ=1.54f\nimages=3\nslices=3\n", 3), nil, 3},
		{"ImageJ one IFD for all images", func() []byte {
			p := grayPages(le, 1, 4, 5, 0)[0]
			for t := 1; t < 4; t++ {
				p.strips[0] = append(p.strips[0], stripsOf(le, t, 4, 5, 4)[0]...)
			}
			p = with(p, ij("ImageJ=1.54f\nimages=4\nframes=4\n"), ttag{279, 4, []uint64{40}, ""})
			return writeTIFF(tiffOpts{}, []tpage{p})
		}(), nil, 4},
		// tifffile's imwrite(..., truncate=True): one page, the planes back to back
		{"tifffile truncate=True", func() []byte {
			p := grayPages(le, 1, 4, 5, 0)[0]
			for t := 1; t < 4; t++ {
				p.strips[0] = append(p.strips[0], stripsOf(le, t, 4, 5, 4)[0]...)
			}
			p = with(p, ij(`{"truncated": true, "shape": [4, 4, 5]}`), ttag{279, 4, []uint64{40}, ""})
			return writeTIFF(tiffOpts{}, []tpage{p})
		}(), nil, 4},
		{"tifffile truncate=True, file cut short", hyper(`{"truncated": true, "shape": [9, 4, 5]}`, 1),
			[]string{"tifffile (truncate=True) file announces 9 images of 40 bytes", "holds fewer (truncated?)"}, 0},
		{"tifffile truncate=True, planes past the stored ones", func() []byte {
			p := grayPages(le, 1, 4, 5, 0)[0]
			return writeTIFF(tiffOpts{}, []tpage{with(p, ij(`{"truncated": true, "shape": [3, 4, 5]}`+strings.Repeat(" ", 200)))})
		}(), []string{"tifffile (truncate=True) file announces 3 images of 40 bytes", "hold the TIFF's tags"}, 0},
		{"tifffile truncate=True, planes of another size", func() []byte {
			p := grayPages(le, 1, 4, 5, 0)[0]
			for t := 1; t < 4; t++ {
				p.strips[0] = append(p.strips[0], stripsOf(le, t, 4, 5, 4)[0]...)
			}
			p = with(p, ij(`{"truncated": true, "shape": [2, 8, 5]}`), ttag{279, 4, []uint64{40}, ""})
			return writeTIFF(tiffOpts{}, []tpage{p})
		}(), []string{"tifffile shape [2 8 5]: planes of 8 x 5 (rows x columns), but its page is 4 x 5"}, 0},
		{"tifffile truncate=True of time and channels", hyper(`{"truncated": true, "shape": [3, 2, 4, 5]}`, 1), []string{"2 axes before the image"}, 0},
		{"tifffile shape of planes on one page, not truncated", hyper(`{"shape": [3, 4, 5]}`, 1), []string{"3 planes, but the file holds 1 pages"}, 0},
		{"explicit planar configuration 1", writeTIFF(tiffOpts{}, []tpage{with(g[0], u(284, 1), u(277, 1))}), nil, 1},
		// tifffile: a user's description, then its own; one series of (time, rows, columns)
		{"tifffile two descriptions", writeTIFF(tiffOpts{}, withFirst(g, ij("Acquired on scope 3"), ij(`{"shape": [3, 4, 5]}`))), nil, 3},
		{"tifffile shape with singletons", hyper(`{"shape": [1, 3, 1, 4, 5]}`, 3), nil, 3},
		// imwrite of a (3, 4, 5, 1) array: a samples axis of 1 after the image
		{"tifffile shape with a trailing samples axis", hyper(`{"shape": [3, 4, 5, 1]}`, 3), nil, 3},
		{"tifffile frames with a trailing samples axis", func() []byte {
			ps := grayPages(le, 3, 4, 5, 0)
			for i := range ps {
				ps[i] = with(ps[i], ij(`{"shape": [4, 5, 1]}`))
			}
			return writeTIFF(tiffOpts{}, ps)
		}(), nil, 3},
		{"tifffile shape ending in 1 that is not the samples", hyper(`{"shape": [3, 2, 4, 5, 1]}`, 6), []string{"2 axes before the image"}, 0},
		{"tifffile two series", func() []byte {
			ps := grayPages(le, 6, 4, 5, 0)
			ps[0], ps[3] = with(ps[0], ij(`{"shape": [3, 4, 5]}`)), with(ps[3], ij(`{"shape": [3, 4, 5]}`))
			return writeTIFF(tiffOpts{}, ps)
		}(), []string{"several series", "a series starts at page 3"}, 0},
		{"tifffile a frame at a time (append=True)", func() []byte {
			ps := grayPages(le, 4, 4, 5, 0)
			for i := range ps {
				ps[i] = with(ps[i], ij(`{"shape": [4, 5]}`))
			}
			return writeTIFF(tiffOpts{}, ps)
		}(), nil, 4},
		{"tifffile frames then a series", func() []byte {
			ps := grayPages(le, 4, 4, 5, 0)
			ps[0], ps[1], ps[2] = with(ps[0], ij(`{"shape": [4, 5]}`)), with(ps[1], ij(`{"shape": [4, 5]}`)), with(ps[2], ij(`{"shape": [2, 4, 5]}`))
			return writeTIFF(tiffOpts{}, ps)
		}(), []string{"several series"}, 0},
		{"OME Pixels in a comment", hyper(`<OME><!-- <Pixels SizeT="9"> --><Image><Pixels SizeC="1" SizeT="3" SizeZ="1"/></Image></OME>`, 3), nil, 3},
		{"ImageJ scale calibration (the same pCF)", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=0\nc0=0\nc1=2.5\n", 3), nil, 3},
		{"ImageJ calibration with spaces", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf = 0\nc0 = -32768\nc1 = 1\n", 3), []string{"ImageJ signed 16-bit image"}, 0},
		// Micro-Manager's other files: a stub OME-XML (no Pixels), then its ImageJ description
		{"Micro-Manager stub OME-XML, ImageJ 2 channels", func() []byte {
			ps := grayPages(le, 6, 4, 5, 0)
			ps[0] = with(ps[0], ij(`<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><BinaryOnly MetadataFile="x_MMStack.ome.tif" UUID="urn:uuid:1"/></OME>`),
				ij("ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n"))
			return writeTIFF(tiffOpts{}, ps)
		}(), []string{"ImageJ hyperstack with 2 channels"}, 0},
		// an OME companion file's stub, or a damaged Pixels element, without
		// Micro-Manager's ImageJ description: its pages were read as one
		// series, 2 channels interleaved (READ19's F1)
		{"OME companion stub", hyper(`<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:2"><BinaryOnly MetadataFile="x.companion.ome" UUID="urn:uuid:1"/></OME>`, 6),
			[]string{"no Pixels element", `companion file "x.companion.ome"`}, 0},
		{"OME Pixels damaged", hyper(`<OME><Image ID="Image:0"><Pxxels DimensionOrder="XYCZT" SizeC="2" SizeT="3" SizeZ="1"/></Image></OME>`, 6),
			[]string{"no Pixels element (damaged"}, 0},
		{"tifffile time and channels", hyper(`{"shape": [3, 2, 4, 5]}`, 6), []string{"tifffile shape [3 2 4 5]: 2 axes before the image", "imagej=True"}, 0},
		// Python's NaN in the user's metadata, and a user's description with
		// a "shape" that is no shape before tifffile's: read as one series
		// of both channels (READ19's F2)
		{"tifffile time and channels, NaN metadata", hyper(`{"axes": "TCYX", "temperature": NaN, "note": "NaN \" Infinity", "low": -Infinity, "shape": [3, 2, 4, 5]}`, 6),
			[]string{"tifffile shape [3 2 4 5]: 2 axes before the image"}, 0},
		{"tifffile time and channels after a user's shape", func() []byte {
			ps := grayPages(le, 6, 4, 5, 0)
			ps[0] = with(ps[0], ij(`{"sample": "HeLa", "shape": "round cells"}`), ij(`{"axes": "TCYX", "shape": [3, 2, 4, 5]}`))
			return writeTIFF(tiffOpts{}, ps)
		}(), []string{"tifffile shape [3 2 4 5]: 2 axes before the image"}, 0},
		{"tifffile shape of other planes", hyper(`{"shape": [5, 4, 5]}`, 6), []string{"5 planes, but the file holds 6 pages"}, 0},
		{"OME two images", hyper(`<OME><Image ID="Image:0"><Pixels SizeC="1" SizeT="3" SizeZ="1"/></Image>`+
			`<Image ID="Image:1"><Pixels SizeC="1" SizeT="3" SizeZ="1"/></Image></OME>`, 6), []string{"OME-TIFF of 2 images", "its own file"}, 0},
		{"OME two images, prefixed", hyper(`<ome:OME xmlns:ome="x"><ome:Image><ome:Pixels SizeT='3'/></ome:Image>`+
			`<ome:Image><ome:Pixels SizeT='3'/></ome:Image></ome:OME>`, 6), []string{"OME-TIFF of 2 images"}, 0},
		// Micro-Manager: the dataset's OME-XML (every position) in each position's file; TiffData
		// name the file of each plane (the test names this file mmpos0.tif)
		{"mmpos0", hyper(`<OME><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" SizeC="1" SizeT="3" SizeZ="1">`+
			`<TiffData FirstT="0" IFD="0" PlaneCount="3"><UUID FileName="mmpos0.tif">urn:uuid:1</UUID></TiffData></Pixels></Image>`+
			`<Image ID="Image:1"><Pixels DimensionOrder="XYCZT" SizeC="1" SizeT="3" SizeZ="1">`+
			`<TiffData FirstT="0" IFD="0" PlaneCount="3"><UUID FileName="mmpos1.tif">urn:uuid:2</UUID></TiffData></Pixels></Image></OME>`, 3), nil, 3},
		{"mmpos9", hyper(`<OME><Image><Pixels SizeT="3"><TiffData IFD="0" PlaneCount="3"><UUID FileName="mmpos0.tif">u</UUID></TiffData></Pixels></Image>`+
			`<Image><Pixels SizeT="3"><TiffData IFD="0" PlaneCount="3"><UUID FileName="mmpos1.tif">u</UUID></TiffData></Pixels></Image></OME>`, 3),
			[]string{"none of them stored in this file (mmpos9.tif)"}, 0},
		{"OME two images both here", hyper(`<OME><Image><Pixels SizeT="3"><TiffData IFD="0" PlaneCount="3"/></Pixels></Image>`+
			`<Image><Pixels SizeT="3"><TiffData IFD="3" PlaneCount="3"/></Pixels></Image></OME>`, 6),
			[]string{"holding 2 of its 2 images"}, 0},
		// One channel: the TiffData must place the pages, read in file
		// order, in time order (a series stored backwards was read forwards).
		{"OME one channel, TiffData backwards", hyper(omeOne(3, `<TiffData IFD="0" FirstT="2"/><TiffData IFD="1" FirstT="1"/><TiffData IFD="2" FirstT="0"/>`), 3),
			[]string{"TiffData puts plane C=0 Z=0 T=2 at IFD 0, not at 2", "file order"}, 0},
		{"OME one channel, TiffData per plane", hyper(omeOne(3, `<TiffData IFD="0" FirstT="0" PlaneCount="1"/><TiffData IFD="1" FirstT="1"/><TiffData IFD="2" FirstT="2"/>`), 3), nil, 3},
		{"OME one channel, z slices per plane", hyper(`<OME><Image><Pixels DimensionOrder="XYZTC" SizeC="1" SizeZ="3" SizeT="1">`+
			`<TiffData IFD="0" FirstZ="0" PlaneCount="3"/></Pixels></Image></OME>`, 3), nil, 3},
		{"OME one channel, TiffData IFD past the pages", hyper(omeOne(3, `<TiffData IFD="1000" FirstT="0"/>`), 3),
			[]string{"to IFD 1000: past the file's 3 pages"}, 0},
		{"OME one channel, TiffData plane past SizeT", hyper(omeOne(3, `<TiffData IFD="0" FirstT="7"/>`), 3),
			[]string{"names plane C=0 Z=0 T=7 of an image of 1 channels x 1 z slices x 3 time points"}, 0},
		{"OME one channel, PlaneCount past the planes", hyper(omeOne(3, `<TiffData IFD="0" FirstT="1" PlaneCount="3"/>`), 3),
			[]string{"maps 3 planes from C=0 Z=0 T=1 to IFD 0"}, 0},
		{"OME one channel, bad PlaneCount", hyper(omeOne(3, `<TiffData PlaneCount="-3"/>`), 3),
			[]string{`TiffData with PlaneCount="-3"`}, 0},
		// a file of a multi-file series (Micro-Manager splits long ones):
		// it holds time points 3..5 of 6, the TiffData of the others name
		// their own file; its pages are read in order as its series
		{"omesplit", hyper(omeOne(6, `<TiffData IFD="0" FirstT="0" PlaneCount="3"><UUID FileName="other.tif">u</UUID></TiffData>`+
			`<TiffData IFD="0" FirstT="3" PlaneCount="3"><UUID FileName="omesplit.tif">u</UUID></TiffData>`), 3), nil, 3},
		// UUIDs without FileName (optional in the schema) name the file by
		// the root OME element's UUID
		{"omeuuid", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="6">`+
			`<TiffData IFD="0" FirstT="0" PlaneCount="3"><UUID>urn:uuid:aaaa</UUID></TiffData>`+
			`<TiffData IFD="0" FirstT="3" PlaneCount="3"><UUID>urn:uuid:bbbb</UUID></TiffData></Pixels></Image></OME>`, 3), nil, 3},
		{"omeuuid backwards", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="3">`+
			`<TiffData IFD="0" FirstT="2"><UUID>urn:uuid:aaaa</UUID></TiffData>`+
			`<TiffData IFD="2" FirstT="0"><UUID>urn:uuid:aaaa</UUID></TiffData></Pixels></Image></OME>`, 3),
			[]string{"puts plane C=0 Z=0 T=2 at IFD 0, not at 2"}, 0},
		// a file renamed (or copied, or linked) since it was written: its TiffData name the old name with
		// its own root UUID, and are its own (taken for another file's, the order went unchecked)
		{"omerenamed backwards", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="3">`+
			`<TiffData IFD="0" FirstT="2"><UUID FileName="orig.ome.tif">urn:uuid:aaaa</UUID></TiffData>`+
			`<TiffData IFD="2" FirstT="0"><UUID FileName="orig.ome.tif">urn:uuid:aaaa</UUID></TiffData></Pixels></Image></OME>`, 3),
			[]string{"puts plane C=0 Z=0 T=2 at IFD 0, not at 2"}, 0},
		// every TiffData in another file (not this one's name or UUID): its pages were read in file order
		{"omeelsewhere", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="3">`+
			`<TiffData IFD="2" FirstT="0"><UUID FileName="other.ome.tif">urn:uuid:bbbb</UUID></TiffData>`+
			`<TiffData IFD="0" FirstT="2"><UUID FileName="other.ome.tif">urn:uuid:bbbb</UUID></TiffData></Pixels></Image></OME>`, 3),
			[]string{"TiffData put every plane of its image in other.ome.tif, none in this file (omeelsewhere.tif)"}, 0},
		{"omerenamed", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="3">`+
			`<TiffData IFD="0" FirstT="0" PlaneCount="3"><UUID FileName="orig.ome.tif">urn:uuid:aaaa</UUID></TiffData></Pixels></Image></OME>`, 3), nil, 3},
		{"omesplit backwards", hyper(omeOne(6, `<TiffData IFD="0" FirstT="5"><UUID FileName="omesplit_backwards.tif">u</UUID></TiffData>`+
			`<TiffData IFD="1" FirstT="4"><UUID FileName="omesplit_backwards.tif">u</UUID></TiffData>`), 3),
			[]string{"puts plane C=0 Z=0 T=4 at IFD 1, out of the order of plane 5 at IFD 0"}, 0},
		{"omesplit before its planes", hyper(omeOne(6, `<TiffData IFD="1" FirstT="0"/>`), 3),
			[]string{"put its 3 pages at planes -1 to 1 of an image of 6"}, 0},
		{"omesplit past its planes", hyper(omeOne(6, `<TiffData IFD="0" FirstT="4" PlaneCount="2"/>`), 3),
			[]string{"put its 3 pages at planes 4 to 6 of an image of 6"}, 0},
		// TiffData that put every plane in this file, over fewer pages
		// than the image's planes: truncated (as an ImageJ file that
		// announces more images than it holds); 3 of 6 frames were read
		{"OME one file, fewer pages than planes", hyper(omeOne(6, `<TiffData IFD="0" PlaneCount="3"/>`), 3),
			[]string{"6 planes holds 3 pages, and its TiffData name no other file", "truncated"}, 0},
		// pages at a later run of planes, no other file named: a file of a
		// multi-file dataset, read (refused since b304ef1: REVIEW12's m)
		{"OME one file, a later run of planes", hyper(omeOne(6, `<TiffData IFD="0" FirstT="3" PlaneCount="3"/>`), 3), nil, 3},
		{"OME one file, bare TiffData, fewer pages than planes", hyper(omeOne(6, `<TiffData/>`), 3),
			[]string{"6 planes holds 3 pages, and its TiffData name no other file"}, 0},
		{"OME one file, named by its UUID, fewer pages than planes", hyper(`<OME UUID="urn:uuid:aaaa"><Image><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="6">`+
			`<TiffData IFD="0" FirstT="0" PlaneCount="3"><UUID>urn:uuid:aaaa</UUID></TiffData></Pixels></Image></OME>`, 3),
			[]string{"6 planes holds 3 pages, and its TiffData name no other file"}, 0},
		{"OME image of fewer planes than pages", hyper(`<OME><Image><Pixels SizeC="1" SizeT="3" SizeZ="1"/></Image></OME>`, 6),
			[]string{"1 channels x 1 z slices x 3 time points holds 6 pages"}, 0},
		{"ImageJ signed 16-bit", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=0\nc0=-32768.0\nc1=1.0\nvunit=Gray Value\n", 3),
			[]string{"ImageJ signed 16-bit image", "32-bit"}, 0},
		{"ImageJ value calibration", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=0\nc0=0.5\nc1=2.0\nvunit=OD\n", 3),
			[]string{"pixel value calibration (function cf=0, c0=0.5, c1=2.0)"}, 0},
		{"ImageJ uncalibrated OD", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=21\nvunit=Uncalibrated OD\n", 3),
			[]string{"pixel value calibration (uncalibrated OD, cf=21): its values"}, 0},
		{"ImageJ POLY2 calibration", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=1\nc0=0.5\nc1=2.0\nc2=0.25\nvunit=OD\n", 3),
			[]string{"pixel value calibration (function cf=1, c0=0.5, c1=2.0, c2=0.25)"}, 0},
		{"MetaMorph STK", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{33629, 4, []uint64{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ""})}),
			[]string{"MetaMorph STK file of 18 planes", "multi-page TIFF"}, 0},
		{"MetaMorph STK of one plane", writeTIFF(tiffOpts{}, []tpage{with(g[0], ttag{33629, 4, []uint64{1}, ""})}), nil, 1},
		{"ImageJ calibration none", hyper("ImageJ=1.54f\nimages=3\nframes=3\ncf=20\n", 3), nil, 3},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.NewReplacer(" ", "_", ",", "", "(", "", ")", "").Replace(c.name)+".tif")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_ = i
			src, err := Open(path)
			if err == nil {
				defer src.Close()
				err = readAll(src)
			}
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				checkStack(t, src, c.n, len(c.file)*0+srcH(src), srcW(src))
				return
			}
			checkError(t, err, append([]string{path}, c.want...)...)
		})
	}
}

// omeOne is the OME-XML of one image of one channel and t time points
// holding tiffData.
func omeOne(t int, tiffData string) string {
	return fmt.Sprintf(`<OME><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" SizeC="1" SizeZ="1" SizeT="%d">%s</Pixels></Image></OME>`, t, tiffData)
}

func srcH(s Source) int { _, h, _ := s.Shape(); return h }
func srcW(s Source) int { _, _, w := s.Shape(); return w }

// TestRawBadInput checks that a raw file is read only when its size is
// exactly the size its shape, dtype and offset give.
func TestRawBadInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	u16 := func(T, H, W, off int) Raw {
		return Raw{T: T, H: H, W: W, DType: array.Uint16, Order: array.Little, Offset: off}
	}
	fifo := filepath.Join(dir, "pipe.raw")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		raw  Raw
		want []string
	}{
		{"shorter than the shape", file("short.raw", 1000), u16(20, 6, 7, 0), []string{"raw file of 1000 bytes is shorter than 20 x 6 x 7 uint16 samples after offset 0 need (1680 bytes)"}},
		{"one byte longer", file("long.raw", 1681), u16(20, 6, 7, 0), []string{"raw file of 1681 bytes is longer than", "(1680 bytes)", "must match exactly"}},
		{"twice as long", file("double.raw", 3360), u16(20, 6, 7, 0), []string{"3360 bytes is longer"}},
		{"offset past the end", file("off.raw", 1000), u16(1, 2, 2, 5000), []string{"raw file of 1000 bytes is shorter", "after offset 5000 need (5008 bytes)"}},
		{"offset at the end", file("offend.raw", 1000), u16(1, 1, 1, 1000), []string{"need (1002 bytes)"}},
		{"empty file", file("empty.raw", 0), u16(1, 2, 2, 0), []string{"raw file of 0 bytes is shorter"}},
		{"shape overflows", file("over.raw", 1000), u16(math.MaxInt64/2, 4, 4, 0), []string{"is too large (its byte size overflows a 64-bit integer)"}},
		{"shape product overflows to a small number", file("wrap.raw", 1000), u16(1<<32, 1<<32, 1, 0), []string{"overflows"}},
		{"offset overflows", file("offover.raw", 1000), u16(1, 1, 1, math.MaxInt64), []string{"overflows"}},
		{"zero frames", file("zero.raw", 1000), u16(0, 2, 2, 0), []string{"raw shape 0 x 2 x 2", "want positive sizes"}},
		{"negative offset", file("neg.raw", 1000), u16(1, 2, 2, -4), []string{"offset -4"}},
		{"unknown dtype", file("dtype.raw", 1000), Raw{T: 1, H: 2, W: 2, DType: 99}, []string{"raw dtype"}},
		{"unknown byte order", file("order.raw", 8), Raw{T: 1, H: 2, W: 2, DType: array.Uint16, Order: 7}, []string{"raw byte order 7"}},
		{"named pipe", fifo, u16(1, 2, 2, 0), []string{"is a named pipe (FIFO), not a regular file"}},
		{"directory", dir, u16(1, 2, 2, 0), []string{"is a directory, not a regular file"}},
		{"missing", filepath.Join(dir, "nope.raw"), u16(1, 2, 2, 0), []string{"no such file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := within(t, func() (Source, error) { return OpenRaw(c.path, c.raw) })
			if err == nil {
				src.Close()
			}
			checkError(t, err, append([]string{c.path}, c.want...)...)
		})
	}
	t.Run("exact size, big-endian, offset, through a symbolic link", func(t *testing.T) {
		var b []byte = make([]byte, 3)
		for ti := 0; ti < 2; ti++ {
			for _, s := range stripsOf(be, ti, 4, 5, 4) {
				b = append(b, s...)
			}
		}
		p := filepath.Join(dir, "good.raw")
		os.WriteFile(p, b, 0o644)
		link := filepath.Join(dir, "link.raw")
		os.Symlink(p, link)
		src, err := OpenRaw(link, Raw{T: 2, H: 4, W: 5, DType: array.Uint16, Order: array.Big, Offset: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		checkStack(t, src, 2, 4, 5)
	})
}

// npyFile returns a version 1.0 .npy file with the given header dict
// (padded) followed by data.
func npyFile(dict string, data []byte) []byte {
	total := (10 + len(dict) + 1 + 63) / 64 * 64
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(total-10))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(append(b, '\n'), data...)
}

// TestNpyBadInput checks the .npy reader through Open and OpenNpy: the
// header dict is read exactly as numpy reads it or refused.
func TestNpyBadInput(t *testing.T) {
	data := make([]byte, 0, 2*4*5*2)
	for ti := 0; ti < 2; ti++ {
		data = append(data, stripsOf(le, ti, 4, 5, 4)[0]...)
	}
	cases := []struct {
		name string
		file []byte
		want []string
	}{
		{"duplicate shape", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), 'shape': (4, 2, 5), }", data), []string{`has key "shape" twice`}},
		{"duplicate descr", npyFile("{'descr': '<u2', 'descr': '>u2', 'fortran_order': False, 'shape': (2, 4, 5), }", data), []string{`has key "descr" twice`}},
		{"duplicate in both quotes", npyFile(`{'descr': '<u2', "descr": '<u2', 'fortran_order': False, 'shape': (2, 4, 5), }`, data), []string{"twice"}},
		{"unknown key", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), 'order': 'C'}", data), []string{`unknown key "order"`}},
		{"missing fortran_order", npyFile("{'descr': '<u2', 'shape': (2, 4, 5), }", data), []string{`no "fortran_order" key`}},
		{"missing shape", npyFile("{'descr': '<u2', 'fortran_order': False}", data), []string{`no "shape" key`}},
		{"key inside a string", npyFile(`{'descr': "<u2', 'shape': (1,", 'fortran_order': False, 'shape': (2, 4, 5)}`, data), []string{"not supported"}},
		{"shape not a tuple", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (40), }", data[:80]), []string{"(40) is an integer, not a tuple"}},
		{"shape as a list", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': [2, 4, 5], }", data), []string{"value is not a string, True, False or a tuple"}},
		{"negative dimension", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, -4, 5), }", data), []string{"non-negative decimal integer"}},
		{"hexadecimal", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 0x4, 5), }", data), []string{"tuple wants ',' or ')'"}},
		{"underscore", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 1_0), }", data), []string{"tuple wants"}},
		{"leading zero", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 04, 5), }", data), []string{"leading zero"}},
		{"fortran_order 0", npyFile("{'descr': '<u2', 'fortran_order': 0, 'shape': (2, 4, 5), }", data), []string{"value is not a string"}},
		{"fortran_order as a string", npyFile("{'descr': '<u2', 'fortran_order': 'False', 'shape': (2, 4, 5), }", data), []string{"fortran_order is not True or False"}},
		{"escaped descr", npyFile(`{'descr': '\x3cu2', 'fortran_order': False, 'shape': (2, 4, 5), }`, data), []string{"escape"}},
		{"comment", npyFile("{'descr': '<u2', # little\n 'fortran_order': False, 'shape': (2, 4, 5), }", data), []string{"quoted string"}},
		{"bytes after the dict", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), } x", data), []string{"bytes after the dict"}},
		{"structured dtype", npyFile("{'descr': [('a', '<u2')], 'fortran_order': False, 'shape': (2, 4, 5), }", data), []string{"value is not"}},
		{"size overflows", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904, 1), }", data), []string{"overflows a 64-bit integer"}},
		{"truncated data", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), }", data[:79]), []string{"truncated data", "needs 80 data bytes, the file has 79"}},
		{"trailing bytes", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), }", append(data, 0, 0)), []string{"trailing bytes", "needs 80 data bytes, the file has 82"}},
		{"two dimensions", npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (8, 5), }", data), []string{"want 3 dimensions"}},
		{"version 1.1", func() []byte {
			b := npyFile("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), }", data)
			b[7] = 1
			return b
		}(), []string{"format version 1.1"}},
		{"complex dtype", npyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 4, 5), }", data), []string{`dtype "<c8" not supported`}},
		{"huge header", append([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"), data...), []string{"header of 2147483647 bytes"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			os.WriteFile(path, c.file, 0o644)
			for _, open := range []func(string) (Source, error){Open, OpenNpy} {
				src, err := open(path)
				if err == nil {
					src.Close()
				}
				checkError(t, err, append([]string{path}, c.want...)...)
			}
		})
	}
	valid := []struct {
		name, dict string
	}{
		{"canonical", "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 5), }"},
		{"double quotes, no spaces, Python 2 longs", `{"descr":"<u2","fortran_order":False,"shape":(2L,4L,5L)}`},
		{"keys in another order, tabs", "{'shape': (2,\t4, 5,), 'fortran_order': False, 'descr': '<u2'}"},
	}
	for _, c := range valid {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "valid.npy")
			os.WriteFile(path, npyFile(c.dict, data), 0o644)
			src, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			checkStack(t, src, 2, 4, 5)
		})
	}
}

// TestPathBadInput checks files, folders and patterns: literal names
// before patterns, only regular files (or links to them) read, no open
// ever blocking on a named pipe.
func TestPathBadInput(t *testing.T) {
	dir := t.TempDir()
	one := func(ti int) []byte { return writeTIFF(tiffOpts{}, []tpage{grayPages(le, ti+1, 4, 5, 0)[ti]}) }
	write := func(p string, b []byte) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mkfifo := func(p string) string {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	series := func(name string, n int) string {
		d := filepath.Join(dir, name)
		for ti := 0; ti < n; ti++ {
			write(filepath.Join(d, "Pos0", "img_"+string(rune('0'+ti))+".tif"), one(ti))
		}
		return d
	}
	// A file whose name is a pattern, next to files the pattern matches.
	lit := filepath.Join(dir, "lit")
	write(filepath.Join(lit, "run[1].tif"), writeTIFF(tiffOpts{}, grayPages(le, 2, 4, 5, 0)))
	write(filepath.Join(lit, "run1.tif"), one(1))
	write(filepath.Join(lit, "run2.tif"), one(2))
	sock := filepath.Join(dir, "s.tif")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	} else {
		t.Fatal(err)
	}
	folderFifo := series("withfifo", 2)
	mkfifo(filepath.Join(folderFifo, "Pos0", "img_2.tif"))
	folderLink := series("withlink", 2)
	os.Symlink(filepath.Join(dir, "gone.tif"), filepath.Join(folderLink, "Pos0", "img_2.tif"))
	folderDirLink := series("withdirlink", 2)
	os.Symlink(dir, filepath.Join(folderDirLink, "Pos0", "img_2.tif"))
	folderGoodLink := series("goodlink", 1)
	write(filepath.Join(dir, "elsewhere", "frame1.tif"), one(1))
	os.Symlink(filepath.Join(dir, "elsewhere", "frame1.tif"), filepath.Join(folderGoodLink, "Pos0", "img_1.tif"))
	os.Mkdir(filepath.Join(folderGoodLink, "Pos0", "sub.tif"), 0o755) // a folder with a TIFF name: walked into
	folderMulti := series("withmulti", 2)
	write(filepath.Join(folderMulti, "Pos0", "img_2.tif"), writeTIFF(tiffOpts{}, grayPages(le, 2, 4, 5, 0)))
	folderSize := series("withsize", 2)
	write(filepath.Join(folderSize, "Pos0", "img_2.tif"), writeTIFF(tiffOpts{}, grayPages(le, 1, 3, 5, 0)))
	folderJunk := series("withjunk", 2)
	write(filepath.Join(folderJunk, "Pos0", "img_2.tif"), []byte("not a tiff at all"))
	folderRGB := series("withrgb", 2)
	write(filepath.Join(folderRGB, "Pos0", "img_2.tif"), writeTIFF(tiffOpts{}, []tpage{with(grayPages(le, 1, 4, 5, 0)[0], u(277, 2))}))
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	positions := series("positions", 2)
	write(filepath.Join(positions, "Pos1", "img_0.tif"), one(0))
	mm := func(name string, files ...string) string {
		d := filepath.Join(dir, name)
		for i, f := range files {
			write(filepath.Join(d, f), one(i/2))
		}
		return d
	}
	mmChannels := mm("mmchannels", "img_000000000_DAPI_000.tif", "img_000000000_GFP_000.tif", "img_000000001_DAPI_000.tif", "img_000000001_GFP_000.tif")
	mmZT := mm("mmzt", "img_000000000_Default_000.tif", "img_000000000_Default_001.tif", "img_000000001_Default_000.tif", "img_000000001_Default_001.tif")
	mmPos := mm("mmpos", "img_channel000_position000_time000000000_z000.tif", "img_channel000_position001_time000000000_z000.tif")
	mmGap := mm("mmgap", "img_000000000_Default_000.tif", "img_000000001_Default_000.tif", "img_000000003_Default_000.tif")
	mmZ := filepath.Join(dir, "mmz") // one time point, z slices 0..2 holding frames 0..2
	for i := 0; i < 3; i++ {
		write(filepath.Join(mmZ, fmt.Sprintf("img_000000005_Default_%03d.tif", i)), one(i))
	}
	mmZGap := mm("mmzgap", "img_000000005_Default_000.tif", "img_000000005_Default_002.tif")
	mmZTwice := filepath.Join(dir, "mmztwice")
	mm("mmztwice/a", "img_000000005_Default_000.tif", "img_000000005_Default_001.tif")
	mm("mmztwice/b", "img_000000005_Default_001.tif")
	ijSeq := mm("ijseq", "img_t001_c001.tif", "img_t001_c002.tif", "img_t002_c001.tif", "img_t002_c002.tif")
	ijSeqZT := mm("ijseqzt", "img_t001_z001.tif", "img_t001_z002.tif", "img_t002_z001.tif", "img_t002_z002.tif")
	ijSeqUp := mm("ijsequp", "IMG_T001_C001.TIFF", "IMG_T001_C002.TIFF", "IMG_T002_C001.TIFF", "IMG_T002_C002.TIFF")
	ijSeqCZT := filepath.Join(dir, "ijseqczt") // slice 1, channel 1 holds frames 0 and 1
	for i := 0; i < 8; i++ {
		tt, z, c := i/4, i/2%2, i%2
		v := 9
		if z == 0 && c == 0 {
			v = tt
		}
		write(filepath.Join(ijSeqCZT, fmt.Sprintf("hs_t%03d_z%03d_c%03d.tif", tt+1, z+1, c+1)), one(v))
	}
	cycles := filepath.Join(dir, "cycles") // a series numbered NAME_c0001.tif: no hyperstack's (no _t or _z)
	for i := 0; i < 3; i++ {
		write(filepath.Join(cycles, fmt.Sprintf("movie_c%04d.tif", i+1)), one(i))
	}
	mmTwo := filepath.Join(dir, "mmtwo")
	mm("mmtwo/Pos0", "img_000000000_Default_000.tif", "img_000000001_Default_000.tif")
	mm("mmtwo/Pos1", "img_000000000_Default_000.tif", "img_000000001_Default_000.tif")
	globFifo := filepath.Join(dir, "gf")
	write(filepath.Join(globFifo, "a1.tif"), one(0))
	mkfifo(filepath.Join(globFifo, "a2.tif"))
	globDir := filepath.Join(dir, "gd")
	write(filepath.Join(globDir, "a1.tif"), one(0))
	os.MkdirAll(filepath.Join(globDir, "a2.tif"), 0o755)
	fifo := mkfifo(filepath.Join(dir, "pipe.tif"))
	ij, err := os.ReadFile("testdata/imagej.tif") // as tifffile wrote it
	if err != nil {
		t.Fatal(err)
	}
	ijChannels := write(filepath.Join(dir, "imagej_channels.tif"), bytes.Replace(ij, []byte("frames=20  "), []byte("channels=20"), 1))
	npyLink := filepath.Join(dir, "stack_link.npy")
	os.Symlink(filepath.Join(mustAbs(t, "testdata"), "stack.npy"), npyLink)
	cases := []struct {
		name string
		open func() (Source, error)
		want []string // nil: valid, n frames of frameValue
		n    int
	}{
		{"named pipe", func() (Source, error) { return Open(fifo) }, []string{fifo, "is a named pipe (FIFO), not a regular file"}, 0},
		{"named pipe as TIFF", func() (Source, error) { return OpenTIFF(fifo) }, []string{fifo, "named pipe"}, 0},
		{"named pipe as npy", func() (Source, error) { return OpenNpy(fifo) }, []string{fifo, "named pipe"}, 0},
		{"socket", func() (Source, error) { return Open(sock) }, []string{sock, "is a socket"}, 0},
		{"character device", func() (Source, error) { return Open("/dev/null") }, []string{"/dev/null is a character device"}, 0},
		{"directory as npy", func() (Source, error) { return OpenNpy(dir) }, []string{dir + " is a directory"}, 0},
		{"directory as TIFF", func() (Source, error) { return OpenTIFF(dir) }, []string{dir + " is a directory"}, 0},
		{"named pipe in a folder", func() (Source, error) { return Open(folderFifo) }, []string{filepath.Join(folderFifo, "Pos0", "img_2.tif"), "named pipe"}, 0},
		{"dangling link in a folder", func() (Source, error) { return Open(folderLink) }, []string{filepath.Join(folderLink, "Pos0", "img_2.tif"), "no such file"}, 0},
		{"link to a folder in a folder", func() (Source, error) { return Open(folderDirLink) }, []string{filepath.Join(folderDirLink, "Pos0", "img_2.tif"), "is a directory"}, 0},
		{"multi-page file in a folder", func() (Source, error) { return Open(folderMulti) }, []string{filepath.Join(folderMulti, "Pos0", "img_2.tif"), "holds more than one page"}, 0},
		{"other size in a folder", func() (Source, error) { return Open(folderSize) }, []string{filepath.Join(folderSize, "Pos0", "img_2.tif"), "is 3x5 (rows x columns) uint16, the first file 4x5 uint16"}, 0},
		{"not a TIFF in a folder", func() (Source, error) { return Open(folderJunk) }, []string{filepath.Join(folderJunk, "Pos0", "img_2.tif"), "not a TIFF file"}, 0},
		{"RGB in a folder", func() (Source, error) { return Open(folderRGB) }, []string{filepath.Join(folderRGB, "Pos0", "img_2.tif"), "2 samples per pixel"}, 0},
		{"empty folder", func() (Source, error) { return Open(filepath.Join(dir, "empty")) }, []string{"no .tif files in " + filepath.Join(dir, "empty")}, 0},
		{"pattern matching a named pipe", func() (Source, error) { return Open(filepath.Join(globFifo, "a*.tif")) }, []string{filepath.Join(globFifo, "a2.tif"), "named pipe"}, 0},
		{"pattern matching a folder", func() (Source, error) { return Open(filepath.Join(globDir, "a*.tif")) }, []string{filepath.Join(globDir, "a*.tif") + `": ` + filepath.Join(globDir, "a2.tif") + " is a directory, not a regular file (the files of a pattern are the frames)"}, 0},
		{"pattern matching nothing", func() (Source, error) { return Open(filepath.Join(dir, "zz*.tif")) }, []string{"no file matches", filepath.Join(dir, "zz*.tif")}, 0},
		{"bad pattern", func() (Source, error) { return Open(filepath.Join(dir, "[z.tif")) }, []string{filepath.Join(dir, "[z.tif"), "is no valid pattern"}, 0},
		{"missing file", func() (Source, error) { return Open(filepath.Join(dir, "nope.tif")) }, []string{filepath.Join(dir, "nope.tif"), "no such file"}, 0},
		{"tifffile's ImageJ 3-D stack, labelled channels", func() (Source, error) { return Open(ijChannels) }, []string{ijChannels, "ImageJ hyperstack with 20 channels"}, 0},
		{"folders Pos0 and Pos1", func() (Source, error) { return Open(positions) }, []string{positions, "TIFF files in 2 folders"}, 0},
		{"Micro-Manager channels", func() (Source, error) { return Open(mmChannels) }, []string{mmChannels, "Micro-Manager images of 2 channels (DAPI, GFP, ...) would interleave as frames"}, 0},
		{"Micro-Manager channels by pattern", func() (Source, error) { return Open(mmChannels + "/img_*.tif") }, []string{"img_*.tif", "2 channels"}, 0},
		{"Micro-Manager slices and times", func() (Source, error) { return Open(mmZT) }, []string{mmZT, "2 z slices at 2 time points"}, 0},
		{"Micro-Manager 2.0 positions", func() (Source, error) { return Open(mmPos) }, []string{mmPos, "2 positions"}, 0},
		// a pattern over Pos0/ and Pos1/ (1.4 names hold no position) joined both; a gap shifted later frames
		{"Micro-Manager positions by pattern", func() (Source, error) { return Open(mmTwo + "/*/img_*.tif") }, []string{"have the same time index 0", filepath.Join("Pos1", "img_000000000_Default_000.tif")}, 0},
		{"Micro-Manager time gap", func() (Source, error) { return Open(mmGap) }, []string{mmGap, "time indices 0 to 3 lack index 2", "one interval early"}, 0},
		{"Micro-Manager z gap", func() (Source, error) { return Open(mmZGap) }, []string{mmZGap, "z indices 0 to 2 lack index 1", "every slice after it"}, 0},
		{"Micro-Manager z index twice", func() (Source, error) { return Open(mmZTwice + "/*/img_*.tif") }, []string{"have the same z index 1"}, 0},
		// ImageJ's Save As > Image Sequence of a hyperstack: channels read as alternating frames, exit 0
		{"ImageJ image sequence of 2 channels", func() (Source, error) { return Open(ijSeq) }, []string{ijSeq, "ImageJ hyperstack of 2 channels (c001, c002, ...)", `"*_c001.tif"`}, 0},
		{"ImageJ image sequence of slices and times", func() (Source, error) { return Open(ijSeqZT) }, []string{"2 z slices at 2 time points", `"*_z001.tif"`}, 0},
		// the pattern advised matches the files: their case and extension, and the slice with the channel
		{"ImageJ image sequence, upper case", func() (Source, error) { return Open(ijSeqUp) }, []string{`"*_C001.TIFF"`}, 0},
		{"ImageJ image sequence of channels, slices and times", func() (Source, error) { return Open(ijSeqCZT) }, []string{`"*_z001_c001.tif"`}, 0},
		// valid
		{"one channel of an ImageJ image sequence", func() (Source, error) { return Open(ijSeq + "/*_c001.tif") }, nil, 2},
		{"one channel of an upper-case ImageJ image sequence", func() (Source, error) { return Open(ijSeqUp + "/*_C001.TIFF") }, nil, 2},
		{"one slice and channel of an ImageJ image sequence", func() (Source, error) { return Open(ijSeqCZT + "/*_z001_c001.tif") }, nil, 2},
		{"a series numbered _c0001", func() (Source, error) { return Open(cycles) }, nil, 3},
		{"Micro-Manager z series", func() (Source, error) { return Open(mmZ) }, nil, 3},
		{"one Micro-Manager channel by pattern", func() (Source, error) { return Open(mmChannels + "/img_*_DAPI_*.tif") }, nil, 2},
		{"literal name with brackets", func() (Source, error) { return Open(filepath.Join(lit, "run[1].tif")) }, nil, 2},
		{"pattern when no literal file", func() (Source, error) { return Open(filepath.Join(lit, "run[12].tif")) }, nil, -1},
		{"folder with links to files", func() (Source, error) { return Open(folderGoodLink) }, nil, 2},
		{"link to a .npy", func() (Source, error) { return Open(npyLink) }, nil, -20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := within(t, c.open)
			if err == nil {
				defer src.Close()
				err = readAll(src)
			}
			switch {
			case c.want != nil:
				checkError(t, err, c.want...)
			case err != nil:
				t.Fatal(err)
			case c.n == -1: // run1.tif holds frame 1, run2.tif frame 2; run[1].tif frames 0 and 1
				T, _, _ := src.Shape()
				f0, _ := src.Frame(0)
				a := f0.At(0, 0)
				f1, _ := src.Frame(1)
				if T != 2 || a != float64(frameValue(1, 0, 0)) || f1.At(0, 0) != float64(frameValue(2, 0, 0)) {
					t.Fatalf("pattern: %d frames, first samples %v, %v", T, a, f1.At(0, 0))
				}
			case c.n == -20:
				compare(t, c.name, src, reference(t), 1)
			default:
				checkStack(t, src, c.n, 4, 5)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGuardTruncated checks that Guard turns the fault of reading a mapped
// file that was cut short into ErrChanged naming the source, not a crash.
func TestGuardTruncated(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cut.raw")
	if err := os.WriteFile(p, make([]byte, 3*64*64*2), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := OpenRaw(p, Raw{T: 3, H: 64, W: 64, DType: array.Uint16})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	err = Guard(src.Name(), func() error {
		fr, err := src.Frame(2)
		if err != nil {
			return err
		}
		fr.At(63, 63)
		return nil
	})
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), p) {
		t.Fatalf("read after truncation: %v, want ErrChanged naming %s", err, p)
	}
	// The fault's address, not the runtime's words for it, which read as
	// a bug ("invalid memory address or nil pointer dereference").
	if msg := err.Error(); !strings.Contains(msg, "fault at 0x") || strings.Contains(msg, "nil pointer") {
		t.Fatalf("read after truncation: %q", msg)
	}
}

// TestMatchesPattern: which paths a pattern input would read as frames,
// compared absolute, relative to the working folder, through links to
// folders and with special characters in folder names.
func TestMatchesPattern(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b", "a/sub"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "a", "f1.tif"), nil, 0o644)
	os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "link"))
	t.Chdir(dir)
	cases := []struct {
		input, path string
		want        bool
	}{
		{"a/*.tif", "a/out.tif", true},
		{"a/*.tif", filepath.Join(dir, "a", "out.tif"), true},
		{filepath.Join(dir, "a", "*.tif"), "a/out.tif", true},
		{"a/*.tif", "link/out.tif", true},
		{"link/*.tif", "a/out.tif", true},
		{"a/*.tif", "./a/../a/out.tif", true},
		{"*/*.tif", "a/out.tif", true},
		{"*/*.tif", "link/out.tif", true},
		{"a/*.tif", "a/out.npy", false},
		{"a/*.tif", "a/out.tif.json", false},
		{"a/*.tif", "a/.out.tif", false},
		{"a/.*.tif", "a/.out.tif", true},
		{"a/*.tif", "b/out.tif", false},
		{"a/*.tif", "a/sub/out.tif", false},
		{"a/f1.tif", "a/f1.tif", false}, // a file, not a pattern
		{"a/[.tif", "a/x.tif", false},   // malformed: matches nothing
		{"a/f?.tif", "a/f2.tif", true},
		{"a/f?.tif", "a/f10.tif", false},
		{"l*/*.tif", "a/out.tif", true}, // a link that a wildcard folder matches
		{"[kl]ink/*.tif", "a/out.tif", true},
		{"b*/*.tif", "a/out.tif", false},
	}
	for _, c := range cases {
		if got := MatchesPattern(c.input, c.path); got != c.want {
			t.Errorf("MatchesPattern(%q, %q) = %v, want %v", c.input, c.path, got, c.want)
		}
	}
	// A working folder whose name holds special characters: not read as
	// part of a relative pattern.
	odd := filepath.Join(dir, "exp[2]")
	os.MkdirAll(filepath.Join(odd, "d2"), 0o755)
	t.Chdir(odd)
	for _, c := range []struct {
		input, path string
		want        bool
	}{
		{"d*/*.tif", "d2/out.tif", true},
		{"d2/*.tif", "d2/out.tif", true},
		{filepath.Join(dir, `exp\[2\]`, "d*", "*.tif"), "d2/out.tif", true},
		{"e*/*.tif", "d2/out.tif", false},
	} {
		if got := MatchesPattern(c.input, c.path); got != c.want {
			t.Errorf("in %s: MatchesPattern(%q, %q) = %v, want %v", odd, c.input, c.path, got, c.want)
		}
	}
}

// TestTruncatedWhileOpened: a file cut short just after it was mapped,
// while its header or TIFF pages are parsed, is ErrChanged naming it from
// every way of opening it, or, where the headers lie within the bytes
// left, when its frames are read; never a fault that kills the process
// (the page walk of a TIFF read the mapping unguarded: SIGBUS), nor a
// format error blaming a file that was whole when opened.
func TestTruncatedWhileOpened(t *testing.T) {
	dir, write := tempWriter(t)
	lef := writeTIFF(tiffOpts{}, grayPages(binary.LittleEndian, 64, 32, 32, 8))
	bef := writeTIFF(tiffOpts{bo: binary.BigEndian, big: true}, grayPages(binary.BigEndian, 64, 32, 32, 0))
	one := writeTIFF(tiffOpts{}, grayPages(binary.LittleEndian, 1, 32, 32, 0))
	series := filepath.Join(dir, "series")
	os.Mkdir(series, 0o755)
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(series, fmt.Sprintf("img_%03d.tif", i)), one, 0o644)
	}
	stack := make([]byte, 64*32*32*2)
	for i := range stack {
		stack[i] = byte(i)
	}
	npyPath := filepath.Join(dir, "c.npy")
	defer func() { testHookMapped = nil }()
	for _, c := range []struct {
		name string
		open func() (Source, error)
		cut  string // the file truncated
		size int    // its size
	}{
		{"Open tiff", func() (Source, error) { return Open(write("a.tif", lef)) }, "a.tif", len(lef)},
		{"OpenTIFF bigtiff", func() (Source, error) { return OpenTIFF(write("b.tif", bef)) }, "b.tif", len(bef)},
		{"Open npy", func() (Source, error) {
			if err := npy.WriteFile(npyPath, array.Uint16, []int{64, 32, 32}, stack); err != nil {
				t.Fatal(err)
			}
			return Open(npyPath)
		}, "c.npy", 128 + len(stack)},
		{"folder", func() (Source, error) { return Open(series) }, "img_000.tif", len(one)},
	} {
		// (A cut within the last page of the frames reads as zeros there,
		// not a fault: the job's check of the file's size catches it.)
		for _, size := range []int64{0, 9, 200, int64(c.size / 3), int64(max(c.size-5000, 300))} {
			testHookMapped = func(path string) {
				if filepath.Base(path) == c.cut {
					os.Truncate(path, size)
				}
			}
			src, err := c.open()
			testHookMapped = nil
			if err == nil {
				T, _, _ := src.Shape()
				err = Guard(src.Name(), func() error {
					for i := 0; i < T; i++ {
						fr, err := src.Frame(i)
						if err != nil {
							return err
						}
						fr.At(fr.Shape[0]-1, fr.Shape[1]-1)
					}
					return nil
				})
				src.Close()
			}
			if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), c.cut) {
				t.Errorf("%s cut to %d of %d bytes while opened: %v, want ErrChanged naming %s", c.name, size, c.size, err, c.cut)
			}
			if c.name == "folder" {
				os.WriteFile(filepath.Join(series, "img_000.tif"), one, 0o644)
			}
		}
	}
}

// sharedTagsTIFF is a classic little-endian TIFF of n 1x1 uint16 pages
// whose entries of tag (BYTE or ASCII typ, count) all point into one
// shared region of size bytes, page k at its byte k*shift.
func sharedTagsTIFF(n int, tag, typ uint16, count, size, shift int) []byte {
	b := make([]byte, 8, 8+size+2+n*(2+8*12+4))
	copy(b, "II*\x00")
	region := 8
	b = append(b, bytes.Repeat([]byte{'a'}, size)...)
	b[region+size-1] = 0
	pixel := len(b)
	b = append(b, 7, 0) // the one sample, shared
	le.PutUint32(b[4:], uint32(len(b)))
	for k := 0; k < n; k++ {
		type ent struct {
			tag, typ  uint16
			count, at uint32
		}
		es := []ent{{256, 3, 1, 1}, {257, 3, 1, 1}, {258, 3, 1, 16}, {273, 4, 1, uint32(pixel)}, {279, 4, 1, 2}}
		es = append(slices.DeleteFunc(es, func(e ent) bool { return e.tag == tag }), ent{tag, typ, uint32(count), uint32(region + k*shift)})
		slices.SortFunc(es, func(a, b ent) int { return int(a.tag) - int(b.tag) })
		b = le.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, e.count)
			b = le.AppendUint32(b, e.at)
		}
		next := 0
		if k < n-1 {
			next = len(b) + 4
		}
		b = le.AppendUint32(b, uint32(next))
	}
	return b
}

// A small file whose pages' tags share, or overlap in, one region was
// parsed in time and memory of pages x region: minutes, gigabytes, or Go's
// A ZIP archive (ImageJ's File > Save As > ZIP) is said to be one (it was
// "neither .npy nor TIFF").
func TestZIPArchiveSaidSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.zip")
	if err := os.WriteFile(path, append([]byte("PK\x03\x04"), make([]byte, 60)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	checkError(t, err, path, "is a ZIP archive (ImageJ's File > Save As > ZIP): unzip it")
}

// fatal out of memory. Such counts and overlaps are refused at once.
func TestTIFFSharedTagsRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"BitsPerSample of 200000 values on every page", sharedTagsTIFF(400, 258, 1, 200000, 200000, 0), "tag BitsPerSample has 200000 values, one per sample"},
		{"descriptions shifted by a byte", sharedTagsTIFF(400, 270, 2, 100000, 100400, 1), "descriptions overlapping one another"},
		{"one description shared by every page", sharedTagsTIFF(400, 270, 2, 100000, 100000, 0), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".tif")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := within(t, func() (Source, error) { return Open(path) })
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				if T, H, W := src.Shape(); T != 400 || H != 1 || W != 1 {
					t.Errorf("shape %d x %d x %d, want 400 x 1 x 1", T, H, W)
				}
				return
			}
			checkError(t, err, path, c.want)
		})
	}
}

// TestTIFFGuessesRefused: an OME-TIFF of channels without DimensionOrder
// (required by OME: guessed XYCZT, read across the channels: READ19's m2)
// and StripOffsets typed BYTE (one flipped bit: a frame from the header,
// exit 0: READ19's m4) are refused.
func TestTIFFGuessesRefused(t *testing.T) {
	dir := t.TempDir()
	ps := grayPages(le, 6, 4, 5, 0)
	ps[0] = with(ps[0], ij(`<OME><Image ID="Image:0"><Pixels SizeC="2" SizeT="3" SizeZ="1" Type="uint8"/></Image></OME>`))
	ome := filepath.Join(dir, "noorder.ome.tif")
	if err := os.WriteFile(ome, writeTIFF(tiffOpts{}, ps), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenChannel(ome, 1)
	checkError(t, err, ome, "without DimensionOrder")
	// StripOffsets (273) of the first IFD typed BYTE
	b := writeTIFF(tiffOpts{}, grayPages(le, 4, 4, 5, 0))
	ifd := int(le.Uint32(b[4:]))
	n := int(le.Uint16(b[ifd:]))
	for k := 0; k < n; k++ {
		if e := ifd + 2 + 12*k; le.Uint16(b[e:]) == 273 {
			le.PutUint16(b[e+2:], 1)
		}
	}
	p := filepath.Join(dir, "bytestrips.tif")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(p)
	if err == nil {
		err = readAll(src)
		src.Close()
	}
	checkError(t, err, p, "StripOffsets has type BYTE")
}
