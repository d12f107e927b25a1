//go:build !unix

package npy

import "os"

func mmap(f *os.File, size int64) ([]byte, func() error, error) {
	b, err := os.ReadFile(f.Name())
	return b, func() error { return nil }, err
}

// MapFile reads the file at path.
func MapFile(path string) ([]byte, func() error, error) {
	b, err := os.ReadFile(path)
	return b, func() error { return nil }, err
}
