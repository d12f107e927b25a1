//go:build unix

package job

import (
	"errors"
	"os"
	"syscall"
)

// lockOpenFlags: a lock file is opened never through a link and never
// blocking on a FIFO.
const lockOpenFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

func isLinkErr(err error) bool { return errors.Is(err, syscall.ELOOP) }

// tryLock takes flock's exclusive lock on f without waiting; busy: another
// process holds it.
func tryLock(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	return errors.Is(err, syscall.EWOULDBLOCK), err
}

// unlockRemove removes the lock file while still holding it (a run that
// opened it meanwhile sees another file at the name and locks that), then
// releases it.
func unlockRemove(f *os.File, name string) {
	os.Remove(name)
	f.Close()
}

// nlink is the number of names of the file st describes.
func nlink(st os.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Nlink)
	}
	return 1
}

// owner is the user id of the file st describes, if known.
func owner(st os.FileInfo) (uint32, bool) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Uid, true
	}
	return 0, false
}

// processAlive reports whether process pid runs (another user's too).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
