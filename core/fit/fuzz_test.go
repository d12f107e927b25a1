package fit

import (
	"encoding/binary"
	"math"
	"testing"
)

var fuzzModels = []Model{
	PCF1D{W: 2.5, Dist: 6},
	PCF1D{W: 0.3, Dist: 0},
	ACF2D{W: 2},
	ACF2D{W: 2, Flow: true, Offset: true},
	ACF3D{W: 2, Kappa: 5},
	ACF3D{W: 2, Kappa: 3, Flow: true, Offset: true},
	CCF2D{W: 2.5, R: Vec{6, 0}},
	CCF2D{W: 2.5, R: Vec{-3, 4}, Offset: true},
	CCF2D{W: 2.5, R: Vec{0, -6}, Delta: true},
	ITIRFCS{A: 1, W: 2},
	ITIRFCS{A: 1, W: 2, R: Vec{2, 1}, Flow: true, Offset: true},
	ITIRFCS{A: 0.24, W: 0.4, Flow: true},
}

// FuzzFit feeds arbitrary curves, delays, error bars and options to every
// model: a fit never panics, and one that does not fail has finite
// parameters within their bounds.
func FuzzFit(f *testing.F) {
	tau := logDelays(16384, 32)
	for i, c := range modelCases() {
		y := curve(c.m, c.p, tau)
		b := make([]byte, 8*len(y))
		for j, v := range y {
			binary.LittleEndian.PutUint64(b[8*j:], math.Float64bits(v))
		}
		f.Add(b, uint8(i), uint8(i*37))
	}
	f.Add([]byte{}, uint8(0), uint8(0))
	// Found by fuzzing: curves near the smallest and largest float64s (a
	// chi-square and an amplitude beyond float64, subnormal bounds).
	f.Add([]byte("0000000000000000000000000000000a"), uint8('\x0e'), uint8('\v'))
	f.Add([]byte("000000000000000\x7f0000000000000000"), uint8('|'), uint8(0xc2))
	f.Add([]byte("000000000000000?0000000A0000000A0000000A0000000A0000000A000000\xcb\x7f"), uint8(0x10), uint8('P'))
	f.Add([]byte("0000000!!!0!!!!!X!!!!!!! !!!!!!!2!!!!!!!0!!!!!!!8!!!!!!!!!!!!!!!! !!!!!!2!!!!!!!7!!!!!!!0!!!!!!!"), uint8(':'), uint8('Q'))
	f.Add(make([]byte, 240), uint8(3), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, sel, flags uint8) {
		n := min(len(data)/8, 96)
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		m := fuzzModels[int(sel)%len(fuzzModels)]
		o := Options{ClipNegative: flags&1 != 0, First: int(flags>>1) & 1, Last: int(flags>>2) & 1}
		if flags&8 != 0 {
			o.MaxIter = 3
		}
		if flags&16 != 0 {
			// Tight bounds around typical values.
			o.Lower = make([]float64, m.NumParams())
			o.Upper = make([]float64, m.NumParams())
			m.Bounds(o.Lower, o.Upper)
			o.Upper[0], o.Lower[1], o.Upper[1] = 0.1, 0.05, 2
		}
		ft := NewFitter(o)
		var r Result
		switch {
		case flags&32 != 0 && n >= 2:
			// Arbitrary delays too: the second half.
			h := n / 2
			var sig []float64
			if flags&64 != 0 {
				sig = vals[h : 2*h]
			}
			r = ft.Fit(m, vals[h:2*h], vals[:h], sig)
		case flags&128 != 0:
			// Joint over curves of the library's delays.
			p := min(n, len(tau))
			var ms []Model
			var ys [][]float64
			for k := 0; (k+1)*p <= n && p > 0; k++ {
				mk := m
				if om, ok := m.(OffsetModel); ok {
					mk = om.At(Vec{float64(k), 1 - float64(k)})
				}
				ms = append(ms, mk)
				ys = append(ys, vals[k*p:(k+1)*p])
			}
			r = ft.FitJoint(ms, tau[:p], ys, nil)
		default:
			p := min(n, len(tau))
			var sig []float64
			if flags&64 != 0 && n >= 2*p {
				sig = vals[p : 2*p]
			}
			r = ft.Fit(m, tau[:p], vals[:p], sig)
		}
		if r.Status > Failed {
			t.Fatalf("status %d", r.Status)
		}
		if r.Status == Failed {
			return
		}
		lo, hi := o.Lower, o.Upper
		if lo == nil {
			lo, hi = make([]float64, m.NumParams()), make([]float64, m.NumParams())
			m.Bounds(lo, hi)
		}
		for j := 0; j < r.NParams; j++ {
			if !finite(r.Params[j]) || r.Params[j] < lo[j] || r.Params[j] > hi[j] {
				t.Fatalf("%v: param %d = %g outside [%g, %g]", r.Status, j, r.Params[j], lo[j], hi[j])
			}
			if math.IsNaN(r.StdErr[j]) || r.StdErr[j] < 0 {
				t.Fatalf("%v: SE %d = %g", r.Status, j, r.StdErr[j])
			}
		}
		// (+Inf is the chi-square of curves near the largest float64.)
		if math.IsNaN(r.ChiSq) || r.ChiSq < 0 || r.DoF < 1 {
			t.Fatalf("%v: chi-square %g, %d degrees of freedom", r.Status, r.ChiSq, r.DoF)
		}
	})
}
