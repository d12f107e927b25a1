package job

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// LockName is the lock file of an output.
func LockName(out string) string {
	out = strings.TrimRight(out, "/")
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".lock")
}

// Lock takes an exclusive lock on the output out (flock on a hidden file
// beside it, LockName, released by the kernel when the process dies) and
// returns its release; it fails at once with ErrBusy, naming the holder,
// if another run holds it. Every command that writes an output takes it.
func Lock(out string) (func(), error) { return lock(out) }

func lock(out string) (func(), error) {
	name := LockName(out)
	for attempt := 0; attempt < 5; attempt++ {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%w: lock %s: %v", ErrOutput, name, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			holder := make([]byte, 200)
			n, _ := f.ReadAt(holder, 0)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: %s is being written by another ipcf run (%s)", ErrBusy, out, strings.TrimSpace(string(holder[:n])))
			}
			return nil, fmt.Errorf("%w: lock %s: %v", ErrOutput, name, err)
		}
		// The file may have been removed by the previous holder between
		// our open and our lock: then lock the new one.
		st1, err1 := f.Stat()
		st2, err2 := os.Stat(name)
		if err1 != nil || err2 != nil || !os.SameFile(st1, st2) {
			f.Close()
			continue
		}
		host, _ := os.Hostname()
		f.Truncate(0)
		f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().Format(time.RFC3339))), 0)
		return func() {
			os.Remove(name)
			f.Close()
		}, nil
	}
	return nil, fmt.Errorf("%w: could not lock %s", ErrBusy, out)
}

func unsafeFloat32(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}
