package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
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
	for fn := 0; fn < 11; fn++ {
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
	"ipcf_offsets":               {9, 1, 2, 0, 20},
	"ipcf_pcf_delays":            {10, 20, 0, 0, 0, 0, 0, 3, 8, 8, 8, 0},
	// the toolkit (bytes after the data descriptor: options nil?, struct_size,
	// radius, npoints, nbins, bleach, bleach_mean, threads, device, token,
	// mask?, offsets, bins, multitau_m, smooth, threshold, output, data2)
	"ipcf_pcf_compute/offsets": {1, 0, 0, 0, 3, 8, 8, 8, 0,
		0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 163, 1, 0, 245, 0, 0, 0, 2, 245, 1, 0, 1, 0, 1, 0},
	"ipcf_pcf_compute/multitau delta data2": {1, 0, 0, 0, 3, 16, 7, 7, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 160, 0, 0, 2, 6, 0, 1, 1, 200, 0, 0, 0, 0, 0, 0, 0},
	"ipcf_pcf_delays/linear":   {10, 40, 0, 0, 0, 0, 0, 3, 64, 4, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1},
	"ipcf_pcf_delays/multitau": {10, 40, 0, 0, 0, 0, 0, 3, 64, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4},
}

// TestFuzzCAPISeeds checks that the harness reaches the success path of
// every entry point.
func TestFuzzCAPISeeds(t *testing.T) {
	// the toolkit seeds decode to the options they are named after
	toolkit := map[string]string{
		"ipcf_pcf_compute/offsets":              "noffsets=4 bins=1 multitau_m=16 smooth=0.5 threshold=-Inf output=1 data2=false",
		"ipcf_pcf_compute/multitau delta data2": "noffsets=1 bins=2 multitau_m=4 smooth=0.7 threshold=5 output=1 data2=true",
		"ipcf_pcf_delays/linear":                "noffsets=0 bins=1 multitau_m=16",
		"ipcf_pcf_delays/multitau":              "noffsets=0 bins=2 multitau_m=2",
	}
	for name, b := range validSeeds {
		fn, _, _ := strings.Cut(name, "/")
		c := fuzzRun(b)
		if c.skipped || c.fn != fn || c.st != ok || len(c.problems) > 0 {
			t.Errorf("seed %s: %+v", name, c)
		}
		if want, found := toolkit[name]; found && !strings.HasPrefix(c.toolkit, want) {
			t.Errorf("seed %s decodes to %s, want %s", name, c.toolkit, want)
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
