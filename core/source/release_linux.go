//go:build linux

package source

import "syscall"

// dontNeed tells the kernel that the mapped pages b (whole pages) are not
// needed now: they stop counting as resident and are read again if used.
func dontNeed(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }
