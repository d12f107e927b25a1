//go:build unix

package npy

import (
	"fmt"
	"os"
	"path/filepath"
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

// RemoveStaleTemps removes from dir the temporary files of WriteAtomic
// (".ipcf-*.tmp") that no writer holds: those of a process killed while
// it wrote them. A writer's file is locked from its creation to its
// rename, so a live one is never removed.
func RemoveStaleTemps(dir string) {
	names := GlobIn(dir, tempPattern)
	for _, name := range names {
		if !IsTempName(filepath.Base(name)) {
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

// Unreplaceable returns an error naming path when this process could not
// replace or remove the file there although it may write in its folder:
// the folder is sticky (as /tmp is) and the file belongs to another user,
// so only that user, the folder's owner or root may rename over it or
// remove it. A command checks its outputs with it before any work, which
// would otherwise end in "operation not permitted" when it publishes. It
// returns nil when nothing lies at path.
func Unreplaceable(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	dir := filepath.Dir(path)
	dst, err := os.Stat(dir)
	if err != nil || dst.Mode()&os.ModeSticky == 0 {
		return nil
	}
	fs, ok := st.Sys().(*syscall.Stat_t)
	ds, ok2 := dst.Sys().(*syscall.Stat_t)
	euid := os.Geteuid()
	if !ok || !ok2 || euid == 0 || int(fs.Uid) == euid || int(ds.Uid) == euid {
		return nil
	}
	return fmt.Errorf("%s belongs to user %d and its folder %s is sticky (as /tmp is: only the file's owner, the folder's owner or root may replace or remove it): ask that user to remove it, or choose another name",
		path, fs.Uid, dir)
}
