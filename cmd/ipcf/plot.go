package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// picture is where a picture goes and the arguments of the command that
// draws it (its sidecar records them: its inputs and options).
type picture struct {
	path string
	args []string
	// ctx is the command's: a signal while the picture is drawn stops it
	// before anything is written (savePanels).
	ctx context.Context
	// meta, if not nil, adds to the picture's metadata (FIG.png.json).
	meta map[string]any
}

// maxPicture is the largest picture side in pixels (16384^2 RGBA: 1 GiB,
// drawn in about 3: savePanels checks it).
const maxPicture = 16384

// plotDPI is the pictures' resolution: a picture of --width W is W pixels.
const plotDPI = 96

// cmdPlot draws pictures of a pCF result or an input with gonum/plot:
// the pCF image at an offset and delay, the carpet, polar sprite and
// curves at a pixel, or the mean image and mean time series of an input;
// or a parameter map of ipcf fit's maps (plotmaps.go).
// pCF values are drawn on a diverging colour scale symmetric about 0 with a
// colour bar; the axes are in micrometres and seconds when the result's
// metadata (RESULT.npy.json) give the pixel size and the frame interval.
func cmdPlot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("o", "", "output .png file (required)")
	point := intFlag(fs, "point", 0, "offset (circle point) of the pCF image, numbered from 0")
	bin := intFlag(fs, "bin", -1, "delay point (bin) of the pCF image, numbered from 0 (default: the middle one)")
	pixel := fs.String("pixel", "", "Y,X: carpet, polar sprite and curves at this output pixel (row, column of the result)")
	mean := fs.String("mean", "", "INPUT: mean image and mean time series of an input")
	width := intFlag(fs, "width", 0, "picture width in pixels (default 720, 1500 for --pixel, 1100 for --mean)")
	height := intFlag(fs, "height", 0, "picture height in pixels (default 560, 480 for --pixel and --mean)")
	param := fs.String("param", "D", "maps of ipcf fit (MAPS.npy, MAPS.zarr): the parameter drawn, or chisq, status")
	offset := intFlag(fs, "offset", 0, "maps of ipcf fit with an offset axis: the offset drawn, numbered from 0")
	// --mean's input: the options of pcf's (its raw header bytes are
	// --raw-offset here: --offset picks a map).
	in := inputFlags{rawOffset: "raw-offset"}
	in.register(fs)
	in.registerChannel(fs, "--mean: channel of a multi-channel ImageJ or OME-TIFF input, from 1 as in ImageJ (default: none, for an input of one channel)")
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if *mean == "" {
		for _, n := range []string{"format", "shape", "dtype", "byteorder", in.rawOffset, "crop", "frames", "channel"} {
			if given[n] {
				return usageError{fmt.Sprintf("plot: --%s describes the input of --mean INPUT", n)}
			}
		}
	} else {
		// What draws a result or maps does nothing to --mean's picture.
		for _, n := range []string{"point", "bin", "pixel", "param", "offset"} {
			if !given[n] {
				continue
			}
			if n == "offset" {
				return usageError{"plot: --offset picks a map of ipcf fit's maps; the bytes to skip at the start of --mean's raw input are --" + in.rawOffset}
			}
			return usageError{fmt.Sprintf("plot: --%s draws a pCF result or fit maps, not --mean INPUT", n)}
		}
	}
	if *out == "" {
		return usageError{"plot: -o FIG.png is required"}
	}
	if err := bareExtension("plot", *out); err != nil {
		return err
	}
	if !strings.HasSuffix(strings.ToLower(*out), ".png") {
		return usageError{fmt.Sprintf("plot: -o %s: plot writes PNG only (want FIG.png)", *out)}
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"width", *width}, {"height", *height}} {
		if d.v < 0 || d.v > maxPicture {
			return usageError{fmt.Sprintf("plot: --%s %d: want 1..%d pixels (0: the default)", d.name, d.v, maxPicture)}
		}
	}
	if given["pixel"] && (given["point"] || given["bin"]) {
		return usageError{"plot: --pixel draws the curves at a pixel, --point and --bin the image at one offset and delay: give one or the other"}
	}
	switch {
	case *mean != "" && len(pos) > 0:
		return usageError{"plot: give a RESULT.npy (or MAPS.npy) or --mean INPUT, not both"}
	case *mean == "" && len(pos) > 1:
		// (REVIEW12's F9: "give a RESULT.npy", of a command that had two)
		msg := fmt.Sprintf("plot: give one RESULT.npy (or MAPS.npy), not %d: %s", len(pos), strings.Join(pos, " "))
		if slices.Contains(args, "--") {
			msg += " (every argument after -- is a file: give the options before --)"
		}
		return usageError{msg}
	case *mean == "" && len(pos) != 1:
		return usageError{"plot: give a RESULT.npy or --mean INPUT"}
	}
	// A picture is an output like any other: a user's PNG of that name
	// (one without the sidecar FIG.png.json that plot writes) stays.
	unlock, err := lockPlain("plot", *out)
	if err != nil {
		return err
	}
	defer unlock()
	inputs := pos
	if *mean != "" {
		inputs = append(inputs, *mean)
	}
	if err := plainCheck("plot", *out, inputs...); err != nil {
		return err
	}
	pic := picture{path: *out, args: args, ctx: ctx}
	size := func(w, h int) (vg.Length, vg.Length) {
		if *width > 0 {
			w = *width
		}
		if *height > 0 {
			h = *height
		}
		return vg.Length(w) * vg.Inch / plotDPI, vg.Length(h) * vg.Inch / plotDPI
	}
	switch {
	case *mean != "":
		input, err := in.input(*mean)
		if err != nil {
			return err
		}
		input.Lines = true // a 2-D (time, x) .npy too: a line scan of one row
		return plotMean(ctx, input, pic, size)
	case len(pos) == 1:
		// (through "link/..": the kernel's folder, onto which a Zarr's
		// .zattrs and the maps' companions are joined)
		pos[0] = ooc.Linked(npy.KernelPath(pos[0])) // (a result linked into a work folder: its metadata beside the file)
		// Maps a live fit is replacing now (MAPS.npy renamed aside, its
		// lock held) are waited for, as a pCF publication is (F2).
		if err := waitLiveFit(ctx, pos[0]); err != nil {
			return err
		}
		if err := keptMapsHint(pos[0]); err != nil {
			return err
		}
		if out := ooc.PartialOf(pos[0]); out != "" {
			return partialRefused(pos[0], out)
		}
		if b := filepath.Base(pos[0]); strings.HasPrefix(b, ".ipcf-") && strings.HasSuffix(b, ".old") {
			// A file ipcf kept aside (a fit's earlier maps): its metadata
			// are kept aside too, and it was drawn as pCF curves, exit 0
			// (FITPLOT16's F3).
			return fmt.Errorf("%s is a file ipcf kept aside while it replaced it (a stopped fit's earlier maps): rename it, with the kept files of the same number beside it, to their names to draw it", pos[0])
		}
		if group := mapsArrayOf(pos[0]); group != "" {
			return fmt.Errorf("%s is an array of ipcf fit's maps %s: draw the maps (ipcf plot %s --param D, or --param chisq, status)", pos[0], group, group)
		}
		if err := checkSeal(ctx, pos[0]); err != nil {
			return err
		}
		m, ok, err := readMapsMetaErr(pos[0])
		if err != nil {
			return err
		}
		if ok {
			if isTIFF(pos[0]) {
				return fmt.Errorf("%s holds ipcf fit's maps as an ImageJ stack (open it in ImageJ or Fiji): ipcf plot draws maps written as MAPS.npy or MAPS.zarr (ipcf fit RESULT.npy -o MAPS.npy)", pos[0])
			}
			for _, n := range []string{"point", "bin", "pixel"} {
				if given[n] {
					return usageError{fmt.Sprintf("plot: --%s draws a pCF result; %s holds ipcf fit's maps (--param, --offset)", n, pos[0])}
				}
			}
			w, h := size(720, 560)
			return plotMaps(pos[0], m, *param, *offset, given["offset"], pic, w, h)
		}
		if maps, key := mapsCompanion(pos[0]); maps != "" {
			return fmt.Errorf("%s holds the %s of ipcf fit's maps %s, not a pCF result: draw the maps (ipcf plot %s --param D, or --param chisq, status)", pos[0], key, maps, maps)
		}
		if res := errorsCompanion(pos[0]); res != "" {
			return fmt.Errorf("%s holds the error bars of the result %s (standard deviations, not a pCF result): draw the result (ipcf plot %s); ipcf fit weights by them", pos[0], res, res)
		}
		if err := mapsWithoutMeta(pos[0]); err != nil {
			return err
		}
		if given["param"] || given["offset"] {
			return usageError{fmt.Sprintf("plot: --param and --offset draw ipcf fit's maps (MAPS.npy with MAPS.npy.json naming the model and parameters, or MAPS.zarr); %s is not one", pos[0])}
		}
		res, err := openNpyResult("plot", pos[0])
		if err != nil {
			return err
		}
		defer res.Close()
		if res.NDim() != 4 {
			return fmt.Errorf("%s: shape %v, want a pCF result (rows, columns, points, bins)", pos[0], res.Shape)
		}
		if res.Shape[0]*res.Shape[1]*res.Shape[2]*res.Shape[3] == 0 {
			return fmt.Errorf("%s: shape %v: an empty result, nothing to draw", pos[0], res.Shape)
		}
		ny, nx, np, nb := res.Shape[0], res.Shape[1], res.Shape[2], res.Shape[3]
		meta, err := readResultMeta(pos[0], [4]int{ny, nx, np, nb})
		if err != nil {
			return err
		}
		if meta.crc != "" {
			if err := checkRecorded(res, pos[0], npySidecar(pos[0]), meta.crc, meta.bytes); err != nil {
				return err
			}
			if testHookChecked != nil {
				testHookChecked(pos[0])
			}
		}
		if *pixel != "" {
			yx := strings.Split(*pixel, ",")
			if len(yx) != 2 {
				return usageError{"plot: --pixel wants Y,X"}
			}
			// (spaces around the numbers as every comma list takes:
			// --shape, --tile, --offsets; REVIEW16's F3)
			y, e1 := source.Whole(strings.TrimSpace(yx[0]), false)
			x, e2 := source.Whole(strings.TrimSpace(yx[1]), false)
			if e1 != nil || e2 != nil {
				return usageError{fmt.Sprintf("plot: --pixel %s: want two whole numbers Y,X", *pixel)}
			}
			if y < 0 || x < 0 || y >= ny || x >= nx {
				return fmt.Errorf("%w: plot: --pixel %s outside the %dx%d result", job.ErrOption, *pixel, ny, nx)
			}
			// The carpet, its raster and the polar sprite's: refused, never
			// the Go runtime's fatal "out of memory" (a result of many
			// points or delays).
			if err := pcf.CheckMemory("the plot of a pixel's curves", plotBytes(np, nb)); err != nil {
				return err
			}
			carpet := mat.NewDense(np, nb, nil)
			if err := source.Guard(pos[0], func() error { // mapped: never SIGBUS
				for i := 0; i < np; i++ {
					for j := 0; j < nb; j++ {
						carpet.Set(i, j, res.At(y, x, i, j))
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if meta.crc != "" {
				if err := recheckMapped(res, pos[0], meta.crc, meta.bytes); err != nil {
					return err
				}
			}
			w, h := size(1500, 480)
			return plotPixel(pic, w, h, meta, carpet, y, x)
		}
		b := *bin
		if !given["bin"] {
			b = nb / 2
		}
		if *point < 0 || *point >= np || b < 0 || b >= nb {
			return fmt.Errorf("%w: plot: point %d, bin %d outside %d points and %d bins", job.ErrOption, *point, b, np, nb)
		}
		if err := pcf.CheckMemory("the plot of the result's image", plotBytes(ny, nx)); err != nil {
			return err
		}
		img := mat.NewDense(ny, nx, nil)
		if err := source.Guard(pos[0], func() error {
			for y := 0; y < ny; y++ {
				for x := 0; x < nx; x++ {
					img.Set(y, x, res.At(y, x, *point, b))
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if meta.crc != "" {
			if err := recheckMapped(res, pos[0], meta.crc, meta.bytes); err != nil {
				return err
			}
		}
		w, h := size(720, 560)
		return plotImage(pic, w, h, meta, img, *point, b)
	}
	return usageError{"plot: give a RESULT.npy or --mean INPUT"}
}

// resultMeta is what a picture takes from a result's metadata (its
// sidecar RESULT.npy.json): offsets, delays, units, the first output
// pixel's place in the input frame. Without metadata (or a field of it):
// offset numbers, delay bins, output pixels.
type resultMeta struct {
	known         bool      // the sidecar was read
	pixelSize     float64   // micrometres, 0: unknown
	frameInterval float64   // seconds, 0: unknown
	delays        []float64 // frames, nil: unknown
	delaysS       []float64 // seconds, nil: unknown
	offsets       [][2]int  // (u, v), nil: unknown
	distUm        []float64 // distances in micrometres, nil: unknown
	margin        [2]int    // output pixel (0, 0) is input pixel margin + origin
	origin        [2]int
	delta         bool
	mode          string
	// crc and bytes: the result file's CRC-32C and size its sidecar
	// records ("": none).
	crc   string
	bytes *int64
}

// checkRecorded returns an error unless f, the .npy file opened at path,
// has the CRC-32C crc (8 hex digits) and size (if not nil) that the
// metadata side record for it: a picture of a result changed since, or of
// another result's metadata, would show wrong numbers (ipcf fit refuses
// them too).
func checkRecorded(f *npy.File, path, side, crc string, bytes *int64) error {
	ok, err := mappedMatches(f, path, crc, bytes)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: its checksum is not the one %s records (%s): the file changed since it was written, or the metadata are another file's; compute it again", path, side, crc)
	}
	return nil
}

// mappedMatches reports whether f, the .npy file opened at path, has the
// CRC-32C crc (8 hex digits) and size (if not nil) recorded for it. The
// bytes checked are those of f's mapping, which the caller then reads, not
// of whatever path names by now: a check that opened path again passed on
// a result replaced in between (a rerun of ipcf pcf with other options),
// and the old result's numbers were fitted or drawn under the new
// result's metadata. A file cut short under the mapping is an error.
func mappedMatches(f *npy.File, path, crc string, bytes *int64) (bool, error) {
	var got uint32
	if err := source.Guard(path, func() error { got = ooc.CRC(f.Bytes()); return nil }); err != nil {
		return false, err
	}
	return fmt.Sprintf("%08x", got) == crc && (bytes == nil || *bytes == int64(len(f.Bytes()))), nil
}

// ipcfMeta reports whether b is a JSON object with "software": "ipcf",
// the metadata of an ipcf output.
func ipcfMeta(b []byte) bool {
	var m struct {
		Software *string `json:"software"`
	}
	return json.Unmarshal(b, &m) == nil && m.Software != nil && *m.Software == ooc.Marker
}

// recheckMapped fails with source.ErrChanged where f's bytes no longer
// have the checksum crc that they had when checked, before they were
// copied: the file was rewritten in place while it was read, and the copy
// may hold bytes of either version (fit exited 0 with such maps).
func recheckMapped(f *npy.File, path, crc string, bytes *int64) error {
	if ok, err := mappedMatches(f, path, crc, bytes); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("%w: %s changed while it was read (its checksum is no longer the one its metadata records): run again once nothing writes it", source.ErrChanged, path)
	}
	return nil
}

// testHookChecked, if set, runs when a file's checksum has been checked
// and before its samples are copied (tests rewrite it there).
var testHookChecked func(path string)

// keptMapsHint says, for maps path that are not there, where the earlier
// maps are that a fit stopped while it replaced them kept beside them
// (keptName: MAPS.npy is renamed aside first): "no such file" hid them.
//
// A path that is not there at all is said so here, first (with --param it
// was called no maps, a usage error: FAULT8's F4).
func keptMapsHint(path string) error {
	_, err := os.Lstat(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	names := npy.GlobIn(ooc.Folder(path), ".ipcf-*.old")
	for _, n := range names {
		// (a MAPS.npy kept as a file, a MAPS.zarr as a folder)
		if st, err := os.Lstat(n); err == nil && (st.Mode().IsRegular() || st.IsDir()) && leftoverOf(filepath.Base(n), path, ".old") {
			// (read that file, it said: plot drew the kept maps as pCF
			// curves, exit 0: FITPLOT16's F3)
			return fmt.Errorf("%s is not there: an ipcf fit was stopped while it replaced those maps, and kept the earlier ones as %s (the next fit to %s removes it): run the fit again, or get the earlier maps back by renaming each .ipcf-NAME-%s.old beside it (the maps, their .json and companions) to NAME",
				path, n, path, keptDigits(filepath.Base(n), path))
		}
	}
	return fmt.Errorf("%s is not there: %w", path, err)
}

// partialRefused is the error for reading the partial output of out:
// unfinished, its bands not yet computed zeros (DISK17's F1).
func partialRefused(path, out string) error {
	return fmt.Errorf("%s is the unfinished output of an ipcf run writing %s (a stopped run's, or one running now; what is not computed yet reads as zeros): not read; run that job again to finish it, and read %s", path, out, out)
}

// waitLiveFit waits, up to publishWait, while a live ipcf run holds the
// lock of the maps at path and the maps are not there.
func waitLiveFit(ctx context.Context, path string) error {
	return waitLive(ctx, func() bool {
		if _, err := os.Lstat(path); err == nil {
			return true
		}
		_, found, live := job.LockHolder(path)
		return !found || !live
	})
}

// publishWait is how long plot waits for the metadata of a result that a
// live ipcf run is publishing (as Python's open_result does).
const publishWait = 5 * time.Second

// waitLive is plot's and fit's one wait for a live ipcf run: it polls done
// every 20 ms, up to publishWait, and ends at once with ctx's error on a
// signal (Ctrl+C went unheeded for the 5 s: CLI16's m22).
func waitLive(ctx context.Context, done func() bool) error {
	for deadline := time.Now().Add(publishWait); !done(); {
		if !time.Now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cancelled while waiting for a live ipcf run: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// checkSeal refuses a result or maps whose metadata (PATH.json, a Zarr's
// .zattrs) changed since ipcf wrote them (ooc.CheckSeal): their units and
// delays label the picture. Without metadata it passes (the readers say
// what is missing).
func checkSeal(ctx context.Context, path string) error {
	side := npySidecar(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		side = filepath.Join(path, ".zattrs")
	}
	b, err := npy.ReadRegular(side, maxJSON)
	if errors.Is(err, fs.ErrNotExist) {
		// A user's array without metadata: drawn as it is. Not the output
		// of an ipcf run that publishes it now (its earlier metadata are
		// removed before the renames) or was stopped while it did (its
		// lock left): drawn unlabelled and unchecked, with exit 0 (a
		// campaign's finding). The sidecar of a live run is waited for.
		// Error bars (OUT.sd.npy) by their result's lock too, as every
		// binding asks it: drawn as curves, unlabelled, beside a stopped
		// run's (REVIEW4's F4); with the result's metadata there they are
		// recognised as error bars by them.
		if _, err := os.Lstat(path); err != nil {
			return nil // (missing: named so by the read, not as a run's output without metadata)
		}
		owners := []string{path}
		if base, ok := strings.CutSuffix(path, ".sd.npy"); ok {
			if errorsCompanion(path) != "" {
				// Error bars their result's metadata record: told apart
				// by those, whatever lock their own name has (it waited
				// 5 s for OUT.sd.npy.json, which no run writes).
				return nil
			}
			owners = append(owners, base+".npy")
		}
		for _, q := range owners {
			qside := npySidecar(q)
			if q != path {
				if _, err := os.Lstat(qside); err == nil {
					continue
				}
			}
			holder, found, live := job.LockHolder(q)
			if found && live {
				if err := waitLive(ctx, func() bool {
					if _, err := os.Lstat(qside); err == nil {
						return true
					}
					holder, found, live = job.LockHolder(q)
					return !found || !live
				}); err != nil {
					return err
				}
			}
			if _, err := os.Lstat(qside); err == nil {
				return checkSeal(ctx, path)
			}
			// (error bars' metadata are their result's: named so whichever
			// lock is found; OUT.sd.npy.json was named, REVIEW6's F6)
			meta := npySidecar(owners[len(owners)-1])
			switch {
			case found && live:
				return fmt.Errorf("%s is being written by an ipcf run (%s), and its metadata %s are not there yet: run this command again when that run has ended", path, holder, meta)
			case found:
				return fmt.Errorf("%s has no metadata (%s), and the ipcf run that wrote it (%s) was stopped before it finished: run that job again to finish it", path, meta, holder)
			}
		}
		return nil
	} else if err != nil {
		// There but unreadable (permissions): drawn without it, a result
		// would not be checked against its recorded checksum.
		return fmt.Errorf("%s: %w: the metadata of %s cannot be read (its delays, units and checksum); make them readable", side, err, path)
	}
	if err := ooc.CheckMeta(side, b); err != nil {
		return err
	}
	if !json.Valid(b) {
		// Not drawn without it: its delays, units and the result's checksum.
		return fmt.Errorf("%s: not valid JSON (damaged?): not used; remove the result with its metadata and compute it again", side)
	}
	if !ipcfMeta(b) {
		// (null, [], {}: drawn as a user's array, the result's checksum
		// went unchecked, as fit and pcf refuse them.)
		return fmt.Errorf("%s: not ipcf's metadata (no JSON object with \"software\": %q): not used, and %s is not drawn without them (a result whose metadata were replaced would go unchecked); remove or rename %s to draw it as an array without metadata", side, ooc.Marker, path, filepath.Base(side))
	}
	return nil
}

// readResultMeta reads the metadata of the result path (shape: its
// shape), known when they are there and ipcf's. Metadata that are there
// but cannot be read are an error, not absent ones (an I/O error drew an
// unlabelled figure, and fit's maps lost their origin, with exit 0:
// FAULT8's F7).
func readResultMeta(path string, shape [4]int) (resultMeta, error) {
	var rm resultMeta
	b, err := npy.ReadRegular(npySidecar(path), maxJSON)
	if errors.Is(err, os.ErrNotExist) {
		return rm, nil
	}
	if err != nil {
		return rm, fmt.Errorf("%s: %w: the metadata of %s cannot be read (its delays, units and checksum)", npySidecar(path), err, path)
	}
	var m struct {
		Units struct {
			FrameInterval *float64 `json:"frame_interval_s"`
			PixelSize     *float64 `json:"pixel_size_um"`
		} `json:"units"`
		DelayFrames []float64 `json:"delay_frames"`
		DelayS      []float64 `json:"delay_s"`
		Bins        []float64 `json:"bins"`
		Offsets     []struct {
			U          int      `json:"u"`
			V          int      `json:"v"`
			DistanceUm *float64 `json:"distance_um"`
		} `json:"offsets"`
		OffsetsUV  [][2]int `json:"offsets_uv"`
		Mode       string   `json:"mode"`
		Radius     *int     `json:"radius"`
		CropOrigin []int    `json:"crop_origin"`
		Delta      bool     `json:"delta"`
		CRC        string   `json:"output_crc32c"`
		Bytes      *int64   `json:"output_bytes"`
	}
	if json.Unmarshal(b, &m) != nil {
		return rm, nil
	}
	rm.known = true
	rm.crc, rm.bytes = m.CRC, m.Bytes
	finite := func(p *float64) float64 {
		if p != nil && *p > 0 && !math.IsInf(*p, 0) {
			return *p
		}
		return 0
	}
	rm.pixelSize, rm.frameInterval = finite(m.Units.PixelSize), finite(m.Units.FrameInterval)
	switch {
	case len(m.DelayFrames) == shape[3]:
		rm.delays = m.DelayFrames
	case len(m.Bins) == shape[3]: // older metadata: the bins' upper edges
		rm.delays = make([]float64, shape[3])
		for j, b := range m.Bins {
			lo := 0.0
			if j > 0 {
				lo = m.Bins[j-1]
			}
			rm.delays[j] = (lo + b - 1) / 2
		}
	}
	switch {
	case len(m.DelayS) == shape[3]:
		rm.delaysS = m.DelayS
	case rm.delays != nil && rm.frameInterval > 0:
		rm.delaysS = make([]float64, len(rm.delays))
		for j, d := range rm.delays {
			rm.delaysS[j] = d * rm.frameInterval
		}
	}
	switch {
	case len(m.Offsets) == shape[2]:
		for _, o := range m.Offsets {
			rm.offsets = append(rm.offsets, [2]int{o.U, o.V})
		}
	case len(m.OffsetsUV) == shape[2]:
		rm.offsets = m.OffsetsUV
	}
	for _, o := range rm.offsets {
		rm.margin[0] = max(rm.margin[0], o[1], -o[1])
		rm.margin[1] = max(rm.margin[1], o[0], -o[0])
		if rm.pixelSize > 0 {
			rm.distUm = append(rm.distUm, math.Hypot(float64(o[0]), float64(o[1]))*rm.pixelSize)
		}
	}
	if (m.Mode == "circle" || m.Mode == "") && m.Radius != nil && *m.Radius > 0 {
		rm.margin = [2]int{*m.Radius, *m.Radius}
	}
	if len(m.CropOrigin) == 2 {
		rm.origin = [2]int{max(0, m.CropOrigin[0]), max(0, m.CropOrigin[1])}
	}
	rm.delta, rm.mode = m.Delta, m.Mode
	return rm, nil
}

// npySidecar is the metadata file of a .npy result.
func npySidecar(path string) string { return path + ".json" }

// gLabel names the values: G(τ), or the delta-CCF's difference.
func (rm resultMeta) gLabel() string {
	if rm.delta {
		return "ΔG(τ)"
	}
	return "G(τ)"
}

// offsetText describes offset k: "(u, v) = (2, -1), 0.36 µm".
func (rm resultMeta) offsetText(k int) string {
	if rm.offsets == nil {
		return fmt.Sprintf("offset %d", k)
	}
	o := rm.offsets[k]
	s := fmt.Sprintf("(u, v) = (%d, %d)", o[0], o[1])
	if rm.distUm != nil {
		s += ", " + formatLength(rm.distUm[k])
	} else {
		s += fmt.Sprintf(", %.3g px", math.Hypot(float64(o[0]), float64(o[1])))
	}
	return s
}

// delayText describes delay point j: "τ = 12.5 ms", "τ = 9.5 frames", or
// the bin without metadata.
func (rm resultMeta) delayText(j int) string {
	switch {
	case rm.delaysS != nil:
		return "τ = " + formatSeconds(rm.delaysS[j])
	case rm.delays != nil:
		return fmt.Sprintf("τ = %g frames", rm.delays[j])
	}
	return fmt.Sprintf("delay bin %d", j)
}

// formatSeconds writes a duration in s, ms or µs with 3 significant digits.
func formatSeconds(s float64) string {
	a := math.Abs(s)
	switch {
	case s == 0:
		return "0 s"
	case a < 1e-3:
		return strconv.FormatFloat(s*1e6, 'g', 3, 64) + " µs"
	case a < 1:
		return strconv.FormatFloat(s*1e3, 'g', 3, 64) + " ms"
	}
	return strconv.FormatFloat(s, 'g', 3, 64) + " s"
}

// formatLength writes a length given in micrometres, in µm or nm.
func formatLength(um float64) string {
	if math.Abs(um) < 0.1 && um != 0 {
		return strconv.FormatFloat(um*1e3, 'g', 3, 64) + " nm"
	}
	return strconv.FormatFloat(um, 'g', 3, 64) + " µm"
}

// spatial returns the extent of an image's axes for a picture: in
// micrometres in the input frame with a pixel size, else output pixels,
// and the axis labels.
func (rm resultMeta) spatial(rows, cols int) (ext extent, xl, yl string) {
	if rm.pixelSize > 0 {
		s := rm.pixelSize
		y0 := float64(rm.margin[0]+rm.origin[0]) * s
		x0 := float64(rm.margin[1]+rm.origin[1]) * s
		return extent{x0 - s/2, x0 + (float64(cols)-0.5)*s, y0 - s/2, y0 + (float64(rows)-0.5)*s}, "x (µm)", "y (µm)"
	}
	return extent{-0.5, float64(cols) - 0.5, -0.5, float64(rows) - 0.5}, "column (output pixel)", "row (output pixel)"
}

// plotImage draws the pCF image at offset k and delay point j.
func plotImage(out picture, w, h vg.Length, rm resultMeta, img *mat.Dense, k, j int) error {
	rows, cols := img.Dims()
	ext, xl, yl := rm.spatial(rows, cols)
	lo, hi := symmetricRange(img)
	cm := diverging(lo, hi)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s at offset %d: %s\n%s (delay point %d of %d)", rm.gLabel(), k, rm.offsetText(k), rm.delayText(j), j, len(rm.delays))
	if rm.delays == nil {
		p.Title.Text = fmt.Sprintf("%s at offset %d, delay bin %d", rm.gLabel(), k, j)
	}
	p.X.Label.Text, p.Y.Label.Text = xl, yl
	addRaster(p, img, ext, cm)
	return savePanels(out, w, h, panel{p: p, aspect: ext.aspect(), bar: colourBar(cm, rm.gLabel())})
}

// plotPixel draws, at one output pixel, the carpet (offsets x delays), the
// polar sprite (the direction of each offset, the delay outwards) and the
// curves of four offsets against the delay on a log scale.
func plotPixel(out picture, w, h vg.Length, rm resultMeta, carpet *mat.Dense, y, x int) error {
	np, nb := carpet.Dims()
	lo, hi := symmetricRange(carpet)
	cm := diverging(lo, hi)
	where := fmt.Sprintf("pixel (row, column) = (%d, %d)", y, x)
	if rm.pixelSize > 0 {
		where += fmt.Sprintf(", at (y, x) = (%.3g, %.3g) µm", float64(y+rm.margin[0]+rm.origin[0])*rm.pixelSize,
			float64(x+rm.margin[1]+rm.origin[1])*rm.pixelSize)
	}
	p1 := plot.New()
	p1.Title.Text = "carpet at " + where + "\n" + rm.gLabel() + " of each offset (row) and delay (column)"
	p1.X.Label.Text = "delay τ"
	if rm.delaysS == nil {
		p1.X.Label.Text = "delay τ (frames)"
		if rm.delays == nil {
			p1.X.Label.Text = "delay bin"
		}
	}
	p1.Y.Label.Text = "offset"
	p1.X.Tick.Marker = delayTicks{rm, nb}
	addRaster(p1, carpet, extent{-0.5, float64(nb) - 0.5, -0.5, float64(np) - 0.5}, cm)
	p1.Y.Tick.Marker = offsetTicks{rm, np}

	p2 := plot.New()
	p2.Title.Text = "polar sprite: direction of (u, v),\nradius: delay point (outwards)"
	n := 192
	addRaster(p2, polarImage(carpet, rm.offsets, n), extent{-1, 1, -1, 1}, cm)
	p2.HideAxes()

	p3 := plot.New()
	p3.Title.Text = rm.gLabel() + " at " + fmt.Sprintf("(%d, %d)", y, x) + " against the delay"
	p3.Y.Label.Text = rm.gLabel()
	xs := make([]float64, nb)
	for j := range xs {
		switch {
		case rm.delaysS != nil:
			xs[j] = rm.delaysS[j]
		case rm.delays != nil:
			xs[j] = rm.delays[j]
		default:
			xs[j] = float64(j)
		}
	}
	// A log scale needs two positive delays to span (a result of 4 frames
	// has delays 0 and 1 only).
	logX := false
	for _, v := range xs {
		logX = logX || (v > 0 && v != xs[len(xs)-1])
	}
	logX = logX && xs[len(xs)-1] > 0
	if logX {
		p3.X.Scale = plot.LogScale{}
		p3.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p3.X.Label.Text = strings.Replace(p1.X.Label.Text, "delay τ", "delay τ, log scale", 1)
	if rm.delaysS != nil {
		p3.X.Label.Text = "delay τ (s), log scale"
	}
	p3.Add(plotter.NewGrid())
	if l := finiteLine(nb, func(j int) (float64, float64) { return xs[j], 0 }, logX); l != nil {
		l.Color = color.Gray{Y: 120}
		l.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p3.Add(l) // G = 0
	}
	pts := []int{0, np / 4, np / 2, 3 * np / 4}
	colours := []color.Color{color.RGBA{31, 119, 180, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{44, 160, 44, 255}, color.RGBA{148, 103, 189, 255}}
	entries := 0
	for c, i := range pts {
		if c > 0 && i == pts[c-1] {
			continue // fewer than 4 offsets (an ACF, a few offsets): each once
		}
		l := finiteLine(nb, func(j int) (float64, float64) { return xs[j], carpet.At(i, j) }, logX)
		if l == nil {
			continue // every value NaN (a masked pixel) or infinite
		}
		l.Color = colours[c]
		l.Width = vg.Points(1.5)
		p3.Add(l)
		p3.Legend.Add(rm.offsetText(i), l)
		entries++
	}
	p3.Legend.Top = true
	// Room above the curves for the legend.
	if p3.Y.Max > p3.Y.Min {
		p3.Y.Max += 0.08 * float64(entries) * (p3.Y.Max - p3.Y.Min)
	}
	return savePanels(out, w, h, panel{p: p1, weight: 1.1}, panel{p: p2, weight: 0.8, aspect: 1, bar: colourBar(cm, rm.gLabel())},
		panel{p: p3, weight: 1.1})
}

// plotMean draws an input's mean image and its mean time series.
// testHookMeanRead, if set, runs when plot --mean has read its input.
var testHookMeanRead func(path string)

func plotMean(ctx context.Context, input job.Input, out picture, size func(int, int) (vg.Length, vg.Length)) error {
	// Every input the pcf command reads, with its options.
	src, err := job.OpenSource(input)
	if err != nil {
		return err
	}
	defer src.Close()
	if T, H, W := src.Shape(); T < 1 || H < 1 || W < 1 {
		return fmt.Errorf("%s: %d frames of %d x %d pixels: nothing to draw", src.Name(), T, H, W)
	}
	// An input rewritten while it is read gives a picture of neither
	// version: its size or time changed, or its status (a rewrite that set
	// them back), fails the plot.
	snap, err := source.Snap(src)
	if err != nil {
		return err
	}
	var img *mat.Dense
	var series []float64
	var partial bool
	err = source.Guard(src.Name(), func() (err error) {
		img, series, partial, err = means(ctx, src)
		return err
	})
	if err != nil {
		return err
	}
	if testHookMeanRead != nil {
		testHookMeanRead(src.Name())
	}
	if err := snap.Check(); err != nil {
		return err
	}
	if snap.Touched() && !snap.Inexact() && !snap.Racy() { // (where statuses can tell)
		return fmt.Errorf("%w: %s changed while ipcf plot read it (its status changed: rewritten, or its mode or links changed): draw it again", source.ErrChanged, src.Name())
	}
	// the units of a stack ipcf bleach wrote are in its record, as a pCF of it
	// reads them (they were drawn in pixels and frames: the tools campaign's F4)
	u := job.InputUnits(src, input.Path)
	// a selection (--crop, --frames) is drawn where it lies in the input, as
	// a pCF of it is (it was drawn from 0 um and 0 s: the tools campaign's F7)
	t0, y0, x0, _ := source.Origin(src)
	rm := resultMeta{pixelSize: u.PixelSize, frameInterval: u.FrameInterval, origin: [2]int{y0, x0}}
	if !(rm.pixelSize > 0) || math.IsInf(rm.pixelSize, 0) {
		rm.pixelSize = 0
	}
	if !(rm.frameInterval > 0) || math.IsInf(rm.frameInterval, 0) {
		rm.frameInterval = 0
	}
	rows, cols := img.Dims()
	ext, xl, yl := rm.spatial(rows, cols)
	if rm.pixelSize == 0 {
		xl, yl = "column (pixel)", "row (pixel)"
	}
	lo, hi := finiteRange(img)
	// viridis, as the fit maps: Kindlmann ends at white, the figure's
	// background, so the brightest pixels looked like no data (TOOLS14's F1).
	cm := &listMap{cols: viridisColours, lo: lo, hi: hi}
	w, h := size(1100, 480)
	p1 := plot.New()
	p1.Title.Text = "mean image"
	if partial {
		p1.Title.Text = "mean image (of the finite samples)"
	}
	p1.X.Label.Text, p1.Y.Label.Text = xl, yl
	addRaster(p1, img, ext, cm)
	p2 := plot.New()
	p2.Title.Text = "mean time series"
	p2.X.Label.Text = "frame"
	dt, first := 1.0, 0 // (in frames: of the selection, as pixels are; in seconds: in the input)
	if rm.frameInterval > 0 {
		p2.X.Label.Text, dt, first = "time (s)", rm.frameInterval, t0
	}
	p2.Y.Label.Text = "mean intensity"
	if partial {
		p2.Y.Label.Text = "mean intensity (of the finite samples)"
	}
	idx := envelope(series, int(float64(w/vg.Inch)*plotDPI)/3) // about the panel's width in pixels
	if l := finiteLine(len(idx), func(i int) (float64, float64) { return float64(first+idx[i]) * dt, series[idx[i]] }, false); l != nil {
		p2.Add(l)
	}
	return savePanels(out, w, h, panel{p: p1, aspect: ext.aspect(), bar: colourBar(cm, "intensity")}, panel{p: p2})
}

// envelope returns the indices of the points of v to draw as a line
// cols pixels wide: all of them when there are at most 2 cols, else the
// smallest and the largest finite value of each column's share, in their
// order (the picture is the same; drawing 35,000 points took seconds).
func envelope(v []float64, cols int) []int {
	idx := make([]int, 0, min(len(v), 2*max(cols, 1)))
	if cols < 1 || len(v) <= 2*cols {
		for i := range v {
			idx = append(idx, i)
		}
		return idx
	}
	for c := 0; c < cols; c++ {
		lo, hi := -1, -1
		for i := c * len(v) / cols; i < (c+1)*len(v)/cols; i++ {
			if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
				continue
			}
			if lo < 0 || v[i] < v[lo] {
				lo = i
			}
			if hi < 0 || v[i] > v[hi] {
				hi = i
			}
		}
		switch {
		case lo < 0:
		case lo == hi:
			idx = append(idx, lo)
		case lo < hi:
			idx = append(idx, lo, hi)
		default:
			idx = append(idx, hi, lo)
		}
	}
	return idx
}

// plotBytes is the memory a plot of an r x c grid of values takes: the
// float64 values and their raster (RGBA) with room for the drawing's
// copies; an overflowed size is negative (refused).
func plotBytes(r, c int) int64 {
	n := int64(r) * int64(c)
	if r < 0 || c < 0 || (r > 0 && n/int64(r) != int64(c)) || n > (1<<63-1)/32 {
		return -1
	}
	return 32 * n
}

// means returns the mean image and the mean of each frame over their
// finite samples (a dead pixel, NaN or Inf throughout, is grey in the
// image and left out of the trace, which one such pixel emptied: a
// campaign's finding; a frame of NaN, once greying the whole image, is
// left out of every pixel's mean), and whether any sample was left out;
// a cancelled ctx (Ctrl+C) stops it.
func means(ctx context.Context, src source.Source) (*mat.Dense, []float64, bool, error) {
	T, H, W := src.Shape()
	// Refused, never the Go runtime's fatal "out of memory" (a long trace,
	// a huge frame).
	if err := pcf.CheckMemory("the plot of the mean image and trace", plotBytes(H, W)+plotBytes(1, T)); err != nil {
		return nil, nil, false, err
	}
	img := mat.NewDense(H, W, nil)
	finite := make([]int32, H*W) // each pixel's finite samples
	series := make([]float64, T)
	partial := false
	for t := 0; t < T; t++ {
		// looked at every frame, and every 64 rows of one: every 64
		// frames, frames of 4096 x 4096 took 17 to 19 s to stop (a campaign)
		if ctx.Err() != nil {
			return nil, nil, false, fmt.Errorf("plot: cancelled: %w", ctx.Err())
		}
		fr, err := src.Frame(t)
		if err != nil {
			return nil, nil, false, err
		}
		var s float64
		n := 0 // the finite samples
		for y := 0; y < H; y++ {
			if y&63 == 63 && ctx.Err() != nil {
				return nil, nil, false, fmt.Errorf("plot: cancelled: %w", ctx.Err())
			}
			for x := 0; x < W; x++ {
				v := fr.Load(fr.Offset + y*fr.Strides[0] + x*fr.Strides[1])
				if v-v == 0 {
					s += v
					n++
					// each divided by T first: a sum of samples near the
					// float64 maximum overflows
					img.Set(y, x, img.At(y, x)+v/float64(T))
					finite[y*W+x]++
				}
			}
		}
		partial = partial || n < H*W
		series[t] = s / float64(n) // (NaN where none is finite)
		if math.IsInf(s, 0) {
			// finite samples whose sum overflows (float64 data near
			// 1.8e308): the mean of the frame's samples each divided first
			series[t] = frameMeanScaled(fr, H, W, n)
		}
	}
	for i, n := range finite {
		switch y, x := i/W, i%W; {
		case n == 0:
			img.Set(y, x, math.NaN()) // grey
		case int(n) < T:
			img.Set(y, x, img.At(y, x)*(float64(T)/float64(n)))
		}
	}
	return img, series, partial, nil
}

// frameMeanScaled is the mean of a frame's n finite samples as the sum of
// each divided by their number, which stays finite (a sum of samples near
// the float64 maximum overflows).
func frameMeanScaled(fr array.View, H, W, n int) float64 {
	var s float64
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if v := fr.Load(fr.Offset + y*fr.Strides[0] + x*fr.Strides[1]); v-v == 0 {
				s += v / float64(n)
			}
		}
	}
	return s
}

// polarImage rasterizes a carpet (offsets x delays) as a disc: the angle is
// the direction of the offset (u right, v down, as image rows grow), the
// distance from the centre the delay point. Each direction shows the
// offset nearest to it in angle (the circle's point i is at angle
// 2 pi i / n); without offsets, offset i is at that angle. Outside the
// disc: +Inf (drawn blank; the carpet's non-finite values must be NaN).
func polarImage(c *mat.Dense, offsets [][2]int, n int) *mat.Dense {
	np, nb := c.Dims()
	angles := make([]float64, np)
	for i := range angles {
		angles[i] = 2 * math.Pi * float64(i) / float64(np)
		if offsets != nil && (offsets[i][0] != 0 || offsets[i][1] != 0) {
			angles[i] = math.Atan2(float64(offsets[i][1]), float64(offsets[i][0]))
		}
	}
	img := mat.NewDense(n, n, nil)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := (float64(x)+0.5)/float64(n)*2-1, (float64(y)+0.5)/float64(n)*2-1
			r := math.Hypot(dx, dy)
			if r >= 1 {
				img.Set(y, x, math.Inf(1)) // outside: blank
				continue
			}
			a := math.Atan2(dy, dx)
			best, bd := 0, math.Inf(1)
			for i, b := range angles {
				d := math.Abs(math.Remainder(a-b, 2*math.Pi))
				if d < bd-1e-12 {
					best, bd = i, d
				}
			}
			img.Set(y, x, c.At(best, min(nb-1, int(r*float64(nb)))))
		}
	}
	return img
}

// extent is the data rectangle an image covers: columns from x0 to x1,
// rows from y0 (row 0's top edge) down to y1.
type extent struct{ x0, x1, y0, y1 float64 }

// aspect is the width over the height of the extent.
func (e extent) aspect() float64 { return (e.x1 - e.x0) / (e.y1 - e.y0) }

// raster draws a matrix as an image, row 0 at the top, each cell a solid
// rectangle of its colour (NaN grey): rendered at the picture's
// resolution, nearest cell per pixel, so no seams or grid lines appear
// between cells. The plot's y axis is negated (rows grow downwards); its
// tick labels drop the sign (absTicks).
type raster struct {
	m   *mat.Dense
	ext extent
	pal []color.Color // the colour map's colours from Min to Max
	lo  float64
	hi  float64
}

var nanColour = color.Gray{Y: 200}

func addRaster(p *plot.Plot, m *mat.Dense, ext extent, cm palette.ColorMap) {
	r := &raster{m: m, ext: ext, pal: cm.Palette(256).Colors(), lo: cm.Min(), hi: cm.Max()}
	p.Add(r)
	p.Y.Tick.Marker = absTicks{}
	p.X.Padding, p.Y.Padding = 0, 0
}

func (r *raster) colour(v float64) color.Color {
	if math.IsInf(v, 1) {
		return color.Transparent
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || !(r.hi > r.lo) {
		return nanColour
	}
	f := (v - r.lo) / (r.hi - r.lo)
	i := int(math.Round(f * float64(len(r.pal)-1)))
	return r.pal[min(len(r.pal)-1, max(0, i))]
}

func (r *raster) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(r.ext.x0), trX(r.ext.x1)
	ytop, ybot := trY(-r.ext.y0), trY(-r.ext.y1)
	dpi := float64(plotDPI)
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok {
		dpi = d.DPI()
	}
	wpx := max(1, int(math.Round((x1 - x0).Dots(dpi))))
	hpx := max(1, int(math.Round((ytop - ybot).Dots(dpi))))
	rows, cols := r.m.Dims()
	img := image.NewNRGBA(image.Rect(0, 0, wpx, hpx))
	colOf := make([]int, wpx)
	for px := range colOf {
		colOf[px] = min(cols-1, int((float64(px)+0.5)/float64(wpx)*float64(cols)))
	}
	for py := 0; py < hpx; py++ {
		row := min(rows-1, int((float64(py)+0.5)/float64(hpx)*float64(rows)))
		for px := 0; px < wpx; px++ {
			img.Set(px, py, r.colour(r.m.At(row, colOf[px])))
		}
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: ybot}, Max: vg.Point{X: x1, Y: ytop}}, img)
}

func (r *raster) DataRange() (xmin, xmax, ymin, ymax float64) {
	return r.ext.x0, r.ext.x1, -r.ext.y1, -r.ext.y0
}

// absTicks labels the negated row axis (rows run down) with the rows:
// the value -y is labelled y (the top edge, 0.5, is row -0.5).
type absTicks struct{}

func (absTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(0-ticks[i].Value, 'g', 4, 64) // (0 - v: never "-0")
		}
	}
	return ticks
}

// delayTicks labels a carpet's delay points (cells 0..n-1) with their
// delays.
type delayTicks struct {
	rm resultMeta
	n  int
}

func (d delayTicks) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	step := max(1, (d.n+5)/6)
	for j := 0; j < d.n; j += step {
		label := strconv.Itoa(j)
		switch {
		case d.rm.delaysS != nil:
			label = formatSeconds(d.rm.delaysS[j])
		case d.rm.delays != nil:
			label = strconv.FormatFloat(d.rm.delays[j], 'g', 3, 64)
		}
		ticks = append(ticks, plot.Tick{Value: float64(j), Label: label})
	}
	return ticks
}

// offsetTicks labels a carpet's offsets (rows, negated) with (u, v).
type offsetTicks struct {
	rm resultMeta
	n  int
}

func (o offsetTicks) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	step := max(1, (o.n+7)/8)
	for k := 0; k < o.n; k += step {
		label := strconv.Itoa(k)
		if o.rm.offsets != nil {
			label = fmt.Sprintf("(%d,%d)", o.rm.offsets[k][0], o.rm.offsets[k][1])
		}
		ticks = append(ticks, plot.Tick{Value: -float64(k), Label: label})
	}
	return ticks
}

// symmetricRange is [-a, a] with a the largest magnitude of m's finite
// values: signed pCF values on a diverging scale whose middle colour is 0.
// Non-finite values become NaN (drawn grey).
func symmetricRange(m *mat.Dense) (float64, float64) {
	a := 0.0
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				m.Set(i, j, math.NaN())
				continue
			}
			a = math.Max(a, math.Abs(v))
		}
	}
	if !(a > 0) || a > math.MaxFloat64/4 {
		a = 1
	}
	return -a, a
}

// finiteRange is the range of m's finite values (widened when they are
// all equal; [0, 1] without any).
func finiteRange(m *mat.Dense) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case math.IsInf(lo, 1):
		return 0, 1
	case !(hi > lo):
		// One value: a scale of 1 % about it (of 1 about 0). It spanned
		// the value +- 1: a D of 0.18 drawn on a scale down to -0.82,
		// its colour bar a line.
		d := math.Abs(lo) / 100
		if d == 0 {
			d = 1
		}
		return math.Max(lo-d, -math.MaxFloat64), math.Min(hi+d, math.MaxFloat64)
	case math.IsInf(hi-lo, 0):
		return -math.MaxFloat64 / 4, math.MaxFloat64 / 4
	}
	return lo, hi
}

// diverging is the blue-white-red colour map over [lo, hi].
func diverging(lo, hi float64) palette.ColorMap {
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	return cm
}

// colourBar is a vertical colour bar of cm with its label.
func colourBar(cm palette.ColorMap, label string) *plot.Plot {
	p := plot.New()
	p.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	p.HideX()
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Label.Text = label
	return p
}

// finiteLine is the line through the finite points f(0..n-1) (gonum/plot
// refuses NaN and Inf; a log x axis refuses x <= 0), or nil if there are
// none.
func finiteLine(n int, f func(int) (float64, float64), logX bool) *plotter.Line {
	var xy plotter.XYs
	for i := 0; i < n; i++ {
		x, y := f(i)
		if math.IsNaN(y) || math.IsInf(y, 0) || (logX && !(x > 0)) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	if len(xy) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil
	}
	return l
}

// panel is one plot of a picture, side by side with the others: its share
// of the width, the aspect of its data area (0: free) and a colour bar
// drawn at its right, as tall as its data area.
type panel struct {
	p      *plot.Plot
	weight float64
	aspect float64
	bar    *plot.Plot
	barW   vg.Length // the colour bar's room (0: barWidth)
}

// barWidth is the room of a colour bar with its ticks and label, at
// least (barRoom).
const barWidth = 70 * vg.Millimeter / 4

// barRoom is the room the colour bar bar needs beside a plot in c: a gap,
// its tick labels and label as gonum/plot lays them out, and a strip of
// 4 mm. A fixed room left a strip of 2 pixels at the picture's edge
// beside labels such as "-0.1" (the DOCS campaign's F9).
func barRoom(bar *plot.Plot, c draw.Canvas) vg.Length {
	trial := c
	trial.Min.X, trial.Max.X = c.Min.X, c.Min.X+vg.Millimeter*60
	d := bar.DataCanvas(trial)
	labels := (trial.Max.X - trial.Min.X) - (d.Max.X - d.Min.X)
	return vg.Millimeter*2 + labels + vg.Millimeter*4
}

// savePanels draws the panels side by side into a PNG, atomically.
func savePanels(pic picture, w, h vg.Length, panels ...panel) error {
	// The canvas is RGBA twice (vgimg's image and gg's copy of it) and the
	// PNG: unchecked, 16384 x 16384 under a limit of address space ended
	// the CLI with Go's fatal "out of memory" (the tools campaign's F5).
	wp, hp := int64(math.Ceil(float64(w/vg.Inch)*plotDPI)), int64(math.Ceil(float64(h/vg.Inch)*plotDPI))
	if err := pcf.CheckMemory(fmt.Sprintf("a picture of %d x %d pixels", wp, hp), 3*4*wp*hp); err != nil {
		return err
	}
	// gonum/plot draws and encodes without a look at ctx: a picture of
	// 16,000 x 16,000 pixels took 2 to 20 s to answer Ctrl+C. Drawn on
	// another goroutine, it is left behind on a signal: the command ends
	// at once, and nothing was written.
	type drawn struct {
		png   []byte
		err   error
		panic any
	}
	done := make(chan drawn, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- drawn{panic: r}
			}
		}()
		b, err := drawPanels(pic, w, h, panels)
		done <- drawn{png: b, err: err}
	}()
	var d drawn
	select {
	case d = <-done:
	case <-pic.ctx.Done():
		return pic.cancelled()
	}
	if d.panic != nil {
		panic(d.panic) // the command's internal error, as on its own goroutine
	}
	if d.err != nil {
		return d.err
	}
	meta := map[string]any{"format": "png", "arguments": pic.args}
	for k, v := range pic.meta {
		meta[k] = v
	}
	return writeOwnedBytes("plot", pic.path, d.png, meta)
}

// cancelled is the error of a picture whose command was cancelled.
func (pic picture) cancelled() error {
	return fmt.Errorf("plot: cancelled before %s was written: %w", pic.path, pic.ctx.Err())
}

// drawHook, if set (tests), is called as the drawing starts.
var drawHook func()

// drawPanels draws the panels side by side and returns the PNG.
func drawPanels(pic picture, w, h vg.Length, panels []panel) ([]byte, error) {
	if drawHook != nil {
		drawHook()
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))
	dc := draw.New(img)
	// White background: gonum/plot leaves the canvas transparent otherwise.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	pad := vg.Millimeter * 3
	inner := draw.Crop(dc, pad, -pad, pad, -pad)
	total := 0.0
	for i := range panels {
		if panels[i].weight <= 0 {
			panels[i].weight = 1
		}
		total += panels[i].weight
	}
	avail := inner.Max.X - inner.Min.X - vg.Length(len(panels)-1)*pad*2
	x := inner.Min.X
	for _, pn := range panels {
		pw := avail * vg.Length(pn.weight/total)
		c := inner
		c.Min.X, c.Max.X = x, x+pw
		x += pw + pad*2
		if pic.ctx.Err() != nil {
			return nil, pic.cancelled()
		}
		if !drawPanel(c, pn) {
			// an option value that does not fit the picture's content: a
			// bad option (exit 2), as one outside the result is
			return nil, fmt.Errorf("%w: plot: a picture of %.0f x %.0f pixels leaves no room for the data beside the labels: give a larger --width or --height",
				job.ErrOption, float64(w/vg.Inch)*plotDPI, float64(h/vg.Inch)*plotDPI)
		}
	}
	if pic.ctx.Err() != nil {
		return nil, pic.cancelled()
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return b.Bytes(), nil
}

// drawPanel draws a panel in c: its plot, narrowed or shortened to its
// aspect, and its colour bar aligned with the plot's data area. It draws
// nothing and returns false when c leaves no room for the data beside
// the titles, labels and ticks (gonum/plot panics on such a canvas).
func drawPanel(c draw.Canvas, pn panel) bool {
	widenFlat(&pn.p.X)
	widenFlat(&pn.p.Y)
	if !hasRoom(pn.p.DataCanvas(c)) {
		return false
	}
	pc := c
	bw := barWidth
	if pn.barW > 0 {
		bw = pn.barW
	}
	if pn.bar != nil {
		// The room the bar's labels take, where the plot keeps room for its
		// data beside it; the fixed room in a narrow picture (which drew
		// before, and is not refused now).
		if wide := max(bw, barRoom(pn.bar, c)); wide > bw {
			t := c
			t.Max.X -= wide
			if hasRoom(pn.p.DataCanvas(t)) {
				bw = wide
			}
		}
		pc.Max.X -= bw
	}
	if pn.aspect > 0 {
		d := pn.p.DataCanvas(pc)
		dw, dh := d.Max.X-d.Min.X, d.Max.Y-d.Min.Y
		if dw > 0 && dh > 0 {
			// The labels' room depends on the panel's size (gonum/plot's
			// ticks), so the cut is found by bisection.
			if float64(dw/dh) > pn.aspect {
				// Narrower, centred with its bar in the panel.
				pc = trim(pn.p, pc, dh*vg.Length(pn.aspect), dw/2, true)
			} else {
				// Shorter, but not below minDataHeight: a line scan
				// (one row of hundreds of pixels) is drawn taller.
				pc = trim(pn.p, pc, max(dw/vg.Length(pn.aspect), min(dh, minDataHeight)), dh/2, false)
			}
		}
	}
	d := pn.p.DataCanvas(pc)
	if !hasRoom(d) {
		return false
	}
	var bc draw.Canvas
	if pn.bar != nil {
		bc = c
		bc.Min.X, bc.Max.X = pc.Max.X+vg.Millimeter*2, pc.Max.X+bw
		bc.Min.Y, bc.Max.Y = d.Min.Y, d.Max.Y
		// Stretch the bar's canvas so that its data area spans the plot's.
		bd := pn.bar.DataCanvas(bc)
		bc.Min.Y -= bd.Min.Y - d.Min.Y
		bc.Max.Y += d.Max.Y - bd.Max.Y
		if bd = pn.bar.DataCanvas(bc); !(bd.Max.Y-bd.Min.Y >= 1) { // (its width is set below)
			return false
		}
	}
	pn.p.Draw(pc)
	if pn.bar == nil {
		return true
	}
	if bc.Max.X-bc.Min.X > vg.Millimeter*6 {
		// The bar itself is a narrow strip right of its ticks and label.
		bd := pn.bar.DataCanvas(bc)
		if extra := (bd.Max.X - bd.Min.X) - vg.Millimeter*4; extra > 0 {
			bc.Max.X -= extra
		}
	}
	pn.bar.Draw(bc)
	return true
}

// minDataHeight is the least height of an image's data area that its
// aspect may leave.
const minDataHeight = 12 * vg.Millimeter

// trim returns c with the most, up to most, cut from both sides (left and
// right when horizontal, else top and bottom) that leaves p a data area
// at least want wide (or high).
func trim(p *plot.Plot, c draw.Canvas, want, most vg.Length, horizontal bool) draw.Canvas {
	cut := func(c draw.Canvas, by vg.Length) draw.Canvas {
		if horizontal {
			c.Min.X, c.Max.X = c.Min.X+by, c.Max.X-by
		} else {
			c.Min.Y, c.Max.Y = c.Min.Y+by, c.Max.Y-by
		}
		return c
	}
	lo, hi := vg.Length(0), most
	for range 40 {
		mid := (lo + hi) / 2
		e := p.DataCanvas(cut(c, mid))
		size := e.Max.Y - e.Min.Y
		if horizontal {
			size = e.Max.X - e.Min.X
		}
		if size >= want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return cut(c, lo)
}

// hasRoom reports whether a plot's data area d has a positive size.
func hasRoom(d draw.Canvas) bool {
	return d.Max.X > d.Min.X && d.Max.Y > d.Min.Y
}

// widenFlat widens the range of a linear axis whose data are all one
// value v, from |v| = 2^53 up, to v -/+ |v|/10: gonum/plot widens it by 1,
// which leaves it empty there, and then panics (below, its v -/+ 1 stays).
func widenFlat(a *plot.Axis) {
	if _, lin := a.Scale.(plot.LinearScale); !lin || a.Min != a.Max || math.IsInf(a.Min, 0) || math.IsNaN(a.Min) ||
		(a.Min-1 != a.Min && a.Max+1 != a.Max) {
		return
	}
	d := math.Abs(a.Min) / 10
	a.Min, a.Max = a.Min-d, a.Max+d
}
