package fsum

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactRat is the exact sum of s.
func exactRat(s []float64) *big.Float {
	t := new(big.Float).SetPrec(4096)
	for _, v := range s {
		t.Add(t, new(big.Float).SetPrec(4096).SetFloat64(v))
	}
	return t
}

// TestExact: Exact's sum is 0 exactly where the exact sum is, of its sign
// elsewhere and within 2 ulps of it, on series built to cancel (values,
// then their negations in another order, plus small residues) and on
// plain ones; float32 samples too.
func TestExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for c := 0; c < 2000; c++ {
		n := 2 + rng.IntN(200)
		s := make([]float64, 0, 2*n+2)
		for i := 0; i < n; i++ {
			s = append(s, rng.NormFloat64()*math.Ldexp(1, rng.IntN(120)-60))
		}
		for i := n - 1; i >= 0; i-- {
			s = append(s, -s[i])
		}
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		if c%3 == 1 {
			s = append(s, math.Ldexp(1, -70), -math.Ldexp(1, -71)) // sums to 2^-71
		}
		if c%3 == 2 {
			s = append(s, rng.NormFloat64())
		}
		got, ok := Exact(s)
		want := exactRat(s)
		if !ok {
			t.Fatalf("case %d: more than MaxPartials", c)
		}
		w, _ := want.Float64()
		switch {
		case want.Sign() == 0 && got != 0:
			t.Fatalf("case %d: exact sum 0, Exact %g", c, got)
		case want.Sign() != 0 && (got == 0 || math.Signbit(got) != (want.Sign() < 0)):
			t.Fatalf("case %d: exact sum %g, Exact %g", c, w, got)
		case math.Abs(got-w) > 2*math.Abs(math.Nextafter(w, math.Inf(1))-w):
			t.Fatalf("case %d: exact sum %g, Exact %g", c, w, got)
		}
	}
	f := []float32{1e30, 1, -1e30, -1, 0, 0, 0, 0}
	if got, ok := Exact(f); got != 0 || !ok {
		t.Errorf("float32 %v: %g (%v), want 0", f, got, ok)
	}
	var plain float64
	for _, v := range f {
		plain += float64(v)
	}
	if plain == 0 {
		t.Errorf("float32 %v: the plain sum is 0 already; the case tests nothing", f)
	}
}

// TestCancels: the cancelling series above are caught, sums of real data
// (counts, a background) are not, nor non-finite sums.
func TestCancels(t *testing.T) {
	s := []float64{1e16, 1, -1e16, -1}
	var sum, abs float64
	for _, v := range s {
		sum += v
		abs += math.Abs(v)
	}
	if sum == 0 || !Cancels(sum, abs, len(s)) {
		t.Errorf("[1e16 1 -1e16 -1]: sum %g, abs %g: Cancels false or the sum exact already", sum, abs)
	}
	if Cancels(1000, 1000, 16384) || Cancels(-3, 3e6, 16384) {
		t.Error("plain sums taken as cancelling")
	}
	if Cancels(math.Inf(1), math.Inf(1), 4) || Cancels(math.NaN(), 1, 4) || Cancels(0, math.Inf(1), 4) {
		t.Error("non-finite sums taken as cancelling")
	}
	if !Cancels(0, 5, 4) {
		t.Error("a zero sum of nonzero terms not taken as cancelling")
	}
}

// TestExactManyPartials: powers of two 54 binades apart, which no float64
// sum merges (38 partials, from 2^1000 to 2^-998), and the same negated in
// reverse order: the sum is their first, then exactly 0.
func TestExactManyPartials(t *testing.T) {
	var s []float64
	for e := 1000; e > -1000; e -= 54 {
		s = append(s, math.Ldexp(1, e))
	}
	if got, ok := Exact(s); !ok || got != s[0] {
		t.Errorf("%d powers of two: %g (%v), want %g", len(s), got, ok, s[0])
	}
	for i := len(s) - 1; i >= 0; i-- {
		s = append(s, -s[i])
	}
	if got, ok := Exact(s); !ok || got != 0 {
		t.Errorf("and their negations: %g (%v), want 0", got, ok)
	}
}
