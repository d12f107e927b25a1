//go:build unix

package npy

import (
	"fmt"
	"os"
	"syscall"
)

// MapFile maps the file at path read-only (or reads it where mapping is
// not possible) and returns its bytes and a function that unmaps them.
func MapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.IsDir() {
		return nil, nil, fmt.Errorf("%s is a directory", path)
	}
	return mmap(f, st.Size())
}

func mmap(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return readAll(f)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

func readAll(f *os.File) ([]byte, func() error, error) {
	b, err := os.ReadFile(f.Name())
	return b, func() error { return nil }, err
}
