package pcf

import (
	"context"
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
