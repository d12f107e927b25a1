//go:build linux

package fft

import (
	"syscall"
	"unsafe"
)

// BigComplex64s returns n complex64 for a large, short-lived array (the
// spectra of a pCF run) and a function that releases them. On Linux the
// memory is mapped directly and marked for transparent huge pages: the
// spectra are written in a scattered order, and 2 MiB pages spare the
// TLB misses and most page faults. The memory is returned to the system
// at once by free.
func BigComplex64s(n int) (c []complex64, free func()) {
	size := n * 8
	if size < 4<<20 {
		return Complex64s(n), func() {}
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return Complex64s(n), func() {}
	}
	const madvHugepage = 14
	syscall.Madvise(b, madvHugepage) // a hint: ignore failure
	c = unsafe.Slice((*complex64)(unsafe.Pointer(&b[0])), n)
	return c, func() { syscall.Munmap(b) }
}
