package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"
)

// FuzzCAPI builds ipcf_array descriptors and option structs from fuzz
// bytes in C memory and calls the entry points (fuzzcall.go). Every call
// must return a documented status other than IPCF_E_INTERNAL, a refusal
// must carry a message naming the function, a success must give a valid
// result, and no byte outside an output may change.
func FuzzCAPI(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for fn := 0; fn < 9; fn++ {
		f.Add(append([]byte{byte(fn)}, make([]byte, 64)...)) // defaults: mostly valid
		b := make([]byte, 96)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		b[0] = byte(fn)
		f.Add(b)
	}
	for _, b := range validSeeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			return
		}
		// A call that runs this long on inputs this small is a hang: fail
		// with every goroutine's stack.
		timer := time.AfterFunc(20*time.Second, func() {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "FuzzCAPI: a call still runs after 20s (input %x)\n%s", data, buf)
			os.Exit(2)
		})
		c := fuzzRun(data)
		timer.Stop()
		if c.skipped {
			return
		}
		for _, p := range c.problems {
			t.Errorf("%s: status %d: %s", c.fn, c.st, p)
		}
	})
}

// validSeeds decode to valid calls of each entry point (the byte order is
// fuzzcall.go's: descriptor = mode, struct_size, [dtype], byte order, ndim,
// shape..., data; zeros past the end pick the defaults and the required
// output shapes).
var validSeeds = map[string][]byte{
	"ipcf_pcf_output_shape":      {0, 0, 0, 0, 3, 8, 8, 8, 0},
	"ipcf_pcf_compute":           {1, 0, 0, 0, 3, 8, 8, 8, 0},
	"ipcf_correct_bleaching":     {2, 0, 0, 0, 3, 12, 4, 4, 0},
	"ipcf_convolve2d":            {3, 1, 0, 1, 0, 2, 4, 4, 0, 1, 0, 1, 0, 2, 3, 3, 0},
	"ipcf_correlate":             {4, 0, 0, 0, 1, 8, 0, 0, 0, 0, 1, 8, 0, 0},
	"ipcf_simulate":              {5, 0, 0, 3, 8, 2, 0, 1},
	"ipcf_circle":                {6, 3, 4, 8},
	"ipcf_logbins":               {7, 100, 8, 20},
	"ipcf_array_init_contiguous": {8, 0, 2, 3, 4, 5, 6},
}

// TestFuzzCAPISeeds checks that the harness reaches the success path of
// every entry point.
func TestFuzzCAPISeeds(t *testing.T) {
	for fn, b := range validSeeds {
		c := fuzzRun(b)
		if c.skipped || c.fn != fn || c.st != ok || len(c.problems) > 0 {
			t.Errorf("seed %s: %+v", fn, c)
		}
	}
}

// TestFuzzCAPICorpus runs a few thousand random inputs in plain go test.
func TestFuzzCAPICorpus(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(3, 4))
	counts := map[string][2]int{}
	for i := 0; i < n; i++ {
		b := make([]byte, 16+r.IntN(100))
		if i%2 == 0 { // a valid call with one to three bytes changed
			for _, s := range validSeeds {
				if r.IntN(len(validSeeds)) == 0 {
					copy(b, s)
					break
				}
			}
			for k := 1 + r.IntN(3); k > 0; k-- {
				b[r.IntN(len(b))] = byte(r.IntN(256))
			}
		} else {
			for j := range b {
				b[j] = byte(r.IntN(256))
				if r.IntN(3) == 0 {
					b[j] = 0 // zeros pick the valid defaults
				}
			}
		}
		c := fuzzRun(b)
		if c.skipped {
			continue
		}
		k := counts[c.fn]
		if c.st == ok {
			k[0]++
		} else {
			k[1]++
		}
		counts[c.fn] = k
		for _, p := range c.problems {
			t.Errorf("%s (input %x): status %d: %s", c.fn, b, c.st, p)
		}
	}
	t.Logf("calls (ok, refused): %v", counts)
}
