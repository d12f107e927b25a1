// Package fit fits physical models to the correlation curves the library
// computes (docs/toolkit.md): the pCF of every pixel and offset, the ACF
// of every pixel (imaging FCS), the CCF and delta-CCF at an offset. It
// returns, per fit, the parameters, their standard errors, chi-square and
// a status (issue 14, "Answers, not only curves").
//
// # Units
//
// The delays are those of the curves (docs/toolkit.md section 7): frames,
// or seconds once multiplied by the frame interval. Distances (the PSF
// waist W, the pixel side A, offsets) are in pixels or micrometres, the
// same for all of a model's constants. D is then in distance^2 per delay
// unit (pixels^2/frame; times pixelSize^2/frameInterval, um^2/s) and
// velocities in distance per delay unit. G0 and Ginf are dimensionless.
// An offset (U, V) of the engine (U columns, V rows) is the displacement
// Vec{X: U * pixelSize, Y: V * pixelSize}, from the pixel to its
// neighbour.
//
// # Models
//
// Every model has analytic derivatives with respect to its parameters.
// W is the 1/e^2 radius of a Gaussian PSF; write q = 4 D tau + W^2.
//
// PCF1D{W, Dist}, the pCF of ICSx64's ipcf_nlsp_1dpcf; parameters DC, D:
//
//	G(tau) = DC / (1 + 4 D tau / W^2) * exp(-Dist^2 / q)
//
// ACF2D{W, Flow, Offset}; parameters G0, D [, v] [, Ginf]:
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) [* exp(-v^2 tau^2 / q)] [+ Ginf]
//
// ACF3D{W, Kappa, Flow, Offset}, axial waist Kappa*W; parameters G0, D
// [, v] [, Ginf]:
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) / sqrt(1 + 4 D tau / (Kappa^2 W^2))
//	         [* exp(-v^2 tau^2 / q)] [+ Ginf]
//
// CCF2D{W, R, Delta, Offset}, the CCF at the displacement R under
// diffusion and flow of velocity v = (vx, vy); parameters G0, D, vx, vy
// [, Ginf]:
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) * exp(-|R - v tau|^2 / q) [+ Ginf]
//
// and with Delta the delta-CCF, forward minus backward direction (Ginf
// cancels):
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) * (exp(-|R - v tau|^2 / q) - exp(-|R + v tau|^2 / q))
//
// ITIRFCS{A, W, R, Flow, Offset}, imaging FCS with square camera pixels of
// side A (Sankaran J, Manna M, Guo L, Kraut R, Wohland T (2009) Biophys J
// 97: 2630-2639): the Gaussian propagator of diffusion and flow, widened by
// the PSF, integrated over both pixels; parameters G0, D [, vx, vy]
// [, Ginf]:
//
//	G(tau) = G0 * F(Rx - vx tau, p) * F(Ry - vy tau, p) / F(0, W)^2 [+ Ginf]
//	p = sqrt(q)
//	F(r, p) = (h(r + A) + h(r - A) - 2 h(r)) / 2
//	h(z) = z erf(z / p) + p / sqrt(pi) * exp(-z^2 / p^2)
//
// F is evaluated with erfc so that the tails of far pixels keep their
// relative precision. G0 is G(0) of the ACF, 1/N for N particles seen
// by a pixel; as A -> 0 the model becomes ACF2D and CCF2D.
//
// Default bounds: G0, DC, D and v at least 0; velocity components and
// Ginf free. One CCF determines only the component of v along R and |v|
// (the sign across R is ambiguous, and with v along R the Jacobian's
// column across R vanishes: a single-curve fit then gives Failed, unless
// a bound fixes that component); the curves of a pixel's offsets fitted together (FitJoint,
// FitAll with Joint) give the direction and speed. The same holds for an
// ITIRFCS ACF with flow, which sees little more than vx^2 + vy^2 (its
// Jacobian nearly singular: such fits mostly end Failed).
//
// # ICSx64
//
// PCF1D with DefaultOptions follows ICSx64's ipcf_nlsp_1dpcf: the first
// and last points of each curve are left out, negative points are clipped
// to 0, the model and its two parameters are the same (ICSx64 takes W^2
// and Dist^2; this package W and Dist). Differences: ICSx64 evaluates
// G = DC without the Gaussian factor where 4 D tau = 0 (tau = 0, left out,
// or D = 0); this package keeps the continuous formula. ICSx64 starts
// every fit from fixed arguments (Options.Guess does that here) and uses
// MKL's trust-region solver with numerical derivatives; it skips curves
// whose first fitted point is NaN, which this package reports as Failed,
// as any curve holding a NaN among its fitted points (the First and Last
// points left out are not read). ICSx64's "average" mode (fitting the mean of
// a pixel's curves at their mean distance) is not implemented: a joint fit
// of the curves at their own distances replaces it.
//
// # Fitting
//
// Fitter is a Levenberg-Marquardt least-squares solver on the models'
// analytic Jacobians, weighted by 1/sigma^2 when the points' error bars
// sigma are given. It solves (A + mu diag(d^2)) delta = g, with
// A = J^T W J, g = J^T W (y - G), d the largest column norms of J seen so
// far (MINPACK's scaling) and mu updated by the gain ratio (Nielsen's
// rule). Box bounds are handled by projection: each step is clamped into
// the box, and a parameter on a bound that the gradient pushes outwards
// is held there for the step (an active set), so that parameters end
// exactly on their bounds. Lower == Upper holds a parameter fixed.
// Converged when the scaled step is below XTol (1e-10) of the scaled
// parameters, when both the actual and predicted relative reductions of
// chi-square are below FTol (1e-12), or when the scaled gradient of the
// unconstrained parameters is below GTol (1e-12) times sqrt(chi-square);
// at most MaxIter (200) trial steps. A parameter that converged next to a
// bound (within 1e-4 in scaled units) is moved onto it when that leaves
// chi-square unchanged: a speed whose derivative vanishes at 0 would only
// creep towards it.
//
// The data are scaled by a power of two to a largest |value| in
// [0.5, 1) before fitting (G0 and Ginf scale with them), so that curves of
// any magnitude fit alike.
//
// Standard errors are the square roots of the diagonal of (J^T W J)^-1
// over the free parameters at the solution, multiplied by the reduced
// chi-square chi2 / (N - free parameters) when no error bars are given. A
// parameter whose column of J is zero or dependent on the others (a pivot
// below 1e-12 in the Cholesky factor of the correlation matrix) gets +Inf
// and is left out of the inverse; if it is not on a bound, the fit is
// Failed.
//
// Statuses: Converged; AtBound (converged with a parameter on a bound);
// MaxIter; Failed (a NaN or infinite point, delay or error bar among the
// points fitted (not First and Last, which are not read), a non-positive
// error bar, an error bar so much smaller than the others that a parameter
// is undetermined (one of 1e-10 among 1e-3 did, one of 1e-8 did not), descending or negative delays, no more points
// than free parameters, invalid options or model, a model that is not
// finite at the start, an undetermined parameter off its bounds, or an
// amplitude beyond float64). A failed fit gives NaN parameters, standard
// errors and chi-square, whatever the cause, so that no map shows a
// failed pixel's values as fitted. No input makes a fit panic (FuzzFit).
//
// # Initial guesses
//
// Models guess from the data, so that fits need no user start: D from the
// delay of the pCF's peak (4 D tau_peak + W^2 = Dist^2) when the distance
// exceeds the waist, otherwise from the delay at which the curve falls to
// half its start (D = W^2 / (4 tau_half), interpolated in log delay);
// Ginf from the mean of the last quarter of the curve; a flow speed off
// zero, where its derivative vanishes. The Fitter then sets G0 (and Ginf)
// by linear least squares, the model being linear in them. A joint fit
// starts from the median of its curves' guesses. A model with a velocity
// (CCF2D, ITIRFCS with Flow) is fitted again from the fit's velocity
// mirrored (negated, and across each axis) and from the four directions
// of the axes at its speed, and the best fit is kept: from no flow, two
// offsets against the flow led to its mirror image, status Converged.
// That costs about five times the single fit.
//
// # Performance
//
// A Fitter allocates nothing per fit once its buffers have grown; use one
// per goroutine. FitAll fits every curve of a (H, W, K, P) float32 array,
// or every pixel's K curves jointly, on a pool of workers (core/pool), one
// Fitter each. Fitting PCF1D to the default dataset's pCF (52 x 52 pixels
// x 32 offsets x 30 points, 86,528 curves) costs about 4 us per curve on
// one core (BenchmarkFitAll), about a third of the CPU time of computing
// it.
package fit
