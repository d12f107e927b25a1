//go:build !linux

package source

// dontNeed is advice only; elsewhere the pages stay mapped until the
// mapping is closed.
func dontNeed(b []byte) {}

// populate is advice only; elsewhere the pages are faulted in as read.
func populate(b []byte) {}
