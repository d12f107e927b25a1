//go:build windows

package job

import (
	"os"
	"syscall"
	"unsafe"
)

const lockOpenFlags = 0

func isLinkErr(error) bool { return false }

var lockFileEx = syscall.NewLazyDLL("kernel32.dll").NewProc("LockFileEx")

// tryLock takes LockFileEx's exclusive lock on one byte far beyond the
// end of f (so that the holder's line stays readable) without waiting;
// Windows releases it when the process dies.
func tryLock(f *os.File) (busy bool, err error) {
	const exclusive, failImmediately = 2, 1
	const errLockViolation = syscall.Errno(33)
	ol := syscall.Overlapped{OffsetHigh: 1 << 30}
	r, _, e := lockFileEx.Call(f.Fd(), exclusive|failImmediately, 0, 1, 0, uintptr(unsafe.Pointer(&ol)))
	if r != 0 {
		return false, nil
	}
	return e == errLockViolation, e
}

// unlockRemove releases the lock, then removes the file (an open file
// cannot be removed here; a run that locked it meanwhile keeps it).
func unlockRemove(f *os.File, name string) {
	f.Close()
	os.Remove(name)
}

func nlink(os.FileInfo) uint64 { return 1 }

func owner(os.FileInfo) (uint32, bool) { return 0, false }

// processAlive: taken as running (no portable test here).
func processAlive(pid int) bool { return true }
