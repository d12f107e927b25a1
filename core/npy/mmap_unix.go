//go:build unix

package npy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/ipcf/ipcf/core/internal/sysmem"
)

// MapFile maps the regular file at path read-only (or reads it where
// mapping is not possible) and returns its bytes and a function that
// unmaps them. A path that is not a regular file (a folder, named pipe,
// device or socket; symbolic links are followed) is refused with
// ErrNotRegular and never opened for reading: opening a named pipe would
// block until a writer appears. The file is opened non-blocking and checked
// again after opening, so a regular file replaced by a pipe in between is
// refused too.
func MapFile(path string) ([]byte, func() error, error) {
	b, unmap, _, err := MapFileInfo(path)
	return b, unmap, err
}

// MapFileInfo is MapFile, with the status of the file mapped (of the file
// opened, not of whatever the path names later).
func MapFileInfo(path string) ([]byte, func() error, os.FileInfo, error) {
	if _, err := RegularFile(path); err != nil {
		return nil, nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, nil, fmt.Errorf("%s is %s, %w", path, kind(st.Mode()), ErrNotRegular)
	}
	b, unmap, err := mmap(f, st.Size())
	return b, unmap, st, err
}

func mmap(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%s: %d bytes do not fit in memory addresses", f.Name(), size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Read instead (a file system without mmap), if it fits: Go
		// cannot recover from running out of memory. Out of address
		// space (ENOMEM: ulimit -v), reading would need the same.
		if errors.Is(err, syscall.ENOMEM) {
			return nil, nil, fmt.Errorf("%w: %s: cannot map its %d bytes into memory (%v: a limit of address space, ulimit -v?), and reading them would need as much",
				sysmem.ErrMemory, f.Name(), size, err)
		}
		if total := sysmem.Total(); total > 0 && size > total*3/4 {
			return nil, nil, fmt.Errorf("%s: cannot map it (%v), and its %d bytes are more than three quarters of this machine's memory to read",
				f.Name(), err, size)
		}
		return readAll(f, size)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

// readAll reads the size bytes of the already opened (and checked) file,
// not its path again, into one buffer of that size (io.ReadAll would
// grow one to twice as much).
func readAll(f *os.File, size int64) ([]byte, func() error, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), b); err != nil {
		return nil, nil, fmt.Errorf("%s: %w (changed while read?)", f.Name(), err)
	}
	return b, func() error { return nil }, nil
}

// openNonblock opens without blocking on a FIFO (ReadRegular).
const openNonblock = syscall.O_NONBLOCK
