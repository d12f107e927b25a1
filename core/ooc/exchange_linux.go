package ooc

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps the entries a and b (both must exist) in one step, or
// gives errors.ErrUnsupported where the kernel or the file system cannot
// (ENOSYS, EINVAL), or where a test switched it off (noExchange).
func exchange(a, b string) error {
	if noExchange {
		return errors.ErrUnsupported
	}
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) {
		return errors.ErrUnsupported
	}
	if err != nil {
		return &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
	}
	return nil
}
