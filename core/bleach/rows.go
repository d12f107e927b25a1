package bleach

import "math"

// The row operations of the block kernel: one time step of up to maxLanes
// series. The pure-Go loops below are the reference; rows_amd64.s does the
// same operations, in the same order, on four lanes at a time.

// fwdRowGo advances the forward filter and the sum by one sample:
// c[j] = row[j]*f0 + c[j]*f1 and sum[j] += row[j].
func fwdRowGo(row, c, sum []float64, f0, f1 float64) {
	c, sum = c[:len(row)], sum[:len(row)]
	for j, d := range row {
		c[j] = d*f0 + c[j]*f1
		sum[j] += d
	}
}

// recRowGo recomputes forward values: s[j] = row[j]*f0 + prev[j]*f1.
func recRowGo(row, prev, s []float64, f0, f1 float64) {
	prev, s = prev[:len(row)], s[:len(row)]
	for j, d := range row {
		s[j] = d*f0 + prev[j]*f1
	}
}

// backRowGo takes one backward step: c[j] = s[j]*f0 + c[j]*f1.
func backRowGo(s, c []float64, f0, f1 float64) {
	c = c[:len(s)]
	for j, v := range s {
		c[j] = v*f0 + c[j]*f1
	}
}

// backOutRowGo takes one backward step and corrects the samples in row:
// c[j] = s[j]*f0 + c[j]*f1, then
// row[j] = clip(round(sqrt(|m[j]/c[j]|)*(row[j]-c[j]) + m[j]), lo, hi),
// rounding halves away from zero, NaN to lo, as Correct does. math.Round is
// bit manipulation with branches on the exponent only, which are
// predictable; an SSE4.1 truncation plus a test of the fraction against 1/2
// is not (a mispredicted branch every other sample).
func backOutRowGo(row, s, c, m []float64, f0, f1, lo, hi float64) {
	s, c, m = s[:len(row)], c[:len(row)], m[:len(row)]
	for j, d := range row {
		cj := s[j]*f0 + c[j]*f1
		c[j] = cj
		mj := m[j]
		v := math.Round(math.Sqrt(math.Abs(mj/cj))*(d-cj) + mj)
		if !(v >= lo) {
			v = lo
		} else if v > hi {
			v = hi
		}
		row[j] = v
	}
}
