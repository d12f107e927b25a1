package pcf

import (
	"context"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// BenchmarkCompute runs the engine on random data of the default geometry
// (64 x 64 pixels, 16,384 frames, radius 6, 32 points, 32 bins).
func BenchmarkCompute(b *testing.B) {
	data := randomStack(3, 16384, 64, 64, 20)
	o := DefaultOptions()
	o.Threads = 2
	g, _ := Plan(data.Shape, o)
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]*4))
	b.ResetTimer()
	for b.Loop() {
		if err := Compute(context.Background(), out, data, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(g.Pairs())/1e3, "us/pair-wall")
}

// BenchmarkTinyCall is the library's own cost of a pCF call on a tiny
// input (8 x 5 x 5 uint16, radius 1, 4 points, 2 bins, 1 thread, device
// auto): the C call that bindings/python/bench.py measures the binding's
// overhead against (go test -run XXX -bench TinyCall ./core/pcf).
func BenchmarkTinyCall(b *testing.B) {
	in := make([]byte, 8*5*5*2)
	for i := range in {
		in[i] = byte(i % 7)
	}
	data, _ := array.Contiguous(array.Uint16, []int{8, 5, 5}, in)
	o := DefaultOptions()
	o.Radius, o.Npoints, o.Nbins, o.Threads, o.Device = 1, 4, 2, 1, "auto"
	g, err := Plan(data.Shape, o)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 4*g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]))
	b.ReportAllocs()
	for b.Loop() {
		if err := Compute(context.Background(), out, data, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErrorBars is the cost of the error bars (blocking, the default
// geometry's 32 points and 30 log bins, smoothing on) per curve, 1 thread,
// beside the curves' own cost (Compute) on the same data in the same run.
func BenchmarkErrorBars(b *testing.B) {
	data := randomStack(5, 4096, 20, 20, 20)
	o := DefaultOptions()
	o.Threads = 1
	g, _ := Plan(data.Shape, o)
	n := g.OutShape[0] * g.OutShape[1] * g.OutShape[2] * g.OutShape[3]
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 4*n))
	sd, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 4*n))
	curves := float64(g.OutShape[0] * g.OutShape[1] * g.OutShape[2])
	var tc, te float64
	for b.Loop() {
		c0 := cpuSeconds()
		if err := Compute(context.Background(), out, data, o); err != nil {
			b.Fatal(err)
		}
		c1 := cpuSeconds()
		if err := ErrorBars(context.Background(), sd, data, o, ErrOptions{}); err != nil {
			b.Fatal(err)
		}
		tc += c1 - c0
		te += cpuSeconds() - c1
	}
	b.ReportMetric(te/float64(b.N)/curves*1e6, "errbars-cpu-us/curve")
	b.ReportMetric(tc/float64(b.N)/curves*1e6, "curves-cpu-us/curve")
	b.ReportMetric(te/tc, "errbars/curves")
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
