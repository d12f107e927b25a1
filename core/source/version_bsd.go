//go:build darwin || freebsd

package source

import (
	"os"
	"syscall"
)

// statusTime is a file's status-change time (see Status).
func statusTime(st os.FileInfo) int64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return syscall.TimespecToNsec(s.Ctimespec)
	}
	return 0
}
