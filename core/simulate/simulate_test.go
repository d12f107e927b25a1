package simulate

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

func stack(t testing.TB, o Options) array.View {
	v, err := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size}, make([]byte, o.Frames*o.Size*o.Size*2))
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), v, o); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDeterministicAcrossThreads(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size = 200, 24
	o.Threads = 1
	a := stack(t, o)
	o.Threads = 3
	b := stack(t, o)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("byte %d differs between 1 and 3 threads", i)
		}
	}
	o.Seed = 2
	c := stack(t, o)
	same := true
	for i := range a.Data {
		same = same && a.Data[i] == c.Data[i]
	}
	if same {
		t.Fatal("seeds 1 and 2 gave the same data")
	}
}

func TestPoissonMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, lam := range []float64{0.5, 3, 9.9, 10, 25, 400} {
		const n = 200000
		var s, s2 float64
		for i := 0; i < n; i++ {
			k := float64(Poisson(r, lam))
			s += k
			s2 += k * k
		}
		mean := s / n
		vr := s2/n - mean*mean
		if math.Abs(mean-lam) > 5*math.Sqrt(lam/n) || math.Abs(vr-lam) > 0.05*lam {
			t.Errorf("lambda %g: mean %g, variance %g", lam, mean, vr)
		}
	}
}

func TestBleachingDecays(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size, o.BleachTau = 400, 16, 200
	o.ChannelWidth = 0
	v := stack(t, o)
	frame := func(t0 int) float64 {
		var s float64
		for i := 0; i < 16*16; i++ {
			s += v.Load(v.Offset + t0*v.Strides[0] + 2*i)
		}
		return s
	}
	first, last := frame(0)+frame(1)+frame(2), frame(397)+frame(398)+frame(399)
	bg := 3 * 256 * o.Background
	// Signal above background decays by exp(-2).
	if r := (last - bg) / (first - bg); r < 0.05 || r > 0.3 {
		t.Fatalf("signal ratio after 2 tau: %g, want about exp(-2) = 0.135", r)
	}
}

func TestOptionErrors(t *testing.T) {
	for name, mod := range map[string]func(*Options){
		"frames":    func(o *Options) { o.Frames = 0 },
		"size":      func(o *Options) { o.Size = 0 },
		"diffusion": func(o *Options) { o.Diffusion = math.NaN() },
		"channel":   func(o *Options) { o.ChannelWidth = 1000 },
		"psf":       func(o *Options) { o.PSFSigma = 0 },
	} {
		o := DefaultOptions()
		mod(&o)
		if o.Check() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func BenchmarkDefault1000Frames(b *testing.B) {
	o := DefaultOptions()
	o.Frames = 1000
	for b.Loop() {
		stack(b, o)
	}
}
