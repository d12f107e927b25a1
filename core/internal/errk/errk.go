// Package errk holds the hot loops of the error bars (core/pcf's
// ErrorBars): the linearised series of a pair's bin points, their
// smoothing, and the levels of the blocking analysis. Each has a Go
// implementation and, in cgo builds on CPUs with AVX2, a C one that the
// package dispatches to itself; both give the same bits (the same
// operations in the same order: sums in four partial sums, t mod 4, added
// as (s0 + s1) + (s2 + s3); no fused multiply-adds: every product is
// converted to float64 explicitly, which the Go spec says rounds it, so
// that GOAMD64=v3 and arm64 builds do not fuse it into an add, and the C
// turns contraction off by pragma).
package errk

// Bins fills z (nb rows of n values, row j at z[j*n:]) with the series
// of the bin points of a pair whose relative deviations are u and v (n
// values each, n a power of two) and pv the prefix sums of v over 2n
// values (pv[0] = 0, pv[i+1] = pv[i] + v[i mod n]): for bin j of delays
// [lo, hi) (lo the previous bin's hi, 0 for the first),
//
//	x[t] = u[t] * (pv[t+hi] - pv[t+lo]) * (1/(hi-lo)),  g = sum(x)/n,
//	z_j[t] = x[t] - g*(u[t] + v[t]).
//
// Before each point it calls stopped (nil: none) and returns false, z
// unfinished, if that reports true (a point of 2^24 samples takes a tenth
// of a second; Ctrl+C is seen between points).
func Bins(z []float64, n int, u, v, pv []float64, bins []int64, stopped func() bool) bool {
	if len(bins) == 0 {
		return true
	}
	_ = z[len(bins)*n-1]
	_, _, _ = u[n-1], v[n-1], pv[2*n]
	if bins[len(bins)-1] > int64(n) || bins[0] < 1 {
		panic("errk: Bins: a bin beyond n")
	}
	var lo int64
	for j, hi := range bins {
		if stopped != nil && stopped() {
			return false
		}
		// Point j alone: its delays [lo, hi) as the first bin of the
		// prefix sums from lo on (the same operations).
		one := [1]int64{hi - lo}
		binsImpl(z[j*n:(j+1)*n], n, u, v, pv[lo:], one[:])
		lo = hi
	}
	return true
}

// Smooth makes point 0's series a copy of point 1's (the curve's first
// point takes the second's value) and, with smooth, smooths the nb rows
// of n values of z as the curves are: forward z_i = wn*z_i + wp*z_{i-1}
// for i = 1.., then backward z_i = wn*z_i + wp*z_{i+1} for i = nb-2..0.
// Before each row it calls stopped (nil: none) as Bins does.
func Smooth(z []float64, n, nb int, smooth bool, wn, wp float64, stopped func() bool) bool {
	if nb < 2 {
		return true
	}
	_ = z[nb*n-1]
	copy(z[:n], z[n:2*n])
	if !smooth {
		return true
	}
	for i := 1; i < nb; i++ {
		if stopped != nil && stopped() {
			return false
		}
		smoothRowImpl(z[i*n:(i+1)*n], z[(i-1)*n:i*n], wn, wp)
	}
	for i := nb - 2; i >= 0; i-- {
		if stopped != nil && stopped() {
			return false
		}
		smoothRowImpl(z[i*n:(i+1)*n], z[(i+1)*n:(i+2)*n], wn, wp)
	}
	return true
}

// Levels runs the levels of the blocking analysis of x (destroyed; its
// length n >= 1): it returns the mean of x and writes into c the biased
// variance (about that mean) of the block means of every level k, from
// level 0 (x itself) while n>>k >= minBlocks (level 0 always), at most
// len(c) levels; it returns how many. Level k+1's block means are the
// means of level k's pairs, computed in place.
func Levels(x []float64, minBlocks int, c []float64) (mean float64, levels int) {
	return levelsImpl(x, minBlocks, c)
}

var (
	binsImpl      = binsGo
	smoothRowImpl = smoothRow
	levelsImpl    = levelsGo
)

func binsGo(z []float64, n int, u, v, pv []float64, bins []int64) {
	lo := 0
	u, v = u[:n], v[:n]
	for j, hi64 := range bins {
		hi := int(hi64)
		zj := z[j*n : (j+1)*n]
		inv := 1 / float64(hi-lo)
		vh, vl := pv[hi:hi+n], pv[lo:lo+n]
		var s0, s1, s2, s3 float64
		t := 0
		for ; t+4 <= n; t += 4 {
			ut, ht, lt, zt := u[t:t+4:t+4], vh[t:t+4:t+4], vl[t:t+4:t+4], zj[t:t+4:t+4]
			x0 := float64(ut[0] * (ht[0] - lt[0]) * inv)
			x1 := float64(ut[1] * (ht[1] - lt[1]) * inv)
			x2 := float64(ut[2] * (ht[2] - lt[2]) * inv)
			x3 := float64(ut[3] * (ht[3] - lt[3]) * inv)
			zt[0], zt[1], zt[2], zt[3] = x0, x1, x2, x3
			s0 += x0
			s1 += x1
			s2 += x2
			s3 += x3
		}
		for ; t < n; t++ {
			x := float64(u[t] * (vh[t] - vl[t]) * inv)
			zj[t] = x
			s0 += x
		}
		g := ((s0 + s1) + (s2 + s3)) / float64(n)
		for t := range zj {
			zj[t] -= float64(g * (u[t] + v[t]))
		}
		lo = hi
	}
}

// smoothRow sets zi[t] = wn*zi[t] + wo*zo[t] (zo at least as long as zi).
func smoothRow(zi, zo []float64, wn, wo float64) {
	zo = zo[:len(zi)]
	t := 0
	for ; t+4 <= len(zi); t += 4 {
		a, b := zi[t:t+4:t+4], zo[t:t+4:t+4]
		a[0], a[1], a[2], a[3] = float64(wn*a[0])+float64(wo*b[0]), float64(wn*a[1])+float64(wo*b[1]),
			float64(wn*a[2])+float64(wo*b[2]), float64(wn*a[3])+float64(wo*b[3])
	}
	for ; t < len(zi); t++ {
		zi[t] = float64(wn*zi[t]) + float64(wo*zo[t])
	}
}

// sum4 returns the sum of x by four partial sums (x[t], t mod 4),
// (s0 + s1) + (s2 + s3).
func sum4(x []float64) float64 {
	var s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= len(x); t += 4 {
		v := x[t : t+4 : t+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
	}
	for ; t < len(x); t++ {
		s0 += x[t]
	}
	return (s0 + s1) + (s2 + s3)
}

func levelsGo(x []float64, minBlocks int, c []float64) (float64, int) {
	n := len(x)
	mean := sum4(x) / float64(n)
	levels := 0
	for k := 0; k < len(c); k++ {
		m := n >> k
		if m == 0 || (k > 0 && m < minBlocks) {
			break
		}
		// The level's variance (four partial sums) and the next level's
		// block means in one pass.
		y := x[:m]
		var c0, c1, c2, c3 float64
		i := 0
		for ; i+4 <= m; i += 4 {
			v := y[i : i+4 : i+4]
			d0, d1, d2, d3 := v[0]-mean, v[1]-mean, v[2]-mean, v[3]-mean
			c0 += float64(d0 * d0)
			c1 += float64(d1 * d1)
			c2 += float64(d2 * d2)
			c3 += float64(d3 * d3)
			y[i/2], y[i/2+1] = (v[0]+v[1])/2, (v[2]+v[3])/2
		}
		for ; i < m; i++ {
			d := y[i] - mean
			c0 += float64(d * d)
			if i%2 == 1 {
				y[i/2] = (y[i-1] + y[i]) / 2
			}
		}
		c[k] = ((c0 + c1) + (c2 + c3)) / float64(m)
		levels = k + 1
	}
	return mean, levels
}
