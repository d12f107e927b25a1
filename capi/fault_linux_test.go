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
	"unsafe"

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
		{"read of a truncated file's mapping", func() { sink += file[4096] }, eIO, "input or output file truncated"},
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

// TestWritableProbe: the initialisers' probe tells writable memory from
// read-only and unreadable memory, a span reaching from a writable page
// into a read-only one included, without changing a byte, by both of its
// paths (process_vm_readv and process_vm_writev; a pipe where a sandbox
// refuses those), and by the first at the process's limit of descriptors,
// where no pipe can be made (REVIEW7's F2: the host then ended with
// SIGSEGV).
func TestWritableProbe(t *testing.T) {
	rw := anonMapping(t, syscall.PROT_READ|syscall.PROT_WRITE)
	for i := range rw {
		rw[i] = byte(i * 7)
	}
	if err := syscall.Mprotect(rw[len(rw)/2:], syscall.PROT_READ); err != nil {
		t.Fatal(err)
	}
	none := anonMapping(t, syscall.PROT_NONE)
	half := len(rw) / 2
	cases := []struct {
		name string
		p    unsafe.Pointer
		want bool
	}{
		{"writable", unsafe.Pointer(&rw[64]), true},
		{"read-only", unsafe.Pointer(&rw[half+64]), false},
		{"writable, then read-only", unsafe.Pointer(&rw[half-40]), false},
		{"unreadable", unsafe.Pointer(&none[64]), false},
	}
	check := func(how string, pipeOnly bool) {
		for _, c := range cases {
			before := append([]byte(nil), rw...)
			if got := writableProbe(c.p, 200, pipeOnly); got != c.want {
				t.Errorf("%s, %s: writable %v, want %v", how, c.name, got, c.want)
			}
			if string(before) != string(rw) {
				t.Errorf("%s, %s: the memory changed", how, c.name)
			}
		}
	}
	check("process_vm", false)
	check("pipe", true)
	// At the limit of descriptors: the first path needs none. (The limit
	// lowered for a moment: no test of this package runs in parallel.)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var fds []int
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Error(err)
		}
	}()
	for {
		fd, err := syscall.Dup(0)
		if err != nil {
			if err != syscall.EMFILE {
				t.Fatalf("dup: %v", err)
			}
			break
		}
		fds = append(fds, fd)
		if len(fds) > 256 {
			t.Fatalf("no limit of descriptors reached (%d)", low.Cur)
		}
	}
	check("process_vm at the limit of descriptors", false)
}
