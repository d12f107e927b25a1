//go:build linux

// Package sysmem reads what the machine has: the one owner of its memory
// size for the packages that refuse an allocation that cannot fit (Go
// cannot recover from running out of memory).
package sysmem

import "syscall"

// Total is the machine's physical memory in bytes, or 0 where it cannot
// be read.
func Total() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
