package job

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

// ParseErrors parses the error bars' options as a user writes them: the
// method "blocking" or "segments" ("" or "none": no error bars, nil) and
// the segments of the method segments (0: pcf.DefaultSegments; given
// names whether the user set them, which another method refuses). Whether
// the input has that many frames is checked by Open. Errors wrap
// ErrOption.
func ParseErrors(method string, segments int, given bool) (*pcf.ErrOptions, error) {
	var e pcf.ErrOptions
	switch method {
	case "", "none":
		if given {
			return nil, optErr("--segments %d: the segments of --errors segments (no error bars asked for)", segments)
		}
		return nil, nil
	case "blocking":
		if given {
			return nil, optErr("--segments %d: the segments of --errors segments, not of blocking (which chooses its blocks itself)", segments)
		}
		e.Method = pcf.Blocking
	case "segments":
		e.Method, e.Segments = pcf.Segments, segments
		if given && segments < 2 {
			return nil, optErr("--segments %d: want 2 or more (at most the frames used)", segments)
		}
	default:
		return nil, optErr("--errors %q: want blocking or segments", method)
	}
	return &e, nil
}

// ErrorsName is the file of the error bars of the output path (a .npy
// result): OUT.sd.npy for OUT.npy.
func ErrorsName(path string) string { return ooc.ErrorsName(strings.TrimRight(path, "/")) }

// checkErrors checks Spec.Errors against the output and the frames used,
// and sets j.errs (segments filled in) and j.errPath.
func (j *Job) checkErrors() error {
	e := j.spec.Errors
	if e == nil {
		return nil
	}
	if j.format != FormatNpy {
		return optErr("error bars are written beside a .npy result (OUT.sd.npy for OUT.npy, same shape): %s is %s; write the result as .npy",
			j.spec.Output, map[string]string{FormatZarr: "a Zarr folder", FormatOMEZarr: "an OME-Zarr folder", FormatTIFF: "a TIFF"}[j.format])
	}
	c := *e
	switch c.Method {
	case pcf.Blocking:
		if c.Segments != 0 {
			return optErr("segments=%d: the segments of the method segments, not of blocking", c.Segments)
		}
	case pcf.Segments:
		if c.Segments == 0 {
			c.Segments = pcf.DefaultSegments
		}
		if msg := pcf.SegmentsProblem(e.Segments, j.geom.N, "--segments "); msg != "" {
			return optErr("%s", msg)
		}
	default:
		return optErr("error bar method %v: want blocking or segments", c.Method)
	}
	j.errs = &c
	j.errPath = ErrorsName(j.spec.Output)
	if note := pcf.SmoothedErrorsNote(j.spec.PCF); note != "" {
		j.log("%s", note)
	}
	if ext := filepath.Ext(strings.TrimRight(j.spec.Output, "/")); ext != ".npy" {
		// Every reader (Python, Octave, Fiji, ipcf fit) finds OUT.sd.npy's
		// result by that name: OUT.sd.NPY's was read unchecked as a plain
		// array, a damaged one returned without error (REVIEW11's F12).
		return optErr("error bars are written beside a result named .npy in lower case (OUT.sd.npy for OUT.npy): %s ends in %s; write the result as .npy", filepath.Base(j.spec.Output), ext)
	}
	if partial := filepath.Base(ooc.PartialName(j.errPath)); len(partial) > nameMax {
		// (HOSTS11's F7: the run computed, then failed and left its scratch)
		return fmt.Errorf("%w: the name of the output %s is too long for error bars beside it: ipcf writes them as %s first, %d bytes, and file names take at most %d; choose a shorter name",
			ErrOutput, filepath.Base(j.spec.Output), partial, len(partial), nameMax)
	}
	if name := filepath.Base(j.errPath); !utf8.ValidString(name) {
		// The sidecar names the error bars' file in JSON text, which holds
		// UTF-8 only: a Latin-1 name was recorded with U+FFFD for its
		// byte, and no reader found the file again (HOSTS11's F2).
		return optErr("the output's name %q is not UTF-8 text: its error bars' file %q could not be named in its metadata; choose a name in UTF-8", filepath.Base(j.spec.Output), name)
	}
	return nil
}

// ErrorsPath is the file of the job's error bars, "" without them.
func (j *Job) ErrorsPath() string { return j.errPath }

// errorsText is the key field of the error bars.
func errorsText(e pcf.ErrOptions) string {
	if e.Method == pcf.Segments {
		return "segments " + strconv.Itoa(e.Segments)
	}
	return e.Method.String()
}

// errorsMeta is the metadata of the error bars: nil without them. The
// output adds their checksum and size (ooc.PublishPair).
func (j *Job) errorsMeta() any {
	if j.errs == nil {
		return nil
	}
	var seg any
	if j.errs.Method == pcf.Segments {
		seg = j.errs.Segments
	}
	return map[string]any{
		"file":     filepath.Base(j.errPath),
		"method":   j.errs.Method.String(),
		"segments": seg,
		"shape":    j.geom.OutShape,
		"dtype":    "float32",
		"quantity": "standard deviation of every curve point, the curves' shape (core/pcf ErrorBars; docs/toolkit.md, section 9)",
	}
}
