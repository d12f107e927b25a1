package ooc

import (
	"runtime"
	"syscall"
)

// stopSelf stops the process (SIGSTOP) until it is continued. The signal
// goes to the calling thread, which stops before it runs on: sent to the
// process, another thread would take it, and this one could go on for a
// while (the renames a test means to come after the stop).
func stopSelf() {
	runtime.LockOSThread() // this goroutine's thread, from Gettid to the stop
	defer runtime.UnlockOSThread()
	syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}
