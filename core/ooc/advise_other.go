//go:build !linux

package ooc

import "os"

// willNeed does nothing here: the reads of the pieces come without
// read-ahead.
func willNeed(f *os.File, off, n int64) {}
