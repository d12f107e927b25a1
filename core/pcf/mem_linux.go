//go:build linux

package pcf

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ipcf/ipcf/core/internal/sysmem"
)

// CheckMemory refuses an allocation of need bytes (what: its name in the
// message) that would end the host process (sysmem.Check: negative, beyond
// the limit of address space, or more than three quarters of the memory
// the process may use, RAM or its cgroup limit): Go cannot recover from
// running out of memory.
func CheckMemory(what string, need int64) error { return sysmem.Check(what, need) }

// TotalMemory is the memory this process may use in bytes (the
// machine's RAM or its cgroup limit, sysmem.Total), or 0 where it cannot
// be read.
func TotalMemory() int64 { return sysmem.Total() }

// MemAvailable is the memory the kernel can give without swapping
// (MemAvailable in /proc/meminfo), or less where the process's control
// group has less left below its limit; 0 if unknown.
func MemAvailable() int64 {
	m := sysmem.ProcBytes("/proc/meminfo", "MemAvailable:")
	if h, ok := sysmem.CgroupHeadroom(); ok && (m == 0 || h < m) {
		m = max(h, 1) // 1: known to be none (0 would say unknown)
	}
	return m
}

// PeakResident is this process's peak resident memory (VmHWM in
// /proc/self/status), 0 if unknown.
func PeakResident() int64 { return sysmem.ProcBytes("/proc/self/status", "VmHWM:") }

// mapping is a line of /proc/self/maps: "start-end perms offset dev
// inode [path]".
type mapping struct {
	start, end, off uint64
	perms, inode    string
	path            string
}

// mappings yields the well-formed lines of maps (/proc/self/maps' text,
// in address order).
func mappings(maps string) func(yield func(mapping) bool) {
	return func(yield func(mapping) bool) {
		for line := range strings.Lines(maps) {
			f := strings.Fields(line)
			if len(f) < 5 {
				continue
			}
			a, b, ok := strings.Cut(f[0], "-")
			start, err1 := strconv.ParseUint(a, 16, 64)
			end, err2 := strconv.ParseUint(b, 16, 64)
			off, err3 := strconv.ParseUint(f[2], 16, 64)
			if !ok || err1 != nil || err2 != nil || err3 != nil || end <= start {
				continue
			}
			if !yield(mapping{start: start, end: end, off: off, perms: f[1], inode: f[4], path: strings.Join(f[5:], " ")}) {
				return
			}
		}
	}
}

// readMaps is /proc/self/maps' text ("" and false if it cannot be read).
func readMaps() (string, bool) {
	b, err := os.ReadFile("/proc/self/maps")
	return string(b), err == nil
}

// fileBacked reports whether any byte of b lies in a mapping of a file
// (an inode in /proc/self/maps: a memory-mapped .npy, /dev/shm): memory
// that a truncation of the file takes away, so that reading it faults; or
// in no mapping, or one that cannot be read (a caller's wild pointer, a
// PROT_NONE page). The engines read such memory in Go only, where pool
// workers turn the fault into an error, never in C, where it kills the
// host process. True when the maps cannot be read.
func fileBacked(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	lo := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	maps, ok := readMaps()
	return !ok || mapsFileBacked(maps, lo, lo+uint64(len(b)))
}

// mapsFileBacked reports whether [lo, hi) is not wholly covered by
// readable anonymous mappings in maps: a byte in a mapping of a file (an
// inode other than 0), in one without read permission, or in none.
func mapsFileBacked(maps string, lo, hi uint64) bool {
	file, unreadable := mapsOf(maps, lo, hi)
	return file || unreadable
}

// mapsOf reports whether a byte of [lo, hi) lies in a mapping of a file,
// and whether one lies in no mapping or one without read permission.
func mapsOf(maps string, lo, hi uint64) (file, unreadable bool) {
	cur := lo // the bytes below cur are mapped
	for m := range mappings(maps) {
		if m.end <= cur || m.start >= hi {
			continue
		}
		unreadable = unreadable || m.start > cur || !strings.HasPrefix(m.perms, "r")
		file = file || m.inode != "0"
		cur = m.end
		if cur >= hi {
			break
		}
	}
	return file, unreadable || cur < hi
}

// Unmapped reports whether the address lies in no mapping, or one that
// cannot be read (/proc/self/maps): a fault there, beyond the first 64 KiB
// (a nil pointer's), is a caller's array reaching past its memory, or
// memory freed during the call. False when the maps cannot be read.
func Unmapped(addr uintptr) bool {
	if addr < 1<<16 {
		return false
	}
	maps, ok := readMaps()
	_, unreadable := mapsOf(maps, uint64(addr), uint64(addr)+1)
	return ok && unreadable
}

// ReadOnly reports whether the address lies in a mapping that can be read
// but not written, whose page is there to read (anonymous, or a file's
// page within the file's size): a fault there is a write, to an output
// array in read-only memory, not a file cut short under its mapping.
func ReadOnly(addr uintptr) bool {
	maps, _ := readMaps()
	for m := range mappings(maps) {
		if uint64(addr) < m.start || uint64(addr) >= m.end {
			continue
		}
		if !strings.HasPrefix(m.perms, "r") || m.perms[1] == 'w' {
			return false
		}
		if m.inode == "0" {
			return true
		}
		st, err := os.Stat(m.path)
		if err != nil {
			return false
		}
		page := uint64(os.Getpagesize())
		return (m.off+uint64(addr)-m.start)/page*page < uint64(st.Size())
	}
	return false
}

// userTop is where a process's addresses end with 4-level page tables
// (x86-64: 2^47; arm64 with 48-bit addresses: 2^48). Beyond, an address
// is non-canonical on x86-64: its fault reports address 0, which reads as
// a nil pointer's (a bug), not a caller's array past its memory.
var userTop = map[string]uint64{"amd64": 1 << 47, "arm64": 1 << 48}[runtime.GOARCH]

// BeyondUserSpace reports whether the end of a span, end (exclusive),
// lies beyond the addresses this process can map: above userTop, where no
// mapping of the process reaches (5-level page tables allow more, for
// mappings that asked for it).
func BeyondUserSpace(end uintptr) bool {
	if userTop == 0 || uint64(end) <= userTop {
		return false
	}
	maps, ok := readMaps()
	if !ok {
		return false
	}
	for m := range mappings(maps) {
		if m.end >= uint64(end) && m.end > userTop && m.start < 1<<63 { // ([vsyscall] is the kernel's)
			return false // the process maps addresses there (5-level page tables)
		}
	}
	return true
}

// InFileMapping reports whether the address lies in a mapping of a file
// (/proc/self/maps): a fault there is the file cut short under the
// mapping, not a bug (hosts tell the two apart by it).
func InFileMapping(addr uintptr) bool {
	maps, _ := readMaps()
	file, _ := mapsOf(maps, uint64(addr), uint64(addr)+1)
	return file
}
