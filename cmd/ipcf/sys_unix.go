//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// noFollow opens a file never through a link.
const noFollow = syscall.O_NOFOLLOW

// maxRSS is getrusage's peak resident memory of the process.
func maxRSS() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes there, KiB elsewhere
	}
	return int64(ru.Maxrss) * 1024
}
