package ooc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncFiles: files written in one folder are synced (one syncfs on
// Linux), files on two file systems each in turn, and a file that cannot
// be synced (closed) is an error naming it, whichever way was tried.
func TestSyncFiles(t *testing.T) {
	open := func(dir, name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(name)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	dir := t.TempDir()
	files := []*os.File{open(dir, "a"), open(dir, "b"), open(dir, "c")}
	if err := syncFiles(files); err != nil {
		t.Fatalf("one folder: %v", err)
	}
	if err := syncFiles(nil); err != nil {
		t.Fatalf("no files: %v", err)
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		other, err := os.MkdirTemp("/dev/shm", "ipcf-sync")
		if err == nil {
			defer os.RemoveAll(other)
			if err := syncFiles([]*os.File{files[0], open(other, "d")}); err != nil {
				t.Fatalf("two file systems: %v", err)
			}
		}
	}
	closed := open(dir, "closed")
	closed.Close()
	err := syncFiles([]*os.File{closed, files[1]})
	if err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("a closed file: %v, want an error naming it", err)
	}
	for _, f := range files {
		f.Close()
	}
}
