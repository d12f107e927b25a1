package main

// The command line tool is its own host: it caps glibc's malloc arenas
// at 2 before the Go runtime starts its threads. Each thread that calls
// malloc (cgo's thread start, FFTW's planner) otherwise reserves an arena
// of 64 MiB of address space, up to 8 per core, which nothing here uses
// (the engines allocate from Go or map their own arrays): under a limit
// of address space (ulimit -v, a batch system's h_vmem) the default
// dataset then needs 1.8 GB instead of 2.2 GB (TestAddressLimitSweep).
// The library leaves its hosts' malloc alone.

/*
#include <malloc.h>

__attribute__((constructor)) static void ipcf_malloc_arenas(void) { mallopt(M_ARENA_MAX, 2); }
*/
import "C"
