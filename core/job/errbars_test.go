package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		method   string
		segments int
		given    bool
		want     *pcf.ErrOptions
	}{
		{"", 0, false, nil},
		{"none", 0, false, nil},
		{"blocking", 0, false, &pcf.ErrOptions{Method: pcf.Blocking}},
		{"segments", 0, false, &pcf.ErrOptions{Method: pcf.Segments}},
		{"segments", 5, true, &pcf.ErrOptions{Method: pcf.Segments, Segments: 5}},
	} {
		got, err := ParseErrors(c.method, c.segments, c.given)
		if err != nil || (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("ParseErrors(%q, %d, %v) = %v, %v; want %v", c.method, c.segments, c.given, got, err, c.want)
		}
	}
	for _, c := range []struct {
		method   string
		segments int
		given    bool
	}{{"Blocking", 0, false}, {"jackknife", 0, false}, {"", 4, true}, {"blocking", 4, true}, {"segments", 1, true}, {"segments", 0, true}, {"segments", -2, true}} {
		if got, err := ParseErrors(c.method, c.segments, c.given); !errors.Is(err, ErrOption) {
			t.Errorf("ParseErrors(%q, %d, %v) = %v, %v; want an ErrOption error", c.method, c.segments, c.given, got, err)
		}
	}
}

// TestErrorsJob: the error bars' key field, their progress phases in
// both engines, and cancellation in the error bars' phase (nothing
// published; the rerun completes with the uninterrupted bytes).
func TestErrorsJob(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	spec := func(out, engine string, e *pcf.ErrOptions) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine = in, filepath.Join(dir, out), engine
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
		s.Tile = [2]int{3, 3}
		s.Errors = e
		return s
	}
	open := func(s Spec) *Job {
		t.Helper()
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	blocking := &pcf.ErrOptions{Method: pcf.Blocking}
	// The key: unchanged without error bars; the method and the segments
	// (0 meaning the default) change it.
	k0 := open(spec("k.npy", "auto", nil)).Key()
	kb := open(spec("k.npy", "auto", blocking)).Key()
	k8 := open(spec("k.npy", "auto", &pcf.ErrOptions{Method: pcf.Segments})).Key()
	k8b := open(spec("k.npy", "auto", &pcf.ErrOptions{Method: pcf.Segments, Segments: 8})).Key()
	k4 := open(spec("k.npy", "auto", &pcf.ErrOptions{Method: pcf.Segments, Segments: 4})).Key()
	if k8 != k8b || len(map[string]bool{k0: true, kb: true, k8: true, k4: true}) != 4 {
		t.Errorf("keys: none %s, blocking %s, segments %s %s, 4 segments %s", k0, kb, k8, k8b, k4)
	}
	if _, ok := open(spec("k.npy", "auto", nil)).fields["errors"]; ok {
		t.Error("a job without error bars has an errors key field")
	}
	for _, c := range []struct {
		name string
		s    Spec
	}{{"zarr", spec("k.zarr", "auto", blocking)}, {"tif", spec("k.tif", "auto", blocking)},
		{"segments", spec("k.npy", "auto", &pcf.ErrOptions{Method: pcf.Segments, Segments: 65})},
		{"method", spec("k.npy", "auto", &pcf.ErrOptions{Method: 7})}} {
		if j, err := Open(c.s); !errors.Is(err, ErrOption) {
			if j != nil {
				j.Close()
			}
			t.Errorf("%s: %v, want an ErrOption error", c.name, err)
		}
	}

	run := func(s Spec, stop string) ([]string, error) {
		t.Helper()
		var phases []string
		s.Progress = func(phase string, done, total int) bool {
			if len(phases) == 0 || phases[len(phases)-1] != phase {
				phases = append(phases, phase)
			}
			return phase != stop
		}
		j := open(s)
		_, err := j.Run(context.Background())
		return phases, err
	}
	files := func(out string) ([]byte, []byte) {
		a, _ := os.ReadFile(out)
		b, _ := os.ReadFile(ErrorsName(out))
		return a, b
	}
	ref := spec("ref.npy", "memory", blocking)
	phases, err := run(ref, "")
	if err != nil || len(phases) == 0 || !slices.Equal(phases, []string{"read", "pcf", "errors"}) {
		t.Fatalf("in memory: phases %v, %v", phases, err)
	}
	want, wantSD := files(ref.Output)
	if len(wantSD) != len(want) || len(want) == 0 {
		t.Fatalf("in memory: %d bytes of curves, %d of error bars", len(want), len(wantSD))
	}
	for _, c := range []struct {
		engine, stop string
		phases       []string
	}{{"memory", "errors", []string{"read", "pcf", "errors"}}, {"ooc", "pcf+errors", []string{"transpose", "pcf+errors"}}} {
		s := spec(c.engine+".npy", c.engine, blocking)
		phases, err := run(s, c.stop)
		if !errors.Is(err, pcf.ErrCancelled) || !slices.Equal(phases, c.phases) {
			t.Fatalf("%s cancelled in %s: phases %v, %v", c.engine, c.stop, phases, err)
		}
		for _, p := range []string{s.Output, ErrorsName(s.Output), ooc.SidecarName(s.Output)} {
			if _, err := os.Stat(p); err == nil {
				t.Fatalf("%s cancelled: %s published", c.engine, p)
			}
		}
		// Out of core the rerun resumes after the transposition, having
		// compared the input with the interrupted run's copy ("check").
		if phases, err = run(s, ""); err == nil && c.engine == "ooc" && len(phases) > 0 && phases[0] == "check" {
			phases = phases[1:]
		} else if c.engine == "ooc" {
			t.Fatalf("ooc rerun: phases %v (%v), want a check of the copied input first", phases, err)
		}
		if err != nil || len(phases) == 0 || !slices.Equal(phases, c.phases[len(c.phases)-len(phases):]) || phases[len(phases)-1] != c.stop {
			t.Fatalf("%s rerun: phases %v, %v", c.engine, phases, err)
		}
		got, gotSD := files(s.Output)
		if !bytes.Equal(got, want) || !bytes.Equal(gotSD, wantSD) {
			t.Fatalf("%s rerun: other curves or error bars than in memory", c.engine)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".ipcf-scratch-*")); c.engine == "memory" && len(left) > 0 {
			t.Fatalf("in memory: scratch left: %v", left)
		}
	}
}

// TestErrorsFileNotReplaced: an output naming another result's error
// bars (OUT.sd.npy of OUT.npy, named in its sidecar) is refused as such,
// and the file is kept (REVIEW8's M5: the message said it had no ipcf
// sidecar, as for a user's file).
func TestErrorsFileNotReplaced(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 0), filepath.Join(dir, "o.npy")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
	s.Errors = &pcf.ErrOptions{Method: pcf.Blocking}
	run := openRun
	if err := run(s); err != nil {
		t.Fatal(err)
	}
	sd := filepath.Join(dir, "o.sd.npy")
	before, err := os.ReadFile(sd)
	if err != nil {
		t.Fatal(err)
	}
	s.Output, s.Errors = sd, nil
	err = run(s)
	if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "is the error bars of the ipcf result o.npy") {
		t.Errorf("-o o.sd.npy: %v; want ErrOutput naming o.npy", err)
	}
	if after, _ := os.ReadFile(sd); !bytes.Equal(before, after) {
		t.Error("o.sd.npy changed")
	}
	// A file of that name that o.npy's sidecar does not name: a user's.
	s.Output = filepath.Join(dir, "p.sd.npy")
	if err := os.WriteFile(s.Output, before, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(s); !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "is not an ipcf result") {
		t.Errorf("-o p.sd.npy (a copy): %v; want 'not an ipcf result'", err)
	}
}

// TestErrorsNameNotUTF8: error bars beside an output whose name is not
// UTF-8 (a Latin-1 byte) are refused before any work: the sidecar, JSON
// text, recorded their file's name with U+FFFD, and no reader found them
// (HOSTS11's F2). The curves alone are still written under such a name.
func TestErrorsNameNotUTF8(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 0), filepath.Join(dir, "r\xe9.npy")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
	s.Errors = &pcf.ErrOptions{Method: pcf.Blocking}
	if _, err := Open(s); !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "not UTF-8") {
		t.Errorf("errors beside r\\xe9.npy: %v; want ErrOption saying the name is not UTF-8", err)
	}
	if _, err := os.Lstat(s.Output); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused job wrote %s: %v", s.Output, err)
	}
	s.Errors = nil
	if _, err := runSpec(t, s); err != nil {
		t.Errorf("curves alone under r\\xe9.npy: %v", err)
	}
}

// TestErrorsOfSmoothedCurvesWarned: error bars asked for with smoothing
// on (the default) are warned of as biased at the last points
// (NUMERIC12's F15: up to 2.2x the spread for an ACF, 0.57x for a
// delta-CCF, where the README promised 0.86 to 1.09); unsmoothed, or
// curves alone, are not.
func TestErrorsOfSmoothedCurvesWarned(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	for _, c := range []struct {
		smooth float64
		errs   bool
		warn   bool
	}{{0.7, true, true}, {0.5, true, true}, {0, true, false}, {0.7, false, false}} {
		var logs []string
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, "r.npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
		s.PCF.SetSmooth(c.smooth)
		if c.errs {
			s.Errors = &pcf.ErrOptions{Method: pcf.Blocking}
		}
		s.Log = func(msg string) { logs = append(logs, msg) }
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		got := strings.Contains(strings.Join(logs, "\n"), fmt.Sprintf("warning: error bars of smoothed curves (smooth %g) are biased at their last points", c.smooth))
		if got != c.warn {
			t.Errorf("smooth %g, error bars %v: logs %q, want the warning: %v", c.smooth, c.errs, logs, c.warn)
		}
	}
}

// TestOrphanPartialErrorBarsRemoved: the partial error bars a killed run
// with error bars left (.OUT.sd.npy.partial, the size of a result) are
// removed by a run of the output that computes curves alone, which
// writes the partial output they went with (FAULT12's F13: left for
// good); an "already complete" rerun, which writes nothing, leaves
// them, and a user's file at that name is refused, never removed.
func TestOrphanPartialErrorBarsRemoved(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 0), filepath.Join(dir, "r.npy")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
	sdPartial := filepath.Join(dir, ".r.sd.npy.partial")
	orphan := func() {
		if err := npy.WriteFile(sdPartial, array.Float32, []int{8, 8, 4, 4}, make([]byte, 4*8*8*4*4)); err != nil {
			t.Fatal(err)
		}
	}
	orphan()
	// ... and their lock (a killed run's line, as it left it)
	sdLock := filepath.Join(dir, ".r.sd.npy.lock")
	if err := os.WriteFile(sdLock, []byte("pid 999999999 on elsewhere since 2026-12-07T05:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runSpec(t, s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sdPartial); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run of curves alone left the orphan partial error bars: %v", err)
	}
	if _, err := os.Lstat(sdLock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run of curves alone left the orphan error bars' lock: %v", err)
	}
	orphan()
	if sum, err := runSpec(t, s); err != nil || !sum.AlreadyComplete {
		t.Fatalf("rerun: %+v %v", sum, err)
	}
	if _, err := os.Lstat(sdPartial); err != nil {
		t.Errorf("an already complete rerun removed the partial error bars: %v", err)
	}
	os.Remove(sdPartial)
	os.WriteFile(sdPartial, []byte("a user's notes"), 0o644)
	os.Remove(s.Output)
	os.Remove(s.Output + ".json")
	if _, err := runSpec(t, s); err != nil {
		t.Errorf("curves alone beside a user's file at the partial error bars' name: %v", err)
	}
	if b, err := os.ReadFile(sdPartial); err != nil || string(b) != "a user's notes" {
		t.Errorf("a user's file at the partial error bars' name: %q %v", b, err)
	}
}

// TestLongOutputNames: an output whose partial name (.NAME.partial, the
// longest a run writes beside it; .NAME.sd.npy.partial with error bars)
// would pass the file systems' 255 bytes is refused before any work, and
// nothing is left; one at the limit is written. A name a few bytes
// shorter than the lock's limit computed, then failed on its partial
// name, its scratch left for good (HOSTS11's F7).
func TestLongOutputNames(t *testing.T) {
	for _, c := range []struct {
		n      int // the name's length
		errors bool
		ok     bool
	}{
		{246, false, true}, // .NAME.partial: 255
		{247, false, false},
		{243, true, true}, // .NAME.sd.npy.partial: 255
		{244, true, false},
	} {
		dir := t.TempDir()
		s := DefaultSpec()
		s.Input.Path, s.Output = writeInput(t, dir, 0), filepath.Join(dir, strings.Repeat("c", c.n-4)+".npy")
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
		s.Engine = "ooc"
		if c.errors {
			s.Errors = &pcf.ErrOptions{Method: pcf.Blocking}
		}
		err := openRun(s)
		if c.ok != (err == nil) || !c.ok && (!errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "too long")) {
			t.Errorf("a name of %d bytes, errors %v: %v; want written %v, else ErrOutput saying it is too long", c.n, c.errors, err, c.ok)
		}
		if !c.ok {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "in.npy" && e.Name() != filepath.Base(s.Input.Path) {
					t.Errorf("a name of %d bytes, errors %v: left %.40s...", c.n, c.errors, e.Name())
				}
			}
		}
	}
}

// openRun opens the job s and runs it, returning the error of either
// (runSpec fails the test where Open fails).
func openRun(s Spec) error {
	j, err := Open(s)
	if err != nil {
		return err
	}
	defer j.Close()
	_, err = j.Run(context.Background())
	return err
}
