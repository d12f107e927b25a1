package main

import (
	"os"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"path/filepath"
	"strings"
	"testing"
)

// cliDir gives a test's temporary folder as p(name) and run(args...),
// which runs the CLI and fails the test unless it exits 0.
func cliDir(t *testing.T) (p func(string) string, run func(...string)) {
	dir := t.TempDir()
	p = func(name string) string { return filepath.Join(dir, name) }
	run = func(args ...string) {
		t.Helper()
		if code, msg := ipcf(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, msg)
		}
	}
	return p, run
}

// TestResultReplacedWhileRead: a result (or maps) replaced with its
// metadata while fit or plot reads them (a rerun of ipcf pcf with other
// options) is refused: the checksum is taken of the bytes then read, not
// of the file the path names by then. A result opened before its metadata
// are read was checked on the new file, which matched the new metadata,
// and the old result was fitted or drawn under them; maps checked before
// they were opened were read new under the old metadata (exit 0 either
// way; an adversarial campaign saw it 1 in 300 fits).
func TestResultReplacedWhileRead(t *testing.T) {
	p, run := cliDir(t)
	run("simulate", "-o", p("in.npy"), "--frames", "512", "--size", "10", "--quiet")
	common := []string{"--radius", "1", "--npoints", "4", "--nbins", "10", "--smooth", "0", "--quiet"}
	run(append([]string{"pcf", p("in.npy"), "-o", p("a.npy"), "--bins", "log"}, common...)...)
	run(append([]string{"pcf", p("in.npy"), "-o", p("b.npy"), "--frames", "0:500"}, common...)...)
	run("fit", p("a.npy"), "-o", p("m.npy"), "--waist", "1", "--quiet")
	run("fit", p("a.npy"), "-o", p("m2.npy"), "--waist", "2", "--quiet")
	cp := func(from, to string) {
		t.Helper()
		for _, s := range []string{"", ".json"} {
			b, err := os.ReadFile(from + s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to+s, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// replaceOnOpen arms the hook: when target is opened, next (a copy of
	// another result with its sidecar) is renamed over it.
	replaceOnOpen := func(target, next string) {
		testHookOpened = func(path string) {
			if path != target {
				return
			}
			testHookOpened = nil
			for _, s := range []string{"", ".json"} {
				if err := os.Rename(next+s, target+s); err != nil {
					t.Error(err)
				}
			}
		}
	}
	t.Cleanup(func() { testHookOpened = nil })
	for _, c := range []struct {
		what, target, first, second string
		args                        []string
	}{
		{"fit", p("x.npy"), p("a.npy"), p("b.npy"), []string{"fit", p("x.npy"), "-o", p("fx.npy"), "--waist", "1", "--quiet"}},
		{"plot of a result", p("x.npy"), p("a.npy"), p("b.npy"), []string{"plot", p("x.npy"), "-o", p("x.png"), "--pixel", "3,3"}},
		{"plot of maps", p("m.npy"), "", p("m2.npy"), []string{"plot", p("m.npy"), "-o", p("m.png"), "--param", "D"}},
	} {
		if c.first != "" {
			cp(c.first, c.target)
		}
		cp(c.second, p("next.npy"))
		replaceOnOpen(c.target, p("next.npy"))
		code, msg := ipcf(t, c.args...)
		if testHookOpened != nil {
			t.Fatalf("%s: the hook did not run", c.what)
		}
		if code != 1 || !strings.Contains(msg, "its checksum is not the one") {
			t.Errorf("%s of a file replaced while it was read: exit %d, %q; want 1, the checksum refused", c.what, code, msg)
		}
	}
}

// TestResultRewrittenWhileRead: a result (or its error bars) rewritten in
// place after fit checked its checksum and before it copied its samples
// fails the fit with source.ErrChanged and writes no maps (it exited 0
// with maps of the rewritten pixels: an adversarial campaign, 5 of 5);
// plot of a result or of maps rewritten so draws nothing.
func TestResultRewrittenWhileRead(t *testing.T) {
	p, run := cliDir(t)
	run("simulate", "-o", p("in.npy"), "--frames", "512", "--size", "10", "--quiet")
	run("pcf", p("in.npy"), "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "8", "--smooth", "0", "--errors", "blocking", "--quiet")
	t.Cleanup(func() { testHookChecked = nil })
	for _, target := range []string{p("r.npy"), p("r.sd.npy")} {
		orig, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		testHookChecked = func(path string) {
			if path != target {
				return
			}
			hit = true
			f, err := os.OpenFile(target, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte{0x12, 0x34, 0x56, 0x78}, int64(len(orig)-64)) // a sample of the last pixel
			f.Close()
		}
		out := p("m.npy")
		code, msg := ipcf(t, "fit", p("r.npy"), "-o", out, "--waist", "1", "--quiet")
		testHookChecked = nil
		if !hit {
			t.Fatalf("%s: the hook did not run", target)
		}
		if code != 1 || !strings.Contains(msg, "changed while it was read") || !strings.Contains(msg, filepath.Base(target)) {
			t.Errorf("fit with %s rewritten while read: exit %d, %q; want 1, naming it as changed", target, code, msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("fit with %s rewritten while read wrote maps", target)
		}
		if err := os.WriteFile(target, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("fit", p("r.npy"), "-o", p("m.npy"), "--waist", "1", "--quiet")
	// plot of the result, of one pixel and of one bin
	for _, args := range [][]string{{"--pixel", "3,3"}, {"--point", "1", "--bin", "2"}} {
		orig, _ := os.ReadFile(p("r.npy"))
		testHookChecked = func(path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt([]byte{0x12, 0x34, 0x56, 0x78}, int64(len(orig)-64))
			f.Close()
		}
		code, msg := ipcf(t, append([]string{"plot", p("r.npy"), "-o", p("r.png")}, args...)...)
		testHookChecked = nil
		if code != 1 || !strings.Contains(msg, "changed while it was read") {
			t.Errorf("plot %v with the result rewritten while read: exit %d, %q; want 1, changed", args, code, msg)
		}
		if _, err := os.Stat(p("r.png")); err == nil {
			t.Errorf("plot %v with the result rewritten while read drew it", args)
		}
		os.WriteFile(p("r.npy"), orig, 0o644)
	}
	// plot of the maps
	orig, _ := os.ReadFile(p("m.npy"))
	testHookChecked = func(path string) {
		if filepath.Base(path) != "m.npy" {
			return
		}
		f, _ := os.OpenFile(path, os.O_WRONLY, 0)
		f.WriteAt([]byte{0x12, 0x34, 0x56, 0x78}, int64(len(orig)-8))
		f.Close()
	}
	code, msg := ipcf(t, "plot", p("m.npy"), "-o", p("m.png"), "--param", "D")
	testHookChecked = nil
	if code != 1 || !strings.Contains(msg, "changed while it was read") {
		t.Errorf("plot of maps rewritten while read: exit %d, %q; want 1, changed", code, msg)
	}
	if _, err := os.Stat(p("m.png")); err == nil {
		t.Error("plot of maps rewritten while read drew them")
	}
}

// TestPlotForeignSidecar: plot refuses a result whose sidecar is JSON but
// not ipcf's metadata (null, [], {}, another program's object), as fit
// and pcf do: it drew such a result as a user's array, its checksum
// unchecked; fit says so too (for [] it gave Go's unmarshal error).
// Without a sidecar the array is drawn as it is.
func TestPlotForeignSidecar(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	if code, msg := ipcf(t, "simulate", "-o", p("in.npy"), "--frames", "256", "--size", "10", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", p("in.npy"), "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "6", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for _, side := range []string{"null", "[]", "{}", `{"software": "other", "shape": [8, 8, 4, 6]}`} {
		if err := os.WriteFile(p("r.npy.json"), []byte(side+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{}, {"--pixel", "2,2"}} {
			code, msg := ipcf(t, append([]string{"plot", p("r.npy"), "-o", p("r.png")}, args...)...)
			if code != 1 || !strings.Contains(msg, "not ipcf's metadata") || !strings.Contains(msg, "r.npy.json") {
				t.Errorf("plot %v with sidecar %s: exit %d, %q; want 1, not ipcf's metadata", args, side, code, msg)
			}
			if _, err := os.Stat(p("r.png")); err == nil {
				t.Errorf("plot %v with sidecar %s drew the result", args, side)
				os.Remove(p("r.png"))
			}
		}
		code, msg := ipcf(t, "fit", p("r.npy"), "-o", p("m.npy"), "--quiet")
		if code != 1 || !strings.Contains(msg, "not ipcf's metadata") || strings.Contains(msg, "unmarshal") {
			t.Errorf("fit with sidecar %s: exit %d, %q; want 1, not ipcf's metadata", side, code, msg)
		}
	}
	os.Remove(p("r.npy.json"))
	if code, msg := ipcf(t, "plot", p("r.npy"), "-o", p("r.png")); code != 0 {
		t.Errorf("plot of an array without metadata: exit %d, %q", code, msg)
	}
}

// TestConvolveInputChangedWhileRead: convolve read its inputs through
// their mappings; an image cut short while it was read ended the process
// (SIGBUS, a Go stack trace, exit 2: a campaign's finding), and one
// rewritten meanwhile was mixed into the result. Both are exit 1 naming
// the file as changed, with no output; so is a kernel cut short.
func TestConvolveInputChangedWhileRead(t *testing.T) {
	p, run := cliDir(t)
	img := make([]byte, 8*64*64) // float64 (64, 64): 8 pages
	for i := range img {
		img[i] = byte(i*7 + 3)
	}
	if err := npy.WriteFile(p("img.npy"), array.Float64, []int{64, 64}, img); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(p("k.npy"), array.Float64, []int{3, 3}, make([]byte, 8*9)); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(p("img.npy"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testHookOpened = nil })
	for _, c := range []struct {
		name, target string
		change       func(path string) error
	}{
		{"image cut short", "img.npy", func(path string) error { return os.Truncate(path, 200) }},
		{"kernel cut short", "k.npy", func(path string) error { return os.Truncate(path, 100) }},
		{"image rewritten", "img.npy", func(path string) error {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte{1, 2, 3, 4, 5, 6, 7, 8}, int64(len(orig)-8))
			return err
		}},
	} {
		kernel, _ := os.ReadFile(p("k.npy"))
		hit := false
		testHookOpened = func(path string) {
			if filepath.Base(path) == c.target {
				hit = true
				if err := c.change(path); err != nil {
					t.Fatal(err)
				}
			}
		}
		code, msg := ipcf(t, "convolve", p("img.npy"), p("k.npy"), "-o", p("c.npy"))
		testHookOpened = nil
		if !hit {
			t.Fatalf("%s: the hook did not run", c.name)
		}
		if code != 1 || !strings.Contains(msg, "changed while it was read") || !strings.Contains(msg, c.target) {
			t.Errorf("%s: exit %d, %q; want 1, naming %s as changed", c.name, code, msg, c.target)
		}
		if _, err := os.Stat(p("c.npy")); err == nil {
			t.Errorf("%s: an output was written", c.name)
		}
		if err := os.WriteFile(p("img.npy"), orig, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p("k.npy"), kernel, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("convolve", p("img.npy"), p("k.npy"), "-o", p("c.npy"))
}
