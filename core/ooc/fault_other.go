//go:build !linux

package ooc

// stopSelf: no SIGSTOP here; IPCF_FAULT_STOP does nothing.
func stopSelf() {}
