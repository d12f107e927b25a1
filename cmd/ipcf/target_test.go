package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/ooc"
)

// Every command that writes a plain .npy (bleach, convolve, simulate, fit)
// replaces only its own earlier output: an input (also through a link), a
// user's file, a FIFO, a file copied over an earlier output (its sidecar no
// longer describes it) and the output of another command are refused with
// exit status 1, the file untouched; its own output is replaced on a rerun.
func TestPlainOutputsNeverReplaceUserFiles(t *testing.T) {
	_, p, in := smallInput(t)
	img, ker := p("img.npy"), p("ker.npy")
	writeNpy(t, img, array.Uint16, []int{6, 7}, func(i int) float64 { return float64(i) })
	writeNpy(t, ker, array.Uint16, []int{3, 3}, func(i int) float64 { return float64(i % 2) })
	acf := p("acf.npy")
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatalf("pcf: %d %s", code, msg)
	}
	cmds := map[string]func(out string) []string{
		"bleach":   func(out string) []string { return []string{"bleach", in, "-o", out, "--filtersize", "4", "--quiet"} },
		"convolve": func(out string) []string { return []string{"convolve", img, ker, "-o", out} },
		"simulate": func(out string) []string {
			return []string{"simulate", "-o", out, "--frames", "64", "--size", "8", "--quiet"}
		},
		"fit": func(out string) []string {
			return []string{"fit", acf, "-o", out, "--model", "acf2d", "--waist", "2", "--quiet"}
		},
	}
	user := []byte("a user's notes\n")
	for name, args := range cmds {
		// A user's file, a link to the input, the input, a FIFO.
		notes := p(name + "-notes.npy")
		if err := os.WriteFile(notes, user, 0o644); err != nil {
			t.Fatal(err)
		}
		link := p(name + "-link.npy")
		if err := os.Symlink(in, link); err != nil {
			t.Fatal(err)
		}
		fifo := p(name + "-fifo.npy")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		targets := []string{notes, link, fifo}
		if name != "simulate" {
			first := args("")[1]
			targets = append(targets, first)
		}
		for _, target := range targets {
			var before []byte
			if target != fifo { // reading a FIFO would block
				before, _ = os.ReadFile(target)
			}
			code, msg := runIn(t, args(target)...)
			if code != 1 || !strings.Contains(msg, "output refused") || !strings.Contains(msg, filepath.Base(target)) {
				t.Errorf("%s -o %s: exit %d, %q: want 1, output refused", name, filepath.Base(target), code, msg)
			}
			if target != fifo {
				if after, _ := os.ReadFile(target); !bytes.Equal(after, before) {
					t.Errorf("%s -o %s: the file changed", name, filepath.Base(target))
				}
			}
		}
		// Its own output is replaced by a rerun; a file copied over it is not.
		out := p(name + "-out.npy")
		for run := 0; run < 2; run++ {
			if code, msg := runIn(t, args(out)...); code != 0 {
				t.Fatalf("%s run %d: exit %d: %s", name, run, code, msg)
			}
		}
		if err := os.WriteFile(out, append([]byte("\x93NUMPY"), user...), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, msg := runIn(t, args(out)...); code != 1 || !strings.Contains(msg, "not replacing it") {
			t.Errorf("%s over a file copied onto its output: exit %d, %q", name, code, msg)
		}
	}
	// Another command's output is not this one's: simulate over bleach's.
	if code, msg := runIn(t, cmds["bleach"](p("b.npy"))...); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, cmds["simulate"](p("b.npy"))...); code != 1 || !strings.Contains(msg, "not an output of ipcf simulate") {
		t.Errorf("simulate over bleach's output: exit %d, %q", code, msg)
	}
	// A fit's companion that is a user's file, without a fit's metadata.
	if err := os.WriteFile(p("m.chisq.npy"), user, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, cmds["fit"](p("m.npy"))...); code != 1 || !strings.Contains(msg, "m.chisq.npy") {
		t.Errorf("fit over a user's m.chisq.npy: exit %d, %q", code, msg)
	}
	if b, _ := os.ReadFile(p("m.chisq.npy")); !bytes.Equal(b, user) {
		t.Error("fit replaced a user's m.chisq.npy")
	}
	// A pCF result with a file copied over it (the sidecar stays) is not
	// replaced by another job either.
	r := p("r.npy")
	if code, msg := runIn(t, "pcf", in, "-o", r, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	data, _ := os.ReadFile(in)
	if err := os.WriteFile(r, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "pcf", in, "-o", r, "--radius", "3", "--npoints", "4", "--nbins", "8", "--quiet"); code != 1 || !strings.Contains(msg, "not an ipcf result") ||
		!strings.Contains(msg, "its sidecar r.npy.json describes other bytes") {
		t.Errorf("pcf over a copied-over result: exit %d, %q", code, msg)
	}
	if b, _ := os.ReadFile(r); !bytes.Equal(b, data) {
		t.Error("pcf replaced a file copied over its earlier result")
	}
}

// runIn runs the CLI in this process and returns its exit status and
// messages.
// heldByAnother reports whether msg refuses an output whose lock another
// run holds: this process's (runIn runs the command in it: "another call
// in this process", where /proc/locks names the holder) or another's.
func heldByAnother(msg string) bool {
	return strings.Contains(msg, "being written by another call in this process") || strings.Contains(msg, "being written by another ipcf run")
}

func runIn(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// Temporary files of runs killed while they wrote (".ipcf-*.tmp": a
// sidecar, a .zattrs) do not stay for good: the next run on the folder
// removes them, inside a Zarr output too; other files stay.
func TestStaleTempsRemoved(t *testing.T) {
	_, p, in := smallInput(t)
	z := p("r.zarr")
	args := []string{"pcf", in, "-o", z, "--radius", "2", "--npoints", "4", "--nbins", "8", "--engine", "ooc", "--quiet"}
	if code, msg := runIn(t, args...); code != 0 {
		t.Fatal(code, msg)
	}
	stale := []string{p(".ipcf-11.tmp"), filepath.Join(z, ".ipcf-12.tmp")}
	keep := p(".ipcf-notes.txt")
	for _, f := range append(stale, keep) {
		if err := os.WriteFile(f, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, msg := runIn(t, args...); code != 0 {
		t.Fatal(code, msg)
	}
	// A plain command's folder too.
	stale2 := p(".ipcf-13.tmp")
	if err := os.WriteFile(stale2, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "simulate", "-o", p("s.npy"), "--frames", "64", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	for _, f := range append(stale, stale2) {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", f, err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("another file was removed: %v", err)
	}
}

// An input named as a temporary file in the output's folder, or at the
// pCF's partial output name, is refused and kept: the run would remove it
// (RemoveStaleTemps) or write over it; the input at .OUT.partial became
// the result and was gone, exit 0 (a campaign's finding).
func TestInputAtOwnNameRefused(t *testing.T) {
	_, p, in := smallInput(t)
	orig, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args func(in string) []string
	}{
		{".ipcf-21.tmp", func(in string) []string {
			return []string{"bleach", in, "-o", p("b.npy"), "--filtersize", "8", "--quiet"}
		}},
		{".ipcf-22.tmp", func(in string) []string {
			return []string{"pcf", in, "-o", p("r.npy"), "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"}
		}},
		{".r.npy.partial", func(in string) []string {
			return []string{"pcf", in, "-o", p("r.npy"), "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"}
		}},
		{".r.tif.partial", func(in string) []string {
			return []string{"pcf", in, "-o", p("r.tif"), "--radius", "2", "--npoints", "4", "--nbins", "8", "--engine", "ooc", "--quiet"}
		}},
	} {
		f := p(c.name)
		if err := os.WriteFile(f, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		code, msg := runIn(t, c.args(f)...)
		if code != 1 || !strings.Contains(msg, "output refused") || !strings.Contains(msg, c.name) {
			t.Errorf("%s: exit %d, %q; want 1, the output refused naming the input", c.name, code, msg)
		}
		if b, err := os.ReadFile(f); err != nil || !bytes.Equal(b, orig) {
			t.Errorf("%s: the input changed or is gone (%v)", c.name, err)
		}
		for _, o := range []string{"b.npy", "r.npy", "r.tif"} {
			if _, err := os.Stat(p(o)); !os.IsNotExist(err) {
				t.Errorf("%s: %s was written (%v)", c.name, o, err)
			}
		}
		os.Remove(f)
	}
}

// An input of a fit at a name of what a fit to its output leaves beside
// it (the earlier maps set aside, .ipcf-MAPS.npy-N.old; a Zarr being
// written, .ipcf-MAPS.zarr-N.tmp/), or of a pCF inside the folder where a
// Zarr output's earlier result is set aside (.OUT.zarr.old/), is refused
// and kept: the fit removed it with exit 0 (a review's finding).
func TestInputAtFitLeftoverNames(t *testing.T) {
	_, p, in := smallInput(t)
	r := p("r.npy")
	if code, msg := runIn(t, "pcf", in, "-o", r, "--radius", "2", "--npoints", "4", "--nbins", "8", "--smooth", "0", "--errors", "blocking", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	sd, _ := os.ReadFile(p("r.sd.npy"))
	old := p(".ipcf-m.npy-1.old")
	if err := os.WriteFile(old, sd, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "fit", r, "-o", p("m.npy"), "--sigma", old, "--quiet"); code != 1 || !strings.Contains(msg, "output refused") {
		t.Errorf("--sigma at a kept maps name: exit %d, %q; want 1, refused", code, msg)
	}
	if b, err := os.ReadFile(old); err != nil || !bytes.Equal(b, sd) {
		t.Errorf("the input at %s changed or is gone (%v)", old, err)
	}
	tmp := p(".ipcf-mz.zarr-7.tmp")
	os.Mkdir(tmp, 0o755)
	for _, n := range []string{"r.npy", "r.npy.json"} {
		b, _ := os.ReadFile(p(n))
		os.WriteFile(filepath.Join(tmp, n), b, 0o644)
	}
	if code, msg := runIn(t, "fit", filepath.Join(tmp, "r.npy"), "-o", p("mz.zarr"), "--quiet"); code != 1 || !strings.Contains(msg, "output refused") {
		t.Errorf("a result inside a Zarr fit's leftover folder: exit %d, %q; want 1, refused", code, msg)
	}
	if _, err := os.Stat(filepath.Join(tmp, "r.npy")); err != nil {
		t.Errorf("the input inside %s is gone (%v)", tmp, err)
	}
	// A pCF input inside .OUT.zarr.old
	zold := p(".z.zarr.old")
	os.Mkdir(zold, 0o755)
	b, _ := os.ReadFile(in)
	os.WriteFile(filepath.Join(zold, "d.npy"), b, 0o644)
	code, msg := runIn(t, "pcf", filepath.Join(zold, "d.npy"), "-o", p("z.zarr"), "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet")
	if code != 1 || !strings.Contains(msg, "output refused") || !strings.Contains(msg, zold) {
		t.Errorf("an input inside %s: exit %d, %q; want 1, refused naming it", zold, code, msg)
	}
	if _, err := os.Stat(p("z.zarr")); !os.IsNotExist(err) {
		t.Errorf("z.zarr was written (%v)", err)
	}
}

// A user's OUT.npy.json without OUT.npy is not replaced by a plain
// command's sidecar, and a plain command holds the output's lock (the
// pCF job's): a second run on the same output fails at once.
func TestPlainOutputsSidecarAndLock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "u.npy")
	mine := []byte(`{"my": "precious"}`)
	if err := os.WriteFile(out+".json", mine, 0o644); err != nil {
		t.Fatal(err)
	}
	sim := []string{"simulate", "-o", out, "--frames", "64", "--size", "8", "--quiet"}
	if code, msg := runIn(t, sim...); code != 1 || !strings.Contains(msg, "u.npy.json") {
		t.Errorf("over a user's sidecar: exit %d, %q", code, msg)
	}
	if b, _ := os.ReadFile(out + ".json"); !bytes.Equal(b, mine) {
		t.Error("the user's sidecar was replaced")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written (%v)", err)
	}
	// The sidecar of a killed run of the same command is taken over.
	os.Remove(out + ".json")
	if code, msg := runIn(t, sim...); code != 0 {
		t.Fatal(code, msg)
	}
	os.Remove(out)
	if code, msg := runIn(t, sim...); code != 0 {
		t.Errorf("over its own sidecar without the file: exit %d, %q", code, msg)
	}
	unlock, err := job.Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	code, msg := runIn(t, sim...)
	unlock()
	if code == 0 || !heldByAnother(msg) {
		t.Errorf("with the output locked: exit %d, %q", code, msg)
	}
	// The same output named through a link and "..": the kernel takes
	// link/.. for the link target's parent, so that is the output and its
	// lock (a lexical clean locked dir/u.npy while b/u.npy was written).
	b := filepath.Join(dir, "b")
	if err := os.MkdirAll(filepath.Join(b, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(b, "c"), filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	unlock, err = job.Lock(filepath.Join(b, "u.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"simulate", "-o", dir + "/sub/../u.npy", "--frames", "64", "--size", "8", "--quiet"},
		{"convolve", out, out, "-o", dir + "/sub/../u.npy"},
	} {
		if code, msg := runIn(t, cmd...); code == 0 || !heldByAnother(msg) {
			t.Errorf("%s through sub/.. with b/u.npy locked: exit %d, %q", cmd[0], code, msg)
		}
	}
	unlock()
	if _, err := os.Stat(filepath.Join(b, "u.npy")); !os.IsNotExist(err) {
		t.Errorf("b/u.npy was written while locked (%v)", err)
	}
}

// Outputs written beside the named one (fit's MAPS.stderr.npy,
// MAPS.chisq.npy and MAPS.status.npy; pcf's error bars OUT.sd.npy) are held
// under their own locks too: a run writing one of those names meanwhile
// makes the command fail at once, and nothing is written.
func TestCompanionOutputsLocked(t *testing.T) {
	p, in, acf := smallACF(t)
	held := func(name string, args ...string) {
		t.Helper()
		unlock, err := job.Lock(p(name))
		if err != nil {
			t.Fatal(err)
		}
		code, msg := runIn(t, args...)
		unlock()
		if code == 0 || !heldByAnother(msg) || !strings.Contains(msg, name) {
			t.Errorf("with %s locked: exit %d, %q", name, code, msg)
		}
	}
	fit := []string{"fit", acf, "-o", p("maps.npy"), "--model", "acf2d", "--waist", "2", "--quiet"}
	for _, c := range []string{"maps.stderr.npy", "maps.chisq.npy", "maps.status.npy"} {
		held(c, fit...)
		if _, err := os.Stat(p("maps.npy")); !os.IsNotExist(err) {
			t.Errorf("with %s locked, the maps were written (%v)", c, err)
		}
	}
	held("r.sd.npy", "pcf", in, "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "6", "--errors", "blocking", "--quiet")
	if _, err := os.Stat(p("r.npy")); !os.IsNotExist(err) {
		t.Errorf("with r.sd.npy locked, the result was written (%v)", err)
	}
	// Named through a link and "..": the kernel takes w/L/.. for the
	// parent of L's target t, the test's folder, so the companions there
	// are the ones locked (lexically, w/r.sd.npy and w/maps.stderr.npy
	// were locked while these were written).
	for _, d := range []string{"t", "w"} {
		if err := os.Mkdir(p(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(p("t"), p("w/L")); err != nil {
		t.Fatal(err)
	}
	via := p("w/L") + "/../"
	held("r.sd.npy", "pcf", in, "-o", via+"r.npy", "--radius", "1", "--npoints", "4", "--nbins", "6", "--errors", "blocking", "--quiet")
	held("maps.stderr.npy", "fit", acf, "-o", via+"maps.npy", "--model", "acf2d", "--waist", "2", "--quiet")
	for _, f := range []string{"r.npy", "maps.npy"} {
		if _, err := os.Stat(p(f)); !os.IsNotExist(err) {
			t.Errorf("through w/L/.., with its companion locked, %s was written (%v)", f, err)
		}
	}
	// A pCF job through w/L/.. names its hidden files (the partial output,
	// the scratch) in the test's folder, where the output is: those of
	// w/r2.npy, another output, are not its own (they were: two jobs
	// shared a partial output, and one exited 0 with a mix).
	if err := os.WriteFile(p("w/.r2.npy.partial"), []byte("a user's notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"memory", "ooc"} {
		os.Remove(p("r2.npy"))
		os.Remove(p("r2.npy.json"))
		if code, msg := runIn(t, "pcf", in, "-o", via+"r2.npy", "--radius", "1", "--npoints", "4", "--nbins", "6", "--engine", engine, "--quiet"); code != 0 {
			t.Errorf("pcf --engine %s through w/L/.. beside w/.r2.npy.partial: exit %d, %q", engine, code, msg)
		}
		if _, err := os.Stat(p("r2.npy")); err != nil {
			t.Errorf("pcf --engine %s through w/L/..: %v", engine, err)
		}
	}
	if b, _ := os.ReadFile(p("w/.r2.npy.partial")); string(b) != "a user's notes" {
		t.Errorf("w/.r2.npy.partial changed: %q", b)
	}
	// A fit through w/L/.. keeps and removes its earlier maps in the test's
	// folder, where they are: the earlier maps that a killed fit to
	// w/maps.npy kept in w are another output's (they were removed).
	kept := p("w/.ipcf-maps.npy-123.old")
	if err := os.WriteFile(kept, []byte("earlier maps of w/maps.npy"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second replaces the first's maps
		if code, msg := runIn(t, "fit", acf, "-o", via+"maps.npy", "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
			t.Fatal(code, msg)
		}
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the kept maps of w/maps.npy: %v", err)
	}
	if _, err := os.Stat(p("maps.npy")); err != nil {
		t.Errorf("the maps through w/L/..: %v", err)
	}
	if left, _ := filepath.Glob(p(".ipcf-maps.npy-*")); len(left) != 0 {
		t.Errorf("left beside the maps: %v", left)
	}
	// Readers through w/L/.. find the companions where they are (the
	// review's findings: looked for lexically in w, "missing"): the maps'
	// chi-square, a result's error bars.
	if code, msg := runIn(t, "plot", via+"maps.npy", "-o", p("chisq.png"), "--param", "chisq"); code != 0 {
		t.Errorf("plot --param chisq through w/L/..: exit %d, %q", code, msg)
	}
	if code, msg := runIn(t, "pcf", in, "-o", via+"e.npy", "--acf", "--nbins", "8", "--errors", "blocking", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, "fit", via+"e.npy", "-o", p("em.npy"), "--model", "acf2d", "--waist", "2"); code != 0 || !strings.Contains(msg, "e.sd.npy") {
		t.Errorf("fit of a result with error bars through w/L/..: exit %d, %q (want weighted by e.sd.npy)", code, msg)
	}
	// Zarr maps through w/L/..: their .zattrs joined onto the path (a
	// lexical clean looked in w, and the maps were "not maps", exit 2).
	if code, msg := runIn(t, "fit", acf, "-o", via+"mz.zarr", "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if _, err := os.Stat(p("mz.zarr/.zattrs")); err != nil {
		t.Errorf("fit -o w/L/../mz.zarr: %v", err)
	}
	if code, msg := runIn(t, "plot", via+"mz.zarr", "-o", p("mz.png"), "--param", "D"); code != 0 {
		t.Errorf("plot --param D of Zarr maps through w/L/..: exit %d, %q", code, msg)
	}
	// A folder of frames through w/L/..: its files joined onto the path
	// (a lexical clean named them w/frames/f0.tif ..., not the input's).
	if err := os.Mkdir(p("frames"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		writeTIFF(t, p(fmt.Sprintf("frames/f%d.tif", i)), tiffSpec{pages: 1, h: 6, w: 5})
	}
	if err := os.Mkdir(p("w/frames"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "plot", "--mean", via+"frames", "-o", p("fr.png")); code != 0 {
		t.Errorf("plot --mean of a folder of frames through w/L/..: exit %d, %q", code, msg)
	}
	// A folder that does not exist before the "..": refused at once,
	// nothing computed or left (it ran to its end, then failed).
	if code, msg := runIn(t, "pcf", in, "-o", p("nosuch")+"/../n.npy", "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code == 0 || !strings.Contains(msg, "nosuch") {
		t.Errorf("pcf -o nosuch/../n.npy: exit %d, %q", code, msg)
	}
	if left, _ := filepath.Glob(p(".n.npy*")); len(left) != 0 {
		t.Errorf("pcf -o nosuch/../n.npy left %v", left)
	}
	// Free, both run, and leave no lock files.
	if code, msg := runIn(t, fit...); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, "pcf", in, "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "6", "--errors", "blocking", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if locks, _ := filepath.Glob(p(".*.lock")); len(locks) != 0 {
		t.Errorf("lock files left: %v", locks)
	}
}

// fit -o MAPS.tif replaces only a fit's maps (MAPS.tif.json describes
// it): not a user's file, nor a pCF result's TIFF.
func TestFitTIFFNeverReplacesUserFiles(t *testing.T) {
	p, in, acf := smallACF(t)
	if code, msg := runIn(t, "pcf", in, "-o", p("r.tif"), "--acf", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	user := []byte("a user's image\n")
	if err := os.WriteFile(p("user.tif"), user, 0o644); err != nil {
		t.Fatal(err)
	}
	fit := func(out string) (int, string) {
		return runIn(t, "fit", acf, "-o", out, "--model", "acf2d", "--waist", "2", "--quiet")
	}
	for _, n := range []string{"user.tif", "r.tif"} {
		before, _ := os.ReadFile(p(n))
		if code, msg := fit(p(n)); code != 1 || !strings.Contains(msg, "not an output of ipcf fit") {
			t.Errorf("fit -o %s: exit %d, %q", n, code, msg)
		}
		if after, _ := os.ReadFile(p(n)); !bytes.Equal(after, before) {
			t.Errorf("fit -o %s: the file changed", n)
		}
	}
	for run := 0; run < 2; run++ {
		if code, msg := fit(p("m.tif")); code != 0 {
			t.Fatalf("fit -o m.tif, run %d: exit %d, %q", run, code, msg)
		}
	}
}

// The pCF job and every command leave alone what is not theirs around an
// output: a lock path that is a link, a hard link, a FIFO or a user's file;
// a user's OUT.npy.json or a FIFO there (no hang); a sidecar name that is
// the job's own input; a user's file where a killed run left a scratch
// folder; a link as the output; a fit's Zarr (and a fit over a pCF Zarr).
func TestOutputsAroundTheOutput(t *testing.T) {
	_, p, in := smallInput(t)
	pcfArgs := func(out string, extra ...string) []string {
		return append([]string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"}, extra...)
	}
	user := []byte("precious\n")
	refused := func(what string, args []string, file string, want string) {
		t.Helper()
		before, _ := os.ReadFile(file)
		code, msg := runIn(t, args...)
		if code == 0 || !strings.Contains(msg, want) {
			t.Errorf("%s: exit %d, %q: want a refusal saying %q", what, code, msg, want)
		}
		if file != "" {
			if after, _ := os.ReadFile(file); !bytes.Equal(after, before) {
				t.Errorf("%s: %s changed", what, filepath.Base(file))
			}
		}
	}
	// Lock paths.
	os.WriteFile(p("user.txt"), user, 0o644)
	os.Symlink("user.txt", p(".a.npy.lock"))
	refused("lock symlink, pcf", pcfArgs(p("a.npy")), p("user.txt"), "is a link")
	os.Link(p("user.txt"), p(".b.npy.lock"))
	refused("lock hard link, simulate", []string{"simulate", "-o", p("b.npy"), "--frames", "64", "--size", "8", "--quiet"}, p("user.txt"), "hard link")
	os.WriteFile(p(".c.npy.lock"), user, 0o644)
	refused("lock user's file", pcfArgs(p("c.npy")), p(".c.npy.lock"), "something else")
	syscall.Mkfifo(p(".d.npy.lock"), 0o644)
	refused("lock FIFO", pcfArgs(p("d.npy")), "", "not a file")
	os.Mkdir(p(".l.npy.lock"), 0o755) // (REVIEW8's M3: "cannot create the lock file")
	refused("lock folder", pcfArgs(p("l.npy")), "", "lock "+p(".l.npy.lock")+" is not a file: not writing it; remove it")
	// Sidecar paths.
	os.WriteFile(p("e.npy.json"), user, 0o644)
	refused("a user's sidecar", pcfArgs(p("e.npy")), p("e.npy.json"), "not ipcf's metadata")
	syscall.Mkfifo(p("f.npy.json"), 0o644)
	refused("a FIFO sidecar", pcfArgs(p("f.npy")), "", "not ipcf's metadata")
	raw := p("g.npy.json")
	data, _ := os.ReadFile(in)
	os.WriteFile(raw, data[len(data)-64*8*8*2:], 0o644)
	refused("the input as sidecar", []string{"pcf", raw, "--format", "raw", "--shape", "64,8,8", "-o", p("g.npy"),
		"--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"}, raw, "not ipcf's metadata")
	// A user's file where a killed run left its scratch.
	out := p("h.npy")
	if err := os.MkdirAll(ooc.ScratchDir("", out), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(ooc.ScratchDir("", out), "job.json"), []byte("{}"), 0o644)
	os.WriteFile(out, user, 0o644)
	refused("a user's file over a scratch", pcfArgs(out), out, "not an ipcf result")
	// A link as the output; a file name with a slash.
	os.Symlink("user.txt", p("i.npy"))
	refused("a link output", pcfArgs(p("i.npy")), p("user.txt"), "is a link")
	refused("a slash", pcfArgs(p("j.npy")+"/"), "", "slash")
	// Zarr outputs of pcf and fit are not each other's.
	acf := p("acf.npy")
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, pcfArgs(p("r.zarr"), "--engine", "ooc")...); code != 0 {
		t.Fatal(code, msg)
	}
	refused("fit over a pCF Zarr", []string{"fit", acf, "-o", p("r.zarr"), "--model", "acf2d", "--waist", "2", "--quiet"},
		p("r.zarr/.zattrs"), "not the maps of an ipcf fit")
	if code, msg := runIn(t, "fit", acf, "-o", p("m.zarr"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	refused("pcf over a fit's Zarr", pcfArgs(p("m.zarr"), "--engine", "ooc"), p("m.zarr/.zattrs"), "output of ipcf fit")
	// A pCF result's error bars (REVIEW8's M5: "no sidecar describing it").
	if code, msg := runIn(t, pcfArgs(p("eb.npy"), "--errors", "blocking")...); code != 0 {
		t.Fatal(code, msg)
	}
	refused("simulate over error bars", []string{"simulate", "-o", p("eb.sd.npy"), "--frames", "64", "--size", "8", "--quiet"},
		p("eb.sd.npy"), "is the error bars of the ipcf result eb.npy")
	refused("pcf over error bars", pcfArgs(p("eb.sd.npy")), p("eb.sd.npy"), "is the error bars of the ipcf result eb.npy")
	// ... of a result named .NPY, and a fit's companions (REVIEW11's F2).
	// (error bars beside .NPY are refused since: the readers find them by
	// OUT.npy, REVIEW11's F12; those of an earlier run are still named)
	if code, msg := runIn(t, pcfArgs(p("U.NPY"), "--errors", "blocking")...); code != 2 || !strings.Contains(msg, "write the result as .npy") {
		t.Errorf("error bars beside U.NPY: exit %d, %q; want 2, refused", code, msg)
	}
	if code, msg := runIn(t, pcfArgs(p("U.npy"), "--errors", "blocking")...); code != 0 {
		t.Fatal(code, msg)
	}
	for _, f := range []string{"U.npy", "U.sd.npy", "U.npy.json"} {
		upper := strings.Replace(f, ".npy", ".NPY", 1)
		if err := os.Rename(p(f), p(upper)); err != nil {
			t.Fatal(err)
		}
	}
	side, _ := os.ReadFile(p("U.NPY.json"))
	var m map[string]any
	json.Unmarshal(side, &m)
	m["errors"].(map[string]any)["file"] = "U.sd.NPY"
	os.WriteFile(p("U.NPY.json"), sealed(t, m), 0o644)
	refused("simulate over .NPY's error bars", []string{"simulate", "-o", p("U.sd.NPY"), "--frames", "64", "--size", "8", "--quiet"},
		p("U.sd.NPY"), "is the error bars of the ipcf result U.NPY")
	if code, msg := runIn(t, "fit", acf, "-o", p("fm.npy"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	for part, what := range map[string]string{"chisq": "the chi-square map", "stderr": "the standard errors", "status": "the status map"} {
		refused("pcf over a fit's "+part, pcfArgs(p("fm."+part+".npy")), p("fm."+part+".npy"), "is "+what+" of the fit maps of the ipcf result fm.npy")
	}
	// Still: ordinary reruns.
	for run := 0; run < 2; run++ {
		if code, msg := runIn(t, pcfArgs(p("k.npy"))...); code != 0 {
			t.Fatalf("rerun %d: %d %q", run, code, msg)
		}
	}
}

// A plain command stopped at any point of its writing (here: before its
// new sidecar, and between the sidecar and the rename) leaves a file and
// sidecar that the next run takes for its own: the rerun succeeds and
// gives a clean run's bytes.
func TestPlainOutputStoppedMidWrite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.npy")
	sim := func(seed string) (int, string) {
		return runIn(t, "simulate", "-o", out, "--frames", "64", "--size", "8", "--seed", seed, "--quiet")
	}
	if code, msg := sim("1"); code != 0 {
		t.Fatal(code, msg)
	}
	clean := filepath.Join(dir, "clean.npy")
	if code, msg := runIn(t, "simulate", "-o", clean, "--frames", "64", "--size", "8", "--seed", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	want, _ := os.ReadFile(clean)
	stop := errors.New("stopped")
	for _, at := range []string{"before the sidecar", "after the sidecar"} {
		if at == "before the sidecar" {
			testHookPlainBeforeRename = func() error { return stop }
		} else {
			testHookPlainAfterSidecar = func() error { return stop }
		}
		code, _ := sim("2")
		testHookPlainBeforeRename, testHookPlainAfterSidecar = nil, nil
		if code == 0 {
			t.Fatalf("%s: the stopped run exited 0", at)
		}
		if code, msg := sim("2"); code != 0 {
			t.Errorf("%s: the rerun: exit %d, %q", at, code, msg)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("%s: the rerun's output differs from a clean run's", at)
		}
		if code, msg := sim("1"); code != 0 { // back to the first, for the next case
			t.Fatal(code, msg)
		}
	}
}

// A plain command whose sidecar cannot be written (here: a folder put at
// its name once the checks passed, standing for a full disk) says so once:
// "simulate: writing s.npy: simulate: writing s.npy.json: ..." named the
// command and the output twice (BLEACH14's M9).
func TestPlainSidecarFailureWordedOnce(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.npy")
	testHookPlainBeforeRename = func() error { return os.Mkdir(out+".json", 0o755) }
	code, msg := runIn(t, "simulate", "-o", out, "--frames", "64", "--size", "8", "--quiet")
	testHookPlainBeforeRename = nil
	if code != 1 || strings.Count(msg, "writing") != 1 || !strings.Contains(msg, "simulate: writing "+out+".json: ") {
		t.Errorf("exit %d, %q; want 1 and one \"simulate: writing %s.json: ...\"", code, msg, out)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the output was published without its sidecar")
	}
}

// A plain command whose final rename fails (here: a folder put at the
// output, standing for an I/O error) exits 1 and leaves the earlier output
// readable: its sidecar is put back (the new one stayed, and a pCF of
// the earlier output refused it as changed since; a campaign's finding).
func TestPlainRenameFailsKeepsEarlierOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.npy")
	aside := filepath.Join(dir, "aside")
	for _, cmd := range [][]string{
		{"simulate", "-o", out, "--frames", "64", "--size", "8", "--quiet", "--seed"},
		{"bleach", filepath.Join(dir, "in.npy"), "-o", out, "--filtersize", "4", "--quiet", "--bleach-mean"},
	} {
		writeNpy(t, filepath.Join(dir, "in.npy"), array.Uint16, []int{64, 8, 8}, func(i int) float64 { return float64(100 + i%37) })
		os.Remove(out)
		os.Remove(out + ".json")
		first, second := "1", "2"
		if cmd[0] == "bleach" {
			first, second = "real", "floor"
		}
		if code, msg := runIn(t, append(cmd, first)...); code != 0 {
			t.Fatal(code, msg)
		}
		before, _ := os.ReadFile(out)
		side, _ := os.ReadFile(out + ".json")
		testHookPlainAfterSidecar = func() error {
			// The rename into out fails: out is a folder holding a file.
			if err := os.Rename(out, aside); err != nil {
				return err
			}
			os.Mkdir(out, 0o755)
			return os.WriteFile(filepath.Join(out, "x"), nil, 0o644)
		}
		code, msg := runIn(t, append(cmd, second)...)
		testHookPlainAfterSidecar = nil
		os.RemoveAll(out)
		if err := os.Rename(aside, out); err != nil {
			t.Fatal(err)
		}
		if code != 1 {
			t.Errorf("%s: the rename failed: exit %d, %q, want 1", cmd[0], code, msg)
		}
		if now, _ := os.ReadFile(out + ".json"); !bytes.Equal(now, side) {
			t.Errorf("%s: the earlier sidecar was not put back", cmd[0])
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, before) {
			t.Fatalf("%s: the earlier output changed", cmd[0])
		}
		r := filepath.Join(dir, "r.npy")
		if code, msg := runIn(t, "pcf", out, "-o", r, "--radius", "2", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
			t.Errorf("%s: the earlier output is no longer readable: exit %d, %q", cmd[0], code, msg)
		}
		os.Remove(r)
		os.Remove(r + ".json")
	}
}

// A fit into a Zarr killed while writing or publishing leaves hidden
// folders beside it; the next fit of that output removes them, not another
// output's.
func TestFitZarrLeftoversRemoved(t *testing.T) {
	p, _, acf := smallACF(t)
	stale := []string{p(".ipcf-m.zarr-123.tmp"), p(".ipcf-m.zarr-456.old")}
	other := p(".ipcf-m.zarr-x.zarr-789.tmp") // the output m.zarr-x.zarr's
	for _, d := range append(stale, other) {
		if err := os.MkdirAll(filepath.Join(d, "params"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if code, msg := runIn(t, "fit", acf, "-o", p("m.zarr"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	for _, d := range stale {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", filepath.Base(d), err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another output's folder was removed: %v", err)
	}
}

// An output reached through a linked folder is rerun like any other: with
// error bars (their sidecar record), and after a kill at publish.
func TestOutputThroughALinkedFolder(t *testing.T) {
	dir, p, in := smallInput(t)
	if err := os.Symlink(dir, p("lnk")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lnk", "out.npy")
	for _, r := range []string{"1", "2", "2"} {
		if code, msg := runIn(t, "pcf", in, "-o", out, "--radius", r, "--npoints", "4", "--nbins", "6", "--errors", "blocking", "--quiet"); code != 0 {
			t.Fatalf("radius %s with error bars through a linked folder: exit %d: %s", r, code, msg)
		}
	}
	cmd := exec.Command(binary(t), "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6", "--engine", "ooc", "--quiet")
	cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=publish")
	if err := cmd.Run(); err == nil {
		t.Fatal("fault point publish was not reached")
	}
	if code, msg := runIn(t, "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6", "--engine", "ooc", "--quiet"); code != 0 {
		t.Fatalf("rerun after a kill at publish, through a linked folder: exit %d: %s", code, msg)
	}
}

// A user's OUT.sd.npy beside the scratch of a killed run that computed no
// error bars is not taken for that run's: a rerun with --errors refuses it.
func TestUserErrorBarsBesideAKilledRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 10, 10}, func(i int) float64 { return float64(100 + i%37) })
	out := filepath.Join(dir, "o.npy")
	mine := []byte("my own measured error bars")
	if err := os.WriteFile(filepath.Join(dir, "o.sd.npy"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "6", "--engine", "ooc", "--quiet"}
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
	if err := cmd.Run(); err == nil {
		t.Fatal("fault point commit was not reached")
	}
	if code, msg := runIn(t, append(args, "--errors", "blocking")...); code != 1 || !strings.Contains(msg, "not the error bars of an ipcf result") {
		t.Errorf("rerun with --errors: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "o.sd.npy")); !bytes.Equal(b, mine) {
		t.Error("the user's o.sd.npy was replaced")
	}
	// Error bars of another analysis, float32 of the result's shape: the
	// killed run computed none, so they are not its.
	other := filepath.Join(dir, "other.npy")
	if code, msg := runIn(t, "pcf", in, "-o", other, "--radius", "2", "--npoints", "4", "--nbins", "6", "--errors", "segments", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	mine, _ = os.ReadFile(filepath.Join(dir, "other.sd.npy"))
	os.WriteFile(filepath.Join(dir, "o.sd.npy"), mine, 0o644)
	if code, msg := runIn(t, append(args, "--errors", "blocking")...); code != 1 || !strings.Contains(msg, "not the error bars of an ipcf result") {
		t.Errorf("rerun with --errors over float32 error bars of the result's shape: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "o.sd.npy")); !bytes.Equal(b, mine) {
		t.Error("the user's float32 o.sd.npy was replaced")
	}
}

// A Zarr result whose run was killed after its commit is published by the
// rerun only as committed: a chunk damaged in the partial folder meanwhile
// is computed again (it was published as it was, +Inf and all).
func TestZarrDamagedAfterCommit(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 12, 12}, func(i int) float64 { return float64(100 + (i*7)%37) })
	for _, ext := range []string{"zarr", "ome.zarr"} {
		args := func(out string) []string {
			return []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "6", "--tile", "4,8", "--quiet"}
		}
		ref := filepath.Join(dir, "ref."+ext)
		if code, msg := runIn(t, args(ref)...); code != 0 {
			t.Fatal(msg)
		}
		out := filepath.Join(dir, "o."+ext)
		cmd := exec.Command(binary(t), args(out)...)
		cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
		if err := cmd.Run(); err == nil {
			t.Fatal("fault point commit was not reached")
		}
		partial := filepath.Join(dir, ".o."+ext+".partial")
		var chunk string
		filepath.WalkDir(partial, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") && chunk == "" {
				chunk = p
			}
			return nil
		})
		f, err := os.OpenFile(chunk, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{0, 0, 0x80, 0x7f}, 16) // +Inf
		f.Close()
		if code, msg := runIn(t, args(out)...); code != 0 {
			t.Fatalf("%s: rerun: exit %d: %s", ext, code, msg)
		}
		rel, _ := filepath.Rel(partial, chunk)
		a, _ := os.ReadFile(filepath.Join(ref, rel))
		b, _ := os.ReadFile(filepath.Join(out, rel))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: chunk %s published damaged (or missing)", ext, rel)
		}
		// The array's description too (.zarray: another shape).
		zarray := map[string]string{"zarr": ".zarray", "ome.zarr": "0/.zarray"}[ext]
		os.RemoveAll(out)
		cmd = exec.Command(binary(t), args(out)...)
		cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
		if err := cmd.Run(); err == nil {
			t.Fatal("fault point commit was not reached")
		}
		za := filepath.Join(partial, zarray)
		zb, _ := os.ReadFile(za)
		os.WriteFile(za, bytes.Replace(zb, []byte(`"shape": [`), []byte(`"shape": [1, `), 1), 0o644)
		if code, msg := runIn(t, args(out)...); code != 0 {
			t.Fatalf("%s: rerun after .zarray damaged: exit %d: %s", ext, code, msg)
		}
		a, _ = os.ReadFile(filepath.Join(ref, zarray))
		b, _ = os.ReadFile(filepath.Join(out, zarray))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: %s published damaged: %s", ext, zarray, b)
		}
	}
}

// --engine memory with a budget too small for it runs as asked, with a
// note saying so (the budget is not silently ignored).
func TestEngineMemoryOverBudgetNote(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 16, 16}, func(i int) float64 { return float64(100 + i%37) })
	code, msg := runIn(t, "pcf", in, "-o", filepath.Join(dir, "o.npy"), "--radius", "2", "--engine", "memory", "--memory", "1MiB", "--quiet")
	if code != 0 || !strings.Contains(msg, "--engine memory needs about") || !strings.Contains(msg, "more than the budget of 1.0 MiB") {
		t.Errorf("exit %d: %q", code, msg)
	}
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "p.npy"), "--radius", "2", "--engine", "memory", "--quiet")
	if code != 0 || strings.Contains(msg, "needs about") {
		t.Errorf("within the budget: exit %d: %q", code, msg)
	}
	// --tile is an out-of-core setting: in memory it is said to be unused.
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "q.npy"), "--radius", "2", "--engine", "memory", "--tile", "4,4", "--quiet")
	if code != 0 || !strings.Contains(msg, "--tile 4,4 applies out of core only") {
		t.Errorf("--engine memory --tile: exit %d: %q", code, msg)
	}
	// so is --copy-input, with --engine memory or where auto runs in memory
	// (it was ignored without a word)
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "r.npy"), "--radius", "2", "--engine", "memory", "--copy-input", "--quiet")
	if code != 0 || !strings.Contains(msg, "--copy-input applies out of core only: --engine memory") {
		t.Errorf("--engine memory --copy-input: exit %d: %q", code, msg)
	}
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "s.npy"), "--radius", "2", "--copy-input", "--quiet")
	if code != 0 || !strings.Contains(msg, "--copy-input applies out of core only: the job fits the memory budget") {
		t.Errorf("--copy-input, in memory by auto: exit %d: %q", code, msg)
	}
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "w.npy"), "--radius", "2", "--tile", "4,4", "--quiet")
	if code != 0 || !strings.Contains(msg, "--tile 4,4 applies out of core only: the job fits the memory budget") {
		t.Errorf("--tile, in memory by auto: exit %d: %q", code, msg)
	}
	// --scratch is not one: in memory it holds the record of the result's
	// publication (REVIEW13's F5: a note said it wrote none), and a missing
	// folder is refused as out of core
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "x.npy"), "--radius", "2", "--engine", "memory", "--scratch", dir, "--quiet")
	if code != 0 || strings.Contains(msg, "--scratch applies") {
		t.Errorf("--engine memory --scratch: exit %d: %q", code, msg)
	}
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "y.npy"), "--radius", "2", "--engine", "memory", "--scratch", filepath.Join(dir, "none", "x"), "--quiet")
	if code != 1 || !strings.Contains(msg, "scratch folder refused") {
		t.Errorf("--engine memory --scratch of a missing folder: exit %d: %q", code, msg)
	}
	code, msg = runIn(t, "pcf", in, "-o", filepath.Join(dir, "u.npy"), "--radius", "2", "--copy-input", "--engine", "ooc", "--quiet")
	if code != 0 || strings.Contains(msg, "--copy-input applies") {
		t.Errorf("--copy-input out of core: exit %d: %q", code, msg)
	}
}

// smallACF is smallInput with its ACF (8 log bins) computed as acf.npy,
// the result the fit tests start from.
func smallACF(t *testing.T) (p func(string) string, in, acf string) {
	t.Helper()
	_, p, in = smallInput(t)
	acf = p("acf.npy")
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	return p, in, acf
}

// smallInput writes a 64 x 8 x 8 uint16 input into a new folder and
// returns the folder, a function naming files in it, and the input's path.
func smallInput(t *testing.T) (string, func(string) string, string) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	in := p("in.npy")
	writeNpy(t, in, array.Uint16, []int{64, 8, 8}, func(i int) float64 { return float64(100 + i%37) })
	return dir, p, in
}

// TestPlotNeverReplacesUserFiles: plot's pictures follow the plain
// outputs' rule: a user's PNG, a link and a picture edited since (its
// sidecar FIG.png.json no longer describes it) stay, with exit status 1;
// plot's own picture is replaced by a rerun.
func TestPlotNeverReplacesUserFiles(t *testing.T) {
	_, p, in := smallInput(t)
	res := p("r.npy")
	if code, msg := runIn(t, "pcf", in, "-o", res, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	user := []byte("\x89PNG\r\n\x1a\na user's figure")
	fig := p("figure.png")
	if err := os.WriteFile(fig, user, 0o644); err != nil {
		t.Fatal(err)
	}
	link := p("link.png")
	if err := os.Symlink(fig, link); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{fig, link} {
		if code, msg := runIn(t, "plot", res, "-o", target); code != 1 || !strings.Contains(msg, "output refused") {
			t.Errorf("plot -o %s: exit %d, %q: want 1, output refused", filepath.Base(target), code, msg)
		}
		if b, _ := os.ReadFile(fig); !bytes.Equal(b, user) {
			t.Fatalf("plot -o %s replaced the user's figure", filepath.Base(target))
		}
	}
	own := p("own.png")
	for run := 0; run < 2; run++ {
		if code, msg := runIn(t, "plot", res, "-o", own, "--point", fmt.Sprint(run)); code != 0 {
			t.Fatalf("plot run %d: exit %d: %s", run, code, msg)
		}
	}
	b, err := os.ReadFile(own)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) || !ooc.IsSidecar(own+".json") {
		t.Fatalf("plot's picture %d bytes (%v), sidecar ours: %v", len(b), err, ooc.IsSidecar(own+".json"))
	}
	if side, _ := os.ReadFile(own + ".json"); !strings.Contains(string(side), `"arguments"`) || !strings.Contains(string(side), res) {
		t.Errorf("plot's sidecar does not record its arguments: %s", side)
	}
	edited := append(b[:len(b):len(b)], 0)
	os.WriteFile(own, edited, 0o644)
	if code, msg := runIn(t, "plot", res, "-o", own); code != 1 || !strings.Contains(msg, "not replacing it") {
		t.Errorf("plot over its picture edited since: exit %d, %q", code, msg)
	}
	if got, _ := os.ReadFile(own); !bytes.Equal(got, edited) {
		t.Error("plot replaced its picture edited since")
	}
}

// A fit's companions (MAPS.stderr.npy, MAPS.chisq.npy, MAPS.status.npy)
// are replaced only when the fit's metadata records them as they are: a
// user's file put at their names after a fit is refused (it was replaced).
// A run stopped among them leaves the earlier run's companions, which its
// metadata records as the previous ones: the rerun replaces them and gives
// a clean run's files.
func TestFitCompanionsNeverReplaceUserFiles(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	in := p("in.npy")
	if code, msg := runIn(t, "simulate", "-o", in, "--frames", "256", "--size", "10", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	acf := p("acf.npy")
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--bins", "multitau", "--m", "8", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	fit := func(out, waist string) (int, string) {
		return runIn(t, "fit", acf, "-o", out, "--model", "acf2d", "--waist", waist, "--quiet")
	}
	if code, msg := fit(p("m.npy"), "2"); code != 0 {
		t.Fatal(code, msg)
	}
	user := []byte("a user's file\n")
	for _, c := range []string{"m.stderr.npy", "m.chisq.npy", "m.status.npy"} {
		if err := os.WriteFile(p(c), user, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, msg := fit(p("m.npy"), "2"); code != 1 || !strings.Contains(msg, c) {
			t.Errorf("fit over a user's %s after a fit: exit %d, %q", c, code, msg)
		}
		if b, _ := os.ReadFile(p(c)); !bytes.Equal(b, user) {
			t.Errorf("fit replaced a user's %s", c)
		}
		os.Remove(p(c))
		if code, msg := fit(p("m.npy"), "2"); code != 0 {
			t.Fatalf("fit after the user's %s was removed: exit %d, %q", c, code, msg)
		}
	}
	// Metadata of a fit before the companions' record: its companions, of
	// the maps' dtype and shape, are replaced; a user's file is not.
	side := p("m.npy.json")
	var sm map[string]any
	if b, err := os.ReadFile(side); err != nil || json.Unmarshal(b, &sm) != nil {
		t.Fatal(err)
	}
	delete(sm, "companions")
	os.WriteFile(side, sealed(t, sm), 0o644)
	os.WriteFile(p("m.chisq.npy"), user, 0o644)
	if code, msg := fit(p("m.npy"), "2"); code != 1 || !strings.Contains(msg, "m.chisq.npy") {
		t.Errorf("fit over a user's m.chisq.npy beside older metadata: exit %d, %q", code, msg)
	}
	os.Remove(p("m.chisq.npy"))
	if code, msg := fit(p("m.npy"), "2"); code != 0 {
		t.Errorf("fit over the maps of older metadata: exit %d, %q", code, msg)
	}
	// Stopped after the metadata and the first companion of waist 3.
	stop := errors.New("stopped")
	testHookFitCompanion = func(string) error { return stop }
	code, _ := fit(p("m.npy"), "3")
	testHookFitCompanion = nil
	if code == 0 {
		t.Fatal("the stopped fit exited 0")
	}
	if code, msg := fit(p("m.npy"), "3"); code != 0 {
		t.Fatalf("the rerun of the stopped fit: exit %d, %q", code, msg)
	}
	if code, msg := fit(p("clean.npy"), "3"); code != 0 {
		t.Fatal(code, msg)
	}
	for _, s := range []string{".npy", ".stderr.npy", ".chisq.npy", ".status.npy"} {
		a, _ := os.ReadFile(p("m" + s))
		b, _ := os.ReadFile(p("clean" + s))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("m%s after the rerun differs from a clean run's", s)
		}
	}
}

// Temporary files that runs killed while writing left in a partial Zarr
// (a chunk's NAME.tmp, a metadata file's .ipcf-*.tmp, in the OME-Zarr's
// array folder too) are not published with it: the folder published after
// a resume holds the files of a clean run's, no more.
func TestZarrStrayTempsNotPublished(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 12, 12}, func(i int) float64 { return float64(100 + (i*11)%41) })
	files := func(root string) []string {
		var names []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				names = append(names, rel)
			}
			return nil
		})
		return names
	}
	for _, ext := range []string{"zarr", "ome.zarr"} {
		args := func(out string) []string {
			return []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "6", "--tile", "4,8", "--quiet"}
		}
		ref := filepath.Join(dir, "ref."+ext)
		if code, msg := runIn(t, args(ref)...); code != 0 {
			t.Fatal(msg)
		}
		out := filepath.Join(dir, "o."+ext)
		cmd := exec.Command(binary(t), args(out)...)
		cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=commit")
		if err := cmd.Run(); err == nil {
			t.Fatal("fault point commit was not reached")
		}
		partial := filepath.Join(dir, ".o."+ext+".partial")
		var chunk string
		for _, f := range files(partial) {
			if !strings.HasPrefix(filepath.Base(f), ".") {
				chunk = f
				break
			}
		}
		strays := []string{".ipcf-4242.tmp", chunk + ".tmp"}
		if ext == "ome.zarr" {
			strays = append(strays, "0/.ipcf-77.tmp")
		}
		for _, s := range strays {
			if err := os.WriteFile(filepath.Join(partial, s), []byte("{\"half\": "), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if code, msg := runIn(t, args(out)...); code != 0 {
			t.Fatalf("%s: rerun: exit %d: %s", ext, code, msg)
		}
		if got, want := files(out), files(ref); !slices.Equal(got, want) {
			t.Errorf("%s: published %v, a clean run %v", ext, got, want)
		}
	}
}

// A user's file put into an ipcf Zarr result (pCF or fit maps) is never
// deleted with the result: another job on that output is refused, naming
// the file, until it is moved out.
func TestZarrUserFileInsideKept(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	in := p("in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 12, 12}, func(i int) float64 { return float64(100 + (i*13)%29) })
	acf := p("acf.npy")
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--bins", "multitau", "--m", "8", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	pcfRun := func(out string, v int) []string {
		return []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", strconv.Itoa(4 + v), "--nbins", "6", "--quiet"}
	}
	fitRun := func(out string, v int) []string {
		return []string{"fit", acf, "-o", out, "--model", "acf2d", "--waist", strconv.Itoa(2 + v), "--quiet"}
	}
	for i, c := range []struct {
		name  string
		ext   string
		run   func(out string, variant int) []string
		inner string
	}{
		{"pcf zarr", "zarr", pcfRun, "notes.txt"},
		{"pcf zarr, a name of digits and dots", "zarr", pcfRun, "2026.12.02"},
		{"pcf zarr, a chunk key beyond the grid", "zarr", pcfRun, "9.0.0.0"},
		{"pcf ome.zarr", "ome.zarr", pcfRun, "0/notes.txt"},
		{"pcf ome.zarr, another level", "ome.zarr", pcfRun, "1/.zarray"},
		{"fit zarr", "zarr", fitRun, "params/notes.txt"},
		{"fit zarr, a chunk key beyond the grid", "zarr", fitRun, "params/7.0.0"},
	} {
		out := p(fmt.Sprintf("r%d.%s", i, c.ext))
		if code, msg := runIn(t, c.run(out, 0)...); code != 0 {
			t.Fatalf("%s: %s", c.name, msg)
		}
		notes := filepath.Join(out, filepath.FromSlash(strings.TrimSuffix(c.inner, "/")))
		os.MkdirAll(filepath.Dir(notes), 0o755)
		if strings.HasSuffix(c.inner, "/") {
			if err := os.Mkdir(notes, 0o755); err != nil {
				t.Fatal(err)
			}
			c.inner = strings.TrimSuffix(c.inner, "/")
		} else if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, msg := runIn(t, c.run(out, 1)...); code != 1 || !strings.Contains(msg, c.inner) {
			t.Errorf("%s with a user's %s inside: exit %d, %q; want 1 naming it", c.name, c.inner, code, msg)
		}
		// The same job again: nothing to replace.
		if c.run(out, 0)[0] == "pcf" {
			if code, msg := runIn(t, append(c.run(out, 0), "--quiet=false")...); code != 0 || !strings.Contains(msg, "already complete") {
				t.Errorf("%s with a user's %s inside, the same job: exit %d, %q; want 'already complete'", c.name, c.inner, code, msg)
			}
		}
		if _, err := os.Stat(notes); err != nil {
			t.Errorf("%s: the user's %s was lost (%v)", c.name, c.inner, err)
		}
		if top := strings.Split(c.inner, "/")[0]; top == "0" || top == "params" {
			os.Remove(notes) // out of ipcf's array folder
		} else {
			os.RemoveAll(filepath.Join(out, top))
		}
		if code, msg := runIn(t, c.run(out, 1)...); code != 0 {
			t.Errorf("%s after the user's file was moved out: exit %d, %q", c.name, code, msg)
		}
	}
	// Temporary files a killed run left in a result (before 1cc1c3b they
	// were published with it) are ipcf's: the result is replaced.
	out := p("t.ome.zarr")
	if code, msg := runIn(t, pcfRun(out, 0)...); code != 0 {
		t.Fatal(msg)
	}
	for _, f := range []string{".ipcf-123456.tmp", "0/.ipcf-77.tmp", "0/0/0/0/0.tmp"} {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(f)), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, msg := runIn(t, pcfRun(out, 1)...); code != 0 {
		t.Errorf("a result holding a killed run's temporary files: exit %d, %q", code, msg)
	}
}

// TestFitFailedRefitKeepsOldMaps: a refit that fails while writing (here
// a file size limit; a full disk alike) leaves the earlier fit's five
// files as they were, and no temporary file. It removed MAPS.npy first
// and left the new metadata beside a mix of old and new companions.
func TestFitFailedRefitKeepsOldMaps(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	in, acf := p("in.npy"), p("acf.npy")
	if code, msg := runIn(t, "simulate", "-o", in, "--frames", "256", "--size", "24", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, "pcf", in, "-o", acf, "--acf", "--bins", "multitau", "--m", "8", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	files := []string{"m.npy", "m.npy.json", "m.stderr.npy", "m.chisq.npy", "m.status.npy"}
	before := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(p(f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	// 4 KiB (bash counts 1 KiB blocks): more than the metadata, less than the maps.
	cmd := exec.Command("bash", "-c", `ulimit -f 4 && exec "$0" "$@"`, binary(t), "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "3", "--quiet")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "file too large") || !strings.Contains(string(out), "m.npy: ") {
		t.Fatalf("refit under a file size limit: exit %d (%v): %s (want the file named)", code, err, out)
	}
	for _, f := range files {
		if b, err := os.ReadFile(p(f)); err != nil || !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed or went (%v) after a failed refit", f, err)
		}
	}
	if tmp, _ := filepath.Glob(p(".ipcf-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// A rename that fails once the renames began (here after the metadata
	// and the first companion; an immutable file, an I/O error alike): the
	// earlier set is put back. The earlier MAPS.npy was removed, and the new
	// metadata stayed beside the old companions (a fault campaign).
	failed := errors.New("rename failed")
	testHookFitCompanion = func(string) error { return failed }
	code, msg := runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "3", "--quiet")
	testHookFitCompanion = nil
	if code != 1 || !strings.Contains(msg, "rename failed") || !strings.Contains(msg, "the earlier maps are as they were") {
		t.Errorf("refit whose rename fails: exit %d: %s", code, msg)
	}
	for _, f := range files {
		if b, err := os.ReadFile(p(f)); err != nil || !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed or went (%v) after a refit whose rename failed", f, err)
		}
	}
	if tmp, _ := filepath.Glob(p(".ipcf-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// A file that cannot be linked but was never replaced (an immutable
	// companion, whose rename is the one that fails): it is the earlier
	// one, and the set is put back whole (it was taken for lost, and the
	// earlier MAPS.npy with it: a review).
	linkFile = func(old, new string) error {
		if filepath.Base(old) == "m.chisq.npy" {
			return errors.New("operation not permitted")
		}
		return os.Link(old, new)
	}
	testHookFitCompanion = func(string) error { return failed }
	code, msg = runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "3", "--quiet")
	testHookFitCompanion = nil
	linkFile = os.Link
	if code != 1 || !strings.Contains(msg, "the earlier maps are as they were") {
		t.Errorf("refit whose rename fails, a companion not linkable: exit %d: %s", code, msg)
	}
	for _, f := range files {
		if b, err := os.ReadFile(p(f)); err != nil || !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed or went (%v) after a refit whose unlinkable companion was never replaced", f, err)
		}
	}
	// The first fit to a new name fails alike: nothing of it is left.
	testHookFitCompanion = func(string) error { return failed }
	code, msg = runIn(t, "fit", acf, "-o", p("n.npy"), "--model", "acf2d", "--waist", "3", "--quiet")
	testHookFitCompanion = nil
	if left, _ := filepath.Glob(p("n.*")); code != 1 || len(left) > 0 {
		t.Errorf("first fit whose rename fails: exit %d (%s), left %v", code, msg, left)
	}
	if code, msg := runIn(t, "plot", p("m.npy"), "-o", p("m.png"), "--param", "D"); code != 0 {
		t.Errorf("plot of the maps put back: exit %d: %s", code, msg)
	}
	// Where hard links fail (vfat, some FUSE mounts) the companions are not
	// kept: the set left is the one a kill leaves, never the earlier
	// MAPS.npy beside the new metadata (which every later run refused),
	// the message does not say the maps are as they were, and the next fit
	// replaces the set and removes the MAPS.npy kept aside.
	linkFile = func(string, string) error { return errors.New("no hard links here") }
	testHookFitCompanion = func(string) error { return failed }
	code, msg = runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "3", "--quiet")
	testHookFitCompanion = nil
	linkFile = os.Link
	if code != 1 || strings.Contains(msg, "as they were") || !strings.Contains(msg, "could not be kept aside") {
		t.Errorf("refit whose rename fails, no hard links: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(p("m.npy")); err == nil {
		t.Error("the earlier m.npy was put back beside the new metadata")
	}
	if kept, _ := filepath.Glob(p(".ipcf-m.npy-*.old")); len(kept) != 1 {
		t.Errorf("the earlier m.npy is not kept aside: %v", kept)
	}
	// A fit that fails before its renames keeps it (it may be the only copy).
	if code, _ := runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "-1", "--quiet"); code == 0 {
		t.Fatal("a fit with a negative waist exited 0")
	}
	if kept, _ := filepath.Glob(p(".ipcf-m.npy-*.old")); len(kept) != 1 {
		t.Errorf("a failed fit removed the earlier m.npy kept aside: %v", kept)
	}
	if code, msg := runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "3", "--quiet"); code != 0 {
		t.Fatalf("the fit after a failed refit without hard links: exit %d: %s", code, msg)
	}
	if left, _ := filepath.Glob(p(".ipcf-*")); len(left) > 0 {
		t.Errorf("left after the next fit: %v", left)
	}
	if code, msg := runIn(t, "plot", p("m.npy"), "-o", p("m.png"), "--param", "D"); code != 0 {
		t.Errorf("plot of the next fit's maps: exit %d: %s", code, msg)
	}
}

// TestOutputPathThroughLinkThenParent: -o link/../out.npy, where link
// leads to another folder, writes the file beside link's target (the
// system resolves the link before ".."); the job checked the file beside
// link (a lexical clean) and replaced a user's file there with exit 0.
// Now the file written is the file checked: a user's file is refused.
func TestOutputPathThroughLinkThenParent(t *testing.T) {
	dir, p, in := smallInput(t)
	if err := os.MkdirAll(p("real/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "real", "sub"), p("link")); err != nil {
		t.Fatal(err)
	}
	user := []byte("a user's file\n")
	if err := os.WriteFile(p("real/out.npy"), user, 0o644); err != nil {
		t.Fatal(err)
	}
	out := dir + "/link/../out.npy" // not filepath.Join: it would clean the ".." away
	if code, msg := runIn(t, "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 1 || !strings.Contains(msg, "not an ipcf result") {
		t.Errorf("-o link/../out.npy over a user's real/out.npy: exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(p("real/out.npy")); !bytes.Equal(b, user) {
		t.Fatal("the user's file was replaced")
	}
	os.Remove(p("real/out.npy"))
	if code, msg := runIn(t, "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatalf("-o link/../out.npy: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(p("real/out.npy.json")); err != nil {
		t.Errorf("the result and its sidecar are not beside link's target: %v", err)
	}
	if code, msg := runIn(t, "pcf", in, "-o", p("real/out.npy"), "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 || !strings.Contains(msg+"already complete", "already complete") {
		t.Errorf("the same output spelt real/out.npy: exit %d: %s", code, msg)
	}
}

// TestKilledPublishingErrorsThenRunWithout: a run with error bars killed
// once it had renamed them into place, followed by a run without error
// bars (another job: its scratch replaced), left them for good, and every
// later run with error bars refused them as a user's file. The run
// without removes them (the killed run's commit names their checksum).
func TestKilledPublishingErrorsThenRunWithout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary (-short)")
	}
	_, p, in := smallInput(t)
	out := p("o.npy")
	args := []string{"pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"}
	cmd := exec.Command(binary(t), append(args, "--errors", "blocking")...)
	cmd.Env = append(os.Environ(), "IPCF_FAULT_KILL=publish-errors")
	if msg, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the fault point was not reached: %s", msg)
	}
	if _, err := os.Stat(p("o.sd.npy")); err != nil {
		t.Fatalf("killed after the error bars' rename: %v", err)
	}
	if code, msg := runIn(t, args...); code != 0 {
		t.Fatalf("run without error bars: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(p("o.sd.npy")); !os.IsNotExist(err) {
		t.Errorf("the killed run's error bars are still there (%v)", err)
	}
	if code, msg := runIn(t, append(args, "--errors", "blocking")...); code != 0 {
		t.Fatalf("run with error bars after: exit %d: %s", code, msg)
	}
}

// sealed is the metadata m as ipcf writes it (ooc.Seal): a test that
// edits a sidecar to stand for one ipcf wrote so writes it back sealed.
func sealed(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := ooc.Seal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDamagedOutputRerunAdvice: an output of ipcf simulate damaged since
// (a byte changed) is refused as an input with advice that works: the
// rerun of simulate refused it saying "no sidecar s.npy.json describing
// it", which was there; it now says that the sidecar records other bytes,
// and the rerun after removing the file writes it again.
func TestDamagedOutputRerunAdvice(t *testing.T) {
	dir := t.TempDir()
	s := filepath.Join(dir, "s.npy")
	sim := []string{"simulate", "-o", s, "--frames", "128", "--size", "8", "--quiet"}
	if code, msg := runIn(t, sim...); code != 0 {
		t.Fatal(code, msg)
	}
	clean, _ := os.ReadFile(s)
	b := append([]byte(nil), clean...)
	b[len(b)-7] ^= 0x20
	os.WriteFile(s, b, 0o644)
	code, msg := runIn(t, "pcf", s, "-o", filepath.Join(dir, "r.npy"), "--radius", "1", "--npoints", "4", "--quiet")
	if code != 1 || !strings.Contains(msg, "remove it and compute it again with ipcf simulate") {
		t.Errorf("pcf of a damaged simulate output: exit %d: %s", code, msg)
	}
	code, msg = runIn(t, sim...)
	if code != 1 || !strings.Contains(msg, "s.npy.json is ipcf's but records other bytes") || strings.Contains(msg, "no sidecar") {
		t.Errorf("simulate over its damaged output: exit %d: %s", code, msg)
	}
	if got, _ := os.ReadFile(s); !bytes.Equal(got, b) {
		t.Error("the damaged file was replaced (it may be a user's)")
	}
	os.Remove(s)
	if code, msg := runIn(t, sim...); code != 0 {
		t.Fatalf("simulate after the damaged file was removed: exit %d: %s", code, msg)
	}
	if got, _ := os.ReadFile(s); !bytes.Equal(got, clean) {
		t.Error("the rerun wrote other bytes")
	}
}

// TestPlotResultWithoutItsMetadata: a .npy result without its sidecar
// while an ipcf run holds the output's lock (publishing: the earlier
// sidecar is removed before the renames) is drawn once the sidecar is
// there; with the lock of a run that was stopped (killed while it
// published), refused, naming the run; without a lock, a user's array,
// drawn as it is. Both were drawn unlabelled and unchecked with exit 0
// (a campaign's finding).
func TestPlotResultWithoutItsMetadata(t *testing.T) {
	_, p, in := smallInput(t)
	res := p("r.npy")
	if code, msg := runIn(t, "pcf", in, "-o", res, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	side, err := os.ReadFile(res + ".json")
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(filepath.Dir(res), ".r.npy.lock")
	// A live run: this process. Its sidecar comes 0.3 s later.
	os.Remove(res + ".json")
	os.WriteFile(lock, []byte(fmt.Sprintf("pid %d on %s since now\n", os.Getpid(), host)), 0o644)
	done := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		os.WriteFile(res+".json", side, 0o644)
		close(done)
	}()
	code, msg := runIn(t, "plot", res, "-o", p("live.png"))
	<-done
	if code != 0 {
		t.Errorf("with the sidecar published 0.3 s later: exit %d, %q", code, msg)
	}
	// A stopped run's lock: refused.
	os.Remove(res + ".json")
	os.WriteFile(lock, []byte(fmt.Sprintf("pid %d on %s since then\n", dead.Process.Pid, host)), 0o644)
	if code, msg := runIn(t, "plot", res, "-o", p("dead.png")); code != 1 || !strings.Contains(msg, "was stopped before it finished") {
		t.Errorf("with a stopped run's lock: exit %d, %q; want 1, saying so", code, msg)
	}
	if _, err := os.Stat(p("dead.png")); err == nil {
		t.Error("with a stopped run's lock: a picture was drawn")
	}
	// A stopped run whose pid a live process took over (this one, started
	// at another time than the lock records): stopped too. It was taken
	// for a live run, waited for, and refused as one "being written".
	os.WriteFile(lock, []byte(fmt.Sprintf("pid %d on %s since then\nstart 1\n", os.Getpid(), host)), 0o644)
	if code, msg := runIn(t, "plot", res, "-o", p("reused.png")); code != 1 || !strings.Contains(msg, "was stopped before it finished") {
		t.Errorf("with a stopped run's lock, its pid taken over: exit %d, %q; want 1, saying it was stopped", code, msg)
	}
	// The same result spelt through a link and "..": the lock is looked
	// for where the writers take it (it was not, and the picture drawn).
	for _, d := range []string{"t", "w"} {
		if err := os.Mkdir(p(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(p("t"), p("w/L")); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "plot", p("w/L")+"/../r.npy", "-o", p("dead2.png")); code != 1 || !strings.Contains(msg, "was stopped before it finished") {
		t.Errorf("through w/L/.. with a stopped run's lock: exit %d, %q; want 1, saying so", code, msg)
	}
	// Error bars by their result's lock (drawn as curves, unlabelled,
	// exit 0: REVIEW4's F4), as every binding asks it.
	sd := p("r.sd.npy")
	if b, err := os.ReadFile(res); err != nil || os.WriteFile(sd, b, 0o644) != nil {
		t.Fatal("copy")
	}
	if code, msg := runIn(t, "plot", sd, "-o", p("sd.png")); code != 1 || !strings.Contains(msg, "r.sd.npy has no metadata (") ||
		!strings.Contains(msg, "r.npy.json), and the ipcf run that wrote it") {
		t.Errorf("error bars beside their result's stopped lock: exit %d, %q; want 1, naming the result's metadata", code, msg)
	}
	// Beside a stopped run's lock of their own name (a run takes it too):
	// their metadata named, the result's (it named r.sd.npy.json, which no
	// run writes: REVIEW6's F6).
	if b, err := os.ReadFile(job.LockName(res)); err != nil || os.WriteFile(job.LockName(sd), b, 0o644) != nil {
		t.Fatal("copy the lock")
	}
	if code, msg := runIn(t, "plot", sd, "-o", p("sd.png")); code != 1 || !strings.Contains(msg, "r.npy.json), and the ipcf run that wrote it") {
		t.Errorf("error bars beside a stopped run's lock of their own: exit %d, %q; want 1, naming the result's metadata", code, msg)
	}
	os.Remove(job.LockName(sd))
	// Error bars their result's metadata record are told apart by those at
	// once, whatever lock their own name has (plot waited 5 s for
	// e.sd.npy.json, which no run writes: REVIEW5's F2).
	os.Remove(sd)
	// Missing error bars are named missing, not as a run's output without
	// metadata (REVIEW5's F7).
	if code, msg := runIn(t, "plot", p("r.sd.npy"), "-o", p("gone.png")); code != 1 || !strings.Contains(msg, "no such file") {
		t.Errorf("missing error bars beside their result's stopped lock: exit %d, %q; want them named missing", code, msg)
	}
	if code, msg := runIn(t, "pcf", in, "-o", p("e.npy"), "--radius", "2", "--npoints", "4", "--nbins", "8", "--errors", "blocking", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	sdLock := p(".e.sd.npy.lock")
	os.WriteFile(sdLock, []byte("pid 5 on another-host since then\n"), 0o644)
	t0 := time.Now()
	if code, msg := runIn(t, "plot", p("e.sd.npy"), "-o", p("sd2.png")); code == 0 || !strings.Contains(msg, "holds the error bars of the result") || time.Since(t0) > 3*time.Second {
		t.Errorf("error bars beside a lock of their own name: exit %d, %q after %v; want the error bars named at once", code, msg, time.Since(t0))
	}
	os.Remove(sdLock)
	// No lock: a user's array, drawn.
	os.Remove(lock)
	if code, msg := runIn(t, "plot", res, "-o", p("user.png")); code != 0 {
		t.Errorf("a .npy without metadata or lock: exit %d, %q", code, msg)
	}
}

// TestPlotNamesKeptMaps: a fit stopped while it replaced its maps leaves
// MAPS.npy renamed aside (.ipcf-MAPS.npy-DIGITS.old); plot of MAPS.npy
// names that file, where it said only "no such file" (a campaign's
// finding); a fit to MAPS.npy then writes a whole set and removes it.
func TestPlotNamesKeptMaps(t *testing.T) {
	p, _, acf := smallACF(t)
	fit := []string{"fit", acf, "-o", p("maps.npy"), "--model", "acf2d", "--waist", "2", "--quiet"}
	if code, msg := runIn(t, fit...); code != 0 {
		t.Fatal(code, msg)
	}
	kept := p(".ipcf-maps.npy-4242.old")
	if err := os.Rename(p("maps.npy"), kept); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "plot", p("maps.npy"), "-o", p("m.png")); code != 1 || !strings.Contains(msg, kept) {
		t.Errorf("plot of maps renamed aside: exit %d, %q; want 1, naming %s", code, msg, kept)
	}
	if code, msg := runIn(t, fit...); code != 0 {
		t.Fatal(code, msg)
	}
	if _, err := os.Stat(kept); !os.IsNotExist(err) {
		t.Errorf("the kept maps after a new fit: %v", err)
	}
	if code, msg := runIn(t, "plot", p("maps.npy"), "-o", p("m.png")); code != 0 {
		t.Errorf("plot after the new fit: exit %d, %q", code, msg)
	}
}

// TestPlotMapsZarrWithoutMetadata: fit's maps in Zarr whose group
// .zattrs is gone are named as such, with or without --param (they were
// "an OME-Zarr result: ipcf plot reads .npy results", or "not maps" with
// the usage text: a campaign's finding); a pCF result's Zarr points to
// Python's readers of it.
func TestPlotMapsZarrWithoutMetadata(t *testing.T) {
	p, in, acf := smallACF(t)
	if code, msg := runIn(t, "fit", acf, "-o", p("maps.zarr"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if err := os.Remove(p("maps.zarr/.zattrs")); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--param", "D"}} {
		args := append([]string{"plot", p("maps.zarr"), "-o", p("m.png")}, extra...)
		if code, msg := runIn(t, args...); code != 1 || !strings.Contains(msg, "holds the arrays of ipcf fit's maps, but not their metadata") {
			t.Errorf("plot %v of maps without .zattrs: exit %d, %q", extra, code, msg)
		}
	}
	if code, msg := runIn(t, "pcf", in, "-o", p("r.zarr"), "--acf", "--nbins", "8", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if code, msg := runIn(t, "plot", p("r.zarr"), "-o", p("r.png")); code != 1 || !strings.Contains(msg, "ipcf.open_result and ipcf.plot read Zarr") {
		t.Errorf("plot of a pCF Zarr: exit %d, %q", code, msg)
	}
	// a pCF over a Zarr result whose .zattrs are gone: refused, saying what to do (JOBKILL18's m1)
	if err := os.Remove(p("r.zarr/.zattrs")); err != nil {
		t.Fatal(err)
	}
	if code, msg := runIn(t, "pcf", in, "-o", p("r.zarr"), "--acf", "--nbins", "8", "--quiet"); code != 1 ||
		!strings.Contains(msg, "is not an ipcf result (no ipcf .zattrs): not replacing it; remove it or choose another name") {
		t.Errorf("pcf over a Zarr without .zattrs: exit %d, %q", code, msg)
	}
}

// TestFitFolderWithGlobCharacters: a fit into run[1]/ removes the maps a
// killed fit kept in run[1]/ only: the folder's name was read as a glob
// pattern, matching run1/, whose kept maps, their only copy, went (a
// campaign's finding).
func TestFitFolderWithGlobCharacters(t *testing.T) {
	p, _, acf := smallACF(t)
	for _, d := range []string{"run[1]", "run1"} {
		if err := os.Mkdir(p(d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p(d+"/.ipcf-maps.npy-77.old"), []byte("kept maps of "+d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, msg := runIn(t, "fit", acf, "-o", p("run[1]/maps.npy"), "--model", "acf2d", "--waist", "2", "--quiet"); code != 0 {
		t.Fatal(code, msg)
	}
	if _, err := os.Stat(p("run1/.ipcf-maps.npy-77.old")); err != nil {
		t.Errorf("run1's kept maps after a fit into run[1]: %v", err)
	}
	if _, err := os.Stat(p("run[1]/.ipcf-maps.npy-77.old")); !os.IsNotExist(err) {
		t.Errorf("run[1]'s own kept maps after its fit: %v", err)
	}
}

// TestFitWaitsForAPublication: fit of a result whose metadata are gone
// while a live run holds its lock (a pcf rerun publishing over it) says
// the run writes it, as plot does: it said "r.npy.json not found: fit needs
// the result's metadata" (FITPLOT16's F1). The wait is plot's, 5 s.
func TestFitWaitsForAPublication(t *testing.T) {
	p, _, acf := smallACF(t)
	if err := os.Rename(acf+".json", p("aside.json")); err != nil {
		t.Fatal(err)
	}
	unlock, err := job.Lock(acf)
	if err != nil {
		t.Fatal(err)
	}
	code, msg := runIn(t, "fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "2", "--quiet")
	unlock()
	if code == 0 || strings.Contains(msg, "not found: fit needs the result's metadata") || !strings.Contains(msg, "being written by") {
		t.Errorf("fit during a live publication: exit %d, %q; want the run writing it named", code, msg)
	}
}

// TestWaitsHeedCancel: plot's and fit's waits for a live run publishing
// (its lock held, its metadata or maps not there yet) end at a signal with
// the cancellation, not after their 5 s with "being written" (CLI16's m22:
// Ctrl+C went unheeded for the wait).
func TestWaitsHeedCancel(t *testing.T) {
	p, _, acf := smallACF(t)
	if err := os.Rename(acf+".json", p("aside.json")); err != nil {
		t.Fatal(err)
	}
	gone := p("gone.npy")
	for _, f := range []string{acf, gone} {
		unlock, err := job.Lock(f)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{
		{"plot", acf, "-o", p("c.png")},  // checkSeal: the result's metadata
		{"plot", gone, "-o", p("g.png")}, // waitLiveFit: maps a fit replaces
		{"fit", acf, "-o", p("m.npy"), "--model", "acf2d", "--waist", "2", "--quiet"},
	} {
		cmd := cmdPlot
		if args[0] == "fit" {
			cmd = cmdFit
		}
		err := cmd(ctx, args[1:], &stdout, &stderr)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v, cancelled during a live run's publication: %v; want the cancellation", args, err)
		}
	}
	for _, f := range []string{"c.png", "g.png", "m.npy"} {
		if _, err := os.Lstat(p(f)); !os.IsNotExist(err) {
			t.Errorf("a cancelled command wrote %s", f)
		}
	}
}

// TestFitZarrEditedInPlaceKept: maps in a Zarr folder whose chunk a user
// changed in place are not replaced by a refit, as a pCF result's are not
// (ZARR17's F1: the refit replaced the folder, exit 0); untouched maps are.
func TestFitZarrEditedInPlaceKept(t *testing.T) {
	p, _, acf := smallACF(t)
	maps := p("m.zarr")
	fit := func() (int, string) {
		return runIn(t, "fit", acf, "-o", maps, "--model", "acf2d", "--waist", "2", "--quiet")
	}
	for i := 0; i < 2; i++ {
		if code, msg := fit(); code != 0 {
			t.Fatalf("fit %d: %d %s", i, code, msg)
		}
	}
	chunk := filepath.Join(maps, "params", "0.0.0")
	b, err := os.ReadFile(chunk)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(chunk, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := fit(); code != 1 || !strings.Contains(msg, "its params/0.0.0 was changed since ipcf wrote it") {
		t.Errorf("refit over edited maps: exit %d, %s; want 1 naming the chunk", code, firstLine(msg))
	}
	if got, _ := os.ReadFile(chunk); !bytes.Equal(got, b) {
		t.Error("the edited chunk was replaced")
	}
	// An attribute a user added to an array of the maps (zarr's r+ mode:
	// params/.zattrs): kept too (REVIEW19's F2).
	b[len(b)-1] ^= 1
	os.WriteFile(chunk, b, 0o644)
	attrs := filepath.Join(maps, "params", ".zattrs")
	a, _ := os.ReadFile(attrs)
	mine := bytes.Replace(a, []byte("{"), []byte("{\n \"note\": \"mine\","), 1)
	os.WriteFile(attrs, mine, 0o644)
	if code, msg := fit(); code != 1 || !strings.Contains(msg, "its params/.zattrs was changed since ipcf wrote it") {
		t.Errorf("refit over maps with a user's attribute: exit %d, %s; want 1 naming params/.zattrs", code, firstLine(msg))
	}
	if got, _ := os.ReadFile(attrs); !bytes.Equal(got, mine) {
		t.Error("the user's attribute was lost")
	}
}

// TestPartialOutputRefused: the partial output of a run (.OUT.partial, a
// stopped or running job's unfinished result, its bands not computed yet
// zeros) is refused by plot and fit: plot drew a full disk's leftover,
// exit 0 (DISK17's F1).
func TestPartialOutputRefused(t *testing.T) {
	p, _, acf := smallACF(t)
	b, err := os.ReadFile(acf)
	if err != nil {
		t.Fatal(err)
	}
	partial := p(".acf.npy.partial")
	if err := os.WriteFile(partial, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"plot", partial, "-o", p("c.png")},
		{"fit", partial, "-o", p("m.npy"), "--model", "acf2d", "--waist", "2"},
	} {
		if code, msg := runIn(t, args...); code != 1 || !strings.Contains(msg, "is the unfinished output of an ipcf run writing "+acf) {
			t.Errorf("%v: exit %d, %s; want 1, the unfinished output of the run writing acf.npy", args[:2], code, firstLine(msg))
		}
	}
	for _, s := range []string{p(".r.zarr.partial/"), p(".r.zarr.partial/."), p(".r.zarr.partial/0")} {
		if got := ooc.PartialOf(s); got != p("r.zarr") {
			t.Errorf("PartialOf(%s) of a Zarr's partial folder: %q", s, got)
		}
	}
	for _, s := range []string{p("r.npy"), p(".partial"), p("..partial"), p("x.partial"), p(".x.partial.npy")} {
		if got := ooc.PartialOf(s); got != "" {
			t.Errorf("PartialOf(%s) = %q, want none", filepath.Base(s), got)
		}
	}
}
