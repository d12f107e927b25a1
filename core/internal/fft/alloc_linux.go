//go:build linux

package fft

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"github.com/ipcf/ipcf/core/internal/sysmem"
)

// spare is the mapping last released by a BigBytes free function,
// kept (lazily freeable, see free) for the next call: a pCF run touches
// every page of its spectra, and fresh pages cost the kernel a fault and a
// zeroing each (6-8 % of a default-dataset run).
var (
	spareMu   sync.Mutex
	spare     bigMapping
	reuseBigs = true // tests switch it off to compare
)

// BigComplex64s returns n complex64 for a large, short-lived array (the
// spectra of a pCF run) and a function that releases them, as BigBytes.
func BigComplex64s(n int) (c []complex64, free func(), err error) {
	if n*8 < bigMin {
		return Complex64s(n), func() {}, nil
	}
	b, free, err := BigBytes(n * 8)
	if err != nil {
		return nil, free, err
	}
	return unsafe.Slice((*complex64)(unsafe.Pointer(&b[0])), n), free, nil
}

// bigMin is the smallest array BigBytes maps itself.
const bigMin = 4 << 20

// hugePage is the size of a transparent huge page on amd64 and arm64
// (4 KiB base pages).
const hugePage = 2 << 20

// BigBytes returns n bytes for a large, short-lived array that is about to
// be written whole (the frames a job reads, the spectra of a pCF run) and a
// function that releases them. The values are not zeroed: they may hold
// data of an earlier array.
//
// On Linux the memory is mapped directly, aligned to 2 MiB, marked for
// transparent huge pages and populated in one system call (Populate): the
// first write to each fresh 4 KiB page cost far more than the kernel's
// zeroing on the project's machine. Writing the 128 MiB of the default
// dataset's frames a row of 128 bytes at a time, fresh mapping each time
// (BenchmarkBigBytes): 4 KiB pages 360-450 ms unpopulated and 165-190 ms
// populated, huge pages 9-15 ms populated (plus 6 ms in the call) but
// 16-240 ms unpopulated; an earlier session measured huge pages without
// Populate as a loss. free hands the pages back with MADV_FREE and keeps
// the mapping for the next call of a size it fits (at least half of it);
// the kernel reclaims the pages only under memory pressure, and pages it
// has not reclaimed are reused without a fault.
//
// A mapping the kernel refuses (a limit of address space: ulimit -v, a
// batch system's h_vmem) is an error, never a fallback to Go's heap: Go
// ends the whole process (the host's too) when its heap cannot grow. So
// is one that would leave less than sysmem.AddressReserve of the address
// space below such a limit: the threads and the heap that the Go runtime
// maps later without a way to fail. free is never nil.
func BigBytes(n int) (b []byte, free func(), err error) { return bigBytes(n, false) }

// BigZeroed is BigBytes with the bytes zeroed (a fresh mapping is; a
// reused one is cleared).
func BigZeroed(n int) (b []byte, free func(), err error) { return bigBytes(n, true) }

// testHookMap, when set, replaces mapHuge's mmap (tests of a refusal).
var testHookMap func(size int) ([]byte, error)

// addressLeft is sysmem.AddressLeft (tests replace it).
var addressLeft = sysmem.AddressLeft

func bigBytes(n int, zero bool) (b []byte, free func(), err error) {
	if n < bigMin {
		return make([]byte, n), func() {}, nil
	}
	spareMu.Lock()
	m := spare
	if m.b != nil && len(m.b) >= n && len(m.b)/2 <= n && reuseBigs {
		spare = bigMapping{}
	} else {
		if m.whole != nil {
			// A spare that does not fit goes: under a limit of address
			// space it would count against this mapping.
			syscall.Munmap(m.whole)
			spare = bigMapping{}
		}
		m = bigMapping{}
	}
	spareMu.Unlock()
	if m.b != nil && zero {
		clear(m.b[:n])
	}
	if m.b == nil {
		if left, ok := addressLeft(); ok && int64(n)+2*hugePage+sysmem.AddressReserve > left {
			return nil, func() {}, fmt.Errorf("cannot map %d MiB of memory: the limit of address space (ulimit -v) leaves %d MiB, and %d MiB must stay free for threads and the Go runtime",
				(int64(n)+(1<<20)-1)>>20, left>>20, sysmem.AddressReserve>>20)
		}
		if m.b, m.whole, err = mapHuge(n); err != nil {
			return nil, func() {}, fmt.Errorf("cannot map %d MiB of memory (%w: a limit of address space, ulimit -v?)", (int64(n)+(1<<20)-1)>>20, err)
		}
	}
	return m.b[:n:n], func() {
		const madvFree = 8
		if !reuseBigs || syscall.Madvise(m.b, madvFree) != nil {
			syscall.Munmap(m.whole)
			return
		}
		spareMu.Lock()
		old := spare
		spare = m
		spareMu.Unlock()
		if old.whole != nil {
			syscall.Munmap(old.whole)
		}
	}, nil
}

// bigMapping is a mapping of mapHuge: the aligned bytes and the whole.
type bigMapping struct{ b, whole []byte }

// mapHuge maps n bytes (rounded up to whole huge pages) at an address
// aligned to a huge page, asks for transparent huge pages (a hint: where
// they are off or unavailable the pages are 4 KiB) and populates them. It
// returns the aligned bytes and the whole mapping, for syscall.Munmap (the
// unaligned head and tail, less than a huge page, are never touched and so
// take no memory).
func mapHuge(n int) (b, whole []byte, err error) {
	size := (n + hugePage - 1) &^ (hugePage - 1)
	if testHookMap != nil {
		whole, err = testHookMap(size + hugePage)
	} else {
		whole, err = syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	}
	if err != nil {
		return nil, nil, err
	}
	p := uintptr(unsafe.Pointer(&whole[0]))
	head := int((hugePage - p%hugePage) % hugePage)
	b = whole[head : head+size : head+size]
	const madvHugepage = 14
	syscall.Madvise(b, madvHugepage)
	Populate(b)
	return b, whole, nil
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
