package source

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipcf/ipcf/core/npy"
)

// Units are the physical units of a source, as its files' metadata records
// them. A zero field is unknown: a caller then asks the user or works in
// frames and pixels.
type Units struct {
	// FrameInterval is the time between frames in seconds; 0 = unknown.
	FrameInterval float64
	// PixelSize is the width (and height) of a pixel in micrometres;
	// 0 = unknown, also when the metadata gives pixels that are not
	// square (width and height differ by more than 1 part in 10^4).
	PixelSize float64
	// Origin names the metadata the known fields came from: "OME-XML",
	// "ImageJ", "Micro-Manager", "TIFF" (the resolution tags alone), or
	// several joined by "+" in that order
	// (each field is taken from the first of them that records it); ""
	// when no field is known.
	Origin string
	// NotSquare describes the pixels of metadata that record a width and
	// a height that differ ("0.1 x 0.2 um (ImageJ)"), when no pixel size
	// is known: a caller says why its results are in pixels.
	NotSquare string
	// UnknownLength and UnknownTime name a unit of the metadata that is
	// no length (time) this reader knows, with the metadata's name,
	// where no pixel size (frame interval) is known: a calibration that
	// was not used ("furlong (ImageJ)"); "" otherwise.
	UnknownLength, UnknownTime string
	// BadLength and BadTime describe a pixel size (frame interval) the
	// metadata state that is not a positive finite number (negative,
	// zero where a size is stated, NaN, Inf, malformed), where none is
	// known: "-0.001 s (ImageJ)"; "" otherwise.
	BadLength, BadTime string
}

// UnitsOf returns the physical units recorded in src's file metadata:
//
//   - OME-TIFF: the first Pixels element of the OME-XML ImageDescription,
//     PhysicalSizeX/Y with PhysicalSizeX/YUnit (default µm), and
//     TimeIncrement with TimeIncrementUnit (default s), or else the
//     mean interval of the planes' DeltaT (DeltaTUnit) from the first
//     time point to the last, (DeltaT(last) - DeltaT(first)) / TheT(last)
//     (of TheC=0, TheZ=0).
//
//   - ImageJ TIFF: the pixel width is 1/XResolution (and the height
//     1/YResolution) in the description's unit= (micron, um, µm, nm, mm,
//     cm, m, inch; yunit= for the height if given); the frame interval is
//     finterval= in tunit= (default sec; ms, us, min, h also). spacing= is
//     the z step and is not used; fps= is the display rate and is not used.
//
//   - Micro-Manager: the JSON of the first page's MicroManagerMetadata tag
//     (51123), the summary metadata in the header of Micro-Manager's
//     multi-page TIFF files, and for a folder or pattern of single-page
//     files the "Summary" object of metadata.txt beside them; keys
//     PixelSizeUm or PixelSize_um (micrometres; PixelAspect other than 1
//     means pixels that are not square) and Interval_ms (or IntervalMs,
//     interval_ms, WaitInterval; milliseconds). An interval of 0 (as fast
//     as possible) is unknown. Where the first and last images' JSON hold
//     ElapsedTime-ms and FrameIndex, the mean interval they measure is
//     taken instead when no interval is known or the one known (also an
//     ImageJ or OME one) is more than 2 % from it (mmMeasured).
//
//   - Any other TIFF: the pixel width is 1/XResolution (and the height
//     1/YResolution) where ResolutionUnit is 3 (centimetre), as ImageJ
//     reads it (tifffile writes it so). Resolutions per inch (such as
//     72 dpi) are a display's or a printer's and give no units.
//
// npy and raw files give no units. UnitsOf never fails: metadata that is
// missing, malformed, non-positive, not finite or in a unit it does not
// know leaves the field unknown. A selection (Select) has the units of its source.
func UnitsOf(src Source) Units {
	if u, ok := src.(interface{ units() Units }); ok {
		return u.units()
	}
	return Units{}
}

func (s *stack) units() Units      { return s.u }
func (s *pageSource) units() Units { return s.u }
func (s *series) units() Units     { return s.u }
func (s *selection) units() Units  { return UnitsOf(s.src) }

// metadata collects what each flavour records; merge combines them.
type metadata struct {
	name            string
	interval, pixel float64 // seconds, micrometres; 0 = unknown
	pixelX, pixelY  float64 // before the squareness check; pixelY 0 = as pixelX
	aspect          float64 // Micro-Manager's PixelAspect; 0 = not given
	notSquare       string  // finish: width x height when they differ
	// lengthUnit, timeUnit: a unit the metadata name that is none this
	// reader knows (LengthUnit, TimeUnit), "" where there is none such
	lengthUnit, timeUnit string
	// badLength, badTime: a value stated in a known unit that is no
	// positive finite number (finish), "" where there is none such
	badLength, badTime string
	// fallback: the bare resolution tags (resolutionUnits), used only
	// where no flavour before states a pixel size (statesLength): an
	// ImageJ or OME calibration that is not square or in a unit this
	// reader does not know is not replaced by the same tags read anew.
	fallback bool
	// uncalibrated: the metadata say the image has no pixel size
	// (ImageJ's unit=pixel): the resolution tags are not read in its
	// place, as ImageJ does not (UNITS14's F11: the CLI took 0.2 um from
	// them where Fiji's image had none).
	uncalibrated bool
}

// statesLength reports whether the metadata state a pixel size, usable
// or not (not square, in an unknown unit, malformed).
func (m *metadata) statesLength() bool {
	return m.pixelX != 0 || m.pixelY != 0 || m.lengthUnit != "" || m.notSquare != "" || m.uncalibrated
}

// finish sets pixel from pixelX and pixelY: unknown unless square.
func (m *metadata) finish() {
	x, y := m.pixelX, m.pixelY
	if y == 0 {
		y = x
	}
	if m.aspect != 0 && !(math.Abs(m.aspect-1) <= 1e-4) {
		x = 0
	}
	if SquarePixels(x, y) {
		m.pixel = x
	} else if good(m.pixelX) && good(y) {
		m.notSquare = fmt.Sprintf("%.6g x %.6g um", m.pixelX, y)
		if m.aspect != 0 {
			m.notSquare = fmt.Sprintf("aspect %.6g", m.aspect)
		}
	}
	if m.lengthUnit == "" && m.pixel == 0 && m.notSquare == "" {
		for _, v := range []float64{m.pixelX, m.pixelY} {
			if v != 0 && !good(v) && !math.IsNaN(v) && m.badLength == "" {
				// (NaN: malformed, or in pixels, OME's way of saying none)
				m.badLength = fmt.Sprintf("%g um", v)
			}
		}
	}
	if m.interval != 0 && !good(m.interval) {
		if m.timeUnit == "" {
			m.badTime = fmt.Sprintf("%g s", m.interval)
			if math.IsNaN(m.interval) {
				m.badTime = "not a number"
			}
		}
		m.interval = 0
	}
}

// good reports a usable value: finite and positive.
func good(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }

// merge takes each field from the first flavour that knows it.
func merge(ms ...metadata) Units {
	var u Units
	var names []string
	stated := false
	for i := range ms {
		m := &ms[i]
		m.finish()
		if m.fallback && stated {
			*m = metadata{name: m.name}
			continue
		}
		stated = stated || m.statesLength()
		used := false
		if u.FrameInterval == 0 && m.interval > 0 {
			u.FrameInterval, used = m.interval, true
		}
		if u.PixelSize == 0 && m.pixel > 0 {
			u.PixelSize, used = m.pixel, true
		}
		for _, n := range strings.Split(m.name, "+") {
			if used && n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	u.Origin = strings.Join(names, "+")
	for _, m := range ms {
		if u.PixelSize == 0 && u.UnknownLength == "" && m.lengthUnit != "" {
			u.UnknownLength = fmt.Sprintf("%q (%s)", m.lengthUnit, m.name)
		}
		if u.FrameInterval == 0 && u.UnknownTime == "" && m.timeUnit != "" {
			u.UnknownTime = fmt.Sprintf("%q (%s)", m.timeUnit, m.name)
		}
		if u.PixelSize == 0 && u.BadLength == "" && m.badLength != "" {
			u.BadLength = m.badLength + " (" + m.name + ")"
		}
		if u.FrameInterval == 0 && u.BadTime == "" && m.badTime != "" {
			u.BadTime = m.badTime + " (" + m.name + ")"
		}
	}
	if u.PixelSize == 0 {
		for _, m := range ms {
			if m.notSquare != "" {
				u.NotSquare = m.notSquare + " (" + m.name + ")"
				break
			}
		}
	}
	return u
}

// tiffUnits reads the units of a TIFF file from its first IFD (and, for
// Micro-Manager's files, the summary in its header); extra (the folder's
// metadata.txt) comes last. last is the Micro-Manager metadata of the
// series' last image (mmTimed), or nil, and frames the series' time
// points: see mmMeasured.
func tiffUnits(r *tiffReader, last []byte, frames int, extra ...metadata) Units {
	t := r.metaTags()
	ms := []metadata{omeUnits(t.desc, r.omeImage(t.desc)), imagejUnits(t.desc, t.xres, t.yres, t.resUnit), mmUnits(t.mm)}
	if s := r.mmSummary(); s != nil {
		ms = append(ms, mmUnits(s))
	}
	ms = append(append(ms, extra...), resolutionUnits(t))
	u := merge(slices.Clone(ms)...)
	if m, ok := mmMeasured(t.mm, last, frames); ok && !(math.Abs(u.FrameInterval-m.interval) <= mmIntervalTolerance*m.interval) {
		u = merge(append([]metadata{m}, ms...)...)
	}
	return u
}

// mmIntervalTolerance is how far (a fraction) the frame interval the
// metadata state may lie from the one Micro-Manager's time stamps
// measure before the measured one is taken (mmMeasured).
const mmIntervalTolerance = 0.02

// mmMeasured is the frame interval that Micro-Manager's time stamps of
// the first and last images measure (the mean: their ElapsedTime-ms
// difference over their FrameIndex difference), from the JSON of each
// (MicroManagerMetadata tag). Interval_ms, and the ImageJ finterval
// Micro-Manager writes from it, is the interval asked for: a camera that
// cannot keep up takes its frames farther apart, and an interval of 0 (as
// fast as possible) says nothing. Where the metadata state no interval,
// or one more than mmIntervalTolerance from this, this is taken (D came
// out wrong by the ratio of the two, with exit 0). Only where the two are
// the same channel and slice (ChannelIndex, SliceIndex) and the series'
// frames time points are those between them, one after another
// (FrameIndex): a substack of every 2nd frame keeps Micro-Manager's
// indices, and the last image of a stack of channels is another
// channel's, taken later in its time point (a review).
func mmMeasured(first, last []byte, frames int) (metadata, bool) {
	m := metadata{name: "Micro-Manager"}
	a, ok0 := mmStamp(first)
	b, ok1 := mmStamp(last)
	if !ok0 || !ok1 || frames < 2 || b.frame-a.frame != int64(frames-1) || a.channel != b.channel || a.slice != b.slice || !(b.ms > a.ms) {
		return m, false
	}
	m.interval = (b.ms - a.ms) / 1000 / float64(frames-1)
	return m, good(m.interval)
}

// stamp is what mmStamp reads of an image.
type stamp struct {
	ms                    float64 // ElapsedTime-ms
	frame, channel, slice int64   // FrameIndex (or Frame), ChannelIndex, SliceIndex (0 where absent)
}

// mmStamp reads an image's ElapsedTime-ms and indices from
// Micro-Manager's JSON metadata of it.
func mmStamp(b []byte) (st stamp, ok bool) {
	if len(b) == 0 {
		return st, false
	}
	var top map[string]any
	if json.Unmarshal(b, &top) != nil {
		return st, false
	}
	num := func(keys ...string) (float64, bool) { return mmNumber([]map[string]any{top}, keys...) }
	index := func(keys ...string) (int64, bool) {
		f, ok := num(keys...)
		if !ok {
			return 0, true // (absent: 0)
		}
		if f < 0 || f > 1<<53 || f != math.Trunc(f) {
			return 0, false
		}
		return int64(f), true
	}
	t, okT := num("ElapsedTime-ms")
	if _, okF := num("FrameIndex", "Frame"); !okT || !okF || math.IsNaN(t) || math.IsInf(t, 0) {
		return st, false
	}
	f, ok1 := index("FrameIndex", "Frame")
	c, ok2 := index("ChannelIndex")
	z, ok3 := index("SliceIndex")
	return stamp{t, f, c, z}, ok1 && ok2 && ok3
}

// mmTimed is the MicroManagerMetadata JSON of the IFD at ifd (nil where
// it has none).
func (r *tiffReader) mmTimed(ifd int64) []byte {
	return r.metaTagsAt(ifd).mm
}

// metaTags are the first IFD's tags that hold units.
type metaTags struct {
	desc       string
	xres, yres float64 // pixels per unit; 0 = absent or malformed
	resUnit    uint16  // ResolutionUnit: 1 none, 2 inch (the default), 3 cm; 0 = absent or malformed
	mm         []byte  // MicroManagerMetadata JSON
}

// metaTags reads the units tags of the first IFD, ignoring any that are
// malformed: they never make a file unreadable.
func (r *tiffReader) metaTags() metaTags { return r.metaTagsAt(r.first) }

// metaTagsAt reads the units tags of the IFD at ifd, as metaTags.
func (r *tiffReader) metaTagsAt(ifd int64) metaTags {
	var t metaTags
	var n int64
	entry, at := int64(12), ifd
	if r.big {
		c, err := r.u64(at)
		if err != nil || c > 1<<16 {
			return t
		}
		n, entry, at = int64(c), 20, at+8
	} else {
		c, err := r.u16(at)
		if err != nil {
			return t
		}
		n, at = int64(c), at+2
	}
	if at+n*entry > int64(len(r.b)) {
		return t
	}
	rational := func(typ uint16, raw []byte) float64 {
		if typ != 5 || len(raw) < 8 {
			return 0
		}
		num, den := r.bo.Uint32(raw), r.bo.Uint32(raw[4:])
		if den == 0 {
			return 0
		}
		return float64(num) / float64(den)
	}
	for k := int64(0); k < n; k++ {
		e := at + k*entry
		tag, err := r.u16(e)
		if err != nil || (tag != 270 && tag != 282 && tag != 283 && tag != 296 && tag != 51123) {
			continue
		}
		typ, _, raw, _, err := r.values(e)
		if err != nil || raw == nil {
			continue
		}
		switch tag {
		case 270:
			if typ == 2 && t.desc == "" {
				t.desc = strings.TrimRight(string(raw), "\x00")
			}
		case 282:
			t.xres = rational(typ, raw)
		case 283:
			t.yres = rational(typ, raw)
		case 296:
			if typ == 3 && len(raw) >= 2 {
				t.resUnit = r.bo.Uint16(raw)
			}
		case 51123:
			if typ == 1 || typ == 2 || typ == 7 {
				t.mm = bytes.TrimRight(raw, "\x00")
			}
		}
	}
	return t
}

// resolutionUnits reads the resolution tags of a TIFF without other
// metadata: pixels per centimetre (ResolutionUnit 3) only.
func resolutionUnits(t metaTags) metadata {
	m := metadata{name: "TIFF", fallback: true}
	if t.resUnit != 3 || !good(t.xres) {
		return m
	}
	m.pixelX = 1e4 / t.xres // micrometres per centimetre
	m.pixelY = 1e4          // no YResolution: ImageJ's height stays 1 cm (FileInfo's default)
	if good(t.yres) {
		m.pixelY = 1e4 / t.yres
	}
	return m
}

// mmSummaryHeader marks the summary metadata in the header of
// Micro-Manager's multi-page TIFF files: at byte 32 the marker, at 36 the
// length of the JSON that starts at byte 40.
const mmSummaryHeader = 2355492

// ndTiffHeader marks, at byte 8, Micro-Manager's NDTiff files (NDStorage:
// Pycro-Manager's and Micro-Magellan's default), whose summary marker is
// at byte 20, its length at 24 and its JSON from byte 28. They never carry
// an ImageJ or OME description (READ19's F4: 2 channels were read as one
// series).
const ndTiffHeader = 483729

func (r *tiffReader) mmSummary() []byte {
	b, _ := r.mmSummaryOf()
	return b
}

// mmSummaryOf returns the summary JSON of a Micro-Manager file, and
// whether the file is an NDTiff one.
func (r *tiffReader) mmSummaryOf() (b []byte, nd bool) {
	if r.big {
		return nil, false
	}
	at := int64(32)
	if m, err := r.u32(8); err == nil && m == ndTiffHeader {
		at, nd = 20, true
	}
	if m, err := r.u32(at); err != nil || m != mmSummaryHeader {
		return nil, false
	}
	n, err := r.u32(at + 4)
	if err != nil || int64(n) > int64(len(r.b))-(at+8) {
		return nil, false
	}
	return r.b[at+8 : at+8+int64(n)], nd
}

// lengthUnits are micrometres per unit, by the names ImageJ and OME use:
// symbols as written (OME's are case-sensitive: Mm is a megametre, Pm a
// petametre, neither a millimetre nor a picometre), words in lower case
// (LengthUnit folds the case of words). Inches are none: an "inch"
// calibration is a scanner's or a program's 72 or 96 dpi default, never a
// microscope's (the resolution tags in inches are skipped too,
// resolutionUnits).
var lengthUnits = map[string]float64{
	"um": 1, "µm": 1, "μm": 1, "nm": 1e-3, "pm": 1e-6, "Å": 1e-4, "A": 1e-4,
	"mm": 1e3, "cm": 1e4, "dm": 1e5, "m": 1e6,
	"micron": 1, "microns": 1, "micrometer": 1, "micrometre": 1, "micrometers": 1, "micrometres": 1,
	"nanometer": 1e-3, "nanometre": 1e-3, "nanometers": 1e-3, "nanometres": 1e-3,
	"picometer": 1e-6, "picometre": 1e-6, "picometers": 1e-6, "picometres": 1e-6,
	"angstrom": 1e-4, "angstroms": 1e-4, "ångström": 1e-4,
	"millimeter": 1e3, "millimetre": 1e3, "millimeters": 1e3, "millimetres": 1e3,
	"centimeter": 1e4, "centimetre": 1e4, "centimeters": 1e4, "centimetres": 1e4,
	"meter": 1e6, "metre": 1e6, "meters": 1e6, "metres": 1e6,
}

// timeUnits are seconds per unit: symbols as written (Ms is a megasecond),
// words in lower case (TimeUnit folds the case of words).
var timeUnits = map[string]float64{
	"s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9, "h": 3600, "hr": 3600, "d": 86400,
	"sec": 1, "secs": 1, "second": 1, "seconds": 1,
	"msec": 1e-3, "msecs": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
	"usec": 1e-6, "µsec": 1e-6, "μsec": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
	"nsec": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9,
	"min": 60, "mins": 60, "minute": 60, "minutes": 60,
	"hrs": 3600, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400,
}

// pixelUnit reports a name of no unit at all (ImageJ's uncalibrated
// "pixel"), whose calibration is none.
func pixelUnit(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "pixel", "pixels", "px":
		return true
	}
	return false
}

// unitOf looks name up in table: as written, else in lower case for a
// word (three characters or more: "Micron", "SEC") or a symbol of two
// written all in capitals ("UM", "NM", "MS": ImageJ keeps a unit as
// typed); a mixed-case symbol's case is its meaning (OME's Mm, Pm, Ms),
// and single letters are taken as written (M, S, H, D are none).
func unitOf(table map[string]float64, name string) (float64, bool) {
	name = strings.TrimSpace(name)
	if f, ok := table[name]; ok {
		return f, true
	}
	n := utf8.RuneCountInString(name)
	if n < 2 || (n == 2 && name != strings.ToUpper(name)) {
		return 0, false
	}
	f, ok := table[strings.ToLower(name)]
	return f, ok
}

// LengthUnit returns the micrometres per unit of the length unit named as
// ImageJ, OME or Micro-Manager name them (surrounding spaces and the case
// of words and capitalised symbols ignored, unitOf), and whether it is one. Every
// reader of a calibration takes it from here: the file readers and,
// through the C ABI's ipcf_unit_scale, the ImageJ plugin's image commands.
func LengthUnit(name string) (float64, bool) { return unitOf(lengthUnits, name) }

// TimeUnit returns the seconds per unit of the time unit named, as
// LengthUnit does for lengths.
func TimeUnit(name string) (float64, bool) { return unitOf(timeUnits, name) }

// SquarePixels reports whether pixels of width w and height h (one unit)
// are square: equal to 1 part in 10^4 (the rationals of TIFF resolution
// tags and the decimals of OME sizes differ by less). Where they are
// not, no pixel size is taken: an offset (0, 2) is not 2 pixel widths.
func SquarePixels(w, h float64) bool {
	return good(w) && good(h) && math.Abs(w-h) <= 1e-4*math.Max(w, h)
}

// number parses a decimal value; NaN if it is not one (ParseDecimal: an
// ImageJ finterval=0_5 was 5 s, an OME PhysicalSizeX="0_1" 1 um; ImageJ
// and XML's xsd:float take neither).
func number(s string) float64 {
	v, err := ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		return math.NaN()
	}
	return v
}

// ParseDecimal reads a number written in decimal: digits, a point, an
// exponent (Inf and NaN are the callers' range checks). strconv.ParseFloat
// takes Go's literals too, digit separators and hexadecimal mantissas, so
// "--threshold 0_5" was 5 where 0.5 was meant, with exit 0. Every number
// ipcf reads from text (options, metadata) is read by it.
func ParseDecimal(s string) (float64, error) {
	t := strings.TrimLeft(s, "+-")
	if strings.Contains(s, "_") || len(t) > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		return 0, fmt.Errorf("%q: want a number in decimal digits", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && v == 0 {
		// An underflow is 0 without an error: 1e-400 is not 0 (a pixel
		// size of 0 is "unknown").
		mant, _, _ := strings.Cut(strings.ToLower(t), "e")
		if strings.ContainsAny(mant, "123456789") {
			return 0, &strconv.NumError{Func: "ParseFloat", Num: s, Err: strconv.ErrRange}
		}
	}
	return v, err
}

// imagejUnits reads an ImageJ description's unit=, yunit=, finterval= and
// tunit= with the resolution tags (pixels per unit; per centimetre for
// unit=um where ResolutionUnit, resUnit, is 3, converted as ImageJ
// converts them).
func imagejUnits(desc string, xres, yres float64, resUnit uint16) metadata {
	m := metadata{name: "ImageJ"}
	if _, ok := parseImageJ(desc); !ok { // ImageJ's or SCIFIO's
		return m
	}
	kv := map[string]string{}
	for _, line := range strings.Split(desc, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			if _, dup := kv[k]; !dup {
				kv[k] = unescapeImageJ(strings.TrimSpace(v))
			}
		}
	}
	if un := kv["unit"]; un != "" && good(xres) {
		if _, ok := LengthUnit(un); !ok && !pixelUnit(un) {
			m.lengthUnit = un
		}
	}
	if tu := kv["tunit"]; kv["finterval"] != "" && tu != "" {
		if _, ok := TimeUnit(tu); !ok {
			m.timeUnit = tu
		}
	}
	if f, ok := LengthUnit(kv["unit"]); ok && good(xres) {
		conv := 1.0
		if kv["unit"] == "um" && resUnit == 3 {
			// ImageJ reads the tags per centimetre and converts them to
			// micrometres for unit=um (FileOpener.decodeDescriptionString);
			// taken per micrometre, the size was 10^4 too small, exit 0
			// (REVIEW16's F2). ImageJ scales pixelWidth and pixelHeight
			// both, whatever yunit says.
			conv = 1e4
		}
		f *= conv
		m.pixelX = f / xres
		fy := f
		if yu, ok := kv["yunit"]; ok {
			if fy, ok = LengthUnit(yu); !ok {
				fy = math.NaN()
				m.lengthUnit = yu // the height's: no pixel size, with a warning naming it
			}
			fy *= conv
		}
		// No YResolution: ImageJ's height stays 1 (FileInfo's default),
		// and so not square unless the width is 1 too (UNITS14's F11:
		// the CLI took the width, Fiji's image was not square).
		m.pixelY = fy
		if good(yres) {
			m.pixelY = fy / yres
		}
	}
	// ImageJ takes an ImageJ description's unit (none: "") over the one
	// the resolution tags state, and "" or a pixel is uncalibrated: the
	// tags are not read in its place (REVIEW16's F1). (SCIFIO's
	// descriptions do not start with "ImageJ": ImageJ reads their tags.)
	if un := kv["unit"]; strings.HasPrefix(desc, "ImageJ") && (un == "" || pixelUnit(un)) || pixelUnit(un) {
		m.uncalibrated = true
	}
	if fi, ok := kv["finterval"]; ok {
		tu, ok := kv["tunit"]
		if !ok {
			tu = "sec"
		}
		if f, ok := TimeUnit(tu); ok {
			m.interval = number(fi) * f
			if m.interval == 0 {
				m.badTime = fmt.Sprintf("finterval=%s", fi) // (UNITS14's F8: said no more than absent)
			}
		}
	}
	return m
}

// unescapeImageJ decodes the \uXXXX escapes ImageJ writes for characters
// outside ASCII ("\u00B5m" for µm).
func unescapeImageJ(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+6 <= len(s) && s[i+1] == 'u' {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				b.WriteRune(rune(r))
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// omeUnits reads Pixels element k (from 0: the image a file of several
// holds, tiffReader.omeImage) of an OME-XML description.
func omeUnits(desc string, k int) metadata {
	m := metadata{name: "OME-XML"}
	if !isOME(desc) {
		return m
	}
	d := xml.NewDecoder(strings.NewReader(desc))
	d.Strict = false
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	attrs := func(e xml.StartElement) map[string]string {
		a := map[string]string{}
		for _, at := range e.Attr {
			a[at.Name.Local] = strings.TrimSpace(at.Value)
		}
		return a
	}
	// length is 0 if absent, NaN if malformed or in an unknown unit
	length := func(a map[string]string, key string) float64 {
		v, ok := a[key]
		if !ok {
			return 0
		}
		unit, ok := a[key+"Unit"]
		if !ok {
			unit = "µm"
		}
		f, ok := LengthUnit(unit)
		if !ok && !pixelUnit(unit) && good(number(v)) {
			m.lengthUnit = unit
		}
		if ok && !good(number(v)) && m.badLength == "" && (number(v) == 0 || math.IsNaN(number(v))) {
			// (a stated 0 or a malformed size went without a word:
			// UNITS14's F8; a negative one or Inf: finish says so)
			m.badLength = fmt.Sprintf("%s=%q", key, v)
		}
		if !ok || math.IsNaN(number(v)) {
			return math.NaN()
		}
		return number(v) * f // not good (negative, 0, Inf): finish says so
	}
	duration := func(a map[string]string, key, unitKey string) (float64, bool) {
		v, ok := a[key]
		if !ok {
			return 0, false
		}
		unit, ok := a[unitKey]
		if !ok {
			unit = "s"
		}
		f, ok := TimeUnit(unit)
		if !ok {
			m.timeUnit = unit
		}
		return number(v) * f, ok
	}
	inPixels := false
	var t0, t1 float64 // DeltaT of the first time point and of the last seen
	var have0, have1 bool
	last := 0 // the last time point's index
	planes := func() metadata {
		// The mean interval from the first time point to the last: the
		// first two alone gave 35 ms for planes at 0, 35, 45, 55, ... ms
		// (a start-up delay; D 3.5 times too small: UNITS14's F14).
		if m.interval == 0 && have0 && have1 {
			m.interval = (t1 - t0) / float64(last)
		}
		return m
	}
	for {
		tok, err := d.Token()
		if err != nil {
			break // the end, or malformed XML: keep what was read
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch {
			case e.Name.Local == "Pixels" && !inPixels && k > 0:
				k-- // another image's
			case e.Name.Local == "Pixels" && !inPixels:
				a := attrs(e)
				inPixels = true
				m.pixelX, m.pixelY = length(a, "PhysicalSizeX"), length(a, "PhysicalSizeY")
				var stated bool
				if m.interval, stated = duration(a, "TimeIncrement", "TimeIncrementUnit"); stated && m.interval == 0 {
					m.badTime = fmt.Sprintf("TimeIncrement=%q", a["TimeIncrement"]) // (the planes' DeltaT are read)
				}
				if m.interval != 0 {
					return m // the planes (there may be many) are not needed
				}
			case e.Name.Local == "Plane" && inPixels && m.interval == 0:
				a := attrs(e)
				if a["TheC"] != "" && a["TheC"] != "0" || a["TheZ"] != "" && a["TheZ"] != "0" {
					continue
				}
				dt, ok := duration(a, "DeltaT", "DeltaTUnit")
				n, nerr := strconv.Atoi(a["TheT"])
				switch {
				case !ok:
				case a["TheT"] == "0" || a["TheT"] == "":
					t0, have0 = dt, true
				case nerr == nil && n > last:
					t1, last, have1 = dt, n, true
				}
			}
		case xml.EndElement:
			if e.Name.Local == "Pixels" && inPixels {
				return planes()
			}
		}
	}
	return planes()
}

// mmUnits reads Micro-Manager's JSON metadata: an image's or a summary,
// with the summary's keys also looked up under "Summary".
func mmUnits(b []byte) metadata {
	m := metadata{name: "Micro-Manager"}
	if len(b) == 0 {
		return m
	}
	var top map[string]any
	if json.Unmarshal(b, &top) != nil {
		return m
	}
	return mmFromMap(top, m)
}

// mmNumber is the value of the first of keys in the first of objs that
// has it, as Micro-Manager writes numbers (a JSON number or a string); ok
// is false where none has it.
func mmNumber(objs []map[string]any, keys ...string) (float64, bool) {
	for _, o := range objs {
		for _, k := range keys {
			switch v := o[k].(type) {
			case float64:
				return v, true
			case string:
				return number(v), true
			}
		}
	}
	return 0, false
}

func mmFromMap(top map[string]any, m metadata) metadata {
	objs := []map[string]any{top}
	if s, ok := top["Summary"].(map[string]any); ok {
		objs = append(objs, s)
	}
	value := func(keys ...string) (float64, bool) { return mmNumber(objs, keys...) }
	if v, ok := value("PixelSizeUm", "PixelSize_um"); ok {
		m.pixelX = v
		if !good(v) {
			// 0: Micro-Manager's uncalibrated; anything else no positive
			// number is said (UNITS14's F8: dropped without a word)
			if v != 0 {
				m.badLength = fmt.Sprintf("%g um", v)
				if math.IsNaN(v) {
					m.badLength = "not a number"
				}
			}
			m.pixelX = 0
		}
	}
	if v, ok := value("PixelAspect"); ok {
		m.aspect = v
		if !good(v) {
			m.aspect = math.NaN()
		}
	}
	if v, ok := value("Interval_ms", "IntervalMs", "interval_ms", "WaitInterval"); ok {
		m.interval = v / 1000
	}
	return m
}

// mmFolderUnits reads the "Summary" object of the metadata.txt that
// Micro-Manager writes beside its single-page files (a top-level key; the
// rest of the file, one entry per image, is not read).
func mmFolderUnits(dir string) metadata {
	m := metadata{name: "Micro-Manager"}
	path := filepath.Join(dir, "metadata.txt")
	if _, err := npy.RegularFile(path); err != nil {
		return m // absent, or a named pipe that opening would block on
	}
	f, _, err := npy.OpenRegular(path) // a FIFO swapped in since: not waited on
	if err != nil {
		return m
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return m
	}
	d := json.NewDecoder(f)
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return m
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return m
		}
		if key != "Summary" {
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return m
			}
			continue
		}
		var s map[string]any
		if d.Decode(&s) != nil {
			return m
		}
		return mmFromMap(s, m)
	}
	return m
}

// folderUnits reads metadata.txt in the folder of a series' files (all in
// one folder); its name is "" when there is none to read.
func folderUnits(files []string) metadata {
	dir := filepath.Dir(files[0])
	for _, f := range files[1:] {
		if filepath.Dir(f) != dir {
			return metadata{}
		}
	}
	m := mmFolderUnits(dir)
	if m.pixelX == 0 && m.interval == 0 {
		return metadata{}
	}
	return m
}

// withFolder completes u, a file's units, with the folder's metadata.txt.
func withFolder(u Units, folder metadata) Units {
	file := metadata{name: u.Origin, interval: u.FrameInterval, pixelX: u.PixelSize}
	return merge(file, folder)
}

// lastMM is the MicroManagerMetadata JSON of the single-page TIFF file
// at path (the last of a series of them: see mmMeasured), nil where it
// has none or cannot be read (checkAll refuses a file that is no frame).
func lastMM(path string) []byte {
	m, err := mapFile(path)
	if err != nil {
		return nil
	}
	defer m.close()
	var b []byte
	_, _ = parsed(m, func() (Source, error) {
		r := &tiffReader{b: m.data, path: m.path}
		if err := r.header(); err != nil {
			return nil, err
		}
		b = bytes.Clone(r.metaTags().mm) // (the mapping is closed on return)
		return nil, nil
	})
	return b
}
