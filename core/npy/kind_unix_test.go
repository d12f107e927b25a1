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

// ReadRegular reads regular files (and links to them) of at most max
// bytes; a FIFO, a device or a folder is refused without being opened,
// a larger file before it is read.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.json")
	os.WriteFile(file, []byte("{}\n"), 0o644)
	link := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", link)
	for _, c := range []struct {
		path string
		max  int64
		want string // "" for success
	}{
		{file, 3, ""}, {file, 2, "3 bytes, more than the 2 expected"},
		{fifo, 100, "named pipe"}, {link, 100, "character device"}, {dir, 100, "directory"},
	} {
		done := make(chan struct{})
		var b []byte
		var err error
		go func() { b, err = ReadRegular(c.path, c.max); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadRegular(%s) blocks", c.path)
		}
		switch {
		case c.want == "" && (err != nil || string(b) != "{}\n"):
			t.Errorf("ReadRegular(%s, %d) = %q, %v", c.path, c.max, b, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ReadRegular(%s, %d): %v, want %q", c.path, c.max, err, c.want)
		}
	}
}

// TestOpenRegular: a regular file (and a link to one) opens with its
// status; a FIFO (never waited on), a device and a folder are
// ErrNotRegular naming the path.
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.raw")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.raw")
	os.WriteFile(file, []byte("abcd"), 0o644)
	link := filepath.Join(dir, "link.raw")
	os.Symlink(file, link)
	for _, c := range []struct{ path, want string }{
		{file, ""}, {link, ""}, {fifo, "named pipe"}, {"/dev/null", "character device"}, {dir, "directory"},
	} {
		done := make(chan struct{})
		var f *os.File
		var st os.FileInfo
		var err error
		go func() { f, st, err = OpenRegular(c.path); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("OpenRegular(%s) blocks", c.path)
		}
		if c.want == "" {
			if err != nil || st.Size() != 4 {
				t.Errorf("OpenRegular(%s): %v, %v", c.path, st, err)
			} else {
				f.Close()
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("OpenRegular(%s): %v, want ErrNotRegular naming it, %q", c.path, err, c.want)
		}
	}
}
