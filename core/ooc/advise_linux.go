//go:build linux

package ooc

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// willNeed asks the kernel to read bytes [off, off+n) of f into the page
// cache in the background (posix_fadvise WILLNEED).
func willNeed(f *os.File, off, n int64) {
	const fadvWillNeed = 3
	syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), uintptr(off), uintptr(n), fadvWillNeed, 0, 0)
}

// memAvailable is the memory the kernel can give without swapping
// (MemAvailable in /proc/meminfo), 0 if unknown.
func memAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
