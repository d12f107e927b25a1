package main

// The initialisers' probe of the caller's memory (errbuf.c's
// ipcf_writable), for TestWritableProbe: cgo cannot appear in _test.go
// files. Nothing here is called by the library.

/*
#include <stddef.h>
int ipcf_writable(void *p, size_t n);
extern int ipcf_writable_pipe_only;
*/
import "C"

import "unsafe"

// writableProbe runs ipcf_writable on the n bytes at p, by the pipe's
// path where pipeOnly is set (as where a sandbox refuses
// process_vm_readv and process_vm_writev), else by those calls.
func writableProbe(p unsafe.Pointer, n int, pipeOnly bool) bool {
	C.ipcf_writable_pipe_only = 0
	if pipeOnly {
		C.ipcf_writable_pipe_only = 1
	}
	defer func() { C.ipcf_writable_pipe_only = 0 }()
	return C.ipcf_writable(p, C.size_t(n)) != 0
}
