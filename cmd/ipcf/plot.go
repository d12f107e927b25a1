package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/source"
)

// maxPicture is the largest picture side in pixels (16384^2 RGBA: 1 GiB).
const maxPicture = 16384

// cmdPlot draws pictures of a pCF result or an input with gonum/plot:
// the pCF image at a circle point and bin, the carpet, polar sprite and
// curves at a pixel, or the mean image and mean time series of an input.
func cmdPlot(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("o", "", "output .png file")
	point := fs.Int("point", 0, "circle point of the pCF image")
	bin := fs.Int("bin", -1, "delay bin of the pCF image (default: the middle one)")
	pixel := fs.String("pixel", "", "Y,X: carpet, polar sprite and curves at this output pixel")
	mean := fs.String("mean", "", "INPUT: mean image and mean time series of an input")
	width := fs.Int("width", 0, "picture width in pixels (default 640, 1500 for --pixel, 1100 for --mean)")
	height := fs.Int("height", 0, "picture height in pixels (default 560, 480 for --pixel and --mean)")
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"plot: -o FIG.png is required"}
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"width", *width}, {"height", *height}} {
		if d.v < 0 || d.v > maxPicture {
			return usageError{fmt.Sprintf("plot: --%s %d: want 1..%d pixels (0: the default)", d.name, d.v, maxPicture)}
		}
	}
	size := func(w, h int) (vg.Length, vg.Length) {
		if *width > 0 {
			w = *width
		}
		if *height > 0 {
			h = *height
		}
		return vg.Length(w) * vg.Inch / 96, vg.Length(h) * vg.Inch / 96
	}
	switch {
	case *mean != "":
		src, err := source.Open(*mean)
		if err != nil {
			return err
		}
		defer src.Close()
		var img *mat.Dense
		var series []float64
		err = source.Guard(src.Name(), func() (err error) {
			img, series, err = means(src)
			return err
		})
		if err != nil {
			return err
		}
		w, h := size(1100, 480)
		p1 := heatPlot(img, "mean image", "column", "row", palette.Heat(64, 1))
		p2 := plot.New()
		p2.Title.Text = "mean time series"
		p2.X.Label.Text = "frame"
		p2.Y.Label.Text = "mean intensity"
		if l := finiteLine(len(series), func(i int) float64 { return series[i] }); l != nil {
			p2.Add(l)
		}
		return savePlots(*out, w, h, p1, p2)
	case len(pos) == 1:
		res, err := npy.Open(pos[0])
		if err != nil {
			return err
		}
		defer res.Close()
		if res.NDim() != 4 {
			return fmt.Errorf("%s: shape %v, want a pCF result (rows, columns, points, bins)", pos[0], res.Shape)
		}
		ny, nx, np, nb := res.Shape[0], res.Shape[1], res.Shape[2], res.Shape[3]
		if *pixel != "" {
			yx := strings.Split(*pixel, ",")
			if len(yx) != 2 {
				return usageError{"plot: --pixel wants Y,X"}
			}
			y, e1 := strconv.Atoi(yx[0])
			x, e2 := strconv.Atoi(yx[1])
			if e1 != nil || e2 != nil || y < 0 || x < 0 || y >= ny || x >= nx {
				return fmt.Errorf("plot: --pixel %s outside the %dx%d result", *pixel, ny, nx)
			}
			carpet := mat.NewDense(np, nb, nil)
			for i := 0; i < np; i++ {
				for j := 0; j < nb; j++ {
					carpet.Set(i, j, res.At(y, x, i, j))
				}
			}
			w, h := size(1500, 480)
			pal := moreland.SmoothBlueRed().Palette(64)
			p1 := heatPlot(carpet, fmt.Sprintf("carpet at (%d, %d)", y, x), "delay bin", "circle point", pal)
			p2 := heatPlot(polarImage(carpet, 96), "polar sprite (angle: point, radius: bin)", "", "", pal)
			p2.HideAxes()
			p3 := plot.New()
			p3.Title.Text = "pCF curves"
			p3.X.Label.Text = "delay bin"
			p3.Y.Label.Text = "G"
			pts := []int{0, np / 4, np / 2, 3 * np / 4}
			for k, i := range pts {
				if k > 0 && i == pts[k-1] {
					continue // fewer than 4 points (an ACF, a few offsets): each once
				}
				l := finiteLine(nb, func(j int) float64 { return carpet.At(i, j) })
				if l == nil {
					continue // every value NaN (a masked pixel) or infinite
				}
				l.Color = palette.Rainbow(4, 0, 0.8, 1, 1, 1).Colors()[i*4/max(np, 1)%4]
				p3.Add(l)
				p3.Legend.Add(fmt.Sprintf("point %d", i), l)
			}
			return savePlots(*out, w, h, p1, p2, p3)
		}
		b := *bin
		if b < 0 {
			b = nb / 2
		}
		if *point < 0 || *point >= np || b >= nb {
			return fmt.Errorf("plot: point %d, bin %d outside %d points and %d bins", *point, b, np, nb)
		}
		img := mat.NewDense(ny, nx, nil)
		for y := 0; y < ny; y++ {
			for x := 0; x < nx; x++ {
				img.Set(y, x, res.At(y, x, *point, b))
			}
		}
		w, h := size(640, 560)
		return savePlots(*out, w, h, heatPlot(img, fmt.Sprintf("pCF, point %d, bin %d", *point, b), "column", "row",
			moreland.SmoothBlueRed().Palette(64)))
	}
	return usageError{"plot: give a RESULT.npy or --mean INPUT"}
}

// means returns the mean image and the mean of each frame.
func means(src source.Source) (*mat.Dense, []float64, error) {
	T, H, W := src.Shape()
	img := mat.NewDense(H, W, nil)
	series := make([]float64, T)
	for t := 0; t < T; t++ {
		fr, err := src.Frame(t)
		if err != nil {
			return nil, nil, err
		}
		var s float64
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				v := fr.Load(fr.Offset + y*fr.Strides[0] + x*fr.Strides[1])
				s += v
				img.Set(y, x, img.At(y, x)+v/float64(T))
			}
		}
		series[t] = s / float64(H*W)
	}
	return img, series, nil
}

// polarImage rasterizes a carpet (points x bins) as a disc: angle = circle
// point direction, distance from the centre = bin. Outside the disc: NaN.
func polarImage(c *mat.Dense, n int) *mat.Dense {
	np, nb := c.Dims()
	img := mat.NewDense(n, n, nil)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := (float64(x)+0.5)/float64(n)*2-1, (float64(y)+0.5)/float64(n)*2-1
			r := math.Hypot(dx, dy)
			if r >= 1 {
				img.Set(y, x, math.NaN())
				continue
			}
			a := math.Atan2(dy, dx) // image rows grow downwards, like v
			if a < 0 {
				a += 2 * math.Pi
			}
			i := int(math.Round(a/(2*math.Pi)*float64(np))) % np
			img.Set(y, x, c.At(i, min(nb-1, int(r*float64(nb)))))
		}
	}
	return img
}

// grid adapts a matrix to plotter.GridXYZ: column = x, row = -y, so that
// row 0 is at the top as in images (the y tick labels drop the sign).
type grid struct{ m *mat.Dense }

func (g grid) Dims() (int, int)   { r, c := g.m.Dims(); return c, r }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return -float64(r) }
func (g grid) Z(c, r int) float64 { return g.m.At(r, c) }

// rowTicks labels the negated row axis with row numbers.
type rowTicks struct{}

func (rowTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(math.Abs(ticks[i].Value), 'g', -1, 64)
		}
	}
	return ticks
}

// finiteLine is the line through the finite values f(0..n-1) (gonum/plot
// refuses NaN and Inf), or nil if there are none.
func finiteLine(n int, f func(int) float64) *plotter.Line {
	var xy plotter.XYs
	for i := 0; i < n; i++ {
		if v := f(i); !math.IsNaN(v) && !math.IsInf(v, 0) {
			xy = append(xy, plotter.XY{X: float64(i), Y: v})
		}
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

// heatPlot draws m with the colour range of its finite values; NaN and
// infinite values (masked pixels, bad samples) are drawn grey. m is
// changed: its non-finite values become NaN.
func heatPlot(m *mat.Dense, title, xl, yl string, pal palette.Palette) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xl
	p.Y.Label.Text = yl
	lo, hi := math.Inf(1), math.Inf(-1)
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				m.Set(i, j, math.NaN())
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	switch {
	case math.IsInf(lo, 1): // no finite value
		lo, hi = 0, 1
	case !(hi > lo):
		lo, hi = lo-math.Max(1, math.Abs(lo)), hi+math.Max(1, math.Abs(hi))
	case math.IsInf(hi-lo, 0):
		lo, hi = lo/2, hi/2 // the palette index divides by hi-lo
		m.Scale(0.5, m)
	}
	p.Y.Tick.Marker = rowTicks{}
	hm := plotter.NewHeatMap(grid{m}, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.Gray{Y: 200}
	p.Add(hm)
	return p
}

// savePlots draws plots side by side into a PNG, atomically.
func savePlots(path string, w, h vg.Length, plots ...*plot.Plot) error {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	return npy.WriteAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
