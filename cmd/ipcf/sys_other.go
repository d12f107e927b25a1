//go:build !unix

package main

// noFollow is 0 where open(2) has no O_NOFOLLOW: openProfile's Lstat
// check refuses links there.
const noFollow = 0

// maxRSS is 0 (unknown) where getrusage is not available.
func maxRSS() int64 { return 0 }
