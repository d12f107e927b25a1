//go:build linux

package ooc

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// renameat2 is renameat2(2) with flags (paths relative to the working
// folder), or ENOSYS where its number is not wired (sysRenameat2).
func renameat2(old, new string, flags uintptr) error {
	if sysRenameat2 == 0 {
		return syscall.ENOSYS
	}
	o, err := syscall.BytePtrFromString(old)
	if err != nil {
		return err
	}
	n, err := syscall.BytePtrFromString(new)
	if err != nil {
		return err
	}
	fdcwd := -100 // AT_FDCWD
	for {
		_, _, e := syscall.Syscall6(sysRenameat2, uintptr(fdcwd), uintptr(unsafe.Pointer(o)),
			uintptr(fdcwd), uintptr(unsafe.Pointer(n)), flags, 0)
		if e == syscall.EINTR {
			continue // (as os.Rename retries: an interrupted call renamed nothing)
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// flagUnsupported reports an error of renameat2 that says the call or its
// flag is not there, or refused by a seccomp filter (a real EPERM fails
// os.Rename again).
func flagUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP)
}

// renameNoReplace renames old to new unless something lies at new
// (os.ErrExist): renameat2's RENAME_NOREPLACE, atomic; where the kernel
// or the file system lacks it, a check just before the rename.
func renameNoReplace(old, new string) error {
	const noReplace = 1 // RENAME_NOREPLACE
	err := renameat2(old, new, noReplace)
	switch {
	case err == nil:
		return nil
	case !flagUnsupported(err):
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: err}
	}
	return renameChecked(old, new)
}

// exchange swaps the entries a and b (both must exist) in one step
// (RENAME_EXCHANGE), or gives errors.ErrUnsupported where the kernel or
// the file system cannot, or where IPCF_FAULT_NO_EXCHANGE is set.
func exchange(a, b string) error {
	if noExchange {
		return errors.ErrUnsupported
	}
	const exchangeFlag = 2 // RENAME_EXCHANGE
	err := renameat2(a, b, exchangeFlag)
	switch {
	case err == nil:
		return nil
	case flagUnsupported(err):
		return errors.ErrUnsupported
	}
	return &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
}
