package source

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/internal/asuser"
)

// TestGlobAsFilepath: Glob matches what filepath.Glob matches, in the same
// order, for patterns over folders that can be read.
func TestGlobAsFilepath(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/x1.tif", "a/x2.tif", "a/.x3.tif", "b/x1.tif", "b/c/x1.tif", "bb/y.tif", "[k]/x.tif", "f.tif"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"*/x*.tif", "a/*", "b*/*.tif", "*/*/x1.tif", "f.tif", "none/*.tif", "*/.x*", "f.tif/*", "[[]k]/*", "?/x1.tif", "a/x[12].tif", "*"} {
		pat := filepath.Join(dir, filepath.FromSlash(p))
		want, werr := filepath.Glob(pat)
		got, err := Glob(pat)
		if (err != nil) != (werr != nil) || !slices.Equal(got, want) {
			t.Errorf("%s: got %q, %v; filepath.Glob %q, %v", p, got, err, want, werr)
		}
	}
	if _, err := Glob(filepath.Join(dir, "[")); err == nil {
		t.Error("a bad pattern: no error")
	}
}

// TestGlobUnreadableFolder: a folder the pattern lists that cannot be read
// is an error naming it (filepath.Glob left its files out: a series of
// frames lost them with exit 0), and openGlob refuses the series; a folder
// that does not exist still matches nothing. Run as another user where the
// test runs as root (root reads any folder).
func TestGlobUnreadableFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("folder permissions are POSIX modes here")
	}
	if asuser.Child() {
		wd, _ := os.Getwd()
		globUnreadable(t, wd)
		return
	}
	dir := asuser.Dir(t)
	for _, f := range []string{"Pos0/img1.npy", "Pos1/img2.npy"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getuid() != 0 {
		if err := os.Chmod(filepath.Join(dir, "Pos1"), 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(dir, "Pos1"), 0o755)
		globUnreadable(t, dir)
		return
	}
	// As root: again as nobody, over a folder root owns with mode 700.
	if err := os.Chmod(filepath.Join(dir, "Pos1"), 0o700); err != nil {
		t.Fatal(err)
	}
	asuser.Rerun(t, "TestGlobUnreadableFolder", dir)
}

func globUnreadable(t *testing.T, dir string) {
	pat := filepath.Join(dir, "Pos*", "img*.npy")
	got, err := Glob(pat)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "Pos1")) {
		t.Fatalf("Glob(%s) with Pos1 unreadable: %q, %v; want an error naming Pos1", pat, got, err)
	}
	if _, err := Open(pat); err == nil || !strings.Contains(err.Error(), "Pos1") {
		t.Fatalf("Open(%s): %v; want an error naming Pos1", pat, err)
	}
	if got, err := Glob(filepath.Join(dir, "Nowhere*", "x", "*.npy")); err != nil || len(got) != 0 {
		t.Errorf("a folder that does not exist: %q, %v; want no match, no error", got, err)
	}
}
