//go:build !cgo || !unix

package main

// stdoutClosedAtStart is not known without cgo: the runtime has put
// /dev/null there before main.
func stdoutClosedAtStart() bool { return false }
