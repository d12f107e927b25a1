//go:build linux

package ooc

import (
	"os"
	"syscall"
)

// willNeed asks the kernel to read bytes [off, off+n) of f into the page
// cache in the background (posix_fadvise WILLNEED).
func willNeed(f *os.File, off, n int64) {
	const fadvWillNeed = 3
	syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), uintptr(off), uintptr(n), fadvWillNeed, 0, 0)
}
