package ooc

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestReplaceDir checks both ways of ReplaceDir: the new folder at out,
// the earlier one at old, nothing left at the new folder's name.
func TestReplaceDir(t *testing.T) {
	for _, two := range []bool{false, true} {
		if !two && runtime.GOOS != "linux" {
			continue // no RENAME_EXCHANGE: two renames only
		}
		noExchange = two
		t.Cleanup(func() { noExchange = false })
		d := t.TempDir()
		dir, out, old := filepath.Join(d, ".r.zarr.partial"), filepath.Join(d, "r.zarr"), filepath.Join(d, ".r.zarr.old")
		for p, v := range map[string]string{dir: "new", out: "earlier"} {
			if err := os.MkdirAll(filepath.Join(p, "0"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(p, "0", "c"), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := ReplaceDir(dir, out, old); err != nil {
			t.Fatalf("two renames %v: %v", two, err)
		}
		for p, v := range map[string]string{out: "new", old: "earlier"} {
			if b, err := os.ReadFile(filepath.Join(p, "0", "c")); err != nil || string(b) != v {
				t.Errorf("two renames %v: %s holds %q (%v), want %q", two, p, b, err, v)
			}
		}
		if _, err := os.Lstat(dir); !os.IsNotExist(err) {
			t.Errorf("two renames %v: %s still there (%v)", two, dir, err)
		}
		// A missing folder is an error, and out stays as it was.
		if err := ReplaceDir(filepath.Join(d, "none"), out, filepath.Join(d, "old2")); err == nil {
			t.Errorf("two renames %v: no error for a missing folder", two)
		}
		if b, err := os.ReadFile(filepath.Join(out, "0", "c")); err != nil || string(b) != "new" {
			t.Errorf("two renames %v: out changed by a failed replacement: %q %v", two, b, err)
		}
	}
}
