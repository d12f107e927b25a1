//go:build !unix

package ooc

import "os"

// Without O_NOFOLLOW (Windows) os.OpenFile opens a link's target: links
// are not refused there (the README says so); Windows has no FIFOs in
// the file system.
const (
	noFollow = 0
	noBlock  = 0
)

// nlink is 1: hard links are not counted here.
func nlink(st os.FileInfo) uint64 { return 1 }

// ownedByMe is true: file owners are not compared here.
func ownedByMe(st os.FileInfo) bool { return true }
