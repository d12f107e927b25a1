package ooc

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRemoveTrashReadOnly: with no .trash left, RemoveTrash does nothing
// on a read-only file system; RemoveAll's unlinkat failed there before it
// found nothing, and every run with its scratch (or a completed job's
// rerun) said it could not remove a .trash that was not there (DISK17's
// m4). A read-only tmpfs needs root.
func TestRemoveTrashReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a read-only tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY, "size=64k"); err != nil {
		t.Fatalf("mount a read-only tmpfs: %v", err)
	}
	defer syscall.Unmount(dir, 0)
	if err := RemoveTrash(filepath.Join(dir, ".ipcf-scratch-x")); err != nil {
		t.Errorf("RemoveTrash with nothing to remove on a read-only file system: %v", err)
	}
}
