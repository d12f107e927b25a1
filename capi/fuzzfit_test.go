package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"
)

// FuzzFit builds the arguments of ipcf_fit and ipcf_fit_nparams from fuzz
// bytes in C memory (fuzzfit.go): every call must return a documented
// status other than IPCF_E_INTERNAL with a message naming the function when
// it refuses, statuses 0..3 when it fits, and change no byte outside its
// outputs.
func FuzzFit(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for fn := 0; fn < 2; fn++ {
		f.Add(append([]byte{byte(fn)}, make([]byte, 96)...))
		b := make([]byte, 128)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		b[0] = byte(fn)
		f.Add(b)
	}
	for _, b := range fitSeeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			return
		}
		timer := time.AfterFunc(20*time.Second, func() {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "FuzzFit: a call still runs after 20s (input %x)\n%s", data, buf)
			os.Exit(2)
		})
		c := fuzzFitRun(data)
		timer.Stop()
		if c.skipped {
			return
		}
		for _, p := range c.problems {
			t.Errorf("%s: status %d: %s", c.fn, c.st, p)
		}
	})
}

// fitSeeds decode to valid calls (the byte order is fuzzfit.go's).
var fitSeeds = map[string][]byte{
	// nparams: options (struct_size ok, model 1 = ACF2D, flags 2 = Ginf), 1 offset NULL
	"ipcf_fit_nparams acf2d": {0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 32, 0, 0},
	// fit: options NULL (PCF1D), curves (1, 2, 2, 8) C order, delays, offsets, outputs
	"ipcf_fit pcf1d": {1, 255, 0, 0, 0, 4, 1, 2, 2, 8, 0, 0, 0},
}

// TestFuzzFitSeeds runs the seeds (go test runs them too, as FuzzFit's
// corpus) and checks that each valid seed is a successful call.
func TestFuzzFitSeeds(t *testing.T) {
	for name, b := range fitSeeds {
		c := fuzzFitRun(b)
		if c.skipped || len(c.problems) > 0 {
			t.Errorf("%s: skipped %v, problems %v", name, c.skipped, c.problems)
		}
		t.Logf("%s: %s status %d %q", name, c.fn, c.st, c.msg)
	}
}
