package pcf

import (
	"context"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

func BenchmarkTiny(b *testing.B) {
	data := randomStack(1, 8, 5, 5, 10)
	o := Options{Radius: 1, Npoints: 4, Nbins: 2, Threads: 1}
	g, _ := Plan(data.Shape, o)
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]*4))
	for b.Loop() {
		if err := Compute(context.Background(), out, data, o); err != nil {
			b.Fatal(err)
		}
	}
}
