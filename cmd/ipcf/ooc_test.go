package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/ooc"
)

// TestUserEntryAtScratchName: a user's file, or a folder of the user's
// files, at the name of an output's scratch folder is left as it is and
// the run refused naming it (exit 1), out of core and in memory. The file was removed after a failure saying "job.json:
// not a directory", the folder silently (OOC15's F1). An empty folder
// there, as a run killed before its job record leaves, is taken.
func TestUserEntryAtScratchName(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "512", "--size", "16", "--quiet"); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, msg)
	}
	out := filepath.Join(dir, "o.npy")
	scratch := ooc.ScratchDir("", out)
	run := func(engine string) (int, string) {
		os.Remove(out)
		os.Remove(out + ".json")
		return ipcf(t, "pcf", in, "-o", out, "--radius", "2", "--engine", engine, "--memory", "45MiB", "--quiet")
	}
	for _, c := range []struct {
		name string
		make func() error
		kept string // a file that must be left as it is
	}{
		{"a file", func() error { return os.WriteFile(scratch, []byte("user data"), 0o644) }, scratch},
		{"a folder of the user's", func() error {
			if err := os.Mkdir(scratch, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(scratch, "notes.txt"), []byte("precious"), 0o644)
		}, filepath.Join(scratch, "notes.txt")},
		// a file named job.json was taken for ipcf's record (REVIEW15's m6)
		{"a folder of the user's with a job.json", func() error {
			if err := os.Mkdir(scratch, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(scratch, "job.json"), []byte("{}"), 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(scratch, "notes.txt"), []byte("precious"), 0o644)
		}, filepath.Join(scratch, "notes.txt")},
		// the name a removal renames the folder to (REVIEW15's F6)
		{"a folder of the user's at the trash name", func() error {
			if err := os.Mkdir(scratch+".trash", 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(scratch+".trash", "notes.txt"), []byte("precious"), 0o644)
		}, filepath.Join(scratch+".trash", "notes.txt")},
	} {
		os.RemoveAll(scratch)
		os.RemoveAll(scratch + ".trash")
		if err := c.make(); err != nil {
			t.Fatal(err)
		}
		for _, engine := range []string{"ooc", "memory"} { // (both keep their journal there)
			code, msg := run(engine)
			if code != 1 || !strings.Contains(msg, "is not an ipcf scratch folder") || !strings.Contains(msg, scratch) {
				t.Errorf("%s at the scratch name, --engine %s: exit %d: %s; want 1, refused naming it", c.name, engine, code, msg)
			}
		}
		if b, err := os.ReadFile(c.kept); err != nil || (string(b) != "user data" && string(b) != "precious") {
			t.Errorf("%s at the scratch name: not left as it was (%v, %q)", c.name, err, b)
		}
	}
	os.RemoveAll(scratch)
	os.RemoveAll(scratch + ".trash")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, msg := run("ooc"); code != 0 {
		t.Errorf("an empty scratch folder (a run killed before its job record): exit %d: %s", code, msg)
	}
	// ipcf's own files without the job record (an older ipcf's removal in
	// place, killed half-way): taken as ipcf's, not refused (REVIEW15's F2)
	os.RemoveAll(scratch)
	if err := os.Mkdir(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"journal", "tile-00003.bin", "tile2-00003.bin"} {
		if err := os.WriteFile(filepath.Join(scratch, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, engine := range []string{"ooc", "memory"} {
		if code, msg := run(engine); code != 0 {
			t.Errorf("ipcf's scratch files without a job record, --engine %s: exit %d: %s", engine, code, msg)
		}
	}
	// ipcf's own trash (a removal killed half-way): removed by the next run
	for _, d := range []string{scratch, scratch + ".trash"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"job.json", "journal", "tile-00001.bin"} {
			if err := os.WriteFile(filepath.Join(d, n), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if code, msg := run("ooc"); code != 0 {
		t.Errorf("ipcf's scratch and trash of a killed removal: exit %d: %s", code, msg)
	}
	if _, err := os.Lstat(scratch + ".trash"); !os.IsNotExist(err) {
		t.Errorf("ipcf's trash of a killed removal left after a run: %v", err)
	}
}
