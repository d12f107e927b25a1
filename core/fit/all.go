package fit

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ipcf/ipcf/core/pool"
)

// Curves is a (H, W, K, P) array of correlation curves as the pcf engine
// writes them: for each pixel (row, column), K curves (one per offset) of
// P points at the delays Tau.
type Curves struct {
	Data  []float32 // H*W*K*P values, C order
	Shape [4]int    // H, W, K, P
	Tau   []float64 // the P delays (frames or seconds)
	// Sigma is nil, or the error bar of every point of Data (same shape):
	// the fits are then weighted by 1/Sigma^2 and the standard errors are
	// not rescaled by the reduced chi-square.
	Sigma []float32
	// Offsets is nil or the K displacements from a pixel to its
	// neighbours, in the units of the model's waist (Vec{U*pixelSize,
	// V*pixelSize} for the engine's offset (U, V)). A model that has an
	// offset (OffsetModel) is placed at each; others ignore them.
	Offsets []Vec
}

// AllOptions controls FitAll.
type AllOptions struct {
	Options
	// Joint fits the K curves of a pixel together (one set of parameters
	// per pixel, K = 1 in the maps) instead of each curve alone.
	Joint bool
	// Threads is the number of workers (0: GOMAXPROCS).
	Threads int
	// Progress is nil or called on the calling goroutine with the rows
	// done and the total; returning false cancels.
	Progress pool.Progress
}

// Maps holds the fits of every curve of a Curves array.
type Maps struct {
	H, W, K, NP int       // K: the offsets fitted (1 for a joint fit); NP: parameters
	Names       []string  // the parameters' names
	Params      []float64 // (H, W, K, NP)
	StdErr      []float64 // (H, W, K, NP)
	ChiSq       []float64 // (H, W, K): chi-square of each fit
	DoF         []int32   // (H, W, K): its degrees of freedom
	Status      []Status  // (H, W, K)
	// CovV is the covariance of vx and vy (H, W, K) for a model with a
	// velocity (parameters 2 and 3), which the standard errors of speed and
	// angle take; nil for other models.
	CovV []float64
}

// Counts returns the number of fits with each status, indexed by Status.
func (m *Maps) Counts() [Failed + 1]int {
	var c [Failed + 1]int
	for _, s := range m.Status {
		if s <= Failed {
			c[s]++
		}
	}
	return c
}

// ErrShape reports a Curves array whose parts disagree.
var ErrShape = errors.New("fit: inconsistent curves")

// FitAll fits the model m to every curve of c (or, with Joint, to every
// pixel's curves at once) on a pool of workers, each with its own Fitter.
// It returns an error for inconsistent input or options, or when ctx is
// cancelled; curves that cannot be fitted get the status Failed.
func FitAll(ctx context.Context, m Model, c Curves, o AllOptions) (*Maps, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil model", ErrModel)
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	np := m.NumParams()
	if np < 1 || np > MaxParams {
		return nil, fmt.Errorf("%w: %d parameters, want 1..%d", ErrModel, np, MaxParams)
	}
	if err := o.Options.check(np); err != nil {
		return nil, err
	}
	h, w, k, p := c.Shape[0], c.Shape[1], c.Shape[2], c.Shape[3]
	if h < 0 || w < 0 || k < 1 || p < 1 {
		return nil, fmt.Errorf("%w: shape %v", ErrShape, c.Shape)
	}
	total := int64(h) * int64(w) * int64(k) * int64(p)
	if total > math.MaxInt32*int64(64) || int64(len(c.Data)) != total {
		return nil, fmt.Errorf("%w: %d values for shape %v", ErrShape, len(c.Data), c.Shape)
	}
	if len(c.Tau) != p {
		return nil, fmt.Errorf("%w: %d delays for %d points", ErrShape, len(c.Tau), p)
	}
	if c.Sigma != nil && len(c.Sigma) != len(c.Data) {
		return nil, fmt.Errorf("%w: %d error bars for %d values", ErrShape, len(c.Sigma), len(c.Data))
	}
	if c.Offsets != nil && len(c.Offsets) != k {
		return nil, fmt.Errorf("%w: %d offsets for %d curves per pixel", ErrShape, len(c.Offsets), k)
	}
	models := make([]Model, k)
	om, isOff := m.(OffsetModel)
	for i := range models {
		models[i] = m
		if isOff && c.Offsets != nil {
			models[i] = om.At(c.Offsets[i])
			if err := models[i].Check(); err != nil {
				return nil, fmt.Errorf("offset %d: %w", i, err)
			}
		}
	}
	ko := k
	if o.Joint {
		ko = 1
	}
	n := h * w * ko
	out := &Maps{
		H: h, W: w, K: ko, NP: np,
		Names:  m.ParamNames(),
		Params: make([]float64, n*np),
		StdErr: make([]float64, n*np),
		ChiSq:  make([]float64, n),
		DoF:    make([]int32, n),
		Status: make([]Status, n),
	}
	if hasVelocity(out.Names) {
		out.CovV = make([]float64, n)
	}
	fitters := make([]*Fitter, pool.Threads(o.Threads))
	// A task is a row; the run's stop (Ctrl+C, a cancelled token) is
	// looked at after every pixel: a row of a wide image took seconds
	// (19 s for 1,600 pixels of 16 ccf2d curves, a campaign), and Ctrl+C
	// waited for its end.
	err := pool.RunPolled(ctx, len(fitters), h, func(worker, y int, stopped func() bool) error {
		ft := fitters[worker]
		if ft == nil {
			ft = NewFitter(o.Options)
			fitters[worker] = ft
		}
		ft.stopped = stopped
		for x := 0; x < w; x++ {
			if x > 0 && stopped() {
				return pool.ErrCancelled
			}
			pix := (y*w + x) * k
			if o.Joint {
				r := fitFlat(ft, models, c.Tau, c.Data[pix*p:(pix+k)*p], sub(c.Sigma, pix*p, (pix+k)*p), p)
				if ft.halted {
					return pool.ErrCancelled
				}
				out.put(y*w+x, &r)
				continue
			}
			for i := 0; i < k; i++ {
				if i > 0 && i&63 == 0 && stopped() {
					// a pixel of 65,536 curves took 54 s (a campaign)
					return pool.ErrCancelled
				}
				q := pix + i
				r := fitFlat(ft, models[i:i+1], c.Tau, c.Data[q*p:(q+1)*p], sub(c.Sigma, q*p, (q+1)*p), p)
				if ft.halted {
					return pool.ErrCancelled
				}
				out.put(q, &r)
			}
		}
		return nil
	}, o.Progress)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

func (m *Maps) put(i int, r *Result) {
	copy(m.Params[i*m.NP:(i+1)*m.NP], r.Params[:m.NP])
	copy(m.StdErr[i*m.NP:(i+1)*m.NP], r.StdErr[:m.NP])
	m.ChiSq[i] = r.ChiSq
	m.DoF[i] = int32(r.DoF)
	m.Status[i] = r.Status
	if m.CovV != nil {
		m.CovV[i] = r.Cov[2][3]
	}
}

// hasVelocity reports whether a model's parameters are those of a flow
// with the velocity (vx, vy) as parameters 2 and 3, of which Columns
// derives speed and angle.
func hasVelocity(names []string) bool {
	return len(names) >= 4 && names[2] == "vx" && names[3] == "vy"
}

// fitFlat fits the len(ms) curves of p points laid end to end in y.
func fitFlat[T float32 | float64](ft *Fitter, ms []Model, tau []float64, y, sigma []T, p int) Result {
	var r Result
	if !ft.begin(ms[0], &r) {
		return r
	}
	for k, m := range ms {
		var s []T
		if sigma != nil {
			s = sigma[k*p : (k+1)*p]
		}
		if !load(ft, m, tau, y[k*p:(k+1)*p], s) {
			return failed(r)
		}
	}
	ft.run(&r)
	ft.retry(&r)
	return r
}
