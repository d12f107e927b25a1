//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/pool"
)

// TestFaultStatus: a worker's fault in a mapping of a file cut short is
// IPCF_E_IO (an array memory-mapped from a file truncated during the
// call); one in unreadable memory is a caller's array reaching past its
// buffer, IPCF_E_INVALID_ARGUMENT; a nil pointer's stays a bug,
// IPCF_E_INTERNAL.
func TestFaultStatus(t *testing.T) {
	file := truncatedMapping(t)
	anon := anonMapping(t, syscall.PROT_NONE)
	read := func(b []byte) error {
		var sink byte
		err := pool.Run(context.Background(), 1, 1, func(_, _ int) error { sink += b[4096]; return nil }, nil)
		_ = sink
		return err
	}
	if got := finish("test", read(file)); got != eIO {
		t.Errorf("fault in a truncated file's mapping: status %d, want IPCF_E_IO", got)
	}
	if got := finish("test", read(anon)); got != eInvalid {
		t.Errorf("fault in unreadable anonymous memory: status %d, want IPCF_E_INVALID_ARGUMENT (a caller's array past its buffer)", got)
	}
	var null *[1 << 13]byte
	nilRead := pool.Run(context.Background(), 1, 1, func(_, _ int) error { _ = null[4096]; return nil }, nil)
	if got := finish("test", nilRead); got != eInternal {
		t.Errorf("a nil pointer's fault: status %d (%v), want IPCF_E_INTERNAL (a bug)", got, nilRead)
	}
}

// TestGuardFaultStatus: a fault on the calling goroutine of an export
// (guard's recover, not a pool worker's) is classified as finish
// classifies a worker's: unreadable memory and a read-only output are the
// caller's arrays, IPCF_E_INVALID_ARGUMENT naming the memory; a file cut
// short IPCF_E_IO; a nil pointer's stays a bug, IPCF_E_INTERNAL.
func TestGuardFaultStatus(t *testing.T) {
	call := func(f func()) (st status) {
		defer guard("test", &st, debug.SetPanicOnFault(true))
		f()
		return ok
	}
	anon := anonMapping(t, syscall.PROT_NONE)
	ro := anonMapping(t, syscall.PROT_READ)
	file := truncatedMapping(t)
	var sink byte
	var null *[1 << 13]byte
	for _, c := range []struct {
		name string
		f    func()
		want status
		msg  string
	}{
		{"read of unreadable memory", func() { sink += anon[4096] }, eInvalid, "cannot be read"},
		{"write to read-only memory", func() { ro[4096] = 1 }, eInvalid, "cannot be written"},
		{"read of a truncated file's mapping", func() { sink += file[4096] }, eIO, "became unreadable"},
		{"a nil pointer", func() { sink += null[4096] }, eInternal, "internal error"},
	} {
		if got := call(c.f); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
		if msg := lastError(); !strings.Contains(msg, c.msg) {
			t.Errorf("%s: message %q, want it to say %q", c.name, msg, c.msg)
		}
	}
}

// truncatedMapping maps 64 KiB of a file, then truncates the file: reading
// the mapping faults (SIGBUS), as for a memory-mapped input cut short.
func truncatedMapping(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	os.Truncate(path, 0)
	return m
}

// anonMapping maps 64 KiB of anonymous memory with protection prot.
func anonMapping(t *testing.T, prot int) []byte {
	t.Helper()
	m, err := syscall.Mmap(-1, 0, 1<<16, prot, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	return m
}
