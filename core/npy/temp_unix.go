//go:build unix

package npy

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// holdTemp takes an exclusive lock on the temporary file f, held until it
// is closed (or its process dies), and reports whether f still has a name:
// RemoveStaleTemps removes only unlocked temporary files, so one removed
// between its creation and this lock must be made again.
func holdTemp(f *os.File) bool {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return true // no locks here: nothing removes it either
	}
	var st syscall.Stat_t
	return syscall.Fstat(int(f.Fd()), &st) != nil || st.Nlink > 0
}

// tempName reports whether base is a name os.CreateTemp gives for
// tempPattern: ".ipcf-" and digits, then ".tmp".
func tempName(base string) bool {
	d := strings.TrimSuffix(strings.TrimPrefix(base, ".ipcf-"), ".tmp")
	if len(d) == 0 || len(d)+len(".ipcf-.tmp") != len(base) {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveStaleTemps removes from dir the temporary files of WriteAtomic
// (".ipcf-*.tmp") that no writer holds: those of a process killed while
// it wrote them. A writer's file is locked from its creation to its
// rename, so a live one is never removed.
func RemoveStaleTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, tempPattern))
	for _, name := range names {
		if !tempName(filepath.Base(name)) {
			continue // a user's file that only looks like one of ours
		}
		if st, err := os.Lstat(name); err != nil || !st.Mode().IsRegular() {
			continue // only files: opening a FIFO would block
		}
		// Opened for writing: an exclusive lock over NFS (byte-range
		// locks) needs it.
		f, err := os.OpenFile(name, os.O_RDWR|syscall.O_NONBLOCK, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			// Still the file locked (not one made under the name since).
			fst, err1 := f.Stat()
			st, err2 := os.Lstat(name)
			if err1 == nil && err2 == nil && os.SameFile(st, fst) {
				os.Remove(name)
			}
		}
		f.Close()
	}
}
