//go:build linux

package fft

import (
	"sync"
	"syscall"
	"unsafe"
)

// spare is the mapping last released by a BigComplex64s free function,
// kept (lazily freeable, see free) for the next call: a pCF run touches
// every page of its spectra, and fresh pages cost the kernel a fault and a
// zeroing each (6-8 % of a default-dataset run).
var (
	spareMu   sync.Mutex
	spare     []byte
	reuseBigs = true // tests switch it off to compare
)

// BigComplex64s returns n complex64 for a large, short-lived array (the
// spectra of a pCF run) and a function that releases them. The values are
// not zeroed: they may hold data of an earlier array. On Linux the memory
// is mapped directly, in 4 KiB pages: marked for transparent huge pages it
// cost more than it saved (default dataset, 6 interleaved runs each: system
// time 0.27-0.47 s with them, 0.20-0.23 s without, user time the same; the
// kernel zeroes each fresh 2 MiB page on its first touch, and that took 15 %
// of a run's samples under perf). free hands the pages back with MADV_FREE and keeps
// the mapping for the next call of a size it fits (at least half of it);
// the kernel reclaims the pages only under memory pressure, and pages it
// has not reclaimed are reused without a fault.
func BigComplex64s(n int) (c []complex64, free func()) {
	size := n * 8
	if size < 4<<20 {
		return Complex64s(n), func() {}
	}
	spareMu.Lock()
	b := spare
	if b != nil && len(b) >= size && len(b)/2 <= size && reuseBigs {
		spare = nil
	} else {
		b = nil
	}
	spareMu.Unlock()
	if b == nil {
		var err error
		b, err = syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return Complex64s(n), func() {}
		}
		Populate(b)
	}
	c = unsafe.Slice((*complex64)(unsafe.Pointer(&b[0])), n)
	return c, func() {
		const madvFree = 8
		if !reuseBigs || syscall.Madvise(b, madvFree) != nil {
			syscall.Munmap(b)
			return
		}
		spareMu.Lock()
		old := spare
		spare = b
		spareMu.Unlock()
		if old != nil {
			syscall.Munmap(old)
		}
	}
}

// Populate asks the kernel to map and zero the pages of b now, in one
// system call, instead of one page fault at a time on first touch (b is
// about to be written whole: the spectra ring, the frames read into
// memory). A hint: it does nothing where MADV_POPULATE_WRITE (Linux 5.14)
// is missing or fails. Default dataset, interleaved runs, with it on the
// ring and the frames: 1.46-1.57 CPU-s against 1.50-1.65 without (5 each;
// system time 0.14-0.21 vs 0.22-0.26 s), another 6 each 1.63-1.74 against
// 1.63-1.81 (system 0.18-0.24 vs 0.23-0.28 s).
func Populate(b []byte) {
	const pageSize = 4096
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p + pageSize - 1) &^ (pageSize - 1)
	hi := (p + uintptr(len(b))) &^ (pageSize - 1)
	if len(b) == 0 || hi <= lo {
		return
	}
	const madvPopulateWrite = 23
	syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateWrite)
}
