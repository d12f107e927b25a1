package pool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"
)

// A worker that reads a mapped file truncated under it (SIGBUS) makes the
// run return a *PanicError that FaultAddr recognizes, on the calling
// goroutine (worker 0) and on the others alike; the process goes on, and
// the caller's own panic-on-fault setting is left as it was.
func TestRunFaultIsAnError(t *testing.T) {
	const page = 4096
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 8*page), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 8*page, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	if err := os.Truncate(path, page); err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2, 4} {
		var sink byte
		err := Run(context.Background(), threads, 16, func(w, task int) error {
			sink += m[page*(1+task%7)] // beyond the file's end: SIGBUS
			return nil
		}, nil)
		addr, ok := FaultAddr(err)
		if !ok || addr == 0 {
			t.Errorf("threads %d: %v: want a fault's PanicError", threads, err)
		}
		if debug.SetPanicOnFault(false) {
			t.Errorf("threads %d: Run left panic-on-fault set on the caller", threads)
		}
	}
	if _, ok := FaultAddr(errors.New("x")); ok {
		t.Error("FaultAddr of a plain error")
	}
	if _, ok := FaultAddr(&PanicError{Value: "boom"}); ok {
		t.Error("FaultAddr of a panic that is not a fault")
	}
}
