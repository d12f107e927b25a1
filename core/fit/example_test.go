package fit_test

import (
	"context"
	"fmt"

	"github.com/ipcf/ipcf/core/fit"
)

// A pCF curve at 6 pixels of a PSF of waist 2.5 pixels, fitted as ICSx64
// does (first and last points left out, negative points clipped).
func ExampleFitter_Fit() {
	m := fit.PCF1D{W: 2.5, Dist: 6}
	tau := []float64{0, 1, 2, 3, 4, 5.5, 8, 11, 15, 20.5, 27.5, 37, 50, 67.5, 90.5, 121, 162.5, 218, 291.5, 390}
	y := make([]float64, len(tau))
	m.Eval([]float64{0.05, 0.8}, tau, y, nil) // DC, D (pixels^2/frame)
	ft := fit.NewFitter(fit.DefaultOptions(m))
	r := ft.Fit(m, tau, y, nil)
	fmt.Printf("%s: DC %.4f D %.4f (%d points)\n", r.Status, r.Params[0], r.Params[1], r.N)
	// Output: converged: DC 0.0500 D 0.8000 (18 points)
}

// Every pixel's flow from its CCFs at the circle offsets of the pcf
// engine, fitted jointly.
func ExampleFitAll() {
	offs := []fit.Vec{{X: 6}, {Y: 6}, {X: -6}, {Y: -6}}
	tau := []float64{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
	m := fit.CCF2D{W: 2.5}
	truth := []float64{0.05, 0.4, 0.1, -0.05} // G0, D, vx, vy
	data := make([]float32, 2*len(offs)*len(tau))
	f := make([]float64, len(tau))
	for px := 0; px < 2; px++ {
		for k, r := range offs {
			m.At(r).Eval(truth, tau, f, nil)
			for i, v := range f {
				data[(px*len(offs)+k)*len(tau)+i] = float32(v)
			}
		}
	}
	c := fit.Curves{Data: data, Shape: [4]int{1, 2, len(offs), len(tau)}, Tau: tau, Offsets: offs}
	maps, err := fit.FitAll(context.Background(), m, c, fit.AllOptions{Options: fit.DefaultOptions(m), Joint: true})
	if err != nil {
		panic(err)
	}
	for px := 0; px < 2; px++ {
		p := maps.Params[px*maps.NP : (px+1)*maps.NP]
		fmt.Printf("%s: %v = %.3f\n", maps.Status[px], maps.Names, p)
	}
	// Output:
	// converged: [G0 D vx vy] = [0.050 0.400 0.100 -0.050]
	// converged: [G0 D vx vy] = [0.050 0.400 0.100 -0.050]
}
