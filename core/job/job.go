// Package job owns "a pCF job": an input file or folder with its
// selection, the pCF parameters, the output, the engine and its memory
// budget. Every host (the CLI, the C ABI and through it Python,
// MATLAB/Octave and Fiji) builds jobs only through Open, so defaults,
// option parsing, the engine choice, the job's identity (Key) and the
// metadata written with every output live here and nowhere else.
//
// A job is safe to kill at any instruction: its output appears under the
// final name complete or not at all; a rerun resumes what its journal
// records and what passes its checksums; a job with another key never
// reuses another job's work; a rerun of a completed job changes nothing.
package job

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/internal/sysmem"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// Version is the library version written into every output's metadata.
const Version = "0.3.2"

// numerics names the last change of the engines' arithmetic that changed
// results of jobs whose settings did not: a job's key holds it, so a
// result or scratch computed before is not taken for this job's.
const numerics = "2026-12-03 constant series 0, float64 scaled to range"

// ErrInput reports an input that cannot be used; ErrOutput an output that
// is refused (it is an input, lies in an input folder, is a folder that is
// not an ipcf result, or is in use by another run).
var (
	ErrInput  = errors.New("job: bad input")
	ErrOutput = errors.New("job: output refused")
	ErrBusy   = errors.New("job: output in use")
)

// inputReadError is ErrInput for an input the system failed to read
// (StorageFault): said as such, not as a bad input (the job's "bad input:
// read ...: input/output error" of a failing disk).
type inputReadError struct{}

func (inputReadError) Error() string { return "job: the input could not be read" }
func (inputReadError) Unwrap() error { return ErrInput }

// inputErr wraps an error of reading or checking the input as ErrInput,
// in the words of inputReadError where the storage failed.
func inputErr(err error) error {
	if StorageFault(err) {
		return fmt.Errorf("%w: %w", inputReadError{}, err)
	}
	return fmt.Errorf("%w: %w", ErrInput, err)
}

// StorageFault reports whether err wraps a failure of the storage: an I/O
// error, a disk or quota full, a read-only or stale file system, a timed
// out network file system (the C API's IPCF_E_IO, whatever error wraps it).
func StorageFault(err error) bool {
	for _, e := range []syscall.Errno{syscall.EIO, syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.ESTALE, syscall.ETIMEDOUT} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// scratchError is a scratch folder that cannot be used: ErrOutput to
// errors.Is (the scratch of an output), in its own words.
type scratchError struct{ msg string }

func (e scratchError) Error() string { return "job: scratch folder refused: " + e.msg }
func (e scratchError) Unwrap() error { return ErrOutput }

// Input selects the frames and pixels of an image time series.
type Input struct {
	Path string
	// Format is "auto" (or ""): by extension and content; "npy", "tiff",
	// or "raw" (needs Raw).
	Format string
	// Raw describes a headerless file: frames, rows, columns, sample type,
	// byte order and bytes to skip. Raw.T > 0 implies Format "raw".
	Raw source.Raw
	// Crop is "y0:y1,x0:x1" (either bound may be empty); Frames "a:b".
	Crop, Frames string
	// Lines reads a 2-D (time, x) .npy as (time, 1, x): line scans. Open
	// sets it when every offset stays within a row (v = 0).
	Lines bool
	// Channel selects a channel of a multi-channel ImageJ hyperstack or
	// OME-TIFF, numbered from 1 as in ImageJ; 0 selects none (such a file
	// is then refused). An input of one channel has channel 1 only.
	Channel int
}

// Spec is everything a job needs; the zero values of optional fields are
// the defaults.
type Spec struct {
	Input Input
	// Mask is the path of a .npy mask of the input frame or of the crop
	// (rows, columns); zero pixels are not computed (NaN). MaskView is a
	// mask in memory instead.
	Mask     string
	MaskView *array.View
	// PCF holds radius, points, bins, bleaching, threads, device and the
	// toolkit's options (offsets, bins, smoothing, threshold, delta; see
	// Toolkit); its Mask and Progress are not used (see Mask and
	// Progress). Data2, a second channel in memory, is the alternative to
	// Input2.
	PCF pcf.Options
	// Input2 is a second channel: a file read like Input (the same
	// format, raw layout and selection) with Input's shape and sample
	// type. The pixel's series comes from Input, the neighbour's from
	// Input2.
	Input2 string
	// Channel2 makes channel Channel2 (numbered from 1) of Input2 the
	// second channel, or without Input2 that channel of Input's file: the
	// cross-channel correlation of one multi-channel file. 0: none (Input2,
	// if given, is read without a channel selected).
	Channel2 int
	// Output is a .npy file, a .zarr folder, an .ome.zarr folder or a
	// .tif (.tiff) file: see OutputFormat.
	Output string
	// Engine is "auto" (or ""): in memory when the job fits the budget
	// and the output is .npy or .tif, else out of core (Zarr outputs
	// always); "memory" or "ooc".
	Engine  string
	Memory  int64  // peak memory budget in bytes; 0: DefaultMemory()
	Scratch string // folder for scratch files; "": beside the output
	Tile    [2]int // out of core: output tile (rows, columns); 0: from Memory
	// CopyInput: out of core, copy the frames into scratch even where
	// they can be read in place (ooc.Options.CopyInput).
	CopyInput bool
	// FrameInterval (seconds) and PixelSize (micrometres), when known, are
	// written into the metadata; 0 means unknown.
	FrameInterval, PixelSize float64
	// Errors, when not nil, writes the error bars of every curve point
	// (pcf.ErrorBars: blocking, or segments with Errors.Segments, 0 for
	// pcf.DefaultSegments) beside the curves, in their shape: OUT.sd.npy
	// for OUT.npy (ErrorsName; other output formats are refused). Both
	// engines compute them on the curves' data; the pair is committed and
	// published together, recorded in the sidecar ("errors") and in the
	// job key.
	Errors *pcf.ErrOptions
	// Progress gets the phase ("read", "pcf", then with Errors "errors" in
	// memory; "transpose", then "pcf", or with Errors "pcf+errors", out of
	// core, where a resumed run first does "check": it reads the frames an
	// interrupted run copied and compares them) and the finished and total
	// units; returning false cancels.
	Progress func(phase string, done, total int) bool
	// Log gets notes for the user: stale scratch removed, damaged scratch
	// computed again, a job found complete.
	Log func(msg string)
}

// DefaultSpec returns a spec with the tutorial's pCF parameters.
func DefaultSpec() Spec { return Spec{PCF: pcf.DefaultOptions(), Engine: "auto"} }

// Job is an opened, validated job.
type Job struct {
	// locked: Run holds the output's lock (a live lock found is then
	// this run's own, not a publication of another).
	locked bool
	// lockHeld reports whether the output's lock file is still the one
	// this run locked (see lock); nil outside Run.
	lockHeld func() error
	// written is the record of an input that ipcf wrote, where its check
	// waits for the in-memory job to read the frames (readStack): nil
	// where there is none, or it was checked when the job opened.
	written      *ooc.Written
	writtenUnits source.Units      // the units the record of an input ipcf wrote keeps (writtenUnits)
	unitsFrom    map[string]string // where the frame interval and pixel size came from
	notSquare    string            // the input's pixels, when they are not square and no size is given
	spec         Spec
	src          source.Source
	files        []string
	src2         source.Source // the second channel, or nil
	files2       []string
	snap         source.Snapshot // the inputs' versions when the job was opened
	mask         *array.View
	maskWarned   bool // warnMaskSelectsNone warned: every curve is NaN
	geom         pcf.Geometry
	engine       string
	nread        int // frames read per pixel: N, or T with bleaching correction
	memory       int64
	key          string
	fields       map[string]string
	origin       [3]int // first frame, row and column of the selection
	outAbs       string
	format       string // see OutputFormat
	zarr         bool   // a Zarr folder (plain or OME-Zarr): out of core only
	inMemNeed    int64
	// addressLimited: a limit of address space (ulimit -v) set the budget;
	// addressLeft is what it left then.
	addressLimited bool
	addressLeft    int64
	errs           *pcf.ErrOptions // the error bars' options (segments set), or nil
	outSeen        []os.FileInfo   // what lay at outputPaths when checkOutput took them
	outAbsent      []bool          // nothing lay at each of outputPaths at recheckOutput
	errPath        string          // their file (ErrorsName of the output)
	copyFrames     bool            // tests: readStack copies frames that lie in a mapping too
	devices        struct {
		sync.Mutex
		notes []string // the device notes of this run's computation, each once, in order
	}
}

// Summary describes a finished job.
type Summary struct {
	Engine          string // "memory" or "ooc"
	Tiles, Resumed  int    // out of core: tiles in all, tiles reused
	Chunks          int
	InPlace         bool // out of core: the input read in place, not copied into scratch
	AlreadyComplete bool // the output was already this job's result: nothing done
	InputCRC        uint32
	Input2CRC       uint32 // the second channel's samples read
	Geometry        pcf.Geometry
}

// overhead is the memory the process takes besides the job's arrays (Go
// runtime, threads, FFTW plans and buffers), measured with
// TestPeakMemory.
const overhead = 48 << 20

// DefaultMemory is the default budget: a quarter of the memory the
// process may use (sysmem.Total: RAM or the control group's limit; 2 GiB
// where it is not known).
func DefaultMemory() int64 {
	if total := pcf.TotalMemory(); total > 0 {
		return total / 4
	}
	return 2 << 30
}

// ParseSize parses a memory size: "2GiB", "512MiB", "1.5G", "100M",
// "64KiB" or bytes; units in any case ("2gib", "512mb").
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mul    float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TiB", 1 << 40}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
		{"TB", 1e12}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	t := strings.TrimSpace(s)
	mul := 1.0
	for _, u := range units {
		if len(t) >= len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mul = t[:len(t)-len(u.suffix)], u.mul
			break
		}
	}
	v, err := source.ParseDecimal(strings.TrimSpace(t))
	if err == nil && v > 0 && v*mul >= 1<<62 {
		return 0, fmt.Errorf("size %q: too large (want less than 4 EiB)", s)
	}
	if err != nil || !(v > 0) || v*mul < 1 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("size %q: want a positive number with an optional unit (TiB, GiB, MiB, KiB and T, G, M, K: powers of 1024; TB, GB, MB, KB: powers of 1000; B), less than 4 EiB", s)
	}
	return int64(v * mul), nil
}

// ParseMean parses a bleaching mean: "real" or "floor".
func ParseMean(s string) (bleach.Mean, error) {
	switch s {
	case "", "real":
		return bleach.Real, nil
	case "floor":
		return bleach.Floor, nil
	}
	return 0, fmt.Errorf("bleach mean %q: want real or floor", s)
}

// ParseTile parses "ROWS,COLS".
func ParseTile(s string) ([2]int, error) {
	a, b, ok := strings.Cut(s, ",")
	ty, e1 := source.Whole(strings.TrimSpace(a), false)
	tx, e2 := source.Whole(strings.TrimSpace(b), false)
	if !ok || e1 != nil || e2 != nil || ty < 1 || tx < 1 {
		return [2]int{}, fmt.Errorf("tile %q: want ROWS,COLS (positive)", s)
	}
	return [2]int{ty, tx}, nil
}

// ParseShape parses a raw input shape "T,H,W".
func ParseShape(s string) ([3]int, error) {
	parts := strings.Split(s, ",")
	var d [3]int
	if len(parts) != 3 {
		return d, fmt.Errorf("shape %q: want T,H,W", s)
	}
	for i, p := range parts {
		v, err := source.Whole(strings.TrimSpace(p), false)
		if err != nil || v < 1 {
			return d, fmt.Errorf("shape %q: want three positive whole numbers", s)
		}
		d[i] = v
	}
	return d, nil
}

// ParseByteOrder parses "little", "big" or "native".
func ParseByteOrder(s string) (array.ByteOrder, error) {
	switch s {
	case "", "little":
		return array.Little, nil
	case "big":
		return array.Big, nil
	case "native":
		return array.NativeOrder, nil
	}
	return 0, fmt.Errorf("byte order %q: want little, big or native (this machine's)", s)
}

// checkFormat refuses an input whose given format contradicts the other
// options or the file: --format npy or tiff with a raw shape, --format
// tiff for a file that is not a TIFF (it would be read by its content).
// CheckFormat checks an input format's name (Input.Format): "auto" (or
// ""), "npy", "tiff" or "raw", as written.
func CheckFormat(format string) error {
	switch format {
	case "", "auto", "npy", "tiff", "raw":
		return nil
	}
	return optErr("format %q: want auto, npy, tiff or raw", format)
}

func checkFormat(in Input) error {
	// (the C ABI passed an unknown name with a raw shape: READ16's minor)
	if err := CheckFormat(in.Format); err != nil {
		return err
	}
	if (in.Format == "npy" || in.Format == "tiff") && in.Raw.T > 0 {
		return fmt.Errorf("%w: format %s: the raw shape (--shape) is for raw input only", ErrInput, in.Format)
	}
	if in.Format != "tiff" {
		return nil
	}
	st, err := os.Stat(in.Path)
	if err != nil || !st.Mode().IsRegular() {
		return nil // a folder or glob of TIFFs, or an error OpenSource names
	}
	f, _, err := npy.OpenRegular(in.Path) // never waiting on a named pipe swapped in
	if err != nil {
		return nil
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || (string(head[:2]) != "II" && string(head[:2]) != "MM") {
		return fmt.Errorf("%w: %s is not a TIFF file (format tiff)", ErrInput, in.Path)
	}
	return nil
}

// OpenSource opens an input with its channel and selection applied. A
// channel the input does not have is an ErrOption error naming --channel.
func OpenSource(in Input) (source.Source, error) {
	return openSource(in, "--channel")
}

// channelSpelled names the channel options of the CLI (the keys) in the
// other hosts.
var channelSpelled = map[string]string{
	"--channel":  "channel= in Python and ImageJ, 'Channel' in MATLAB/Octave",
	"--channel2": "channel2= in Python and ImageJ, 'Channel2' in MATLAB/Octave",
}

// openSource opens an input; flag names its channel option in messages.
// A file ipcf wrote (a bleached stack) is read only as it was written:
// checked whole against its record first (ooc.CheckWritten).
func openSource(in Input, flag string) (source.Source, error) {
	src, w, err := openSourceRecord(in, flag)
	if err == nil && w != nil {
		if err = w.Check(); err != nil {
			src.Close()
			return nil, inputErr(err)
		}
	}
	return src, err
}

// openSourceRecord is openSource with the check of a file ipcf wrote left
// to the caller (w: its record, nil where there is none to check; the
// sidecar and the file's size are checked here), who reads the frames
// anyway (the in-memory job: Job.readStack). A file that cannot be opened
// is checked here, so that a damaged one says so.
func openSourceRecord(in Input, flag string) (_ source.Source, w *ooc.Written, err error) {
	if in.Channel < 0 {
		return nil, nil, optErr("%s %d: want a channel number from 1, as in ImageJ (0: none selected)", flag, in.Channel)
	}
	if err := checkFormat(in); err != nil {
		return nil, nil, err
	}
	if w, err = ooc.WrittenRecord(in.Path); err != nil {
		return nil, nil, inputErr(err)
	}
	src, err := openSourceUnchecked(in, flag)
	if err != nil && w != nil {
		if cerr := w.Check(); cerr != nil {
			return nil, nil, inputErr(cerr)
		}
	}
	return src, w, err
}

// openSourceUnchecked is openSource without the check of a file ipcf
// wrote.
func openSourceUnchecked(in Input, flag string) (source.Source, error) {
	var src source.Source
	var err error
	ch := in.Channel - 1 // 0-based; -1: none selected
	lines := false
	if linesWanted(in) {
		if src, lines, err = openLineScan(in.Path); err != nil {
			return nil, err
		}
	}
	if in.Format == "npy" || in.Format == "raw" || in.Raw.T > 0 {
		// A folder or pattern is TIFF frames; a pattern read as one file
		// said "stat PATTERN: no such file or directory" (READ19's m5).
		if _, err := os.Stat(in.Path); err != nil && strings.ContainsAny(in.Path, "*?[") {
			if m, _ := filepath.Glob(in.Path); len(m) > 0 {
				advice := "leave them out, or give one file"
				if !slices.ContainsFunc(m, func(p string) bool { e := strings.ToLower(filepath.Ext(p)); return e == ".tif" || e == ".tiff" }) {
					// (leaving them out read the .npy or raw files as TIFF
					// frames: "not a TIFF file", REVIEW24's m4)
					advice = "these are no TIFF files: give one file, which holds a whole time series"
				}
				return nil, optErr("%s is a pattern of %d files, read as a series of TIFF frames: the format npy or raw (or a raw layout) reads one file; %s", in.Path, len(m), advice)
			}
		}
	}
	switch {
	case lines:
	case in.Format == "raw" || in.Raw.T > 0:
		if in.Raw.T < 1 || in.Raw.H < 1 || in.Raw.W < 1 {
			return nil, optErr("raw input %s needs its shape (frames, rows, columns)", in.Path)
		}
		if kind := source.Formatted(in.Path); kind != "" && in.Format != "raw" {
			// A raw layout given with the format left to the content: a
			// .npy or TIFF read as raw bytes, its header ignored (a
			// Fortran-order or big-endian .npy gave other curves, exit 0:
			// READERS13's F6).
			return nil, optErr("%s is a %s file, which has its own type and layout: leave out the raw shape, dtype, byte order and offset, or give the format raw to read its bytes as raw", in.Path, kind)
		}
		if in.Raw.DType == 0 {
			in.Raw.DType = array.Uint16
		}
		src, err = source.OpenRaw(in.Path, in.Raw)
	case in.Format == "npy":
		src, err = source.OpenNpy(in.Path)
	case (in.Format == "tiff" || in.Format == "auto" || in.Format == "") && ch >= 0:
		src, err = source.OpenChannel(in.Path, ch)
	case in.Format == "tiff" || in.Format == "auto" || in.Format == "":
		src, err = source.Open(in.Path)
	default:
		return nil, CheckFormat(in.Format)
	}
	if err == nil && ch > 0 && (lines || in.Format == "raw" || in.Raw.T > 0 || in.Format == "npy") {
		src, err = source.SingleChannel(src, ch) // a .npy or raw file has one channel
	}
	if errors.Is(err, source.ErrChannel) {
		// Named in every host's spelling: file jobs from Python, Octave
		// and ImageJ named the CLI's flag alone (a campaign's finding).
		return nil, optErr("%s %d (%s): %v", flag, in.Channel, channelSpelled[flag], err)
	}
	if flag != "--channel" && errors.Is(err, source.ErrFormat) && strings.Contains(err.Error(), "--channel N") {
		return nil, fmt.Errorf("%w (for the second channel: --channel2 N, channel2= in Python, ImageJ and file jobs, 'Channel2' in MATLAB/Octave)", err)
	}
	if err != nil {
		return nil, err
	}
	if in.Frames == "" && in.Crop == "" {
		return src, nil
	}
	var frames, rows, cols source.Range
	if in.Frames != "" {
		if frames, err = source.ParseRange(in.Frames); err != nil {
			src.Close()
			return nil, optErr("frames: %v", err)
		}
	}
	if in.Crop != "" {
		if rows, cols, err = source.ParseCrop(in.Crop); err != nil {
			src.Close()
			return nil, optErr("crop: %v", err)
		}
	}
	sel, err := source.Select(src, frames, rows, cols)
	if err != nil {
		src.Close()
		return nil, optErr("%v", err)
	}
	return sel, nil
}

// Open validates a job: input, selection, mask, parameters, output and
// engine, before any file is created.
func Open(s Spec) (*Job, error) {
	if s.Input.Path == "" {
		return nil, fmt.Errorf("%w: no input given", ErrInput)
	}
	if s.Output == "" {
		return nil, fmt.Errorf("%w: no output given (a .npy file or a .zarr folder)", ErrOutput)
	}
	out := strings.TrimRight(s.Output, "/")
	format, err := OutputFormat(s.Output)
	if err != nil {
		return nil, err
	}
	j := &Job{spec: s, format: format, zarr: format == FormatZarr || format == FormatOMEZarr}
	j.spec.Progress = throttle(s.Progress)
	for _, u := range []struct {
		name string
		v    float64
	}{{"frame interval", s.FrameInterval}, {"pixel size", s.PixelSize}} {
		if !(u.v >= 0) || math.IsInf(u.v, 0) {
			return nil, fmt.Errorf("%w: %s %g: want a finite number > 0 (0: unknown)", pcf.ErrParam, u.name, u.v)
		}
	}
	// The ranges a fit of the result takes (it could not fit one outside).
	if err := (fit.Units{PixelSize: s.PixelSize, FrameInterval: s.FrameInterval}).CheckResult(); err != nil {
		return nil, fmt.Errorf("%w: %w", pcf.ErrParam, err)
	}
	switch s.Engine {
	case "", "auto", "memory", "ooc":
	default:
		return nil, fmt.Errorf("%w: engine %q: want auto, memory or ooc", pcf.ErrParam, s.Engine)
	}
	if s.Memory < 0 {
		return nil, fmt.Errorf("%w: memory budget %d: want > 0", pcf.ErrParam, s.Memory)
	}
	j.memory = s.Memory
	if j.memory == 0 {
		j.memory = DefaultMemory()
	}
	if s.Tile[0] < 0 || s.Tile[1] < 0 {
		return nil, fmt.Errorf("%w: tile %v: want positive", pcf.ErrParam, s.Tile)
	}
	if j.outAbs, err = ooc.OutputPath(out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutput, err)
	}
	// "link/../out.npy": the kernel's folder is the link target's parent,
	// a lexical clean's the link's. The output's hidden files (partial
	// output, sidecar, error bars, scratch note) were named lexically
	// while the lock was not: two jobs shared one partial output, and one
	// exited 0 with a mix (a campaign's finding). Every name derives from
	// the kernel's path then.
	j.spec.Output = npy.KernelPath(s.Output)
	if s.Channel2 < 0 {
		return nil, optErr("--channel2 %d: want a channel number from 1, as in ImageJ (0: none selected)", s.Channel2)
	}
	j.spec.Input.Lines = lineScan(s.PCF.Offsets)
	j.src, j.written, err = openSourceRecord(j.spec.Input, "--channel")
	j.writtenUnits = writtenUnits(j.written)
	if err != nil {
		return nil, lineScanHint(err, j.spec.Input)
	}
	ok := false
	defer func() {
		if !ok {
			j.src.Close()
			if j.src2 != nil {
				j.src2.Close()
			}
		}
	}()
	j.files = source.Files(j.src)
	j.unitsFrom = j.fileUnits()
	if err := j.openSecond(); err != nil {
		return nil, err
	}
	if err := j.secondUnits(); err != nil {
		return nil, err
	}
	T, H, W := j.src.Shape()
	if T == 1 && H > 1 && j.spec.Input.Lines && !LineScanInput(j.spec.Input) {
		// one image of several rows, offsets along x: a line scan saved as an image (Fiji's
		// kymograph), whose rows are read here as one frame's
		return nil, fmt.Errorf("%w: %s", ErrInput, source.OneImageAdvice(j.src.Name(), H))
	}
	if T == 1 && j.spec.Input.Frames == "" {
		// the input itself, not an option: refused as input (exit 1), not as "1 frames usable" (a usage error)
		return nil, fmt.Errorf("%w: %s holds one frame (a single image): the pCF correlates a time series; give a stack, a folder or pattern of images, or a file of frames", ErrInput, j.src.Name())
	}
	// An input of too few frames, or of frames without pixels, is refused
	// as the input, as one of a single frame is (exit status 1): 0, 2 and
	// 3 frames were "frames usable" (a usage error), and frames of 0 rows
	// "offsets too far (acf)" (a campaign's finding).
	if T < pcf.MinFrames && j.spec.Input.Frames == "" {
		return nil, fmt.Errorf("%w: %s holds %d frames: the pCF correlates a time series of %d frames or more", ErrInput, j.src.Name(), T, pcf.MinFrames)
	}
	if H < 1 || W < 1 {
		return nil, fmt.Errorf("%w: %s holds frames of %d x %d pixels: no pixels to correlate", ErrInput, j.src.Name(), H, W)
	}
	if err := j.checkToolkit(T, H, W); err != nil {
		return nil, err
	}
	if err := j.openMask(H, W); err != nil {
		return nil, err
	}
	o := s.PCF
	o.Mask, o.Progress = j.mask, nil
	if j.src2 != nil {
		// Plan looks at the second channel's shape only.
		o.Data2 = &array.View{DType: j.src2.DType(), Shape: []int{T, H, W}, Strides: []int{0, 0, 0}}
	}
	if j.geom, err = pcf.Plan([]int{T, H, W}, o); err != nil {
		return nil, err
	}
	j.warnMaskSelectsNone()
	if err := pcf.CheckDeviceOptions(o); err != nil {
		return nil, err
	}
	if err := pcf.CheckDevice(o.Device); err != nil {
		return nil, err
	}
	// One spelling in the key and the metadata: --device cuda and
	// Python's device='cuda' (an ordinal: cuda:0) are one job.
	j.spec.PCF.Device = pcf.CanonicalDevice(o.Device)
	if err := j.checkErrors(); err != nil {
		return nil, err
	}
	j.nread = j.geom.N
	if o.Bleach > 0 {
		j.nread = j.geom.T
	}
	if err := j.checkOutput(); err != nil {
		return nil, err
	}
	j.outSeen = statPaths(j.outputPaths())
	if n := ooc.TIFFBytes(j.geom.OutShape); j.format == FormatTIFF && n > ooc.MaxTIFFBytes {
		// decided by the options and the input's shape: a usage mistake
		// (exit status 2), as an output extension that is not written
		return nil, optErr("-o %s: the result takes %d MiB, a TIFF at most 4 GiB (ImageJ reads classic TIFF only): write .npy, .zarr or .ome.zarr",
			s.Output, n>>20)
	}
	if err := j.chooseEngine(); err != nil {
		return nil, err
	}
	// An input ipcf wrote: checked whole now, unless the in-memory job
	// reads its frames (readStack checks it then: with only the rest of
	// the file read, where it reads them in the file's mapping).
	if j.written != nil && j.engine != "memory" {
		if err := j.checkWritten(); err != nil {
			return nil, err
		}
	}
	// Taken before the fingerprint: an input whose size or time changes
	// from here to the end of its reading fails the run rather than giving
	// a result of another input under this job's key; one whose status
	// changes (a rewrite that set them back; a chmod) has its content
	// compared (runInMemory, sameInput).
	snapSrcs := []source.Source{j.src}
	if j.src2 != nil {
		snapSrcs = append(snapSrcs, j.src2)
	}
	if j.snap, err = source.Snap(snapSrcs...); err != nil {
		return nil, inputErr(err)
	}
	if err := j.makeKey(); err != nil {
		return nil, err
	}
	// The metadata written with the result must encode: a frame interval
	// or pixel size so large that the delays or distances overflow to
	// infinity would fail only once the result is published.
	if _, err := json.Marshal(j.Metadata(0, 0)); err != nil {
		return nil, fmt.Errorf("%w: the result's metadata cannot be written (frame interval %g s, pixel size %g um: the delays or distances overflow?): %v",
			pcf.ErrParam, j.spec.FrameInterval, j.spec.PixelSize, err)
	}
	ok = true
	return j, nil
}

// openMask reads the mask into memory (a mapped mask could change under
// the run); a mask of the uncropped frame is cropped like the input.
func (j *Job) openMask(h, w int) error {
	v := j.spec.MaskView
	if j.spec.Mask != "" {
		m, err := npy.Open(j.spec.Mask)
		if err != nil {
			var pe *fs.PathError
			if (errors.As(err, &pe) || errors.Is(err, npy.ErrNotRegular)) && !errors.Is(err, npy.ErrFormat) {
				// A file that cannot be read (missing, permission, not a
				// regular file): an I/O error as the input's is, not a bad
				// mask (HOSTS11's m5: IpcfValueError, ipcf:invalid_argument)
				return fmt.Errorf("mask: %w", err)
			}
			return fmt.Errorf("%w: mask: %v", ErrInput, err)
		}
		defer m.Close()
		mv := m.View
		v = &mv
	}
	if v == nil {
		return nil
	}
	if H, _, _, _ := source.Frame(j.src); v.NDim() == 1 && H == 1 {
		// A line scan's (or any one-row frame's) mask of its columns, as
		// Python takes it: the one row.
		r, err := array.New(v.DType, v.Order, []int{1, v.Shape[0]}, []int{0, v.Strides[0]}, v.Data, v.Offset)
		if err != nil {
			return err
		}
		v = &r
	}
	// A mask file of another shape than the frames' is an option that
	// does not fit the input, as a second channel of another shape is
	// (ErrOption, naming the file); a mask array a host passed is a shape
	// mismatch of its call.
	shapeErr := func(format string, a ...any) error {
		msg := fmt.Sprintf("mask shape %v", v.Shape)
		if j.spec.Mask != "" {
			return optErr("%s (%s)%s", msg, j.spec.Mask, fmt.Sprintf(format, a...))
		}
		return fmt.Errorf("%w: %s%s", pcf.ErrShape, msg, fmt.Sprintf(format, a...))
	}
	if v.NDim() != 2 {
		return shapeErr(", want (rows, columns) (or (columns,) for a line scan)")
	}
	// Checked whole, before a crop: the position named is the file's.
	if err := pcf.CheckMaskValues(*v); err != nil {
		if j.spec.Mask != "" {
			// The mask file's content, not an option: a bad input.
			err = fmt.Errorf("%w: %s: %v", ErrInput, j.spec.Mask, err)
		}
		return err
	}
	// A mask has the crop's shape, or the whole frame's: then the crop
	// is taken from it.
	if H, W, y0, x0 := source.Frame(j.src); (v.Shape[0] != h || v.Shape[1] != w) && v.Shape[0] == H && v.Shape[1] == W {
		c, err := array.New(v.DType, v.Order, []int{h, w}, v.Strides, v.Data, v.Offset+y0*v.Strides[0]+x0*v.Strides[1])
		if err != nil {
			return err
		}
		v = &c
	}
	if v.Shape[0] != h || v.Shape[1] != w {
		if H, W, _, _ := source.Frame(j.src); H != h || W != w {
			return shapeErr(": want the crop's %dx%d (crop %s) or the whole frame's %dx%d", h, w, j.spec.Input.Crop, H, W)
		}
		return shapeErr(", the input frames are %dx%d", h, w)
	}
	// A contiguous float64 copy: owned by the job, hashed for the key.
	buf := make([]byte, h*w*8)
	c, _ := array.Contiguous(array.Float64, []int{h, w}, buf)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c.Store((y*w+x)*8, v.Load(v.Offset+y*v.Strides[0]+x*v.Strides[1]))
		}
	}
	j.mask = &c
	return nil
}

// warnMaskSelectsNone warns of a mask that is 0 at every pixel whose
// curves are computed (the frames used less the margin the offsets
// leave at each border): every curve is NaN, exit 0 and no word before
// (HOSTS11's m7: an ROI outside the image; REVIEW12's F4: a mask set
// within the margin alone).
func (j *Job) warnMaskSelectsNone() {
	if j.mask == nil {
		return
	}
	h, w := j.mask.Shape[0], j.mask.Shape[1]
	m0, m1 := j.geom.Margin[0], j.geom.Margin[1]
	if h-2*m0 <= 0 || w-2*m1 <= 0 {
		return
	}
	for y := m0; y < h-m0; y++ {
		for x := m1; x < w-m1; x++ {
			if j.mask.Load(j.mask.Offset+y*j.mask.Strides[0]+x*j.mask.Strides[1]) != 0 {
				return
			}
		}
	}
	what := "the mask"
	if j.spec.Mask != "" {
		what = "the mask " + j.spec.Mask
	}
	j.log("warning: %s is 0 at every pixel whose curves are computed (%dx%d, the frames used less %d rows and %d columns at each border): every curve is NaN",
		what, h-2*m0, w-2*m1, m0, m1)
	j.maskWarned = true
}

// warnAllNaN warns of a result whose every curve is NaN, exit 0 and no
// word before (REVIEW12's F4: a threshold above every pixel's mean; data
// whose every series sums to zero), unless the mask was warned of
// already. finite says whether the curves this run computed hold a
// finite value; with tiles resumed from an earlier run it cannot tell.
func (j *Job) warnAllNaN(finite bool, resumed int) {
	if finite || resumed > 0 || j.maskWarned {
		return
	}
	why := "pixels whose series sum to zero or hold NaN"
	if o := j.spec.PCF; o.ThresholdOn {
		why = fmt.Sprintf("the threshold %s is at or above every pixel's mean intensity, or their series sum to zero", strconv.FormatFloat(o.Threshold, 'g', -1, 64))
	}
	j.log("warning: every curve of %s is NaN (%s)", j.spec.Output, why)
}

// leftByRun reports whether the existing output file out, without a
// sidecar describing it, can be what a run of this output killed between
// its publication and its sidecar left: a .npy of the result's shape, or
// a file whose checksum the scratch records (a TIFF: only that). A user's
// file put there since is not.
func (j *Job) leftByRun(out string) bool {
	// Any run's killed while it published (its scratch records the
	// file's checksum).
	if ooc.ScratchPublished(j.spec.Scratch, out) || ooc.ScratchReplaces(j.spec.Scratch, out, out) {
		return true
	}
	// This job's killed run's result.
	return j.format == FormatNpy && ooc.LooksLikeResult(out, j.geom.OutShape[:])
}

// outputPaths are the paths the job replaces: the output, its sidecar
// and its error bars.
func (j *Job) outputPaths() []string {
	p := []string{j.outAbs, ooc.SidecarName(j.outAbs)}
	if j.errPath != "" {
		p = append(p, j.errPath)
	}
	return p
}

// statPaths is what lies at each path (Lstat), nil where nothing does.
func statPaths(paths []string) []os.FileInfo {
	st := make([]os.FileInfo, len(paths))
	for i, p := range paths {
		st[i], _ = os.Lstat(p)
	}
	return st
}

// removeTrash is ooc.RemoveTrash (a test makes it fail, as a file the
// system will not remove does).
var removeTrash = ooc.RemoveTrash

// lockLost is the error of a run whose output lock was removed or
// replaced during it (nil where it holds it, or outside Run): it must
// neither publish nor remove anything at the output's paths, which may be
// another run's now (OOC20's F1).
func (j *Job) lockLost() error {
	if j.lockHeld == nil {
		return nil
	}
	return j.lockHeld()
}

// recheckOutput checks the output's paths again before the result is
// published, when what lies there changed since the job was opened (a
// user's file that appeared during the run is never replaced); what
// checkOutput took then and is unchanged stays taken (a file a killed
// run left, whose scratch this run has replaced since).
func (j *Job) recheckOutput() error {
	if err := j.lockLost(); err != nil {
		return err
	}
	paths := j.outputPaths()
	now := statPaths(paths)
	j.outAbsent = make([]bool, len(now))
	for i := range now {
		j.outAbsent[i] = now[i] == nil
	}
	changed := false
	for i := range now {
		changed = changed || !unchanged(now[i], j.outSeen[i])
	}
	if !changed {
		return nil
	}
	if err := j.checkOutput(); err != nil {
		return err
	}
	if j.zarr {
		// A file put into the earlier result during the run: refused
		// now, the result left as it is (replacing it would keep that
		// result aside, with the file, and fail).
		if f := ooc.ZarrForeign(j.outAbs); f != "" {
			return fmt.Errorf("%w: %s holds %s, which ipcf did not write (put there during the run): not replacing the folder; move it out or choose another name", ErrOutput, j.spec.Output, f)
		}
		return nil // (ZarrOutput.Publish checks the folder again as it renames)
	}
	// A file that appeared since is taken only if its sidecar describes
	// it: checkOutput also takes what a killed run left (the scratch
	// says so), but this run's own scratch proves nothing about it.
	for i, st := range now {
		if st == nil || unchanged(st, j.outSeen[i]) {
			continue
		}
		switch {
		case paths[i] == j.outAbs && !ooc.NpyIsOurs(j.outAbs):
			return fmt.Errorf("%w: %s appeared during the run and is not an ipcf result: not replacing it; remove it or choose another name", ErrOutput, j.spec.Output)
		case paths[i] == j.errPath && !ooc.RecordsErrors(j.outAbs, j.errPath):
			return fmt.Errorf("%w: %s appeared during the run and is not the error bars of an ipcf result: not replacing it; remove it or choose another name", ErrOutput, j.errPath)
		}
	}
	return nil
}

// absentAt is the Absent of the output at outputPaths()[i]: a file put
// there after recheckOutput found nothing is never replaced.
func (j *Job) absentAt(i int) func() bool {
	return func() bool { return i < len(j.outAbsent) && j.outAbsent[i] }
}

// errorsOutput is the output of the error bars.
func (j *Job) errorsOutput() *ooc.NpyOutput {
	sd := ooc.NewNpyOutput(j.errPath)
	sd.Absent = j.absentAt(2)
	return sd
}

// appeared classes a file that appeared at an output during the
// publication (ooc.ErrAppeared) as a refused output.
func appeared(err error) error {
	if errors.Is(err, ooc.ErrAppeared) && !errors.Is(err, ErrOutput) {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return err
}

// unchanged reports whether a and b (Lstat results, nil for nothing) are
// the same file, as it was: inode, size, mode and modification time.
func unchanged(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.Mode() == b.Mode() && a.ModTime().Equal(b.ModTime())
}

// checkOutput refuses outputs that would overwrite an input or a folder
// that is not an ipcf result.
func (j *Job) checkOutput() error {
	out := j.outAbs
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: the folder of %s does not exist", ErrOutput, j.spec.Output)
	} else if err != nil {
		return fmt.Errorf("%w: the folder of %s: %v", ErrOutput, j.spec.Output, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%w: the folder of %s, %s, is %s, not a folder", ErrOutput, j.spec.Output, filepath.Dir(j.spec.Output), npy.Kind(st.Mode()))
	}
	// A pattern of files: what the job writes must not join its series.
	for _, in := range []string{j.spec.Input.Path, j.spec.Input2} {
		for _, p := range j.outputPaths() {
			if in != "" && source.MatchesPattern(in, p) {
				return fmt.Errorf("%w: %s matches the input pattern %s: a later run would read it as a frame; write it elsewhere", ErrOutput, p, in)
			}
		}
	}
	inputs := append(append([]string{j.spec.Input.Path, j.spec.Mask, j.spec.Input2}, j.files...), j.files2...)
	outSt, outErr := os.Stat(out)
	var sdSt os.FileInfo
	if j.errPath != "" {
		sdSt, _ = os.Stat(j.errPath)
	}
	// Files of ipcf's own beside the output (ooc.Clobbers).
	own := map[string]string{
		ooc.PartialName(out):                "where ipcf writes " + j.spec.Output + " until it is complete",
		ooc.ScratchDir(j.spec.Scratch, out): "the scratch folder of " + j.spec.Output,
	}
	if j.errPath != "" {
		own[ooc.PartialName(j.errPath)] = "where ipcf writes the error bars " + j.errPath + " until they are complete"
	}
	tempDirs := []string{dir}
	if j.zarr {
		tempDirs = append(tempDirs, out)
		own[ooc.OldName(out)] = "where ipcf sets an earlier " + j.spec.Output + " aside"
	}
	for p := range own {
		if _, err := os.Stat(p); err != nil {
			delete(own, p) // nothing there: looked at once, not for each input (a folder's files)
		}
	}
	for _, in := range inputs {
		if in == "" {
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			continue
		}
		if outErr == nil && os.SameFile(st, outSt) {
			return fmt.Errorf("%w: %s is an input of this job", ErrOutput, j.spec.Output)
		}
		if sdSt != nil && os.SameFile(st, sdSt) {
			return fmt.Errorf("%w: %s (the error bars' file of %s) is an input of this job", ErrOutput, j.errPath, j.spec.Output)
		}
		if what := ooc.Clobbers(in, own, tempDirs...); what != "" {
			return fmt.Errorf("%w: %s: a run would overwrite or remove this input; move it away or choose another output name", ErrOutput, what)
		}
		if st.IsDir() {
			// The folder the system reads (link/.. is not a lexical one).
			abs, err := ooc.RealPath(in)
			if err != nil {
				abs, _ = filepath.Abs(in)
			}
			if within(out, abs) || ooc.InsideFolder(out, in) { // out: its folder's links resolved (ooc.OutputPath)
				return fmt.Errorf("%w: %s lies inside the input folder %s", ErrOutput, j.spec.Output, in)
			}
		}
	}
	if j.spec.Scratch != "" {
		// Checked without opening it: a named pipe would block.
		// (ErrOutput for the hosts' statuses, in the scratch folder's
		// words: "output refused" named the wrong thing.)
		st, err := os.Stat(j.spec.Scratch)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if target, lerr := os.Readlink(j.spec.Scratch); lerr == nil {
				return scratchError{fmt.Sprintf("%s is a link to %s, which does not exist: create that folder, or give another", j.spec.Scratch, target)}
			}
			return scratchError{fmt.Sprintf("%s does not exist: create it, or give none (the out-of-core engine's scratch goes beside the output)", j.spec.Scratch)}
		case err != nil:
			return scratchError{err.Error()}
		case !st.IsDir():
			return scratchError{fmt.Sprintf("%s is %s, not a folder", j.spec.Scratch, npy.Kind(st.Mode()))}
		}
		for _, in := range inputs {
			if st, err := os.Stat(in); err == nil && st.IsDir() {
				scratch := ooc.ScratchDir(j.spec.Scratch, out)
				if a, err := filepath.Abs(in); err == nil && within(scratch, a) || ooc.InsideFolder(filepath.Join(scratch, "job"), in) {
					return fmt.Errorf("%w: the scratch folder %s lies inside the input folder %s", ErrOutput, j.spec.Scratch, in)
				}
			}
		}
		// Inside a Zarr output (its own folder or below): the folder,
		// holding what ipcf did not write, could be replaced by no run.
		if real, err := ooc.RealPath(j.spec.Scratch); j.zarr && err == nil && (real == out || within(real, out)) {
			return fmt.Errorf("%w: the scratch folder %s lies inside the output %s: choose another --scratch", ErrOutput, j.spec.Scratch, j.spec.Output)
		}
	}
	if !j.zarr && strings.HasSuffix(j.spec.Output, "/") {
		return fmt.Errorf("%w: %s: a file's name ends without a slash", ErrOutput, j.spec.Output)
	}
	if lst, err := os.Lstat(out); err == nil && lst.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a link: not replacing it or what it points to", ErrOutput, j.spec.Output)
	}
	if !j.zarr {
		// The sidecar (OUT.json) is replaced too: only ipcf's, never an
		// input, a link, a FIFO or a folder (opening a FIFO would block).
		side := ooc.SidecarName(out)
		if lst, err := os.Lstat(side); err == nil {
			// One read decides: each check read the file again, and a
			// transient I/O error between them lost its cause (%!w(<nil>))
			// or called a good result's metadata another program's.
			var isSide bool
			var rerr error
			if lst.Mode().IsRegular() {
				isSide, rerr = ooc.SidecarCheck(side)
			}
			switch {
			case !lst.Mode().IsRegular():
				return fmt.Errorf("%w: %s exists and is %s, not ipcf's metadata: not replacing it", ErrOutput, side, npy.Kind(lst.Mode()))
			case rerr != nil:
				return fmt.Errorf("%s exists and could not be read to check that it is ipcf's metadata: %w; nothing was replaced", side, rerr)
			case !isSide:
				return fmt.Errorf("%w: %s exists and is not ipcf's metadata%s: not replacing it; remove it or choose another name", ErrOutput, side, ooc.SealNote(side))
			}
			for _, in := range inputs {
				if st, err := os.Stat(in); err == nil && in != "" && os.SameFile(st, lst) {
					return fmt.Errorf("%w: %s (the metadata of %s) is an input of this job", ErrOutput, side, j.spec.Output)
				}
			}
		}
	}
	if outErr == nil {
		zcmd, zours := "", false
		if j.zarr {
			// (A file in it that ipcf did not write is refused by Run, unless
			// the folder is this job's complete result: nothing replaced.)
			var zerr error
			if zcmd, zours, zerr = ooc.ZarrCommandErr(out); zerr != nil {
				return fmt.Errorf("%s exists and its .zattrs could not be read to check that it is an ipcf result: %w; nothing was replaced", j.spec.Output, zerr)
			}
			if zours && zcmd == "" {
				// A result edited in place (zarr's r+ mode) or damaged
				// since: not replaced, as a .npy whose sidecar describes
				// other bytes is not (ZARR17's F1: a rerun discarded the
				// edit, exit 0).
				f, err := ooc.ZarrChanged(out)
				if err != nil {
					return fmt.Errorf("%s exists and its %s could not be read to check that it is an ipcf result: %w; nothing was replaced", j.spec.Output, f, err)
				}
				if f != "" {
					if holder, found, live := LockHolder(out); found && live && !j.locked {
						// a live run swapping its result in while the
						// chunks were read: busy, not damaged (REVIEW18's
						// m11: a good result was called edited)
						return fmt.Errorf("%w: %s is being written by another ipcf run (%s)", ErrBusy, j.spec.Output, holder)
					}
					return fmt.Errorf("%w: %s exists and is not the ipcf result its .zattrs records: its %s was changed since ipcf wrote it (edited in place, or damaged): not replacing it; remove it or choose another name", ErrOutput, j.spec.Output, f)
				}
			}
		}
		var dcmd string
		var dours bool
		var derr error // (an I/O error reading it: FAULT8's F5)
		if !j.zarr && outSt.Mode().IsRegular() {
			dcmd, dours, derr = ooc.DescribesErr(out)
		}
		switch {
		case j.zarr && !outSt.IsDir():
			return fmt.Errorf("%w: %s exists and is not a folder: not replacing it", ErrOutput, j.spec.Output)
		case j.zarr && !zours:
			why := "no ipcf .zattrs"
			if note := ooc.SealNote(filepath.Join(out, ".zattrs")); note != "" {
				why = "its .zattrs" + note
			}
			// (what to do, as every refusal of this kind says it: JOBKILL18's m1)
			return fmt.Errorf("%w: %s exists and is not an ipcf result (%s): not replacing it; remove it or choose another name", ErrOutput, j.spec.Output, why)
		case j.zarr && zcmd != "":
			return fmt.Errorf("%w: %s exists and is not a pCF result (it is the output of ipcf %s): not replacing it; remove it or choose another name", ErrOutput, j.spec.Output, zcmd)
		case !j.zarr && !outSt.Mode().IsRegular():
			return fmt.Errorf("%w: %s exists and is not a file: not replacing it", ErrOutput, j.spec.Output)
		case !j.zarr && !(dours && dcmd == "") && !(ooc.HasScratch(j.spec.Scratch, out) && j.leftByRun(out)):
			if derr != nil {
				// Unreadable, not another program's.
				return fmt.Errorf("%s exists and could not be read to check that it is an ipcf result: %w; nothing was replaced", j.spec.Output, derr)
			}
			if err := j.publishingElsewhere(out); err != nil {
				return err
			}
			side := filepath.Base(ooc.SidecarName(out))
			why := fmt.Sprintf("no ipcf sidecar %s describing it", side)
			if _, err := os.Lstat(ooc.SidecarName(out)); err == nil {
				// A sidecar of other bytes: a file copied over a result.
				why = fmt.Sprintf("its sidecar %s describes other bytes (size or checksum)", side)
				if note := ooc.SealNote(ooc.SidecarName(out)); note != "" {
					why = fmt.Sprintf("its sidecar %s%s", side, note)
				}
			}
			if dours && dcmd != "" {
				why = "it is the output of ipcf " + dcmd
			}
			if whole, part := ooc.PartOf(out); whole != "" {
				// Part of another result (REVIEW8's M5, REVIEW11's F2: it
				// was "no ipcf sidecar describing it ... remove it").
				return fmt.Errorf("%w: %s exists and is %s of the ipcf result %s (by its name, and that result records such a part): not replacing it; choose another name",
					ErrOutput, j.spec.Output, part, filepath.Base(whole))
			}
			if _, serr := os.Lstat(ooc.SidecarName(out)); serr != nil && !j.locked && !(dours && dcmd != "") {
				if holder, found, live := LockHolder(out); found && !live {
					// The files of a publication a stopped run left half done,
					// whose scratch is gone (another job's run removed it): no
					// run can finish it, which readers' "run that job again"
					// did not tell (JOBKILL18's F2).
					return fmt.Errorf("%w: %s exists and is not an ipcf result this job can finish or replace: it has no metadata (%s), and beside it is the lock of an ipcf run that was stopped before it finished (%s), whose work this job cannot resume (that run's unfinished output, whose scratch is gone, or a user's file): not replacing it; remove %s and its lock %s, or choose another name",
						ErrOutput, j.spec.Output, side, holder, j.spec.Output, filepath.Base(LockName(out)))
				}
			}
			return fmt.Errorf("%w: %s exists and is not an ipcf result (%s): not replacing it; remove it or choose another name",
				ErrOutput, j.spec.Output, why)
		}
	}
	if sdSt != nil {
		// Replaced only when it is this output's: named by its sidecar,
		// or left by a run on it that computes error bars (its scratch
		// says so, and the file is float32 of the result's shape).
		recorded, sdErr := ooc.RecordsErrorsErr(out, j.errPath)
		switch {
		case !sdSt.Mode().IsRegular():
			return fmt.Errorf("%w: %s (the error bars' file of %s) exists and is not a file: not replacing it", ErrOutput, j.errPath, j.spec.Output)
		case sdErr != nil:
			// Unreadable, not another program's (REVIEW11's F10: "remove it").
			return fmt.Errorf("%s (the error bars' file of %s) exists and could not be read to check that it is that result's: %w; nothing was replaced", j.errPath, j.spec.Output, sdErr)
		case !recorded && !(ooc.ScratchHasErrors(j.spec.Scratch, out) && ooc.LooksLikeResult(j.errPath, j.geom.OutShape[:])) &&
			!ooc.ScratchPublishedErrors(j.spec.Scratch, out, j.errPath) && !ooc.ScratchReplaces(j.spec.Scratch, out, j.errPath):
			if err := j.publishingElsewhere(out); err != nil {
				return err
			}
			return fmt.Errorf("%w: %s (the error bars' file of %s) exists and is not the error bars of an ipcf result (the sidecar %s does not name it, or names other bytes): not replacing it; remove it or choose another name",
				ErrOutput, j.errPath, j.spec.Output, filepath.Base(ooc.SidecarName(out)))
		}
	}
	return nil
}

// publishingErr refuses a run of an output that a killed run was
// publishing, whose scratch folder kept (not this run's) records which
// files are that run's: only a run with it tells them from a user's.
func (j *Job) publishingErr(kept string) error {
	return fmt.Errorf("%w: an earlier run of %s was killed while it published its result, and its scratch folder %s records which files are its: run again as that run was (-o %s, its scratch in %s) to finish it, or remove that folder",
		ErrOutput, j.spec.Output, kept, ooc.KeptScratchOutput(j.outAbs), filepath.Dir(kept))
}

// publishingElsewhere is publishingErr when the output's scratch note
// names such a folder, else nil: said before a file of the output is
// refused as a user's.
func (j *Job) publishingElsewhere(out string) error {
	if kept := ooc.PublishingElsewhere(out, ooc.ScratchDir(j.spec.Scratch, out)); kept != "" {
		return j.publishingErr(kept)
	}
	return nil
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && rel != "."
}

func (j *Job) outBytes() int64 {
	g := j.geom.OutShape
	return int64(g[0]) * int64(g[1]) * int64(g[2]) * int64(g[3]) * 4
}

// addressLeft is sysmem.AddressLeft (tests replace it).
var addressLeft = sysmem.AddressLeft

// chooseEngine picks the in-memory engine when its input, output and
// spectra fit the budget (and the output is .npy), else out of core.
func (j *Job) chooseEngine() error {
	_, H, W := j.src.Shape()
	in := int64(j.nread) * int64(H) * int64(W) * int64(j.src.DType().Size())
	if j.src2 != nil {
		in *= 2
	}
	// (and every worker's buffers: OOC15's F2, a third over --memory with
	// 512 bins and 8 threads)
	j.inMemNeed = in + j.outBytes() + j.geom.SpectraBytes() + overhead +
		j.geom.WorkersBytes(pool.Threads(j.spec.PCF.Threads))
	if j.errs != nil {
		// The error bars and their series, computed after the curves.
		o := j.spec.PCF
		j.inMemNeed += j.outBytes() + ooc.ErrorsMemory(j.geom, o, 0, 0)
	}
	// Below a limit of address space (ulimit -v, a batch system's h_vmem)
	// the arrays must leave sysmem.AddressReserve of it free (fft.BigBytes
	// refuses a mapping that would not; Go ends the process when it cannot
	// start a thread or grow its heap): the default budget shrinks to what
	// is left, and auto runs out of core where the arrays in memory do not
	// fit.
	left, limited := addressLeft()
	room := left - sysmem.AddressReserve
	if limited && room < j.memory {
		// A given budget too: the engines take much of it from Go's heap.
		given := ""
		if j.spec.Memory > 0 {
			given = fmt.Sprintf(" (not the %s given)", ooc.SizeText(j.spec.Memory))
		}
		j.memory = max(room&^(16<<20-1), 16<<20)
		j.addressLimited, j.addressLeft = true, left
		j.log("the limit of address space (ulimit -v) leaves %s to this process: the memory budget is %s%s",
			ooc.SizeText(left), ooc.SizeText(j.memory), given)
	}
	switch j.spec.Engine {
	case "memory":
		if j.zarr {
			return optErr("engine memory writes .npy and .tif only: Zarr output (%s) is written by the out-of-core engine (--engine auto or ooc)", j.spec.Output)
		}
		j.engine = "memory"
		if s := j.spec.Tile; s[0] > 0 || s[1] > 0 {
			j.log("--tile %d,%d applies out of core only: --engine memory computes the whole image at once", s[0], s[1])
		}
		if j.spec.CopyInput {
			j.log("--copy-input applies out of core only: --engine memory reads the input once, without a scratch copy")
		}
		if j.inMemNeed > j.memory {
			j.log("--engine memory needs about %s, more than the budget of %s: it runs as asked, and may take more memory than the budget (--engine auto chooses out of core)",
				ooc.SizeText(j.inMemNeed), ooc.SizeText(j.memory))
		}
	case "ooc":
		j.engine = "ooc"
	default:
		j.engine = "ooc"
		if !j.zarr && j.inMemNeed+j.inMemNeed/10 <= j.memory && (!limited || j.inMemNeed <= room) {
			j.engine = "memory"
			if j.spec.CopyInput {
				j.log("--copy-input applies out of core only: the job fits the memory budget and runs in memory, reading the input once without a scratch copy (--engine ooc copies it)")
			}
			if s := j.spec.Tile; s[0] > 0 || s[1] > 0 {
				j.log("--tile %d,%d applies out of core only: the job fits the memory budget and runs in memory, the whole image at once (--engine ooc takes the tiles)", s[0], s[1])
			}
		}
	}
	return nil
}

// inputKey is how a job's input is read, for its key: "raw" and the raw
// reading (shape, type, byte order, offset; the type uint16 when none is
// given, as openSource reads it), or "auto" and no raw reading for a file
// read by its content. A format named ("npy", "tiff") or detected ("auto",
// "" from C and Fiji) reads the same samples of the same file, as a file's
// content is one format or another: the same job from every host, under
// the key the command line gave it before.
func inputKey(in Input) (format, raw string) {
	r := source.Raw{}
	format = "auto"
	if in.Format == "raw" || in.Raw.T > 0 {
		format, r = "raw", in.Raw
		if r.DType == 0 {
			r.DType = array.Uint16
		}
	}
	return format, fmt.Sprintf("%d,%d,%d %v %v +%d", r.T, r.H, r.W, r.DType, r.Order, r.Offset)
}

// makeKey hashes every setting that changes the output's bytes and the
// input's fingerprint.
func (j *Job) makeKey() error {
	o := j.spec.PCF
	in := j.spec.Input
	fp, err := fingerprint(j.files)
	if err != nil {
		return inputErr(err)
	}
	j.origin[0], j.origin[1], j.origin[2], _ = source.Origin(j.src)
	format, raw := inputKey(in)
	f := map[string]string{
		"input":       fp,
		"format":      format,
		"raw":         raw,
		"selection":   selectionKey(j.src),
		"radius":      strconv.Itoa(o.Radius),
		"npoints":     strconv.Itoa(o.Npoints),
		"nbins":       strconv.Itoa(o.Nbins),
		"bleach":      strconv.Itoa(o.Bleach),
		"bleach_mean": []string{"real", "floor"}[o.BleachMean],
		"device":      o.Device,
		"mask":        "none",
		"output":      j.outAbs,
		"version":     Version,
	}
	if j.mask != nil {
		f["mask"] = fmt.Sprintf("%08x", ooc.CRC(j.mask.Data))
	}
	if o.Offsets != nil {
		// The offsets replace the circle: its radius and points change no
		// byte, and the hosts filled them differently (the CLI kept a
		// preset's --radius, Python the defaults): one request was two
		// jobs (EQUIV13's F1). The defaults keep --offsets jobs' keys.
		d := pcf.DefaultOptions()
		f["radius"], f["npoints"] = strconv.Itoa(d.Radius), strconv.Itoa(d.Npoints)
	}
	if o.Bins == pcf.Multitau {
		// Multi-tau points follow m, not nbins (Octave lets nbins through
		// with a warning).
		f["nbins"] = strconv.Itoa(pcf.DefaultOptions().Nbins)
	}
	if j.errs != nil {
		// Only with error bars: a job without them keeps its key.
		f["errors"] = errorsText(*j.errs)
	}
	if o.Bleach > 0 {
		// The correction clips to the input type's range since 2026-12-02
		// (bleach.Limits): results of uint8 and int16 inputs from before
		// are not this job's.
		if lo, hi := bleach.Limits(j.src.DType()); hi != 65535 {
			f["bleach_clip"] = fmt.Sprintf("%g..%g", lo, hi)
		}
	}
	if dt := j.src.DType(); o.Bleach > 0 || (dt != array.Float32 && dt != array.Float64) {
		// Integer series (and bleach-corrected ones) are scaled by a power
		// of two before the transforms since 2026-12-02, as float series
		// were (core/pcf's scaleOf): their results changed in the last
		// bits, so those from before, and their scratch, are not this
		// job's. Float jobs keep their keys.
		f["scaled"] = "every series"
	}
	// Every job's results changed on 2026-12-03 where a series is
	// constant (its pairs' curves are exactly 0, core/pcf's flat) or a
	// float64 series lies near the subnormals or the largest float64
	// (scaled by a power of two before any arithmetic): which inputs hold
	// such a series is known only once they are read, so every result and
	// scratch from before is computed again.
	f["numerics"] = numerics
	// The units are in the result's metadata (its sidecar, the TIFF's
	// resolution and Info, the Zarr's attributes): a rerun with others is
	// another job, not "already complete". Only when given: a job without
	// them keeps its key.
	if j.spec.FrameInterval != 0 {
		f["frame_interval"] = strconv.FormatFloat(j.spec.FrameInterval, 'g', -1, 64)
	}
	if j.spec.PixelSize != 0 {
		f["pixel_size"] = strconv.FormatFloat(j.spec.PixelSize, 'g', -1, 64)
	}
	if err := j.toolkitFields(f); err != nil {
		return err
	}
	j.key = keyOf(f)
	j.fields = f
	return nil
}

// keyOf is the job key of its fields: a hash of every name and value.
func keyOf(f map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(f) {
		fmt.Fprintf(h, "%s=%s\n", k, f[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// selectionKey is the input's selection as read, for the key: where it
// starts in the input and its shape, however --frames and --crop spelt
// it (0:4096 of 4096 frames, a crop of the whole frame and none are one
// selection). The whole input keeps the text its key had before.
func selectionKey(src source.Source) string {
	T, H, W := src.Shape()
	t0, y0, x0, whole := source.Origin(src)
	if t0 == 0 && y0 == 0 && x0 == 0 && whole == [3]int{T, H, W} {
		return fmt.Sprintf("crop \"\" frames \"\" -> %dx%dx%d %s", T, H, W, src.DType())
	}
	return fmt.Sprintf("frames %d+%d rows %d+%d columns %d+%d %s", t0, T, y0, H, x0, W, src.DType())
}

// fingerprint describes the input files: names, sizes and modification
// times (source.Version), and the CRC-32C of samples of their contents
// (the first and last 64 KiB and 16 blocks between, of up to 64 files
// spread over a series). A rewrite that keeps the size and time and
// changes no sampled byte keeps the key: sameInput catches it.
func fingerprint(files []string) (string, error) {
	h := sha256.New()
	dirs := map[string]string{}
	for i, name := range files {
		st, err := os.Stat(name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s\n", resolvedPath(name, dirs), source.Version(st))
		if len(files) > 64 && i%(len(files)/64) != 0 && i != len(files)-1 {
			continue
		}
		crc, err := sampleCRC(name, st.Size())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%08x\n", crc)
	}
	return fmt.Sprintf("%d files %x", len(files), h.Sum(nil)[:12]), nil
}

// resolvedPath is a file's absolute path with its links resolved, as in
// the key: "s.npy", "./s.npy", "/data/s.npy" and "link/s.npy" name one
// input, so one job from every host and folder. dirs caches the folders
// resolved (a series of 35,000 files lies in one); on an error the path
// is kept as far as it was resolved.
func resolvedPath(name string, dirs map[string]string) string {
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	dir, base := filepath.Split(abs)
	rd, ok := dirs[dir]
	if !ok {
		if rd, err = filepath.EvalSymlinks(dir); err != nil {
			rd = dir
		}
		dirs[dir] = rd
	}
	p := filepath.Join(rd, base)
	if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
	}
	return p
}

func sampleCRC(name string, size int64) (crc uint32, err error) {
	defer func() {
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			err = fmt.Errorf("%w: %s: the input changed while it was read (now shorter than its %d bytes)", source.ErrChanged, name, size)
		case err != nil && !strings.Contains(err.Error(), name):
			err = fmt.Errorf("%s: %w", name, err)
		}
	}()
	f, _, err := npy.OpenRegular(name)
	if errors.Is(err, npy.ErrNotRegular) {
		// A named pipe or a folder put in its place: never waited on.
		return 0, fmt.Errorf("%w: %s: the input changed while it was read (%w)", source.ErrChanged, name, err)
	} else if err != nil {
		return 0, err
	}
	defer f.Close()
	const blk = 64 << 10
	buf := make([]byte, blk)
	read := func(off int64) error {
		n, err := f.ReadAt(buf, off)
		if n > 0 {
			crc = ooc.CRCUpdate(crc, buf[:n])
			return nil
		}
		return err
	}
	if size <= 18*blk {
		for off := int64(0); off < size; off += blk {
			if err := read(off); err != nil {
				return 0, err
			}
		}
		return crc, nil
	}
	for k := int64(0); k < 18; k++ {
		if err := read(k * (size - blk) / 17); err != nil {
			return 0, err
		}
	}
	return crc, nil
}

// Geometry is what the job computes.
func (j *Job) Geometry() pcf.Geometry { return j.geom }

// Engine is "memory" or "ooc".
func (j *Job) Engine() string { return j.engine }

// Key identifies the job: a hash of every setting that changes the
// output's bytes and of the input's fingerprint.
func (j *Job) Key() string { return j.key }

// Memory is the budget in bytes.
func (j *Job) Memory() int64 { return j.memory }

// InputName names the input for messages.
func (j *Job) InputName() string { return j.src.Name() }

// fileUnits fills the frame interval and pixel size the spec leaves
// unknown from the input's metadata (ImageJ, Micro-Manager, OME-TIFF; see
// source.UnitsOf) and says where each came from: "options", the
// metadata's origin, or "" when unknown.
func (j *Job) fileUnits() map[string]string {
	// (A stack ipcf bleach corrected is checked against its record
	// before its frames are used.)
	u := withWritten(source.UnitsOf(j.src), j.writtenUnits)
	fi, ps, notes := UsedUnits(u, j.spec.FrameInterval, j.spec.PixelSize)
	for _, n := range notes {
		j.log("%s", n)
	}
	from := map[string]string{}
	for _, f := range []struct {
		name string
		spec *float64
		used float64
	}{{"frame_interval_s", &j.spec.FrameInterval, fi}, {"pixel_size_um", &j.spec.PixelSize, ps}} {
		switch {
		case *f.spec > 0:
			from[f.name] = "options"
		case f.used > 0:
			*f.spec = f.used
			from[f.name] = u.Origin
		}
	}
	if j.spec.PixelSize == 0 && u.NotSquare != "" {
		j.notSquare = u.NotSquare
	}
	return from
}

// UsedUnits is what a result takes of its input's units u: the frame
// interval and pixel size, each given one (> 0: an option) kept, else
// the input's where a result may carry it (0 where none), and the notes
// that say why a unit the input records is not used (a value out of
// range, a unit ipcf does not know as a length or time, no positive
// number, pixels that are not square): said, never dropped silently
// (distances, then a fit's D, would be in pixels). pcf jobs and ipcf
// bleach, which records the units of its input, take them from here.
func UsedUnits(u source.Units, frameInterval, pixelSize float64) (fi, ps float64, notes []string) {
	fi, ps = frameInterval, pixelSize
	for _, f := range []struct {
		name, then string
		used       *float64
		fromFile   float64
	}{{"frame interval", "delays are in frames; give --frame-interval (frame_interval) in seconds", &fi, u.FrameInterval},
		{"pixel size", "distances are in pixels; give --pixel-size (pixel_size) in micrometres", &ps, u.PixelSize}} {
		if *f.used > 0 || !(f.fromFile > 0) {
			continue
		}
		fu := fit.Units{FrameInterval: f.fromFile}
		if f.name == "pixel size" {
			fu = fit.Units{PixelSize: f.fromFile}
		}
		if err := fu.CheckResult(); err != nil {
			// "warning:", as the notes below: the hosts that show a job's
			// warnings and log its other lines (Python's pcf_file, Octave's
			// ipcf:job) showed none of this one (UNITS18's m1)
			notes = append(notes, fmt.Sprintf("warning: the input's %s is out of range, %v: no %s is used, %s to use one", f.name, err, f.name, f.then))
			continue
		}
		*f.used = f.fromFile
	}
	if ps == 0 && u.UnknownLength != "" {
		notes = append(notes, fmt.Sprintf("warning: the input's pixel size is in a unit ipcf does not know as a length, %s: no pixel size is used, distances are in pixels; give --pixel-size (pixel_size) in micrometres to use one", u.UnknownLength))
	}
	if fi == 0 && u.UnknownTime != "" {
		notes = append(notes, fmt.Sprintf("warning: the input's frame interval is in a unit ipcf does not know as a time, %s: no frame interval is used, delays are in frames; give --frame-interval (frame_interval) in seconds to use one", u.UnknownTime))
	}
	if ps == 0 && u.BadLength != "" && u.UnknownLength == "" && u.NotSquare == "" {
		notes = append(notes, fmt.Sprintf("warning: the input's pixel size is no positive number, %s: no pixel size is used, distances are in pixels; give --pixel-size (pixel_size) in micrometres to use one", u.BadLength))
	}
	if fi == 0 && u.BadTime != "" && u.UnknownTime == "" {
		notes = append(notes, fmt.Sprintf("warning: the input's frame interval is no positive number, %s: no frame interval is used, delays are in frames; give --frame-interval (frame_interval) in seconds to use one", u.BadTime))
	}
	if ps == 0 && u.NotSquare != "" {
		notes = append(notes, fmt.Sprintf("warning: the input's pixels are not square (%s): no pixel size is used, distances are in pixels; give --pixel-size (pixel_size) to use one", u.NotSquare))
	}
	return fi, ps, notes
}

// secondUnits compares the units a second channel's own file records
// with the first file's (the result's): a cross-correlation of stacks
// taken at other frame intervals or pixel sizes has no one delay or
// distance axis, and the result took the first file's silently. A unit
// given as an option is the caller's to say; where only the second file
// records one, that is said.
func (j *Job) secondUnits() error {
	if j.spec.Input2 == "" || j.src2 == nil {
		return nil // none, a channel of the same file, or an array
	}
	a := withWritten(source.UnitsOf(j.src), j.writtenUnits)
	b := source.UnitsOf(j.src2)
	for _, f := range []struct {
		what, unit, option string
		a, b               float64
		given              bool
		other, unread      string // b's: another geometry; a calibration not read
		otherA             string // a's other geometry (REVIEW14's F2: refused in either order)
	}{
		{"frame interval", "s", "--frame-interval (frame_interval)", a.FrameInterval, b.FrameInterval, j.unitsFrom["frame_interval_s"] == "options",
			"", cmp.Or(b.UnknownTime, b.BadTime), ""},
		{"pixel size", "um", "--pixel-size (pixel_size)", a.PixelSize, b.PixelSize, j.unitsFrom["pixel_size_um"] == "options",
			b.NotSquare, cmp.Or(b.UnknownLength, b.BadLength), a.NotSquare},
	} {
		switch {
		case f.given:
		case f.b == 0 && f.a > 0 && f.other != "":
			// (UNITS14's F7: accepted without a word, the first file's
			// square pixels labelling a channel of pixels not square)
			return fmt.Errorf("%w: the two channels' files record other %ss (%s: %.6g %s, %s: pixels not square, %s): their cross-correlation has no one axis of distances; give %s if one of them is wrong",
				ErrInput, f.what, j.spec.Input.Path, f.a, f.unit, j.spec.Input2, f.other, f.option)
		case f.b == 0 && f.a > 0 && f.unread != "":
			j.log("warning: the second channel's file %s records a %s ipcf cannot read (%s): it is not compared with the first file's, %.6g %s, which the result has; give %s to set it",
				j.spec.Input2, f.what, f.unread, f.a, f.unit, f.option)
		case f.b == 0:
		case f.a == 0 && f.otherA != "":
			return fmt.Errorf("%w: the two channels' files record other %ss (%s: pixels not square, %s, %s: %.6g %s): their cross-correlation has no one axis of distances; give %s if one of them is wrong",
				ErrInput, f.what, j.spec.Input.Path, f.otherA, j.spec.Input2, f.b, f.unit, f.option)
		case f.a == 0:
			j.log("warning: the second channel's file %s records a %s of %.6g %s, the first file none: the result has none; give %s to use one",
				j.spec.Input2, f.what, f.b, f.unit, f.option)
		case math.Abs(f.a-f.b) > 1e-2*math.Max(f.a, f.b): // 1 %: two cameras' measured intervals differ by less
			return fmt.Errorf("%w: the two channels' files record other %ss (%s: %.6g %s, %s: %.6g %s): their cross-correlation has no one axis of %s; give %s if one of them is wrong",
				ErrInput, f.what, j.spec.Input.Path, f.a, f.unit, j.spec.Input2, f.b, f.unit, map[string]string{"s": "delays", "um": "distances"}[f.unit], f.option)
		}
	}
	return nil
}

// InputUnits are the units of the input src read from path: its
// metadata's, or, for a stack ipcf bleach corrected, those its sealed
// record keeps of its own input. pcf jobs (fileUnits) and ipcf bleach,
// which records them, take them from here.
func InputUnits(src source.Source, path string) source.Units {
	w, err := ooc.WrittenRecord(path)
	if err != nil {
		w = nil
	}
	return withWritten(source.UnitsOf(src), writtenUnits(w))
}

// writtenUnits are the units the record w keeps (none for nil).
func writtenUnits(w *ooc.Written) source.Units {
	fi, ps, ns := w.Units()
	return source.Units{FrameInterval: fi, PixelSize: ps, NotSquare: ns, Origin: "ipcf bleach"}
}

// withWritten is u, or the record's units w where u knows nothing and w
// something.
func withWritten(u, w source.Units) source.Units {
	if u.FrameInterval == 0 && u.PixelSize == 0 && u.NotSquare == "" && (w.FrameInterval > 0 || w.PixelSize > 0 || w.NotSquare != "") {
		return w
	}
	return u
}

// Close releases the input.
func (j *Job) Close() error {
	if j.src2 != nil {
		j.src2.Close()
	}
	return j.src.Close()
}

// noteDevice records a device note of this run's computation.
func (j *Job) noteDevice(note string) {
	j.devices.Lock()
	defer j.devices.Unlock()
	if note != "" && !slices.Contains(j.devices.notes, note) {
		j.devices.notes = append(j.devices.notes, note)
	}
}

// Device says where Run computed: pcf's device notes ("cpu", "cuda:0
// (sm_90 CUBIN)", "cpu (auto: why)"), several joined by "; " when tiles
// ran on different ones; "" when it computed nothing (already complete,
// or every tile resumed).
func (j *Job) Device() string {
	j.devices.Lock()
	defer j.devices.Unlock()
	notes := j.devices.notes
	// The error bars always run on the CPU (pcf.ErrorBars): said where the
	// curves ran on a GPU, as ipcf_pcf_errors' note says it.
	if j.errs != nil && slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, "cuda:") }) {
		notes = append(slices.Clip(notes), "cpu (error bars run on the CPU)")
	}
	return strings.Join(notes, "; ")
}

// Metadata is written with the output (a .npy file's sidecar, a Zarr
// folder's .zattrs), given the CRC-32C of the input's and the second
// channel's samples read.
func (j *Job) Metadata(inputCRC, input2CRC uint32) map[string]any {
	o := j.spec.PCF
	g := j.geom
	units := map[string]any{"frame_interval_s": nil, "pixel_size_um": nil, "from": j.unitsFrom}
	if j.notSquare != "" {
		units["pixels_not_square"] = j.notSquare // why there is no pixel size
	}
	if j.spec.FrameInterval > 0 {
		units["frame_interval_s"] = j.spec.FrameInterval
	}
	if j.spec.PixelSize > 0 {
		units["pixel_size_um"] = j.spec.PixelSize
	}
	offsets := make([][2]int, len(g.Offsets))
	for i, c := range g.Offsets {
		offsets[i] = [2]int{c.U, c.V}
	}
	lower := make([]int, len(g.Bins))
	for i := range g.Bins {
		if i > 0 {
			lower[i] = g.Bins[i-1]
		}
	}
	var nbins, delays any = o.Nbins, map[string]any{"from_inclusive": lower, "to_exclusive": g.Bins} // bin j: lags [from, to)
	if o.Bins == pcf.Multitau {
		// No bins: multitau_lags and multitau_levels tell the points.
		nbins, delays = nil, nil
	}
	m := map[string]any{
		"software":          ooc.Marker,
		"version":           Version,
		"job_key":           j.key,
		"input":             j.src.Name(),
		"input_files":       len(j.files),
		"input_fingerprint": j.fields["input"],
		"input_status":      j.snap.Stamp(), // sameInput
		"input_crc32c":      fmt.Sprintf("%08x", inputCRC),
		"input_shape":       []int{g.T, g.H, g.W},
		"input_dtype":       j.src.DType().String(),
		"crop_origin":       []int{j.origin[1], j.origin[2]},
		"first_frame":       j.origin[0],
		"radius":            o.Radius,
		"npoints":           o.Npoints,
		"nbins_requested":   nbins,
		"bins":              g.Bins,
		"delays_frames":     delays,
		"offsets_uv":        offsets,
		"frames_used":       g.N,
		"bleach_filtersize": o.Bleach,
		"bleach_mean":       []string{"real", "floor"}[o.BleachMean],
		"mask":              j.fields["mask"],
		"device":            o.Device,
		"device_used":       j.Device(), // where this run computed ("" for none)
		"shape":             g.OutShape,
		"axes":              "row, column, circle point, delay bin",
		"units":             units,
		"engine":            j.engine,
	}
	j.toolkitMeta(m, input2CRC)
	m["errors"] = j.errorsMeta()
	return m
}

// warnCounts logs a warning if the input (and the second channel) held
// in one mapping has samples that are not counts in 0..65535, which the
// bleaching correction rounds and clips away (bleach.ErrCounts). uint8
// and uint16 inputs are not read for it.
func (j *Job) warnCounts() {
	for _, src := range []source.Source{j.src, j.src2} {
		if src == nil {
			continue
		}
		if dt := src.DType(); dt == array.Uint8 || dt == array.Uint16 {
			continue // counts, all of them
		}
		var err error
		t0, y0, x0, _ := source.Origin(src) // (the file's frame and pixel named)
		if v, ok := src.Stack(); ok {
			// Runs of frames, each released after its check out of
			// core: the pages the scan maps count as resident memory,
			// and a float32 input of 128 MiB took the run to 142 MiB
			// with --memory 51MiB.
			r, release := src.(source.Releaser)
			release = release && j.engine != "memory"
			err = source.Guard(src.Name(), func() error {
				const run = 64
				for t := 0; t < v.Shape[0]; t += run {
					w := v
					w.Shape = []int{min(run, v.Shape[0]-t), v.Shape[1], v.Shape[2]}
					w.Offset += t * v.Strides[0]
					if err := bleach.CheckCountsAt(w, [3]int{t0 + t, y0, x0}); err != nil {
						return err
					}
					if release {
						r.Release(t, t+w.Shape[0])
					}
				}
				return nil
			})
		} else {
			// A series of files, or compressed: a frame at a time (a
			// frame that cannot be read is the run's to report).
			T, H, W := src.Shape()
			err = source.Guard(src.Name(), func() error {
				for t := 0; t < T; t++ {
					fr, err := src.Frame(t)
					if err != nil {
						return nil
					}
					v, err := array.New(fr.DType, fr.Order, []int{1, H, W}, []int{0, fr.Strides[0], fr.Strides[1]}, fr.Data, fr.Offset)
					if err != nil {
						return nil
					}
					if err := bleach.CheckCountsAt(v, [3]int{t0 + t, y0, x0}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if errors.Is(err, bleach.ErrCounts) {
			j.log("warning: %s: %v", src.Name(), err)
		}
	}
}

func (j *Job) log(format string, a ...any) {
	if j.spec.Log != nil {
		j.spec.Log(fmt.Sprintf(format, a...))
	}
}

func (j *Job) output() ooc.Output {
	switch j.format {
	case FormatZarr:
		return ooc.NewZarrOutput(j.spec.Output)
	case FormatOMEZarr:
		return ooc.NewOMEZarrOutput(j.spec.Output)
	case FormatTIFF:
		return ooc.NewTiffOutput(j.spec.Output)
	}
	return ooc.NewNpyOutput(j.spec.Output)
}

// The output formats, chosen by the output's extension (OutputFormat).
const (
	FormatNpy     = "npy"      // OUT.npy: float32 (rows, columns, offsets, delays), metadata in OUT.npy.json
	FormatZarr    = "zarr"     // OUT.zarr: Zarr v2 array, the .npy's axes, _ARRAY_DIMENSIONS and axis_units in .zattrs
	FormatOMEZarr = "ome-zarr" // OUT.ome.zarr: OME-NGFF 0.4 image, array "0" (delays, offsets, rows, columns)
	FormatTIFF    = "tiff"     // OUT.tif, OUT.tiff: ImageJ hyperstack (channels: offsets, frames: delays), metadata in OUT.tif.json
)

// OutputFormat returns the format of an output path by its extension
// (case-insensitive): .npy, .zarr, .ome.zarr, .tif or .tiff. Anything
// else (.ome.tif included: an OME-TIFF is not written) is an ErrOutput
// error.
func OutputFormat(path string) (string, error) {
	p := strings.ToLower(strings.TrimRight(path, "/"))
	if ext := BareExtension(path); ext != "" {
		// (-o .npy wrote a hidden result named .npy: OUT15's minor)
		return "", fmt.Errorf("%w: %s: no name before the extension %s (a hidden file of that name): give a name, such as result%s", ErrOutput, path, ext, ext)
	}
	switch {
	case strings.HasSuffix(p, ".ome.zarr"):
		return FormatOMEZarr, nil
	case strings.HasSuffix(p, ".zarr"):
		return FormatZarr, nil
	case strings.HasSuffix(p, ".npy"):
		return FormatNpy, nil
	case strings.HasSuffix(p, ".ome.tif") || strings.HasSuffix(p, ".ome.tiff"):
		return "", fmt.Errorf("%w: %s: OME-TIFF output is not written: want .tif (an ImageJ hyperstack) or .ome.zarr (OME-NGFF)", ErrOutput, path)
	case strings.HasSuffix(p, ".tif") || strings.HasSuffix(p, ".tiff"):
		return FormatTIFF, nil
	}
	return "", fmt.Errorf("%w: %s: want a .npy file or a .zarr folder (or an .ome.zarr folder, OME-NGFF; or a .tif file, an ImageJ hyperstack)", ErrOutput, path)
}

// BareExtension is the extension an output path is named by alone (-o
// .npy: a hidden file of that name), "" where it has a name before it.
// Every command refuses such an output (OUT15's minor, REVIEW17's F3).
func BareExtension(path string) string {
	b := strings.ToLower(filepath.Base(strings.TrimRight(path, "/")))
	for _, ext := range []string{".ome.zarr", ".zarr", ".npy", ".tif", ".tiff", ".png"} {
		if b == ext {
			return ext
		}
	}
	return ""
}

// Format is the output's format (see OutputFormat).
func (j *Job) Format() string { return j.format }

// Run computes the job. It holds a lock on the output for its duration:
// a second run on the same output fails at once.
func (j *Job) Run(ctx context.Context) (sum Summary, runErr error) {
	sum = Summary{Engine: j.engine, Geometry: j.geom}
	ctx = pcf.WithDeviceNote(ctx, j.noteDevice)
	unlock, held, err := lock(j.outAbs)
	if err != nil {
		return sum, err
	}
	j.locked, j.lockHeld = true, held
	// A publication left half done keeps the lock files: readers refuse
	// its files as a stopped run's (they took them for a user's array).
	defer func() { j.locked, j.lockHeld = false, nil; unlock(errors.Is(runErr, ooc.ErrUnlabelled)) }()
	if j.errPath != "" {
		// The error bars are an output too: a command writing that name
		// meanwhile would be overwritten, or overwrite them.
		abs, err := ooc.OutputPath(j.errPath) // (its folder as the kernel finds it, as outAbs)
		if err != nil {
			return sum, fmt.Errorf("%w: %v", ErrOutput, err)
		}
		unlockErrs, _, err := lock(abs)
		if err != nil {
			return sum, err
		}
		defer func() { unlockErrs(errors.Is(runErr, ooc.ErrUnlabelled)) }()
	}
	// Temporary files of runs killed while they wrote a file there (a
	// sidecar, a .zattrs) would stay for good, inside a published Zarr too.
	npy.RemoveStaleTemps(filepath.Dir(j.outAbs))
	if j.zarr {
		npy.RemoveStaleTemps(j.outAbs)
	}
	out := j.output()
	switch o := out.(type) {
	case *ooc.NpyOutput:
		o.Absent, o.SidecarAbsent = j.absentAt(0), j.absentAt(1)
	case *ooc.TiffOutput:
		o.Absent, o.SidecarAbsent = j.absentAt(0), j.absentAt(1)
	}
	scratch := ooc.ScratchDir(j.spec.Scratch, j.outAbs)
	// A user's entry at the scratch folder's name is not ipcf's to remove
	// (OOC15's F1); both engines keep their journal there.
	if err := ooc.UserEntryAt(scratch); err != nil {
		return sum, err
	}
	// A removal of the scratch killed half-way. Where it cannot be removed,
	// a complete result is said to be one first (a rerun of a complete job
	// said the bare unlinkat error, as a failure: CLI20's m4).
	trashErr := removeTrash(scratch)
	// A run of this output killed while its scratch was elsewhere (another
	// --scratch, the output reached through another mount): nothing will
	// resume it there.
	sweep := func(force bool) string {
		old, kept, err := ooc.SweepScratch(j.outAbs, scratch, force)
		switch {
		case err != nil:
			j.log("warning: could not remove the scratch of an earlier run of %s: %v", j.spec.Output, err)
		case old != "":
			j.log("removed the scratch of an earlier run of %s, kept elsewhere: %s", j.spec.Output, old)
		}
		return kept
	}
	kept := sweep(false)
	if !j.zarr && j.errPath == "" {
		// A run with error bars killed while it published them (they go
		// into place first), followed by this job without: they are that
		// run's, its scratch's commit says so, and no sidecar will name
		// them; left, every later run with error bars would refuse them
		// as a user's file.
		if sd := ooc.ErrorsName(j.outAbs); ooc.ScratchPublishedErrors(j.spec.Scratch, j.outAbs, sd) {
			if err := os.Remove(sd); err == nil {
				j.log("removed %s: the error bars an interrupted run had published", sd)
			}
		}
	}
	_, serr := os.Stat(scratch)
	otherScratch := serr == nil && ooc.ScratchOfOtherJob(j.spec.Scratch, j.outAbs, j.key)
	if (errors.Is(serr, os.ErrNotExist) || otherScratch) && out.Verify(j.key) {
		same, err := j.sameInput(ctx, j.outAbs)
		if err != nil {
			return sum, err
		}
		if same {
			// The check of an input ipcf wrote that readStack would have
			// made (a damaged one is refused, as when the job opens).
			if err := j.checkWritten(); err != nil {
				return sum, err
			}
			j.log("%s is already the complete result of this job: nothing to do", j.spec.Output)
			sum.AlreadyComplete = true
			// The engine that computed it, not the one a run now would
			// take (CLI11's M1: --json said "ooc" of a result whose
			// metadata say "memory").
			if b, err := ooc.MetaOf(j.outAbs); err == nil {
				var m struct{ Engine string }
				if json.Unmarshal(b, &m) == nil && m.Engine != "" {
					sum.Engine = m.Engine
				}
			}
			if trashErr != nil {
				return sum, fmt.Errorf("%s is already the complete result of this job (checked: nothing to compute), but an earlier run's scratch could not be removed: %w", j.spec.Output, trashErr)
			}
			if otherScratch {
				// (another job's, stopped before it published: kept,
				// with its note, for that job's rerun)
				return sum, nil
			}
			if kept != "" {
				sweep(true) // nothing of it is left to finish
			}
			ooc.ForgetScratch(j.outAbs)
			return sum, nil
		}
		j.log("%s: the input was rewritten since this result was computed (its size and time are the same, its frames are not): computing it again", j.spec.Output)
	}
	if trashErr != nil {
		return sum, trashErr
	}
	if kept != "" {
		return sum, j.publishingErr(kept)
	}
	if j.zarr {
		// Not this job's complete result: it would be replaced (checked
		// here, before any work, not in Open: a rerun of the job that
		// wrote it replaces nothing).
		if f := ooc.ZarrForeign(j.outAbs); f != "" {
			return sum, fmt.Errorf("%w: %s holds %s, which ipcf did not write: not replacing the folder; move it out or choose another name",
				ErrOutput, j.spec.Output, f)
		}
	}
	if !j.zarr && j.errPath == "" {
		// The partial error bars of a run with error bars killed before
		// it published them: this run, which computes curves alone,
		// writes the partial output they went with, so nothing will ever
		// publish them, and they held the space of a whole result for
		// good (FAULT12's F13). Only ipcf's (a .npy's bytes, or empty);
		// an "already complete" rerun, which writes nothing, leaves them.
		sd := ooc.ErrorsName(j.outAbs)
		if p := ooc.PartialName(sd); ooc.PartialForeign(sd, false) == "" {
			if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
				if err := os.Remove(p); err == nil {
					j.log("removed %s: the partial error bars of an interrupted run", p)
				}
			}
		}
		// Their lock too, where no error bars are published beside the
		// output (FAULT12's F13: a killed run's 55 bytes left for good;
		// a lock kept over published error bars marks them half done):
		// taken and released, as any run's, which removes it; one held
		// is left.
		if _, err := os.Lstat(sd); errors.Is(err, os.ErrNotExist) {
			if st, err := os.Lstat(LockName(sd)); err == nil && st.Mode().IsRegular() {
				if release, _, err := lock(sd); err == nil {
					release(false)
				}
			}
		}
	}
	// A user's file or folder at a partial output's hidden name, which the
	// run would overwrite or remove (ipcf's own is resumed or replaced).
	for _, p := range []string{j.outAbs, j.errPath} {
		if p == "" {
			continue
		}
		if what := ooc.PartialForeign(p, p == j.outAbs && j.zarr); what != "" {
			return sum, fmt.Errorf("%w: %s is %s: a run would overwrite or remove it; move it away or choose another output name",
				ErrOutput, ooc.PartialName(p), what)
		}
	}
	if j.zarr {
		// ... and at the name where publishing sets the earlier result
		// aside: kept, but the run failed after all the work, with the
		// result published (a campaign's finding).
		if what := ooc.OldForeign(j.outAbs); what != "" {
			return sum, fmt.Errorf("%w: %s is %s: move it away or choose another output name",
				ErrOutput, ooc.OldName(j.outAbs), what)
		}
	}
	// Not this job's complete result, and another user's in a sticky
	// folder: publishing would fail after all the work.
	for _, p := range j.outputPaths() {
		if err := npy.Unreplaceable(p); err != nil {
			return sum, fmt.Errorf("%w: %w", ErrOutput, err)
		}
	}
	// Where this run's scratch goes, for a later run that keeps it
	// elsewhere (SweepScratch): only cleanup depends on it.
	if err := ooc.NoteScratch(j.outAbs, scratch); err != nil {
		j.log("warning: could not note where the scratch of %s goes: %v", j.spec.Output, err)
	}
	defer func() {
		if _, serr := os.Lstat(scratch); errors.Is(serr, os.ErrNotExist) {
			ooc.ForgetScratch(j.outAbs)
		}
	}()
	o := j.spec.PCF
	o.Mask, o.Data2 = j.mask, nil // the second channel is read from j.src2
	if o.Bleach > 0 {
		j.warnCounts()
	}
	if j.engine == "memory" {
		// A scratch folder of an out-of-core run on this output is stale.
		if _, err := os.Stat(scratch); err == nil {
			j.log("removed the scratch of an earlier run: %s", scratch)
			if err := ooc.RemoveScratch(scratch); err != nil { // (whole: REVIEW15's F2; its errors say "scratch")
				return sum, err
			}
		}
		sum.InputCRC, sum.Input2CRC, err = j.runInMemory(ctx, out, o, scratch)
		return sum, appeared(err)
	}
	progress := j.spec.Progress
	oo := ooc.Options{PCF: o, Src2: j.src2, Memory: j.memory, Scratch: j.spec.Scratch, CopyInput: j.spec.CopyInput,
		Tile: j.spec.Tile, Key: j.key, Fields: j.fields, Meta: j.Metadata, Log: j.spec.Log, Progress: progress,
		InputCheck: j.inputCheck, OutputCheck: j.recheckOutput}
	if j.errs != nil {
		oo.Errors, oo.ErrOut = j.errs, j.errorsOutput()
	}
	var res ooc.Summary
	if err = j.snap.Check(); err == nil {
		res, err = ooc.Run(ctx, j.src, out, oo)
	}
	if errors.Is(err, ooc.ErrBudget) && j.addressLimited {
		// The budget is what the limit of address space left: another
		// --memory cannot help, a larger limit can.
		err = fmt.Errorf("%w: the limit of address space (ulimit -v) leaves %s to this process and %s of it must stay free for threads and the Go runtime: raise the limit (%v)",
			pcf.ErrMemory, ooc.SizeText(j.addressLeft), ooc.SizeText(sysmem.AddressReserve), err)
	}
	if err != nil {
		os.Remove(scratch) // only if empty: a failure before anything resumable was written
	}
	sum.Tiles, sum.Resumed, sum.Chunks, sum.InputCRC, sum.Input2CRC = res.Tiles, res.Resumed, res.Chunks, res.InputCRC, res.Input2CRC
	if err == nil {
		j.warnAllNaN(res.Finite, res.Resumed)
	}
	sum.InPlace = res.InPlace
	if lost := j.lockLost(); err != nil && lost != nil {
		// (the files at the output's paths may be another run's now: left;
		// the error is lost's where the engine's check said it: REVIEW25's m1)
		if err.Error() == lost.Error() || strings.Contains(err.Error(), lost.Error()) {
			return sum, err
		}
		return sum, fmt.Errorf("%w (the run's own error: %v)", lost, err)
	}
	if errors.Is(err, source.ErrFormat) || errors.Is(err, source.ErrChanged) || errors.Is(err, ErrInput) {
		// Found while reading: nothing of this run can be resumed.
		out.Close()
		if !j.zarr {
			// A run killed while publishing, resumed on an input changed
			// since: the files it renamed into place are of the old input
			// (the error bars go first, then the curves).
			if j.errPath != "" && ooc.ScratchPublishedErrors(j.spec.Scratch, j.outAbs, j.errPath) {
				if derr := os.Remove(j.errPath); derr == nil {
					j.log("removed %s: the interrupted run had published it, computed from the input as it was", j.errPath)
				}
			}
			if ooc.ScratchPublished(j.spec.Scratch, j.outAbs) {
				if derr := os.Remove(j.outAbs); derr == nil {
					j.log("removed %s: the interrupted run had published it, computed from the input as it was", j.spec.Output)
				}
			}
		}
		if derr := ooc.Discard(out, scratch); derr != nil {
			j.log("warning: could not remove the partial output and scratch: %v", derr)
		}
		if j.errPath != "" {
			if derr := os.RemoveAll(ooc.PartialName(j.errPath)); derr != nil {
				j.log("warning: could not remove the partial error bars: %v", derr)
			}
		}
	}
	return sum, appeared(err)
}

// runInMemory reads the selected frames (in the input file's mapping
// where they lie in one, else into memory; guarded either way: an input
// that shrinks gives an error, not SIGBUS), computes and writes.
func (j *Job) runInMemory(ctx context.Context, out ooc.Output, o pcf.Options, scratch string) (crc, crc2 uint32, err error) {
	var frees []func()
	release := func() {
		for _, f := range frees {
			f()
		}
		frees = nil
	}
	defer func() { release() }()
	view, crc, free, err := j.readStack(ctx, j.src, 0)
	if err != nil {
		return 0, 0, err
	}
	frees = append(frees, free)
	if j.src2 != nil {
		v2, c2, free, err := j.readStack(ctx, j.src2, j.nread)
		if err != nil {
			return 0, 0, err
		}
		frees = append(frees, free)
		o.Data2, crc2 = &v2, c2
	}
	if err := j.inputCheck(ctx, crc, crc2); err != nil {
		return 0, 0, err
	}
	// Fresh memory in huge pages (see fft.BigBytes): Compute writes every
	// value, but a failed run must not publish leftovers either way.
	res, freeRes, err := fft.BigZeroed(int(j.outBytes()))
	defer freeRes()
	if err != nil {
		return 0, 0, pcf.MapError("the result", err)
	}
	rv, err := array.Contiguous(array.Float32, j.geom.OutShape[:], res)
	if err != nil {
		return 0, 0, err
	}
	if prog := j.spec.Progress; prog != nil {
		o.Progress = func(done, total int) bool { return prog("pcf", done, total) }
	}
	if err := pcf.Compute(ctx, rv, view, o); err != nil {
		return 0, 0, j.faulted(err)
	}
	var sdRes []byte
	if j.errs != nil {
		// The error bars of the same data, options and mask.
		var freeSD func()
		sdRes, freeSD, err = fft.BigZeroed(int(j.outBytes()))
		defer freeSD()
		if err != nil {
			return 0, 0, pcf.MapError("the error bars", err)
		}
		sv, err := array.Contiguous(array.Float32, j.geom.OutShape[:], sdRes)
		if err != nil {
			return 0, 0, err
		}
		o.Progress = nil
		if prog := j.spec.Progress; prog != nil {
			o.Progress = func(done, total int) bool { return prog("errors", done, total) }
		}
		if err := pcf.ErrorBars(ctx, sv, view, o, *j.errs); err != nil {
			return 0, 0, j.faulted(err)
		}
	}
	view, o.Data2 = array.View{}, nil
	release()
	debug.FreeOSMemory()
	// Changed during the work: refused as the out-of-core engine refuses
	// it (the frames were read whole before, but the result would be
	// published as that of a file that no longer holds them).
	if err := j.inputCheck(ctx, crc, crc2); err != nil {
		return 0, 0, err
	}
	s := j.geom.OutShape
	// A partial file of this engine cannot be resumed (the result is in
	// memory only): one left by a failure (a full disk) would only hold
	// the space, so it goes with the error.
	defer func() {
		if err != nil && j.lockLost() == nil { // (lost: another run's files now)
			os.RemoveAll(ooc.PartialName(out.Path()))
			if j.errPath != "" {
				os.RemoveAll(ooc.PartialName(j.errPath))
			}
		}
	}()
	// (the partial files opened below are another run's where the lock was
	// taken away meanwhile: REVIEW25's F1, they were overwritten)
	if err := j.lockLost(); err != nil {
		return 0, 0, err
	}
	if err := out.Open(s, [2]int{s[0], s[1]}, false); err != nil {
		return 0, 0, err
	}
	defer out.Close()
	tile := unsafeFloat32(res)
	j.warnAllNaN(ooc.AnyFinite(tile), 0)
	if _, err := out.WriteTile(0, 0, s[0], s[1], tile); err != nil {
		return 0, 0, err
	}
	meta := j.Metadata(crc, crc2)
	fcrc, err := out.Finish(meta)
	if err != nil {
		return 0, 0, err
	}
	var sd *ooc.NpyOutput
	var sdcrc uint32
	if j.errs != nil {
		sd = j.errorsOutput()
		if err := sd.Open(s, [2]int{s[0], s[1]}, false); err != nil {
			return 0, 0, err
		}
		defer sd.Close()
		if _, err := sd.WriteTile(0, 0, s[0], s[1], unsafeFloat32(sdRes)); err != nil {
			return 0, 0, err
		}
		if sdcrc, err = sd.Finish(nil); err != nil {
			return 0, 0, err
		}
	}
	if err := j.recheckOutput(); err != nil {
		return 0, 0, err
	}
	// Published under a mark in the scratch folder: a rerun after a kill
	// between the renames and the sidecar takes the files for its own,
	// and those they replace for ipcf's.
	if err := ooc.MarkPublishing(scratch, j.key, j.fields, fcrc, sd != nil, sdcrc); err != nil {
		return 0, 0, err
	}
	if err := ooc.MarkReplacing(scratch, j.outAbs, j.errPath); err != nil {
		return 0, 0, err
	}
	if sd == nil {
		if err := out.Publish(meta, fcrc); err != nil {
			return 0, 0, err
		}
		return crc, crc2, ooc.RemovePublishedScratch(scratch, j.spec.Output)
	}
	if err := ooc.PublishPair(out.(*ooc.NpyOutput), sd, meta, fcrc, sdcrc); err != nil {
		return 0, 0, err
	}
	return crc, crc2, ooc.RemovePublishedScratch(scratch, j.spec.Output)
}

// inputCheck fails with source.ErrChanged if the input changed since the
// job was opened: its size or time, or, when its status changed (a
// rewrite that set them back; also a chmod), its frames, read again and
// compared with the checksums crc and crc2 of those the run used.
func (j *Job) inputCheck(ctx context.Context, crc, crc2 uint32) error {
	if err := j.snap.Check(); err != nil {
		return err
	}
	if !j.snap.Touched() {
		return nil
	}
	now, now2, err := j.inputCRCs(ctx)
	if err != nil {
		return err
	}
	// Name the input whose frames changed (the second channel's file, or
	// both; once where both channels are one file's).
	var changed []string
	if now != crc {
		changed = append(changed, j.src.Name())
	}
	if j.src2 != nil && now2 != crc2 && !slices.Contains(changed, j.src2.Name()) {
		changed = append(changed, j.src2.Name())
	}
	if len(changed) > 0 {
		return fmt.Errorf("%w: %s changed while the job read it (its frames differ from those read)", source.ErrChanged, strings.Join(changed, " and "))
	}
	return nil
}

// sameInput reports whether the input is the one the complete result at
// path was computed from, as far as the job key cannot tell: when the
// input files' status changed since (a rewrite that kept their size and
// time; also a chmod or a new link), their frames' checksums are compared
// with those the result's metadata record.
func (j *Job) sameInput(ctx context.Context, path string) (bool, error) {
	b, err := ooc.MetaOf(path)
	if err != nil {
		if ooc.IsIOError(err) {
			// (not an input rewritten since: FAULT8's F5)
			return false, fmt.Errorf("%s: its metadata could not be read to check that it is this job's result: %w; nothing was replaced", j.spec.Output, err)
		}
		return false, nil
	}
	var m struct {
		Status string `json:"input_status"`
		CRC    string `json:"input_crc32c"`
		CRC2   string `json:"input2_crc32c"`
	}
	if json.Unmarshal(b, &m) != nil {
		return false, nil
	}
	now, err := source.Snap(j.src, j.src2)
	if err != nil {
		return false, inputErr(err)
	}
	switch {
	case now.Inexact():
		j.log("%s: the input's file system keeps times of whole seconds (or none): comparing its frames with the result's record", j.spec.Output)
	case now.Racy():
		j.log("%s: the input's status time is ahead of this machine's clock: comparing its frames with the result's record", j.spec.Output)
	case m.Status != "" && m.Status == now.Stamp():
		return true, nil // untouched since
	case m.Status == "" && m.CRC == "":
		return true, nil // written before the frames' checksum was recorded
	case m.Status == "":
		// Written before 2026-12-02 (or the record edited): whether the
		// input changed since is not known, its frames tell.
		j.log("%s: the result does not record the input's status: comparing its frames with the result's record", j.spec.Output)
	default:
		j.log("%s: the input's status changed since this result was computed: comparing its frames with the result's record", j.spec.Output)
	}
	crc, crc2, err := j.inputCRCs(ctx)
	if err != nil {
		return false, err
	}
	return fmt.Sprintf("%08x", crc) == m.CRC && (j.src2 == nil || fmt.Sprintf("%08x", crc2) == m.CRC2), nil
}

// faulted turns a fault of the engine's workers in a file's mapping (the
// frames readStack left in the input's mapping, the file cut short since)
// into source.ErrChanged naming the input; other errors are returned as
// they are.
func (j *Job) faulted(err error) error {
	addr, ok := pool.FaultAddr(err)
	if !ok || !pcf.InFileMapping(addr) {
		return err
	}
	name := j.src.Name()
	if j.src2 != nil && j.src2.Name() != name {
		name += " or " + j.src2.Name()
	}
	return source.Faulted(name, err)
}

// inputCRCs reads the frames the job uses again and returns their
// checksums as the engines compute them (ooc.FramesCRC), of the second
// channel too; progress phase "check".
func (j *Job) inputCRCs(ctx context.Context) (crc, crc2 uint32, err error) {
	srcs := []source.Source{j.src}
	if j.src2 != nil {
		srcs = append(srcs, j.src2)
	}
	var prog func(done, total int) bool
	if p := j.spec.Progress; p != nil {
		prog = func(done, total int) bool { return p("check", done, total) }
	}
	c, err := ooc.FramesCRC(ctx, srcs, j.nread, prog)
	if err != nil {
		return 0, 0, err
	}
	if len(c) == 2 {
		crc2 = c[1]
	}
	return c[0], crc2, nil
}

// readStack returns the nread frames of src as a (nread, H, W) array with
// the CRC-32C of its samples: a view of the file's mapping where they lie
// in one (source.ReadMapped: the engine reads it in Go), else a copy in
// memory; the read phase's progress counts from done0 of the frames of
// every channel.
func (j *Job) readStack(ctx context.Context, src source.Source, done0 int) (_ array.View, _ uint32, free func(), err error) {
	_, H, W := src.Shape()
	dt := src.DType()
	es := dt.Size()
	frame := H * W * es
	prog := j.spec.Progress
	total := j.nread
	if j.src2 != nil {
		total *= 2
	}
	// Each run of frames read (either path below): checksummed while it
	// is in the cache, with the read phase's progress.
	var crc uint32
	each := func(run []byte, next int) error {
		crc = ooc.CRCUpdate(crc, run)
		if ctx.Err() != nil {
			return pcf.ErrCancelled
		}
		if prog != nil && ((next-len(run)/frame)/64 != next/64 || next == j.nread) && !prog("read", done0+next, total) {
			return pcf.ErrCancelled
		}
		return nil
	}
	if !j.copyFrames && j.errs == nil {
		// The frames where the file's mapping has them: the engine reads
		// them in Go (pcf's readInGo), so a file cut short is an error
		// there too, and they take no fresh memory (the copy's 128 MiB
		// for the default dataset took the kernel 9-26 % of the run to
		// zero). Checksummed here, as the copy below. Error bars read
		// every series again for each offset, a frame (a page) apart:
		// from a copy in huge pages (8 % less CPU on the default
		// dataset than from the mapping's 4 KiB pages).
		v, ok, err := source.ReadMapped(src, j.nread, each)
		if err != nil {
			return array.View{}, 0, nil, err
		}
		if ok {
			// An input ipcf wrote: the frames just checksummed are one
			// run of the file, and only the rest is read for its check.
			if j.written != nil && src == j.src {
				if v.Strides[0] != frame {
					err = j.checkWritten()
				} else if err = j.written.CheckExcept(int64(v.Offset), int64(j.nread*frame), crc); err != nil {
					err = inputErr(err)
				} else {
					j.written = nil
				}
				if err != nil {
					return array.View{}, 0, nil, err
				}
			}
			return v, crc, func() {}, nil
		}
	}
	if src == j.src {
		if err := j.checkWritten(); err != nil {
			return array.View{}, 0, nil, err
		}
	}
	buf, rel, err := fft.BigBytes(j.nread * frame) // written whole below
	if err != nil {
		return array.View{}, 0, nil, pcf.MapError("the frames read into memory", err)
	}
	defer func() {
		if err != nil {
			rel()
		}
	}()
	var order array.ByteOrder = array.NativeOrder
	name := src.Name()
	fr, fast := source.NewFrameReader(src)
	if fast {
		// Runs of frames by read(2), each checksummed while it is in the
		// cache: the same bytes, order and CRC as frame by frame below.
		defer fr.Close()
		order = fr.Order()
		err := fr.ReadRuns(j.nread, buf, each)
		if err != nil {
			return array.View{}, 0, nil, err
		}
	}
	for t := 0; t < j.nread && !fast; t++ {
		if t%64 == 0 && ctx.Err() != nil {
			return array.View{}, 0, nil, pcf.ErrCancelled
		}
		err := source.Guard(name, func() error {
			fr, err := src.Frame(t)
			if err != nil {
				return err
			}
			if t == 0 {
				order = fr.Order
			}
			crc = ooc.FrameCRC(crc, fr, H, W)
			dst := buf[t*frame : (t+1)*frame]
			// The stack has the first frame's byte order: a frame of
			// another (a TIFF series mixing II and MM files) is swapped.
			if fr.Order != order && es > 1 {
				defer swapSamples(dst, es)
			}
			sx := fr.Strides[1]
			for y := 0; y < H; y++ {
				o := fr.Offset + y*fr.Strides[0]
				row := dst[y*W*es : (y+1)*W*es]
				if sx == es {
					copy(row, fr.Data[o:o+W*es])
					continue
				}
				for x := 0; x < W; x++ {
					copy(row[x*es:(x+1)*es], fr.Data[o+x*sx:o+x*sx+es])
				}
			}
			return nil
		})
		if err != nil {
			return array.View{}, 0, nil, err
		}
		if r, ok := src.(source.Releaser); ok && (t+1)%64 == 0 {
			r.Release(t-63, t+1)
		}
		if prog != nil && (t%64 == 0 || t == j.nread-1) && !prog("read", done0+t+1, total) {
			return array.View{}, 0, nil, pcf.ErrCancelled
		}
	}
	view, err := array.New(dt, order, []int{j.nread, H, W}, []int{frame, W * es, es}, buf, 0)
	return view, crc, rel, err
}

// checkWritten checks an input ipcf wrote whole against its record (the
// record left to readStack, which did not run).
func (j *Job) checkWritten() error {
	if j.written == nil {
		return nil
	}
	if err := j.written.Check(); err != nil {
		return inputErr(err)
	}
	j.written = nil
	return nil
}

// swapSamples reverses the bytes of each es-byte sample of b.
func swapSamples(b []byte, es int) {
	for i := 0; i+es <= len(b); i += es {
		for a, z := i, i+es-1; a < z; a, z = a+1, z-1 {
			b[a], b[z] = b[z], b[a]
		}
	}
}

// throttle calls p about ten times a second, and always for the first
// and the last unit of a phase.
func throttle(p func(phase string, done, total int) bool) func(string, int, int) bool {
	if p == nil {
		return nil
	}
	var last time.Time
	var lastPhase string
	return func(phase string, done, total int) bool {
		now := time.Now()
		if phase == lastPhase && done < total && now.Sub(last) < 100*time.Millisecond {
			return true
		}
		last, lastPhase = now, phase
		return p(phase, done, total)
	}
}
