//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/pool"
)

// TestFaultStatus: a worker's fault in a mapping of a file cut short is
// IPCF_E_IO (an array memory-mapped from a file truncated during the
// call); a fault anywhere else stays a bug, IPCF_E_INTERNAL.
func TestFaultStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := syscall.Mmap(int(f.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(file)
	os.Truncate(path, 0)
	anon, err := syscall.Mmap(-1, 0, 1<<16, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(anon)
	read := func(b []byte) error {
		var sink byte
		err := pool.Run(context.Background(), 1, 1, func(_, _ int) error { sink += b[4096]; return nil }, nil)
		_ = sink
		return err
	}
	if got := finish("test", read(file)); got != eIO {
		t.Errorf("fault in a truncated file's mapping: status %d, want IPCF_E_IO", got)
	}
	if got := finish("test", read(anon)); got != eInternal {
		t.Errorf("fault in anonymous memory: status %d, want IPCF_E_INTERNAL", got)
	}
}
