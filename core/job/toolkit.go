package job

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/core/source"
)

// ErrOption reports a toolkit option a user got wrong: a malformed or
// out-of-range value, options that conflict, offsets that reach beyond
// the image, a second channel that does not match the first. The CLI
// exits with status 2 for it. It wraps pcf.ErrParam: every other host
// (the C ABI's status table) reports it as an invalid parameter.
var ErrOption error = optionError{}

type optionError struct{}

func (optionError) Error() string { return "bad option" }
func (optionError) Unwrap() error { return pcf.ErrParam }

// Usage reports whether err is the user's mistake in what they asked
// for rather than a failure of the run or a fault of the input's content:
// an invalid or conflicting option value (ErrOption and every parameter
// error of core: pcf, bleach, simulate, fit's model constants), one
// that does not fit the input (a radius too large for the image, --frames
// beyond its end) or a memory budget too small out of core. It is the one
// place that draws this line; the CLI exits with status 2 for these and 1
// for every other error (a file's content, conv's shapes and kernels
// included: they come from files).
func Usage(err error) bool {
	for _, e := range []error{pcf.ErrParam, bleach.ErrParam, simulate.ErrParam, fit.ErrModel, ooc.ErrBudget} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func optErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrOption, fmt.Sprintf(format, a...))
}

// Toolkit holds the correlation toolkit's options as a user writes them
// (see docs/toolkit.md). Apply checks them together, in one place for
// every host that takes them as text, and sets a Spec.
type Toolkit struct {
	// Offsets is "u,v;u,v;..." or the path of a text file of "u v" or
	// "u,v" lines (# starts a comment).
	Offsets string
	Preset  string // "circle" (default), "disk" or "line"
	ACF     bool   // the single offset (0, 0)
	Bins    string // "log" (default), "linear" or "multitau"
	M       int    // multi-tau channels per level; 0: pcf.DefaultM
	// Smooth is the smoothing weight in [0, 1); 0 turns smoothing off.
	Smooth    float64
	Threshold string // a mean intensity; "": none
	Delta     bool   // delta-CCF
	Input2    string // a second channel (see Spec.Input2)
	// Channel selects the input's channel (Input.Channel), Channel2 the
	// second channel's (Spec.Channel2): numbered from 1 as in ImageJ, 0
	// none. Given as 0 they are refused.
	Channel, Channel2 int
	// Given names the options set explicitly ("radius", "npoints",
	// "nbins", "offsets", "preset", "acf", "m", ...): options that
	// conflict are refused only when both were given.
	Given map[string]bool
}

// DefaultToolkit returns the defaults: the circle, log bins, smoothing
// weight 0.7, no threshold.
func DefaultToolkit() Toolkit {
	return Toolkit{Preset: "circle", Bins: "log", Smooth: pcf.DefaultSmooth}
}

// Apply checks the options and sets s.PCF (offsets, bins, m, smoothing,
// threshold, delta), s.Input2, s.Input.Channel and s.Channel2. Preset
// disk and line take their radius from s.PCF.Radius. Errors wrap
// ErrOption.
func (t Toolkit) Apply(s *Spec) error {
	given := func(names ...string) []string {
		var g []string
		for _, n := range names {
			if t.Given[n] {
				g = append(g, "--"+n)
			}
		}
		return g
	}
	o := &s.PCF
	preset := t.Preset
	if preset == "" {
		preset = "circle"
	}
	if t.Given["offsets"] && strings.TrimSpace(t.Offsets) == "" {
		return optErr("--offsets is empty: want \"u,v;u,v;...\" or a file of u v lines")
	}
	switch {
	case t.Offsets != "" && t.ACF:
		return optErr("--acf is the offset (0, 0): give it or --offsets, not both (add 0,0 to the offsets instead)")
	case t.Offsets != "" && t.Given["preset"]:
		return optErr("--offsets and --preset %s: give one of them", preset)
	case t.ACF && t.Given["preset"]:
		return optErr("--acf and --preset %s: give one of them", preset)
	}
	switch {
	case t.Offsets != "" || t.ACF:
		what := "--offsets"
		if t.ACF {
			what = "--acf"
		}
		if g := given("radius", "npoints"); len(g) > 0 {
			return optErr("%s and %s: the offsets replace the circle's radius and points", what, strings.Join(g, ", "))
		}
		if t.ACF {
			o.Offsets = []pcf.Offset{{U: 0, V: 0}}
			break
		}
		offs, err := ParseOffsets(t.Offsets)
		if err != nil {
			return err
		}
		o.Offsets = offs
	case preset == "circle":
		o.Offsets = nil
	case preset == "disk" || preset == "line":
		if g := given("npoints"); len(g) > 0 {
			return optErr("--preset %s takes --radius only, not --npoints", preset)
		}
		f := pcf.Disk
		if preset == "line" {
			f = pcf.Line
		}
		offs, err := f(o.Radius)
		if err != nil {
			return optErr("--preset %s --radius %d: want a radius of 1 to %d", preset, o.Radius, map[string]int{"disk": 1 << 10, "line": 1 << 20}[preset])
		}
		o.Offsets = offs
	default:
		return optErr("--preset %q: want circle, disk or line", t.Preset)
	}
	bins, err := pcf.ParseBinMode(t.Bins)
	if err != nil {
		return optErr("--bins %q: want log, linear or multitau", t.Bins)
	}
	o.Bins = bins
	if bins == pcf.Multitau {
		if g := given("nbins"); len(g) > 0 {
			return optErr("--nbins and --bins multitau: the multi-tau correlator's points follow --m, not --nbins")
		}
		m := t.M
		if m == 0 && !t.Given["m"] {
			m = pcf.DefaultM
		}
		if m < 2 || m%2 != 0 || m > 1<<12 {
			return optErr("--m %d: want an even number of channels per level, 2 to %d", t.M, 1<<12)
		}
		o.M = m
	} else {
		if t.Given["m"] {
			return optErr("--m is the multi-tau channels per level: it needs --bins multitau")
		}
		o.M = 0
	}
	if !(t.Smooth >= 0 && t.Smooth < 1) {
		return optErr("--smooth %g: want a weight 0 <= w < 1 (0: no smoothing)", t.Smooth)
	}
	o.SetSmooth(t.Smooth)
	o.Threshold, o.ThresholdOn = 0, false
	if t.Threshold != "" {
		// (as every number's flag: " 40" refused, as --smooth " 0.5" was:
		// EQUIV13's M5)
		v, err := source.ParseDecimal(t.Threshold)
		if errors.Is(err, strconv.ErrRange) {
			return optErr("--threshold %q: out of range (want a finite mean intensity)", t.Threshold)
		}
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return optErr("--threshold %q: want a finite mean intensity", t.Threshold)
		}
		o.SetThreshold(v)
	}
	o.Delta = t.Delta
	s.Input2 = t.Input2
	if err := CheckChannel("channel", t.Channel, t.Given["channel"]); err != nil {
		return err
	}
	if err := CheckChannel("channel2", t.Channel2, t.Given["channel2"]); err != nil {
		return err
	}
	s.Input.Channel, s.Channel2 = t.Channel, t.Channel2
	return nil
}

// CheckChannel checks the channel option name (channel, channel2): a
// channel number from 1, as in ImageJ, or 0 when not given. Whether the
// input has that channel is checked when it is opened. Errors wrap
// ErrOption.
func CheckChannel(name string, v int, given bool) error {
	if v < 0 || v == 0 && given {
		return optErr("--%s %d: want a channel number from 1, as in ImageJ", name, v)
	}
	return nil
}

// maxOffsetsFile is the largest offsets file read.
const maxOffsetsFile = 16 << 20

// ParseOffsets parses offsets given as "u,v;u,v;..." or, if arg names an
// existing file, as the lines of that file: "u v" or "u,v", blank lines
// and # comments ignored. u counts columns, v rows. Errors wrap ErrOption.
// Text that is a list of offsets and also names a file is refused: which
// was meant cannot be told (a file "1,0" was read silently for the offset
// (1, 0)), and "./1,0" names the file.
func ParseOffsets(arg string) ([]pcf.Offset, error) {
	offs, textErr := parseOffsetsText(arg)
	if _, err := os.Stat(arg); err == nil {
		if textErr == nil {
			return nil, optErr("--offsets %q is both a list of offsets and the name of a file here: write \"./%s\" (or a path with a folder) for the file", arg, arg)
		}
		return parseOffsetsFile(arg)
	}
	return offs, textErr
}

// parseOffsetsFile reads the offsets file arg.
func parseOffsetsFile(arg string) ([]pcf.Offset, error) {
	if st, err := os.Stat(arg); err == nil {
		if !st.Mode().IsRegular() {
			return nil, optErr("--offsets %s is %s, not a file of offsets", arg, npy.Kind(st.Mode()))
		}
		if st.Size() > maxOffsetsFile {
			return nil, optErr("--offsets %s: %d bytes, more than an offsets file of %d", arg, st.Size(), maxOffsetsFile)
		}
		b, err := npy.ReadRegular(arg, maxOffsetsFile) // a FIFO swapped in since: not waited on
		if err != nil {
			return nil, optErr("--offsets: %v", err)
		}
		var offs []pcf.Offset
		// (a UTF-8 byte order mark, as Windows editors save text, was
		// refused as no offset: READ16's minor)
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		for i, line := range strings.Split(string(b), "\n") {
			if c := strings.IndexByte(line, '#'); c >= 0 {
				line = line[:c]
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			f := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' })
			if len(f) != 2 {
				return nil, optErr("--offsets %s line %d: %q: want two whole numbers u v (or u,v)", arg, i+1, line)
			}
			o, err := parseOffset(f[0], f[1])
			if err != nil {
				return nil, optErr("--offsets %s line %d: %q: %v", arg, i+1, line, err)
			}
			offs = append(offs, o)
		}
		if len(offs) == 0 {
			return nil, optErr("--offsets %s holds no offsets (want lines of u v or u,v)", arg)
		}
		return offs, checkOffsetList("--offsets "+arg, offs)
	} else {
		return nil, optErr("--offsets: %v", err)
	}
}

// parseOffsetsText parses offsets given as "u,v;u,v;...".
func parseOffsetsText(arg string) ([]pcf.Offset, error) {
	var offs []pcf.Offset
	for i, pair := range strings.Split(arg, ";") {
		pair = strings.TrimSpace(pair)
		if pair == "" && i > 0 && i == strings.Count(arg, ";") {
			break // a trailing ';'
		}
		u, v, ok := strings.Cut(pair, ",")
		if !ok {
			return nil, optErr("--offsets %q is not a file, and pair %d %q is not u,v (want \"u,v;u,v;...\" or a file of u v lines)", arg, i+1, pair)
		}
		o, err := parseOffset(strings.TrimSpace(u), strings.TrimSpace(v))
		if err != nil {
			return nil, optErr("--offsets %q: pair %d %q: %v", arg, i+1, pair, err)
		}
		offs = append(offs, o)
	}
	return offs, checkOffsetList(fmt.Sprintf("--offsets %q", arg), offs)
}

func parseOffset(us, vs string) (pcf.Offset, error) {
	const lim = 1 << 20
	u, e1 := strconv.Atoi(us)
	v, e2 := strconv.Atoi(vs)
	if e1 != nil || e2 != nil {
		return pcf.Offset{}, fmt.Errorf("want whole numbers u (columns) and v (rows)")
	}
	if u < -lim || u > lim || v < -lim || v > lim {
		return pcf.Offset{}, fmt.Errorf("want |u|, |v| <= %d", lim)
	}
	return pcf.Offset{U: u, V: v}, nil
}

// checkOffsetList refuses too many offsets. A repeated offset is allowed,
// as in every host's offset arrays (docs/toolkit.md, section 1): its
// curves repeat.
func checkOffsetList(what string, offs []pcf.Offset) error {
	if len(offs) > pcf.MaxOffsets {
		return optErr("%s: %d offsets, want at most %d", what, len(offs), pcf.MaxOffsets)
	}
	return nil
}

// Mode names the offsets: "circle" (nil), "acf" (the single (0, 0)),
// "disk" or "line" (a preset's offsets), else "offsets".
func Mode(offs []pcf.Offset) string {
	if offs == nil {
		return "circle"
	}
	if len(offs) == 1 && offs[0] == (pcf.Offset{}) {
		return "acf"
	}
	r := 0
	for _, o := range offs {
		r = max(r, o.U, -o.U, o.V, -o.V)
	}
	same := func(p []pcf.Offset, err error) bool {
		if err != nil || len(p) != len(offs) {
			return false
		}
		for i := range p {
			if p[i] != offs[i] {
				return false
			}
		}
		return true
	}
	switch {
	case same(pcf.Disk(r)):
		return "disk"
	case same(pcf.Line(r)):
		return "line"
	}
	return "offsets"
}

// lineScan reports whether the offsets stay within a row: a 2-D (time,
// x) .npy is then read as (time, 1, x).
func lineScan(offs []pcf.Offset) bool {
	if offs == nil {
		return false
	}
	for _, o := range offs {
		if o.V != 0 {
			return false
		}
	}
	return true
}

// linesWanted reports whether in asks for a 2-D .npy to be read as a line
// scan (Lines set, a .npy or auto format, not raw).
func linesWanted(in Input) bool {
	return in.Lines && (in.Format == "npy" || in.Format == "auto" || in.Format == "") && in.Raw.T == 0
}

// LineScanInput reports whether OpenSource reads in as a (time, x) line
// scan: Lines set and the file a 2-D .npy, opened as (time, 1, x). A
// caller that writes frames back (ipcf bleach) checks the source it
// opened too (one row), since the file may be replaced in between.
func LineScanInput(in Input) bool {
	if !linesWanted(in) {
		return false
	}
	h, ok := npyHeader(in.Path)
	return ok && len(h.Shape) == 2
}

// npyHeader is the header of the .npy file at path; ok is false where
// path is no regular file or no .npy (a FIFO is refused, never opened).
func npyHeader(path string) (h npy.Header, ok bool) {
	if _, err := npy.RegularFile(path); err != nil {
		return h, false
	}
	f, err := npy.Open(path)
	if err != nil {
		return h, false
	}
	defer f.Close()
	return f.Header, true
}

// openLineScan opens a 2-D .npy (time, x), C or Fortran order, as the
// (time, 1, x) stack it is; ok is false for anything else.
func openLineScan(path string) (src source.Source, ok bool, err error) {
	h, ok := npyHeader(path)
	if !ok || len(h.Shape) != 2 {
		return nil, false, nil
	}
	src, err = source.OpenLineScan(path)
	return src, true, err
}

// lineScanHint adds to the error of a 2-D .npy input, read without
// offsets that stay within a row, how to read it as a line scan. The
// file is a line scan the options do not fit: a usage mistake (ErrParam
// too, exit status 2 on the command line), as a radius too large is.
func lineScanHint(err error, in Input) error {
	if in.Lines || !errors.Is(err, source.ErrFormat) || in.Raw.T > 0 || (in.Format != "" && in.Format != "auto" && in.Format != "npy") {
		return err
	}
	if h, ok := npyHeader(in.Path); !ok || len(h.Shape) != 2 {
		return err
	}
	return optionsMisfit{fmt.Errorf("%w (a 2-D (time, x) .npy is read as a line scan with --preset line or offsets of v = 0)", err)}
}

// optionsMisfit is an error of the input that the options alone cause:
// its text is the input's error, and it is pcf.ErrParam too.
type optionsMisfit struct{ error }

func (e optionsMisfit) Unwrap() []error { return []error{e.error, pcf.ErrParam} }

// offsetsText is the offsets as "u,v;u,v;..." (the key).
func offsetsText(offs []pcf.Offset) string {
	var b strings.Builder
	for i, o := range offs {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%d,%d", o.U, o.V)
	}
	return b.String()
}

// smoothWeight is the smoothing weight the options give (0: off).
func smoothWeight(o pcf.Options) float64 {
	switch {
	case o.NoSmooth:
		return 0
	case o.Smooth == 0:
		return pcf.DefaultSmooth
	}
	return o.Smooth
}

// toolkitFields adds the key fields of the toolkit options that differ
// from the defaults (a default job keeps the key it had before them).
func (j *Job) toolkitFields(f map[string]string) error {
	o := j.spec.PCF
	if o.Offsets != nil {
		f["offsets"] = offsetsText(o.Offsets)
	}
	if o.Bins != pcf.LogBinning {
		f["bins"] = o.Bins.String()
	}
	if o.Bins == pcf.Multitau {
		m := o.M
		if m == 0 {
			m = pcf.DefaultM
		}
		f["multitau_m"] = strconv.Itoa(m)
	}
	if w := smoothWeight(o); w != pcf.DefaultSmooth {
		f["smooth"] = strconv.FormatFloat(w, 'g', -1, 64)
	}
	if o.ThresholdOn {
		f["threshold"] = strconv.FormatFloat(o.Threshold, 'g', -1, 64)
	}
	if o.Delta {
		f["delta"] = "true"
	}
	if c := j.spec.Input.Channel; c > 0 {
		f["channel"] = strconv.Itoa(c)
	}
	if c := j.spec.Channel2; c > 0 {
		f["channel2"] = strconv.Itoa(c)
	}
	switch {
	case j.spec.Input2 != "" || j.spec.Channel2 > 0:
		fp, err := fingerprint(j.files2)
		if err != nil {
			return inputErr(fmt.Errorf("input2: %w", err)) // (a storage fault said as such: REVIEW13's m2)
		}
		f["input2"] = fp
	case j.src2 != nil:
		// A second channel in memory: its samples.
		T, H, W := j.src2.Shape()
		var crc uint32
		for t := 0; t < T; t++ {
			fr, _ := j.src2.Frame(t)
			crc = ooc.FrameCRC(crc, fr, H, W)
		}
		f["input2"] = fmt.Sprintf("array %s %08x", j.src2.DType(), crc)
	}
	return nil
}

// toolkitMeta adds the toolkit's metadata: the mode, each offset with its
// distance, each point's delay, the bins, smoothing, threshold, delta and
// the second channel.
func (j *Job) toolkitMeta(m map[string]any, input2CRC uint32) {
	o := j.spec.PCF
	g := j.geom
	mode := Mode(o.Offsets)
	m["mode"] = mode
	switch mode {
	case "disk", "line": // the preset's radius; no points
		m["radius"], m["npoints"] = max(g.Margin[0], g.Margin[1]), nil
	case "acf", "offsets":
		m["radius"], m["npoints"] = nil, nil
	}
	type offset struct {
		U          int      `json:"u"`
		V          int      `json:"v"`
		DistancePx float64  `json:"distance_px"`
		DistanceUm *float64 `json:"distance_um"`
	}
	offs := make([]offset, len(g.Offsets))
	for i, c := range g.Offsets {
		d := math.Hypot(float64(c.U), float64(c.V))
		offs[i] = offset{U: c.U, V: c.V, DistancePx: d}
		if j.spec.PixelSize > 0 {
			um := d * j.spec.PixelSize
			offs[i].DistanceUm = &um
		}
	}
	m["offsets"] = offs
	m["delay_frames"] = g.Delays
	if fi := j.spec.FrameInterval; fi > 0 {
		s := make([]float64, len(g.Delays))
		for i, d := range g.Delays {
			s[i] = d * fi
		}
		m["delay_s"] = s
	} else {
		m["delay_s"] = nil
	}
	m["bins_mode"] = o.Bins.String()
	if o.Bins == pcf.Multitau {
		mm := o.M
		if mm == 0 {
			mm = pcf.DefaultM
		}
		m["multitau_m"] = mm
		m["multitau_lags"] = g.Lags
		m["multitau_levels"] = g.Levels
	} else {
		m["multitau_m"] = nil
	}
	m["smooth"] = smoothWeight(o)
	if o.ThresholdOn {
		m["threshold"] = o.Threshold
	} else {
		m["threshold"] = nil
	}
	m["delta"] = o.Delta
	// The channels selected of multi-channel files, numbered from 1.
	m["channel"], m["channel2"] = nil, nil
	if c := j.spec.Input.Channel; c > 0 {
		m["channel"] = c
	}
	if c := j.spec.Channel2; c > 0 {
		m["channel2"] = c
	}
	m["channels"] = 1
	m["input2"] = nil
	if j.src2 != nil {
		m["channels"] = 2
		m["input2"] = j.src2.Name()
		m["input2_fingerprint"] = j.fields["input2"]
		m["input2_crc32c"] = fmt.Sprintf("%08x", input2CRC)
	}
	axes := map[string]string{"circle": "circle point", "acf": "offset (0, 0)"}[mode]
	if axes == "" {
		axes = "offset"
	}
	delay := "delay bin"
	if o.Bins == pcf.Multitau {
		delay = "multi-tau lag"
	}
	m["axes"] = "row, column, " + axes + ", " + delay
}

// checkToolkit refuses, before anything is computed, offsets beyond the
// image and a second channel that is not the first's shape and type.
func (j *Job) checkToolkit(T, H, W int) error {
	o := j.spec.PCF
	if o.Offsets != nil {
		if err := pcf.CheckOffsets(o.Offsets); err != nil {
			return fmt.Errorf("%w: %w", ErrOption, err)
		}
		var mu, mv int
		for _, c := range o.Offsets {
			mu, mv = max(mu, c.U, -c.U), max(mv, c.V, -c.V)
		}
		if H <= 2*mv || W <= 2*mu {
			return optErr("the offsets reach %d rows and %d columns (%s): too far for a %dx%d image (want height > %d and width > %d)",
				mv, mu, Mode(o.Offsets), H, W, 2*mv, 2*mu)
		}
	}
	if j.src2 != nil {
		T2, H2, W2 := j.src2.Shape()
		if T2 != T || H2 != H || W2 != W {
			return optErr("the second channel %s is %dx%dx%d (frames, rows, columns after the selection), the input %dx%dx%d: want the same shape",
				j.src2.Name(), T2, H2, W2, T, H, W)
		}
		if d2, d := j.src2.DType(), j.src.DType(); d2 != d {
			return optErr("the second channel %s is %s, the input %s: want the same sample type", j.src2.Name(), d2, d)
		}
	}
	return nil
}

// openSecond opens the second channel: Input2 with Input's format and
// selection and channel Channel2 of it, or channel Channel2 of Input's
// file, or PCF.Data2 (an array in memory) as a source.
func (j *Job) openSecond() error {
	s := j.spec
	switch {
	case s.Input2 != "" && s.PCF.Data2 != nil:
		return optErr("a second channel given both as a file (%s) and as an array", s.Input2)
	case s.Channel2 > 0 && s.PCF.Data2 != nil:
		return optErr("a second channel given both as channel %d of a file (--channel2) and as an array", s.Channel2)
	case s.Input2 != "" || s.Channel2 > 0:
		in := s.Input
		if s.Input2 != "" {
			in.Path = s.Input2
		}
		in.Channel = s.Channel2
		src, err := openSource(in, "--channel2")
		if err != nil {
			if s.Input2 == "" {
				return err
			}
			return fmt.Errorf("input2: %w", err)
		}
		j.src2 = src
		j.files2 = source.Files(src)
	case s.PCF.Data2 != nil:
		v := *s.PCF.Data2
		if v.NDim() != 3 {
			return optErr("the second channel has shape %v, want (frames, rows, columns)", v.Shape)
		}
		j.src2 = &viewSource{v: v}
	}
	return nil
}

// viewSource is an array in memory as a source.
type viewSource struct{ v array.View }

func (s *viewSource) Shape() (int, int, int)    { return s.v.Shape[0], s.v.Shape[1], s.v.Shape[2] }
func (s *viewSource) DType() array.DType        { return s.v.DType }
func (s *viewSource) Name() string              { return "second channel (array)" }
func (s *viewSource) Close() error              { return nil }
func (s *viewSource) Stack() (array.View, bool) { return s.v, true }
func (s *viewSource) Frame(t int) (array.View, error) {
	if t < 0 || t >= s.v.Shape[0] {
		return array.View{}, fmt.Errorf("source: %s: frame %d outside 0..%d", s.Name(), t, s.v.Shape[0]-1)
	}
	return array.New(s.v.DType, s.v.Order, s.v.Shape[1:], s.v.Strides[1:], s.v.Data, s.v.Offset+t*s.v.Strides[0])
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
