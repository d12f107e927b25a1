//go:build !unix

package npy

import "os"

func holdTemp(*os.File) bool { return true }

// RemoveStaleTemps does nothing here: without file locks a live writer's
// temporary file cannot be told from a dead one's.
func RemoveStaleTemps(dir string) {}

// Unreplaceable returns nil here: sticky folders are a POSIX rule.
func Unreplaceable(string) error { return nil }
