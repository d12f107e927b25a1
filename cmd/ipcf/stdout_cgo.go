//go:build cgo && unix

package main

/*
#include <errno.h>
#include <fcntl.h>

// The Go runtime opens /dev/null on a standard descriptor the process was
// started without, before main: what was closed is known only here, in a
// constructor, which runs before the runtime starts.
static int ipcf_stdout_closed;

__attribute__((constructor)) static void ipcf_check_stdout(void) {
	ipcf_stdout_closed = fcntl(1, F_GETFD) < 0 && errno == EBADF;
}

static int ipcf_stdout_was_closed(void) { return ipcf_stdout_closed; }
*/
import "C"

// stdoutClosedAtStart reports whether the process started with file
// descriptor 1 closed (ipcf ... >&-).
func stdoutClosedAtStart() bool { return C.ipcf_stdout_was_closed() != 0 }
