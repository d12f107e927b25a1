package libm

import (
	"math"
	"testing"
)

// exactLn and exactExp2 are correctly rounded: checked at values whose
// float64 results are known (exact powers, and ln 2 = math.Ln2), and
// against math.Log and math.Pow within one ulp elsewhere.
func TestExactLnExp2(t *testing.T) {
	if got := exactLn(2); got != math.Ln2 {
		t.Errorf("exactLn(2) = %v, want %v", got, math.Ln2)
	}
	if got := exactLn(math.E); got != 1 {
		t.Errorf("exactLn(e) = %v, want 1", got)
	}
	for _, y := range []float64{0, 1, 2, 10, 52, 100} {
		if got := exactExp2(y); got != math.Ldexp(1, int(y)) {
			t.Errorf("exactExp2(%v) = %v", y, got)
		}
	}
	ulps := func(a, b float64) float64 { return math.Abs(a-b) / (math.Nextafter(b, math.Inf(1)) - b) }
	for x := 1.0; x < 1e6; x = x*1.37 + 0.11 {
		if d := ulps(exactLn(x), math.Log(x)); d > 1 {
			t.Errorf("exactLn(%v) = %v, math.Log %v: %v ulps apart", x, exactLn(x), math.Log(x), d)
		}
		y := math.Log2(x)
		if d := ulps(exactExp2(y), math.Pow(2, y)); d > 1 {
			t.Errorf("exactExp2(%v) = %v, math.Pow %v: %v ulps apart", y, exactExp2(y), math.Pow(2, y), d)
		}
	}
	// The case math.Pow gets wrong: 2**log2(3) is 3.0000000000000004 in
	// C (and in the correctly rounded value), 2.9999999999999996 in Go.
	y := exactLn(3) / math.Ln2
	if got := exactExp2(y); got != 3.0000000000000004 {
		t.Errorf("exactExp2(%v) = %v, want 3.0000000000000004", y, got)
	}
}

// Log and TruncExp2 (the C library's, or the exact ones without cgo)
// agree with the correctly rounded values away from halfway points, and
// on 2**log2(3), where math.Pow does not.
func TestLogTruncExp2(t *testing.T) {
	for x := 1.0; x < 1e6; x = x*1.37 + 0.11 {
		if a, b := Log(x), exactLn(x); math.Abs(a-b) > math.Nextafter(b, math.Inf(1))-b {
			t.Errorf("Log(%v) = %v, exact %v", x, a, b)
		}
		if y := x / 1e5; TruncExp2(y) != int(exactExp2(y)) {
			t.Errorf("TruncExp2(%v) = %d, exact %v", y, TruncExp2(y), exactExp2(y))
		}
	}
	if got := TruncExp2(Log(3) / Log(2)); got != 3 {
		t.Errorf("TruncExp2(log2(3)) = %d, want 3", got)
	}
}
