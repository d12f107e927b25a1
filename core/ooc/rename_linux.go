//go:build linux

package ooc

import (
	"os"
	"syscall"
	"unsafe"
)

// renameNoReplace renames old to new unless something lies at new
// (os.ErrExist): renameat2's RENAME_NOREPLACE, atomic; where the kernel
// or the file system lacks it, a check just before the rename.
func renameNoReplace(old, new string) error {
	if sysRenameat2 != 0 {
		o, err := syscall.BytePtrFromString(old)
		if err != nil {
			return err
		}
		n, err := syscall.BytePtrFromString(new)
		if err != nil {
			return err
		}
		fdcwd := -100       // AT_FDCWD
		const noReplace = 1 // RENAME_NOREPLACE
		_, _, e := syscall.Syscall6(sysRenameat2, uintptr(fdcwd), uintptr(unsafe.Pointer(o)),
			uintptr(fdcwd), uintptr(unsafe.Pointer(n)), noReplace, 0)
		switch {
		case e == 0:
			return nil
		case e != syscall.ENOSYS && e != syscall.EINVAL && e != syscall.EPERM && e != syscall.EOPNOTSUPP:
			// (those four: renameat2 or its flag not there, or refused by
			// a seccomp filter; a real EPERM fails os.Rename again)
			return &os.LinkError{Op: "rename", Old: old, New: new, Err: e}
		}
	}
	return renameChecked(old, new)
}
