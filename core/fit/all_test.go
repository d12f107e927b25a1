package fit

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ipcf/ipcf/core/pool"
)

// TestFitAll: FitAll fits every curve of a (H, W, K, P) array as Fitter.Fit
// does, bit for bit, on any number of workers, and recovers the
// parameters of noise-free curves.
func TestFitAll(t *testing.T) {
	tau := logDelays(16384, 32)
	const h, w, k = 5, 4, 8
	c, m := syntheticPCF(h, w, k, tau, 0, 2)
	p := len(tau)
	// A masked pixel (NaN curves, as the engine writes) and one NaN point.
	for i := range k * p {
		c.Data[(1*w+2)*k*p+i] = float32(math.NaN())
	}
	c.Data[((3*w+1)*k+5)*p+7] = float32(math.NaN())
	o := AllOptions{Options: DefaultOptions(m)}
	var first *Maps
	for _, threads := range []int{1, 3} {
		o.Threads = threads
		maps, err := FitAll(context.Background(), m, c, o)
		if err != nil {
			t.Fatal(err)
		}
		if maps.H != h || maps.W != w || maps.K != k || maps.NP != 2 || maps.Names[1] != "D" {
			t.Fatalf("maps %d x %d x %d x %d %v", maps.H, maps.W, maps.K, maps.NP, maps.Names)
		}
		if first == nil {
			first = maps
		} else {
			for i := range maps.Params {
				if maps.Params[i] != first.Params[i] && !(math.IsNaN(maps.Params[i]) && math.IsNaN(first.Params[i])) {
					t.Fatalf("threads %d: param %d = %g, one thread %g", threads, i, maps.Params[i], first.Params[i])
				}
			}
		}
	}
	ft := NewFitter(o.Options)
	y := make([]float64, p)
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			dc := 0.02 + 0.03*float64(px)/float64(w)
			d := 0.2 + 1.5*float64(py)/float64(h)
			for i := 0; i < k; i++ {
				q := (py*w+px)*k + i
				for j := range y {
					y[j] = float64(c.Data[q*p+j])
				}
				want := ft.Fit(m.At(c.Offsets[i]), tau, y, nil)
				st := first.Status[q]
				if st != want.Status || first.ChiSq[q] != want.ChiSq && !math.IsNaN(want.ChiSq) || int(first.DoF[q]) != want.DoF {
					t.Errorf("(%d, %d, %d): status %v chi2 %g, Fit %v %g", py, px, i, st, first.ChiSq[q], want.Status, want.ChiSq)
				}
				for j := 0; j < 2; j++ {
					g := first.Params[q*2+j]
					if g != want.Params[j] && !math.IsNaN(want.Params[j]) || first.StdErr[q*2+j] != want.StdErr[j] && !math.IsNaN(want.StdErr[j]) {
						t.Errorf("(%d, %d, %d): param %d = %g (SE %g), Fit %g (%g)", py, px, i, j, g, first.StdErr[q*2+j], want.Params[j], want.StdErr[j])
					}
				}
				masked := py == 1 && px == 2 || py == 3 && px == 1 && i == 5
				if masked {
					if st != Failed {
						t.Errorf("(%d, %d, %d): NaN curve has status %v", py, px, i, st)
					}
					continue
				}
				// float32 curves: the truth to float32 precision.
				if st != Converged || math.Abs(first.Params[q*2]-dc) > 1e-5*dc || math.Abs(first.Params[q*2+1]-d) > 1e-5*d {
					t.Errorf("(%d, %d, %d): %v %v, want [%g %g]", py, px, i, st, first.Params[q*2:q*2+2], dc, d)
				}
			}
		}
	}
	cnt := first.Counts()
	if cnt[Failed] != k+1 || cnt[Converged] != h*w*k-k-1 {
		t.Errorf("counts %v", cnt)
	}
}

// TestFitAllJoint: the flow of every pixel from its 32 CCFs, with error
// bars.
func TestFitAllJoint(t *testing.T) {
	tau := logDelays(16384, 32)
	const h, w = 3, 2
	offs := circle(6, 32)
	k, p := len(offs), len(tau)
	m := CCF2D{W: 2.5}
	data := make([]float32, h*w*k*p)
	sigma := make([]float32, len(data))
	truth := func(y, x int) []float64 {
		a := float64(y*w+x) * 1.1
		return []float64{0.05, 0.4 + 0.1*float64(x), 0.05 * math.Cos(a), 0.05 * math.Sin(a)}
	}
	f := make([]float64, p)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for i, r := range offs {
				m.At(r).Eval(truth(y, x), tau, f, nil)
				for j := range f {
					q := ((y*w+x)*k+i)*p + j
					data[q] = float32(f[j])
					sigma[q] = 1e-3
				}
			}
		}
	}
	c := Curves{Data: data, Shape: [4]int{h, w, k, p}, Tau: tau, Sigma: sigma, Offsets: offs}
	maps, err := FitAll(context.Background(), m, c, AllOptions{Options: DefaultOptions(m), Joint: true})
	if err != nil {
		t.Fatal(err)
	}
	if maps.K != 1 || maps.NP != 4 {
		t.Fatalf("K %d NP %d, want 1 and 4", maps.K, maps.NP)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			q := y*w + x
			want := truth(y, x)
			if maps.Status[q] != Converged {
				t.Errorf("(%d, %d): %v", y, x, maps.Status[q])
			}
			for j, v := range want {
				if g := maps.Params[q*4+j]; math.Abs(g-v) > 1e-5*math.Max(math.Abs(v), 0.01) {
					t.Errorf("(%d, %d): param %d = %g, want %g", y, x, j, g, v)
				}
				if se := maps.StdErr[q*4+j]; !(se > 0) || se > 0.05 {
					t.Errorf("(%d, %d): SE %d = %g", y, x, j, se)
				}
			}
			// float32 rounding is the only noise: chi-square far below 1.
			if maps.ChiSq[q] > 1e-3 {
				t.Errorf("(%d, %d): chi-square %g", y, x, maps.ChiSq[q])
			}
			// the vx-vy covariance of the pixel's fit, for speed's and angle's errors
			ms := make([]Model, k)
			ys := make([][]float64, k)
			ss := make([][]float64, k)
			for i, r := range offs {
				ms[i] = m.At(r)
				ys[i], ss[i] = make([]float64, p), make([]float64, p)
				for j := range ys[i] {
					ys[i][j], ss[i][j] = float64(data[((q*k)+i)*p+j]), float64(sigma[((q*k)+i)*p+j])
				}
			}
			r := NewFitter(DefaultOptions(m)).FitJoint(ms, tau, ys, ss)
			if len(maps.CovV) != h*w || maps.CovV[q] != r.Cov[2][3] || r.Cov[2][3] == 0 {
				t.Errorf("(%d, %d): CovV %v, FitJoint's covariance of vx and vy %g", y, x, maps.CovV, r.Cov[2][3])
			}
		}
	}
}

func TestFitAllErrors(t *testing.T) {
	tau := logDelays(1024, 16)
	c, m := syntheticPCF(2, 2, 4, tau, 0, 3)
	ctx := context.Background()
	bad := map[string]func() (Model, Curves, AllOptions){
		"nil model":  func() (Model, Curves, AllOptions) { return nil, c, AllOptions{} },
		"bad model":  func() (Model, Curves, AllOptions) { return PCF1D{}, c, AllOptions{} },
		"short data": func() (Model, Curves, AllOptions) { d := c; d.Data = d.Data[1:]; return m, d, AllOptions{} },
		"bad shape":  func() (Model, Curves, AllOptions) { d := c; d.Shape[2] = 0; return m, d, AllOptions{} },
		"negative": func() (Model, Curves, AllOptions) {
			d := c
			d.Shape[0] = -2
			d.Shape[1] = -2
			return m, d, AllOptions{}
		},
		"short tau":   func() (Model, Curves, AllOptions) { d := c; d.Tau = d.Tau[1:]; return m, d, AllOptions{} },
		"short sigma": func() (Model, Curves, AllOptions) { d := c; d.Sigma = make([]float32, 3); return m, d, AllOptions{} },
		"offsets":     func() (Model, Curves, AllOptions) { d := c; d.Offsets = d.Offsets[1:]; return m, d, AllOptions{} },
		"NaN offset": func() (Model, Curves, AllOptions) {
			d := c
			d.Offsets = []Vec{{}, {}, {math.NaN(), 0}, {}}
			return m, d, AllOptions{}
		},
		"bounds length": func() (Model, Curves, AllOptions) { return m, c, AllOptions{Options: Options{Lower: []float64{0}}} },
		"MaxIter":       func() (Model, Curves, AllOptions) { return m, c, AllOptions{Options: Options{MaxIter: -1}} },
		"tolerance":     func() (Model, Curves, AllOptions) { return m, c, AllOptions{Options: Options{XTol: math.NaN()}} },
	}
	for name, f := range bad {
		mm, cc, oo := f()
		if maps, err := FitAll(ctx, mm, cc, oo); err == nil {
			t.Errorf("%s: no error (%v)", name, maps.Counts())
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FitAll(cancelled, m, c, AllOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
	if _, err := FitAll(ctx, m, c, AllOptions{Progress: func(done, total int) bool { return false }}); err == nil {
		t.Error("progress returning false: no error")
	}
	// An empty image is fine.
	e := Curves{Shape: [4]int{0, 3, 4, len(tau)}, Tau: tau}
	if maps, err := FitAll(ctx, m, e, AllOptions{}); err != nil || len(maps.Status) != 0 {
		t.Errorf("empty image: %v", err)
	}
	// A model without offsets ignores them.
	if maps, err := FitAll(ctx, ACF2D{W: 2.5}, c, AllOptions{Options: Options{First: 1, Last: 1}}); err != nil || maps.K != 4 {
		t.Errorf("ACF2D with offsets: %v", err)
	}
	if !errors.Is(func() error { _, err := FitAll(ctx, m, Curves{}, AllOptions{}); return err }(), ErrShape) {
		t.Error("empty curves: want ErrShape")
	}
}

// maxGuessesPerFit bounds the guesses of one fit (a second start from the
// curve averaged over 5 points, see Fitter).
const maxGuessesPerFit = 4

// guessCounter is ACF2D counting its guesses (one or more a fit) and
// cancelling its run at the at-th.
type guessCounter struct {
	ACF2D
	n      *int
	at     int
	cancel func()
}

func (g guessCounter) Guess(p, tau, y []float64) {
	if *g.n++; *g.n == g.at {
		g.cancel()
	}
	g.ACF2D.Guess(p, tau, y)
}

// TestFitAllStopsWithinARow: a cancelled run stops after the pixel being
// fitted, not at the end of its row: a task is a row, and a row of 1,600
// pixels of ccf2d curves took 19 s to answer Ctrl+C (a campaign).
func TestFitAllStopsWithinARow(t *testing.T) {
	const w = 600
	// The pixel being fitted when it was cancelled ends (its guesses
	// count); none after it starts.
	if n := guessesAfterCancel(t, w, 1); n < 10 || n > 10+maxGuessesPerFit {
		t.Errorf("%d guesses of %d pixels' fits: cancelled at the 10th, the run went on", n, w)
	}
}

// guessesAfterCancel fits a row of w pixels of k curves on one thread,
// cancelled at the 10th guess, and returns the guesses made in all.
func guessesAfterCancel(t *testing.T, w, k int) int {
	t.Helper()
	c, _ := syntheticPCF(1, w, k, logDelays(1024, 16), 0, 5)
	c.Offsets = nil
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	m := guessCounter{ACF2D: ACF2D{W: 2.5}, n: &n, at: 10, cancel: cancel}
	if _, err := FitAll(ctx, m, c, AllOptions{Options: DefaultOptions(m.ACF2D), Threads: 1}); !errors.Is(err, pool.ErrCancelled) {
		t.Fatalf("err %v, want cancelled", err)
	}
	return n
}

// TestFitAllStopsWithinAPixel: a pixel of many curves (offsets) stops
// every 64 curves: one of 65,536 curves took 54 s to answer Ctrl+C (a
// campaign).
func TestFitAllStopsWithinAPixel(t *testing.T) {
	const k = 600
	if n := guessesAfterCancel(t, 1, k); n < 10 || n > 64*maxGuessesPerFit {
		t.Errorf("%d guesses of %d curves' fits: cancelled at the 10th, the pixel went on", n, k)
	}
}

// evalCounter is ACF2D counting its evaluations and cancelling its run
// at the at-th.
type evalCounter struct {
	ACF2D
	n      *int
	at     int
	cancel func()
}

func (e evalCounter) Eval(p, tau, f, jac []float64) {
	if *e.n++; *e.n == e.at {
		e.cancel()
	}
	e.ACF2D.Eval(p, tau, f, jac)
}

// TestFitAllStopsWithinAJointFit: a joint fit of many curves looks at the
// stop between its iterations: one of 32,768 curves took 6.6 s to answer
// Ctrl+C (a campaign). Cancelled at its 3rd iteration (an evaluation of
// every curve each), the fit makes at most the evaluations of one more.
func TestFitAllStopsWithinAJointFit(t *testing.T) {
	const k = 4096 // curves of 16 points: 65,536 points, a look every iteration
	c, _ := syntheticPCF(1, 1, k, logDelays(1024, 16), 0.01, 6)
	c.Offsets = nil
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	m := evalCounter{ACF2D: ACF2D{W: 2.5}, n: &n, at: 3*k + 1, cancel: cancel}
	_, err := FitAll(ctx, m, c, AllOptions{Options: DefaultOptions(m.ACF2D), Threads: 1, Joint: true})
	if !errors.Is(err, pool.ErrCancelled) {
		t.Fatalf("err %v, want cancelled", err)
	}
	if n > 4*k+1 {
		t.Errorf("%d evaluations of %d curves: cancelled at the %d-th, the fit went on", n, k, 3*k+1)
	}
}
