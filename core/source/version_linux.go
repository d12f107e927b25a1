//go:build linux

package source

import (
	"os"
	"syscall"
)

// statusTime is a file's status-change time (see Status).
func statusTime(st os.FileInfo) int64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ctim.Nano()
	}
	return 0
}
