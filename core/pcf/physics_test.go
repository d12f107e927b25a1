package pcf

import (
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/simulate"
)

// TestChannelPhysics runs the pCF on the simulator's default dataset (a
// diagonal channel whose walls particles cannot cross) and asserts what
// Digman and Gratton (2009) showed: along the channel the pair correlation
// has a delayed maximum, across the wall it has none.
func TestChannelPhysics(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the full default dataset (32,000 frames): skipped with -short")
	}
	so := simulate.DefaultOptions()
	data, err := array.Contiguous(array.Uint16, []int{so.Frames, so.Size, so.Size}, make([]byte, so.Frames*so.Size*so.Size*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := simulate.Run(t.Context(), data, so); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	got, g := compute(t, data, o)
	os := g.OutShape
	nb := os[3]
	// Mean curve over the pixels on the channel's axis (y == x) for the
	// points along the channel (45 and 225 degrees) and across it (135 and
	// 315 degrees).
	mean := func(points ...int) []float64 {
		m := make([]float64, nb)
		n := 0
		for y := 0; y < os[0]; y++ {
			for _, i := range points {
				for k := 0; k < nb; k++ {
					m[k] += float64(got[((y*os[1]+y)*os[2]+i)*nb+k])
				}
				n++
			}
		}
		for k := range m {
			m[k] /= float64(n)
		}
		return m
	}
	q := o.Npoints / 8
	along, across := mean(q, 5*q), mean(3*q, 7*q)
	peak := func(c []float64) (int, float64) {
		j := 0
		for k := range c {
			if c[k] > c[j] {
				j = k
			}
		}
		return j, c[j] - c[0]
	}
	ja, ra := peak(along)
	jc, rc := peak(across)
	t.Logf("along: peak at bin %d (delay %d frames), rise %.4f; across: bin %d, rise %.4f", ja, g.Bins[ja], ra, jc, rc)
	t.Logf("along %.4f\nacross %.4f", along, across)
	if ja < 3 || ra < 0.02 {
		t.Errorf("along the channel: maximum at bin %d rising %.4f above delay 0; want a delayed peak (bin >= 3, rise >= 0.02)", ja, ra)
	}
	if rc > ra/4 {
		t.Errorf("across the wall: rise %.4f, want below a quarter of the rise along the channel (%.4f)", rc, ra)
	}
}
