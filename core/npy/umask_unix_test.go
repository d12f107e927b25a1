//go:build unix

package npy

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteAtomicFollowsUmask: a file written under a temporary name gets
// the mode a created file gets under the process's umask (it was 0644
// whatever the umask: a user's data readable to all under umask 077).
func TestWriteAtomicFollowsUmask(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ mask, want os.FileMode }{{0o077, 0o600}, {0o022, 0o644}, {0o002, 0o664}, {0, 0o666}} {
		old := syscall.Umask(int(c.mask))
		if got := umask(); got != c.mask {
			syscall.Umask(old)
			t.Fatalf("umask %03o read as %03o", c.mask, got)
		}
		p := filepath.Join(dir, "f")
		err := WriteAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != c.want {
			t.Errorf("umask %03o: mode %03o, want %03o", c.mask, st.Mode().Perm(), c.want)
		}
	}
}
