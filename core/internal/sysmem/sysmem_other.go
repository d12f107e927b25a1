//go:build !linux

// Package sysmem reads what the machine has: the one owner of its memory
// size for the packages that refuse an allocation that cannot fit (Go
// cannot recover from running out of memory).
package sysmem

import "errors"

// Total is 0 here: the physical memory is not read on this system.
func Total() int64 { return 0 }

// CgroupHeadroom is unknown here.
func CgroupHeadroom() (int64, bool) { return 0, false }

// AddressReserve is what a large mapping leaves free below a limit of
// address space (see the Linux version).
const AddressReserve = 128 << 20

// AddressLeft is unknown here.
func AddressLeft() (int64, bool) { return 0, false }

// ErrMemory reports an allocation that cannot fit (pcf.ErrMemory is it).
var ErrMemory = errors.New("not enough memory")

// CheckAddress refuses nothing here.
func CheckAddress(what string, need int64) error { return nil }
