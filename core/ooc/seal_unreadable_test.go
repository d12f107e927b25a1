package ooc

import (
	"errors"
	"path/filepath"
	"strings"
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
