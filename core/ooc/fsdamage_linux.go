package ooc

import (
	"errors"
	"syscall"
)

// fsDamaged: the file system reports the file damaged (ext4's EFSCORRUPTED
// and EFSBADCRC, EUCLEAN and EBADMSG): an I/O error, not another program's file.
func fsDamaged(err error) bool {
	return errors.Is(err, syscall.EUCLEAN) || errors.Is(err, syscall.EBADMSG)
}
