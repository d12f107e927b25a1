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
	if _, err := RegularFile(path); err != nil {
		return nil, nil, err
	}
	b, err := os.ReadFile(path)
	return b, func() error { return nil }, err
}

// openNonblock: none here (ReadRegular checks the file's type first).
const openNonblock = 0
