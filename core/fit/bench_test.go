package fit

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// syntheticPCF returns a (h, w, k, p) array of PCF1D curves at the circle
// offsets of radius 6 (the library's default: 32 points), with parameters
// varying over the image and Gaussian noise of relative size noise.
func syntheticPCF(h, w, k int, tau []float64, noise float64, seed uint64) (Curves, PCF1D) {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := len(tau)
	m := PCF1D{W: 2.5}
	offs := make([]Vec, k)
	for i := range offs {
		a := 2 * math.Pi * float64(i) / float64(k)
		offs[i] = Vec{math.RoundToEven(6 * math.Cos(a)), math.RoundToEven(6 * math.Sin(a))}
	}
	data := make([]float32, h*w*k*p)
	f := make([]float64, p)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dc := 0.02 + 0.03*float64(x)/float64(w)
			d := 0.2 + 1.5*float64(y)/float64(h)
			for i := 0; i < k; i++ {
				m.At(offs[i]).Eval([]float64{dc, d}, tau, f, nil)
				peak := 0.0
				for _, v := range f {
					peak = max(peak, v)
				}
				c := data[((y*w+x)*k+i)*p:]
				for j := range f {
					c[j] = float32(f[j] + noise*peak*rng.NormFloat64())
				}
			}
		}
	}
	return Curves{Data: data, Shape: [4]int{h, w, k, p}, Tau: tau, Offsets: offs}, m
}

// BenchmarkFitAll fits the PCF1D model to every curve of a default-sized
// dataset's pCF, (52, 52, 32, 30), and reports the CPU cost per fit.
func BenchmarkFitAll(b *testing.B) {
	tau := logDelays(16384, 32)
	c, m := syntheticPCF(52, 52, 32, tau, 0.05, 1)
	o := AllOptions{Options: DefaultOptions(m), Threads: 1}
	nfit := c.Shape[0] * c.Shape[1] * c.Shape[2]
	b.ResetTimer()
	var maps *Maps
	for b.Loop() {
		var err error
		maps, err = FitAll(context.Background(), m, c, o)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nfit), "ns/fit")
	cnt := maps.Counts()
	b.ReportMetric(float64(cnt[Converged]+cnt[AtBound])/float64(nfit), "ok-frac")
}

// BenchmarkFit fits one noisy curve of each model per iteration, on one
// Fitter (joint models: a pixel's 32 curves).
func BenchmarkFit(b *testing.B) {
	tau := logDelays(16384, 32)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range modelCases() {
		b.Run(c.name, func(b *testing.B) {
			ft := NewFitter(DefaultOptions(c.m))
			if needsJoint(c.m) {
				ms, ys := jointCurves(c.m.(OffsetModel), c.p, tau, circle(6, 32))
				for _, y := range ys {
					for i := range y {
						y[i] += 1e-3 * rng.NormFloat64()
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					ft.FitJoint(ms, tau, ys, nil)
				}
				return
			}
			y := curve(c.m, c.p, tau)
			peak := 0.0
			for _, v := range y {
				peak = max(peak, math.Abs(v))
			}
			for i := range y {
				y[i] += 0.02 * peak * rng.NormFloat64()
			}
			b.ReportAllocs()
			for b.Loop() {
				ft.Fit(c.m, tau, y, nil)
			}
		})
	}
}

// BenchmarkFitBins is BenchmarkFitAll's first 8 rows with the model
// averaged over the log bins (Options.Bins, as every host fits the
// engine's curves): the nodes are set up for each curve.
func BenchmarkFitBins(b *testing.B) {
	tau := logDelays(16384, 32)
	bins, err := ContiguousBins(tau)
	if err != nil {
		b.Fatal(err)
	}
	c, m := syntheticPCF(8, 52, 32, tau, 0.05, 1)
	o := AllOptions{Options: DefaultOptions(m), Threads: 1}
	o.Bins = bins
	nfit := c.Shape[0] * c.Shape[1] * c.Shape[2]
	for b.Loop() {
		if _, err := FitAll(context.Background(), m, c, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nfit), "ns/fit")
}
