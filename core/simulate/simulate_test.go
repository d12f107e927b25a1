package simulate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/pool"
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
		"bleach":    func(o *Options) { o.BleachTau = -1 },
		"bleachinf": func(o *Options) { o.BleachTau = math.Inf(1) },
		"bleachnan": func(o *Options) { o.BleachTau = math.NaN() },
	} {
		o := DefaultOptions()
		mod(&o)
		if o.Check() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// a sigma over the image's size: the message states the rule (it said "want > 0")
	o := DefaultOptions()
	o.Size, o.PSFSigma = 8, 9
	if err := o.Check(); err == nil || !strings.Contains(err.Error(), "psf sigma=9, want 0 < sigma <= size (8)") {
		t.Errorf("psf sigma 9 of size 8: %v, want the rule", err)
	}
}

func BenchmarkDefault1000Frames(b *testing.B) {
	o := DefaultOptions()
	o.Frames = 1000
	for b.Loop() {
		stack(b, o)
	}
}

// The outputs of the default paths are those of the simulator before flow
// and two channels existed (SHA-256 of the uint16 bytes, recorded then).
func TestDefaultsUnchanged(t *testing.T) {
	for i, c := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) {}, "89dd2d511d19394fba4e891d6151a1dd708f402249ed30e20d80a99a94669f6d"},
		{func(o *Options) { o.ChannelWidth = 0; o.BleachTau = 50; o.Seed = 7 }, "1735ce2f42d47c21e487896b5c8aa17bc017f66b4863155dbf46c3778a7a7f7c"},
		{func(o *Options) { o.Diffusion = 2; o.PSFSigma = 1.7; o.Particles = 40 }, "ac83ff3a147e9e0a8126f6415771817d31a897a089ca028b7dfafedd26f159f7"},
	} {
		o := DefaultOptions()
		o.Frames, o.Size = 300, 24
		c.mod(&o)
		if got := fmt.Sprintf("%x", sha256.Sum256(stack(t, o).Data)); got != c.want {
			t.Errorf("case %d: sha256 %s, want %s", i, got, c.want)
		}
		// an explicit zero flow is the default
		o.FlowU, o.FlowV = 0, 0
		if got := fmt.Sprintf("%x", sha256.Sum256(stack(t, o).Data)); got != c.want {
			t.Errorf("case %d with zero flow: sha256 %s", i, got)
		}
	}
}

// A flow carries the particles: with no diffusion, the intensity centroid
// of one particle moves by the flow every frame.
func TestFlowMovesParticles(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size, o.Particles = 12, 40, 1
	o.Diffusion, o.ChannelWidth, o.Background, o.Brightness = 0, 0, 0, 5000
	o.FlowU, o.FlowV = 0.75, -0.5
	v := stack(t, o)
	// circular centroid: the phase of the first Fourier coefficient
	// along each axis (the mean of a wrapped Gaussian)
	centroid := func(f int) (float64, float64) {
		var cx, cy complex128
		for y := 0; y < o.Size; y++ {
			for x := 0; x < o.Size; x++ {
				c := complex(v.At(f, y, x), 0)
				cx += c * cmplx.Exp(complex(0, 2*math.Pi*float64(x)/float64(o.Size)))
				cy += c * cmplx.Exp(complex(0, 2*math.Pi*float64(y)/float64(o.Size)))
			}
		}
		return cmplx.Phase(cx) * float64(o.Size) / (2 * math.Pi), cmplx.Phase(cy) * float64(o.Size) / (2 * math.Pi)
	}
	wrap := func(d float64) float64 { return d - float64(o.Size)*math.Round(d/float64(o.Size)) }
	x0, y0 := centroid(0)
	for f := 1; f < o.Frames; f++ {
		x, y := centroid(f)
		dx, dy := wrap(x-x0), wrap(y-y0)
		if math.Abs(dx-o.FlowU*float64(f)) > 0.05 || math.Abs(dy-o.FlowV*float64(f)) > 0.05 {
			t.Fatalf("frame %d: moved (%.3f, %.3f), want (%.3f, %.3f)", f, dx, dy, o.FlowU*float64(f), o.FlowV*float64(f))
		}
	}
	o.FlowU = math.NaN()
	if o.Check() == nil {
		t.Fatal("NaN flow accepted")
	}
	o.FlowU, o.FlowV = 0, 21
	if o.Check() == nil {
		t.Fatal("flow over size/2 accepted")
	}
}

// Two channels: the first is Run's output, the second the same expected
// image with independent noise.
func TestTwoChannels(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size, o.FlowU = 300, 20, 0.1
	n := o.Frames * o.Size * o.Size
	a, _ := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size}, make([]byte, 2*n))
	b, _ := array.Contiguous(array.Float32, []int{o.Frames, o.Size, o.Size}, make([]byte, 4*n))
	if err := RunTwoChannels(context.Background(), a, b, o); err != nil {
		t.Fatal(err)
	}
	ref := stack(t, o)
	for i := range ref.Data {
		if ref.Data[i] != a.Data[i] {
			t.Fatalf("channel 1 differs from Run at byte %d", i)
		}
	}
	// independent Poisson noise of the same mean: the difference of the
	// channels has mean 0 and variance twice the mean count
	var s, d, d2 float64
	same := 0
	for i := 0; i < n; i++ {
		x, y := a.Load(2*i), b.Load(4*i)
		s += x
		d += x - y
		d2 += (x - y) * (x - y)
		if x == y {
			same++
		}
	}
	mean := s / float64(n)
	if dm := d / float64(n); math.Abs(dm) > 5*math.Sqrt(2*mean/float64(n)) {
		t.Errorf("mean difference of the channels %g, want 0 within noise", dm)
	}
	if vr := d2 / float64(n); math.Abs(vr/(2*mean)-1) > 0.05 {
		t.Errorf("variance of the difference %g, want 2 * mean count = %g", vr, 2*mean)
	}
	if same == n {
		t.Error("the channels are identical")
	}
	small, _ := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size - 1}, make([]byte, 2*o.Frames*o.Size*(o.Size-1)))
	if RunTwoChannels(context.Background(), a, small, o) == nil {
		t.Error("second channel of another shape accepted")
	}
}

// TestCancelDuringMotion: the particles' motion, a sequential loop before
// any frame is drawn, polls the context and the progress callback: a
// cancelled context or a progress that returns false ends it with
// pool.ErrCancelled (it ran for a minute with many particles before).
func TestCancelDuringMotion(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size, o.Particles, o.Threads = 64, 8, 4096, 1
	out, err := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size}, make([]byte, 2*o.Frames*o.Size*o.Size))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, out, o); !errors.Is(err, pool.ErrCancelled) {
		t.Errorf("cancelled context: %v, want pool.ErrCancelled", err)
	}
	defer func(iv time.Duration) { pool.Interval = iv }(pool.Interval)
	pool.Interval = 0
	calls := 0
	o.Progress = func(done, total int) bool {
		calls++
		if done != 0 || total != o.Frames {
			t.Errorf("progress(%d, %d) during the motion, want (0, %d)", done, total, o.Frames)
		}
		return false
	}
	if err := Run(context.Background(), out, o); !errors.Is(err, pool.ErrCancelled) || calls != 1 {
		t.Errorf("progress false: %v after %d calls, want pool.ErrCancelled after 1", err, calls)
	}
}

// The motion is computed a block of frames at a time (posBlock bytes of
// positions): blocks of 7 frames give bitwise the data of one block, and
// progress rises to (Frames, Frames). All the motion at once took 8 bytes
// per particle and frame: 200 million frames ran Go out of memory, which
// ended the host.
func TestBlocksOfFrames(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size = 300, 24
	want := stack(t, o).Data
	defer func(b int) { posBlock = b }(posBlock)
	posBlock = 8 * o.Particles * 7
	var last [2]int
	o.Progress = func(done, total int) bool {
		if done < last[0] || total != o.Frames {
			t.Errorf("progress (%d, %d) after (%d, %d)", done, total, last[0], last[1])
		}
		last = [2]int{done, total}
		return true
	}
	got := stack(t, o).Data
	if string(got) != string(want) {
		t.Error("blocks of 7 frames differ from one block")
	}
	if last != [2]int{o.Frames, o.Frames} {
		t.Errorf("last progress %v, want (%d, %d)", last, o.Frames, o.Frames)
	}
	// two channels: the first is bitwise Run's
	o.Progress = nil
	a, _ := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size}, make([]byte, 2*o.Frames*o.Size*o.Size))
	b, _ := array.Contiguous(array.Float32, []int{o.Frames, o.Size, o.Size}, make([]byte, 4*o.Frames*o.Size*o.Size))
	if err := RunTwoChannels(context.Background(), a, b, o); err != nil {
		t.Fatal(err)
	}
	if string(a.Data) != string(want) {
		t.Error("two channels in blocks: the first differs from Run")
	}
}

// TestRenderStopsWithinAFrame: a frame stops being drawn 64 rows after
// the run is stopped, not at its end (8192 x 8192 pixels took 7 s to
// answer Ctrl+C, a campaign): the rows after those are not written.
func TestRenderStopsWithinAFrame(t *testing.T) {
	o := DefaultOptions()
	o.Frames, o.Size = 1, 256
	out, err := array.Contiguous(array.Uint16, []int{o.Frames, o.Size, o.Size}, make([]byte, 2*o.Frames*o.Size*o.Size))
	if err != nil {
		t.Fatal(err)
	}
	hw := int(math.Ceil(3 * o.PSFSigma))
	img, gx, gy := make([]float64, o.Size*o.Size), make([]float64, 2*hw+1), make([]float64, 2*hw+1)
	pos := []float32{10, 10}
	o.Background = 50 // every pixel drawn holds counts
	calls := 0
	stopped := func() bool { calls++; return true }
	if err := render(stopped, o, 0, pos, hw, img, gx, gy, []array.View{out}); !errors.Is(err, pool.ErrCancelled) || calls != 1 {
		t.Fatalf("render: %v after %d looks, want pool.ErrCancelled after 1", err, calls)
	}
	row := func(y int) (sum float64) {
		for x := 0; x < o.Size; x++ {
			sum += out.Load(out.Offset + y*out.Strides[1] + x*out.Strides[2])
		}
		return sum
	}
	if row(0) == 0 || row(o.Size-1) != 0 {
		t.Errorf("rows 0 and %d hold %g and %g counts: want some, then none (not drawn)", o.Size-1, row(0), row(o.Size-1))
	}
	// Not stopped: the whole frame.
	if err := render(func() bool { return false }, o, 0, pos, hw, img, gx, gy, []array.View{out}); err != nil || row(o.Size-1) == 0 {
		t.Errorf("render: %v, last row %g", err, row(o.Size-1))
	}
}
