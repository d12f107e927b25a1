package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// The weights of ipcf fit: the error bars that ipcf pcf --errors writes
// beside a result (RESULT.sd.npy, recorded in RESULT.npy.json under
// "errors"), or --sigma FILE; --no-sigma fits unweighted.

// fitErrorsRecord is what fit reads of a result's "errors" record.
type fitErrorsRecord struct {
	File     string `json:"file"`
	Method   string `json:"method"`
	Segments *int   `json:"segments"`
	CRC      string `json:"crc32c"`
	Bytes    *int64 `json:"bytes"`
}

// checkSigmaFlags refuses --sigma with --no-sigma, and an empty --sigma.
func checkSigmaFlags(f fitFlags) error {
	switch {
	case f.given["sigma"] && f.sigma == "":
		return usageError{"fit: --sigma is empty: want the error bars' .npy (the result's shape)"}
	case f.given["sigma"] && f.noSigma:
		return usageError{"fit: give --sigma FILE (weighted by those error bars) or --no-sigma (unweighted), not both"}
	}
	return nil
}

// sigmaInputs are the files of error bars that fit may read: the outputs
// must not overwrite them.
func sigmaInputs(f fitFlags) []string {
	if f.noSigma {
		return nil
	}
	if f.sigma != "" {
		return []string{f.sigma}
	}
	return []string{job.ErrorsName(f.in)}
}

// readSigma sets in.sigma and in.weights: the error bars of --sigma, or
// those the result's metadata records (raw), or none.
func readSigma(in *fitInput, path string, raw json.RawMessage, f fitFlags) error {
	var rec *fitErrorsRecord
	if len(raw) > 0 && string(raw) != "null" {
		rec = new(fitErrorsRecord)
		if err := json.Unmarshal(raw, rec); err != nil {
			return fmt.Errorf("%s.json: errors: %w", path, err)
		}
		if rec.File == "" || filepath.Base(rec.File) != rec.File || rec.File == "." || rec.File == ".." {
			return fmt.Errorf("%s.json: errors: file %q: want the name of a file beside the result", path, rec.File)
		}
	}
	recorded := ""
	if rec != nil {
		// Beside the result as the kernel finds it (through link/.. too),
		// by the name rule, not the name recorded when it was written: a
		// result renamed with its error bars (g.npy, g.sd.npy) was told
		// its recorded e.sd.npy was missing, and a backup copy read the
		// rerun original's (OUT15's F9). The recorded checksum decides.
		recorded = ooc.ErrorsOf(path)
	}
	var file, from string
	switch {
	case f.noSigma:
		in.weights = map[string]any{"used": false, "why": "--no-sigma", "result_errors": nullable(recorded)}
		return nil
	case f.sigma != "":
		file, from = f.sigma, "--sigma"
	case rec != nil:
		file, from = recorded, "the result's metadata"
	default:
		in.weights = map[string]any{"used": false, "why": "the result has no error bars (ipcf pcf --errors writes them)"}
		return nil
	}
	if from == "--sigma" {
		if err := notErrorBars(file, path); err != nil {
			return err
		}
	}
	if from != "--sigma" {
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			// (their file by the name rule: the sidecar may record another
			// name, the original's of a copy: REVIEW15's F4)
			return fmt.Errorf("%s.json records error bars, read from %s beside it, which is missing: compute them again (ipcf pcf --errors) or fit unweighted with --no-sigma", path, file)
		}
	}
	checkCRC := rec != nil && rec.CRC != "" && fitSamePath(file, recorded)
	notTheirs := func() error {
		return fmt.Errorf("error bars %s: its checksum is not the one %s.json records (%s): not the error bars of this result (compute them again with ipcf pcf --errors, or fit unweighted with --no-sigma)", file, path, rec.CRC)
	}
	// --sigma naming another result's error bars (OTHER.sd.npy beside
	// OTHER.npy, whose sidecar records them): checked against that record
	// too (TOOLS14's m7: damaged since, they were read unchecked, exit 0).
	check, checkOf := rec, path
	if !checkCRC && from == "--sigma" {
		if whole, part := ooc.PartOf(file); part == "the error bars" && fitSamePath(file, ooc.ErrorsOf(whole)) {
			if other := sidecarErrorsRecord(whole); other != nil && other.CRC != "" {
				checkCRC, check, checkOf = true, other, whole
				notTheirs = func() error {
					return fmt.Errorf("error bars %s: its checksum is not the one %s.json records (%s): damaged or replaced since that result was computed (compute them again with ipcf pcf --errors)", file, whole, other.CRC)
				}
			}
		}
	}
	// wrongArray refuses a file that is not error bars of the result's
	// shape: as not this result's (exit 1) where the sidecar records
	// another file there, a usage error (exit 2) for a file the user
	// gave (REVIEW15's m4: a user's array beside a copied result was a
	// usage error).
	wrongArray := func(need error) error {
		if checkCRC && checkOf == path {
			if ok, err := ooc.FileMatches(file, rec.CRC, rec.Bytes); err == nil && !ok {
				return notTheirs()
			}
		}
		return need
	}
	sd, err := npy.Open(file)
	if msg, _, _ := strings.Cut(fmt.Sprint(err), "; convert it"); errors.Is(err, npy.ErrDType) {
		// A dtype .npy reading refuses (float16): refused as other
		// dtypes of error bars are, with their fix (npy's advised
		// uint16, which the next check refused).
		return wrongArray(fitNeeds("error bars %s: %s; want float32 or float64 error bars of the result's shape [%d %d %d %d]: numpy.save(path, sd.astype(numpy.float32))", file, msg, in.h, in.w, in.k, in.p))
	}
	if err != nil {
		return err
	}
	defer sd.Close()
	s := sd.Shape
	if sd.NDim() != 4 || s[0] != in.h || s[1] != in.w || s[2] != in.k || s[3] != in.p || (sd.DType != array.Float32 && sd.DType != array.Float64) {
		return wrongArray(fitNeeds("error bars %s: %s array of shape %v, want float32 or float64 of the result's shape [%d %d %d %d]", file, sd.DType, s, in.h, in.w, in.k, in.p))
	}
	if checkCRC {
		// The pair the result's sidecar recorded: the same bytes, those
		// of the mapping read below.
		if ok, err := mappedMatches(sd, file, check.CRC, check.Bytes); err != nil {
			return err
		} else if !ok {
			return notTheirs()
		}
		if testHookChecked != nil {
			testHookChecked(file)
		}
	}
	n := int64(in.h) * int64(in.w) * int64(in.k) * int64(in.p)
	if err := pcf.CheckMemory("the error bars", 4*n); err != nil {
		return err
	}
	in.sigma = make([]float32, n)
	err = source.Guard(file, func() error {
		st := sd.Strides
		i := 0
		for y := 0; y < in.h; y++ {
			for x := 0; x < in.w; x++ {
				for k := 0; k < in.k; k++ {
					o := sd.Offset + y*st[0] + x*st[1] + k*st[2]
					for j := 0; j < in.p; j++ {
						in.sigma[i] = float32(sd.Load(o + j*st[3]))
						i++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if checkCRC {
		if err := recheckMapped(sd, file, check.CRC, check.Bytes); err != nil {
			return err
		}
	}
	in.weights = map[string]any{"used": true, "weight": "1/sigma^2", "sigma": file, "from": from, "method": nil, "segments": nil}
	if rec != nil && fitSamePath(file, recorded) {
		in.weights["method"], in.weights["segments"] = rec.Method, rec.Segments
	}
	return nil
}

// sidecarErrorsRecord is the errors record of the .npy result whole's
// sidecar: nil where it has none (or no readable ipcf sidecar).
func sidecarErrorsRecord(whole string) *fitErrorsRecord {
	b, err := ooc.ReadMeta(ooc.SidecarName(whole))
	if err != nil {
		return nil
	}
	var m struct {
		Errors *fitErrorsRecord `json:"errors"`
	}
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m.Errors
}

// notErrorBars refuses --sigma naming the result itself, or another file
// ipcf wrote that is not error bars (curves, maps, their companions): of
// the result's shape, they were taken as error bars, exit 0 (FITPLOT16's
// m1: --sigma r.npy weighted r.npy's fit by its own curves).
func notErrorBars(file, result string) error {
	if out := ooc.PartialOf(file); out != "" {
		return partialRefused(file, out) // (REVIEW19's m1)
	}
	if fitSamePath(file, result) {
		return fitNeeds("--sigma %s is the result itself, not its error bars: give its error bars (%s, written by ipcf pcf --errors), or leave --sigma out", file, job.ErrorsName(result))
	}
	if whole, part := ooc.PartOf(file); part != "" && part != "the error bars" {
		return fitNeeds("--sigma %s holds %s %s, not error bars of curves", file, part, whole)
	}
	if ours, _ := ooc.SidecarCheck(ooc.SidecarName(file)); ours {
		return fitNeeds("--sigma %s is an ipcf output of its own (its metadata %s), not error bars: give error bars (RESULT.sd.npy, written by ipcf pcf --errors)", file, ooc.SidecarName(file))
	}
	return nil
}

// sigmaAtOffset returns the error bars of the curves at offset k, (h, w,
// p), or nil when the fits are unweighted.
func sigmaAtOffset(in *fitInput, k int) []float32 {
	if in.sigma == nil {
		return nil
	}
	d := make([]float32, in.h*in.w*in.p)
	for px := 0; px < in.h*in.w; px++ {
		copy(d[px*in.p:(px+1)*in.p], in.sigma[(px*in.k+k)*in.p:])
	}
	return d
}

// chisqText describes MAPS.chisq.npy.
func chisqText(in *fitInput) string {
	if in.sigma != nil {
		return "sum of squared weighted residuals ((data - model) / sigma)^2 of the fitted points, per fit"
	}
	return "sum of squared residuals of the fitted points (unweighted), per fit"
}
