package ooc

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRealPathAndOutputPath: a path is resolved as the system resolves
// it, each link before the ".." that follows it: other/link/.. is the
// folder above link's target, not other; relative paths are resolved
// against the working folder the system has, also when it was entered
// through a link ($PWD spelling the link). OutputPath resolves the folder
// only, and leaves a missing folder as given.
func TestRealPathAndOutputPath(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := func(s string) string { return filepath.Join(dir, s) }
	for _, d := range []string{"real/sub", "other"} {
		if err := os.MkdirAll(p(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(p("real/sub"), p("other/link")); err != nil {
		t.Fatal(err)
	}
	if got, err := RealPath(dir + "/other/link/.."); err != nil || got != p("real") {
		t.Errorf("RealPath(other/link/..) = %q, %v; want %q", got, err, p("real"))
	}
	if got, err := OutputPath(dir + "/other/link/../out.npy"); err != nil || got != p("real/out.npy") {
		t.Errorf("OutputPath(other/link/../out.npy) = %q, %v; want %q", got, err, p("real/out.npy"))
	}
	if got, err := OutputPath(dir + "/other/link/out.npy"); err != nil || got != p("real/sub/out.npy") {
		t.Errorf("OutputPath(other/link/out.npy) = %q, %v; want %q", got, err, p("real/sub/out.npy"))
	}
	if got, err := OutputPath(dir + "/missing/out.npy"); err != nil || got != p("missing/out.npy") {
		t.Errorf("OutputPath(missing/out.npy) = %q, %v", got, err)
	}
	// From a working folder entered through the link, as a shell does.
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(p("other/link")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PWD", p("other/link"))
	if got, err := OutputPath("../out.npy"); err != nil || got != p("real/out.npy") {
		t.Errorf("OutputPath(../out.npy) in other/link = %q, %v; want %q", got, err, p("real/out.npy"))
	}
	if ScratchDir("", "../out.npy") != ScratchDir("", p("real/out.npy")) {
		t.Error("one output spelt two ways has two scratch folders")
	}
}
