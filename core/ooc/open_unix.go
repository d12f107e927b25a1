//go:build unix

package ooc

import (
	"os"
	"syscall"
)

// The flags of opening a file ipcf owns: never through a link, never
// blocking on a FIFO.
const (
	noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	noBlock  = syscall.O_NONBLOCK
)

// nlink is the number of names of the file st describes (1 where the
// system does not say).
func nlink(st os.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Nlink)
	}
	return 1
}

// ownedByMe reports whether the file st describes belongs to this
// process's effective user (or the process is root's).
func ownedByMe(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	euid := os.Geteuid()
	return ok && (euid == 0 || int(sys.Uid) == euid)
}
