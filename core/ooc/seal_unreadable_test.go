package ooc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWrittenUnreadableIsNotChanged: a file ipcf wrote that cannot be
// read to check it against its record (an I/O error; here a folder,
// EISDIR) is said to be unreadable, not changed or damaged (with the
// advice to remove it and compute it again: FAULT8's F5); a file that is
// gone is not what its record says.
func TestWrittenUnreadableIsNotChanged(t *testing.T) {
	dir := t.TempDir()
	w := &Written{path: dir, side: filepath.Join(dir, "x.json"), command: "simulate", crc: "00000000", bytes: 10}
	err := w.Check()
	if err == nil || errors.Is(err, ErrWrittenChanged) || !strings.Contains(err.Error(), "could not be read to check it") {
		t.Errorf("unreadable: %v; want an I/O error, not ErrWrittenChanged", err)
	}
	w.path = filepath.Join(dir, "gone.npy")
	if err := w.Check(); !errors.Is(err, ErrWrittenChanged) {
		t.Errorf("gone: %v; want ErrWrittenChanged", err)
	}
}

// TestIsIOError: the storage's failures (EIO, ESTALE, ETIMEDOUT, wrapped
// as the os package wraps them) are I/O errors, which DescribesErr
// returns instead of calling the file another program's; an absent file
// or another kind is not.
func TestIsIOError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EIO}, true},
		{fmt.Errorf("wrapped: %w", &os.PathError{Op: "open", Path: "x", Err: syscall.ESTALE}), true},
		{syscall.ETIMEDOUT, true},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, false},
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EISDIR}, false},
		{errors.New("not ipcf's metadata"), false},
	} {
		if got := IsIOError(c.err); got != c.want {
			t.Errorf("IsIOError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// A file that is there, readable, without a sidecar: not described, no error.
	p := filepath.Join(t.TempDir(), "a.npy")
	os.WriteFile(p, []byte("x"), 0o644)
	if _, ok, err := DescribesErr(p); ok || err != nil {
		t.Errorf("no sidecar: described %v, error %v", ok, err)
	}
}
