//go:build unix

package npy

import (
	"os"
	"syscall"
)

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
