//go:build linux

package source

import (
	"os"
	"syscall"
)

// changeStamp is the status-change time and inode of a file (see Version).
func changeStamp(st os.FileInfo) (ctime int64, ino uint64) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ctim.Nano(), s.Ino
	}
	return 0, 0
}
