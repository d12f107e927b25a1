//go:build linux

package source

import (
	"os"
	"syscall"
	"unsafe"
)

// dontNeed tells the kernel that the mapped pages b (whole pages) are not
// needed now: they stop counting as resident and are read again if used.
// A variable for tests.
var dontNeed = func(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }

// populate asks the kernel to map the pages of b (a file's mapping) in
// one call (MADV_POPULATE_READ, Linux 5.14; a hint, nothing where it is
// missing), not a fault per 16 pages as they are first read: 128 MiB of
// a file in the page cache took 2-3 ms so on the project's machine. Pages
// past the end of a file cut short are left out (the call fails); the
// read of them faults as without it. b lies in a mapping, which starts
// on a page: its first page is taken from its start.
func populate(b []byte) {
	if len(b) == 0 {
		return
	}
	const madvPopulateRead = 22
	lo := uintptr(unsafe.Pointer(&b[0]))
	hi := lo + uintptr(len(b))
	lo &^= uintptr(os.Getpagesize() - 1)
	syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateRead)
}
