package fit_test

import (
	"context"
	"math"
	"sort"
	"sync"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/simulate"
)

// Physics checks of the fits (issue 14): the models fitted with FitAll to
// the correlation curves the engine computes from simulated data recover
// the simulated diffusion coefficient and flow. Each test simulates its
// own small dataset; together they take about 10 to 15 s on two cores.
// The numbers quoted were measured with go1.26 on linux/amd64.
//
// The effective waist. The simulator samples a Gaussian PSF at the pixel
// centres: a particle at r adds B exp(-|c - r|^2 / (2 s^2)) to the pixel
// centred at c (s = PSFSigma; no integration over the pixel's area nor
// over an exposure). A pixel is thus a point detector with the profile
// exp(-r^2 / (2 s^2)) = exp(-2 r^2 / W^2), a Gaussian of 1/e^2 radius
// W = 2 s, and the pixel size does not enter. A step is normal with
// variance 2 D per axis, so after tau frames a particle has moved by a
// normal of variance 2 D tau per axis. For independent particles, the
// correlation of two point detectors at the displacement R is, per axis,
// the convolution of the two profiles (a Gaussian of variance 2 s^2) with
// the propagator (variance 2 D tau), evaluated at R:
//
//	G(R, tau) ∝ 1 / (2 s^2 + 2 D tau) * exp(-|R|^2 / (2 (2 s^2 + 2 D tau)))
//	          = G0 * W^2 / q * exp(-|R|^2 / q),   q = 4 D tau + W^2, W = 2 s
//
// which is PCF1D{W, Dist: |R|} (and ACF2D for R = 0, CCF2D with
// R -> R - v tau under a flow v) with W = 2 s exactly: the 1-D pCF of
// ICSx64 is the pCF of two point detectors of this PSF. (Square pixels
// of side A integrating the light would add about A^2/12 to s^2 per axis;
// that is the ITIRFCS model, not this simulator.)
//
// What biases the measurements (none of it is the fit's): a fixed number
// Np of particles in a periodic box of side L gives every curve a
// negative offset of about -1/Np times the normalization, 4 pi s^2 / L^2
// of the ACF's amplitude; the engine's normalization by each series' own
// means lowers G by about 2/N of its integral; and the whole image shares
// one realization of the particles, so the median over pixels does not
// average out the dataset's own fluctuation (seen as the spread over
// seeds).

func physSim(t *testing.T, so simulate.Options) array.View {
	t.Helper()
	data, err := array.Contiguous(array.Uint16, []int{so.Frames, so.Size, so.Size}, make([]byte, so.Frames*so.Size*so.Size*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := simulate.Run(context.Background(), data, so); err != nil {
		t.Fatal(err)
	}
	return data
}

// physPCF computes the curves of o, (H, W, K, P) float32, and the geometry.
func physPCF(t *testing.T, data array.View, o pcf.Options) ([]float32, pcf.Geometry) {
	t.Helper()
	g, err := pcf.Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	s := g.OutShape
	buf := make([]byte, s[0]*s[1]*s[2]*s[3]*4)
	out, err := array.Contiguous(array.Float32, s[:], buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := pcf.Compute(context.Background(), out, data, o); err != nil {
		t.Fatal(err)
	}
	res := make([]float32, len(buf)/4)
	for i := range res {
		res[i] = float32(out.Load(4 * i))
	}
	return res, g
}

// physFit fits m to the curves with the model's default options (first
// and last points left out; PCF1D clips negative points), as ipcf fit does.
func physFit(t *testing.T, m fit.Model, got []float32, g pcf.Geometry, joint bool) *fit.Maps {
	t.Helper()
	c := fit.Curves{Data: got, Shape: g.OutShape, Tau: g.Delays, Offsets: physVecs(g.Offsets)}
	maps, err := fit.FitAll(context.Background(), m, c, fit.AllOptions{Options: fit.DefaultOptions(m), Joint: joint})
	if err != nil {
		t.Fatal(err)
	}
	return maps
}

// physParam returns parameter j of every fit of maps whose index passes
// keep (nil: all).
func physParam(maps *fit.Maps, j int, keep func(i int) bool) []float64 {
	var v []float64
	for i := range maps.Status {
		if keep == nil || keep(i) {
			v = append(v, maps.Params[i*maps.NP+j])
		}
	}
	return v
}

// physMedian is the median of the values that are not NaN.
func physMedian(v []float64) float64 {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// physVecs converts the engine's offsets (U columns, V rows) to the fit's
// displacements in pixels.
func physVecs(offs []pcf.Offset) []fit.Vec {
	v := make([]fit.Vec, len(offs))
	for i, o := range offs {
		v[i] = fit.Vec{X: float64(o.U), Y: float64(o.V)}
	}
	return v
}

// physFree is free diffusion (no barrier): D = 0.2 pixel^2/frame, PSF
// sigma 1 (W = 2), so tau_D = W^2/(4D) = 5 frames and the pCF at 4
// pixels peaks at (16 - 4)/(4 D) = 15 frames. L = 64 keeps the -1/Np
// offset small against the pCF's peak (pi d^2 e / L^2 = 3.3 % of it at
// d = 4); 1000 particles are 0.24 per pixel. Simulated once for the tests
// that use it (about 3 to 5 s).
var physFree = struct {
	once sync.Once
	so   simulate.Options
	data array.View
}{so: simulate.Options{
	Frames: 8192, Size: 64, Seed: 3, Particles: 1000, Diffusion: 0.2,
	ChannelWidth: 0, PSFSigma: 1, Brightness: 20, Background: 2,
}}

func physFreeData(t *testing.T) (simulate.Options, array.View) {
	t.Helper()
	f := &physFree
	f.once.Do(func() { f.data = physSim(t, f.so) })
	if f.data.Data == nil {
		t.Fatal("the simulation failed in another test")
	}
	return f.so, f.data
}

// TestPhysicsACF2D: ACF2D{W: 2 sigma} fitted to every pixel's ACF (offset
// (0, 0), multi-tau m = 32, no smoothing) of free diffusion gives a median
// D within 10 % of the simulated one.
//
// Measured (seed 3): median D 0.2034 for 0.2 (+1.7 %), every fit
// converged. Seeds 1 and 2: +0.1 %, +5.1 %. With a constant Ginf fitted
// (Offset), which takes up the -1/Np offset of the fixed particle number;
// without it the median is 11 to 12 % high (0.2239 with seed 3): the
// negative tail makes the curve seem to fall faster.
func TestPhysicsACF2D(t *testing.T) {
	so, data := physFreeData(t)
	o := pcf.Options{Offsets: []pcf.Offset{{U: 0, V: 0}}, Bins: pcf.Multitau, M: 32}
	o.SetSmooth(0)
	got, g := physPCF(t, data, o)
	w := 2 * so.PSFSigma
	maps := physFit(t, fit.ACF2D{W: w, Offset: true}, got, g, false)
	counts := maps.Counts()
	d := physMedian(physParam(maps, 1, nil))
	free := physFit(t, fit.ACF2D{W: w}, got, g, false)
	d0 := physMedian(physParam(free, 1, nil))
	t.Logf("ACF2D{W: %g, Offset}: median D %.4f over %d pixels, simulated %g (%+.1f %%); statuses %v; without Ginf %.4f (%+.1f %%)",
		w, d, maps.H*maps.W, so.Diffusion, 100*(d/so.Diffusion-1), counts, d0, 100*(d0/so.Diffusion-1))
	if math.Abs(d/so.Diffusion-1) > 0.10 {
		t.Errorf("ACF2D: median D %.4f, want %g within 10 %%", d, so.Diffusion)
	}
	if counts[fit.Converged] < len(maps.Status)*9/10 {
		t.Errorf("ACF2D: statuses %v, want at least 90 %% converged", counts)
	}
}

// TestPhysicsPCF1D: PCF1D{W: 2 sigma, Dist: 4} fitted to the pCF at the
// offsets (4, 0), (-4, 0), (0, 4), (0, -4) of free diffusion (multi-tau
// m = 32, no smoothing) gives a median D within 10 % of the simulated one,
// fitting each offset alone and a pixel's four curves jointly.
//
// Measured (seed 3): per offset 0.1954 (-2.3 %), jointly 0.2000
// (-0.0 %). Seeds 1 and 2: per offset -7.4 % and -4.1 %, jointly -5.2 %
// and -0.4 %; seed 1 with 16384 frames +0.2 % and +0.3 %: the spread is
// the dataset's own fluctuation, shared by every pixel.
func TestPhysicsPCF1D(t *testing.T) {
	so, data := physFreeData(t)
	o := pcf.Options{Offsets: []pcf.Offset{{U: 4, V: 0}, {U: -4, V: 0}, {U: 0, V: 4}, {U: 0, V: -4}}, Bins: pcf.Multitau, M: 32}
	o.SetSmooth(0)
	got, g := physPCF(t, data, o)
	m := fit.PCF1D{W: 2 * so.PSFSigma}
	for _, joint := range []bool{false, true} {
		maps := physFit(t, m, got, g, joint)
		counts := maps.Counts()
		d := physMedian(physParam(maps, 1, nil))
		t.Logf("PCF1D{W: %g, Dist: 4} joint=%v: median D %.4f over %d fits, simulated %g (%+.1f %%); statuses %v",
			m.W, joint, d, len(maps.Status), so.Diffusion, 100*(d/so.Diffusion-1), counts)
		if math.Abs(d/so.Diffusion-1) > 0.10 {
			t.Errorf("PCF1D joint=%v: median D %.4f, want %g within 10 %%", joint, d, so.Diffusion)
		}
		if counts[fit.Converged]+counts[fit.AtBound] < len(maps.Status)*9/10 {
			t.Errorf("PCF1D joint=%v: statuses %v, want at least 90 %% converged", joint, counts)
		}
	}
}

// TestPhysicsChannel: in the channel simulation (simulate.DefaultOptions:
// a diagonal channel of width 4 whose walls the particles cannot cross,
// D = 0.5, PSF sigma 1; here 32 x 32 pixels with 50 particles, the default
// density, and 32768 frames, all of which the engine uses), PCF1D fitted
// to each offset of the pixels on the channel's axis gives a larger D
// along the channel, at (4, 4) and (-4, -4), than across its wall, at
// (4, -4) and (-4, 4) (distance 5.66 both).
//
// Along the channel the pCF has its delayed peak (Digman and Gratton
// 2009). The 2-D model underestimates the transport there: in a channel
// the particles spread in one dimension, the pair correlation goes as
// q^-1/2 exp(-d^2/q) and peaks at q = 2 d^2, twice the 2-D model's, and
// steps that would cross a wall are rejected whole; D_along comes out at
// a third of the simulated D. Across the wall no particle makes the trip;
// what correlation remains comes from the tails of the PSF (particles
// outside the channel near its wall seen faintly by the pixel on the
// axis), without a delayed peak, and the fits give a small D.
//
// Measured (seed 1): D along 0.1850, across 0.0307 (ratio 6.0); seeds 2
// to 4: ratios 10.4, 10.8, 15.7 (along 0.15 to 0.20).
func TestPhysicsChannel(t *testing.T) {
	so := simulate.DefaultOptions()
	so.Size, so.Particles, so.Frames = 32, 50, 32768
	data := physSim(t, so)
	offs := []pcf.Offset{{U: 4, V: 4}, {U: -4, V: -4}, {U: 4, V: -4}, {U: -4, V: 4}}
	o := pcf.Options{Offsets: offs, Bins: pcf.Multitau, M: 32}
	o.SetSmooth(0)
	got, g := physPCF(t, data, o)
	maps := physFit(t, fit.PCF1D{W: 2 * so.PSFSigma}, got, g, false)
	// Output pixel (y, x) is input pixel (y + margin, x + margin); the
	// channel's axis is row == column (pixel centres on y = x).
	my, mx := g.Margin[0], g.Margin[1]
	onAxis := func(i int) bool {
		px := i / maps.K
		y, x := px/maps.W, px%maps.W
		return ((y+my)-(x+mx))%so.Size == 0
	}
	var per [4]float64
	for k := range offs {
		per[k] = physMedian(physParam(maps, 1, func(i int) bool { return i%maps.K == k && onAxis(i) }))
	}
	along := physMedian(physParam(maps, 1, func(i int) bool { return i%maps.K < 2 && onAxis(i) }))
	across := physMedian(physParam(maps, 1, func(i int) bool { return i%maps.K >= 2 && onAxis(i) }))
	t.Logf("channel: median D along %.4f, across %.4f (ratio %.1f); per offset %v: %.4f; statuses %v",
		along, across, along/across, offs, per, maps.Counts())
	if !(along > 3*across) {
		t.Errorf("channel: D along %.4f, across %.4f: want along > 3 x across", along, across)
	}
	if !(along > 0.2*so.Diffusion && along < so.Diffusion) {
		t.Errorf("channel: D along %.4f, want between 0.2 and 1 times the simulated %g", along, so.Diffusion)
	}
}

// TestPhysicsFlow: particles diffusing (D = 0.05) and carried by a flow;
// CCF2D fitted jointly to the curves of each pixel's 8 offsets on a circle
// of radius 4 gives, as the median over pixels, the flow's speed within
// 15 % and its direction within 15 degrees: the delta-CCF (Delta, which
// cancels any constant offset) and the plain CCF (without Ginf).
//
// Measured: flow (0.15, 0.1) (speed 0.1803, 33.7 degrees), seed 1: delta
// speed 0.1805 (+0.1 %), 34.0 degrees (+0.3), plain 0.1802 (-0.0 %), 33.1
// degrees (-0.6); flow (-0.05, 0.2) (0.2062, 104.0 degrees), seed 3:
// delta -3.2 %, +0.1 degrees, plain +0.5 %, +0.7 degrees. Every delta fit
// converged, 95 to 100 % of the plain ones. The median D (not asserted):
// delta 0.052 and 0.056, plain 0.048 and 0.040 for 0.05 (the plain CCF
// keeps the -1/Np offset). The plain CCF with Ginf fitted as well fails on
// half the pixels of these data: the fits end with G0 = 0, where D and v
// are not determined.
func TestPhysicsFlow(t *testing.T) {
	for _, c := range []struct {
		seed   uint64
		vx, vy float64
	}{{1, 0.15, 0.1}, {3, -0.05, 0.2}} {
		so := simulate.Options{
			Frames: 8192, Size: 32, Seed: c.seed, Particles: 250, Diffusion: 0.05,
			ChannelWidth: 0, PSFSigma: 1, Brightness: 20, Background: 2, FlowU: c.vx, FlowV: c.vy,
		}
		data := physSim(t, so)
		speed, angle := math.Hypot(c.vx, c.vy), math.Atan2(c.vy, c.vx)*180/math.Pi
		offs, err := pcf.Circle(4, 8)
		if err != nil {
			t.Fatal(err)
		}
		for _, delta := range []bool{true, false} {
			o := pcf.Options{Offsets: offs, Bins: pcf.Multitau, M: 32, Delta: delta}
			o.SetSmooth(0)
			got, g := physPCF(t, data, o)
			maps := physFit(t, fit.CCF2D{W: 2 * so.PSFSigma, Delta: delta}, got, g, true)
			counts := maps.Counts()
			vx, vy := physMedian(physParam(maps, 2, nil)), physMedian(physParam(maps, 3, nil))
			d := physMedian(physParam(maps, 1, nil))
			s, a := math.Hypot(vx, vy), math.Atan2(vy, vx)*180/math.Pi
			da := math.Mod(a-angle+540, 360) - 180
			t.Logf("flow (%g, %g), speed %.4f at %.1f deg, delta=%v: median v (%.4f, %.4f), speed %.4f (%+.1f %%) at %.1f deg (%+.1f); D %.4f for %g; statuses %v",
				c.vx, c.vy, speed, angle, delta, vx, vy, s, 100*(s/speed-1), a, da, d, so.Diffusion, counts)
			if math.Abs(s/speed-1) > 0.15 {
				t.Errorf("flow (%g, %g) delta=%v: speed %.4f, want %.4f within 15 %%", c.vx, c.vy, delta, s, speed)
			}
			if math.Abs(da) > 15 {
				t.Errorf("flow (%g, %g) delta=%v: direction %.1f degrees, want %.1f within 15", c.vx, c.vy, delta, a, angle)
			}
			if counts[fit.Converged]+counts[fit.AtBound] < len(maps.Status)*9/10 {
				t.Errorf("flow (%g, %g) delta=%v: statuses %v, want at least 90 %% converged", c.vx, c.vy, delta, counts)
			}
		}
	}
}
