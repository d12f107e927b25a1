//go:build darwin || freebsd

package source

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileStatus is a file's identity and status-change time (see Status);
// exact is false where the time has whole seconds (a file system that
// keeps seconds only), or is unknown.
func fileStatus(st os.FileInfo) (status string, exact bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d %d", s.Dev, s.Ino, syscall.TimespecToNsec(s.Ctimespec)), s.Ctimespec.Nsec != 0
	}
	return "", false
}

// fileID is a file's identity (device and inode): two names of one file
// (links) have the same; "" where unknown.
func fileID(st os.FileInfo) string {
	if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Ino != 0 { // (0: a file system that numbers none)
		return fmt.Sprintf("%d:%d", s.Dev, s.Ino)
	}
	return ""
}

// statusTime is a file's status-change time (zero where unknown).
func statusTime(st os.FileInfo) time.Time {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return time.Unix(s.Ctimespec.Unix())
	}
	return time.Time{}
}
