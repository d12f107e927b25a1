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
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// faultRig is a small out-of-core job (many tiles and chunks) and its
// reference result, for the fault-injection tests.
type faultRig struct {
	t    *testing.T
	bin  string
	dir  string
	in   string
	mask string
	// argv, if set, gives the job's arguments instead of args'.
	argv func(out string) []string
}

func newFaultRig(t *testing.T) *faultRig {
	if testing.Short() {
		t.Skip("runs the CLI many times: skipped with -short")
	}
	r := &faultRig{t: t, bin: binary(t), dir: t.TempDir()}
	r.in = filepath.Join(r.dir, "in.npy")
	if out, err := exec.Command(r.bin, "simulate", "-o", r.in, "--frames", "2048", "--size", "40", "--seed", "3", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	// The input stands for a user's data, which the tests rewrite: without
	// simulate's sidecar (with it, a changed file is refused as one ipcf
	// wrote: TestInputWrittenByIpcfChecked).
	os.Remove(r.in + ".json")
	r.mask = filepath.Join(r.dir, "mask.npy")
	r.writeMask(0)
	return r
}

// writeMask writes a 40x40 mask with a zero square at (k, k).
func (r *faultRig) writeMask(k int) {
	m := make([]byte, 40*40)
	for i := range m {
		m[i] = 1
	}
	for y := k; y < k+6; y++ {
		for x := k; x < k+6; x++ {
			m[y*40+x] = 0
		}
	}
	if err := npy.WriteFile(r.mask, array.Uint8, []int{40, 40}, m); err != nil {
		r.t.Fatal(err)
	}
}

// args are the job's arguments: out of core, 17 bands of 2 rows (the
// CPU engine's tiles are bands of full rows), 20 scratch files, 4 chunks.
func (r *faultRig) args(out string, extra ...string) []string {
	if r.argv != nil {
		return append(r.argv(out), extra...)
	}
	a := []string{"pcf", r.in, "-o", out, "--radius", "3", "--npoints", "12", "--nbins", "16", "--engine", "ooc",
		"--memory", "44544KiB", "--tile", "2,7", "--threads", "1", "--quiet"}
	return append(a, extra...)
}

func (r *faultRig) run(env []string, args ...string) (string, error) {
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// reference computes the job in memory in a separate folder.
func (r *faultRig) reference(name string, extra ...string) []byte {
	out := filepath.Join(r.dir, "ref-"+name+".npy")
	a := r.args(out, extra...)
	for i, s := range a {
		if s == "ooc" {
			a[i] = "memory"
		}
	}
	if msg, err := r.run(nil, a...); err != nil {
		r.t.Fatalf("reference %s: %v %s", name, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// killAfter starts the job and kills it with SIGKILL after d.
func (r *faultRig) killAfter(d time.Duration, out string, extra ...string) {
	cmd := exec.Command(r.bin, r.args(out, extra...)...)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	time.Sleep(d)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

// killWhen starts the job and kills it once the journal holds n lines
// starting with prefix ("chunk" or "tile").
func (r *faultRig) killWhen(prefix string, n int, out string, extra ...string) bool {
	cmd := exec.Command(r.bin, r.args(out, extra...)...)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	defer cmd.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		j, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".ipcf-scratch-*", "journal"))
		if len(j) > 0 {
			b, _ := os.ReadFile(j[0])
			if bytes.Count(b, []byte("\n"+prefix+" ")) >= n {
				cmd.Process.Signal(syscall.SIGKILL)
				return true
			}
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	return false
}

// killsThenResume kills the job n times, each after a random part (0 to
// 1.1) of full, then reruns it: the rerun must give want and leave no
// scratch.
func (r *faultRig) killsThenResume(what string, n int, rng *rand.Rand, full time.Duration, out string, want []byte) {
	r.t.Helper()
	for k := 0; k < n; k++ {
		r.killAfter(time.Duration(rng.Float64()*1.1*float64(full)), out)
	}
	r.mustResume(what, out, want)
	if s := r.scratch(out); s != "" {
		r.t.Fatalf("%s: scratch left after success: %s", what, s)
	}
}

// check reruns the job: it must give want, or fail with a message.
func (r *faultRig) check(what, out string, want []byte, extra ...string) {
	r.t.Helper()
	r.rerun(false, what, out, want, extra...)
}

// mustResume reruns the job after a kill alone: it must give want.
func (r *faultRig) mustResume(what, out string, want []byte, extra ...string) {
	r.t.Helper()
	r.rerun(true, what, out, want, extra...)
}

func (r *faultRig) rerun(strict bool, what, out string, want []byte, extra ...string) {
	r.t.Helper()
	msg, err := r.run(nil, r.args(out, extra...)...)
	if err != nil && strict {
		r.t.Fatalf("%s: rerun after a kill failed: %v %s", what, err, msg)
	}
	if err != nil {
		if strings.TrimSpace(msg) == "" {
			r.t.Errorf("%s: rerun failed without a message: %v", what, err)
		}
		return
	}
	got, rerr := os.ReadFile(out)
	if rerr != nil || !bytes.Equal(got, want) {
		r.t.Fatalf("%s: rerun exited 0 with a wrong output (%v)\n%s", what, rerr, msg)
	}
}

func (r *faultRig) scratch(out string) string {
	s, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".ipcf-scratch-*"))
	if len(s) != 1 {
		return ""
	}
	return s[0]
}

func corrupt(t *testing.T, path string, flip bool, at float64) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		t.Fatalf("corrupt %s: %v", path, err)
	}
	i := int(at * float64(len(b)-1))
	if flip {
		b[i] ^= 0x5a
		b[(i+7)%len(b)] ^= 0x01
	} else {
		b = b[:i]
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFaultKillAnywhere kills the job at random moments (and at the named
// points of the commit and cleanup) and checks that each rerun gives the
// bytes of an uninterrupted run.
func TestFaultKillAnywhere(t *testing.T) {
	r := newFaultRig(t)
	want := r.reference("plain")
	// The duration of an uninterrupted run sets the range of the kills.
	start := time.Now()
	if msg, err := r.run(nil, r.args(filepath.Join(r.dir, "timing.npy"))...); err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	full := time.Since(start)
	if got, _ := os.ReadFile(filepath.Join(r.dir, "timing.npy")); !bytes.Equal(got, want) {
		t.Fatal("out of core differs from in memory")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := filepath.Join(r.dir, "out.npy")
	kills := 0
	for i := 0; i < 32; i++ {
		// Kill, maybe twice in a row, then rerun to completion.
		r.killsThenResume(fmt.Sprintf("kill %d", i), 1+i%2, rng, full, out, want)
		kills += 1 + i%2
		if i%4 == 3 {
			os.Remove(out) // also from a clean start
		}
	}
	for _, point := range []string{"commit", "publish", "cleanup"} {
		os.Remove(out)
		msg, err := r.run([]string{"IPCF_FAULT_KILL=" + point}, r.args(out)...)
		if err == nil {
			t.Fatalf("fault point %s was not reached: %s", point, msg)
		}
		kills++
		if point == "commit" {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("killed before publishing: the output has its final name")
			}
		}
		// Rerun twice: the first completes, the second changes nothing.
		r.mustResume("kill at "+point, out, want)
		st1, _ := os.Stat(out)
		msg, err = r.run(nil, append(r.args(out), "--quiet=false")...)
		st2, _ := os.Stat(out)
		if err != nil || !strings.Contains(msg, "already complete") || !st1.ModTime().Equal(st2.ModTime()) {
			t.Fatalf("second rerun after a kill at %s: %v %q", point, err, msg)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Fatalf("kill at %s: output changed by a rerun", point)
		}
		if _, err := os.Stat(out + ".json"); err != nil {
			t.Fatalf("kill at %s: no sidecar after the rerun", point)
		}
	}
	t.Logf("%d kills over %v runs, every rerun gave the uninterrupted bytes", kills, full)
}

// TestFaultDamagedFiles kills a run, damages a scratch chunk, a tile of
// the partial output, the journal or the partial output (flipped bytes,
// truncation), and reruns.
func TestFaultDamagedFiles(t *testing.T) {
	r := newFaultRig(t)
	want := r.reference("plain")
	out := filepath.Join(r.dir, "out.npy")
	partial := filepath.Join(r.dir, ".out.npy.partial")
	type damage struct {
		name  string
		phase string // kill after journal lines of this kind
		n     int
		file  func(scratch string) string
		flip  bool
		at    float64
	}
	tile := func(i int) func(string) string {
		return func(s string) string { return filepath.Join(s, fmt.Sprintf("tile-%05d.bin", i)) }
	}
	journal := func(s string) string { return filepath.Join(s, "journal") }
	part := func(string) string { return partial }
	cases := []damage{
		{"flipped scratch chunk", "tile", 3, tile(7), true, 0.3},
		{"flipped scratch chunk of a finished tile", "tile", 5, tile(1), true, 0.9},
		{"truncated scratch tile", "tile", 3, tile(12), false, 0.5},
		{"flipped scratch during the transposition", "chunk", 2, tile(3), true, 0.1},
		{"truncated scratch during the transposition", "chunk", 2, tile(0), false, 0.2},
		{"flipped journal", "tile", 4, journal, true, 0.5},
		{"flipped journal end", "tile", 4, journal, true, 0.97},
		{"truncated journal", "tile", 4, journal, false, 0.6},
		{"flipped partial output", "tile", 6, part, true, 0.01},
		{"flipped finished tile in the partial output", "tile", 10, part, true, 0.05},
		{"truncated partial output", "tile", 10, part, false, 0.1},
	}
	for _, c := range cases {
		os.Remove(out)
		if !r.killWhen(c.phase, c.n, out) {
			t.Fatalf("%s: the run ended before it could be killed", c.name)
		}
		s := r.scratch(out)
		if s == "" {
			t.Fatalf("%s: no scratch after the kill", c.name)
		}
		corrupt(t, c.file(s), c.flip, c.at)
		r.check(c.name, out, want)
	}
	// Forged journal lines for unfinished tiles.
	os.Remove(out)
	r.killWhen("tile", 2, out)
	j := filepath.Join(r.scratch(out), "journal")
	b, _ := os.ReadFile(j)
	for ti := 20; ti < 25; ti++ {
		b = append(b, []byte(fmt.Sprintf("tile %d 00000000 00000000\n", ti))...)
	}
	os.WriteFile(j, b, 0o644)
	r.check("journal lines for unfinished tiles", out, want)
}

// TestFaultChangedJob kills a run and changes what the job depends on
// before the rerun: the input (same size), the mask's content, the
// bleaching filter and mean. The rerun must give the new job's result.
func TestFaultChangedJob(t *testing.T) {
	r := newFaultRig(t)
	out := filepath.Join(r.dir, "out.npy")
	type change struct {
		name          string
		before, after []string
		apply         func()
	}
	cases := []change{
		{"bleach 10 -> 20", []string{"--bleach", "10"}, []string{"--bleach", "20"}, nil},
		{"bleach mean real -> floor", []string{"--bleach", "10"}, []string{"--bleach", "10", "--bleach-mean", "floor"}, nil},
		{"mask content", []string{"--mask", r.mask}, []string{"--mask", r.mask}, func() { r.writeMask(20) }},
		{"input content, same size", nil, nil, func() {
			// Another simulation of the same shape replaces the input.
			tmp := filepath.Join(r.dir, "other.npy")
			if msg, err := r.run(nil, "simulate", "-o", tmp, "--frames", "2048", "--size", "40", "--seed", "9", "--quiet"); err != nil {
				t.Fatalf("%v %s", err, msg)
			}
			st, _ := os.Stat(r.in)
			os.Rename(tmp, r.in)
			// Same size and modification time: only the content differs.
			os.Chtimes(r.in, st.ModTime(), st.ModTime())
		}},
	}
	for _, c := range cases {
		os.Remove(out)
		r.writeMask(0)
		if !r.killWhen("tile", 5, out, c.before...) {
			t.Fatalf("%s: the run ended before it could be killed", c.name)
		}
		if c.apply != nil {
			c.apply()
		}
		want := r.reference(strings.ReplaceAll(c.name, " ", "_"), c.after...)
		msg, err := r.run(nil, append(r.args(out, c.after...), "--quiet=false")...)
		if err != nil {
			if !strings.Contains(msg, "changed") {
				t.Errorf("%s: rerun failed without saying what changed: %s", c.name, msg)
			}
			continue
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Fatalf("%s: rerun exited 0 with another job's result\n%s", c.name, msg)
		}
		if c.name != "input content, same size" && !strings.Contains(msg, "removed the scratch") {
			t.Errorf("%s: the stale scratch was not reported: %s", c.name, msg)
		}
	}
}

// TestOutputMatchingInputPattern: an output that the input's pattern of
// files matches (the result, its sidecar, its error bars; also through a
// link to the folder) is refused by pcf, bleach and plot --mean: written,
// it joined the series, and a later run read it as a frame.
func TestOutputMatchingInputPattern(t *testing.T) {
	r := newFaultRig(t)
	dir := filepath.Join(r.dir, "frames")
	os.Mkdir(dir, 0o755)
	src, _ := filepath.Glob(filepath.Join("..", "..", "core", "source", "testdata", "mm", "Pos0", "*.tif"))
	if len(src) < 8 {
		t.Fatalf("%d test frames", len(src))
	}
	for i, f := range src {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.tif", i)), b, 0o644)
	}
	link := filepath.Join(r.dir, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	small := []string{"--radius", "1", "--npoints", "4", "--nbins", "2", "--quiet"}
	cases := []struct {
		args    []string
		matched string // the file named as matching
	}{
		{append([]string{"pcf", filepath.Join(dir, "*.tif"), "-o", filepath.Join(dir, "out.tif")}, small...), "out.tif"},
		{append([]string{"pcf", filepath.Join(link, "f*.tif"), "-o", filepath.Join(dir, "f-out.tif")}, small...), "f-out.tif"},
		{append([]string{"pcf", filepath.Join(dir, "f*.tif"), "-o", filepath.Join(link, "fx.tif"), "--engine", "ooc"}, small...), "fx.tif"},
		{append([]string{"pcf", filepath.Join(dir, "*"), "-o", filepath.Join(dir, "r.npy")}, small...), "r.npy"},
		{append([]string{"pcf", filepath.Join(dir, "f*.tif"), "-o", filepath.Join(dir, "f.tif.zarr")}, small...), ""},
		{append([]string{"pcf", filepath.Join(dir, "f[0-9]*"), "-o", filepath.Join(dir, "f9.npy"), "--errors", "blocking"}, small...), "f9.npy"},
		{append([]string{"pcf", filepath.Join(dir, "*[.][tj]*"), "-o", filepath.Join(dir, "j.npy")}, small...), "j.npy.json"},
		{append([]string{"pcf", filepath.Join(dir, "*[.][st]*"), "-o", filepath.Join(dir, "e.npy"), "--errors", "blocking"}, small...), "e.sd.npy"},
		{[]string{"bleach", filepath.Join(dir, "f*"), "-o", filepath.Join(dir, "fb.npy"), "--filtersize", "4", "--quiet"}, "fb.npy"},
		{[]string{"bleach", filepath.Join(dir, "*[.][tj]*"), "-o", filepath.Join(link, "b.npy"), "--filtersize", "4", "--quiet"}, "b.npy.json"},
		{[]string{"plot", "--mean", filepath.Join(link, "*"), "-o", filepath.Join(dir, "m.png")}, "m.png"},
	}
	before, _ := os.ReadDir(dir)
	for _, c := range cases {
		msg, err := r.run(nil, c.args...)
		if c.matched == "" {
			// Not matched by the pattern: written.
			if err != nil {
				t.Errorf("%v: %v %q, want it written (the pattern does not match it)", c.args, err, msg)
			}
			os.RemoveAll(c.args[3])
			continue
		}
		if err == nil || !strings.Contains(msg, "matches the input pattern") || !strings.Contains(msg, c.matched) {
			t.Errorf("%v: %v %q, want a refusal naming %s", c.args, err, msg, c.matched)
		}
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		var names []string
		for _, e := range after {
			names = append(names, e.Name())
		}
		t.Errorf("the frames' folder holds %d entries after the refusals, %d before: %v", len(after), len(before), names)
	}
	// Beside the pattern's files, not matched by it: written.
	if msg, err := r.run(nil, append([]string{"pcf", filepath.Join(dir, "f*.tif"), "-o", filepath.Join(dir, "result.npy")}, small...)...); err != nil {
		t.Errorf("an output the pattern does not match: %v %q", err, msg)
	}
}

// TestFaultOutputSafety: concurrent runs, outputs that are inputs or
// inside input folders, existing folders that are not ours.
func TestFaultOutputSafety(t *testing.T) {
	r := newFaultRig(t)
	want := r.reference("plain")
	out := filepath.Join(r.dir, "out.npy")
	// Two runs on one output: the second fails at once naming the first.
	// Small tiles make the first run last a few seconds.
	first := exec.Command(r.bin, r.args(out, "--tile", "2,2")...)
	var firstOut bytes.Buffer
	first.Stderr = &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(r.dir, ".out.npy.lock")
	for i := 0; i < 2000; i++ {
		if b, _ := os.ReadFile(lock); len(b) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	msg, err := r.run(nil, r.args(out, "--tile", "2,2")...)
	if err == nil || !strings.Contains(msg, fmt.Sprintf("pid %d", first.Process.Pid)) || time.Since(start) > 5*time.Second {
		t.Errorf("second concurrent run: %v %q (want a failure naming pid %d)", err, msg, first.Process.Pid)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v %s", err, firstOut.String())
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Fatal("first run's output is wrong after a concurrent attempt")
	}
	// -o equal to the input.
	inBefore, _ := os.ReadFile(r.in)
	msg, err = r.run(nil, r.args(r.in)...)
	if err == nil || !strings.Contains(msg, "is an input") {
		t.Errorf("-o equal to the input: %v %q", err, msg)
	}
	if b, _ := os.ReadFile(r.in); !bytes.Equal(b, inBefore) {
		t.Fatal("-o equal to the input changed the input")
	}
	// -o inside the input folder of a TIFF series, and a folder that is
	// not ours with a .zarr name.
	series := filepath.Join("..", "..", "core", "source", "testdata", "mm")
	msg, err = r.run(nil, "pcf", series, "-o", filepath.Join(series, "x.zarr"), "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet")
	if err == nil || !strings.Contains(string(msg), "inside the input folder") {
		t.Errorf("-o inside the input folder: %v %q", err, msg)
	}
	if _, err := os.Stat(filepath.Join(series, "x.zarr")); err == nil {
		t.Fatal("-o inside the input folder created the output")
	}
	// The same rule for bleach and plot --mean, also through a link to
	// the folder: their outputs went into it.
	link := filepath.Join(r.dir, "mmlink")
	abs, _ := filepath.Abs(series)
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bleach", series, "-o", filepath.Join(series, "b.npy"), "--filtersize", "4", "--quiet"},
		{"bleach", link, "-o", filepath.Join(series, "Pos0", "b.npy"), "--filtersize", "4", "--quiet"},
		{"plot", "--mean", series, "-o", filepath.Join(link, "m.png")},
	} {
		msg, err = r.run(nil, args...)
		if err == nil || !strings.Contains(msg, "inside the input folder") {
			t.Errorf("%v: %v %q, want a refusal: inside the input folder", args, err, msg)
		}
	}
	// A relative --scratch inside the input folder (compared with an
	// absolute folder, it passed), and through the link.
	for _, in := range []string{series, link} {
		msg, err = r.run(nil, "pcf", in, "-o", filepath.Join(r.dir, "s.npy"), "--scratch", filepath.Join(series, "Pos0"),
			"--engine", "ooc", "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet")
		if err == nil || !strings.Contains(msg, "lies inside the input folder") {
			t.Errorf("--scratch inside the input folder %s: %v %q", in, err, msg)
		}
	}
	for _, f := range []string{"b.npy", "b.npy.json", "m.png", "m.png.json", "Pos0/b.npy"} {
		if _, err := os.Stat(filepath.Join(series, f)); err == nil {
			os.Remove(filepath.Join(series, f))
			t.Errorf("%s written into the input folder", f)
		}
	}
	theirs := filepath.Join(r.dir, "theirs.zarr")
	os.MkdirAll(filepath.Join(theirs, "sub"), 0o755)
	os.WriteFile(filepath.Join(theirs, "sub", "notes.txt"), []byte("keep me"), 0o644)
	msg, err = r.run(nil, r.args(theirs)...)
	if err == nil || !strings.Contains(string(msg), "not an ipcf result") {
		t.Errorf("-o a folder that is not ours: %v %q", err, msg)
	}
	if b, err := os.ReadFile(filepath.Join(theirs, "sub", "notes.txt")); err != nil || string(b) != "keep me" {
		t.Fatal("-o a folder that is not ours: its contents changed")
	}
	// Our own Zarr result is replaced by a rerun with other parameters.
	ours := filepath.Join(r.dir, "ours.zarr")
	if msg, err := r.run(nil, r.args(ours)...); err != nil {
		t.Fatalf("zarr: %v %s", err, msg)
	}
	if msg, err := r.run(nil, r.args(ours, "--bleach", "10")...); err != nil {
		t.Fatalf("zarr rerun over our own result: %v %s", err, msg)
	}
	if b, _ := os.ReadFile(filepath.Join(ours, ".zattrs")); !bytes.Contains(b, []byte(`"bleach_filtersize": 10`)) {
		t.Fatalf("zarr rerun did not replace the result")
	}
	// The in-memory engine writes its sidecar too, and no stale one stays.
	mem := filepath.Join(r.dir, "mem.npy")
	// (ipcf's own metadata without its file: a user's JSON there is kept,
	// TestOutputsAroundTheOutput)
	os.WriteFile(mem+".json", []byte(`{"software": "ipcf", "stale": true}`), 0o644)
	if msg, err := r.run(nil, "pcf", r.in, "-o", mem, "--radius", "3", "--npoints", "12", "--nbins", "16", "--quiet"); err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	if b, _ := os.ReadFile(mem + ".json"); !bytes.Contains(b, []byte(`"engine": "memory"`)) || bytes.Contains(b, []byte("stale")) {
		t.Fatalf("in-memory sidecar: %s", b)
	}
}

// TestFaultDiskFullAndShrinkingInput: a full disk in the scratch folder
// and in the output folder, and an input truncated during a run.
func TestFaultDiskFullAndShrinkingInput(t *testing.T) {
	r := newFaultRig(t)
	want := r.reference("plain")
	small := filepath.Join(r.dir, "small")
	os.Mkdir(small, 0o755)
	// A 1 MiB file system: mounted as root (CI runs as root); else a
	// file size limit gives the same error path (EFBIG instead of ENOSPC).
	full := func(args []string) *exec.Cmd {
		return exec.Command(r.bin, args...)
	}
	named := small
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small).Run(); err == nil {
		defer exec.Command("umount", small).Run()
	} else {
		t.Logf("mount tmpfs failed (%v): using ulimit -f instead (every file is limited: the message names a file in %s)", err, r.dir)
		named = r.dir
		full = func(args []string) *exec.Cmd {
			return exec.Command("sh", append([]string{"-c", `ulimit -f 1024; exec "$0" "$@"`, r.bin}, args...)...)
		}
	}
	for _, c := range []struct {
		name, out, scratch string
		extra              []string
	}{
		{"scratch", filepath.Join(r.dir, "o1.npy"), small, nil},
		{"output", filepath.Join(small, "o2.npy"), r.dir, nil},
		{"output in memory", filepath.Join(small, "o3.npy"), r.dir, []string{"--engine", "memory"}},
	} {
		msg, err := full(r.args(c.out, append([]string{"--scratch", c.scratch}, c.extra...)...)).CombinedOutput()
		if err == nil || !strings.Contains(string(msg), named) {
			t.Errorf("disk full in %s: %v %q: want a failure naming the folder", c.name, err, msg)
		}
		if _, err := os.Stat(c.out); err == nil {
			t.Errorf("disk full in %s: the output has its final name", c.name)
		}
		if c.extra != nil {
			// Nothing of an in-memory run can be resumed: no partial file
			// is left holding the space.
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(c.out), ".o3*")); len(left) > 0 {
				t.Errorf("disk full in %s: left %v", c.name, left)
			}
		}
	}
	// The input shrinks while the job reads it: an error naming the file
	// (never SIGBUS), or, if the reading was over, the right result.
	for i, delay := range []time.Duration{5, 20, 60} {
		in := filepath.Join(r.dir, fmt.Sprintf("shrink%d.npy", i))
		b, _ := os.ReadFile(r.in)
		os.WriteFile(in, b, 0o644)
		out := filepath.Join(r.dir, fmt.Sprintf("shrink%d.out.npy", i))
		a := r.args(out)
		a[1] = in
		for _, engine := range []string{"ooc", "memory"} {
			for k, s := range a {
				if s == "ooc" || s == "memory" {
					a[k] = engine
				}
			}
			os.WriteFile(in, b, 0o644)
			os.Remove(out)
			cmd := exec.Command(r.bin, a...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Start()
			time.Sleep(delay * time.Millisecond)
			os.Truncate(in, int64(len(b)/3))
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("truncated input (%s, %v): killed by %v\n%s", engine, delay, ws.Signal(), stderr.String())
			}
			if err != nil {
				if !strings.Contains(stderr.String(), in) {
					t.Errorf("truncated input (%s): message does not name the file: %s", engine, stderr.String())
				}
				// Nothing to resume from an input that changed: no partial
				// output, no scratch left behind.
				if left, _ := filepath.Glob(filepath.Join(r.dir, ".shrink*")); len(left) > 0 {
					t.Errorf("truncated input (%s, %v): left %v", engine, delay, left)
				}
				continue
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
				t.Fatalf("truncated input (%s, %v): exit 0 with a wrong output", engine, delay)
			}
		}
	}
}

// TestFaultKillPublishOtherJob: a run killed between publishing its
// result and writing its sidecar left an ipcf result without a sidecar;
// another job on the same output (other settings, either engine) takes it
// for ipcf's (the killed run's scratch records its checksum) and replaces
// it, while a user's file put there instead stays refused.
func TestFaultKillPublishOtherJob(t *testing.T) {
	r := newFaultRig(t)
	for _, engine := range []string{"memory", "ooc"} {
		out := filepath.Join(r.dir, engine+".npy")
		job := func(radius string) []string {
			a := r.args(out, "--radius", radius)
			for i, s := range a {
				if s == "ooc" {
					a[i] = engine
				}
			}
			return a
		}
		if msg, err := r.run(nil, job("2")...); err != nil {
			t.Fatalf("%s: %v %s", engine, err, msg)
		}
		if msg, err := r.run([]string{"IPCF_FAULT_KILL=publish"}, job("3")...); err == nil {
			t.Fatalf("%s: fault point publish was not reached: %s", engine, msg)
		}
		if _, err := os.Stat(out + ".json"); err == nil {
			t.Fatalf("%s: killed before its sidecar, yet one is there", engine)
		}
		if msg, err := r.run(nil, job("4")...); err != nil {
			t.Fatalf("%s: another job after a kill at publish: %v %s", engine, err, msg)
		}
		if msg, err := r.run(nil, append(job("4"), "--quiet=false")...); err != nil || !strings.Contains(msg, "already complete") {
			t.Fatalf("%s: rerun of that job: %v %s", engine, err, msg)
		}
		// A user's file instead of the killed run's result.
		if msg, err := r.run([]string{"IPCF_FAULT_KILL=publish"}, job("3")...); err == nil {
			t.Fatalf("%s: fault point publish was not reached: %s", engine, msg)
		}
		user := []byte("a user's file")
		os.WriteFile(out, user, 0o644)
		if msg, err := r.run(nil, job("4")...); err == nil || !strings.Contains(msg, "not an ipcf result") {
			t.Errorf("%s: a user's file over a killed run's scratch: %v %s", engine, err, msg)
		}
		if b, _ := os.ReadFile(out); !bytes.Equal(b, user) {
			t.Errorf("%s: the user's file was replaced", engine)
		}
	}
}

// TestRerunAfterInputRewrittenUnsampled: a finished result, then its
// input rewritten in place in bytes that the fingerprint's samples do not
// cover, with the size and modification time set back. The rerun must
// compute the new input's result, not call the old one complete; both
// engines.
func TestRerunAfterInputRewrittenUnsampled(t *testing.T) {
	r := newFaultRig(t)
	// memory-blank: a result whose sidecar does not record the input's
	// status (written before it did, or edited) is checked by its frames.
	for i, name := range []string{"ooc", "memory", "memory-blank"} {
		engine := strings.TrimSuffix(name, "-blank")
		out := filepath.Join(r.dir, name+".npy")
		args := func() []string {
			a := r.args(out)
			for k, s := range a {
				if s == "ooc" {
					a[k] = engine
				}
			}
			return a
		}
		if msg, err := r.run(nil, args()...); err != nil {
			t.Fatalf("%s: %v %s", engine, err, msg)
		}
		if name != engine {
			side := out + ".json"
			var m map[string]any
			if b, err := os.ReadFile(side); err != nil || json.Unmarshal(b, &m) != nil || m["input_status"] == nil {
				t.Fatalf("%s: no input_status in %s (%v)", name, side, err)
			}
			m["input_status"] = ""
			if err := os.WriteFile(side, sealed(t, m), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		st, err := os.Stat(r.in)
		if err != nil {
			t.Fatal(err)
		}
		// The fingerprint reads 18 blocks of 64 KiB spread evenly; byte
		// 200,000 of this 6.5 MB file lies between the first two.
		f, err := os.OpenFile(r.in, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := int64(200000 + 2*i)
		v := make([]byte, 2)
		f.ReadAt(v, at)
		v[0] += 7
		f.WriteAt(v, at)
		f.Close()
		if err := os.Chtimes(r.in, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
		if st2, _ := os.Stat(r.in); st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
			t.Fatal("the rewrite changed the size or time")
		}
		want := r.reference(fmt.Sprintf("rewritten%d", i))
		msg, err := r.run(nil, append(args(), "--quiet=false")...)
		if err != nil {
			t.Fatalf("%s: rerun: %v %s", engine, err, msg)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("%s: rerun after the input was rewritten kept the old result: %s", name, msg)
		}
	}
}

// TestInputThatCannotBeMapped: an input that cannot be mapped for lack of
// address space (ulimit -v) was read whole into memory instead, and Go
// ran out of memory (a crash, exit 2). It is refused, exit 1, naming it.
func TestInputThatCannotBeMapped(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "sparse.npy")
	const T, H, W = 24576, 256, 256 // 3 GiB, sparse: no disk used
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	hdr := npy.HeaderBytes(array.Uint16, array.NativeOrder, []int{T, H, W})
	if _, err := f.Write(hdr); err == nil {
		err = f.Truncate(int64(len(hdr)) + T*H*W*2)
	}
	if f.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `ulimit -v 2500000 && exec "$0" "$@"`, binary(t), "pcf", in, "-o", filepath.Join(dir, "o.npy"),
		"--frames", "0:64", "--crop", "0:12,0:12", "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "sparse.npy: cannot map its 3221225600 bytes into memory") {
		t.Fatalf("input that cannot be mapped: exit %d: %s", code, out)
	}
}

// TestPlotTooLargeRefused: plot --mean of a long trace (300 M frames of
// one pixel, a sparse raw file) under a limit of address space crashed
// with the Go runtime's "fatal error: out of memory" (exit 2, a goroutine
// dump, its lock left). It is refused, exit 1, naming the limit, and
// leaves no lock. A non-numeric --pixel is a usage error, not "outside".
func TestPlotTooLargeRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "long.raw")
	if f, err := os.Create(in); err != nil {
		t.Fatal(err)
	} else if err = f.Truncate(300_000_000); f.Close() != nil || err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `ulimit -v 4000000 && exec "$0" "$@"`, binary(t), "plot", "--mean", in,
		"--shape", "300000000,1,1", "--dtype", "uint8", "-o", filepath.Join(dir, "m.png"))
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "not enough memory: the plot of the mean image and trace") {
		t.Errorf("plot --mean of 300 M frames under ulimit -v: exit %d: %.300s", code, out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".m.png*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	r := newFitRig(t)
	res := r.pcf(t, "res.npy", "--radius", "2", "--npoints", "4")
	for _, px := range []string{"a,b", "1.5,2", "1,2x"} {
		if code, msg := ipcf(t, "plot", res, "-o", filepath.Join(dir, "p.png"), "--pixel", px); code != 2 || !strings.Contains(msg, "want two whole numbers Y,X") {
			t.Errorf("plot --pixel %s: exit %d: %s", px, code, msg)
		}
	}
}

// TestScratchUnderAddressLimitRefused: the scratch of plot's picture,
// simulate's rendering and convolve's float64 copies, too large for a
// limit of address space, is refused naming the limit (exit 1, nothing
// left behind). They were allocated unchecked: Go's fatal "out of
// memory" with a stack dump, exit status 2 (the tools campaign's F5, F6).
func TestScratchUnderAddressLimitRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	if code, msg := runIn(t, "simulate", "-o", p("s.npy"), "--frames", "64", "--size", "16", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	// a 15000 x 15000 uint8 image (sparse: zeros) and a 1 x 1 kernel
	img := p("img.npy")
	dict := "{'descr': '|u1', 'fortran_order': False, 'shape': (15000, 15000), }"
	dict += strings.Repeat(" ", 127-10-len(dict)) + "\n" // header to 128 bytes
	hdr := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	hdr = append(hdr, dict...)
	if err := os.WriteFile(img, hdr, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, int64(len(hdr))+15000*15000); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(p("k.npy"), array.Uint8, []int{1, 1}, []byte{1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"plot 16384 x 16384", []string{"plot", "--mean", p("s.npy"), "-o", p("big.png"), "--width", "16384", "--height", "16384"}, "a picture of 16384 x 16384 pixels"},
		{"simulate --size 16384", []string{"simulate", "-o", p("sim.npy"), "--frames", "1", "--size", "16384", "--particles", "0", "--threads", "1", "--quiet"}, "the rendering of 1 frames at a time"},
		{"convolve 15000 x 15000", []string{"convolve", img, p("k.npy"), "-o", p("conv.npy")}, "convolve's float64 copies"},
	} {
		cmd := exec.Command("bash", append([]string{"-c", `ulimit -v 3000000 && exec "$0" "$@"`, binary(t)}, c.args...)...)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "not enough memory: "+c.want) || !strings.Contains(string(out), "ulimit -v") {
			t.Errorf("%s under ulimit -v 3000000: exit %d: %.400s", c.name, code, out)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); n != "s.npy" && n != "s.npy.json" && n != "img.npy" && n != "k.npy" {
			t.Errorf("left behind: %s", n)
		}
	}
}

// TestAddressLimitSweep runs the pCF of a 64 MiB stack under limits of
// address space (ulimit -v, as a batch system's h_vmem sets) from 1.6 to
// 2.6 GB: each run either writes the bytes of an unlimited run or exits 1
// naming the limit; never a crash. The Go runtime ends the process when
// its heap cannot grow or it cannot start a thread, and ipcf fell back to
// Go's heap when a mapping was refused: "fatal error: out of memory" and
// "pthread_create failed" at 1.8 to 1.9 GB. Below about 1.5 GB the runtime
// can fail as it starts, before ipcf runs (README).
func TestAddressLimitSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	if code, msg := runIn(t, "simulate", "-o", p("in.npy"), "--frames", "8192", "--size", "64", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	args := []string{"pcf", p("in.npy"), "--threads", "2", "--quiet"}
	if code, msg := runIn(t, append(args, "-o", p("ref.npy"))...); code != 0 {
		t.Fatal(code, msg)
	}
	want, err := os.ReadFile(p("ref.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var ran, refused int
	for kb := 1600000; kb <= 2600000; kb += 50000 {
		out := p(fmt.Sprintf("o%d.npy", kb))
		cmd := exec.Command("bash", append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, kb), binary(t)}, append(args, "-o", out)...)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
		msg, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		crashed := strings.Contains(string(msg), "fatal error") || strings.Contains(string(msg), "goroutine ") ||
			strings.Contains(string(msg), "SIGABRT") || strings.Contains(string(msg), "panic")
		switch {
		case crashed || (code != 0 && code != 1):
			t.Errorf("ulimit -v %d: exit %d, a crash: %.400s", kb, code, msg)
		case code == 1:
			refused++
			if !strings.Contains(string(msg), "ulimit -v") {
				t.Errorf("ulimit -v %d: exit 1 without naming the limit: %s", kb, msg)
			}
		default:
			ran++
			if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, want) {
				t.Errorf("ulimit -v %d: exit 0, but the result differs from the unlimited run's (%v)", kb, err)
			}
		}
	}
	if ran == 0 || refused == 0 {
		t.Errorf("%d runs done and %d refused: the sweep should cross the limit this job needs", ran, refused)
	}
}

// TestSidecarWriteFailsKeepsOldResult: a run that cannot write its
// result's sidecar (a full disk; here a file size limit above the small
// result and below its sidecar) leaves the earlier result and its sidecar
// as they were. It removed the old sidecar and published the new file
// without one (.npy, and .tif, which shares the publication: a TIFF is
// larger than its sidecar, so a file size limit cannot show it). The next
// run, given room, publishes the clean run's bytes.
func TestSidecarWriteFailsKeepsOldResult(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	in := p("in.npy")
	if code, msg := runIn(t, "simulate", "-o", in, "--frames", "256", "--size", "7", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	opts := []string{"--radius", "2", "--npoints", "4", "--quiet"}
	for _, out := range []string{"out.npy"} {
		if code, msg := runIn(t, append([]string{"pcf", in, "-o", p(out), "--nbins", "4"}, opts...)...); code != 0 {
			t.Fatal(code, msg)
		}
		files := []string{p(out), p(out + ".json")}
		before := map[string][]byte{}
		for _, f := range files {
			before[f], _ = os.ReadFile(f)
		}
		// 1 KiB: the result (a few hundred bytes) fits, its sidecar not.
		cmd := exec.Command("bash", append([]string{"-c", `ulimit -f 1 && exec "$0" "$@"`, binary(t), "pcf", in, "-o", p(out), "--nbins", "5"}, opts...)...)
		msg, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(msg), "out.npy.json") || !strings.Contains(string(msg), "file too large") {
			t.Fatalf("%s: sidecar over the file size limit: exit %d: %s", out, code, msg)
		}
		for _, f := range files {
			if b, err := os.ReadFile(f); err != nil || !bytes.Equal(b, before[f]) {
				t.Errorf("%s changed or went (%v) after a run that could not write its sidecar", f, err)
			}
		}
		if code, msg := runIn(t, append([]string{"pcf", in, "-o", p(out), "--nbins", "5"}, opts...)...); code != 0 {
			t.Fatal(code, msg)
		}
		if code, msg := runIn(t, append([]string{"pcf", in, "-o", p("clean.npy"), "--nbins", "5"}, opts...)...); code != 0 {
			t.Fatal(code, msg)
		}
		if a, b := npyBytes(t, p(out)), npyBytes(t, p("clean.npy")); !bytes.Equal(a, b) {
			t.Error("the run after the failed one differs from a clean run")
		}
	}
}

// TestScratchOfOneOutputSpeltTwoWays: a job killed while writing
// link/out.npy (link a link to the folder real) and run again as
// real/out.npy is one output: its scratch folder is the same, so the run
// resumes or replaces it. Before, the scratch (the size of the input with
// --copy-input) stayed beside the complete result for good.
func TestScratchOfOneOutputSpeltTwoWays(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	if err := os.Mkdir(p("real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", p("link")); err != nil {
		t.Fatal(err)
	}
	in := p("in.npy")
	if code, msg := runIn(t, "simulate", "-o", in, "--frames", "512", "--size", "16", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	args := func(out string) []string {
		return []string{"pcf", in, "-o", out, "--engine", "ooc", "--copy-input", "--radius", "2", "--npoints", "4", "--nbins", "6", "--quiet"}
	}
	cmd := exec.Command(binary(t), args(p("link/out.npy"))...)
	cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the fault point was not reached: %s", out)
	}
	if m, _ := filepath.Glob(p("real/.ipcf-scratch-*")); len(m) != 1 {
		t.Fatalf("after the kill: scratch folders %v, want one", m)
	}
	if code, msg := runIn(t, args(p("real/out.npy"))...); code != 0 {
		t.Fatal(code, msg)
	}
	if m, _ := filepath.Glob(p("real/.ipcf-scratch-*")); len(m) != 0 {
		t.Errorf("scratch left beside the complete result: %v", m)
	}
	if code, msg := runIn(t, args(p("clean.npy"))...); code != 0 {
		t.Fatal(code, msg)
	}
	if a, b := npyBytes(t, p("real/out.npy")), npyBytes(t, p("clean.npy")); !bytes.Equal(a, b) {
		t.Error("the result differs from a clean run's")
	}
}

// TestFaultFileAppearsWhilePublishing stops the run (IPCF_FAULT_STOP) after
// its last check of the output paths, where it renames the finished files
// into place, and puts a user's file at a path that was empty: the file
// is never replaced (renameat2's RENAME_NOREPLACE), the run fails naming
// it, and once the file is gone a rerun publishes the result.
func TestFaultFileAppearsWhilePublishing(t *testing.T) {
	r := newFaultRig(t)
	want := r.reference("plain")
	text := []byte("a user's file\n")
	for _, engine := range []string{"memory", "ooc"} {
		for _, c := range []struct {
			out, victim string
			extra       []string
			resumed     bool // the publication of a run killed there, resumed
		}{
			{"out.npy", "out.npy", nil, false},
			{"out.npy", "out.npy.json", nil, false},
			{"out.npy", "out.sd.npy", []string{"--errors", "blocking"}, false},
			{"out.npy", "out.npy", []string{"--errors", "blocking"}, false},
			{"out.tif", "out.tif", nil, false},
			{"out.npy", "out.npy", nil, true},
		} {
			if c.resumed && engine == "memory" {
				continue // (a killed in-memory run is computed again)
			}
			dir := t.TempDir()
			out, user := filepath.Join(dir, c.out), filepath.Join(dir, c.victim)
			args := r.args(out, c.extra...)
			for i, s := range args {
				if s == "ooc" {
					args[i] = engine
				}
			}
			name := fmt.Sprintf("%s %s%v resumed=%v", engine, c.victim, c.extra, c.resumed)
			if c.resumed {
				if m, err := r.run([]string{"IPCF_FAULT_KILL=publish-renames"}, args...); err == nil {
					t.Fatalf("%s: the run was not killed at publish-renames: %s", name, m)
				}
			}
			cmd := exec.Command(r.bin, args...)
			cmd.Env = append(os.Environ(), "IPCF_FAULT_STOP=publish-renames")
			var msg bytes.Buffer
			cmd.Stderr = &msg
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stopped := false
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
				b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
				if i := bytes.LastIndexByte(b, ')'); i > 0 && len(b) > i+2 && b[i+2] == 'T' {
					stopped = true
					break
				}
			}
			if !stopped {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%s: the run never stopped at publish-renames: %s", name, msg.String())
			}
			if err := os.WriteFile(user, text, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd.Process.Signal(syscall.SIGCONT)
			err := cmd.Wait()
			if err == nil || !strings.Contains(msg.String(), "appeared during the run") || !strings.Contains(msg.String(), c.victim) {
				t.Errorf("%s: %v %q, want a failure naming the file that appeared", name, err, msg.String())
			}
			if b, _ := os.ReadFile(user); !bytes.Equal(b, text) {
				t.Fatalf("%s: the user's file was replaced", name)
			}
			os.Remove(user)
			if m, err := r.run(nil, args...); err != nil {
				t.Fatalf("%s: rerun after the file went: %v %s", name, err, m)
			}
			if c.out == "out.npy" {
				if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
					t.Fatalf("%s: the rerun's result differs from the reference", name)
				}
			} else if b, err := os.ReadFile(out + ".json"); err != nil || !bytes.Contains(b, []byte(`"output_crc32c"`)) {
				t.Fatalf("%s: no result after the rerun: %v", name, err)
			}
		}
	}
}

// TestFaultKillReplacingUnlabelled: a run replacing an earlier result
// (other settings) killed once it removed that result's sidecar, before
// its renames (IPCF_FAULT_KILL=publish-unlabelled), left the earlier files
// without a sidecar; the same job run again takes them for ipcf's and
// publishes its result, in both engines, as .npy (with error bars too) and
// TIFF. Out of core, a TIFF's was refused by every rerun as a user's file:
// the scratch recorded what a publication replaces for .npy only
// (FAULT8's F2).
func TestFaultKillReplacingUnlabelled(t *testing.T) {
	r := newFaultRig(t)
	for _, engine := range []string{"memory", "ooc"} {
		for _, c := range []struct {
			out   string
			extra []string
		}{
			{"o.npy", nil},
			{"o.npy", []string{"--errors", "blocking"}},
			{"o.tif", nil},
			{"o\xe9.npy", nil}, // (Latin-1: the scratch's record of what is replaced named it with U+FFFD)
		} {
			name := fmt.Sprintf("%s %q%v", engine, c.out, c.extra)
			out := filepath.Join(t.TempDir(), c.out)
			job := func(radius string) []string {
				a := r.args(out, append([]string{"--radius", radius}, c.extra...)...)
				for i, s := range a {
					if s == "ooc" {
						a[i] = engine
					}
				}
				return a
			}
			// The uninterrupted run's bytes at the same path (a TIFF
			// records the job's key, which names the output).
			paths := []string{out}
			if c.extra != nil {
				paths = append(paths, strings.Replace(out, ".npy", ".sd.npy", 1))
			}
			if msg, err := r.run(nil, job("3")...); err != nil {
				t.Fatalf("%s: reference: %v %s", name, err, msg)
			}
			var want [][]byte
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, b)
				os.Remove(p)
			}
			os.Remove(out + ".json")
			if msg, err := r.run(nil, job("2")...); err != nil {
				t.Fatalf("%s: the earlier result: %v %s", name, err, msg)
			}
			if msg, err := r.run([]string{"IPCF_FAULT_KILL=publish-unlabelled"}, job("3")...); err == nil {
				t.Fatalf("%s: fault point publish-unlabelled was not reached: %s", name, msg)
			}
			if _, err := os.Stat(out + ".json"); err == nil {
				t.Fatalf("%s: killed with the earlier sidecar removed, yet one is there", name)
			}
			if msg, err := r.run(nil, job("3")...); err != nil {
				t.Fatalf("%s: the same job after the kill: %v %s", name, err, msg)
			}
			for k, p := range paths {
				if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, want[k]) {
					t.Errorf("%s: %s differs from an uninterrupted run's (%v)", name, filepath.Base(p), err)
				}
			}
		}
	}
}

// TestFaultKillSettingAsideErrorBars: a run without error bars replacing a
// result with them, killed once it set the earlier error bars aside
// (IPCF_FAULT_KILL=publish-aside, before their sidecar goes), leaves no
// OUT.sd.npy that no sidecar names: the rerun publishes the same bytes as
// an uninterrupted run, nothing beside them, and a later run with error
// bars is not refused. The sidecar went first: a kill between the two
// left the earlier error bars beside the new result for good, and the
// run with error bars refused them as a user's file (FAULT11's F1).
func TestFaultKillSettingAsideErrorBars(t *testing.T) {
	r := newFaultRig(t)
	for _, engine := range []string{"memory", "ooc"} {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.npy")
		job := func(extra ...string) []string {
			a := r.args(out, extra...)
			for i, s := range a {
				if s == "ooc" {
					a[i] = engine
				}
			}
			return a
		}
		if msg, err := r.run(nil, job("--smooth", "0.5")...); err != nil {
			t.Fatalf("%s: reference: %v %s", engine, err, msg)
		}
		want, _ := os.ReadFile(out)
		os.Remove(out)
		os.Remove(out + ".json")
		if msg, err := r.run(nil, job("--errors", "blocking")...); err != nil {
			t.Fatalf("%s: the earlier result: %v %s", engine, err, msg)
		}
		if msg, err := r.run([]string{"IPCF_FAULT_KILL=publish-aside"}, job("--smooth", "0.5")...); err == nil {
			t.Fatalf("%s: fault point publish-aside was not reached: %s", engine, msg)
		}
		if msg, err := r.run(nil, job("--smooth", "0.5")...); err != nil {
			t.Fatalf("%s: the rerun after the kill: %v %s", engine, err, msg)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("%s: the rerun's result differs from an uninterrupted run's", engine)
		}
		if _, err := os.Lstat(filepath.Join(dir, "r.sd.npy")); !os.IsNotExist(err) {
			t.Errorf("%s: the earlier error bars stay beside the new result (%v)", engine, err)
		}
		if left := npy.GlobIn(dir, ".ipcf-*.tmp"); len(left) > 0 {
			t.Errorf("%s: left %v", engine, left)
		}
		if msg, err := r.run(nil, job("--errors", "blocking")...); err != nil {
			t.Errorf("%s: a run with error bars after: %v %s", engine, err, msg)
		}
	}
}
