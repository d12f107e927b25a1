package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/ooc"
)

// errFaultArgs are the fault rig's job with error bars, made cheaper (4
// points, 8 bins, 1024 frames: the error bars cost more than the curves).
var errFaultArgs = []string{"--npoints", "4", "--nbins", "8", "--frames", "0:1024", "--errors", "blocking"}

// removeResult removes a result, its sidecar and its error bars.
func removeResult(out string) {
	for _, p := range []string{out, out + ".json", sdName(out)} {
		os.Remove(p)
	}
}

// pairRef computes the job in memory in a separate folder: the curves'
// and the error bars' bytes.
func (r *faultRig) pairRef(name string, extra ...string) (curves, sd []byte) {
	r.t.Helper()
	c := r.reference(name, extra...)
	sd, err := os.ReadFile(filepath.Join(r.dir, "ref-"+name+".sd.npy"))
	if err != nil {
		r.t.Fatal(err)
	}
	return c, sd
}

// checkPair fails if out's sidecar describes other files than those
// there: after any kill, a sidecar names the curves and the error bars
// with their checksums, or there is none.
func checkPair(t *testing.T, what, out string) {
	t.Helper()
	b, err := os.ReadFile(out + ".json")
	if err != nil {
		return // no sidecar: nothing claims the files (fit refuses them)
	}
	var m struct {
		CRC    string `json:"output_crc32c"`
		Errors *struct {
			File string `json:"file"`
			CRC  string `json:"crc32c"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: sidecar: %v", what, err)
	}
	crc := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return "missing"
		}
		return fmt.Sprintf("%08x", ooc.CRC(b))
	}
	if got := crc(out); got != m.CRC {
		t.Fatalf("%s: the sidecar names curves %s, the file is %s", what, m.CRC, got)
	}
	if m.Errors != nil {
		if got := crc(filepath.Join(filepath.Dir(out), m.Errors.File)); got != m.Errors.CRC {
			t.Fatalf("%s: the sidecar names error bars %s, the file is %s: a mismatched pair", what, m.Errors.CRC, got)
		}
	}
}

// checkResumed reruns the job after a kill: it must succeed with the
// reference's curves and error bars, leave no scratch, and a second rerun
// must change nothing.
func (r *faultRig) checkResumed(what, out string, curves, sd []byte, extra ...string) {
	r.t.Helper()
	t := r.t
	if msg, err := r.run(nil, r.args(out, extra...)...); err != nil {
		t.Fatalf("%s: rerun after a kill failed: %v %s", what, err, msg)
	}
	got, _ := os.ReadFile(out)
	gotSD, _ := os.ReadFile(sdName(out))
	if !bytes.Equal(got, curves) || !bytes.Equal(gotSD, sd) {
		t.Fatalf("%s: rerun gave other curves (%v) or error bars (%v)", what, !bytes.Equal(got, curves), !bytes.Equal(gotSD, sd))
	}
	checkPair(t, what, out)
	if s := r.scratch(out); s != "" {
		t.Fatalf("%s: scratch left after success: %s", what, s)
	}
	msg, err := r.run(nil, append(r.args(out, extra...), "--quiet=false")...)
	if err != nil || !strings.Contains(msg, "already complete") {
		t.Fatalf("%s: second rerun: %v %q", what, err, msg)
	}
}

// TestFaultErrors: a job with error bars killed at the commit's named
// points (between the error bars' and the curves' renames included), at
// random moments, and with its partial error bars damaged: no kill
// leaves a sidecar that describes another pair of files, and every rerun
// gives the uninterrupted bytes of both files. Both engines.
func TestFaultErrors(t *testing.T) {
	r := newFaultRig(t)
	curves, sd := r.pairRef("errors", errFaultArgs...)
	// An earlier result of another job with error bars is replaced: made
	// once in a folder of its own, copied before each kill.
	other := append(append([]string(nil), errFaultArgs...), "--bleach", "10")
	out := filepath.Join(r.dir, "out.npy")
	stash := filepath.Join(r.dir, "stash", "out.npy")
	os.Mkdir(filepath.Dir(stash), 0o755)
	if msg, err := r.run(nil, r.args(stash, other...)...); err != nil {
		t.Fatalf("the earlier result: %v %s", err, msg)
	}
	kills := 0
	for _, engine := range []string{"ooc", "memory"} {
		for _, point := range []string{"commit", "publish-errors", "publish", "cleanup"} {
			if engine == "memory" && point == "commit" {
				continue // the out-of-core journal's
			}
			what := engine + ", kill at " + point
			for _, p := range []string{"out.npy", "out.npy.json", "out.sd.npy"} {
				b, err := os.ReadFile(filepath.Join(filepath.Dir(stash), p))
				if err != nil || os.WriteFile(filepath.Join(r.dir, p), b, 0o644) != nil {
					t.Fatalf("copying the earlier result: %v", err)
				}
			}
			args := append(append([]string(nil), errFaultArgs...), "--engine", engine)
			msg, err := r.run([]string{"IPCF_FAULT_KILL=" + point}, r.args(out, args...)...)
			if err == nil {
				t.Fatalf("%s: the fault point was not reached: %s", what, msg)
			}
			kills++
			checkPair(t, what, out)
			if point == "publish-errors" {
				// The new error bars beside the old curves: no sidecar
				// claims them, and fit refuses the result.
				if _, err := os.Stat(out + ".json"); err == nil {
					t.Fatalf("%s: a sidecar beside a half-published pair", what)
				}
				if code, _ := ipcf(t, "fit", out, "-o", filepath.Join(r.dir, "maps.npy"), "--quiet"); code == 0 {
					t.Fatalf("%s: fit used a half-published pair", what)
				}
			}
			r.checkResumed(what, out, curves, sd, args...)
		}
	}
	// Random kills, out of core.
	start := time.Now()
	if msg, err := r.run(nil, r.args(filepath.Join(r.dir, "timing.npy"), errFaultArgs...)...); err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	full := time.Since(start)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 4; i++ {
		removeResult(out)
		r.killAfter(time.Duration(rng.Float64()*1.1*float64(full)), out, errFaultArgs...)
		kills++
		checkPair(t, fmt.Sprintf("random kill %d", i), out)
		r.checkResumed(fmt.Sprintf("random kill %d", i), out, curves, sd, errFaultArgs...)
	}
	// The partial error bars damaged after a kill: the damaged tiles are
	// computed again.
	partial := filepath.Join(r.dir, ".out.sd.npy.partial")
	for _, c := range []struct {
		name string
		flip bool
		at   float64
	}{{"flipped partial error bars", true, 0.02}, {"truncated partial error bars", false, 0.3}} {
		removeResult(out)
		if !r.killWhen("tile", 10, out, errFaultArgs...) {
			t.Fatalf("%s: the run ended before it could be killed", c.name)
		}
		kills++
		corrupt(t, partial, c.flip, c.at)
		r.checkResumed(c.name, out, curves, sd, errFaultArgs...)
	}
	t.Logf("%d kills, every rerun gave the uninterrupted curves and error bars", kills)
}

// TestFaultPublishOverAnotherShape: a run killed while it publishes over
// the result of a job of another shape (its sidecar removed, the error
// bars or nothing renamed yet) leaves the old curves without a sidecar,
// maybe beside the new error bars. A rerun of either job replaces them
// (they were refused for good: neither file has the other job's shape):
// the scratch records the files the publication replaces.
func TestFaultPublishOverAnotherShape(t *testing.T) {
	r := newFaultRig(t)
	a := append([]string(nil), errFaultArgs...)
	b := append(append([]string(nil), errFaultArgs...), "--nbins", "10")
	for _, engine := range []string{"ooc", "memory"} {
		for _, point := range []string{"publish-errors", "publish"} {
			for _, rerun := range []string{"new", "old"} {
				what := engine + ", kill at " + point + ", rerun of the " + rerun + " job"
				out := filepath.Join(r.dir, "out.npy")
				removeResult(out)
				withEngine := func(args []string) []string { return append(append([]string(nil), args...), "--engine", engine) }
				if msg, err := r.run(nil, r.args(out, withEngine(a)...)...); err != nil {
					t.Fatalf("%s: the first job: %v %s", what, err, msg)
				}
				if msg, err := r.run([]string{"IPCF_FAULT_KILL=" + point}, r.args(out, withEngine(b)...)...); err == nil {
					t.Fatalf("%s: the fault point was not reached: %s", what, msg)
				}
				args := a
				if rerun == "new" {
					args = b
				}
				curves, sd := r.pairRef(rerun, args...)
				if msg, err := r.run(nil, r.args(out, withEngine(args)...)...); err != nil {
					t.Fatalf("%s: %v %s", what, err, msg)
				}
				gc, _ := os.ReadFile(out)
				gs, _ := os.ReadFile(sdName(out))
				if !bytes.Equal(gc, curves) || !bytes.Equal(gs, sd) {
					t.Errorf("%s: the rerun's files differ from a clean run's", what)
				}
			}
		}
	}
}
