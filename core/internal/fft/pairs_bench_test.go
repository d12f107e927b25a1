//go:build cgo && !ipcf_purego

package fft

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"
)

// pairsBench lays out spectra like the pCF engine's working set for one
// row segment (16 pixels + a halo of radius 6 each side, 13 rows: 24 MiB
// at n = 16,384, beyond the L2 cache as in the engine) and the units of one
// task: for each of the 16 pixels of the middle row, 8 units of two pairs
// (the 16 point groups of a 32-point circle of radius 6).
type pairsBench struct {
	k     *PairKernel
	base  []complex64
	units []Unit
	out   []float64
	pairs int
}

var benchBins = []int{1, 2, 3, 4, 5, 7, 10, 13, 17, 23, 31, 41, 55, 74, 99, 133, 178, 239, 320, 428, 574, 769, 1030, 1380, 1849, 2477, 3318, 4445, 5955, 8192}

func newPairsBench(n int) *pairsBench {
	const r, seg, npts = 6, 16, 32
	w, rows := seg+2*r, 2*r+1
	stride := (n/2 + 1 + 7) / 8 * 8
	b := &pairsBench{k: NewPairKernel(n, benchBins), base: Complex64s(w * rows * stride)}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range b.base {
		b.base[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	off := func(y, x int) int { return (y*w + x) * stride }
	for x := r; x < r+seg; x++ {
		for i := 0; i < npts/2; i += 2 {
			var q [2]int
			for j := range q {
				phi := 2 * math.Pi * float64(i+j) / npts
				q[j] = off(r+int(math.Round(r*math.Sin(phi))), x+int(math.Round(r*math.Cos(phi))))
			}
			b.units = append(b.units, NewUnit(off(r, x), q[0], off(r, x), q[1], true, true))
			b.pairs += 2
		}
	}
	b.out = make([]float64, 4*len(benchBins)*len(b.units))
	return b
}

func (b *pairsBench) run() { b.k.Pairs(b.base, b.units, b.out) }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPairs is the pair kernel's cost per correlated pair over an
// engine-like working set, by the path Pairs takes on this CPU (the dot
// path where the CPU has AVX-512F, else: pack Z from two pairs of spectra,
// one complex FFT of n = 16,384, bin sums in both directions), and by the
// transform's path, interleaved one row segment at a time: cpu-us/pair is
// the median of the process's CPU time per pair (the target: at
// most 10), transform-us/pair the same for the transform's path, and
// transform-avx2-us/pair that path as a CPU without AVX-512F takes it
// (where this one has it: the other target, 10 us on such CPUs).
func BenchmarkPairs(b *testing.B) {
	pb := newPairsBench(16384)
	defer dotLevel(dotLevel(-1))
	pb.run()
	dot := pb.k.dot != nil && dotCode() != 0
	measure := func(level int) float64 {
		dotLevel(level)
		c0 := cpuTime()
		pb.run()
		return (cpuTime() - c0).Seconds() / float64(pb.pairs) * 1e6
	}
	// The transform's path as a CPU with AVX2 and no AVX-512F runs it
	// (packing and bin sums at code level 1; FFTW's codelets are the same).
	best := buildLevel(-1)
	defer buildLevel(-1)
	var d, tr, tr2 []float64
	for b.Loop() {
		d = append(d, measure(-1))
		tr = append(tr, measure(0))
		if best >= 2 {
			buildLevel(1)
			tr2 = append(tr2, measure(0))
			buildLevel(-1)
		}
	}
	b.StopTimer()
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	cpu, ctr := med(d), med(tr)
	b.ReportMetric(cpu, "cpu-us/pair")
	b.ReportMetric(ctr, "transform-us/pair")
	if len(tr2) > 0 {
		b.ReportMetric(med(tr2), "transform-avx2-us/pair")
	}
	// The floor of the transform's path in the same run: the complex
	// transform alone (on copies of a packed Z, the copies' time
	// subtracted), per pair.
	const iters = 2000
	t0 := time.Now()
	pb.k.transformLoop(iters, false)
	tf := time.Since(t0)
	t0 = time.Now()
	pb.k.transformLoop(iters, true)
	fft := float64((tf - time.Since(t0)).Nanoseconds()) / iters / 2 / 1e3
	b.ReportMetric(fft, "fft-us/pair")
	path := "the transform's path (no AVX-512F: the dot path is off)"
	if dot {
		path = "the dot path"
	}
	fmt.Printf("pair kernel, n=16384, median of %d interleaved segments: %.2f CPU-us per pair by %s (the issue's target is 10); "+
		"the transform's path %.2f (%.2fx), of which FFTW's complex transform alone is %.2f us\n",
		len(d), cpu, path, ctr, cpu/ctr, fft)
}

// BenchmarkPairsBuild compares the packing code paths (scalar reference
// against the SIMD one the CPU takes) interleaved in one process, one row
// segment at a time, and prints the medians per pair and their ratio.
func BenchmarkPairsBuild(b *testing.B) {
	pb := newPairsBench(16384)
	defer dotLevel(dotLevel(0)) // the transform's path, whose packing this measures
	mr, ms, rounds, best := levelMedians(b, func() float64 {
		t0 := time.Now()
		pb.run()
		return float64(time.Since(t0).Nanoseconds()) / float64(pb.pairs) / 1e3
	})
	b.ReportMetric(mr, "ref-us/pair")
	b.ReportMetric(ms, "simd-us/pair")
	fmt.Printf("pair kernel, n=16384, median of %d interleaved segments: reference packing %.2f us/pair, SIMD level %d %.2f us/pair (%.2fx)\n",
		rounds, mr, best, ms, ms/mr)
}

// levelMedians runs measure (a time in us) on the reference code path
// (level 0) and the best the CPU has, interleaved once per b.Loop
// iteration, and returns the medians, the rounds and the best level.
func levelMedians(b *testing.B, measure func() float64) (ref, simd float64, rounds, best int) {
	best = buildLevel(-1)
	defer buildLevel(-1)
	var r, s []float64
	for b.Loop() {
		buildLevel(0)
		r = append(r, measure())
		buildLevel(best)
		s = append(s, measure())
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	return med(r), med(s), len(r), best
}

// BenchmarkBinSums compares the bin sums' code paths (the compiler's
// vectorization of the reference against the SIMD one the CPU takes) on
// one transform's output with the engine's default log bins, interleaved
// in one process, and prints the medians per unit (two pairs, both
// directions) and their ratio.
func BenchmarkBinSums(b *testing.B) {
	const n = 16384
	z := Complex64s(n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range z {
		z[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	nb := len(benchBins)
	out := make([]float64, 4*nb)
	const reps = 200
	mr, ms, rounds, best := levelMedians(b, func() float64 {
		t0 := time.Now()
		for range reps {
			binSums(z, benchBins, out[:nb], out[nb:2*nb], out[2*nb:3*nb], out[3*nb:])
		}
		return float64(time.Since(t0).Nanoseconds()) / reps / 1e3
	})
	b.ReportMetric(mr, "ref-us/unit")
	b.ReportMetric(ms, "simd-us/unit")
	fmt.Printf("bin sums, n=16384, %d bins each way, two pairs, median of %d interleaved rounds: reference %.2f us/unit, SIMD level %d %.2f us/unit (%.2fx)\n",
		nb, rounds, mr, best, ms, ms/mr)
}

// BenchmarkPairsSizes compares the dot path with the transform's over
// series lengths and bin counts (the engine-like working set of
// BenchmarkPairs; log bins, and 48 bins of growing width), the best of 3
// interleaved rounds each, and prints the CPU per pair, their ratio and
// the time to compute the dot path's weights. Where the dot path does not
// apply it says so.
func BenchmarkPairsSizes(b *testing.B) {
	defer dotLevel(dotLevel(-1))
	if !dotSIMD() {
		fmt.Println("pair kernel sizes: no AVX-512F here, Pairs takes the transform; nothing to compare")
	}
	// One sweep whatever b.N (make bench runs this package with -benchtime
	// 200x for the others).
	for i := 0; b.Loop(); i++ {
		if i > 0 {
			continue
		}
		for _, n := range []int{256, 1024, 4096, 16384, 32768, 65536} {
			for _, nbins := range []int{16, 32, 48} {
				bins := logBins(n, nbins)
				if nbins == 48 {
					bins = bins[:0]
					for e := 1; len(bins) < 47; e = e*9/8 + 1 {
						bins = append(bins, e)
					}
					bins = append(bins, n/2)
				}
				pb := newPairsBench(n)
				t0 := time.Now()
				pb.k = NewPairKernel(n, bins)
				tw := time.Since(t0)
				pb.out = make([]float64, 4*len(bins)*len(pb.units))
				if pb.k.dot == nil || !dotSIMD() {
					fmt.Printf("n=%d, %d bins: the transform only (the dot path does not apply)\n", n, len(bins))
					continue
				}
				var res [2]float64
				for r := 0; r < 3; r++ {
					for i, l := range []int{0, 2} {
						dotLevel(l)
						pb.run()
						c0 := cpuTime()
						reps := 1 + 200000/n
						for range reps {
							pb.run()
						}
						v := (cpuTime() - c0).Seconds() / float64(reps*pb.pairs) * 1e6
						if r == 0 || v < res[i] {
							res[i] = v
						}
					}
				}
				fmt.Printf("n=%d, %d bins: transform %.2f CPU-us per pair, dot path %.2f (%.2fx); kernel with weights made in %.1f ms\n",
					n, len(bins), res[0], res[1], res[1]/res[0], tw.Seconds()*1e3)
			}
		}
	}
}
