package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// cmdPlot writes a false-colour PNG: the pCF image at one circle point and
// bin, the carpet (points x bins) at one pixel, or the mean image of an
// input stack.
func cmdPlot(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("o", "", "output .png file")
	point := fs.Int("point", 0, "circle point of the pCF image")
	bin := fs.Int("bin", -1, "delay bin of the pCF image")
	pixel := fs.String("pixel", "", "Y,X: the carpet (points x bins) at this output pixel")
	mean := fs.String("mean", "", "INPUT.npy: the mean image of an input stack")
	scale := fs.Int("scale", 8, "pixels per value")
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"plot: -o FIG.png is required"}
	}
	if *scale < 1 || *scale > 64 {
		return usageError{"plot: --scale must be 1..64"}
	}
	var img [][]float64
	switch {
	case *mean != "":
		in, err := npy.Open(*mean)
		if err != nil {
			return err
		}
		defer in.Close()
		if in.NDim() != 3 {
			return fmt.Errorf("%s: shape %v, want (time, rows, columns)", *mean, in.Shape)
		}
		img = meanImage(in.View)
	case len(pos) == 1:
		res, err := npy.Open(pos[0])
		if err != nil {
			return err
		}
		defer res.Close()
		if res.NDim() != 4 {
			return fmt.Errorf("%s: shape %v, want a pCF result (rows, columns, points, bins)", pos[0], res.Shape)
		}
		if *pixel != "" {
			yx := strings.Split(*pixel, ",")
			if len(yx) != 2 {
				return usageError{"plot: --pixel wants Y,X"}
			}
			y, e1 := strconv.Atoi(yx[0])
			x, e2 := strconv.Atoi(yx[1])
			if e1 != nil || e2 != nil || y < 0 || x < 0 || y >= res.Shape[0] || x >= res.Shape[1] {
				return fmt.Errorf("plot: --pixel %s outside the %dx%d result", *pixel, res.Shape[0], res.Shape[1])
			}
			img = make([][]float64, res.Shape[2])
			for i := range img {
				img[i] = make([]float64, res.Shape[3])
				for j := range img[i] {
					img[i][j] = res.At(y, x, i, j)
				}
			}
		} else {
			b := *bin
			if b < 0 {
				b = res.Shape[3] / 2
			}
			if *point < 0 || *point >= res.Shape[2] || b >= res.Shape[3] {
				return fmt.Errorf("plot: point %d, bin %d outside %d points and %d bins", *point, b, res.Shape[2], res.Shape[3])
			}
			img = make([][]float64, res.Shape[0])
			for y := range img {
				img[y] = make([]float64, res.Shape[1])
				for x := range img[y] {
					img[y][x] = res.At(y, x, *point, b)
				}
			}
		}
	default:
		return usageError{"plot: give a RESULT.npy or --mean INPUT.npy"}
	}
	return writePNG(*out, img, *scale)
}

func meanImage(v array.View) [][]float64 {
	T, H, W := v.Shape[0], v.Shape[1], v.Shape[2]
	img := make([][]float64, H)
	s := make([]float64, T)
	for y := range img {
		img[y] = make([]float64, W)
		for x := range img[y] {
			v.Gather(s, v.Offset+y*v.Strides[1]+x*v.Strides[2], v.Strides[0], T)
			var m float64
			for _, a := range s {
				m += a
			}
			img[y][x] = m / float64(T)
		}
	}
	return img
}

// colormap is a perceptually ordered dark-blue to yellow ramp (viridis
// anchors); NaN is drawn grey.
var anchors = [][3]float64{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}

func colormap(t float64) color.RGBA {
	if math.IsNaN(t) {
		return color.RGBA{128, 128, 128, 255}
	}
	t = math.Max(0, math.Min(1, t)) * float64(len(anchors)-1)
	i := min(int(t), len(anchors)-2)
	f := t - float64(i)
	c := func(k int) uint8 { return uint8(anchors[i][k]*(1-f) + anchors[i+1][k]*f + 0.5) }
	return color.RGBA{c(0), c(1), c(2), 255}
}

func writePNG(path string, img [][]float64, scale int) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range img {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	h, w := len(img), len(img[0])
	pic := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	for y := 0; y < h*scale; y++ {
		for x := 0; x < w*scale; x++ {
			pic.SetRGBA(x, y, colormap((img[y/scale][x/scale]-lo)/(hi-lo)))
		}
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = png.Encode(f, pic)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
