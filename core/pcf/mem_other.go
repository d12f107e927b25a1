//go:build !linux

package pcf

import "github.com/ipcf/ipcf/core/internal/sysmem"

// CheckMemory refuses an allocation of need bytes larger than 1 TiB (the
// machine's RAM is not known here) or negative (an overflowed size):
// sysmem.Check.
func CheckMemory(what string, need int64) error { return sysmem.Check(what, need) }

// TotalMemory is 0 here: the physical memory is not read on this system.
func TotalMemory() int64 { return 0 }

// MemAvailable is 0 here: not read on this system.
func MemAvailable() int64 { return 0 }

// PeakResident is 0 here: not read on this system.
func PeakResident() int64 { return 0 }

// fileBacked is true here: whether memory maps a file is not read on this
// system, so the engines read input in Go only, where a fault on a
// truncated mapping is an error, not the end of the host process.
func fileBacked(b []byte) bool { return len(b) > 0 }

// InFileMapping is true here: the mappings are not read on this system,
// and a fault is taken for a file cut short under its mapping.
func InFileMapping(addr uintptr) bool { return true }

// Unmapped is false here: the mappings are not read on this system, and a
// fault elsewhere than in a file's mapping stays a bug.
func Unmapped(addr uintptr) bool { return false }

// BeyondUserSpace is false here: the address space is not read on this
// system.
func BeyondUserSpace(end uintptr) bool { return false }

// ReadOnly is false here: the mappings are not read on this system.
func ReadOnly(addr uintptr) bool { return false }
