//go:build linux

package ooc

import (
	"fmt"
	"os"
	"syscall"
)

// syncFiles makes the data written to files durable: one syncfs(2) of
// their file system (the scratch folder's), which reports write-back errors
// since Linux 5.8; if it fails, or the files are on more than one file
// system, each file is synced. Every piece's CRC is checked when it is read
// again, so data lost by an older kernel's silent syncfs is detected, not
// used.
func syncFiles(files []*os.File) error {
	if len(files) == 0 {
		return nil
	}
	dev := func(f *os.File) (uint64, bool) {
		var st syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &st) != nil {
			return 0, false
		}
		return st.Dev, true
	}
	d0, ok := dev(files[0])
	for _, f := range files[1:] {
		if d, ok2 := dev(f); !ok2 || d != d0 {
			ok = false
			break
		}
	}
	if ok && sysSyncfs != 0 {
		if _, _, errno := syscall.Syscall(sysSyncfs, files[0].Fd(), 0, 0); errno == 0 {
			return nil
		}
	}
	for _, f := range files {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return nil
}
