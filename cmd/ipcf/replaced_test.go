package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResultReplacedWhileRead: a result (or maps) replaced with its
// metadata while fit or plot reads them (a rerun of ipcf pcf with other
// options) is refused: the checksum is taken of the bytes then read, not
// of the file the path names by then. A result opened before its metadata
// are read was checked on the new file, which matched the new metadata,
// and the old result was fitted or drawn under them; maps checked before
// they were opened were read new under the old metadata (exit 0 either
// way; an adversarial campaign saw it 1 in 300 fits).
func TestResultReplacedWhileRead(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) {
		t.Helper()
		if code, msg := ipcf(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, msg)
		}
	}
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
