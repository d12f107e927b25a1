package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// inPlaceRig is an out-of-core job whose bands read the input in place: 36
// rows of 1024 columns (8-row bands of 16 KiB a frame), 1024 frames.
type inPlaceRig struct {
	faultRig
}

func newInPlaceRig(t *testing.T, seed uint64) *inPlaceRig {
	if testing.Short() {
		t.Skip("runs the CLI many times: skipped with -short")
	}
	r := &inPlaceRig{faultRig{t: t, bin: binary(t), dir: t.TempDir()}}
	r.in = filepath.Join(r.dir, "in.npy")
	r.argv = r.jobArgs
	r.write(seed)
	return r
}

// write writes the input: random uint16 samples from seed.
func (r *inPlaceRig) write(seed uint64) {
	const T, H, W = 1024, 36, 1024
	rng := rand.New(rand.NewPCG(seed, 9))
	b := make([]byte, T*H*W*2)
	for i := 0; i < len(b); i += 2 {
		v := uint16(100 + rng.IntN(50))
		b[i], b[i+1] = byte(v), byte(v>>8)
	}
	if err := npy.WriteFile(r.in, array.Uint16, []int{T, H, W}, b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *inPlaceRig) jobArgs(out string) []string {
	return []string{"pcf", r.in, "-o", out, "--radius", "2", "--npoints", "8", "--nbins", "8", "--engine", "ooc",
		"--memory", "256MiB", "--tile", "8,8", "--threads", "2", "--quiet"}
}

func (r *inPlaceRig) reference() []byte {
	out := filepath.Join(r.dir, "ref.npy")
	os.Remove(out)
	a := r.args(out, "--engine", "memory")
	if msg, err := r.run(nil, a...); err != nil {
		r.t.Fatalf("reference: %v %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// TestFaultInPlace: a job that reads its input in place (no scratch copy:
// the scratch holds the journal only) is killed at random moments and
// after each journal line, and every rerun gives the bytes of the
// in-memory engine. An input changed between runs gives the new input's
// result, or a refusal; an input rewritten in place with its old size and
// time is caught by the journaled checksums of its rows: the rerun fails
// with a message and the next one starts over.
func TestFaultInPlace(t *testing.T) {
	r := newInPlaceRig(t, 1)
	want := r.reference()
	out := filepath.Join(r.dir, "out.npy")
	// Read in place, with the in-memory bytes.
	msg, err := r.run(nil, append(r.args(out), "--json")...)
	var js struct {
		InPlace bool `json:"read_in_place"`
		Chunks  int  `json:"chunks"`
		Tiles   int  `json:"tiles"`
	}
	if err != nil || json.Unmarshal([]byte(msg), &js) != nil || !js.InPlace || js.Chunks != 0 || js.Tiles != 4 {
		t.Fatalf("want 4 bands read in place: %v %s", err, msg)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Fatal("read in place: the result differs from in memory")
	}
	os.Remove(out)
	start := time.Now()
	r.run(nil, r.args(out)...)
	full := time.Since(start)
	os.Remove(out)
	rng := rand.New(rand.NewPCG(3, 4))
	kills := 0
	for i := 0; i < 12; i++ {
		r.killsThenResume(fmt.Sprintf("kill %d", i), 1, rng, full, out, want)
		kills++
		if i%3 == 2 {
			os.Remove(out)
		}
	}
	for _, prefix := range []string{"input", "tile"} {
		for n := 1; n <= 3; n++ {
			os.Remove(out)
			if !r.killWhen(prefix, n, out) {
				continue // finished first
			}
			kills++
			r.mustResume(fmt.Sprintf("kill after %d %s lines", n, prefix), out, want)
		}
	}
	// A new input between runs: the job key changes, the rerun starts over.
	os.Remove(out)
	r.killWhen("tile", 1, out)
	r.write(2)
	want2 := r.reference()
	r.mustResume("new input", out, want2)
	// Rewritten in place with the same size and time: the journaled
	// checksums of the rows catch it.
	os.Remove(out)
	st, _ := os.Stat(r.in)
	if !r.killWhen("tile", 1, out) {
		t.Fatal("the run ended before its first band")
	}
	f, _ := os.OpenFile(r.in, os.O_RDWR, 0)
	// Frame 500's first row (read for the first band), between the
	// blocks that the job key's fingerprint samples.
	const frame = 36 * 1024 * 2
	f.WriteAt([]byte{7, 7, 7, 7}, st.Size()-1024*frame+500*frame+100)
	f.Close()
	os.Chtimes(r.in, st.ModTime(), st.ModTime())
	msg, err = r.run(nil, r.args(out)...)
	if err == nil || !strings.Contains(msg, "differ from when this job read them") ||
		!strings.Contains(msg, "run it again to compute the input as it is now") { // (what to do: JOBKILL18's m2)
		t.Fatalf("rewritten input: %v %s", err, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("rewritten input: an output was published")
	}
	want3 := r.reference()
	r.mustResume("after the refusal", out, want3)
	t.Logf("%d kills over %v runs, and a rewritten input refused: every rerun gave the in-memory bytes", kills, full)
}

// TestInPlaceImageJTIFF: ImageJ TIFFs written by tifffile (a stack, and
// channel 2 of a two-channel hyperstack) are read in place out of core,
// with the bytes of the in-memory engine.
func TestInPlaceImageJTIFF(t *testing.T) {
	bin, dir := binary(t), t.TempDir()
	stack, hyper := filepath.Join(dir, "stack.tif"), filepath.Join(dir, "hyper.tif")
	script := `import sys, numpy, tifffile
rng = numpy.random.default_rng(5)
a = rng.integers(100, 160, size=(256, 10, 1024), dtype=numpy.uint16)
tifffile.imwrite(sys.argv[1], a, imagej=True, metadata={'axes': 'TYX'})
h = rng.integers(100, 160, size=(256, 2, 10, 1024), dtype=numpy.uint16)
tifffile.imwrite(sys.argv[2], h, imagej=True, metadata={'axes': 'TCYX'})
`
	if out, err := exec.Command(python, "-c", script, stack, hyper).CombinedOutput(); err != nil {
		t.Fatalf("%s with tifffile (make deps installs python3-tifffile): %v %s", python, err, out)
	}
	for _, c := range []struct {
		name string
		args []string
	}{{"stack", []string{stack}}, {"hyperstack channel 2", []string{hyper, "--channel", "2"}}} {
		run := func(out string, extra ...string) string {
			a := append(append([]string{"pcf"}, c.args...), "-o", out, "--radius", "2", "--npoints", "8", "--nbins", "8",
				"--threads", "2", "--quiet", "--json")
			msg, err := exec.Command(bin, append(a, extra...)...).Output()
			if err != nil {
				t.Fatalf("%s: %v %s", c.name, err, msg)
			}
			return string(msg)
		}
		ref, got := filepath.Join(dir, "ref.npy"), filepath.Join(dir, "got.npy")
		os.Remove(ref)
		os.Remove(got)
		run(ref, "--engine", "memory")
		msg := run(got, "--engine", "ooc", "--memory", "128MiB", "--tile", "2,8")
		var js struct {
			InPlace bool `json:"read_in_place"`
			Tiles   int  `json:"tiles"`
		}
		if err := json.Unmarshal([]byte(msg), &js); err != nil || !js.InPlace || js.Tiles != 3 {
			t.Fatalf("%s: want 3 bands read in place: %v %s", c.name, err, msg)
		}
		a, _ := os.ReadFile(ref)
		b, _ := os.ReadFile(got)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Fatalf("%s: read in place, the result differs from in memory", c.name)
		}
	}
}

// TestInPlaceKilledAtCommitInputRewritten: a run reading its input in
// place is killed at its commit (the journal's commit line written) and
// at its publish (the result renamed into place, no sidecar yet); the
// input is then rewritten in bytes the key's samples miss, with its old
// size and time. The resume must not finish publishing the old input's
// result: it fails naming the change (and removes a file it had renamed
// into place), and the next run gives the new input's result.
func TestInPlaceKilledAtCommitInputRewritten(t *testing.T) {
	r := newInPlaceRig(t, 5)
	for i, point := range []string{"commit", "publish"} {
		r.write(uint64(5 + i))
		out := filepath.Join(r.dir, point+".npy")
		if msg, err := r.run([]string{"IPCF_FAULT_KILL=" + point}, r.args(out)...); err == nil {
			t.Fatalf("%s: not killed: %s", point, msg)
		}
		r.rewriteUnsampled()
		want := r.reference()
		msg, err := r.run(nil, append(r.args(out), "--quiet=false")...)
		if err == nil {
			if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
				t.Fatalf("%s: the resume published the old input's result: %s", point, msg)
			}
			continue
		}
		if !strings.Contains(msg, "differ from when this job read them") {
			t.Errorf("%s: the resume failed without naming the change: %s", point, msg)
		}
		if msg, err := r.run(nil, r.args(out)...); err != nil {
			t.Fatalf("%s: the run after the refusal: %v %s", point, err, msg)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("%s: the run after the refusal gave another result", point)
		}
	}
}

// TestInPlaceKilledPublishingErrorsInputRewritten: a run with error bars,
// killed while it published them (after the error bars' rename, or after
// both), is resumed on an input rewritten in place with its old size and
// time. The resume refuses, and removes the files it had renamed into
// place: the next run computes the new input's curves and error bars (it
// used to refuse OUT.sd.npy as a user's file, having lost the scratch that
// said whose it was).
func TestInPlaceKilledPublishingErrorsInputRewritten(t *testing.T) {
	r := newInPlaceRig(t, 7)
	for i, point := range []string{"publish-errors", "publish"} {
		r.write(uint64(7 + i))
		out := filepath.Join(r.dir, point+".npy")
		sd := strings.TrimSuffix(out, ".npy") + ".sd.npy"
		args := r.args(out, "--errors", "segments", "--segments", "4")
		if msg, err := r.run([]string{"IPCF_FAULT_KILL=" + point}, args...); err == nil {
			t.Fatalf("%s: not killed: %s", point, msg)
		}
		if _, err := os.Stat(sd); err != nil {
			t.Fatalf("%s: the killed run had not published its error bars: %v", point, err)
		}
		r.rewriteUnsampled()
		ref := filepath.Join(r.dir, "ref.npy")
		refSD := filepath.Join(r.dir, "ref.sd.npy")
		os.Remove(ref)
		os.Remove(refSD)
		if msg, err := r.run(nil, r.args(ref, "--errors", "segments", "--segments", "4", "--engine", "memory")...); err != nil {
			t.Fatalf("reference: %v %s", err, msg)
		}
		want, _ := os.ReadFile(ref)
		wantSD, _ := os.ReadFile(refSD)
		msg, err := r.run(nil, append(args, "--quiet=false")...)
		if err == nil {
			t.Fatalf("%s: the resume on the rewritten input did not fail: %s", point, msg)
		}
		if !strings.Contains(msg, "differ from when this job read them") {
			t.Errorf("%s: the resume failed without naming the change: %s", point, msg)
		}
		for _, p := range []string{out, sd} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s of the old input left after the refusal: %s", point, filepath.Base(p), msg)
			}
		}
		if msg, err := r.run(nil, args...); err != nil {
			t.Fatalf("%s: the run after the refusal: %v %s", point, err, msg)
		}
		got, _ := os.ReadFile(out)
		gotSD, _ := os.ReadFile(sd)
		if !bytes.Equal(got, want) || !bytes.Equal(gotSD, wantSD) {
			t.Errorf("%s: the run after the refusal gave another result (curves equal %v, error bars equal %v)",
				point, bytes.Equal(got, want), bytes.Equal(gotSD, wantSD))
		}
	}
}

// rewriteUnsampled rewrites 4 bytes of the input in place between the
// blocks the key samples, its size and time kept.
func (r *inPlaceRig) rewriteUnsampled() {
	st, err := os.Stat(r.in)
	if err != nil {
		r.t.Fatal(err)
	}
	const frame = 36 * 1024 * 2
	rewriteInPlace(r.t, r.in, st.Size()-1024*frame+500*frame+100, []byte{7, 7, 7, 7})
}
