//go:build linux

// Package sysmem reads what the machine has: the one owner of the memory
// size a process may use (RAM, or its control group's limit) for the
// packages that refuse an allocation that cannot fit (Go cannot recover
// from running out of memory).
package sysmem

import "syscall"

// Total is the memory this process may use in bytes: the machine's
// physical memory, or the memory limit of its control group where that
// is smaller (a container, a batch system's job, a systemd slice), so
// that a budget taken from it does not end the process by the kernel's
// out-of-memory killer. 0 where neither can be read.
func Total() int64 {
	total := physical()
	if l := cgroupLimit("/"); l > 0 && (total == 0 || l < total) {
		total = l
	}
	return total
}

// CgroupHeadroom is the memory left below this process's control group
// limits (the smallest limit minus usage, of its group and ancestors),
// and false where no limit holds or it cannot be read: the kernel's
// MemAvailable does not count it.
func CgroupHeadroom() (int64, bool) {
	_, h := cgroupMemory("/")
	return h, h >= 0
}

// physical is the machine's physical memory in bytes, 0 if unknown.
func physical() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
