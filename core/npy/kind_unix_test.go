//go:build unix

package npy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMapFileKinds checks that only regular files (and links to them) are
// mapped, and that a named pipe is refused without blocking.
func TestMapFileKinds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.npy")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	good, _ := filepath.Abs(filepath.Join("testdata", "c_le_u2.npy"))
	link := filepath.Join(dir, "link.npy")
	os.Symlink(good, link)
	for path, want := range map[string]string{
		fifo: "is a named pipe (FIFO), not a regular file", dir: "is a directory, not a regular file",
		"/dev/null": "is a character device, not a regular file", filepath.Join(dir, "nope"): "no such file", link: "",
	} {
		done := make(chan error, 1)
		go func() {
			f, err := Open(path)
			if err == nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if want == "" && err != nil {
				t.Errorf("%s: %v", path, err)
			}
			if want != "" && (err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want)) {
				t.Errorf("%s: err = %v, want %q", path, err, want)
			}
			if want != "" && want != "no such file" && !errors.Is(err, ErrNotRegular) {
				t.Errorf("%s: %v is not ErrNotRegular", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Open blocked for 5 s", path)
		}
	}
}
