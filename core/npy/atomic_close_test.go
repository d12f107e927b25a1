package npy

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteAtomicCloseErrorAfterRename: the close of the temporary file,
// after its rename (its bytes synced before), failing (as a network file
// system may) is no failed write: the file is in place and WriteAtomic
// returns nil. It returned the error, and callers stopped with the new
// file in place (FAULT8's F6).
func TestWriteAtomicCloseErrorAfterRename(t *testing.T) {
	defer func() { closeTemp = (*os.File).Close }()
	closeTemp = func(f *os.File) error {
		f.Close()
		return &os.PathError{Op: "close", Path: f.Name(), Err: errors.New("input/output error")}
	}
	path := filepath.Join(t.TempDir(), "a.json")
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatalf("close failing after the rename: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new" {
		t.Fatalf("the file: %q, %v", b, err)
	}
	// A fill that fails still fails, and leaves nothing.
	err := WriteAtomic(path, func(w io.Writer) error { return errors.New("full") })
	if err == nil {
		t.Fatal("a failed fill returned nil")
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("a failed fill changed the file: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".ipcf-*")); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}
