package pcf

import (
	"math"
	"sort"
	"sync"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/simulate"
)

// Physics checks of the toolkit modes (ACF, two channels, delta-CCF) on
// simulated data whose correlation functions are known in closed form.
// Together they run in a few seconds; they assert values, not timings.

// simStack runs the simulator into a new uint16 (Frames, Size, Size) array.
func simStack(t *testing.T, so simulate.Options) array.View {
	t.Helper()
	data, err := array.Contiguous(array.Uint16, []int{so.Frames, so.Size, so.Size}, make([]byte, so.Frames*so.Size*so.Size*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := simulate.Run(t.Context(), data, so); err != nil {
		t.Fatal(err)
	}
	return data
}

// freeDiffusion is the dataset of the ACF checks: free diffusion (channel
// width 0: no barrier) with tau_D = PSFSigma^2 / Diffusion = 20 frames,
// simulated once for the tests that use it.
var freeDiffusion struct {
	once sync.Once
	data array.View
}

var freeDiffusionOptions = simulate.Options{
	Frames: 16384, Size: 32, Seed: 3, Particles: 250, Diffusion: 0.05,
	ChannelWidth: 0, PSFSigma: 1, Brightness: 20, Background: 2,
}

func freeDiffusionData(t *testing.T) (simulate.Options, array.View) {
	t.Helper()
	f := &freeDiffusion
	f.once.Do(func() { f.data = simStack(t, freeDiffusionOptions) })
	if f.data.Data == nil {
		t.Fatal("the simulation failed in another test")
	}
	return freeDiffusionOptions, f.data
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestACFDiffusionTime: the ACF (offset (0, 0), no smoothing, multi-tau
// bins) of free 2-D diffusion falls to half its amplitude at the
// diffusion time.
//
// Theory. The simulator samples the PSF at pixel centres: a particle at r
// adds B*exp(-|c-r|^2/(2 s^2)) to the pixel centred at c (no integration
// over the pixel's area, and none over an exposure: a frame is a snapshot
// of the positions). Each pixel is thus a point detector with weight
// W(r) = exp(-r^2/(2 s^2)), and the pixel size does not enter. A step is
// normal with variance 2D per axis, so after tau frames a particle has
// moved by p_tau, a normal of variance 2*D*tau per axis. For independent
// particles at concentration c,
//
//	<dF(0) dF(tau)> = c B^2 ∫∫ W(r) W(r') p_tau(r'-r) dr dr'
//
// and per axis the integral is the convolution W*W*p_tau at 0: W*W is a
// Gaussian of variance 2 s^2 (area 2 pi s^2), convolved with p_tau one of
// variance 2 s^2 + 2 D tau, whose value at 0 is proportional to
// 1/sqrt(2 s^2 + 2 D tau). In 2-D the two axes multiply:
//
//	G(tau) = G0 / (1 + tau/tau_D),  tau_D = s^2 / D,
//	G0 = 1/(4 pi c s^2) * (signal / (signal + background))^2,
//
// with signal = c B 2 pi s^2 counts per frame. This is the textbook 2-D
// G0/(1 + tau/tau_D) with tau_D = w^2/(4D) for the 1/e^2 radius w = 2s of
// the profile exp(-2 r^2/w^2) = exp(-r^2/(2 s^2)); the half-amplitude
// delay is tau_D itself. (Integrating over unit pixels would add about
// 1/12 to s^2; the simulator does not.) Shot noise is independent from
// frame to frame and adds to G(0) only; the background scales G0 only.
//
// Measurement. G(0) holds the shot noise (and the output's first point is
// always a copy of the second), so the amplitude is extrapolated from lags
// 1 and 2: 2 G(1) - G(2) = G0 (1 - 2/tau_D^2 + ...), 0.5 % low. A pixel's
// half-time is where its curve crosses half that amplitude (linear
// interpolation between lags; multi-tau with m = 32 has every lag 0..31);
// the test compares the median over pixels.
//
// Expected bias (why the measurement is a few percent low): a fixed number
// of particles in a periodic box of side L gives G(inf) = -1/Np, an offset
// b with b/G0 = 4 pi s^2/L^2 (1.2 % here) that lowers the half-time by
// about 2b/G0 (2.5 %); normalizing by the series' own means biases G down
// by about 2/N times its integral (1 to 2 %). Measured: 18.74 frames for
// tau_D = 20 (-6.3 %); amplitude 0.277 for G0 - 1/Np = 0.283. Over five
// seeds the half-time ranged from -6.3 % to +1.5 % and the amplitude from
// -2 % to +3 %: the 15 % and 10 % tolerances leave room for both.
func TestACFDiffusionTime(t *testing.T) {
	so, data := freeDiffusionData(t)
	o := Options{Offsets: []Offset{{0, 0}}, Bins: Multitau, M: 32}
	o.SetSmooth(0)
	got, g := compute(t, data, o)
	if g.Lags[1] != 1 || g.Lags[2] != 2 || g.Lags[31] != 31 {
		t.Fatalf("multi-tau lags %v, want 0..31 first", g.Lags[:32])
	}
	os := g.OutShape
	nb := os[3]
	npix := os[0] * os[1]
	tauD := so.PSFSigma * so.PSFSigma / so.Diffusion
	var halves []float64
	mean := make([]float64, nb)
	for p := 0; p < npix; p++ {
		c := got[p*nb : (p+1)*nb]
		for k := range c {
			mean[k] += float64(c[k]) / float64(npix)
		}
		amp := 2*float64(c[1]) - float64(c[2])
		h := math.Inf(1) // no crossing: counts as late
		for k := 2; k < nb; k++ {
			if v1 := float64(c[k]); v1 <= amp/2 {
				l0, l1, v0 := float64(g.Lags[k-1]), float64(g.Lags[k]), float64(c[k-1])
				h = l0 + (v0-amp/2)/(v0-v1)*(l1-l0)
				break
			}
		}
		halves = append(halves, h)
	}
	med := median(halves)
	amp := 2*mean[1] - mean[2]
	conc := float64(so.Particles) / float64(so.Size*so.Size)
	s2 := so.PSFSigma * so.PSFSigma
	signal := conc * so.Brightness * 2 * math.Pi * s2
	g0 := 1 / (4 * math.Pi * conc * s2) * math.Pow(signal/(signal+so.Background), 2)
	t.Logf("tau_D %g frames: median half-time over %d pixels %.3f (%+.1f %%); amplitude %.4f, theory %.4f (G0 %.4f - 1/Np)",
		tauD, npix, med, 100*(med/tauD-1), amp, g0-1/float64(so.Particles), g0)
	for _, k := range []int{1, 5, 10, 20, 31} {
		t.Logf("lag %2d: mean G %.4f, amplitude/(1 + lag/tau_D) %.4f", g.Lags[k], mean[k], amp/(1+float64(g.Lags[k])/tauD))
	}
	if math.Abs(med/tauD-1) > 0.15 {
		t.Errorf("median half-time %.3f frames, want tau_D = w^2/(4D) = s^2/D = %g within 15 %%", med, tauD)
	}
	// The amplitude checks the normalization: G0 less the 1/Np of the
	// fixed particle count, within 10 %.
	if want := g0 - 1/float64(so.Particles); math.Abs(amp/want-1) > 0.10 {
		t.Errorf("amplitude %.4f, want %.4f within 10 %%", amp, want)
	}
}

// TestCrossChannelIdentical: the cross-channel correlation of two identical
// channels (Data2 = the same data) is the single-channel one: bitwise for
// the ACF, within 1e-7 for pCF offsets, whose single-channel computation
// takes a pair's backward direction from the opposite offset's transform
// (rounding differs in the last float32 bit or so).
func TestCrossChannelIdentical(t *testing.T) {
	_, data := freeDiffusionData(t)
	for _, c := range []struct {
		name    string
		o       Options
		bitwise bool
	}{
		{"acf multitau no smoothing", Options{Offsets: []Offset{{0, 0}}, Bins: Multitau, M: 32, NoSmooth: true}, true},
		{"acf log bins", Options{Offsets: []Offset{{0, 0}}, Nbins: 32}, true},
		{"pcf linear bins", Options{Offsets: []Offset{{0, 0}, {2, 0}, {-2, 0}, {1, -3}}, Nbins: 24, Bins: LinearBinning}, false},
	} {
		o := c.o
		a, _ := compute(t, data, o)
		o.Data2 = &data
		b, _ := compute(t, data, o)
		var maxd float64
		nbit := 0
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				nbit++
			}
			maxd = max(maxd, math.Abs(float64(a[i])-float64(b[i])))
		}
		t.Logf("%s: %d of %d values differ in a bit, largest difference %.3g", c.name, nbit, len(a), maxd)
		if c.bitwise && nbit > 0 {
			t.Errorf("%s: with Data2 = data, %d values differ from the single-channel ACF (largest %.3g), want none", c.name, nbit, maxd)
		}
		if !(maxd <= 1e-7) {
			t.Errorf("%s: with Data2 = data, values differ by up to %.3g, want <= 1e-7", c.name, maxd)
		}
	}
}

// TestFlowDeltaCCF: particles carried by a flow of v = 0.2 pixel per frame
// along the columns. The delta-CCF G(p->q) - G(q->p) at offset (d, 0)
// (downstream) is positive with its maximum near the transit time d/v;
// at offset (0, d) (across the flow) it is near zero.
//
// Theory (point detectors as in TestACFDiffusionTime): the pair
// correlation is proportional to exp(-(d - v tau)^2 / (2 S)) / S with
// S = 2 s^2 + 2 D tau; its maximum lies slightly before d/v (at about
// d/v - 2D/v^2 = 19 frames for D = 0.02), the reverse direction is
// exp(-(d + v tau)^2 / (2 S)) / S, small at every tau > 0. A periodic box
// of side L brings particles back every L/v = 160 frames, which shows as
// smaller delayed bumps near (L +- d)/v.
//
// Across the flow the expected delta-CCF is exactly zero: mirroring the
// rows (y -> -y) leaves the flow along x, isotropic diffusion and the
// absence of a barrier unchanged and turns G(p -> p+(0,d)) into
// G(p -> p-(0,d)), the reverse direction. What remains is noise: the mean
// over pixels and 8192 frames left 0.0055 at most here (2.8 % of the
// downstream peak of 0.195), and 1.9 % to 4.3 % of the peak over five
// seeds. The bound, 10 % of the downstream peak over the delays up to
// 2 d/v, is over twice the worst of these and far below what a sign or
// axis error would give (the full peak).
func TestFlowDeltaCCF(t *testing.T) {
	so := simulate.Options{
		Frames: 8192, Size: 32, Seed: 5, Particles: 250, Diffusion: 0.02,
		ChannelWidth: 0, PSFSigma: 1, Brightness: 20, Background: 2, FlowU: 0.2,
	}
	data := simStack(t, so)
	const d = 4
	o := Options{Offsets: []Offset{{d, 0}, {0, d}}, Bins: Multitau, M: 32, Delta: true}
	o.SetSmooth(0)
	got, g := compute(t, data, o)
	os := g.OutShape
	nb := os[3]
	npix := os[0] * os[1]
	along, across := make([]float64, nb), make([]float64, nb)
	for p := 0; p < npix; p++ {
		for k := 0; k < nb; k++ {
			along[k] += float64(got[(p*2+0)*nb+k]) / float64(npix)
			across[k] += float64(got[(p*2+1)*nb+k]) / float64(npix)
		}
	}
	transit := d / so.FlowU
	j := 0
	for k := range along {
		if along[k] > along[j] {
			j = k
		}
	}
	peak := along[j]
	var worst float64
	for k := 1; k < nb && float64(g.Lags[k]) <= 2*transit; k++ {
		worst = max(worst, math.Abs(across[k]))
	}
	t.Logf("downstream (%d, 0): maximum %.4f at delay %g frames, transit d/v = %g; across (0, %d): largest |delta| %.4f up to delay %g (%.1f %% of the peak)",
		d, peak, g.Delays[j], transit, d, worst, 2*transit, 100*worst/peak)
	if math.Abs(g.Delays[j]/transit-1) > 0.2 {
		t.Errorf("downstream delta-CCF maximum at delay %g frames, want d/v = %g within 20 %%", g.Delays[j], transit)
	}
	if !(peak > 0.05) {
		t.Errorf("downstream delta-CCF maximum %.4f, want a clear positive peak (> 0.05)", peak)
	}
	for k := range along {
		if l := float64(g.Lags[k]); l >= transit/2 && l <= 1.5*transit && !(along[k] > 0) {
			t.Errorf("downstream delta-CCF at delay %g is %.4f, want > 0 around the transit time", l, along[k])
		}
	}
	if !(worst < 0.1*peak) {
		t.Errorf("across the flow: |delta-CCF| up to %.4f, want < 10 %% of the downstream peak (%.4f)", worst, 0.1*peak)
	}
}
