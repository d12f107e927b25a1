package libm

import (
	"math"
	"math/big"
)

// The log bins are defined by numpy's float64 arithmetic (spec/pcf.md),
// whose scalar log and pow are the C library's. Go's math.Log and
// math.Pow are not (math.Pow(2, log2(3)) gives 2.9999999999999996 where C
// gives 3.0000000000000004, and trunc then differs). Without cgo the
// values are evaluated here with 256 bits and rounded once to float64:
// correctly rounded, which glibc's are too except within a hair of a
// halfway point (4 logs and 56 pows among the sizes up to 200,000, such
// as log(9170): the log bins of those sizes then differ in their last
// edge from a cgo build's).

const exactPrec = 256

// exactLn returns ln(x) correctly rounded to float64, for x > 0 finite.
func exactLn(x float64) float64 {
	if x == 1 {
		return 0
	}
	// x = m * 2**e with m in [1, 2): ln x = e ln 2 + ln m.
	frac, exp := math.Frexp(x) // frac in [0.5, 1)
	m := new(big.Float).SetPrec(exactPrec).SetFloat64(frac * 2)
	e := exp - 1
	r := bigLn(m)
	if e != 0 {
		r.Add(r, new(big.Float).SetPrec(exactPrec).Mul(bigLn2(), new(big.Float).SetPrec(exactPrec).SetInt64(int64(e))))
	}
	f, _ := r.Float64()
	return f
}

// bigLn returns ln(m) for m in [1, 2] as 2 atanh((m-1)/(m+1)), whose
// series gains more than 3 bits a term (|z| <= 1/3).
func bigLn(m *big.Float) *big.Float {
	one := new(big.Float).SetPrec(exactPrec).SetInt64(1)
	num := new(big.Float).SetPrec(exactPrec).Sub(m, one)
	den := new(big.Float).SetPrec(exactPrec).Add(m, one)
	z := num.Quo(num, den)
	return bigAtanh2(z)
}

// bigAtanh2 returns 2 atanh(z) for |z| <= 1/3.
func bigAtanh2(z *big.Float) *big.Float {
	z2 := new(big.Float).SetPrec(exactPrec).Mul(z, z)
	term := new(big.Float).SetPrec(exactPrec).Set(z) // z^(2j+1)
	sum := new(big.Float).SetPrec(exactPrec).Set(z)
	t := new(big.Float).SetPrec(exactPrec)
	for j := int64(1); j < 200; j++ {
		term.Mul(term, z2)
		t.Quo(term, new(big.Float).SetPrec(exactPrec).SetInt64(2*j+1))
		if t.Sign() == 0 || t.MantExp(nil)-sum.MantExp(nil) < -exactPrec {
			break
		}
		sum.Add(sum, t)
	}
	return sum.Mul(sum, new(big.Float).SetPrec(exactPrec).SetInt64(2))
}

// bigLn2 returns ln 2 = 2 atanh(1/3).
func bigLn2() *big.Float {
	third := new(big.Float).SetPrec(exactPrec).Quo(new(big.Float).SetPrec(exactPrec).SetInt64(1), new(big.Float).SetPrec(exactPrec).SetInt64(3))
	return bigAtanh2(third)
}

// exactExp2 returns 2**y correctly rounded to float64, for 0 <= y < 1023.
func exactExp2(y float64) float64 {
	i := math.Floor(y)
	f := y - i // exact
	if f == 0 {
		return math.Ldexp(1, int(i))
	}
	// exp(f ln 2) by its Taylor series: f ln 2 < 0.7.
	x := new(big.Float).SetPrec(exactPrec).SetFloat64(f)
	x.Mul(x, bigLn2())
	sum := new(big.Float).SetPrec(exactPrec).SetInt64(1)
	term := new(big.Float).SetPrec(exactPrec).SetInt64(1)
	for k := int64(1); k < 200; k++ {
		term.Mul(term, x)
		term.Quo(term, new(big.Float).SetPrec(exactPrec).SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -exactPrec {
			break
		}
		sum.Add(sum, term)
	}
	sum.SetMantExp(sum, int(i))
	v, _ := sum.Float64()
	return v
}

// exactTruncExp2 returns trunc(2**y) with 2**y correctly rounded to
// float64 first: math.Pow decides unless its result lies within a few
// ulps of an integer, where only the correctly rounded value can.
func exactTruncExp2(y float64) int {
	v := math.Pow(2, y)
	if r := math.Round(v); math.Abs(v-r) > 8*(math.Nextafter(v, math.Inf(1))-v) {
		return int(v)
	}
	return int(exactExp2(y))
}
