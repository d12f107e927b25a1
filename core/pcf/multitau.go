package pcf

import (
	"context"

	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/pool"
)

// The multi-tau correlator (Options.Bins = Multitau). Level k correlates
// the series summed over blocks of s = 2^k frames, A_k[t] = sum_{i<s}
// a[t*s+i], t < M = N/s, circularly as the log and linear bins do:
//
//	G_k(l) = M * sum_t dA_k[t] * dB_k[(t+l) mod M] / (sum(a) * sum(b))
//
// with dA_k the block sums of the deviations a - mean(a). Its delay is
// l*s frames. Each pixel's slot holds the spectra of every level.

// multitauScratch is a worker's buffers for the level spectra.
type multitauScratch struct {
	sum   []float64
	f32   []float32
	plans map[int]fft.Plan
}

// plan returns a worker's FFT plan for length n.
func (mt *multitauScratch) plan(newFFT func(int) fft.Plan, n int) fft.Plan {
	if mt.plans == nil {
		mt.plans = map[int]fft.Plan{}
	}
	p, ok := mt.plans[n]
	if !ok {
		p = newFFT(n)
		mt.plans[n] = p
	}
	return p
}

// levelOffsets returns the index of each level's spectrum in a slot.
func (g Geometry) levelOffsets() []int {
	nlev := g.Levels[len(g.Levels)-1] + 1
	off := make([]int, nlev)
	for k := 1; k < nlev; k++ {
		off[k] = off[k-1] + specStride(g.N>>(k-1))
	}
	return off
}

// levelSpectra stores in slot the spectra of levels 1.. of the deviation
// series dev (level 0, already transformed): block sums in float64.
func (e *engine) levelSpectra(mt *multitauScratch, slot []complex64, dev []float32) {
	g := e.g
	off := g.levelOffsets()
	if mt.sum == nil {
		mt.sum = make([]float64, g.N/2)
		mt.f32 = fft.Float32s(g.N / 2)
	}
	m := g.N
	for k := 1; k < len(off); k++ {
		m /= 2
		s := mt.sum[:m]
		if k == 1 {
			for t := range s {
				s[t] = float64(dev[2*t]) + float64(dev[2*t+1])
			}
		} else {
			prev := mt.sum[:2*m]
			for t := range s {
				s[t] = prev[2*t] + prev[2*t+1] // in place: t <= 2t
			}
		}
		f := mt.f32[:m]
		for t, v := range s {
			f[t] = float32(v)
		}
		mt.plan(e.newFFT, m).Forward(slot[off[k]:off[k]+m/2+1], f)
		slot[off[k]] = 0 // a spectrum of deviations (see usable's note)
	}
}

// pairsMultitau computes every pair whose pixel lies in rows [y0, y1)
// with the multi-tau correlator.
func (e *engine) pairsMultitau(ctx context.Context, y0, y1 int) error {
	g := e.g
	np := len(g.Lags)
	rows := y1 - y0
	const segW = 16
	nseg := (g.W + segW - 1) / segW
	units := e.units()
	off := g.levelOffsets()
	type scratch struct {
		mt   multitauScratch
		inv  []fft.Plan
		prod []complex64
		corr []float32
		jobs []job
		f, b []float64
	}
	scr := make([]*scratch, e.threads)
	qc := e.qch()
	return pool.RunPolled(ctx, e.threads, nseg*rows, func(w, task int, stopped func() bool) error {
		sc := scr[w]
		if sc == nil {
			sc = &scratch{prod: fft.Complex64s(g.N/2 + 1), corr: fft.Float32s(g.N),
				f: make([]float64, np), b: make([]float64, np)}
			for k := range off {
				sc.inv = append(sc.inv, sc.mt.plan(e.newFFT, g.N>>k))
			}
			scr[w] = sc
		}
		y := y0 + task%rows
		xs := task / rows * segW
		sc.jobs = e.rowJobs(sc.jobs[:0], y, xs, min(g.W, xs+segW), units)
		for _, jb := range sc.jobs {
			if jb.p < 0 {
				continue
			}
			if stopped() { // a pair of 2^22 frames takes a tenth of a second
				return pool.ErrCancelled
			}
			po, qo := e.specOffset(0, jb.p), e.specOffset(qc, jb.q)
			// One orientation per pair (engine.canonical): a job of the
			// other reads the pair's transform backwards.
			fw, bw := sc.f, sc.b
			if !e.canonical(jb) {
				po, qo = qo, po
				fw, bw = sc.b, sc.f
			}
			i := 0
			for k := range off {
				m := g.N >> k
				h := m/2 + 1
				prod := sc.prod[:h]
				mulConj(prod, e.ring[qo+off[k]:qo+off[k]+h], e.ring[po+off[k]:po+off[k]+h])
				corr := sc.corr[:m]
				sc.inv[k].Inverse(corr, prod)
				for ; i < np && g.Levels[i] == k; i++ {
					l := g.Lags[i] >> k
					fw[i] = float64(corr[l])
					bw[i] = float64(corr[(m-l)%m])
				}
			}
			e.emit(jb, sc.f, sc.b)
		}
		return nil
	}, e.progress(4*len(e.grp)*rows, nseg*rows))
}
