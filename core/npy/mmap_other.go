//go:build !unix

package npy

import "os"

func mmap(f *os.File, size int64) ([]byte, func() error, error) {
	b, err := os.ReadFile(f.Name())
	return b, func() error { return nil }, err
}

// MapFile reads the regular file at path; anything else (a folder, a
// device) is refused with ErrNotRegular.
func MapFile(path string) ([]byte, func() error, error) {
	b, unmap, _, err := MapFileInfo(path)
	return b, unmap, err
}

// MapFileInfo is MapFile, with the file's status.
func MapFileInfo(path string) ([]byte, func() error, os.FileInfo, error) {
	st, err := RegularFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := os.ReadFile(path)
	return b, func() error { return nil }, st, err
}

// openNonblock: none here (ReadRegular checks the file's type first).
const openNonblock = 0
