//go:build !linux

package npy

import (
	"errors"

	"github.com/ipcf/ipcf/core/array"
)

// Mapped is a .npy file written through a mapping (Linux only).
type Mapped struct {
	Data, File []byte
}

// ErrNotReserved: here every file is written from memory.
var ErrNotReserved = errors.New("npy: the file system cannot reserve the file's blocks")

// CreateMapped is ErrNotReserved here.
func CreateMapped(path string, dt array.DType, shape []int) (*Mapped, error) {
	return nil, ErrNotReserved
}

// Contains is false here.
func (m *Mapped) Contains(addr uintptr) bool { return false }

// Commit is never reached here.
func (m *Mapped) Commit(before func() error) error { return ErrNotReserved }

// Check is never reached here.
func (m *Mapped) Check() error { return ErrNotReserved }

// Abort does nothing here.
func (m *Mapped) Abort() {}
