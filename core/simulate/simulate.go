package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/sysmem"
	"github.com/ipcf/ipcf/core/pool"
)

// Options are the parameters of a simulation. Lengths are in pixels and
// times in frames.
type Options struct {
	Frames       int     // number of frames
	Size         int     // image height and width
	Seed         uint64  // random seed
	Particles    int     // number of particles
	Diffusion    float64 // diffusion coefficient, pixel**2 per frame
	ChannelWidth float64 // channel width across the diagonal; 0 means no barrier
	PSFSigma     float64 // Gaussian PSF standard deviation
	Brightness   float64 // expected counts per frame at the center of a particle
	Background   float64 // expected background counts per pixel and frame
	BleachTau    float64 // exponential bleaching time constant; 0 means none

	// FlowU and FlowV are a drift (flow) in pixels per frame along the
	// columns (x) and rows (y), added to every particle's step: a step is
	// (FlowU + sqrt(2*Diffusion)*n1, FlowV + sqrt(2*Diffusion)*n2) with
	// n1, n2 standard normal. A step that would cross a channel wall is
	// rejected whole, drift included. 0 (the default) is no flow; the
	// random stream does not depend on the flow.
	FlowU, FlowV float64

	Threads  int
	Progress pool.Progress
}

// DefaultOptions returns the default dataset: 32,000 frames of 64 x 64
// pixels, like the tutorial's simulated channel data.
func DefaultOptions() Options {
	return Options{
		Frames: 32000, Size: 64, Seed: 1, Particles: 200, Diffusion: 0.5,
		ChannelWidth: 4, PSFSigma: 1, Brightness: 40, Background: 10,
	}
}

// ErrParam reports an invalid simulation parameter.
var ErrParam = errors.New("simulate: invalid parameter")

// Check validates the options.
func (o Options) Check() error {
	switch {
	case o.Frames < 1:
		return fmt.Errorf("%w: frames=%d, want >= 1", ErrParam, o.Frames)
	case o.Size < 1 || o.Size > 1<<14:
		return fmt.Errorf("%w: size=%d, want 1..16384", ErrParam, o.Size)
	case o.Particles < 0 || o.Particles > 1<<20:
		return fmt.Errorf("%w: particles=%d, want 0..%d", ErrParam, o.Particles, 1<<20)
	case !(o.Diffusion >= 0) || o.Diffusion > float64(o.Size):
		return fmt.Errorf("%w: diffusion=%g, want 0..size", ErrParam, o.Diffusion)
	case !(o.ChannelWidth >= 0) || o.ChannelWidth >= float64(o.Size)/math.Sqrt2:
		return fmt.Errorf("%w: channel width=%g, want 0 <= width < size/sqrt(2) (%.4g for size %d)", ErrParam, o.ChannelWidth, float64(o.Size)/math.Sqrt2, o.Size)
	case !(o.PSFSigma > 0) || o.PSFSigma > float64(o.Size):
		return fmt.Errorf("%w: psf sigma=%g, want 0 < sigma <= size (%d)", ErrParam, o.PSFSigma, o.Size)
	case !(o.Brightness >= 0) || !(o.Background >= 0) || o.Brightness+o.Background > 1e4:
		return fmt.Errorf("%w: brightness=%g, background=%g, want >= 0 and a sum <= 10000", ErrParam, o.Brightness, o.Background)
	case !(math.Abs(o.FlowU) <= float64(o.Size)/2) || !(math.Abs(o.FlowV) <= float64(o.Size)/2):
		return fmt.Errorf("%w: flow=(%g, %g), want |flow| <= size/2 pixels per frame", ErrParam, o.FlowU, o.FlowV)
	case !(o.BleachTau >= 0) || math.IsInf(o.BleachTau, 1):
		return fmt.Errorf("%w: bleach tau=%g, want a finite number >= 0 (0: no bleaching)", ErrParam, o.BleachTau)
	}
	if err := pool.CheckThreads("threads", o.Threads); err != nil {
		return fmt.Errorf("%w: %w", ErrParam, err)
	}
	return nil
}

// InChannel reports whether the point (x, y) lies inside the channel: its
// distance from the diagonal y = x (periodic in both axes) is less than
// width/2.
func InChannel(x, y, size, width float64) bool {
	d := math.Mod(y-x, size)
	if d < -size/2 {
		d += size
	} else if d >= size/2 {
		d -= size
	}
	return math.Abs(d)/math.Sqrt2 < width/2
}

// Run simulates into out, a (Frames, Size, Size) array of any integer or
// float dtype; counts are clipped to the dtype's range.
func Run(ctx context.Context, out array.View, o Options) error {
	return run(ctx, []array.View{out}, o)
}

// RunTwoChannels simulates the same particles seen in two channels with
// independent photon noise: both channels have the expected image of Run
// (same brightness, background and bleaching), and each draws its own
// Poisson counts. out is bitwise what Run writes for o; out2 (same shape,
// any dtype) takes its noise from a separate random stream. A
// cross-channel correlation of the two has no shot-noise term at delay 0.
func RunTwoChannels(ctx context.Context, out, out2 array.View, o Options) error {
	return run(ctx, []array.View{out, out2}, o)
}

func run(ctx context.Context, outs []array.View, o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	for _, out := range outs {
		if out.NDim() != 3 || out.Shape[0] != o.Frames || out.Shape[1] != o.Size || out.Shape[2] != o.Size {
			return fmt.Errorf("%w: output shape %v, want [%d %d %d]", ErrParam, out.Shape, o.Frames, o.Size, o.Size)
		}
	}
	// Particle motion: sequential, one random stream.
	S := float64(o.Size)
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	np := o.Particles
	px, py := make([]float64, np), make([]float64, np)
	inside := make([]bool, np)
	for i := range px {
		px[i], py[i] = rng.Float64()*S, rng.Float64()*S
		inside[i] = o.ChannelWidth > 0 && InChannel(px[i], py[i], S, o.ChannelWidth)
	}
	// The positions of a block of frames at a time: the motion of all of
	// them would take 8 bytes per particle and frame (1.6 GB for 200
	// particles and 10^6 frames, and more than any machine's memory for
	// 200 million frames: Go's out-of-memory error ends the host).
	// (at least a frame for each worker: many particles made blocks of
	// fewer frames than threads)
	chunk := min(o.Frames, max(pool.Threads(o.Threads), posBlock/(8*max(np, 1))))
	// From Go's heap, which ends the process where it cannot grow: under a
	// limit of address space (ulimit -v) the check refuses it first.
	if err := sysmem.CheckAddress("the particles' positions", 8*int64(np)*int64(chunk)); err != nil {
		return err
	}
	// and each worker's image in float64 (2 GiB at --size 16384: unchecked,
	// a limit of address space ended the host with Go's fatal "out of
	// memory", the Python interpreter too; the tools campaign's F6)
	workers := int64(min(pool.Threads(o.Threads), max(o.Frames, 1)))
	if err := sysmem.Check(fmt.Sprintf("the rendering of %d frames at a time (%d x %d float64 each)", workers, o.Size, o.Size),
		8*int64(np)*int64(chunk)+workers*8*int64(o.Size)*int64(o.Size)); err != nil {
		return err
	}
	pos := make([]float32, 2*np*chunk)
	step := math.Sqrt(2 * o.Diffusion)
	// Rendering and noise: parallel over frames, one stream per frame.
	hw := int(math.Ceil(3 * o.PSFSigma))
	type scratch struct {
		img    []float64
		gx, gy []float64
	}
	scr := make([]*scratch, pool.Threads(o.Threads))
	last, steps := time.Now(), 0
	for t0 := 0; t0 < o.Frames; t0 += chunk {
		t1 := min(t0+chunk, o.Frames)
		if err := move(ctx, o, t0, t1, px, py, inside, pos, rng, step, &last, &steps); err != nil {
			return err
		}
		var progress pool.Progress
		if o.Progress != nil {
			progress = func(done, _ int) bool { return o.Progress(t0+done, o.Frames) }
		}
		// Polled within a frame (stopped: ctx, or the host's progress
		// callback on the calling goroutine): a frame of 8192 x 8192
		// pixels took 7 s to answer Ctrl+C (a campaign).
		err := pool.RunPolled(ctx, o.Threads, t1-t0, func(w, k int, stopped func() bool) error {
			t := t0 + k
			sc := scr[w]
			if sc == nil {
				sc = &scratch{img: make([]float64, o.Size*o.Size), gx: make([]float64, 2*hw+1), gy: make([]float64, 2*hw+1)}
				scr[w] = sc
			}
			return render(stopped, o, t, pos[2*k*np:2*(k+1)*np], hw, sc.img, sc.gx, sc.gy, outs)
		}, progress)
		if errors.Is(err, pool.ErrCancelled) {
			return fmt.Errorf("simulate: %w", err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// posBlock is the most bytes of particle positions held at once.
var posBlock = 64 << 20

// move steps every particle through frames t0..t1-1 (one random stream
// for the whole run), recording their positions at the start of each
// frame in pos (x, y of frame t0+k, particle i at 2*(k*np+i)).
func move(ctx context.Context, o Options, t0, t1 int, px, py []float64, inside []bool, pos []float32,
	rng *rand.Rand, step float64, last *time.Time, steps *int) error {
	S := float64(o.Size)
	np := len(px)
	// Many particles make this loop long (2,000 frames of 200,000 took a
	// minute): cancellation and the progress callback (which hosts poll
	// for Ctrl+C) are checked every pool.Interval, as pool.Run does.
	for t := t0; t < t1; t++ {
		k := t - t0
		for i := range px {
			if *steps++; *steps&0xffff == 0 {
				if ctx.Err() != nil {
					return fmt.Errorf("simulate: %w", pool.ErrCancelled)
				}
				if now := time.Now(); o.Progress != nil && now.Sub(*last) >= pool.Interval {
					*last = now
					if !o.Progress(t0, o.Frames) {
						return fmt.Errorf("simulate: %w", pool.ErrCancelled)
					}
				}
			}
			pos[2*(k*np+i)], pos[2*(k*np+i)+1] = float32(px[i]), float32(py[i])
			// (adding a zero flow changes no bit of the position)
			x := math.Mod(px[i]+o.FlowU+step*rng.NormFloat64()+S, S)
			y := math.Mod(py[i]+o.FlowV+step*rng.NormFloat64()+S, S)
			if o.ChannelWidth > 0 && InChannel(x, y, S, o.ChannelWidth) != inside[i] {
				continue // the wall reflects: the step is rejected
			}
			px[i], py[i] = x, y
		}
	}
	return nil
}

// render draws frame t of every output from the particles' positions pos
// (x, y of particle i at 2*i), img, gx and gy being scratch of Size^2 and
// 2*hw+1 values. It returns pool.ErrCancelled when stopped reports the
// run is being stopped (looked at every 65,536 particles and 64 rows).
func render(stopped func() bool, o Options, t int, pos []float32, hw int, img, gx, gy []float64, outs []array.View) error {
	np := len(pos) / 2
	b := o.Brightness
	if o.BleachTau > 0 {
		b *= math.Exp(-float64(t) / o.BleachTau)
	}
	for i := range img {
		img[i] = o.Background
	}
	k := -0.5 / (o.PSFSigma * o.PSFSigma)
	for i := 0; i < np; i++ {
		if i&0xffff == 0xffff && stopped() {
			return pool.ErrCancelled // a frame of many particles is long
		}
		x, y := float64(pos[2*i]), float64(pos[2*i+1])
		cx, cy := int(math.Floor(x)), int(math.Floor(y))
		for d := -hw; d <= hw; d++ {
			dx := float64(cx+d) + 0.5 - x
			dy := float64(cy+d) + 0.5 - y
			gx[d+hw] = math.Exp(k * dx * dx)
			gy[d+hw] = b * math.Exp(k*dy*dy)
		}
		for dy := -hw; dy <= hw; dy++ {
			row := ((cy+dy)%o.Size + o.Size) % o.Size * o.Size
			gyv := gy[dy+hw]
			for dx := -hw; dx <= hw; dx++ {
				col := ((cx+dx)%o.Size + o.Size) % o.Size
				img[row+col] += gyv * gx[dx+hw]
			}
		}
	}
	for c, out := range outs {
		// channel 0: stream (seed, t+1), as before there were channels
		r := rand.New(rand.NewPCG(o.Seed^channelSeed[c], uint64(t)+1))
		lo, hi := out.DType.Range()
		off := out.Offset + t*out.Strides[0]
		for y := 0; y < o.Size; y++ {
			if y&63 == 63 && stopped() {
				return pool.ErrCancelled
			}
			for x := 0; x < o.Size; x++ {
				v := float64(Poisson(r, img[y*o.Size+x]))
				v = math.Max(lo, math.Min(hi, v))
				out.Store(off+y*out.Strides[1]+x*out.Strides[2], v)
			}
		}
	}
	return nil
}

// channelSeed distinguishes the noise streams of the channels.
var channelSeed = [2]uint64{0, 0x6a09e667f3bcc909}

// Poisson returns a Poisson-distributed count with mean lam >= 0:
// inversion by sequential search for lam < 30, Hoermann's transformed
// rejection (PTRS, as numpy uses) above.
func Poisson(r *rand.Rand, lam float64) int {
	if lam <= 0 {
		return 0
	}
	if lam < 30 {
		p := math.Exp(-lam)
		f := p
		u := r.Float64()
		k := 0
		for u > f && k < 1000 {
			k++
			p *= lam / float64(k)
			f += p
		}
		return k
	}
	// W. Hoermann, The transformed rejection method for generating Poisson
	// random variables, Insurance: Mathematics and Economics 12 (1993) 39-45.
	slam := math.Sqrt(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v*invalpha/(a/(us*us)+b)) <= -lam+k*math.Log(lam)-lg {
			return int(k)
		}
	}
}
