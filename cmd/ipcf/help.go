package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// cmdHelp is what `ipcf COMMAND --help` prints above the flags.
type cmdHelp struct {
	synopsis string
	about    string
}

// helps describes every command (the keys are the commands).
var helps = map[string]cmdHelp{
	"pcf": {"ipcf pcf INPUT -o OUT [flags]", `Computes the pair correlation function of every pixel with its neighbours at
the offsets (by default the circle of --radius and --npoints), binned in delay.

INPUT: a .npy, a multi-page TIFF, BigTIFF or ImageJ TIFF, a folder or glob of
single-page TIFFs, or a raw file (--shape T,H,W with --dtype, --byteorder, --offset).

OUT, its format chosen by the extension:
  OUT.npy       float32 (rows, columns, offsets, delays); metadata in OUT.npy.json
  OUT.zarr      Zarr v2 array with the .npy's axes; .zattrs: the metadata,
                _ARRAY_DIMENSIONS ["y", "x", "offset", "delay"] and axis_units
  OUT.ome.zarr  OME-NGFF 0.4 image: array "0" of shape (delays, offsets, rows,
                columns), axes delay (time), offset (channel), y, x (space, in
                micrometres with --pixel-size or the input's calibration)
  OUT.tif       ImageJ hyperstack (also .tiff): the offsets as channels, the
                delays as frames (TCYX), float32, calibrated (pixel size, labels
                naming each offset (u, v) and delay); metadata in OUT.tif.json;
                at most 4 GiB
Zarr outputs are written by the out-of-core engine; .npy and .tif by either.
Every output appears under its name only when complete; a killed run resumes.

Error bars (--errors blocking or segments): the standard deviation of every
curve point (docs/toolkit.md, section 9), written beside a .npy result in its
shape, OUT.sd.npy for OUT.npy, named in OUT.npy.json ("errors": file, method,
segments, checksum) and published with the curves as one result; ipcf fit
weights its fits by them. Other output formats are refused with --errors.`},
	"bleach": {"ipcf bleach INPUT -o OUT.npy [--filtersize F] [flags]", `Corrects photobleaching, the tutorial's way: each pixel's series is
smoothed forwards and backwards with an exponential filter of size F
(default 1024, the tutorial's; its trend s), and a sample d becomes sqrt(|mean/s|) * (d - s) + mean, rounded and
clipped to the integer type; F frames are dropped at each end. Writes .npy
only. A 2-D (time, x) .npy is a line scan (as for pcf --preset line) and
gives a (time, x) output.`},
	"simulate": {"ipcf simulate -o OUT.npy [flags]", `Simulates particles diffusing in a square image with a diagonal channel
(uint16 frames). Writes .npy only.`},
	"convolve": {"ipcf convolve IMAGE.npy KERNEL.npy -o OUT.npy", `The full 2-D convolution of an image with a kernel of odd sizes: int32 for
integer inputs (exact), float64 otherwise. Writes .npy only.`},
	"plot": {"ipcf plot RESULT.npy -o FIG.png [--point I --bin J | --pixel Y,X]\n       ipcf plot MAPS.npy|MAPS.zarr -o FIG.png [--param D] [--offset K]\n       ipcf plot --mean INPUT -o FIG.png [--channel N] [--crop ...] [--frames ...] [--shape ... --raw-offset B]", `Draws a pCF result (a .npy with its OUT.npy.json metadata): the image at one
offset and delay, or at one pixel the carpet (offsets x delays), the polar
sprite and the curves; or an input's mean image and mean time series.
pCF values are drawn on a diverging scale symmetric about 0, with a colour
bar; axes are in micrometres and seconds when the metadata give the pixel
size and the frame interval, else in pixels and frames. Writes PNG.

Parameter maps of ipcf fit (MAPS.npy, told by MAPS.npy.json naming the model
and the parameters, or MAPS.zarr): the map of --param (default D; any
parameter of the maps, or chisq, status) at --offset K (maps with an offset
axis), with a colour bar labelled with its unit: velocity components (vx,
vy) and Ginf on a diverging scale symmetric about 0, the flow angle on a
cyclic one, the others (D, speed, tauD, ...) on a sequential one (viridis)
over their 1st to 99th percentile; failed fits, infinite values (tauD at
D = 0) and NaN grey, counted by cause in the title and in FIG.png.json
(grey_pixels); status draws
the four categories with their counts. A --param the maps lack exits with
status 2 and the list of their parameters.`},
	"devices": {"ipcf devices", "Lists the CUDA GPUs ipcf can use, or why none is usable (jobs then run on the CPU)."},
	"version": {"ipcf version", "Prints the version and the FFT library."},
}

// usageOf is what a usage error of command cmd prints after the message:
// the command's synopsis and where its flags are listed, or the whole
// usage for an unknown command.
func usageOf(cmd string) string {
	h, ok := helps[cmd]
	if !ok {
		return usage
	}
	return fmt.Sprintf("usage: %s\n(ipcf help %s lists its flags with their defaults)\n", h.synopsis, cmd)
}

// printHelp prints a command's synopsis, description and every flag with
// its default; it fails if the text could not be written.
func printHelp(w io.Writer, fs *flag.FlagSet) error {
	var b strings.Builder
	writeHelp(&b, fs)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHelp(w io.Writer, fs *flag.FlagSet) {
	h, ok := helps[fs.Name()]
	if !ok {
		h = cmdHelp{synopsis: "ipcf " + fs.Name() + " [flags]"}
	}
	fmt.Fprintf(w, "usage: %s\n", h.synopsis)
	if h.about != "" {
		fmt.Fprintf(w, "\n%s\n", h.about)
	}
	var lines [][2]string
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		switch f.Value.(type) {
		case decInt:
			arg = "int"
		case decUint64:
			arg = "uint"
		case decFloat:
			arg = "float"
		}
		name := "--" + f.Name
		if f.Name == "o" {
			name = "-o"
		}
		if arg != "" {
			name += " " + arg
		}
		if !strings.Contains(usage, "default") && !strings.Contains(usage, "required") {
			switch {
			case f.DefValue == "" && arg == "string":
				usage += " (default: none)"
			case f.DefValue != "":
				usage += " (default " + f.DefValue + ")"
			}
		}
		lines = append(lines, [2]string{name, usage})
		width = max(width, len(name))
	})
	if len(lines) == 0 {
		fmt.Fprintln(w, "\nflags: none (-h, --help: this text)")
		return
	}
	fmt.Fprintln(w, "\nflags:")
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "-h, --help", "this text")
}
