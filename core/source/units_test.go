//go:build unix

package source

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// openBytes writes b to a file named name in a new folder and opens it.
func openBytes(t *testing.T, name string, b []byte) Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func rat(id uint16, num, den uint64) ttag {
	return ttag{id: id, typ: ratPairs, vals: []uint64{num, den}}
}

func asc(id uint16, s string) ttag { return ttag{id: id, typ: 2, ascii: s} }

// withFirst adds tags to the first page of ps.
func withFirst(ps []tpage, tags ...ttag) []tpage {
	out := append([]tpage(nil), ps...)
	out[0] = with(out[0], tags...)
	return out
}

func sameUnits(a, b Units) bool {
	close := func(x, y float64) bool { return x == y || math.Abs(x-y) <= 1e-12*math.Max(math.Abs(x), math.Abs(y)) }
	return close(a.FrameInterval, b.FrameInterval) && close(a.PixelSize, b.PixelSize) && a.Origin == b.Origin && a.NotSquare == b.NotSquare
}

// ome is an OME-XML description of one (3, 4, 5) series with the given
// Pixels attributes and content.
func ome(attrs, content string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` +
		`<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="test">` +
		`<Image ID="Image:0" Name="t"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" ` +
		`SizeX="5" SizeY="4" SizeZ="1" SizeC="1" SizeT="3" ` + attrs + `>` +
		`<Channel ID="Channel:0:0" SamplesPerPixel="1"/>` + content + `</Pixels></Image></OME>`
}

// TestUnits reads the units of TIFF files with each kind of metadata, and
// with none or malformed metadata (never an error: the units are then
// unknown). Every file must still read as before.
func TestUnits(t *testing.T) {
	g := grayPages(le, 3, 4, 5, 0)
	ijDesc := "ImageJ=1.54f\nimages=3\nframes=3\n"
	mmJSON := `{"PixelSizeUm":"0.108","Camera":"Cam","ElapsedTime-ms":12.5,"Summary":{"Interval_ms":100,"Slices":1}}`
	cases := []struct {
		name string
		file []byte
		want Units
	}{
		// ImageJ: pixel width = 1/XResolution in unit=, interval finterval= in tunit= (default sec)
		{"imagej micron", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nfinterval=0.05\nspacing=2.0\nloop=false\n"),
			rat(282, 2500000, 1000000), rat(283, 2500000, 1000000), u(296, 1))),
			Units{FrameInterval: 0.05, PixelSize: 0.4, Origin: "ImageJ", NotSquare: ""}},
		{"imagej escaped µm, tunit ms", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+`unit=\u00B5m`+"\nfinterval=25\ntunit=ms\n"),
			rat(282, 10, 1), rat(283, 10, 1))),
			Units{FrameInterval: 0.025, PixelSize: 0.1, Origin: "ImageJ", NotSquare: ""}},
		// ImageJ's Properties write "usec" (Fiji read it; the CLI did not).
		{"imagej tunit usec", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=um\nfinterval=50\ntunit=usec\n"),
			rat(282, 10, 1), rat(283, 10, 1))),
			Units{FrameInterval: 5e-5, PixelSize: 0.1, Origin: "ImageJ", NotSquare: ""}},
		// No YResolution: ImageJ's height stays 1 (FileInfo's default), as
		// Fiji's image of the file says (UNITS14's F11: the width was taken).
		{"imagej nm, no YResolution", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=nm\n"), rat(282, 1, 160))),
			Units{NotSquare: "0.16 x 0.001 um (ImageJ)"}},
		{"imagej nm, no YResolution, width 1", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=nm\n"), rat(282, 1, 1))),
			Units{PixelSize: 0.001, Origin: "ImageJ"}},
		// unit=pixel: uncalibrated in ImageJ, its resolution tags per cm
		// unread (UNITS14's F11: the CLI took 0.2 um from them)
		{"imagej unit=pixel, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=pixel\nfinterval=2\n"),
			rat(282, 50000, 1), rat(283, 50000, 1), u(296, 3))),
			Units{FrameInterval: 2, Origin: "ImageJ"}},
		{"imagej uncalibrated (unit=pixel)", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=pixel\nfinterval=2\n"),
			rat(282, 1, 1), rat(283, 1, 1))),
			Units{FrameInterval: 2, PixelSize: 0, Origin: "ImageJ", NotSquare: ""}},
		{"imagej pixels not square", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nfinterval=0.5\n"),
			rat(282, 2, 1), rat(283, 4, 1))),
			Units{FrameInterval: 0.5, PixelSize: 0, Origin: "ImageJ", NotSquare: "0.5 x 0.25 um (ImageJ)"}},
		{"imagej yunit other than unit", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nyunit=nm\n"),
			rat(282, 2, 1))),
			Units{NotSquare: "0.5 x 0.001 um (ImageJ)"}},
		{"scifio micron", writeTIFF(tiffOpts{}, withFirst(g, asc(270, "SCIFIO=0.46.0\nimages=3\nframes=3\nunit=micron\nfinterval=0.05\n"),
			rat(282, 2500000, 1000000), rat(283, 2500000, 1000000))),
			Units{FrameInterval: 0.05, PixelSize: 0.4, Origin: "ImageJ", NotSquare: ""}},
		{"ome with a namespace prefix and single quotes", writeTIFF(tiffOpts{}, withFirst(g, asc(270, `<?xml version='1.0'?><ome:OME xmlns:ome='http://www.openmicroscopy.org/Schemas/OME/2016-06'>`+
			`<ome:Image ID='Image:0'><ome:Pixels PhysicalSizeX='0.5' PhysicalSizeY='0.5' TimeIncrement='0.02' SizeT='3'/></ome:Image></ome:OME>`))),
			Units{FrameInterval: 0.02, PixelSize: 0.5, Origin: "OME-XML", NotSquare: ""}},
		// Micro-Manager: the image's MicroManagerMetadata, with its Summary
		{"micro-manager tag", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, mmJSON))),
			Units{FrameInterval: 0.1, PixelSize: 0.108, Origin: "Micro-Manager", NotSquare: ""}},
		{"micro-manager 2 keys", writeTIFF(tiffOpts{bo: be}, withFirst(grayPages(be, 3, 4, 5, 0), asc(51123, `{"PixelSizeUm":0.065,"IntervalMs":40,"PixelAspect":1.0}`))),
			Units{FrameInterval: 0.04, PixelSize: 0.065, Origin: "Micro-Manager", NotSquare: ""}},
		{"micro-manager interval 0 (as fast as possible)", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, `{"PixelSize_um":0.2,"Interval_ms":0}`))),
			Units{FrameInterval: 0, PixelSize: 0.2, Origin: "Micro-Manager", NotSquare: ""}},
		{"micro-manager pixel aspect 2", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, `{"PixelSizeUm":0.2,"PixelAspect":2,"Interval_ms":5}`))),
			Units{FrameInterval: 0.005, PixelSize: 0, Origin: "Micro-Manager", NotSquare: "aspect 2 (Micro-Manager)"}},
		{"micro-manager header summary", mmHeaderFile(`{"Prefix":"run","PixelSize_um":0.0645,"Interval_ms":20,"Frames":3}`),
			Units{FrameInterval: 0.02, PixelSize: 0.0645, Origin: "Micro-Manager", NotSquare: ""}},
		// OME-XML: PhysicalSizeX/Y with units (default µm), TimeIncrement with unit (default s)
		{"ome", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="0.5" PhysicalSizeXUnit="µm" PhysicalSizeY="0.5" PhysicalSizeYUnit="µm" TimeIncrement="25" TimeIncrementUnit="ms"`, "")))),
			Units{FrameInterval: 0.025, PixelSize: 0.5, Origin: "OME-XML", NotSquare: ""}},
		{"ome default units, BigTIFF big-endian", writeTIFF(tiffOpts{bo: be, big: true}, withFirst(grayPages(be, 3, 4, 5, 0), asc(270, ome(`PhysicalSizeX="0.25" PhysicalSizeY="0.25" TimeIncrement="0.5"`, "")))),
			Units{FrameInterval: 0.5, PixelSize: 0.25, Origin: "OME-XML", NotSquare: ""}},
		{"ome nm as entity, interval from DeltaT", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="130" PhysicalSizeXUnit="nm" PhysicalSizeY="130" PhysicalSizeYUnit="nm"`,
			`<Plane TheC="0" TheT="0" TheZ="0" DeltaT="1.5" DeltaTUnit="s"/><Plane TheC="0" TheT="1" TheZ="0" DeltaT="1750" DeltaTUnit="ms"/><Plane TheC="0" TheT="2" TheZ="0" DeltaT="2.0"/>`)))),
			Units{FrameInterval: 0.25, PixelSize: 0.13, Origin: "OME-XML", NotSquare: ""}},
		// the mean interval from the first time point to the last (the first
		// two alone gave 35 ms: UNITS14's F14)
		{"ome interval from DeltaT of a late start", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="0.1" PhysicalSizeY="0.1"`,
			`<Plane TheC="0" TheT="0" TheZ="0" DeltaT="0" DeltaTUnit="ms"/><Plane TheC="0" TheT="1" TheZ="0" DeltaT="35" DeltaTUnit="ms"/><Plane TheC="0" TheT="2" TheZ="0" DeltaT="45" DeltaTUnit="ms"/>`)))),
			Units{FrameInterval: 0.0225, PixelSize: 0.1, Origin: "OME-XML", NotSquare: ""}},
		{"ome unit as character reference", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="0.3" PhysicalSizeXUnit="&#181;m" PhysicalSizeY="0.3" PhysicalSizeYUnit="&#xB5;m"`, "")))),
			Units{FrameInterval: 0, PixelSize: 0.3, Origin: "OME-XML", NotSquare: ""}},
		// several: each field from the first that knows it (OME-XML, ImageJ, Micro-Manager)
		{"ome size, micro-manager interval", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="0.5" PhysicalSizeY="0.5"`, "")), asc(51123, `{"PixelSizeUm":9,"Interval_ms":30}`))),
			Units{FrameInterval: 0.03, PixelSize: 0.5, Origin: "OME-XML+Micro-Manager", NotSquare: ""}},
		// none
		{"no metadata", writeTIFF(tiffOpts{}, g), Units{}},
		// the resolution tags alone: per centimetre (as ImageJ and tifffile), never per inch
		{"resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, rat(282, 20000, 1), rat(283, 20000, 1), u(296, 3))),
			Units{FrameInterval: 0, PixelSize: 0.5, Origin: "TIFF", NotSquare: ""}},
		{"resolution per cm, big-endian, no YResolution", writeTIFF(tiffOpts{bo: be}, withFirst(grayPages(be, 3, 4, 5, 0), rat(282, 100000, 13), u(296, 3))),
			Units{NotSquare: "1.3 x 10000 um (TIFF)"}},
		{"resolution per cm not square", writeTIFF(tiffOpts{}, withFirst(g, rat(282, 20000, 1), rat(283, 10000, 1), u(296, 3))), Units{NotSquare: "0.5 x 1 um (TIFF)"}},
		{"resolution per cm, unit as LONG", writeTIFF(tiffOpts{}, withFirst(g, rat(282, 20000, 1), rat(283, 20000, 1), ttag{id: 296, typ: 4, vals: []uint64{3}})), Units{}},
		{"resolution per cm, zero", writeTIFF(tiffOpts{}, withFirst(g, rat(282, 0, 1), u(296, 3))), Units{}},
		{"imagej unit before resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=nm\nfinterval=2\n"), rat(282, 1, 100), rat(283, 1, 100), u(296, 3))),
			Units{FrameInterval: 2, PixelSize: 0.1, Origin: "ImageJ", NotSquare: ""}},
		// An ImageJ description without unit= is uncalibrated in ImageJ,
		// whatever the tags say (its unit, "", replaces the tags' cm):
		// the tags are not read in its place (REVIEW16's F1).
		{"imagej interval, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"finterval=2\n"), rat(282, 20000, 1), rat(283, 20000, 1), u(296, 3))),
			Units{FrameInterval: 2, Origin: "ImageJ"}},
		// SCIFIO's description is no ImageJ description: ImageJ reads the tags.
		{"scifio interval, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, "SCIFIO=0.46.0\nimages=3\nframes=3\nfinterval=2\n"), rat(282, 20000, 1), rat(283, 20000, 1), u(296, 3))),
			Units{FrameInterval: 2, PixelSize: 0.5, Origin: "ImageJ+TIFF"}},
		// unit=um with the tags per cm: converted to micrometres, as ImageJ
		// does (they were taken per micrometre: 2e-5 um, REVIEW16's F2);
		// unit=micron is not converted by ImageJ, nor here.
		{"imagej um, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=um\n"), rat(282, 50000, 1), rat(283, 50000, 1), u(296, 3))),
			Units{PixelSize: 0.2, Origin: "ImageJ"}},
		// with a yunit too: ImageJ converts the height as well (REVIEW17's F1: half converted, not square)
		{"imagej um and yunit, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=um\nyunit=um\n"), rat(282, 50000, 1), rat(283, 50000, 1), u(296, 3))),
			Units{PixelSize: 0.2, Origin: "ImageJ"}},
		{"imagej micron, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\n"), rat(282, 5, 1), rat(283, 5, 1), u(296, 3))),
			Units{PixelSize: 0.2, Origin: "ImageJ"}},
		{"ome interval, micro-manager size, resolution per cm", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`TimeIncrement="0.5"`, "")), asc(51123, `{"PixelSizeUm":0.2}`), rat(282, 20000, 1), u(296, 3))),
			Units{FrameInterval: 0.5, PixelSize: 0.2, Origin: "OME-XML+Micro-Manager", NotSquare: ""}},
		// Numbers in Go's literal syntax are not decimal numbers (ImageJ
		// and xsd:float take neither): unknown, not 5 s and 1 um.
		{"imagej finterval 0_5", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nfinterval=0_5\n"),
			rat(282, 10, 1), rat(283, 10, 1))),
			Units{FrameInterval: 0, PixelSize: 0.1, Origin: "ImageJ", NotSquare: ""}},
		{"ome sizes 0_1 and 0x1p-1", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="0_1" PhysicalSizeY="0_1" TimeIncrement="0x1p-1"`, "")))),
			Units{}},
		{"resolution without ImageJ (72 dpi)", writeTIFF(tiffOpts{}, withFirst(g, rat(282, 72, 1), rat(283, 72, 1), u(296, 2))), Units{}},
		{"another description", writeTIFF(tiffOpts{}, withFirst(g, asc(270, "Acquired with unit=micron finterval=3"))), Units{}},
		// malformed: never an error, the field unknown
		{"imagej bad numbers", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nfinterval=abc\n"), rat(282, 2, 0), rat(283, 2, 0))), Units{}},
		{"imagej unknown units", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=furlong\nfinterval=1\ntunit=fortnight\n"), rat(282, 2, 1))), Units{}},
		{"imagej negative and infinite", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=um\nfinterval=-1\n"), rat(282, 0, 1))), Units{}},
		{"imagej finterval inf", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"finterval=1e999\n"))), Units{}},
		{"imagej resolution as SHORT", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\n"), u(282, 2), u(283, 2))), Units{}},
		{"imagej resolution outside the file", badResolution(writeTIFF(tiffOpts{}, withFirst(g, asc(270, ijDesc+"unit=micron\nfinterval=0.1\n"), rat(282, 2, 1), rat(283, 2, 1)))),
			Units{FrameInterval: 0.1, PixelSize: 0, Origin: "ImageJ", NotSquare: ""}},
		{"ome truncated", writeTIFF(tiffOpts{}, withFirst(g, asc(270, `<?xml version="1.0"?><OME><Image><Pixels SizeT="3" PhysicalSizeX="0.2`))), Units{}},
		{"ome bad values", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="-1" PhysicalSizeY="-1" TimeIncrement="NaN"`, "")))), Units{}},
		{"ome unknown units", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="1" PhysicalSizeXUnit="pixel" PhysicalSizeY="1" TimeIncrement="1" TimeIncrementUnit="fortnight"`, "")))), Units{}},
		{"ome only one axis in a known unit", writeTIFF(tiffOpts{}, withFirst(g, asc(270, ome(`PhysicalSizeX="1" PhysicalSizeY="1" PhysicalSizeYUnit="parsec"`, "")))), Units{}},
		{"ome encoding ISO-8859-1", writeTIFF(tiffOpts{}, withFirst(g, asc(270, strings.Replace(ome(`PhysicalSizeX="2" PhysicalSizeY="2"`, ""), "UTF-8", "ISO-8859-1", 1)))),
			Units{FrameInterval: 0, PixelSize: 2, Origin: "OME-XML", NotSquare: ""}},
		// an OME-XML of two images (Micro-Manager's positions): the units of the one this file
		// holds (TiffData without a UUID), not of the first
		{"ome second image held", writeTIFF(tiffOpts{}, withFirst(g, asc(270, `<OME UUID="urn:uuid:1">`+
			`<Image ID="Image:0"><Pixels SizeT="3" PhysicalSizeX="1" PhysicalSizeY="1" TimeIncrement="10">`+
			`<TiffData IFD="0" PlaneCount="3"><UUID FileName="other.ome.tif">urn:uuid:2</UUID></TiffData></Pixels></Image>`+
			`<Image ID="Image:1"><Pixels SizeT="3" PhysicalSizeX="0.1" PhysicalSizeY="0.1" TimeIncrement="0.05">`+
			`<TiffData IFD="0" PlaneCount="3"/></Pixels></Image></OME>`))),
			Units{FrameInterval: 0.05, PixelSize: 0.1, Origin: "OME-XML", NotSquare: ""}},
		{"ome first image held", writeTIFF(tiffOpts{}, withFirst(g, asc(270, `<OME UUID="urn:uuid:1">`+
			`<Image ID="Image:0"><Pixels SizeT="3" PhysicalSizeX="1" PhysicalSizeY="1"><Plane TheT="0" DeltaT="0"/><Plane TheT="1" DeltaT="2"/>`+
			`<TiffData IFD="0" PlaneCount="3"><UUID FileName="units.tif">urn:uuid:1</UUID></TiffData></Pixels></Image>`+
			`<Image ID="Image:1"><Pixels SizeT="3" PhysicalSizeX="0.1" PhysicalSizeY="0.1" TimeIncrement="0.05">`+
			`<TiffData IFD="0" PlaneCount="3"><UUID FileName="other.ome.tif">urn:uuid:2</UUID></TiffData></Pixels></Image></OME>`))),
			Units{FrameInterval: 2, PixelSize: 1, Origin: "OME-XML", NotSquare: ""}},
		{"micro-manager not JSON", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, `{"PixelSizeUm": 0.1,`))), Units{}},
		{"micro-manager odd types", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, `{"PixelSizeUm":[1],"Interval_ms":"fast","Summary":7}`))), Units{}},
		{"micro-manager JSON array", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, `[1,2]`))), Units{}},
		{"micro-manager header summary too long", mmHeaderLength(mmHeaderFile(`{"PixelSize_um":0.1}`), 1<<30), Units{}},
	}
	for _, c := range cases {
		src := openBytes(t, "units.tif", c.file)
		checkStack(t, src, 3, 4, 5)
		if got := UnitsOf(src); !sameUnits(got, c.want) {
			t.Errorf("%s: units %+v, want %+v", c.name, got, c.want)
		}
	}

	// irregular pages (served page by page) and a selection keep the units
	ps := grayPages(le, 3, 4, 5, 2)
	for i := range ps {
		ps[i].gap = 2
	}
	src := openBytes(t, "pages.tif", writeTIFF(tiffOpts{}, withFirst(ps, asc(270, ijDesc+"unit=micron\nfinterval=0.05\n"), rat(282, 5, 1), rat(283, 5, 1))))
	if _, ok := src.(*pageSource); !ok {
		t.Fatalf("%T, want a pageSource", src)
	}
	want := Units{FrameInterval: 0.05, PixelSize: 0.2, Origin: "ImageJ", NotSquare: ""}
	if got := UnitsOf(src); !sameUnits(got, want) {
		t.Errorf("page source: units %+v, want %+v", got, want)
	}
	sel, err := Select(src, Range{1, 3}, Range{0, 2}, Range{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := UnitsOf(sel); !sameUnits(got, want) {
		t.Errorf("selection: units %+v, want %+v", got, want)
	}

	// npy and raw files have none
	npySrc, err := Open(filepath.Join("testdata", "stack.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer npySrc.Close()
	raw, err := OpenRaw(filepath.Join("testdata", "raw_le.bin"), Raw{T: 20, H: 6, W: 7, DType: array.Uint16, Order: array.Little})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []Source{npySrc, raw} {
		if got := UnitsOf(s); got != (Units{}) {
			t.Errorf("%s: units %+v, want none", s.Name(), got)
		}
	}
}

// mmHeaderFile is a 3-page TIFF whose header holds Micro-Manager's summary
// metadata: at byte 32 the marker 2355492, at 36 the JSON's length, from
// 40 the JSON (inside the gap before the first strip).
func mmHeaderFile(summary string, positions ...int) []byte {
	ps := grayPages(le, max(3, len(positions)), 4, 5, 0)
	for i, p := range positions { // each page's own metadata: its stage position
		ps[i] = with(ps[i], ttag{id: 51123, typ: 2, ascii: fmt.Sprintf(`{"PositionIndex":%d,"FrameIndex":%d}`, p, i)})
	}
	ps[0].gap = 32 + len(summary) + 1
	b := writeTIFF(tiffOpts{}, ps)
	le.PutUint32(b[32:], mmSummaryHeader)
	le.PutUint32(b[36:], uint32(len(summary)))
	copy(b[40:], summary)
	return b
}

func mmHeaderLength(b []byte, n uint32) []byte {
	le.PutUint32(b[36:], n)
	return b
}

// badResolution points the XResolution value of the first IFD (classic,
// little-endian) beyond the end of the file.
func badResolution(b []byte) []byte {
	ifd := int(le.Uint32(b[4:]))
	n := int(le.Uint16(b[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if le.Uint16(b[e:]) == 282 {
			le.PutUint32(b[e+8:], uint32(len(b)+1000))
			return b
		}
	}
	panic("no XResolution")
}

// TestUnitsMicroManagerFolder: a folder of Micro-Manager 1.4 single-page
// files takes the units of the "Summary" of its metadata.txt, after those
// of its first file's tags.
func TestUnitsMicroManagerFolder(t *testing.T) {
	write := func(dir string, n int, tags []ttag, meta string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			p := with(grayPages(le, i+1, 4, 5, 0)[i], tags...)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("img_%09d_Default_000.tif", i)), writeTIFF(tiffOpts{}, []tpage{p}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if meta != "" {
			if err := os.WriteFile(filepath.Join(dir, "metadata.txt"), []byte(meta), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	frames := strings.Repeat(`"FrameKey-0-0-0": {"PixelSizeUm": 7, "Interval_ms": 7, "Nested": {"a": [1, 2, {"b": "}"}]}},`, 3)
	cases := []struct {
		name string
		n    int
		tags []ttag
		meta string
		want Units
	}{
		{"summary", 3, nil, `{"Summary": {"Slices": 1, "Interval_ms": 50, "PixelSize_um": 0.108, "Prefix": "run"}, ` + frames + `"Last": {}}`,
			Units{FrameInterval: 0.05, PixelSize: 0.108, Origin: "Micro-Manager", NotSquare: ""}},
		{"summary after the frames", 3, nil, `{` + frames + `"Summary": {"IntervalMs": "250", "PixelSize_um": "0.5"}}`,
			Units{FrameInterval: 0.25, PixelSize: 0.5, Origin: "Micro-Manager", NotSquare: ""}},
		{"file tags first", 3, []ttag{asc(51123, `{"PixelSizeUm":"0.2"}`)}, `{"Summary": {"Interval_ms": 50, "PixelSize_um": 0.108}}`,
			Units{FrameInterval: 0.05, PixelSize: 0.2, Origin: "Micro-Manager", NotSquare: ""}},
		{"one file", 1, []ttag{asc(270, "ImageJ=1.54f\nimages=1\nunit=micron\n"), rat(282, 4, 1), rat(283, 4, 1)}, `{"Summary": {"Interval_ms": 10}}`,
			Units{FrameInterval: 0.01, PixelSize: 0.25, Origin: "ImageJ+Micro-Manager", NotSquare: ""}},
		{"composite origin", 1, []ttag{asc(270, ome(`PhysicalSizeX="0.5" PhysicalSizeY="0.5"`, "")), asc(51123, `{"Interval_ms":30}`)}, `{"Summary": {"Interval_ms": 10, "PixelSize_um": 0.108}}`,
			Units{FrameInterval: 0.03, PixelSize: 0.5, Origin: "OME-XML+Micro-Manager", NotSquare: ""}},
		{"no metadata.txt", 3, nil, "", Units{}},
		{"malformed metadata.txt", 3, nil, `{"Summary": {"Interval_ms": 50, "PixelSize_um": `, Units{}},
		{"metadata.txt not an object", 3, nil, `["Summary"]`, Units{}},
		{"Summary not an object", 3, nil, `{"Summary": "fast"}`, Units{}},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "Pos0")
		write(dir, c.n, c.tags, c.meta)
		src, err := Open(dir)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := UnitsOf(src); !sameUnits(got, c.want) {
			t.Errorf("%s: units %+v, want %+v", c.name, got, c.want)
		}
		checkStack(t, src, c.n, 4, 5)
		src.Close()
	}
	// a named pipe as metadata.txt is not opened (that would block)
	dir := filepath.Join(t.TempDir(), "Pos0")
	write(dir, 2, nil, "")
	if err := syscall.Mkfifo(filepath.Join(dir, "metadata.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := within(t, func() (Source, error) { return Open(dir) })
	if err != nil {
		t.Fatal(err)
	}
	if got := UnitsOf(src); got != (Units{}) {
		t.Errorf("named pipe as metadata.txt: units %+v, want none", got)
	}
	src.Close()

	// the shipped Micro-Manager folder has no metadata.txt: no units
	src, err = Open(filepath.Join("testdata", "mm", "Pos0"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if got := UnitsOf(src); got != (Units{}) {
		t.Errorf("testdata/mm: units %+v, want none", got)
	}
}

// TestUnitNames: the names of lengths and times every reader of a
// calibration takes (the file readers, the ImageJ plugin through
// ipcf_unit_scale): words and symbols in capitals case-folded, mixed-case
// symbols and single letters as written; an inch (a 72 dpi default) is no
// length. The ImageJ plugin and the library had two
// tables: "Micron", "NM", "micrometres" and "secs" were known to one,
// "pm", "A" and "d" to the other.
func TestUnitNames(t *testing.T) {
	for name, want := range map[string]float64{
		"µm": 1, "μm": 1, "um": 1, "Micron": 1, "microns": 1, "micrometres": 1, " MICROMETER ": 1,
		"nm": 1e-3, "NM": 1e-3, "UM": 1, "Nanometres": 1e-3, "pm": 1e-6, "A": 1e-4, "Å": 1e-4, "angstrom": 1e-4,
		"mm": 1e3, "cm": 1e4, "dm": 1e5, "m": 1e6, "metres": 1e6,
	} {
		if f, ok := LengthUnit(name); !ok || f != want {
			t.Errorf("LengthUnit(%q) = %g, %v; want %g", name, f, ok, want)
		}
	}
	// Symbols are case-sensitive (OME's Mm is a megametre, Pm a
	// petametre, Ms a megasecond): another case is none, never another unit.
	for _, name := range []string{"inch", "in", "a", "pixel", "pixels", "", "µ", "unit", "Mm", "Pm", "uM", "M", "nM"} {
		if f, ok := LengthUnit(name); ok {
			t.Errorf("LengthUnit(%q) = %g: want none", name, f)
		}
	}
	for name, want := range map[string]float64{
		"s": 1, "sec": 1, "secs": 1, "Sec": 1, "SECONDS": 1, "ms": 1e-3, "MS": 1e-3, "msec": 1e-3,
		"µs": 1e-6, "μs": 1e-6, "us": 1e-6, "usec": 1e-6, "ns": 1e-9, "nanoseconds": 1e-9,
		"min": 60, "minutes": 60, "h": 3600, "hr": 3600, "hours": 3600, "d": 86400, "days": 86400,
	} {
		if f, ok := TimeUnit(name); !ok || f != want {
			t.Errorf("TimeUnit(%q) = %g, %v; want %g", name, f, ok, want)
		}
	}
	for _, name := range []string{"frame", "frames", "", "fps", "Hz", "Ms", "mS", "S", "H", "D"} {
		if f, ok := TimeUnit(name); ok {
			t.Errorf("TimeUnit(%q) = %g: want none", name, f)
		}
	}
	for _, c := range []struct {
		w, h   float64
		square bool
	}{{0.1, 0.1, true}, {0.1, 0.1000005, true}, {0.1, 0.10001, true}, {0.1, 0.1001, false}, {0.1, 0.2, false},
		{0, 0, false}, {0.1, 0, false}, {math.NaN(), 0.1, false}, {math.Inf(1), math.Inf(1), false}} {
		if got := SquarePixels(c.w, c.h); got != c.square {
			t.Errorf("SquarePixels(%g, %g) = %v, want %v", c.w, c.h, got, c.square)
		}
	}
}

// TestUnknownUnits: a calibration in a unit no reader knows is named
// (Units.UnknownLength, UnknownTime; the job warns with it) where no
// pixel size or frame interval is known: it was dropped silently, and a
// pCF's distances and fits were in pixels without a word.
func TestUnknownUnits(t *testing.T) {
	for _, c := range []struct {
		name         string
		u            Units
		length, time string
		ps, fi       float64
	}{
		{"ImageJ furlongs", merge(imagejUnits("ImageJ=1.54f\nimages=3\nunit=furlong\nfinterval=0.5\ntunit=fortnight\n", 10, 10, 0)), `"furlong" (ImageJ)`, `"fortnight" (ImageJ)`, 0, 0},
		{"ImageJ microns", merge(imagejUnits("ImageJ=1.54f\nimages=3\nunit=micron\nfinterval=0.5\ntunit=ms\n", 10, 10, 0)), "", "", 0.1, 5e-4},
		{"ImageJ pixels", merge(imagejUnits("ImageJ=1.54f\nimages=3\nunit=pixel\n", 1, 1, 0)), "", "", 0, 0},
		{"OME furlongs", merge(omeUnits(`<OME><Image><Pixels PhysicalSizeX="0.1" PhysicalSizeXUnit="furlong" PhysicalSizeY="0.1" PhysicalSizeYUnit="furlong" TimeIncrement="2" TimeIncrementUnit="fortnight"/></Image></OME>`, 0)), `"furlong" (OME-XML)`, `"fortnight" (OME-XML)`, 0, 0},
		{"OME defaults", merge(omeUnits(`<OME><Image><Pixels PhysicalSizeX="0.1" PhysicalSizeY="0.1" TimeIncrement="2"/></Image></OME>`, 0)), "", "", 0.1, 2},
		// another flavour's known unit wins: nothing to say
		{"OME furlongs, ImageJ microns", merge(omeUnits(`<OME><Image><Pixels PhysicalSizeX="0.1" PhysicalSizeXUnit="furlong" PhysicalSizeY="0.1" PhysicalSizeYUnit="furlong"/></Image></OME>`, 0), imagejUnits("ImageJ=1.54f\nunit=micron\n", 5, 5, 0)), "", "", 0.2, 0},
	} {
		if c.u.UnknownLength != c.length || c.u.UnknownTime != c.time || c.u.PixelSize != c.ps || math.Abs(c.u.FrameInterval-c.fi) > 1e-15 {
			t.Errorf("%s: %+v, want unknown length %s, time %s, pixel size %g, frame interval %g", c.name, c.u, c.length, c.time, c.ps, c.fi)
		}
	}
}

// TestParseDecimal: decimal numbers only (Go's literal syntax refused: 0_5
// was 5), and an underflow is an error, not 0 (1e-400 as a pixel size
// became "unknown").
func TestParseDecimal(t *testing.T) {
	for s, want := range map[string]float64{"0.5": 0.5, "-2": -2, "+1e3": 1000, "010": 10, "0": 0, "0e5": 0, "-0.0": 0, "5e-324": 5e-324} {
		if v, err := ParseDecimal(s); err != nil || v != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %v", s, v, err, want)
		}
	}
	for _, s := range []string{"0_5", "1_0", "0x10", "-0X1p3", "0x1p-1", "", "1,5", "1e-400", "-3e-999", "1e400"} {
		if v, err := ParseDecimal(s); err == nil {
			t.Errorf("ParseDecimal(%q) = %v, want an error", s, v)
		}
	}
}

// TestStatedCalibrationNotReplaced: an ImageJ or OME pixel size that is
// not square, or in a unit that is no length this reader knows, gives no
// pixel size and says why; the bare resolution tags (per centimetre, which
// ImageJ writes for unit=cm) never stand in for it (they read ImageJ's own
// numbers in another unit: a pixel 0.1 um x 0.1 nm was taken as 1000 um).
func TestStatedCalibrationNotReplaced(t *testing.T) {
	g := grayPages(le, 3, 4, 5, 0)
	ijDesc := "ImageJ=1.54f\nimages=3\nframes=3\n"
	perCm := []ttag{rat(282, 10, 1), rat(283, 10, 1), u(296, 3)}
	cases := []struct {
		name                     string
		tags                     []ttag
		notSquare, unknownLength string
	}{
		{"ImageJ cm x mm", []ttag{asc(270, ijDesc+"unit=cm\nyunit=mm\n")}, "1000 x 100 um (ImageJ)", ""},
		{"ImageJ micron x nm", []ttag{asc(270, ijDesc+"unit=micron\nyunit=nm\n")}, "0.1 x 0.0001 um (ImageJ)", ""},
		{"ImageJ furlong", []ttag{asc(270, ijDesc+"unit=furlong\n")}, "", `"furlong" (ImageJ)`},
		{"ImageJ height in furlong", []ttag{asc(270, ijDesc+"unit=micron\nyunit=furlong\n")}, "", `"furlong" (ImageJ)`},
		{"ImageJ height in pixels", []ttag{asc(270, ijDesc+"unit=micron\nyunit=pixel\n")}, "", `"pixel" (ImageJ)`},
		{"OME not square", []ttag{asc(270, ome(`PhysicalSizeX="0.1" PhysicalSizeY="0.2"`, ""))}, "0.1 x 0.2 um (OME-XML)", ""},
		{"OME parsec", []ttag{asc(270, ome(`PhysicalSizeX="1" PhysicalSizeXUnit="pc" PhysicalSizeY="1" PhysicalSizeYUnit="pc"`, ""))}, "", `"pc" (OME-XML)`},
	}
	for _, c := range cases {
		src := openBytes(t, "units.tif", writeTIFF(tiffOpts{}, withFirst(g, append(c.tags, perCm...)...)))
		u := UnitsOf(src)
		if u.PixelSize != 0 || u.NotSquare != c.notSquare || u.UnknownLength != c.unknownLength {
			t.Errorf("%s: pixel size %v, not square %q, unknown unit %q; want 0, %q, %q", c.name, u.PixelSize, u.NotSquare, u.UnknownLength, c.notSquare, c.unknownLength)
		}
	}
	// a TIFF with no other calibration reads the tags (0.1 cm a pixel)
	if u := UnitsOf(openBytes(t, "plain.tif", writeTIFF(tiffOpts{}, withFirst(g, perCm...)))); u.PixelSize != 1000 || u.Origin != "TIFF" {
		t.Errorf("resolution tags alone: %+v, want 1000 um from TIFF", u)
	}
}

// TestBadValuesNamed: a pixel size or frame interval stated in a known
// unit that is no positive number is named with its value (a review: a
// negative OME size read as "NaN um"); so are a stated 0 and malformed
// text (UNITS14's F8: dropped without a word). A size in pixels (OME's
// none) and Micro-Manager's 0 (uncalibrated) are no such value.
func TestBadValuesNamed(t *testing.T) {
	g := grayPages(le, 3, 4, 5, 0)
	for _, c := range []struct {
		name, desc, length, time string
	}{
		{"OME malformed", ome(`PhysicalSizeX="abc" PhysicalSizeY="abc" TimeIncrement="0"`, ""), `PhysicalSizeX="abc" (OME-XML)`, `TimeIncrement="0" (OME-XML)`},
		{"OME NaN", ome(`PhysicalSizeX="NaN" PhysicalSizeY="NaN"`, ""), `PhysicalSizeX="NaN" (OME-XML)`, ""},
		{"OME zero", ome(`PhysicalSizeX="0" PhysicalSizeY="0"`, ""), `PhysicalSizeX="0" (OME-XML)`, ""},
		{"ImageJ finterval 0", "ImageJ=1.54f\nimages=3\nframes=3\nfinterval=0\n", "", "finterval=0 (ImageJ)"},
		{"OME negative", ome(`PhysicalSizeX="-0.1" PhysicalSizeY="-0.1" TimeIncrement="-2"`, ""), "-0.1 um (OME-XML)", "-2 s (OME-XML)"},
		{"OME in pixels", ome(`PhysicalSizeX="1" PhysicalSizeXUnit="pixel" PhysicalSizeY="1" PhysicalSizeYUnit="pixel"`, ""), "", ""},
		{"ImageJ finterval abc", "ImageJ=1.54f\nimages=3\nframes=3\nfinterval=abc\n", "", "not a number (ImageJ)"},
	} {
		u := UnitsOf(openBytes(t, "units.tif", writeTIFF(tiffOpts{}, withFirst(g, asc(270, c.desc)))))
		if u.BadLength != c.length || u.BadTime != c.time {
			t.Errorf("%s: bad length %q, time %q; want %q, %q", c.name, u.BadLength, u.BadTime, c.length, c.time)
		}
	}
	for _, c := range []struct{ json, length string }{
		{`{"PixelSizeUm":-0.1,"Interval_ms":2}`, "-0.1 um (Micro-Manager)"},
		{`{"PixelSizeUm":"abc","Interval_ms":2}`, "not a number (Micro-Manager)"},
		{`{"PixelSizeUm":0,"Interval_ms":2}`, ""},
	} {
		u := UnitsOf(openBytes(t, "mm.tif", writeTIFF(tiffOpts{}, withFirst(g, asc(51123, c.json)))))
		if u.BadLength != c.length || u.PixelSize != 0 || u.FrameInterval != 0.002 {
			t.Errorf("%s: bad length %q, pixel size %g, interval %g; want %q, 0, 0.002", c.json, u.BadLength, u.PixelSize, u.FrameInterval, c.length)
		}
	}
}

// Micro-Manager's Interval_ms (and the ImageJ finterval it writes from
// it) is the interval asked for; the images' ElapsedTime-ms show when
// they were taken. A camera that could not keep up took its frames
// farther apart, and the interval asked for was taken (D wrong by their
// ratio, exit 0); an interval of 0 (as fast as possible) left the units
// unknown. The first and last images' time stamps over their frame
// indices give the mean interval, taken where the metadata state none or
// one more than 2 % from it, in a multi-page file and in a folder.
func TestUnitsMicroManagerTimeStamps(t *testing.T) {
	const n = 4
	stamp := func(i int, ms float64, extra string) ttag {
		return asc(51123, fmt.Sprintf(`{"PixelSizeUm":0.1,"ElapsedTime-ms":%g,"FrameIndex":%d%s,"Summary":{"Interval_ms":%s}}`, ms, i, extra, "%s"))
	}
	for _, c := range []struct {
		name     string
		interval string  // Summary's Interval_ms
		ij       string  // an ImageJ description's finterval ("": none)
		step     float64 // the time stamps' step, ms
		stamps   bool
		want     float64 // s
	}{
		{"asked 10 ms, taken 25 ms apart", "10", "", 25, true, 0.025},
		{"as fast as possible (0)", "0", "", 3.5, true, 0.0035},
		{"asked and taken 10 ms (jitter under 2 %)", "10", "", 10.1, true, 0.010},
		{"ImageJ finterval from the interval asked", "10", "0.01", 25, true, 0.025},
		{"no time stamps", "10", "", 25, false, 0.010},
	} {
		tag := func(i int) ttag {
			if !c.stamps {
				return asc(51123, `{"PixelSizeUm":0.1,"Summary":{"Interval_ms":`+c.interval+`}}`)
			}
			s := stamp(i, 1000+float64(i)*c.step, "")
			s.ascii = fmt.Sprintf(s.ascii, c.interval)
			return s
		}
		pages := grayPages(le, n, 4, 5, 0)
		for i := range pages {
			pages[i] = with(pages[i], tag(i))
		}
		if c.ij != "" {
			pages[0] = with(pages[0], asc(270, fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=%s\n", n, n, c.ij)))
		}
		dir := t.TempDir()
		multi := filepath.Join(dir, "MMStack_Pos0.ome.tif")
		if err := os.WriteFile(multi, writeTIFF(tiffOpts{}, pages), 0o644); err != nil {
			t.Fatal(err)
		}
		folder := filepath.Join(dir, "Pos0")
		if err := os.Mkdir(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("img_%09d_Default_000.tif", i)), writeTIFF(tiffOpts{}, []tpage{pages[i]}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ins := []string{multi, folder}
		if c.ij != "" {
			ins = ins[:1] // (an ImageJ file of n images is no frame of a folder)
		}
		for _, in := range ins {
			src, err := Open(in)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := UnitsOf(src)
			src.Close()
			if math.Abs(got.FrameInterval-c.want) > 1e-12 || got.PixelSize != 0.1 || got.Origin != "Micro-Manager" {
				t.Errorf("%s, %s: units %+v, want interval %g s, pixel 0.1 um from Micro-Manager", c.name, filepath.Base(in), got, c.want)
			}
		}
	}
}

// The time stamps are taken only for a series of consecutive frames of one
// channel and slice (a review): a substack of every 2nd frame keeps
// Micro-Manager's frame indices (0, 2, 4, ...), and its stamps over those
// indices gave half its interval, over a correct ImageJ one; the last image
// of a stack of channels is another channel's.
func TestUnitsMicroManagerTimeStampsNotTaken(t *testing.T) {
	const n = 4
	for _, c := range []struct {
		name  string
		json  func(i int) string
		ij    string
		want  float64
		multi bool
	}{
		{"every 2nd frame", func(i int) string {
			return fmt.Sprintf(`{"ElapsedTime-ms":%d,"FrameIndex":%d,"Summary":{"Interval_ms":10}}`, 1000+20*i, 2*i)
		}, "0.02", 0.02, false},
		{"first and last of two channels", func(i int) string {
			return fmt.Sprintf(`{"ElapsedTime-ms":%d,"FrameIndex":%d,"ChannelIndex":%d,"Summary":{"Interval_ms":100}}`, 1000+60*i, i, map[bool]int{true: 1, false: 0}[i == n-1])
		}, "", 0.1, false},
	} {
		pages := grayPages(le, n, 4, 5, 0)
		for i := range pages {
			pages[i] = with(pages[i], asc(51123, c.json(i)))
		}
		if c.ij != "" {
			pages[0] = with(pages[0], asc(270, fmt.Sprintf("ImageJ=1.54f\nimages=%d\nframes=%d\nfinterval=%s\n", n, n, c.ij)))
		}
		path := filepath.Join(t.TempDir(), "s.tif")
		if err := os.WriteFile(path, writeTIFF(tiffOpts{}, pages), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := UnitsOf(src)
		src.Close()
		if math.Abs(got.FrameInterval-c.want) > 1e-12 {
			t.Errorf("%s: interval %g s, want %g s (%+v)", c.name, got.FrameInterval, c.want, got)
		}
	}
}

// TestUnfinishedMicroManagerFile: Micro-Manager writes a file's ImageJ and
// OME descriptions when the acquisition ends; an unfinished file of 2
// channels (its header's summary says so) was read as one time series of
// both interleaved, exit 0 (READ16's F6). It is refused; one of one
// channel, or of time points alone, is read.
func TestUnfinishedMicroManagerFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		summary string
		refused bool
	}{
		{`{"Prefix":"run","Channels":2,"Slices":1,"Frames":2}`, true},
		{`{"Prefix":"run","Channels":1,"Slices":3,"Frames":2}`, true},
		{`{"Prefix":"run","Channels":1,"Slices":1,"Frames":3}`, false},
		// counts as text, nested under "Summary", or Micro-Manager 2's
		// IntendedDimensions only (REVIEW17's F2: read as one series)
		{`{"Prefix":"run","Channels":"2","Frames":"2"}`, true},
		{`{"Summary":{"Channels":2,"Frames":2}}`, true},
		{`{"Prefix":"run","IntendedDimensions":{"channel":2,"z":1,"time":2,"position":1}}`, true},
		{`{"Prefix":"run","Frames":3}`, false},
		// stage positions in one file, its pages of positions 0, 1, 0 (READ19's
		// F3: read as one series); a file of one position of 2, as
		// Micro-Manager writes a file a position, is read (REVIEW23's F1)
		{"mix" + `{"Summary":{"Channels":1,"Slices":1,"Frames":2,"Positions":2}}`, true},
		{"mix" + `{"Summary":{"IntendedDimensions":{"time":2,"position":2,"z":1,"channel":1}}}`, true},
		{"one" + `{"Summary":{"Channels":1,"Slices":1,"Frames":3,"Positions":2}}`, false},
		{`{"Summary":{"Channels":1,"Slices":1,"Frames":3,"Positions":2}}`, true}, // (no page says: not guessed)
		// acquired "Position, Time": one position's pages after the other's,
		// past the first 2 x positions pages (REVIEW24's F3: read as one series)
		{"major" + `{"Summary":{"Channels":1,"Slices":1,"Frames":3,"Positions":2}}`, true},
		// NDTiff (READ19's F4): the summary at byte 20, after the marker
		// 483729 at byte 8; never an ImageJ or OME description
		{"nd" + `{"Summary":{"Channels":2,"Frames":2,"IntendedDimensions":{"channel":2}}}`, true},
		{"nd" + `{"Summary":{"Channels":1,"Frames":3}}`, false},
	} {
		p := filepath.Join(dir, "mm.tif")
		var pos []int
		switch {
		case strings.HasPrefix(c.summary, "mix"):
			pos = []int{0, 1, 0}
		case strings.HasPrefix(c.summary, "one"):
			pos = []int{1, 1, 1}
		case strings.HasPrefix(c.summary, "major"):
			pos = []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}
		}
		c.summary = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(c.summary, "mix"), "one"), "major")
		b := mmHeaderFile(strings.TrimPrefix(c.summary, "nd"), pos...)
		if strings.HasPrefix(c.summary, "nd") {
			js := strings.TrimPrefix(c.summary, "nd")
			clear(b[8:40])
			le.PutUint32(b[8:], ndTiffHeader)
			le.PutUint32(b[20:], mmSummaryHeader)
			le.PutUint32(b[24:], uint32(len(js)))
			copy(b[28:], js+"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(p)
		if c.refused {
			if err == nil || !strings.Contains(err.Error(), "without its ImageJ or OME-XML description") {
				if err == nil {
					n, _, _ := src.Shape()
					src.Close()
					t.Errorf("%s: opened, %d frames; want refused", c.summary, n)
				} else {
					t.Errorf("%s: %v", c.summary, err)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.summary, err)
			continue
		}
		if n, _, _ := src.Shape(); n != 3 {
			t.Errorf("%s: %d frames, want 3", c.summary, n)
		}
		src.Close()
	}
}
